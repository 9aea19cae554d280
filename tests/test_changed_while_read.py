"""A poster's remembered byte span is only ever read from the file the post was parsed from.

Issue 9 item 1: an editor that saves by rename while `export` runs used to give records with
shifted base64 (`data:image/jpeg;base64,e64,/9j/...`). These tests change the file between the
parse and the poster read, deterministically, and then with a real second process.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from filmcli import FilmcliError, Library


def _grow_title(path, extra=b"XXXX"):
    """Save the post the way editors do: a new file renamed over the old (new inode)."""
    data = path.read_bytes()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data.replace(b'title: "', b'title: "' + extra, 1))
    os.replace(tmp, path)


def test_a_post_replaced_after_parsing_is_refused_not_read_at_old_offsets(seed_site):
    lib = Library(seed_site)
    (post,) = list(lib.posts())
    _grow_title(post.path)
    with pytest.raises(FilmcliError, match="changed while it was read"):
        post.poster.data  # noqa: B018 -- reading the span is the point


def test_an_unchanged_post_still_gives_its_exact_poster(seed_site):
    lib = Library(seed_site)
    (post,) = list(lib.posts())
    text = post.path.read_text()
    b64 = text.split("base64,", 1)[1].split("\n", 1)[0].strip()
    assert post.poster.data == base64.b64decode(b64)


RENAMER = r"""
import os, sys, time
from pathlib import Path
posts = sorted(Path(sys.argv[1]).glob("*.md"))
end = time.monotonic() + float(sys.argv[2])
i = 0
while time.monotonic() < end:
    p = posts[i % len(posts)]; i += 1
    data = p.read_bytes()
    tmp = p.with_name("." + p.name + ".tmp")
    tmp.write_bytes(data.replace(b'title: "', b'title: "abcd', 1))
    os.replace(tmp, p)
"""


@pytest.mark.parametrize("round_", range(int(os.environ.get("FILMCLI_RACE_ROUNDS", "3"))))
def test_export_during_rename_saves_never_gives_shifted_posters(library, round_):
    seed = os.path.dirname(__file__) + "/data/2013-12-18-her.md"
    data = open(seed, "rb").read()
    posts = library / "_posts"
    for i in range(600):
        (posts / f"2013-12-18-her-{i}.md").write_bytes(
            data.replace(b'title: "Her"', f'title: "Her {i}"'.encode())
        )
    good = data.split(b"base64,", 1)[1].split(b"\n", 1)[0].strip().decode()
    editor = subprocess.Popen([sys.executable, "-c", RENAMER, str(posts), "20"])
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "filmcli",
                "--no-cache",
                "-L",
                str(library),
                "export",
                "--format",
                "jsonl",
            ],
            capture_output=True,
            timeout=120,
        )
    finally:
        editor.kill()
        editor.wait()
    for line in out.stdout.decode().splitlines():
        record = json.loads(line)
        assert record["poster"].endswith(good), "a poster was read at shifted offsets"
