"""One error style everywhere: `error: PATH[:LINE]: message` (+ `hint:`), exit 1 for the
data, 2 for the command line, never a traceback without --debug, quiet on a closed pipe.
"""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_process

#: bad post -> (its file line in the error, a word of the message)
BAD_POSTS = {
    "2002-01-01-nofm.md": (b"just text\n", 1, "no front matter"),
    "2002-01-02-unclosed.md": (b"---\ntitle: x\n", 1, "not closed"),
    "2002-01-03-syntax.md": (b'---\ntitle: "x\nyear: [\n---\n', 4, "YAML syntax error"),
    # (a duplicate key is read, the last value kept, as Jekyll does: validate warns)
    "2002-01-04-list.md": (
        b"---\ntitle: a\ngenres:\nposter: data:image/jpeg;base64,/9j/AAAA\n- romance\n---\n",
        5,
        "YAML syntax error",
    ),
    "2002-01-05-tag.md": (
        b'---\ntitle: a\nx: !!python/object/apply:os.system ["true"]\n---\n',
        3,
        "not allowed",
    ),
    "2002-01-06-alias.md": (
        b"---\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
        + b"".join(
            b"x%d: &x%d [" % (i, i) + b", ".join([b"*x%d" % (i - 1)] * 10) + b"]\n"
            for i in range(1, 6)
        )
        + b"---\n",
        2,
        "alias bomb",
    ),
    "2002-01-07-latin1.md": ('---\ntitle: "Amélie"\n---\n'.encode("latin-1"), 2, "UTF-8"),
    "2002-01-08-date.md": (b"---\ntitle: x\ndate: 2002-13-45\n---\n", 3, "not one"),
    "2002-01-09-control.md": (b"---\ntitle: x\nbad: \x1b[31m\n---\n", 3, "U+001B"),
    "2002-01-10-deep.md": (b"---\nx: " + b"[" * 200 + b"]" * 200 + b"\n---\n", 2, "nested"),
}
GOOD = "2001-01-01-good.md"


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 30), "maroon").save(buf, "PNG")
    return buf.getvalue()


def good_post(title: str = "Good") -> bytes:
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    return (
        f'---\nlayout: post\ntitle: "{title}"\ndirector: "D"\nyear: 2001\n'
        f"poster: {uri}\n---\n\nFine.\n"
    ).encode()


@pytest.fixture
def bad_site(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "bad"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: bad\n")
    (root / "_posts" / GOOD).write_bytes(good_post())
    for name, (data, _, _) in BAD_POSTS.items():
        (root / "_posts" / name).write_bytes(data)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return root


def check_one_error_per_bad_post(stderr: str) -> None:
    """Each bad post: exactly one `error: _posts/NAME:LINE: ...` line; nothing else names it."""
    lines = stderr.split("\n")
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    for name, (_, line, word) in BAD_POSTS.items():
        mentions = [ln for ln in lines if name in ln]
        assert len(mentions) == 1, (name, mentions)
        assert mentions[0].startswith(f"error: _posts/{name}:{line}: "), mentions[0]
        assert word in mentions[0], mentions[0]
    # only the per-post progress lines of extract/embed (messages for people) name the good one
    done = ("extracted ", "would extract ", "embedded ", "would embed ")
    assert not any(GOOD in ln for ln in lines if not ln.startswith(done)), stderr
    for ln in lines:  # every other line is a hint, a warning or a summary, never a bare dump
        assert not ln.startswith((" ", "\t", "File ")), ln


READING = {
    "list": ["list"],
    "list json": ["list", "--format", "json"],
    "list paths": ["list", "--format", "paths"],
    "parse": ["parse", "_posts"],
    "parse toml": ["parse", "--format", "toml", "_posts"],
    "export": ["export"],
    "export csv": ["export", "--format", "csv"],
    "stats": ["stats"],
    "wall": ["wall", "--output", "{tmp}/wall.png"],
    "extract-posters": ["extract-posters", "--out", "{tmp}/posters"],
    "extract-posters -n": ["extract-posters", "--dry-run"],
    "embed-posters": ["embed-posters"],
}


@pytest.mark.parametrize("name", list(READING))
def test_every_reading_command_reports_each_bad_post_once(
    name, bad_site, tmp_path, run, monkeypatch
):
    monkeypatch.chdir(bad_site)
    args = [a.replace("{tmp}", str(tmp_path)) for a in READING[name]]
    result = run(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    check_one_error_per_bad_post(result.stderr)
    if name.startswith(("list", "export")):
        assert "Good" in result.stdout or GOOD in result.stdout


def test_validate_reports_problems_as_data(bad_site, run):
    result = run("-L", bad_site, "validate")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "error:" not in result.stderr
    # Jekyll builds a post with no front matter (titled from its name) and one with a
    # duplicate key (the last value): warnings; the rest are errors
    warned = {"2002-01-01-nofm.md", "2002-01-04-dup.md"}
    for name, (_, line, _) in BAD_POSTS.items():
        severity = "warning" if name in warned else "error"
        assert re.search(
            rf"^_posts/{re.escape(name)}:{line}: FC0\d\d {severity} ", result.stdout, re.M
        ), (name, result.stdout)
    errors = len(re.findall(r"^\S+ FC\d+ error ", result.stdout, re.M))
    warnings = len(re.findall(r"^\S+ FC\d+ warning ", result.stdout, re.M))
    assert errors >= len(BAD_POSTS) - len(warned)
    assert result.stderr.strip() == f"{errors} errors, {warnings} warnings"


@pytest.mark.parametrize("name", list(BAD_POSTS))
def test_show_and_parse_of_one_bad_post(name, bad_site, run, monkeypatch):
    monkeypatch.chdir(bad_site)
    _, line, word = BAD_POSTS[name]
    for args in (
        ["show", f"_posts/{name}"],
        ["parse", f"_posts/{name}"],
        ["add", "--dry-run", f"_posts/{name}"],
    ):
        result = run(*args)
        assert result.exit_code == 1, (args, result.stderr)
        errors = [ln for ln in result.stderr.split("\n") if ln.startswith("error: ")]
        assert errors == [errors[0]] and errors[0].startswith(f"error: _posts/{name}:{line}: ")
        assert word in errors[0]
        assert "Traceback" not in result.stderr


def test_writing_commands_work_beside_bad_posts(bad_site, tmp_path, run, monkeypatch):
    """A library with broken posts still takes a new one; the broken ones are untouched."""
    monkeypatch.chdir(bad_site)
    before = {p.name: p.read_bytes() for p in (bad_site / "_posts").iterdir()}
    (tmp_path / "p.png").write_bytes(png())
    result = run(
        "new",
        "--title",
        "Another",
        "--director",
        "D",
        "--year",
        "2004",
        "--date",
        "2004-04-04",
        "--poster",
        tmp_path / "p.png",
    )
    assert result.exit_code == 0, result.stderr
    assert (bad_site / "_posts" / "2004-04-04-another.md").is_file()
    assert {n: (bad_site / "_posts" / n).read_bytes() for n in before} == before


USAGE = [
    ["frobnicate"],
    ["list", "--bogus"],
    ["list", "--format", "xml"],
    ["list", "--limit", "-1"],
    ["list", "--where", "year"],
    ["list", "--where", "=2"],
    ["list", "--null"],
    ["list", "--fields", ","],
    ["parse"],
    ["parse", "--format", "yaml", "x.md"],
    ["validate", "--select", "FC999"],
    ["validate", "--format", "xml"],
    ["export", "--format", "xml"],
    ["export", "--posters", "sideways"],
    ["new", "--year", "abc"],
    ["new", "--title", "T", "--director", "D", "--year", "2001", "--slug", "../x"],
    ["new", "--title", "T", "--director", "D", "--year", "2001", "--date", "someday"],
    ["add"],
    ["add", "--from", "xml", "x"],
    ["show"],
    ["show", "good", "--protocol", "telepathy"],
    ["wall"],
    ["wall", "--output", "w.png", "--columns", "0"],
    ["config", "set", "nosuch.key", "1"],
    ["config", "set", "poster.max_width", "abc"],
    ["config", "set", "poster.max_width"],
    ["completion", "nosh"],
    ["extract-posters", "--format", "xml"],
    ["embed-posters", "--format", "xml"],
]


@pytest.mark.parametrize("args", USAGE, ids=lambda a: " ".join(a))
def test_usage_errors_exit_2_with_one_error_line(args, bad_site, run, monkeypatch):
    monkeypatch.chdir(bad_site)
    before = sorted(p.name for p in (bad_site / "_posts").iterdir())
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.split("\n") if ln]
    assert lines[0].startswith("error: "), result.stderr
    assert all(ln.startswith("hint: ") for ln in lines[1:]), result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (bad_site / "_posts").iterdir()) == before


DATA_ERRORS = [
    (["parse", "nosuch.md"], "error: nosuch.md: no such file or folder"),
    (["show", "nosuchfilm"], "error: no film matches 'nosuchfilm'"),
    (
        ["new", "--title", "T", "--director", "D", "--year", "2001", "--poster", "/nope.png"],
        "error: /nope.png: ",
    ),
    (["extract-posters", "--out", "/dev/null"], "error: /dev/null: "),
    (["embed-posters", "nosuch"], "error: nosuch: no such file or folder"),
    (["add", "nosuch.json"], "error: nosuch.json: no such file"),
]


@pytest.mark.parametrize(
    "args,first", DATA_ERRORS, ids=lambda a: " ".join(a) if isinstance(a, list) else ""
)
def test_data_errors_exit_1_with_one_error_line(args, first, bad_site, run, monkeypatch):
    monkeypatch.chdir(bad_site)
    result = run(*args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    errors = [ln for ln in result.stderr.split("\n") if ln.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(first), result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(bad_site, run, monkeypatch):
    monkeypatch.chdir(bad_site)
    plain = run("parse", "nosuch.md")
    debug = run("--debug", "parse", "nosuch.md")
    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().endswith("error: nosuch.md: no such file or folder")
    assert debug.exit_code == plain.exit_code == 1


def test_an_internal_error_is_one_line_unless_debugging(bad_site, run, monkeypatch):
    """The last line of defence: a bug becomes one `error: internal error` line and a hint."""
    import filmcli.store.library

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(filmcli.store.library.Store, "iter_posts", broken)
    result = run("-L", bad_site, "list")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: internal error: RuntimeError: simulated bug\n"
        "hint: run again with --debug to see the traceback\n"
    )
    debug = run("-L", bad_site, "--debug", "list")
    assert "Traceback (most recent call last)" in debug.stderr
    assert "RuntimeError: simulated bug" in debug.stderr


def test_errors_in_a_real_process(bad_site):
    """The same lines and codes from `python -m filmcli`, with no colour codes in a pipe."""
    env = {**os.environ, "XDG_CACHE_HOME": str(bad_site.parent / "cache")}
    env.pop("NO_COLOR", None)
    env.pop("FILMCLI_LIBRARY", None)
    proc = run_process("list", "--format", "paths", cwd=bad_site, env=env)
    assert proc.returncode == 1
    assert proc.stdout == f"_posts/{GOOD}\n".encode()
    check_one_error_per_bad_post(proc.stderr.decode())
    assert b"\x1b[" not in proc.stderr
    proc = run_process("list", "--format", "xml", cwd=bad_site, env=env)
    assert proc.returncode == 2 and proc.stderr.startswith(b"error: unknown format 'xml'\n")


# --- closed pipes ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    """Enough output to fill a pipe (64 kB) in every format: 1000 posts."""
    root = tmp_path_factory.mktemp("pipes")
    (root / "_posts").mkdir()
    (root / "_config.yml").write_text("title: pipes\n")
    for i in range(1000):
        data = good_post(f"Film number {i} with a long enough title to fill a pipe")
        (root / "_posts" / f"2001-01-{1 + i % 28:02d}-film-{i}.md").write_bytes(data)
    return root


PIPED = [
    ["list"],
    ["list", "--format", "json"],
    ["export"],
    ["export", "--format", "csv"],
    ["parse", "_posts"],
    ["parse", "--format", "toml", "_posts"],
    ["validate", "--format", "json"],
    ["stats"],
]


@pytest.mark.parametrize("args", PIPED, ids=lambda a: " ".join(a))
def test_closed_pipe_ends_quietly(args, big_site, tmp_path):
    """`filmcli ... | head -1`: head exits early; filmcli stops without a word, exit 0
    (click and rich would each exit 1, which fails `set -o pipefail` scripts)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("FILMCLI_LIBRARY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "filmcli", *args],
        cwd=big_site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after one line
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert first
    assert err == b"", err.decode()
    assert code == 0


def test_closed_pipe_in_a_shell(big_site, tmp_path):
    cmd = f"{sys.executable} -m filmcli list | head -1; echo status=${{PIPESTATUS[0]}}"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("FILMCLI_LIBRARY", None)
    proc = subprocess.run(
        ["bash", "-c", cmd], cwd=big_site, env=env, capture_output=True, timeout=120
    )
    assert proc.stderr == b"", proc.stderr.decode()
    out = proc.stdout.decode().split("\n")
    assert out[0].startswith("Film number") and out[1] == "status=0"
