"""Writing records as JSON, JSON Lines, CSV, TSV or bare paths, for scripts."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

from filmcli.text import _escape_of


def cell_text(value) -> str:
    """One cell as text: summaries for posters, JSON for lists and mappings."""
    kind = type(value)
    if kind is str:  # the common cases first (bool is its own type, not int)
        return value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, dict) and "source" in value:
        if value.get("source") != "data":
            return str(value.get("value") or "")
        parts = [value.get("format") or "?"]
        if value.get("width"):
            parts.append(f"{value['width']}×{value['height']}")
        if value.get("bytes") is not None:
            parts.append(_human_bytes()(value["bytes"]))
        return " ".join(parts)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_HUMAN: list = []


def _human_bytes():
    """poster.human_bytes, imported once (formats stays importable without the core)."""
    if not _HUMAN:
        from filmcli.model.poster import human_bytes

        _HUMAN.append(human_bytes)
    return _HUMAN[0]


#: TSV/plain cells: a backslash, then every control character, as backslash escapes
#: (unambiguous, as the backslash itself is escaped).
_TSV = {0x5C: "\\\\"} | {c: _escape_of(c) for c in (*range(0x20), *range(0x7F, 0xA0))}
_TSV_RE = re.compile("[\\\\\x00-\x1f\x7f-\x9f]")


def tsv_escape(text: str) -> str:
    """Keep each record on one line and each cell in one column, with no raw controls."""
    if _TSV_RE.search(text) is None:
        return text
    return text.translate(_TSV)


#: CSV cells: newlines, tabs and carriage returns are CSV's own (quoted); other controls
#: are shown as `\x1b` (a CSV cell has no escape of its own).
_CSV = {c: _escape_of(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if c not in (9, 10, 13)}
_CSV_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: OWASP's CSV injection advice: a cell a spreadsheet would run as a formula is
#: prefixed with `'`.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def data_controls(text: str) -> str:
    r"""Data text with its C0/C1 controls but newline, tab and CR as `` (CSV cells,
    GitHub workflow commands); every other character, a file name's too, kept exact."""
    return text.translate(_CSV) if _CSV_RE.search(text) else text


def csv_cell(text: str, *, safe: bool = False) -> str:
    """One CSV cell: no raw control characters; with `safe`, no formula either."""
    text = data_controls(text)
    if safe and text.startswith(FORMULA_START):
        text = "'" + text
    return text


def tsv_row(record: dict, fields: Sequence[str]) -> str:
    """One record as a TSV line (without its newline)."""
    return "\t".join([tsv_escape(cell_text(record.get(f))) for f in fields])


#: Characters JSON may carry raw but a terminal or a JavaScript parser must not see:
#: json.dumps(ensure_ascii=False) escapes C0 but leaves DEL, C1 and U+2028/9 raw.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_safe(text: str) -> str:
    """JSON text with DEL, C1 and U+2028/9 as \\u escapes: the same JSON, nothing raw.

    Such characters only occur inside JSON strings, where the escape means the same.
    """
    if _JSON_RAW.search(text) is None:
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(obj):
    """`obj` with NaN and infinities as the text "NaN", "Infinity", "-Infinity"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if obj != obj else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def dumps_json(obj, *, indent: int | None = 2) -> str:
    """Strict JSON: no NaN/Infinity (they become text), no raw C1 or U+2028/9."""
    try:
        text = json.dumps(obj, ensure_ascii=False, indent=indent, allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere (YAML's .nan, .inf)
        text = json.dumps(_finite(obj), ensure_ascii=False, indent=indent, allow_nan=False)
    return json_safe(text)


def write_records(
    out: TextIO,
    records: Sequence[dict],
    fmt: str,
    fields: Sequence[str],
    *,
    header: bool = True,
    null: bool = False,
    csv_safe: bool = False,
) -> None:
    """Write `records` (restricted to `fields`, in that order) in one machine format."""
    if fmt == "json":
        out.write(dumps_json([{f: r.get(f) for f in fields} for r in records]) + "\n")
    elif fmt == "jsonl":
        for r in records:
            out.write(dumps_json({f: r.get(f) for f in fields}, indent=None) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        if header:
            writer.writerow([csv_cell(f, safe=csv_safe) for f in fields])
        for r in records:
            writer.writerow([csv_cell(cell_text(r.get(f)), safe=csv_safe) for f in fields])
    elif fmt == "tsv":
        if header:
            out.write("\t".join(map(tsv_escape, fields)) + "\n")
        write_lines(out, (tsv_row(r, fields) for r in records))
    elif fmt == "paths":
        end = "\0" if null else "\n"
        for r in records:
            out.write(str(r["path"]) + end)
    else:  # pragma: no cover - the CLI checks the choice
        raise ValueError(fmt)


def write_lines(out: TextIO, lines: Iterable[str]) -> None:
    """Lines (without newlines) in a few large writes rather than one per line."""
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= 1024:
            out.write("\n".join(block) + "\n")
            block = []
    if block:
        out.write("\n".join(block) + "\n")
