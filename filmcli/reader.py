"""Reading a post file: split the front matter on bytes, keep the poster out of YAML.

The poster line is almost all of a post's bytes. Recognising a single-line
`poster: data:...` value and handing YAML only the rest is what makes reading
a whole library cost little more than reading its files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import FilmcliError
from .poster import Poster

BOM = b"\xef\xbb\xbf"
_POSTER_LINE = re.compile(rb"^poster:[ \t]*(?=data:)", re.M)
_CLOSE = re.compile(rb"\n---[ \t]*(?:\r?\n|\Z)")
_OPEN = re.compile(rb"---[ \t]*\r?\n")

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, minus what YAML allows but a post should never hold."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise FilmcliError("a mapping key is not a plain value",
                                   line=key_node.start_mark.line + 2, rule="FC003") from None
            if key in seen:
                raise FilmcliError(
                    f"duplicate key {key!r} (first on line {seen[key]}); YAML keeps only the last",
                    line=key_node.start_mark.line + 2, rule="FC004")
            seen[key] = key_node.start_mark.line + 2
        return super().construct_mapping(node, deep=deep)


@dataclass
class RawPost:
    """What a post file holds, before any meaning is given to it."""

    path: Path
    front_matter: dict
    body: str
    lines: dict = field(default_factory=dict)  # key -> 1-based line in the file
    gap: str = ""  # the newline between the closing `---` and the body, if any
    fm_lines: int = 0  # lines of the front matter block, fences included


def _fail(msg: str, path: Path, line: int | None, rule: str, hint: str | None = None):
    raise FilmcliError(msg, path, line, hint=hint, rule=rule)


def split(data: bytes, path: Path) -> tuple[int, int, int, int]:
    """Offsets (yaml_start, yaml_end, body_start, bom) of the front matter in `data`."""
    bom = 3 if data.startswith(BOM) else 0
    opened = _OPEN.match(data, bom)
    if not opened:
        _fail("no front matter: a post must start with a '---' line", path, 1, "FC001",
              hint="add a '---' line, the YAML keys, and a closing '---' line")
    yaml_start = opened.end()
    closed = _CLOSE.search(data, yaml_start - 1)
    if not closed:
        _fail("front matter is not closed: no '---' line after the opening one", path, 1,
              "FC002")
    return yaml_start, closed.start() + 1, closed.end(), bom


def _decode(chunk: bytes, path: Path, line_base: int) -> str:
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_base + chunk.count(b"\n", 0, exc.start)
        _fail("not valid UTF-8 text", path, line, "FC007")


def _check_anchors(text: str, path: Path) -> None:
    """Refuse anchors and aliases before anything is built from them (alias bombs)."""
    try:
        for token in yaml.scan(text, Loader=_BaseLoader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                kind = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                _fail(f"YAML {kind} '{token.value}' is not allowed in front matter", path,
                      token.start_mark.line + 2, "FC006")
    except yaml.YAMLError:
        return  # the parse proper reports syntax errors with their line


def load_yaml(text: str, path: Path) -> tuple[dict, dict]:
    """Safe-load the front matter; return the mapping and each top-level key's file line."""
    if "&" in text or "*" in text:
        _check_anchors(text, path)
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        if not isinstance(node, yaml.MappingNode):
            _fail("front matter is not a mapping of keys to values", path,
                  node.start_mark.line + 2, "FC003")
        data = loader.construct_document(node)
    except FilmcliError as exc:
        exc.path = str(path)
        raise
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else None
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        what = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "?"
        _fail(f"YAML tag {what} is not allowed (it would construct an object)", path, line,
              "FC005")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        _fail(f"YAML syntax error: {problem}", path, line, "FC003")
    except yaml.YAMLError as exc:
        _fail(f"YAML error: {exc}", path, None, "FC003")
    except RecursionError:
        _fail("front matter is nested too deeply", path, None, "FC003")
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        _fail("front matter is not a mapping of keys to values", path, 2, "FC003")
    lines: dict = {}
    for key_node, _ in node.value:
        lines.setdefault(key_node.value, key_node.start_mark.line + 2)
    return data, lines


def parse_bytes(data: bytes, path: Path) -> RawPost:
    """Parse a whole post held in memory (the reference path: slow posters included)."""
    yaml_start, yaml_end, body_start, _ = split(data, path)
    fm = data[yaml_start:yaml_end]
    poster = None
    found = _POSTER_LINE.search(fm)
    if found:
        value_start = found.end()
        eol = fm.find(b"\n", value_start)
        eol = len(fm) if eol < 0 else eol
        value_end = eol - 1 if eol > value_start and fm[eol - 1 : eol] == b"\r" else eol
        value = fm[value_start:value_end]
        next_line = fm[eol + 1 : eol + 2]
        comma = value.find(b",")
        # Only a plain one-line value qualifies; folded or odd ones go through YAML.
        one_line = next_line not in (b" ", b"\t")
        if comma > 0 and b" " not in value and b"\t" not in value and one_line:
            line = 2 + fm.count(b"\n", 0, found.start())
            poster = Poster.from_file_span(
                value[:comma], path,
                (yaml_start + value_start + comma + 1, yaml_start + value_end),
                value[comma + 1 :], line)
            fm = fm[:value_start] + fm[value_end:]
    text = _decode(fm, path, 2)
    front, lines = load_yaml(text, path)
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
    return RawPost(path, front, body, lines, gap, fm_lines)


def read_post(path: str | Path, *, max_bytes: int | None = None) -> RawPost:
    path = Path(path)
    try:
        if max_bytes is not None:
            size = path.stat().st_size
            if size > max_bytes:
                _fail(f"post is {size:,} bytes, over the limit of {max_bytes:,}", path, None,
                      "FC008")
        data = path.read_bytes()
    except IsADirectoryError:
        _fail("is a folder, not a post file", path, None, "FC009")
    except FileNotFoundError:
        _fail("no such file", path, None, "FC009")
    except OSError as exc:
        _fail(f"cannot read: {exc.strerror or exc}", path, None, "FC009")
    return parse_bytes(data, path)
