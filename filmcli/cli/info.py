"""Commands about the library as a whole: stats, config, completion."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import (
    NO_FILTERS,
    PATHS_HELP,
    Filters,
    choose_format,
    filter_options,
    finish,
)

config_app = typer.Typer(
    help="Show or change the library's settings (filmcli.toml).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(config_app, name="config")


@app.command("stats")
@filter_options
def stats_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    fmt: str | None = typer.Option(None, "--format", "-F", metavar="FORMAT", help="text or json."),
    top: int = typer.Option(10, "--top", min=1, metavar="N", help="How many directors to show."),
    filters: Filters = NO_FILTERS,
) -> None:
    """Films, directors, years, films per decade, top directors, poster formats and bytes."""
    from dataclasses import asdict

    from filmcli.cli.console import error_line
    from filmcli.cli.progress import Progress, count_posts
    from filmcli.ops.formats import dumps_json

    library = get_library(ctx)
    chosen = choose_format(fmt, ("text", "json"), tty_default="text", pipe_default="text")

    def unreadable(exc) -> None:
        error_line(library.shown_location(exc), exc.message, exc.hint)

    with Progress("reading posts", count_posts(library, paths)) as bar:
        stats = library.stats(
            paths or [], top=top, on_post=bar.advance, on_error=unreadable, **asdict(filters)
        )
    if chosen == "json":
        sys.stdout.write(dumps_json(stats.to_dict()) + "\n")
    else:
        _print_stats(stats.to_dict())
    finish(1 if stats.unreadable else 0)


def _print_stats(stats: dict) -> None:
    from rich.table import Table

    from filmcli.cli.console import stdout_console
    from filmcli.model.poster import human_bytes
    from filmcli.text import visible

    con = stdout_console()
    span = f"{stats['year_min']}–{stats['year_max']}" if stats["year_min"] is not None else "none"
    films, directors = stats["films"], stats["directors"]
    con.print(
        f"[bold]{films}[/bold] film{'s' * (films != 1)} by [bold]{directors}[/bold] "
        f"director{'s' * (directors != 1)}, {span}"
    )
    if stats["without_year"]:
        con.print(f"{stats['without_year']} without a usable year (see filmcli validate)")
    if stats["per_decade"]:
        con.print()
        con.print("[bold]Films per decade[/bold]")
        counts = {int(decade[:-1]): n for decade, n in stats["per_decade"].items()}
        most = max(counts.values())
        grid = Table.grid(padding=(0, 1))
        grid.add_row("[dim]Decade[/dim]", "", "[dim]Films[/dim]")
        for decade in range(min(counts), max(counts) + 10, 10):  # a decade without films too
            n = counts.get(decade, 0)
            bar = "█" * max(1, round(30 * n / most)) if n else ""
            grid.add_row(f"{decade}s", f"[cyan]{bar}[/cyan]", str(n))
        con.print(grid)
    if stats["top_directors"]:
        con.print()
        con.print("[bold]Directors with most films[/bold]")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(justify="right")
        grid.add_row("[dim]Films[/dim]", "[dim]Director[/dim]")
        for item in stats["top_directors"]:
            grid.add_row(str(item["films"]), visible(item["director"], markup=True))
        con.print(grid)
    con.print()
    formats = (
        ", ".join(f"{visible(k, markup=True)} {v}" for k, v in stats["poster_formats"].items())
        or "none"
    )
    con.print(f"[bold]Posters[/bold]: {formats}")
    con.print(
        f"Poster data: {human_bytes(stats['poster_bytes'])} of "
        f"{human_bytes(stats['library_bytes'])} "
        f"({stats['poster_share']:.0%} of the posts' size)"
    )


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    fmt: str | None = typer.Option(
        None, "--format", "-F", metavar="FORMAT", help="text, toml or json."
    ),
) -> None:
    """Every setting in force: filmcli.toml over the defaults."""
    import json

    from filmcli.ops.formats import dumps_json, json_safe
    from filmcli.store.config import flatten
    from filmcli.text import visible

    library = get_library(ctx)
    chosen = choose_format(fmt, ("text", "toml", "json"), tty_default="text", pipe_default="text")
    if chosen == "json":  # dates and datetimes as ISO text, as JSON has neither
        sys.stdout.write(
            dumps_json(json.loads(json.dumps(dict(library.config), default=_iso))) + "\n"
        )
    elif chosen == "toml":
        import tomli_w

        sys.stdout.write(json_safe(tomli_w.dumps(dict(library.config))))
    else:
        sys.stdout.write(f"# {visible(library.root / 'filmcli.toml')}\n")
        for key, value in flatten(dict(library.config)).items():
            sys.stdout.write(f"{visible(key)} = {_shown(value)}\n")


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: str = typer.Argument(
        ..., metavar="KEY", help="A dotted setting such as poster.max_width."
    ),
    value: str = typer.Argument(
        ..., metavar="VALUE", help="Its new value (TOML syntax or plain text)."
    ),
) -> None:
    """Change one setting in filmcli.toml, keeping its comments and other keys."""
    from filmcli.cli.console import message
    from filmcli.store.config import set_value

    library = get_library(ctx)
    stored = set_value(library.root, key, value)
    message(f"{key} = {_shown(stored)} (in {library.relpath(library.root / 'filmcli.toml')})")


@config_app.command("get")
def config_get(
    ctx: typer.Context,
    key: str = typer.Argument(
        ..., metavar="KEY", help="A dotted setting such as poster.max_width."
    ),
) -> None:
    """Print one setting in force (text as it is, other values as JSON)."""
    from filmcli.errors import UsageError
    from filmcli.store.config import flatten

    library = get_library(ctx)
    settings = flatten(dict(library.config))
    if key not in settings:
        inside = {k: v for k, v in settings.items() if k.startswith(key + ".")}
        if not inside:
            raise UsageError(f"no setting {key!r}", hint="`filmcli config show` lists them")
        for name, value in inside.items():
            sys.stdout.write(f"{name} = {_shown(value)}\n")
        return
    value = settings[key]
    sys.stdout.write((value if isinstance(value, str) else _shown(value)) + "\n")


@config_app.command("unset")
def config_unset(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="KEY", help="A dotted setting to remove."),
) -> None:
    """Remove a setting from filmcli.toml, so its default applies again."""
    from filmcli.cli.console import message
    from filmcli.store.config import _default_for, unset_value

    library = get_library(ctx)
    where = library.relpath(library.root / "filmcli.toml")
    if unset_value(library.root, key):
        message(f"removed {key} from {where}; the default applies: {_shown(_default_for(key))}")
    else:
        message(f"{key} is not set in {where}; nothing to do")


def _iso(value):
    """A TOML date or datetime as its ISO text (JSON has no such type)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _shown(value) -> str:
    """A setting's value as `config show` prints it: JSON, but dates as TOML writes them."""
    import json

    from filmcli.ops.formats import json_safe

    if hasattr(value, "isoformat"):
        return value.isoformat()
    return json_safe(json.dumps(value, ensure_ascii=False, default=_iso))


SHELLS = ("bash", "zsh", "fish", "powershell")


@app.command("completion")
def completion_cmd(
    shell: str = typer.Argument(..., metavar="SHELL", help="bash, zsh, fish or powershell."),
) -> None:
    """Print the shell completion script (named explicitly: detection fails in containers)."""
    from typer._completion_classes import completion_init
    from typer._completion_shared import get_completion_script

    from filmcli.errors import UsageError

    if shell not in SHELLS:
        raise UsageError(f"unknown shell {shell!r}", hint="choose bash, zsh, fish or powershell")
    completion_init()
    script = get_completion_script(
        prog_name="filmcli", complete_var="_FILMCLI_COMPLETE", shell=shell
    )
    from filmcli.cli.console import data_output

    data_output()
    sys.stdout.write(script.rstrip("\n") + "\n")
