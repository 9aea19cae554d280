"""filmcli wall: a contact sheet with every poster placed, sized as asked."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from measure import psnr
from PIL import Image, ImageStat

from filmcli.show.wall import geometry


def posters_in_order(site: Path) -> list[Image.Image]:
    images = []
    for post in sorted((site / "_posts").glob("*.md")):  # date order = file name order
        payload = re.search(rb"^poster: data:[^,]+,(\S+)$", post.read_bytes(), re.M).group(1)
        images.append(Image.open(io.BytesIO(base64.b64decode(payload))).convert("RGB"))
    return images


def test_wall_places_every_poster(run, site, tmp_path):
    out = tmp_path / "wall.png"
    result = run("-L", site, "wall", "-o", out, "--columns", "5", "--tile-width", "120")
    assert result.exit_code == 0, result.stderr
    posters = posters_in_order(site)
    n = len(posters)
    assert f"{n} of {n} posters, 5×{-(-n // 5)} tiles" in result.stderr
    assert result.stdout == ""  # the image is the output; the message is for people

    wall = Image.open(out)
    assert wall.format == "PNG"
    geo = geometry(n, 5, 120)
    assert wall.size == geo.size
    rows = -(-n // 5)
    # five 120 px tiles with gutters; each tile a 2:3 poster area plus a caption
    assert 5 * 120 < wall.width <= 5 * 120 * 1.25
    assert rows * 180 < wall.height <= rows * 180 * 1.5
    for index, poster in enumerate(posters):
        box = geo.poster_box(index)
        tile = wall.crop(box).convert("RGB")
        assert max(ImageStat.Stat(tile).stddev) > 8, f"tile {index} is blank"
        # the poster drawn there is this post's: compare with it fitted into the same box
        scale = min(tile.width / poster.width, tile.height / poster.height)
        fitted = poster.resize(
            (round(poster.width * scale), round(poster.height * scale)), Image.Resampling.LANCZOS
        )
        left = (tile.width - fitted.width) // 2
        top = (tile.height - fitted.height) // 2
        placed = tile.crop((left, top, left + fitted.width, top + fitted.height))
        assert psnr(placed, fitted) > 18, index  # another poster scores under 14
    # the space after the last tile is left empty
    if n % 5:
        empty = wall.crop(geo.poster_box(n)).convert("RGB")
        assert max(ImageStat.Stat(empty).stddev) < 1


def test_wall_filters_sorts_and_writes_jpeg(run, site, tmp_path):
    out = tmp_path / "old.jpg"
    result = run(
        "-L",
        site,
        "wall",
        "-o",
        out,
        "--where",
        "year<1960",
        "--sort",
        "year",
        "--tile-width",
        "64",
    )
    assert result.exit_code == 0, result.stderr
    assert "5 of 5 posters, 5×1 tiles" in result.stderr
    wall = Image.open(out)
    assert wall.format == "JPEG" and wall.size == geometry(5, None, 64).size

    limited = run("-L", site, "wall", "-o", tmp_path / "two.png", "--limit", "2", "--reverse")
    assert "2 of 2 posters, 2×1 tiles" in limited.stderr


def test_post_without_poster_gets_a_drawn_placeholder(run, seed_site, tmp_path):
    (seed_site / "_posts" / "2024-11-08-heretic.md").write_text(
        '---\nlayout: post\ntitle: "Heretic"\ndirector: "Scott Beck"\nyear: 2024\n---\n\nx\n'
    )
    out = tmp_path / "wall.png"
    result = run("-L", seed_site, "wall", "-o", out, "--tile-width", "80")
    assert result.exit_code == 0, result.stderr
    assert "1 of 2 posters" in result.stderr
    assert "warning: _posts/2024-11-08-heretic.md: placeholder tile: no poster" in result.stderr
    wall = Image.open(out)
    geo = geometry(2, None, 80)
    for index in range(2):
        assert max(ImageStat.Stat(wall.crop(geo.poster_box(index)).convert("RGB")).stddev) > 8


def test_wall_refuses_unknown_formats_and_writes_nothing(run, seed_site, tmp_path):
    result = run("-L", seed_site, "wall", "-o", tmp_path / "wall.gif")
    assert result.exit_code == 2
    assert "end the file name with .jpg, .png or .webp" in result.stderr
    assert not (tmp_path / "wall.gif").exists()
    none = run("-L", seed_site, "wall", "-o", tmp_path / "w.png", "--where", "year>3000")
    assert none.exit_code == 1 and not (tmp_path / "w.png").exists()
