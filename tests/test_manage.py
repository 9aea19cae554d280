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
from filmcli.editing import splice
from filmcli.post import Post

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
    "comments+blank": b"---\n# a comment\nlayout: post\n\ntitle: \"Yes\"\n# between\n"
                      b"director: Sally Potter\nyear: 2004\ntags:\n  - drama\n  # inside\n"
                      b"  - romance\n" + POSTER_LINE + b"\n---\nReview.\n",
    "folded poster": b"---\ntitle: \"1917\"\ndirector: Sam Mendes\nyear: 2019\nposter: >\n  "
                     + POSTER_LINE[8:200] + b"\n  " + POSTER_LINE[200:] + b"\n---\n\nText\n",
    "null+unicode": "---\ntitle: \"null\"\ndirector: 黒澤明\nyear: 1954\n---\n# 七人\n".encode(),
    "no final newline": b"---\ntitle: \"#1\"\nyear: 2000\n---",
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
    assert len([d for d in diff if d.startswith("-")]) == (2 if "director" in old.metadata()
                                                          else 1), diff
    assert sum(d.startswith("+") for d in diff) == 2, diff
    assert raw.startswith(b"\xef\xbb\xbf") == new.startswith(b"\xef\xbb\xbf")
    if b"\r\n" in raw:
        assert new.count(b"\r\n") == new.count(b"\n")  # CRLF stays CRLF, new lines too


@pytest.mark.parametrize("title", ["Alien: Romulus", "Yes", "null", "1917", "#1", "七人の侍",
                                   "- dash", "a\nnewline", "'quoted'", "tab\there"])
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
    result = run("-L", site, "set", "her", "director=S. Jonze", "year=2014", "rating=4.5",
                 "tags=[drama, romance]")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{HER}\n"
    assert "Her (2013): director 'Spike Jonze' -> 'S. Jonze'" in result.stderr
    after = (site / HER).read_bytes()
    assert len(changed_lines(before, after)) == 2 + 2 + 2  # director, year; two new keys
    parsed = run("-L", site, "parse", "her", "-F", "json")
    import json

    record = json.loads(parsed.stdout)
    assert (record["director"], record["year"], record["rating"], record["tags"]) == \
        ("S. Jonze", 2014, 4.5, ["drama", "romance"])


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


@pytest.mark.parametrize("args, message", [
    (["year=abc"], "not a whole number"),
    (["year=1200"], "outside"),
    (["title="], "not empty"),
    (["=x"], "not a front-matter key"),
    (["poster=@/no/such.jpg"], "no such image file"),
])
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
    assert dry.exit_code == 0 and "+tags: [\"classic\"]" in dry.stdout
    assert "(11" in dry.stdout or "characters)" in dry.stdout  # the poster line cut short
    assert {p: p.read_bytes() for p in (site / "_posts").iterdir()} == snapshot
    done = run("-L", site, "set", "--where", "year<1960", "tags=[classic]", "--yes")
    assert done.exit_code == 0, done.stderr
    old = [p for p in snapshot if Post.from_bytes(snapshot[p]).year < 1960]
    assert len(done.stdout.splitlines()) == len(old) > 1
    for path in old:
        assert changed_lines(snapshot[path], path.read_bytes()) == [
            "+b'tags: [\"classic\"]'"]


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
    from filmcli.manage import apply

    apply(library, planned)
    assert planned[0].error is not None and "changed while it was read" in planned[0].error.message
    assert (site / HER).read_bytes() == edited


def test_library_set_and_remove_return_what_changed(site):
    library = Library(site)
    [change] = library.set("casablanca 1942", {"director": "M. Curtiz"})
    assert change.written and [f.describe() for f in change.fields] == [
        "director 'Michael Curtiz' -> 'M. Curtiz'"]
    assert library.read(change.path).director == "M. Curtiz"
    [removal] = library.remove("vertigo")
    assert removal.removed and not removal.path.exists()


# --- the selector ----------------------------------------------------------------------------

@pytest.mark.parametrize("words, slug", [
    (["her"], "her"), (["casablanca", "1942"], "casablanca"), (["1917"], "1917"),
    (["kane", "citizen"], "citizen-kane"), (["leon"], "leon-the-professional"),
    (["2013-12-18-her"], "her"), ([HER], "her"), (["null"], "null"),
])
def test_one_selector_names_a_film(site, words, slug):
    assert Library(site).select(words).slug == slug


def test_no_match_exits_1_and_several_list_the_candidates_with_exit_2(site, run):
    for command in (["show"], ["parse"], ["set"], ["rm"]):
        tail = ["year=2000"] if command == ["set"] else []
        none = run("-L", site, *command, "nothing like it", *tail)
        assert none.exit_code == 1 and "no film matches" in none.stderr, command
        many = run("-L", site, *command, "a", *tail)
        assert many.exit_code == 2, (command, many.stderr)
        assert "matches" in many.stderr and "casablanca" in many.stderr
        assert "_posts/2019-02-10-casablanca.md" in many.stderr


# --- filmcli rm ------------------------------------------------------------------------------

def extracted_site(site: Path) -> Path:
    """The example site with two posters extracted to files, one of them shared."""
    out = site / "assets" / "posters"
    out.mkdir(parents=True)
    (out / "her.jpg").write_bytes(b"jpeg of her")
    (out / "shared.jpg").write_bytes(b"shared")
    for name, poster in (("2013-12-18-her.md", "her.jpg"), ("2005-07-02-yes.md", "shared.jpg"),
                         ("2013-03-01-no.md", "shared.jpg")):
        path = site / "_posts" / name
        path.write_bytes(splice(path.read_bytes(), {"poster": f"/assets/posters/{poster}"}))
    return out


def test_rm_removes_the_post_and_its_unshared_extracted_poster(site, run):
    posters = extracted_site(site)
    result = run("-L", site, "rm", "her")
    assert result.exit_code == 0, result.stderr
    assert not (site / HER).exists() and not (posters / "her.jpg").exists()
    shared = run("-L", site, "rm", "yes")
    assert shared.exit_code == 0 and (posters / "shared.jpg").exists()  # "no" still uses it
    kept = run("-L", site, "rm", "no", "--keep-poster")
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
        proc = subprocess.Popen([sys.executable, "-m", "filmcli", "-L", str(lib), "set",
                                 "--where", "year=2013", "rating=5", "--yes"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        names = sorted(p.name for p in (lib / "_posts").iterdir() if p.suffix == ".md")
        assert names == sorted(old)  # none lost, none doubled
        for name in names:
            assert (lib / "_posts" / name).read_bytes() in (old[name], new[name]), name
        for name, data in old.items():
            (lib / "_posts" / name).write_bytes(data)
    stray = [p.name for p in (lib / "_posts").iterdir() if p.suffix != ".md"
             and p.name != ".filmcli.lock"]
    assert all(name.endswith(".tmp") for name in stray)  # SIGKILL may leave a temp file only


def test_set_and_rm_on_the_real_cli_process(site):
    result = run_process("-L", site, "set", "her", "director=X", env=dict(os.environ,
                                                                          NO_COLOR="1"))
    assert result.returncode == 0 and result.stdout == f"{HER}\n".encode()
    assert EXAMPLE_SITE.exists()
