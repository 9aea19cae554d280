"""The one progress reporter: a bar on a terminal's stderr, nothing at all in a pipe.

Used by every long command (validate, export, stats, wall, add, extract-posters,
embed-posters). A bar is drawn only when stderr is a terminal and there is enough to do
(`PROGRESS_MIN` posts, or an unknown amount); it is transient, so the screen keeps only
the command's own lines. While it shows, messages written to stderr (and to stdout when
that is the same terminal) are printed above it instead of through it.
"""

from __future__ import annotations

import sys
from typing import Any

PROGRESS_MIN = 20  # posts: fewer finish before a progress bar would be worth drawing


class Progress:
    """`with Progress("validating", total) as bar: ... bar.advance()`."""

    def __init__(self, label: str, total: int | None = None, *, enabled: bool = True):
        self.progress = None
        self.task: Any = None  # rich's TaskID once the bar is shown
        self.label = label
        self.total = total
        if enabled and (total is None or total >= PROGRESS_MIN) and sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            from filmcli.cli.console import stderr_console

            self.progress = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=stderr_console(),
                transient=True,
                redirect_stdout=sys.stdout.isatty(),
                redirect_stderr=True,
            )

    def __enter__(self):
        if self.progress is not None:  # entered again: the same bar, shown again
            self.progress.start()
            if self.task is None:
                self.task = self.progress.add_task(self.label, total=self.total)
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()

    @property
    def shown(self) -> bool:
        return self.progress is not None

    def set_total(self, total: int | None) -> None:
        if self.progress is not None:
            self.progress.update(self.task, total=total)

    def phase(self, label: str, total: int | None = None) -> None:
        """A new stage of the same command (`reading posts`, then `checking posters`)."""
        if self.progress is not None:
            self.progress.reset(self.task, total=total, description=label)

    def advance(self, *_ignored) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)

    def track(self, items):
        """The items, advancing once per item."""
        for item in items:
            yield item
            self.advance()

    def print(self, text: str) -> None:
        """A line for people above the bar (plain text: already escaped)."""
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stderr.write(text + "\n")


def count_posts(library, paths) -> int | None:
    """How many post files `paths` name (a directory walk, no reading); None if unknown,
    and None at once where no bar is drawn (a pipe, CI): no second walk of the library."""
    if not sys.stderr.isatty():
        return None
    try:
        return len(library.post_paths(paths or []))
    except Exception:  # the reading that follows reports the problem properly
        return None
