"""Real Jekyll as the judge: what `new` and `add` write builds, and every post page carries
its title and its poster data URI intact.

Needs the `jekyll` command (Debian: `apt-get install -y jekyll`); skipped, saying so,
where it is not installed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from filmcli.model.post import Post

JEKYLL = shutil.which("jekyll")
pytestmark = pytest.mark.skipif(
    JEKYLL is None,
    reason="jekyll is not installed (apt-get install -y jekyll): the real "
    "Jekyll build test cannot run",
)

TITLES = [
    "Alien: Romulus",
    "Yes",
    "No",
    "null",
    "1917",
    "#1",
    "*Batteries Not Included",
    "&Co",
    "\"Quoted\" & 'single'",
    "Amélie",
    "七人の侍",
    "🎬 Popcorn 🍿",
    "Long " + "very " * 40 + "title",
    "<b>not bold</b>",
    "{{ not liquid }}",
]

# A page listing every post Jekyll built: its source file and its URL.
MAP_PAGE = """---
layout: null
permalink: /filmcli-map.json
---
[{% for p in site.posts %}{"path": {{ p.path | jsonify }}, "url": {{ p.url | jsonify }}}\
{% unless forloop.last %},{% endunless %}{% endfor %}]
"""


def liquid_escape(text: str) -> str:
    """What Liquid's `escape` filter gives (CGI.escapeHTML)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def filmcli(run, site: Path, *args, input=None):
    result = run("-L", site, *args, input=input)
    assert result.exit_code == 0, result.stderr
    return result


def test_jekyll_builds_every_post_with_title_and_poster(run, site, tmp_path):
    site_posts = len(list((site / "_posts").glob("*.md")))
    assert site_posts >= 14
    images = tmp_path / "images"
    images.mkdir()
    kinds = [
        ("JPEG", "jpg", (40, 90, 160)),
        ("PNG", "png", (200, 60, 20)),
        ("WEBP", "webp", (20, 160, 60)),
    ]
    made = []
    for i, title in enumerate(TITLES):
        fmt, ext, color = kinds[i % len(kinds)]
        poster = images / f"p{i}.{ext}"
        Image.new("RGB", (500 + i, 750), color).save(poster, fmt)
        result = filmcli(
            run,
            site,
            "new",
            "--title",
            title,
            "--director",
            f"Director {i}",
            "--year",
            str(1950 + i),
            "--poster",
            poster,
            "--date",
            f"2019-06-{i + 1:02d}",
            "--body",
            f"Review *{i}* of it.\n",
        )
        made.append(Path(result.stdout.strip()).name)

    # add: a Markdown post with a poster file, an export from another library, Letterboxd.
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    Image.new("RGB", (900, 1350), (90, 90, 30)).save(drafts / "poster.png")
    (drafts / "Markdown Film.md").write_text(
        '---\nlayout: post\ntitle: "Markdown: Film"\ndirector: "M"\nyear: 1977\n'
        "date: 2018-02-02\nposter: poster.png\n---\n\nFrom a Markdown file.\n"
    )
    filmcli(run, site, "add", drafts)

    other = tmp_path / "other"
    (other / "_posts").mkdir(parents=True)
    poster = images / "other.jpg"
    Image.new("RGB", (300, 450), (10, 10, 10)).save(poster, "JPEG")
    filmcli(
        run,
        other,
        "new",
        "--title",
        "Exported: Film",
        "--director",
        "E",
        "--year",
        "1988",
        "--poster",
        poster,
        "--date",
        "2017-03-03",
        "--body",
        "Exported.",
    )
    exported = filmcli(run, other, "export", "--format", "jsonl").stdout_bytes
    filmcli(run, site, "add", "-", "--from", "jsonl", input=exported)

    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(
        [
            ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Review"],
            [
                "2016-04-04",
                "Letterboxd, Film",
                "1966",
                "https://boxd.it/x",
                "4",
                "Curly {{ braces and {% tags in a review",
            ],
        ]
    )
    (tmp_path / "diary.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    letterboxd = run("-L", site, "add", tmp_path / "diary.csv")
    assert letterboxd.exit_code == 0, letterboxd.stderr  # incomplete (no director, poster)

    (site / "filmcli-map.json").write_text(MAP_PAGE)
    dest = tmp_path / "built"
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(
        [JEKYLL, "build", "--source", str(site), "--destination", str(dest)],
        capture_output=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr).decode(errors="replace")

    pages = {
        entry["path"]: entry["url"] for entry in json.loads((dest / "filmcli-map.json").read_text())
    }
    files = sorted((site / "_posts").glob("*.md"))
    assert len(files) == site_posts + len(TITLES) + 3
    assert set(pages) == {f"_posts/{f.name}" for f in files}, "a post did not become a page"
    for name in made:
        assert f"_posts/{name}" in pages
    with_poster = 0
    for file in files:
        post = Post.read(file)
        url = unquote(pages[f"_posts/{file.name}"])
        page = dest / url.lstrip("/")
        if url.endswith("/"):
            page = page / "index.html"
        html = page.read_text(encoding="utf-8")
        assert liquid_escape(post.title) in html or post.title in html, (file.name, post.title)
        if post.poster is not None:
            assert f'src="{post.poster.uri}"' in html, f"{file.name}: poster not intact"
            with_poster += 1
        if file.name.endswith("letterboxd-film.md"):
            assert "Curly {{ braces and {% tags in a review" in html
    assert with_poster == len(files) - 1  # all but the Letterboxd row
