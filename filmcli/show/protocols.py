"""Graphics protocols: a poster as one kitty, iTerm2 inline-image or DEC sixel sequence.

Each encoder takes image bytes or a PIL image and returns the escape sequence as a string;
filmcli.show.page decides which protocol a terminal gets.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from filmcli.show.color import to_rgb

__all__ = ["kitty_sequence", "iterm_sequence", "sixel_sequence"]


def _as_image(data) -> Image.Image:
    if isinstance(data, Image.Image):
        return data
    return Image.open(io.BytesIO(bytes(data)))


def _png_bytes(data) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)) and bytes(data[:8]) == b"\x89PNG\r\n\x1a\n":
        return bytes(data)
    img = _as_image(data)
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "A" in img.mode or "transparency" in img.info else "RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def kitty_sequence(png_bytes, cols: int, rows: int | None = None, chunk: int = 4096) -> str:
    """Kitty graphics protocol: transmit-and-display a PNG scaled to `cols` cells.

    Accepts PNG bytes, other image bytes or a PIL image (converted to PNG).  The payload is
    base64 in chunks of at most 4096 bytes (m=1 on all but the last); q=2 silences replies.
    """
    if cols < 1:
        raise ValueError("cols must be at least 1")
    payload = base64.standard_b64encode(_png_bytes(png_bytes)).decode("ascii")
    pieces = [payload[i : i + chunk] for i in range(0, len(payload), chunk)] or [""]
    size = f",c={cols}" + (f",r={rows}" if rows else "")
    out = []
    for i, piece in enumerate(pieces):
        more = 1 if i < len(pieces) - 1 else 0
        head = f"a=T,f=100,q=2{size},m={more}" if i == 0 else f"m={more}"
        out.append(f"\x1b_G{head};{piece}\x1b\\")
    return "".join(out)


def iterm_sequence(image_bytes, cols: int, name: str | None = None) -> str:
    """iTerm2 inline image (OSC 1337 File=...) `cols` cells wide, aspect preserved.

    Accepts encoded image bytes (sent as is) or a PIL image (sent as PNG)."""
    if cols < 1:
        raise ValueError("cols must be at least 1")
    data = _png_bytes(image_bytes) if isinstance(image_bytes, Image.Image) else bytes(image_bytes)
    args = [f"size={len(data)}", f"width={cols}", "preserveAspectRatio=1", "inline=1"]
    if name:
        args.insert(0, "name=" + base64.b64encode(name.encode("utf-8")).decode("ascii"))
    body = base64.standard_b64encode(data).decode("ascii")
    return f"\x1b]1337;File={';'.join(args)}:{body}\x07"


def sixel_sequence(image, width_px: int | None = None, colours: int = 255) -> str:
    """A plain DEC sixel image (up to 255 palette colours, run-length coded).

    `image` is a PIL image or encoded bytes; `width_px` rescales it (aspect kept)."""
    img = to_rgb(_as_image(image))
    if width_px:
        h = max(1, round(img.height * width_px / img.width))
        img = img.resize((width_px, h), Image.Resampling.LANCZOS)
    q = img.quantize(colors=max(2, min(255, colours)), method=Image.Quantize.MEDIANCUT)
    palette = q.getpalette()
    assert palette is not None  # a quantized image is in P mode
    pal = np.array(palette[: 3 * 256], dtype=np.int64).reshape(-1, 3)
    idx = np.asarray(q, dtype=np.int64)
    h, w = idx.shape
    used = np.unique(idx)
    # DCS P1=9 (1:1 pixels) P2=1 (unset bits keep the background) q, raster attributes
    out = [f'\x1bP9;1q"1;1;{w};{h}']
    for i in used:
        r, g, b = (pal[i] * 100 + 127) // 255
        out.append(f"#{i};2;{r};{g};{b}")
    for top in range(0, h, 6):
        if top:
            out.append("-")  # next band of six pixel rows
        band = idx[top : top + 6]
        bits = 1 << np.arange(band.shape[0])[:, None]
        first = True
        for i in np.unique(band):
            codes = ((band == i) * bits).sum(axis=0)  # (w,)
            if not first:
                out.append("$")
            first = False
            out.append(f"#{i}")
            out.append(_sixel_rle(codes))
    out.append("\x1b\\")
    return "".join(out)


def _sixel_rle(codes: np.ndarray) -> str:
    chars = [chr(63 + int(c)) for c in codes]
    out = []
    i = 0
    while i < len(chars):
        j = i
        while j < len(chars) and chars[j] == chars[i]:
            j += 1
        n = j - i
        out.append(f"!{n}{chars[i]}" if n > 3 else chars[i] * n)
        i = j
    return "".join(out)
