"""`filmcli export`: the catalog as JSON, JSON Lines, CSV or TOML, and the record schema
that lets `filmcli add` rebuild every post byte for byte.

One record per post, flat so `jq`, spreadsheets and scripts read it directly:

    path, date, slug            where the post is, its date and slug (as `list` shows them)
    <every front-matter key>    in file order: layout, title, director, year, poster, ...
    body                        the text after the front matter, exactly
    _filmcli                    what a rebuild needs and the flat part cannot say:
        file    the post's path inside the posts folder ("2013-12-18-her.md",
                "blog/2024-02-22.md"): `add` recreates it there
        keys    the front-matter keys in file order (which of the flat keys are front matter)
        gap     the line break between the closing `---` and the body ("\\n", "\\r\\n" or "")
        types   keys whose value the format cannot carry as itself:
                "date"/"datetime" (ISO text in JSON and CSV), "json" (JSON text: CSV cells
                that are not text, TOML values holding a null)
        poster  "file" when `poster` names an exported image file (--posters files)
        path/date/slug/body   the post's own value when a front-matter key of that name
                took its place in the flat record (in CSV, also a body holding control
                characters)
        cells   CSV: the cells of keys whose names hold control characters (no column)
        csv     "safe" when `export --csv-safe` put `'` before cells (add takes it off)

TOML has no null: a front-matter key listed in `_filmcli.keys` but absent from the
record is null (`year:` with no value), so nothing is lost.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from filmcli.errors import FilmcliError
from filmcli.model.imageinfo import EXTENSION
from filmcli.model.post import Post
from filmcli.model.poster import Poster
from filmcli.ops.records import jsonable

if TYPE_CHECKING:
    from filmcli.store.library import Store

META = "_filmcli"
EXPORT_FORMATS = ("json", "jsonl", "csv", "toml")
POSTER_MODES = ("inline", "files", "omit")
INFO_KEYS = ("path", "date", "slug")
SUFFIX_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".toml": "toml",
}
_ABSENT = object()


def format_for(fmt: str | None, output: str | None) -> str:
    """The --format given, else the one --output's extension names, else json."""
    from filmcli.errors import UsageError

    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"unknown format {fmt!r}", hint="choose json, jsonl, csv or toml")
        return fmt
    if output and output != "-":
        return SUFFIX_FORMATS.get(Path(output).suffix.lower(), "json")
    return "json"


# --- the export as a whole -----------------------------------------------------


@dataclass
class ExportPlan:
    """What `export` was asked for, checked before any post is read (`export_plan`)."""

    output: str | None  # the file, as given (messages show it so); None for a stream
    stream: IO[str] | None
    format: str
    posters: str  # inline, files or omit
    posters_dir: str | os.PathLike | None  # as given: error messages show it so
    force: bool
    base: Path  # what poster paths in the records are relative to


@dataclass
class ExportResult:
    """What `export` did: `exported` posts (of the chosen ones), `failed` posts (unreadable
    or not exportable: each was reported), the file written (`path`, None for a stream),
    and the poster files written with --posters files."""

    format: str
    posters: str
    exported: int
    failed: int
    path: Path | None = None
    posters_dir: Path | None = None
    poster_files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def export_plan(
    out,
    *,
    fmt: str | None = None,
    posters: str | None = None,
    posters_dir: str | os.PathLike | None = None,
    force: bool = False,
) -> ExportPlan:
    """Check the choices (UsageError): the format (default: from a file's extension, else
    json), the poster mode (default: files with `posters_dir`, else inline), the output."""
    from filmcli.errors import UsageError

    to_file = not hasattr(out, "write")
    output = os.fspath(out) if to_file else None
    chosen = format_for(fmt, output)
    mode = posters or ("files" if posters_dir else "inline")
    if mode not in POSTER_MODES:
        raise UsageError(f"unknown --posters {mode!r}", hint="choose inline, files or omit")
    if mode == "files" and not posters_dir:
        raise UsageError("--posters files needs --posters-dir DIR")
    if posters_dir and mode != "files":
        raise UsageError(f"--posters-dir goes with --posters files, not {mode}")
    if output is not None and Path(output).is_dir():
        raise UsageError(f"--output {output!r} is a folder")
    base = Path(output).resolve().parent if output is not None else Path.cwd()
    stream = None if to_file else out
    return ExportPlan(output, stream, chosen, mode, posters_dir or None, force, base)


def export_posts(
    library: Store,
    plan: ExportPlan,
    posts: list[Post],
    unreadable: int = 0,
    *,
    csv_safe: bool = True,
    on_error: Callable | None = None,
    on_render: Callable | None = None,
) -> ExportResult:
    """Export `posts` as `plan` says: to a file atomically (all at once, after
    `on_render(len(posts))`), or to a stream a record at a time. A post that cannot be
    exported goes to `on_error(exc)` (its path filled in) and the others go on."""
    files = None
    if plan.posters == "files" and plan.posters_dir is not None:
        from filmcli.posters.extract import library_stems

        stems = library_stems(library, [p.path for p in posts])
        files = PosterFiles(plan.posters_dir, plan.base, force=plan.force, stems=stems)
    failed = 0

    def records():
        nonlocal failed
        for post in posts:
            try:
                yield export_record(
                    post,
                    library.relpath(post.path),
                    fmt=plan.format,
                    posters=plan.posters,
                    poster_files=files,
                    posts_dir=library.posts_dir,
                    csv_safe=csv_safe,
                )
            except FilmcliError as exc:
                failed += 1
                if exc.path is None:
                    exc.path, exc.line = post.path, None
                if on_error is not None:
                    on_error(exc)

    chunks = render_chunks(records(), plan.format, csv_safe=csv_safe)
    if plan.output is not None:
        from filmcli.store.atomic import write_atomic

        if on_render is not None:
            on_render(len(posts))
        write_atomic(plan.output, "".join(chunks).encode("utf-8"))
    elif plan.stream is not None:
        for chunk in chunks:
            plan.stream.write(chunk)
    written = files.written if files is not None else []
    return ExportResult(
        plan.format,
        plan.posters,
        len(posts) - failed,
        unreadable + failed,
        Path(plan.output) if plan.output is not None else None,
        Path(plan.posters_dir) if plan.posters_dir else None,
        written,
    )


# --- posters as files ---------------------------------------------------------


def portable_path(target: Path, base: Path) -> str:
    """`target` relative to `base` when inside it, else absolute."""
    target = target.resolve()
    try:
        return target.relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(target)


class PosterFiles:
    """Writes each exported poster, exact bytes under its real extension, into one folder,
    named as extract-posters names it (`her.jpg`)."""

    def __init__(
        self,
        folder: str | os.PathLike,
        base: Path,
        *,
        dry_run: bool = False,
        force: bool = False,
        stems: dict[str, str] | None = None,
    ):
        self.folder = Path(folder)
        self.base = base
        #: the file stem of each post's poster (by absolute path), as extract-posters names
        #: it (`extract.plan_names`); a post not in it gets `extract.poster_stem`
        self.stems = stems or {}
        self.used: set[str] = set()
        self.written: list[Path] = []
        self.dry_run = dry_run
        self.force = force
        if self.folder.exists() and not self.folder.is_dir():
            raise FilmcliError("is not a folder", self.folder)

    def write(self, post: Post, poster: Poster) -> str:
        """Place one poster by extract-posters' rules (`extract.place_file`): a file already
        holding these bytes is left alone, one holding others is refused without --force."""
        from filmcli.posters.extract import place_file, safe_target

        data = poster.data  # FilmcliError (FC106) for broken base64
        ext = EXTENSION.get(poster.format or "", "bin")
        stem = self.stems.get(os.path.abspath(post.path))
        if stem is None:
            from filmcli.posters.extract import poster_stem

            stem = poster_stem(post.path)
        name, n = f"{stem}.{ext}", 1
        while name.casefold() in self.used:
            n += 1
            name = f"{stem}-{n}.{ext}"
        self.used.add(name.casefold())
        shown = os.path.join(str(self.folder), name)
        target = safe_target(self.folder, name, shown)
        place_file(target, shown, data, force=self.force, dry_run=self.dry_run)
        self.written.append(self.folder / name)
        poster.forget()
        return portable_path(self.folder / name, self.base)


# --- records --------------------------------------------------------------------


def _has(value, test) -> bool:
    if test(value):
        return True
    if isinstance(value, dict):
        return any(_has(k, test) or _has(v, test) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has(v, test) for v in value)
    return False


def _tomlable(value) -> bool:
    """Whether tomli-w writes `value` so that it reads back the same."""
    return not _has(value, lambda v: v is None or isinstance(v, bytes)) and not _has(
        value, lambda v: isinstance(v, dict) and any(not isinstance(k, str) for k in v)
    )


def encode_value(value, fmt: str):
    """(value as the format holds it, type tag or None); _ABSENT drops the key (TOML null)."""
    if isinstance(value, _dt.datetime):
        return (value if fmt == "toml" else value.isoformat()), "datetime"
    if isinstance(value, _dt.date):
        return (value if fmt == "toml" else value.isoformat()), "date"
    if fmt == "toml":
        if value is None:
            return _ABSENT, None
        if not _tomlable(value):
            return json.dumps(jsonable(value), ensure_ascii=False), "json"
        return value, None
    if fmt == "csv":
        if isinstance(value, str) and not _csv_raw(value):
            return value, None  # text with controls: JSON text, with them as \u escapes
        return _json_text(jsonable(value)), "json"
    value = jsonable(value)
    if _has(value, lambda v: isinstance(v, float) and not math.isfinite(v)):
        return _json_text(value), "json"  # NaN/Infinity are not JSON: JSON text holds them
    return value, None


def _csv_raw(text: str) -> bool:
    """Whether a CSV cell would carry a raw control character (not a line break or tab)."""
    from filmcli.ops.formats import csv_cell

    return csv_cell(text) != text


def _json_text(value) -> str:
    """`value` as JSON text with no raw control character (NaN as `NaN`, read back)."""
    from filmcli.ops.formats import json_safe

    return json_safe(json.dumps(value, ensure_ascii=False))


def _key_name(key) -> str:
    return key if isinstance(key, str) else str(jsonable(key))


def file_in_posts(path: Path, posts_dir: Path | None) -> str:
    """What `_filmcli.file` records: the post's path inside the posts folder with `/`
    (`blog/2024-02-22.md`), so `add` puts it back where it was; its name alone when it
    is not inside the posts folder."""
    if posts_dir is not None:
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(posts_dir)).as_posix()
        except ValueError:
            pass
    return path.name


def export_record(
    post: Post,
    relpath: str,
    *,
    fmt: str = "json",
    posters: str = "inline",
    poster_files: PosterFiles | None = None,
    posts_dir: Path | None = None,
    csv_safe: bool = False,
) -> dict:
    """One post as a flat record (see the module docstring).

    `csv_safe` (CSV only) is recorded as `_filmcli.csv: "safe"`: render_chunks then
    prefixes cells with `'` and `add` takes the prefix off (see csv_safe_cell).
    """
    fm = post.front_matter
    keys = [k for k in fm if not (posters == "omit" and k == "poster")]
    meta: dict = {
        "file": file_in_posts(post.path, posts_dir),
        "keys": [k if isinstance(k, (str, int, float, bool)) else jsonable(k) for k in keys],
        "gap": post.gap,
    }
    record: dict = {
        "path": relpath,
        "date": post.date.isoformat() if post.date else None,
        "slug": post.slug,
    }
    types: dict = {}
    taken = {_key_name(k) for k in keys}
    for name in INFO_KEYS:
        if name in taken:
            meta[name] = record.pop(name)
            if fmt == "toml" and meta[name] is None:
                del meta[name]
    for key in keys:
        value = fm[key]
        if key == "poster" and isinstance(value, Poster):
            if posters == "files" and value.origin == "data" and poster_files is not None:
                value = poster_files.write(post, value)
                meta["poster"] = "file"
            else:
                value = value.text
                fm[key].forget()
        encoded, tag = encode_value(value, fmt)
        if tag:
            types[_key_name(key)] = tag
        if encoded is not _ABSENT and fmt == "csv" and _csv_raw(_key_name(key)):
            # a key with control characters is no CSV column: its cell goes in _filmcli
            meta.setdefault("cells", {})[_key_name(key)] = encoded
        elif encoded is not _ABSENT:
            record[_key_name(key)] = encoded
    if "body" in taken or (fmt == "csv" and _csv_raw(post.body)):
        meta["body"] = post.body  # (in CSV, a body with control characters: as JSON text)
    else:
        record["body"] = post.body
    if fmt == "toml":
        record = {k: v for k, v in record.items() if v is not None}
    if types:
        meta["types"] = types
    if fmt == "csv" and csv_safe:
        meta["csv"] = "safe"
    record[META] = _json_text(meta) if fmt == "csv" else meta
    return record


def decode_value(value, tag: str | None, where: str):
    if tag is None:
        return value
    try:
        if tag == "json":
            return json.loads(value) if isinstance(value, str) else value
        if tag == "date":
            return value if isinstance(value, _dt.date) else _dt.date.fromisoformat(value)
        if tag == "datetime":
            return value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise FilmcliError(f"{where}: cannot read the {tag} value {value!r} ({exc})") from None
    raise FilmcliError(f"{where}: unknown type {tag!r} in {META}.types")


def read_meta(record: dict) -> dict | None:
    """The record's `_filmcli` part, or None for a record made by hand."""
    meta = record.get(META)
    if meta is None or meta == "":
        return None
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            raise FilmcliError(f"{META} is not valid JSON") from None
    if not isinstance(meta, dict):
        raise FilmcliError(f"{META} is not a mapping")
    keys = meta.get("keys")
    if not isinstance(keys, list):
        raise FilmcliError(f"{META}.keys is not a list of front-matter keys")
    if meta.get("gap", "\n") not in ("\n", "\r\n", ""):
        raise FilmcliError(f'{META}.gap must be "\\n", "\\r\\n" or ""')
    if not isinstance(meta.get("types", {}), dict):
        raise FilmcliError(f"{META}.types is not a mapping")
    if not isinstance(meta.get("file", ""), str):
        raise FilmcliError(f"{META}.file is not text")
    return meta


def decode_record(record: dict, meta: dict) -> tuple[dict, str, str]:
    """(front matter in file order, body, gap) from an exported record."""
    types = meta.get("types", {})
    cells: dict = meta["cells"] if isinstance(meta.get("cells"), dict) else {}
    fields: dict = {}
    for key in meta["keys"]:
        name = _key_name(key)
        if name in record:
            fields[key] = decode_value(record[name], types.get(name), name)
        elif name in cells:
            fields[key] = decode_value(cells[name], types.get(name), name)
        else:
            fields[key] = None  # TOML cannot hold null: absent means null
    body = meta["body"] if "body" in meta else record.get("body", "")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise FilmcliError("body is not text")
    return fields, body, meta.get("gap", "\n")


# --- writing a whole export ---------------------------------------------------------


def _csv_columns(records: list[dict]) -> list[str]:
    columns: list[str] = []
    seen = set()
    for record in records:
        for key in record:
            if key not in seen and key not in ("body", META):
                seen.add(key)
                columns.append(key)
    return [*columns, "body", META]


def csv_safe_cell(text: str) -> str:
    """OWASP's advice for one cell of a csv-safe export: a formula (=, +, -, @, tab, CR
    first) gets a `'` in front, and so does a cell already starting with `'`, so that
    reading takes exactly one `'` off every cell starting with one (csv_unsafe)."""
    from filmcli.ops.formats import FORMULA_START

    return "'" + text if text.startswith((*FORMULA_START, "'")) else text


def csv_unsafe(payload: dict) -> dict:
    """A csv-safe export's row (header included) as it was before csv_safe_cell."""

    def undo(text):
        return text[1:] if isinstance(text, str) and text.startswith("'") else text

    return {
        (k if k == META else undo(k)): (v if k == META else undo(v)) for k, v in payload.items()
    }


def render_chunks(records: Iterable[dict], fmt: str, *, csv_safe: bool = False) -> Iterator[str]:
    """The export's text, a record at a time (CSV waits for all, for its header).

    No raw C1 control or U+2028/9 in JSON (escaped); CSV cells hold none either (text
    with control characters is exported as JSON text, export_record).
    """
    from filmcli.ops.formats import json_safe

    if fmt == "json":
        first = True
        yield "["
        for record in records:
            text = json_safe(json.dumps(record, ensure_ascii=False, indent=2)).replace("\n", "\n  ")
            yield ("\n  " if first else ",\n  ") + text
            first = False
        yield "\n]\n" if not first else "]\n"
    elif fmt == "jsonl":
        for record in records:
            yield json_safe(json.dumps(record, ensure_ascii=False)) + "\n"
    elif fmt == "toml":
        import tomli_w

        for record in records:
            yield json_safe(tomli_w.dumps({"post": [record]})) + "\n"
    elif fmt == "csv":
        rows = list(records)
        columns = _csv_columns(rows)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        safe = csv_safe_cell if csv_safe else str
        # A key is the name `add` finds its value by: the header stays exact.
        writer.writerow([c if c == META else safe(c) for c in columns])
        yield buf.getvalue()
        for row in rows:
            buf.seek(0)
            buf.truncate()
            writer.writerow(
                [
                    "" if row.get(c) is None else row[c] if c == META else safe(row[c])
                    for c in columns
                ]
            )
            yield buf.getvalue()
    else:  # pragma: no cover - the CLI checks the choice
        raise ValueError(fmt)
