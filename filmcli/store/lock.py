"""One writer at a time: an advisory lock on the library around every command that writes posts.

`new`, `add`, `extract-posters --rewrite` and `embed-posters` look at what the library
holds ("is this film already here?") and then write; two of them at once could both
decide a film is missing and both add it. Each takes `library_lock` first: an
exclusive `flock` on `<posts folder>/.filmcli.lock` (a dot-file, so neither filmcli
nor Jekyll sees it as a post or a page). A second writer waits up to
FILMCLI_LOCK_TIMEOUT seconds (default 10), saying so once on stderr, then gives up
with an error. The holder removes the lock file before it lets go; a waiter that
then gets the lock on the removed file sees that and locks the new one instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

from filmcli.errors import FilmcliError, UsageError

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


#: the locks this process holds, by posts folder, and how deeply (the lock is re-entrant)
_held: dict[str, int] = {}


@contextlib.contextmanager
def library_lock(library, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the library's write lock for the block (see the module docstring).

    The posts folder is made if it is missing (the first post will go there), and it
    must be a folder of the site itself (`Library.writable_posts_dir`).
    """
    import fcntl

    folder = library.writable_posts_dir()
    key = os.path.realpath(folder)
    if _held.get(key):  # this process holds it already (an operation made of others)
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    wait = lock_timeout() if timeout is None else timeout
    path = folder / LOCK_NAME
    deadline = None
    while True:
        fd = _open(library, folder, path)
        try:
            while not _try_lock(fcntl, fd):
                if deadline is None:
                    from filmcli.text import visible

                    sys.stderr.write(
                        f"waiting for another filmcli writing to {visible(str(library.root))}...\n"
                    )
                    sys.stderr.flush()
                    deadline = time.monotonic() + wait
                if time.monotonic() >= deadline:
                    raise FilmcliError(
                        f"another filmcli is still writing to this library after {wait:g} s",
                        library.relpath(path),
                        hint=f"try again when it has finished ({TIMEOUT_ENV} sets the wait)",
                    )
                time.sleep(_POLL)
            if _still_the_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed this file as it finished: lock the new one
    _held[key] = 1
    try:
        yield
    finally:
        _held.pop(key, None)
        with contextlib.suppress(OSError):
            os.unlink(path)  # removed while still held, so no writer ever sees a stale lock
        os.close(fd)  # closing the last handle releases the lock


def _open(library, folder, path) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(
            path,
            os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
            0o644,
        )
    except OSError as exc:
        raise FilmcliError(
            f"cannot open the library's lock file: {exc.strerror or exc}", library.relpath(path)
        ) from None


def _still_the_file(fd: int, path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _try_lock(fcntl, fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        raise FilmcliError(f"cannot lock the library: {exc.strerror or exc}") from None
    return True
