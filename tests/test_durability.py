"""Nothing lost: killed, out of disk or refused a folder, every file is the old version or
the new one, byte for byte, and a normal run leaves no temporary file behind.

The SIGKILL test runs each writing command as a real process (its own process
group, workers included) and kills it after a random delay drawn from a fixed
seed, many times over; `FILMCLI_DURABILITY_KILLS=N` sets how many per command
(12 in CI).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

KILLS = int(os.environ.get("FILMCLI_DURABILITY_KILLS", "12"))
POSTS = 60  # enough for the process pool (48+) and a write window worth hitting
TEMP = re.compile(r"\..*\.tmp\Z")
STATS: dict[str, dict[str, int]] = {}


# --- a library to write to --------------------------------------------------------------


def png(seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    im = Image.frombytes("RGB", (40, 60), rng.randbytes(40 * 60 * 3))  # noise: ~7 kB
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def post_text(i: int, poster: str) -> str:
    return (
        f'---\nlayout: post\ntitle: "Film {i}"\ndirector: "Director {i}"\nyear: '
        f"{1950 + i}\nposter: {poster}\n---\n\nReview number {i}. " + "Words. " * 40 + "\n"
    )


def make_library(root: Path, posts: int = POSTS, *, embedded: bool = True) -> Path:
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text("title: durable\n")
    (root / "filmcli.toml").write_text(
        "# settings kept by hand\n[poster]\nmax_width = 400  # pixels\n"
    )
    for i in range(posts):
        name = f"2010-01-{1 + i % 28:02d}-film-{i}.md"
        if embedded:
            poster = uri(png(i))
        else:
            (root / "assets" / "posters").mkdir(parents=True, exist_ok=True)
            (root / "assets" / "posters" / f"film-{i}.png").write_bytes(png(i))
            poster = f"/assets/posters/film-{i}.png"
        (root / "_posts" / name).write_text(post_text(i, poster))
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file, temp files left out (listed by temp_files)."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if TEMP.match(name) or name == ".filmcli.lock":  # a killed writer's lock file
                continue
            path = Path(dirpath, name)
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def temp_files(root: Path) -> list[str]:
    return sorted(
        str(Path(d, n).relative_to(root))
        for d, _, names in os.walk(root)
        for n in names
        if TEMP.match(n)
    )


# --- the writing commands -------------------------------------------------------------------


def setup_new(base: Path) -> list[str]:
    make_library(base / "lib", 3)
    (base / "poster.png").write_bytes(png(99))
    return [
        "new",
        "--title",
        "Durable",
        "--director",
        "D",
        "--year",
        "2001",
        "--date",
        "2020-05-05",
        "--poster",
        "{base}/poster.png",
        "--body",
        "Kept.\n",
    ]


def setup_add(base: Path) -> list[str]:
    source = make_library(base / "source", POSTS)
    proc = subprocess.run(
        [sys.executable, "-m", "filmcli", "-L", str(source), "--no-cache", "export"],
        capture_output=True,
        check=True,
    )
    (base / "import.json").write_bytes(proc.stdout)
    shutil.rmtree(source)
    make_library(base / "lib", 2)
    return ["add", "{base}/import.json"]


def setup_export(base: Path) -> list[str]:
    make_library(base / "lib", POSTS)
    (base / "lib" / "export.json").write_text("[]\n")  # the old version, replaced whole
    return ["export", "--output", "{base}/lib/export.json"]


def setup_extract(base: Path) -> list[str]:
    make_library(base / "lib", POSTS)
    return ["extract-posters", "--rewrite"]


def setup_embed(base: Path) -> list[str]:
    make_library(base / "lib", POSTS, embedded=False)
    return ["embed-posters"]


def setup_config(base: Path) -> list[str]:
    make_library(base / "lib", 1)
    return ["config", "set", "poster.max_width", "300"]


COMMANDS = {
    "new": setup_new,
    "add": setup_add,
    "export --output": setup_export,
    "extract-posters --rewrite": setup_extract,
    "embed-posters": setup_embed,
    "config set": setup_config,
}


def start(base: Path, args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(base / "cache")}
    env.pop("FILMCLI_LIBRARY", None)
    args = [a.replace("{base}", str(base)) for a in args]
    return subprocess.Popen(
        [sys.executable, "-m", "filmcli", "-L", str(base / "lib"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def run_whole(base: Path, args: list[str]) -> tuple[float, subprocess.Popen, bytes]:
    began = time.monotonic()
    proc = start(base, args)
    _, err = proc.communicate(timeout=120)
    return time.monotonic() - began, proc, err


def check_posters_present(lib: Path) -> None:
    """No post points at a poster file that is not there (extract: file first, then post)."""
    for post in (lib / "_posts").glob("*.md"):
        found = re.search(r"^poster: (/assets/posters/\S+)$", post.read_text(), re.M)
        if found:
            assert (lib / found.group(1).lstrip("/")).is_file(), (post.name, found.group(1))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_sigkill_leaves_every_file_old_or_new(name, tmp_path):
    template = tmp_path / "template"
    args = COMMANDS[name](template)
    old = snapshot(template / "lib")

    # A normal run: the new version of every file, and no temp file left behind.
    whole = tmp_path / "whole"
    shutil.copytree(template, whole, symlinks=True)
    duration, proc, err = run_whole(whole, args)
    assert proc.returncode == 0, err.decode()
    assert temp_files(whole / "lib") == []
    new = snapshot(whole / "lib")
    assert new != old, "the command changed nothing"

    rng = random.Random(f"filmcli-durability-{name}")
    counts = {"old": 0, "new": 0, "mixed": 0}
    for attempt in range(KILLS):
        base = tmp_path / f"kill-{attempt}"
        shutil.copytree(template, base, symlinks=True)
        proc = start(base, args)
        # a third anywhere in the run, the rest in its second half, where the writes are
        late = attempt % 3 != 0
        time.sleep(duration * (rng.uniform(0.5, 1.05) if late else rng.uniform(0.0, 1.1)))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        after = snapshot(base / "lib")
        for path in old.keys() | new.keys() | after.keys():
            assert after.get(path) in (old.get(path), new.get(path)), (
                f"{name}, kill {attempt}: {path} is neither the old nor the new version"
            )
        state = "old" if after == old else "new" if after == new else "mixed"
        counts[state] += 1
        if name == "extract-posters --rewrite":
            check_posters_present(base / "lib")
        # Whatever was left (temp files included), the library still reads whole.
        env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(base / "cache")}
        listed = subprocess.run(
            [sys.executable, "-m", "filmcli", "-L", str(base / "lib"), "list", "--format", "paths"],
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr.decode()
        shutil.rmtree(base)
    STATS[name] = counts
    print(f"\n{name}: {KILLS} kills over {duration:.2f}s runs -> {counts}")


# --- a full disk and a read-only folder, in process ------------------------------------------


class FullDisk(io.RawIOBase):
    """A file whose writes fail the way a full disk makes them fail."""

    def __init__(self, inner):
        self.inner = inner

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fileno(self):
        return self.inner.fileno()

    def flush(self):
        pass

    def close(self):
        self.inner.close()
        super().close()

    def writable(self):
        return True


def fd_file(fd: int) -> str | None:
    """The file an open descriptor writes to (an unnamed O_TMPFILE file shows as
    `folder/#inode (deleted)`), or None for a pipe, a socket or a terminal."""
    try:
        name = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
    return name if name.startswith("/") else None


def full_disk(monkeypatch) -> None:
    real_fdopen, real_write = os.fdopen, os.write

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        return FullDisk(handle) if "w" in mode or "a" in mode else handle

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def write(fd, data):  # the unnamed temp files are written with os.write
        if fd_file(fd) is not None:  # a file, not a pipe
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "fdopen", fdopen)
    monkeypatch.setattr(os, "fsync", no_space)
    monkeypatch.setattr(os, "write", write)


def read_only(monkeypatch) -> None:
    """What a read-only folder does to a temp file: EACCES at creation, named (mkstemp) or
    unnamed (open with O_TMPFILE)."""
    import tempfile

    real_open = os.open

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def open_(path, flags, *args, **kwargs):
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            refused()
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    monkeypatch.setattr(os, "open", open_)


SMALL = 5  # under the process pool's threshold: everything runs in this process


def small_setup(name: str, base: Path) -> list[str]:
    args = COMMANDS[name](base)
    if name in ("export --output", "extract-posters --rewrite", "embed-posters"):
        shutil.rmtree(base / "lib")
        make_library(base / "lib", SMALL, embedded=name != "embed-posters")
        if name == "export --output":
            (base / "lib" / "export.json").write_text("[]\n")
    if name == "add":
        records = json.loads((base / "import.json").read_text())[:SMALL]
        (base / "import.json").write_text(json.dumps(records))
    return args


@pytest.mark.parametrize("failure", ["disk full", "read-only folder"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_write_failures_are_clear_and_change_nothing(name, failure, tmp_path, run, monkeypatch):
    args = [a.replace("{base}", str(tmp_path)) for a in small_setup(name, tmp_path)]
    lib = tmp_path / "lib"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    before = snapshot(lib)
    (full_disk if failure == "disk full" else read_only)(monkeypatch)
    result = run("-L", lib, *args)
    reason = "No space left on device" if failure == "disk full" else "Permission denied"
    assert result.exit_code == 1, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors and all(reason in line for line in errors), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    monkeypatch.undo()
    assert snapshot(lib) == before
    assert temp_files(lib) == []


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root ignores folder permissions; the "
    "read-only case is simulated in test_write_failures_are_clear_...",
)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_really_read_only_folders(name, tmp_path, run, monkeypatch):
    args = [a.replace("{base}", str(tmp_path)) for a in small_setup(name, tmp_path)]
    lib = tmp_path / "lib"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    before = snapshot(lib)
    folders = [lib, lib / "_posts"] + (
        [lib / "assets" / "posters"] if (lib / "assets" / "posters").exists() else []
    )
    for folder in folders:
        folder.chmod(0o555)
    try:
        result = run("-L", lib, *args)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "error: " in result.stderr and "Permission denied" in result.stderr
    assert snapshot(lib) == before


# --- a crash in the middle of a write, at every write in turn ----------------------------


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch and carry on)."""


class CrashingWriter:
    """Counts writes to files under `root`; at write number `at`, writes half and dies."""

    def __init__(self, root: Path, at: int | None):
        self.root = str(root)
        self.at = at
        self.count = 0

    def wrap(self, handle, name):
        if not os.fspath(name).startswith(self.root):
            return handle
        writer = self
        real_write = handle.write

        def write(data):
            writer.count += 1
            if writer.count == writer.at:
                real_write(data[: len(data) // 2])
                handle.flush()
                raise Crash(f"crashed in write {writer.count}")
            return real_write(data)

        handle.write = write
        return handle


def crashing(monkeypatch, root: Path, at: int | None) -> CrashingWriter:
    import builtins

    writer = CrashingWriter(root, at)
    real_open, real_fdopen = io.open, os.fdopen

    def open_(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if isinstance(file, int) or not any(c in mode for c in "wax+"):
            return handle
        return writer.wrap(handle, os.path.abspath(file))

    def fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        if not any(c in mode for c in "wax+"):
            return handle
        return writer.wrap(handle, os.readlink(f"/proc/self/fd/{fd}"))

    real_write = os.write

    def write(fd, data):  # the unnamed temp files (O_TMPFILE) are written with os.write
        name = fd_file(fd)
        if name is None or not name.startswith(writer.root):
            return real_write(fd, data)
        writer.count += 1
        if writer.count == writer.at:
            real_write(fd, bytes(data[: len(data) // 2]))
            raise Crash(f"crashed in write {writer.count}")
        return real_write(fd, data)

    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "fdopen", fdopen)
    monkeypatch.setattr(os, "write", write)
    return writer


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to name fds")
@pytest.mark.parametrize("name", list(COMMANDS))
def test_crash_in_any_write_leaves_every_file_old_or_new(name, tmp_path, run, monkeypatch):
    """Deterministic twin of the SIGKILL test: die halfway through write 1, 2, 3..."""
    template = tmp_path / "template"
    args = small_setup(name, template)
    monkeypatch.setenv("FILMCLI_JOBS", "1")
    monkeypatch.setenv("FILMCLI_NO_CACHE", "1")
    old = snapshot(template / "lib")

    def attempt(at: int | None, where: Path) -> CrashingWriter:
        shutil.copytree(template, where, symlinks=True)
        argv = [a.replace("{base}", str(where)) for a in args]
        with monkeypatch.context() as patch:
            writer = crashing(patch, where, at)
            try:
                result = run("-L", where / "lib", *argv)
            except Crash:
                return writer
        assert result.exit_code == 0, result.stderr
        return writer

    whole = attempt(None, tmp_path / "whole")
    new = snapshot(tmp_path / "whole" / "lib")
    assert whole.count >= 1, "the command wrote nothing through open() or os.fdopen()"
    for at in range(1, min(whole.count, 8) + 1):
        where = tmp_path / f"crash-{at}"
        writer = attempt(at, where)
        assert writer.count >= at
        after = snapshot(where / "lib")
        for path in old.keys() | new.keys() | after.keys():
            assert after.get(path) in (old.get(path), new.get(path)), (
                f"{name}, crash in write {at}: {path} is neither the old nor the new version"
            )
        if name == "extract-posters --rewrite":
            check_posters_present(where / "lib")
