"""Image format and size from the first bytes, without Pillow or decoding pixels.

`list` shows `JPEG 259×194` for thousands of posters; importing Pillow and
opening each one would cost more than reading the library.
"""

from __future__ import annotations

import struct

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
MIME_ALIASES = {"image/jpg": "JPEG", "image/pjpeg": "JPEG", "image/apng": "PNG",
                "image/vnd.mozilla.apng": "PNG", "image/x-ms-bmp": "BMP"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif",
             "BMP": "bmp", "TIFF": "tif"}


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
