"""The command line: a thin Typer layer over the filmcli library."""

from __future__ import annotations

from . import lint, read  # noqa: F401  (registers commands)
from .app import app


def main() -> None:
    app()
