"""Quality and speed of filmcli.show.cells against a naive renderer and chafa.

    python benchmarks/render_quality.py [--cols 40] [--runs 20] [--json OUT]

Posters: the seed post (examples/seed-post.md) plus every post in examples/site/_posts/*.md
whose `poster:` is a data URI or a file inside the site.  Each is rendered at 40 columns in
every mode; the cells are rebuilt on a 2x4 sub-pixel grid per cell (partial glyph coverage
averaged) and compared with the poster box-downscaled to the same grid: PSNR over RGB and
mean CIEDE2000.  Time is the median wall time of render + ANSI encoding in this process.

Baselines: a naive nearest-neighbour half-block renderer (what most Python renderers do; in
256 colours with rich's channel snapping), and chafa when installed, run as
`chafa --format symbols --symbols vhalf|half|block --size 40x --colors full|240 --work 9`, its
output parsed with parse_ansi (tests/measure.py) and scored the same way (its time includes
process start-up).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from functools import partial
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # measure.py: the scoring the tests use too

from measure import mean_ciede2000, parse_ansi, psnr, rebuild_image, reference_image  # noqa: E402

from filmcli.show.cells import Cells, grid_size, render_cells  # noqa: E402
from filmcli.show.color import to_rgb, xterm_palette  # noqa: E402

POSTER_RE = re.compile(r"^poster:\s*['\"]?([^'\"\n]+)['\"]?\s*$", re.M)
DATA_RE = re.compile(r"data:image/[\w.+-]+;base64,([A-Za-z0-9+/=]+)")


# --------------------------------------------------------------------------------------------
# posters
# --------------------------------------------------------------------------------------------


def poster_bytes(post: Path, site: Path | None) -> bytes | None:
    text = post.read_text(encoding="utf-8", errors="replace")
    front = text.split("\n---", 1)[0] if text.startswith("---") else text
    m = POSTER_RE.search(front)
    if not m:
        return None
    value = m.group(1).strip()
    d = DATA_RE.match(value)
    if d:
        return base64.b64decode(d.group(1))
    if "://" in value:
        return None
    for base in [site, post.parent] if site else [post.parent]:
        path = (base / value.lstrip("/")).resolve()
        if path.is_file():
            return path.read_bytes()
    return None


def collect_posters() -> list[tuple[str, bytes]]:
    posters = []
    seed = ROOT / "examples" / "seed-post.md"
    data = poster_bytes(seed, None)
    if data:
        posters.append(("seed-post", data))
    site = ROOT / "examples" / "site"
    posts = sorted((site / "_posts").glob("*.md")) if (site / "_posts").is_dir() else []
    for post in posts:
        try:
            data = poster_bytes(post, site)
        except (OSError, ValueError):
            data = None
        if data:
            posters.append((post.stem, data))
    return posters


# --------------------------------------------------------------------------------------------
# renderers
# --------------------------------------------------------------------------------------------


def rich_snap(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """rich's truecolor -> 256 downgrade (channel snapping to the cube / grey ramp)."""
    from rich.color import Color, ColorSystem

    n = Color.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).number
    return tuple(int(v) for v in PALETTE[n])


PALETTE = xterm_palette()


def naive_half(img: Image.Image, cols: int, colors: str) -> Cells:
    """Nearest-neighbour half blocks: one source pixel each for the top and bottom half."""
    rgb = to_rgb(img)
    cols, rows = grid_size(rgb.width, rgb.height, cols)
    small = rgb.resize((cols, rows * 2), Image.Resampling.NEAREST)
    px = small.load()
    snap = rich_snap if colors == "256" else (lambda c: c)
    out = []
    for r in range(rows):
        out.append([("▀", snap(px[c, 2 * r]), snap(px[c, 2 * r + 1])) for c in range(cols)])
    return Cells(out, "256" if colors == "256" else "truecolor")


def ours_ansi(img: Image.Image, cols: int, symbols: str, colors: str) -> str:
    return render_cells(img, cols, symbols, colors).to_ansi()


def naive_ansi(img: Image.Image, cols: int, colors: str) -> str:
    return naive_half(img, cols, colors).to_ansi()


def run_chafa(path: Path, cols: int, symbols: str, colors: str) -> str:
    cmd = [
        "chafa", "--format", "symbols", "--symbols", symbols, "--size", f"{cols}x",
        "--colors", "full" if colors == "truecolor" else "240", "--work", "9", str(path),
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def timed(fn, runs: int) -> tuple[object, float]:
    result = fn()  # warm-up (and the result)
    times = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times) * 1000


def score(img: Image.Image, cells: Cells) -> tuple[float, float]:
    ref = reference_image(img, cells)
    rebuilt = rebuild_image(cells)
    return psnr(rebuilt, ref), mean_ciede2000(rebuilt, ref)


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cols", type=int, default=40)
    ap.add_argument("--runs", type=int, default=20, help="timing runs for in-process renderers")
    ap.add_argument("--chafa-runs", type=int, default=5)
    ap.add_argument("--no-chafa", action="store_true")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = ap.parse_args(argv)

    chafa = None if args.no_chafa else shutil.which("chafa")
    chafa_version = None
    if chafa:
        first = subprocess.run([chafa, "--version"], capture_output=True, text=True).stdout
        chafa_version = first.splitlines()[0].strip() if first else "chafa"
    results = []
    posters = collect_posters()
    if not posters:
        print("no posters found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in posters:
            img = Image.open(io.BytesIO(data))
            img.load()
            src = Path(tmp) / f"{name}.{(img.format or 'png').lower()}"
            src.write_bytes(data)
            for colors in ("truecolor", "256"):
                rows = []
                cells = naive_half(img, args.cols, colors)
                _, ms = timed(partial(naive_ansi, img, args.cols, colors), args.runs)
                rows.append(("naive NN half", "half", cells, ms))
                for symbols in ("half", "quad", "block"):
                    cells = render_cells(img, args.cols, symbols, colors)
                    _, ms = timed(partial(ours_ansi, img, args.cols, symbols, colors), args.runs)
                    rows.append(("filmcli", symbols, cells, ms))
                if chafa:
                    # chafa's "half" class has the vertical halves ▌▐ too; "vhalf" is ▀▄ only
                    for symbols in ("vhalf", "half", "block"):
                        text, ms = timed(
                            partial(run_chafa, src, args.cols, symbols, colors), args.chafa_runs
                        )
                        rows.append(("chafa", symbols, parse_ansi(text, colors), ms))
                for renderer, symbols, cells, ms in rows:
                    p, de = score(img, cells)
                    results.append(
                        {
                            "poster": name,
                            "size": list(img.size),
                            "renderer": renderer,
                            "symbols": symbols,
                            "colors": colors,
                            "cols": cells.width,
                            "rows": cells.height,
                            "psnr_db": round(p, 3),
                            "ciede2000": round(de, 3),
                            "ms": round(ms, 2),
                        }
                    )

    print_table(results, chafa_version)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"chafa": chafa_version, "results": results}, indent=2) + "\n"
        )
    return 0


def _fit(text: str, width: int) -> str:
    """Cut/pad to a terminal width, counting East Asian wide characters as two columns."""
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def print_table(results: list[dict], chafa_version: str | None) -> None:
    head = f"{'poster':<28} {'renderer':<14} {'symbols':<6} {'colors':<9} {'grid':>6} "
    head += f"{'PSNR dB':>8} {'dE2000':>7} {'ms':>7}"
    print(head)
    print("-" * len(head))
    last = None
    for r in results:
        if last and r["poster"] != last:
            print()
        last = r["poster"]
        grid = f"{r['cols']}x{r['rows']}"
        print(
            f"{_fit(r['poster'], 28)} {r['renderer']:<14} {r['symbols']:<6} {r['colors']:<9} "
            f"{grid:>6} {r['psnr_db']:>8.2f} {r['ciede2000']:>7.2f} {r['ms']:>7.1f}"
        )
    posters = sorted({r["poster"] for r in results})
    if len(posters) > 1:
        print("\nmean over", len(posters), "posters")
        keys = []
        for r in results:
            k = (r["renderer"], r["symbols"], r["colors"])
            if k not in keys:
                keys.append(k)
        for k in keys:
            sel = [r for r in results if (r["renderer"], r["symbols"], r["colors"]) == k]
            print(
                f"{'':<28} {k[0]:<14} {k[1]:<6} {k[2]:<9} {'':>6} "
                f"{statistics.mean(r['psnr_db'] for r in sel):>8.2f} "
                f"{statistics.mean(r['ciede2000'] for r in sel):>7.2f} "
                f"{statistics.median(r['ms'] for r in sel):>7.1f}"
            )
    if chafa_version:
        print(f"\nchafa: {chafa_version}; its times include process start-up")
    else:
        print("\nchafa not installed: no chafa rows")


if __name__ == "__main__":
    raise SystemExit(main())
