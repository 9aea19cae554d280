"""The terminal: narrow widths, the pager, progress, help, completion, wall fonts, `new`."""

from __future__ import annotations

import json
import re

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
    rows = lines[1:1 + len(films)]
    assert len(rows) == len(films), screen  # one line per film: nothing wrapped
    for film, row in zip(films, rows, strict=True):
        assert row.startswith(film["title"]), (film, screen)  # whole, on its line
        assert f" {film['year']}" in row[len(film["title"]):], (film, screen)
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
        assert header == ["Title", "Year", "Director", "Poster", "Date", "File"]
    if width == 40:
        assert "Director" not in header and "Poster" not in header


@pytest.mark.parametrize("width", [40, 60, 80, 160])
def test_list_keeps_titles_whole_in_a_real_terminal(site, terminal, width):
    terminal.start(["list"], cwd=site, env=terminal_env(), width=width, height=50)
    screen = terminal.wait_for("EXIT=")
    assert "EXIT=0" in screen
    _check_table(screen, _films(site), width)
