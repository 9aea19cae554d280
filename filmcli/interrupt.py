"""Ctrl-C and SIGTERM for the filmcli command: `error: interrupted`, exit 130, no traceback.

`install()` runs first thing when the process is the filmcli command (filmcli/__init__, whose
`_cli_excepthook` answers a KeyboardInterrupt that no code caught),
before Typer or any command module is imported, so a signal at any moment of the start-up
is reported like one during the command. SIGTERM is handled like SIGINT: both raise
KeyboardInterrupt, which every write path answers by removing its temp files
(filmcli.store.atomic) and the CLI by `error: interrupted` and exit 130. A signal that arrives
while filmcli is already stopping is ignored (the stop is under way). Children forked by
filmcli (process-pool workers, the read-ahead helper) ignore the signal: the parent stops
them once they have finished, or cleaned up, what they were writing.
"""

from __future__ import annotations

import os
import signal

EXIT_CODE = 130
_state: dict = {"pid": None, "stopping": False, "signalled": False}


def _on_signal(signum, frame) -> None:
    if os.getpid() != _state["pid"] or _state["stopping"]:
        return  # a forked child, or already stopping: the parent finishes the job
    _state["signalled"] = True
    raise KeyboardInterrupt


def signalled() -> bool:
    """Whether a SIGINT or SIGTERM interrupted this process (Typer turns one into a silent
    exit 130; this tells that exit from a command's own)."""
    return _state["signalled"]


def stopping() -> None:
    """From now on the process is on its way out: further signals are ignored."""
    _state["stopping"] = True


def install() -> None:
    """Handle SIGINT and SIGTERM as above (a signal ignored by the parent shell stays so)."""
    _state["pid"] = os.getpid()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, _on_signal)
        except (ValueError, OSError):  # not the main thread: leave signals alone
            return
