"""Small unit tests: query, config, export records, add's source kinds, yamltext's branches."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import yaml

from filmcli.errors import FilmcliError, UsageError
from filmcli.model import yamltext
from filmcli.model.post import Post
from filmcli.model.yamltext import plain_or_quoted, quote, scalar
from filmcli.ops import query
from filmcli.ops.add import source_kind
from filmcli.ops.export import export_record
from filmcli.store import config
from filmcli.store.editing import render_value, splice


def post(text: str, name: str = "2020-01-01-x.md") -> Post:
    return Post.from_bytes(text.encode(), Path("/lib/_posts") / name)


def loads(text: str):
    return yaml.safe_load(f"v: {text}\n")["v"]


# --- yamltext ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1.5e300, -1.5e300, 1e300, 1e-300, 2.5e-7, 0.5, 3.0, 1.0e16, -0.0, 12345678901234567890.0],
)
def test_scalar_float_reads_back_as_the_same_float(value):
    text = scalar(value)
    assert loads(text) == value and isinstance(loads(text), float), text


def test_scalar_float_exponent_gets_one_dot():
    assert scalar(1.5e300) == "1.5e+300"  # already has a dot: not 1.5.0e+300
    assert scalar(1e300) == "1.0e+300"
    assert scalar(1e-7) == "1.0e-07"


@pytest.mark.parametrize(
    ("value", "text"),
    [(float("nan"), ".nan"), (float("inf"), ".inf"), (float("-inf"), "-.inf")],
)
def test_scalar_special_floats(value, text):
    assert scalar(value) == text
    back = loads(text)
    assert math.isnan(back) if value != value else back == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0, "0"),
        (-7, "-7"),
        (2013, "2013"),
        (dt.date(2013, 12, 18), "2013-12-18"),
        (dt.datetime(2013, 12, 18, 9, 30), "2013-12-18 09:30:00"),
        (["a", 1], '["a", 1]'),
        ({"k": "é"}, '{"k": "é"}'),
    ],
)
def test_scalar_non_text(value, text):
    assert scalar(value) == text
    assert loads(text) == value


@pytest.mark.parametrize(
    "word", ["yes", "No", "ON", "off", "y", "N", "true", "False", "null", "nan", "inf"]
)
def test_special_words_are_quoted_even_when_plain_is_allowed(word):
    assert scalar(word, plain=True) == f'"{word}"'
    assert loads(scalar(word, plain=True)) == word


@pytest.mark.parametrize("text", ["post", "wide", "a_b", "post_", "a.b/c-d", "Z", "post2"])
def test_plain_words_stay_plain(text):
    assert plain_or_quoted(text) == text
    assert scalar(text, plain=True) == text
    assert scalar(text) == f'"{text}"'  # without plain=True, text is always quoted


@pytest.mark.parametrize(
    "text",
    [
        "post: wide",  # the \Z in _PLAIN: a prefix that matches is not enough
        "post\n",
        "post wide",
        "_post",
        "1917",
        "2e3",
        "~",
        " post",
        "post ",
        "-post",
        "post:",
        "café",
    ],
)
def test_texts_yaml_could_misread_are_quoted(text):
    out = plain_or_quoted(text)
    assert out.startswith('"') and loads(out) == text, out


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("", '""'),
        ("Her", '"Her"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a\nb", '"a\\nb"'),
        ("a\tb", '"a\\tb"'),
        ("a\rb", '"a\\rb"'),
        ("\x1f", '"\\x1f"'),
        (" ", '" "'),  # 0x20 is printable
        ("~", '"~"'),  # 0x7e is printable
        ("\x7f", '"\\x7f"'),
        ("\x9f", '"\\x9f"'),
        ("\xa0", '"\xa0"'),  # 0xa0 is printable again
        ("\x80", '"\\x80"'),
        ("\xff", '"\xff"'),
        ("\ud7ff", '"\ud7ff"'),
        ("\ue000", '"\ue000"'),
        ("\ufeff", '"\\ufeff"'),
        ("\ufefe", '"\ufefe"'),
        ("\uff00", '"\uff00"'),
        ("\ufffd", '"\ufffd"'),
        ("\ufffe", '"\\ufffe"'),
        ("\uffff", '"\\uffff"'),
        ("\u2027", '"\u2027"'),
        ("\u2028", '"\\u2028"'),
        ("\u2029", '"\\u2029"'),
        ("\u202a", '"\u202a"'),
        ("七人の侍", '"七人の侍"'),
        ("\U0001f3ac", '"\U0001f3ac"'),
    ],
)
def test_quote_each_branch(text, written):
    assert quote(text) == written
    assert loads(written) == text


def test_quote_escape_widths_at_their_limits():
    # unprintable code points: \x up to 0xff, \u up to 0xffff (no code point past 0xffff
    # is unprintable to _printable, so the \U branch is never taken)
    assert yamltext._printable("\x85") is False
    assert quote("\x85") == '"\\x85"'
    assert quote("\x01\x84") == '"\\x01\\x84"'
    assert quote("\ud800\udfff") == '"\\ud800\\udfff"'


def test_printable_limits():
    for code, printable in [
        (0x1F, False),
        (0x20, True),
        (0x7E, True),
        (0x7F, False),
        (0x9F, False),
        (0xA0, True),
        (0xD7FF, True),
        (0xD800, False),
        (0xDFFF, False),
        (0xE000, True),
        (0xFEFE, True),
        (0xFEFF, False),
        (0xFF00, True),
        (0xFFFD, True),
        (0xFFFE, False),
        (0xFFFF, False),
        (0x10000, True),
        (0x2027, True),
        (0x2028, False),
        (0x2029, False),
        (0x202A, True),
    ]:
        assert yamltext._printable(chr(code)) is printable, hex(code)


def test_quote_refuses_nul():
    with pytest.raises(FilmcliError, match="NUL"):
        quote("a\x00b")


# --- editing: values as `set` writes them -----------------------------------


def test_render_value_keeps_single_quotes_where_it_can():
    assert render_value("title", "it's", "'") == "'it''s'"
    assert render_value("title", "a\nb", "'") == '"a\\nb"'
    assert render_value("title", "Her", '"') == '"Her"'
    assert render_value("layout", "post") == "post"
    assert render_value("layout", "post: wide") == '"post: wide"'
    assert render_value("poster", "/assets/her.jpg") == "/assets/her.jpg"
    assert render_value("poster", " x") == '" x"'
    assert render_value("year", 2013) == "2013"


def test_splice_sets_removes_and_keeps_the_rest():
    raw = b"---\ntitle: Her\nyear: 2013\n---\nBody\n"
    out = splice(raw, {"year": 2014}, ())
    assert out == b"---\ntitle: Her\nyear: 2014\n---\nBody\n"
    assert splice(raw, {}, ("year",)) == b"---\ntitle: Her\n---\nBody\n"
    added = splice(raw, {"director": "Spike Jonze"})
    assert added == b'---\ntitle: Her\ndirector: "Spike Jonze"\nyear: 2013\n---\nBody\n'
    crlf = b"---\r\ntitle: Her\r\n---\r\nBody\r\n"
    assert splice(crlf, {"year": 2013}) == b"---\r\ntitle: Her\r\nyear: 2013\r\n---\r\nBody\r\n"


# --- query -----------------------------------------------------------------

FILM = post('---\ntitle: "Her"\ndirector: "Spike Jonze"\nyear: 2013\n---\nA film.\n')
BLANK = post("---\ntitle: Untitled\n---\n", "2021-01-01-y.md")


@pytest.mark.parametrize(
    ("expr", "film", "blank"),
    [
        ("year=2013", True, False),
        ("year==2013", True, False),
        ("year!=2013", False, True),
        ("year>2012", True, False),
        ("year>2013", False, False),
        ("year>=2013", True, False),
        ("year>=2014", False, False),
        ("year<2014", True, False),
        ("year<2013", False, False),
        ("year<=2013", True, False),
        ("year<=2012", False, False),
        ("year=none", False, True),
        ("year!=none", True, False),
        ("director~JONZE", True, False),
        ("director!~jonze", False, True),
        ("title=her", True, False),
        ("title!=HER", False, True),
        ("date>=2020-01-01", True, True),
        ("date<2020-06-01", True, False),
        ("poster=none", True, True),
    ],
)
def test_parse_where_operators(expr, film, blank):
    test = query.parse_where(expr)
    assert (test(FILM), test(BLANK)) == (film, blank)


@pytest.mark.parametrize("expr", ["year", "year>", "year>=>1", "year=abc", "=x"])
def test_parse_where_refuses(expr):
    with pytest.raises(UsageError):
        query.parse_where(expr)


def test_sort_missing_values_go_last_both_ways():
    a = post("---\ntitle: B\nyear: 2000\n---\n", "2020-01-01-a.md")
    b = post("---\ntitle: a\nyear: 1990\n---\n", "2020-01-02-b.md")
    c = post("---\ntitle: C\n---\n", "2020-01-03-c.md")
    names = lambda ps: [p.title for p in ps]  # noqa: E731
    assert names(query.sort_posts([a, b, c], ["year"])) == ["a", "B", "C"]
    assert names(query.sort_posts([a, b, c], ["-year"])) == ["B", "a", "C"]
    assert names(query.sort_posts([c, a, b], ["title"])) == ["a", "B", "C"]  # case folded
    assert query.sort_keys(c, ["year", "-title"]) == (None, (0, 2, "c"))


# --- config ----------------------------------------------------------------


def test_parse_value_kinds():
    assert config.parse_value("validate.min_year", "1900") == 1900
    assert config.parse_value("validate.required", "title, year") == ["title", "year"]
    with pytest.raises(UsageError, match="whole number|must be"):
        config.parse_value("validate.min_year", "soon")
    with pytest.raises(UsageError, match="unknown setting"):
        config.parse_value("validate.nope", "1")


def test_check_setting_limits():
    config.check_setting("validate.max_bytes", 1)
    with pytest.raises(config.SettingError, match="1 or more"):
        config.check_setting("validate.max_bytes", 0)
    with pytest.raises(config.SettingError):
        config.check_setting("validate.max_bytes", True)
    with pytest.raises(config.SettingError):
        config.check_setting("validate.required", ["title", 1])


# --- export and add --------------------------------------------------------


def test_export_record_fields():
    rec = export_record(FILM, "_posts/2020-01-01-x.md")
    assert rec["path"] == "_posts/2020-01-01-x.md"
    assert rec["date"] == "2020-01-01" and rec["slug"] == "x"
    assert (rec["title"], rec["year"], rec["body"]) == ("Her", 2013, "A film.\n")
    assert rec["_filmcli"]["keys"] == ["title", "director", "year"]
    assert "_filmcli" in export_record(FILM, "p", fmt="csv")
    assert isinstance(export_record(FILM, "p", fmt="csv")["_filmcli"], str)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("films.json", "json"),
        ("films.JSONL", "jsonl"),
        ("films.csv", "csv"),
        ("films.toml", "toml"),
        ("her.md", "md"),
    ],
)
def test_source_kind_from_the_name(name, kind):
    assert source_kind(name, None) == kind


def test_source_kind_explicit_dir_and_refusals(tmp_path):
    assert source_kind("whatever.txt", "letterboxd") == "letterboxd"
    assert source_kind(str(tmp_path), None) == "md"
    for source, explicit in [("-", None), ("films.txt", None), ("x.json", "xml")]:
        with pytest.raises(UsageError):
            source_kind(source, explicit)


def test_splice_around_a_cut_poster_line():
    image = "data:image/png;base64," + "iVBORw0KGgo" + "A" * 400 + "="
    raw = f"---\ntitle: Her\nposter: {image}\nyear: 2013\n---\nBody\n".encode()
    out = splice(raw, {"year": 2014})
    assert out == raw.replace(b"year: 2013", b"year: 2014")
    moved = splice(raw, {"poster": "/assets/her.jpg"})
    assert moved == raw.replace(image.encode(), b"/assets/her.jpg")
    assert splice(raw, {"title": "Him"}) == raw.replace(b"title: Her", b'title: "Him"')


def test_commit_writes_only_a_change(tmp_path):
    from filmcli.store.editing import commit, snapshot

    path = tmp_path / "2020-01-01-a.md"
    path.write_bytes(b"---\ntitle: a\n---\n")
    assert commit(snapshot(path), b"---\ntitle: a\n---\n") is False
    assert commit(snapshot(path), b"---\ntitle: b\n---\n") is True
    assert path.read_bytes() == b"---\ntitle: b\n---\n"


def test_commit_many_results_in_order(tmp_path):
    from filmcli.store.editing import commit_many, snapshot

    paths = [tmp_path / f"2020-01-0{i}-a.md" for i in (1, 2, 3)]
    for p in paths:
        p.write_bytes(b"---\ntitle: a\n---\n")
    items = [
        (snapshot(p), b"---\ntitle: a\n---\n" if i == 1 else b"---\ntitle: b\n---\n")
        for i, p in enumerate(paths)
    ]
    assert commit_many(items) == [(True, None), (False, None), (True, None)]
    assert [p.read_bytes()[11:12] for p in paths] == [b"b", b"a", b"b"]


def test_splice_after_non_ascii_text():
    raw = "---\ntitle: Café\ndirector: Agnès Varda\nyear: 1962\n---\nÉté\n".encode()
    assert splice(raw, {"title": "Cléo"}) == raw.replace("Café".encode(), '"Cléo"'.encode())
    assert splice(raw, {"year": 1963}) == raw.replace(b"1962", b"1963")
    assert splice(raw, {}, ("director",)) == "---\ntitle: Café\nyear: 1962\n---\nÉté\n".encode()


def test_splice_fills_an_empty_value():
    raw = b"---\ntitle: a\ndirector:\nyear: 1962\n---\n"
    out = splice(raw, {"director": "Agn\xe8s"})
    assert out == '---\ntitle: a\ndirector: "Agnès"\nyear: 1962\n---\n'.encode()


def test_fc112_sees_every_whitespace_byte_in_base64():
    """FC112 for each byte `\\s` matches (space, tab, LF, CR, VT, FF) inside the base64."""
    import base64

    from filmcli.model.poster import Poster
    from filmcli.ops.validate import malformed_uri

    text = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\0" * 300).decode()
    assert malformed_uri(Poster.from_value(f"data:image/jpeg;base64,{text}")) is None
    for space in " \t\n\r\x0b\x0c":
        value = f"data:image/jpeg;base64,{text[:40]}{space}{text[40:]}"
        assert malformed_uri(Poster.from_value(value))[0] == "FC112", repr(space)
