"""Reading a post file: split the front matter on bytes, keep the poster out of YAML.

The poster line is almost all of a post's bytes. Recognising a single-line
`poster: data:...` value and handing YAML only the rest is what makes reading
a whole library cost little more than reading its files.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import yaml

from filmcli.errors import FilmcliError
from filmcli.model.poster import Poster, is_base64_text

BOM = b"\xef\xbb\xbf"
_POSTER_LINE = re.compile(rb"^poster:[ \t]*(?=data:)", re.M)
#: the header of a one-line poster value that may be cut out before YAML reads the rest
#: (with a payload of base64 letters only, see _cut_poster)
_DATA_HEADER = re.compile(rb"data:[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+;base64")
#: the closing fence: `---` or, as YAML's document end and for Jekyll alike, `...`
_CLOSE = re.compile(rb"\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)")
_OPEN = re.compile(rb"---[ \t]*\r?\n")

if TYPE_CHECKING:  # (the C loader, when there is one, behaves as the Python one)
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CHUNK = 1 << 16  # one read() holds a typical post whole; bigger buffers cost page faults


# YAML also breaks lines at a lone CR, NEL, LS and PS; a file's lines are counted at LF.
_ODD_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")


class _LineCounter:
    """LF lines before offsets of one text, each count started at the nearest offset already
    counted: marks come in nearly increasing order, so a whole front matter costs one pass
    (counting from 0 for every key took minutes on 4,000 keys of 8 MB)."""

    def __init__(self, text: str):
        self.text = text
        self.odd = _ODD_BREAKS.search(text) is not None
        self.offsets, self.counts = [0], [0]

    def lines_before(self, index: int) -> int:
        at = bisect.bisect_right(self.offsets, index) - 1
        count = self.counts[at] + self.text.count("\n", self.offsets[at], index)
        if index != self.offsets[at]:
            self.offsets.insert(at + 1, index)
            self.counts.insert(at + 1, count)
        return count


_COUNTER: list = [None]  # the last text's counter: one front matter is read at a time


def _counter(text: str) -> _LineCounter:
    counter = _COUNTER[0]
    if counter is None or counter.text is not text:
        counter = _COUNTER[0] = _LineCounter(text)
    return counter


def mark_line(mark, text: str | None = None, first: int = 2) -> int:
    """The 1-based file line of a YAML mark in YAML text starting on line `first`
    (2: front matter, after its `---`)."""
    if text is not None and mark.index is not None:
        counter = _counter(text)
        if counter.odd:
            return first + counter.lines_before(mark.index)
    return mark.line + first


class StrictLoader(_BaseLoader):
    """The safe loader, minus what YAML allows but a post should never hold."""

    def __init__(self, stream):
        super().__init__(stream)
        self.text = stream if isinstance(stream, str) else None
        self.notes: list[tuple[str, int, str]] = []  # (rule, line, message): read, but said

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise FilmcliError(
                    "a mapping key is not a plain value",
                    rule="FC003",
                    line=mark_line(key_node.start_mark, self.text),
                ) from None
            line = mark_line(key_node.start_mark, self.text)
            if key in seen:
                # Jekyll (and YAML) keep the last value and build the post: read it so
                self.notes.append(
                    (
                        "FC004",
                        line,
                        f"duplicate key {key!r} (first on line "
                        f"{seen[key]}); the last value is kept",
                    )
                )
            else:
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            # `2013-13-45` resolves as a timestamp, `0b` as an int: neither can be built.
            kind = {"timestamp": "a date", "int": "a whole number", "float": "a number"}.get(
                node.tag.rsplit(":", 1)[-1], node.tag
            )
            raise FilmcliError(
                f"{_short(node.value)} looks like {kind} but is not one ({exc})",
                line=mark_line(node.start_mark, self.text),
                rule="FC003",
            ) from None


def _short(value) -> str:
    text = repr(value) if isinstance(value, str) else "value"
    return text if len(text) <= 60 else text[:57] + "..."


def _refuse_tag(loader, node):
    """`!!set`, `!!omap`, `!!pairs`, `!!binary`: safe, but not values a post can hold."""
    what = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise FilmcliError(
        f"YAML tag {what} is not allowed in front matter (it makes a value "
        "that is not text, a number, a date, a list or a mapping)",
        line=mark_line(node.start_mark, loader.text),
        rule="FC005",
    )


for _tag in ("set", "omap", "pairs", "binary"):
    StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


@dataclass
class RawPost:
    """What a post file holds, before any meaning is given to it."""

    path: Path
    front_matter: dict
    body: str
    lines: dict = field(default_factory=dict)  # key -> 1-based line in the file
    gap: str = ""  # the newline between the closing `---` and the body, if any
    fm_lines: int = 0  # lines of the front matter block, fences included
    #: (rule, line, message) of what was read but is worth saying (a duplicate key)
    notes: list = field(default_factory=list)


def _fail(msg: str, path: Path, line: int | None, rule: str, hint: str | None = None) -> NoReturn:
    raise FilmcliError(msg, path, line, hint=hint, rule=rule)


def split(data: bytes, path: Path) -> tuple[int, int, int, int]:
    """Offsets (yaml_start, yaml_end, body_start, bom) of the front matter in `data`."""
    bom = 3 if data.startswith(BOM) else 0
    opened = _OPEN.match(data, bom)
    if not opened:
        _fail(
            "no front matter: a post must start with a '---' line",
            path,
            1,
            "FC001",
            hint="add a '---' line, the YAML keys, and a closing '---' line",
        )
    yaml_start = opened.end()
    closed = _CLOSE.search(data, yaml_start - 1)
    if not closed:
        _fail(
            "front matter is not closed: no '---' (or '...') line after the opening one",
            path,
            1,
            "FC002",
        )
    return yaml_start, closed.start() + 1, closed.end(), bom


def _decode(chunk: bytes, path: Path, line_base: int) -> str:
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_base + chunk.count(b"\n", 0, exc.start)
        _fail("not valid UTF-8 text", path, line, "FC007")


#: deeper nesting is refused: libyaml's composer recurses in C and overflows the stack
#: (a segfault, not an exception) somewhere past ten thousand levels, and everything
#: that walks the values afterwards (JSON, TOML, the writer) recurses in Python
MAX_DEPTH = 100
_OPENERS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSERS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


#: the most YAML tokens (keys, values, items, brackets) one post's front matter may hold: a
#: post holds a few dozen. Composing costs up to ~500 bytes and ~25 µs a node (a 4 MB flow
#: list was 735 MB and 30 s), so this bounds any front matter to ~10 MB and ~0.5 s.
MAX_TOKENS = 20_000
#: the most front matter given to YAML, a one-line `poster: data:` value left out: YAML
#: costs ~7 bytes and ~0.15 s a megabyte of it (a 60 MB title was 430 MB and 8 s)
MAX_YAML_BYTES = 8_000_000


def _check_yaml_size(size: int, path: Path) -> None:
    """Refuse front matter too big for YAML before a copy of it is made."""
    if size > MAX_YAML_BYTES:
        _fail(
            f"front matter is {size:,} bytes without its poster line, over the limit of "
            f"{MAX_YAML_BYTES:,} read as YAML",
            path,
            None,
            "FC008",
            hint="a poster belongs on one `poster: data:...` line, which is not counted",
        )


_INDICATORS = ("[", "{", "-", ":", "?", ",")


def _indicator_count(text: str) -> int:
    """At least the front matter's depth, and half its nodes: every level opens with one of
    `[ { - : ?`, every node but the first of a collection follows one of `- : ? ,`."""
    return sum(text.count(ch) for ch in _INDICATORS)


def _too_many_tokens(path: Path, text: str, token) -> None:
    _fail(
        f"front matter holds more than {MAX_TOKENS:,} YAML keys, values and brackets "
        "(a post holds a few dozen); it is not read",
        path,
        mark_line(token.start_mark, text),
        "FC003",
    )


#: aliases may repeat values, as Jekyll (Psych) allows, up to this many values once every
#: alias is expanded (what JSON, TOML and the writer would produce): past it, an alias bomb
MAX_EXPANDED = 100_000


def _check_anchors(
    text: str, path: Path, *, aliases: bool = False, first: int = 2, what: str = "front matter"
) -> None:
    """Refuse alias bombs (more than MAX_EXPANDED values once aliases are expanded; with
    `aliases`, as for `_config.yml` whose settings are read one value at a time, no budget),
    nesting too deep to compose, and more tokens than MAX_TOKENS, before anything is built:
    the scanner is flat, so this costs no stack, and it stops at the first token over a
    bound; a normal anchor and alias is read as YAML reads it."""
    depth = 0
    first_anchor = None
    aliased = False
    try:
        for count, token in enumerate(yaml.scan(text, Loader=_BaseLoader)):
            if count > MAX_TOKENS:
                _too_many_tokens(path, text, token)
            if isinstance(token, _OPENERS):
                depth += 1
                if depth > MAX_DEPTH:
                    _fail(
                        f"{what} is nested more than {MAX_DEPTH} levels deep",
                        path,
                        mark_line(token.start_mark, text, first),
                        "FC003",
                    )
            elif isinstance(token, _CLOSERS):
                depth -= 1
            elif isinstance(token, yaml.AnchorToken) and first_anchor is None:
                first_anchor = token
            elif isinstance(token, yaml.AliasToken):
                aliased = True
    except yaml.YAMLError as exc:
        # Newer libyaml (PyYAML 6.0.4's wheels) stops deep nesting itself, scanning ahead
        # of the tokens counted above: the same refusal, in the same words.
        if "nesting depth" in str(exc):
            mark = getattr(exc, "problem_mark", None)
            _fail(
                f"{what} is nested more than {MAX_DEPTH} levels deep",
                path,
                mark_line(mark, text, first) if mark else None,
                "FC003",
            )
        return  # the parse proper reports syntax errors with their line
    if aliased and first_anchor is not None and not aliases:
        try:
            node = yaml.compose(text, Loader=_BaseLoader)  # aliases stay shared nodes
        except yaml.YAMLError:
            return
        if expanded_size(node) > MAX_EXPANDED:
            _fail(
                f"YAML anchor '{first_anchor.value}' is not allowed here: its aliases "
                f"expand to more than {MAX_EXPANDED:,} values (an alias bomb)",
                path,
                mark_line(first_anchor.start_mark, text, first),
                "FC006",
            )


def expanded_size(node) -> int:
    """How many values a composed YAML document holds once every alias is expanded
    (shared nodes counted once each time they are reached), without expanding it."""
    sizes: dict[int, int] = {}
    stack = [(node, False)]
    while stack:
        item, done = stack.pop()
        key = id(item)
        if key in sizes and not done:
            continue
        if isinstance(item, yaml.ScalarNode) or item is None:
            sizes[key] = 1
            continue
        children = (
            [c for pair in item.value for c in pair]
            if isinstance(item, yaml.MappingNode)
            else list(item.value)
        )
        if done:
            sizes[key] = 1 + sum(sizes.get(id(c), MAX_EXPANDED + 1) for c in children)
            sizes[key] = min(sizes[key], MAX_EXPANDED + 1)
            continue
        sizes[key] = MAX_EXPANDED + 1  # in progress: a node reaching itself is unbounded
        stack.append((item, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(node)] if node is not None else 0


def check_yaml_depth(text: str, path: Path, *, first: int = 1) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH (FC003) before any loader composes it;
    anchors and aliases are allowed. For YAML files other than posts (`_config.yml`)."""
    if _indicator_count(text) > MAX_DEPTH:
        _check_anchors(text, path, aliases=True, first=first, what="the YAML")


def _cut_poster(
    data: bytes, start: int, end: int, path: Path, keep: bool, line: int, stamp: tuple | None
) -> Poster | None:
    """The Poster of data[start:end], the value of a `poster: ` line, or None when the value
    may not be cut out before YAML reads the rest: it must be a plain
    `data:<mime>;base64,<base64 letters>` that YAML reads as exactly its own text (no
    space, `#`, control or non-ASCII character, no `:` at its end, which would make it a
    mapping). Whether the lines after it stay as they were is _cut_was_safe's proof."""
    comma = data.find(b",", start, end)
    if comma < 0 or _DATA_HEADER.fullmatch(data, start, comma) is None:
        return None
    payload = data[comma + 1 : end]
    poster = Poster.from_file_span(
        data[start:comma], path, (comma + 1, end), payload if keep else None, line, stamp
    )
    clean = is_base64_text(payload) if keep else poster.learn(payload)
    return poster if clean else None


def _cut_was_safe(node, cut_line: int, text: str) -> bool:
    """After a poster value was cut from the line `cut_line`: whether the rest proves the
    cut changed nothing. The front matter is a block mapping (in a flow one the value's
    `,` would have split it) whose `poster` key on that line was left with an empty plain
    value: nothing after the line (a `- item` at column 0, an indented line after a blank
    or comment line) became part of the poster's value, as it would not have with the
    value in place."""
    if node.flow_style:
        return False
    for key_node, value_node in node.value:
        if (
            isinstance(key_node, yaml.ScalarNode)
            and key_node.value == "poster"
            and not key_node.style  # plain: None in PyYAML, '' in libyaml
            and mark_line(key_node.start_mark, text) == cut_line
        ):
            return (
                isinstance(value_node, yaml.ScalarNode)
                and value_node.value == ""
                and not value_node.style
                and value_node.tag.endswith(":null")
            )
    return False


def load_yaml(
    text: str, path: Path, *, cut_line: int | None = None, notes: list | None = None
) -> tuple[dict, dict]:
    """Safe-load the front matter; return the mapping and each top-level key's file line
    (a duplicate key's: its last, the one whose value is kept). What is read but worth
    saying (duplicate keys) is added to `notes` as (rule, line, message).

    `cut_line`: the line a poster value was cut from (see _cut_was_safe); when the cut may
    have changed the document, the answer is ({}, {}): the caller reads it whole."""
    # cheap counts first: a normal post is never scanned twice
    if "&" in text or "*" in text or _indicator_count(text) > min(MAX_DEPTH, MAX_TOKENS // 4):
        _check_anchors(text, path)
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        if not isinstance(node, yaml.MappingNode):
            _fail(
                "front matter is not a mapping of keys to values",
                path,
                mark_line(node.start_mark, text),
                "FC003",
            )
        if cut_line is not None and not _cut_was_safe(node, cut_line, text):
            return {}, {}
        data = loader.construct_document(node)
    except FilmcliError as exc:
        exc.path = str(path)
        raise
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark_line(mark, text) if mark else None
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        what = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "?"
        _fail(f"YAML tag {what} is not allowed (it would construct an object)", path, line, "FC005")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark_line(mark, text) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        _fail(f"YAML syntax error: {problem}", path, line, "FC003")
    except yaml.reader.ReaderError as exc:
        # A control character YAML refuses: name it and its line, on one line of text.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = 2 + text.count("\n", 0, at) if at >= 0 else None
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "?"
        _fail(f"YAML does not allow the character {code} ({exc.reason})", path, line, "FC003")
    except yaml.YAMLError as exc:
        _fail(
            f"YAML error: {str(exc).splitlines()[0] if str(exc) else 'invalid YAML'}",
            path,
            None,
            "FC003",
        )
    except RecursionError:
        _fail("front matter is nested too deeply", path, None, "FC003")
    finally:
        loader.dispose()
        _COUNTER[0] = None  # never keep a post's text past its reading
    if not isinstance(data, dict):
        _fail("front matter is not a mapping of keys to values", path, 2, "FC003")
    lines: dict = {}
    for key_node, _ in node.value:
        lines[key_node.value] = mark_line(key_node.start_mark, text)
    _COUNTER[0] = None
    if notes is not None:
        notes.extend(loader.notes)
    return data, lines


def parse_bytes(
    data: bytes, path: Path, *, keep: bool = True, stamp: tuple | None = None
) -> RawPost:
    """Parse a whole post held in memory.

    `keep=False` is for posts read from their file: the poster keeps only the
    offsets of its base64 text (and the facts learnt while it was at hand), so
    holding thousands of posts never holds thousands of posters. `stamp` (atomic.stamp
    of the file `data` was read from) lets the poster check, when it reads its text
    again, that the file is still that one.
    """
    if keep:
        stamp = None
    try:
        if data[:4] == b"---\n":
            try:
                raw = _parse_fast(data, path, keep, stamp)
            except (UnicodeDecodeError, ValueError):
                raw = None
            if raw is not None:
                return raw
        return _parse_reference(data, path, keep, stamp)
    except MemoryError:
        pass  # out of the frames that hold the big values before anything else is made
    _out_of_memory(path)


def _out_of_memory(path: Path) -> NoReturn:
    # FC009 like any failed read: never cached, since it depends on the machine, not the post
    _fail(
        "not enough memory to read this post",
        path,
        None,
        "FC009",
        hint="raise the memory limit, or make the post smaller",
    )


# --- the fast path -----------------------------------------------------------
#
# Most posts are written the way filmcli writes them: `key: value` lines whose
# values are double-quoted strings without escapes, small integers, dates or
# plain words, with the poster on one line. For those a line-by-line reading
# gives exactly what YAML gives at a fraction of its cost; any line that is not
# of that shape (comments, nesting, escapes, CRLF, tabs...) sends the whole
# post to the YAML path, which is the reference.

_FAST_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*):"
    r"(?: +(?:"
    r'"([^"\\\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]*)"'
    r"|(0|[1-9][0-9]{0,17})"
    r"|([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"|([A-Za-z][A-Za-z0-9_.'-]*(?: [A-Za-z0-9_.'-]+)*)"
    r"))? *"
)
# Words YAML 1.1 reads as booleans or null (and a few more, to be safe).
_RESERVED = frozenset(("yes", "no", "true", "false", "on", "off", "null", "y", "n", "nan", "inf"))


#: lines longer than this go to YAML: the regex's backtracking stack grows with the words
#: of a plain value (677 MB for a 6 MB title line), YAML's scanner does not
FAST_MAX_LINE = 4096


def _fast_lines(text: str, first_line: int, front: dict, lines: dict) -> bool:
    """Read `key: value` lines into `front`; False when any line needs real YAML."""
    if not text:
        return True
    if text.count("\n") > MAX_TOKENS // 8:
        return False  # near the YAML path's token bound: let it decide, and say so
    number = first_line
    match_line = _FAST_LINE.fullmatch
    for line in text.split("\n")[:-1]:
        if len(line) > FAST_MAX_LINE:
            return False
        found = match_line(line)
        if found is None:
            return False
        key, quoted, integer, year, month, day, plain = found.groups()
        if key in lines or key.lower() in _RESERVED:
            return False
        if quoted is not None:
            value = quoted
        elif integer is not None:
            value = int(integer)
        elif year is not None:
            value = _dt.date(int(year), int(month), int(day))
        elif plain is not None:
            if plain.lower() in _RESERVED:
                return False
            value = plain
        else:
            value = None
        front[key] = value
        lines[key] = number
        number += 1
    return True


def _parse_fast(data: bytes, path: Path, keep: bool, stamp: tuple | None = None) -> RawPost | None:
    """The common shape read without YAML, or None to take the reference path."""
    # Find the poster line first: searching for the closing fence across the
    # base64 text would cost more than everything else here.
    start = data.find(b"\nposter: data:", 3)
    if start >= 0 and data.find(b"\n---", 3, start + 1) >= 0:
        start = -1  # the front matter closed before it: the line is in the body
    if start < 0:
        close = data.find(b"\n---", 3)
        if close < 0 or data[close + 4 : close + 5] != b"\n" or close > MAX_YAML_BYTES:
            return None
        head_bytes, tail_bytes, poster = data[4 : close + 1], b"", None
        if b"\r" in head_bytes:
            return None
        head = head_bytes.decode("utf-8")
        poster_line = 0
    else:
        if data.find(b"\nposter:", 3, start) >= 0:
            return None  # an earlier poster key: let YAML say what is wrong
        value = start + 9
        eol = data.find(b"\n", value)
        if eol < 0:
            return None
        close = data.find(b"\n---", eol)
        if (
            close < 0
            or data[close + 4 : close + 5] != b"\n"
            or start + close - eol > MAX_YAML_BYTES
        ):
            return None
        if data.find(b"\r", 3, close) >= 0 or data[eol + 1 : eol + 2] in (b" ", b"\t"):
            return None
        head = data[4 : start + 1].decode("utf-8")
        tail_bytes = data[eol + 1 : close + 1]
        poster_line = 2 + head.count("\n")
        poster = _cut_poster(data, value, eol, path, keep, poster_line, stamp)
        if poster is None:
            return None
    front: dict = {}
    lines: dict = {}
    if not _fast_lines(head, 2, front, lines):
        return None
    if poster is not None:
        if "poster" in lines:
            return None
        front["poster"] = poster
        lines["poster"] = poster_line
        if not _fast_lines(tail_bytes.decode("utf-8"), poster_line + 1, front, lines):
            return None
    if not front:
        return None  # empty front matter: YAML's answer (None) is the reference
    if poster is None and isinstance(front.get("poster"), str):
        return None  # a quoted or path poster: the reference path makes the Poster
    body = data[close + 5 :].decode("utf-8")
    gap = ""
    if body.startswith("\r\n"):
        gap, body = "\r\n", body[2:]
    elif body.startswith("\n"):
        gap, body = "\n", body[1:]
    return RawPost(path, front, body, lines, gap, 2 + len(lines))


def _parse_reference(
    data: bytes, path: Path, keep: bool = True, stamp: tuple | None = None, *, cut: bool = True
) -> RawPost:
    """Any post YAML accepts: BOM, CRLF, odd fences, folded posters, comments, nesting.

    `cut=False` gives the whole front matter to YAML, the poster line included: the
    reference that the cut (and the fast path) must give exactly."""
    yaml_start, yaml_end, body_start, _ = split(data, path)
    fm = data[yaml_start:yaml_end]
    poster = None
    found = _POSTER_LINE.search(fm) if cut else None
    if found:
        value_start = found.end()
        eol = fm.find(b"\n", value_start)
        eol = len(fm) if eol < 0 else eol
        value_end = eol - 1 if eol > value_start and fm[eol - 1 : eol] == b"\r" else eol
        # Only a plain one-line value qualifies; folded or odd ones go through YAML.
        one_line = fm[eol + 1 : eol + 2] not in (b" ", b"\t")
        if one_line and found.group().endswith(b": "):
            line = 2 + fm.count(b"\n", 0, found.start())
            poster = _cut_poster(
                data, yaml_start + value_start, yaml_start + value_end, path, keep, line, stamp
            )
        if poster is not None:
            _check_yaml_size(len(fm) - (value_end - value_start), path)
            fm = fm[:value_start] + fm[value_end:]
    _check_yaml_size(len(fm), path)
    text = _decode(fm, path, 2)
    notes: list = []
    try:
        front, lines = load_yaml(text, path, cut_line=poster.line if poster else None, notes=notes)
    except FilmcliError:
        if poster is None:
            raise
        front, lines = {}, {}
    if poster is not None and lines.get("poster") != poster.line:
        # The `poster: data:` line was inside another value (a quoted string running over
        # several lines), not a key of its own, or what follows it would have been read
        # differently with the value in place: read the front matter as YAML, whole.
        poster = None
        _check_yaml_size(yaml_end - yaml_start, path)
        notes = []
        front, lines = load_yaml(_decode(data[yaml_start:yaml_end], path, 2), path, notes=notes)
    if poster is not None:
        front["poster"] = poster
    elif isinstance(front.get("poster"), str):
        try:
            front["poster"] = Poster.from_value(front["poster"], line=lines.get("poster"))
        except FilmcliError as exc:
            exc.path = str(path)
            raise
    body_bytes = data[body_start:]
    body = _decode(body_bytes, path, 2 + data.count(b"\n", yaml_start, body_start))
    gap = ""
    if body.startswith("\r\n"):
        gap, body = "\r\n", body[2:]
    elif body.startswith("\n"):
        gap, body = "\n", body[1:]
    fm_lines = data.count(b"\n", 0, body_start)
    return RawPost(path, front, body, lines, gap, fm_lines, notes)


def read_bytes(
    path: str | os.PathLike, *, max_bytes: int | None = None, dir_fd: int | None = None
) -> bytes:
    """A post file's bytes, read with as few system calls as `cat` makes."""
    return read_stamped(path, max_bytes=max_bytes, dir_fd=dir_fd)[0]


def read_stamped(
    path: str | os.PathLike, *, max_bytes: int | None = None, dir_fd: int | None = None
) -> tuple[bytes, tuple]:
    """(bytes, atomic.stamp) of a post file: the stamp is of the file the bytes came from
    (taken before reading, so a write during the read shows as a change later)."""
    from filmcli.model.files import stamp

    try:
        # O_NONBLOCK: a named pipe in the posts folder must not hang the command.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), dir_fd=dir_fd)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                _fail("not a regular file", Path(path), None, "FC009")
            data = os.read(fd, _CHUNK)
            if len(data) == _CHUNK:
                parts = [data]
                total = _CHUNK
                while True:
                    if max_bytes is not None and total > max_bytes:
                        size = os.fstat(fd).st_size
                        _fail(
                            f"post is {size:,} bytes, over the limit of {max_bytes:,}",
                            Path(path),
                            None,
                            "FC008",
                        )
                    more = os.read(fd, 1 << 20)
                    if not more:
                        break
                    parts.append(more)
                    total += len(more)
                data = b"".join(parts)
        except MemoryError:
            parts, data = [], b""  # let the big values go before failing
            _out_of_memory(Path(path))
        finally:
            os.close(fd)
    except IsADirectoryError:
        _fail("is a folder, not a post file", Path(path), None, "FC009")
    except FileNotFoundError:
        _fail("no such file", Path(path), None, "FC009")
    except OSError as exc:
        _fail(f"cannot read: {exc.strerror or exc}", Path(path), None, "FC009")
    if max_bytes is not None and len(data) > max_bytes:
        _fail(
            f"post is {len(data):,} bytes, over the limit of {max_bytes:,}",
            Path(path),
            None,
            "FC008",
        )
    return data, stamp(st)


def read_post(path: str | os.PathLike, *, max_bytes: int | None = None) -> RawPost:
    path = Path(path)
    data, st = read_stamped(path, max_bytes=max_bytes)
    return parse_bytes(data, path, keep=False, stamp=st)
