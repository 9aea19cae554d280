"""`validate --fix`: the repairs of what the linter finds that are mechanical, as data.

Each fixable rule has a `Fix` in `FIXES`: its kind, ruff's vocabulary ("safe" changes no
meaning and runs with `--fix`; "unsafe" changes what a reader may see and also needs
`--unsafe-fixes`), a cheap `check` (can this finding be fixed?) and `apply` (the post's new
bytes, and for a file-name fix its new name). A finding a fix can repair carries the
fix's kind (`Problem.fix`): `[*]` in text output, `fix` in JSON.

Every fix goes through the editing core: `editing.splice` (only the lines of the keys it
changes; the result is read back and must hold exactly the values asked for), or, for a
post that does not parse (FC003, FC111 without a `,`), a one-line edit that is read back
the same way. Files are written by `editing.commit` under the library lock (only over the
version that was read), renamed by `manage.plan_move`/`apply_moves`. Nothing is staged or
committed in git.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from filmcli.errors import FilmcliError
from filmcli.model.post import FILENAME, Post, coerce_date
from filmcli.ops.validate import Options, Problem

if TYPE_CHECKING:
    from filmcli.store.editing import Snapshot
    from filmcli.store.library import Store

SAFE, UNSAFE = "safe", "unsafe"
#: fixes applied to one post at most (each is followed by a fresh check of the post)
MAX_ROUNDS = 16
#: a poster over the pixel limit is re-encoded only when it is at most this many times
#: over it, and never above HARD_PIXELS (decoding costs memory: 3 bytes a pixel)
PIXEL_SLACK = 4
HARD_PIXELS = 100_000_000
#: posts written with one disk flush (atomic.deferred_sync): each still replaced only
#: if unchanged since it was read, and each old or new after a crash, never a mix
SYNC_CHUNK = 64
#: rules checked across posts (check_bytes cannot see them)
LIBRARY_RULES = ("FC203", "FC204")


@dataclass
class Target:
    """One post as the fixes see it: its current bytes under its current path."""

    library: Store
    path: Path
    data: bytes
    options: Options
    _post: Post | Literal[False] | None = None  # False: does not parse
    #: set while `Fix.can` asks: fixes then skip the costly last step (the splice)
    checking: bool = False

    @property
    def post(self) -> Post | None:
        """The post parsed, or None when it does not parse."""
        if self._post is None:
            try:
                self._post = Post.from_bytes(self.data, self.path)
            except FilmcliError:
                self._post = False
        return self._post or None

    def key_at(self, line: int | None, keys: Iterable[str] | None = None) -> str | None:
        post = self.post
        if post is None or line is None:
            return None
        for key in keys if keys is not None else post.front_matter:
            if key in post.front_matter and post.lines.get(key) == line:
                return key
        return None


@dataclass(frozen=True)
class Result:
    """What a fix makes of a post: new bytes, a note for the user, perhaps a new name."""

    data: bytes
    note: str
    path: Path | None = None


@dataclass(frozen=True)
class Fix:
    rule: str
    kind: str  # SAFE or UNSAFE
    what: str  # for `validate --rules` and the README
    apply: Callable[[Target, Problem], Result | None]
    #: cheap test that the fix applies; None: `apply` is cheap, and answers it
    check: Callable[[Target, Problem], bool] | None = None

    def can(self, target: Target, problem: Problem) -> bool:
        try:
            if self.check is not None:
                return bool(self.check(target, problem))
            target.checking = True
            return self.apply(target, problem) is not None
        except FilmcliError:
            return False
        finally:
            target.checking = False


# --------------------------------------------------------------------------------------------
# The fixes
# --------------------------------------------------------------------------------------------


def _splice(target: Target, assign: dict, *, rename: dict | None = None) -> bytes:
    from filmcli.store.editing import splice

    if target.checking:
        return b""  # only asked whether the fix applies
    return splice(target.data, assign, (), path=target.path, post=target.post, rename=rename)


def _front_lines(data: bytes, path: Path) -> list[tuple[int, int]]:
    """(start, end) of each top-level line of the front matter, line ending excluded."""
    from filmcli.model.reader import split

    yaml_start, yaml_end, _, _ = split(data, path)
    out, at = [], yaml_start
    while at < yaml_end:
        nl = data.find(b"\n", at, yaml_end)
        end = yaml_end if nl < 0 else nl
        stop = end - 1 if end > at and data[end - 1 : end] == b"\r" else end
        out.append((at, stop))
        at = end + 1
    return out


def _line_edits(target: Target, edits: dict[int, bytes], want: dict[str, str]) -> bytes | None:
    """Replace the values on some front-matter lines (offset of the value -> new text, to
    the end of its line), then read the post back: it must parse and give `want`."""
    data = target.data
    pieces, last = [], 0
    for start in sorted(edits):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if data[end - 1 : end] == b"\r":
            end -= 1
        pieces += [data[last:start], edits[start]]
        last = end
    new = b"".join(pieces) + data[last:]
    try:
        post = Post.from_bytes(new, target.path)
    except FilmcliError:
        return None
    got = post.metadata()
    if any(got.get(key) != value for key, value in want.items()):
        return None
    return new


_PLAIN_VALUE = re.compile(rb"[ \t]*([^'\"\s#\[{&*!|>][^\r\n#]*?)[ \t]*\r?\Z")


def fix_misread_text(target: Target, problem: Problem) -> Result | None:
    """`title: 1917`, `title: Yes`, `title: null`: the text as written, quoted."""
    post = target.post
    key = target.key_at(problem.line, ("title", "director"))
    if problem.line is None or post is None or key is None:  # (key: None without a line)
        return None
    if isinstance(post.front_matter[key], str):
        return None
    lines = target.data.split(b"\n", problem.line)
    line = lines[problem.line - 1] if len(lines) >= problem.line else b""
    match = _PLAIN_VALUE.match(line, len(key) + 1) if line.startswith(key.encode() + b":") else None
    if match is None:
        return None
    text = match.group(1).decode("utf-8", "replace")
    return Result(_splice(target, {key: text}), f"{key} {text} quoted: now the text {text!r}")


def fix_mime(target: Target, problem: Problem) -> Result | None:
    """FC104: the declared MIME type rewritten to the real format's."""
    post = target.post
    poster = post.poster if post is not None else None
    if poster is None or poster.origin != "data" or not poster.is_base64 or not poster.mime:
        return None
    uri = poster.uri
    new = f"data:{poster.mime};base64," + uri.split(",", 1)[1]
    return Result(
        _splice(target, {"poster": new}), f"poster MIME {poster.declared_mime} -> {poster.mime}"
    )


_B64_TAIL = re.compile(rb"[A-Za-z0-9+/=\s]+\Z")


def _image_base64(text: bytes) -> tuple[bytes, str] | None:
    """(clean base64, MIME) when `text` is base64 of an image of a known format."""
    import binascii

    from filmcli.model.imageinfo import MIME, sniff_format
    from filmcli.model.poster import decode_base64

    clean = re.sub(rb"\s+", b"", text)
    try:
        data = decode_base64(clean)
    except (FilmcliError, binascii.Error):
        return None
    fmt = sniff_format(data[:64])
    return (clean, MIME[fmt]) if fmt in MIME else None


def fix_uri(target: Target, problem: Problem) -> Result | None:
    """FC111: a data URI malformed only in its prefix, or FC112: base64 with whitespace or
    line folds; written `data:MIME;base64,DATA` on one line."""
    post = target.post
    if post is not None:
        poster = post.poster
        if poster is None or poster.origin != "data":
            return None
        payload = poster.payload()
        found = _image_base64(payload)
        if found is None:
            return None
        clean, mime = found
        declared = poster.declared_mime if poster.is_base64 and poster.declared_mime else mime
        new = f"data:{declared};base64," + clean.decode("ascii")
        what = (
            "whitespace removed from the poster's base64"
            if poster.is_base64
            else "';base64' added to the poster's data URI"
        )
        return Result(_splice(target, {"poster": new}), what)
    # The post does not parse: the `poster:` line's data URI has no `,` before its data.
    for start, end in _front_lines(target.data, target.path):
        line = target.data[start:end]
        match = re.match(rb"poster:[ \t]*(['\"]?)(data:[^\r\n]*?)\1[ \t]*\Z", line)
        if not match:
            continue
        uri = match.group(2)
        tail = _B64_TAIL.search(uri)
        if tail is None:
            return None
        for cut in range(tail.start(), min(tail.end(), tail.start() + 64)):
            found = _image_base64(uri[cut:])
            if found is not None:
                clean, mime = found
                text = f"data:{mime};base64," + clean.decode("ascii")
                edited = _line_edits(
                    target, {start + match.start(1): text.encode()}, {"poster": text}
                )
                if edited is None:
                    return None
                return Result(edited, f"poster data URI prefix rewritten as data:{mime};base64,")
        return None
    return None


_COLON_VALUE = re.compile(
    rb"([A-Za-z_][A-Za-z0-9_-]*):[ \t]+([^'\"\[{|>&*!%@`#\s][^\r\n]*?)[ \t]*\Z"
)


def fix_colon(target: Target, problem: Problem) -> Result | None:
    """FC003 from an unquoted value holding `: ` (`title: Alien: Romulus`): quoted."""
    from filmcli.model.yamltext import quote

    if target.post is not None:
        return None
    edits, want = {}, {}
    for start, end in _front_lines(target.data, target.path):
        match = _COLON_VALUE.match(target.data[start:end])
        if not match or b": " not in match.group(2) or b" #" in match.group(2):
            continue
        try:
            value = match.group(2).decode("utf-8")
        except UnicodeDecodeError:
            return None
        edits[start + match.start(2)] = quote(value).encode("utf-8")
        want[match.group(1).decode()] = value
    new = _line_edits(target, edits, want) if edits else None
    if new is None:
        return None
    return Result(new, "quoted " + ", ".join(f"{k}: {v!r}" for k, v in want.items()))


_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})(?P<rest>.*)\Z"),
    re.compile(r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})(?P<rest>.*)\Z"),
)
_TIME = re.compile(r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\Z")


def _one_reading(text: str) -> _dt.date | _dt.datetime | None:
    """The one date a text such as `2013/12/18` (or `18/12/2013`) can mean."""
    text = text.strip()
    for form in _DATE_FORMS:
        match = form.match(text)
        if not match:
            continue
        time = _TIME.match(match.group("rest"))
        if time is None:
            return None
        year = int(match.group("y"))
        if "m" in form.groupindex:
            orders = [(int(match.group("m")), int(match.group("d")))]
        else:  # day and month, in an order only one of the two readings allows
            a, b = int(match.group("a")), int(match.group("b"))
            orders = list({(b, a), (a, b)})
        dates = []
        for month, day in orders:
            try:
                dates.append(_dt.date(year, month, day))
            except ValueError:
                pass
        if len(dates) != 1:
            return None
        if time.group(1) is None:
            return dates[0]
        try:
            return _dt.datetime.combine(
                dates[0], _dt.time(int(time.group(1)), int(time.group(2)), int(time.group(3) or 0))
            )
        except ValueError:
            return None
    return None


def fix_date(target: Target, problem: Problem) -> Result | None:
    """FC205: `date: 2013/12/18` (one obvious reading) written as `2013-12-18`."""
    post = target.post
    if post is None or "date" not in post.front_matter:
        return None
    value = post.front_matter["date"]
    if not isinstance(value, str) or coerce_date(value) is not None:
        return None
    when = _one_reading(value)
    if when is None:
        return None
    return Result(_splice(target, {"date": when}), f"date {value!r} -> {when}")


def _poster_limits(target: Target) -> tuple[int, int]:
    return target.library.settings.poster.max_width, target.options.max_pixels


def can_reencode(target: Target, problem: Problem) -> bool:
    post = target.post
    poster = post.poster if post is not None else None
    if poster is None or poster.origin != "data" or not poster.is_base64 or not poster.width:
        return False
    max_width, max_pixels = _poster_limits(target)
    pixels = poster.width * (poster.height or 0)
    if problem.rule == "FC108":
        return pixels <= min(PIXEL_SLACK * max_pixels, HARD_PIXELS)
    return bool(max_width) and poster.width > max_width  # smaller only when narrower


def fix_reencode(target: Target, problem: Problem) -> Result | None:
    """FC108/FC109: the poster re-encoded by the `new --poster` pipeline at
    poster.max_width; refused when the result is still over the limits."""
    from filmcli.model.poster import human_bytes
    from filmcli.ops.manage import prepare_for_library

    if not can_reencode(target, problem):
        return None
    post = target.post
    poster = post.poster if post is not None else None
    assert poster is not None  # can_reencode saw it
    _, max_pixels = _poster_limits(target)
    old_size = poster.size or 0
    prepared = prepare_for_library(
        target.library,
        poster.data,
        str(target.path),
        max_pixels=min(PIXEL_SLACK * max_pixels, HARD_PIXELS),
    )
    if (
        len(prepared.data) > target.options.max_bytes
        or prepared.width * prepared.height > max_pixels
    ):
        raise FilmcliError(
            f"the poster re-encoded is {prepared.describe()}, still over the limits; left as it is",
            target.path,
        )
    saved = old_size - len(prepared.data)
    return Result(
        _splice(target, {"poster": prepared.uri}),
        f"poster re-encoded as {prepared.describe()}: {human_bytes(old_size)} -> "
        f"{human_bytes(len(prepared.data))} ({saved:,} bytes saved)",
    )


_NAME_DATE = re.compile(r"(\d{4})[-_. ](\d{1,2})[-_. ](\d{1,2})(?:[-_. ]+|\Z)")


def new_name(post: Post) -> str | None:
    """The `YYYY-MM-DD-slug.md` name an FC201/FC202 post should have, when one date is
    the obvious one: a date-like start of the name, else the `date:` key."""
    from filmcli.model.slug import slugify

    name = post.path.name
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() not in ("md", "markdown"):
        stem, ext = name, "md"
    when, rest = None, stem
    match = FILENAME.match(name)
    if match:  # FC202: a dated name whose date is impossible
        rest = match.group(4)
    else:
        loose = _NAME_DATE.match(stem)  # `2013_12_18_her.md`, `2013-1-5 her.md`
        if loose:
            rest = stem[loose.end() :]
            with contextlib.suppress(ValueError):
                when = _dt.date(*(int(g) for g in loose.groups()))
    if when is None and "date" in post.front_matter:
        when = coerce_date(post.front_matter["date"])
    if when is None:
        return None
    rest = rest.strip("-_. ") or slugify(str(post.title or ""))
    return f"{when.isoformat()}-{rest}.{ext.lower()}"


def fix_name(target: Target, problem: Problem) -> Result | None:
    """FC201/FC202: the post renamed to `YYYY-MM-DD-slug.md` (through `plan_move`)."""
    post = target.post
    if post is None or post.draft:
        return None
    name = new_name(post)
    if name is None or not FILENAME.match(name):
        return None
    new = target.path.with_name(name)
    if os.path.lexists(new):
        return None
    return Result(target.data, f"renamed to {name}", path=new)


def _one_edit(a: str, b: str) -> bool:
    """`a` and `b` differ by one insertion, deletion, substitution or transposition."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def fix_key(target: Target, problem: Problem) -> Result | None:
    """FC208: an unknown key one edit away from exactly one known key (`dirctor`) renamed."""
    post = target.post
    key = target.key_at(problem.line)
    if post is None or key is None:
        return None
    known = set(target.options.known_keys) | set(target.options.required)
    if key in known:
        return None
    near = [k for k in sorted(known) if _one_edit(key, k)]
    if len(near) != 1 or near[0] in post.front_matter:
        return None
    return Result(_splice(target, {}, rename={key: near[0]}), f"key {key} -> {near[0]}")


FIXES: tuple[Fix, ...] = (
    Fix(
        "FC003", UNSAFE, "an unquoted value holding ': ' (title: Alien: Romulus) quoted", fix_colon
    ),
    Fix("FC101", SAFE, "title/director: null (or ~) quoted: the text as written", fix_misread_text),
    Fix(
        "FC102",
        SAFE,
        "title/director YAML reads as a number, a date or true/false quoted",
        fix_misread_text,
    ),
    Fix("FC104", SAFE, "declared MIME type rewritten to the real format's", fix_mime),
    Fix(
        "FC108",
        UNSAFE,
        "poster over the pixel limit re-encoded at poster.max_width",
        fix_reencode,
        can_reencode,
    ),
    Fix(
        "FC109",
        UNSAFE,
        "poster over the byte limit re-encoded at poster.max_width",
        fix_reencode,
        can_reencode,
    ),
    Fix("FC111", SAFE, "data URI prefix rebuilt: data:MIME;base64,DATA", fix_uri),
    Fix("FC112", SAFE, "whitespace and line folds in the base64 removed (one line)", fix_uri),
    Fix("FC201", UNSAFE, "file renamed YYYY-MM-DD-slug.md (date from the name or date:)", fix_name),
    Fix("FC202", UNSAFE, "file renamed with the date: key's date", fix_name),
    Fix("FC205", SAFE, "date with one obvious reading (2013/12/18) written 2013-12-18", fix_date),
    Fix("FC208", UNSAFE, "unknown key one edit from a known key (dirctor) renamed", fix_key),
)
BY_RULE: dict[str, list[Fix]] = {}
for _fix in FIXES:
    BY_RULE.setdefault(_fix.rule, []).append(_fix)


def kinds(unsafe: bool) -> tuple[str, ...]:
    return (SAFE, UNSAFE) if unsafe else (SAFE,)


def find_fix(target: Target, problem: Problem, allowed=(SAFE, UNSAFE)) -> Fix | None:
    for fix in BY_RULE.get(problem.rule, ()):
        if fix.kind in allowed and fix.can(target, problem):
            return fix
    return None


# --------------------------------------------------------------------------------------------
# Marking findings, planning and writing fixes
# --------------------------------------------------------------------------------------------


def _abs(library: Store, problem: Problem) -> Path:
    inside = Path(os.path.normpath(library.root / problem.path))
    return inside if inside.exists() else Path(os.path.abspath(problem.path))


def annotate(library: Store, problems: list[Problem], options: Options) -> list[Problem]:
    """`problems` with `fix` set on each finding a fix can repair."""
    from filmcli.ops.manage import _max_bytes
    from filmcli.store.editing import snapshot

    targets: dict[Path, Target | None] = {}
    out = []
    for problem in problems:
        if problem.rule not in BY_RULE:
            out.append(problem)
            continue
        path = _abs(library, problem)
        if path not in targets:
            try:
                data = snapshot(path, max_bytes=_max_bytes(library)).data
                targets[path] = Target(library, path, data, options)
            except FilmcliError:
                targets[path] = None
        target = targets[path]
        fix = find_fix(target, problem) if target is not None else None
        out.append(replace(problem, fix=fix.kind) if fix else problem)
    return out


@dataclass
class Applied:
    rule: str
    kind: str
    line: int | None
    message: str  # the finding's
    note: str  # what the fix did


@dataclass
class FilePlan:
    """The fixes of one post: its bytes before and after, and perhaps a new name."""

    path: Path
    snap: Snapshot | None
    new_path: Path
    after: bytes
    applied: list[Applied] = field(default_factory=list)
    refused: list[tuple[Problem, FilmcliError]] = field(default_factory=list)
    written: bool = False
    error: FilmcliError | None = None

    @property
    def before(self) -> bytes:
        return self.snap.data if self.snap is not None else b""

    @property
    def changed(self) -> bool:
        return self.snap is not None and (self.after != self.before or self.new_path != self.path)


def plan_file(
    library: Store, path: Path, options: Options, keep, allowed, claimed: set[Path]
) -> FilePlan:
    """Apply fixes to one post in memory, one at a time, each followed by a new check of
    the result, until none applies (at most MAX_ROUNDS)."""
    from filmcli.ops.manage import _max_bytes
    from filmcli.ops.validate import check_bytes
    from filmcli.store.editing import snapshot

    fast = replace(options, images=False)  # headers suffice: FC108/FC109 show without decoding
    snap = snapshot(path, max_bytes=_max_bytes(library))
    target = Target(library, path, snap.data, options)
    plan = FilePlan(path, snap, path, snap.data)
    tried: set[tuple[str, str]] = set()
    for _ in range(MAX_ROUNDS):
        progress = False
        for problem in check_bytes(library, target.data, target.path, fast):
            if not keep(problem.rule) or (problem.rule, problem.message) in tried:
                continue
            refusals = len(plan.refused)
            fix, result = _first_result(target, problem, allowed, plan)
            if result is not None or len(plan.refused) > refusals:
                tried.add((problem.rule, problem.message))  # never twice
            if result is None:
                continue
            if result.path is not None:
                if result.path in claimed:
                    continue  # another post of this run takes that name
                claimed.add(result.path)
            plan.applied.append(
                Applied(problem.rule, fix.kind, problem.line, problem.message, result.note)
            )
            target = Target(library, result.path or target.path, result.data, options)
            progress = True
            break
        if not progress:
            break
    plan.after, plan.new_path = target.data, target.path
    return plan


def _first_result(target: Target, problem: Problem, allowed, plan: FilePlan):
    """(fix, result) of the first allowed fix that applies to `problem` (refusals noted)."""
    for fix in BY_RULE.get(problem.rule, ()):
        if fix.kind not in allowed or (fix.check is not None and not fix.can(target, problem)):
            continue
        try:
            result = fix.apply(target, problem)
        except FilmcliError as exc:
            plan.refused.append((problem, exc))
            continue
        if result is not None:
            return fix, result
    return None, None


def write_plans(library: Store, plans: list[FilePlan]) -> None:
    """Write each changed post: in place by editing.commit under the library lock, a new
    name by manage.plan_move/apply_moves. Failures are recorded per post."""
    from filmcli.ops.manage import apply_moves, plan_move
    from filmcli.store.atomic import deferred_sync
    from filmcli.store.editing import commit
    from filmcli.store.lock import library_lock

    in_place = [p for p in plans if p.changed and p.new_path == p.path]
    if in_place:
        with library_lock(library):
            for start in range(0, len(in_place), SYNC_CHUNK):
                chunk = in_place[start : start + SYNC_CHUNK]
                with deferred_sync() as failures:  # one flush for the chunk's files
                    for plan in chunk:
                        assert plan.snap is not None  # every changed plan has one
                        try:
                            plan.written = commit(plan.snap, plan.after)
                        except FilmcliError as exc:
                            plan.error = exc
                failed = {os.path.abspath(path): exc for path, exc in failures}
                for plan in chunk:
                    if os.path.abspath(plan.path) in failed:
                        plan.written, plan.error = False, failed[os.path.abspath(plan.path)]
    moves = []
    for plan in plans:
        if not plan.changed or plan.new_path == plan.path:
            continue
        try:
            post = Post.from_bytes(plan.before, plan.path)
            move = plan_move(library, post, plan.new_path)
        except FilmcliError as exc:
            plan.error = exc
            continue
        if move.before != plan.before:
            plan.error = FilmcliError("changed while it was read; left alone", plan.path)
            continue
        move.after = plan.after
        moves.append((plan, move))
    if moves:
        apply_moves(library, [move for _, move in moves])
        for plan, move in moves:
            plan.error, plan.written = move.error, move.moved


@dataclass
class FixReport:
    """What `Library.fix` did (or, dry run, would do)."""

    plans: list[FilePlan]
    remaining: list[Problem]
    unsafe: bool
    dry_run: bool

    @property
    def changed(self) -> list[FilePlan]:
        return [p for p in self.plans if p.changed]

    @property
    def fixed(self) -> int:
        return sum(
            len(p.applied)
            for p in self.plans
            if p.changed and p.error is None and (self.dry_run or p.written)
        )

    @property
    def failed(self) -> int:
        return sum(p.error is not None for p in self.plans)

    @property
    def unsafe_left(self) -> int:
        return sum(p.fix == UNSAFE for p in self.remaining)


def fix_library(
    library: Store,
    paths: Iterable = (),
    *,
    unsafe: bool = False,
    dry_run: bool = False,
    options: Options | None = None,
    keep=None,
    drafts: bool = False,
) -> FixReport:
    """Validate, fix what the allowed fixes can, write (unless `dry_run`), validate again."""
    from filmcli.ops.validate import validate

    options = options or Options.from_config(library.config)
    keep = keep or (lambda rule: True)
    paths = list(paths)
    allowed = kinds(unsafe)
    problems = [
        p for p in validate(library, paths, options, drafts=drafts, fixes=False) if keep(p.rule)
    ]
    todo: list[Path] = []
    for problem in problems:
        path = _abs(library, problem)
        if any(f.kind in allowed for f in BY_RULE.get(problem.rule, ())) and path not in todo:
            todo.append(path)
    claimed: set[Path] = set()
    plans = []
    for path in todo:
        try:
            plans.append(plan_file(library, path, options, keep, allowed, claimed))
        except FilmcliError as exc:
            plan = FilePlan(path, None, path, b"")
            plan.error = exc
            plans.append(plan)
    if dry_run:  # what would remain: the changed posts checked as they would be
        from filmcli.ops.validate import check_bytes

        changed = {plan.path: plan for plan in plans if plan.changed}
        remaining = [
            p for p in problems if _abs(library, p) not in changed or p.rule in LIBRARY_RULES
        ]
        for plan in changed.values():
            remaining += [
                p for p in check_bytes(library, plan.after, plan.new_path, options) if keep(p.rule)
            ]
        remaining.sort(key=lambda p: (p.path, p.line or 0, p.rule))
        return FixReport(plans, annotate(library, remaining, options), unsafe, dry_run)
    write_plans(library, plans)
    moved = {
        os.path.abspath(p.path): p.new_path for p in plans if p.written and p.new_path != p.path
    }
    again = [moved.get(os.path.abspath(p), p) for p in paths]
    remaining = [p for p in validate(library, again, options, drafts=drafts) if keep(p.rule)]
    return FixReport(plans, remaining, unsafe, dry_run)


__all__ = [
    "FIXES",
    "SAFE",
    "UNSAFE",
    "Applied",
    "FilePlan",
    "Fix",
    "FixReport",
    "annotate",
    "find_fix",
    "fix_library",
]
