"""The Typer application: global options and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import typer

# typer 0.29 vendors its own click; of its exceptions Typer names only BadParameter (with
# Abort and Exit) publicly, so the rest come from typer._click (the tested range is pinned
# in pyproject.toml, and .ci/newest-typer tries the newest release)
from typer._click import exceptions as click_errors
from typer.core import TyperArgument, TyperGroup

from filmcli import __version__
from filmcli.cli import console, lazyparams

lazyparams.install()  # no Pydantic import for options that are text or absent


#: The order `filmcli --help` lists the commands in: reading, writing, posters, the rest.
COMMAND_ORDER = (
    "init",
    "list",
    "parse",
    "validate",
    "stats",
    "new",
    "add",
    "set",
    "edit",
    "rm",
    "rename",
    "publish",
    "unpublish",
    "lookup",
    "export",
    "extract-posters",
    "embed-posters",
    "show",
    "wall",
    "config",
    "cache",
    "completion",
    "help",
)


class FilmcliGroup(TyperGroup):
    """Runs a command and turns every failure into one `error:` line and an exit code."""

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def main(
        self,
        args=None,
        prog_name=None,
        complete_var=None,
        standalone_mode=True,
        windows_expand_args=True,
        **extra,
    ):
        from filmcli import interrupt
        from filmcli.errors import FilmcliError

        argv = list(sys.argv[1:] if args is None else args)
        _LIBRARY.clear()  # a run in the same process (tests) starts without one
        console.setup_streams()  # no UnicodeEncodeError on a cp1252 or ASCII stdout
        from filmcli.cli.examples import attach

        attach(self)  # every command's help ends with its examples
        if os.environ.get("_FILMCLI_COMPLETE"):
            from typer._completion_classes import completion_init

            completion_init()
            from filmcli.cli.completion import install

            install(self)  # values too: films, formats, fields, settings, rule ids
        else:
            argv = hoist_global_options(self, argv)
        debug = "--debug" in argv or bool(os.environ.get("FILMCLI_DEBUG"))
        code = 0
        try:
            result = super().main(
                args=argv,
                prog_name=prog_name or "filmcli",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) else 0
            if code == 130 and interrupt.signalled():  # Typer's silent KeyboardInterrupt exit
                code = _interrupted()
        except typer.Exit as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):  # Typer's silent exit 130
                code = _interrupted()
            else:
                code = exc.exit_code
        except typer.Abort:
            console.error_line("", "aborted")
            code = 130
        except click_errors.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx else "")
            code = 2
        except click_errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "filmcli"
            console.error_line("", usage_message(exc), f"try '{where} --help'")
            code = 2
        except click_errors.ClickException as exc:
            console.error_line("", exc.format_message())
            code = exc.exit_code
        except FilmcliError as exc:
            if debug:
                traceback.print_exc()
            library = _LIBRARY.get("instance")
            where = library.shown_location(exc) if library is not None else exc.location
            console.error_line(where, exc.message, exc.hint, getattr(exc, "details", None))
            code = exc.exit_code
        except BrokenPipeError:
            _silence_stdout()
            code = 0
        except KeyboardInterrupt:
            code = _interrupted()
        except Exception as exc:  # the last line of defence: never a bare traceback
            if debug:
                traceback.print_exc()
            console.error_line(
                "",
                f"internal error: {type(exc).__name__}: {exc}",
                None if debug else "run again with --debug to see the traceback",
            )
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


#: The options of the whole tool, accepted after the command too (`filmcli list --debug`).
GLOBAL_FLAGS = ("--debug", "--no-color", "--no-cache")
GLOBAL_VALUES = ("--library", "-L")


def _takes_value(command, token: str) -> bool:
    """True when `token` is one of `command`'s options and the next word is its value."""
    if token.startswith("--") and "=" in token:
        return False
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") != "option" or param.is_flag or param.count:
            continue
        if token in param.opts or token in param.secondary_opts:
            return True
        # -Fjson: a short option with its value attached
        if any(len(o) == 2 and token.startswith(o) and len(token) > 2 for o in param.opts):
            return False
    return False


def hoist_global_options(group, argv: list[str]) -> list[str]:
    """Move the global options given after the command to before it, where click reads them.

    Only words the command would not read itself move: an option's value (`--search
    --debug` searches for "--debug") and everything after `--` stay where they are.
    """
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        i += 2 if argv[i] in GLOBAL_VALUES else 1  # global options already before it
    command, start = group, i
    moved: list[str] = []
    path: list[str] = []
    while i < len(argv) and hasattr(command, "commands"):  # down to the (sub)command
        if command is not group and argv[i] in GLOBAL_FLAGS:  # `config --debug show`
            moved.append(argv[i])
            i += 1
            continue
        if command is not group and argv[i] in GLOBAL_VALUES and i + 1 < len(argv):
            moved.extend(argv[i : i + 2])
            i += 2
            continue
        sub = command.commands.get(argv[i])
        if sub is None:
            return argv  # an unknown command: click says so
        command, i = sub, i + 1
        path.append(argv[i - 1])
    if command is group:
        return argv
    rest: list[str] = []
    words = argv[i:]
    j = 0
    while j < len(words):
        word = words[j]
        if word == "--":
            rest.extend(words[j:])
            break
        if word in GLOBAL_FLAGS:
            moved.append(word)
        elif word in GLOBAL_VALUES and j + 1 < len(words):
            moved.extend(words[j : j + 2])
            j += 1
        elif word.startswith("--library=") or (word.startswith("-L") and len(word) > 2):
            moved.append(word)
        elif _takes_value(command, word) and j + 1 < len(words):
            rest.extend(words[j : j + 2])
            j += 1
        else:
            rest.append(word)
        j += 1
    if not moved:
        return argv
    return argv[:start] + moved + path + rest


def _param_name(param) -> str:
    """How the command line spells a parameter: `--limit`, or an argument's `FILM`."""
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "option":
        longs = [o for o in param.opts if o.startswith("--")]
        return (longs or param.opts)[0]
    return param.metavar or param.name.upper()


def _value_problem(exc) -> str:
    """A bad value's problem in filmcli's words (Typer's come from Pydantic)."""
    import re

    text = exc.message.strip().rstrip(".")
    bound = re.fullmatch(r"Input should be (greater|less) than or equal to (\S+)", text)
    if bound:
        return (
            f"must be {'at least' if bound.group(1) == 'greater' else 'at most'} {bound.group(2)}"
        )
    if text.startswith("Input should be a valid integer"):
        errors = getattr(exc.__cause__, "errors", None)
        given = errors()[0].get("input") if callable(errors) and errors() else None
        return "must be a whole number" + (f", not {given!r}" if given is not None else "")
    return text[:1].lower() + text[1:]


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def usage_message(exc) -> str:
    """A click/Typer usage error as one lower-case filmcli message."""
    import difflib
    import re

    if isinstance(exc, click_errors.MissingParameter):
        kind = exc.param_type or getattr(exc.param, "param_type_name", "parameter")
        return f"missing {kind} {_param_name(exc.param)}".rstrip()
    if isinstance(exc, click_errors.NoSuchOption):
        text = f"no such option {exc.option_name}"
        if exc.possibilities:
            text += f"; did you mean {_or(sorted(exc.possibilities))}?"
        return text
    if isinstance(exc, typer.BadParameter):
        name = _param_name(exc.param)
        return f"{name}: {_value_problem(exc)}" if name else _value_problem(exc)
    if isinstance(exc, click_errors.BadOptionUsage) and "requires an argument" in exc.message:
        return f"{exc.option_name} needs a value"
    unknown = re.match(r"No such command '(.*)'\.", exc.message)
    if unknown:
        typo = unknown.group(1)
        text = f"no such command {typo!r}"
        commands = getattr(exc.ctx.command, "commands", {}) if exc.ctx else {}
        matches = difflib.get_close_matches(typo, list(commands))
        if matches:
            text += f"; did you mean {_or([repr(m) for m in matches])}?"
        return text
    text = exc.format_message().strip().rstrip(".")
    return text[:1].lower() + text[1:]


# typer 0.29's plain help prints an argument's Python type beside its name
# (`PATH <list[str]>`); the name already says what to give.
# (method-assign: a patch of Typer's class, on purpose)
TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


def _interrupted() -> int:
    """Ctrl-C or SIGTERM: one `error: interrupted` line, exit 130 (see filmcli.interrupt)."""
    from filmcli import interrupt

    interrupt.stopping()  # a second Ctrl-C while cleaning up changes nothing
    console.error_line("", "interrupted")
    return interrupt.EXIT_CODE


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
        None,
        "--library",
        "-L",
        metavar="DIR",
        envvar="FILMCLI_LIBRARY",
        help="The site folder (default: the nearest folder above holding filmcli.toml or "
        "_config.yml, else the current one).",
        show_envvar=True,
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every post; skip the cache."),
    no_color: bool = typer.Option(False, "--no-color", help="Never colour the output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    console.configure(no_color=no_color, debug=debug)
    ctx.obj = {"library": library, "no_cache": no_cache}


#: The library of this run, once found: error lines name its files as `Library.shown` does.
_LIBRARY: dict = {}


def get_library(ctx: typer.Context):
    """The library the global options name, found once per run."""
    from filmcli.api import Library

    root = ctx.find_root()
    state = root.obj if isinstance(root.obj, dict) else {}
    if "instance" not in state:
        state["instance"] = Library.discover(state.get("library"))
        if state.get("no_cache"):
            state["instance"].use_cache = False
        _LIBRARY["instance"] = state["instance"]
    return state["instance"]
