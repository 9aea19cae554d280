"""Small pieces several commands share: reading posts with per-post errors, choosing formats."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from ..errors import FilmcliError, UsageError
from . import console

PATHS_HELP = "Post files or folders (default: the posts)."
DRAFTS_HELP = "Include the drafts in _drafts/, as `jekyll build --drafts` does."
FILM_HELP = ("The film: a post file, a slug (her) or words of its title, a year allowed "
             "(casablanca 1942).")
#: Formats for people: written in the terminal's encoding, degraded where it cannot
#: show a character. Every other format is data, written as UTF-8 (console.data_output).
HUMAN_FORMATS = frozenset({"table", "text"})


class Reading:
    """Posts read for one command; each unreadable one gets its error line as it comes.

    `lazy` leaves `posts` empty so a command can stream `stream()` instead of holding
    every post (`list` on a large library).
    """

    def __init__(self, library, paths: Sequence[str], *, lazy: bool = False,
                 drafts: bool = False, progress=None):
        self.library = library
        self.paths = paths
        self.drafts = drafts
        self.progress = progress  # a progress.Progress advanced once per post, or None
        self.read = 0
        self.failed = 0
        self.posts = [] if lazy else list(self.stream())

    def stream(self):
        for item in self.library.iter_posts(self.paths, drafts=self.drafts):
            if self.progress is not None:
                self.progress.advance()
            if isinstance(item, FilmcliError):
                self.failed += 1
                console.error_line(item.location, item.message, item.hint)
            else:
                self.read += 1
                yield item

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def choose_format(fmt: str | None, allowed: Sequence[str], *, tty_default: str,
                  pipe_default: str) -> str:
    """The explicit --format, else the human format on a terminal and the machine one in pipes."""
    if fmt is None:
        fmt = tty_default if sys.stdout.isatty() else pipe_default
    elif fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}", hint="choose one of " + ", ".join(allowed))
    if fmt not in HUMAN_FORMATS:
        console.data_output()
    return fmt


def split_fields(text: str | None) -> list[str] | None:
    if text is None:
        return None
    fields = [f.strip() for f in text.split(",") if f.strip()]
    if not fields:
        raise UsageError("--fields names no field")
    return fields


def finish(code: int) -> None:
    if code:
        raise typer.Exit(code)


def say_library(library) -> None:
    """Once per run, before a command writes: which library, when it is not the current
    folder (as `git -C` users expect to be told)."""
    import os

    from ..formats import visible

    if getattr(library, "_said_where", False):
        return
    library._said_where = True
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        here = None
    if here != str(library.root):
        console.message(f"library: {visible(str(library.root))}")


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`1 film`, `2 films`."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
