"""Writing records as JSON, JSON Lines, CSV, TSV or bare paths, for scripts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import TextIO

MACHINE_FORMATS = ("json", "jsonl", "csv", "tsv", "paths")


#: C0 and C1 control characters (but newline and tab) shown as `\x1b`: text from a post
#: must never reach a terminal as escape sequences (colour changes, window titles...).
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c not in (9, 10)}


def visible(text: str) -> str:
    """`text` with control characters made visible, for output meant for people."""
    return text.translate(_CONTROLS)


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
        from .poster import human_bytes

        _HUMAN.append(human_bytes)
    return _HUMAN[0]


def tsv_escape(text: str) -> str:
    """Keep each record on one line and each cell in one column."""
    if "\\" not in text and "\t" not in text and "\n" not in text and "\r" not in text:
        return text
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def tsv_row(record: dict, fields: Sequence[str]) -> str:
    """One record as a TSV line (without its newline)."""
    return "\t".join([tsv_escape(cell_text(record.get(f))) for f in fields])


def dumps_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def write_records(out: TextIO, records: Sequence[dict], fmt: str, fields: Sequence[str],
                  *, header: bool = True, null: bool = False) -> None:
    """Write `records` (restricted to `fields`, in that order) in one machine format."""
    if fmt == "json":
        out.write(dumps_json([{f: r.get(f) for f in fields} for r in records]) + "\n")
    elif fmt == "jsonl":
        for r in records:
            out.write(json.dumps({f: r.get(f) for f in fields}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        if header:
            writer.writerow(fields)
        for r in records:
            writer.writerow([cell_text(r.get(f)) for f in fields])
    elif fmt == "tsv":
        if header:
            out.write("\t".join(fields) + "\n")
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


def render_records(records: Iterable[dict], fmt: str, fields: Sequence[str], **kw) -> str:
    buf = io.StringIO()
    write_records(buf, list(records), fmt, fields, **kw)
    return buf.getvalue()
