"""Typed settings, the poster's public state, and Pillow's globals left to their owner."""

from __future__ import annotations

import base64
import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest

from filmcli import Library
from filmcli.model.post import Post
from filmcli.model.poster import Poster
from filmcli.store import config
from filmcli.store.config import DEFAULTS, load_config

ROOT = Path(__file__).resolve().parent.parent


# --- Settings -------------------------------------------------------------------------------


def test_settings_defaults_are_the_one_source_of_defaults(tmp_path):
    settings = load_config(tmp_path).settings
    assert settings == config.Settings()
    assert settings.validate.max_pixels == 25_000_000 == DEFAULTS["validate"]["max_pixels"]
    assert settings.read.max_post_bytes == DEFAULTS["read"]["max_post_bytes"]
    assert settings.poster.dir == "assets/posters"
    assert settings.wall.max_pixels == 40_000_000
    assert settings.lookup.cache_days == 7
    assert list(settings.validate.required) == DEFAULTS["validate"]["required"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.validate.max_pixels = 1  # type: ignore[misc]


def test_settings_follow_filmcli_toml(tmp_path):
    (tmp_path / "filmcli.toml").write_text(
        "posts_dir = 'reviews'\nmine = 'a key of the user own'\n"
        "[validate]\nmax_pixels = 1000\nrequired = ['title']\n"
        "[lookup]\nconnect_timeout = 3\n"
        "[defaults.front_matter]\nauthor = 'me'\n"
    )
    settings = load_config(tmp_path).settings
    assert settings.posts_dir == "reviews"
    assert settings.validate.max_pixels == 1000
    assert settings.validate.required == ("title",)
    assert settings.lookup.connect_timeout == 3.0
    assert isinstance(settings.lookup.connect_timeout, float)
    assert settings.defaults.front_matter == {"author": "me"}
    assert settings.validate.max_bytes == 5_000_000  # the rest stays at the defaults


def test_library_reads_its_settings(tmp_path, run):
    """The library's limits come from library.settings: a post over read.max_post_bytes is
    refused by the real CLI."""
    root = tmp_path / "lib"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: t\n")
    (root / "filmcli.toml").write_text("[read]\nmax_post_bytes = 100\n")
    post = root / "_posts" / "2020-01-01-big.md"
    post.write_text("---\ntitle: Big\n---\n" + "x" * 200 + "\n")
    assert Library(root).settings.read.max_post_bytes == 100
    result = run("-L", root, "validate", "--select", "FC008")
    assert "FC008" in result.stdout, result.output


def test_store_given_a_plain_dict_builds_its_settings(tmp_path):
    given = {"read": {"max_post_bytes": 123}}
    assert Library(tmp_path, config=given).settings.read.max_post_bytes == 123


def test_config_module_imports_no_pillow_rich_or_yaml():
    code = (
        "import sys, filmcli.store.config as c; c.load_config(__import__('pathlib').Path('.'));"
        "print(sorted(m for m in ('PIL', 'rich', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


def test_no_default_written_twice():
    """validate.max_pixels' and wall.max_pixels' defaults are written only in the Settings
    tree (the CLI layer's own reads are not yet moved to library.settings)."""
    for default in ("25_000_000", "40_000_000"):
        hits = [
            str(p.relative_to(ROOT))
            for p in (ROOT / "filmcli").rglob("*.py")
            if default in p.read_text(encoding="utf-8") and "cli" not in p.parts
        ]
        assert hits == ["filmcli/store/config.py"], default


# --- Poster state ---------------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (3, 2), "red").save(out, "PNG")
    return out.getvalue()


def test_poster_state_round_trips(tmp_path):
    data = _png()
    path = tmp_path / "2020-01-01-a.md"
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    path.write_text(f"---\ntitle: A\nposter: {uri}\n---\nbody\n")
    poster = Post.read(path).poster
    assert poster.span is not None and poster.file == path
    start, end = poster.span
    assert path.read_bytes()[start:end] == uri.split(",", 1)[1].encode()
    assert (poster.width, poster.height) == (3, 2)
    poster.forget()
    again = Poster.from_state(poster.to_state(), path)
    assert again.to_state() == poster.to_state()
    assert again.data == data and again.span == poster.span and again.file == path
    assert (again.format, again.width, again.height) == ("PNG", 3, 2)

    inline = Poster.from_value(uri)
    assert inline.span is None and inline.file is None
    copy = Poster.from_state(inline.to_state(), None)
    assert copy.data == data and copy.uri == inline.uri


# --- Pillow's process-wide settings ----------------------------------------------------------


def test_validate_leaves_pillow_globals_alone(seed_site, monkeypatch, run):
    """The program that imports filmcli keeps its own Pillow settings; validate still
    refuses a truncated poster and one over validate.max_pixels."""
    from PIL import Image, ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 123_456_789)
    from filmcli.ops.validate import decode_problem

    big = io.BytesIO()
    Image.new("RGB", (600, 600), "blue").save(big, "PNG")
    cut = big.getvalue()[: len(big.getvalue()) // 2]
    rule, _ = decode_problem(cut, 25_000_000)
    assert rule == "FC107"
    rule, _ = decode_problem(big.getvalue(), 1000)
    assert rule == "FC108"
    from filmcli.ops.validate import validate

    validate(Library(seed_site))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    assert Image.MAX_IMAGE_PIXELS == 123_456_789
    from filmcli.posters.prepare import prepare_poster

    prepare_poster(big.getvalue(), max_pixels=1_000_000)
    assert Image.MAX_IMAGE_PIXELS == 123_456_789
    result = run("-L", seed_site, "validate")
    assert result.exit_code in (0, 1), result.output
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    assert Image.MAX_IMAGE_PIXELS == 123_456_789


# --- dead code gone, behaviour kept -----------------------------------------------------------


def test_quote_round_trips_every_character_it_escapes():
    """Every character YAML cannot print is in the BMP (`\\x` or `\\u`); above it all is
    printable and written as it is: each loads back the same through PyYAML."""
    import yaml

    from filmcli.model.yamltext import quote

    chars = [chr(c) for c in (*range(1, 0x100), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)]
    chars += [chr(0x10000), chr(0x1F3AC), chr(0x10FFFF)]
    for ch in chars:
        text = quote(f"a{ch}b")
        assert yaml.safe_load(text) == f"a{ch}b", (hex(ord(ch)), text)
    assert quote(chr(0x1F3AC)) == f'"{chr(0x1F3AC)}"'
