"""The command line: a thin Typer layer over the filmcli library."""

from __future__ import annotations

# isort: off
# Importing a module registers its commands; `--help` lists them in this order.
from . import read, lint, info  # noqa: F401
from . import posters  # noqa: F401
from . import write  # noqa: F401
# isort: on
from .app import app


def main() -> None:
    app()
