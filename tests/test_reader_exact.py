"""The reader is exact: the fast paths give what the whole front matter through YAML gives.

filmcli reads a post two cheap ways: without YAML for the lines filmcli writes
(`_parse_fast`), and with YAML but with a one-line `poster: data:...` value cut out
first (`_parse_reference`). Both must give, for every input, valid or not, exactly
what the reference gives: the whole front matter, poster line included, through the
safe loader (`_parse_reference(..., cut=False)`): the same values, key lines and body,
or the same error (rule, line, message).

The differential test over the YAML test suite (github:yaml/yaml-test-suite, its
`data` branch: one folder per document holding `in.yaml`) runs when a local copy is
given, and is skipped otherwise:

    git clone -b data https://github.com/yaml/yaml-test-suite /tmp/yts
    FILMCLI_YAML_TEST_SUITE=/tmp/yts python -m pytest tests/test_reader_exact.py -q
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_profiles import fuzz

from filmcli.errors import FilmcliError
from filmcli.model.post import Post
from filmcli.model.poster import Poster
from filmcli.model.reader import _parse_reference, parse_bytes, read_post

PATH = Path("_posts/2020-01-01-x.md")
POSTER = "poster: data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ=="
# poster lines that must never be cut (or, when cut, must give what YAML gives)
ODD_POSTERS = (
    "poster:data:image/jpeg;base64,/9j/AAAA",
    "poster: data:image/jpeg;base64,/9j/AAAA:",
    "poster: data:image/jpeg;base64,/9j/AAAA #c",
    "poster: data:image/jpeg;base64,/9j/AAAA: x",
    "poster: data:image/jpeg;base64,/9j/AA,AA",
    "poster: data:image/jpeg;base64,/9j/AAAA\t",
    "poster: data:image/jpeg,/9j/AAAA",
    "poster:  data:image/jpeg;base64,/9j/AAAA",
    "poster: data:image/jpeg;base64,/9j/AA\x07AA",  # a control character YAML refuses
    "poster: data:image/jpeg;base64,/9j/AA\u0085AA",  # NEL: a line break to YAML
    "poster: data:image/jpeg;base64,/9j/AA\u00e9AA",
)


def _value(value):
    if isinstance(value, Poster):
        return ("poster", value.text)
    return value


def _outcome(read) -> tuple:
    """What a reading gives, in a form two readings can be compared by."""
    try:
        raw = read()
    except FilmcliError as exc:
        return ("error", exc.rule, exc.line, exc.message)
    except Exception as exc:  # a traceback is never a right answer
        return ("crash", type(exc).__name__, str(exc)[:200])
    return (
        "ok",
        [(k, _value(v)) for k, v in raw.front_matter.items()],
        raw.lines,
        raw.body,
        raw.gap,
        raw.notes,
    )


def reference(data: bytes) -> tuple:
    return _outcome(lambda: _parse_reference(data, PATH, cut=False))


def assert_exact(data: bytes) -> tuple:
    """Every way filmcli reads `data` gives what the whole-YAML reference gives."""
    expected = reference(data)
    assert expected[0] != "crash", expected
    assert _outcome(lambda: parse_bytes(data, PATH)) == expected, data
    assert _outcome(lambda: _parse_reference(data, PATH)) == expected, data
    return expected


def post(*lines: str, close: str = "---") -> bytes:
    return ("---\n" + "".join(line + "\n" for line in lines) + close + "\nbody\n").encode()


# --- (1) the cut is made only where it cannot change the document ---------------


@pytest.mark.parametrize(
    "lines",
    [
        # the issue's three: a list at column 0 after the poster, no space, a trailing ':'
        ("title: x", "genres:", POSTER, "- romance", "- drama"),
        ("title: x", "poster:data:image/jpeg;base64,/9j/AAAA", "year: 2013"),
        ("title: x", "poster: data:image/jpeg;base64,/9j/AAAA:", "year: 2013"),
        # a blank line or a comment, then an indented line: YAML folds it into the value
        ("title: x", POSTER, "", "  more", "year: 2013"),
        ("title: x", POSTER, "# note", "  more"),
        ("title: x", POSTER, "-"),
        ("title: x", POSTER, "? a", ": b"),
        # a top-level flow mapping: the value's `,` splits it there, and `null` would pass for
        # the empty value the cut leaves
        ("{a: 1,", POSTER, "null}"),
        ("{a: 1,", POSTER, "b}"),
        ("tags: [x,", POSTER, "]"),
        *[("title: x", odd, "year: 2013") for odd in ODD_POSTERS],
    ],
    ids=lambda lines: repr(lines)[:60],
)
def test_a_poster_line_reads_as_whole_yaml_reads_it(lines, tmp_path):
    expected = assert_exact(post(*lines))
    # and from a file, the way a library is read (the poster left in the file)
    path = tmp_path / "2020-01-01-x.md"
    path.write_bytes(post(*lines))
    assert _outcome(lambda: read_post(path)) == expected


def test_the_issue_list_case_is_refused_not_dropped():
    data = post("title: x", "genres:", POSTER, "- romance", "- drama")
    outcome = assert_exact(data)
    assert outcome[0] == "error" and outcome[1] == "FC003" and outcome[2] == 5


def test_the_cut_still_serves_a_normal_post():
    data = post('title: "Her"', POSTER, "year: 2013", "tags:", "- a")
    outcome = assert_exact(data)
    assert outcome[0] == "ok"
    assert dict(outcome[1])["tags"] == ["a"]
    # CRLF and the end of the front matter right after the poster line
    assert_exact(b"---\r\ntitle: x\r\n" + POSTER.encode() + b"\r\n---\r\nbody\r\n")
    assert_exact(post("title: x", POSTER))


def test_check_reports_the_dropped_list(run, site):
    (site / "_posts" / "2013-12-18-her.md").write_bytes(
        post('title: "Her"', "genres:", POSTER, "- romance", "- drama")
    )
    result = run("validate", str(site))
    assert result.exit_code != 0
    assert "FC003" in result.output and "2013-12-18-her.md:5" in result.output


# --- the YAML test suite, every document, with and without a poster line ----------


def _suite_documents() -> list[Path]:
    root = os.environ.get("FILMCLI_YAML_TEST_SUITE")
    if not root or not Path(root).is_dir():
        return []
    return sorted(Path(root).glob("**/in.yaml"))


SUITE = _suite_documents()


def _variants(doc: bytes):
    """The document as front matter, then with a poster line (well-formed and odd) at the
    start of each of its lines and at its end."""
    if not doc.endswith(b"\n"):
        doc += b"\n"
    yield b"---\n" + doc + b"---\nbody\n"
    lines = doc.split(b"\n")[:-1]
    for at in range(len(lines) + 1):
        for poster in (POSTER, ODD_POSTERS[0], ODD_POSTERS[1]):
            injected = [*lines[:at], poster.encode(), *lines[at:]]
            yield b"---\n" + b"\n".join(injected) + b"\n---\nbody\n"


@pytest.mark.skipif(
    not SUITE, reason="set FILMCLI_YAML_TEST_SUITE to a yaml-test-suite copy (its data branch)"
)
def test_yaml_test_suite_documents_read_exactly():
    failures, runs = [], 0
    for path in SUITE:
        for data in _variants(path.read_bytes()):
            runs += 1
            try:
                assert_exact(data)
            except AssertionError as exc:
                failures.append(f"{path.parent.name}: {data[:120]!r}: {str(exc)[:300]}")
    print(f"yaml-test-suite: {len(SUITE)} documents, {runs} posts, {len(failures)} differ")
    assert not failures, "\n".join(failures[:20])


# --- hypothesis: front matter with a poster line at random places ------------------

_LINES = st.sampled_from(
    [
        "title: x",
        'title: "Her"',
        "year: 2013",
        "date: 2013-12-18",
        "tags:",
        "- romance",
        "  - drama",
        "  nested: 1",
        "",
        "# c",
        "  folded text",
        "? k",
        ": v",
        "-",
        "key: [a,",
        "  b]",
        'quote: "a',
        '  b"',
        "text: |",
        "  block",
        "x: &a 1",
        "y: *a",
        "...",
        "%YAML 1.1",
        "title: y",
        "poster: other.jpg",
        "a: b: c",
        "\tx: 1",
        "key:",
        "  ",
        "k: 'it''s'",
        "data:image/png;base64,AAAA",
        "poster:",
        "k: v #c",
        # a top-level flow mapping: there the value's `,` splits it
        "{a: 1,",
        "null}",
        "b}",
        "}",
        "[x,",
        "]",
        "~",
        "poster: ",
        "poster: !!str",
    ]
)
_POSTER_LINES = st.sampled_from(
    [
        POSTER,
        *ODD_POSTERS,
        "poster: data:image/png;base64,iVBORw0KGgo=",
        "poster: data:image/jpeg;base64,/9j/",
        "  " + POSTER,
    ]
)


@fuzz(400)
@given(
    before=st.lists(_LINES, max_size=5),
    after=st.lists(_LINES, max_size=5),
    poster=_POSTER_LINES,
    newline=st.sampled_from(["\n", "\r\n"]),
    close=st.sampled_from(["---", "..."]),
)
def test_poster_anywhere_reads_exactly(before, after, poster, newline, close):
    lines = [*before, poster, *after]
    text = "---" + newline + "".join(line + newline for line in lines) + close + newline + "b"
    assert_exact(text.encode())


def test_the_cut_is_made_for_posts_yaml_reads_the_same_either_way():
    """Not only right but cheap: a poster YAML would read as its own text is still cut out
    (its Poster points into the file), whatever else the front matter holds."""
    for data in (
        post("# a comment", 'title: "Her"', POSTER, "year: 2013"),
        post("tags:", "- a", POSTER, "? k", ": v"),
        b"---\r\ntitle: x\r\n" + POSTER.encode() + b"\r\n---\r\nbody\r\n",
    ):
        poster = _parse_reference(data, PATH).front_matter["poster"]
        assert poster._span is not None, data
        assert _parse_reference(data, PATH, cut=False).front_matter["poster"]._span is None


# --- (2) `...` closes front matter as `---` does --------------------------------------

#: Jekyll's own fixture (test/source/_posts/2014-03-03-yaml-with-dots.md), which it builds
DOTS_POST = b"---\ntitle: Test Post Where YAML Ends in Dots\n...\n\n# Test\n\nThis is a post.\n"


def test_dots_close_the_front_matter_as_jekyll_does():
    outcome = assert_exact(DOTS_POST)
    assert outcome[0] == "ok", outcome
    assert dict(outcome[1]) == {"title": "Test Post Where YAML Ends in Dots"}
    assert outcome[3] == "# Test\n\nThis is a post.\n" and outcome[4] == "\n"
    # with a poster, spaces after the dots, CRLF, and a body that holds a `---` line later
    with_poster = post('title: "Her"', POSTER, close="... ") + b"---\nmore\n"
    outcome = assert_exact(with_poster)
    assert outcome[0] == "ok" and outcome[3] == "body\n---\nmore\n"
    assert assert_exact(DOTS_POST.replace(b"\n", b"\r\n"))[0] == "ok"
    # `....` or `...x` are not a fence: still not closed
    assert assert_exact(post("title: x", close="....x"))[1] == "FC002"


def _dots_site(library: Path) -> Path:
    (library / "_posts" / "2014-03-03-yaml-with-dots.md").write_bytes(DOTS_POST)
    (library / "_posts" / "2013-12-18-her.md").write_bytes(post('title: "Her"', POSTER))
    return library


def test_list_export_parse_and_validate_read_a_post_closed_by_dots(run, library):
    site = _dots_site(library)
    listed = run("-L", site, "list", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert "Test Post Where YAML Ends in Dots" in [r["title"] for r in json.loads(listed.stdout)]
    exported = run("-L", site, "export", "--format", "json")
    assert exported.exit_code == 0, exported.stderr
    records = {r["title"]: r for r in json.loads(exported.stdout)}
    assert records["Test Post Where YAML Ends in Dots"]["body"] == "# Test\n\nThis is a post.\n"
    parsed = run("parse", site / "_posts" / "2014-03-03-yaml-with-dots.md", "--format", "json")
    assert parsed.exit_code == 0, parsed.stderr
    checked = run("validate", site, "--format", "json")
    findings = json.loads(checked.stdout) if checked.stdout.strip() else []
    # readable means no reading error (FC00x): the film rules (FC101...) still apply
    assert not [f for f in findings if f["rule"].startswith("FC00")], findings
    assert any(f["path"].endswith("yaml-with-dots.md") for f in findings)  # it was checked


# --- (4) duplicate keys: the last value, as Jekyll builds it; validate warns ---------------


def test_a_duplicate_key_keeps_the_last_value_and_says_so():
    outcome = assert_exact(post('title: "First"', "year: 2013", 'title: "Last"'))
    assert outcome[0] == "ok"
    assert outcome[1] == [("title", "Last"), ("year", 2013)]  # first place, last value
    assert outcome[2] == {"title": 4, "year": 3}  # the line of the value kept
    assert [(rule, line) for rule, line, _ in outcome[5]] == [("FC004", 4)]
    # nested keys too; and a duplicated poster: the last one, whichever is cut
    nested = assert_exact(post("a:", "  b: 1", "  b: 2"))
    assert nested[1] == [("a", {"b": 2})] and nested[5][0][:2] == ("FC004", 4)
    last = assert_exact(post(POSTER, "poster: other.jpg"))
    assert last[1] == [("poster", ("poster", "other.jpg"))]
    cut = assert_exact(post("poster: other.jpg", POSTER))
    assert cut[1] == [("poster", ("poster", POSTER.removeprefix("poster: ")))]


def test_list_parse_export_read_a_post_with_a_duplicate_key_and_validate_warns(run, library):
    path = library / "_posts" / "2013-12-18-her.md"
    path.write_bytes(
        post(
            "layout: post",
            'title: "Her (en)"',
            'director: "Spike Jonze"',
            "year: 2013",
            'title: "Elle"',
            POSTER,
        )
    )
    for _ in range(2):  # the second time from the metadata cache
        listed = run("-L", library, "list", "--format", "json")
        assert listed.exit_code == 0, listed.stderr
        assert [r["title"] for r in json.loads(listed.stdout)] == ["Elle"]
        exported = run("-L", library, "export", "--format", "json")
        assert exported.exit_code == 0, exported.stderr
        assert [r["title"] for r in json.loads(exported.stdout)] == ["Elle"]
        parsed = run("parse", path, "--format", "json")
        assert parsed.exit_code == 0, parsed.stderr
        assert json.loads(parsed.stdout)["title"] == "Elle"
        checked = run("-L", library, "validate", "--format", "json")
        dups = [f for f in json.loads(checked.stdout) if f["rule"] == "FC004"]
        assert [(f["line"], f["severity"]) for f in dups] == [(6, "warning")], dups


# --- (3) a folded poster keeps the value YAML gives ---------------------------------------

FOLDED = post(
    'title: "Her"', "poster: data:image/jpeg;base64,/9j/4AAQ", "  SkZJRgABAQ==", "year: 2013"
)
FOLDED_VALUE = "data:image/jpeg;base64,/9j/4AAQ SkZJRgABAQ=="  # YAML folds the break to a space


def test_a_folded_poster_reads_as_yaml_gives_it(run, library):
    assert yaml.safe_load(FOLDED.split(b"---\n")[1])["poster"] == FOLDED_VALUE
    parsed = Post.from_bytes(FOLDED, PATH)
    assert parsed.metadata()["poster"] == FOLDED_VALUE
    assert parsed.poster.text == FOLDED_VALUE
    assert parsed.poster.data.startswith(b"\xff\xd8\xff\xe0")  # the data still decodes
    path = library / "_posts" / "2013-12-18-her.md"
    path.write_bytes(FOLDED)
    for _ in range(2):  # the second time from the metadata cache
        exported = run("-L", library, "export", "--format", "json")
        assert exported.exit_code == 0, exported.stderr
        assert json.loads(exported.stdout)[0]["poster"] == FOLDED_VALUE
        shown = run("parse", path, "--format", "json", "--poster-data")
        assert shown.exit_code == 0, shown.stderr
        assert json.loads(shown.stdout)["poster"] == FOLDED_VALUE


def test_set_and_unset_change_the_value_a_duplicated_key_is_read_as(run, library):
    path = library / "_posts" / "2013-12-18-her.md"
    path.write_bytes(
        post("layout: post", 'title: "A"', 'director: "D"', "year: 2013", 'title: "B"')
    )
    changed = run("-L", library, "set", path, "title=C")
    assert changed.exit_code == 0, changed.stderr
    assert Post.read(path).title == "C"
    assert path.read_bytes().count(b'title: "A"') == 1  # the shadowed value stays: nothing lost
    removed = run("-L", library, "set", path, "title!")
    assert removed.exit_code == 0, removed.stderr
    assert "title" not in Post.read(path).front_matter  # every occurrence, or the first shows


def test_the_metadata_cache_keeps_notes_and_the_poster_text(tmp_path):
    from filmcli.store import cache

    path = tmp_path / "2013-12-18-her.md"
    path.write_bytes(FOLDED.replace(b"year: 2013\n", b'year: 2013\ntitle: "Elle"\n'))
    read = Post.read(path)
    again = cache.unpack(cache.pack(read), path)
    assert again.notes == read.notes and [n[:2] for n in again.notes] == [("FC004", 6)]
    assert again.poster.text == read.poster.text == FOLDED_VALUE
    assert again.metadata() == read.metadata()
