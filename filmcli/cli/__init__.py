"""The command line: a thin Typer layer over the filmcli library."""

from __future__ import annotations

# isort: off
from filmcli.cli import early  # noqa: F401  (answers `filmcli --version` before Typer is imported)

# Importing a module registers its commands (app.COMMAND_ORDER sets the --help order).
from filmcli.cli import cache_cmd, info, lint, lookup_cmd, manage_cmd, posters, read, write  # noqa: F401
from filmcli.cli import helpcmd  # noqa: F401  (`filmcli help COMMAND`, listed last)
from filmcli.cli.app import app

# isort: on


def main() -> None:
    app()
