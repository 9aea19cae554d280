"""Measuring a rendering: the picture its cells stand for, against the poster it was made from.

Used by the tests (test_render.py, test_show.py, test_wall.py) and by
benchmarks/render_quality.py (which puts tests/ on sys.path); not part of the package.
`rebuild_image` paints each cell's glyph with its two colours on a grid of sub-pixels
(partial coverage averaged), `reference_image` box-downscales the poster to the same grid,
`psnr` and `mean_ciede2000` compare the two. `parse_ansi` reads block-character ANSI art
(ours or chafa's) back into Cells.
"""

from __future__ import annotations

import re

import numpy as np
from PIL import Image

from filmcli.show.cells import GLYPH_INDEX, Cell, Cells, coverage_table, grid_size
from filmcli.show.color import RGB, ciede2000, srgb_to_lab, to_rgb, xterm_palette

__all__ = [
    "glyph_coverage",
    "rebuild_image",
    "reference_image",
    "parse_ansi",
    "psnr",
    "mean_ciede2000",
]

_PALETTE = xterm_palette()


def glyph_coverage(ch: str, sub: tuple[int, int] = (2, 4)) -> np.ndarray:
    """Fraction of each sub-pixel (rows x cols array) that glyph `ch` paints in the fg."""
    return coverage_table(tuple(sub))[GLYPH_INDEX[ch]].copy()


def rebuild_image(cells: Cells, sub: tuple[int, int] = (2, 4)) -> Image.Image:
    """The picture the cells stand for, each cell as sub[0] x sub[1] pixels.

    Each sub-pixel is ``c * fg + (1 - c) * bg`` where c is the fraction of it the glyph covers
    (exact area coverage of the block element).  Characters that are not block elements are
    treated as spaces (background only).
    """
    sw, sh = sub
    rows, cols = cells.height, cells.width
    if rows == 0 or cols == 0:
        return Image.new("RGB", (max(cols, 1) * sw, max(rows, 1) * sh))
    table = coverage_table((sw, sh))
    space = GLYPH_INDEX[" "]
    idx = np.array([[GLYPH_INDEX.get(ch, space) for ch, _, _ in row] for row in cells.rows])
    fg = np.array([[f for _, f, _ in row] for row in cells.rows], dtype=np.float64)
    bg = np.array([[g for _, _, g in row] for row in cells.rows], dtype=np.float64)
    c = table[idx][..., None]  # (rows, cols, sh, sw, 1)
    px = c * fg[:, :, None, None, :] + (1 - c) * bg[:, :, None, None, :]
    px = px.transpose(0, 2, 1, 3, 4).reshape(rows * sh, cols * sw, 3)
    return Image.fromarray(np.clip(np.rint(px), 0, 255).astype(np.uint8), "RGB")


def reference_image(
    img: Image.Image, cells_or_cols, rows: int | None = None, sub: tuple[int, int] = (2, 4)
) -> Image.Image:
    """`img` box-downscaled to the measurement grid of a rendering (cols*sub_w x rows*sub_h)."""
    if isinstance(cells_or_cols, Cells):
        cols, rows = cells_or_cols.width, cells_or_cols.height
    else:
        cols = int(cells_or_cols)
    rgb = to_rgb(img)
    if rows is None:
        cols, rows = grid_size(rgb.width, rgb.height, cols)
    return rgb.resize((cols * sub[0], rows * sub[1]), Image.Resampling.BOX)


_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
_OTHER_ESC = re.compile(
    r"\x1b(?:\[[0-9;?:]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])"
)


def parse_ansi(text: str, colors: str | None = None) -> Cells:
    """Parse block-character ANSI art (ours or chafa's) back into Cells.

    Understands SGR 0/39/49 resets, 38;2 / 48;2 truecolor, 38;5 / 48;5 palette colours and
    30-37/40-47/90-97/100-107; other escape sequences (cursor show/hide...) are ignored.
    Unset colours read as black.  `colors` defaults to "256" if only palette codes were seen.
    """
    default: RGB = (0, 0, 0)
    rows: list[list[Cell]] = []
    saw_truecolor = saw_palette = False
    for line in text.split("\n"):
        line = line.rstrip("\r")
        fg: RGB = default
        bg: RGB = default
        reverse = False
        row: list[Cell] = []
        pos = 0
        while pos < len(line):
            ch = line[pos]
            if ch == "\x1b":
                m = _SGR.match(line, pos)
                if m:
                    params = [int(p) if p else 0 for p in re.split("[;:]", m.group(1))]
                    i = 0
                    while i < len(params):
                        p = params[i]
                        if p == 0:
                            fg, bg, reverse = default, default, False
                        elif p == 7:
                            reverse = True
                        elif p == 27:
                            reverse = False
                        elif p in (38, 48) and i + 1 < len(params):
                            if params[i + 1] == 2 and i + 4 < len(params):
                                col = tuple(params[i + 2 : i + 5])
                                i += 4
                                saw_truecolor = True
                            elif params[i + 1] == 5 and i + 2 < len(params):
                                col = tuple(int(v) for v in _PALETTE[params[i + 2] % 256])
                                i += 2
                                saw_palette = True
                            else:
                                col = default
                                i += 1
                            if p == 38:
                                fg = col
                            else:
                                bg = col
                        elif p == 39:
                            fg = default
                        elif p == 49:
                            bg = default
                        elif 30 <= p <= 37 or 90 <= p <= 97:
                            fg = tuple(int(v) for v in _PALETTE[p - 30 if p < 90 else p - 82])
                        elif 40 <= p <= 47 or 100 <= p <= 107:
                            bg = tuple(int(v) for v in _PALETTE[p - 40 if p < 100 else p - 92])
                        i += 1
                    pos = m.end()
                    continue
                m = _OTHER_ESC.match(line, pos)
                pos = m.end() if m else pos + 1
                continue
            f, g = (bg, fg) if reverse else (fg, bg)
            if ch == " ":
                f = g
            elif ch == "\u2588":
                g = f
            row.append((ch, f, g))
            pos += 1
        if row:
            rows.append(row)
    if colors is None:
        colors = "256" if saw_palette and not saw_truecolor else "truecolor"
    return Cells(rows, colors)


def psnr(a, b) -> float:
    """PSNR in dB over all RGB samples of two same-size images (PIL images or arrays)."""
    x = np.asarray(to_rgb(a) if isinstance(a, Image.Image) else a, dtype=np.float64)
    y = np.asarray(to_rgb(b) if isinstance(b, Image.Image) else b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"image sizes differ: {x.shape} vs {y.shape}")
    mse = float(np.mean((x - y) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def mean_ciede2000(a, b) -> float:
    """Mean CIEDE2000 difference per pixel between two same-size RGB images."""
    x = np.asarray(to_rgb(a) if isinstance(a, Image.Image) else a, dtype=np.float64)
    y = np.asarray(to_rgb(b) if isinstance(b, Image.Image) else b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"image sizes differ: {x.shape} vs {y.shape}")
    return float(ciede2000(srgb_to_lab(x), srgb_to_lab(y)).mean())
