"""Every rule with a limit, exactly at the limit and one past it (issue 15).

Through the real CLI (`validate --format json`) and the library. "Today" is what validate
uses: `datetime.date.today()`, the local date of the process running the check.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from filmcli.errors import FilmcliError
from filmcli.model import reader
from filmcli.model.post import Post
from filmcli.ops.validate import Checker, Options, poster_problems


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def write_post(root: Path, name: str = "2020-01-01-x.md", **fields) -> Path:
    front = {"title": '"Her"', "director": '"Spike Jonze"', "year": "2013"}
    front["poster"] = data_uri(png(2, 2))
    front.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        front.pop(k, None)
    text = "---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + "---\nText.\n"
    path = root / "_posts" / name
    path.write_text(text)
    return path


def problems(run, root: Path) -> list[dict]:
    result = run("-L", root, "validate", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def rules(run, root: Path) -> set[str]:
    return {p["rule"] for p in problems(run, root)}


def config(root: Path, text: str) -> None:
    (root / "filmcli.toml").write_text(text)


# --- FC103: years ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "flagged"),
    [
        (1870, False),
        (1869, True),
        (dt.date.today().year, False),
        (dt.date.today().year + 1, False),  # next year's films are announced: not flagged
        (dt.date.today().year + 2, True),
    ],
)
def test_fc103_year_limits(run, library, year, flagged):
    write_post(library, year=str(year))
    assert ("FC103" in rules(run, library)) is flagged


def test_fc103_min_year_setting_is_the_limit(run, library):
    config(library, "[validate]\nmin_year = 1900\n")
    write_post(library, year="1900")
    assert "FC103" not in rules(run, library)
    write_post(library, year="1899")
    assert "FC103" in rules(run, library)


# --- FC101: required fields, whitespace-only values --------------------------


@pytest.mark.parametrize(
    ("title", "flagged"),
    [('"x"', False), ('" x "', False), ('" "', True), ('"\\t"', True), ('""', True), ("", True)],
)
def test_fc101_whitespace_only_title_is_empty(run, library, title, flagged):
    write_post(library, title=title)
    found = [p for p in problems(run, library) if p["rule"] == "FC101"]
    assert bool(found) is flagged, found
    if flagged:
        assert found[0]["message"] == "required field 'title' is empty"
        assert found[0]["line"] == 2


def test_fc101_missing_field(run, library):
    write_post(library, director=None)
    found = [p for p in problems(run, library) if p["rule"] == "FC101"]
    assert [(p["message"], p["line"]) for p in found] == [
        ("required field 'director' is missing", 1)
    ]


def test_fc101_only_the_required_setting(run, library):
    config(library, '[validate]\nrequired = ["title"]\n')
    write_post(library, director=None, poster=None, year=None)
    assert "FC101" not in rules(run, library)


# --- FC109 and FC108: poster bytes and pixels --------------------------------


def test_fc109_byte_limit(run, library):
    image = png(3, 2)
    write_post(library, poster=data_uri(image))
    config(library, f"[validate]\nmax_bytes = {len(image)}\n")
    assert rules(run, library) == set()  # at the limit: decoded in full, and clean
    config(library, f"[validate]\nmax_bytes = {len(image) - 1}\n")
    found = [p for p in problems(run, library) if p["rule"] == "FC109"]
    assert len(found) == 1
    assert f"{len(image):,} bytes, over the limit of {len(image) - 1:,}" in found[0]["message"]


@pytest.mark.parametrize("width", [4, 5, 7])  # base64 padding: 0, 1 and 2 '=' at the end
def test_fc109_byte_limit_library_each_padding(width):
    for extra in range(3):
        image = png(width, 1) + b"\0" * extra
        poster = Post.from_bytes(
            f"---\nposter: {data_uri(image)}\n---\n".encode(), "/l/_posts/2020-01-01-a.md"
        ).poster
        assert poster.size == len(image)
        at = poster_problems(poster, Options(max_bytes=len(image), images=False))
        past = poster_problems(poster, Options(max_bytes=len(image) - 1, images=False))
        assert "FC109" not in {r for r, _ in at}
        assert {r for r, _ in past} == {"FC109"}


def test_fc108_pixel_limit(run, library):
    write_post(library, poster=data_uri(png(4, 3)))
    config(library, "[validate]\nmax_pixels = 12\n")
    assert "FC108" not in rules(run, library)
    config(library, "[validate]\nmax_pixels = 11\n")
    found = [p for p in problems(run, library) if p["rule"] == "FC108"]
    assert len(found) == 1 and "4×3 = 12 pixels, over the limit of 11" in found[0]["message"]


def test_fc108_pixel_limit_fast_mode(run, library):
    write_post(library, poster=data_uri(png(4, 3)))
    config(library, "[validate]\nmax_pixels = 12\n")
    assert "FC108" not in {
        p["rule"]
        for p in json.loads(run("-L", library, "validate", "--fast", "--format", "json").stdout)
    }
    config(library, "[validate]\nmax_pixels = 11\n")
    out = run("-L", library, "validate", "--fast", "--format", "json").stdout
    assert "FC108" in {p["rule"] for p in json.loads(out)}


def test_defaults_are_the_documented_limits():
    assert (Options.max_bytes, Options.max_pixels, Options.min_year) == (
        5_000_000,
        25_000_000,
        1870,
    )
    assert Options.from_config({}).max_pixels == 25_000_000


# --- FC206: today and tomorrow -----------------------------------------------


def test_fc206_date_key_today_and_tomorrow(run, library):
    today = dt.date.today()
    write_post(library, date=today.isoformat())
    assert "FC206" not in rules(run, library)
    write_post(library, date=(today + dt.timedelta(days=1)).isoformat())
    found = [p for p in problems(run, library) if p["rule"] == "FC206"]
    assert len(found) == 1 and found[0]["severity"] == "warning" and found[0]["line"] == 6


def test_fc206_file_name_today_and_tomorrow(run, library):
    today = dt.date.today()
    write_post(library, name=f"{today.isoformat()}-x.md")
    assert "FC206" not in rules(run, library)
    (library / "_posts" / f"{today.isoformat()}-x.md").unlink()
    write_post(library, name=f"{(today + dt.timedelta(days=1)).isoformat()}-x.md")
    assert "FC206" in rules(run, library)


def test_fc206_against_a_given_today(library):
    day = dt.date(2030, 6, 1)
    lib = type("L", (), {"root": library, "relpath": staticmethod(lambda p: p.name)})()
    checker = Checker(lib, Options(today=day, required=()))
    for when, flagged in [(day, False), (day + dt.timedelta(days=1), True)]:
        post = Post.from_bytes(b"---\ntitle: x\n---\n", f"/l/_posts/{when.isoformat()}-a.md")
        assert ("FC206" in {p.rule for p in checker.check_post(post)}) is flagged
    post = Post.from_bytes(b"---\nyear: 2031\n---\n", "/l/_posts/2020-01-01-a.md")
    assert "FC103" not in {p.rule for p in checker.check_post(post)}
    post = Post.from_bytes(b"---\nyear: 2032\n---\n", "/l/_posts/2020-01-01-a.md")
    assert "FC103" in {p.rule for p in checker.check_post(post)}


# --- FC008 and the reader's limits -------------------------------------------


@pytest.mark.parametrize("size", [100, reader._CHUNK, reader._CHUNK + 1, 3 * reader._CHUNK])
def test_fc008_post_bytes_at_and_past_the_limit(tmp_path, size):
    path = tmp_path / "2020-01-01-a.md"
    head = b"---\ntitle: x\n---\n"
    path.write_bytes(head + b"a" * (size - len(head)))
    assert len(reader.read_post(path, max_bytes=size).body) == size - len(head)
    with pytest.raises(FilmcliError) as err:
        reader.read_post(path, max_bytes=size - 1)
    assert err.value.rule == "FC008"
    assert f"post is {size:,} bytes, over the limit of {size - 1:,}" in err.value.message


def test_fc008_through_the_cli(run, library):
    path = write_post(library)
    size = path.stat().st_size
    config(library, f"[read]\nmax_post_bytes = {size}\n")
    assert "FC008" not in rules(run, library)
    config(library, f"[read]\nmax_post_bytes = {size - 1}\n")
    assert "FC008" in rules(run, library)


def nested(levels: int) -> bytes:
    # the top-level mapping is one level, each flow list one more
    return ("---\nk: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n---\n").encode()


def test_depth_limit():
    assert reader.MAX_DEPTH == 100
    Post.from_bytes(nested(reader.MAX_DEPTH), "/l/_posts/2020-01-01-a.md")
    with pytest.raises(FilmcliError, match="nested more than 100 levels") as err:
        Post.from_bytes(nested(reader.MAX_DEPTH + 1), "/l/_posts/2020-01-01-a.md")
    assert err.value.rule == "FC003"


def test_yaml_bytes_limit():
    def front(size: int) -> bytes:
        head = "k: 1\n#"
        return ("---\n" + head + "x" * (size - len(head) - 1) + "\n---\n").encode()

    Post.from_bytes(front(reader.MAX_YAML_BYTES), "/l/_posts/2020-01-01-a.md")
    with pytest.raises(FilmcliError, match="8,000,001 bytes") as err:
        Post.from_bytes(front(reader.MAX_YAML_BYTES + 1), "/l/_posts/2020-01-01-a.md")
    assert err.value.rule == "FC008"


def test_expanded_size_counts_each_alias():
    import yaml

    assert reader.expanded_size(yaml.compose("")) == 0
    assert reader.expanded_size(yaml.compose("a: 1")) == 3
    # root 1 + a 1 + [1, 2] 3 + b 1 + [*x, *x] (1 + 3 + 3)
    assert reader.expanded_size(yaml.compose("a: &x [1, 2]\nb: [*x, *x]")) == 13
    assert (
        reader.expanded_size(yaml.compose("a: &x [1, [2]]\nb: [*x, *x, *x]")) == 1 + 1 + 4 + 1 + 13
    )


def bomb(extra: int) -> bytes:
    # x: 1 + 9 values; y: [*x] * 9 is 1 + 9 * 10 = 91; b: [*y] * 1097; c: extra ones.
    # The whole: root 1 + keys 4 + x 10 + y 91 + b (1 + 1097 * 91) + c (1 + extra)
    ones = ", ".join(["1"] * 9)
    xs = ", ".join(["*x"] * 9)
    ys = ", ".join(["*y"] * 1097)
    cs = ", ".join(["1"] * extra)
    return f"---\na: &x [{ones}]\nd: &y [{xs}]\nb: [{ys}]\nc: [{cs}]\n---\n".encode()


def test_alias_bomb_limit():
    import yaml

    assert reader.MAX_EXPANDED == 100_000
    assert 1 + 4 + 10 + 91 + (1 + 1097 * 91) + (1 + 65) == 100_000
    text = bomb(65).decode().split("---\n")[1]
    assert reader.expanded_size(yaml.compose(text)) == 100_000
    Post.from_bytes(bomb(65), "/l/_posts/2020-01-01-a.md")
    with pytest.raises(FilmcliError, match="alias bomb") as err:
        Post.from_bytes(bomb(66), "/l/_posts/2020-01-01-a.md")
    assert (err.value.rule, err.value.line) == ("FC006", 2)  # the anchor's line in the file


@pytest.mark.parametrize("extra", [0, 1])
def test_fast_reader_line_bound(extra):
    # past MAX_TOKENS // 8 lines the fast reader hands over to YAML; both read every key
    n = reader.MAX_TOKENS // 8 + extra
    text = "---\n" + "".join(f"k{i}: v\n" for i in range(n)) + "---\n"
    post = Post.from_bytes(text.encode(), "/l/_posts/2020-01-01-a.md")
    assert len(post.front_matter) == n and post.lines[f"k{n - 1}"] == n + 1


def test_key_lines_after_odd_line_breaks_in_two_posts():
    # U+2028 is a line break to YAML, not to a file: lines are counted in LF only, per text
    a = Post.from_bytes('---\na: "x\u2028y"\nb: 1\n---\n'.encode(), "/l/_posts/2020-01-01-a.md")
    b = Post.from_bytes(
        '---\nz: "\u2028"\n\n\nq: 1\nr: 2\n---\n'.encode(), "/l/_posts/2020-01-01-b.md"
    )
    assert (a.lines, b.lines) == ({"a": 2, "b": 3}, {"z": 2, "q": 5, "r": 6})
