"""Atomic file writes: a crash or Ctrl-C leaves the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import signal
import stat as _stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

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
    pending: list = []
    _deferred = pending
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
    """Drop the temp files not yet put in place (an unnamed one just closes)."""
    for entry in pending:
        tmp, entry[0] = entry[0], None
        _drop(tmp)


_LibcCall = Callable[..., int]  # a libc function through ctypes


def _drop(tmp) -> None:
    with contextlib.suppress(OSError):
        if isinstance(tmp, int):
            os.close(tmp)
        elif tmp is not None:
            os.unlink(tmp)


_SYNCFS: _LibcCall | Literal[False] | None = None  # False: looked up, not there


def _syncfs():
    """libc's syncfs (Linux 2.6.39+), looked up once; None where there is none."""
    global _SYNCFS
    if _SYNCFS is None:
        try:
            import ctypes

            _SYNCFS = ctypes.CDLL(None, use_errno=True).syncfs
        except (OSError, AttributeError, ImportError):
            _SYNCFS = False
    return _SYNCFS or None


def _sync_folders(folders) -> None:
    syncfs = _syncfs()
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


def _put_in_place(tmp, path: Path, exclusive: bool | str, expect=None, data=None) -> str:
    """Put the synced temp file `tmp` (an open unnamed file's descriptor, or a temp file's
    name) at `path`: "written", or "same" when nothing needed doing. `tmp` is used up
    whatever happens: the descriptor closed, the named file renamed or removed.

    With `exclusive`, only if `path` is new (with "or-same": or already holds the same
    bytes). With `expect` (an atomic.stamp), only if `path` is still that version of the
    file, or already holds the same bytes (another run wrote them). Otherwise FilmcliError,
    and `path` is left untouched.
    """
    if isinstance(tmp, int):
        fd = tmp
        try:
            if exclusive:
                return _link_new(fd, path, exclusive, data)
            tmp = _name_unnamed(fd, path)  # a rename needs a name to move
        finally:
            os.close(fd)
    try:
        return _place_named(tmp, path, exclusive, expect)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _link_new(fd: int, path: Path, exclusive: bool | str, data) -> str:
    """Give the unnamed file `fd` the name `path`, which must not exist (linkat never
    replaces and never follows a link in the way)."""
    if _linkat(fd, path):
        return "written"
    if os.path.islink(path):
        raise FilmcliError("refusing to write through a symbolic link", path)
    if exclusive != "or-same":
        raise FilmcliError("already exists", path, hint="use --force to replace it")
    if data is not None and same_content(path, data):
        return "same"
    raise FilmcliError(
        "appeared meanwhile with other content; left alone",
        path,
        hint="use --force to replace it, or move it away",
    )


def _name_unnamed(fd: int, path: Path) -> str:
    """A temp name beside `path` for the unnamed file `fd` (which stays open)."""
    import secrets

    for _ in range(100):
        name = os.path.join(path.parent, f".{path.name[:40]}.{secrets.token_hex(4)}.tmp")
        if _linkat(fd, name):
            return name
    raise FileExistsError(17, "no free temporary name", str(path))  # pragma: no cover


_LINKAT = None
_AT_SYMLINK_FOLLOW = 0x400


def _linkat(fd: int, path) -> bool:
    """linkat(/proc/self/fd/N, path, AT_SYMLINK_FOLLOW): the unnamed file gets a name, one
    system call, without privileges. False if `path` exists; OSError for anything else."""
    global _LINKAT
    if _LINKAT is None:
        import ctypes

        _LINKAT = ctypes.CDLL(None, use_errno=True).linkat
    source = b"/proc/self/fd/%d" % fd
    if _LINKAT(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(path), _AT_SYMLINK_FOLLOW) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err == 17:  # EEXIST
        return False
    raise OSError(err, os.strerror(err), os.fspath(path))


def _place_named(tmp: str, path: Path, exclusive: bool | str, expect=None) -> str:
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


_RENAMEAT2: _LibcCall | Literal[False] | None = None
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
    same: set[str] = getattr(outcomes, "same", set())
    try:
        folders = list(dict.fromkeys(entry[3] for entry in pending))
        _sync_folders(folders)  # every temp file durable before any has its name
        for entry in pending:
            tmp, path, exclusive, _, expect, requires, data = entry
            entry[0] = None  # from here on this turn of the loop owns the temp file
            key = os.path.abspath(path)
            try:
                problem = requires and _requirement_problem(requires, placed, failed)
                if problem:
                    _drop(tmp)
                    raise problem
                if _put_in_place(tmp, path, exclusive, expect, data) == "same":
                    same.add(key)
                placed.add(key)
            except (FilmcliError, OSError) as exc:
                if isinstance(exc, OSError):
                    exc = FilmcliError(f"cannot write: {exc.strerror or exc}", path)
                failed[key] = exc
                outcomes.append((path, exc))
        for folder in folders:
            _fsync_dir(folder)
    except BaseException:
        _discard(pending)  # interrupted half-way: what is not in place yet stays old
        raise


#: unnamed temp files one deferred_sync() block keeps open; later writes get named ones
MAX_UNNAMED = 512
_O_TMPFILE = getattr(os, "O_TMPFILE", 0) if os.path.isdir("/proc/self/fd") else 0
_NO_TMPFILE: set[str] = set()  # folders whose file system makes no unnamed files


def _unnamed(folder: Path, mode: int) -> int | None:
    """An unnamed file (O_TMPFILE) in `folder`, or None where the file system has none.
    It never shows in the folder until it is linked in: nothing to clean up after a crash,
    and no umask, chmod or unlink call."""
    key = os.fspath(folder)
    if not _O_TMPFILE or key in _NO_TMPFILE:
        return None
    try:
        return os.open(key, _O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS):
            _NO_TMPFILE.add(key)
            return None
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _named(path: Path, folder: Path, data: bytes, mode: int | None, sync: bool) -> str:
    """The temp file as a name in `folder` (file systems without O_TMPFILE)."""
    tmp = None
    try:
        with _signals_held():  # the temp file exists only once `tmp` names it
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is None:
            _copy_mode(tmp, path)
        else:
            os.chmod(tmp, mode)
        return tmp
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def _temp_file(path: Path, folder: Path, data: bytes, exclusive, mode: int | None, sync: bool):
    """A temp file holding `data` with the mode the target gets: an open unnamed file's
    descriptor where the file system allows, else a named temp file's path."""
    many = _deferred is not None and len(_deferred) >= MAX_UNNAMED
    fd = None if many else _unnamed(folder, 0o666 if mode is None else mode)
    if fd is None:
        return _named(path, folder, data, mode, sync)
    try:
        _write_all(fd, data)
        if mode is not None:
            os.fchmod(fd, mode)  # exactly, whatever the umask
        elif not exclusive:
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(fd, os.stat(path).st_mode & 0o7777)  # the mode of the file replaced
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


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

    The temp file is unnamed (O_TMPFILE) where the file system allows: it gets its name
    with one linkat once its bytes are on disk, and a crash leaves nothing behind.
    With `exclusive`, refuse to replace a file that exists (checked at the final
    link, so two racing writers cannot both win); with exclusive="or-same", a
    file that already holds exactly `data` is success ("same").
    With `expect` (the atomic.stamp of the file the new bytes were made from),
    refuse if `path` changed since (checked right before the rename), unless it
    now holds `data` ("same": another run wrote the same).
    With `requires` = (path, sha256), write only while that file holds those
    bytes (a post is pointed at its poster file only once the poster is there).
    `mode` (0o600 for a private file) replaces the target's own mode or the umask's
    default. Returns "written" or "same"; inside deferred_sync() the checks, the one
    flush of the file system and the naming happen at the end of that block (and it
    returns "deferred"). A Ctrl-C or SIGTERM never leaves the temp file behind.
    """
    path = Path(path)
    folder = path.parent
    # (an exclusive write needs no look: the final link never replaces, nor follows, a link)
    if not exclusive and path.is_symlink():
        raise FilmcliError("refusing to write through a symbolic link", path)
    batch = _deferred  # the deferred_sync() block this write joins, if any
    deferred = batch is not None
    tmp = None
    try:
        try:
            tmp = _temp_file(path, folder, data, exclusive, mode, sync=not deferred)
        except FileNotFoundError:  # no folder yet: made on demand, not looked for every time
            folder.mkdir(parents=True, exist_ok=True)
            tmp = _temp_file(path, folder, data, exclusive, mode, sync=not deferred)
        if batch is not None:
            if isinstance(tmp, int):  # unnamed: a signal here could only leak a descriptor
                tmp, owned = None, tmp
                batch.append([owned, path, exclusive, folder, expect, requires, data])
                return "deferred"
            with _signals_held():  # from here on deferred_sync() owns the temp file
                batch.append([tmp, path, exclusive, folder, expect, requires, data])
                tmp = None
            return "deferred"
        if requires is not None:
            problem = _requirement_problem(requires, set(), {})
            if problem:
                raise problem
        tmp, ours = None, tmp
        outcome = _put_in_place(ours, path, exclusive, expect, data)
    except FilmcliError:
        raise
    except OSError as exc:
        raise FilmcliError(f"cannot write: {exc.strerror or exc}", path) from None
    finally:
        _drop(tmp)
    _fsync_dir(folder)
    return outcome
