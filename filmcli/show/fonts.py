"""Fonts for text drawn into images (the wall's titles): one that has the text's script.

The wall's own font (DejaVu, see wall.FONT_NAMES) has Latin, Cyrillic, Greek, Arabic...
but no CJK: `七人の侍` came out as boxes. For a text with characters the font lacks, the
chooser asks fontconfig (`fc-match`, when installed) for a font that has them, with a
language hint for kana (ja) and hangul (ko), checks that the font really has them, and
draws the text with it. Text no installed font can show is drawn with the usual font and
recorded in `missing`, so the caller can say so once.

A character is "in" a font when the font draws it differently from a character no font
has (U+10FFFD, private use): the .notdef box every missing glyph becomes.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

_NOWHERE = "\U0010fffd"
#: fontconfig is asked at most this often per chooser: a library of titles in scripts no
#: font has costs a few lookups, not one process per title.
MAX_QUERIES = 16


def _drawn_alone(ch: str) -> bool:
    """Spaces, marks, controls and format characters: drawn with their neighbours."""
    return ch.isspace() or unicodedata.category(ch)[0] in "MCZ"


def _lang(chars) -> str | None:
    for ch in chars:
        name = unicodedata.name(ch, "")
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return "ja"
        if name.startswith("HANGUL"):
            return "ko"
    return None


class FontChooser:
    """`chooser.face(text)`: the font at `size` px that draws `text` (see the module)."""

    def __init__(self, base, size: int, *, bold: bool = False):
        self.base = base  # the usual face (a PIL FreeTypeFont, or Pillow's default)
        self.size = size
        self.bold = bold
        self.fallbacks: list = []  # faces found so far, tried in order
        self._has: dict[tuple[int, str], bool] = {}
        self._notdef: dict[int, tuple] = {}  # (size, bytes) of the face's ".notdef" mask
        self._asked: dict[frozenset, object] = {}
        self._queries = 0
        self.missing: list[str] = []  # texts no font could show

    def _covers(self, face, ch: str) -> bool:
        key = (id(face), ch)
        if key not in self._has:
            try:
                if id(face) not in self._notdef:
                    blank = face.getmask(_NOWHERE)
                    self._notdef[id(face)] = (blank.size, bytes(blank))
                mask = face.getmask(ch)
                self._has[key] = (mask.size, bytes(mask)) != self._notdef[id(face)]
            except Exception:  # a face that cannot draw it at all
                self._has[key] = False
        return self._has[key]

    def _lacking(self, face, text: str) -> set[str]:
        return {ch for ch in text if not _drawn_alone(ch) and not self._covers(face, ch)}

    def face(self, text: str):
        lacking = self._lacking(self.base, text)
        if not lacking:
            return self.base
        for face in self.fallbacks:
            if not self._lacking(face, text):
                return face
        found = self._ask(frozenset(lacking))
        if found is not None and not self._lacking(found, text):
            self.fallbacks.append(found)
            return found
        self.missing.append(text)
        return self.base

    def _ask(self, chars: frozenset):
        """fontconfig's best font for these characters, or None."""
        if chars in self._asked:
            return self._asked[chars]
        self._asked[chars] = None
        if self._queries >= MAX_QUERIES or shutil.which("fc-match") is None:
            return None
        self._queries += 1
        pattern = "sans-serif:charset=" + " ".join(f"{ord(c):x}" for c in sorted(chars))
        if self.bold:
            pattern += ":weight=bold"
        lang = _lang(chars)
        if lang:
            pattern += f":lang={lang}"
        try:
            done = subprocess.run(
                ["fc-match", "-f", "%{file}\t%{index}", pattern],
                capture_output=True,
                text=True,
                timeout=10,
            )
            path, _, index = done.stdout.partition("\t")
            from PIL import ImageFont

            face = ImageFont.truetype(path, self.size, index=int(index or 0))
        except (OSError, ValueError, subprocess.SubprocessError):
            return None
        self._asked[chars] = face
        return face


def missing_warning(texts: list[str]) -> str | None:
    """The one warning for texts drawn as boxes, or None."""
    if not texts:
        return None
    unique = list(dict.fromkeys(texts))
    shown = ", ".join(repr(t) for t in unique[:3]) + (", ..." if len(unique) > 3 else "")
    return (
        f"no installed font has the characters of {len(unique)} "
        f"title{'s' * (len(unique) != 1)} ({shown}); they are drawn as boxes "
        "(install a font with them, e.g. Debian's fonts-noto-cjk or fonts-noto)"
    )
