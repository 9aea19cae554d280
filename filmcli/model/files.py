"""Which version of a file a read came from: the stamp every re-reader and rewriter checks."""

from __future__ import annotations

import os

from filmcli.errors import FilmcliError

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
        raise FilmcliError(
            "changed while it was read; left alone", path, hint="run the command again"
        )
