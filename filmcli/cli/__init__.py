"""The command line: a thin Typer layer over the filmcli library."""

from __future__ import annotations

# isort: off
from . import early  # noqa: F401  (answers `filmcli --version` before Typer is imported)

# Importing a module registers its commands (app.COMMAND_ORDER sets the --help order).
from . import cache_cmd, info, lint, lookup_cmd, manage_cmd, posters, read, write  # noqa: F401
from . import helpcmd  # noqa: F401  (`filmcli help COMMAND`, listed last)
from .app import app

# isort: on


def main() -> None:
    app()
