"""The metadata cache: what filmcli parsed, remembered until the file changes.

One SQLite file per library under `$XDG_CACHE_HOME/filmcli/` (default
`~/.cache/filmcli/`), named after a hash of the library's path. Each row holds
one post file's path, the `stat` facts it was read with (size, mtime_ns,
ctime_ns, inode, device) and the parsed post: front matter, body, line numbers
and the poster's summary facts and byte offsets (never its base64 text).

A row is trusted only while all of those stat facts are unchanged. Any write
to a file changes its ctime (no program can set it back), a rename-over gives
a new inode, and a file written in the same clock tick as it was cached is
never cached at all (see SETTLE_NS), so a cached answer is never stale.

The cache is an accelerator and nothing else: a cache that is missing, corrupt,
locked by another process, unwritable or written by another filmcli version is
rebuilt or bypassed without a word. Every failure here means "read the posts".
"""

from __future__ import annotations

import datetime as _dt
import marshal
import os
import sqlite3
import stat as stat_module
import time
from pathlib import Path
from urllib.parse import quote

from filmcli import __version__
from filmcli.errors import FilmcliError
from filmcli.model.files import stamp
from filmcli.model.post import Post
from filmcli.model.poster import Poster

#: bump when the packed layout changes; rows from other versions are dropped
SCHEMA = 3  # 2: a poster keeps the stat stamp of the file its span is in; 3: a post's
#: notes (duplicate keys) and a poster's text as YAML gave it
#: a file whose mtime or ctime is this close to "now" is not cached yet: a write
#: within the same clock tick could leave its size and times unchanged. File
#: systems with whole-second timestamps get a wider margin (see _settle_ns).
SETTLE_NS = 1_000_000_000
_COARSE_SETTLE_NS = 2_500_000_000
#: how long to wait for another filmcli holding the database (then: bypass)
BUSY_MS = 100


def cache_root() -> Path | None:
    """`$XDG_CACHE_HOME/filmcli`, else `~/.cache/filmcli`; None without a home folder."""
    from filmcli.store.config import xdg_dir

    base = xdg_dir("XDG_CACHE_HOME", ".cache")
    return None if base is None else base / "filmcli"


def cache_file(root: str | os.PathLike) -> Path | None:
    """The database for the library at `root` (an absolute, resolved path)."""
    # Two CRCs make a name unique enough; the database also records its root, and
    # a database whose root differs is rebuilt, so a clash costs time, never truth.
    folder = cache_root()
    if folder is None:
        return None
    from filmcli.store.outcache import library_digest

    return folder / f"library-{library_digest(os.fspath(root))}.sqlite"


# --- trusting the cache's folder and file ---------------------------------------------
#
# What the cache holds is shown as the library's content, so it must be the user's own:
# a folder someone else owns or may write to, or a database path that is a symbolic link
# (SQLite would follow it and create the file wherever it points), is not used. The
# command then reads every post, after one warning.

_warned: set[str] = set()


class Untrusted(Exception):
    """The cache folder or file is not the user's own; the message says why."""


def _warn_once(text: str) -> None:
    import sys

    if text not in _warned:
        _warned.add(text)
        sys.stderr.write(f"warning: {text}; the cache is not used\n")
        sys.stderr.flush()


def _check_folder(folder: Path) -> None:
    """Make the cache folder (0700) if needed; refuse one that is not the user's own."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = os.stat(folder)
    if not stat_module.S_ISDIR(st.st_mode):
        raise Untrusted(f"{folder}: the cache folder is not a folder")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise Untrusted(f"{folder}: the cache folder is owned by another user (uid {st.st_uid})")
    if st.st_mode & 0o022:
        raise Untrusted(
            f"{folder}: the cache folder is writable by others "
            f"(mode {st.st_mode & 0o777:04o}; chmod 700 fixes it)"
        )


def _private_file(path: Path) -> tuple[int, int]:
    """Create (or open) the database file without following a link, mode 0600; its
    (device, inode). The -wal/-shm files SQLite makes take the same mode."""
    for suffix in ("-wal", "-shm", "-journal"):
        try:
            st = os.lstat(f"{path}{suffix}")
        except FileNotFoundError:
            continue
        if not stat_module.S_ISREG(st.st_mode):
            raise Untrusted(f"{path}{suffix}: not a regular file (a symbolic link?)")
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if os.path.islink(path):
            raise Untrusted(
                f"{path}: the cache database is a symbolic link (`filmcli cache clear` removes it)"
            ) from None
        raise exc
    try:
        st = os.fstat(fd)
        if not stat_module.S_ISREG(st.st_mode):
            raise Untrusted(f"{path}: the cache database is not a regular file")
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            raise Untrusted(f"{path}: the cache database is owned by another user")
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o600)  # written by an older filmcli under the umask
        return st.st_dev, st.st_ino
    finally:
        os.close(fd)


def enabled() -> bool:
    """False when FILMCLI_NO_CACHE is set (the environment twin of --no-cache)."""
    return os.environ.get("FILMCLI_NO_CACHE", "") in ("", "0")


# --- packing posts ---------------------------------------------------------
#
# marshal is fast and cannot run code when loading (unlike pickle), but knows
# no dates. YAML gives dates and datetimes; they are packed as a frozenset
# marker (YAML never produces a frozenset) and restored on the way out.

_DATE = "\x00filmcli-date"
_DATETIME = "\x00filmcli-datetime"


def _encode(value):
    if isinstance(value, _dt.datetime):
        return frozenset(((_DATETIME, value.isoformat()),))
    if isinstance(value, _dt.date):
        return frozenset(((_DATE, value.isoformat()),))
    if isinstance(value, dict):
        return {_encode(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_encode(v) for v in value)
    if isinstance(value, set):
        return {_encode(v) for v in value}
    return value


def _decode(value):
    if isinstance(value, frozenset):
        ((tag, text),) = value
        if tag == _DATETIME:
            return _dt.datetime.fromisoformat(text)
        return _dt.date.fromisoformat(text)
    if isinstance(value, dict):
        return {_decode(k): _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_decode(v) for v in value)
    if isinstance(value, set):
        return {_decode(v) for v in value}
    return value


def pack(item) -> bytes:
    """A Post or the FilmcliError that stopped it, as bytes `unpack` turns back."""
    if isinstance(item, FilmcliError):
        return b"e" + marshal.dumps((item.message, item.line, item.hint, item.rule))
    front: dict = {}
    poster_key = poster_state = None
    for key, value in item.front_matter.items():
        if isinstance(value, Poster):
            poster_key = key
            poster_state = value.to_state()
            front[key] = None
        else:
            front[key] = value
    state = (
        front,
        poster_key,
        poster_state,
        item.body,
        item.lines,
        item.gap,
        item.body_line,
        item.notes,
    )
    try:
        return b"m" + marshal.dumps(state)
    except ValueError:  # a date or datetime somewhere: marshal knows neither
        return b"d" + marshal.dumps((_encode(front), *state[1:]))


def unpack(blob: bytes, path: Path):
    """The Post (or FilmcliError) `pack` packed, for the file at `path`."""
    kind = blob[:1]
    state = marshal.loads(blob[1:])
    if kind == b"e":
        message, line, hint, rule = state
        return FilmcliError(message, None, line, hint=hint, rule=rule)
    front, poster_key, poster_state, body, lines, gap, body_line, notes = state
    if kind == b"d":
        front = _decode(front)
    elif kind != b"m":
        raise ValueError("unknown cache entry")
    if poster_state is not None:
        poster = Poster.from_state(poster_state, path)
        front[poster_key] = poster
    return Post(path, front, body, lines, gap, body_line, [tuple(n) for n in notes])


# --- the database ----------------------------------------------------------


def _settle_ns(st: os.stat_result) -> int:
    if st.st_mtime_ns % 1_000_000_000 == 0 and st.st_ctime_ns % 1_000_000_000 == 0:
        return _COARSE_SETTLE_NS  # whole-second timestamps: be generous
    return SETTLE_NS


class PostCache:
    """One library's rows, fetched a batch of paths at a time; new rows written in batches.

    Nothing is held for the whole library at once, so memory stays flat at any size.
    """

    FLUSH_EVERY = 2000  # rows written per transaction

    def __init__(self, db: sqlite3.Connection, path: Path, count: int):
        self.db = db
        self.path = path
        self.count = count  # rows in the table when opened
        self.pending: list[tuple] = []
        self.started_ns = time.time_ns()
        self.hits = 0
        self.added = 0  # rows written for paths that had none
        self.found = 0  # rows fetched for paths that are there

    # -- opening ----------------------------------------------------------

    @classmethod
    def open(cls, root: str | os.PathLike, fingerprint: str = "") -> PostCache | None:
        """The cache for `root`, or None when there is none to be had (never raises).

        `fingerprint` names the settings that change how posts read (such as
        the size limit); rows written under other settings are dropped.
        """
        if not enabled():
            return None
        path = cache_file(os.fspath(root))
        if path is None:
            return None  # no home folder: nowhere of the user's own to keep it
        for attempt in (1, 2):
            try:
                return cls._open(path, os.fspath(root), fingerprint)
            except Untrusted as exc:
                _warn_once(str(exc))
                return None
            except _Busy:
                return None  # another filmcli holds it: read the posts this time
            except (sqlite3.DatabaseError, ValueError, TypeError):
                if attempt == 1:  # corrupt, foreign or half-written: start afresh, once
                    _remove(path)
                    continue
                return None
            except (OSError, sqlite3.Error):
                return None
        return None

    @classmethod
    def _open(cls, path: Path, root: str, fingerprint: str) -> PostCache:
        _check_folder(path.parent)
        made = _private_file(path)
        # mode=rw: SQLite opens the file just made, never creates one itself
        db = sqlite3.connect(
            f"file:{quote(os.fspath(path))}?mode=rw",
            uri=True,
            timeout=BUSY_MS / 1000,
            isolation_level=None,
        )
        try:
            st = os.lstat(path)
            if (st.st_dev, st.st_ino) != made:
                raise Untrusted(f"{path}: the cache database was replaced while opened")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            meta = dict(db.execute("SELECT key, value FROM meta"))
            want = {
                "schema": str(SCHEMA),
                "version": __version__,
                "root": root,
                "settings": fingerprint,
            }
            if meta != want:  # new, or written by another filmcli or other settings
                db.execute("BEGIN IMMEDIATE")
                db.execute("DROP TABLE IF EXISTS posts")
                db.execute("DELETE FROM meta")
                db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(want.items()))
                db.execute(
                    "CREATE TABLE posts (path TEXT PRIMARY KEY, size INTEGER, "
                    "mtime INTEGER, ctime INTEGER, ino INTEGER, dev INTEGER, "
                    "data BLOB) WITHOUT ROWID"
                )
                db.execute("COMMIT")
                count = 0
            else:
                count = db.execute("SELECT count(*) FROM posts").fetchone()[0]
        except sqlite3.OperationalError as exc:
            db.close()
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise _Busy() from exc
            raise sqlite3.DatabaseError(text) from exc
        except BaseException:
            db.close()
            raise
        return cls(db, path, count)

    # -- reading and remembering ------------------------------------------

    def fetch(self, keys: list[str]) -> dict:
        """The rows of these paths (key -> (size, mtime_ns, ctime_ns, ino, dev, blob))."""
        if not keys or not self.count:
            return {}
        marks = ",".join("?" * len(keys))
        try:
            rows = {
                r[0]: r[1:]
                for r in self.db.execute(f"SELECT * FROM posts WHERE path IN ({marks})", keys)
            }
        except sqlite3.Error:
            return {}
        self.found += len(rows)
        return rows

    def get(self, row, st: os.stat_result, path: Path):
        """The cached Post (or FilmcliError) in `row`, or None when it is not trusted."""
        if row is None or row[:5] != stamp(st):
            return None
        try:
            item = unpack(row[5], path)
        except Exception:  # a damaged row is a miss, never an answer
            return None
        self.hits += 1
        return item

    def put(self, key: str, st: os.stat_result, item, new: bool = True) -> None:
        """Remember a freshly read post, unless its file is too new to trust."""
        if max(st.st_mtime_ns, st.st_ctime_ns) > self.started_ns - _settle_ns(st):
            return
        try:
            blob = pack(item)
        except (ValueError, TypeError, RecursionError):
            return
        self.pending.append((key, *stamp(st), blob))
        self.added += new
        if len(self.pending) >= self.FLUSH_EVERY:
            self.flush()

    def put_packed(self, key: str, stamp_: tuple, blob: bytes) -> None:
        """As put, for a post packed elsewhere (the reading helper) with its stat stamp."""
        settle = (
            _COARSE_SETTLE_NS
            if stamp_[1] % 1_000_000_000 == 0 and stamp_[2] % 1_000_000_000 == 0
            else SETTLE_NS
        )
        if max(stamp_[1], stamp_[2]) > self.started_ns - settle:
            return
        self.pending.append((key, *stamp_, blob))
        self.added += 1
        if len(self.pending) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows (silently dropped when the database will not take them)."""
        rows, self.pending = self.pending, []
        if not rows:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO posts VALUES (?,?,?,?,?,?,?)", rows)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def close(self, present: set[str] | None = None, under: str | None = None) -> None:
        """Write what was learnt; drop rows of files under `under` not in `present`."""
        try:
            self.flush()
            if present is not None and under is not None and self.count > self.found:
                # some rows are for paths not seen: files removed or renamed
                gone = [
                    (k,)
                    for (k,) in self.db.execute("SELECT path FROM posts")
                    if k.startswith(under) and k not in present
                ]
                if gone:
                    self.db.execute("BEGIN IMMEDIATE")
                    self.db.executemany("DELETE FROM posts WHERE path = ?", gone)
                    self.db.execute("COMMIT")
        except sqlite3.Error:
            pass  # locked, read-only, full disk: the next run reads the posts again
        finally:
            self.pending = []
            try:
                self.db.close()
            except sqlite3.Error:
                pass


class _Busy(Exception):
    """The database is locked by another process."""


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass


# --- `filmcli cache` -------------------------------------------------------


def cache_files() -> list[Path]:
    root = cache_root()
    if root is None:
        return []
    try:
        return sorted(
            p
            for p in root.iterdir()
            if p.name.startswith("library-") and p.name.endswith(".sqlite")
        )
    except OSError:
        return []


def clear(root: str | os.PathLike | None = None) -> int:
    """Delete the cache of one library (or of all when `root` is None); files removed
    (the kept `list` outputs of filmcli.store.outcache go too, uncounted)."""
    from filmcli.store import outcache

    targets = [cache_file(os.fspath(root))] if root is not None else cache_files()
    if root is not None:
        outcache.clear(os.fspath(root))
    else:
        outcache.clear_all()
    removed = 0
    for path in targets:
        if path is None:
            continue
        if os.path.lexists(path):
            removed += 1
        _remove(path)
    return removed


def info(root: str | os.PathLike) -> dict:
    """Where the cache of `root` is, how big, how many posts it holds."""
    path = cache_file(os.fspath(root))
    folder = cache_root()
    regular = path is not None and path.is_file() and not path.is_symlink()
    out = {
        "directory": str(folder) if folder else "(none: no home folder)",
        "file": str(path) if path else "(none)",
        "exists": regular,
        "bytes": 0,
        "posts": 0,
        "libraries": len(cache_files()),
        "enabled": enabled() and path is not None,
    }
    if regular and path is not None:
        out["bytes"] = sum(
            os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}")
        )
        try:
            db = sqlite3.connect(
                f"file:{quote(os.fspath(path))}?mode=ro", uri=True, timeout=BUSY_MS / 1000
            )
            try:
                out["posts"] = db.execute("SELECT count(*) FROM posts").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            out["posts"] = None
    return out
