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
        self.socket = f"filmcli-test-{os.getpid()}-{name}"

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=30).stdout

    def start(self, args, *, cwd, env: dict) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = " ".join(shlex.quote(str(a)) for a in [sys.executable, "-m", "filmcli", *args])
        script = f"cd {shlex.quote(str(cwd))} && env {exports} {command}; echo EXIT=$?; sleep 60"
        for _ in range(50):
            started = subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-x",
                                      "120", "-y", "40", script], capture_output=True,
                                     text=True, timeout=30)
            # right after close(), the old server may still be exiting on this socket
            if "server exited unexpectedly" not in started.stderr:
                return
            time.sleep(0.1)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J")

    def wait_for(self, text: str, timeout: float = 20) -> str:
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
    keep = {k: os.environ[k] for k in ("PATH", "PYTHONPATH", "HOME", "XDG_CACHE_HOME",
                                       "XDG_CONFIG_HOME") if k in os.environ}
    return {**keep, "NO_COLOR": "1", "TERM": "xterm-256color", **extra}
