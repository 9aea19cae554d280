"""Terminal image rendering with Unicode block elements (the engine behind `filmcli show`).

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
wanted colour through a precomputed table, with the glyph choice re-scored using the
palette colours.

Also here: the measurement helpers used by the benchmark and the tests (:func:`rebuild_image`,
:func:`reference_image`, :func:`parse_ansi`, :func:`psnr`, :func:`mean_ciede2000`) and
encoders for the kitty and iTerm2 inline-image protocols and for sixels.
"""

from __future__ import annotations

import base64
import io
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageOps

__all__ = [
    "Cells",
    "render_cells",
    "render_ansi",
    "rebuild_image",
    "reference_image",
    "glyph_coverage",
    "parse_ansi",
    "psnr",
    "mean_ciede2000",
    "ciede2000",
    "srgb_to_lab",
    "to_rgb",
    "grid_size",
    "xterm_palette",
    "nearest_xterm",
    "build_xterm_lut",
    "kitty_sequence",
    "iterm_sequence",
    "sixel_sequence",
    "SYMBOL_SETS",
    "RESET",
]

RESET = "\x1b[0m"
RGB = tuple[int, int, int]
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
_GLYPH_INDEX = {ch: i for i, ch in enumerate(_GLYPH_ORDER)}

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
) -> tuple[tuple[tuple[int, int], float], ...]:
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
def _coverage_table(sub: tuple[int, int]) -> np.ndarray:
    """Coverage of every known glyph on a sub[0] x sub[1] grid: (n_glyphs, sub_h, sub_w)."""
    sw, sh = sub
    wx, wy = _area_weights(sw, _M), _area_weights(sh, _M)
    table = np.stack([wy @ GLYPH_MASKS[ch] @ wx.T for ch in _GLYPH_ORDER])
    table.setflags(write=False)
    return table


def glyph_coverage(ch: str, sub: tuple[int, int] = (2, 4)) -> np.ndarray:
    """Fraction of each sub-pixel (rows x cols array) that glyph `ch` paints in the fg."""
    return _coverage_table(tuple(sub))[_GLYPH_INDEX[ch]].copy()


# --------------------------------------------------------------------------------------------
# Colour science: sRGB <-> CIELAB, CIEDE2000, the xterm palette.
# --------------------------------------------------------------------------------------------

_RGB2XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb) -> np.ndarray:
    """sRGB values 0..255 (any shape ending in 3) to CIELAB (D65)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _RGB2XYZ.T / _WHITE
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def ciede2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 colour difference between CIELAB arrays (broadcasting, last axis = L,a,b)."""
    lab1, lab2 = np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c7 / (c7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    cc = c1p * c2p
    dLp = L2 - L1
    dCp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(cc == 0, 0.0, dh)
    dHp = 2 * np.sqrt(cc) * np.sin(np.radians(dh) / 2)
    Lbar = (L1 + L2) / 2
    Cbar = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(
        np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)
    )
    hbar = np.where(cc == 0, hsum, hbar)
    t = (
        1
        - 0.17 * np.cos(np.radians(hbar - 30))
        + 0.24 * np.cos(np.radians(2 * hbar))
        + 0.32 * np.cos(np.radians(3 * hbar + 6))
        - 0.20 * np.cos(np.radians(4 * hbar - 63))
    )
    dtheta = 30 * np.exp(-(((hbar - 275) / 25) ** 2))
    cb7 = Cbar**7
    rc = 2 * np.sqrt(cb7 / (cb7 + 25.0**7))
    sl = 1 + 0.015 * (Lbar - 50) ** 2 / np.sqrt(20 + (Lbar - 50) ** 2)
    sc = 1 + 0.045 * Cbar
    sh = 1 + 0.015 * Cbar * t
    rt = -np.sin(np.radians(2 * dtheta)) * rc
    tl, tc, th = dLp / sl, dCp / sc, dHp / sh
    return np.sqrt(np.maximum(tl * tl + tc * tc + th * th + rt * tc * th, 0.0))


def xterm_palette() -> np.ndarray:
    """The 256 xterm colours as a (256, 3) uint8 array (0..15 are the usual xterm defaults)."""
    system = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
        (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]  # fmt: skip
    levels = [0, 95, 135, 175, 215, 255]
    cube = [(r, g, b) for r in levels for g in levels for b in levels]
    grey = [(v, v, v) for v in range(8, 248, 10)]
    return np.array(system + cube + grey, dtype=np.uint8)


_PALETTE = xterm_palette()
_PAL240 = _PALETTE[16:].astype(np.float64)
_PAL240_LAB = srgb_to_lab(_PAL240)
_PAL_INDEX = {tuple(int(v) for v in rgb): i + 16 for i, rgb in enumerate(_PALETTE[16:])}


def build_xterm_lut(bins: int = 32, rgb_bins=None) -> np.ndarray:
    """Nearest xterm colour (index 0..239 into colours 16..255, CIEDE2000) for the centre of
    each bin of an RGB cube with `bins` bins per channel: a (bins, bins, bins) uint8 array.

    This is how the table embedded below was made (about 2 s for 32 bins).  `rgb_bins`
    (an (n, 3) array of bin indices) computes only those bins."""
    step = 256 / bins
    if rgb_bins is None:
        i = np.arange(bins)
        rgb_bins = np.stack(np.meshgrid(i, i, i, indexing="ij"), axis=-1).reshape(-1, 3)
    centres = (np.asarray(rgb_bins, dtype=np.float64) + 0.5) * step - 0.5
    out = np.array([], dtype=np.uint8)
    if len(centres):
        out = np.concatenate(
            [
                _nearest_exact(centres[i : i + 4096]).astype(np.uint8)
                for i in range(0, len(centres), 4096)
            ]
        )
    return out.reshape(-1, bins, bins, bins) if len(out) == bins**3 else out


def _nearest_exact(rgb: np.ndarray) -> np.ndarray:
    lab = srgb_to_lab(rgb).astype(np.float32)
    return ciede2000(lab[:, None, :], _PAL240_LAB[None].astype(np.float32)).argmin(axis=1)


# build_xterm_lut(32) as zlib + base85: 32 KiB of table in 7.8 KB of source.
# fmt: off
_XTERM_LUT_B85 = (
    "c-rmQ`=8Hs+6VAew=;>Y&2GExot=>x!x)Egnn6y@ux3b7m@y9J&^XNjgCb1~9h_$<gBU8x3ga+?<dme;Zq$}TsU%7N!d}<"
    "=eEfXA3~i75abLf_Uf%YHeZIaQ{q766YW!})yB+U;@Tym@{zXXsZ*oETmw0B*<LY11`%328AFp1c##i**G2}IB)T~+a?Af"
    "!mYSp%07kSN^weV__Q(}@^h1zw<)rG4OQmCO6YRZC{y9-KQ-&Iia`t|ky5$pjO)50AM8Z@X?>rT8n4dLq1BYFKh@SxCu<a"
    "a8$x1i^;(0~={g%ldm`#rh4;O@rz1Kd4$owZyqbizU->jAyc$bLX8Gzu*I;hx6y{z&dmc=y8n8SgJ}4{Eui(AfQeC^Yswz"
    "zdB-3ir|bE4ly0`_ujR-+%ADO`0_M8{9)$P79FV-=qmE+-E;<zgqYr0{{Q6f`8__n$I`mUq%0CiT~Te{MQciUpqqoX8xP;"
    "kM^*D{BNoMJO5Ak@ARwrZ+t`kyZtKus|EU3c;71jUj_L8D%Ag3cDMQbBffLzgsj^`{nzpOuN~yS)=l(ZC&0hD5B1#sYomV"
    "{fV#KTf5R~U4gcSNP@&sz-@nG&mw#E!`F$Uuf5F?8e-*j^YLWTB{g(Q#9pt~3&ikhLuc!LIgZk%r!@5=S-_Z6Qx&J$VUH^"
    "@4iT?+K{C5lU-|g4)@AMssf6yBp9UbgDFjskdzwiD2Ro*g}LRk#Deg4l1|J6MH&(Y)j)i_4rJZF9WSFi5#Unk7JmDdRS_d"
    "$)Y?*qes9gqJ8s{guy{u}=H{dex%$X~d%{yT>G@22|q7H*pV<VgJ!zBlOqua^I)sHo^@u>iL3s3<ZJ(SiT{PRpJDzK^bwf"
    "5w~S;*V3nv4a1(xDfwwa4lN2aQFv&=g*(#^q_-yTDG+P*ADYv`+EG>_4}{m@o#+})T09sx&H<?&%c)c-d%9=?#Olf{F6c_"
    "<@><=K<F6ezoY5D{jcHwkH1;}J!GL5=DiL7RIu$cN)&D^r@EcF`ulF=QmEh^t@xL5OswP|7iZ5yOl)lIImLe*_s`;(STYd"
    "j$+3YT*Ag!#CZ>iQ2u@GzLrb6kI)4AYeQ*`(`u&T%o;Co~KQFYE{_AP}C4Yy1_dd85#OJ?tr2abx`d9ybpz_rQ!ti~US&("
    "`AApgl>{*y!eD}1{;{nJ7hvmkTjZ{US)!ha9RyO-ksp@;6X3#xya_wf4X0}$P`Y107TH=akyys7*9{;bT!A8$s0O8+!(3h"
    "4tfX8tK}l0N{4aWfJ-{I^hJ%wuEE`~5=-x-h+PAx<ffyrt&<Lcl)gyd{5+e|sMig#X%>e;9y-1d0#o3I1){)@{dmvRvA1("
    "-u$9>zlvsithxCx4jPu36}qc(m&PLf!gcn@ZVnLtrQ%5MM3v3{syg}<j#VoPw1rfH2<E0!50f%)k0&>1H7Q*&Vt6br^Z+J"
    "?<vR}3q7&W3k$t_JN+|2NT?YxqUO<d9us9f!188+IsfA{KWpX9*dLEk_|yCWB}boJ_c=8evEu(c<EzE0|2WGx&tp-)%YVy"
    "w64$74;Q}w{`w&m}gYy2G;3YAc2iS*r)4y*Y5)u*=|1xjI{iDA-TDPV@|BQdzcI{emox~?8G-!iI`Ah%wfjd}(^X7k^6za"
    "=@@ZU;*z$$3^I&?sL9nl`z>@5AacNR4NSm;0tchdqsk!U}l`A-ZfX!^QvzDTbd^6%8xSNJn6D0wpGT`*S)Nm?!+;Dw~5q`"
    "*P|U&Ft<pyWL;?}>RY%zF#}sg404M4H7o{5tYf+dqqG9u=0SI{nN1tTRWyX$pUti<tZ8yv;b!zsO@HZ>N7&_*yBjnCG!yl"
    "k?=ncg>p3o7bwPeSg%A=lhXB{kK;56aVq8@CZJ*)=007<c<DGUQgt$RsJ$p3asJG@e6|%#6GaxDDa>EhKUqld%_R+cIb#l"
    "@FM@tiL^lS_L$#A3w$6Ftq1P9TP-AN4;TgFUweQrh$t|A$%LQaEB!N{$%b!HNYV;ju+UX4B(XxW@i*{7Qj+IyU<EhduE-b"
    "pKh(Xu-!~SzvqBG2u>3z1We<Sgw>M9X_5qFZ41|#@1EBkkvIfHNpN8?dbE#S`fv2UV@vr;n=r}c({?GgU$6Nm0zES_zH|!"
    "rSA)$Hm=HGlH3M`HnG3xy0qP`E16MwA~|2lu_lNShY$3CbJuqTY%Q;>Q41Y<$izaJ7QK<Qi9>@56ixiJulL4|wFTrJQic<"
    "w7Of0QTk?SOo{;el@A9}6<?(p46ifBgZykfc43ECzxXk{l1v1)+uR6foi2qbK?WzP-BQ03d(#jfEb<cTeHF_uqKl-FkrJO"
    "`s5w-_+F9$o;zW)a%PF|FmG|X*5rl4_N-w&PS!gr5bsR$Z;Vqq^I{c{Ks5}f1x|bfAi*Xx^E?q1^nOm{o?>!#4~f#_eHeX"
    "qJ`Ukg2mtPEe9gVe;bE?_dv93$NU-oI~o2H+v|mnqL64kApP69QRpOdPvIWsPtn&w_5XyHOW&f9WIxbVEhKp!;Dw}+0`=Q"
    "n^6lA$`$zsyX*n&RZ{*!u?1TP5FSWpR`F>y{%A+F4Q|;XLZU2C$=nq&w;3+97%s(kuIp~H0@ehSQeVR7y+gFME5&su3Pwx"
    "+>`h~P#d>SoWpoK{MyL~suGjqjv>^H)HoHHMEk^7Ic{nPIQT!?Sm$oJ#rKD3J5e^4&{o4K!`=}TbvGC*D?>K#5jF=QZo{y"
    "Q1|eT5MJoi%;!RsW-r{}UeHr0^HH525~(ZifG4uYafS>+<jU0gloO*Og1ZBJX4RPtgmQ_tpH<LMkov0l<A#!2MEaAzkEsA"
    "n*HkJdD9NHkkiZE$@d%c&7{h{re0UFo5R$WUdw<SAEkw?Q33$iyPqbofet@xQP9?(DOlf7r%v5{=Djc5Y_qZw{6s4@5uc-"
    "3jzLl&h!l(Iu!j6Lwp&8e`aRew!@|Wp{oB3IS_g-1|p;C{%L{f8!^K4KYBFs7rsfJJQ53|WZ^+0Pv*H;kU;;Vm3)M=!2OR"
    "IgM7zw|Gk+1r-Xl!)516`jAw=J+5<hb9199R@Yjd_KvG~tkUQ`D0LFh8ep97S0#pd>M|rAwUnTF?PxCE&(ijOc-xFMUKbA"
    "uy-Iu4)LZE-T50p3h9uVRm?qPEA!oOKCbJ~!33rMwnNCW*B*?{1JJZ$(Mr1<B+;|>4c690qYT0Djq|M=sNKSHk6AW`@Z^T"
    "8y440FB@a76ESfLF;q{_TAj>L@@y1P}S+4TH<bK;4;mz<)TVbRS?LFz=8d8|prg1sOKX7zmLkl7VSIOkEIdABGOq{j&wh%"
    "3}WEl1GjN;G;&3>N*;a_|HmG@?^}RfH+w}@MZZ(nu~!*QVPk+1H545a$(p&2)+n->{tLkZX5s}KYn~~<gfTf;F$Ns916XA"
    "Yy05HiGS56@u36M_?daXi1L)MJVo>E$Wx*wOwe<~e@c2-PW@{G;P#In00RR2YXdNFU|Qfnh+HWs`9PVQ1Hp4X4{6lDl@s2"
    "o|G|cDdd&ZKaL$|+2JwQCw_*b_sCDZ{zt{HR5#fKR<-Z;GKV*pXj{_k24|nFQA#-&=^a739fUpHY{$xR5AK1R|0kIY&iyr"
    "YkVk92;A4UBGf0id1xh&8)Nh#of$OX}JxiEY|Sgb6JTo5cgNsjm*GiEFv_#Zb4{EvSMkH##=ff$PeF%I+IO5WYbdyxX{1L"
    "HR##BZ?A2=WOL`PP5H6~F2Ot~{L;{Qhad@}HBF!~cOWLHfr5cv$$)$qDnHa~=NsyZsvjVednM_JHR9ku>2SV&FSq0P-9t@"
    "<*iZ5dV)p`lu|}`JnINT)8M*f@>plr|(RUfAN8knW_7?2O?ATuRov-1kW7{f{g(GsQU>$HwNMf?%#eu3`Caa0bby_x-ja3"
    "Q2$Sw{zqy4c`gg%_&_}Aet_gy(0$rJpgO;Rd_q-nQRrg=4a>9j!bFHCss6L!xc>>M6DLmWGieeOCQp|Bu|oWl0hkE+fB};"
    "yPk#8}DO08l%)!e}5Aux-Yaon$$hi*x{hfJ1f&GA<lZKgF{s#{Z@ck&~@ALgV_dnR<ANgNW9?*OaBKR&{`XMv(F;}kpA3o"
    "geTPq9+8VEZ#24eVd&F4_mH;m%UC<5J?3$j86!r^<AIuKbQ1CbRn5Srf+$akdbe^HQc+y5B1|A_ofxEc9GGtbrw;Iq%9Nv"
    "dzcm*&JT1w0uK;wjk-I4xj436JF9m*&~oxw)R4@`pS(-OQ)ZoGb+9>3Mnmtq=GddQ>khXgS*lUa$s$?}Kw76yH?0?c3l#V"
    "+Q0im3%t80&+9pX3m^Bc<`)QF8>9F|HqvEwSfrp&(hg=g9go+Gw0F|aDxZWoeS}E&k6stXQR$JMCT8%51Di4J_qOW9g+Xc"
    "Q2)yJK~~oDa3h8eoi}gfuwnD(kIKj>Dgyrt76|_k!_7mT^C?a&Jh31vU?7S@{VTbr!1%uK!VBpCMfCp?`hR)+_|c;mEfW4"
    "oJ_hr#FQM<3DQ}UR1MxERpPi!cBEOIP2a*EQ_z8ak;1o5NJ{hon#Gm1Jk_M3Zo#65-@@zGq==2?y=X!GKKUe)9;P9WDo0o"
    "^c^Yim<|G8QL;;B=$oEFmM15>duZQ4LK544a@9>~YSR4h!JHcjjU^)DX49O7v}oAW2SXXJtJ{QOz7W{KSPKXc|Ryr<!&y9"
    "*-MeHVQH{UtsixFAnU|FaGM>;vH$a<l0H|2fG2hq-v@`#CEojmv7z_JJ(KoH?lX@?{(dk`D<O2yGu+0|9v<-jL_%&4ZhdS"
    "A@3!kK}Y8Xs#4+9}2}j;6gwQ`v3#N2SV-x9gq=xK=?p}`Co{a^#Z*Y;l{oMH|k|L<i7|~whyoXA|HqO_(j@2;6h-Ig>hIw"
    "|BEz!(ud)*in;CA$g{)pC9Yicy~Hsfnt%NRK>E+t{O7s+XDj~m@{ni#)Ts=h<)7yHMs5|%JSQwK5Cttqx@kEQFXZSy-|#O"
    "B9{&X%|I_V(&>oQfaR3SmKtCxAW_e`(pHck(a2ZY%o^cEWFDUsCwUCkV?2r5dLi(p)7}`KQ$NU!-8omYp1@2r9gqAx7qEH"
    "(U9Ef>15c5ajK7fA`$^jXH12S^H{KQyDPx^lmeZPdh7cu|7{ADXQ3OEoNFR#DQe94XYRr4jD4|tI;3HBY9=hB6kX#T(}{-"
    "FSRCQi)Hr}<RwfAQkQZr@Y6Pc_f0g8$q|{O9TZX^NMdtNWiS{1-U=&$9g612NrGuyWTx2>;S|0rH<Y6Zy`X<@7E1tG?BNx"
    "P1B9XP@PTXIumEBb<@zg)4A$APQB$8ehU+&m99%7%~urAp_yc)xtsxxaPlTVaPx%3>gTWm;HepS)Lu9FR5zo_AC99!csE_"
    "yNj8BEG&h>vSrIAEnmJ|=FB$~^7580g*ZPSa`3Za#Wc#_<D2{Ed9EkVDGteVii=$Z)qiPlUQkeq4fM|jK=Hqt(kzv{O}_="
    "#>z@~<hYW;>H^5<`Odkl#cbW7**X{pV&fno%@c)q&oc@vj6`FH@Z=$~0vjN{6g73<epB5}o^1=}RzJVwV8HmD=fmo;lejf"
    "SG1HJR-Q@uq+S{~rv901Gz688tT%$Ee@*^%Z;19IXQ3(FM$%<mFfSjzn(;N=jn;C^WVa`d}w8OF<3z)9acU+T$;e>I<qd2"
    "w;E@Q?doe&8eBV($k6@mY*V^Oe>I0MoA(R+%{#N=rz-lIO3`d^Mj3IB2ZF!YU}d@(L7QeRbMudZ@p&bjF%BGiIz^i~80nK"
    "532(qSwlU24Z^PKs^2Q`t|Dt{|yCYa5H9X+z9a|%wNZx9LYCeUbYc#6Wr@?4*zAqe<St(y5IlYi2Tpx`I~sNXK&uT8R9Kl"
    "uKWZC@!N7A-o%C2ycu+EAvk}6eOU1J+t=w||4$5R?imOc{sRu<ZQCGz2mH_9z8&HnJB06lAn$F+`yKSXo${8sXCM|!e&pv"
    "-^|hS(((|R5FPp>xSw3mLOwFO8<Vzj-;w93rGta$|T=Biw@bAcT)d3Ov!2B;RAqB}ZAHNT#u9!w}L#3pI=p;N<pT+D-O0c"
    "n#@{~SbE!GMvv9JmYuV4Xkz8~P97cgIiImEAmT{;iwzhn*gU%A%EiGR#X*Wj&%o4F2d)@yL9#X#@^$+0jC3v3_gLeK@Vat"
    "d62VvvQw90~;YbVE1cO?<x|;D3{v`v$_{zwE~!uV9V?A@gV4{@)<?CcVvgTi}rYPjBP7bJDoVbG8q#5SYV2Y}o>OuU^&m!"
    "7~uS{ueCRibwdvZNqy94)lZn9dIPyYUb}?zMbZ59^hafw!uO`4EwNsJNn-dp}+rjzBnxReE{&hq{Pk@|A@<(Gyf%|AbC=s"
    "E4W{pm#oxy5`c<syP)_F%S%f|LCZlV%cXxDfORs*E7kq4MgQwm|E_|XvxfBmp9lVlp)Jg7%>M?7x0Lu_i+tB9zP$sX^SAx"
    "44;cuD|FSaBPjc9YH&ozW|7H$_t5>gDxjGP6X+h7GLQ&CMKf^#2h78136}awuhxETSz<=;S{6>72ED82oQXZ1Cg7twfeV2"
    "#iSO7gsm#$i+``-y?^3;85xzq2?$o!W?;$Qm!SS@nWkp9=H{)?Ud*M<03bF*OOo`Ep=mu_4G{MX_DtXn7iZivvoU0ClJh>"
    "eQ>^&tb{^j(JhH*HdUD+N`zE9Zr`-g?W*)q(gK&YiPD(Y0&WxPJw>=HHR)g{>h2!T$eWZUQxYgy!W{%S+13!}1Wnw6M#}c"
    "kUGav9JpYyLUsrN8~%XZzzDCUDWp;^tG4x6aGo=^640ei2T3e^shZ&_}}NrOSyl20I1J{2TK*bD_y=zuh%~>tacRC{Ma#`"
    "zyE%jTG)j7>(=){*>R%xgyDNbg#N9<`jCMT@kel&e~g7w;sLk+Qy%|vAl{<<MQ#nm&$@rdKmh-1kW0W2Z`%ej@ZGWn`Chy"
    "B%hr&A*cvhr!e_brAJCEK<&osOJb6jE;@9-aeU}4Y;ui{g_CRCrUg;O}a>#e>#@mCp7f$--`7TdR{nH%$;{fd4`zqzn3vR"
    "zb9|)LNRPcPC+jm7pMP;Qd?04i9?~%qnEbPa^0f^sym-(-#C@p;t8*8wz777OrzyQ4a?rR6h5t>jye1{Jsza!GG(jdIeoK"
    "_V7vY_}^3Nk+m{*N*JaF8E|`~&5IW9&ANLfP@-$3KAEc;W;sz=t1xsDB^4kNcnu#D~s*9~=+zZw|!ClP3lLk2ZV^2l|o!C"
    "!aw4Ddyxz{t@OMpTheD?o+roJOcszKlvogznWWxYs^2nf8jy=*=G=+J`M4iGuM8B<GdjT-k*I2yicD7-e=ArZ<(_Ju>4bA"
    "#3%WAq`r2euRY7T50(>uyJWsc`Z4p}{(P4!r+mx(c}Z1s&p_<72SViFe=piKJ`e~`z7I$fE7Y&#NqmCe3VM)ZV;>gwW8uJ"
    "o1L*f%mRD4g!agkQ-%tEPLCH}!92PL&kNE+}4<6(>X&i$5u%6?Qd4R&9Lx<Mv!vQ#Q1o<63di3Byu@F$e90r0HAZPQS7L1"
    "(j!$CSR<^#+>(S0265b!>H7<?Z&0=|!O|L=<i`v2er9^@Y$JEk>wf#f(4)Hdt~*#|igWI#6Y+%*t%K?v^kF5QIpry75U|C"
    "1pDVfYrjPyPJ!HONE#|C8Lm=zWHF8V>ZIIfMLvap$McoM8<TZ&mYcn7>2v9XmePeER)VH7}`Z9^$)FdBEwrGQ@vnrTYV+f"
    "(<|=DS)nByFl0O-3Jcvec=9?PPbp0SBhNt6u#vH?%e0U!uF2?a76b{a^n9G<cAL*!8@w@Ck4z89aakm?ShuCmW5KQaFqBz"
    "M)gy?P(c5O(f<+YUlx4+Jp*wpXdsk*pbMdVVz2>m>OM~VpRoKp2I8b=Ab8<q$UwZ|8HiJ-KtJUFRDtWh75~osjFnph@%hd"
    "2UwLzKug^;J0V}Tz%PYh3O5uAq^{x1)d@<j*%l650zu%peVZJNfz8(H$LCX#QH~>eP{|d|he$)4RVg8MRl`94Hfn&!oll+"
    "N)`2lcL#U13|S2z|l5c)ni2g0=bKJsV&PYAysMd;ryoD3O=lOY4)_k9X^^V}?${@nxd`RAYi2jn<W*#"
)
# fmt: on


@lru_cache(maxsize=1)
def _xterm_lut() -> np.ndarray:
    raw = zlib.decompress(base64.b85decode("".join(_XTERM_LUT_B85)))
    lut = np.frombuffer(raw, dtype=np.uint8).reshape(32, 32, 32) + np.uint8(16)
    lut.setflags(write=False)
    return lut


def nearest_xterm(rgb, exact: bool = False) -> np.ndarray:
    """Index (16..255) of the perceptually nearest xterm colour for each sRGB colour.

    Perceptual = smallest CIEDE2000 difference.  By default a precomputed 32x32x32 table is
    used (the winner for the centre of the colour's bin; it agrees with the exact search for
    about 87 % of random colours and costs 0.09 CIEDE2000 on average); exact=True searches
    all 240 colours.  The 16 system colours are skipped because terminals redefine them.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    if exact:
        return (_nearest_exact(rgb.reshape(-1, 3)) + 16).reshape(rgb.shape[:-1])
    q = np.clip(np.rint(rgb), 0, 255).astype(np.intp) >> 3
    flat = (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]
    return _xterm_lut().ravel().take(flat)


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


def _sgr_fg(rgb: RGB, colors: str) -> str:
    if colors == "256":
        return f"38;5;{_palette_index(rgb)}"
    return f"38;2;{rgb[0]};{rgb[1]};{rgb[2]}"


def _sgr_bg(rgb: RGB, colors: str) -> str:
    if colors == "256":
        return f"48;5;{_palette_index(rgb)}"
    return f"48;2;{rgb[0]};{rgb[1]};{rgb[2]}"


def _palette_index(rgb: RGB) -> int:
    idx = _PAL_INDEX.get(tuple(rgb))
    if idx is None:
        idx = int(nearest_xterm(np.array(rgb, dtype=np.float64)))
    return idx


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


# --------------------------------------------------------------------------------------------
# Input normalisation
# --------------------------------------------------------------------------------------------


def to_rgb(img: Image.Image, background: RGB = (0, 0, 0)) -> Image.Image:
    """Any PIL image as 8-bit RGB: EXIF orientation applied, alpha composited onto background,
    16-bit / integer / float greyscale scaled into 0..255."""
    try:
        if img.format and img.getexif().get(0x0112, 1) != 1:
            img = ImageOps.exif_transpose(img)
    except Exception:  # broken EXIF must never stop a preview
        pass
    mode = img.mode
    if mode == "RGB":
        return img
    if mode == "P" and "transparency" not in img.info:
        return img.convert("RGB")
    if mode in ("P", "PA", "RGBa", "La"):  # palette / premultiplied alpha: to plain alpha
        img = img.convert("LA" if mode == "La" else "RGBA")
        mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        if mode.startswith("I;16"):
            a = a / 257.0
        elif mode == "I":
            top = float(a.max()) if a.size else 0.0
            a = a / 257.0 if top > 255 else a
        else:  # F: 0..1 or 0..255
            top = float(np.abs(a).max()) if a.size else 0.0
            a = a * 255.0 if top <= 1.0 else a
        a = np.clip(np.nan_to_num(a), 0, 255).round().astype(np.uint8)
        return Image.fromarray(a, "L").convert("RGB")
    if mode in ("RGBA", "LA"):
        rgba = img.convert("RGBA")
        base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if mode == "LAB":
        from PIL import ImageCms

        return ImageCms.applyTransform(
            img,
            ImageCms.buildTransformFromOpenProfiles(
                ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
            ),
        )
    return img.convert("RGB")


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
    table = _coverage_table(grid)
    cov = np.stack([table[_GLYPH_INDEX[ch]].reshape(-1) for ch in SYMBOL_SETS[symbols]])
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
        err = _error(ss, *(np.concatenate([m] * v) for m in (SC, SU, A, B, D)), f, g)
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


_PAL_F = _PALETTE.astype(np.float64)


def _quantise(rgb: np.ndarray) -> np.ndarray:
    return _PAL_F[nearest_xterm(rgb)]


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
    fq, gq = _quantise(f), _quantise(g)
    f2 = _quantise((SC - b * gq) / a)
    g2 = _quantise((SU - b * f2) / d)
    g3 = _quantise((SU - b * fq) / d)
    f3 = _quantise((SC - b * g3) / a)
    fs, gs = np.concatenate([fq, f2, f3]), np.concatenate([gq, g2, g3])
    uniform = np.concatenate([uniform] * 3)[..., None]
    return fs, np.where(uniform, fs, gs)  # the uniform candidate has a single colour


def render_ansi(
    img: Image.Image, cols: int, symbols: str = "block", colors: str = "truecolor"
) -> str:
    """Shortcut for ``render_cells(...).to_ansi()``."""
    return render_cells(img, cols, symbols, colors).to_ansi()


# --------------------------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------------------------


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
    table = _coverage_table((sw, sh))
    space = _GLYPH_INDEX[" "]
    idx = np.array([[_GLYPH_INDEX.get(ch, space) for ch, _, _ in row] for row in cells.rows])
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


# --------------------------------------------------------------------------------------------
# Graphics protocols
# --------------------------------------------------------------------------------------------


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
    pal = np.array(q.getpalette()[: 3 * 256], dtype=np.int64).reshape(-1, 3)
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
