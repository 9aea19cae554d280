"""`filmcli list`: tables for people, stable formats for scripts."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from conftest import run_process


def titles(result) -> list[str]:
    return [r["title"] for r in json.loads(result.stdout)]


def test_json_schema_on_example_site(run, site):
    result = run("-L", site, "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) >= 12
    her = next(r for r in records if r["title"] == "Her")
    assert list(her)[:8] == [
        "path",
        "date",
        "slug",
        "title",
        "director",
        "year",
        "layout",
        "poster",
    ]
    assert her["path"] == "_posts/2013-12-18-her.md"
    assert her["year"] == 2013 and her["director"] == "Spike Jonze"
    assert set(her["poster"]) >= {"mime", "format", "bytes", "width", "height", "sha256"}
    assert (her["poster"]["width"], her["poster"]["height"]) == (259, 194)
    formats = {r["poster"]["format"] for r in records}
    assert {"JPEG", "PNG", "WEBP"} <= formats
    # unicode stays as is, no \u escapes
    assert "\\u" not in result.stdout and "Amélie" in result.stdout


def test_quoted_titles_come_back_as_strings(run, site):
    found = set(titles(run("-L", site, "list", "--format", "json")))
    assert {"Alien: Romulus", "Yes", "1917", "Null"} <= found


def test_jsonl_matches_json(run, site):
    whole = json.loads(run("-L", site, "list", "--format", "json").stdout)
    lines = run("-L", site, "list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == whole


def test_csv_parses_with_csv_module(run, site):
    result = run("-L", site, "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0].keys() >= {"title", "year", "director", "poster", "date", "path"}
    her = next(r for r in rows if r["title"] == "Her")
    assert her["poster"].startswith("JPEG 259×194 ")


def test_tsv_has_header_and_one_line_per_film(run, site):
    lines = run("-L", site, "list", "--format", "tsv").stdout.splitlines()
    assert lines[0] == "title\tyear\tdirector\tposter\tdate\tpath"
    assert all(line.count("\t") == 5 for line in lines)


def test_sort_where_search_limit(run, site):
    by_year = json.loads(run("-L", site, "list", "-F", "json", "--sort", "year").stdout)
    years = [r["year"] for r in by_year]
    assert years == sorted(years)
    newest = titles(
        run("-L", site, "list", "-F", "json", "--sort", "year", "--reverse", "--limit", "1")
    )
    assert newest == [by_year[-1]["title"]]
    recent = json.loads(
        run("-L", site, "list", "-F", "json", "-w", "year>=2000", "-w", "director~JONZE").stdout
    )
    assert [r["title"] for r in recent] == ["Her"]
    assert titles(run("-L", site, "list", "-F", "json", "-w", "title=her")) == ["Her"]
    assert titles(run("-L", site, "list", "-F", "json", "--search", "LONELINESS")) == ["Her"]
    assert titles(run("-L", site, "list", "-F", "json", "-w", "poster=none")) == []
    pngs = json.loads(run("-L", site, "list", "-F", "json", "-w", "poster=png").stdout)
    assert pngs and all(r["poster"]["format"] == "PNG" for r in pngs)


def test_fields_choose_columns(run, site):
    out = run("-L", site, "list", "-F", "csv", "--fields", "year,title", "-w", "title=Her")
    assert out.stdout == "year,title\n2013,Her\n"
    js = json.loads(
        run("-L", site, "list", "-F", "json", "--fields", "title", "--limit", "2").stdout
    )
    assert all(list(r) == ["title"] for r in js) and len(js) == 2


def test_malformed_where_is_a_usage_error(run, site):
    result = run("-L", site, "list", "--where", "year is recent")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read --where 'year is recent'")
    assert "Traceback" not in result.stderr


def test_table_on_terminal(run, site, monkeypatch):
    result = run("-L", site, "list", "--format", "table", "-w", "title=Her")
    assert "Title" in result.stdout and "Her" in result.stdout
    assert "JPEG 259×194" in result.stdout and "\x1b[" not in result.stdout


def test_pipe_default_is_plain_tsv_without_colour(site):
    proc = run_process("-L", site, "list")
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert b"\x1b[" not in proc.stdout
    assert lines and all(line.count("\t") == 5 for line in lines)
    assert any(line.startswith("Her\t2013\tSpike Jonze\tJPEG 259×194") for line in lines)


def test_paths_null_with_xargs(site):
    proc = run_process("-L", site, "list", "--format", "paths", "-0")
    assert proc.stdout.endswith(b"\0") and b"\n" not in proc.stdout
    count = subprocess.run(
        ["xargs", "-0", "-n1", "echo"], input=proc.stdout, cwd=site, capture_output=True
    )
    assert len(count.stdout.decode().splitlines()) == proc.stdout.count(b"\0")
    listed = subprocess.run(["xargs", "-0", "ls"], input=proc.stdout, cwd=site, capture_output=True)
    assert listed.returncode == 0, listed.stderr


def test_head_closes_pipe_quietly(site):
    shell = f"{sys.executable} -m filmcli -L '{site}' list --format jsonl | head -1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True)
    assert proc.stdout.count(b"\n") == 1
    assert b"BrokenPipe" not in proc.stderr and b"Traceback" not in proc.stderr
    assert proc.stderr == b""


def test_bad_post_listed_on_stderr_good_ones_still_listed(run, site):
    (site / "_posts" / "2020-01-01-broken.md").write_text("---\ntitle: [x\n---\n")
    result = run("-L", site, "list", "-F", "json")
    assert result.exit_code == 1
    assert "Her" in titles(result)
    assert result.stderr.splitlines()[0].startswith(
        "error: _posts/2020-01-01-broken.md:3: YAML syntax error"
    )


def test_explicit_files_and_env_library(run, site):
    post = site / "_posts" / "2013-12-18-her.md"
    assert titles(run("list", "-F", "json", post)) == ["Her"]
    env_result = run("list", "-F", "json", "-w", "title=Her", env={"FILMCLI_LIBRARY": str(site)})
    assert titles(env_result) == ["Her"]


def test_where_typos_are_usage_errors(run, site):
    for expr in ("year<<1960", "year=>2000", "year>abc", "no operator"):
        result = run("-L", site, "list", "--where", expr)
        assert result.exit_code == 2, expr
        assert result.stderr.startswith("error: ") and result.stdout == "", expr


def test_a_field_no_post_has_is_a_usage_error_naming_the_known_fields(run, site):
    result = run("-L", site, "list", "-F", "json", "-w", "yaer>=2013", "--sort", "nonsense")
    assert result.exit_code == 2 and result.stdout == ""
    first, hint = result.stderr.splitlines()
    assert first == "error: no post has a field 'nonsense', 'yaer'"
    assert hint.startswith("hint: known fields: ") and "year" in hint and "title" in hint
    fields = run("-L", site, "list", "-F", "csv", "--fields", "title,ratign")
    assert fields.exit_code == 2 and "'ratign'" in fields.stderr
    # a real extra key is not warned about
    (site / "_posts" / "2013-12-18-her.md").write_text(
        (site / "_posts" / "2013-12-18-her.md")
        .read_text()
        .replace("year: 2013\n", "year: 2013\nrating: 4\n")
    )
    rated = run("-L", site, "list", "-F", "json", "-w", "rating>=4")
    assert titles(rated) == ["Her"] and "warning" not in rated.stderr


HOSTILE_TEXT_POST = (
    '---\nlayout: post\ntitle: "Esc \\e[31mRED [/b] [rec]"\n'
    'director: "D [co]"\nyear: 2009\n---\n\nBody \x1b]0;pwned\x07 here.\n'
)


def test_table_shows_post_text_as_text(run, site, monkeypatch):
    """Brackets are not rich markup and escape codes never reach the terminal."""
    (site / "_posts" / "2020-01-01-esc.md").write_text(HOSTILE_TEXT_POST)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = run("-L", site, "list", "--format", "table", "-w", "year=2009")
    assert result.exit_code == 0, result.stderr
    assert "[/b]" in result.stdout and "[co]" in result.stdout and "[rec]" in result.stdout
    assert "\\x1b[31mRED" in result.stdout and "\x1b[31m" not in result.stdout


def test_parse_and_show_make_control_characters_visible(run, site):
    post = site / "_posts" / "2020-01-01-esc.md"
    post.write_text(HOSTILE_TEXT_POST)
    for args in (("parse", post), ("-L", site, "show", "esc")):
        result = run(*args)
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, args
        assert "Body \\x1b]0;pwned\\x07 here." in result.stdout, args


# --- the fast path: `list` in a machine format, answered before Typer is built -----------

FAST_LINES = [
    ["list", "--format", "tsv"],
    ["list"],  # a pipe: TSV without a header
    ["list", "-F", "json"],
    ["list", "-Fjsonl", "--fields", "title,url,draft"],
    ["list", "--format=csv", "--csv-safe", "--sort", "-year", "--limit", "3"],
    ["list", "-F", "csv", "--no-csv-safe", "-s", "director", "-s", "-title"],
    ["list", "-F", "paths", "-0", "-r"],
    ["list", "-F", "tsv", "-w", "year>=2000", "-S", "the", "--no-pager"],
    ["list", "--drafts", "-F", "json", "--where=poster!=none"],
    ["--no-cache", "list", "-F", "tsv", "--debug", "--no-color"],
    ["list", "_posts/2013-12-18-her.md", "-F", "json"],
    ["list", "-F", "tsv", "--fields", "title,nosuchfield"],  # a usage error: Typer's words
    ["list", "-F", "xml"],
    ["list", "--limit", "-1", "-F", "tsv"],
    ["list", "--null", "-F", "tsv"],
    ["list", "-F", "tsv", "--where", "year>>"],
]


def test_the_fast_path_writes_what_typer_writes(run, site, monkeypatch):
    monkeypatch.chdir(site)
    (site / "_drafts").mkdir()
    (site / "_drafts" / "a-draft.md").write_text("---\ntitle: Draft\nyear: 2020\n---\nText\n")
    (site / "_posts" / "2020-01-01-broken.md").write_text("---\ntitle: [\n---\n")
    for line in FAST_LINES:
        typer_way = run("-L", site, *line)
        for _ in range(2):  # computed, then (once the files settle) perhaps from the cache
            fast = run_process("-L", site, *line, cwd=site)
            assert fast.stdout.decode() == typer_way.stdout, line
            assert fast.stderr.decode() == typer_way.stderr, line
            assert fast.returncode == typer_way.exit_code, line


def test_the_fast_path_answers_without_typer(site):
    from test_startup import heavy, imported

    proc, modules = imported("-L", str(site), "list", "--format", "tsv")
    assert proc.returncode == 0 and b"Her\t2013" in proc.stdout
    assert heavy(modules, ("typer", "click", "rich", "PIL", "pydantic")) == set()


def test_words_the_fast_path_does_not_know_go_to_typer():
    from filmcli.cli.early import parse_list

    for words in (
        ["list", "--help"],
        ["list", "-rs", "year"],
        ["list", "--", "x"],
        ["-r", "list"],
        ["list", "--limit", "x"],
        ["stats"],
        ["list", "--format"],
    ):
        assert parse_list(words) is None, words
    got = parse_list(["-L", "site", "list", "-Fjson", "-w", "a=1", "--where=b=2", "p.md"])
    assert got["library"] == "site" and got["fmt"] == "json"
    assert got["where"] == ["a=1", "b=2"] and got["paths"] == ["p.md"]


def test_lead_fields_are_the_record_s_own(site):
    """The rows' short cut (only the lead keys asked) gives what post_record gives."""
    from filmcli.api import Library
    from filmcli.ops.records import LEAD_KEYS, lead_fields, post_record

    (site / "_posts" / "2020-02-02-odd.md").write_text(
        "---\ntitle: [a, 1]\ndate: not a date\nyear: 2020-01-01\npath: mine\nslug: own\n---\n"
    )
    library = Library(site)
    posts = library.posts()
    assert len(posts) > 10
    for post in posts:
        for mode in ("summary", "facts"):
            whole = post_record(post, library.relpath(post.path), poster=mode)
            part = lead_fields(post, library.relpath(post.path), LEAD_KEYS, poster=mode)
            assert part == {k: whole[k] for k in LEAD_KEYS}
