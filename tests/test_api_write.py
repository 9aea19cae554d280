"""new, add, extract-posters, embed-posters and wall scripted through the public API only
(`import filmcli`), each checked against what the CLI says for the same library."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

import filmcli
from filmcli import (
    AddReport,
    EmbedReport,
    ExtractReport,
    FilmcliError,
    Library,
    NewResult,
    PosterResult,
    WallResult,
)


def test_the_write_results_are_public_names():
    for name in ("NewResult", "AddReport", "ExtractReport", "EmbedReport", "WallResult"):
        assert name in filmcli.__all__
    assert PosterResult.__name__ == "Result"


def png(path, color=(200, 40, 40)):
    Image.new("RGB", (12, 18), color).save(path, "PNG")
    return path


def test_new_writes_the_post_the_cli_writes(site, run, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(site, other)
    poster = png(tmp_path / "p.png")
    lib = Library(site)
    with pytest.raises(FilmcliError, match="missing poster"):
        lib.new("Paterson", director="Jim Jarmusch", year=2016)  # as the CLI, none missing
    made = lib.new(
        "Paterson",
        director="Jim Jarmusch",
        year=2016,
        poster=poster,
        date="2017-01-02",
        body="Poems.\n",
    )
    assert isinstance(made, NewResult) and made.written
    assert made.path == site / "_posts" / "2017-01-02-paterson.md"
    assert made.path.read_bytes() == made.data
    cli = run(
        "-L", other, "new", "-t", "Paterson", "-d", "Jim Jarmusch", "--year", "2016",
        "--date", "2017-01-02", "--body", "Poems.\n", "--poster", poster,
    )  # fmt: skip
    assert cli.exit_code == 0, cli.stderr
    assert (other / "_posts" / made.path.name).read_bytes() == made.data


def test_new_dry_run_returns_what_the_cli_prints(site, run, tmp_path):
    lib = Library(site)
    poster = png(tmp_path / "p.png")
    plan = lib.new(
        "Paterson", director="J. J", year=2016, poster=poster, date="2017-01-02", dry_run=True
    )
    assert not plan.written and not plan.path.exists()
    cli = run(
        "-L", site, "new", "-n", "-t", "Paterson", "-d", "J. J", "--year", "2016",
        "--date", "2017-01-02", "--poster", poster,
    )  # fmt: skip
    assert cli.stdout_bytes == plan.data


def test_new_force_replaces_the_same_film_and_says_what_it_kept(site, tmp_path):
    lib = Library(site)
    poster = png(tmp_path / "p.png")
    with pytest.raises(FilmcliError, match="already"):
        lib.new("Her", director="Spike Jonze", year=2013, poster=poster)  # the film is there
    again = lib.new("Her", director="S. Jonze", year=2013, poster=poster, force=True)
    assert again.replaced is not None and "review" in " ".join(again.kept)
    assert lib.select("her").director == "S. Jonze"


def test_new_rejects_its_own_keys_among_fields(site, tmp_path):
    with pytest.raises(FilmcliError, match="own arguments"):
        Library(site).new(
            "Paterson", director="J", year=2016, poster=png(tmp_path / "p.png"), fields={"year": 1}
        )


def test_add_report_matches_the_cli(site, run, library, tmp_path):
    export = tmp_path / "films.json"
    export.write_bytes(run("-L", site, "export").stdout_bytes)
    report = Library(library).add(export, dry_run=True)
    assert isinstance(report, AddReport) and report.dry_run and not report.failed
    cli = run("-L", library, "add", "--dry-run", export)
    assert cli.exit_code == 0, cli.stderr
    assert len(report.added) == len(cli.stdout.splitlines()) == len(Library(site).posts())
    assert f"would add {len(report.added)}, skipped 0" in cli.stderr
    written = Library(library).add([export])
    assert len(written.added) == len(report.added) and all(p.exists() for p in written.added)
    assert Library(library).add(str(export)).skipped == len(report.added)


def test_extract_and_embed_reports_are_the_cli_json(site, run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    seen = []
    report = Library(site).extract_posters(rewrite=True, on_result=seen.append)
    assert isinstance(report, ExtractReport) and report.exit_code == 0
    assert seen == report.results and all(isinstance(r, PosterResult) for r in seen)
    cli = run("-L", copy, "extract-posters", "--rewrite", "--format", "json")
    assert json.loads(cli.stdout) == report.to_dict()
    assert report.to_json() == cli.stdout
    assert report.summary["extracted"] == report.count("extracted") > 0
    assert report.summary["rewritten"] == report.count("extracted")

    back = Library(site).embed_posters()
    assert isinstance(back, EmbedReport)
    cli = run("-L", copy, "embed-posters", "--format", "json")
    assert back.to_json() == cli.stdout
    assert back.summary["embedded"] == report.summary["rewritten"]
    assert back.bytes_embedded == json.loads(cli.stdout)["summary"]["bytes_embedded"] > 0


def test_extract_filters_choose_posts_as_the_cli_options_do(site, run):
    lib = Library(site)
    report = lib.extract_posters(dry_run=True, where=["year>=2015"], sort=["year"])
    cli = run("-L", site, "extract-posters", "-n", "--where", "year>=2015", "--sort", "year",
              "--format", "json")  # fmt: skip
    assert report.to_json() == cli.stdout
    years = [lib.select(r.post).year for r in report.results]
    assert years == sorted(years) and min(years) >= 2015
    none = lib.extract_posters(dry_run=True, where=["year>3000"])
    assert none.none_chosen and none.results == []
    assert (
        "no films match" in run("-L", site, "extract-posters", "-n", "--where", "year>3000").stderr
    )


def test_wall_result_matches_the_cli(site, run, tmp_path):
    out = tmp_path / "wall.png"
    tiles = []
    wall = Library(site).wall(out, columns=3, tile_width=64, on_tile=lambda: tiles.append(1))
    assert isinstance(wall, WallResult) and wall.path == out and wall.exit_code == 0
    assert len(tiles) == wall.total == len(Library(site).posts())
    with Image.open(out) as image:
        assert image.size == wall.size
    assert out.stat().st_size == wall.bytes
    cli = run("-L", site, "wall", "-o", tmp_path / "cli.png", "-c", "3", "--tile-width", "64")
    assert f"{wall.placed} of {wall.total} posters" in cli.stderr
    assert f"{wall.size[0]}×{wall.size[1]} px" in cli.stderr
    few = Library(site).wall(tmp_path / "few.jpg", where=["year<2010"])
    assert few.total == len([p for p in Library(site).posts() if p.year < 2010])
    with pytest.raises(FilmcliError):
        Library(site).wall(tmp_path / "none.png", where=["year>3000"])
