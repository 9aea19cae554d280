"""A real terminal for tests: a command run in a private tmux server, read and typed into."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest


class Terminal:
    def __init__(self, name: str):
        self.name = f"filmcli-test-{os.getpid()}-{name}"
        self.started = 0
        self.socket = self.name

    def tmux(self, *args: str, check: bool = False) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {done.stderr}")
        return done.stdout

    def start(self, args, *, cwd, env: dict, width: int = 120, height: int = 40) -> None:
        """`python -m filmcli ARGS` in the terminal; `EXIT=code` is shown when it ends."""
        self.start_program(
            [sys.executable, "-m", "filmcli", *args], cwd=cwd, env=env, width=width, height=height
        )

    def start_program(self, argv, *, cwd, env: dict, width: int = 120, height: int = 40) -> None:
        """Any program (a shell, say) in the terminal, with exactly these variables added."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = " ".join(shlex.quote(str(a)) for a in argv)
        # COLUMNS and LINES (set under pytest) would hide the terminal's real size.
        script = (
            f"cd {shlex.quote(str(cwd))} && env -u COLUMNS -u LINES {exports} {command}; "
            "echo EXIT=$?; sleep 60"
        )
        self.close()
        self.started += 1  # a new server each time: a killed one may still be going away
        self.socket = f"{self.name}-{self.started}"
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), script, check=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J")

    def wait_for(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-l", text)
        self.tmux("send-keys", "Enter")

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def terminal(request):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt install tmux)")
    term = Terminal(request.node.name[:40].replace("[", "-").replace("]", ""))
    yield term
    term.close()


def terminal_env(**extra) -> dict:
    keep = {
        k: os.environ[k]
        for k in ("PATH", "PYTHONPATH", "HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
        if k in os.environ
    }
    return {**keep, "NO_COLOR": "1", "TERM": "xterm-256color", **extra}
