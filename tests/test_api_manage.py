"""The management and lookup commands scripted through the public API only (`import filmcli`),
each result checked against what the CLI prints for the same library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from lookup_server import FakeProviders
from test_lookup import point_at, write_post

import filmcli
from filmcli import Change, Edit, Filled, InitReport, Library, Removal, Tally, init_site

HER = Path("_posts/2013-12-18-her.md")


def test_every_name_is_exported():
    for name in (
        "Change",
        "Chosen",
        "Edit",
        "Filled",
        "InitReport",
        "Move",
        "Removal",
        "Tally",
        "Candidate",
        "Candidates",
        "Problem",
        "init_site",
    ):
        assert name in filmcli.__all__, name
        assert getattr(filmcli, name) is not None


def test_choose_and_set_dry_run_match_the_cli(site, run):
    lib = Library(site)
    chosen = lib.choose(where=["year >= 2019"])
    assert not chosen.unreadable
    changes = lib.set(chosen.posts, {"rating": 5}, dry_run=True)
    assert all(isinstance(c, Change) for c in changes)
    tally = Tally.of(changes)
    result = run("-L", site, "set", "--where", "year >= 2019", "rating=5", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert f"dry run: {tally.changing} of {tally.films} films would change" in result.stderr
    for change in changes:
        for field in change.fields:
            assert f"{change.label}: {field.describe()}" in result.stderr
    assert tally.written == 0 and tally.failed == 0


def test_choose_wants_one_way_of_naming_films(site):
    lib = Library(site)
    with pytest.raises(filmcli.UsageError):
        lib.choose()
    with pytest.raises(filmcli.UsageError):
        lib.choose(["her"], search="her")
    assert [p.title for p in lib.choose(["her"]).posts] == ["Her"]
    assert len(lib.choose(["her", "vertigo"], many=True).posts) == 2


def test_set_tally_matches_the_cli_summary(site, run):
    lib = Library(site)
    posts = lib.choose(search="casablanca").posts + [lib.select("her")]
    tally = Tally.of(lib.set(posts, {"seen": True}))
    assert (tally.films, tally.written, tally.failed) == (2, 2, 0)
    again = run("-L", site, "set", "--search", "vertigo", "seen=true", "--yes")
    assert again.exit_code == 0
    assert b"seen: true" in (site / "_posts/2019-10-31-vertigo.md").read_bytes()


def test_remove_dry_run_matches_the_cli(site, run):
    lib = Library(site)
    [removal] = lib.remove("her", dry_run=True)
    assert isinstance(removal, Removal) and not removal.removed
    result = run("-L", site, "rm", "her", "--dry-run")
    assert f"would remove {removal.label}: {HER}" in result.stderr
    assert Tally.of([removal]).changing == 1
    [done] = lib.remove("her")
    assert done.removed and not (site / HER).exists()
    assert Tally.of([done]).written == 1


def test_edit_through_a_callback_writes_what_the_editor_would(site, run, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    import shutil

    shutil.copytree(site, other / "site")
    lib = Library(site)
    seen = []

    def edit(text: str) -> str:
        seen.append(text)
        return text.replace("Spike", "S.")

    change = lib.edit("her", edit=edit)
    assert isinstance(change, Edit) and change.written and not change.aborted
    assert "poster: <kept: JPEG 259×194 7.4 kB>\n" in seen[0]
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nt = open(p, newline='').read()\n"
        "open(p, 'w', newline='').write(t.replace('Spike', 'S.'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("-L", other / "site", "edit", "her")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{HER}\n"
    assert (other / "site" / HER).read_bytes() == (site / HER).read_bytes() == change.after


def test_edit_unchanged_and_edit_with_errors(site):
    lib = Library(site)
    before = (site / HER).read_bytes()
    same = lib.edit("her", edit=lambda text: text)
    assert not same.written and not same.aborted and same.after == before
    assert lib.edit("her", edit=lambda text: None).written is False
    broken = lib.edit("her", edit=lambda text: text.replace("year: 2013", "year: [2013"))
    assert broken.aborted and not broken.written
    assert [p.rule for p in broken.problems] == ["FC003"]
    assert all(isinstance(p, filmcli.Problem) for p in broken.problems)
    assert b"year: [2013" in broken.after and (site / HER).read_bytes() == before
    answers = iter("es")
    texts = iter(["year: [2013", "year: [2013"])
    saved = lib.edit(
        "her",
        edit=lambda text: text.replace("year: 2013", next(texts)),
        on_errors=lambda edit: next(answers),
    )
    assert saved.written and b"year: [2013" in (site / HER).read_bytes()


@pytest.fixture
def fake():
    server = FakeProviders().start()
    yield server
    server.stop()


def test_lookup_matches_the_cli_json(run, library, fake):
    point_at(fake.url)
    lib = Library(library)
    found = lib.lookup("Her", year=2013, provider="tmdb")
    assert found.provider == "tmdb"
    assert all(isinstance(c, filmcli.Candidate) for c in found)
    cli = run("-L", library, "lookup", "Her", "--year", "2013", "--provider", "tmdb", "-F", "json")
    assert cli.exit_code == 0, cli.stderr
    assert [c.as_dict() for c in found] == json.loads(cli.stdout)
    offline = lib.lookup("Her", year=2013, provider="tmdb", offline=True)
    assert [c.id for c in offline] == [c.id for c in found]


def test_fill_through_the_api_matches_the_cli(run, library, fake):
    point_at(fake.url)
    write_post(library, "2014-01-02-her.md", ["layout: post", "title: Her", "year: 2013"])
    lib = Library(library)
    planned = lib.fill("her", only="director", dry_run=True)
    assert all(isinstance(item, Filled) for item in planned)
    [item] = planned
    cli = run("-L", library, "fill", "her", "--only", "director", "--dry-run")
    assert cli.exit_code == 0, cli.stderr
    for field in item.change.fields:
        assert f"{item.label}: {field.describe()}" in cli.stderr
    tally = Tally.of(planned)
    assert f"dry run: {tally.changing} of {tally.films} films would change" in cli.stderr
    [done] = lib.fill("her", only="director")
    assert done.change.written and Tally.of([done]).written == 1


def test_init_site_matches_the_cli(tmp_path, run):
    report = init_site(tmp_path / "a", title="Mine")
    assert isinstance(report, InitReport) and not report.kept
    cli = run("init", tmp_path / "b", "--title", "Mine")
    assert cli.exit_code == 0
    assert cli.stdout == f"{tmp_path / 'b'}\n"
    assert [p.relative_to(report.root) for p in report.created] == [
        Path(line.removeprefix("created ")).relative_to(tmp_path / "b")
        for line in cli.stderr.splitlines()
    ]
    assert Library(report.root).choose(search="x").posts == []
