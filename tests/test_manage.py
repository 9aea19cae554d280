"""`set` and `rm`, and the film selector they share with show and parse (issue: manage films).

After each change a byte diff shows that only the lines that had to change changed, and
the post reads back with exactly the values set.
"""

from __future__ import annotations

import difflib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLE_SITE, SEED, run_process
from filmcli import Library
from filmcli.model.post import Post
from filmcli.store.editing import splice

HER = "_posts/2013-12-18-her.md"


def changed_lines(old: bytes, new: bytes) -> list[str]:
    a, b = old.split(b"\n"), new.split(b"\n")
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out += [f"-{x[:60]!r}" for x in a[i1:i2]] + [f"+{x[:60]!r}" for x in b[j1:j2]]
    return out


# --- the editing core: only the lines of the changed keys change -----------------------------

SEED_BYTES = SEED.read_bytes()
POSTER_LINE = next(line for line in SEED_BYTES.split(b"\n") if line.startswith(b"poster:"))
TRICKY = {
    "crlf+bom": b"\xef\xbb\xbf---\r\nlayout: post\r\ntitle: 'Alien: Romulus'  # quoted\r\n"
    b"director: Fede Alvarez\r\nyear: 2024\r\n" + POSTER_LINE + b"\r\n---\r\n\r\n"
    b"Body.\r\n",
    "comments+blank": b'---\n# a comment\nlayout: post\n\ntitle: "Yes"\n# between\n'
    b"director: Sally Potter\nyear: 2004\ntags:\n  - drama\n  # inside\n"
    b"  - romance\n" + POSTER_LINE + b"\n---\nReview.\n",
    "folded poster": b'---\ntitle: "1917"\ndirector: Sam Mendes\nyear: 2019\nposter: >\n  '
    + POSTER_LINE[8:200]
    + b"\n  "
    + POSTER_LINE[200:]
    + b"\n---\n\nText\n",
    "null+unicode": '---\ntitle: "null"\ndirector: 黒澤明\nyear: 1954\n---\n# 七人\n'.encode(),
    "no final newline": b'---\ntitle: "#1"\nyear: 2000\n---',
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_splice_changes_only_the_lines_of_the_keys(name):
    raw = TRICKY[name]
    old = Post.from_bytes(raw)
    new = splice(raw, {"director": "S. Jonze", "rating": 4.5}, ["year"])
    back = Post.from_bytes(new)
    want = {k: v for k, v in old.metadata().items() if k != "year"}
    want.update(director="S. Jonze", rating=4.5)
    assert back.metadata() == want and back.body == old.body
    diff = changed_lines(raw, new)
    assert len([d for d in diff if d.startswith("-")]) == (
        2 if "director" in old.metadata() else 1
    ), diff
    assert sum(d.startswith("+") for d in diff) == 2, diff
    assert raw.startswith(b"\xef\xbb\xbf") == new.startswith(b"\xef\xbb\xbf")
    if b"\r\n" in raw:
        assert new.count(b"\r\n") == new.count(b"\n")  # CRLF stays CRLF, new lines too


@pytest.mark.parametrize(
    "title",
    [
        "Alien: Romulus",
        "Yes",
        "null",
        "1917",
        "#1",
        "七人の侍",
        "- dash",
        "a\nnewline",
        "'quoted'",
        "tab\there",
    ],
)
def test_tricky_titles_read_back_exactly(title):
    new = splice(SEED_BYTES, {"title": title})
    assert Post.from_bytes(new).title == title
    assert len(changed_lines(SEED_BYTES, new)) == 2


def test_a_folded_poster_is_replaced_whole():
    raw = TRICKY["folded poster"]
    new = splice(raw, {"poster": "/assets/posters/1917.jpg"})
    assert Post.from_bytes(new).front_matter["poster"].value == "/assets/posters/1917.jpg"
    assert POSTER_LINE[200:] not in new
    assert new.endswith(b"---\n\nText\n")


# --- filmcli set -----------------------------------------------------------------------------


def test_set_changes_one_line_and_parse_gives_the_values_back(site, run):
    before = (site / HER).read_bytes()
    result = run(
        "-L",
        site,
        "set",
        "her",
        "director=S. Jonze",
        "year=2014",
        "rating=4.5",
        "tags=[drama, romance]",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{HER}\n"
    assert "Her (2013): director 'Spike Jonze' -> 'S. Jonze'" in result.stderr
    after = (site / HER).read_bytes()
    assert len(changed_lines(before, after)) == 2 + 2 + 2  # director, year; two new keys
    parsed = run("-L", site, "parse", "her", "-F", "json")
    import json

    record = json.loads(parsed.stdout)
    assert (record["director"], record["year"], record["rating"], record["tags"]) == (
        "S. Jonze",
        2014,
        4.5,
        ["drama", "romance"],
    )


def test_set_removes_a_key_and_says_unchanged_when_nothing_changes(site, run):
    assert run("-L", site, "set", "her", "layout!").exit_code == 0
    assert b"layout:" not in (site / HER).read_bytes()
    again = run("-L", site, "set", "her", "director=Spike Jonze")
    assert again.exit_code == 0 and "unchanged" in again.stderr and again.stdout == ""


def test_set_poster_from_a_file_goes_through_the_new_pipeline(site, run, tmp_path):
    from PIL import Image

    big = tmp_path / "big.png"
    Image.new("RGB", (1200, 1800), (200, 30, 30)).save(big)
    result = run("-L", site, "set", "her", f"poster=@{big}")
    assert result.exit_code == 0, result.stderr
    poster = Library(site).read(site / HER).poster
    assert poster.width == 400 and poster.format == "PNG"  # shrunk to poster.max_width
    assert "base64" not in result.stderr  # never shown


@pytest.mark.parametrize(
    "args, message",
    [
        (["year=abc"], "not a whole number"),
        (["year=1200"], "outside"),
        (["title="], "not empty"),
        (["=x"], "not a front-matter key"),
        (["poster=@/no/such.jpg"], "no such image file"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(site, run, args, message):
    before = (site / HER).read_bytes()
    result = run("-L", site, "set", "her", *args)
    assert result.exit_code in (1, 2) and message in result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert (site / HER).read_bytes() == before


def test_set_many_needs_yes_without_a_terminal_and_dry_run_writes_nothing(site, run):
    snapshot = {p: p.read_bytes() for p in (site / "_posts").iterdir()}
    refused = run("-L", site, "set", "--where", "year<1960", "tags=[classic]")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    dry = run("-L", site, "set", "--where", "year<1960", "tags=[classic]", "--dry-run")
    assert dry.exit_code == 0 and '+tags: ["classic"]' in dry.stdout
    assert "(11" in dry.stdout or "characters)" in dry.stdout  # the poster line cut short
    assert {p: p.read_bytes() for p in (site / "_posts").iterdir()} == snapshot
    done = run("-L", site, "set", "--where", "year<1960", "tags=[classic]", "--yes")
    assert done.exit_code == 0, done.stderr
    old = [p for p in snapshot if Post.from_bytes(snapshot[p]).year < 1960]
    assert len(done.stdout.splitlines()) == len(old) > 1
    for path in old:
        assert changed_lines(snapshot[path], path.read_bytes()) == ["+b'tags: [\"classic\"]'"]


def test_a_title_change_says_the_slug_no_longer_matches(site, run):
    result = run("-L", site, "set", "her", "title=Hers")
    assert result.exit_code == 0 and "rename" in result.stderr
    assert (site / HER).exists()


def test_a_post_changed_after_it_was_read_is_never_overwritten(site):
    library = Library(site)
    planned = library.set("her", {"director": "S. Jonze"}, dry_run=True)
    edited = (site / HER).read_bytes().replace(b"A quiet film", b"An edited film")
    time.sleep(0.01)
    (site / HER).write_bytes(edited)
    from filmcli.ops.manage import apply

    apply(library, planned)
    assert planned[0].error is not None and "changed while it was read" in planned[0].error.message
    assert (site / HER).read_bytes() == edited


def test_library_set_and_remove_return_what_changed(site):
    library = Library(site)
    [change] = library.set("casablanca 1942", {"director": "M. Curtiz"})
    assert change.written and [f.describe() for f in change.fields] == [
        "director 'Michael Curtiz' -> 'M. Curtiz'"
    ]
    assert library.read(change.path).director == "M. Curtiz"
    [removal] = library.remove("vertigo")
    assert removal.removed and not removal.path.exists()


# --- the selector ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, slug",
    [
        (["her"], "her"),
        (["casablanca", "1942"], "casablanca"),
        (["1917"], "1917"),
        (["kane", "citizen"], "citizen-kane"),
        (["leon"], "leon-the-professional"),
        (["2013-12-18-her"], "her"),
        ([HER], "her"),
        (["null"], "null"),
    ],
)
def test_one_selector_names_a_film(site, words, slug):
    assert Library(site).select(words).slug == slug


def test_no_match_exits_1_and_several_list_the_candidates_with_exit_2(site, run):
    for command in (["show"], ["parse"], ["set"], ["rm"]):
        tail = ["year=2000"] if command == ["set"] else []
        none = run("-L", site, *command, "nothing like it", *tail)
        assert none.exit_code == 1 and "no film matches" in none.stderr, command
        many = run("-L", site, *command, "a", *tail)
        assert many.exit_code == 2, (command, many.stderr)
        assert "matches" in many.stderr and "alien-romulus" in many.stderr
        assert "_posts/2015-02-14-amelie.md" in many.stderr


# --- filmcli rm ------------------------------------------------------------------------------


def extracted_site(site: Path) -> Path:
    """The example site with two posters extracted to files, one of them shared."""
    out = site / "assets" / "posters"
    out.mkdir(parents=True)
    (out / "her.jpg").write_bytes(b"jpeg of her")
    (out / "shared.jpg").write_bytes(b"shared")
    for name, poster in (
        ("2013-12-18-her.md", "her.jpg"),
        ("2005-07-02-yes.md", "shared.jpg"),
        ("2013-03-01-no.md", "shared.jpg"),
    ):
        path = site / "_posts" / name
        path.write_bytes(splice(path.read_bytes(), {"poster": f"/assets/posters/{poster}"}))
    return out


def test_rm_removes_the_post_and_its_unshared_extracted_poster(site, run):
    posters = extracted_site(site)
    refused = run("-L", site, "rm", "her")  # no terminal to confirm on: --yes, even for one
    assert refused.exit_code == 2 and "--yes" in refused.stderr and (site / HER).exists()
    result = run("-L", site, "rm", "her", "--yes")
    assert result.exit_code == 0, result.stderr
    assert not (site / HER).exists() and not (posters / "her.jpg").exists()
    shared = run("-L", site, "rm", "yes", "-y")
    assert shared.exit_code == 0 and (posters / "shared.jpg").exists()  # "no" still uses it
    kept = run("-L", site, "rm", "no", "--keep-poster", "--yes")
    assert kept.exit_code == 0 and (posters / "shared.jpg").exists()


def test_rm_many_needs_yes_and_dry_run_removes_nothing(site, run):
    before = sorted(os.listdir(site / "_posts"))
    assert run("-L", site, "rm", "--where", "year<1960").exit_code == 2
    dry = run("-L", site, "rm", "--where", "year<1960", "-n")
    assert dry.exit_code == 0 and "would remove" in dry.stderr
    assert sorted(os.listdir(site / "_posts")) == before
    done = run("-L", site, "rm", "--where", "year<1960", "--yes")
    assert done.exit_code == 0
    assert len(os.listdir(site / "_posts")) == len(before) - len(done.stdout.splitlines())


def test_rm_never_removes_outside_the_posts_folders(site, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_bytes(SEED_BYTES)
    [removal] = Library(site).remove(Library(site).read(outside))
    assert removal.error is not None and outside.exists()


# --- SIGKILL during a bulk set: every post is its old or its new version ---------------------


def test_sigkill_during_bulk_set_leaves_every_post_old_or_new(tmp_path):
    lib = tmp_path / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: t\n")
    old = {}
    for i in range(300):
        path = lib / "_posts" / f"2020-01-01-film-{i:03}.md"
        path.write_bytes(SEED_BYTES.replace(b'"Her"', f'"Film {i}"'.encode()))
        old[path.name] = path.read_bytes()
    new = {name: splice(data, {"rating": 5}) for name, data in old.items()}
    rng = random.Random(7)
    env = dict(os.environ, NO_COLOR="1")
    for _ in range(int(os.environ.get("FILMCLI_RACE_ROUNDS", "3"))):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "filmcli",
                "-L",
                str(lib),
                "set",
                "--where",
                "year=2013",
                "rating=5",
                "--yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        names = sorted(p.name for p in (lib / "_posts").iterdir() if p.suffix == ".md")
        assert names == sorted(old)  # none lost, none doubled
        for name in names:
            assert (lib / "_posts" / name).read_bytes() in (old[name], new[name]), name
        for name, data in old.items():
            (lib / "_posts" / name).write_bytes(data)
    stray = [
        p.name
        for p in (lib / "_posts").iterdir()
        if p.suffix != ".md" and p.name != ".filmcli.lock"
    ]
    assert all(name.endswith(".tmp") for name in stray)  # SIGKILL may leave a temp file only


def test_set_and_rm_on_the_real_cli_process(site):
    result = run_process("-L", site, "set", "her", "director=X", env=dict(os.environ, NO_COLOR="1"))
    assert result.returncode == 0 and result.stdout == f"{HER}\n".encode()
    assert EXAMPLE_SITE.exists()


# --- drafts: new --draft, publish, unpublish, --drafts ---------------------------------------

NEW_DRAFT = ("new", "--draft", "-t", "Past Lives", "-d", "Celine Song", "--year", "2023", "-p")


def test_new_draft_publish_unpublish_round_trip(site, run):
    poster = EXAMPLE_SITE.parent / "her.jpg"
    made = run("-L", site, *NEW_DRAFT, poster)
    assert made.exit_code == 0, made.stderr
    assert made.stdout.strip().endswith("_drafts/past-lives.md")
    draft = site / "_drafts" / "past-lives.md"
    data = draft.read_bytes()
    listed = run("-L", site, "list", "--drafts", "-F", "json")
    import json

    rows = {r["slug"]: r for r in json.loads(listed.stdout)}
    assert rows["past-lives"]["draft"] is True and rows["her"]["draft"] is False
    assert "past-lives" not in run("-L", site, "list").stdout
    checked = run("-L", site, "validate", site / "_drafts")
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    published = run("-L", site, "publish", "past", "lives", "--date", "2024-01-05")
    assert published.exit_code == 0, published.stderr
    post = site / "_posts" / "2024-01-05-past-lives.md"
    assert post.read_bytes() == data and not draft.exists()  # no date: key, bytes unchanged
    back = run("-L", site, "unpublish", "past-lives")
    assert back.exit_code == 0 and draft.read_bytes() == data and not post.exists()
    assert run("-L", site, "unpublish", "past-lives").exit_code == 2  # already a draft
    assert run("-L", site, "publish", "her").exit_code == 2  # not a draft


def test_publish_sets_date_only_when_the_draft_has_one(site, run):
    drafts = site / "_drafts"
    drafts.mkdir()
    (drafts / "dated.md").write_bytes(
        b"---\ntitle: Dated\ndate: 2020-01-01 10:00\nyear: 2020\n---\nx\n"
    )
    assert run("-L", site, "publish", "dated", "--date", "2024-02-29").exit_code == 0
    out = (site / "_posts" / "2024-02-29-dated.md").read_bytes()
    assert out == b"---\ntitle: Dated\ndate: 2024-02-29\nyear: 2020\n---\nx\n"


def test_publish_never_overwrites_a_post(site, run):
    (site / "_drafts").mkdir()
    (site / "_drafts" / "her.md").write_bytes(b"---\ntitle: Her draft\n---\n")
    before = (site / HER).read_bytes()
    result = run("-L", site, "publish", "_drafts/her.md", "--date", "2013-12-18")
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert (site / HER).read_bytes() == before and (site / "_drafts" / "her.md").exists()


def jekyll_or_skip():
    import shutil

    if shutil.which("jekyll") is None:
        pytest.skip("jekyll is not installed (apt install jekyll ruby-jekyll-compose)")


def test_drafts_match_jekyll_compose_and_build_with_drafts(tmp_path, run):
    """The names jekyll-compose gives (draft, publish, unpublish) are filmcli's too, for the
    titles where the two agree on slugs (filmcli folds accents to ASCII; compose keeps them)."""
    jekyll_or_skip()
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for root in (ours, theirs):
        root.mkdir()
        (root / "_config.yml").write_text("title: t\n")
    (ours / "filmcli.toml").write_text('[validate]\nrequired = ["title"]\n')
    title = "Past Lives: Again"
    jk = {"cwd": theirs, "capture_output": True, "timeout": 120}
    assert subprocess.run(["jekyll", "draft", title], **jk).returncode == 0
    assert run("-L", ours, "new", "--draft", "-t", title).exit_code == 0
    assert os.listdir(ours / "_drafts") == os.listdir(theirs / "_drafts") == ["past-lives-again.md"]
    assert (
        subprocess.run(
            ["jekyll", "publish", "_drafts/past-lives-again.md", "--date", "2024-01-05"], **jk
        ).returncode
        == 0
    )
    assert run("-L", ours, "publish", "past-lives-again", "--date", "2024-01-05").exit_code == 0
    assert os.listdir(ours / "_posts") == os.listdir(theirs / "_posts")
    assert (
        subprocess.run(
            ["jekyll", "unpublish", "_posts/2024-01-05-past-lives-again.md"], **jk
        ).returncode
        == 0
    )
    assert run("-L", ours, "unpublish", "past-lives-again").exit_code == 0
    assert os.listdir(ours / "_drafts") == os.listdir(theirs / "_drafts")
    # Jekyll builds our draft with --drafts, and not without.
    (ours / "_layouts").mkdir()
    (ours / "_layouts" / "post.html").write_text("<h1>{{ page.title }}</h1>{{ content }}")
    for flag, present in ((["--drafts"], True), ([], False)):
        dest = tmp_path / f"site{len(flag)}"
        built = subprocess.run(
            ["jekyll", "build", "-s", ours, "-d", dest, *flag], capture_output=True, timeout=120
        )
        assert built.returncode == 0, built.stderr
        pages = [p for p in dest.rglob("*.html") if "past-lives-again" in str(p)]
        assert bool(pages) == present


# --- edit ------------------------------------------------------------------------------------


def editor(tmp_path: Path, code: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\npath = sys.argv[1]\ntext = open(path, newline='').read()\n" + code
    )
    return f"{sys.executable} {script}"


def edit_env(monkeypatch, command: str) -> None:
    monkeypatch.setenv("EDITOR", command)
    monkeypatch.delenv("VISUAL", raising=False)


def test_edit_shows_a_placeholder_and_keeps_the_poster_bytes(site, run, tmp_path, monkeypatch):
    before = (site / HER).read_bytes()
    seen = tmp_path / "seen.md"
    edit_env(
        monkeypatch,
        editor(
            tmp_path,
            f"open({str(seen)!r}, 'w').write(text)\n"
            "open(path, 'w', newline='').write(text.replace('Spike', 'S.'))"
            "\n",
        ),
    )
    result = run("-L", site, "edit", "her")
    assert result.exit_code == 0, result.stderr
    assert "poster: <kept: JPEG 259×194 7.4 kB>\n" in seen.read_text()
    assert "base64" not in seen.read_text()
    assert changed_lines(before, (site / HER).read_bytes()) == [
        "-b'director: \"Spike Jonze\"'",
        "+b'director: \"S. Jonze\"'",
    ]


def test_edit_unchanged_or_failed_editor_writes_nothing(site, run, tmp_path, monkeypatch):
    before = (site / HER).read_bytes()
    edit_env(monkeypatch, editor(tmp_path, "pass\n"))
    same = run("-L", site, "edit", "her")
    assert same.exit_code == 0 and "nothing written" in same.stderr
    edit_env(monkeypatch, editor(tmp_path, "open(path, 'w').write('x')\nsys.exit(3)\n"))
    failed = run("-L", site, "edit", "her")
    assert failed.exit_code == 1 and "status 3" in failed.stderr
    assert "nothing written" in failed.stderr
    assert (site / HER).read_bytes() == before


def test_edit_with_errors_and_no_terminal_aborts(site, run, tmp_path, monkeypatch):
    before = (site / HER).read_bytes()
    edit_env(
        monkeypatch,
        editor(tmp_path, "open(path, 'w').write(text.replace('year: 2013', 'year: [2013'))\n"),
    )
    result = run("-L", site, "edit", "her")
    assert result.exit_code == 1 and "FC003" in result.stderr and "aborted" in result.stderr
    assert (site / HER).read_bytes() == before


def test_edit_never_overwrites_a_post_changed_while_the_editor_was_open(
    site, run, tmp_path, monkeypatch
):
    post = site / HER
    edit_env(
        monkeypatch,
        editor(
            tmp_path,
            f"p = {str(post)!r}\n"
            "open(p, 'ab').write(b'Someone else.\\n')\n"
            "open(path, 'w').write(text.replace('Spike', 'S.'))\n",
        ),
    )
    result = run("-L", site, "edit", "her")
    assert result.exit_code == 1 and "changed while it was read" in result.stderr
    assert post.read_bytes().endswith(b"Someone else.\n")
    kept = result.stderr.split("kept in ")[1].split()[0]
    assert b'director: "S. Jonze"' in Path(kept).read_bytes()
    Path(kept).unlink()


def test_new_edit_aborts_on_an_empty_review_and_strips_the_guide(site, run, tmp_path, monkeypatch):
    poster = EXAMPLE_SITE.parent / "her.jpg"
    args = (
        "-L",
        site,
        "new",
        "-t",
        "Past Lives",
        "-d",
        "C. Song",
        "--year",
        "2023",
        "-p",
        poster,
        "--edit",
    )
    edit_env(monkeypatch, editor(tmp_path, "pass\n"))
    unsaved = run(*args)
    assert unsaved.exit_code == 1 and "nothing written" in unsaved.stderr
    edit_env(monkeypatch, editor(tmp_path, "open(path, 'w').write(text + '  \\n')\n"))
    empty = run(*args)
    assert empty.exit_code == 1 and not list((site / "_posts").glob("*past-lives*"))
    edit_env(
        monkeypatch,
        editor(
            tmp_path,
            "assert 'Past Lives' in text.splitlines()[0]\n"
            "open(path, 'w').write(text + 'Loved it.\\n')\n",
        ),
    )
    done = run(*args)
    assert done.exit_code == 0, done.stderr
    [made] = (site / "_posts").glob("*past-lives*")
    assert Post.read(made).body == "Loved it.\n"


# --- init ------------------------------------------------------------------------------------


def test_init_makes_a_library_jekyll_builds_and_keeps_what_is_there(tmp_path, run):
    blog = tmp_path / "blog"
    made = run("init", blog, "--title", 'My "Films"')
    assert made.exit_code == 0, made.stderr
    for name in ("_config.yml", "_posts", "_layouts/post.html", "filmcli.toml", "index.html"):
        assert (blog / name).exists(), name
    # every setting is there, commented: uncommented, it is exactly the defaults
    import tomllib

    from filmcli.store.config import DEFAULTS

    text = (blog / "filmcli.toml").read_text()
    uncommented = "\n".join(
        line[2:]
        if line.startswith("# ") and not line.startswith(("# filmcli", "# remove"))
        else line
        for line in text.splitlines()
    )
    assert tomllib.loads(uncommented) == DEFAULTS
    assert Library(blog).config["poster"]["max_width"] == 400
    poster = EXAMPLE_SITE.parent / "her.jpg"
    assert (
        run(
            "-L",
            blog,
            "new",
            "-t",
            "Her",
            "-d",
            "Spike Jonze",
            "--year",
            "2013",
            "-p",
            poster,
            "--date",
            "2013-12-18",
            "-b",
            "Quiet.\n",
        ).exit_code
        == 0
    )
    (blog / "_config.yml").write_text("title: mine\n")
    again = run("init", blog)
    assert again.exit_code == 0 and "kept" in again.stderr
    assert (blog / "_config.yml").read_text() == "title: mine\n"
    jekyll_or_skip()
    dest = tmp_path / "out"
    built = subprocess.run(
        ["jekyll", "build", "-s", blog, "-d", dest], capture_output=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    page = (dest / "2013" / "12" / "18" / "her.html").read_text()
    assert "Spike Jonze" in page and "2013" in page and "data:image/jpeg;base64," in page
    assert "Quiet." in page


def test_new_inside_the_drafts_or_posts_folder_uses_the_site_above(tmp_path):
    blog = tmp_path / "blog"
    assert run_process("init", blog).returncode == 0
    (blog / "_drafts").mkdir()
    env = dict(os.environ, NO_COLOR="1")
    env.pop("FILMCLI_LIBRARY", None)
    for folder in ("_posts", "_drafts"):
        result = run_process(
            "new",
            "-t",
            f"Film {folder}",
            "-d",
            "X",
            "--year",
            "2000",
            "-b",
            "x",
            "-p",
            EXAMPLE_SITE.parent / "her.jpg",
            "--draft",
            cwd=blog / folder,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert (blog / "_drafts" / f"film{folder.replace('_', '-')}.md").exists()
    assert not (blog / "_posts" / "_drafts").exists()
    assert not (blog / "_drafts" / "_drafts").exists()


# --- rename ----------------------------------------------------------------------------------


def test_rename_changes_the_name_the_title_and_says_the_urls(site, run):
    before = (site / HER).read_bytes()
    result = run("-L", site, "rename", "her", "--title", "Hers")
    assert result.exit_code == 0, result.stderr
    new = site / "_posts" / "2013-12-18-hers.md"
    assert not (site / HER).exists() and result.stdout == "_posts/2013-12-18-hers.md\n"
    assert changed_lines(before, new.read_bytes()) == ["-b'title: \"Her\"'", "+b'title: \"Hers\"'"]
    assert "_posts/2013-12-18-her.md -> _posts/2013-12-18-hers.md" in result.stderr
    assert "/2013/12/18/her.html -> /2013/12/18/hers.html" in result.stderr
    assert "links to the old URL will break" in result.stderr


def test_rename_refuses_to_overwrite_another_post_or_take_its_slug(site, run):
    snapshot = {p.name: p.read_bytes() for p in (site / "_posts").iterdir()}
    taken = run("-L", site, "rename", "her", "--slug", "casablanca")
    assert taken.exit_code == 1 and "already used" in taken.stderr
    same_name = run("-L", site, "rename", "her", "--slug", "yes", "--date", "2005-07-02")
    assert same_name.exit_code == 1
    assert {p.name: p.read_bytes() for p in (site / "_posts").iterdir()} == snapshot
    assert run("-L", site, "rename", "her").exit_code == 2  # nothing to change


def test_rename_moves_the_extracted_poster_and_adds_redirect_from(site, run, tmp_path):
    posters = extracted_site(site)
    config = site / "_config.yml"
    config.write_text(config.read_text() + "plugins:\n  - jekyll-redirect-from\n")
    result = run("-L", site, "rename", "her", "--slug", "her-2013", "--date", "2014-01-01")
    assert result.exit_code == 0, result.stderr
    post = Post.read(site / "_posts" / "2014-01-01-her-2013.md")
    assert post.front_matter["poster"].value == "/assets/posters/her-2013.jpg"
    assert (posters / "her-2013.jpg").read_bytes() == b"jpeg of her"
    assert not (posters / "her.jpg").exists()
    assert post.front_matter["redirect_from"] == ["/2013/12/18/her.html"]
    jekyll_or_skip()
    dest = tmp_path / "built"
    built = subprocess.run(
        ["jekyll", "build", "-s", site, "-d", dest], capture_output=True, timeout=180
    )
    assert built.returncode == 0, built.stderr
    assert (dest / "2014" / "01" / "01" / "her-2013.html").is_file()
    redirect = (dest / "2013" / "12" / "18" / "her.html").read_text()
    assert "/2014/01/01/her-2013.html" in redirect and "refresh" in redirect.lower()


def test_library_rename_returns_the_move(site):
    move = Library(site).rename("casablanca", title="Casablanca!", slug="casablanca-1942")
    assert move.moved and move.new.name == "2019-02-10-casablanca-1942.md"
    assert move.old_url == "/2019/02/10/casablanca.html"
    assert move.new_url == "/2019/02/10/casablanca-1942.html"


def test_sigkill_during_rename_leaves_the_post_under_one_name(tmp_path):
    lib = tmp_path / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: t\n")
    names = [f"2020-01-01-film-{i:02}.md" for i in range(40)]
    for i, name in enumerate(names):
        (lib / "_posts" / name).write_bytes(SEED_BYTES.replace(b'"Her"', f'"Film {i}"'.encode()))
    script = (
        "import sys\nfrom filmcli import Library\nlib = Library(sys.argv[1])\n"
        "for i in range(40):\n    lib.rename(f'film-{i:02}', slug=f'moved-{i:02}')\n"
    )
    rng = random.Random(11)
    for _ in range(int(os.environ.get("FILMCLI_RACE_ROUNDS", "3"))):
        proc = subprocess.Popen([sys.executable, "-c", script, str(lib)])
        time.sleep(rng.uniform(0.3, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        present = {p.name for p in (lib / "_posts").iterdir() if p.suffix == ".md"}
        for i, name in enumerate(names):
            moved = f"2020-01-01-moved-{i:02}.md"
            assert (name in present) != (moved in present), (name, present)  # one, never both
        for i, name in enumerate(names):  # back to the start for the next round
            moved = lib / "_posts" / f"2020-01-01-moved-{i:02}.md"
            if moved.exists():
                moved.rename(lib / "_posts" / name)


def test_a_bulk_change_goes_on_past_a_failed_post(site):
    library = Library(site)
    planned = library.set(library.posts()[:3], {"rating": 3}, dry_run=True)
    victim = planned[1].path
    victim.write_bytes(victim.read_bytes() + b"edited\n")
    from filmcli.ops.manage import apply

    apply(library, planned)
    assert [c.written for c in planned] == [True, False, True]
    assert "changed while it was read" in planned[1].error.message


def test_library_publish_and_unpublish(site):
    import datetime as dt

    (site / "_drafts").mkdir()
    (site / "_drafts" / "soon.md").write_bytes(b"---\ntitle: Soon\n---\n")
    library = Library(site)
    move = library.publish("soon", date=dt.date(2025, 5, 5))
    assert move.new == site / "_posts" / "2025-05-05-soon.md" and move.new.exists()
    back = library.unpublish("soon")
    assert back.new == site / "_drafts" / "soon.md" and back.new.exists()


# --- on a real terminal (tmux): the questions ------------------------------------------------

from terminal import terminal_env  # noqa: E402  (the `terminal` fixture is in conftest)


def test_set_many_asks_on_a_terminal(site, terminal):
    before = {p: p.read_bytes() for p in (site / "_posts").iterdir()}
    terminal.start(["set", "--where", "year<1950", "tags=[classic]"], cwd=site, env=terminal_env())
    terminal.wait_for("change 2 films? [y/N]")
    terminal.type("n")
    shown = terminal.wait_for("EXIT=")
    assert "EXIT=1" in shown and "nothing changed" in shown  # declined: not done, no error
    assert {p: p.read_bytes() for p in (site / "_posts").iterdir()} == before
    terminal.close()
    terminal.start(["set", "--where", "year<1950", "tags=[classic]"], cwd=site, env=terminal_env())
    terminal.wait_for("change 2 films? [y/N]")
    terminal.type("y")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    assert b"tags:" in (site / "_posts" / "2019-02-10-casablanca.md").read_bytes()


def test_rm_asks_even_for_one_film_on_a_terminal(site, terminal):
    terminal.start(["rm", "her"], cwd=site, env=terminal_env())
    shown = terminal.wait_for("remove 1 film? [y/N]")
    assert "remove Her (2013): _posts/2013-12-18-her.md" in shown
    terminal.type("y")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    assert not (site / HER).exists()


def test_edit_with_errors_offers_edit_again_on_a_terminal(site, terminal, tmp_path):
    count = tmp_path / "count"
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys, pathlib\n"
        f"count = pathlib.Path({str(count)!r})\n"
        "n = int(count.read_text()) if count.exists() else 0\n"
        "count.write_text(str(n + 1))\n"
        "p = pathlib.Path(sys.argv[1]); t = p.read_text()\n"
        "t = t.replace('year: 2013', 'year: [2013') if n == 0 else "
        "t.replace('year: [2013', 'year: 2014')\n"
        "p.write_text(t)\n"
    )
    terminal.start(["edit", "her"], cwd=site, env=terminal_env(EDITOR=f"{sys.executable} {script}"))
    shown = terminal.wait_for("(e)dit again, (s)ave anyway or (a)bort?")
    assert "FC003" in shown
    terminal.type("e")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    assert Post.read(site / HER).year == 2014 and count.read_text() == "2"


def test_ctrl_c_at_the_edit_question_keeps_the_edit(site, terminal, tmp_path):
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('year: 2013', 'year: [2013') + 'Typed.\\n')\n"
    )
    before = (site / HER).read_bytes()
    terminal.start(["edit", "her"], cwd=site, env=terminal_env(EDITOR=f"{sys.executable} {script}"))
    terminal.wait_for("(e)dit again, (s)ave anyway or (a)bort?")
    terminal.tmux("send-keys", "C-c")
    shown = terminal.wait_for("EXIT=")
    assert "EXIT=130" in shown and "your edit is kept in " in shown, shown
    kept = Path(shown.split("your edit is kept in ")[1].split()[0])
    assert b"year: [2013" in kept.read_bytes() and b"Typed." in kept.read_bytes()
    assert (site / HER).read_bytes() == before
    kept.unlink()


@pytest.mark.parametrize("round_", range(int(os.environ.get("FILMCLI_RACE_ROUNDS", "2"))))
def test_an_editor_saving_during_a_bulk_set_loses_no_edit(library, tmp_path, round_):
    """A real editor process saves posts (by rename) while a real `set --where` runs."""

    from test_rewrite_races import make_posts, race_an_editor

    posts = make_posts(library, 400)
    race_an_editor(
        posts,
        tmp_path,
        [
            sys.executable,
            "-m",
            "filmcli",
            "--no-cache",
            "-L",
            str(library),
            "set",
            "--where",
            "year=2013",
            "rating=5",
            "--yes",
        ],
    )


# --- what a new user hit (the README walkthrough) --------------------------------------------


def test_a_post_that_cannot_be_read_is_named_by_its_slug_and_edit_repairs_it(
    site, run, tmp_path, monkeypatch
):
    post = site / "_posts" / "2019-02-10-casablanca.md"
    post.write_bytes(post.read_bytes().replace(b"year: 1942", b"year: [1942"))
    shown = run("-L", site, "show", "casablanca")
    assert shown.exit_code == 1 and "YAML syntax error" in shown.stderr
    assert "no film matches" not in shown.stderr and "filmcli edit" in shown.stderr
    edit_env(
        monkeypatch,
        editor(
            tmp_path,
            "open(path, 'w', newline='').write(text.replace('year: [1942', 'year: 1942'))\n",
        ),
    )
    fixed = run("-L", site, "edit", "2019-02-10-casablanca")
    assert fixed.exit_code == 0, fixed.stderr
    assert Post.read(post).year == 1942


def test_a_retyped_poster_placeholder_keeps_the_poster(site, run, tmp_path, monkeypatch):
    before = (site / HER).read_bytes()
    edit_env(
        monkeypatch,
        editor(
            tmp_path,
            "import re\nopen(path, 'w', newline='').write("
            "re.sub(r'poster: <kept[^>]*>', 'poster: <kept: JPEG>', text)"
            ".replace('Spike', 'S.'))\n",
        ),
    )
    result = run("-L", site, "edit", "her")
    assert result.exit_code == 0, result.stderr
    assert (site / HER).read_bytes() == before.replace(b"Spike", b"S.")


def test_rm_takes_several_films(site, run):
    result = run("-L", site, "rm", "yes", "no", "--yes")
    assert result.exit_code == 0, result.stderr
    assert not (site / "_posts" / "2005-07-02-yes.md").exists()
    assert not (site / "_posts" / "2013-03-01-no.md").exists()
    both = run("-L", site, "rm", "_posts/2013-12-18-her.md", "casablanca", "-n")
    assert both.exit_code == 0 and both.stderr.count("would remove") == 2


def test_set_poster_text_must_name_a_site_file_and_a_url_warns(site, run):
    before = (site / HER).read_bytes()
    missing = run("-L", site, "set", "her", "poster=../elsewhere/her.jpg")
    assert missing.exit_code == 2 and "names no image file" in missing.stderr
    assert (site / HER).read_bytes() == before
    url = run("-L", site, "set", "her", "poster=https://example.com/her.jpg")
    assert url.exit_code == 0 and "URL on another site" in url.stderr
    required = run("-L", site, "set", "casablanca", "title!")
    assert required.exit_code == 0 and "title is required" in required.stderr


def test_an_ambiguous_name_lists_at_most_twenty_films(tmp_path, run):
    lib = tmp_path / "many"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: t\n")
    for i in range(30):
        (lib / "_posts" / f"2020-01-01-the-film-{i:02}.md").write_bytes(
            SEED_BYTES.replace(b'"Her"', f'"The Film {i}"'.encode())
        )
    result = run("-L", lib, "show", "the film")
    assert result.exit_code == 2 and "... and 10 more" in result.stderr
    assert result.stderr.count("_posts/2020-01-01-the-film-") == 20
