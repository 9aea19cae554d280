"""Writing YAML scalars by hand so every value reads back as exactly the same value.

PyYAML's dumper would do, but its choice of quoting is not the seed post's
(`title: "Her"`), and a byte-stable form is what makes round trips exact.
"""

from __future__ import annotations

import datetime as _dt
import re

from filmcli.errors import FilmcliError

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
_YAML11_WORDS = {
    "y",
    "n",
    "yes",
    "no",
    "on",
    "off",
    "true",
    "false",
    "null",
    "nan",
    "inf",
}


def _printable(ch: str) -> bool:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return False
    if 0xD800 <= code <= 0xDFFF or code in (0xFEFF, 0xFFFE, 0xFFFF, 0x2028, 0x2029):
        return False
    return True


def quote(text: str) -> str:
    """A YAML double-quoted scalar that loads back as `text`, byte for byte."""
    if "\x00" in text:
        raise FilmcliError("text contains a NUL character, which a post cannot hold")
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        else:  # the rest not printable is in the BMP: every character above it is
            out.append(f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


def plain_or_quoted(text: str) -> str:
    """Plain when YAML cannot misread it (`post`), quoted otherwise (`"Yes"`, `"1917"`)."""
    if _PLAIN.match(text) and text.lower() not in _YAML11_WORDS and text[0] != "_":
        return text
    return quote(text)


def scalar(value, *, plain: bool = False) -> str:
    """Render one front-matter value; `plain` lets safe strings go unquoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 reads `1e+300` as text: its floats need a dot before the exponent.
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    if isinstance(value, str):
        return plain_or_quoted(value) if plain else quote(value)
    import json

    # Lists and mappings: JSON is valid YAML flow style and round-trips exactly.
    return json.dumps(value, ensure_ascii=False, default=str)
