"""filmcli.show.cells, color and protocols: quality contract on the seed poster, ANSI format,
odd inputs."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from measure import (
    glyph_coverage,
    mean_ciede2000,
    parse_ansi,
    psnr,
    rebuild_image,
    reference_image,
)
from PIL import Image

from filmcli.show.cells import RESET, Cells, grid_size, render_cells
from filmcli.show.color import build_xterm_lut, ciede2000, nearest_xterm, srgb_to_lab, xterm_palette
from filmcli.show.protocols import iterm_sequence, kitty_sequence, sixel_sequence

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-post.md"
COLS = 40

SGR_RE = re.compile(r"\x1b\[[0-9;]*m")
BLOCK_CHARS = {chr(c) for c in range(0x2580, 0x25A0)} | {" "}


def _poster_from_post(path: Path) -> Image.Image:
    text = path.read_text(encoding="utf-8")
    m = re.search(r"^poster:\s*['\"]?data:image/[\w.+-]+;base64,([A-Za-z0-9+/=\s]+)", text, re.M)
    assert m, f"no data-URI poster in {path}"
    img = Image.open(io.BytesIO(base64.b64decode(m.group(1))))
    img.load()
    return img


@pytest.fixture(scope="module")
def seed() -> Image.Image:
    return _poster_from_post(SEED)


def _score(img: Image.Image, cells: Cells) -> tuple[float, float]:
    ref = reference_image(img, cells)
    rebuilt = rebuild_image(cells)
    return psnr(rebuilt, ref), mean_ciede2000(rebuilt, ref)


# ---------------------------------------------------------------------------------------------
# quality contract on the seed poster
# ---------------------------------------------------------------------------------------------


def test_seed_is_the_expected_poster(seed):
    assert seed.size == (259, 194)
    assert seed.format == "JPEG"


@pytest.mark.parametrize("symbols", ["half", "quad", "block"])
def test_aspect_rule(seed, symbols):
    cells = render_cells(seed, COLS, symbols)
    w, h = seed.size
    assert cells.width == COLS
    assert cells.height == round(COLS * h / w / 2)
    assert all(len(row) == COLS for row in cells.rows)
    # cells twice as tall as wide: displayed aspect within 3 % of the image's
    shown = cells.width / (2 * cells.height)
    assert abs(shown / (w / h) - 1) <= 0.03


def test_psnr_contract(seed):
    scores = {s: _score(seed, render_cells(seed, COLS, s))[0] for s in ("half", "quad", "block")}
    assert scores["block"] >= 27.2  # chafa --symbols block: 27.2 dB
    assert scores["half"] >= 23.9  # chafa --symbols half: 24.0 dB; naive half blocks 19.6 dB
    assert scores["half"] <= scores["quad"] <= scores["block"]


def test_half_blocks_are_exact_at_their_own_resolution(seed):
    # With 1x2 sub-pixels per cell the least-squares fit is exact: top and bottom averages.
    cells = render_cells(seed, COLS, "half")
    rebuilt = np.asarray(rebuild_image(cells, (1, 2)), dtype=int)
    ref = np.asarray(reference_image(seed, cells, sub=(1, 2)), dtype=int)
    assert np.abs(rebuilt - ref).max() <= 1


def test_glyph_choice_is_optimal_per_cell():
    # Brute force over every glyph of the quad set on a random picture at 2x2 sub-pixels.
    rng = np.random.default_rng(7)
    img = Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8), "RGB")
    cells = render_cells(img, 6, "quad")  # 6 x 3 cells, 2x4 source pixels per cell
    sub = np.asarray(reference_image(img, cells, sub=(2, 2)), dtype=float)
    glyphs = [" ", "▀", "▌", "▖", "▗", "▘", "▝", "▚"]
    for r, row in enumerate(cells.rows):
        for c, (ch, fg, bg) in enumerate(row):
            x = sub[2 * r : 2 * r + 2, 2 * c : 2 * c + 2].reshape(-1, 3)

            def err(g, f, b, x=x):
                cov = glyph_coverage(g, (2, 2)).reshape(-1, 1)
                return float(((x - cov * np.array(f) - (1 - cov) * np.array(b)) ** 2).sum())

            mine = err(ch, fg, bg)
            for g in glyphs:
                cov = glyph_coverage(g, (2, 2)).reshape(-1) > 0.5
                f = x[cov].mean(0) if cov.any() else x.mean(0)
                b = x[~cov].mean(0) if (~cov).any() else x.mean(0)
                best = err(g, np.clip(np.rint(f), 0, 255), np.clip(np.rint(b), 0, 255))
                assert mine <= best + 1e-6, (r, c, ch, g)


def test_256_colour_quality(seed):
    from rich.color import Color, ColorSystem

    pal = xterm_palette()

    def rich_snap(rgb):
        n = Color.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).number
        return tuple(int(v) for v in pal[n])

    for symbols, bound in (("half", 13.5), ("block", 12.9)):  # chafa --colors 240: 13.5 / 13.0
        true = render_cells(seed, COLS, symbols)
        snapped = Cells(
            [[(ch, rich_snap(f), rich_snap(b)) for ch, f, b in row] for row in true.rows], "256"
        )
        ours = render_cells(seed, COLS, symbols, "256")
        _, de_rich = _score(seed, snapped)
        _, de_ours = _score(seed, ours)
        assert de_ours < bound
        assert de_ours < de_rich - 1.5, (symbols, de_ours, de_rich)  # rich: 14.9 / 14.0


# ---------------------------------------------------------------------------------------------
# ANSI format and round trip
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("colors", ["truecolor", "256"])
@pytest.mark.parametrize("symbols", ["half", "quad", "block"])
def test_ansi_format_and_round_trip(seed, symbols, colors):
    cells = render_cells(seed, COLS, symbols, colors)
    text = cells.to_ansi()
    lines = cells.lines()
    assert text == "\n".join(lines)
    assert len(lines) == cells.height
    for line in lines:
        assert line.endswith(RESET)
        assert set(SGR_RE.sub("", line)) <= BLOCK_CHARS
        assert len(SGR_RE.sub("", line)) == COLS
        for code in SGR_RE.findall(line):
            params = code[2:-1]
            if colors == "256":
                assert re.fullmatch(r"(0|[34]8;5;\d+)(;[34]8;5;\d+)?", params), code
                assert all(16 <= int(n) <= 255 for n in re.findall(r"[34]8;5;(\d+)", params))
            else:
                assert re.fullmatch(r"(0|[34]8;2;\d+;\d+;\d+)(;[34]8;2;\d+;\d+;\d+)?", params)
    assert "\x1b" not in SGR_RE.sub("", text)
    parsed = parse_ansi(text)
    assert parsed == cells
    assert parsed.colors == colors
    assert _score(seed, parsed) == _score(seed, cells)


def test_symbol_sets_use_only_their_glyphs(seed):
    half = {ch for row in render_cells(seed, COLS, "half").rows for ch, _, _ in row}
    assert half <= {" ", "▀", "▄", "█"}
    quad = {ch for row in render_cells(seed, COLS, "quad").rows for ch, _, _ in row}
    assert quad <= {" ", "▀", "▄", "▌", "▐", "█"} | {chr(c) for c in range(0x2596, 0x25A0)}
    block = {ch for row in render_cells(seed, COLS, "block").rows for ch, _, _ in row}
    assert block <= BLOCK_CHARS - {"░", "▒", "▓"}
    assert len(block) > len(quad)  # the eighth blocks are actually used


def test_parse_ansi_handles_foreign_output():
    text = (
        "\x1b[?25l\x1b[0m\x1b[38;5;196;48;5;21m▀\x1b[39m▄\x1b[7m▌\x1b[0m \x1b[0m\n"
        "\x1b[31;42m▀\x1b[0m\x1b[?25h\n"
    )
    cells = parse_ansi(text)
    pal = [tuple(int(v) for v in rgb) for rgb in xterm_palette()]
    assert cells.height == 2
    (c0, c1, c2, c3), (d0,) = cells.rows
    assert c0 == ("▀", pal[196], pal[21])
    assert c1 == ("▄", (0, 0, 0), pal[21])
    assert c2 == ("▌", pal[21], (0, 0, 0))  # reverse video swaps fg and bg
    assert c3 == (" ", (0, 0, 0), (0, 0, 0))
    assert d0 == ("▀", pal[1], pal[2])
    assert cells.colors == "256"


def test_rebuild_uses_exact_coverage():
    red, blue = (255, 0, 0), (0, 0, 255)
    cells = Cells([[("▏", red, blue), ("▄", red, blue), (" ", blue, blue), ("█", red, red)]])
    img = np.asarray(rebuild_image(cells, (2, 4)), dtype=int)
    assert img.shape == (4, 8, 3)
    assert tuple(img[0, 0]) == (64, 0, 191)  # left 1/8 block: a quarter of a half-cell column
    assert tuple(img[0, 1]) == blue
    assert tuple(img[0, 2]) == blue and tuple(img[3, 3]) == red
    assert (img[:, 4:6] == blue).all() and (img[:, 6:8] == red).all()


# ---------------------------------------------------------------------------------------------
# odd inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size,cols,rows",
    [((1, 1), 40, 20), ((1, 1), 1, 1), ((4, 400), 10, 500), ((400, 4), 40, 1), ((3000, 2), 1, 1)],
)
def test_odd_sizes(size, cols, rows):
    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")
    for symbols in ("half", "quad", "block"):
        for colors in ("truecolor", "256"):
            cells = render_cells(img, cols, symbols, colors)
            assert (cells.width, cells.height) == (cols, rows)
            assert grid_size(*size, cols) == (cols, rows)
            assert parse_ansi(cells.to_ansi()) == cells


def test_one_pixel_image_is_uniform():
    img = Image.new("RGB", (1, 1), (12, 200, 99))
    cells = render_cells(img, 3)
    assert cells.height == 2
    assert cells.rows == [[(" ", (12, 200, 99), (12, 200, 99))] * 3] * 2
    assert cells.lines()[0] == "\x1b[48;2;12;200;99m   " + RESET


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "PA", "L", "1", "CMYK", "YCbCr", "I", "F"])
def test_any_mode(seed, mode):
    img = seed.convert("RGBA").convert(mode) if mode != "LA" else seed.convert("LA")
    cells = render_cells(img, 20)
    assert (cells.width, cells.height) == (20, round(20 * 194 / 259 / 2))


def test_sixteen_bit_and_alpha():
    a16 = (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 31).astype(np.uint16)
    img16 = Image.frombytes("I;16", (64, 32), a16.astype("<u2").tobytes())
    cells = render_cells(img16, 8, "half")
    # 16-bit input is scaled, not clipped: the left and right ends differ in brightness
    assert cells.rows[-1][-1][2][0] > cells.rows[0][0][1][0] + 100
    clear = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    assert render_cells(clear, 2).rows[0][0][2] == (0, 0, 0)
    assert render_cells(clear, 2, background=(255, 255, 255)).rows[0][0][2] == (255, 255, 255)
    half = Image.new("RGBA", (10, 10), (255, 255, 255, 128))
    assert 126 <= render_cells(half, 2).rows[0][0][2][0] <= 130


def test_bad_arguments(seed):
    with pytest.raises(ValueError):
        render_cells(seed, 0)
    with pytest.raises(ValueError):
        render_cells(seed, 10, symbols="braille")
    with pytest.raises(ValueError):
        render_cells(seed, 10, colors="16")


# ---------------------------------------------------------------------------------------------
# colour science
# ---------------------------------------------------------------------------------------------


def test_ciede2000_reference_pairs():
    # Sharma, Wu, Dalal (2005) test data
    pairs = [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
        ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
        ((50.0, -1.0, 2.0), (50.0, 0.0, 0.0), 2.3669),
        ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((22.7233, 20.0904, -46.694), (23.0331, 14.973, -42.5619), 2.0373),
        ((90.8027, -2.0831, 1.441), (91.1528, -1.6435, 0.0447), 1.4441),
        ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
    ]
    lab1 = np.array([p[0] for p in pairs])
    lab2 = np.array([p[1] for p in pairs])
    expected = np.array([p[2] for p in pairs])
    np.testing.assert_allclose(ciede2000(lab1, lab2), expected, atol=1e-4)
    np.testing.assert_allclose(ciede2000(lab2, lab1), expected, atol=1e-4)


def test_srgb_to_lab_white_and_black():
    np.testing.assert_allclose(srgb_to_lab([255, 255, 255]), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(srgb_to_lab([0, 0, 0]), [0, 0, 0], atol=1e-9)


def test_palette_and_lut():
    pal = xterm_palette()
    assert pal.shape == (256, 3)
    assert tuple(pal[16]) == (0, 0, 0) and tuple(pal[231]) == (255, 255, 255)
    assert tuple(pal[232]) == (8, 8, 8) and tuple(pal[255]) == (238, 238, 238)
    # palette colours map to themselves (the table misses four greys that share a bin with a
    # cube grey, e.g. 88 and 95; the exact search gets them all)
    assert (nearest_xterm(pal[16:]) == np.arange(16, 256)).sum() >= 236
    assert (nearest_xterm(pal[16:], exact=True) == np.arange(16, 256)).all()
    # the embedded table matches a recomputation on a sample of bins
    rng = np.random.default_rng(3)
    bins = rng.integers(0, 32, (300, 3))
    fresh = build_xterm_lut(32, bins).astype(int) + 16
    table = nearest_xterm(bins * 8 + 4)
    assert (fresh == table).mean() >= 0.99  # float32 ties may flip a rare bin
    # and the table is close to the exact search on random colours
    colours = rng.integers(0, 256, (2000, 3))
    lab = srgb_to_lab(colours)
    de_lut = ciede2000(lab, srgb_to_lab(pal[nearest_xterm(colours)])).mean()
    de_exact = ciede2000(lab, srgb_to_lab(pal[nearest_xterm(colours, exact=True)])).mean()
    assert de_lut - de_exact < 0.2


def test_psnr_and_ciede_helpers():
    a = Image.new("RGB", (4, 4), (10, 20, 30))
    assert psnr(a, a) == float("inf")
    assert mean_ciede2000(a, a) == 0
    b = Image.new("RGB", (4, 4), (11, 20, 30))
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / (1 / 3)))
    with pytest.raises(ValueError):
        psnr(a, Image.new("RGB", (4, 5)))


# ---------------------------------------------------------------------------------------------
# graphics protocols
# ---------------------------------------------------------------------------------------------


def test_kitty_sequence(seed):
    buf = io.BytesIO()
    seed.save(buf, "PNG")
    png = buf.getvalue()
    seq = kitty_sequence(png, 40)
    chunks = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", seq)
    assert "".join(f"\x1b_G{c};{p}\x1b\\" for c, p in chunks) == seq
    assert len(chunks) > 1
    first = dict(kv.split("=") for kv in chunks[0][0].split(","))
    assert first["a"] == "T" and first["f"] == "100" and first["c"] == "40"
    assert [c for c, _ in chunks[1:-1]] == ["m=1"] * (len(chunks) - 2)
    assert first["m"] == "1" and chunks[-1][0] == "m=0"
    assert all(len(p) <= 4096 and len(p) % 4 == 0 for _, p in chunks)
    assert base64.b64decode("".join(p for _, p in chunks)) == png
    # JPEG bytes and PIL images are converted to PNG
    jpeg = SEED.read_text().split("base64,", 1)[1].split()[0]
    for src in (base64.b64decode(jpeg), seed):
        seq = kitty_sequence(src, 10)
        payload = "".join(re.findall(r";([^;\x1b]*)\x1b\\", seq))
        assert Image.open(io.BytesIO(base64.b64decode(payload))).format == "PNG"


def test_iterm_sequence(seed):
    data = base64.b64decode(SEED.read_text().split("base64,", 1)[1].split()[0])
    seq = iterm_sequence(data, 30)
    m = re.fullmatch(r"\x1b\]1337;File=([^:]*):([A-Za-z0-9+/=]*)\x07", seq)
    assert m
    args = dict(kv.split("=", 1) for kv in m.group(1).split(";"))
    assert args["inline"] == "1" and args["width"] == "30"
    assert args["size"] == str(len(data))
    assert base64.b64decode(m.group(2)) == data


def test_sixel_sequence():
    img = Image.new("RGB", (10, 13), (255, 0, 0))
    img.paste((0, 0, 255), (0, 6, 10, 13))
    seq = sixel_sequence(img)
    assert seq.startswith("\x1bP") and seq.endswith("\x1b\\")
    assert '"1;1;10;13' in seq
    body = seq[seq.index("q") + 1 : -2]
    assert body.count("-") == 2  # ceil(13 / 6) = 3 bands, separated by "-"
    colours = dict(re.findall(r"#(\d+);2;(\d+;\d+;\d+)", body))
    assert set(colours.values()) == {"100;0;0", "0;0;100"}
    # first band is all red: 10 full sixels of the red register
    red = next(k for k, v in colours.items() if v == "100;0;0")
    assert f"#{red}!10~" in body.split("-")[0]


def test_cells_print_through_rich(seed):
    from rich.console import Console

    cells = render_cells(seed, 12)
    buf = io.StringIO()
    Console(file=buf, force_terminal=True, color_system="truecolor", width=40).print(cells)
    assert parse_ansi(buf.getvalue()).rows == cells.rows


def _decode_sixel(seq: str) -> np.ndarray:
    """Minimal sixel decoder (palette, raster attributes, RLE, $ and -) for the round trip."""
    body = seq[seq.index("q") + 1 : seq.rindex("\x1b\\")]
    m = re.match(r'"1;1;(\d+);(\d+)', body)
    w, h = int(m.group(1)), int(m.group(2))
    body = body[m.end() :]
    pal: dict[int, tuple[int, ...]] = {}
    img = np.zeros((h, w, 3), dtype=int)
    x = y = 0
    colour = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "#":
            m = re.match(r"#(\d+)(?:;2;(\d+);(\d+);(\d+))?", body[i:])
            colour = int(m.group(1))
            if m.group(2):
                pal[colour] = tuple(round(int(v) * 255 / 100) for v in m.groups()[1:])
            i += m.end()
            continue
        if ch == "$":
            x = 0
        elif ch == "-":
            x, y = 0, y + 6
        else:
            n = 1
            if ch == "!":
                m = re.match(r"!(\d+)(.)", body[i:])
                n, ch = int(m.group(1)), m.group(2)
                i += m.end() - 1
            bits = ord(ch) - 63
            for k in range(6):
                if bits >> k & 1 and y + k < h:
                    img[y + k, x : x + n] = pal[colour]
            x += n
        i += 1
    return img


def test_sixel_round_trip(seed):
    small = seed.resize((37, 20))
    seq = sixel_sequence(small, colours=16)
    decoded = _decode_sixel(seq)
    q = small.quantize(colors=16, method=Image.Quantize.MEDIANCUT).convert("RGB")
    # colours go through sixel's 0..100 percentages: within 2 levels of the quantised image
    assert np.abs(decoded - np.asarray(q, dtype=int)).max() <= 2
    assert sixel_sequence(small, width_px=10).count('"1;1;10;5') == 1
