"""`filmcli lookup TITLE`: the candidates a provider gives, best first."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import (
    offline_option,
    provider_option,
    refresh_option,
    search_option,
    where_option,
)


def on_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def ask_candidate(candidates, label: str = ""):
    """On a terminal: the candidates numbered on stderr, and the user's choice (None for
    none of them, or at the end of input)."""
    from filmcli.cli.interactive import read_answer

    if label:
        sys.stderr.write(f"{label}:\n")
    for n, candidate in enumerate(candidates, 1):
        sys.stderr.write(f"  {n}. {candidate.describe()}\n")
    while True:
        line = read_answer(f"which film? [1-{len(candidates)}, 0 for none of them] ")
        if line is None:
            return None
        answer = line.strip()
        if answer.isdigit() and 0 <= int(answer) <= len(candidates):
            return candidates[int(answer) - 1] if int(answer) else None
        sys.stderr.write(f"answer a number from 0 to {len(candidates)}\n")


def lookup_fields(
    library,
    *,
    title: str,
    year: int | None,
    director: str | None,
    wanted,
    provider: str | None,
    offline: bool,
    refresh: bool,
    session=None,
) -> dict:
    """`fill.lookup_fields`, on a terminal the user choosing when the match is not exact
    and unique."""
    from filmcli.ops.fill import lookup_fields as fields

    def ask(candidates, name: str):
        return ask_candidate(candidates, f"{name}: which is {title!r}?")

    return fields(
        library,
        title=title,
        year=year,
        director=director,
        wanted=wanted,
        provider=provider,
        offline=offline,
        refresh=refresh,
        ask=ask if on_terminal() else None,
        session=session,
    )


@app.command("lookup")
def lookup_cmd(
    ctx: typer.Context,
    title: str = typer.Argument(..., metavar="TITLE", help="The film's title."),
    year: int | None = typer.Option(
        None, "--year", metavar="YEAR", help="The year it came out (ranks exact matches first)."
    ),
    provider: str | None = provider_option(),
    fmt: str = typer.Option("table", "--format", "-F", metavar="FORMAT", help="table or json."),
    offline: bool = offline_option(),
    refresh: bool = refresh_option(),
) -> None:
    """Look a film up on TMDb or Wikidata: title, original title, year, directors, id."""
    from filmcli.cli.console import data_output
    from filmcli.errors import UsageError
    from filmcli.ops.formats import dumps_json

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="choose table or json")
    library = get_library(ctx)
    found = library.lookup(title, year, provider=provider, offline=offline, refresh=refresh)
    if fmt == "json":
        data_output()
        sys.stdout.write(dumps_json([c.as_dict() for c in found]) + "\n")
        return
    if not found:
        from filmcli.lookup import choose

        choose(found, title, year, provider=found.provider)  # NoMatch: one error line
    for candidate in found:
        sys.stdout.write(_row(candidate) + "\n")


def _row(c) -> str:
    """One candidate as a table row: provider:id, title, original title, year, directors,
    poster size (`-` for what is unknown)."""
    from filmcli.text import visible

    who = ", ".join(c.directors) or "-"
    other = c.original_title if c.original_title and c.original_title != c.title else "-"
    year_text = str(c.year) if c.year is not None else "-"
    size = c.poster_size or ("poster" if c.poster_url else "-")
    # a provider's answer is text from the network: shown, never run by the terminal
    fields = [f"{c.provider}:{c.id}", c.title, other, year_text, who, size]
    return "\t".join(visible(str(f)) for f in fields)


@app.command("fill")
def fill_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        None,
        metavar="[FILM...]",
        help="The film: a post file, a slug or title words (default: every film).",
    ),
    where: list[str] = where_option(),
    search: str | None = search_option(),
    only: str | None = typer.Option(
        None, "--only", metavar="FIELDS", help="Fill only these: poster,director,year."
    ),
    provider: str | None = provider_option(),
    offline: bool = offline_option(),
    refresh: bool = refresh_option(),
    yes: bool = typer.Option(False, "--yes", "-y", help="Change several films without asking."),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Print a diff of each post; write nothing."
    ),
) -> None:
    """Fill in what posts miss (director, year, poster) from TMDb or Wikidata."""
    from filmcli.cli import console
    from filmcli.cli.common import finish, say_library
    from filmcli.cli.manage_cmd import _diff, _summary, choose_films, confirm
    from filmcli.ops.fill import parse_only
    from filmcli.ops.manage import Tally

    fields = parse_only(only)
    library = get_library(ctx)
    chosen = choose_films(library, words, where, search, every=True)
    read_code = 1 if chosen.unreadable else 0
    planned = _plan(library, chosen.posts, fields, provider, offline, refresh)
    for item in planned:
        _say_filled(library, item)
    todo = [item for item in planned if item.changed]
    if dry_run:
        for item in todo:
            sys.stdout.write(_diff(item.change, library))
        tally = Tally.of(planned)
        console.message(
            f"dry run: {tally.changing} of {tally.films} films would change"
            + (f"; {tally.failed} failed" if tally.failed else "")
        )
        finish(1 if tally.failed or read_code else 0)
        return
    confirm(len(todo), "fill", yes)
    if todo:
        say_library(library)
    library.apply(todo)
    for item in todo:
        if item.change.error is not None:
            _film_error(library.relpath(item.path), item.change.error)
        elif item.change.written:
            sys.stdout.write(library.relpath(item.path) + "\n")
    _summary("filled", Tally.of(planned), read_code, f"{len(planned)} films")


def _plan(library, posts, fields, provider, offline: bool, refresh: bool) -> list:
    """`Library.fill(dry_run=True)` with a progress bar, and on a terminal the user's choice
    when a title is not an exact, unique match."""
    from contextlib import ExitStack

    from filmcli.cli.posters import _Reporter

    with ExitStack() as stack:
        bar = []

        def start(name: str) -> None:
            bar.append(stack.enter_context(_Reporter(len(posts), f"fill ({name})", quiet=True)))
            bar[0].set_total(len(posts))

        def ask(post, candidates):
            if bar[0].progress is not None:
                bar[0].progress.stop()
            try:
                return ask_candidate(
                    candidates, f"{library.relpath(post.path)}: which film is {post.title!r}?"
                )
            finally:
                if bar[0].progress is not None:
                    bar[0].progress.start()

        return library.fill(
            posts,
            only=fields,
            provider=provider,
            offline=offline,
            refresh=refresh,
            dry_run=True,
            ask=ask if on_terminal() else None,
            on_film=lambda item: bar[0].advance(),
            on_start=start,
        )


def _say_filled(library, item) -> None:
    """One film's plan: its error, why it was skipped, `unchanged`, or each field's change."""
    from filmcli.cli import console

    if item.error is not None:
        _film_error(library.relpath(item.path), item.error)
    elif item.skipped:
        console.message(f"{item.label}: {item.skipped}")
    elif not item.changed:
        console.message(f"{item.label}: unchanged")
    else:
        for field in item.change.fields:
            console.message(f"{item.label}: {field.describe()}")


def _film_error(where: str, exc) -> None:
    """`error: _posts/x.md: tmdb: no exact match...`, the candidates, the hint."""
    from filmcli.cli import console

    text = f"{exc.location}: {exc.message}" if exc.location else exc.message
    console.error_line(where, text, exc.hint, getattr(exc, "details", None))
