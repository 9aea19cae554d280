"""Commands that write: new, add, export."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import (
    NO_FILTERS,
    PATHS_HELP,
    Filters,
    filter_options,
    lookup_only,
    offline_option,
    provider_option,
    refresh_option,
    say_library,
)
from filmcli.cli.interactive import PROMPTS
from filmcli.errors import UsageError


@app.command("new")
def new_cmd(
    ctx: typer.Context,
    title: str | None = typer.Option(
        None, "--title", "-t", metavar="TEXT", help="The film's title."
    ),
    director: str | None = typer.Option(
        None, "--director", "-d", metavar="TEXT", help="Who directed it."
    ),
    year: int | None = typer.Option(None, "--year", metavar="YEAR", help="The year it came out."),
    poster: str | None = typer.Option(
        None,
        "--poster",
        "-p",
        metavar="IMAGE",
        help="An image file: turned upright, metadata stripped, "
        "shrunk to poster.max_width, embedded.",
    ),
    date: str | None = typer.Option(
        None, "--date", metavar="YYYY-MM-DD", help="The post's date (default: today)."
    ),
    slug: str | None = typer.Option(
        None, "--slug", metavar="SLUG", help="The file name part (default: made from the title)."
    ),
    layout: str | None = typer.Option(
        None, "--layout", metavar="LAYOUT", help="The Jekyll layout (default: defaults.layout)."
    ),
    body: str | None = typer.Option(
        None, "--body", "-b", metavar="TEXT", help="The review, written exactly as given."
    ),
    body_file: str | None = typer.Option(
        None, "--body-file", metavar="FILE", help="Read the review from FILE ('-' for stdin)."
    ),
    edit: bool = typer.Option(False, "--edit", "-e", help="Write the review in $EDITOR."),
    force: bool = typer.Option(
        False,
        "--force",
        "-f",
        help="Replace the same film's post (title and year), keeping "
        "its review and fields not given here.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Print the post instead of writing it."
    ),
    assignments: list[str] = typer.Option(
        [],
        "--set",
        metavar="KEY=VALUE",
        help="Another front-matter key (rating=4.5, "
        "tags='[drama]'), written as `set` writes it "
        "(repeatable).",
    ),
    draft: bool = typer.Option(
        False,
        "--draft",
        help="Write a draft, _drafts/SLUG.md; `filmcli publish` dates it into _posts/.",
    ),
    lookup: bool = typer.Option(
        False,
        "--lookup",
        "-l",
        help="Fill the fields not given (director, year, poster) from "
        "TMDb or Wikidata; the post records which film it is.",
    ),
    provider: str | None = provider_option("With --lookup: "),
    offline: bool = offline_option("With --lookup: "),
    refresh: bool = refresh_option("With --lookup: "),
) -> None:
    """Write one post: _posts/DATE-SLUG.md. Prints only the new file's path on stdout."""
    from filmcli.cli.console import warn

    library = get_library(ctx)
    if sum(x is not None and x is not False for x in (body, body_file, edit or None)) > 1:
        raise UsageError("give the review one way: --body, --body-file or --edit")
    values = {"title": title, "director": director, "year": year, "poster": poster}
    extra: dict = _extra_fields(library, assignments)
    if lookup:
        _look_up(library, values, extra, provider=provider, offline=offline, refresh=refresh)
    lookup_only(lookup, provider, offline, refresh)
    given = body is not None or body_file is not None or edit
    force, edit = _ask_missing(library, values, extra, force, edit, given, body_file == "-")
    result = library.new(
        values["title"],
        director=values["director"],
        year=values["year"],
        poster=values["poster"],
        date=date,
        slug=slug,
        layout=layout,
        body=_review(body, body_file, edit, values["title"]),
        fields=extra,
        draft=draft,
        force=force,
        dry_run=dry_run,
        on_note=lambda path, note: warn(library.shown(path), note),
        before_write=lambda: say_library(library),
    )
    _say_new(result)


def _look_up(library, values: dict, extra: dict, **session) -> None:
    """`new --lookup`: the fields not given, from the film the title (and year) names."""
    from filmcli.cli.lookup_cmd import lookup_fields

    if not (values["title"] or "").strip():
        raise UsageError("--lookup needs --title", hint="filmcli new --title Her --lookup")
    found = lookup_fields(
        library,
        title=values["title"],
        year=values["year"],
        director=values["director"],
        wanted=[k for k in ("director", "year", "poster") if values[k] is None],
        **session,
    )
    for key, value in found.items():
        if key in values:
            values[key] = value
        else:
            extra.setdefault(key, value)  # tmdb: ID or wikidata: QID (--set wins)


def _ask_missing(library, values, extra, force, edit, given, stdin_taken):
    """On a terminal, ask for the fields still missing (and offer the editor for the review);
    elsewhere a usage error names them. Returns (force, edit) as the answers leave them."""
    from filmcli.ops.new import missing_fields

    missing = missing_fields(library.config, values)
    if not missing:
        return force, edit
    if not _stdin_is_terminal() or stdin_taken:
        names = ", ".join(f"--{m}" if m in PROMPTS else m for m in missing)
        raise UsageError(
            f"missing {names}", hint="give them as options (or run in a terminal to be asked)"
        )
    from filmcli.cli import interactive

    force = interactive.ask_missing(library, values, extra, missing, force=force)
    # (replacing a film keeps its review unless one is given: no editor offered then)
    if not given and not force:
        edit = interactive.yes(f"Write the review in {_editor_name()} now?", True)
    return force, edit


def _review(body, body_file, edit, title) -> str | None:
    """The review as given (None: none given, so --force keeps the replaced post's)."""
    if body is not None:
        return body
    if body_file is not None:
        return _read_body(body_file)
    return _edit_review(title) if edit else None


def _say_new(result) -> None:
    """new's output: the post itself in a dry run, else the notes and the path on stdout."""
    from filmcli.cli.console import data_output, message
    from filmcli.ops.new import display_path

    if not result.written:
        message(f"dry run: would write {display_path(result.path)}")
        sys.stdout.flush()
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
        return
    if result.created_folder:
        message(f"created the posts folder {display_path(result.path.parent)}")
    if result.poster_note:
        message(f"poster: {result.poster_note}")
    if result.replaced is not None:
        old = result.replaces if result.replaces is not None else result.path
        kept = f"; kept {', '.join(result.kept)}" if result.kept else ""
        message(f"replaced {display_path(old)} ({result.replaced}){kept}")
    data_output()  # the path, for scripts: UTF-8 whatever the locale
    sys.stdout.write(_path_line(display_path(result.path)) + "\n")


def _path_line(path: str) -> str:
    """A written post's path: exact for scripts, escaped on a terminal (formats.visible)."""
    from filmcli.text import visible

    return visible(path) if sys.stdout.isatty() else path


#: the first line of the file `new --edit` opens; removed from the review
GUIDE = (
    "<!-- filmcli: write the review of {title} below; this line is removed, and an "
    "empty review writes nothing -->\n"
)


def _edit_review(title) -> str:
    """The review from $EDITOR, as `git commit` takes a message: unsaved or empty aborts."""
    from filmcli.cli.editor import edit_text
    from filmcli.errors import FilmcliError

    guide = GUIDE.format(title=title if title else "the film")
    edited = edit_text(guide + "\n", suffix=".md")
    if edited is not None and edited.startswith(guide):
        edited = edited[len(guide) :]
    if edited is None or not edited.strip():
        raise FilmcliError(
            "the review is empty (the editor closed without saving it); nothing written"
        )
    return edited.lstrip("\r\n")


def _extra_fields(library, assignments: list[str]) -> dict:
    """`--set KEY=VALUE` words as `filmcli set` reads them; the seed's keys have options."""
    from filmcli.errors import UsageError
    from filmcli.ops.manage import check_value, parse_assignments, value_from_text

    assign, remove = parse_assignments(assignments)
    if remove:
        raise UsageError("--set takes KEY=VALUE (KEY! removes a key only in `filmcli set`)")
    out = {}
    for key, text in assign.items():
        if key in ("title", "director", "year", "poster", "layout"):
            raise UsageError(f"--set {key}=...: use --{key} for the film's {key}")
        out[key] = value_from_text(library, key, text)
        check_value(library, key, out[key])
    return out


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _editor_name() -> str:
    import os

    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"


def _read_body(name: str) -> str:
    from pathlib import Path

    from filmcli.errors import FilmcliError

    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except FileNotFoundError:
        raise FilmcliError("no such file", name) from None
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror or exc}", name) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FilmcliError("the review is not valid UTF-8 text", name, line) from None


@app.command("export")
@filter_options
def export_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    fmt: str | None = typer.Option(
        None,
        "--format",
        "-F",
        metavar="FORMAT",
        help="json, jsonl, csv or toml (default: from --output's extension, else json).",
    ),
    output: str = typer.Option(
        "-", "--output", "-o", metavar="FILE", help="Write to FILE, atomically ('-' for stdout)."
    ),
    posters: str | None = typer.Option(
        None,
        "--posters",
        metavar="MODE",
        help="inline (data URIs, the default), files (written to --posters-dir) or omit.",
    ),
    posters_dir: str | None = typer.Option(
        None, "--posters-dir", metavar="DIR", help="Where --posters files writes the images."
    ),
    csv_safe: bool = typer.Option(
        True,
        "--csv-safe/--no-csv-safe",
        help="With csv: prefix cells a spreadsheet would run as a "
        "formula (=, +, -, @) with ' (recorded in the export; "
        "add takes it off).",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        "-f",
        help="Replace poster files in --posters-dir that differ (as extract-posters --force).",
    ),
    filters: Filters = NO_FILTERS,
) -> None:
    """The catalog with every field and the body: what `filmcli add` rebuilds posts from."""
    from dataclasses import asdict

    from filmcli.cli.common import finish
    from filmcli.cli.console import data_output, error_line, message
    from filmcli.cli.progress import Progress, count_posts

    library = get_library(ctx)
    to_file = output not in ("-", "")
    if not to_file:
        data_output()

    def failed(exc) -> None:
        error_line(library.shown_location(exc), exc.message, exc.hint)

    bar = Progress("reading posts", count_posts(library, paths))

    def rendering(total: int) -> None:  # the bar again, for writing the posts out
        bar.phase("exporting", total)
        bar.__enter__()

    with bar:
        result = library.export(
            output if to_file else sys.stdout,
            paths or [],
            fmt=fmt,
            posters=posters,
            posters_dir=posters_dir,
            csv_safe=csv_safe,
            force=force,
            on_post=bar.advance,
            on_read=lambda: bar.__exit__(None, None, None),  # no bar over the data
            on_render=rendering,
            on_error=failed,
            **asdict(filters),
        )
    if to_file:
        count, extra = result.exported, f", posters in {posters_dir}" if posters_dir else ""
        message(f"exported {count} post{'s' * (count != 1)} to {output}{extra}")
    finish(0 if result.ok else 1)


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(
        ...,
        metavar="SOURCE",
        help="Export files, Markdown posts or folders, Letterboxd CSVs; '-' for stdin.",
    ),
    kind: str | None = typer.Option(
        None,
        "--from",
        metavar="KIND",
        help="json, jsonl, csv, toml, md, letterboxd or imdb "
        "(default: from each file's name and header).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Show what would be added; write nothing."
    ),
    force: bool = typer.Option(
        False, "--force", "-f", help="Replace films already present (same title and year)."
    ),
    lookup: bool = typer.Option(
        False,
        "--lookup",
        "-l",
        help="Complete records (director, year, poster) from their "
        "exact match on TMDb or Wikidata.",
    ),
    provider: str | None = provider_option("With --lookup: "),
    offline: bool = offline_option("With --lookup: "),
    refresh: bool = refresh_option("With --lookup: "),
) -> None:
    """Add posts from exports, Markdown files, Letterboxd or IMDb CSVs; each whole or not at all."""
    from filmcli.cli.common import finish
    from filmcli.cli.console import data_output
    from filmcli.cli.progress import Progress

    library = get_library(ctx)
    lookup_only(lookup, provider, offline, refresh)
    data_output()  # the paths added, for scripts: UTF-8 whatever the locale
    bar = Progress("adding")  # how many records the sources hold is known only at the end
    with bar:
        report = library.add(
            sources,
            kind=kind,
            force=force,
            dry_run=dry_run,
            lookup=lookup,
            provider=provider,
            offline=offline,
            refresh=refresh,
            **_add_hooks(bar),
        )
    _say_added(library, report, lookup)
    finish(report.exit_code)


def _add_hooks(bar) -> dict:
    """add's lines as each record is decided: the path added on stdout, the rest on stderr."""
    from filmcli.cli.console import error_line, message, warn
    from filmcli.ops.new import display_path

    def added(path, plan):
        bar.advance()
        sys.stdout.write(_path_line(display_path(path)) + "\n")
        sys.stdout.flush()

    def skipped(record, why):
        bar.advance()
        where = f"{record.source}:{record.line}" if record.line else record.source
        message(f"skipped: {where}: {why}")

    def failed(exc):
        bar.advance()
        error_line(exc.location, exc.message, exc.hint)

    return {"on_added": added, "on_skipped": skipped, "on_failed": failed, "on_note": warn}


def _say_added(library, report, lookup: bool) -> None:
    """add's closing lines on stderr: the folder it made, the counts, the posts to finish."""
    from filmcli.cli.console import message
    from filmcli.ops.new import display_path

    if report.created_folder:
        message(f"created the posts folder {display_path(library.posts_dir)}")
    verb = "would add" if report.dry_run else "added"
    summary = (
        f"{verb} {len(report.added)}, skipped {report.skipped} (already present), "
        f"failed {report.failed}"
    )
    if report.replaced:
        summary += f"; replaced {len(report.replaced)}"
    if report.not_films:
        summary += (
            f"; skipped {report.not_films} not film"
            f"{'s' if report.not_films != 1 else ''} (TV series, episodes)"
        )
    message(summary + (" (dry run: nothing written)" if report.dry_run else ""))
    if report.incomplete:
        message(
            f"incomplete ({len(report.incomplete)}; finish them"
            + (", `filmcli fill` on a terminal lets you choose their films" if lookup else "")
            + ", `filmcli validate` flags them):"
        )
        for path, missing in report.incomplete:
            message(f"  {display_path(path)}: no {', no '.join(missing)}")
