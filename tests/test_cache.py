"""The metadata cache: used when nothing changed, never stale, never in the way.

Every test here drives the real CLI. The conftest gives each test its own
XDG_CACHE_HOME. Files a test has just written are normally too fresh to be
cached (a same-tick rewrite could keep their size and times); `settled` lowers
that margin and waits past it, so the cache really is filled and used.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from conftest import SEED, run_process
from filmcli.api import Library
from filmcli.model.post import Post
from filmcli.store import cache

HER = "_posts/2013-12-18-her.md"


def listing(run, site: Path, *extra: str) -> str:
    result = run("-L", site, *extra, "list", "--format", "tsv", "--fields", "title,year,path")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.fixture
def settled(site, monkeypatch) -> Path:
    """The example site, cacheable: small libraries cached, files older than the margin."""
    monkeypatch.setattr(Library, "cache_min_posts", 0)
    monkeypatch.setattr(cache, "SETTLE_NS", 30_000_000)
    time.sleep(0.06)
    return site


def cached_rows(site: Path) -> dict:
    path = cache.cache_file(str(site.resolve()))
    if not path.exists():
        return {}
    db = sqlite3.connect(path)
    try:
        return {row[0]: row[1:] for row in db.execute("SELECT path, size, data FROM posts")}
    finally:
        db.close()


def no_reading(monkeypatch) -> None:
    """From now on, reading any post file fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a post was read: {args[0]}")

    monkeypatch.setattr("filmcli.store.library.read_stamped", refuse)
    monkeypatch.setattr("filmcli.model.post.read_post", refuse)


def test_an_unchanged_library_is_listed_without_reading_a_post(run, settled, monkeypatch):
    first = listing(run, settled)
    assert len(cached_rows(settled)) == 16
    no_reading(monkeypatch)
    assert listing(run, settled) == first
    assert "Her\t2013" in first


def test_warm_and_cold_answers_are_identical_for_every_format(run, settled):
    cold = {
        fmt: run("-L", settled, "--no-cache", "list", "--format", fmt).stdout
        for fmt in ("json", "tsv", "csv")
    }
    listing(run, settled)  # fills the cache
    for fmt, text in cold.items():
        assert run("-L", settled, "list", "--format", fmt).stdout == text


def test_an_edit_keeping_size_and_mtime_shows_at_once(run, settled):
    listing(run, settled)
    post = settled / HER
    before = post.stat()
    data = post.read_bytes()
    post.write_bytes(data.replace(b'title: "Her"', b'title: "Hex"'))
    os.utime(post, ns=(before.st_atime_ns, before.st_mtime_ns))  # same second, same ns
    after = post.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    out = listing(run, settled)
    assert "Hex\t2013" in out and "Her\t2013" not in out


def test_an_edit_right_after_listing_shows_with_the_real_margin(run, site, monkeypatch):
    """Without `settled`: the files are fresh, so nothing stale can be cached."""
    monkeypatch.setattr(Library, "cache_min_posts", 0)
    listing(run, site)
    post = site / HER
    before = post.stat()
    post.write_bytes(post.read_bytes().replace(b'title: "Her"', b'title: "Hex"'))
    os.utime(post, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "Hex\t2013" in listing(run, site)
    assert str((site / HER).resolve()) not in cached_rows(site)


def test_a_post_replaced_by_rename_shows_at_once(run, settled):
    listing(run, settled)
    post = settled / HER
    before = post.stat()
    temp = post.with_name("tmp.txt")
    temp.write_bytes(post.read_bytes().replace(b"year: 2013", b"year: 2012"))
    os.utime(temp, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(temp, post)
    assert "Her\t2012" in listing(run, settled)


def test_added_removed_and_renamed_posts_show_at_once(run, settled):
    listing(run, settled)
    shutil.copy(SEED, settled / "_posts" / "2013-12-19-her-again.md")
    out = listing(run, settled)
    assert "_posts/2013-12-19-her-again.md" in out
    (settled / "_posts" / "2013-12-19-her-again.md").unlink()
    (settled / HER).rename(settled / "_posts" / "2013-12-20-her-renamed.md")
    out = listing(run, settled)
    assert "her-again" not in out
    assert HER not in out and "_posts/2013-12-20-her-renamed.md" in out
    assert len(out.strip().splitlines()) == 16 + 1
    rows = cached_rows(settled)  # the rows of vanished files are dropped
    assert not any(key.endswith(("her-again.md", "2013-12-18-her.md")) for key in rows)


def test_a_post_that_does_not_parse_is_reported_the_same_from_the_cache(run, settled):
    (settled / "_posts" / "2020-01-01-broken.md").write_text(
        "---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8"
    )
    time.sleep(0.06)
    cold = run("-L", settled, "list", "--format", "tsv")
    warm = run("-L", settled, "list", "--format", "tsv")
    assert cold.exit_code == warm.exit_code == 1
    assert "error: _posts/2020-01-01-broken.md:" in cold.stderr
    assert warm.stderr == cold.stderr and warm.stdout == cold.stdout


def poison(site: Path, **meta) -> None:
    """Store a row for Her claiming the title 'Poisoned', with the file's real stat."""
    library = Library(site)
    opened = cache.PostCache.open(library.root, "max_post_bytes=64000000")
    assert opened is not None
    path = (site / HER).resolve()
    post = Post.read(path)
    post.front_matter["title"] = "Poisoned"
    opened.pending.append((str(path), *cache.stamp(path.stat()), cache.pack(post)))
    opened.close()
    if meta:
        db = sqlite3.connect(opened.path)
        with db:
            for key, value in meta.items():
                db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
        db.close()


def test_the_cache_is_what_answers_and_no_cache_bypasses_it(run, settled, monkeypatch):
    poison(settled)
    # Proof that the row is used when trusted (nobody can write such a row but us)...
    assert "Poisoned\t2013" in listing(run, settled)
    # ...and that --no-cache and FILMCLI_NO_CACHE read the post itself.
    assert "Her\t2013" in listing(run, settled, "--no-cache")
    monkeypatch.setenv("FILMCLI_NO_CACHE", "1")
    assert "Her\t2013" in listing(run, settled)


def test_no_cache_writes_no_cache(run, settled):
    listing(run, settled, "--no-cache")
    assert not cache.cache_file(str(settled.resolve())).exists()


@pytest.mark.parametrize("what", ["version", "schema", "settings", "root"])
def test_a_cache_from_another_version_or_setting_is_rebuilt(run, settled, what):
    poison(settled, **{what: "0.0.0-old"})
    out = listing(run, settled)
    assert "Her\t2013" in out and "Poisoned" not in out
    assert len(cached_rows(settled)) == 16  # rebuilt for this version


def test_a_changed_size_limit_is_a_new_cache(run, settled):
    listing(run, settled)
    (settled / "filmcli.toml").write_text("[read]\nmax_post_bytes = 100\n", encoding="utf-8")
    result = run("-L", settled, "list", "--format", "tsv")
    assert result.exit_code == 1
    assert "over the limit of 100" in result.stderr


def test_a_corrupt_cache_file_is_rebuilt_silently(run, settled):
    expected = listing(run, settled, "--no-cache")
    target = cache.cache_file(str(settled.resolve()))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"this is not a database" * 100)
    assert listing(run, settled) == expected
    assert len(cached_rows(settled)) == 16
    assert listing(run, settled) == expected


def test_a_damaged_row_is_a_miss(run, settled):
    expected = listing(run, settled)
    db = sqlite3.connect(cache.cache_file(str(settled.resolve())))
    with db:
        db.execute("UPDATE posts SET data = X'6d00ff' WHERE path LIKE '%her.md'")
    db.close()
    assert listing(run, settled) == expected


def test_a_cache_locked_by_another_process_is_bypassed(run, settled):
    expected = listing(run, settled)
    poison(settled)
    holder = sqlite3.connect(cache.cache_file(str(settled.resolve())), isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE meta SET value = value")
        started = time.monotonic()
        assert listing(run, settled) == expected  # read the posts: no error, no poison
        assert time.monotonic() - started < 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_unwritable_cache_folder_is_no_error(run, settled, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    expected = listing(run, settled, "--no-cache")
    assert listing(run, settled) == expected


def test_validate_fast_gives_the_same_problems_from_the_cache(run, settled):
    (settled / "_posts" / "2020-01-01-broken.md").write_text(
        "---\ntitle: x\nyear: nineteen\n---\n{% if\n", encoding="utf-8"
    )
    time.sleep(0.06)
    cold = run("-L", settled, "validate", "--fast", "--format", "json")
    warm = run("-L", settled, "validate", "--fast", "--format", "json")
    assert cold.exit_code == warm.exit_code == 1
    assert warm.stdout == cold.stdout and "FC102" in cold.stdout


def test_cache_info_and_clear(run, settled):
    listing(run, settled)
    info = run("-L", settled, "cache", "info")
    assert info.exit_code == 0
    assert "posts      16" in info.stdout
    cleared = run("-L", settled, "cache", "clear")
    assert cleared.exit_code == 0 and "cleared" in cleared.stderr
    assert not cache.cache_file(str(settled.resolve())).exists()
    assert "posts      none" in run("-L", settled, "cache", "info").stdout
    listing(run, settled)
    assert run("cache", "clear", "--all").exit_code == 0
    assert cache.cache_files() == []


def test_a_real_process_fills_the_cache_and_lists_the_same(tmp_path):
    library = tmp_path / "lib"
    (library / "_posts").mkdir(parents=True)
    (library / "_config.yml").write_text("title: t\n")
    text = SEED.read_text(encoding="utf-8")
    for i in range(Library.cache_min_posts + 4):
        (library / "_posts" / f"2013-12-{i + 1:02d}-her-{i}.md").write_text(
            text.replace('title: "Her"', f'title: "Her {i}"'), encoding="utf-8"
        )
    time.sleep(cache.SETTLE_NS / 1e9 + 0.1)  # old enough to be trusted
    args = ("-L", library, "list", "--format", "tsv")
    first = run_process(*args)
    assert len(cached_rows(library)) == Library.cache_min_posts + 4
    second = run_process(*args)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and b"Her 3\t2013" in first.stdout


# --- the cache folder and file are trusted only when they are the user's own -----------


@pytest.fixture
def fresh_warning(monkeypatch):
    """The one-warning-per-process memory starts empty for each test."""
    monkeypatch.setattr(cache, "_warned", set())


def _mode(path) -> int:
    return os.lstat(path).st_mode & 0o777


def test_a_dangling_symlink_at_the_database_path_is_never_followed(
    run, settled, tmp_path, fresh_warning
):
    db = cache.cache_file(str(settled.resolve()))
    db.parent.mkdir(parents=True, mode=0o700)
    target = tmp_path / "elsewhere" / "planted.sqlite"
    target.parent.mkdir()
    db.symlink_to(target)
    expected = listing(run, settled, "--no-cache")
    result = run("-L", settled, "list", "--format", "tsv", "--fields", "title,year,path")
    assert result.exit_code == 0 and result.stdout == expected
    assert not target.exists()  # SQLite used to create the database at the link's target
    assert db.is_symlink()
    assert result.stderr.count("warning:") == 1
    assert "symbolic link" in result.stderr and str(db) in result.stderr


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_a_cache_folder_writable_by_others_is_not_used(run, settled, mode, fresh_warning):
    folder = cache.cache_root()
    folder.mkdir(parents=True)
    os.chmod(folder, mode)
    expected = listing(run, settled, "--no-cache")
    result = run("-L", settled, "list", "--format", "tsv", "--fields", "title,year,path")
    assert result.exit_code == 0 and result.stdout == expected
    assert list(folder.iterdir()) == []  # nothing written where others can write
    assert result.stderr.count("warning:") == 1
    assert "writable by others" in result.stderr and str(folder) in result.stderr
    again = run("-L", settled, "list", "--format", "tsv", "--fields", "title,year,path")
    assert again.stderr.count("warning:") == 0  # one warning per process, not per read


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a folder to another user")
def test_a_cache_folder_owned_by_another_user_is_not_used(run, settled, fresh_warning):
    folder = cache.cache_root()
    folder.mkdir(parents=True, mode=0o700)
    os.chown(folder, 12345, 12345)
    # another user's forged database: it must never be what answers
    db = cache.cache_file(str(settled.resolve()))
    expected = listing(run, settled, "--no-cache")
    result = run("-L", settled, "list", "--format", "tsv", "--fields", "title,year,path")
    assert result.exit_code == 0 and result.stdout == expected
    assert not db.exists()
    assert result.stderr.count("warning:") == 1 and "owned by" in result.stderr


def test_cache_files_are_created_private(run, settled, monkeypatch):
    old = os.umask(0o022)
    try:
        listing(run, settled)
    finally:
        os.umask(old)
    db = cache.cache_file(str(settled.resolve()))
    assert db.is_file()
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{db}{suffix}")
        if extra.exists():
            assert _mode(extra) == 0o600


def test_an_old_world_readable_database_is_made_private(run, settled):
    listing(run, settled)
    db = cache.cache_file(str(settled.resolve()))
    os.chmod(db, 0o644)
    listing(run, settled)
    assert _mode(db) == 0o600


def test_a_nonexistent_home_is_no_crash_and_creates_nothing(tmp_path):
    library = tmp_path / "lib"
    (library / "_posts").mkdir(parents=True)
    (library / "_config.yml").write_text("title: t\n")
    text = SEED.read_text(encoding="utf-8")
    for i in range(Library.cache_min_posts + 4):
        (library / "_posts" / f"2013-12-{i + 1:02d}-her-{i}.md").write_text(
            text.replace('title: "Her"', f'title: "Her {i}"'), encoding="utf-8"
        )
    gone = tmp_path / "no-such-home"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "HOME")
    }
    for home in (str(gone), "relative-home"):
        result = run_process(
            "-L", library, "list", "--format", "tsv", cwd=tmp_path, env={**env, "HOME": home}
        )
        assert result.returncode == 0, result.stderr
        assert b"Her 3\t2013" in result.stdout and b"Traceback" not in result.stderr
        info = run_process("-L", library, "cache", "info", cwd=tmp_path, env={**env, "HOME": home})
        assert info.returncode == 0 and b"Traceback" not in info.stderr, info.stderr
    assert not gone.exists()  # no cache folder made under a home that is not there
    assert not (tmp_path / "relative-home").exists()


# --- the output cache: a `list` command line's whole output ---------------------------


@pytest.fixture
def out_settled(settled, monkeypatch):
    """As `settled`, for the output cache too."""
    from filmcli.store import outcache

    monkeypatch.setattr(outcache, "SETTLE_NS", 30_000_000)
    return settled


def fast(site, *words) -> tuple[int | None, bytes]:
    """`filmcli -L SITE WORDS` through the fast path (cli.early), in this process."""
    import io

    from filmcli.cli import early

    saved = sys.stdout
    sys.stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    try:
        code = early.run_list(["-L", str(site), *words])
        sys.stdout.flush()
        return code, sys.stdout.buffer.getvalue()
    finally:
        sys.stdout = saved


def no_computing(monkeypatch) -> None:
    """From now on, computing a listing fails the test (only the output cache answers)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the listing was computed")

    monkeypatch.setattr(Library, "list", refuse)
    no_reading(monkeypatch)


def kept(site) -> list:
    from filmcli.store import outcache

    folder = cache.cache_root()
    prefix = f"library-{outcache.library_digest(str(site.resolve()))}.list-"
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix))


def test_an_unchanged_listing_is_served_whole_from_the_output_cache(run, out_settled, monkeypatch):
    code, first = fast(out_settled, "list", "-F", "tsv")
    assert code == 0 and b"Her\t2013" in first
    assert first.decode() == run("-L", out_settled, "list", "-F", "tsv").stdout
    assert len(kept(out_settled)) == 1
    no_computing(monkeypatch)
    assert fast(out_settled, "list", "-F", "tsv") == (0, first)


def test_the_output_cache_misses_on_any_change_to_the_posts(out_settled, monkeypatch):
    posts = out_settled / "_posts"
    her = posts / "2013-12-18-her.md"

    def listed():
        time.sleep(0.06)  # the files settle: each answer may be kept
        return fast(out_settled, "list", "-F", "json")[1].decode()

    assert '"Her"' in listed()
    # the same size, the same mtime, within the same second: only ctime tells
    st = her.stat()
    her.write_bytes(her.read_bytes().replace(b'title: "Her"', b'title: "Hex"'))
    os.utime(her, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert '"Hex"' in listed() and '"Her"' not in listed()
    # replaced by a rename
    spare = out_settled / "spare.md"
    spare.write_bytes(her.read_bytes().replace(b'title: "Hex"', b'title: "Hey"'))
    os.replace(spare, her)
    assert '"Hey"' in listed()
    # added, removed, renamed
    (posts / "2020-01-01-new.md").write_text("---\ntitle: Newcomer\nyear: 2020\n---\n")
    assert '"Newcomer"' in listed()
    (posts / "2020-01-01-new.md").rename(posts / "2021-01-01-moved.md")
    assert "2021-01-01-moved.md" in listed()
    (posts / "2021-01-01-moved.md").unlink()
    assert "Newcomer" not in listed()
    # a folder below the posts, and a setting
    (posts / "more").mkdir()
    (posts / "more" / "2019-05-05-deep.md").write_text("---\ntitle: Deep\n---\n")
    assert '"Deep"' in listed()
    (out_settled / "_config.yml").write_text("title: t\npermalink: /films/:title/\n")
    assert "/films/her/" in fast(out_settled, "list", "-F", "tsv", "--fields", "url")[1].decode()


def test_a_corrupt_or_old_entry_is_a_miss_and_rewritten(out_settled, monkeypatch):
    from filmcli.store import outcache

    code, first = fast(out_settled, "list", "-F", "csv")
    (entry,) = kept(out_settled)
    entry.write_bytes(b"\x00garbage")
    assert fast(out_settled, "list", "-F", "csv") == (0, first)
    assert entry.read_bytes() != b"\x00garbage"
    monkeypatch.setattr(outcache, "LAYOUT", outcache.LAYOUT + 1)
    calls = []
    real = Library.list
    monkeypatch.setattr(Library, "list", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert fast(out_settled, "list", "-F", "csv") == (0, first)
    assert calls == [1]


def test_a_post_changed_while_listed_is_never_served_stale(out_settled, monkeypatch):
    her = out_settled / "_posts" / "2013-12-18-her.md"
    real = Library.list

    def racing(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        her.write_bytes(her.read_bytes().replace(b'title: "Her"', b'title: "Raced"'))
        return result

    monkeypatch.setattr(Library, "list", racing)
    assert b'"Her"' in fast(out_settled, "list", "-F", "json")[1]
    monkeypatch.setattr(Library, "list", real)
    time.sleep(0.06)
    assert b'"Raced"' in fast(out_settled, "list", "-F", "json")[1]


def test_the_output_cache_is_bounded_and_cleared(run, out_settled):
    from filmcli.store import outcache

    for n in range(outcache.KEEP + 4):
        assert fast(out_settled, "list", "-F", "tsv", "--limit", str(n))[0] == 0
    assert len(kept(out_settled)) == outcache.KEEP
    assert run("-L", out_settled, "cache", "clear").exit_code == 0
    assert kept(out_settled) == []


def test_no_cache_and_failed_reads_keep_no_output(out_settled):
    assert fast(out_settled, "--no-cache", "list", "-F", "tsv")[0] == 0
    assert kept(out_settled) == []
    (out_settled / "_posts" / "2020-01-01-broken.md").write_text("---\ntitle: [\n---\n")
    time.sleep(0.06)
    assert fast(out_settled, "list", "-F", "tsv")[0] == 1
    assert kept(out_settled) == []


def test_a_real_process_serves_the_kept_output(tmp_path, site):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    time.sleep(1.1)  # older than the real margin
    first = run_process("-L", site, "list", "-F", "jsonl", env=env)
    assert first.returncode == 0 and first.stderr == b""
    assert len(list((tmp_path / "xdg" / "filmcli").glob("library-*.list-*"))) == 1
    again = run_process("-L", site, "list", "-F", "jsonl", env=env)
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, b"")
