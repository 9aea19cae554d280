"""The library API: Post and Poster from files, tolerant of BOMs, CRLF and folded posters."""

from __future__ import annotations

import base64
import hashlib

import frontmatter
import pytest

from conftest import SEED
from filmcli import FilmcliError, Library, Post

SEED_BYTES = SEED.read_bytes()
POSTER_URI = SEED_BYTES.split(b"\nposter: ", 1)[1].split(b"\n", 1)[0].decode()
POSTER_BYTES = base64.b64decode(POSTER_URI.split(",", 1)[1])


def test_seed_post_fields():
    post = Post.read(SEED)
    assert (post.layout, post.title, post.director, post.year) == (
        "post",
        "Her",
        "Spike Jonze",
        2013,
    )
    assert str(post.date) == "2013-12-18" and post.slug == "her"
    assert post.body.startswith("A quiet film about connection")
    assert list(post.front_matter) == ["layout", "title", "director", "year", "poster"]
    assert post.lines == {"layout": 2, "title": 3, "director": 4, "year": 5, "poster": 6}


def test_poster_summary_is_lazy_and_exact():
    poster = Post.read(SEED).poster
    assert poster.origin == "data" and poster.declared_mime == "image/jpeg"
    assert (poster.format, poster.width, poster.height) == ("JPEG", 259, 194)
    assert poster.size == len(POSTER_BYTES)
    assert poster.sha256 == hashlib.sha256(POSTER_BYTES).hexdigest()
    assert poster.data == POSTER_BYTES
    assert poster.uri == POSTER_URI


def test_same_values_as_python_frontmatter():
    post = Post.read(SEED)
    reference = frontmatter.loads(SEED_BYTES.decode())
    assert post.metadata() == reference.metadata
    assert post.review == reference.content


@pytest.mark.parametrize("variant", ["bom", "crlf", "folded", "spaces-in-base64", "quoted"])
def test_tolerant_reading(tmp_path, variant):
    text = SEED_BYTES.decode()
    b64 = POSTER_URI.split(",", 1)[1]
    if variant == "bom":
        data = b"\xef\xbb\xbf" + SEED_BYTES
    elif variant == "crlf":
        data = text.replace("\n", "\r\n").encode()
    elif variant == "folded":
        chunks = [b64[i : i + 76] for i in range(0, len(b64), 76)]
        folded = "data:image/jpeg;base64," + "\n  ".join(chunks)
        data = text.replace(POSTER_URI, folded).encode()
    elif variant == "spaces-in-base64":
        spaced = "data:image/jpeg;base64," + " ".join(
            b64[i : i + 64] for i in range(0, len(b64), 64)
        )
        data = text.replace(POSTER_URI, f'"{spaced}"').encode()
    else:
        data = text.replace(POSTER_URI, f'"{POSTER_URI}"').encode()
    path = tmp_path / "2013-12-18-her.md"
    path.write_bytes(data)
    post = Post.read(path)
    assert post.title == "Her" and post.year == 2013
    assert post.poster.data == POSTER_BYTES
    assert post.poster.format == "JPEG"
    assert post.review.startswith("A quiet film")


def test_errors_carry_path_line_and_rule(tmp_path):
    path = tmp_path / "2020-01-01-x.md"
    path.write_text("---\ntitle: [oops\n---\nbody")
    with pytest.raises(FilmcliError) as info:
        Post.read(path)
    assert info.value.path == str(path) and info.value.line and info.value.rule == "FC003"


def test_poster_kinds():
    from filmcli import Poster

    assert Poster.from_value("/assets/posters/her.jpg").origin == "path"
    assert Poster.from_value("assets/her.jpg").origin == "path"
    assert Poster.from_value("https://example.com/her.jpg").origin == "url"
    assert Poster.from_value(POSTER_URI).origin == "data"


def test_library_discovery(tmp_path, monkeypatch):
    site = tmp_path / "blog"
    (site / "_posts" / "sub").mkdir(parents=True)
    (site / "_config.yml").write_text("title: x\n")
    (site / "_posts" / "2013-12-18-her.md").write_bytes(SEED_BYTES)
    (site / "_posts" / "sub" / "2014-01-01-other.markdown").write_bytes(SEED_BYTES)
    (site / "_posts" / ".hidden.md").write_bytes(SEED_BYTES)
    monkeypatch.delenv("FILMCLI_LIBRARY", raising=False)
    lib = Library.discover(cwd=site / "_posts" / "sub")
    assert lib.root == site.resolve()
    assert [lib.relpath(p) for p in lib.post_paths()] == [
        "_posts/2013-12-18-her.md",
        "_posts/sub/2014-01-01-other.markdown",
    ]
    monkeypatch.setenv("FILMCLI_LIBRARY", str(site))
    assert Library.discover(cwd=tmp_path).root == site.resolve()


def test_posts_dir_from_config(tmp_path):
    (tmp_path / "reviews").mkdir()
    (tmp_path / "filmcli.toml").write_text('posts_dir = "reviews"\n')
    (tmp_path / "reviews" / "2013-12-18-her.md").write_bytes(SEED_BYTES)
    lib = Library(tmp_path)
    assert [p.title for p in lib.posts()] == ["Her"]


def test_poster_file_never_escapes_the_root(tmp_path):
    """The one poster-path resolver (validate, embed, show, wall, add): inside the site only."""
    import pytest

    from filmcli import FilmcliError
    from filmcli.posters.extract import poster_file

    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "her.jpg").write_bytes(b"x")
    post = tmp_path / "_posts" / "2013-12-18-her.md"
    assert poster_file(tmp_path, post, "/assets/her.jpg") == (tmp_path / "assets" / "her.jpg")
    for value in ("../../etc/passwd", "/a/\x00b", "/etc/passwd"):
        with pytest.raises(FilmcliError):
            poster_file(tmp_path, post, value)


def test_named_pipe_in_posts_is_an_error_not_a_hang(tmp_path):
    import os

    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2013-12-18-her.md").write_bytes(SEED_BYTES)
    os.mkfifo(tmp_path / "_posts" / "2020-01-01-pipe.md")
    items = list(Library(tmp_path).iter_posts())
    errors = [i for i in items if isinstance(i, FilmcliError)]
    assert [e.rule for e in errors] == ["FC009"] and "not a regular file" in errors[0].message
    assert [p.title for p in items if not isinstance(p, FilmcliError)] == ["Her"]


def test_non_finite_floats_render_as_yaml_reads_them():
    import math

    import yaml

    from filmcli.model.yamltext import scalar

    for value in (float("nan"), float("inf"), float("-inf"), 0.1, 1e300):
        back = yaml.safe_load("k: " + scalar(value))["k"]
        assert isinstance(back, float)
        assert (math.isnan(value) and math.isnan(back)) or back == value
