"""One error type for everything filmcli refuses, so the CLI can print one line and exit."""

from __future__ import annotations

import os


class FilmcliError(Exception):
    """A problem with the user's data or request, located as precisely as we can.

    `exit_code` is 1 for problems in the data and 2 for usage errors, the
    convention linters and CI jobs expect.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        path: str | os.PathLike | None = None,
        line: int | None = None,
        hint: str | None = None,
        rule: str | None = None,
    ):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.hint = hint

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location
        return f"{where}: {self.message}" if where else self.message


class UsageError(FilmcliError):
    """The command line itself is wrong (bad flag value, malformed --where)."""

    exit_code = 2
