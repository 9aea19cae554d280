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
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".filmcli.lock"
    }


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
    from filmcli.model.post import Post

    return Post.from_bytes(data, "x.md")


def _poster_is(mime: str):
    def check(post):
        assert post.poster.declared_mime == mime and post.poster.mime == mime
        return " " not in post.poster.uri and post.poster.is_base64

    return check


# case -> (rule, kind, file before, file after, key changed before, key after, check after)
CASES = {
    "FC003-colon": (
        "FC003",
        "unsafe",
        "2024-08-16-alien-romulus.md",
        None,
        "title",
        "title",
        lambda p: p.title == "Alien: Romulus",
    ),
    "FC101-null": (
        "FC101",
        "safe",
        "2013-12-18-her.md",
        None,
        "title",
        "title",
        lambda p: p.title == "null",
    ),
    "FC102-number": (
        "FC102",
        "safe",
        "2019-12-25-1917.md",
        None,
        "title",
        "title",
        lambda p: p.title == "1917",
    ),
    "FC102-yes": (
        "FC102",
        "safe",
        "2013-12-18-her.md",
        None,
        "director",
        "director",
        lambda p: p.director == "Yes",
    ),
    "FC104": (
        "FC104",
        "safe",
        "2013-12-18-her.md",
        None,
        "poster",
        "poster",
        _poster_is("image/jpeg"),
    ),
    "FC108": (
        "FC108",
        "unsafe",
        "2013-12-18-her.md",
        None,
        "poster",
        "poster",
        lambda p: (p.poster.width, p.poster.height) == (400, 400),
    ),
    "FC109-wide": (
        "FC109",
        "unsafe",
        "2013-12-18-her.md",
        None,
        "poster",
        "poster",
        lambda p: p.poster.width == 400 and p.poster.size <= 30_000,
    ),
    "FC111-base64": (
        "FC111",
        "safe",
        "2013-12-18-her.md",
        None,
        "poster",
        "poster",
        _poster_is("image/jpeg"),
    ),
    "FC111-comma": (
        "FC111",
        "safe",
        "2013-12-18-her.md",
        None,
        "poster",
        "poster",
        _poster_is("image/jpeg"),
    ),
    "FC112": (
        "FC112",
        "safe",
        "2013-12-18-her.md",
        None,
        "poster",
        "poster",
        _poster_is("image/jpeg"),
    ),
    "FC201-date": ("FC201", "unsafe", "her.md", "2013-12-18-her.md", None, None, lambda p: True),
    "FC201-name": (
        "FC201",
        "unsafe",
        "2013_12_18_her.md",
        "2013-12-18-her.md",
        None,
        None,
        lambda p: True,
    ),
    "FC202-date": (
        "FC202",
        "unsafe",
        "2013-02-30-her.md",
        "2013-02-28-her.md",
        None,
        None,
        lambda p: True,
    ),
    "FC205-slash": (
        "FC205",
        "safe",
        "2013-12-18-her.md",
        None,
        "date",
        "date",
        lambda p: str(p.front_matter["date"]) == "2013-12-18",
    ),
    "FC208-typo": (
        "FC208",
        "unsafe",
        "2013-12-18-her.md",
        None,
        "dirctor",
        "director",
        lambda p: p.director == "Spike Jonze" and "dirctor" not in p.front_matter,
    ),
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
    assert (
        f"--- a/_posts/{before_name}\n+++ b/_posts/{after_name or before_name}\n" in result.stdout
    )
    if old_key:
        assert f"\n-{old_key}:" in result.stdout and f"\n+{new_key}:" in result.stdout
    for line in result.stdout.splitlines():
        assert len(line) < 200  # poster lines cut short
    assert tree(site) == original
    assert "would fix 1, 0 left" in result.stderr

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
        assert without(before, key_lines(before, old_key)) == without(
            after, key_lines(after, new_key)
        )
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
    post.write_bytes(post.read_bytes().replace(b'title: "Her"', b"title: 1917"))
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
    assert b'\ndirector: "Spike Jonze"\n' in (site / "_posts" / "2013-12-18-her.md").read_bytes()


def test_fix_in_a_git_folder_stages_nothing(run, tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC104", site)

    def sh(*args):
        return subprocess.run(
            [git, "-C", site, *args],
            capture_output=True,
            text=True,
            check=True,
            env={
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@t",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@t",
                "HOME": str(tmp_path),
            },
        )

    sh("init", "-q")
    sh("add", "-A")
    sh("commit", "-qm", "start")
    result = run("-L", site, "validate", "--fix")
    assert result.exit_code == 0
    assert sh("status", "--porcelain").stdout == " M _posts/2013-12-18-her.md\n"  # not staged
    assert sh("rev-list", "--count", "HEAD").stdout.strip() == "1"


# --- a 1,000-post library with every fixable problem injected ---------------------------------

SEED_POSTER = (
    (DATA / "2013-12-18-her.md").read_bytes().split(b"\nposter: ", 1)[1].split(b"\n", 1)[0]
)


def _poster_line(case: str) -> bytes:
    data = (RULES_DIR / case / "_posts" / "2013-12-18-her.md").read_bytes()
    return data.split(b"\nposter: ", 1)[1].split(b"\n", 1)[0]


def _clean_post(i: int) -> tuple[str, bytes]:
    import datetime as dt

    when = dt.date(2000, 1, 1) + dt.timedelta(days=i)
    text = (
        (
            f'---\nlayout: post\ntitle: "Film {i}"\ndirector: "Director {i % 40}"\n'
            f"year: {1900 + i % 120}\nposter: "
        ).encode()
        + SEED_POSTER
        + f"\n---\n\nReview number {i}.\n".encode()
    )
    return f"{when.isoformat()}-film-{i}.md", text


def _inject(kind: str, name: str, text: bytes, i: int) -> tuple[str, bytes, str | None]:
    """(bad file name, bad bytes, the key whose lines the fix may change)."""
    date = name[:10]
    slug = name[11:-3]
    if kind == "FC003":
        return (
            name,
            text.replace(f'title: "Film {i}"'.encode(), f"title: Film {i}: Part Two".encode()),
            "title",
        )
    if kind == "FC101":
        return name, text.replace(f'title: "Film {i}"'.encode(), b"title: ~"), "title"
    if kind == "FC102-number":
        return (
            name,
            text.replace(f'title: "Film {i}"'.encode(), f"title: {10_000 + i}".encode()),
            "title",
        )
    if kind == "FC102-yes":
        return (
            name,
            text.replace(f'director: "Director {i % 40}"'.encode(), b"director: Yes"),
            "director",
        )
    if kind == "FC104":
        return name, text.replace(b"data:image/jpeg;base64,", b"data:image/png;base64,"), "poster"
    if kind == "FC108":
        return name, text.replace(SEED_POSTER, _poster_line("FC108")), "poster"
    if kind == "FC109":
        return name, text.replace(SEED_POSTER, _poster_line("FC109-wide")), "poster"
    if kind == "FC111-base64":
        return name, text.replace(b";base64,", b",", 1), "poster"
    if kind == "FC111-comma":
        return name, text.replace(b";base64,", b";base64", 1), "poster"
    if kind == "FC112":
        return (
            name,
            text.replace(
                SEED_POSTER,
                b"\n  ".join(SEED_POSTER[k : k + 76] for k in range(0, len(SEED_POSTER), 76)),
            ),
            "poster",
        )
    if kind == "FC201-date":
        return f"{slug}.md", text.replace(b"\n---\n\n", f"\ndate: {date}\n---\n\n".encode()), None
    if kind == "FC201-name":
        return f"{date.replace('-', '_')}_{slug}.md", text, None
    if kind == "FC202":
        return (
            f"{date[:4]}-02-30-{slug}.md",
            text.replace(b"\n---\n\n", f"\ndate: {date}\n---\n\n".encode()),
            None,
        )
    if kind == "FC205":
        return (
            name,
            text.replace(b"\n---\n\n", f"\ndate: {date.replace('-', '/')}\n---\n\n".encode()),
            "date",
        )
    if kind == "FC208":
        return name, text.replace(b"\ndirector: ", b"\ndirctor: "), "dirctor"
    raise AssertionError(kind)


KINDS = [
    "FC003",
    "FC101",
    "FC102-number",
    "FC102-yes",
    "FC104",
    "FC111-base64",
    "FC111-comma",
    "FC112",
    "FC201-date",
    "FC201-name",
    "FC202",
    "FC205",
    "FC208",
]
FEW = {"FC108": 2, "FC109": 4}  # posters decoded and re-encoded: a few of each


def test_thousand_post_library_every_injected_problem_fixed(tmp_path):
    import time

    from conftest import run_process

    site = tmp_path / "site"
    posts = site / "_posts"
    posts.mkdir(parents=True)
    (site / "_config.yml").write_text("title: big\n")
    (site / "filmcli.toml").write_text("[validate]\nmax_bytes = 30000\n")
    clean = dict(_clean_post(i) for i in range(1000))
    for name, text in clean.items():
        (posts / name).write_bytes(text)
    exported = run_process("-L", site, "export", "-F", "json")
    assert exported.returncode == 0, exported.stderr
    before_export = {r["path"]: r for r in json.loads(exported.stdout)}

    # Inject: every third post gets one problem, the kinds in turn; a few poster ones.
    injected: dict[str, tuple[str, str, bytes, str | None]] = {}  # good name -> ...
    names = sorted(clean)
    picks = [
        (kind, names[k])
        for k, kind in enumerate([kind for kind, n in FEW.items() for _ in range(n)])
    ]
    for k, name in enumerate(names[len(picks) :: 3]):
        picks.append((KINDS[k % len(KINDS)], name))
    for kind, name in picks:
        i = int(name[:-3].rsplit("-", 1)[1])
        bad_name, bad, key = _inject(kind, name, clean[name], i)
        (posts / name).unlink()
        (posts / bad_name).write_bytes(bad)
        injected[name] = (kind, bad_name, bad, key)
    assert len(injected) > 300 and {k for k, *_ in injected.values()} == set(KINDS) | set(FEW)

    found = run_process("-L", site, "validate", "--format", "json")
    problems = json.loads(found.stdout)
    typos = sum(kind == "FC208" for kind, *_ in injected.values())  # FC208 and FC101 each
    assert len(problems) == len(injected) + typos, found.stderr  # else one finding a post
    no_fix = [p for p in problems if not p["fix"]]  # the typo's missing key: FC208 fixes it
    assert len(no_fix) == typos and {p["rule"] for p in no_fix} == {"FC101"}

    start = time.monotonic()
    fixed = run_process("-L", site, "validate", "--fix", "--unsafe-fixes", timeout=300)
    took = time.monotonic() - start
    print(f"validate --fix --unsafe-fixes on 1,000 posts ({len(injected)} to fix): {took:.1f} s")
    assert fixed.returncode == 0, fixed.stderr.decode()[-2000:]
    assert f"fixed {len(injected)}, 0 left".encode() in fixed.stderr

    # Every post is back under its good name; no other byte changed anywhere.
    assert sorted(p.name for p in posts.iterdir()) == names
    for name in names:
        data = (posts / name).read_bytes()
        if name not in injected:
            assert data == clean[name], name
            continue
        kind, bad_name, bad, key = injected[name]
        if key is None:
            assert data == bad, name  # renamed only
        else:
            new_key = "director" if key == "dirctor" else key
            assert without(bad, key_lines(bad, key)) == without(data, key_lines(data, new_key))
            assert len(key_lines(data, new_key)) == 1, (name, kind)
        if kind.startswith(("FC104", "FC111", "FC112")):
            assert data == clean[name], name  # the poster as it was before the damage

    # The fields no fix touched export exactly as before.
    exported = run_process("-L", site, "export", "-F", "json")
    after_export = {r["path"]: r for r in json.loads(exported.stdout)}
    assert set(after_export) == set(before_export)
    for path, record in after_export.items():
        old = dict(before_export[path])
        entry = injected.get(path.split("/", 1)[1])
        touched = set()
        if entry is not None:
            kind, _, _, key = entry
            touched = {"director" if key == "dirctor" else key, "date", "_filmcli"}
        for field in set(old) | set(record):
            if field not in touched:
                assert record.get(field) == old.get(field), (path, field)
    assert run_process("-L", site, "validate").returncode == 0


def test_rules_listing_says_each_fix_kind(run):
    lines = dict(line.split("\t", 1) for line in run("validate", "--rules").stdout.splitlines())
    assert lines["FC104"].endswith("\tsafe") and lines["FC201"].endswith("\tunsafe")
    assert lines["FC203"].endswith("\t-")


def test_a_post_changed_after_planning_is_left_alone(tmp_path):
    """The user saves the post between the plan and the write: their save is kept."""
    from filmcli import Library
    from filmcli.ops.fixes import write_plans

    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC104", site)
    post = site / "_posts" / "2013-12-18-her.md"
    library = Library(site)
    report = library.fix(dry_run=True)
    [plan] = report.plans
    assert plan.changed
    saved = post.read_bytes().replace(b"A review.", b"A review, edited meanwhile.")
    post.write_bytes(saved)
    write_plans(library, report.plans)
    assert post.read_bytes() == saved
    assert plan.error is not None and "changed" in plan.error.message and not plan.written


def _fixable_library(root: Path, count: int) -> dict[str, bytes]:
    """`count` posts with a safe FC104 and FC205 each; returns name -> fixed bytes."""
    posts = root / "_posts"
    posts.mkdir(parents=True)
    (root / "_config.yml").write_text("title: race\n")
    want = {}
    for i in range(count):
        name, good = _clean_post(i)
        dated = good.replace(b"\n---\n\n", f"\ndate: {name[:10]}\n---\n\n".encode())
        bad = dated.replace(b"data:image/jpeg;", b"data:image/png;").replace(
            f"date: {name[:10]}".encode(), f"date: {name[:10].replace('-', '/')}".encode()
        )
        (posts / name).write_bytes(bad)
        want[name] = dated
    return want


def test_two_fixers_at_once_fix_each_post_once(tmp_path):
    """Two real `validate --fix` processes on one library: each post ends fixed, nothing is
    written over a version the writer did not read, no traceback."""
    from conftest import run_process

    site = tmp_path / "site"
    want = _fixable_library(site, 120)
    procs = [
        subprocess.Popen(
            [__import__("sys").executable, "-m", "filmcli", "-L", site, "validate", "--fix"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outs, strict=True):
        assert b"Traceback" not in err, err
        assert proc.returncode in (0, 1), err
        for line in err.decode().splitlines():
            assert not line.startswith("error: ") or "changed while it was read" in line, line
    assert {p.name: p.read_bytes() for p in (site / "_posts").glob("*.md")} == want
    assert run_process("-L", site, "validate").returncode == 0


@pytest.mark.parametrize(
    "name", ["FC003-colon", "FC102-number", "FC104", "FC111-comma", "FC205-slash", "FC208-typo"]
)
def test_crlf_and_bom_are_kept(run, tmp_path, name):
    """A post with CRLF line ends and a BOM: the fix's line changes, ends and BOM stay."""
    rule, kind, before_name, _, old_key, new_key, check = CASES[name]
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / name, site)
    post = site / "_posts" / before_name
    before = b"\xef\xbb\xbf" + post.read_bytes().replace(b"\n", b"\r\n")
    post.write_bytes(before)
    result = run("-L", site, "validate", "--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.stdout + result.stderr
    after = post.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\r\n") == after.count(b"\n")
    assert without(before, key_lines(before, old_key)) == without(after, key_lines(after, new_key))
    assert check(post_of(after))


def test_a_poster_far_over_the_pixel_limit_is_not_decoded_to_fix(run, library):
    """FC108 is re-encoded only up to 4x validate.max_pixels (and never above 100 MP):
    beyond that the finding has no fix, and --unsafe-fixes leaves the post as it is."""
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buf, "PNG")  # 25 MP: 4x a limit of 6 MP, plus
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    post = library / "_posts" / "2013-12-18-her.md"
    post.write_text(
        f'---\nlayout: post\ntitle: "Her"\ndirector: "Spike Jonze"\nyear: 2013\n'
        f"poster: {uri}\n---\n\nA review.\n"
    )
    (library / "filmcli.toml").write_text("[validate]\nmax_pixels = 6_000_000\n")
    before = post.read_bytes()
    [hit] = json.loads(run("-L", library, "validate", "--format", "json").stdout)
    assert (hit["rule"], hit["fix"]) == ("FC108", None)
    result = run("-L", library, "validate", "--fix", "--unsafe-fixes")
    assert result.exit_code == 1 and post.read_bytes() == before
    (library / "filmcli.toml").write_text("[validate]\nmax_pixels = 6_250_000\n")  # 4x: fixed
    [hit] = json.loads(run("-L", library, "validate", "--format", "json").stdout)
    assert hit["fix"] == "unsafe"


@pytest.mark.parametrize(
    "written, fixed",
    [
        ("2013/12/18", "date: 2013-12-18"),
        ("2013.12.18", "date: 2013-12-18"),
        ('"18/12/2013"', "date: 2013-12-18"),  # day first: the only reading
        ("12/18/2013", "date: 2013-12-18"),  # month first: the only reading
        ("2013/12/18 10:30", "date: 2013-12-18 10:30:00"),
        ("05/06/2013", None),  # 5 June or May 6: no obvious reading, no fix
        ("2013/02/30", None),  # no such day
        ("the 18th of December", None),
    ],
)
def test_dates_with_one_obvious_reading(run, seed_site, written, fixed):
    post = seed_site / "_posts" / "2013-12-18-her.md"
    post.write_bytes(post.read_bytes().replace(b"\n---\n", f"\ndate: {written}\n---\n".encode(), 1))
    before = post.read_bytes()
    [hit] = json.loads(run("-L", seed_site, "validate", "--format", "json").stdout)
    assert hit["rule"] == "FC205" and hit["fix"] == ("safe" if fixed else None)
    result = run("-L", seed_site, "validate", "--fix")
    if fixed:
        assert result.exit_code == 0
        assert post.read_bytes() == before.replace(f"date: {written}".encode(), fixed.encode())
    else:  # no fix: the post is left as it is; an error only when Jekyll cannot read it
        assert post.read_bytes() == before
        assert result.exit_code == (1 if hit["severity"] == "error" else 0)


@pytest.mark.parametrize(
    "key, fixable",
    [
        ("dirctor", True),
        ("Title", False),  # title is there
        ("yaer", True),
        ("ratin", True),
        ("moood", False),
    ],
)
def test_key_typos(run, seed_site, key, fixable):
    post = seed_site / "_posts" / "2013-12-18-her.md"
    post.write_bytes(post.read_bytes().replace(b"\n---\n", f"\n{key}: x\n---\n".encode(), 1))
    if key in ("dirctor", "yaer"):  # the real key is not there: only then it is a typo
        real = {"dirctor": b"director", "yaer": b"year"}[key]
        data = post.read_bytes()
        start = data.index(b"\n" + real + b":") + 1
        post.write_bytes(data[:start] + data[data.index(b"\n", start) + 1 :])
    [hit] = [
        p
        for p in json.loads(run("-L", seed_site, "validate", "-F", "json").stdout)
        if p["rule"] == "FC208"
    ]
    assert hit["fix"] == ("unsafe" if fixable else None)


def test_several_fixes_in_one_post_each_after_the_other(run, tmp_path):
    """`her.md` with `date: 2013/12/18` and a PNG-declared JPEG: the date is fixed first,
    which gives the new name its date; the MIME type too; one write, one rename."""
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC104", site)
    posts = site / "_posts"
    data = (
        (posts / "2013-12-18-her.md")
        .read_bytes()
        .replace(b"\n---\n", b"\ndate: 2013/12/18\n---\n", 1)
    )
    (posts / "2013-12-18-her.md").unlink()
    (posts / "her.md").write_bytes(data)
    result = run("-L", site, "validate", "--fix")  # safe fixes: date and MIME, no rename
    assert "fixed 2, 1 left (1 fixable with --unsafe-fixes)" in result.stderr
    result = run("-L", site, "validate", "--fix", "--unsafe-fixes")
    assert result.exit_code == 0 and "fixed 1, 0 left" in result.stderr
    assert [p.name for p in posts.iterdir()] == ["2013-12-18-her.md"]
    after = (posts / "2013-12-18-her.md").read_bytes()
    assert after == data.replace(b"date: 2013/12/18", b"date: 2013-12-18").replace(
        b"data:image/png;", b"data:image/jpeg;"
    )


def test_a_fix_that_needs_another_first_comes_in_the_same_run(run, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(RULES_DIR / "FC201-date", site)
    post = site / "_posts" / "her.md"
    data = post.read_bytes().replace(b"date: 2013-12-18", b"date: 2013/12/18")
    post.write_bytes(data)
    [fc201] = [
        p
        for p in json.loads(run("-L", site, "validate", "-F", "json").stdout)
        if p["rule"] == "FC201"
    ]
    assert fc201["fix"] is None  # no readable date yet
    result = run("-L", site, "validate", "--fix", "--unsafe-fixes")
    assert result.exit_code == 0 and "fixed 2, 0 left" in result.stderr, result.stderr
    assert (site / "_posts" / "2013-12-18-her.md").read_bytes() == data.replace(
        b"date: 2013/12/18", b"date: 2013-12-18"
    )
