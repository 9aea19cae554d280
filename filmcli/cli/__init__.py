"""The command line: a thin Typer layer over the filmcli library."""

from __future__ import annotations

from . import early  # noqa: F401  (answers `filmcli --version` before Typer is imported)

# isort: off
# Importing a module registers its commands; `--help` lists them in this order.
from . import read, lint, info  # noqa: F401
from . import posters  # noqa: F401
from . import write  # noqa: F401
from . import cache_cmd  # noqa: F401
# isort: on
from .app import app


def main() -> None:
    app()
