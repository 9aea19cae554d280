"""Where output goes: data to stdout, messages to stderr, colour only for terminals."""

from __future__ import annotations

import os
import sys

_state = {"no_color": False, "debug": False}


def configure(*, no_color: bool = False, debug: bool = False) -> None:
    _state["no_color"] = no_color
    _state["debug"] = debug


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
    from typing import IO, cast

    from rich.console import Console

    class Out(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError  # rich would exit 1; the app ends a closed pipe with 0

    tty = sys.stdout.isatty()
    # (_TrimmedLines stands in for a text stream: it has what rich uses, write, flush,
    # isatty, fileno)
    out = sys.stdout if tty else cast("IO[str]", _TrimmedLines(sys.stdout))
    return Out(
        file=out,
        no_color=not color_allowed(sys.stdout),
        highlight=False,
        force_terminal=color_allowed(sys.stdout) or None,
        soft_wrap=not tty,
        emoji=False,
    )


def stderr_console():
    from rich.console import Console

    return Console(
        file=sys.stderr,
        no_color=not color_allowed(sys.stderr),
        highlight=False,
        force_terminal=color_allowed(sys.stderr) or None,
        emoji=False,
    )


def out(text: str = "", end: str = "\n") -> None:
    """Plain data on stdout, exactly as given."""
    sys.stdout.write(text + end)


def _shown(text) -> str:
    from filmcli.text import visible

    return visible(text)


def message(text: str) -> None:
    """A plain message for people, on stderr (one line: post data in it is escaped)."""
    sys.stderr.write(_shown(text) + "\n")


def error_line(
    location: str, text: str, hint: str | None = None, details: list[str] | None = None
) -> None:
    where = f"{_shown(location)}: " if location else ""
    sys.stderr.write(f"error: {where}{_shown(text)}\n")
    for line in details or ():  # e.g. the films an ambiguous name matches (escaped)
        sys.stderr.write(line + "\n")
    if hint:
        sys.stderr.write(f"hint: {_shown(hint)}\n")


def warn(location: str, text: str) -> None:
    where = f"{_shown(location)}: " if location else ""
    sys.stderr.write(f"warning: {where}{_shown(text)}\n")


# --- encodings ------------------------------------------------------------------------

#: What a terminal that cannot show filmcli's own characters gets instead.
_PLAIN = {
    "×": "x",
    "–": "-",
    "—": "-",
    "…": "...",
    "█": "#",
    "▏": "|",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "→": "->",
    "·": ".",
}


def _degrade(exc: UnicodeError):
    """Codec error handler for output meant for people: near ASCII, else `?`."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(_PLAIN.get(ch, "?") for ch in bad), exc.end


def _is_utf8(stream) -> bool:
    import codecs

    try:
        return codecs.lookup(stream.encoding or "ascii").name == "utf-8"
    except (LookupError, AttributeError):
        return False


def setup_streams() -> None:
    """Messages never crash on an encoding: stdout and stderr degrade what they cannot show.

    With a UTF-8 stream only lone surrogates (undecodable file-name bytes) could fail;
    elsewhere (cp1252, ASCII) `×` becomes `x`, `–` `-`, the rest `?`. Data output
    switches stdout to UTF-8 (`data_output`).
    """
    import codecs

    codecs.register_error("filmcli-degrade", _degrade)
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue  # a test runner's buffer, or a replaced stream
        try:
            if _is_utf8(stream):
                if stream.errors == "strict":
                    stream.reconfigure(errors="filmcli-degrade")
            else:
                stream.reconfigure(errors="filmcli-degrade")
        except (ValueError, OSError):  # pragma: no cover - a stream that cannot change
            pass


def data_output() -> None:
    """Machine formats are UTF-8 whatever the locale: switch stdout to it, exact bytes."""
    stream = sys.stdout
    if not hasattr(stream, "reconfigure") or (
        _is_utf8(stream) and stream.errors != "filmcli-degrade"
    ):
        return
    try:
        stream.reconfigure(encoding="utf-8", errors="surrogateescape")
    except (ValueError, OSError):  # pragma: no cover - a stream that cannot change
        pass
