"""One writer at a time: an advisory lock on the library around every command that writes posts.

`new`, `add`, `extract-posters --rewrite` and `embed-posters` look at what the library
holds ("is this film already here?") and then write; two of them at once could both
decide a film is missing and both add it. Each takes `library_lock` first: an
exclusive `flock` on `<posts folder>/.filmcli.lock` (a dot-file, so neither filmcli
nor Jekyll sees it as a post or a page). A second writer waits up to
FILMCLI_LOCK_TIMEOUT seconds (default 10), saying so once on stderr, then gives up
with an error. The lock file is left in place: removing it would let a third
process lock a new file while a second still holds the old one.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

from .errors import FilmcliError, UsageError

LOCK_NAME = ".filmcli.lock"
DEFAULT_TIMEOUT = 10.0
TIMEOUT_ENV = "FILMCLI_LOCK_TIMEOUT"
_POLL = 0.05


def lock_timeout() -> float:
    """Seconds a writer waits for another: $FILMCLI_LOCK_TIMEOUT, else 10."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400 or value != value:
        raise UsageError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds from 0 to 86400")
    return value


@contextlib.contextmanager
def library_lock(library, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the library's write lock for the block (see the module docstring).

    The posts folder is made if it is missing (the first post will go there), and it
    must be a folder of the site itself (`Library.writable_posts_dir`).
    """
    import fcntl

    folder = library.writable_posts_dir()
    wait = lock_timeout() if timeout is None else timeout
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        raise FilmcliError(f"cannot open the library's lock file: {exc.strerror or exc}",
                           library.relpath(path)) from None
    try:
        if not _try_lock(fcntl, fd):
            sys.stderr.write(f"waiting for another filmcli writing to {library.root}...\n")
            sys.stderr.flush()
            deadline = time.monotonic() + wait
            while not _try_lock(fcntl, fd):
                if time.monotonic() >= deadline:
                    raise FilmcliError(
                        f"another filmcli is still writing to this library after {wait:g} s",
                        library.relpath(path),
                        hint=f"try again when it has finished ({TIMEOUT_ENV} sets the wait)")
                time.sleep(_POLL)
        yield
    finally:
        os.close(fd)  # closing the last handle releases the lock


def _try_lock(fcntl, fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        raise FilmcliError(f"cannot lock the library: {exc.strerror or exc}") from None
    return True
