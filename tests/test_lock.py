"""One writer at a time: concurrent `new`/`add` runs never add a film twice (real processes).

The race tests repeat; FILMCLI_RACE_ROUNDS=50 runs them longer (see tests/README.md).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from conftest import run_process
from filmcli.model.post import Post

ROUNDS = int(os.environ.get("FILMCLI_RACE_ROUNDS", "6"))
NEW_HER = ("new", "--title", "Her", "--director", "Spike Jonze", "--year", "2013")


def make_library(tmp_path: Path, name: str = "lib") -> Path:
    lib = tmp_path / name
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: test\n")
    (lib / "filmcli.toml").write_text('[validate]\nrequired = ["title", "year"]\n')
    return lib


def env(**extra) -> dict:
    out = dict(os.environ, **{"FILMCLI_LOCK_TIMEOUT": "60", "NO_COLOR": "1", **extra})
    out.pop("FILMCLI_LIBRARY", None)
    return out


def start(lib: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "filmcli", "-L", str(lib), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )


def posts(lib: Path) -> list[Path]:
    return sorted(p for p in (lib / "_posts").rglob("*.md"))


def films(lib: Path) -> list[tuple]:
    return sorted((Post.read(p).title, Post.read(p).year) for p in posts(lib))


def wait_all(procs) -> list[tuple[int, str]]:
    out = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        out.append((proc.returncode, err.decode()))
    return out


def test_four_new_at_once_make_one_post(tmp_path):
    for number in range(ROUNDS):
        lib = make_library(tmp_path, f"lib{number}")
        results = wait_all([start(lib, *NEW_HER) for _ in range(4)])
        assert len(posts(lib)) == 1, (number, [p.name for p in posts(lib)], results)
        assert sorted(code for code, _ in results) == [0, 1, 1, 1], results
        assert all("already in the library" in err for code, err in results if code), results
        assert not any("Traceback" in err for _, err in results)


def test_four_new_force_at_once_leave_one_post(tmp_path):
    for number in range(ROUNDS):
        lib = make_library(tmp_path, f"lib{number}")
        results = wait_all([start(lib, *NEW_HER, "--force") for _ in range(4)])
        assert [p.name for p in posts(lib)] == [posts(lib)[0].name], (number, results)
        assert all(code == 0 for code, _ in results), results


def letterboxd(path: Path, films_and_dates: list[tuple[str, int, str]]) -> Path:
    lines = ["Date,Name,Year,Letterboxd URI"]
    lines += [
        f"{date},{name},{year},https://boxd.it/{name.replace(' ', '')}"
        for name, year, date in films_and_dates
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_two_overlapping_adds_make_no_duplicates(tmp_path):
    # The same 60 films in both files, watched on other days: every file name differs.
    first = letterboxd(
        tmp_path / "a.csv", [(f"Film {n}", 1990 + n % 30, "2024-01-05") for n in range(100)]
    )
    second = letterboxd(
        tmp_path / "b.csv", [(f"Film {n}", 1990 + n % 30, "2024-03-07") for n in range(40, 140)]
    )
    for number in range(max(2, ROUNDS // 2)):
        lib = make_library(tmp_path, f"lib{number}")
        results = wait_all([start(lib, "add", first), start(lib, "add", second)])
        assert [code for code, _ in results] == [0, 0], results
        found = films(lib)
        assert len(found) == len(set(found)) == 140, (number, len(found))


def test_a_second_writer_waits_then_gives_up_with_one_message(tmp_path):
    lib = make_library(tmp_path)
    lock = lib / "_posts" / ".filmcli.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = run_process("-L", lib, *NEW_HER, env=env(FILMCLI_LOCK_TIMEOUT="0.3"))
    finally:
        os.close(fd)
    err = result.stderr.decode()
    assert result.returncode == 1
    assert err.count("waiting for another filmcli writing to") == 1
    assert "error: _posts/.filmcli.lock: another filmcli is still writing to this library" in err
    assert posts(lib) == []
    again = run_process("-L", lib, *NEW_HER, env=env())
    assert again.returncode == 0, again.stderr


def test_bad_timeout_is_a_usage_error(tmp_path):
    lib = make_library(tmp_path)
    result = run_process("-L", lib, *NEW_HER, env=env(FILMCLI_LOCK_TIMEOUT="soon"))
    assert result.returncode == 2
    assert b"FILMCLI_LOCK_TIMEOUT" in result.stderr and b"Traceback" not in result.stderr


def test_the_lock_file_is_no_post(run, tmp_path):
    lib = make_library(tmp_path)
    assert run("-L", lib, *NEW_HER).exit_code == 0
    assert not (lib / "_posts" / ".filmcli.lock").exists()  # removed as the run ends
    listed = run("-L", lib, "list", "-F", "csv")
    assert listed.exit_code == 0 and listed.stdout.count("\n") == 2
    assert ".filmcli.lock" not in run("-L", lib, "validate").stdout
    assert run("-L", lib, "export").stdout.count('"_filmcli"') == 1


def test_dry_runs_take_no_lock(tmp_path):
    lib = make_library(tmp_path)
    lock = lib / "_posts" / ".filmcli.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = run_process("-L", lib, *NEW_HER, "--dry-run", env=env(FILMCLI_LOCK_TIMEOUT="0"))
    finally:
        os.close(fd)
    assert result.returncode == 0, result.stderr


def test_a_symlinked_posts_folder_outside_the_site_is_refused_for_writing(tmp_path, monkeypatch):
    """Issue 9 item 17: a `_posts` link that leads outside the site is treated like an outside
    posts_dir: reading works, writing needs `allow_outside = true` in the user's own config."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "_config.yml").write_text("title: t\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (site / "_posts").symlink_to(outside)
    seed = Path(__file__).parent / "data" / "2013-12-18-her.md"
    (outside / seed.name).write_bytes(seed.read_bytes())
    config_home = tmp_path / "xdg-config"
    env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "NO_COLOR": "1"}
    args = [
        "-L",
        str(site),
        "new",
        "--title",
        "Vertigo",
        "--director",
        "Alfred Hitchcock",
        "--year",
        "1958",
        "--poster",
        str(Path(__file__).parent.parent / "examples/her.jpg"),
        "--body",
        "Dizzy.",
    ]
    listed = run_process("-L", site, "list", "--format", "paths", env=env)
    assert listed.returncode == 0 and b"her.md" in listed.stdout
    refused = run_process(*args, env=env)
    assert (
        refused.returncode == 1
        and b"error:" in refused.stderr
        and b"Traceback" not in (refused.stderr)
    )
    assert sorted(p.name for p in outside.iterdir()) == [seed.name]
    # the site's own filmcli.toml cannot lift the rule
    (site / "filmcli.toml").write_text("allow_outside = true\n")
    assert run_process(*args, env=env).returncode == 1
    (config_home / "filmcli").mkdir(parents=True)
    (config_home / "filmcli" / "config.toml").write_text("allow_outside = true\n")
    allowed = run_process(*args, env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert len([p for p in outside.iterdir() if p.suffix == ".md"]) == 2
