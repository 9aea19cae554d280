"""The output cache: what one `list` command line printed, kept while nothing it read changed.

A level above the rows of `filmcli.store.cache`: the bytes of a `list` output (a machine
format), keyed by the command line, the current folder and the environment that changes
it. An entry holds the stat stamp (size, mtime_ns, ctime_ns, inode, device) of every post
file it was made from, the names of those files, and the stamps of the settings files;
it is trusted only while one scan of the posts folder finds the same files with the same
stamps (one stat per post), so a rename, an addition, a removal or any write misses.
As for the rows, a file written within the same clock tick as the run (SETTLE_NS) keeps
its output from being cached at all, and an entry is written only after the output.

Bounded: at most KEEP entries per library (the least recently written go first) and
none larger than MAX_BYTES. Files live beside the library's row cache in the user's own
cache folder (`library-<hash>.list-<hash>`); `filmcli cache clear` removes them too.
Every failure here means "compute the output"; nothing is ever raised.

This module imports nothing heavier than `os` and `marshal`: a hit needs no YAML, no
SQLite and no Typer.
"""

from __future__ import annotations

import marshal
import os
import stat as stat_module
import time
import zlib

#: bump when the entry layout changes
LAYOUT = 1
KEEP = 16
MAX_BYTES = 64 << 20
SETTLE_NS = 1_000_000_000
_COARSE_SETTLE_NS = 2_500_000_000
#: the post files of a folder, as `store.library._walk_entries` finds them
POST_SUFFIXES = (".md", ".markdown")


def library_digest(root: str) -> str:
    """The name part shared by a library's cache files (two CRCs of its path)."""
    raw = os.fsencode(root)
    return f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}"


def _folder() -> str | None:
    from filmcli.store.config import xdg_dir

    base = xdg_dir("XDG_CACHE_HOME", ".cache")
    return None if base is None else os.path.join(os.fspath(base), "filmcli")


def _trusted_folder(folder: str) -> bool:
    try:
        st = os.stat(folder)
    except OSError:
        return False
    return (
        stat_module.S_ISDIR(st.st_mode)
        and (not hasattr(os, "geteuid") or st.st_uid == os.geteuid())
        and not st.st_mode & 0o022
    )


def entry_path(root: str, key: str) -> str | None:
    folder = _folder()
    if folder is None:
        return None
    digest = f"{zlib.crc32(key.encode('utf-8', 'surrogatepass')):08x}"
    return os.path.join(folder, f"library-{library_digest(root)}.list-{digest}")


def _stamp(st) -> tuple:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _file_stamp(path: str):
    try:
        return _stamp(os.stat(path))
    except OSError:
        return None


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def scan(folder: str) -> tuple[list[str], list[int]] | None:
    """The post files under `folder` (relative names) and their stamps, five ints each
    (size, mtime_ns, ctime_ns, inode, device), in the order the folder lists them: the
    same order while the folder is unchanged (any other order is only a miss).

    Each folder is opened once and its files are stat'ed relative to it. None when a
    file vanished between the listing and its stat (a racing writer)."""
    names: list[str] = []
    stamps: list[int] = []
    try:
        fd = os.open(folder, _DIR_FLAGS)
    except FileNotFoundError:
        return names, stamps  # no folder: no posts
    except OSError:
        return None
    try:
        return (names, stamps) if _scan_into(fd, "", names, stamps) else None
    finally:
        os.close(fd)


def _scan_into(fd: int, prefix: str, names: list[str], stamps: list[int]) -> bool:
    below = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                if entry.is_dir():  # as os.walk: a linked folder is not entered
                    if not entry.is_symlink():
                        below.append(name)
                    continue
                if not name.endswith(POST_SUFFIXES):
                    continue
                st = entry.stat()
                names.append(prefix + name)
                stamps += (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        for name in below:
            sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
            try:
                if not _scan_into(sub, f"{prefix}{name}/", names, stamps):
                    return False
            finally:
                os.close(sub)
    except OSError:
        return False
    return True


def _settled(flat, started_ns: int) -> bool:
    """No file among these (stamps laid end to end) was written too recently."""
    for i in range(0, len(flat), 5):
        mtime, ctime = flat[i + 1], flat[i + 2]
        coarse = mtime % 1_000_000_000 == 0 and ctime % 1_000_000_000 == 0
        if max(mtime, ctime) > started_ns - (_COARSE_SETTLE_NS if coarse else SETTLE_NS):
            return False
    return True


class Lookup:
    """One command line's entry: `find` the output kept for it, or `prepare` (before
    reading) and `store` a new one."""

    def __init__(self, path: str, key: str, deps: list[str]):
        self.path = path
        self.key = key
        self.deps = deps
        self.folders: list[str] = []
        self.started_ns = time.time_ns()
        self.seen: tuple | None = None  # (dep stamps, scans) taken before any reading

    def _current(self, folders: list[str]) -> tuple | None:
        deps = tuple(_file_stamp(p) for p in self.deps)
        scans = []
        for folder in folders:
            found = scan(folder)
            if found is None:
                return None
            scans.append((tuple(found[0]), tuple(found[1])))
        return deps, tuple(scans)

    def find(self) -> bytes | None:
        """The output kept for this command line, when every file it read is unchanged."""
        try:
            if not _trusted_folder(os.path.dirname(self.path)):
                return None
            with open(self.path, "rb", opener=_nofollow) as handle:
                st = os.fstat(handle.fileno())
                if not stat_module.S_ISREG(st.st_mode) or (
                    hasattr(os, "geteuid") and st.st_uid != os.geteuid()
                ):
                    return None
                blob = handle.read()
            layout, key, deps, folders, seen, output = marshal.loads(blob)
        except Exception:  # missing, corrupt, truncated or foreign: a miss
            return None
        if layout != LAYOUT or key != self.key or deps != self.deps:
            return None
        if not isinstance(output, bytes) or self._current(folders) != seen:
            return None
        return output

    def prepare(self, folders: list[str]) -> None:
        """The stamps of the settings and of every post in `folders`, before reading."""
        self.folders = list(folders)
        self.seen = self._current(self.folders)

    def store(self, output: bytes) -> None:
        """Keep `output` for this command line, if every stamp taken before reading has
        settled and the output is small enough; then drop the oldest entries."""
        if self.seen is None or len(output) > MAX_BYTES:
            return
        deps, scans = self.seen
        flat = [value for st in deps if st is not None for value in st]
        if not _settled(flat, self.started_ns) or not all(
            _settled(stamps, self.started_ns) for _, stamps in scans
        ):
            return
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if not _trusted_folder(folder):
                return
            blob = marshal.dumps((LAYOUT, self.key, self.deps, self.folders, self.seen, output))
            temp = f"{self.path}.{os.getpid()}.tmp"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(blob)
                os.replace(temp, self.path)
            except BaseException:
                _unlink(temp)
                raise
            _trim(self.path)
        except (OSError, ValueError):
            pass


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _nofollow(path, flags):
    return os.open(path, flags | _NOFOLLOW)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _entries(folder: str, prefix: str) -> list[str]:
    try:
        return [
            os.path.join(folder, n)
            for n in os.listdir(folder)
            if n.startswith(prefix) and ".list-" in n
        ]
    except OSError:
        return []


def _trim(path: str) -> None:
    """At most KEEP entries for this library: the oldest written go first."""
    folder, name = os.path.split(path)
    prefix = name.split(".list-", 1)[0] + ".list-"
    found = []
    for entry in _entries(folder, prefix):
        try:
            found.append((os.lstat(entry).st_mtime_ns, entry))
        except OSError:
            continue
    found.sort(reverse=True)
    for _, entry in found[KEEP:]:
        _unlink(entry)


def clear(root: str) -> int:
    """Remove every output entry of the library at `root`; how many were removed."""
    folder = _folder()
    if folder is None:
        return 0
    entries = _entries(folder, f"library-{library_digest(root)}.list-")
    for entry in entries:
        _unlink(entry)
    return len(entries)


def clear_all() -> int:
    folder = _folder()
    if folder is None:
        return 0
    entries = _entries(folder, "library-")
    for entry in entries:
        _unlink(entry)
    return len(entries)
