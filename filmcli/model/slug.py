"""Slugs: the filesystem-safe name part of `YYYY-MM-DD-slug.md`, stable for a given title."""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG_BYTES = 100
_UNSAFE = set('/\\:*?"<>|')
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}
# Letters NFKD does not decompose into ASCII.
_EXTRA = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "þ": "th",
        "Þ": "th",
        "ð": "d",
        "Ð": "d",
        "ı": "i",
        "&": " and ",
    }
)


def _ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _truncate(slug: str, limit: int = MAX_SLUG_BYTES) -> str:
    data = slug.encode("utf-8")[:limit]
    return data.decode("utf-8", "ignore").strip("-")


def fit_slug(base: str, suffix: str = "") -> str:
    """`base` + `suffix`, `base` cut (at a character) so the whole stays within
    MAX_SLUG_BYTES: a slug filmcli makes always passes `slug_problem`."""
    room = MAX_SLUG_BYTES - len(suffix.encode("utf-8"))
    if len(base.encode("utf-8")) <= room:
        return base + suffix
    return (_truncate(base, room) or "film") + suffix


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by hyphens; Unicode letters kept when nothing is Latin.

    `Amélie` -> `amelie`; `七人の侍` -> `七人の侍`; a title with no letters at
    all gets `film-<hash>`, so every title has a stable, safe slug.
    """
    folded = _ascii_fold(title).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    if not re.search(r"[a-z]", slug):
        # No Latin letters: keep the Unicode word characters instead of losing them.
        words = re.findall(r"\w+", unicodedata.normalize("NFC", title).lower())
        unicode_slug = "-".join(words).replace("_", "-").strip("-")
        if unicode_slug and not unicode_slug.isascii():
            slug = unicode_slug
    slug = _truncate(slug)
    if not slug:
        slug = "film-" + hashlib.sha1(title.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if slug.split(".")[0] in _WINDOWS_RESERVED:
        slug += "-film"
    return slug


def slug_problem(slug: str) -> str | None:
    """Why `slug` is unsafe as a filename part, or None when it is fine.

    The one slug rule of `new --slug`, `add` and `validate`: the slug is the part of
    `YYYY-MM-DD-slug.md` between the date and the extension (the date never counts
    towards MAX_SLUG_BYTES). A slug may end in dots: `trailing-dots...markdown` is a
    fine file name (the extension follows them).
    """
    if not slug:
        return "the slug is empty"
    bad = sorted({ch for ch in slug if ch in _UNSAFE or unicodedata.category(ch)[0] == "C"})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        return f"the slug contains characters not allowed in file names: {shown}"
    if slug.startswith("."):
        return "the slug starts with a dot"
    if slug != slug.strip():
        return "the slug starts or ends with a space"
    if slug.split(".")[0].lower() in _WINDOWS_RESERVED:
        return f"{slug!r} is a reserved file name on Windows"
    if len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        return f"the slug is longer than {MAX_SLUG_BYTES} bytes"
    return None


POST_SUFFIXES = (".md", ".markdown")
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}(?:-(.*))?\Z", re.S)


def name_slug(name: str) -> str:
    """The slug of a post file name: `2013-12-18-her.md` -> `her`; the stem when the name
    has no date (`notes.md` -> `notes`), or the date itself (`2024-02-22.md`)."""
    stem = name.rsplit(".", 1)[0]
    match = _DATED.match(stem)
    return match.group(1) if match and match.group(1) is not None else stem


def post_name_problem(name: str) -> str | None:
    """Why `name` cannot be a post's file name (one name, no folder), or None: it ends in
    .md or .markdown and its slug passes `slug_problem`."""
    if "/" in name or "\\" in name:
        return "it names a folder"
    if not name.lower().endswith(POST_SUFFIXES):
        return "a post file name ends in .md or .markdown"
    if name.startswith("."):
        return "the name starts with a dot (Jekyll skips it)"
    return slug_problem(name_slug(name))
