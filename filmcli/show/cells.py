"""Glyph fitting: a picture as a grid of Unicode block-element cells (`filmcli show`).

The renderer box-downscales the picture to a grid of sub-pixels per character cell and, for
every cell, picks the block glyph and the two colours (foreground for the covered part,
background for the rest) that minimise the squared RGB error against the sub-pixels under the
cell.  With glyph coverage ``c`` (fractional where a glyph edge cuts a sub-pixel) the cell is
modelled as ``c * fg + (1 - c) * bg``; the optimal colours for a glyph are the least-squares
solution of that model (for binary coverage: the means of the covered and uncovered
sub-pixels), every candidate glyph is scored exactly with its rounded colours, and the best
one wins.  Everything is vectorised with numpy (a 40-column poster takes a few ms).

Symbol sets (``symbols``):

* ``half``  -- upper/lower half blocks, full block and space: 1x2 sub-pixels per cell;
* ``quad``  -- halves plus the quadrant blocks U+2596..U+259F: 2x2;
* ``block`` -- (default) every block element U+2580..U+259F except the shades: halves,
  quadrants, lower eighths, left eighths, upper and right eighths.  The error is measured
  on 8x8 sub-pixels (all these glyphs are exact there) plus, weighted 3x, on the 2x4 grid
  of the quality measurement (see ``_DEFAULT_LEVELS``).

The shades ░▒▓ are left out: as even mixtures of fg and bg they add nothing to a
truecolour picture, and with 256 colours they would only be a dither pattern.

Colours (``colors``): ``truecolor`` (24-bit SGR) or ``256``: xterm colours 16..255 (the 16
system colours are skipped, terminals redefine them), each the CIEDE2000-nearest to the
wanted colour through a precomputed table (filmcli.show.color), with the glyph choice
re-scored using the palette colours.

The kitty, iTerm2 and sixel encoders are in filmcli.show.protocols; the measurement helpers
(rebuild a picture from its cells, PSNR, CIEDE2000) in tests/measure.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image

from filmcli.show.color import RGB, palette_index, quantise, to_rgb

__all__ = [
    "Cells",
    "Cell",
    "render_cells",
    "grid_size",
    "coverage_table",
    "GLYPH_INDEX",
    "SYMBOL_SETS",
    "RESET",
]

RESET = "\x1b[0m"
Cell = tuple[str, RGB, RGB]

# --------------------------------------------------------------------------------------------
# Glyph geometry: every block element as an exact 8x8 coverage mask.
# --------------------------------------------------------------------------------------------

_M = 8  # resolution of the exact masks; every block element is exact at 8x8


def _mask(rows: slice = slice(0, 0), cols: slice = slice(0, _M), value: float = 1.0):
    m = np.zeros((_M, _M), dtype=np.float64)
    m[rows, cols] = value
    return m


def _quads(ul: int, ur: int, ll: int, lr: int) -> np.ndarray:
    m = np.zeros((_M, _M), dtype=np.float64)
    h = _M // 2
    m[:h, :h], m[:h, h:], m[h:, :h], m[h:, h:] = ul, ur, ll, lr
    return m


def _glyph_masks() -> dict[str, np.ndarray]:
    g: dict[str, np.ndarray] = {" ": np.zeros((_M, _M)), "\u2588": np.ones((_M, _M))}
    g["\u2580"] = _mask(slice(0, 4))  # ▀ upper half
    for k in range(1, 8):  # ▁▂▃▄▅▆▇ lower k/8
        g[chr(0x2580 + k)] = _mask(slice(_M - k, _M))
    for k in range(1, 8):  # ▉▊▋▌▍▎▏ left (8-k)/8
        g[chr(0x2588 + k)] = _mask(slice(0, _M), slice(0, _M - k))
    g["\u2590"] = _mask(slice(0, _M), slice(4, _M))  # ▐ right half
    g["\u2591"] = np.full((_M, _M), 0.25)  # ░
    g["\u2592"] = np.full((_M, _M), 0.50)  # ▒
    g["\u2593"] = np.full((_M, _M), 0.75)  # ▓
    g["\u2594"] = _mask(slice(0, 1))  # ▔ upper 1/8
    g["\u2595"] = _mask(slice(0, _M), slice(_M - 1, _M))  # ▕ right 1/8
    quads = {  # (upper-left, upper-right, lower-left, lower-right)
        "\u2596": (0, 0, 1, 0),  # ▖
        "\u2597": (0, 0, 0, 1),  # ▗
        "\u2598": (1, 0, 0, 0),  # ▘
        "\u2599": (1, 0, 1, 1),  # ▙
        "\u259a": (1, 0, 0, 1),  # ▚
        "\u259b": (1, 1, 1, 0),  # ▛
        "\u259c": (1, 1, 0, 1),  # ▜
        "\u259d": (0, 1, 0, 0),  # ▝
        "\u259e": (0, 1, 1, 0),  # ▞
        "\u259f": (0, 1, 1, 1),  # ▟
    }
    for ch, q in quads.items():
        g[ch] = _quads(*q)
    return g


GLYPH_MASKS: dict[str, np.ndarray] = _glyph_masks()
_GLYPH_ORDER = list(GLYPH_MASKS)  # index -> char, for vectorised rebuilds
GLYPH_INDEX = {ch: i for i, ch in enumerate(_GLYPH_ORDER)}

# Candidate glyphs per symbol set.  A glyph and its complement (e.g. ▀/▄) are the same
# candidate with fg and bg swapped, so only one of each pair is listed.  The uniform cell
# (space, fg == bg) is always a candidate and is handled separately.
_HALF = ["\u2580"]
_QUAD = _HALF + ["\u258c", "\u2596", "\u2597", "\u2598", "\u259d", "\u259a"]
_BLOCK = (
    _QUAD
    + [chr(0x2580 + k) for k in (1, 2, 3, 5, 6, 7)]
    + [chr(0x2588 + k) for k in (1, 2, 3, 5, 6, 7)]
)
SYMBOL_SETS: dict[str, list[str]] = {
    "half": _HALF,
    "quad": _QUAD,
    "block": _BLOCK,
}
# Analysis levels per symbol set: (sub-pixel grid w x h per cell, weight).  half and quad are
# exact at their own resolution.  For block the error is measured both on an 8x8 grid, where
# every glyph is exact (sharp edges in the right place), and on the 2x4 grid of the quality
# measurement, where thin glyphs act as partial coverage (right colours on average).  With
# the 256-colour palette the coarse term would reward thin glyphs as a way of mixing two
# palette colours, which shows up as vertical stripes, so there block uses 8x8 only.
_DEFAULT_LEVELS: dict[str, tuple[tuple[tuple[int, int], float], ...]] = {
    "half": (((1, 2), 1.0),),
    "quad": (((2, 2), 1.0),),
    "block": (((8, 8), 1.0), ((2, 4), 3.0)),
    "block/256": (((8, 8), 1.0),),
}


def _analysis_levels(
    symbols: str, grid, colors: str = "truecolor"
) -> tuple[tuple[tuple[int, ...], float], ...]:
    if grid is None:
        return _DEFAULT_LEVELS.get(f"{symbols}/{colors}", _DEFAULT_LEVELS[symbols])
    grid = tuple(grid)
    if len(grid) == 2 and all(isinstance(v, int) for v in grid):
        return ((grid, 1.0),)
    levels = tuple((tuple(int(v) for v in g), float(w)) for g, w in grid)
    if not levels or any(w < 0 or min(g) < 1 for g, w in levels):
        raise ValueError(f"bad analysis grid {grid!r}")
    return levels


def _area_weights(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) matrix averaging n_in equal bins into n_out equal bins by overlap."""
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = i * n_in / n_out, (i + 1) * n_in / n_out
        for j in range(n_in):
            w[i, j] = max(0.0, min(hi, j + 1) - max(lo, j))
    return w / w.sum(axis=1, keepdims=True)


@lru_cache(maxsize=32)
def coverage_table(sub: tuple[int, int]) -> np.ndarray:
    """Coverage of every known glyph on a sub[0] x sub[1] grid: (n_glyphs, sub_h, sub_w)."""
    sw, sh = sub
    wx, wy = _area_weights(sw, _M), _area_weights(sh, _M)
    table = np.stack([wy @ GLYPH_MASKS[ch] @ wx.T for ch in _GLYPH_ORDER])
    table.setflags(write=False)
    return table


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


def _sgr_fg(rgb: RGB, colors: str) -> str:
    if colors == "256":
        return f"38;5;{palette_index(rgb)}"
    return f"38;2;{rgb[0]};{rgb[1]};{rgb[2]}"


def _sgr_bg(rgb: RGB, colors: str) -> str:
    if colors == "256":
        return f"48;5;{palette_index(rgb)}"
    return f"48;2;{rgb[0]};{rgb[1]};{rgb[2]}"


@dataclass
class Cells:
    """A rendered picture: `rows` of (glyph, fg, bg) with fg/bg as (r, g, b) tuples.

    The fg colour paints the part of the cell that the glyph covers, bg the rest.  For a space
    fg == bg, for a full block bg == fg (the unused colour is normalised to the used one).
    `colors` is "truecolor" or "256"; in "256" mode every colour is an xterm palette entry.
    """

    rows: list[list[Cell]]
    colors: str = "truecolor"
    symbols: str = field(default="block", compare=False)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)

    def lines(self) -> list[str]:
        """One ANSI string per row; SGR codes only where the colour changes, reset at the end."""
        out = []
        for row in self.rows:
            parts: list[str] = []
            cur_fg = cur_bg = None
            for ch, fg, bg in row:
                codes = []
                if ch != " " and fg != cur_fg:
                    codes.append(_sgr_fg(fg, self.colors))
                    cur_fg = fg
                if ch != "\u2588" and bg != cur_bg:
                    codes.append(_sgr_bg(bg, self.colors))
                    cur_bg = bg
                if codes:
                    parts.append("\x1b[" + ";".join(codes) + "m")
                parts.append(ch)
            parts.append(RESET)
            out.append("".join(parts))
        return out

    def to_ansi(self) -> str:
        """The whole picture: `lines()` joined with newlines (no trailing newline)."""
        return "\n".join(self.lines())

    def __str__(self) -> str:
        return self.to_ansi()

    def __rich__(self):  # lets rich print/layout Cells directly
        from rich.text import Text

        return Text("\n").join(Text.from_ansi(line) for line in self.lines())


def grid_size(width: int, height: int, cols: int) -> tuple[int, int]:
    """(cols, rows) for a picture `cols` cells wide with cells twice as tall as wide."""
    if cols < 1:
        raise ValueError("cols must be at least 1")
    if width < 1 or height < 1:
        raise ValueError("empty image")
    return cols, max(1, round(cols * height / width / 2))


# --------------------------------------------------------------------------------------------
# The renderer
# --------------------------------------------------------------------------------------------


def _subpixels(img: Image.Image, cols: int, rows: int, grid: tuple[int, int]) -> np.ndarray:
    """Box-downscale to cols*gw x rows*gh sub-pixels, laid out as (gh*gw, rows*cols*3) float32:
    row p holds sub-pixel p of every cell (cells in reading order, then R, G, B)."""
    gw, gh = grid
    small = img.resize((cols * gw, rows * gh), Image.Resampling.BOX)
    a = np.asarray(small).reshape(rows, gh, cols, gw, 3).transpose(1, 3, 0, 2, 4)
    return a.reshape(gh * gw, rows * cols * 3).astype(np.float32)


@lru_cache(maxsize=32)
def _candidate_model(symbols: str, grid: tuple[int, int]):
    """Coverage vectors (G, P) and least-squares factors for the glyphs of a symbol set."""
    table = coverage_table(grid)
    cov = np.stack([table[GLYPH_INDEX[ch]].reshape(-1) for ch in SYMBOL_SETS[symbols]])
    a = (cov * cov).sum(axis=1)
    b = (cov * (1 - cov)).sum(axis=1)
    d = ((1 - cov) ** 2).sum(axis=1)
    return cov.astype(np.float32), a, b, d


def _moments(rgb: Image.Image, cols: int, rows: int, symbols: str, levels):
    """Moments of the weighted squared error of every candidate in every cell.

    Candidate 0 is the uniform cell, candidates 1.. the glyphs of the symbol set.  For
    candidate k with colours f (covered part) and g (the rest) the error of cell n is
        ss[n] - 2 (f . SC[k, n] + g . SU[k, n]) + A[k] |f|^2 + 2 B[k] f.g + D[k] |g|^2
    summed over the analysis levels, each weighted per sub-pixel so that its weight does not
    depend on its resolution.  (All sums of the 8-bit sub-pixels are exact in float32: the
    coverages are dyadic fractions.)
    """
    n = rows * cols
    ss = np.zeros(n)
    S = np.zeros((n, 3))
    SC = None
    A: np.ndarray | float
    B: np.ndarray | float
    D: np.ndarray | float
    A = B = D = 0.0
    for grid, weight in levels:
        cov, a, b, d = _candidate_model(symbols, grid)
        x = _subpixels(rgb, cols, rows, grid)  # (P, N*3)
        w = weight / x.shape[0]
        # sums of c * x; einsum rather than matmul: multi-threaded BLAS on such small
        # products costs more in thread wake-ups than it saves (and stalls under load)
        sc = np.einsum("gp,pk->gk", cov, x).reshape(len(cov), n, 3).astype(np.float64) * w
        ss += np.einsum("pk,pk->k", x, x, dtype=np.float64).reshape(n, 3).sum(axis=1) * w
        S += x.sum(axis=0, dtype=np.float64).reshape(n, 3) * w
        SC = sc if SC is None else SC + sc
        A, B, D = A + a * w, B + b * w, D + d * w
    total = sum(weight for _, weight in levels)
    SC = np.concatenate([S[None], SC])
    SU = S[None] - SC
    A = np.concatenate([[total], A])
    B = np.concatenate([[0.0], B])
    D = np.concatenate([[0.0], D])
    return ss, SC, SU, A, B, D


def _dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Dot product over the last (colour) axis."""
    return np.einsum("...c,...c->...", x, y)


def _error(ss, SC, SU, A, B, D, f, g):
    """Weighted squared error of colours f, g (need not be optimal) for every candidate.

    SC, SU, f, g: (K, N, 3); A, B, D: (K,) per candidate or (K, N) per candidate and cell."""
    if A.ndim == 1:
        A, B, D = A[:, None], B[:, None], D[:, None]
    return (
        ss - 2 * (_dot(f, SC) + _dot(g, SU)) + A * _dot(f, f) + 2 * B * _dot(f, g) + D * _dot(g, g)
    )


def _fit(SC, SU, A, B, D):
    """Least-squares colours (rounded to 0..255) for every candidate and cell: (K, N, 3)."""
    det = (A * D - B * B)[:, None, None]
    det[0] = 1.0  # the uniform candidate: one colour, the mean
    a, b, d = A[:, None, None], B[:, None, None], D[:, None, None]
    f = (d * SC - b * SU) / det
    g = (a * SU - b * SC) / det
    f[0] = g[0] = SC[0] / A[0]
    return np.clip(np.rint(f), 0, 255), np.clip(np.rint(g), 0, 255)


def render_cells(
    img: Image.Image,
    cols: int,
    symbols: str = "block",
    colors: str = "truecolor",
    *,
    grid=None,
    background: RGB = (0, 0, 0),
) -> Cells:
    """Render `img` as `cols` character cells wide; rows = round(cols * h / w / 2).

    symbols: "half", "quad" or "block" (default).
    colors: "truecolor" (24-bit) or "256" (xterm colours 16..255, chosen perceptually).
    grid: how the error is measured: sub-pixels per cell (w, h), or a sequence of
    ((w, h), weight) levels whose errors are added; defaults to the symbol set's own
    resolution (1x2 half, 2x2 quad) and for block to 8x8 plus 3 x the 2x4 measurement grid
    (8x8 alone with 256 colours).
    background: colour that transparent pixels are composited onto.
    """
    if symbols not in SYMBOL_SETS:
        raise ValueError(f"symbols must be one of {sorted(SYMBOL_SETS)}, not {symbols!r}")
    if colors in ("full", "24bit", "truecolour"):
        colors = "truecolor"
    if colors not in ("truecolor", "256"):
        raise ValueError(f"colors must be 'truecolor' or '256', not {colors!r}")
    rgb = to_rgb(img, background)
    cols, rows = grid_size(rgb.width, rgb.height, cols)
    levels = _analysis_levels(symbols, grid, colors)

    ss, SC, SU, A, B, D = _moments(rgb, cols, rows, symbols, levels)
    f, g = _fit(SC, SU, A, B, D)
    err = _error(ss, SC, SU, A, B, D, f, g)  # (K, N)
    cells = np.arange(err.shape[1])
    if colors == "256":
        # the best few glyphs per cell in truecolor get their palette variants scored
        k = min(_PALETTE_TOP, len(SC))
        top = np.argpartition(err, k - 1, axis=0)[:k]  # (k, N) candidate indices
        SC, SU, f, g = (m[top, cells] for m in (SC, SU, f, g))
        A, B, D = A[top], B[top], D[top]
        f, g = _palette_variants(f, g, SC, SU, A, B, D, top == 0)
        v = len(f) // len(SC)  # variant-major
        SCv, SUv, Av, Bv, Dv = (np.concatenate([m] * v) for m in (SC, SU, A, B, D))
        err = _error(ss, SCv, SUv, Av, Bv, Dv, f, g)
        pick = err.argmin(axis=0)
        choice = np.concatenate([top] * v)[pick, cells]
    else:
        pick = choice = err.argmin(axis=0)
    fsel, gsel = f[pick, cells], g[pick, cells]
    choice[(fsel == gsel).all(axis=1)] = 0  # both colours equal after rounding: plain cell

    glyphs = np.array([" ", *SYMBOL_SETS[symbols]])[choice].tolist()
    fg = list(map(tuple, fsel.astype(np.int64).tolist()))
    bg = list(map(tuple, gsel.astype(np.int64).tolist()))
    out: list[list[Cell]] = []
    for r in range(rows):
        lo, hi = r * cols, (r + 1) * cols
        out.append(
            [
                (ch, b if ch == " " else a, b)
                for ch, a, b in zip(glyphs[lo:hi], fg[lo:hi], bg[lo:hi], strict=True)
            ]
        )
    return Cells(out, colors, symbols)


# Glyph candidates per cell that get palette variants in 256-colour mode.  More candidates
# raise PSNR a little (they minimise RGB error) but not CIEDE2000, and cost time: over the
# example posters, 4 -> mean dE 7.79 / 22.45 dB, all 20 -> 7.82 / 22.55 dB at twice the time.
_PALETTE_TOP = 4


def _palette_variants(f, g, SC, SU, A, B, D, uniform):
    """Palette colour pairs to score for every candidate glyph: (3K, N, 3) each.

    Variant 1 quantises both least-squares colours; variant 2 re-fits fg to the quantised bg
    and then bg to that fg; variant 3 the other way round (the fit is coupled where glyph
    edges cut sub-pixels).  The caller scores them all with the exact error."""
    a, b, d = A[..., None], B[..., None], D[..., None]
    d = np.where(d > 0, d, 1.0)
    fq, gq = quantise(f), quantise(g)
    f2 = quantise((SC - b * gq) / a)
    g2 = quantise((SU - b * f2) / d)
    g3 = quantise((SU - b * fq) / d)
    f3 = quantise((SC - b * g3) / a)
    fs, gs = np.concatenate([fq, f2, f3]), np.concatenate([gq, g2, g3])
    uniform = np.concatenate([uniform] * 3)[..., None]
    return fs, np.where(uniform, fs, gs)  # the uniform candidate has a single colour
