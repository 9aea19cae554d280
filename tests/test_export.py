"""`filmcli export`: every field of every post, posters inline, as files or left out."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from conftest import run_process
from filmcli.model.post import Post

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def site_posts(site: Path) -> list[Post]:
    return [Post.read(p) for p in sorted((site / "_posts").glob("*.md"))]


def load(fmt: str, text: str) -> list[dict]:
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "toml":
        return tomllib.loads(text)["post"]
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        row["_filmcli"] = json.loads(row["_filmcli"])
    return rows


@pytest.mark.parametrize("fmt", ["json", "jsonl", "toml", "csv"])
def test_every_field_path_date_slug_and_body(run, site, fmt):
    result = run("-L", site, "export", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    records = load(fmt, result.stdout)
    posts = site_posts(site)
    assert len(records) == len(posts) >= 14
    for record, post in zip(records, posts, strict=True):
        assert record["path"] == f"_posts/{post.path.name}"
        assert record["date"] == post.date.isoformat()
        assert record["slug"] == post.slug
        assert record["body"] == post.body
        assert record["title"] == post.title
        assert record["poster"] == post.poster.uri  # inline: the data URI intact
        year = record["year"]
        assert (int(year) if fmt == "csv" else year) == post.year
        meta = record["_filmcli"]
        assert meta["file"] == post.path.name
        assert meta["keys"] == list(post.front_matter)
        assert meta["gap"] == post.gap


def test_json_is_one_array_and_jsonl_one_line_each(run, site):
    as_json = run("-L", site, "export", "--format", "json").stdout
    as_jsonl = run("-L", site, "export", "--format", "jsonl").stdout
    assert json.loads(as_json) == [json.loads(line) for line in as_jsonl.splitlines()]
    assert as_json.startswith("[\n  {") and as_json.endswith("}\n]\n")


def test_posters_omit(run, site):
    records = json.loads(run("-L", site, "export", "--posters", "omit").stdout)
    assert records and all("poster" not in r for r in records)
    assert all("poster" not in r["_filmcli"]["keys"] for r in records)
    assert all(r["title"] and r["body"] for r in records)


def test_posters_files_exact_bytes_real_extension(run, site, tmp_path):
    out = tmp_path / "out"
    result = run(
        "-L",
        site,
        "export",
        "--format",
        "jsonl",
        "--output",
        out / "films.jsonl",
        "--posters",
        "files",
        "--posters-dir",
        out / "posters",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    records = [json.loads(line) for line in (out / "films.jsonl").read_text().splitlines()]
    posts = {f"_posts/{p.path.name}": p for p in site_posts(site)}
    extensions = set()
    for record in records:
        post = posts[record["path"]]
        stem = post.path.stem.split("-", 3)[3]  # the slug, as extract-posters names it
        assert record["poster"] == f"posters/{stem}.{Path(record['poster']).suffix[1:]}"
        written = out / record["poster"]
        assert written.read_bytes() == post.poster.data
        ext = written.suffix
        extensions.add(ext)
        assert ext == {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[post.poster.format]
        assert record["_filmcli"]["poster"] == "file"
    assert {".jpg", ".png", ".webp"} <= extensions
    assert sorted(p.name for p in (out / "posters").iterdir()) == sorted(
        Path(r["poster"]).name for r in records
    )


def test_posters_files_needs_a_folder_and_implies_it(run, site, tmp_path):
    result = run("-L", site, "export", "--posters", "files")
    assert result.exit_code == 2 and "--posters-dir" in result.stderr
    result = run("-L", site, "export", "--posters", "omit", "--posters-dir", tmp_path)
    assert result.exit_code == 2
    result = run("-L", site, "export", "--posters-dir", tmp_path / "p", "-o", tmp_path / "x.json")
    assert result.exit_code == 0, result.stderr
    assert len(list((tmp_path / "p").iterdir())) == len(site_posts(site))


def test_output_file_is_written_atomically_and_replaced(run, site, tmp_path):
    target = tmp_path / "catalog.toml"
    target.write_text("old content\n")
    result = run("-L", site, "export", "--output", target)  # format from the extension
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "exported" in result.stderr
    records = tomllib.loads(target.read_text())["post"]
    assert len(records) == len(site_posts(site))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.toml", "site"]


def test_export_of_chosen_paths(run, site):
    one = site / "_posts" / "2013-12-18-her.md"
    records = json.loads(run("-L", site, "export", one).stdout)
    assert [r["title"] for r in records] == ["Her"]


def test_toml_null_is_an_absent_key_listed_in_keys(run, tmp_path):
    lib = tmp_path / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_posts" / "2020-01-01-x.md").write_text(
        '---\nlayout: post\ntitle: "X"\nyear: null\nrating: 4.5\ntags: ["a", null]\n---\n\nB\n'
    )
    result = run("-L", lib, "export", "--format", "toml")
    assert result.exit_code == 0, result.stderr
    (record,) = tomllib.loads(result.stdout)["post"]
    assert "year" not in record and "year" in record["_filmcli"]["keys"]
    assert record["rating"] == 4.5
    assert json.loads(record["tags"]) == ["a", None]
    assert record["_filmcli"]["types"] == {"tags": "json"}


def test_dates_keep_their_type(run, tmp_path):
    lib = tmp_path / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_posts" / "2020-01-01-x.md").write_text(
        '---\ntitle: "X"\ndate: 2020-01-02 10:30:00\nseen: 2019-05-05\n---\n\nB\n'
    )
    record = json.loads(run("-L", lib, "export", "--format", "jsonl").stdout)
    assert record["date"] == "2020-01-02T10:30:00" and record["seen"] == "2019-05-05"
    assert record["_filmcli"]["types"] == {"date": "datetime", "seen": "date"}
    text = run("-L", lib, "export", "--format", "toml").stdout
    assert "seen = 2019-05-05\n" in text  # a real TOML date


def test_unreadable_post_is_reported_the_rest_exported(run, site):
    count = len(site_posts(site))
    (site / "_posts" / "2000-01-01-broken.md").write_text("---\ntitle: [unclosed\n---\n")
    result = run("-L", site, "export", "--format", "jsonl")
    assert result.exit_code == 1
    assert "2000-01-01-broken.md" in result.stderr
    assert len(result.stdout.splitlines()) == count


def test_bad_base64_with_posters_files(run, site, tmp_path):
    bad = site / "_posts" / "2000-01-01-bad.md"
    bad.write_text('---\ntitle: "Bad"\nyear: 2000\nposter: data:image/png;base64,@@@@\n---\n\nx')
    result = run(
        "-L",
        site,
        "export",
        "--posters",
        "files",
        "--posters-dir",
        tmp_path / "p",
        "--format",
        "jsonl",
    )
    assert result.exit_code == 1
    assert "2000-01-01-bad.md" in result.stderr and "base64" in result.stderr
    assert len(result.stdout.splitlines()) == len(site_posts(site)) - 1


def test_unknown_format(run, site):
    result = run("-L", site, "export", "--format", "xml")
    assert result.exit_code == 2 and "xml" in result.stderr


def test_export_pipes_into_another_process(site, tmp_path):
    proc = run_process("-L", site, "export", "--format", "jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.decode().splitlines()) == len(site_posts(site))
    assert proc.stderr == b""


def test_posters_files_never_overwrite_a_different_file_without_force(run, site, tmp_path):
    """Issue 9 item 8: the rules of extract-posters (identical: skip; different: refuse)."""
    out = tmp_path / "posters"
    first = run(
        "-L", site, "export", "--posters", "files", "--posters-dir", out, "-o", tmp_path / "a.json"
    )
    assert first.exit_code == 0, first.stderr
    victim = sorted(out.iterdir())[0]
    inodes = {p.name: p.stat().st_ino for p in out.iterdir()}
    victim.write_bytes(b"the user's own picture")
    again = run(
        "-L", site, "export", "--posters", "files", "--posters-dir", out, "-o", tmp_path / "b.json"
    )
    assert again.exit_code == 1
    assert victim.read_bytes() == b"the user's own picture", "an existing file was overwritten"
    assert victim.name in again.stderr and "already exists" in again.stderr
    assert "--force" in again.stderr
    for p in out.iterdir():  # identical files are left as they are, not rewritten
        if p != victim:
            assert p.stat().st_ino == inodes[p.name]
    forced = run(
        "-L",
        site,
        "export",
        "--posters",
        "files",
        "--posters-dir",
        out,
        "-o",
        tmp_path / "c.json",
        "--force",
    )
    assert forced.exit_code == 0, forced.stderr
    assert victim.read_bytes() != b"the user's own picture"
    records = json.loads((tmp_path / "c.json").read_text())
    assert len(records) == len(site_posts(site))
