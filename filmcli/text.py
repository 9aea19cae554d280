"""The one escaper: everything from a post, a file name or a setting printed for people
goes through `visible` (machine formats have their own exact escapes in ops.formats)."""

from __future__ import annotations

import re

#: What must never reach a terminal or a log raw: C0 and C1 control characters (escape
#: sequences: colours, window titles, OSC 52 clipboard writes; line breaks that make a
#: CI log run `::error::` workflow commands), DEL, the Unicode line and paragraph
#: separators and the bidirectional overrides (text that reads differently than it is).
_UNSAFE = (
    *range(0x20),
    *range(0x7F, 0xA0),
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def _escape_of(c: int) -> str:
    return _NAMED.get(c) or (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")


#: For one line of text: every unsafe character escaped, and a file name's undecodable
#: byte (a lone surrogate from os.fsdecode) shown as that byte, `\xff`.
_LINE = {c: _escape_of(c) for c in _UNSAFE} | {
    c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)
}
#: For multi-line text (a review): newlines and tabs kept, the rest as in _LINE.
_BLOCK = {c: e for c, e in _LINE.items() if c not in (0x09, 0x0A)}
_UNSAFE_RE = re.compile("[" + re.escape("".join(map(chr, _UNSAFE))) + "\udc80-\udcff]")


def visible(text, *, lines: bool = False, markup: bool = False) -> str:
    r"""`text` made safe to show people: THE escaper for post data, file names and keys.

    Control characters become `\x1b`, a newline `\n` (so one record stays one line;
    `lines=True` keeps newlines, CRLF line ends and tabs, for a review). `markup=True`
    also escapes rich markup (`[bold]`), for text that rich renders. Anything not text is
    str()-ed first.
    """
    text = text if isinstance(text, str) else str(text)
    if _UNSAFE_RE.search(text):
        if lines:  # a CRLF file's line ends are line ends; a lone CR (overprinting) is not
            text = text.replace("\r\n", "\n").translate(_BLOCK)
        else:
            text = text.translate(_LINE)
    if markup:
        from rich.markup import escape

        text = escape(text)
    return text


def has_controls(text: str) -> bool:
    """Whether `text` holds a character `visible` would escape."""
    return _UNSAFE_RE.search(text) is not None
