"""Completion of values: the generated bash and zsh scripts run in real bash and zsh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from terminal import terminal_env

from conftest import run_process


@pytest.fixture
def shell_env(tmp_path, site):
    """A `filmcli` command on PATH (this checkout's) and the scripts `completion` prints."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "filmcli"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m filmcli "$@"\n')
    wrapper.chmod(0o755)
    scripts = {}
    for shell in ("bash", "zsh"):
        done = run_process("completion", shell)
        assert done.returncode == 0, done.stderr
        scripts[shell] = tmp_path / f"filmcli.{shell}"
        scripts[shell].write_bytes(done.stdout)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env.pop("FILMCLI_LIBRARY", None)
    return {"env": env, "scripts": scripts, "bin": str(bin_dir)}


def bash_complete(shell_env, cwd, *words: str) -> list[str]:
    """COMPREPLY after the generated script's function runs on COMP_WORDS in real bash."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    script = (
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));'
        ' _filmcli_completion filmcli; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        [
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            script,
            "bash",
            str(shell_env["scripts"]["bash"]),
            "filmcli",
            *words,
        ],
        cwd=cwd,
        env=shell_env["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line]


FILM_COMMANDS = ["show", "parse", "set", "edit", "rm", "rename", "unpublish"]


@pytest.mark.parametrize("command", FILM_COMMANDS)
def test_bash_completes_films_by_slug_and_by_title(shell_env, site, command):
    assert bash_complete(shell_env, site, command, "casa") == ["casablanca"]
    assert bash_complete(shell_env, site, command, "kane") == ["citizen-kane"]  # a title word
    assert "alien-romulus" in bash_complete(shell_env, site, command, "")


def test_bash_completes_drafts_for_publish_and_posts_for_unpublish(shell_env, site):
    drafts = site / "_drafts"
    drafts.mkdir(exist_ok=True)
    (drafts / "solaris.md").write_text("---\ntitle: Solaris\nyear: 1972\n---\n")
    assert bash_complete(shell_env, site, "publish", "") == ["solaris"]
    assert bash_complete(shell_env, site, "unpublish", "sol") == []
    assert bash_complete(shell_env, site, "show", "sol") == ["solaris"]


def test_bash_completes_films_of_the_library_named_by_L(shell_env, site, tmp_path):
    assert bash_complete(shell_env, tmp_path, "-L", str(site), "show", "casa") == ["casablanca"]


def test_bash_set_completes_keys_after_the_film(shell_env, site):
    assert "director=" in bash_complete(shell_env, site, "set", "her", "di")


@pytest.mark.parametrize(
    "words,expected",
    [
        (["list", "--format", "j"], ["json", "jsonl"]),
        (["list", "-F", "t"], ["table", "tsv"]),
        (["export", "--format", "c"], ["csv"]),
        (["validate", "--format", "g"], ["github"]),
        (["parse", "--format", "t"], ["text", "toml"]),
        (["stats", "--format", "j"], ["json"]),
        (["config", "show", "--format", "to"], ["toml"]),
        (["add", "--from", "l"], ["letterboxd"]),
        (["export", "--posters", "f"], ["files"]),
        (["show", "--symbols", "q"], ["quad"]),
        (["show", "--protocol", "k"], ["kitty"]),
        (["lookup", "--provider", "w"], ["wikidata"]),
        (["completion", "z"], ["zsh"]),
        (["list", "--fields", "title,di"], ["title,director"]),
        (["list", "--sort", "-ye"], ["-year"]),
        (["wall", "--sort", "ti"], ["title"]),
        (["config", "get", "poster.max_w"], ["poster.max_width"]),
        (["config", "set", "validate.min_"], ["validate.min_year"]),
        (["config", "unset", "validate.min_"], ["validate.min_year"]),
        (["help", "con"], ["config"]),
        (["help", "config", "s"], ["set", "show"]),
        (["validate", "--select", "FC00"], None),
        (["validate", "--ignore", "fc00"], None),
    ],
)
def test_bash_completes_fixed_choices(shell_env, site, words, expected):
    got = bash_complete(shell_env, site, *words)
    if expected is None:  # the rule ids
        from filmcli.ops.validate import RULES

        expected = sorted(rule for rule in RULES if rule.startswith("FC00"))
    assert got == expected


@pytest.mark.parametrize(
    "words", [["list", "_po"], ["new", "--poster", "../"], ["wall", "-o", "w"], ["-L", "."]]
)
def test_bash_leaves_paths_to_the_shell(shell_env, site, words):
    # Nothing from filmcli: the script's `complete -o default` completes file names.
    assert bash_complete(shell_env, site, *words) == []


def _shell_in_terminal(terminal, shell_env, site, argv, ready: str):
    env = terminal_env(PATH=shell_env["env"]["PATH"], PS1="$ ", PROMPT="$ ")
    terminal.start_program(argv, cwd=site, env=env, width=150, height=30)
    terminal.wait_for(ready, timeout=60)


def _last_line(terminal) -> str:
    lines = [line for line in terminal.screen().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _until(terminal, ok) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not ok(_last_line(terminal)):
        time.sleep(0.1)
    assert ok(_last_line(terminal)), terminal.screen()


def _tab(terminal, line: str, expect: str) -> None:
    """Type `line`, press Tab: the line becomes `expect`; then a fresh prompt."""
    _until(terminal, lambda last: last.strip() == "$")
    terminal.tmux("send-keys", "-l", line)
    terminal.tmux("send-keys", "Tab")
    _until(terminal, lambda last: last.startswith(f"$ {expect}"))
    terminal.tmux("send-keys", "C-c")


def test_tab_in_interactive_bash(shell_env, site, terminal):
    script = shell_env["scripts"]["bash"]
    _shell_in_terminal(
        terminal,
        shell_env,
        site,
        [
            "bash",
            "--norc",
            "--noprofile",
            "-i",
            "-c",
            f"source {script}; echo READY; exec bash --norc --noprofile -i",
        ],
        "READY",
    )
    terminal.tmux("send-keys", f"source {script}", "Enter")
    _tab(terminal, "filmcli show casa", "filmcli show casablanca")
    _tab(terminal, "filmcli list _pos", "filmcli list _posts/")
    _tab(terminal, "filmcli completion zs", "filmcli completion zsh")


def test_tab_in_interactive_zsh(shell_env, site, terminal):
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    script = shell_env["scripts"]["zsh"]
    rc = site.parent / "zdotdir"
    rc.mkdir()
    (rc / ".zshrc").write_text(
        f"autoload -U compinit && compinit -u\nsource {script}\nPROMPT='$ '\necho READY\n"
    )
    env = terminal_env(PATH=shell_env["env"]["PATH"], ZDOTDIR=str(rc))
    terminal.start_program(["zsh", "-i"], cwd=site, env=env, width=150, height=30)
    terminal.wait_for("READY", timeout=60)
    _tab(terminal, "filmcli show casa", "filmcli show casablanca")
    # (a title word, `kane`, completes in zsh only with a matcher-list such as
    # 'l:|=* r:|=*': zsh keeps the matches that start with what was typed)
    _tab(terminal, "filmcli list --format jsonl", "filmcli list --format jsonl ")
    _tab(terminal, "filmcli config get poster.max_w", "filmcli config get poster.max_width")
    _tab(terminal, "filmcli list _pos", "filmcli list _posts/")


def test_file_names_with_control_characters_are_not_offered(shell_env, site):
    her = site / "_posts" / "2013-12-18-her.md"
    (site / "_posts" / "2013-12-18-he\x1b[31mr.md").write_bytes(her.read_bytes())
    got = bash_complete(shell_env, site, "show", "he")
    assert got == ["her"], got  # the escape-laden name is left out; the film is still there
