"""Image format and size from the first bytes, without Pillow or decoding pixels.

`list` shows `JPEG 259×194` for thousands of posters; importing Pillow and
opening each one would cost more than reading the library.
"""

from __future__ import annotations

import re
import struct
from contextlib import contextmanager

MIME = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
#: other types a format is registered or commonly served under (APNG is a PNG stream)
MIME_ALIASES = {
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/apng": "PNG",
    "image/vnd.mozilla.apng": "PNG",
    "image/x-ms-bmp": "BMP",
}
EXTENSION = {
    "JPEG": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "AVIF": "avif",
    "BMP": "bmp",
    "TIFF": "tif",
}


def sniff_format(head: bytes) -> str | None:
    """The real format from magic bytes, whatever the MIME type claims."""
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "AVIF"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        b = data[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return w, h
    if chunk == b"VP8X" and len(data) >= 30:
        w = 1 + int.from_bytes(data[24:27], "little")
        h = 1 + int.from_bytes(data[27:30], "little")
        return w, h
    return None


def image_size(fmt: str | None, data: bytes) -> tuple[int, int] | None:
    """Width and height read from the header, or None when the header is not there."""
    try:
        if fmt == "PNG" and len(data) >= 24 and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if fmt == "GIF" and len(data) >= 10:
            return struct.unpack("<HH", data[6:10])
        if fmt == "JPEG":
            return _jpeg_size(data)
        if fmt == "WEBP":
            return _webp_size(data)
        if fmt == "BMP" and len(data) >= 26:
            (header,) = struct.unpack("<I", data[14:18])
            if header == 12:  # OS/2 1.x BITMAPCOREHEADER: 16-bit width and height
                return struct.unpack("<HH", data[18:22])
            w, h = struct.unpack("<ii", data[18:26])
            return w, abs(h)
    except struct.error:
        return None
    return None


def pillow_size(data: bytes) -> tuple[str | None, tuple[int, int] | None]:
    """Ask Pillow (header only, no pixels) for formats we do not parse by hand."""
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                return im.format, im.size
    except Exception:  # Pillow raises many types for junk; all mean "unknown"
        return None, None


# --- decoding without chatter ---------------------------------------------------------

#: What a libtiff line starts with before its message: the name Pillow gave the data.
_LIBTIFF_NAME = re.compile(
    r"^(?:tempfile\.tif|<_io\.BytesIO object at 0x[0-9a-f]+>|[^:]*\.tif):"
    r"\s*"
)
_NOTES_MAX = 4096  # bytes of libtiff's messages kept per decode


class Notes(list):
    """What the decoders said during a decode, as short lines."""

    def suffix(self) -> str:
        """`; libtiff: ...` (the first note), to end an error's parenthesis with, or ``."""
        return f"; {self[0]}" if self else ""


@contextmanager
def decoding(data: bytes):
    """Decode inside this: Pillow's warnings and libtiff's lines are caught, not printed.

    A DecompressionBombWarning is raised (callers refuse bombs). Other Pillow warnings
    ("Corrupt EXIF data", with site-packages paths) are recorded; Pillow's log records
    are dropped. libtiff writes its warnings and errors from C straight to fd 2 (its
    handler cannot be set from Python), so for a TIFF (the only format Pillow hands to
    libtiff), fd 2 points at a temporary file during the decode and what libtiff wrote
    (at most 4 kB) becomes notes; another thread's stderr output in that moment (a
    progress bar) is held back too. Yields the Notes, filled on exit.
    """
    import warnings

    from PIL import Image

    _quiet_pil_logging()
    notes = Notes()
    tiff = bytes(data[:4]) in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")
    lines: list[str] = []
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
            if tiff:
                with _capture_fd2(lines):
                    yield notes
            else:
                yield notes
    finally:
        for line in lines:
            text = _LIBTIFF_NAME.sub("", line).strip()
            if text:
                notes.append(f"libtiff: {text}")
        for warning in caught:
            text = " ".join(str(warning.message).split())
            if text:
                notes.append(f"Pillow: {text}")


_QUIET: list = []


def _quiet_pil_logging() -> None:
    """Pillow's log records never reach stderr through logging's last-resort handler."""
    if not _QUIET:
        import logging

        logging.getLogger("PIL").addHandler(logging.NullHandler())
        logging.getLogger("PIL").propagate = False
        _QUIET.append(True)


@contextmanager
def _capture_fd2(lines: list[str]):
    """fd 2 into a temporary file for the block; what it held is added to `lines`."""
    import os
    import sys
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no fd 2 to take: nothing to capture
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read(_NOTES_MAX).decode("utf-8", "replace")
            # a progress bar another thread drew meanwhile (escapes, \r) is not libtiff's
            lines.extend(
                line
                for line in text.splitlines()
                if line.strip() and "\x1b" not in line and "\r" not in line
            )


#: The names `posters.format` (and `--format`) accept, and Pillow's name for each.
FORMAT_NAMES = {
    "jpeg": "JPEG",
    "jpg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "avif": "AVIF",
}
