"""Where output goes: data to stdout, messages to stderr, colour only for terminals."""

from __future__ import annotations

import os
import sys

_state = {"no_color": False, "debug": False}


def configure(*, no_color: bool = False, debug: bool = False) -> None:
    _state["no_color"] = no_color
    _state["debug"] = debug


def debug_enabled() -> bool:
    return _state["debug"]


def color_allowed(stream=None) -> bool:
    """Colour only on a terminal, never with NO_COLOR, --no-color or TERM=dumb."""
    stream = stream or sys.stdout
    if _state["no_color"] or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


class _TrimmedLines:
    """A stdout wrapper dropping the spaces rich pads table cells with, for pipes and files."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        import re

        return self.stream.write(re.sub(r" +(?=\n)", "", text))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.stream.fileno()


def stdout_console():
    from rich.console import Console

    class Out(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError  # rich would exit 1; the app ends a closed pipe with 0

    tty = sys.stdout.isatty()
    return Out(file=sys.stdout if tty else _TrimmedLines(sys.stdout),
                   no_color=not color_allowed(sys.stdout), highlight=False,
                   force_terminal=color_allowed(sys.stdout) or None,
                   soft_wrap=not tty, emoji=False)


def stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr, no_color=not color_allowed(sys.stderr), highlight=False,
                   force_terminal=color_allowed(sys.stderr) or None, emoji=False)


def out(text: str = "", end: str = "\n") -> None:
    """Plain data on stdout, exactly as given."""
    sys.stdout.write(text + end)


def message(text: str) -> None:
    """A plain message for people, on stderr."""
    sys.stderr.write(text + "\n")


def error_line(location: str, text: str, hint: str | None = None,
               details: list[str] | None = None) -> None:
    where = f"{location}: " if location else ""
    sys.stderr.write(f"error: {where}{text}\n")
    for line in details or ():  # e.g. the films an ambiguous name matches
        sys.stderr.write(line + "\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


def warn(location: str, text: str) -> None:
    where = f"{location}: " if location else ""
    sys.stderr.write(f"warning: {where}{text}\n")
