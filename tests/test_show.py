"""filmcli show: the poster in block cells (measured), the fallbacks, and finding the film."""

from __future__ import annotations

import base64
import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest
from measure import parse_ansi, psnr, rebuild_image, reference_image
from PIL import Image

from conftest import SEED

SGR = re.compile(r"\x1b\[[0-9;]*m")
BLOCKS = {chr(c) for c in range(0x2580, 0x25A0)} | {" "}


def seed_image() -> Image.Image:
    payload = re.search(rb"^poster: data:image/jpeg;base64,(\S+)$", SEED.read_bytes(), re.M)
    return Image.open(io.BytesIO(base64.b64decode(payload.group(1))))


def poster_cells(run, library, *extra, colorterm="truecolor"):
    result = run(
        "-L",
        library,
        "show",
        "her",
        "--width",
        "40",
        "--protocol",
        "blocks",
        "--poster-only",
        *extra,
        env={"COLORTERM": colorterm},
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout, parse_ansi(result.stdout)


def test_block_mode_rebuilds_the_seed_poster_above_the_bar(run, seed_site):
    text, cells = poster_cells(run, seed_site)
    # 259x194 at 40 columns: rows = round(40 * 194 / 259 / 2) = 15
    assert (cells.width, cells.height) == (40, 15)
    # only block elements and SGR colour codes
    assert set(SGR.sub("", text)) <= BLOCKS | {"\n"}
    assert re.search(r"\x1b\[38;2;\d+;\d+;\d+", text)
    rebuilt = rebuild_image(cells)
    score = psnr(rebuilt, reference_image(seed_image(), cells))
    assert score >= 27.2, score  # chafa's best symbols score 27.2 dB here


def test_half_blocks_and_256_colours_are_measured_too(run, seed_site):
    text, cells = poster_cells(run, seed_site, "--symbols", "half")
    assert set(SGR.sub("", text)) <= {"▀", "▄", "█", " ", "\n"}
    assert psnr(rebuild_image(cells), reference_image(seed_image(), cells)) >= 23.9

    text, cells = poster_cells(run, seed_site, colorterm="")
    assert "38;2;" not in text and "48;2;" not in text and "38;5;" in text
    assert psnr(rebuild_image(cells), reference_image(seed_image(), cells)) >= 20.0


def test_no_color_prints_facts_and_a_one_line_poster_summary(run, seed_site):
    result = run("-L", seed_site, "show", "her")  # the runner sets NO_COLOR
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out and not (set(out) & (BLOCKS - {" "}))
    lines = out.splitlines()
    assert lines[0] == "Her (2013)"
    assert lines[1] == "directed by Spike Jonze"
    assert "file    _posts/2013-12-18-her.md" in lines
    assert "poster  JPEG 259×194 7.4 kB (image/jpeg)" in lines
    assert "A quiet film about connection and loneliness" in out

    only = run("-L", seed_site, "show", "her", "--poster-only")
    assert only.stdout == "poster: JPEG 259×194 7.4 kB (image/jpeg)\n"


def test_a_pipe_gets_no_picture_even_with_colour_allowed(seed_site):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(COLORTERM="truecolor", KITTY_WINDOW_ID="1")
    proc = subprocess.run(
        [sys.executable, "-m", "filmcli", "-L", str(seed_site), "show", "her", "--poster-only"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout == "poster: JPEG 259×194 7.4 kB (image/jpeg)\n".encode()


def run_tty(*args, env_extra=None, size=(50, 120)):
    """Run filmcli with a pseudo-terminal as stdout (what a user's terminal gives it)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "NO_COLOR",
            "FORCE_COLOR",
            "COLUMNS",
            "LINES",
            "KITTY_WINDOW_ID",
            "TERM_PROGRAM",
            "COLORTERM",
        )
    }
    env["TERM"] = "xterm-256color"
    env.update(env_extra or {})
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "filmcli", *map(str, args)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_terminal_gets_the_poster_beside_the_facts(seed_site):
    code, out = run_tty("-L", seed_site, "show", "her", env_extra={"COLORTERM": "truecolor"})
    assert code == 0
    lines = out.splitlines()
    first = SGR.sub("", lines[0])
    # 120 columns: the poster gets min(120 - 2 - 36, 56) = 56 cells, the text starts after 2
    assert set(first[:56]) <= BLOCKS and first[56:58] == "  "
    assert first[58:].startswith("Her (2013)")
    assert "\x1b[38;2;" in lines[0]  # 24-bit colour since COLORTERM says so
    rows = round(56 * 194 / 259 / 2)
    art = [SGR.sub("", line)[:56] for line in lines[:rows]]
    assert all(len(a) == 56 and set(a) <= BLOCKS for a in art)
    assert "directed by Spike Jonze" in out and "A quiet film" in out

    code, out = run_tty("-L", seed_site, "show", "her", env_extra={"COLORTERM": ""})
    assert "\x1b[38;5;" in out and "\x1b[38;2;" not in out  # 256 colours otherwise


@pytest.mark.parametrize(
    "env, marker",
    [
        ({"KITTY_WINDOW_ID": "3"}, "\x1b_Ga=T,f=100"),
        ({"TERM_PROGRAM": "iTerm.app"}, "\x1b]1337;File="),
    ],
)
def test_auto_picks_the_terminal_graphics_protocol(seed_site, env, marker):
    code, out = run_tty("-L", seed_site, "show", "her", env_extra=env)
    assert code == 0 and marker in out
    assert "Her (2013)" in out
    assert not set(SGR.sub("", out)) & (BLOCKS - {" "})  # no block cells as well


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_terminal_without_colour_gets_the_summary(seed_site, env):
    code, out = run_tty("-L", seed_site, "show", "her", env_extra=env)
    assert code == 0
    assert "JPEG 259×194 7.4 kB" in out and "Her (2013)" in out
    assert not set(out) & (BLOCKS - {" "}) and "\x1b[38;" not in out


def test_explicit_protocols_draw_even_in_a_pipe(run, seed_site):
    kitty = run("-L", seed_site, "show", "her", "--protocol", "kitty", "--poster-only")
    assert kitty.stdout.startswith("\x1b_Ga=T,f=100,q=2,c=")
    iterm = run(
        "-L", seed_site, "show", "her", "--protocol", "iterm", "--poster-only", "--width", "30"
    )
    assert iterm.stdout.startswith("\x1b]1337;File=") and "width=30" in iterm.stdout
    sixel = run("-L", seed_site, "show", "her", "--protocol", "sixel", "--poster-only")
    assert sixel.stdout.startswith("\x1bP") and sixel.stdout.rstrip().endswith("\x1b\\")


def test_blocks_page_layout_in_a_pipe(run, seed_site):
    result = run(
        "-L",
        seed_site,
        "show",
        "her",
        "--protocol",
        "blocks",
        env={"COLUMNS": "100", "LINES": "40"},
    )
    assert result.exit_code == 0, result.stderr
    first = SGR.sub("", result.stdout.splitlines()[0])
    assert set(first[:56]) <= BLOCKS and first[58:] == "Her (2013)"


# --- finding the film ----------------------------------------------------------------------


def heading(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()[0]


def test_lookup_by_path_slug_and_title(run, site):
    (site / "_posts" / "2024-11-08-heretic.md").write_text(
        '---\nlayout: post\ntitle: "Heretic"\ndirector: "Scott Beck"\nyear: 2024\n---\n\nx\n'
    )
    casablanca = site / "_posts" / "2019-02-10-casablanca.md"
    assert heading(run("-L", site, "show", casablanca)) == "Casablanca (1942)"
    assert (
        heading(run("-L", site, "show", "_posts/2019-02-10-casablanca.md")) == "Casablanca (1942)"
    )
    assert heading(run("-L", site, "show", "vertigo")) == "Vertigo (1958)"
    assert heading(run("-L", site, "show", "2019-10-31-vertigo")) == "Vertigo (1958)"
    assert heading(run("-L", site, "show", "СТАЛКЕР")) == "Сталкер (1979)"
    assert (
        heading(run("-L", site, "show", "léon: the professional"))
        == "Léon: The Professional (1994)"
    )
    assert heading(run("-L", site, "show", "space odys")) == "2001: A Space Odyssey (1968)"
    # an exact slug wins over titles that merely contain the words
    assert heading(run("-L", site, "show", "her")) == "Her (2013)"
    assert heading(run("-L", site, "show", "heret")) == "Heretic (2024)"


def test_ambiguous_query_lists_the_candidates(run, site):
    result = run("-L", site, "show", "c")  # words starting with it: Casablanca, Citizen Kane
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error: 'c' matches 2 films; name one by its slug or file" in result.stderr
    assert re.search(
        r"^  casablanca +Casablanca \(1942\) +_posts/2019-02-10-casablanca\.md$",
        result.stderr,
        re.M,
    )
    assert re.search(r"^  citizen-kane +Citizen Kane \(1941\)", result.stderr, re.M)

    missing = run("-L", site, "show", "no such film at all")
    assert missing.exit_code == 1
    assert "error: no film matches 'no such film at all'" in missing.stderr


def test_bad_poster_still_shows_the_film_and_fails(run, seed_site):
    post = seed_site / "_posts" / "2013-12-18-her.md"
    post.write_bytes(re.sub(rb"base64,/9j/", b"base64,!!!", post.read_bytes()))
    result = run("-L", seed_site, "show", "her", "--protocol", "blocks")
    assert result.exit_code == 1
    assert "Her (2013)" in result.stdout
    assert (
        "error: _posts/2013-12-18-her.md: poster not drawn: poster data is not valid "
        "base64" in result.stderr
    )
    only = run("-L", seed_site, "show", "her", "--protocol", "blocks", "--poster-only")
    assert only.exit_code == 1 and only.stdout == ""


def test_bad_options_are_usage_errors(run, seed_site):
    assert run("-L", seed_site, "show", "her", "--symbols", "braille").exit_code == 2
    assert run("-L", seed_site, "show", "her", "--protocol", "vt340").exit_code == 2


def test_title_words_in_any_order_without_accents(run, site):
    for query, title in (
        ("alien romulus", "Alien: Romulus"),
        ("kane citizen", "Citizen Kane"),
        ("leon", "Léon: The Professional"),
    ):
        result = run("-L", site, "show", query)
        assert result.exit_code == 0, (query, result.stderr)
        assert result.stdout.startswith(title), query
