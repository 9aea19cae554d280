"""Fuzzing: whatever bytes a post holds, filmcli reports them; it never crashes or misreads.

Three families of input (arbitrary and mutated bytes, structurally valid posts
with hostile front-matter values, hostile posters) go through the reader, the
`validate`, `list` and `parse` commands. The properties:

- reading raises only FilmcliError, carrying the post's path and a line inside the file;
- a post filmcli accepts means what YAML (PyYAML's safe loader) says it means;
- `validate` reports every unreadable post as a problem and never crashes;
- `list` still lists the good posts beside a bad one: exit 1, one `error:` line for it;
- rendering and parsing back round-trips any title, director and body text.

CI runs a fixed, derandomized set of examples (tests/hypothesis_profiles.py);
`FILMCLI_FUZZ=long` runs random examples, many more of them.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import json
import random
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import typer.main
import typer.testing
import yaml
from hypothesis import assume, event, given, note
from hypothesis import strategies as st
from hypothesis_profiles import fuzz
from typer.testing import CliRunner

from conftest import SEED
from filmcli.cli import app
from filmcli.errors import FilmcliError
from filmcli.model.post import Post
from filmcli.model.yamltext import quote

SEED_BYTES = SEED.read_bytes()
SEED_NAME = SEED.name
FUZZ_NAME = "2020-01-02-fuzzed.md"
RUNNER = CliRunner()
ENV = {"NO_COLOR": "1", "FILMCLI_LIBRARY": None, "FILMCLI_DEBUG": None}

# A small good post (the seed's text with a tiny poster) keeps every example fast.
_TINY_PNG = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
).decode()
GOOD_POST = (
    '---\nlayout: post\ntitle: "Good"\ndirector: "A Director"\nyear: 2001\n'
    f"poster: data:image/png;base64,{_TINY_PNG}\n---\n\nA good film.\n"
).encode()
GOOD_NAME = "2001-01-01-good.md"


# --- running things ---------------------------------------------------------


@functools.cache
def _command():
    return typer.main.get_command(app)


@contextmanager
def library_with(post: bytes, name: str = FUZZ_NAME, good: bool = True):
    """A throwaway library: the fuzzed post, and one good post beside it."""
    root = Path(tempfile.mkdtemp(prefix="filmcli-fuzz-"))
    try:
        (root / "_posts").mkdir()
        (root / "_config.yml").write_text("title: fuzz\n")
        if good:
            (root / "_posts" / GOOD_NAME).write_bytes(GOOD_POST)
        (root / "_posts" / name).write_bytes(post)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def cli(root: Path, *args: str):
    """The real CLI, in-process; the click command is built once (Typer rebuilds it per call)."""
    with mock.patch.object(typer.testing, "_get_command", lambda _app: _command()):
        result = RUNNER.invoke(app, ["-L", str(root), *args], env=ENV, catch_exceptions=False)
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _event(text: str) -> None:
    try:
        event(text)
    except Exception:  # outside a hypothesis test (the pinned regressions)
        pass


def read_outcome(path: Path) -> Post | FilmcliError:
    """Post.read, allowing only FilmcliError out, with the path and a line inside the file."""
    try:
        post = Post.read(path)
    except FilmcliError as exc:
        assert exc.path == str(path), (exc.path, exc)
        nlines = path.read_bytes().count(b"\n") + 1
        if exc.line is not None:
            assert 1 <= exc.line <= nlines, (exc.line, nlines, exc)
        if exc.rule in ("FC001", "FC002", "FC004", "FC006", "FC007"):
            assert exc.line is not None, exc
        assert exc.rule and exc.rule.startswith("FC"), exc
        _event(f"refused {exc.rule}")
        return exc
    # Everything a command asks of a post must work or raise FilmcliError.
    from filmcli.ops.records import post_record

    json.dumps(post_record(post, "x", body=True), default=str)
    _ = (post.date, post.slug, post.review, post.metadata())
    if post.poster is not None:
        poster = post.poster
        poster.summary()
        poster.short()
        try:
            _ = (poster.uri, poster.data, poster.format, poster.width, poster.mime)
        except FilmcliError as exc:
            assert exc.rule in ("FC106", "FC111", None), exc
    _event("read")
    return post


def check_post(data: bytes) -> Post | FilmcliError:
    """The core property, run on every fuzzed post."""
    with library_with(data) as root:
        path = root / "_posts" / FUZZ_NAME
        outcome = read_outcome(path)
        rel = f"_posts/{FUZZ_NAME}"

        # validate: never crashes; an unreadable post is a problem with its rule and path.
        result = cli(root, "validate", "--format", "json")
        assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
        problems = json.loads(result.stdout)
        assert all(
            p["path"] != f"_posts/{GOOD_NAME}" or p["rule"] in ("FC203", "FC204") for p in problems
        ), problems
        if isinstance(outcome, FilmcliError):
            # the reader's problem, where it is (FC010 when YAML's syntax is fine: a value
            # filmcli cannot build), and beside it only what Jekyll's reading adds
            mine = [p for p in problems if p["path"] == rel]
            assert any(
                p["rule"] in (outcome.rule, "FC010") and p["line"] == outcome.line for p in mine
            ), (mine, outcome)
            assert {p["rule"] for p in mine} <= {outcome.rule, "FC010", "FC205", "FC209"}, mine
        assert result.exit_code == (1 if any(p["severity"] == "error" for p in problems) else 0), (
            problems
        )
        # --fast takes other code paths (headers only); it must not crash either.
        fast = cli(root, "validate", "--fast", "--format", "json")
        assert fast.exit_code in (0, 1)

        # list: the good post is listed beside the bad one; one error line for the bad.
        result = cli(root, "list", "--format", "jsonl")
        rows = [json.loads(line) for line in result.stdout.split("\n") if line]
        paths = [row["path"] for row in rows]
        assert f"_posts/{GOOD_NAME}" in paths
        err_lines = [ln for ln in result.stderr.split("\n") if ln and not ln.startswith("hint: ")]
        if isinstance(outcome, FilmcliError):
            assert result.exit_code == 1
            assert rel not in paths
            where = f"{rel}:{outcome.line}" if outcome.line else rel
            assert err_lines == [f"error: {where}: {outcome.message}"], result.stderr
        else:
            assert result.exit_code == 0, result.stderr
            assert rel in paths
            assert err_lines == []
        # parse: every field as JSON, or the same single error.
        result = cli(root, "parse", "--format", "json", str(path))
        if isinstance(outcome, FilmcliError):
            assert result.exit_code == 1 and result.stderr.startswith("error: ")
        else:
            assert result.exit_code == 0, result.stderr
            record = json.loads(result.stdout)
            assert record["body"] == outcome.body
        if isinstance(outcome, Post):
            outcome.snapshot = outcome.metadata()  # the poster's text, while the file is here
    return outcome


# --- (1) arbitrary and mutated bytes --------------------------------------------

SMALL_SEED = GOOD_POST


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for kind, pos, chunk in edits:
        if not buf:
            buf.extend(chunk)
            continue
        pos %= len(buf)
        if kind == 0:  # overwrite
            buf[pos : pos + len(chunk)] = chunk
        elif kind == 1:  # insert
            buf[pos:pos] = chunk
        else:  # delete
            del buf[pos : pos + max(1, len(chunk))]
    return bytes(buf)


INTERESTING = [
    b"\n",
    b"\r\n",
    b"\r",
    b"---",
    b"\n---\n",
    b":",
    b": ",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\t",
    b" ",
    b"'",
    b'"',
    b"&a ",
    b"*a",
    b"!!python/object/apply:os.system",
    b"{",
    b"[",
    b"|",
    b">",
    b"#",
    b"- ",
    b"? ",
    b"%YAML 1.1\n",
    b"poster: data:",
    b",",
    b"=",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x8e\xac",
    b"\xc3",
    b"{%",
    b"{{",
]
edit = st.tuples(
    st.integers(0, 2),
    st.integers(0, 10_000),
    st.one_of(st.sampled_from(INTERESTING), st.binary(min_size=1, max_size=8)),
)

any_bytes = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda fm, body: b"---\n" + fm + b"\n---\n" + body,
        st.binary(max_size=300),
        st.binary(max_size=100),
    ),
    st.builds(_mutate, st.sampled_from([SMALL_SEED, SEED_BYTES]), st.lists(edit, max_size=6)),
)


@fuzz(600)
@given(data=any_bytes)
def test_arbitrary_bytes(data):
    check_post(data)


# --- (2) structurally valid posts, hostile front-matter values ---------------------

control = st.characters(min_codepoint=0, max_codepoint=0x1F)
wild_char = st.one_of(
    st.characters(),  # any code point hypothesis likes, surrogates excluded
    control,
    st.sampled_from(list("\u202e\u200f\u2028\u2029\ufeff\ufffe\x85\x7f\u00a0:#'\"-{}[]&*!|>%@`")),
)
wild_text = st.text(wild_char, max_size=40)
yaml_scalar_text = st.sampled_from(
    [
        "yes",
        "No",
        "on",
        "OFF",
        "~",
        "null",
        "Null",
        "true",
        ".inf",
        "-.INF",
        ".nan",
        "0x1F",
        "0o17",
        "017",
        "1_000",
        "1e3",
        "+12",
        "2013-12-18",
        "2013-13-45",
        "2013-12-18 10:00:00",
        "2013-12-18T25:99:00Z",
        "12:30:00",
        "190:20:30",
        "!!binary aGVsbG8=",
        "!!str 12",
        "!!int x",
        "!!float 1",
        "!!timestamp 2001-01-01",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
        "!!python/tuple [1, 2]",
        "!ruby/object:Foo {}",
        "!local x",
        "&a x",
        "*a",
        "[&a 1, *a]",
        "{",
        "[",
        "}",
        "]",
        "'",
        '"',
        "|",
        ">",
        "|-\n  a\n  b",
        ">+\n  a\n",
        "@x",
        "`x",
        "%x",
        "- x",
        "? x",
        "#c",
        "a #c",
        "a: b",
        "{a: b, a: c}",
        "[1, [2, [3]]]",
        "{a: {b: {c: d}}}",
        "'it''s'",
        '"\\x00"',
        '"\\ud800"',
        '"\\U0001F3AC"',
        '"\\e\\a\\0"',
        "---",
        "...",
        "",
        "'multi\n  line'",
        '"multi\n  line"',
        "plain\n  continued",
        "\ttab",
        "x\ty",
        "[" * 60 + "]" * 60,
        "{a: " * 40 + "b" + "}" * 40,
    ]
)
plain_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        wild_text,
        st.dates(min_value=dt.date(1, 1, 1)),
        st.datetimes(min_value=dt.datetime(1, 1, 1)),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _dump(value, flow: bool) -> str:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True, width=1_000_000)
    text = text.removesuffix("\n...\n").rstrip("\n")
    if isinstance(value, (dict, list)) and value and not flow:
        return "\n" + "\n".join("  " + line for line in text.splitlines())
    return text


data_uri_text = st.builds(
    lambda mime, b64: f"data:{mime};base64,{b64}",
    st.sampled_from(["image/png", "image/jpeg", "text/plain", ""]),
    st.sampled_from([_TINY_PNG, "", "AAAA", "not base64!", _TINY_PNG + " trailing", "A\n  B"]),
)
simple_line = st.builds(
    lambda k, v: f"{k}: {v}",
    st.sampled_from(["poster", "title", "---", "year", "- x"]),
    st.one_of(data_uri_text, st.sampled_from(["x", "'", '"', ""])),
)
# A quoted scalar that spans lines which, out of context, look like keys or fences.
spanning = st.builds(
    lambda q, lines, tail: q + "\n".join(lines) + tail,
    st.sampled_from(['"', "'", "[", "{", "? "]),
    st.lists(simple_line, min_size=1, max_size=3),
    st.sampled_from(['"', "'", "]", "}", "", '\n"', "\n'"]),
)

value_text = st.one_of(
    yaml_scalar_text,
    data_uri_text,
    spanning,
    st.builds(_dump, plain_values, st.booleans()),
    wild_text.map(lambda s: quote(s.replace("\x00", ""))),  # filmcli quoting: loads back
    wild_text,  # raw: often not YAML at all
)
key_text = st.one_of(
    st.sampled_from(
        [
            "layout",
            "title",
            "director",
            "year",
            "poster",
            "date",
            "tags",
            "categories",
            "rating",
            "published",
            "permalink",
            "slug",
        ]
    ),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), min_size=1, max_size=10),
)
newline = st.sampled_from(["\n", "\r\n"])


@st.composite
def structured_posts(draw) -> bytes:
    nl = draw(newline)
    entries = draw(st.lists(st.tuples(key_text, value_text), max_size=7))
    lines = []
    for key, value in entries:
        key_out = key if draw(st.booleans()) else quote(key.replace("\x00", ""))
        lines.append(f"{key_out}: {value}".replace("\n", nl))
    body = draw(st.text(max_size=80)).replace("\x00", "")
    gap = draw(st.sampled_from(["", nl]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = f"{bom}---{nl}" + "".join(line + nl for line in lines) + f"---{nl}{gap}{body}"
    return text.encode("utf-8", "surrogatepass")


# python-frontmatter's loader: libyaml's safe loader when PyYAML has it.
REFERENCE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _reference(data: bytes):
    """What the safe loader makes of the front matter as Jekyll cuts it (None: refused)."""
    text = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    found = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", text, re.S)
    if not found:
        return None
    try:
        return yaml.load(found.group(1) or "", Loader=REFERENCE_LOADER)
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
        return None


@fuzz(600)
@given(data=structured_posts())
def test_structured_front_matter(data):
    outcome = check_post(data)
    if isinstance(outcome, Post):
        # Differential: what filmcli accepts means what YAML says it means.
        expected = _reference(data)
        note(f"reference: {expected!r}")
        assert isinstance(expected, dict) or (expected is None and not outcome.front_matter)
        got = outcome.snapshot
        expected = expected or {}
        assert list(got) == list(expected)
        for key, value in expected.items():
            if key == "poster" and isinstance(value, str):
                # The poster is kept as a Poster: its text comes back as YAML gives it
                # (a folded data URI too); its data may ignore the whitespace.
                assert got[key] == value
            else:
                assert _same(got[key], value), (key, got[key], value)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# --- (3) hostile posters --------------------------------------------------------

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@st.composite
def images(draw) -> tuple[str, bytes, tuple[int, int]]:
    from PIL import Image

    fmt = draw(st.sampled_from(sorted(FORMATS)))
    size = (draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    mode = draw(st.sampled_from(["RGB", "L", "P", "RGBA"] if fmt != "JPEG" else ["RGB", "L"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    im = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)).convert(mode)
    buf = io.BytesIO()
    im.save(buf, fmt)
    return fmt, buf.getvalue(), size


def _almost_b64(raw: bytes, how: int, pos: int) -> str:
    text = base64.b64encode(raw).decode()
    if not text:
        return "=" if how else ""
    pos %= len(text)
    return [
        text,  # valid
        text[:pos] + text[pos + 1 :],  # one character lost
        text[:pos] + "!" + text[pos:],  # a character outside the alphabet
        text.rstrip("="),  # padding lost
        text + "=",  # padding added
        text[:pos] + "-_"[pos % 2] + text[pos + 1 :],  # URL-safe alphabet
        text[:pos] + "=" + text[pos:],  # padding in the middle
        text[:pos] + "%20" + text[pos:],  # percent escape
    ][how]


mime_type = st.one_of(
    st.sampled_from(
        [
            "image/jpeg",
            "image/jpg",
            "image/png",
            "image/gif",
            "image/webp",
            "image/avif",
            "IMAGE/PNG",
            "text/plain",
            "",
            "image/",
            "image/svg+xml",
        ]
    ),
    st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=",;"), max_size=12
    ),
)
params = st.sampled_from(
    [";base64", ";base64", ";BASE64", "", ";charset=utf-8;base64", ";base64;x=y", "; base64"]
)


@st.composite
def poster_posts(draw) -> tuple[bytes, dict]:
    info: dict = {}
    kind = draw(st.sampled_from(["image", "image", "bytes", "almost"]))
    if kind == "image":
        fmt, raw, size = draw(images())
        cut = draw(st.one_of(st.just(len(raw)), st.integers(0, len(raw))))
        info.update(fmt=fmt, size=size, cut=cut, length=len(raw))
        raw = raw[:cut]
        payload = _almost_b64(
            raw, draw(st.sampled_from([0, 0, 0, 1, 2, 3])), draw(st.integers(0, 10**6))
        )
    else:
        raw = draw(st.binary(max_size=200))
        payload = _almost_b64(
            raw, 0 if kind == "bytes" else draw(st.integers(0, 7)), draw(st.integers(0, 10**6))
        )
    mime = draw(mime_type)
    param = draw(params)
    info.update(
        kind=kind, mime=mime, param=param, payload_ok=payload == base64.b64encode(raw).decode()
    )
    uri = f"data:{mime}{param},{payload}"
    style = draw(st.sampled_from(["plain", "plain", "plain", "quoted", "folded", "crlf"]))
    info["style"] = style
    if style == "quoted":
        line = f"poster: {quote(uri)}\n"
    elif style == "folded":
        cut_at = len(uri) // 2
        line = f"poster: >-\n  {uri[:cut_at]}\n  {uri[cut_at:]}\n"
    else:
        line = f"poster: {uri}\n"
    text = '---\nlayout: post\ntitle: "Fuzz"\ndirector: "D"\nyear: 2000\n' + line + "---\n\nBody.\n"
    if style == "crlf":
        text = text.replace("\n", "\r\n")
    return text.encode(), info


@fuzz(400)
@given(case=poster_posts())
def test_hostile_posters(case):
    data, info = case
    note(repr(info))
    outcome = check_post(data)
    assert isinstance(outcome, Post)  # a poster problem is the validator's, not the reader's
    with library_with(data, good=False) as root:
        problems = json.loads(cli(root, "validate", "--format", "json").stdout)
        rules = {p["rule"] for p in problems}
        listed = json.loads(cli(root, "list", "--format", "json").stdout)[0]["poster"]
    poster_rules = {r for r in rules if r.startswith("FC1") and r != "FC101"}
    event(f"poster rules {sorted(poster_rules)}")
    base64_ok = info["payload_ok"] and "base64" in info["param"].lower().replace(" ", "")
    if info["kind"] != "image":
        if not base64_ok:
            assert poster_rules, (problems, listed)
        return
    fmt, cut, length = info["fmt"], info["cut"], info["length"]
    declared_ok = info["mime"].lower() in (FORMATS[fmt], "image/jpg" if fmt == "JPEG" else None)
    if base64_ok and cut == length:
        # A whole, valid image: accepted unless its declared type is wrong, and
        # `list` reports its real format and size.
        # (FC112: base64 folded over lines reads, but is no longer one line)
        assert poster_rules - {"FC112"} <= {"FC104"}, problems
        assert "FC112" not in poster_rules or info["style"] == "folded", problems
        assert ("FC104" in poster_rules) == (not declared_ok and info["mime"] != ""), problems
        assert listed["format"] == fmt
        assert (listed["width"], listed["height"]) == info["size"]
        assert listed["bytes"] == length
    elif not base64_ok:
        assert poster_rules, problems
    elif cut < length // 2:
        # Half an image or less: always a problem (truncated, or not an image at all).
        assert poster_rules & {"FC107", "FC110"}, (problems, listed)


# --- new/parse round trip ---------------------------------------------------------

safe_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=60
)
tricky_text = st.one_of(
    safe_text,
    st.sampled_from(
        [
            "---",
            "a\n---\nb",
            'say "hi"',
            "it's",
            "a: b",
            "key: value\n",
            "#x",
            "- item",
            "\u05e9\u05dc\u05d5\u05dd \u202eevil",
            "🎬 film",
            "\r\n",
            " lead",
            "trail ",
            "yes",
            "null",
            "1917",
            "{% raw %}",
            "\\",
            "\t",
            "\x85",
            "\u2028",
        ]
    ),
    st.lists(
        st.sampled_from(["---", "\n", ":", '"', "'", "🎬", "\u05d0", "\r", " ", "x"]), max_size=10
    ).map("".join),
)


@fuzz(300)
@given(title=tricky_text, director=tricky_text, body=tricky_text)
def test_render_parse_round_trip(title, director, body):
    """The writer's form reads back exactly, through the reader and the `parse` command."""
    assume(title.strip())
    from filmcli.model.writer import render_post

    data = render_post(
        {
            "layout": "post",
            "title": title,
            "director": director,
            "year": 2000,
            "poster": f"data:image/png;base64,{_TINY_PNG}",
        },
        body,
    )
    post = Post.from_bytes(data, "x.md")
    assert (post.title, post.director, post.body) == (title, director, body)
    with library_with(data) as root:
        result = cli(root, "parse", "--format", "json", str(root / "_posts" / FUZZ_NAME))
        assert result.exit_code == 0, result.stderr
        record = json.loads(result.stdout)
        assert (record["title"], record["director"], record["body"]) == (title, director, body)


@functools.cache
def _poster_file() -> str:
    from PIL import Image

    path = Path(tempfile.gettempdir()) / "filmcli-fuzz-poster.png"
    if not path.exists():
        Image.new("RGB", (12, 18), "teal").save(path)
    return str(path)


@fuzz(200)
@given(title=tricky_text, director=tricky_text, body=tricky_text)
def test_new_parse_round_trip(title, director, body):
    """`filmcli new` writes any title, director and review so `parse` gives them back exactly."""
    with library_with(b"", good=False) as root:
        (root / "_posts" / FUZZ_NAME).unlink()
        result = cli(
            root,
            "new",
            "--title",
            title,
            "--director",
            director,
            "--year",
            "2000",
            "--date",
            "2020-01-01",
            "--poster",
            _poster_file(),
            "--body",
            body,
        )
        if not title.strip() or not director.strip():
            assert result.exit_code == 2 and result.stderr.startswith("error: missing --"), (
                result.stderr
            )
            assert not list((root / "_posts").iterdir())
            return
        assert result.exit_code == 0, result.stderr
        written = root / result.stdout.strip()
        assert written.parent == root / "_posts"
        assert [p.name for p in (root / "_posts").iterdir()] == [written.name]
        post = Post.read(written)
        assert (post.title, post.director, post.body) == (title, director, body)
        result = cli(root, "parse", "--format", "json", str(written))
        assert result.exit_code == 0, result.stderr
        record = json.loads(result.stdout)
        assert (record["title"], record["director"], record["body"]) == (title, director, body)
        assert cli(root, "validate", "--select", "FC0").exit_code == 0


@pytest.mark.parametrize("option", ["--title", "--director", "--body"])
def test_new_refuses_nul_clearly(option):
    args = {"--title": "T", "--director": "D", "--body": "B"}
    args[option] = "before\x00after"
    with library_with(b"", good=False) as root:
        (root / "_posts" / FUZZ_NAME).unlink()
        result = cli(
            root,
            "new",
            "--year",
            "2000",
            "--poster",
            _poster_file(),
            *[x for pair in args.items() for x in pair],
        )
        assert result.exit_code in (1, 2)
        assert "NUL" in result.stderr and result.stderr.startswith("error: ")
        assert result.stderr.count("error:") == 1
        assert not list((root / "_posts").iterdir())


def test_render_refuses_nul():
    from filmcli.model.writer import render_post

    with pytest.raises(FilmcliError, match="NUL"):
        render_post({"title": "a\x00b"}, "")


# --- add: hostile exports, CSVs and posts to import ----------------------------------------

json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        wild_text,
        st.sampled_from(
            [
                f"data:image/png;base64,{_TINY_PNG}",
                "2020-01-01",
                "../x",
                "/etc/passwd",
                "2020-13-45",
                "",
                "CON",
                "x" * 300,
            ]
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
record_keys = st.one_of(
    st.sampled_from(
        [
            "title",
            "director",
            "year",
            "poster",
            "date",
            "slug",
            "body",
            "layout",
            "path",
            "_filmcli",
            "tags",
            "Name",
            "Year",
            "Letterboxd URI",
            "Rating",
            "Watched Date",
            "Review",
        ]
    ),
    st.text(max_size=6),
)
records = st.lists(st.dictionaries(record_keys, json_value, max_size=8), max_size=3)


def _csv_text(rows) -> str:
    import csv

    out = io.StringIO()
    keys = sorted({str(k) for row in rows for k in row}) or ["title"]
    writer = csv.writer(out)
    writer.writerow(keys)
    for row in rows:
        writer.writerow(
            [
                row.get(k, "")
                if not isinstance(row.get(k), (dict, list))
                else json.dumps(row.get(k))
                for k in keys
            ]
        )
    return out.getvalue()


def _toml_text(rows) -> str:
    import tomli_w

    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [plain(v) for v in value if v is not None]
        return value

    try:
        return tomli_w.dumps({"post": [plain(r) for r in rows]})
    except (TypeError, ValueError):
        return "post = 1\n"


import_case = st.one_of(
    st.tuples(st.just("json"), records.map(json.dumps)),
    st.tuples(st.just("jsonl"), records.map(lambda rs: "".join(json.dumps(r) + "\n" for r in rs))),
    st.tuples(st.sampled_from(["csv", "letterboxd"]), records.map(_csv_text)),
    st.tuples(st.just("toml"), records.map(_toml_text)),
    st.tuples(st.just("md"), structured_posts().map(lambda b: b.decode("utf-8", "replace"))),
    st.tuples(
        st.sampled_from(["json", "jsonl", "csv", "toml", "md", "letterboxd"]),
        st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    ),
)


@fuzz(150)
@given(case=import_case)
def test_add_takes_any_import_without_crashing_or_escaping(case):
    """`add` from anything: written posts are whole, readable and inside the posts folder."""
    kind, text = case
    with library_with(b"", good=True) as root:
        (root / "_posts" / FUZZ_NAME).unlink()
        source = root.parent / f"{root.name}-import.{kind}"
        source.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            before = {p.name for p in (root / "_posts").iterdir()}
            result = cli(root, "add", "--from", kind, str(source))
            assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
            added = {p.name for p in (root / "_posts").iterdir()} - before
            _event(f"{kind}: added {len(added)}, exit {result.exit_code}")
            assert {p.name for p in root.rglob("*") if p.is_file()} <= (
                before | added | {"_config.yml"}
            )
            for name in added:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[^/\\]+\.md", name), name
                Post.read(root / "_posts" / name)  # whole and readable, or this raises
        finally:
            source.unlink()


# --- regressions: what the fuzzing found, pinned ------------------------------------

REGRESSIONS = {
    # YAML's reader error for a control character: was a two-line message and no line.
    "control character": (b"---\ntitle: x\nbad: \x07\n---\n", "FC003", 3, "U+0007"),
    # A timestamp-looking value with an impossible date: was an internal ValueError.
    "impossible date": (b"---\ntitle: x\nyear: 2013-13-45\n---\n", "FC003", 3, "not one"),
    "impossible int": (b"---\nx: !!int 0b\n---\n", "FC003", 2, "whole number"),
    "bad offset": (b"---\nd: 2001-01-01 10:00:00 +99:00\n---\n", "FC003", 2, "a date"),
    # Safe-loader tags that build sets, pairs and bytes: `list --format json` crashed on a set.
    "set tag": (b"---\ntitle: x\nlayout: !!set {a, b}\n---\n", "FC005", 3, "!!set"),
    "binary tag": (b"---\nx: !!binary aGVsbG8=\n---\n", "FC005", 2, "!!binary"),
    "omap tag": (b"---\nx: !!omap [a: 1]\n---\n", "FC005", 2, "!!omap"),
    # YAML breaks lines at U+2028 too; the reported line is the file's (LF) line.
    # (a duplicate key is read now, the last value kept as Jekyll keeps it: a refusal instead)
    "line separator": (
        '---\na: "x\u2028y"\nb: 1\nc: !!set {a}\n---\n'.encode(),
        "FC005",
        4,
        "!!set",
    ),
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regression_refused_with_line(case):
    data, rule, line, text = REGRESSIONS[case]
    with library_with(data) as root:
        outcome = read_outcome(root / "_posts" / FUZZ_NAME)
        assert isinstance(outcome, FilmcliError)
        assert (outcome.rule, outcome.line) == (rule, line)
        assert text in outcome.message
        result = cli(root, "list", "--format", "paths")
        assert result.exit_code == 1
        assert result.stdout == f"_posts/{GOOD_NAME}\n"
        assert result.stderr.split("\n")[0].startswith(f"error: _posts/{FUZZ_NAME}:{line}: ")
        assert result.stderr.count("\n") == 1  # one line, no hint


def test_regression_poster_line_inside_a_quoted_title():
    """`poster: data:` at the start of a line inside a multi-line quoted string is not a key."""
    data = b'---\ntitle: "abc\nposter: data:image/png;base64,AAAA"\nyear: 2000\n---\n\nx\n'
    post = Post.from_bytes(data, "p.md")
    assert post.front_matter == {"title": "abc poster: data:image/png;base64,AAAA", "year": 2000}
    assert post.poster is None
    data = b"---\ntitle: 'abc\nposter: data:x,y\n'\n---\n"
    assert Post.from_bytes(data, "p.md").front_matter == {"title": "abc poster: data:x,y "}


def test_regression_poster_path_too_long_for_the_system():
    """A poster 'path' longer than a file name may be: FC105, not an internal OSError."""
    data = GOOD_POST.replace(f"data:image/png;base64,{_TINY_PNG}".encode(), b"x" * 5000)
    with library_with(data) as root:
        result = cli(root, "validate", "--format", "json")
        rules = [p["rule"] for p in json.loads(result.stdout)]
        assert "FC105" in rules and result.exit_code == 1


def test_regression_year_that_is_a_list():
    """`year: []` beside a title: the duplicate-film check crashed (unhashable list)."""
    data = b'---\ntitle: "It"\nyear: []\n---\n'
    with library_with(data) as root:
        result = cli(root, "validate", "--format", "json")
        problems = json.loads(result.stdout)
        assert any(p["rule"] == "FC102" and "year" in p["message"] for p in problems)


# --- (5) amplifying shapes: long plain lines, flow lists, deep and wide nesting ---------------
#
# Shapes that cost YAML or the fast path's regex 100-400x their size. CI draws them around
# the reader's bounds (the fast path's line length, the token budget, the nesting depth),
# small enough to stay fast; FILMCLI_FUZZ=long also draws them far past the YAML size bound.

from hypothesis_profiles import LONG  # noqa: E402

from filmcli.model.reader import FAST_MAX_LINE, MAX_DEPTH, MAX_TOKENS, MAX_YAML_BYTES  # noqa: E402

_PLAIN_WORDS = (MAX_YAML_BYTES // 2 if LONG else FAST_MAX_LINE) // 5 * 2
_SHAPES = {
    "plain line": lambda n, d: "title2: " + "word " * (n % _PLAIN_WORDS) + "end\n",
    "flow list": lambda n, d: "tags: [" + "a," * (n % MAX_TOKENS) + "a]\n",
    "block items": lambda n, d: "tags:\n" + "- a\n" * (n % (MAX_TOKENS // 2)),
    "many keys": lambda n, d: "".join(f"k{i}: a\n" for i in range(n % (MAX_TOKENS // 3))),
    "deep": lambda n, d: "x: " + "[" * d + "]" * d + "\n",
    "deep and wide": lambda n, d: (
        "x:\n" + ("- " + "[" * d + "]" * d + "\n") * (n % (MAX_TOKENS // max(1, 2 * d)))
    ),
}


def amplifying_post(shape: str, n: int, depth: int) -> bytes:
    extra = _SHAPES[shape](n, depth)
    return GOOD_POST.replace(b"\n---\n", b"\n" + extra.encode() + b"---\n", 1)


@fuzz(12)
@given(
    shape=st.sampled_from(sorted(_SHAPES)),
    n=st.integers(0, 40 * MAX_TOKENS if LONG else 4 * MAX_TOKENS),
    depth=st.integers(1, MAX_DEPTH + 20),
)
def test_amplifying_shapes_cost_little_and_mean_what_yaml_says(shape, n, depth):
    import time

    _event(shape)
    data = amplifying_post(shape, n, depth)
    started = time.perf_counter()
    try:
        post = Post.from_bytes(data, "p.md")
    except FilmcliError as exc:
        post = exc
    seconds = time.perf_counter() - started
    assert seconds < 5, f"{seconds:.1f} s for {len(data):,} bytes"  # 0.5 s on a quiet core
    outcome = check_post(data)
    assert isinstance(post, Post) == isinstance(outcome, Post)
    if isinstance(outcome, Post):
        expected = _reference(data)
        assert list(outcome.snapshot) == list(expected)
        for key, value in expected.items():
            if key != "poster":
                assert _same(outcome.snapshot[key], value), key
    else:
        assert outcome.rule in ("FC003", "FC008"), outcome


# --- (6) special files beside good posts: never a hang, never read without bound ------------

SPECIAL_KINDS = ["fifo", "dev-zero link", "device", "folder", "dangling link"]
SPECIAL_COMMANDS = [
    ["list", "-F", "paths"],
    ["validate"],
    ["export"],
    ["extract-posters", "--dry-run"],
    ["embed-posters", "--dry-run"],
    ["add", "--dry-run", "SRC"],
]


def _special(path: Path, kind: str) -> bool:
    import os
    import stat

    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero link":
        path.symlink_to("/dev/zero")
    elif kind == "device":
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        except PermissionError:
            return False
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(path.parent / "nowhere.md")
    return True


@pytest.mark.parametrize("kind", SPECIAL_KINDS)
@pytest.mark.parametrize("command", SPECIAL_COMMANDS, ids=lambda c: c[0])
def test_special_files_are_errors_never_hangs(kind, command, tmp_path):
    import signal

    with library_with(GOOD_POST) as root:
        source = root / "_posts"
        if command[0] == "add":
            source = tmp_path / "incoming"
            source.mkdir()
            (source / GOOD_NAME).write_bytes(GOOD_POST)
        if not _special(source / "2020-01-03-special.md", kind):
            pytest.skip("making a device node needs root")

        def hung(*args):
            raise AssertionError(f"{command[0]} hung on a {kind}")

        old = signal.signal(signal.SIGALRM, hung)
        signal.alarm(20)
        try:
            result = cli(root, *[str(source) if a == "SRC" else a for a in command])
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    if kind == "folder" or (kind == "dangling link" and command[0] != "add"):
        return  # not a post file: skipped by the walk, or an error; never a hang
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "2020-01-03-special.md" in result.stdout + result.stderr


# --- (7) animated posters: frames x width x height count, never a bomb ----------------------


def animated_gif(width: int, height: int, frames: int) -> bytes:
    """A tiny GIF whose canvas is width x height with `frames` one-pixel frames."""
    from PIL import Image

    images = [Image.new("P", (1, 1), i % 2) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=10, loop=0)
    data = bytearray(out.getvalue())
    data[6:10] = width.to_bytes(2, "little") + height.to_bytes(2, "little")  # the canvas
    return bytes(data)


@fuzz(12)
@given(width=st.integers(1, 4900), height=st.integers(1, 4900), frames=st.integers(1, 200))
def test_animated_posters_are_bounded_in_every_pipeline(width, height, frames):
    import time

    from filmcli.posters.prepare import prepare_poster

    data = animated_gif(width, height, frames)
    _event(f"{'over' if width * height * frames > 25_000_000 else 'under'} the pixel budget")
    started = time.perf_counter()
    try:
        prepared = prepare_poster(data, name="anim.gif", max_width=400)
    except FilmcliError:
        prepared = None
    assert time.perf_counter() - started < 5
    if prepared is not None:
        from PIL import Image

        with Image.open(io.BytesIO(prepared.data)) as image:
            assert image.width <= 400
            if width * height * frames > 25_000_000:
                assert getattr(image, "n_frames", 1) == 1  # over the budget: the first frame
    uri = "data:image/gif;base64," + base64.b64encode(data).decode()
    post = GOOD_POST.replace(f"data:image/png;base64,{_TINY_PNG}".encode(), uri.encode())
    with library_with(post) as root:
        result = cli(root, "validate")
        assert result.exit_code in (0, 1) and "Traceback" not in result.stderr
