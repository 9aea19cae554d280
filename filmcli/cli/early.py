"""`filmcli --version` answered before Typer (or anything else) is imported.

Building the Typer application means importing Typer and every command
module; printing a version needs none of it. The console script imports
`filmcli.cli` first, so this runs from there, and only when the process really
is the filmcli command (not a test or a program importing filmcli.cli).
"""

from __future__ import annotations

import os
import sys


def answer_version() -> None:
    """Print the version and exit when the command line is exactly `filmcli --version`."""
    argv = sys.argv
    if len(argv) != 2 or argv[1] not in ("--version", "-V"):
        return
    script = os.path.basename(argv[0])
    parent = os.path.basename(os.path.dirname(argv[0]))
    if script not in ("filmcli", "filmcli.exe") and not (
        script == "__main__.py" and parent == "filmcli"
    ):
        return
    from filmcli import __version__

    sys.stdout.write(f"filmcli {__version__}\n")
    sys.stdout.flush()
    raise SystemExit(0)


answer_version()
