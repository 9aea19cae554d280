"""A film review post: its front matter given meaning (title, year, poster…) and its body."""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from filmcli.model.poster import Poster
from filmcli.model.reader import RawPost, parse_bytes, read_post

FILENAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)\.(md|markdown)\Z")
CORE_KEYS = ("layout", "title", "director", "year", "poster")


def date_from_filename(name: str) -> tuple[_dt.date | None, str | None]:
    """The date and slug of `YYYY-MM-DD-slug.md`; (None, None) when it does not fit."""
    match = FILENAME.match(name)
    if not match:
        return None, None
    year, month, day, slug = match.group(1, 2, 3, 4)
    try:
        return _dt.date(int(year), int(month), int(day)), slug
    except ValueError:
        return None, slug


def coerce_date(value) -> _dt.date | None:
    """A `date:` value as Jekyll would read it, or None when Jekyll could not."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?\Z", text)
        if match:
            try:
                return _dt.date(*(int(g) for g in match.group(1, 2, 3)))
            except ValueError:
                return None
    return None


def film_key(title, year) -> tuple | None:
    """What makes two posts the same film: the title (trimmed, any case) and the year.

    None when either is missing or the year is not a plain value (a list, a mapping):
    such a post is no film to compare, whatever else it is.
    """
    if not isinstance(title, str) or not title.strip():
        return None
    if isinstance(year, bool) or not isinstance(year, (int, str)) or year == "":
        return None
    return (title.strip().casefold(), year)


@dataclass
class Post:
    """One post. `front_matter` keeps every key in file order; `poster` is a Poster."""

    path: Path
    front_matter: dict
    body: str = ""
    lines: dict = field(default_factory=dict)
    gap: str = "\n"
    body_line: int = 0  # the file line the body starts on
    #: (rule, line, message) of what the reader read but said (a duplicate key: the last
    #: value kept, as Jekyll keeps it): validate reports them
    notes: list = field(default_factory=list)
    #: Fields made from more than the file (`url`), by name: each made once, when asked.
    computed: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_raw(cls, raw: RawPost) -> Post:
        body_line = raw.fm_lines + 1 + (1 if raw.gap else 0)
        return cls(raw.path, raw.front_matter, raw.body, raw.lines, raw.gap, body_line, raw.notes)

    @classmethod
    def read(cls, path: str | os.PathLike, *, max_bytes: int | None = None) -> Post:
        """Read and parse a post file; FilmcliError (with path, line and rule) if it cannot."""
        return cls.from_raw(read_post(path, max_bytes=max_bytes))

    @classmethod
    def from_bytes(cls, data: bytes, path: str | os.PathLike = "<post>") -> Post:
        return cls.from_raw(parse_bytes(data, Path(path)))

    # --- the fields every film has -----------------------------------

    @property
    def title(self):
        return self.front_matter.get("title")

    @property
    def director(self):
        return self.front_matter.get("director")

    @property
    def year(self):
        return self.front_matter.get("year")

    @property
    def layout(self):
        return self.front_matter.get("layout")

    @property
    def poster(self) -> Poster | None:
        value = self.front_matter.get("poster")
        return value if isinstance(value, Poster) else None

    @property
    def extra(self) -> dict:
        """Every front-matter key beyond the seed's five, in file order."""
        return {k: v for k, v in self.front_matter.items() if k not in CORE_KEYS}

    def _name_facts(self) -> tuple[_dt.date | None, str | None]:
        """date_from_filename of this post's name, remembered (sorting asks many times)."""
        name = self.path.name
        cached = self.__dict__.get("_name_cache")
        if cached is None or cached[0] != name:
            cached = self.__dict__["_name_cache"] = (name, date_from_filename(name))
        return cached[1]

    @property
    def filename_date(self) -> _dt.date | None:
        return self._name_facts()[0]

    @property
    def date(self) -> _dt.date | None:
        """The `date:` key when Jekyll can read it, else the file name's date."""
        if "date" in self.front_matter:
            parsed = coerce_date(self.front_matter["date"])
            if parsed is not None:
                return parsed
        return self.filename_date

    @property
    def slug(self) -> str:
        slug = self._name_facts()[1]
        if slug:
            return slug
        stem = self.path.name.rsplit(".", 1)[0]
        return stem

    @property
    def draft(self) -> bool:
        """A draft: a file in Jekyll's `_drafts/` folder or a folder below it, as Jekyll reads
        them (no date in its name)."""
        for folder in self.path.parents:  # the nearest of _drafts/ and _posts/ decides
            if folder.name in ("_drafts", "_posts"):
                return folder.name == "_drafts"
        return False

    @property
    def review(self) -> str:
        """The body without surrounding blank lines (what python-frontmatter calls content)."""
        return self.body.strip()

    def metadata(self) -> dict:
        """The front matter as plain values, the poster as its full text (as YAML gives it)."""
        return {k: (v.text if isinstance(v, Poster) else v) for k, v in self.front_matter.items()}

    def get(self, name: str):
        """A field by name for sorting, filtering and output: core keys, path facts, extras."""
        if name == "date":
            return self.date
        if name == "slug":
            return self.slug
        if name == "draft":
            return self.draft
        if name == "body":
            return self.body
        if name == "path":
            return str(self.path)
        maker = self.computed.get(name)
        if maker is not None:
            made = self.__dict__.setdefault("_computed_values", {})
            if name not in made:
                made[name] = maker(self)
            return made[name]
        return self.front_matter.get(name)
