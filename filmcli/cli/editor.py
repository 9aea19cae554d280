"""Opening the user's editor on a text (typer's vendored click has no `edit`)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from filmcli.errors import FilmcliError


def edit_text(initial: str = "", suffix: str = ".md") -> str | None:
    """Run $VISUAL or $EDITOR (else vi) on a temp file; None when it was not saved."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        argv = shlex.split(command)
    except ValueError as exc:  # `vim "`: no closing quotation
        raise FilmcliError(
            f"cannot read the editor command {command!r}: {exc}", hint="set $EDITOR to your editor"
        ) from None
    if not argv:
        raise FilmcliError(
            f"the editor command {command!r} is empty", hint="set $EDITOR to your editor"
        )
    fd, path = tempfile.mkstemp(prefix="filmcli-review-", suffix=suffix)
    try:
        # newline="": CRLF stays CRLF; surrogateescape: bytes that are not UTF-8 survive
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            handle.write(initial)
        before = os.stat(path).st_mtime_ns
        try:
            status = subprocess.call([*argv, path])
        except OSError as exc:
            raise FilmcliError(
                f"cannot run the editor {command!r}: {exc.strerror}",
                hint="set $EDITOR to your editor",
            ) from None
        if status != 0:
            raise FilmcliError(
                f"the editor {command!r} exited with status {status}; nothing written"
            )
        if os.stat(path).st_mtime_ns == before:
            return None
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
            return handle.read()
    finally:
        os.unlink(path)
