"""Long output on a terminal goes through the user's pager, as git does.

The pager is $FILMCLI_PAGER, else $PAGER, else `less -FRX` (with `LESS=FRX` when LESS is
unset, as git sets it: quit when it fits, keep colours, leave the screen as it is). An
empty value or `cat` means no pager, as does `--no-pager`; a pipe or a file never gets one,
and neither does output that fits on the screen.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys

DEFAULT = "less -FRX"


def pager_command() -> str | None:
    """The pager to run, or None for none."""
    for name in ("FILMCLI_PAGER", "PAGER"):
        if name in os.environ:
            command = os.environ[name].strip()
            break
    else:
        command = DEFAULT
    if not command or command == "cat":
        return None
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        return None
    return command if shutil.which(program) else None  # a missing pager: print directly


def wanted(enabled: bool = True) -> bool:
    """Whether output may be paged at all: asked for, and stdout is a terminal (the pager
    reads its keys from the terminal itself, as git's does)."""
    return enabled and sys.stdout.isatty()


def page(text: str, height: int) -> bool:
    """Show `text` through the pager when it is taller than `height` lines; True if it did."""
    import signal
    import subprocess

    command = pager_command()
    if command is None or text.count("\n") < height:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    # Ctrl-C belongs to the pager while it runs (less uses it); we wait for it to end.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            assert pager.stdin is not None  # stdin=PIPE
            pager.stdin.write(
                text.encode(
                    sys.stdout.encoding or "utf-8",
                    errors=getattr(sys.stdout, "errors", None) or "replace",
                )
            )
            pager.stdin.close()
        except (BrokenPipeError, OSError):  # the user quit before reading it all
            pass
        pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True
