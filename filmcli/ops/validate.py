"""Linting a library: each problem has a stable rule id, a severity, a file and a line."""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from filmcli.errors import FilmcliError, UsageError
from filmcli.model import jekyll as jekyll
from filmcli.model.imageinfo import MIME, MIME_ALIASES
from filmcli.model.post import Post, film_key
from filmcli.model.poster import Poster
from filmcli.model.slug import post_name_problem
from filmcli.store.config import ValidateSettings, settings_of

if TYPE_CHECKING:
    from filmcli.store.library import Store

ERROR, WARNING = "error", "warning"

#: rule id -> (severity, what it checks). Ids are stable: scripts select and ignore them.
RULES: dict[str, tuple[str, str]] = {
    "FC001": (
        WARNING,
        "no front matter (Jekyll titles the post from its file name, or copies "
        "it as a static file)",
    ),
    "FC002": (ERROR, "front matter not closed"),
    "FC003": (ERROR, "YAML syntax error"),
    "FC004": (WARNING, "duplicate key (Jekyll keeps the last value)"),
    "FC005": (ERROR, "YAML tag that constructs an object"),
    "FC006": (ERROR, "YAML alias bomb (a plain anchor and alias only warns)"),
    "FC007": (ERROR, "not UTF-8 text"),
    "FC008": (ERROR, "post file too large"),
    "FC009": (ERROR, "file cannot be read"),
    "FC010": (ERROR, "value filmcli cannot read though it is valid YAML syntax"),
    "FC101": (ERROR, "required field missing or empty"),
    "FC102": (ERROR, "field has the wrong type"),
    "FC103": (ERROR, "year out of range"),
    "FC104": (ERROR, "poster MIME type differs from the data"),
    "FC105": (ERROR, "poster is neither a data URI nor a site file"),
    "FC106": (ERROR, "poster data is not valid base64"),
    "FC107": (ERROR, "poster image truncated or not decodable"),
    "FC108": (ERROR, "poster image over the pixel limit"),
    "FC109": (ERROR, "poster image over the byte limit"),
    "FC110": (ERROR, "poster data is not an image"),
    "FC111": (ERROR, "poster data URI malformed"),
    "FC112": (WARNING, "poster base64 broken by whitespace or line folds"),
    "FC113": (WARNING, "poster is a URL on another site"),
    "FC201": (ERROR, "no date in the name of a file in _posts (Jekyll leaves it out)"),
    "FC202": (ERROR, "date in a file name Jekyll cannot read (the build stops)"),
    "FC203": (ERROR, "same film twice (title and year)"),
    "FC204": (ERROR, "two posts or pages build to the same URL (by case only: a warning)"),
    "FC205": (ERROR, "date Jekyll cannot read (the build stops)"),
    "FC206": (WARNING, "date in the future"),
    "FC207": (ERROR, "Liquid in the body Jekyll cannot parse (the build stops)"),
    "FC208": (WARNING, "unknown front-matter key"),
    "FC209": (ERROR, "a value Jekyll's YAML reader (Ruby's Psych) reads otherwise"),
}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    rule: str
    severity: str
    message: str
    fix: str | None = None  # "safe" or "unsafe" when `validate --fix` can repair it

    def as_dict(self) -> dict:
        return asdict(self)

    def text(self, *, no_fix: bool = False) -> str:
        """`path:line: FC104 [*] error ...` for people: `[*]` when there is a fix (`(no fix)`
        instead, with `no_fix`, when there is none); a title's newline or escape sequence
        shown, never run."""
        from filmcli.text import visible

        where = f"{self.path}:{self.line}" if self.line else self.path
        marker = " [*]" if self.fix else " (no fix)" if no_fix else ""
        return f"{visible(where)}: {self.rule}{marker} {self.severity} {visible(self.message)}"

    def github(self) -> str:
        kind = "error" if self.severity == ERROR else "warning"
        line = f",line={self.line}" if self.line else ""
        from filmcli.ops.formats import data_controls

        msg = data_controls(_github_escape(self.message))
        path = data_controls(_github_escape(self.path).replace(":", "%3A").replace(",", "%2C"))
        return f"::{kind} file={path}{line},title={self.rule}::{msg}"


def _github_escape(text: str) -> str:
    """GitHub workflow commands' escaping of data (properties also escape : and ,)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@dataclass
class Options:
    required: Sequence[str] = ValidateSettings.required
    max_pixels: int = ValidateSettings.max_pixels
    max_bytes: int = ValidateSettings.max_bytes
    min_year: int = ValidateSettings.min_year
    known_keys: Sequence[str] = ()
    images: bool = True  # full decode; False is --fast (headers and magic bytes only)
    today: _dt.date | None = None

    @classmethod
    def from_config(cls, config: dict, *, fast: bool = False) -> Options:
        section = settings_of(config).validate
        return cls(
            required=section.required,
            max_pixels=section.max_pixels,
            max_bytes=section.max_bytes,
            min_year=section.min_year,
            known_keys=section.known_keys,
            images=not fast,
        )


def rule_filter(select: Sequence[str], ignore: Sequence[str]):
    """Rules by id or prefix (`FC1` is every FC1xx), like ruff's --select/--ignore."""
    for spec in (*select, *ignore):
        if not any(rule.startswith(spec.upper()) for rule in RULES):
            raise UsageError(
                f"no rule matches {spec!r}",
                hint="rules are FC001..FC209; see 'filmcli validate --rules'",
            )

    def keep(rule: str) -> bool:
        if select and not any(rule.startswith(s.upper()) for s in select):
            return False
        return not any(rule.startswith(s.upper()) for s in ignore)

    return keep


class Checker:
    """Checks one post at a time, then the rules that need the whole library."""

    def __init__(self, library: Store, options: Options):
        self.library = library
        self.options = options
        self.today = options.today or _dt.date.today()
        #: when a list, embedded posters are queued here (path, line, job) instead of
        #: being checked at once, so that validate() can decode them on every core
        self.deferred: list | None = None
        #: the bytes of the post being checked when they are not (yet) its file's (edit)
        self.source: bytes | None = None

    def problem(
        self, post_path: str, line: int | None, rule: str, message: str, severity: str | None = None
    ) -> Problem:
        return Problem(post_path, line, rule, severity or RULES[rule][0], message)

    # --- one post ------------------------------------------------------

    def check_error(self, exc: FilmcliError) -> Problem:
        rule = exc.rule if exc.rule in RULES else "FC009"
        return self.problem(exc.path or "?", exc.line, rule, exc.message)

    def check_unread(self, exc: FilmcliError) -> list[Problem]:
        """A post filmcli could not read: its problem, and what Jekyll does with it."""
        first = self.check_error(exc)
        if first.rule == "FC001":
            return [
                self.problem(
                    first.path,
                    first.line,
                    "FC001",
                    f"{exc.message}; {jekyll.no_front_matter(first.path)}",
                )
            ]
        if first.rule == "FC002" and self._front_text(self.library.root / first.path):
            return [
                self.problem(
                    first.path,
                    first.line,
                    "FC002",
                    "front matter closed with a "
                    "'...' line: Jekyll reads it as closed, filmcli does not yet",
                    WARNING,
                )
            ]
        if first.rule not in ("FC003", "FC005") or (
            first.rule == "FC003" and "looks like" not in exc.message
        ):
            return [first]  # a syntax error (or filmcli's nesting limit), as to Jekyll
        text = self._front_text(self.library.root / first.path)
        reading = jekyll.psych_findings(text) if text is not None else None
        if reading is None:
            return [first]  # not YAML to libyaml either: Jekyll loses the front matter too
        findings, node = reading
        out = (
            [first]
            if first.rule == "FC005"
            else [
                self.problem(
                    first.path, first.line, "FC010", exc.message + " (Jekyll's YAML reads it)"
                )
            ]
        )
        out.extend(
            self.problem(first.path, f.line, f.rule, f.message, f.severity) for f in findings
        )
        raw_date = jekyll.plain_value(node, "date")
        if raw_date is not None:
            out.extend(self.date_problems(first.path, *raw_date))
        return out

    def check_post(self, post: Post) -> list[Problem]:
        path = self.library.relpath(post.path)
        fm = post.front_matter
        lines = post.lines
        out: list[Problem] = []

        def add(rule: str, message: str, key: str | None = None, line: int | None = None):
            out.append(self.problem(path, line or lines.get(key, 1), rule, message))

        for rule, line, message in post.notes:
            add(rule, message, line=line)
        for key in self.options.required:
            value = fm.get(key)
            if key not in fm:
                add("FC101", f"required field '{key}' is missing", line=1)
            elif value is None or (isinstance(value, str) and not value.strip()):
                add("FC101", f"required field '{key}' is empty", key)
        for key in ("title", "director", "layout"):
            value = fm.get(key)
            if value is not None and not isinstance(value, str):
                add("FC102", f"'{key}' should be text, not {_kind(value)} ({value!r})", key)
        year = fm.get("year")
        if year is not None:
            if isinstance(year, bool) or not isinstance(year, int):
                add(
                    "FC102",
                    f"'year' should be a whole number, not {_kind(year)} ({year!r})",
                    "year",
                )
            elif not self.options.min_year <= year <= self.today.year + 1:
                add(
                    "FC103",
                    f"year {year} is outside {self.options.min_year}..{self.today.year + 1}",
                    "year",
                )
        poster = fm.get("poster")
        if poster is not None and not isinstance(poster, Poster):
            add("FC102", f"'poster' should be text, not {_kind(poster)}", "poster")
        elif isinstance(poster, Poster):
            out.extend(self.check_poster(path, poster, lines.get("poster", 1)))
        out.extend(self.check_name_and_date(path, post))
        out.extend(self.check_body(path, post))
        out.extend(self.check_psych(path, post))
        known = set(self.options.known_keys) | set(self.options.required)
        if known:
            for key in fm:
                if key not in known:
                    add("FC208", f"unknown key '{key}'", str(key))
        return out

    def check_poster(self, path: str, poster: Poster, line: int) -> list[Problem]:
        out: list[Problem] = []

        def add(rule: str, message: str):
            out.append(self.problem(path, line, rule, message))

        if poster.origin == "url":
            add(
                "FC113",
                f"poster {poster.value!r} is on another site: the page depends on it, "
                "and extract-posters, wall and show cannot use it (download it and "
                "embed it with `filmcli set FILM poster=@FILE`)",
            )
            return out
        if poster.origin == "path":
            # the one resolver embed-posters, show and wall use: next to the post or from the
            # site root, %-escapes decoded, symlinks only when they end inside the site
            from filmcli.posters.extract import poster_file

            try:
                poster_file(self.library.root, self.library.root / path, poster.value or "")
            except FilmcliError:
                add("FC105", f"poster {poster.value!r} is not a data URI or a file in the site")
            return out
        if self.deferred is not None:
            # decoded later, in a process pool (see validate()); problems come back per job
            self.deferred.append((path, line, poster_job(poster, self.options)))
            return out
        for rule, message in poster_problems(poster, self.options):
            add(rule, message)
        return out

    def check_name_and_date(self, path: str, post: Post) -> list[Problem]:
        out: list[Problem] = []
        name = post.path.name
        if post.draft or not jekyll.in_posts_folder(path):
            pass  # a draft, or a document of another collection: no date in its name
        else:
            dated, day = jekyll.name_date(name)
            if not dated:
                out.append(
                    self.problem(
                        path,
                        None,
                        "FC201",
                        f"Jekyll reads no date in the file name {name!r}, so "
                        "it leaves the post out of the site (posts are named "
                        "YYYY-MM-DD-slug.md)",
                    )
                )
            elif day is None:
                out.append(
                    self.problem(
                        path,
                        None,
                        "FC202",
                        f"the date in the file name {name!r} is impossible: "
                        "Jekyll stops the whole build on it",
                    )
                )
            else:
                out.extend(self._name_notes(path, name, day))
        if "date" in post.front_matter:
            out.extend(
                self.date_problems(path, post.front_matter["date"], post.lines.get("date", 1))
            )
        when = post.date
        if when is not None and when > self.today:
            out.append(
                self.problem(
                    path,
                    post.lines.get("date", None),
                    "FC206",
                    f"date {when.isoformat()} is in the future: Jekyll skips "
                    "the post unless built with --future",
                )
            )
        return out

    def _name_notes(self, path: str, name: str, day) -> list[Problem]:
        """Warnings on a name Jekyll reads: a rolled-over day, filmcli's slug rule."""
        out: list[Problem] = []
        written = jekyll.DATE_NAME.match(name)
        numbers = tuple(int(g) for g in written.groups()[1:3]) if written else ()
        if numbers and (day.month, day.day) != numbers:
            out.append(
                self.problem(
                    path,
                    None,
                    "FC202",
                    f"the file name {name!r} has no such day: Jekyll dates "
                    f"the post {day.isoformat()}",
                    WARNING,
                )
            )
        elif (problem := post_name_problem(name)) is not None:
            # the slug rule `new --slug` and `add` apply (filmcli.model.slug.slug_problem)
            out.append(
                self.problem(
                    path,
                    None,
                    "FC201",
                    f"file name {name!r}: {problem} "
                    "(Jekyll builds it; this is filmcli's rule for names)",
                    WARNING,
                )
            )
        return out

    def date_problems(self, path: str, value, line: int | None) -> list[Problem]:
        """FC205: a `date:` as Jekyll reads it (Time.parse of its text)."""
        if isinstance(value, (_dt.date, _dt.datetime)):
            return []
        text = jekyll.ruby_s(value)
        read = jekyll.ruby_date(text, self.today)
        if read.day is None:
            return [
                self.problem(
                    path,
                    line,
                    "FC205",
                    f"date {text!r} cannot be read by Jekyll's Time.parse: it "
                    "stops the whole build (Invalid date)",
                )
            ]
        if jekyll.iso_date(text):
            return []
        told = (
            f"Jekyll reads date {text!r} as {read.day.isoformat()}"
            if read.exact
            else (f"Jekyll reads date {text!r} with Ruby's Time.parse")
        )
        return [
            self.problem(
                path,
                line,
                "FC205",
                f"{told}; write it as YYYY-MM-DD so filmcli reads the same day",
                WARNING,
            )
        ]

    def check_body(self, path: str, post: Post) -> list[Problem]:
        from filmcli.ops.liquid import liquid_problems

        if "{%" not in post.body and "{{" not in post.body:
            return []
        found = liquid_problems(post.body, self.liquid_site)
        return [
            self.problem(
                path,
                post.body_line + post.body.count("\n", 0, p.offset),
                "FC207",
                p.message + ": jekyll build stops on it",
            )
            for p in found
        ]

    def check_psych(self, path: str, post: Post) -> list[Problem]:
        """FC209 (and FC006's warning): values Jekyll's YAML reads otherwise, looked for
        in the file's text only when a value PyYAML gave could have been written so."""
        fm = post.front_matter
        year = fm.get("year")
        rest = {k: v for k, v in fm.items() if k != "year"}
        if not (
            jekyll.suspicious(rest)
            or jekyll.shared_values(fm)
            or (year is not None and not isinstance(year, int) and jekyll.suspicious(year))
        ):
            return []
        poster = post.poster
        skip = poster.span if poster is not None else None
        text = self._front_text(post.path, skip)
        reading = jekyll.psych_findings(text) if text is not None else None
        return [
            self.problem(path, f.line, f.rule, f.message, f.severity)
            for f in (reading[0] if reading else ())
        ]

    def _front_text(self, path: Path, skip: tuple[int, int] | None = None) -> str | None:
        """The front matter's text, from the bytes being checked or else from the file."""
        if self.source is not None:
            return jekyll.front_matter_of(self.source)
        return jekyll.front_matter_text(path, skip)

    def url_of(self, post: Post) -> str | None:
        """The URL Jekyll builds `post` to, or None when it builds none (a draft, not
        published, in the future, another collection's document) or filmcli cannot say."""
        from filmcli.model.urls import UrlError, post_url, site_settings

        if "_url_settings" not in self.__dict__:
            try:
                self.__dict__["_url_settings"] = site_settings(self.library.root)
            except FilmcliError:
                self.__dict__["_url_settings"] = None  # unreadable settings: no URL known
        settings = self.__dict__["_url_settings"]
        if settings is None:
            return None
        path = self.library.relpath(post.path)
        fm = post.front_matter
        if post.draft or fm.get("published") is False:
            return None
        future = bool(self.site_config.get("future"))
        if not future and post.date is not None and post.date > self.today:
            return None
        if not jekyll.in_posts_folder(path) and not isinstance(fm.get("permalink"), str):
            return None  # another collection's document: its own path makes its URL
        try:
            return post_url(post, settings)
        except (UrlError, FilmcliError, ValueError, OverflowError):
            return None  # a URL Jekyll cannot make: not this rule's to say

    def check_urls(self, urls: Iterable[tuple[str, str]]) -> list[Problem]:
        """FC204: posts (and pages) that Jekyll builds to one file, by their URLs as Jekyll
        computes them (filmcli.model.urls); `urls` are the posts' (path, URL)."""
        if self.__dict__.get("_url_settings", True) is None:
            return []  # the site's settings cannot be read: its URLs cannot be known
        excluded = self.site_config.get("exclude")
        excluded = tuple(str(e).strip("/") for e in excluded) if isinstance(excluded, list) else ()
        pages = [(path, url, False) for path, url in jekyll.page_urls(self.library.root, excluded)]
        return _url_problems(self, pages + [(path, url, True) for path, url in urls])

    @property
    def liquid_site(self):
        """The site's Liquid additions (_plugins, plugins), read once."""
        site = self.__dict__.get("_liquid_site")
        if site is None:
            from filmcli.ops.liquid import site_liquid

            site = self.__dict__["_liquid_site"] = site_liquid(self.library.root, self.site_config)
        return site

    @property
    def site_config(self) -> dict:
        """The site's _config.yml ({} when it has none or it cannot be read)."""
        if "_site_config" not in self.__dict__:
            from filmcli.model.urls import site_config

            try:
                self.__dict__["_site_config"] = site_config(self.library.root)[0]
            except FilmcliError:
                self.__dict__["_site_config"] = {}
        return self.__dict__["_site_config"]

    # --- the whole library ------------------------------------------------

    def fact(self, post: Post) -> PostFact:
        """What the library-wide rules need of `post`, so that the Post itself can go."""
        path = self.library.relpath(post.path)
        key = film_key(post.title, post.year)
        film = None if key is None else (key, post.lines.get("title", 1), post.title, post.year)
        return PostFact(path, film, self.url_of(post))

    def check_library(self, facts: Iterable[PostFact | Post]) -> list[Problem]:
        """FC203 and FC204 over every post's `fact` (Posts are turned into theirs)."""
        out: list[Problem] = []
        films: dict = defaultdict(list)
        urls: list[tuple[str, str]] = []
        for fact in facts:
            if isinstance(fact, Post):
                fact = self.fact(fact)
            if fact.film is not None:
                films[fact.film[0]].append(fact)
            if fact.url is not None:
                urls.append((fact.path, fact.url))
        for group in films.values():
            for fact in group[1:]:
                _, line, title, year = fact.film
                out.append(
                    self.problem(
                        fact.path,
                        line,
                        "FC203",
                        f"'{title}' ({year}) is also in {group[0].path}",
                    )
                )
        out.extend(self.check_urls(urls))
        return out


class PostFact(NamedTuple):
    """A post as the library-wide rules see it: its path, (film key, title line, title,
    year) when it names a film, and the URL Jekyll builds it to (None: none)."""

    path: str
    film: tuple | None
    url: str | None


def _url_problems(checker: Checker, built: list[tuple[str, str, bool]]) -> list[Problem]:
    """FC204 over (path, URL, is a post) of everything the site builds: an error for each
    post after the first to build to one file, a warning where files differ only by case."""
    out: list[Problem] = []
    files: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for item in built:
        files[jekyll.destination(item[1])].append(item)
    folded: dict[str, list[str]] = defaultdict(list)
    for dest, group in files.items():
        folded[dest.casefold()].append(dest)
        first = group[0]
        for path, url, is_post in group[1:]:
            if is_post:
                out.append(
                    checker.problem(
                        path,
                        None,
                        "FC204",
                        f"builds to the same URL {url} as {first[0]}: Jekyll "
                        "writes one over the other ('Conflict:' in its "
                        "build), so one of them is lost",
                    )
                )
    for dests in folded.values():
        if len(dests) < 2:
            continue
        first = files[dests[0]][0]
        for dest in dests[1:]:
            path, url, is_post = files[dest][0]
            if is_post:
                out.append(
                    checker.problem(
                        path,
                        None,
                        "FC204",
                        f"URL {url} differs only by case from {first[1]} "
                        f"({first[0]}): they collide on macOS and Windows, where one overwrites "
                        "the other (jekyll doctor warns)",
                        WARNING,
                    )
                )
    return out


def _kind(value) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
        str: "text",
    }.get(type(value), type(value).__name__)


_LIQUID = re.compile(r"\{[%{]")


def unclosed_liquid(body: str) -> tuple[int, str] | None:
    """Offset and opener of the first `{%` or `{{` with no closer after it."""
    pos = 0
    in_raw = False
    while True:
        match = _LIQUID.search(body, pos)
        if not match:
            return None
        opener = match.group()
        closer = "%}" if opener == "{%" else "}}"
        end = body.find(closer, match.end())
        if end < 0:
            return match.start(), opener
        tag = body[match.end() : end].strip().lstrip("-").strip()
        if opener == "{%" and tag.startswith("raw"):
            in_raw = True
        elif opener == "{%" and tag.startswith("endraw"):
            in_raw = False
        pos = end + 2
        if in_raw:
            endraw = re.search(r"\{%-?\s*endraw\s*-?%\}", body[pos:])
            if not endraw:
                return None
            pos += endraw.end()
            in_raw = False


def poster_problems(poster: Poster, options: Options) -> list[tuple[str, str]]:
    """(rule, message) for an embedded poster: its base64, bytes, format, MIME, pixels and,
    unless `options.images` is off (--fast), a full decode.

    The size comes from the base64 text's length; --fast decodes nothing but the
    first bytes (clean base64 always decodes, so skipping it hides no FC106).
    """
    out: list[tuple[str, str]] = []
    malformed = malformed_uri(poster)
    if malformed:
        out.append(malformed)
        if not poster.is_base64:
            return out
    try:
        size = poster.size  # from the base64 text's length: nothing decoded yet
        wanted = options.images and (size is None or size <= options.max_bytes)
        data = poster.data if wanted else b""
    except FilmcliError as exc:
        out.append((exc.rule if exc.rule in RULES else "FC106", exc.message))
        return out
    if size is not None and size > options.max_bytes:
        out.append(
            (
                "FC109",
                f"poster is {size:,} bytes, over the limit of {options.max_bytes:,} (not decoded)",
            )
        )
        return out
    fmt = poster.format
    if fmt is None:
        out.append(("FC110", "poster data is not an image of a known format"))
        return out
    declared = poster.declared_mime
    real = MIME.get(fmt)
    if declared and real and declared != real and MIME_ALIASES.get(declared) != fmt:
        out.append(("FC104", f"poster MIME {declared} but the data is {fmt}"))
    width, height = poster.width, poster.height
    if width and height and width * height > options.max_pixels:
        out.append(
            (
                "FC108",
                f"poster is {width}×{height} = {width * height:,} pixels, over the "
                f"limit of {options.max_pixels:,} (not decoded)",
            )
        )
        return out
    if options.images:
        problem = decode_problem(data, options.max_pixels)
        if problem:
            out.append(problem)
    return out


#: What `\s` matches in bytes: looked for with one memchr each (a regex scan of 15 kB of
#: base64 per post cost 0.14 ms, a third of `validate --fast`)
_WHITESPACE = tuple(bytes([c]) for c in b" \t\n\r\x0b\x0c")


def malformed_uri(poster: Poster) -> tuple[str, str] | None:
    """(rule, message) for an embedded poster's data URI text that is wrong though its data
    is an image: base64 broken by whitespace or line folds (FC112: browsers skip it, but it
    is no longer one line), or base64 declared without `;base64` (FC111)."""
    import binascii

    from filmcli.model.imageinfo import sniff_format

    payload = poster.payload()
    if poster.is_base64:
        if any(space in payload for space in _WHITESPACE):
            return "FC112", "poster base64 is broken by whitespace or line folds"
        return None
    head = payload[:512].strip()
    try:
        if sniff_format(binascii.a2b_base64(head[: len(head) // 4 * 4])) is not None:
            return "FC111", "poster data URI has no ';base64' though its data is base64"
    except binascii.Error:
        pass
    return None


def poster_job(poster: Poster, options: Options) -> tuple:
    """What a worker process needs to check a poster: where its text is, not the text
    (unless the poster holds it)."""
    file = None if poster.file is None else str(poster.file)
    return file, poster.to_state(), options.max_bytes, options.max_pixels


def check_poster_job(job: tuple) -> list[tuple[str, str]]:
    """poster_problems for a poster_job, in a worker process."""
    file, state, max_bytes, max_pixels = job
    poster = Poster.from_state(state, None if file is None else Path(file))
    return poster_problems(poster, Options(max_bytes=max_bytes, max_pixels=max_pixels))


def _check_deferred(entry: tuple) -> tuple:
    """(path, line, poster problems) for a deferred (path, line, poster_job)."""
    path, line, job = entry
    return path, line, check_poster_job(job)


def decode_problem(data: bytes, max_pixels: int) -> tuple[str, str] | None:
    """Fully decode an image; (rule, message) when it is truncated, broken or a bomb."""
    import io

    from PIL import Image

    from filmcli.model.imageinfo import Notes, decoding

    # Pillow's MAX_IMAGE_PIXELS belongs to the program: the size is checked here, from
    # the header, before anything is decoded (Pillow's own, larger guard stays as it is).
    notes = Notes()
    try:
        with decoding(data) as notes, _strict_loading():
            with Image.open(io.BytesIO(data)) as im:
                if im.width * im.height > max_pixels:
                    return "FC108", (
                        f"poster is {im.width}×{im.height} pixels, over the limit "
                        f"of {max_pixels:,} (not decoded)"
                    )
                if im.format == "JPEG":
                    # DCT scaling: libjpeg still reads every entropy-coded byte, so a
                    # truncated or corrupt stream fails as in a full decode (tests sweep
                    # cut points), but the inverse DCT and colour work shrink 64-fold.
                    im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
                im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return "FC108", f"poster refused as a decompression bomb: {exc}"
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        MemoryError,
        Image.UnidentifiedImageError,
        struct_error(),
    ) as exc:
        text = (str(exc) or type(exc).__name__) + notes.suffix()
        if "truncated" in text:
            return "FC107", f"poster image is truncated ({text})"
        return "FC107", f"poster image cannot be decoded ({text})"
    return None


_STRICT = threading.Lock()


@contextlib.contextmanager
def _strict_loading():
    """A truncated image is an error while inside. Pillow reads its process-wide
    `ImageFile.LOAD_TRUNCATED_IMAGES` at decode time and has no per-image switch: left as
    it is (False, Pillow's default) unless the program importing filmcli turned it on, and
    then turned off only for the length of the decode and put back, one decode at a time."""
    from PIL import ImageFile

    if not ImageFile.LOAD_TRUNCATED_IMAGES:
        yield
        return
    with _STRICT:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = True


def struct_error():
    import struct

    return struct.error


def check_bytes(
    library: Store, data: bytes, path: Path, options: Options | None = None
) -> list[Problem]:
    """The problems of one post held in memory (as it would be at `path`), without the
    rules that need the whole library: what `edit` checks before saving."""
    checker = Checker(library, options or Options.from_config(library.config))
    checker.source = data
    try:
        post = Post.from_bytes(data, path)
    except FilmcliError as exc:
        exc.path = library.relpath(path)
        return checker.check_unread(exc)
    return checker.check_post(post)


def validate(
    library: Store,
    paths: Iterable = (),
    options: Options | None = None,
    *,
    drafts: bool = False,
    fixes: bool = True,
    on_post=None,
    on_read=None,
) -> list[Problem]:
    """Every problem in the posts under `paths` (and the drafts, with `drafts`), in path
    order, library rules last; with `fixes`, each marked with the kind of fix
    `validate --fix` has for it (`Problem.fix`). `on_post()` is called once per post read
    and `on_read()` when all are read (a progress bar's hooks)."""
    from filmcli.store.parallel import ordered_stream

    options = options or Options.from_config(library.config)
    checker = Checker(library, options)
    if options.images:
        checker.deferred = []  # full decodes: on every core, while the reading goes on
    problems: list[Problem] = []
    facts: list[PostFact] = []  # not the Posts: 400 MB at 100,000 posts (issue 16)

    def posters():
        """Read and check each post, and give its poster to decode (path, line, job)."""
        for item in library.iter_posts(paths, drafts=drafts):
            if on_post is not None:
                on_post()
            if isinstance(item, FilmcliError):
                problems.extend(checker.check_unread(item))
                continue
            facts.append(checker.fact(item))
            problems.extend(checker.check_post(item))
            if item.poster is not None:
                item.poster.forget()
            del item  # the Post goes now, before the next is read
            if checker.deferred:
                yield from checker.deferred
                checker.deferred.clear()
        if on_read is not None:
            on_read()

    # the posters' decodes go to the workers as the posts are read: a window of jobs in
    # flight, never one per post of the library at once (100 MB at 100,000 posts)
    for path, line, found in ordered_stream(_check_deferred, posters()):
        problems.extend(checker.problem(path, line, rule, message) for rule, message in found)
    problems.extend(checker.check_library(facts))
    problems.sort(key=lambda p: (p.path, p.line or 0, p.rule))
    if fixes:
        from filmcli.ops.fixes import annotate

        problems = annotate(library, problems, options)
    return problems


@dataclass
class ValidationReport:
    """What `validate` found: the problems (in path order, library rules last), how many
    posts were checked (None when not counted, as after a fix), and the counts."""

    problems: list[Problem]
    checked: int | None = None

    @property
    def errors(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed): `validate` exits 0."""
        return not self.errors


def strictly(problems: Iterable[Problem]) -> list[Problem]:
    """The problems with every warning made an error (`validate --strict`)."""
    from dataclasses import replace

    return [replace(p, severity=ERROR) for p in problems]


def report(
    library: Store,
    paths: Iterable = (),
    options: Options | None = None,
    *,
    strict: bool = False,
    keep=None,
    drafts: bool = False,
    on_post=None,
    on_read=None,
) -> ValidationReport:
    """`validate` kept to the rules `keep(rule)` allows, with --strict's severities, and the
    number of posts checked."""
    checked = 0

    def counted():
        nonlocal checked
        checked += 1
        if on_post is not None:
            on_post()

    found = validate(library, paths, options, drafts=drafts, on_post=counted, on_read=on_read)
    problems = [p for p in found if keep is None or keep(p.rule)]
    return ValidationReport(strictly(problems) if strict else problems, checked)


@dataclass(frozen=True)
class Rule:
    """One rule `validate` checks: its stable id, severity, what it checks, and the kind
    of fix `validate --fix` has for it (`safe`, `unsafe`, or None)."""

    id: str
    severity: str
    text: str
    fix: str | None


def rule_table() -> list[Rule]:
    """Every rule, in id order (`validate --rules`)."""
    from filmcli.ops.fixes import FIXES

    kinds = {f.rule: f.kind for f in FIXES}
    return [Rule(rule, severity, text, kinds.get(rule)) for rule, (severity, text) in RULES.items()]
