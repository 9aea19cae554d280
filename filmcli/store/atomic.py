"""Atomic file writes: a crash or Ctrl-C leaves the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import stat as _stat
import tempfile
from pathlib import Path

from filmcli.errors import FilmcliError
from filmcli.model.files import check_unchanged, stamp


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


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM wait for the block: a temp file is never made without being tracked."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - no sigmask here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def same_content(path: str | os.PathLike, other: bytes | str) -> bool:
    """Whether the regular file `path` (not a symbolic link) holds exactly `other`: bytes,
    or the content of the file named by a str (compared in chunks, never read whole)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    with contextlib.ExitStack() as stack:
        theirs = stack.enter_context(os.fdopen(fd, "rb"))
        st = os.fstat(fd)
        if isinstance(other, bytes):
            return (
                _stat.S_ISREG(st.st_mode)
                and st.st_size == len(other)
                and (theirs.read(len(other) + 1) == other)
            )
        ours = stack.enter_context(open(other, "rb"))
        if not _stat.S_ISREG(st.st_mode) or st.st_size != os.fstat(ours.fileno()).st_size:
            return False
        while True:
            a, b = ours.read(1 << 20), theirs.read(1 << 20)
            if a != b:
                return False
            if not a:
                return True


def holds(path: str | os.PathLike, sha256: str) -> bool:
    """Whether `path` is a regular file (not a link) whose bytes have this SHA-256."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        if not _stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        digest = hashlib.sha256()
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == sha256


class Outcomes(list):
    """What deferred_sync() yields: after the block, (path, FilmcliError) for each write that
    could not be put in place; `same` holds the paths that already held the bytes written
    (nothing was changed there, and nothing needed to be)."""

    def __init__(self):
        super().__init__()
        self.same: set[str] = set()


# Inside deferred_sync(): the temp files written so far, to be synced and renamed.
_deferred: list | None = None


@contextlib.contextmanager
def deferred_sync():
    """Many atomic writes for the price of one disk flush.

    Inside the block, write_atomic() writes each temp file but leaves the fsync
    and the rename for the end of the block, where one sync of the file system
    makes every temp file durable before any is renamed into place: a crash
    still leaves each file old or new, never a mix. Yields an Outcomes list
    that, after the block, holds (path, FilmcliError) for each write that could
    not be put in place (an `exclusive` target that appeared meanwhile with
    other bytes, a post changed since it was read, a full disk...). A write
    that `requires` another is put in place only if that one was.

    If the block ends with an exception (Ctrl-C, SIGTERM...) nothing is put in
    place: every temp file is removed and every target keeps its old bytes.
    """
    global _deferred
    if _deferred is not None:  # nested: the outer block finishes the writes
        yield Outcomes()
        return
    _deferred = pending = []
    outcomes = Outcomes()
    try:
        yield outcomes
    except BaseException:
        _deferred = None
        _discard(pending)
        raise
    _deferred = None
    _finish(pending, outcomes)


def _discard(pending: list) -> None:
    for entry in pending:
        with contextlib.suppress(OSError):
            os.unlink(entry[0])


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


def _put_in_place(tmp: str, path: Path, exclusive: bool | str, expect=None) -> str:
    """Rename the synced temp file over `path`: "written", or "same" when nothing needed doing.

    With `exclusive`, only if `path` is new (with "or-same": or already holds the same
    bytes). With `expect` (an atomic.stamp), only if `path` is still that version of the
    file, or already holds the same bytes (another run wrote them). Otherwise FilmcliError,
    and `path` is left untouched.
    """
    if exclusive:
        try:
            os.link(tmp, path)  # fails if the target exists, unlike a rename
        except FileExistsError:
            if exclusive != "or-same":
                raise FilmcliError(
                    "already exists", path, hint="use --force to replace it"
                ) from None
            if same_content(path, tmp):
                os.unlink(tmp)
                return "same"
            raise FilmcliError(
                "appeared meanwhile with other content; left alone",
                path,
                hint="use --force to replace it, or move it away",
            ) from None
        os.unlink(tmp)
        return "written"
    if expect is not None:
        try:
            check_unchanged(path, expect)
        except FilmcliError:
            if same_content(path, tmp):
                os.unlink(tmp)
                return "same"
            raise
        ours = os.lstat(tmp).st_ino
        if _exchange(tmp, path):
            return _settle_exchange(tmp, path, expect, ours)
    os.replace(tmp, path)
    return "written"


def _renameat2():
    """libc's renameat2 (Linux 3.15+, glibc 2.28+), or None."""
    global _RENAMEAT2
    if _RENAMEAT2 is None:
        try:
            import ctypes

            _RENAMEAT2 = ctypes.CDLL(None, use_errno=True).renameat2
        except (OSError, AttributeError, ImportError):
            _RENAMEAT2 = False
    return _RENAMEAT2 or None


_RENAMEAT2 = None
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Swap two names atomically (renameat2 RENAME_EXCHANGE); False where it cannot be done
    (no such call, a file system without it): the caller then renames as before."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in (22, 38, 95, 18):  # EINVAL, ENOSYS, EOPNOTSUPP, EXDEV: not here
        return False
    raise OSError(err, os.strerror(err), os.fspath(b))


def _same_version(a: tuple, b: tuple) -> bool:
    """Two stamps of one version of a file, ctime aside (size, mtime_ns, inode, device)."""
    return (a[0], a[1], a[3], a[4]) == (b[0], b[1], b[3], b[4])


def _settle_exchange(tmp: str, path: Path, expect, ours: int) -> str:
    """After swapping our file in, `tmp` names what `path` held: the version read (done), or
    a version another program put there between the check and the swap, which is then
    swapped back, so no edit is ever lost, not even in that last instant."""
    try:
        swapped = stamp(os.lstat(tmp))
    except OSError:
        swapped = None
    # A rename changes the moved file's ctime, so size, mtime, inode and device say it here.
    if swapped is not None and _same_version(swapped, tuple(expect)):
        os.unlink(tmp)
        return "written"
    if not _exchange(tmp, path):  # cannot put theirs back in place: keep it beside
        kept = path.with_name(f".{path.name}.theirs")
        os.replace(tmp, kept)
        raise FilmcliError(
            f"changed while it was read; the other version is kept in {kept.name}",
            path,
            hint="run the command again",
        )
    try:
        back = os.lstat(tmp).st_ino
    except OSError:
        back = None
    if back == ours:  # our version is out again: drop it
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    elif back is not None:  # an even newer version arrived meanwhile: not ours to drop
        kept = path.with_name(f".{path.name}.theirs")
        os.replace(tmp, kept)
    raise FilmcliError("changed while it was read; left alone", path, hint="run the command again")


def _requirement_problem(requires, placed: set, failed: dict) -> FilmcliError | None:
    """Why a write that needs `requires` = (path, sha256) in place must not happen, or None."""
    need, digest = os.path.abspath(requires[0]), requires[1]
    if need in failed:
        return FilmcliError(f"not put in place: {failed[need].message}", requires[0])
    if need in placed or holds(need, digest):
        return None
    return FilmcliError(
        "no longer holds the bytes this post would point at; the post was left as it was",
        requires[0],
        hint="run the command again",
    )


def _finish(pending: list, outcomes: list) -> None:
    if not pending:
        return
    placed: set[str] = set()
    failed: dict[str, FilmcliError] = {}
    same = getattr(outcomes, "same", set())
    try:
        folders = list(dict.fromkeys(entry[3] for entry in pending))
        _sync_folders(folders)
        for tmp, path, exclusive, _, expect, requires in pending:
            key = os.path.abspath(path)
            try:
                problem = requires and _requirement_problem(requires, placed, failed)
                if problem:
                    raise problem
                if _put_in_place(tmp, path, exclusive, expect) == "same":
                    same.add(key)
                placed.add(key)
            except (FilmcliError, OSError) as exc:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                if isinstance(exc, OSError):
                    exc = FilmcliError(f"cannot write: {exc.strerror or exc}", path)
                failed[key] = exc
                outcomes.append((path, exc))
        for folder in folders:
            _fsync_dir(folder)
    except BaseException:
        _discard(pending)  # interrupted half-way: what is not in place yet stays old
        raise


def write_atomic(
    path: str | os.PathLike,
    data: bytes,
    *,
    exclusive: bool | str = False,
    expect=None,
    requires: tuple[str, str] | None = None,
    mode: int | None = None,
) -> str:
    """Write `data` to `path` through a temp file in the same folder, fsync, rename.

    With `exclusive`, refuse to replace a file that exists (checked at the final
    link, so two racing writers cannot both win); with exclusive="or-same", a
    file that already holds exactly `data` is success ("same").
    With `expect` (the atomic.stamp of the file the new bytes were made from),
    refuse if `path` changed since (checked right before the rename), unless it
    now holds `data` ("same": another run wrote the same).
    With `requires` = (path, sha256), write only while that file holds those
    bytes (a post is pointed at its poster file only once the poster is there).
    `mode` (0o600 for a private file) replaces the target's own mode or the umask's
    default. Returns "written" or "same"; inside deferred_sync() the checks, fsync and
    rename happen at the end of that block (and it returns "deferred"). A
    Ctrl-C or SIGTERM never leaves the temp file behind.
    """
    path = Path(path)
    folder = path.parent
    if path.is_symlink():
        raise FilmcliError("refusing to write through a symbolic link", path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FilmcliError(f"cannot write: {exc.strerror or exc}", path) from None
    tmp = None
    try:
        with _signals_held():  # the temp file exists only once `tmp` names it
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=folder)
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
            with _signals_held():  # from here on deferred_sync() owns the temp file
                _deferred.append((tmp, path, exclusive, folder, expect, requires))
                tmp = None
            return "deferred"
        if requires is not None:
            problem = _requirement_problem(requires, set(), {})
            if problem:
                raise problem
        outcome = _put_in_place(tmp, path, exclusive, expect)
        tmp = None
    except FilmcliError:
        raise
    except OSError as exc:
        raise FilmcliError(f"cannot write: {exc.strerror or exc}", path) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _fsync_dir(folder)
    return outcome
