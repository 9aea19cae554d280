"""The one editing core: change front-matter keys of a post's bytes, and nothing else.

Every command that changes an existing post (`set`, `rename`, `publish`, `validate --fix`,
`fill`, `extract-posters --rewrite`, `embed-posters`) describes its change as keys to
assign and keys to remove; `splice` turns that into the new bytes, touching only the
lines of those keys: key order, quoting, comments, blank lines, line endings (CRLF stays
CRLF), a BOM and the body stay byte for byte. The result is read back and must give
exactly the values asked for, or nothing is written. `commit` then puts it in place,
atomically, only if the file on disk is still the one that was read.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from filmcli.errors import FilmcliError
from filmcli.model.post import Post
from filmcli.model.writer import PLAIN_KEYS, SEED_ORDER
from filmcli.model.yamltext import scalar

#: long runs of base64 (a poster) are shown to the YAML composer as one letter: the
#: structure is the same and composing a 10 kB line in pure Python costs milliseconds
_LONG_RUN = re.compile(rb"[A-Za-z0-9+/=]{256,}")
_REMOVE = object()


@dataclass(frozen=True)
class Entry:
    """Where one top-level key sits in the file (byte offsets)."""

    key: str
    line_start: int  # the start of the line the key is on
    colon_end: int  # just past the `:` after the key
    value_start: int  # the value as written (after `key: `, or on the next lines)
    value_end: int  # just past the value's last character (no line ending)
    line_end: int  # just past the line ending of the value's last line
    same_line: bool  # the value starts on the key's line
    style: str | None  # YAML style of a scalar value: None (plain), "'", '"', "|", ">"


@dataclass(frozen=True)
class Layout:
    """The front matter of one file: its entries in file order and how lines end."""

    yaml_start: int
    yaml_end: int
    entries: tuple[Entry, ...]
    newline: bytes

    def get(self, key: str) -> Entry | None:
        """The entry of `key` whose value is read: the last, when a key is duplicated
        (YAML and Jekyll keep the last value)."""
        found = self.all(key)
        return found[-1] if found else None

    def all(self, key: str) -> list[Entry]:
        """Every entry of `key`, in file order (more than one: a duplicated key)."""
        return [entry for entry in self.entries if entry.key == key]


def layout(raw: bytes, path: str | os.PathLike = "<post>") -> Layout:
    """The entries of `raw`'s front matter; FilmcliError when it is not a YAML mapping."""
    import yaml

    from filmcli.model.reader import split

    path = Path(path)
    yaml_start, yaml_end, _, _ = split(raw, path)
    chunk = raw[yaml_start:yaml_end]
    # Mask long base64 runs; remember where, to map offsets back to the real bytes.
    cuts: list[tuple[int, int]] = []  # (offset in masked, bytes removed before + here)
    pieces, last, removed = [], 0, 0
    for match in _LONG_RUN.finditer(chunk):
        pieces.append(chunk[last : match.start()] + b"A")
        removed += match.end() - match.start() - 1
        cuts.append((match.start() - (removed - (match.end() - match.start() - 1)) + 1, removed))
        last = match.end()
    pieces.append(chunk[last:])
    masked = b"".join(pieces)
    try:
        text = masked.decode("utf-8")
    except UnicodeDecodeError:
        raise FilmcliError("front matter is not valid UTF-8 text", path, rule="FC007") from None
    char_to_byte = _char_offsets(text)

    def real(char_index: int) -> int:
        offset = char_to_byte(char_index)
        shift = 0
        for at, total in cuts:
            if offset >= at:
                shift = total
        return yaml_start + offset + shift

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same marks, 10x faster
        root = yaml.compose(text, Loader=loader) if text.strip() else None
    except yaml.YAMLError as exc:
        raise FilmcliError(f"front matter is not valid YAML: {exc}", path, rule="FC003") from None
    newline = b"\r\n" if raw[yaml_start - 2 : yaml_start] == b"\r\n" else b"\n"
    if root is None:
        return Layout(yaml_start, yaml_end, (), newline)
    if not isinstance(root, yaml.MappingNode):
        raise FilmcliError("front matter is not a mapping of keys to values", path)
    entries = []
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue  # a complex key: left alone, never edited
        key_start = real(key_node.start_mark.index)
        key_end = real(key_node.end_mark.index)
        colon = raw.find(b":", key_end, yaml_end)
        start = real(value_node.start_mark.index)
        if colon < 0 or raw[key_end:colon].strip(b" \t\r\n"):
            continue  # an explicit `? key` without a `:` of its own: left alone, never edited
        end = _content_end(raw, real(value_node.end_mark.index), start, value_node)
        if end <= start:  # an empty value (`director:`)
            start = end = colon + 1
        line_start = raw.rfind(b"\n", 0, key_start) + 1
        nl = raw.find(b"\n", end)
        line_end = yaml_end if nl < 0 or nl >= yaml_end else nl + 1
        if (
            isinstance(value_node, yaml.ScalarNode)
            and value_node.style in ("|", ">")
            and b"+" in raw[start : raw.find(b"\n", start)].split(b"#")[0]
        ):
            # `|+`: the blank lines after the text are the value's too; a new key goes after
            kept = min(real(value_node.end_mark.index), yaml_end)
            if kept > line_end and raw[kept - 1 : kept] == b"\n":
                line_end = kept
        same_line = b"\n" not in raw[colon:start]
        style = (value_node.style or None) if isinstance(value_node, yaml.ScalarNode) else None
        entries.append(
            Entry(
                str(key_node.value), line_start, colon + 1, start, end, line_end, same_line, style
            )
        )
    return Layout(yaml_start, yaml_end, tuple(entries), newline)


def _char_offsets(text: str):
    """char index -> byte offset in text's UTF-8, fast for ASCII text."""
    if text.isascii():
        return lambda i: i
    import bisect

    starts, total, wide = [], 0, []
    for i, ch in enumerate(text):
        size = len(ch.encode("utf-8"))
        if size > 1:
            starts.append(i)
            wide.append(total + size - 1)
            total += size - 1

    def convert(i: int) -> int:
        k = bisect.bisect_left(starts, i)
        return i + (wide[k - 1] if k else 0)

    return convert


def _content_end(raw: bytes, end: int, start: int, node) -> int:
    """The end of the value's last character: no trailing line ends, blanks or comments."""
    import yaml

    while end > start and raw[end - 1 : end] in (b"\n", b"\r", b" ", b"\t"):
        end -= 1
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and node.flow_style is not True:
        # A block collection ends where the next key starts: drop comment lines before it.
        while True:
            line_start = raw.rfind(b"\n", start, end) + 1
            if line_start <= start or not raw[line_start:end].lstrip(b" \t").startswith(b"#"):
                break
            end = line_start
            while end > start and raw[end - 1 : end] in (b"\n", b"\r", b" ", b"\t"):
                end -= 1
    return end


_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,[A-Za-z0-9+/]*={0,2}\Z")
_POSTER_KEY = re.compile(rb"poster:[ \t]*")
_PLACEHOLDER = re.compile(rb"(?m)^poster:[ \t]*<kept\b[^\r\n]*>[ \t]*(?=\r?$)")


def render_value(key: str, value, style: str | None = None) -> str:
    """A value as `new` writes it: text quoted where YAML would misread it. Text keeps the
    quotes the old value had (`style`: "'" or '"') where it can."""
    from filmcli.model.poster import Poster
    from filmcli.model.yamltext import quote

    if isinstance(value, Poster):
        return value.uri
    if isinstance(value, str):
        if style == "'" and "\n" not in value and all(ch.isprintable() for ch in value):
            return "'" + value.replace("'", "''") + "'"
        if style == '"':
            return quote(value)
        if key == "poster" and (_DATA_URI.match(value) or _plain_safe(value)):
            return value  # a data URI or a site path (`/assets/posters/her.jpg`) as it is
        if key == "poster":
            return scalar(value, plain=True)
    return scalar(value, plain=key in PLAIN_KEYS)


def _plain_safe(text: str) -> bool:
    """YAML reads `text`, unquoted, back as exactly that text."""
    if not text or text != text.strip() or any(not ch.isprintable() for ch in text):
        return False
    import yaml

    try:
        return yaml.safe_load(f"k: {text}\n") == {"k": text}
    except yaml.YAMLError:
        return False


def _one_line_poster(raw: bytes, post: Post | None) -> tuple[int, int] | None:
    """(start, end) of a one-line `poster: data:...` value the reader already located (no
    YAML needed: the fast path of extract-posters and embed-posters)."""
    poster = post.poster if post is not None else None
    span = poster.span if poster is not None else None
    if post is None or poster is None or span is None or poster.file != post.path:
        return None
    line_start = raw.rfind(b"\n", 0, span[0]) + 1
    match = _POSTER_KEY.match(raw, line_start)
    if match and raw.startswith(b"data:", match.end()) and raw[span[0] - 1] == ord(","):
        return match.end(), span[1]
    return None


def splice(
    raw: bytes,
    assign: dict,
    remove: tuple | list = (),
    *,
    path: str | os.PathLike = "<post>",
    post: Post | None = None,
    rename: dict | None = None,
) -> bytes:
    """`raw` with the keys in `assign` set and those in `remove` gone; nothing else changes.
    `rename` ({old: new}) changes keys' names in place, their values and lines kept.

    Raises FilmcliError when the result would not read back as exactly the old values with
    these changes (the file is then left as it was).
    """
    path = Path(path)
    old = post if post is not None else Post.from_bytes(raw, path)
    if set(assign) == {"poster"} and not remove:
        fast = _one_line_poster(raw, post)
        if fast is not None:
            text = render_value("poster", assign["poster"]).encode("utf-8")
            new = raw[: fast[0]] + text + raw[fast[1] :]
            _check(old, new, assign, remove, path)
            return new
    where = layout(raw, path)
    edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement), not overlapping
    nl = where.newline
    for key in remove:
        # every occurrence: removing the last of a duplicated key would show an earlier one
        edits.extend((entry.line_start, entry.line_end, b"") for entry in where.all(key))
    inserts: dict[int, list[bytes]] = {}
    for key, value in assign.items():
        text = render_value(key, value).encode("utf-8")
        entry = where.get(key)
        if entry is None:
            at = _insert_point(where, key, raw)
            key_text = key if scalar(key, plain=True) == key else scalar(key)
            inserts.setdefault(at, []).append(key_text.encode("utf-8") + b": " + text + nl)
        elif entry.value_start == entry.colon_end:  # `director:` with nothing after it
            edits.append((entry.colon_end, entry.value_end, b" " + text))
        elif entry.same_line:
            text = render_value(key, value, entry.style).encode("utf-8")
            edits.append((entry.value_start, entry.value_end, text))
        else:  # the value starts on the next line (a block list, say): it goes on the key's
            edits.append((entry.colon_end, entry.value_end, b" " + text))
    for old_key, new_key in (rename or {}).items():
        entry = where.get(old_key)
        if entry is None or raw[entry.line_start : entry.colon_end - 1].rstrip() != old_key.encode(
            "utf-8"
        ):
            raise FilmcliError(
                f"key {old_key!r} is not a plain key at the start of its line; left unchanged", path
            )
        edits.append(
            (
                entry.line_start,
                entry.line_start + len(old_key.encode("utf-8")),
                new_key.encode("utf-8"),
            )
        )
    for at, lines in inserts.items():
        if at > 0 and raw[at - 1 : at] != b"\n":  # the last line has no line ending
            lines = [nl] + lines
        edits.append((at, at, b"".join(lines)))
    edits.sort(key=lambda e: (e[0], e[1]))
    out, last = [], 0
    for start, end, text in edits:
        if start < last:
            raise FilmcliError("internal error: overlapping edits", path)
        out.append(raw[last:start])
        out.append(text)
        last = end
    out.append(raw[last:])
    new = b"".join(out)
    _check(old, new, assign, remove, path, rename or {})
    return new


def replace_poster(raw: bytes, post: Post, value: str) -> bytes:
    """The post's bytes with only its poster value replaced by `value` (a data URI or a site
    path); FilmcliError when the result would not read back exactly (the bytes unchanged).
    The one splicer that `extract --rewrite`, `embed` and `add` share."""
    return splice(raw, {"poster": value}, path=post.path, post=post)


def _insert_point(where: Layout, key: str, raw: bytes) -> int:
    """Where a new key goes: a core key after the core keys before it in the seed's order,
    any other key after the last key."""
    entries = where.entries
    if not entries:
        return where.yaml_start
    if key in SEED_ORDER:
        before = SEED_ORDER[: SEED_ORDER.index(key)]
        after = SEED_ORDER[SEED_ORDER.index(key) + 1 :]
        placed = [e for e in entries if e.key in before]
        if placed:
            return placed[-1].line_end
        following = [e for e in entries if e.key in after]
        if following:
            return following[0].line_start
    return entries[-1].line_end


def _same(a, b) -> bool:
    return type(a) is type(b) and repr(a) == repr(b)


def _check(
    old: Post, new_raw: bytes, assign: dict, remove, path: Path, rename: dict | None = None
) -> None:
    from filmcli.model.poster import Poster

    try:
        new = Post.from_bytes(new_raw, path)
    except FilmcliError as exc:
        raise FilmcliError(
            f"the changed post would not read back: {exc.message}; left unchanged", path
        ) from None
    want = old.metadata()
    for key in remove:
        want.pop(key, None)
    for old_key, new_key in (rename or {}).items():
        if new_key in want:
            raise FilmcliError(f"key {new_key!r} is already there; {old_key!r} left as it is", path)
        want[new_key] = want.pop(old_key)
    for key, value in assign.items():
        want[key] = value.uri if isinstance(value, Poster) else value
    got = new.metadata()
    if (
        set(want) != set(got)
        or any(not _same(want[k], got[k]) for k in want)
        or new.body != old.body
        or new.gap != old.gap
    ):
        raise FilmcliError(
            "the changed post would not read back with the values asked for; left unchanged",
            path,
            hint="please report this with the post's front matter",
        )


#: a line of a folded poster: base64 only (cut short in diffs like the poster line)
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=]{100,}")


def diff_text(before: bytes, after: bytes, old_name: str, new_name: str | None = None) -> str:
    """A unified diff of a post's two versions, its long poster lines cut short (what
    `set --dry-run` and `validate --diff` print)."""
    import difflib

    from filmcli.text import visible

    def lines(data: bytes) -> list[str]:
        out = []
        for line in data.decode("utf-8", "replace").splitlines(keepends=True):
            if len(line) > 120 and (
                line.lstrip().startswith(("poster:", "data:"))
                or _BASE64_LINE.fullmatch(line.strip())
            ):
                line = line[:60] + f"... ({len(line)} characters)\n"
            out.append(visible(line.rstrip("\r\n")) + "\n")
        return out

    return "".join(
        difflib.unified_diff(
            lines(before), lines(after), f"a/{old_name}", f"b/{new_name or old_name}"
        )
    )


# --------------------------------------------------------------------------------------------
# A post for a text editor: the poster as a short placeholder
# --------------------------------------------------------------------------------------------


def for_editor(raw: bytes, path: str | os.PathLike = "<post>") -> tuple[bytes, bytes | None]:
    """(text for the editor, its placeholder line or None): an embedded poster reads as
    `poster: <kept: JPEG 259×194 7.4 kB>`; `from_editor` puts the bytes back when that line
    is left as it is."""
    from filmcli.model.poster import Poster

    post = Post.from_bytes(raw, path)
    poster = post.front_matter.get("poster")
    entry = layout(raw, path).get("poster")
    if not isinstance(poster, Poster) or poster.origin != "data" or entry is None:
        return raw, None
    line = raw[entry.line_start : entry.colon_end] + f" <kept: {poster.short()}>".encode()
    return raw[: entry.line_start] + line + raw[entry.value_end :], line


def from_editor(
    edited: bytes, raw: bytes, placeholder: bytes | None, path: str | os.PathLike = "<post>"
) -> bytes:
    """The edited text with the untouched placeholder line replaced by the poster as it
    was, byte for byte (folded lines included)."""
    if placeholder is None:
        return edited
    # the line as written, or retyped (`poster: <kept: JPEG>`): the poster as it was
    found = _PLACEHOLDER.search(edited)
    if found is None:
        return edited
    old = layout(raw, path).get("poster")
    assert old is not None  # the placeholder was made from raw's poster line (for_editor)
    return edited[: found.start()] + raw[old.line_start : old.value_end] + edited[found.end() :]


# --------------------------------------------------------------------------------------------
# Putting an edit in place: only over the file that was read
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A post file as read for editing: its bytes and what identifies that version."""

    path: Path
    data: bytes
    stamp: tuple
    digest: str


def snapshot(path: str | os.PathLike, *, max_bytes: int | None = None) -> Snapshot:
    """Read a post for editing (the reader's own open: regular files only, bounded)."""
    from filmcli.model.reader import read_stamped

    path = Path(path)
    data, st = read_stamped(path, max_bytes=max_bytes)
    return Snapshot(path, data, st, hashlib.sha256(data).hexdigest())


def still_current(snap: Snapshot) -> None:
    """FilmcliError unless the file on disk is still the version `snap` read."""
    from filmcli.model.files import check_unchanged

    check_unchanged(snap.path, snap.stamp)
    try:
        now = snapshot(snap.path)
    except FilmcliError:
        now = None
    if now is None or now.digest != snap.digest:
        raise FilmcliError(
            "changed while it was read; left alone", snap.path, hint="run the command again"
        )


def commit(snap: Snapshot, data: bytes) -> bool:
    """Replace `snap`'s file with `data` atomically if it is unchanged since it was read.

    Returns False (and writes nothing) when `data` is what the file already holds.
    """
    from filmcli.store.atomic import write_atomic

    if data == snap.data:
        return False
    still_current(snap)  # the content too (a same-size rewrite within one mtime tick)
    # and the stamp again right before the rename: the window left is the rename's own
    # "deferred" inside atomic.deferred_sync(): its outcomes say if it could not be placed
    return write_atomic(snap.path, data, expect=snap.stamp) in ("written", "deferred")


#: posts written per disk flush by commit_many (as extract-posters batches its writes)
BATCH = 128


def commit_many(items: list[tuple[Snapshot, bytes]]) -> list[tuple[bool, FilmcliError | None]]:
    """commit() for many posts, one disk flush per batch of BATCH: (written, error) for each,
    in order. Every post is still checked against the version read, right before its
    rename; a failure is that post's alone."""
    from filmcli.store.atomic import deferred_sync, write_atomic

    out: list[tuple[bool, FilmcliError | None]] = []
    for first in range(0, len(items), BATCH):
        batch = items[first : first + BATCH]
        results: list = [None] * len(batch)
        with deferred_sync() as outcomes:
            for i, (snap, data) in enumerate(batch):
                if data == snap.data:
                    results[i] = (False, None)
                    continue
                try:
                    still_current(snap)
                    write_atomic(snap.path, data, expect=snap.stamp)
                except FilmcliError as exc:
                    results[i] = (False, exc)
        failed = {os.path.abspath(path): exc for path, exc in outcomes}
        same = {os.path.abspath(p) for p in outcomes.same}
        for i, (snap, _) in enumerate(batch):
            if results[i] is None:
                key = os.path.abspath(snap.path)
                results[i] = (False, failed[key]) if key in failed else (key not in same, None)
        out.extend(results)
    return out


def rename_noreplace(old: Path, new: Path) -> None:
    """Move `old` to `new`, never over an existing file: at every instant the file exists
    under exactly one of the two names."""
    import ctypes
    import ctypes.util

    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        renameat2 = None
    if renameat2 is not None:
        AT_FDCWD, RENAME_NOREPLACE = -100, 1
        result = renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD, os.fsencode(new), RENAME_NOREPLACE)
        if result == 0:
            return
        err = ctypes.get_errno()
        if err == 17:  # EEXIST
            raise FilmcliError("a file with that name already exists; nothing moved", new)
        if err not in (22, 38, 95):  # EINVAL/ENOSYS/EOPNOTSUPP: fall back below
            raise FilmcliError(f"cannot move: {os.strerror(err)}", old)
    if os.path.lexists(new):  # without renameat2 the window is the caller's lock's to close
        raise FilmcliError("a file with that name already exists; nothing moved", new)
    try:
        os.rename(old, new)
    except OSError as exc:
        raise FilmcliError(f"cannot move: {exc.strerror or exc}", old) from None


__all__ = [
    "Entry",
    "Layout",
    "Snapshot",
    "commit",
    "commit_many",
    "diff_text",
    "for_editor",
    "from_editor",
    "layout",
    "rename_noreplace",
    "render_value",
    "snapshot",
    "splice",
    "still_current",
]
