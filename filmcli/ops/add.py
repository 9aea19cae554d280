"""`filmcli add`: posts from filmcli's own exports, Markdown files and Letterboxd CSVs.

Every source is read into records; each record becomes one post file that is
checked (it must read back as the values it was made from), then written
atomically and exclusively. A bad record is reported with its source and
line and the others go on; a film already in the library (same title and
year) is skipped, or replaced with `force`.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.post import FILENAME, Post, coerce_date, date_from_filename, film_key
from filmcli.model.poster import Poster
from filmcli.model.slug import POST_SUFFIXES, name_slug, post_name_problem, slug_problem, slugify
from filmcli.model.writer import order_fields, render_post
from filmcli.ops.export import META, csv_unsafe, decode_record, read_meta
from filmcli.ops.new import (
    LibraryIndex,
    check_text,
    default_fields,
    describe_post,
    display_path,
    post_filename,
    remove_old,
    write_post,
)
from filmcli.store.editing import replace_poster

if TYPE_CHECKING:
    from filmcli.store.library import Store

SOURCE_KINDS = ("json", "jsonl", "csv", "toml", "md", "letterboxd", "imdb")
SUFFIX_KINDS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".toml": "toml",
    ".md": "md",
    ".markdown": "md",
}
# IMDb's ratings export: Const,Your Rating,Date Rated,Title,[Original Title,]URL,Title Type,...
IMDB_COLUMNS = ("Const", "Your Rating", "Title", "Title Type")
# Title Type values that are films (the newer export's and the older one's words)
IMDB_FILMS = {
    "movie",
    "tvmovie",
    "short",
    "video",
    "feature film",
    "tv movie",
    "short film",
    "documentary",
}


@dataclass
class Record:
    """One thing to add, with where it came from."""

    source: str  # the source as the user named it
    line: int | None  # 1-based line the record starts on, when known
    label: str  # "row 3", "record 2", "" for a whole file
    kind: str  # "export" (own export, or a record made by hand), "letterboxd", "md"
    payload: dict | bytes  # a dict, or the bytes of a Markdown post
    # The one folder poster files may be read from (resolved, symlinks followed, inside it):
    # a Markdown post's own site, else the folder it was given in; an export's folder.
    # None for standard input: such a record names no poster file.
    base: Path | None
    name: str | None = None  # a Markdown file's own name
    path: Path | None = None  # a Markdown file's own path

    def error(self, message: str, hint: str | None = None) -> FilmcliError:
        where = _label(self.label, self.line)
        return FilmcliError(where + message, self.source, self.line, hint=hint)


@dataclass
class Planned:
    """A post ready to be written."""

    filename: str
    data: bytes
    title: object
    year: object
    named: bool  # the source gave the file name (a derived one may take a suffix)
    date: _dt.date
    slug: str
    fields: dict
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class AddReport:
    """What `add` did (or, with `dry_run`, would do): the posts `added` (and of them those
    that `replaced` a post of the same film), how many records were `skipped` (already
    present), `failed`, or were `not_films` (IMDb TV series...), the posts `incomplete`
    (path, fields missing), and whether the posts folder was `created_folder` for them."""

    added: list[Path] = field(default_factory=list)
    skipped: int = 0
    failed: int = 0
    not_films: int = 0  # IMDb rows for TV series, episodes, games...
    replaced: list[Path] = field(default_factory=list)
    incomplete: list[tuple[Path, list[str]]] = field(default_factory=list)
    dry_run: bool = False
    created_folder: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


Report = AddReport  # its old name


# --- reading sources --------------------------------------------------------------


def source_kind(source: str, explicit: str | None) -> str:
    if explicit:
        if explicit not in SOURCE_KINDS:
            raise UsageError(
                f"unknown --from {explicit!r}", hint="choose " + ", ".join(SOURCE_KINDS)
            )
        return explicit
    if source == "-":
        raise UsageError(
            "cannot tell what standard input holds",
            hint="say it with --from json, jsonl, csv, toml, md, letterboxd or imdb",
        )
    path = Path(source)
    if path.is_dir():
        return "md"
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        raise UsageError(
            f"cannot tell what {source!r} holds from its name",
            hint="say it with --from json, jsonl, csv, toml, md, letterboxd or imdb",
        )
    return kind


def _read_source(source: str, stdin: bytes | None) -> bytes:
    if source == "-":
        return stdin if stdin is not None else sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise FilmcliError("no such file", source) from None
    except IsADirectoryError:
        raise FilmcliError("is a folder", source) from None
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror or exc}", source) from None


def _text(data: bytes, source: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FilmcliError("not valid UTF-8 text", source, line) from None


def read_records(
    source: str, kind: str, *, stdin: bytes | None = None, max_bytes: int | None = None
) -> Iterator[Record | FilmcliError]:
    """The records a source holds, or the error for each one that cannot be read;
    `max_bytes` (read.max_post_bytes) bounds each Markdown post."""
    base = None if source == "-" else Path(source).resolve().parent
    if kind == "md":
        yield from _markdown_records(source, stdin, max_bytes)
        return
    try:
        text = _text(_read_source(source, stdin), source)
    except FilmcliError as exc:
        yield exc
        return
    if kind == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                yield FilmcliError(f"not valid JSON: {_json_reason(exc)}", source, number)
                continue
            yield _record_or_error(obj, source, number, f"line {number}", base)
    elif kind == "json":
        yield from _json_records(text, source, base)
    elif kind == "toml":
        yield from _toml_records(text, source, base)
    elif kind in ("csv", "letterboxd", "imdb"):
        yield from _csv_records(text, source, base, kind=kind)


def _json_reason(exc: ValueError) -> str:
    return getattr(exc, "msg", None) or str(exc)


def _label(label: str | None, line: int | None) -> str:
    """`row 3: ` before a message; nothing when the label only repeats the location's line
    (`-:1: line 1:` said the line twice)."""
    if not label or label == f"line {line}":
        return ""
    return f"{label}: "


def _record_or_error(
    obj, source: str, line: int | None, label: str, base: Path | None, kind: str = "export"
) -> Record | FilmcliError:
    if not isinstance(obj, dict):
        where = _label(label, line)
        return FilmcliError(
            f"{where}a record must be an object of fields, not {type(obj).__name__}", source, line
        )
    return Record(source, line, label, kind, obj, base)


def _json_records(text: str, source: str, base: Path | None) -> Iterator[Record | FilmcliError]:
    """A JSON array of records (or one record), each with the line it starts on."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos < len(text) and text[pos] == "{":
        try:
            obj, _ = decoder.raw_decode(text, pos)
        except ValueError as exc:
            yield FilmcliError(
                f"not valid JSON: {_json_reason(exc)}", source, getattr(exc, "lineno", None)
            )
            return
        yield _record_or_error(obj, source, text.count("\n", 0, pos) + 1, "", base)
        return
    if pos >= len(text) or text[pos] != "[":
        yield FilmcliError(
            "not a JSON array of records",
            source,
            1,
            hint="use --from jsonl for one record per line",
        )
        return
    pos = _skip_ws(text, pos + 1)
    number = 0
    if pos < len(text) and text[pos] == "]":
        return
    while True:
        number += 1
        line = text.count("\n", 0, pos) + 1
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except ValueError as exc:
            yield FilmcliError(
                f"record {number}: not valid JSON: {_json_reason(exc)}",
                source,
                getattr(exc, "lineno", line),
            )
            return  # the rest of the array cannot be found reliably
        yield _record_or_error(obj, source, line, f"record {number}", base)
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            return
        yield FilmcliError(
            f"after record {number}: expected ',' or ']'", source, text.count("\n", 0, pos) + 1
        )
        return


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _toml_records(text: str, source: str, base: Path | None) -> Iterator[Record | FilmcliError]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        line = None
        found = re.search(r"\(at line (\d+)", msg)
        if found:
            line = int(found.group(1))
        yield FilmcliError(f"not valid TOML: {msg.split(' (at line')[0]}", source, line)
        return
    posts = doc.get("post")
    if not isinstance(posts, list):
        yield FilmcliError("no [[post]] tables: not a filmcli TOML export", source, 1)
        return
    starts = [
        n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*post\s*\]\]", line)
    ]
    for number, obj in enumerate(posts, 1):
        line = starts[number - 1] if len(starts) == len(posts) else None
        yield _record_or_error(obj, source, line, f"post {number}", base)


def _csv_records(
    text: str, source: str, base: Path | None, *, kind: str
) -> Iterator[Record | FilmcliError]:
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield FilmcliError("the CSV file is empty", source, 1)
        return
    except csv.Error as exc:
        yield FilmcliError(f"not valid CSV: {exc}", source, 1)
        return
    header = [h.strip() for h in header]
    if kind == "csv" and all(c in header for c in IMDB_COLUMNS):
        kind = "imdb"
    if kind == "imdb" and not all(c in header for c in IMDB_COLUMNS):
        yield FilmcliError(
            "no "
            + ", ".join(c for c in IMDB_COLUMNS if c not in header)
            + " column: not an IMDb ratings export",
            source,
            1,
            hint="IMDb's ratings.csv has Const, Your Rating, Date Rated, Title, URL, Title Type...",
        )
        return
    letterboxd = kind == "letterboxd" or (kind == "csv" and _looks_letterboxd(header))
    if letterboxd and "Name" not in header:
        yield FilmcliError(
            "no Name column: not a Letterboxd export",
            source,
            1,
            hint="Letterboxd's diary.csv, watched.csv and reviews.csv have "
            "Date, Name, Year, Letterboxd URI...",
        )
        return
    start = reader.line_num + 1
    row_number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield FilmcliError(f"row {row_number + 1}: not valid CSV: {exc}", source, start)
            return
        row_number += 1
        line = start
        start = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield FilmcliError(
                f"row {row_number}: {len(row)} cells but the header names {len(header)} columns",
                source,
                line,
            )
            continue
        obj = dict(zip(header, row, strict=False))
        yield Record(
            source, line, f"row {row_number}", "letterboxd" if letterboxd else kind, obj, base
        )


def _looks_letterboxd(header: list[str]) -> bool:
    return "Letterboxd URI" in header or (
        "Name" in header and "Year" in header and "title" not in header
    )


def _markdown_records(
    source: str, stdin: bytes | None, max_bytes: int | None = None
) -> Iterator[Record | FilmcliError]:
    if source == "-":
        data = stdin if stdin is not None else sys.stdin.buffer.read()
        yield Record(source, None, "", "md", data, None)
        return
    path = Path(source)
    if path.is_dir():
        from filmcli.store.library import _walk

        files = sorted(_walk(path))
        if not files:
            yield FilmcliError("no Markdown posts in this folder", source)
        for file in files:
            yield _markdown_file(file, path, max_bytes)
        return
    yield _markdown_file(path, path.parent, max_bytes)


def _markdown_file(path: Path, given: Path, max_bytes: int | None = None) -> Record | FilmcliError:
    from filmcli.model.reader import read_bytes

    try:
        # the reader's opening: a FIFO, a device or a link to /dev/zero is refused at once
        data = read_bytes(path, max_bytes=max_bytes)
    except FilmcliError as exc:
        return exc
    base = _site_root(path) or given.resolve()
    return Record(str(path), None, "", "md", data, base, name=path.name, path=path)


# --- Letterboxd and hand-made rows --------------------------------------------------


def letterboxd_fields(row: dict) -> dict:
    """A Letterboxd row as a plain record: Name -> title, Review -> body, and the rest."""

    def cell(name: str) -> str:
        value = row.get(name)
        return value.strip() if isinstance(value, str) else ""

    record: dict = {}
    record["title"] = cell("Name")
    record["year"] = cell("Year")
    when = cell("Watched Date") or cell("Date")
    if when:
        record["date"] = when
    rating = cell("Rating")
    if rating:
        try:
            number = float(rating)
        except ValueError:
            raise FilmcliError(f"Rating {rating!r} is not a number") from None
        record["rating"] = int(number) if number.is_integer() else number
    uri = cell("Letterboxd URI")
    if uri:
        record["letterboxd"] = uri
    tags = cell("Tags")
    if tags:
        record["tags"] = [t.strip() for t in tags.split(",") if t.strip()]
    review = row.get("Review")
    if isinstance(review, str) and review.strip():
        record["body"] = wrap_liquid(review)
    return record


def imdb_fields(row: dict) -> dict | None:
    """An IMDb ratings row as a plain record (None for a row that is no film): Title,
    Year, Directors, the id as `imdb`, Date Rated as the post's date, and Your Rating
    (1-10) halved to the 0.5-5 stars Letterboxd and the rest of the library use."""

    def cell(name: str) -> str:
        value = row.get(name)
        return value.strip() if isinstance(value, str) else ""

    if cell("Title Type").casefold() not in IMDB_FILMS:
        return None
    record: dict = {"title": cell("Title"), "year": cell("Year")}
    if cell("Directors"):
        record["director"] = cell("Directors")
    if cell("Date Rated"):
        record["date"] = cell("Date Rated")
    rating = cell("Your Rating")
    if rating:
        try:
            number = float(rating) / 2
        except ValueError:
            raise FilmcliError(f"Your Rating {rating!r} is not a number") from None
        record["rating"] = int(number) if number.is_integer() else number
    if cell("Const"):
        record["imdb"] = cell("Const")
    return record


def wrap_liquid(text: str) -> str:
    """Letterboxd reviews are plain text: keep Jekyll from reading `{{`/`{%` in them."""
    if ("{{" in text or "{%" in text) and "endraw" not in text:
        return "{% raw %}" + text + "{% endraw %}"
    return text


def _year(value, what: str = "year"):
    if isinstance(value, bool):
        raise FilmcliError(f"{what} {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,4}\s*", value):
        return int(value)
    raise FilmcliError(f"{what} {value!r} is not a whole number")


# --- turning records into posts ------------------------------------------------------


class Adder:
    """Adds records to a library one at a time; see `add_sources`."""

    def __init__(
        self,
        library: Store,
        *,
        force: bool = False,
        dry_run: bool = False,
        today: _dt.date | None = None,
        on_added: Callable[[Path, Planned], None] | None = None,
        on_skipped: Callable[[Record, str], None] | None = None,
        on_failed: Callable[[FilmcliError], None] | None = None,
        on_note: Callable[[str, str], None] | None = None,
        complete: Callable[[dict], dict] | None = None,
    ):
        self.library = library
        self.config = library.config
        self.force = force
        self.dry_run = dry_run
        self.today = today or _dt.date.today()
        self.index = LibraryIndex(library)
        self.report = AddReport(dry_run=dry_run)
        self.on_added = on_added or (lambda path, plan: None)
        self.on_skipped = on_skipped or (lambda record, why: None)
        self.on_failed = on_failed or (lambda exc: None)
        self.on_note = on_note or (lambda where, text: None)
        self.complete = complete  # add --lookup: lookup.fill.Completer
        settings = library.settings
        self.required = list(settings.validate.required)
        self.max_width = settings.poster.max_width
        self.poster_format = settings.poster.format
        self.max_pixels = settings.validate.max_pixels

    # --- the loop ----------------------------------------------------------

    def add(self, item: Record | FilmcliError) -> None:
        if isinstance(item, FilmcliError):
            self._fail(item)
            return
        if (
            item.kind == "imdb"
            and isinstance(item.payload, dict)
            and imdb_fields(item.payload) is None
        ):
            self.report.not_films += 1  # counted, not listed: an export holds many episodes
            return
        try:
            plan = self.plan(item)
            self.place(item, plan)
        except FilmcliError as exc:
            if exc.path is None:
                where = _label(item.label, item.line)
                exc = FilmcliError(where + exc.message, item.source, item.line, hint=exc.hint)
            self._fail(exc)

    def _fail(self, exc: FilmcliError) -> None:
        self.report.failed += 1
        self.on_failed(exc)

    # --- one record -----------------------------------------------------------

    def plan(self, record: Record) -> Planned:
        if record.kind == "md":
            return self._plan_markdown(record)
        assert isinstance(record.payload, dict)  # only a Markdown post's payload is bytes
        payload = dict(record.payload)
        if record.kind == "letterboxd":
            payload = letterboxd_fields(payload)
            return self._plan_plain(record, payload, need_title_year=True)
        if record.kind == "imdb":
            film = imdb_fields(payload)
            assert film is not None  # add() counts the rows that are no film, unplanned
            return self._plan_plain(record, film, need_title_year=True)
        meta = read_meta(payload)
        if meta is not None:
            if record.kind == "csv" and meta.get("csv") == "safe":
                payload = csv_unsafe(payload)  # the `'` export --csv-safe put in front
            return self._plan_export(record, payload, meta)
        if record.kind == "csv":
            payload = {k: v for k, v in payload.items() if v != "" and k is not None}
        return self._plan_plain(record, payload, need_title_year=True)

    def _plan_export(self, record: Record, payload: dict, meta: dict) -> Planned:
        """A record from `filmcli export`: rebuilt exactly as it was."""
        fields, body, gap = decode_record(payload, meta)
        if meta.get("poster") == "file" and isinstance(fields.get("poster"), str):
            fields["poster"] = self._embed_exact(record, fields["poster"])
        name = meta.get("file") or ""
        named = bool(name)
        if named:
            problem = _post_folder_problem(name)
            if problem:
                raise record.error(f"{META}.file {name!r} cannot be used: {problem}")
            folder, _, base = name.rpartition("/")
            when = date_from_filename(base)[0] or self.today
            slug = name_slug(base)
            problem = post_name_problem(base)
            if problem:
                # a name filmcli's slug rule refuses: the post still comes in, renamed
                slug = self.index.free_slug(slugify(slug), fields.get("year"), when)
                renamed = (f"{folder}/" if folder else "") + post_filename(when, slug)
                where = f"{record.source}:{record.line}" if record.line else record.source
                self.on_note(
                    where,
                    f"{_label(record.label, record.line)}"
                    f"{META}.file {name!r} cannot be used ({problem}): "
                    f"added as {renamed}",
                )
                name, named = renamed, False
        else:
            when, slug = self._date_and_slug(record, payload, fields)
            name = post_filename(when, slug)
        return self._finish(record, fields, body, gap, name, named, when, slug)

    def _plan_plain(self, record: Record, payload: dict, *, need_title_year: bool) -> Planned:
        """A record made by hand or from a Letterboxd row: defaults fill the gaps."""
        body = payload.pop("body", "")
        if body is None:
            body = ""
        if not isinstance(body, str):
            raise record.error("body is not text")
        path = payload.pop("path", None)
        payload.pop(META, None)
        fields = {k: v for k, v in payload.items() if k not in ("date", "slug")}
        title, year = fields.get("title"), fields.get("year")
        if need_title_year:
            what = {"letterboxd": "Name", "imdb": "Title"}.get(record.kind, "title")
            ywhat = "Year" if record.kind in ("letterboxd", "imdb") else "year"
            absent = [
                w
                for w, v in ((what, title), (ywhat, year))
                if v is None or (isinstance(v, str) and not v.strip())
            ]
            if absent:
                raise record.error(
                    f"no {' and no '.join(absent)}: a film is known by its title and year"
                )
        if title is not None and not isinstance(title, str):
            fields["title"] = title = str(title)
        if year is not None:
            fields["year"] = _year(
                year, "Year" if record.kind in ("letterboxd", "imdb") else "year"
            )
        for key, value in default_fields(self.config).items():
            fields.setdefault(key, value)
        if self.complete is not None:
            self._complete(record, fields)
        poster = fields.get("poster")
        if isinstance(poster, str) and poster.strip() and not poster.startswith("data:"):
            found = Poster.from_value(poster)
            if found.origin == "path":
                fields["poster"] = self._embed_prepared(record, poster)
        fields = order_fields(fields)
        named = False
        name = None
        if isinstance(path, str) and path:
            base = path.replace("\\", "/").rsplit("/", 1)[-1]
            if not post_name_problem(base) and FILENAME.match(base):
                name, named = base, True
        if name is not None:  # (named)
            named_date, named_slug = date_from_filename(name)
            assert named_slug is not None  # the name fits FILENAME
            when, slug = named_date or self.today, named_slug
        else:
            when, slug = self._date_and_slug(record, payload, fields)
            name = post_filename(when, slug)
        return self._finish(record, fields, body, "\n", name, named, when, slug)

    def _complete(self, record: Record, fields: dict) -> None:
        """add --lookup: what the record misses, from its exact match; a record with none is
        added as it is, with a note saying why (`filmcli fill` completes it later)."""
        from filmcli.lookup import NoMatch

        if self.complete is None:  # (called only with add --lookup)
            return
        if self.index.film(fields.get("title"), fields.get("year")) is not None and not self.force:
            return  # already in the library: place() skips it, no lookup needed
        try:
            found = self.complete(fields)
        except NoMatch as exc:
            where = f"{record.source}:{record.line}" if record.line else record.source
            self.on_note(where, "\n".join([f"{exc.location}: {exc.message}", *exc.details]))
            return
        except FilmcliError as exc:
            message = f"{exc.location}: {exc.message}" if exc.location else exc.message
            raise record.error(message, exc.hint) from None
        for key, value in found.items():
            if fields.get(key) in (None, ""):
                fields[key] = value

    def _plan_markdown(self, record: Record) -> Planned:
        """A Markdown post, copied in as it is (a poster given as a file path embedded)."""
        data = record.payload
        assert isinstance(data, bytes)
        try:
            post = Post.from_bytes(data, Path(record.source))
        except FilmcliError as exc:
            exc.path = record.source
            raise
        fields = post.metadata()
        poster = post.front_matter.get("poster")
        if isinstance(poster, str) and poster.strip():
            poster = Poster.from_value(poster)
        if isinstance(poster, Poster) and poster.origin == "path":
            uri = self._embed_prepared(record, poster.value or "")
            fields["poster"] = uri
            try:
                data = replace_poster(data, post, uri)
            except FilmcliError:  # it would not read back (an anchor another key aliases)
                data = render_post(fields, post.body, gap=post.gap)
        name = record.name or ""
        named_when, named_slug = date_from_filename(name)  # (None, None) unless FILENAME fits
        named = bool(named_when and named_slug is not None and not slug_problem(named_slug))
        if named_when is not None and named_slug is not None and named:
            when, slug = named_when, named_slug
            name = post_filename(when, slug)
        else:
            when = post.date or self.today
            title = (
                post.title
                if isinstance(post.title, str) and post.title.strip()
                else (name.rsplit(".", 1)[0] or "untitled")
            )
            slug = self.index.free_slug(slugify(title), post.year, when)
            name = post_filename(when, slug)
        plan = self._finish(record, fields, post.body, post.gap, name, named, when, slug, data=data)
        return plan

    def _date_and_slug(self, record: Record, payload: dict, fields: dict):
        when = self.today
        text = payload.get("date")
        if text not in (None, ""):
            parsed = coerce_date(text)
            if parsed is None:
                raise record.error(f"date {text!r} is not a date (YYYY-MM-DD)")
            when = parsed
        slug = payload.get("slug")
        if slug not in (None, ""):
            if not isinstance(slug, str):
                raise record.error("slug is not text")
            problem = slug_problem(slug)
            if problem:
                raise record.error(f"slug {slug!r} cannot be used: {problem}")
            return when, slug
        title = fields.get("title")
        base = slugify(title if isinstance(title, str) and title.strip() else "untitled")
        return when, self.index.free_slug(base, fields.get("year"), when)

    def _finish(
        self,
        record: Record,
        fields: dict,
        body: str,
        gap: str,
        name: str,
        named: bool,
        when: _dt.date,
        slug: str,
        *,
        data: bytes | None = None,
    ) -> Planned:
        check_text("the body", body)
        for key, value in fields.items():
            check_text(str(key), value)
        if data is None:
            data = render_post(fields, body, gap=gap)
        check_text("the post", data.decode("utf-8", "surrogateescape"))
        back = Post.from_bytes(data, self.library.posts_dir / name)
        if back.metadata() != fields or back.body != body:
            raise record.error(
                "the post would not read back as the record's values",
                hint="a key or value filmcli cannot write as given",
            )
        missing = []
        for key in self.required:
            value = back.front_matter.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                missing.append(key)
        return Planned(name, data, back.title, back.year, named, when, slug, fields, missing)

    # --- posters given as files -------------------------------------------------

    def _find_file(self, record: Record, value: str) -> Path:
        """The poster file `value` names, only ever inside the record's own folder
        (`Record.base`), with the resolve-inside check `embed-posters` uses."""
        from filmcli.posters.extract import poster_file

        if record.base is None:
            raise record.error(
                f"poster {value!r} names a file, and a post read from standard "
                "input has no folder to read it from; not embedded",
                hint="give the source as a file, next to its posters",
            )
        post = record.path or record.base / (record.name or "record")
        try:
            return poster_file(record.base, post, value)
        except FilmcliError as exc:
            if os.path.isabs(value):  # a full path of this machine, not a site path
                real = Path(value).resolve()
                if real.is_file() and _inside(real, record.base):
                    return real
                if real.exists():
                    raise record.error(
                        f"poster path {value!r} leads outside {record.base}; not embedded",
                        hint="posters are read only next to the source, inside its folder or site",
                    ) from None
            raise record.error(
                exc.message.replace("the site", str(record.base)),
                hint="posters are read only next to the source, inside its folder or site",
            ) from None

    def _embed_prepared(self, record: Record, value: str) -> str:
        from filmcli.posters.prepare import prepare_poster, read_image_file, target_format

        path = self._find_file(record, value)
        prepared = prepare_poster(
            read_image_file(path),
            name=path,
            max_width=self.max_width,
            fmt=target_format(self.poster_format),
            max_pixels=self.max_pixels,
        )
        return prepared.uri

    def _embed_exact(self, record: Record, value: str) -> str:
        """An exported poster file, embedded byte for byte (the export -> add round trip)
        when it carries nothing but the picture; else with its metadata (EXIF, GPS, XMP,
        comments) dropped through the poster pipeline."""
        import base64

        from filmcli.model.imageinfo import MIME, sniff_format
        from filmcli.posters.prepare import exact_or_clean

        path = self._find_file(record, value)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise record.error(f"cannot read poster {value!r}: {exc.strerror}") from None
        fmt = sniff_format(data[:64])
        if fmt is None:
            raise record.error(f"poster {value!r} is not an image")
        try:
            data = exact_or_clean(data, name=value, max_pixels=self.max_pixels)
        except FilmcliError as exc:
            raise record.error(f"poster {value!r}: {exc.message}") from None
        fmt = sniff_format(data[:64]) or fmt
        return f"data:{MIME[fmt]};base64," + base64.b64encode(data).decode("ascii")

    # --- writing -------------------------------------------------------------------

    def place(self, record: Record, plan: Planned) -> None:
        posts_dir = self.library.posts_dir
        same = self.index.film(plan.title, plan.year)
        target = posts_dir / plan.filename
        if same is None and target.is_file() and _same_film(target, plan):
            same = target  # written since this run began (another run adding the same films)
        if same is not None and not self.force:
            self.report.skipped += 1
            self.on_skipped(
                record, f"{plan.title!r} ({plan.year}) is already in {self.library.relpath(same)}"
            )
            return
        if "/" in plan.filename:
            _check_inside(self.library, target)
        exists = target.exists() or target.is_symlink()
        if exists and target != same:
            if plan.named:
                owner = describe_post(target)
                raise record.error(
                    f"{self.library.relpath(target)} already exists and holds {owner}",
                    hint="rename the file in the source, or remove the post in the way",
                )
            slug = self.index.free_slug(plan.slug, plan.year, plan.date)
            plan.filename = post_filename(plan.date, slug)
            target = posts_dir / plan.filename
        if not self.dry_run:
            replace = self.force and target == same
            try:
                write_post(target, plan.data, replace=replace)
            except FilmcliError:
                # Created meanwhile (another run adding the same films): never clobbered.
                if not replace and _same_film(target, plan):
                    self.index.note(target, plan.title, plan.year)
                    self.report.skipped += 1
                    self.on_skipped(
                        record,
                        f"{plan.title!r} ({plan.year}) was just added to "
                        f"{self.library.relpath(target)} by another run",
                    )
                    return
                raise
            if same is not None and same != target:
                remove_old(same, target)
        if same is not None:
            self.index.forget(same)
            self.report.replaced.append(same)
        self.index.note(target, plan.title, plan.year)
        self.report.added.append(target)
        if plan.missing:
            self.report.incomplete.append((target, plan.missing))
        self.on_added(target, plan)


def _same_film(path: Path, plan: Planned) -> bool:
    try:
        post = Post.read(path)
    except FilmcliError:
        return False
    key = film_key(plan.title, plan.year)
    return key is not None and film_key(post.title, post.year) == key


def _post_folder_problem(name: str) -> str | None:
    """Why an export's `_filmcli.file` cannot be recreated inside the posts folder: it
    must be a plain relative path (`blog/2024-02-22.md`), every folder a safe name, ending
    in a .md or .markdown name (whose slug `post_name_problem` judges)."""
    from filmcli.posters.extract import filename_problem

    if "\\" in name:
        return "it holds a backslash (folders are separated by '/')"
    if name.startswith("/") or os.path.isabs(name):
        return "it is an absolute path; only a place inside the posts folder may be named"
    *folders, base = name.split("/")
    for part in folders:
        if part == "..":
            return "it leads outside the posts folder"
        if part in ("", "."):
            return "it is not a plain relative path"
        problem = filename_problem(part)
        if problem:
            return f"folder {part!r}: {problem}"
    if not base.lower().endswith(POST_SUFFIXES) or base.lower() in POST_SUFFIXES:
        return "a post file name ends in .md or .markdown"
    return None


def _check_inside(library: Store, target: Path) -> None:
    """A post in a subfolder goes there only when that folder is inside the posts folder
    once symbolic links are followed."""
    posts = os.path.realpath(library.posts_dir)
    real = os.path.realpath(target.parent)
    if real != posts and not real.startswith(os.path.join(posts, "")):
        raise FilmcliError(
            f"{library.relpath(target.parent)} leads outside the posts folder "
            f"(to {real}): not written"
        )


def _site_root(path: Path) -> Path | None:
    """The site a Markdown post came from: the folder above its `_posts`."""
    for folder in path.resolve().parents:
        if folder.name == "_posts":
            return folder.parent
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def add_sources(
    library: Store, sources: list[str], *, kind: str | None = None, **options
) -> AddReport:
    """Add every record of every source; the report says what happened."""
    kinds = [(source, source_kind(source, kind)) for source in sources]
    if sum(source == "-" for source in sources) > 1:
        raise UsageError("standard input ('-') can be read only once")
    adder = Adder(library, **options)
    max_bytes = library.settings.read.max_post_bytes
    for source, source_type in kinds:
        for item in read_records(source, source_type, max_bytes=max_bytes):
            adder.add(item)
    return adder.report


def add_library(
    library: Store,
    sources: list[str],
    *,
    kind: str | None = None,
    dry_run: bool = False,
    lookup: bool = False,
    provider: str | None = None,
    offline: bool = False,
    refresh: bool = False,
    **options,
) -> AddReport:
    """`add_sources` under the library lock (none in a dry run), with `lookup` completing
    records from TMDb or Wikidata (`provider`, `offline`, `refresh` as for `fill`)."""
    import contextlib

    from filmcli.store.lock import library_lock

    fresh = not library.posts_dir.exists()
    with contextlib.ExitStack() as stack:
        if not dry_run:
            stack.enter_context(library_lock(library))
        complete = None
        if lookup:
            from filmcli.lookup import Session
            from filmcli.ops.fill import Completer

            complete = Completer(
                Session(library.config, provider, offline=offline, refresh=refresh)
            )
            stack.callback(complete.session.close)
        report = add_sources(
            library, sources, kind=kind, dry_run=dry_run, complete=complete, **options
        )
    report.created_folder = fresh and library.posts_dir.is_dir()
    return report


__all__ = [
    "AddReport",
    "Adder",
    "Planned",
    "Record",
    "Report",
    "add_library",
    "add_sources",
    "display_path",
    "imdb_fields",
    "letterboxd_fields",
    "read_records",
    "source_kind",
]
