"""Atomic file writes: a crash or Ctrl-C leaves the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import FilmcliError

Stamp = tuple  # (size, mtime_ns, ctime_ns, inode, device)


def stamp(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What tells one version of a file from another: a rename or any write changes it."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def check_unchanged(path: str | os.PathLike, expected, *, fd: int | None = None) -> None:
    """FilmcliError unless `path` (or the open `fd` on it) is still the file stamped `expected`.

    The one check every re-reader and every in-place rewrite makes: data remembered from a
    read (a poster's byte offsets, a post's bytes) is only used on the file it came from.
    """
    try:
        st = os.fstat(fd) if fd is not None else os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror or exc}", path) from None
    if st is None or stamp(st) != tuple(expected):
        raise FilmcliError("changed while it was read; left alone", path,
                           hint="run the command again")


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


# Inside deferred_sync(): the temp files written so far, to be synced and renamed.
_deferred: list | None = None


@contextlib.contextmanager
def deferred_sync():
    """Many atomic writes for the price of one disk flush.

    Inside the block, write_atomic() writes each temp file but leaves the fsync
    and the rename for the end of the block, where one sync of the file system
    makes every temp file durable before any is renamed into place: a crash
    still leaves each file old or new, never a mix. Yields a list that, after
    the block, holds (path, FilmcliError) for each write that could not be put
    in place (an `exclusive` target that appeared meanwhile, a full disk...).
    """
    global _deferred
    if _deferred is not None:  # nested: the outer block finishes the writes
        yield []
        return
    _deferred = pending = []
    failures: list = []
    try:
        yield failures
    finally:
        _deferred = None
        _finish(pending, failures)


def _sync_folders(folders) -> None:
    try:
        import ctypes

        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError, ImportError):
        syncfs = None
    done = set()
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            dev = os.fstat(fd).st_dev
            if dev in done:
                continue
            done.add(dev)
            if syncfs is None or syncfs(fd) != 0:
                os.sync()  # no syncfs here: flush everything
        finally:
            os.close(fd)


def _put_in_place(tmp: str, path: Path, exclusive: bool) -> None:
    """Rename the synced temp file over `path`; with `exclusive`, only if `path` is new."""
    if exclusive:
        try:
            os.link(tmp, path)  # fails if the target exists, unlike a rename
        except FileExistsError:
            raise FilmcliError("already exists", path,
                               hint="use --force to replace it") from None
        os.unlink(tmp)
    else:
        os.replace(tmp, path)


def _finish(pending: list, failures: list) -> None:
    if not pending:
        return
    folders = list(dict.fromkeys(folder for _, _, _, folder in pending))
    _sync_folders(folders)
    for tmp, path, exclusive, _ in pending:
        try:
            _put_in_place(tmp, path, exclusive)
        except (FilmcliError, OSError) as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                exc = FilmcliError(f"cannot write: {exc.strerror or exc}", path)
            failures.append((path, exc))
    for folder in folders:
        _fsync_dir(folder)


def write_atomic(path: str | os.PathLike, data: bytes, *, exclusive: bool = False,
                 mode: int | None = None) -> None:
    """Write `data` to `path` through a temp file in the same folder, fsync, rename.

    With `exclusive`, refuse to replace a file that exists (checked at the
    final link, so two racing writers cannot both win). `mode` (0o600 for a private
    file) replaces the target's own mode or the umask's default. Inside deferred_sync()
    the fsync and rename happen at the end of that block.
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
            if _deferred is None:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is None:
            _copy_mode(tmp, path)
        else:
            os.chmod(tmp, mode)
        if _deferred is not None:
            _deferred.append((tmp, path, exclusive, folder))
            return
        _put_in_place(tmp, path, exclusive)
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
