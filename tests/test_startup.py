"""Start-up: the CLI imports only what the command needs.

`filmcli --version` is answered before Typer is imported; `--help` builds the
Typer app but imports no Pillow, YAML or rich.table; listing a library needs
no Pydantic (Typer 0.29 would build a TypeAdapter per option). Checked with
`python -X importtime` in a real process. No timing asserts: the benchmark
(benchmarks/run.py) measures the times.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("PIL", "yaml", "rich.table", "pydantic", "sqlite3", "numpy")


def imported(*args: str, cwd=None) -> tuple[subprocess.CompletedProcess, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "filmcli", *args],
        capture_output=True,
        cwd=cwd,
        timeout=60,
    )
    modules = set()
    for line in proc.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return proc, modules


def heavy(modules: set[str], names=HEAVY) -> set[str]:
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_imports_neither_typer_nor_anything_heavy(flag):
    proc, modules = imported(flag)
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("filmcli ")
    assert heavy(modules, (*HEAVY, "typer", "click", "rich")) == set()


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["list", "--help"], ["cache", "--help"]])
def test_help_imports_no_pillow_yaml_or_rich_table(args):
    proc, modules = imported(*args)
    assert proc.returncode == 0
    assert b"Usage:" in proc.stdout
    assert heavy(modules, ("PIL", "yaml", "rich.table", "numpy", "sqlite3")) == set()


def test_help_needs_no_pydantic():
    proc, modules = imported("--help")
    assert proc.returncode == 0
    assert heavy(modules, ("pydantic",)) == set()


def test_listing_needs_no_pillow_and_no_pydantic(site):
    proc, modules = imported("-L", str(site), "list", "--format", "tsv")
    assert proc.returncode == 0, proc.stderr[-500:]
    assert b"Her\t2013" in proc.stdout
    assert heavy(modules, ("PIL", "pydantic", "rich.table", "numpy")) == set()


def test_version_inside_a_program_does_not_exit(run):
    # Importing filmcli.cli from a program whose own argv says --version must not exit.
    code = "import sys; sys.argv = ['prog', '--version']; import filmcli.cli; print('still here')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == b"still here"
    assert run("--version").stdout.startswith("filmcli ")


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["stats", "--top", "3"],
        ["wall", "-o", "w.png", "--columns", "4", "--tile-width", "64"],
        ["list", "-F", "table", "--limit", "2", "--reverse"],
    ],
)
def test_int_and_bool_options_need_no_pydantic(site, args):
    proc, modules = imported("-L", str(site), *args, cwd=site)
    assert proc.returncode == 0, proc.stderr[-800:]
    assert heavy(modules, ("pydantic",)) == set()


def test_a_bad_whole_number_is_still_reported_in_filmcli_words(run, site):
    for value, problem in (("0", "must be at least 1"), ("x", "must be a whole number")):
        result = run("-L", site, "stats", "--top", value)
        assert result.exit_code == 2 and problem in result.stderr, result.stderr
    result = run("-L", site, "wall", "-o", "w.png", "--tile-width", "5000")
    assert result.exit_code == 2 and "must be at most 2000" in result.stderr
