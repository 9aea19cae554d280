"""The read commands scripted through the public API only (`import filmcli`): validate, stats,
export and show return data that matches what the CLI prints for the same library."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import filmcli
from filmcli import ExportResult, Library, Problem, Shown, Stats, ValidationReport


def broken(site):
    """The example site with one warning (an unknown key) and one error (a bad year)."""
    her = site / "_posts" / "2013-12-18-her.md"
    her.write_text(her.read_text().replace("year: 2013", "year: 2013\nrating: 5"))
    no = site / "_posts" / "2013-03-01-no.md"
    no.write_text(no.read_text().replace("year: 2012", "year: 1066"))
    with open(site / "filmcli.toml", "a") as toml:
        toml.write('[validate]\nknown_keys = ["layout"]\n')


def test_validate_matches_the_cli_json(run, site):
    broken(site)
    report = Library(site).validate()
    assert isinstance(report, ValidationReport)
    cli = run("-L", site, "validate", "--format", "json")
    assert cli.exit_code == 1
    assert [p.as_dict() for p in report.problems] == json.loads(cli.stdout)
    assert all(isinstance(p, Problem) for p in report.problems)
    assert (report.errors, report.warnings) == (1, 1)
    assert report.checked == 16 and not report.ok


def test_validate_strict_makes_warnings_errors_as_the_cli_does(run, site):
    broken(site)
    report = Library(site).validate(strict=True)
    cli = run("-L", site, "validate", "--strict", "--format", "json")
    assert [p.as_dict() for p in report.problems] == json.loads(cli.stdout)
    assert (report.errors, report.warnings) == (2, 0)


def test_validate_select_and_a_clean_library(run, site):
    broken(site)
    lib = Library(site)
    report = lib.validate(select=["FC208"])
    assert [p.rule for p in report.problems] == ["FC208"]
    assert report.ok  # a warning only
    assert lib.validate(keep=lambda rule: rule != "FC103").problems == report.problems
    cli = run("-L", site, "validate", "--rules").stdout.splitlines()
    assert [f"{r.id}\t{r.severity}\t{r.text}\t{r.fix or '-'}" for r in lib.rules()] == cli
    assert lib.validate([site / "_posts" / "2015-02-14-amelie.md"]).problems == []
    with pytest.raises(filmcli.UsageError):
        lib.validate(select=["XX9"])


def test_stats_match_the_cli_json(run, site):
    stats = Library(site).stats(top=3)
    assert isinstance(stats, Stats)
    cli = json.loads(run("-L", site, "stats", "--format", "json", "--top", "3").stdout)
    assert stats.to_dict() == cli
    assert stats.films == cli["films"] == 16
    assert stats.library_bytes > stats.poster_bytes > 0
    chosen = Library(site).stats(where=["year<1960"])
    assert (
        chosen.films
        == json.loads(run("-L", site, "stats", "-F", "json", "-w", "year<1960").stdout)["films"]
    )


def test_stats_reports_unreadable_posts(site):
    (site / "_posts" / "2020-01-01-bad.md").write_bytes(b"---\ntitle: [\n---\n")
    seen = []
    stats = Library(site).stats(on_error=seen.append)
    assert stats.films == 16 and len(stats.unreadable) == 1 == len(seen)
    assert isinstance(seen[0], filmcli.FilmcliError)


def test_export_to_a_stream_matches_the_cli(run, site):
    out = io.StringIO()
    result = Library(site).export(out, fmt="jsonl", where=["year>=2010"])
    assert isinstance(result, ExportResult)
    cli = run("-L", site, "export", "-F", "jsonl", "-w", "year>=2010")
    assert out.getvalue() == cli.stdout
    assert result.exported == len(cli.stdout.splitlines()) and result.failed == 0
    assert result.path is None


def test_export_to_a_file_with_poster_files(run, site, tmp_path):
    result = Library(site).export(tmp_path / "a.json", posters_dir=tmp_path / "img")
    assert result.path == tmp_path / "a.json" and result.exported == 16
    assert result.posters == "files" and len(list((tmp_path / "img").iterdir())) == 16
    cli = run("-L", site, "export", "-o", tmp_path / "b.json", "--posters-dir", tmp_path / "img")
    assert cli.exit_code == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    with pytest.raises(filmcli.UsageError, match="--posters files needs"):
        Library(site).export(tmp_path / "c.json", posters="files")


def test_show_returns_the_facts_the_cli_prints(run, site):
    shown = Library(site).show("casablanca 1942")
    assert isinstance(shown, Shown)
    assert (shown.title, shown.year, shown.director) == ("Casablanca", 1942, "Michael Curtiz")
    assert shown.poster_size == (259, 194) and shown.poster_format == "JPEG"
    assert shown.poster_error is None
    assert shown.review.startswith("A cynical café owner in wartime Morocco")
    cli = run("-L", site, "show", "casablanca", "1942").stdout
    for key, value in shown.facts:
        assert key in cli and value in cli
    assert ("file", "_posts/2019-02-10-casablanca.md") in shown.facts


def test_public_names_are_importable_and_listed():
    for name in filmcli.__all__:
        assert getattr(filmcli, name) is not None, name
    assert set(filmcli.__all__) - {"__version__"} == set(filmcli._LAZY)
    assert filmcli.ValidationOptions().max_pixels == 25_000_000
    assert issubclass(filmcli.NoMatch, filmcli.FilmcliError)
    for name in ("Change", "Move", "Removal", "FixReport", "Filled", "UsageError", "Post"):
        assert name in filmcli.__all__


def test_import_filmcli_loads_no_yaml_rich_or_pillow():
    code = "import sys, filmcli; print(sorted({'yaml', 'rich', 'PIL'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_stats_export_and_wall_choose_by_url_as_list_does(run, site):
    """`--where url~...` (a computed field) chose nothing in stats and export: their shared
    reading (records.read_chosen) filtered without the site, so no post had a URL."""
    listed = run("-L", site, "list", "--where", "url~/2013/", "--format", "paths").stdout.split()
    assert len(listed) == 2
    stats = json.loads(run("-L", site, "stats", "--where", "url~/2013/", "--format", "json").stdout)
    assert stats["films"] == 2
    out = run("-L", site, "export", "--where", "url~/2013/", "-F", "jsonl", "--posters", "omit")
    assert len(out.stdout.splitlines()) == 2
    assert Library(site).stats(where=["url~/2013/"]).films == 2
