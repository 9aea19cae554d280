"""extract-posters and embed-posters: byte-exact files, byte-exact posts, nothing outside DIR."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
from pathlib import Path

from PIL import Image

from conftest import SEED

POSTER_LINE = re.compile(rb"^poster: (data:([^;,]+);base64,([A-Za-z0-9+/=]+))\r?$", re.M)


def seed_jpeg() -> bytes:
    match = POSTER_LINE.search(SEED.read_bytes())
    return base64.b64decode(match.group(3))


def png_bytes(color=(200, 40, 40), size=(12, 18)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file (and symlink target text) under `folder`, by relative path."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath) / name
            rel = str(path.relative_to(folder))
            out[rel] = (
                (b"->" + os.readlink(path).encode()) if path.is_symlink() else (path.read_bytes())
            )
    return out


def write_post(
    folder: Path,
    name: str,
    *,
    title='"A Film"',
    poster: str,
    extra: str = "",
    newline: str = "\n",
    body: str = "A review.\n",
) -> Path:
    lines = (
        [
            "---",
            "layout: post",
            f"title: {title}",
            'director: "Someone"',
            "year: 2001",
            f"poster: {poster}",
        ]
        + ([extra] if extra else [])
        + ["---", "", body]
    )
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(newline.join(lines).encode("utf-8"))
    return path


# --- the example site ----------------------------------------------------------------------


def test_extract_rewrite_embed_round_trips_the_example_site(site, run):
    originals = {p.name: p.read_bytes() for p in (site / "_posts").glob("*.md")}
    assert len(originals) >= 14

    result = run("-L", site, "extract-posters", "--rewrite")
    assert result.exit_code == 0, result.stderr
    assert f"{len(originals)} extracted" in result.stderr
    files = sorted((site / "assets" / "posters").iterdir())
    assert len(files) == len(originals)

    for name, before in originals.items():
        match = POSTER_LINE.search(before)
        decoded = base64.b64decode(match.group(3), validate=True)
        after = (site / "_posts" / name).read_bytes()
        new_value = re.search(rb"^poster: (/assets/posters/[^\r\n]+)$", after, re.M).group(1)
        # only the poster value changed: put the data URI back and the file is the same
        assert after.replace(new_value, match.group(1), 1) == before
        poster_file = site / new_value.decode().lstrip("/")
        assert (
            hashlib.sha256(poster_file.read_bytes()).hexdigest()
            == hashlib.sha256(decoded).hexdigest()
        )
        # the extension is the real format's, whatever the data URI declared
        real = Image.open(io.BytesIO(decoded)).format
        assert poster_file.suffix == {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[real]

    again = run("-L", site, "extract-posters", "--rewrite")
    assert again.exit_code == 0
    assert (
        f"0 extracted, 0 unchanged, {len(originals)} skipped ({len(originals)} already "
        "point at files)" in again.stderr
    )
    assert again.stderr.strip().endswith("nothing written")

    back = run("-L", site, "embed-posters")
    assert back.exit_code == 0, back.stderr
    assert f"{len(originals)} embedded" in back.stderr
    for name, before in originals.items():
        assert (site / "_posts" / name).read_bytes() == before, name


def test_second_extract_writes_nothing_and_says_so(site, run):
    first = run("-L", site, "extract-posters")
    assert first.exit_code == 0, first.stderr
    folder = site / "assets" / "posters"
    stamps = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}
    posts = snapshot(site / "_posts")

    second = run("-L", site, "extract-posters", "--format", "json")
    assert second.exit_code == 0
    doc = json.loads(second.stdout)
    assert doc["summary"]["extracted"] == 0
    assert doc["summary"]["unchanged"] == len(stamps)
    assert doc["summary"]["bytes_written"] == 0
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()} == stamps
    assert snapshot(site / "_posts") == posts  # without --rewrite posts are never touched

    text = run("-L", site, "extract-posters")
    assert text.stderr.strip().endswith("nothing written")
    assert f"{len(stamps)} unchanged" in text.stderr


def test_dry_run_writes_nothing(site, run):
    before = snapshot(site)
    result = run("-L", site, "extract-posters", "--rewrite", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "would extract _posts/2013-12-18-her.md -> assets/posters/her.jpg" in result.stderr
    assert "nothing written" in result.stderr
    assert snapshot(site) == before


def test_out_folder_and_config_dir(site, run, tmp_path):
    out = tmp_path / "cdn"
    result = run("-L", site, "extract-posters", "--out", out, site / "_posts" / "2013-12-18-her.md")
    assert result.exit_code == 0, result.stderr
    assert (out / "her.jpg").read_bytes() == seed_jpeg()
    # --rewrite must point posts at a file the site serves
    refused = run("-L", site, "extract-posters", "--out", out, "--rewrite")
    assert refused.exit_code == 2
    assert "inside the site" in refused.stderr

    (site / "filmcli.toml").write_text('[poster]\ndir = "static/img"\n')
    result = run("-L", site, "extract-posters", "--rewrite", site / "_posts" / "2013-12-18-her.md")
    assert result.exit_code == 0, result.stderr
    assert (site / "static" / "img" / "her.jpg").is_file()
    assert b"poster: /static/img/her.jpg\n" in (site / "_posts" / "2013-12-18-her.md").read_bytes()


# --- conflicts and collisions ---------------------------------------------------------------


def test_existing_different_file_is_kept_without_force(site, run):
    folder = site / "assets" / "posters"
    folder.mkdir(parents=True)
    (folder / "her.jpg").write_bytes(b"someone else's picture")
    before_post = (site / "_posts" / "2013-12-18-her.md").read_bytes()

    result = run("-L", site, "extract-posters", "--rewrite")
    assert result.exit_code == 1
    assert (
        "error: _posts/2013-12-18-her.md: assets/posters/her.jpg already exists with other "
        "content" in result.stderr
    )
    assert "--force" in result.stderr
    assert (folder / "her.jpg").read_bytes() == b"someone else's picture"
    assert (site / "_posts" / "2013-12-18-her.md").read_bytes() == before_post
    assert "1 failed" in result.stderr
    assert (folder / "vertigo.png").is_file()  # the rest went on

    forced = run("-L", site, "extract-posters", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "replacing a different file" in forced.stderr
    assert (folder / "her.jpg").read_bytes() == seed_jpeg()


def test_colliding_slugs_get_distinct_dated_names(library, run):
    posts = library / "_posts"
    jpeg, png = seed_jpeg(), png_bytes()
    write_post(posts, "2013-12-18-her.md", poster=uri(jpeg, "image/jpeg"))
    write_post(posts, "2020-05-05-her.md", poster=uri(png, "image/png"))
    write_post(
        posts / "extra", "2021-01-01-HER.md", poster=uri(png_bytes((0, 0, 255)), "image/png")
    )
    write_post(posts, "2019-01-01-vertigo.md", poster=uri(png, "image/png"))

    result = run("-L", library, "extract-posters")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (library / "assets" / "posters").iterdir())
    assert names == [
        "2013-12-18-her.jpg",
        "2020-05-05-her.png",
        "2021-01-01-HER.png",
        "vertigo.png",
    ]
    # the names do not depend on which posts a run is given
    one = run("-L", library, "extract-posters", "--format", "json", posts / "2020-05-05-her.md")
    assert json.loads(one.stdout)["posts"][0]["file"] == "assets/posters/2020-05-05-her.png"
    assert json.loads(one.stdout)["posts"][0]["status"] == "unchanged"


def test_bad_posters_are_reported_and_the_rest_go_on(library, run):
    posts = library / "_posts"
    write_post(posts, "2001-01-01-broken.md", poster="data:image/jpeg;base64,@@@not-base64@@@")
    write_post(
        posts, "2001-01-02-text.md", poster=uri(b"just some words, not a picture", "image/png")
    )
    write_post(posts, "2001-01-03-remote.md", poster="https://example.org/x.jpg")
    write_post(posts, "2001-01-04-good.md", poster=uri(png_bytes(), "image/jpeg"))
    before = snapshot(posts)

    result = run("-L", library, "extract-posters", "--rewrite")
    assert result.exit_code == 1
    assert "error: _posts/2001-01-01-broken.md:6: poster data is not valid base64" in result.stderr
    assert "error: _posts/2001-01-02-text.md:6: the poster data is not an image" in result.stderr
    assert "1 extracted, 0 unchanged, 1 skipped (1 point at URLs), 2 failed" in result.stderr
    # declared image/jpeg, really PNG: the file is named for what it is
    assert (library / "assets" / "posters" / "good.png").read_bytes() == png_bytes()
    after = snapshot(posts)
    for name in ("2001-01-01-broken.md", "2001-01-02-text.md", "2001-01-03-remote.md"):
        assert after[name] == before[name]
    assert b"poster: /assets/posters/good.png\n" in after["2001-01-04-good.md"]

    doc = json.loads(run("-L", library, "extract-posters", "--format", "json").stdout)
    statuses = {Path(p["post"]).name: p["status"] for p in doc["posts"]}
    assert statuses == {
        "2001-01-01-broken.md": "failed",
        "2001-01-02-text.md": "failed",
        "2001-01-03-remote.md": "skipped",
        "2001-01-04-good.md": "skipped",
    }


# --- every other byte kept ------------------------------------------------------------------


def test_rewrite_keeps_every_other_byte_of_a_crlf_post_with_comments(library, run):
    posts = library / "_posts"
    data = uri(seed_jpeg(), "image/jpeg")
    text = (
        "\ufeff---\r\n# a comment before the keys\r\nyear: 2013   # the year\r\n"
        "title: 'It''s Her'\r\nposter: " + data + "\r\n"
        "tags: [a, b]  # flow list\r\ndirector: Spike Jonze\r\n---\r\n\r\n"
        "Body with *markdown*\r\nand a second line.\r\n"
    )
    post = posts / "2013-12-18-her.md"
    post.write_bytes(text.encode("utf-8"))

    result = run("-L", library, "extract-posters", "--rewrite")
    assert result.exit_code == 0, result.stderr
    expected = text.replace(data, "/assets/posters/her.jpg").encode("utf-8")
    assert post.read_bytes() == expected

    back = run("-L", library, "embed-posters")
    assert back.exit_code == 0, back.stderr
    assert post.read_bytes() == text.encode("utf-8")


def test_quoted_poster_values_keep_their_quotes(library, run):
    posts = library / "_posts"
    data = uri(png_bytes(), "image/png")
    post = write_post(
        posts, "2001-01-01-quoted.md", poster=f'"{data}"', extra="# trailing comment line"
    )
    single = write_post(posts, "2001-01-02-single.md", poster=f"'{data}'  # single quoted")
    original = {p: p.read_bytes() for p in (post, single)}

    result = run("-L", library, "extract-posters", "--rewrite")
    assert result.exit_code == 0, result.stderr
    assert b'poster: "/assets/posters/quoted.png"\n# trailing comment line\n' in post.read_bytes()
    assert b"poster: '/assets/posters/single.png'  # single quoted\n" in single.read_bytes()

    assert run("-L", library, "embed-posters").exit_code == 0
    for path, before in original.items():
        assert path.read_bytes() == before


# --- hostile names and paths ----------------------------------------------------------------


HOSTILE_FILES = [
    "2020-01-01-..md",  # slug "."
    "2020-01-02-con.md",  # reserved on Windows
    "2020-01-03-NUL.md",
    "2020-01-04-lpt1.txt.md",
    "2020-01-05-a\\..\\..\\b.md",  # backslashes: separators on Windows
    "2020-01-06-\x1b[31mred.md",  # a control character
    "2020-01-07-.hidden.md",
    "2020-01-08-" + "x" * 200 + ".md",
    "2020-01-09-a:b.md",
    "2020-01-10- spaced .md",
]
HOSTILE_TITLES = [
    '"../../etc/passwd"',
    '"/etc/passwd"',
    '"nul\\0byte"',
    '"C:\\\\Windows\\\\x"',
    '"con"',
]


def test_no_poster_is_written_outside_the_output_folder(tmp_path, library, run):
    posts = library / "_posts"
    png = png_bytes()
    for name in HOSTILE_FILES:
        write_post(posts, name, poster=uri(png, "image/png"))
    for i, title in enumerate(HOSTILE_TITLES):
        write_post(
            posts,
            f"2021-02-0{i + 1}-t{i}.md",
            title=title,
            poster=uri(png, "image/png"),
            extra="slug: ../../../../escaped",
        )
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"do not touch")
    out = library / "assets" / "posters"
    out.mkdir(parents=True)
    os.symlink(outside, out / "t0.png")  # a planted link where a poster would go
    before = snapshot(tmp_path)

    result = run("-L", library, "extract-posters", "--rewrite")
    assert result.exit_code == 1  # the planted link is refused
    assert "assets/posters/t0.png: is a symbolic link" in result.stderr
    assert outside.read_bytes() == b"do not touch"

    after = snapshot(tmp_path)
    changed = {k for k in after if after.get(k) != before.get(k)}
    for rel in changed:
        assert rel.startswith("lib/assets/posters/") or rel.startswith("lib/_posts/"), rel
    written = [Path(k).name for k in changed if k.startswith("lib/assets/posters/")]
    assert len(written) == len(HOSTILE_FILES) + len(HOSTILE_TITLES) - 1
    for name in written:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert name.isprintable() and ":" not in name and name == name.strip()
        assert name.split(".")[0].lower() not in {"con", "nul", "prn", "aux", "lpt1"}
        assert len(name.encode()) <= 255
    assert not (tmp_path / "escaped.png").exists()
    # titles and front-matter slugs never name files: the file name's slug does
    assert {"t1.png", "t2.png", "t3.png", "t4.png"} <= set(written)
    # rewritten posts point at the files that were written
    for name in HOSTILE_FILES:
        text = (posts / name).read_bytes()
        value = re.search(rb"^poster: (.+)$", text, re.M).group(1).decode()
        assert value.startswith("/assets/posters/") and value[16:] in written


def test_poster_dir_leading_outside_the_site_is_refused(tmp_path, library, run):
    write_post(library / "_posts", "2001-01-01-a.md", poster=uri(png_bytes(), "image/png"))
    (library / "filmcli.toml").write_text('[poster]\ndir = "../../escape"\n')
    before = snapshot(tmp_path)
    result = run("-L", library, "extract-posters")
    assert result.exit_code == 1
    assert "leads outside the site" in result.stderr
    assert snapshot(tmp_path) == before

    # a poster folder that is a symbolic link out of the site is refused the same way
    (library / "filmcli.toml").write_text('[poster]\ndir = "linked"\n')
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", library / "linked")
    result = run("-L", library, "extract-posters")
    assert result.exit_code == 1
    assert not any((tmp_path / "elsewhere").iterdir())


def test_embed_refuses_files_outside_the_site(tmp_path, library, run):
    posts = library / "_posts"
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes((1, 2, 3)))
    (library / "assets").mkdir()
    os.symlink(secret, library / "assets" / "link.png")
    (library / "assets" / "notes.png").write_text("not an image")
    cases = {
        "2001-01-01-dotdot.md": "../../secret.png",
        "2001-01-02-rooted.md": "/../secret.png",
        "2001-01-03-abs.md": str(secret),
        "2001-01-04-link.md": "/assets/link.png",
        "2001-01-05-passwd.md": "/etc/passwd",
        "2001-01-06-text.md": "/assets/notes.png",
        "2001-01-07-missing.md": "/assets/none.png",
        "2001-01-08-encoded.md": "/%2e%2e/secret.png",
    }
    for name, value in cases.items():
        write_post(posts, name, poster=json.dumps(value))
    write_post(posts, "2001-02-01-url.md", poster="file:///etc/passwd")
    before = snapshot(tmp_path)

    result = run("-L", library, "embed-posters", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    statuses = {Path(p["post"]).name: p["status"] for p in doc["posts"]}
    assert statuses == {**{name: "failed" for name in cases}, "2001-02-01-url.md": "skipped"}
    assert snapshot(tmp_path) == before
    assert "leads outside the site" in result.stderr
    assert "not an image" in result.stderr


def test_embed_uses_the_real_mime_and_finds_files_next_to_the_post(library, run):
    posts = library / "_posts"
    (posts / "her.jpg").write_bytes(seed_jpeg())
    (library / "img").mkdir()
    (library / "img" / "misnamed.jpg").write_bytes(png_bytes())
    near = write_post(posts, "2013-12-18-her.md", poster="her.jpg")
    site = write_post(posts, "2001-01-01-png.md", poster="/img/misnamed.jpg")

    result = run("-L", library, "embed-posters")
    assert result.exit_code == 0, result.stderr
    assert f"poster: {uri(seed_jpeg(), 'image/jpeg')}\n".encode() in near.read_bytes()
    assert f"poster: {uri(png_bytes(), 'image/png')}\n".encode() in site.read_bytes()
    again = run("-L", library, "embed-posters")
    assert "0 embedded, 2 skipped" in again.stderr and "nothing written" in again.stderr


def test_a_link_made_after_the_plan_is_still_not_written_through(library, tmp_path):
    """Names absent from the output folder when the run was planned are written without a
    look of their own: the exclusive link still refuses whatever appeared since."""
    from filmcli import Library
    from filmcli.posters.extract import extract_one, plan_extract, run_chunk

    (library / "_posts" / "2013-12-18-her.md").write_bytes(SEED.read_bytes())
    jobs, folder = plan_extract(Library(library), [])
    assert [job.fresh for job in jobs] == [True]
    folder.mkdir(parents=True)
    aim = tmp_path / "aim.jpg"
    (folder / "her.jpg").symlink_to(aim)
    (result,) = run_chunk((extract_one, jobs))
    assert result.status == "failed" and "symbolic link" in result.message, result.message
    assert not aim.exists() and (folder / "her.jpg").is_symlink()


def test_the_text_report_needs_no_digest_and_the_json_one_has_it(library, run):
    from filmcli import Library
    from filmcli.posters.extract import extract_one, plan_extract

    (library / "_posts" / "2013-12-18-her.md").write_bytes(SEED.read_bytes())
    jobs, _ = plan_extract(Library(library), [], digest=False)
    assert extract_one(jobs[0]).sha256 is None
    out = run("-L", library, "extract-posters", "--dry-run", "--format", "json")
    (record,) = json.loads(out.stdout)["posts"]
    assert len(record["sha256"]) == 64


def test_json_report_streams_each_record_and_jobs_and_results_are_small(library, run):
    """The JSON report is written record by record, byte for byte the document
    `dumps_json` gives (no 100,000-record list or string held at once: issue 16), and a
    job or result is a `__slots__` record, without a per-instance dict."""
    from filmcli.ops.formats import dumps_json
    from filmcli.ops.posters import ExtractReport
    from filmcli.posters.extract import ExtractJob, Result

    posts = library / "_posts"
    write_post(posts, "2001-01-01-broken.md", poster="data:image/jpeg;base64,@@@not-base64@@@")
    write_post(posts, "2001-01-04-good.md", poster=uri(png_bytes(), "image/jpeg"))
    write_post(posts, "2001-01-05-\u2028odd.md", poster=uri(png_bytes(), "image/png"))
    result = run("-L", library, "extract-posters", "--format", "json")
    doc = json.loads(result.stdout)
    assert result.stdout == dumps_json(doc) + "\n"
    assert len(doc["posts"]) == 3

    report = ExtractReport(results=[Result(p["post"], p["status"]) for p in doc["posts"]])
    pieces = list(report.json_chunks())
    assert len(pieces) > len(report.results)  # a piece per record at least
    assert "".join(pieces) == report.to_json() == dumps_json(report.to_dict()) + "\n"
    assert "".join(ExtractReport().json_chunks()) == dumps_json(ExtractReport().to_dict()) + "\n"
    assert not hasattr(Result("p", "skipped"), "__dict__")
    assert not hasattr(ExtractJob("p", "p", "s", "o", "o"), "__dict__")
