"""Turning an image file into a poster fit for a post: upright, no metadata, web-sized.

`prepare_poster` is what `filmcli new` (and `add`, for a poster given as a
file path) runs on the user's image: Pillow applies the EXIF orientation,
drops every metadata block (EXIF with its GPS position, XMP, comments, text
chunks; an ICC profile is converted to sRGB first so the colours stay),
shrinks the picture to `poster.max_width` only when it is wider, and encodes it
again in its own format unless `poster.format` asks for another one.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from pathlib import Path

from filmcli.errors import FilmcliError
from filmcli.model.imageinfo import FORMAT_NAMES, MIME, sniff_format
from filmcli.store.config import ValidateSettings

#: Formats every current browser shows; anything else is written as PNG.
WEB_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF")
# What may survive in `Image.info`: how to draw the image, never who or where took it.
_KEEP_INFO = ("transparency", "duration", "loop", "background")


@dataclass
class PreparedPoster:
    data: bytes
    format: str  # "JPEG", "PNG"...
    width: int
    height: int
    source_format: str
    source_size: tuple[int, int]
    resized: bool
    rotated: bool

    @property
    def mime(self) -> str:
        return MIME[self.format]

    @property
    def uri(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode("ascii")

    def describe(self) -> str:
        """`JPEG 400×600, 31.2 kB (was PNG 1200×1800)` for the user's stderr."""
        from filmcli.model.poster import human_bytes

        text = f"{self.format} {self.width}×{self.height}, {human_bytes(len(self.data))}"
        changes = []
        if self.source_format != self.format:
            changes.append(f"was {self.source_format}")
        if self.resized:
            changes.append(f"shrunk from {self.source_size[0]}×{self.source_size[1]}")
        if self.rotated:
            changes.append("turned upright")
        return text + (f" ({', '.join(changes)})" if changes else "")


def target_format(setting: str | None) -> str | None:
    """`poster.format` from the config: None keeps each image's own format."""
    text = (setting or "").strip().lower()
    if not text or text in ("keep", "same", "original"):
        return None
    if text not in FORMAT_NAMES:
        raise FilmcliError(
            f"poster.format {setting!r} is not a format filmcli can write",
            "filmcli.toml",
            hint="use jpeg, png, webp, gif or avif, or leave it empty to keep "
            "each poster's own format",
        )
    return FORMAT_NAMES[text]


#: an image file bigger than this is no poster (a 64-megapixel PNG is far smaller)
MAX_IMAGE_FILE_BYTES = 100_000_000


def read_image_file(path: str | os.PathLike, *, max_bytes: int = MAX_IMAGE_FILE_BYTES) -> bytes:
    """An image file's bytes: a regular file only (never a FIFO or a device, which could
    hang or never end), opened without blocking, at most `max_bytes`."""
    import re
    import stat

    text = os.fspath(path)
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        raise FilmcliError(
            "a poster must be an image file here, not a URL",
            text,
            hint="download it first, or use --lookup to fetch the film's poster",
        )
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FilmcliError("no such image file", path) from None
    except IsADirectoryError:
        raise FilmcliError("is a folder, not an image file", path) from None
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FilmcliError("is a folder, not an image file", path)
        if not stat.S_ISREG(st.st_mode):
            raise FilmcliError("is not a regular file (a device, a pipe?): not an image file", path)
        if st.st_size > max_bytes:
            raise FilmcliError(
                f"is {st.st_size:,} bytes, over the {max_bytes:,} an image file may have", path
            )
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # it grew while being read
                raise FilmcliError(f"is over the {max_bytes:,} bytes an image file may have", path)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror or exc}", path) from None
    finally:
        os.close(fd)


def prepare_for(
    config, data: bytes, name: str | os.PathLike = "<poster>", *, max_pixels: int | None = None
) -> PreparedPoster:
    """`prepare_poster` with the library's settings: poster.max_width, poster.format and
    validate.max_pixels unless `max_pixels` (what `new --poster`, `set poster=@FILE`,
    lookups and `validate --fix` use)."""
    from filmcli.store.config import settings_of

    settings = settings_of(config)
    return prepare_poster(
        data,
        name=name,
        max_width=settings.poster.max_width,
        fmt=target_format(settings.poster.format),
        max_pixels=max_pixels or settings.validate.max_pixels,
    )


def prepare_poster(
    data: bytes,
    *,
    name: str | os.PathLike = "<poster>",
    max_width: int = 400,
    fmt: str | None = None,
    max_pixels: int = ValidateSettings.max_pixels,
) -> PreparedPoster:
    """Re-encode `data` as a clean poster; FilmcliError (exit 1) for anything not an image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = os.fspath(name)
    if not data:
        raise FilmcliError("the poster file is empty", name)
    from filmcli.model.imageinfo import decoding

    # Pillow's MAX_IMAGE_PIXELS is the program's: `max_pixels` is checked here, from the
    # header, before any pixel is decoded
    with decoding(data) as notes:  # Pillow's and libtiff's chatter: caught, not printed
        try:
            im = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise FilmcliError(
                "not an image (Pillow cannot read it)",
                name,
                hint="give a JPEG, PNG, WebP, GIF or AVIF file",
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise FilmcliError(f"image is over the limit of {max_pixels:,} pixels", name) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise FilmcliError(
                f"image cannot be read ({exc or type(exc).__name__}{notes.suffix()})", name
            ) from None
        source_format = "JPEG" if im.format == "MPO" else (im.format or "?")
        if im.width * im.height > max_pixels:
            raise FilmcliError(
                f"image is {im.width}×{im.height} pixels, over the limit of {max_pixels:,}",
                name,
            )
        try:
            frames, durations, rotated = _load_frames(im, ImageOps, max_pixels)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise FilmcliError(
                f"image cannot be decoded ({exc or type(exc).__name__}{notes.suffix()})", name
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise FilmcliError(f"image is over the limit of {max_pixels:,} pixels", name) from None
    source_size = frames[0].size
    out_format = fmt or (source_format if source_format in WEB_FORMATS else "PNG")
    resized = False
    if max_width and frames[0].width > max_width:
        frames = [_shrink(f, max_width) for f in frames]
        resized = True
    untouched = not resized and not rotated and len(frames) == 1
    try:
        encoded = _encode(
            frames, durations, out_format, im if untouched else None, source_format, im.info
        )
    except (OSError, ValueError, KeyError) as exc:
        raise FilmcliError(f"cannot write the poster as {out_format}: {exc}", name) from None
    real = sniff_format(encoded[:64]) or out_format
    width, height = frames[0].size
    return PreparedPoster(
        encoded, real, width, height, source_format, source_size, resized, rotated
    )


def _load_frames(im, ImageOps, max_pixels: int):
    """Every frame, upright and decoded, in a mode the target formats accept.

    The pixel budget counts frames x width x height: an animation over it keeps only
    its first frame (a poster is a still), so 20 tiny frames on a 4900x4900 canvas
    never cost 20 full canvases."""
    frames = []
    durations = []
    orientation = im.getexif().get(0x0112, 1) if hasattr(im, "getexif") else 1
    rotated = orientation not in (None, 1)
    count = getattr(im, "n_frames", 1) if getattr(im, "is_animated", False) else 1
    if count * im.width * im.height > max_pixels:
        count = 1  # every frame decodes to a whole canvas: over the budget, keep the still
    for index in range(count):
        im.seek(index)
        im.load()
        frame = ImageOps.exif_transpose(im) if rotated else im.copy()
        frames.append(_to_sRGB(frame, im.info.get("icc_profile")))
        durations.append(im.info.get("duration"))
    im.seek(0)
    return frames, durations, rotated


def _to_sRGB(frame, icc: bytes | None):
    """Bake an embedded colour profile into sRGB pixels, so dropping it changes nothing."""
    if not icc or frame.mode not in ("RGB", "RGBA", "L", "CMYK"):
        if frame.mode == "CMYK":
            return frame.convert("RGB")
        return frame
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        mode = {"CMYK": "RGB"}.get(frame.mode, frame.mode if frame.mode != "L" else "RGB")
        if frame.mode == "L" and ImageCms.getProfileName(source).strip().lower().startswith("gray"):
            return frame
        converted = ImageCms.profileToProfile(frame, source, srgb, outputMode=mode)
        return converted if converted is not None else frame
    except Exception:  # a broken profile: keep the pixels as they are
        return frame.convert("RGB") if frame.mode == "CMYK" else frame


def _shrink(frame, max_width: int):
    from PIL import Image

    height = max(1, round(frame.height * max_width / frame.width))
    if frame.mode in ("P", "1"):
        frame = frame.convert("RGBA" if "transparency" in frame.info else "RGB")
    elif frame.mode not in ("RGB", "RGBA", "L", "LA"):
        frame = frame.convert("RGBA" if "A" in frame.mode else "RGB")
    return frame.resize((max_width, height), Image.Resampling.LANCZOS)


def _flatten(frame):
    """JPEG has no alpha: put transparent pixels on white."""
    from PIL import Image

    if frame.mode in ("RGB", "L"):
        return frame
    if frame.mode == "P" and "transparency" not in frame.info:
        return frame.convert("RGB")
    rgba = frame.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _clean_info(frame) -> None:
    frame.info = {k: v for k, v in frame.info.items() if k in _KEEP_INFO}


def _encode(
    frames, durations, out_format: str, original, source_format: str, source_info: dict
) -> bytes:
    buf = io.BytesIO()
    if out_format == "JPEG":
        if (
            original is not None
            and original.format == "JPEG"
            and original.mode in ("RGB", "L")
            and not source_info.get("icc_profile")
        ):
            # Same pixels, same format: reuse the quantisation tables (no extra loss).
            _clean_info(original)
            original.save(buf, "JPEG", quality="keep", subsampling="keep", optimize=True)
            return buf.getvalue()
        frame = _flatten(frames[0])
        _clean_info(frame)
        frame.save(buf, "JPEG", quality=90, optimize=True)
        return buf.getvalue()
    for frame in frames:
        _clean_info(frame)
    options: dict = {}
    if len(frames) > 1 and out_format in ("GIF", "WEBP", "PNG", "AVIF"):
        options.update(save_all=True, append_images=frames[1:])
        if any(durations):
            options["duration"] = [d or 100 for d in durations]
        loop = source_info.get("loop")
        if loop is not None:
            options["loop"] = loop
    if out_format == "PNG":
        options["optimize"] = True
    elif out_format == "WEBP":
        options.setdefault("quality", 90)
    elif out_format == "AVIF":
        options.setdefault("quality", 80)
    first = frames[0]
    if out_format == "GIF" and first.mode not in ("P", "L", "1"):
        first = first.convert("RGBA") if "A" in first.mode else first
    first.save(buf, out_format, **options)
    return buf.getvalue()


# --- images taken byte for byte, when they carry nothing personal -----------------------------

_JPEG_CLEAN_APP = {0xE0, 0xE2, 0xEE}  # JFIF, ICC profile / MPF, Adobe colour transform
_PNG_CLEAN = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"iCCP",
    b"pHYs",
    b"sBIT",
    b"bKGD",
    b"tRNS",
    b"hIST",
    b"acTL",
    b"fcTL",
    b"fdAT",
    b"cICP",
}
_WEBP_CLEAN = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def metadata_blocks(data: bytes) -> list[str]:
    """What an image file carries besides its picture (EXIF with GPS, XMP, IPTC, comments,
    text chunks, bytes after the image), read from its structure without decoding.

    JPEG, PNG and WebP are walked; any other format, or a file that does not walk
    cleanly, gives a non-empty answer too, so the caller cleans it."""
    import struct

    fmt = sniff_format(data[:64])
    found: list[str] = []
    try:
        if fmt == "JPEG":
            i, n = 2, len(data)
            while True:
                if i + 4 > n or data[i] != 0xFF:
                    return ["a damaged JPEG"]
                marker = data[i + 1]
                if marker == 0xFF:
                    i += 1
                    continue
                (length,) = struct.unpack(">H", data[i + 2 : i + 4])
                if (0xE0 <= marker <= 0xEF and marker not in _JPEG_CLEAN_APP) or marker == 0xFE:
                    found.append(
                        "EXIF/XMP"
                        if marker == 0xE1
                        else "comment"
                        if marker == 0xFE
                        else f"APP{marker - 0xE0}"
                    )
                i += 2 + length
                if marker == 0xDA:
                    break
            while True:  # the scans: only restart markers, stuffed bytes, tables, EOI
                i = data.find(b"\xff", i)
                if i < 0 or i + 1 >= n:
                    return found + ["no end of image"]
                marker = data[i + 1]
                if marker in (0x00, 0xFF) or 0xD0 <= marker <= 0xD7:
                    i += 1 if marker == 0xFF else 2
                    continue
                if marker == 0xD9:
                    return found + (["data after the image"] if i + 2 != n else [])
                if (0xE0 <= marker <= 0xEF) or marker == 0xFE:
                    found.append("a block between scans")
                i += 2
        if fmt == "PNG":
            i, n = 8, len(data)
            while i + 8 <= n:
                length, kind = struct.unpack(">I4s", data[i : i + 8])
                if kind not in _PNG_CLEAN:
                    found.append(kind.decode("latin-1"))
                i += 12 + length
                if kind == b"IEND":
                    return found + (["data after the image"] if i != n else [])
            return found + ["no end of image"]
        if fmt == "WEBP":
            (size,) = struct.unpack("<I", data[4:8])
            end = 8 + size
            i = 12
            while i + 8 <= end:
                kind, length = struct.unpack("<4sI", data[i : i + 8])
                if kind not in _WEBP_CLEAN:
                    found.append(kind.decode("latin-1").strip())
                i += 8 + length + (length & 1)
            return found + (["data after the image"] if end != len(data) else [])
        if fmt == "GIF":
            return _gif_blocks(data)
    except (struct.error, IndexError):
        return ["a damaged image"]
    return [f"{fmt or 'unknown'} is not checked"]


def _gif_blocks(data: bytes) -> list[str]:
    found: list[str] = []
    n = len(data)
    flags = data[10]
    i = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)

    def skip_sub_blocks(i: int) -> int:
        while data[i]:
            i += data[i] + 1
        return i + 1

    while i < n:
        kind = data[i]
        if kind == 0x3B:  # trailer
            return found + (["data after the image"] if i + 1 != n else [])
        if kind == 0x21:
            label = data[i + 1]
            if label == 0xFF:
                app = data[i + 3 : i + 14]
                if app not in (b"NETSCAPE2.0", b"ANIMEXTS1.0"):
                    found.append(app.decode("latin-1"))
            elif label != 0xF9:  # a graphic control block is drawing, the rest is not
                found.append("comment" if label == 0xFE else f"extension {label:#x}")
            i = skip_sub_blocks(i + 2)
        elif kind == 0x2C:
            packed = data[i + 9]
            i += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
            i = skip_sub_blocks(i + 1)  # after the LZW code size
        else:
            return found + ["a damaged GIF"]
    return found + ["no end of image"]


def exact_or_clean(data: bytes, *, name: str | os.PathLike, max_pixels: int) -> bytes:
    """`data` itself when it carries nothing but the picture (the export -> add round trip
    stays byte for byte); else the picture through `prepare_poster` (metadata dropped,
    same format and size)."""
    if not metadata_blocks(data):
        return data
    return prepare_poster(data, name=name, max_width=0, max_pixels=max_pixels).data
