"""The Typer application: global options and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import typer
from typer.core import TyperArgument, TyperGroup

try:  # typer 0.29+ vendors its own copy of click; its exceptions are the ones raised
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as click_errors

from .. import __version__
from . import console, lazyparams

lazyparams.install()  # no Pydantic import for options that are text or absent


#: The order `filmcli --help` lists the commands in: reading, writing, posters, the rest.
COMMAND_ORDER = ("init", "list", "parse", "validate", "stats", "new", "add", "set", "edit", "rm",
                 "rename", "publish", "unpublish", "lookup", "export",
                 "extract-posters", "embed-posters", "show", "wall", "config", "cache",
                 "completion", "help")


class FilmcliGroup(TyperGroup):
    """Runs a command and turns every failure into one `error:` line and an exit code."""

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             windows_expand_args=True, **extra):
        from ..errors import FilmcliError

        argv = list(sys.argv[1:] if args is None else args)
        console.setup_streams()  # no UnicodeEncodeError on a cp1252 or ASCII stdout
        from .examples import attach

        attach(self)  # every command's help ends with its examples
        if os.environ.get("_FILMCLI_COMPLETE"):
            from typer._completion_classes import completion_init

            completion_init()
            from .completion import install

            install(self)  # values too: films, formats, fields, settings, rule ids
        debug = "--debug" in argv or bool(os.environ.get("FILMCLI_DEBUG"))
        code = 0
        try:
            result = super().main(args=argv, prog_name=prog_name or "filmcli",
                                  complete_var=complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.Abort:
            console.error_line("", "aborted")
            code = 130
        except click_errors.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx else "")
            code = 2
        except click_errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "filmcli"
            console.error_line("", exc.format_message(), f"try '{where} --help'")
            code = 2
        except click_errors.ClickException as exc:
            console.error_line("", exc.format_message())
            code = exc.exit_code
        except FilmcliError as exc:
            if debug:
                traceback.print_exc()
            console.error_line(exc.location, exc.message, exc.hint,
                               getattr(exc, "details", None))
            code = exc.exit_code
        except BrokenPipeError:
            _silence_stdout()
            code = 0
        except KeyboardInterrupt:
            console.error_line("", "interrupted")
            code = 130
        except Exception as exc:  # the last line of defence: never a bare traceback
            if debug:
                traceback.print_exc()
            console.error_line("", f"internal error: {type(exc).__name__}: {exc}",
                               None if debug else "run again with --debug to see the traceback")
            code = 1
        if standalone_mode:
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                _silence_stdout()
            sys.exit(code)
        return code

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # `filmcli list | head -1`: the reader has gone, which is no failure (click
            # would turn it into a silent exit 1, failing `set -o pipefail` scripts).
            _silence_stdout()
            raise typer.Exit(0) from None


# typer 0.29's plain help prints an argument's Python type beside its name
# (`PATH <list[str]>`); the name already says what to give.
TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


def _silence_stdout() -> None:
    """After `| head` closes the pipe, stop Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


app = typer.Typer(
    cls=FilmcliGroup,
    help="Manage a Jekyll film-review blog: parse, validate, list, add, export and show posts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: readable in pipes, and no rich import for --help
    # Help as wide as the terminal (click stops at 80 columns otherwise).
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 10_000},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"filmcli {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    library: str | None = typer.Option(
        None, "--library", "-L", metavar="DIR", envvar="FILMCLI_LIBRARY",
        help="The site folder (default: the nearest folder above holding filmcli.toml or "
             "_config.yml, else the current one).", show_envvar=True),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every post; skip the cache."),
    no_color: bool = typer.Option(False, "--no-color", help="Never colour the output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    console.configure(no_color=no_color, debug=debug)
    ctx.obj = {"library": library, "no_cache": no_cache}


def get_library(ctx: typer.Context):
    """The library the global options name, found once per run."""
    from ..library import Library

    root = ctx.find_root()
    state = root.obj if isinstance(root.obj, dict) else {}
    if "instance" not in state:
        state["instance"] = Library.discover(state.get("library"))
        if state.get("no_cache"):
            state["instance"].use_cache = False
    return state["instance"]
