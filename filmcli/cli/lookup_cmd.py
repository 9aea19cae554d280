"""`filmcli lookup TITLE`: the candidates a provider gives, best first."""

from __future__ import annotations

import sys

import typer

from .app import app, get_library


@app.command("lookup")
def lookup_cmd(
    ctx: typer.Context,
    title: str = typer.Argument(..., metavar="TITLE", help="The film's title."),
    year: int | None = typer.Option(None, "--year", metavar="YEAR",
                                    help="The year it came out (ranks exact matches first)."),
    provider: str | None = typer.Option(None, "--provider", metavar="NAME",
                                        help="tmdb or wikidata (default: tmdb when a key "
                                             "is set, else wikidata)."),
    fmt: str = typer.Option("table", "--format", "-F", metavar="FORMAT",
                            help="table or json."),
    offline: bool = typer.Option(False, "--offline", help="Answer from the cache only."),
    refresh: bool = typer.Option(False, "--refresh", help="Ignore the cache; ask again."),
) -> None:
    """Look a film up on TMDb or Wikidata: title, original title, year, directors, id."""
    from ..errors import UsageError
    from ..formats import dumps_json, visible
    from ..lookup import Session
    from .console import data_output

    if fmt not in ("table", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="choose table or json")
    library = get_library(ctx)
    session = Session(library.config, provider, offline=offline, refresh=refresh)
    try:
        found = session.search(title, year)
    finally:
        session.close()
    if fmt == "json":
        data_output()
        sys.stdout.write(dumps_json([c.as_dict() for c in found]) + "\n")
        return
    if not found:
        sys.stderr.write(visible(f"no film called {title!r} on {session.name}") + "\n")
        raise typer.Exit(1)
    for c in found:
        who = ", ".join(c.directors) or "-"
        other = c.original_title if c.original_title and c.original_title != c.title else "-"
        year_text = str(c.year) if c.year is not None else "-"
        size = c.poster_size or ("poster" if c.poster_url else "-")
        # a provider's answer is text from the network: shown, never run by the terminal
        sys.stdout.write("\t".join([visible(f"{c.provider}:{c.id}"), visible(c.title),
                                    visible(other), year_text, visible(who),
                                    visible(size)]) + "\n")
