"""Shared fixtures: a private copy of the example site and a runner for the real CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from filmcli.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SITE = ROOT / "examples" / "site"
DATA = Path(__file__).resolve().parent / "data"
SEED = DATA / "2013-12-18-her.md"

from terminal import terminal  # noqa: E402,F401  (a real terminal: tmux)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own metadata cache folder, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("FILMCLI_NO_CACHE", raising=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of examples/site that a test may change freely."""
    dest = tmp_path / "site"
    shutil.copytree(EXAMPLE_SITE, dest, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
    return dest


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """An empty library: a site folder with `_config.yml` and an empty `_posts/`."""
    root = tmp_path / "lib"
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: test library\n")
    return root


@pytest.fixture
def seed_site(tmp_path: Path) -> Path:
    """A minimal library holding only the seed post."""
    dest = tmp_path / "seed"
    (dest / "_posts").mkdir(parents=True)
    (dest / "_config.yml").write_text("title: seed\n")
    shutil.copy(SEED, dest / "_posts" / SEED.name)
    return dest


class Run:
    """Invoke the real CLI in-process with Typer's CliRunner; stdout and stderr kept apart."""

    def __init__(self, monkeypatch):
        self.runner = CliRunner()
        monkeypatch.delenv("FILMCLI_LIBRARY", raising=False)
        monkeypatch.setenv("NO_COLOR", "1")

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict | None = None):
        return self.runner.invoke(
            app, [str(a) for a in args], input=input, env=env, catch_exceptions=False
        )


@pytest.fixture
def run(monkeypatch) -> Run:
    return Run(monkeypatch)


def run_process(*args: str, cwd=None, input: bytes | None = None, env=None, timeout=120):
    """Run `python -m filmcli` as a real process (for pipes, signals and exit codes)."""
    return subprocess.run(
        [sys.executable, "-m", "filmcli", *map(str, args)],
        cwd=cwd,
        input=input,
        capture_output=True,
        env=env,
        timeout=timeout,
    )
