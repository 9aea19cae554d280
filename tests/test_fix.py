"""`validate --fix`, `--unsafe-fixes`, `--diff` and `Library.fix`: each fixable rule's bad post
(tests/data/rules/) is repaired in the lines of the fix only, and validates clean after."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import DATA

RULES_DIR = DATA / "rules"


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".filmcli.lock"}


def key_lines(data: bytes, key: str) -> list[int]:
    """The indexes of a top-level key's lines: its own and the indented ones after it."""
    lines = data.split(b"\n")
    out = []
    for i, line in enumerate(lines):
        if line.startswith(key.encode() + b":"):
            out.append(i)
            j = i + 1
            while j < len(lines) and lines[j][:1] in (b" ", b"\t"):
                out.append(j)
                j += 1
    return out


def without(data: bytes, indexes: list[int]) -> list[bytes]:
    return [line for i, line in enumerate(data.split(b"\n")) if i not in indexes]


def post_of(data: bytes):
    from filmcli.post import Post

    return Post.from_bytes(data, "x.md")


def _poster_is(mime: str):
    def check(post):
        assert post.poster.declared_mime == mime and post.poster.mime == mime
        return " " not in post.poster.uri and post.poster.is_base64
    return check


# case -> (rule, kind, file before, file after, key changed before, key after, check after)
CASES = {
    "FC003-colon": ("FC003", "unsafe", "2024-08-16-alien-romulus.md", None, "title", "title",
                    lambda p: p.title == "Alien: Romulus"),
    "FC101-null": ("FC101", "safe", "2013-12-18-her.md", None, "title", "title",
                   lambda p: p.title == "null"),
    "FC102-number": ("FC102", "safe", "2019-12-25-1917.md", None, "title", "title",
                     lambda p: p.title == "1917"),
    "FC102-yes": ("FC102", "safe", "2013-12-18-her.md", None, "director", "director",
                  lambda p: p.director == "Yes"),
    "FC104": ("FC104", "safe", "2013-12-18-her.md", None, "poster", "poster",
              _poster_is("image/jpeg")),
    "FC108": ("FC108", "unsafe", "2013-12-18-her.md", None, "poster", "poster",
              lambda p: (p.poster.width, p.poster.height) == (400, 400)),
    "FC109-wide": ("FC109", "unsafe", "2013-12-18-her.md", None, "poster", "poster",
                   lambda p: p.poster.width == 400 and p.poster.size <= 30_000),
    "FC111-base64": ("FC111", "safe", "2013-12-18-her.md", None, "poster", "poster",
                     _poster_is("image/jpeg")),
    "FC111-comma": ("FC111", "safe", "2013-12-18-her.md", None, "poster", "poster",
                    _poster_is("image/jpeg")),
    "FC111-folded": ("FC111", "safe", "2013-12-18-her.md", None, "poster", "poster",
                     _poster_is("image/jpeg")),
    "FC201-date": ("FC201", "unsafe", "her.md", "2013-12-18-her.md", None, None,
                   lambda p: True),
    "FC201-name": ("FC201", "unsafe", "2013_12_18_her.md", "2013-12-18-her.md", None, None,
                   lambda p: True),
    "FC202-date": ("FC202", "unsafe", "2013-02-30-her.md", "2013-02-28-her.md", None, None,
                   lambda p: True),
    "FC205-slash": ("FC205", "safe", "2013-12-18-her.md", None, "date", "date",
                    lambda p: str(p.front_matter["date"]) == "2013-12-18"),
    "FC208-typo": ("FC208", "unsafe", "2013-12-18-her.md", None, "dirctor", "director",
                   lambda p: p.director == "Spike Jonze" and "dirctor" not in p.front_matter),
}


@pytest.fixture
def case(tmp_path, request):
    dest = tmp_path / request.param
    shutil.copytree(RULES_DIR / request.param, dest, symlinks=True)
    return request.param, dest


@pytest.mark.parametrize("case", sorted(CASES), indirect=True)
def test_each_fixable_rule(run, case):
    name, site = case
    rule, kind, before_name, after_name, old_key, new_key, check = CASES[name]
    unsafe = ["--unsafe-fixes"] if kind == "unsafe" else []
    posts = site / "_posts"
    before = (posts / before_name).read_bytes()
    original = tree(site)

    # The finding says it has a fix: [*] in text, its kind in JSON.
    result = run("-L", site, "validate", "--format", "json")
    [hit] = [p for p in json.loads(result.stdout) if p["rule"] == rule]
    assert hit["fix"] == kind
    assert f" {rule} [*] " in run("-L", site, "validate").stdout

    # --diff prints the change and writes nothing; exit 1: there is something to fix.
    result = run("-L", site, "validate", "--diff", *unsafe)
    assert result.exit_code == 1, result.stderr
    assert f"--- a/_posts/{before_name}\n+++ b/_posts/{after_name or before_name}\n" \
        in result.stdout
    if old_key:
        assert f"\n-{old_key}:" in result.stdout and f"\n+{new_key}:" in result.stdout
    for line in result.stdout.splitlines():
        assert len(line) < 200  # poster lines cut short
    assert tree(site) == original

    if unsafe:  # an unsafe fix is not made by --fix alone
        result = run("-L", site, "validate", "--fix")
        assert tree(site) == original
        assert "(1 fixable with --unsafe-fixes)" in result.stderr

    result = run("-L", site, "validate", "--fix", *unsafe)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "fixed 1, 0 left" in result.stderr
    assert f"fixed {rule}" in result.stderr

    # Only the lines of the fix changed, and the post reads as meant.
    after = (posts / (after_name or before_name)).read_bytes()
    if after_name:
        assert not (posts / before_name).exists() and after == before
    else:
        assert after != before
        assert without(before, key_lines(before, old_key)) \
            == without(after, key_lines(after, new_key))
        assert len(key_lines(after, new_key)) == 1
    assert check(post_of(after))
    assert sorted(p.name for p in posts.iterdir()) == [after_name or before_name]

    # And validate finds nothing now.
    result = run("-L", site, "validate")
    assert result.exit_code == 0 and result.stdout == "", result.stdout
    assert "no problems found" in result.stderr


def test_findings_without_fix_are_marked_under_fix(run, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC109", site)  # the poster is narrower than max_width:
    result = run("-L", site, "validate", "--format", "json")  # re-encoding would not help
    assert [p["fix"] for p in json.loads(result.stdout)] == [None]
    original = tree(site)
    result = run("-L", site, "validate", "--fix", "--unsafe-fixes")
    assert result.exit_code == 1
    assert " FC109 (no fix) error " in result.stdout
    assert "fixed 0, 1 left" in result.stderr
    assert tree(site) == original


def test_diff_with_nothing_to_fix_exits_0(run, seed_site):
    result = run("-L", seed_site, "validate", "--diff", "--unsafe-fixes")
    assert result.exit_code == 0 and result.stdout == ""


def test_unsafe_fixes_alone_is_a_usage_error(run, seed_site):
    result = run("-L", seed_site, "validate", "--unsafe-fixes")
    assert result.exit_code != 0
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_rename_never_replaces_another_post(run, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC201-date", site)
    taken = site / "_posts" / "2013-12-18-her.md"
    taken.write_bytes((RULES_DIR / "FC104" / "_posts" / "2013-12-18-her.md").read_bytes())
    original = tree(site)
    result = run("-L", site, "validate", "--format", "json")
    fc201 = [p for p in json.loads(result.stdout) if p["rule"] == "FC201"]
    assert fc201 and fc201[0]["fix"] is None  # the name it would take is taken
    result = run("-L", site, "validate", "--fix", "--unsafe-fixes")
    after = tree(site)
    assert after["_posts/her.md"] == original["_posts/her.md"]  # left as it was
    assert "image/jpeg" in after["_posts/2013-12-18-her.md"].decode()  # its own FC104 fixed
    assert " FC201 (no fix) " in result.stdout


def test_select_limits_the_fixes(run, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC205-slash", site)
    post = site / "_posts" / "2013-12-18-her.md"
    post.write_bytes(post.read_bytes().replace(b"title: \"Her\"", b"title: 1917"))
    result = run("-L", site, "validate", "--fix", "--select", "FC205")
    assert result.exit_code == 0, result.stdout
    data = post.read_bytes()
    assert b"date: 2013-12-18\n" in data and b"title: 1917\n" in data


def test_library_fix_twin(tmp_path):
    from filmcli import Library

    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC208-typo", site)
    library = Library(site)
    planned = library.fix(unsafe=True, dry_run=True)
    assert [a.rule for p in planned.plans for a in p.applied] == ["FC208"]
    assert b"dirctor:" in (site / "_posts" / "2013-12-18-her.md").read_bytes()
    safe_only = library.fix()
    assert safe_only.fixed == 0 and [p.rule for p in safe_only.remaining] == ["FC101", "FC208"]
    done = library.fix(unsafe=True)
    assert done.fixed == 1 and done.remaining == []
    [plan] = done.plans
    assert plan.written and plan.applied[0].note == "key dirctor -> director"
    assert b"\ndirector: \"Spike Jonze\"\n" in (site / "_posts" / "2013-12-18-her.md").read_bytes()


def test_fix_in_a_git_folder_stages_nothing(run, tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC104", site)

    def sh(*args):
        return subprocess.run([git, "-C", site, *args], capture_output=True, text=True,
                              check=True, env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                                               "GIT_COMMITTER_NAME": "t",
                                               "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(tmp_path)})
    sh("init", "-q")
    sh("add", "-A")
    sh("commit", "-qm", "start")
    result = run("-L", site, "validate", "--fix")
    assert result.exit_code == 0
    assert sh("status", "--porcelain").stdout == " M _posts/2013-12-18-her.md\n"  # not staged
    assert sh("rev-list", "--count", "HEAD").stdout.strip() == "1"
