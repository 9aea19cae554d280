"""`filmcli cache`: look at or clear the metadata cache."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library

cache_app = typer.Typer(
    help="The metadata cache that makes an unchanged library list at once.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("clear")
def clear_cmd(
    ctx: typer.Context,
    all_libraries: bool = typer.Option(
        False, "--all", help="Clear the cache of every library, not just this one."
    ),
) -> None:
    """Forget what was cached: the next command reads every post again."""
    from filmcli.cli.console import message
    from filmcli.store import cache

    if all_libraries:
        removed = cache.clear()
        message(f"cleared {removed} cache{'s' * (removed != 1)} in {cache.cache_root()}")
        return
    library = get_library(ctx)
    removed = cache.clear(library.root)
    message(f"cleared the cache of {library.root}" if removed else f"no cache for {library.root}")


@cache_app.command("info")
def info_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option("text", "--format", "-F", help="text or json."),
) -> None:
    """Where this library's cache is, its size and how many posts it holds."""
    from filmcli.errors import UsageError
    from filmcli.model.poster import human_bytes
    from filmcli.ops.formats import dumps_json
    from filmcli.store import cache

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="choose text or json")
    library = get_library(ctx)
    facts = cache.info(library.root)
    facts["library"] = str(library.root)
    if fmt == "json":
        from filmcli.cli.console import data_output

        data_output()
        sys.stdout.write(dumps_json(facts) + "\n")
        return
    state = "on" if facts["enabled"] and library.use_cache else "off"
    lines = [
        ("library", facts["library"]),
        ("cache", f"{facts['file']} ({state})"),
        (
            "posts",
            "none"
            if not facts["exists"]
            else ("unreadable" if facts["posts"] is None else str(facts["posts"])),
        ),
        ("size", human_bytes(facts["bytes"])),
        ("libraries", f"{facts['libraries']} cached in {facts['directory']}"),
    ]
    from filmcli.text import visible

    for key, value in lines:
        sys.stdout.write(f"{key:<10} {visible(value)}\n")
