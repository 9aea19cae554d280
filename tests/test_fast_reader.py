"""The fast reader gives exactly what python-frontmatter (and YAML) give.

filmcli reads posts without YAML when their front matter has the shape
filmcli writes (`key: "text"`, `key: 1999`, a one-line poster...), and with
YAML otherwise. These tests hold both paths to the reference reader that most
Jekyll tooling in Python uses: python-frontmatter. The poster is compared as
its full data-URI text (`Post.metadata()`), the body as python-frontmatter's
stripped `content` (`Post.review`).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import frontmatter
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filmcli.api import Library
from filmcli.model.files import stamp
from filmcli.model.post import Post
from filmcli.model.reader import _parse_fast, _parse_reference

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_POSTS = sorted((ROOT / "examples" / "site" / "_posts").glob("*.md"))
SEED = Path(__file__).resolve().parent / "data" / "2013-12-18-her.md"

# A generated library this size takes a few seconds with the benchmark's generator.
GENERATED_POSTS = 1000


def reference(data: bytes) -> tuple[dict, str]:
    """python-frontmatter's metadata and content for a post's bytes."""
    parsed = frontmatter.loads(data.decode("utf-8"))
    return parsed.metadata, parsed.content


def poster_text(value):
    """A data URI as filmcli gives it back: the base64 text without line folds."""
    if isinstance(value, str) and value.startswith("data:"):
        header, _, payload = value.partition(",")
        return header + "," + re.sub(r"\s+", "", payload)
    return value


def assert_same(post: Post, data: bytes) -> None:
    meta, content = reference(data)
    ours = post.metadata()
    assert list(ours) == list(meta)
    assert {k: poster_text(v) for k, v in ours.items()} == {
        k: poster_text(v) for k, v in meta.items()
    }
    assert post.review == content


@pytest.mark.parametrize("path", EXAMPLE_POSTS, ids=[p.name for p in EXAMPLE_POSTS])
def test_example_site_post_reads_as_python_frontmatter_reads_it(path):
    assert_same(Post.read(path), path.read_bytes())


def test_example_site_has_posts():
    assert len(EXAMPLE_POSTS) >= 10


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate_library
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    out = tmp_path_factory.mktemp("generated")
    generate_library(out, GENERATED_POSTS, seed=7)
    return out


def test_generated_library_reads_as_python_frontmatter_reads_it(generated, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    library = Library(generated)
    paths = library.post_paths()
    assert len(paths) == GENERATED_POSTS
    fast = 0
    for item in library.iter_posts(use_cache=False):
        assert isinstance(item, Post), item
        data = item.path.read_bytes()
        assert_same(item, data)
        fast += _parse_fast(data, item.path, False, stamp(os.stat(item.path))) is not None
    # The generator writes the canonical form: nearly every post takes the fast path
    # (titles with escapes such as \" go through YAML).
    assert fast > GENERATED_POSTS * 0.8


def test_a_helper_process_reading_half_the_library_changes_nothing(
    generated, monkeypatch, tmp_path
):
    from filmcli.store import cache, parallel

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SETTLE_NS", 0)
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    library = Library(generated)
    serial = [
        (p.metadata(), p.body, p.lines, p.poster.short(), p.path)
        for p in library.posts(use_cache=False)
    ]
    started = []
    real = parallel.ReadAhead.__init__

    def spy(self, batches, work):
        started.append(sum(len(b) for b in batches))
        real(self, batches, work)

    monkeypatch.setattr(parallel.ReadAhead, "__init__", spy)
    monkeypatch.setenv("FILMCLI_JOBS", "2")
    monkeypatch.setattr(Library, "helper_min_posts", 0)
    monkeypatch.setattr(Library, "helper_when_busy", True)
    helped = [(p.metadata(), p.body, p.lines, p.poster.short(), p.path) for p in library.posts()]
    assert started == [GENERATED_POSTS - 512]  # the helper read every other batch of 512
    assert helped == serial
    opened = cache.PostCache.open(library.root, "max_post_bytes=64000000")
    assert opened.count == GENERATED_POSTS  # and its posts were cached like the others
    opened.close()


def test_generated_library_reads_the_same_from_the_cache(generated, monkeypatch, tmp_path):
    from filmcli.store import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SETTLE_NS", 0)
    monkeypatch.setattr(cache, "_COARSE_SETTLE_NS", 0)
    library = Library(generated)
    first = [(p.metadata(), p.body, p.lines, p.poster.short()) for p in library.posts()]
    opened = cache.PostCache.open(library.root, "max_post_bytes=64000000")
    assert opened is not None and opened.count == GENERATED_POSTS
    opened.close()
    again = [(p.metadata(), p.body, p.lines, p.poster.short()) for p in library.posts()]
    assert again == first


# --- odd but valid posts: both paths, same answers --------------------------

SEED_BYTES = SEED.read_bytes()
SEED_TEXT = SEED_BYTES.decode("utf-8")
URI = re.search(r"^poster: (data:\S+)$", SEED_TEXT, re.M).group(1)


def variant(name: str) -> tuple[bytes, bytes]:
    """(bytes filmcli reads, bytes python-frontmatter should see)."""
    if name == "crlf":
        data = SEED_TEXT.replace("\n", "\r\n").encode()
        return data, data
    if name == "bom":
        return b"\xef\xbb\xbf" + SEED_BYTES, SEED_BYTES  # frontmatter does not skip a BOM
    if name == "folded":
        header, payload = URI.split(",", 1)
        folded = header + "," + "\n  ".join(payload[i : i + 76] for i in range(0, len(payload), 76))
        data = SEED_TEXT.replace(URI, folded).encode()
        return data, data
    if name == "quoted":
        data = SEED_TEXT.replace(URI, f'"{URI}"').encode()
        return data, data
    if name == "poster-first":
        lines = SEED_TEXT.split("\n")
        poster = next(i for i, line in enumerate(lines) if line.startswith("poster:"))
        lines.insert(1, lines.pop(poster))
        data = "\n".join(lines).encode()
        return data, data
    if name == "no-poster":
        data = re.sub(r"^poster: .*\n", "", SEED_TEXT, flags=re.M).encode()
        return data, data
    if name == "extras":
        data = SEED_TEXT.replace(
            "year: 2013\n",
            "year: 2013\ndate: 2013-12-18\n"
            "tags: [drama, romance]\nrating: 4.5\npublished: true\n"
            "# a comment\n",
        ).encode()
        return data, data
    if name == "escapes":
        data = SEED_TEXT.replace('title: "Her"', 'title: "Her \\"2\\" \\u00e9\\t"').encode()
        return data, data
    if name == "no-gap":
        data = SEED_TEXT.replace("---\n\n", "---\n", 1).encode()
        return data, data
    raise AssertionError(name)


VARIANTS = [
    "crlf",
    "bom",
    "folded",
    "quoted",
    "poster-first",
    "no-poster",
    "extras",
    "escapes",
    "no-gap",
]


@pytest.mark.parametrize("name", VARIANTS)
def test_odd_posts_read_as_python_frontmatter_reads_them(tmp_path, name):
    data, seen = variant(name)
    path = tmp_path / "2013-12-18-her.md"
    path.write_bytes(data)
    post = Post.read(path)
    assert_same(post, seen)
    if post.poster is not None:
        assert post.poster.format == "JPEG" and post.poster.width == 259


@pytest.mark.parametrize("name", VARIANTS)
def test_fast_path_agrees_with_the_yaml_path(tmp_path, name):
    data, _ = variant(name)
    path = tmp_path / "post.md"
    path.write_bytes(data)
    fast = _parse_fast(data, path, False, stamp(os.stat(path)))
    slow = _parse_reference(data, path, False, stamp(os.stat(path)))
    if fast is not None:
        assert same_raw(fast, slow)


def same_raw(a, b) -> bool:
    def plain(raw):
        front = {
            k: (v.uri, v.size, v.format, v.width, v.height, v.line) if hasattr(v, "uri") else v
            for k, v in raw.front_matter.items()
        }
        return (list(front), front, raw.body, raw.lines, raw.gap, raw.fm_lines)

    return plain(a) == plain(b)


def test_the_seed_takes_the_fast_path(tmp_path):
    assert _parse_fast(SEED_BYTES, SEED, False, stamp(os.stat(SEED))) is not None


# --- every line shape the fast path accepts, against YAML --------------------

NORMAL_KEYS = st.sampled_from(
    ["title", "director", "year", "layout", "_x", "a-b", "key_2", "rating", "date"]
)
ODD_KEYS = st.sampled_from(["yes", "No", "on", "null", "y", "True", "Off", "~", "1", "a b"])
KEYS = st.one_of(NORMAL_KEYS, NORMAL_KEYS, NORMAL_KEYS, ODD_KEYS)
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
SAFE_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters='"\\'
    ),
    max_size=12,
)
VALUES = st.one_of(
    SAFE_TEXT.map(lambda t: '"' + t + '"'),
    SAFE_TEXT.map(lambda t: '"' + t + '"'),
    st.integers(0, 10**20).map(str),
    TEXT.map(lambda t: '"' + t + '"'),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_.' -]{0,10}", fullmatch=True),
    TEXT,
    st.sampled_from(
        [
            "post",
            "Yes",
            "no",
            "NULL",
            "~",
            "null",
            "on",
            "Off",
            "y",
            "n",
            "nan",
            ".inf",
            "0",
            "00",
            "017",
            "0x1F",
            "1_000",
            "1999",
            "-3",
            "+4",
            "12e3",
            "1.5",
            "2013-12-18",
            "2013-1-5",
            "2013-02-30",
            "0000-01-01",
            "2013-12-18 10:00:00",
            "it's",
            "a b",
            "a  b",
            "a #b",
            "a: b",
            "Her",
            "Spike Jonze",
            "x.y",
            "a-",
            "-a",
            "'q'",
            "[1, 2]",
            "{a: 1}",
            "&a x",
            "*a",
            "!!str 3",
            "|",
            ">",
            "",
            " ",
            "é",
            "Léon",
            "1917",
            "99999999999999999999",
        ]
    ),
)


SAFE_VALUES = st.one_of(
    SAFE_TEXT.map(lambda t: '"' + t + '"'),
    st.integers(0, 10**20).map(str),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_.'-]{0,8}( [A-Za-z0-9_.'-]{1,5}){0,2}", fullmatch=True),
    st.dates().map(lambda d: d.isoformat()),
    st.just(""),
)
FUZZ = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(
    st.lists(
        st.tuples(
            KEYS,
            VALUES,
            st.sampled_from([" ", " ", " ", "  ", ""]),
            st.sampled_from(["", " ", "  "]),
        ),
        min_size=1,
        max_size=3,
        unique_by=lambda line: line[0],
    ),
    st.booleans(),
)
def test_fast_lines_match_yaml(tmp_path, lines, with_poster):
    check_lines(tmp_path, lines, with_poster)


@FUZZ
@given(
    st.lists(
        st.tuples(
            NORMAL_KEYS, SAFE_VALUES, st.sampled_from([" ", "  "]), st.sampled_from(["", " "])
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda line: line[0],
    ),
    st.booleans(),
)
def test_fast_lines_of_filmcli_shape_match_yaml(tmp_path, lines, with_poster):
    took = check_lines(tmp_path, lines, with_poster)
    # The only lines of this shape left to YAML: words it reads as booleans or null,
    # and integers too long to be sure of.
    reserved = {"yes", "no", "on", "off", "null", "true", "false", "y", "n", "nan", "inf"}
    assert took or any(
        v.lower() in reserved or (v.isdigit() and len(v) > 18) for _, v, _, _ in lines
    )


def check_lines(folder: Path, lines, with_poster: bool) -> bool:
    """Compare the fast path with YAML and python-frontmatter; True if it took the post."""
    text = "".join(f"{k}:{sep}{v}{trail}\n" for k, v, sep, trail in lines)
    if with_poster:
        text = text + f"poster: {URI}\n"
    data = ("---\n" + text + "---\n\nBody.\n").encode("utf-8", "surrogatepass")
    path = folder / "post.md"
    path.write_bytes(data)
    try:
        fast = _parse_fast(data, path, False, stamp(os.stat(path)))
    except (UnicodeDecodeError, ValueError):
        fast = None
    if fast is None:
        return False  # the fast path declined: the YAML path is the answer
    # must not raise: the fast path accepted it
    slow = _parse_reference(data, path, False, stamp(os.stat(path)))
    assert same_raw(fast, slow), text
    meta, _ = reference(data)
    assert {
        k: poster_text(v.uri if hasattr(v, "uri") else v) for k, v in fast.front_matter.items()
    } == {k: poster_text(v) for k, v in meta.items()}
    return True
