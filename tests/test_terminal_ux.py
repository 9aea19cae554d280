"""The terminal: narrow widths, the pager, progress, help, completion, wall fonts, `new`."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import pytest
from rich.cells import cell_len
from terminal import terminal_env

from conftest import run_process


def test_stats_shows_empty_decades_and_labels_the_counts(run, site):
    out = run("-L", site, "stats").stdout
    lines = out.splitlines()
    decades = [line.split()[0] for line in lines if re.match(r"\d{4}s\b", line)]
    assert decades == [f"{d}s" for d in range(1940, 2030, 10)]  # 1980s has no film: shown
    empty = next(line for line in lines if line.startswith("1980s"))
    assert "█" not in empty and empty.split()[-1] == "0"
    head = lines[lines.index("Films per decade") + 1]
    assert head.split() == ["Decade", "Films"]
    top = lines[lines.index("Directors with most films") + 1]
    assert top.split() == ["Films", "Director"]


# --- list on narrow terminals -------------------------------------------------------------


def _films(site) -> list[dict]:
    out = run_process("-L", site, "list", "-F", "json", "--fields", "title,year").stdout
    return json.loads(out)


def _check_table(screen: str, films: list[dict], width: int) -> None:
    lines = [line.rstrip() for line in screen.splitlines()]
    assert all(cell_len(line) <= width for line in lines), screen
    header = lines[0].split()
    assert header[:2] == ["Title", "Year"], screen
    rows = lines[1 : 1 + len(films)]
    assert len(rows) == len(films), screen  # one line per film: nothing wrapped
    for film, row in zip(films, rows, strict=True):
        assert row.startswith(film["title"]), (film, screen)  # whole, on its line
        assert f" {film['year']}" in row[len(film["title"]) :], (film, screen)
    for row in rows:  # a shortened cell ends with an ellipsis: never half a word on a line
        assert all(not word.endswith("-") for word in row.split()), screen
    assert re.fullmatch(r"\d+ films", lines[1 + len(films)].strip()), screen


@pytest.mark.parametrize("width", [40, 60, 80, 160])
def test_list_keeps_titles_whole_at_any_width_through_columns(site, width):
    env = {**terminal_env(), "COLUMNS": str(width), "LINES": "100"}
    done = run_process("-L", site, "list", "-F", "table", env=env)
    assert done.returncode == 0, done.stderr
    _check_table(done.stdout.decode(), _films(site), width)
    header = done.stdout.decode().splitlines()[0].split()
    if width >= 160:
        assert header == ["Title", "Year", "Director", "Poster", "Date", "Path"]
    if width == 40:
        assert "Director" not in header and "Poster" not in header


@pytest.mark.parametrize("width", [40, 60, 80, 160])
def test_list_keeps_titles_whole_in_a_real_terminal(site, terminal, width):
    terminal.start(["list"], cwd=site, env=terminal_env(), width=width, height=50)
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen
    _check_table(screen, _films(site), width)


# --- the pager --------------------------------------------------------------------------


def _recording_pager(tmp_path):
    """A pager that keeps what it was given (and says it ran), for the screen and the test."""
    script = tmp_path / "pager.sh"
    seen = tmp_path / "paged.txt"
    script.write_text(f"#!/bin/sh\necho PAGER-RAN\ncat > {seen}\n")
    script.chmod(0o755)
    return str(script), seen


def test_a_list_taller_than_the_terminal_goes_through_less(site, terminal):
    terminal.start(["list"], cwd=site, env=terminal_env(PAGER="less"), width=100, height=8)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # less's prompt, at the foot of the first screenful
        lines = [line for line in terminal.screen().splitlines() if line.strip()]
        if lines and lines[-1].strip() == ":" or "EXIT=" in terminal.screen():
            break
        time.sleep(0.1)
    screen = terminal.screen()
    assert "EXIT=" not in screen, screen  # less is showing the first screenful and waits
    assert screen.splitlines()[0].startswith("Title"), screen
    terminal.tmux("send-keys", "q")
    assert "EXIT=0" in terminal.wait_for("EXIT=")


@pytest.mark.parametrize("how", ["FILMCLI_PAGER", "PAGER"])
def test_the_pager_is_the_users_and_gets_the_whole_table(site, terminal, tmp_path, how):
    pager, seen = _recording_pager(tmp_path)
    env = {"PAGER": "less", how: pager}
    terminal.start(["list"], cwd=site, env=terminal_env(**env), width=100, height=8)
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    assert "PAGER-RAN" in terminal.screen()
    paged = re.sub(r"\x1b\[[0-9;]*m", "", seen.read_text()).splitlines()  # bold stays
    assert paged[0].startswith("Title") and paged[-1].strip() == "16 films"


@pytest.mark.parametrize(
    "args,env",
    [(["list", "--no-pager"], {}), (["list"], {"PAGER": "cat"}), (["list"], {"FILMCLI_PAGER": ""})],
)
def test_no_pager(site, terminal, tmp_path, args, env):
    pager, seen = _recording_pager(tmp_path)
    env = {"PAGER": pager, **env}
    terminal.start(args, cwd=site, env=terminal_env(**env), width=100, height=8)
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen and "PAGER-RAN" not in screen and not seen.exists()
    assert "16 films" in screen


def test_no_pager_when_the_table_fits_or_in_a_pipe(site, terminal, tmp_path):
    pager, seen = _recording_pager(tmp_path)
    terminal.start(["list"], cwd=site, env=terminal_env(PAGER=pager), width=100, height=40)
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    assert not seen.exists()
    done = run_process(
        "-L", site, "list", "-F", "table", env={**terminal_env(PAGER=pager), "LINES": "5"}
    )
    assert done.returncode == 0 and b"16 films" in done.stdout and not seen.exists()


# --- help ---------------------------------------------------------------------------------


def _help(*args, columns: int = 160) -> str:
    done = run_process(*args, env={**terminal_env(), "COLUMNS": str(columns)})
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


def _command_names() -> list[str]:
    text = _help("--help")
    block = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.startswith("  ")]


def test_help_follows_the_terminal_width():
    wide = _help("--help", columns=160)
    summaries = wide.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert not any(line.rstrip().endswith("...") for line in summaries), wide
    assert max(len(line) for line in wide.splitlines()) > 100
    options = _help("list", "--help", columns=160)
    assert any(len(line) > 100 for line in options.splitlines()), options
    narrow = _help("list", "--help", columns=60).split("Examples:")[0]  # commands stay whole
    assert max(len(line) for line in narrow.splitlines()) <= 60, narrow


def test_every_command_ends_with_real_examples(site):
    names = _command_names()
    assert {"list", "show", "config", "help"} <= set(names)
    for name in names:
        args = [name, "--help"]
        if name in ("config", "cache"):
            args = [name, {"config": "set", "cache": "info"}[name], "--help"]
        text = _help(*args)
        assert "Examples:" in text, (name, text)
        examples = [
            line.strip()
            for line in text.split("Examples:", 1)[1].splitlines()
            if line.strip().startswith("filmcli ")
        ]
        assert 2 <= len(examples) <= 3, (name, text)


def test_examples_in_help_run(site, tmp_path):
    """Each example of the read-only commands runs as written on the example site."""
    import shlex

    for name in ("list", "parse", "validate", "stats", "show", "export"):
        text = _help(name, "--help")
        for line in text.split("Examples:", 1)[1].splitlines():
            line = line.strip()
            if not line.startswith("filmcli "):
                continue
            command = shlex.split(line.split("  #")[0])[1:]
            done = run_process(*command, cwd=site)
            assert done.returncode in (0, 1), (line, done.stderr)
            assert b"error: " not in done.stderr or name == "validate", (line, done.stderr)


def test_help_command():
    assert _help("help", "list") == _help("list", "--help")
    assert _help("help", "config", "set") == _help("config", "set", "--help")
    assert _help("help") == _help("--help")
    done = run_process("help", "lisst")
    assert done.returncode == 2
    assert done.stderr.decode().startswith("error: no command 'lisst'"), done.stderr


# --- progress -----------------------------------------------------------------------------


def _big_library(tmp_path, n: int = 40):
    """A library of `n` films: the seed post under other titles."""
    from conftest import SEED

    root = tmp_path / "big"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: big\n")
    text = SEED.read_text(encoding="utf-8")
    for i in range(n):
        body = text.replace('title: "Her"', f'title: "Film {i}"').replace(
            "title: Her", f"title: Film {i}"
        )
        (root / "_posts" / f"2013-12-18-film-{i}.md").write_text(body, encoding="utf-8")
    return root


PROGRESS = [
    (["validate"], "validating"),
    (["export", "--output", "out.json"], "exporting"),
    (["stats"], "reading posts"),
    (["wall", "--output", "wall.jpg"], "drawing the wall"),
    (["add", "export.json", "--force"], "adding"),
]


@pytest.mark.parametrize("args,label", PROGRESS, ids=[a[0] for a, _ in PROGRESS])
def test_progress_on_a_terminal_only(tmp_path, terminal, args, label):
    root = _big_library(tmp_path)
    if args[0] == "add":
        done = run_process("-L", root, "export", "--output", root / "export.json")
        assert done.returncode == 0, done.stderr
    record = tmp_path / "pane.txt"
    # The pane's every byte, the bar's redraws too (it is gone from the screen at the end).
    terminal.start_program(
        ["sh", "-c", 'sleep 1; exec "$0" "$@"', sys.executable, "-m", "filmcli", *args],
        cwd=root,
        env=terminal_env(),
    )
    terminal.tmux("pipe-pane", "-o", f"cat >> {record}")
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    time.sleep(0.3)
    drawn = record.read_text(encoding="utf-8", errors="replace")
    assert label in drawn, drawn[:2000]
    assert "/40" in drawn or args[0] == "add", drawn[:2000]  # add: counted as it goes
    assert label not in screen  # transient: the bar leaves no line behind
    # In a pipe: not a byte of it.
    piped = run_process(*args, cwd=root)
    assert piped.returncode == 0, piped.stderr
    assert label.encode() not in piped.stderr and b"\x1b" not in piped.stderr


# --- wall: a font for every script ----------------------------------------------------------


def _one_film_library(tmp_path, title: str, name: str):
    from conftest import SEED

    root = tmp_path / name
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: t\n")
    text = SEED.read_text(encoding="utf-8").replace('title: "Her"', f'title: "{title}"')
    text = text.replace("title: Her\n", f'title: "{title}"\n')
    (root / "_posts" / "2013-12-18-film.md").write_text(text, encoding="utf-8")
    return root


def _cjk_font_installed() -> bool:
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return False
    return bool(subprocess.run(["fc-list", ":lang=ja"], capture_output=True).stdout.strip())


@pytest.mark.skipif(not _cjk_font_installed(), reason="no font with Japanese (fonts-noto-cjk)")
def test_wall_draws_cjk_titles_with_a_font_that_has_them(tmp_path):
    from PIL import Image

    root = _one_film_library(tmp_path, "七人の侍", "cjk")
    done = run_process("-L", root, "wall", "--output", tmp_path / "with.png")
    assert done.returncode == 0, done.stderr
    assert b"warning" not in done.stderr, done.stderr
    # Without fontconfig (no fc-match on PATH) the same title is boxes, and is said to be.
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    boxes = run_process("-L", root, "wall", "--output", tmp_path / "boxes.png", env=env)
    assert boxes.returncode == 0, boxes.stderr
    assert boxes.stderr.decode().count("warning: ") == 1, boxes.stderr
    assert "七人の侍" in boxes.stderr.decode()
    a, b = Image.open(tmp_path / "with.png"), Image.open(tmp_path / "boxes.png")
    assert a.size == b.size and a.tobytes() != b.tobytes()


def test_wall_warns_once_when_no_font_has_a_script(site):
    for i, title in enumerate(["𓀀𓀁", "𓂀 𓃀"]):  # Egyptian hieroglyphs: in no common font
        post = site / "_posts" / f"2030-01-0{i + 1}-glyphs-{i}.md"
        text = (site / "_posts" / "2013-12-18-her.md").read_text(encoding="utf-8")
        post.write_text(text.replace('title: "Her"', f'title: "{title}"', 1), encoding="utf-8")
    done = run_process("-L", site, "wall", "--output", site / "wall.png")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.decode().splitlines() if line.startswith("warning")]
    assert len(lines) == 1, done.stderr
    assert "2 titles" in lines[0] and "𓀀𓀁" in lines[0], lines


# --- interactive new ------------------------------------------------------------------------


def _answer(terminal, prompt: str, text: str, count: int = 1) -> None:
    """Wait until `prompt` has been shown `count` times, then type `text` and Enter."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and terminal.screen().count(prompt) < count:
        time.sleep(0.1)
    assert terminal.screen().count(prompt) >= count, terminal.screen()
    terminal.type(text)


def test_new_says_at_once_that_the_film_is_in_the_library(seed_site, terminal):
    before = sorted((seed_site / "_posts").iterdir())
    data = before[0].read_bytes()
    terminal.start(["new"], cwd=seed_site, env=terminal_env())
    _answer(terminal, "Title:", "Her")
    _answer(terminal, "Director:", "Spike Jonze")
    _answer(terminal, "Year:", "2013")
    # Before the poster is asked for: the film is there already; keep it.
    shown = terminal.wait_for("already in the library")
    assert "Poster image file:" not in shown
    assert "2013-12-18-her.md" in shown
    _answer(terminal, "Replace it", "n")
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=1" in screen, screen
    assert sorted((seed_site / "_posts").iterdir()) == before and before[0].read_bytes() == data


def test_new_asks_again_after_a_bad_poster_and_offers_the_editor(library, terminal, tmp_path):
    from conftest import ROOT

    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Written in the editor.\\n" >> "$1"\n')
    editor.chmod(0o755)
    terminal.start(
        ["new", "--date", "2013-12-18"],
        cwd=library,
        env=terminal_env(EDITOR=str(editor), VISUAL=""),
    )
    _answer(terminal, "Title:", "Her")
    _answer(terminal, "Director:", "Spike Jonze")
    _answer(terminal, "Year:", "2013")
    _answer(terminal, "Poster image file:", str(tmp_path / "no-such.jpg"))
    terminal.wait_for("no such image file")
    _answer(terminal, "Poster image file:", str(tmp_path), count=2)  # a folder: asked again
    _answer(terminal, "Poster image file:", str(ROOT / "examples" / "her.jpg"), count=3)
    _answer(terminal, "review in", "y")
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    from filmcli.model.post import Post

    post = Post.read(library / "_posts" / "2013-12-18-her.md")
    assert (post.title, post.year, post.director) == ("Her", 2013, "Spike Jonze")
    assert post.body.strip() == "Written in the editor."
    assert post.poster is not None


def test_new_editor_offer_declined_writes_no_review(library, terminal):
    from conftest import ROOT

    terminal.start(
        [
            "new",
            "--title",
            "Her",
            "--director",
            "Spike Jonze",
            "--year",
            "2013",
            "--date",
            "2013-12-18",
        ],
        cwd=library,
        env=terminal_env(EDITOR="false"),
    )
    _answer(terminal, "Poster image file:", str(ROOT / "examples" / "her.jpg"))
    _answer(terminal, "review in", "n")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    assert (library / "_posts" / "2013-12-18-her.md").is_file()


def test_new_replacing_the_film_keeps_its_review(seed_site, terminal):
    from conftest import ROOT
    from filmcli.model.post import Post

    (old,) = (seed_site / "_posts").iterdir()
    review = Post.read(old).body
    terminal.start(["new", "--director", "S. Jonze"], cwd=seed_site, env=terminal_env())
    _answer(terminal, "Title:", "Her")
    _answer(terminal, "Year:", "2013")
    _answer(terminal, "Replace it", "y")
    _answer(terminal, "Poster image file:", str(ROOT / "examples" / "her.jpg"))
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen and "review in" not in screen, screen
    (new,) = (seed_site / "_posts").iterdir()
    post = Post.read(new)
    assert (post.director, post.body) == ("S. Jonze", review) and review.strip()


def test_font_lookups_are_bounded(tmp_path):
    """Titles in a script no font has: a few fontconfig lookups, not one per title."""
    import shutil
    import subprocess

    from filmcli.show import fonts
    from filmcli.show.wall import font

    if shutil.which("fc-match") is None:
        pytest.skip("no fontconfig")
    calls = []
    real = subprocess.run

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    chooser = fonts.FontChooser(font(12), 12)
    try:
        subprocess.run = counting
        for i in range(200):  # each title lacks other characters
            chooser.face(chr(0x13000 + i) + chr(0x13100 + i))
    finally:
        subprocess.run = real
    assert len(calls) <= fonts.MAX_QUERIES
    assert len(chooser.missing) == 200


def test_a_table_into_a_file_keeps_every_column(site):
    env = {k: v for k, v in terminal_env().items() if k != "COLUMNS"}
    done = run_process("-L", site, "list", "-F", "table", env=env)
    lines = done.stdout.decode().splitlines()
    assert lines[0].split() == ["Title", "Year", "Director", "Poster", "Date", "Path"]
    assert len(lines) == len(_films(site)) + 2  # one line per film, and the count
