"""Atomic file writes: a crash or Ctrl-C leaves the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import FilmcliError


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_mode(tmp: str, path: Path) -> None:
    """Give the temp file the target's mode, or the umask's default for a new file."""
    with contextlib.suppress(OSError):
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)


def write_atomic(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> None:
    """Write `data` to `path` through a temp file in the same folder, fsync, rename.

    With `exclusive`, refuse to replace a file that exists (checked at the
    final link, so two racing writers cannot both win).
    """
    path = Path(path)
    folder = path.parent
    if path.is_symlink():
        raise FilmcliError("refusing to write through a symbolic link", path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FilmcliError(f"cannot write: {exc.strerror or exc}", path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_mode(tmp, path)
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise FilmcliError("already exists", path,
                                   hint="use --force to replace it") from None
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except FilmcliError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise FilmcliError(f"cannot write: {exc.strerror or exc}", path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
