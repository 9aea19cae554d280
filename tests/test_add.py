"""`filmcli add`: rebuilding libraries from exports byte for byte, Markdown posts, Letterboxd
CSVs, bad records reported with their line, and nothing half-written even under SIGKILL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import SEED, run_process
from filmcli.model.post import Post
from filmcli.model.writer import render_post


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative name -> bytes), but the write lock's file."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".filmcli.lock"
    }


def empty_library(tmp_path: Path, name: str = "other") -> Path:
    lib = tmp_path / name
    lib.mkdir()
    (lib / "_config.yml").write_text("title: other\n")
    return lib


def summary(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith(("added", "would add")))


# --- round trips -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json", "toml"])
def test_export_pipe_add_rebuilds_byte_identical(site, tmp_path, fmt):
    """`filmcli export --format F --posters inline | filmcli -L other add - --from F`."""
    other = empty_library(tmp_path)
    exported = run_process("-L", site, "export", "--format", fmt, "--posters", "inline")
    assert exported.returncode == 0, exported.stderr
    added = run_process("-L", other, "add", "-", "--from", fmt, input=exported.stdout, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    original = tree(site / "_posts")
    assert len(original) >= 14
    assert tree(other / "_posts") == original
    assert summary(added.stderr.decode()) == (
        f"added {len(original)}, skipped 0 (already present), failed 0"
    )
    assert len(added.stdout.decode().splitlines()) == len(original)


def test_csv_and_poster_files_round_trips(run, site, tmp_path):
    original = tree(site / "_posts")
    out = tmp_path / "out"
    assert run("-L", site, "export", "-o", out / "films.csv").exit_code == 0
    assert (
        run(
            "-L",
            site,
            "export",
            "-o",
            out / "films.json",
            "--posters",
            "files",
            "--posters-dir",
            out / "posters",
        ).exit_code
        == 0
    )
    for name in ("films.csv", "films.json"):
        other = empty_library(tmp_path, name)
        result = run("-L", other, "add", out / name)
        assert result.exit_code == 0, result.stderr
        assert tree(other / "_posts") == original, name


def odd_library(tmp_path: Path) -> Path:
    """Posts in filmcli's form but with every kind of value: dates, lists, nulls, nested
    values, an integer key, keys named like the record's own fields, CRLF and no gap."""
    lib = empty_library(tmp_path, "odd")
    posts = lib / "_posts"
    posts.mkdir()
    poster = Post.read(SEED).poster.uri
    tz = dt.timezone(dt.timedelta(hours=-5))
    posts_spec = {
        "2020-01-01-a.md": (
            {
                "layout": "post",
                "title": "A: b",
                "director": "Z",
                "year": 2000,
                "poster": poster,
                "date": dt.datetime(2020, 1, 1, 9, 5, tzinfo=tz),
                "tags": ["x", "y"],
                "rating": 4.5,
                "published": True,
                "empty": None,
                "nested": {"k": [1, None]},
                2013: "int key",
                "body": "a key named body",
                "path": "p",
                "slug": "s",
            },
            "real body\n",
            "\n",
        ),
        "2020-01-02-b.md": (
            {
                "layout": "post",
                "title": "B",
                "year": None,
                "date": dt.date(2020, 1, 2),
                "seen": dt.datetime(2019, 1, 1),
            },
            "crlf\r\nbody\r\n",
            "\r\n",
        ),
        "2020-01-03-c.md": ({"title": "C", "year": 1999}, "no gap", ""),
        "2020-01-04-d.md": ({"title": "D", "year": 1998, "poster": "/assets/d.jpg"}, "", "\n"),
    }
    for name, (fields, body, gap) in posts_spec.items():
        (posts / name).write_bytes(render_post(fields, body, gap=gap))
    return lib


@pytest.mark.parametrize("fmt", ["jsonl", "json", "toml", "csv"])
def test_odd_values_round_trip_byte_identical(run, tmp_path, fmt):
    lib = odd_library(tmp_path)
    original = tree(lib / "_posts")
    exported = run("-L", lib, "export", "--format", fmt)
    assert exported.exit_code == 0, exported.stderr
    other = empty_library(tmp_path)
    added = run("-L", other, "add", "-", "--from", fmt, input=exported.stdout_bytes)
    assert added.exit_code == 0, added.stderr
    assert tree(other / "_posts") == original


def test_not_in_filmcli_form_comes_back_equal_in_value(run, tmp_path):
    lib = empty_library(tmp_path, "handmade")
    (lib / "_posts").mkdir()
    handmade = (
        b"---\r\nlayout:   post\r\ntitle: Her\r\ndirector: 'Spike Jonze'\r\n"
        b"year: 2013\r\ntags:\r\n  - love\r\n  - future\r\n---\r\n\r\nQuiet.\r\n"
    )
    (lib / "_posts" / "2013-12-18-her.md").write_bytes(handmade)
    exported = run("-L", lib, "export", "--format", "jsonl")
    other = empty_library(tmp_path)
    assert (
        run("-L", other, "add", "-", "--from", "jsonl", input=exported.stdout_bytes).exit_code == 0
    )
    before = Post.read(lib / "_posts" / "2013-12-18-her.md")
    after = Post.read(other / "_posts" / "2013-12-18-her.md")
    assert after.metadata() == before.metadata() and after.body == before.body
    assert list(after.front_matter) == list(before.front_matter)


def test_adding_again_skips_everything_and_force_replaces(run, site, tmp_path):
    exported = run("-L", site, "export", "--format", "jsonl").stdout
    other = empty_library(tmp_path)
    assert run("-L", other, "add", "-", "--from", "jsonl", input=exported).exit_code == 0
    again = run("-L", other, "add", "-", "--from", "jsonl", input=exported)
    assert again.exit_code == 0
    count = len(exported.splitlines())
    assert summary(again.stderr) == f"added 0, skipped {count} (already present), failed 0"
    assert again.stdout == ""
    assert "skipped: -:1: 'Yes' (2004) is already in _posts/2005-07-02-yes.md" in again.stderr
    changed = [json.loads(line) for line in exported.splitlines()][:1]
    changed[0]["body"] = "Rewritten."
    forced = run(
        "-L", other, "add", "-", "--from", "jsonl", "--force", input=json.dumps(changed[0]) + "\n"
    )
    assert forced.exit_code == 0, forced.stderr
    assert Post.read(other / "_posts" / "2005-07-02-yes.md").body == "Rewritten."
    assert "replaced 1" in forced.stderr


def test_force_replaces_the_same_film_under_another_name(run, tmp_path):
    lib = empty_library(tmp_path)
    (lib / "_posts").mkdir()
    old = lib / "_posts" / "2010-01-01-her-old.md"
    old.write_text('---\ntitle: "Her"\nyear: 2013\n---\n\nold\n')
    records = tmp_path / "films.jsonl"
    records.write_text(
        json.dumps({"title": "Her", "year": 2013, "date": "2013-12-18", "body": "new"}) + "\n"
    )
    skipped = run("-L", lib, "add", records)
    assert skipped.exit_code == 0 and "skipped 1" in skipped.stderr and old.exists()
    forced = run("-L", lib, "add", records, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in (lib / "_posts").iterdir()) == ["2013-12-18-her.md"]


def test_dry_run_writes_nothing(run, site, tmp_path):
    exported = run("-L", site, "export", "--format", "jsonl").stdout
    other = empty_library(tmp_path)
    result = run("-L", other, "add", "-", "--from", "jsonl", "--dry-run", input=exported)
    assert result.exit_code == 0
    assert summary(result.stderr).startswith("would add 16")
    assert len(result.stdout.splitlines()) == len(exported.splitlines())
    assert not (other / "_posts").exists()


# --- records made by hand, bad records ---------------------------------------------------


def test_bad_records_are_reported_with_line_and_the_rest_added(run, tmp_path):
    lib = empty_library(tmp_path)
    poster = tmp_path / "p.png"
    Image.new("RGB", (600, 900), (9, 90, 200)).save(poster)
    lines = [
        json.dumps(
            {
                "title": "Good One",
                "year": 2001,
                "director": "D",
                "poster": "p.png",
                "date": "2020-02-02",
                "body": "fine",
            }
        ),
        "{not json",
        json.dumps({"year": 2002}),
        "",
        json.dumps({"title": "Bad Year", "year": "MMII"}),
        json.dumps({"title": "Nul\u0000Title", "year": 2003}),
        json.dumps({"title": "No Poster File", "year": 2004, "poster": "missing.jpg"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "Bad Slug", "year": 2005, "slug": "a/b"}),
        json.dumps({"title": "Good Two", "year": 2006, "date": "2020-02-03"}),
    ]
    source = tmp_path / "films.jsonl"
    source.write_text("\n".join(lines) + "\n")
    result = run("-L", lib, "add", source)
    assert result.exit_code == 1
    assert summary(result.stderr) == "added 2, skipped 0 (already present), failed 7"
    err = result.stderr
    for line, words in [
        (2, "not valid JSON"),
        (3, "no title"),
        (5, "MMII"),
        (6, "NUL"),
        (7, "missing.jpg"),
        (8, "object"),
        (9, "slug"),
    ]:
        assert any(f"films.jsonl:{line}: " in e and words in e for e in err.splitlines()), (
            line,
            err,
        )
    assert "Traceback" not in err
    names = sorted(p.name for p in (lib / "_posts").iterdir())
    assert names == ["2020-02-02-good-one.md", "2020-02-03-good-two.md"]
    good = Post.read(lib / "_posts" / "2020-02-02-good-one.md")
    assert good.poster.uri.startswith("data:image/png;base64,") and good.poster.width == 400
    assert "2020-02-03-good-two.md: no director, no poster" in err


def test_json_array_records_have_line_numbers(run, tmp_path):
    lib = empty_library(tmp_path)
    source = tmp_path / "films.json"
    source.write_text(
        '[\n  {"title": "A", "year": 2000},\n  {"title": "B"},\n  {"title": "C", "year": 2001}\n]\n'
    )
    result = run("-L", lib, "add", source)
    assert result.exit_code == 1
    assert "films.json:3: record 2: no year" in result.stderr
    assert summary(result.stderr).startswith("added 2,")


def test_kind_must_be_known(run, tmp_path):
    lib = empty_library(tmp_path)
    source = tmp_path / "films.txt"
    source.write_text("x")
    result = run("-L", lib, "add", source)
    assert result.exit_code == 2 and "--from" in result.stderr
    result = run("-L", lib, "add", "-", input="x")
    assert result.exit_code == 2 and "--from" in result.stderr
    result = run("-L", lib, "add", tmp_path / "nope.jsonl")
    assert result.exit_code == 1 and "no such file" in result.stderr


# --- Markdown posts ------------------------------------------------------------------------


def test_markdown_posts_copied_in_with_normalised_names(run, tmp_path):
    lib = empty_library(tmp_path)
    src = tmp_path / "drafts"
    (src / "img").mkdir(parents=True)
    Image.new("RGB", (800, 1200), (200, 30, 30)).save(src / "img" / "p.jpg")
    (src / "My Film.markdown").write_bytes(
        b"---\nlayout: post\ntitle: My Film\ndirector: Someone\nyear: 1999\n"
        b"date: 2021-03-04\nposter: img/p.jpg\ntags: [a, b]\n---\n\nBody here.\n"
    )
    kept = b'---\ntitle: "Kept"\ndirector: "K"\nyear: 2001\n---\nno gap, CRLF\r\n'
    (src / "2020-03-04-kept.md").write_bytes(kept)
    (src / "bad.md").write_bytes(b"---\ntitle: [oops\n---\n")
    result = run("-L", lib, "add", src)
    assert result.exit_code == 1
    assert summary(result.stderr) == "added 2, skipped 0 (already present), failed 1"
    assert "bad.md:3: YAML syntax error" in result.stderr
    posts = lib / "_posts"
    assert sorted(p.name for p in posts.iterdir()) == [
        "2020-03-04-kept.md",
        "2021-03-04-my-film.md",
    ]
    assert (posts / "2020-03-04-kept.md").read_bytes() == kept  # copied byte for byte
    data = (posts / "2021-03-04-my-film.md").read_bytes()
    post = Post.read(posts / "2021-03-04-my-film.md")
    assert post.poster.origin == "data" and post.poster.format == "JPEG"
    assert post.poster.width == 400
    assert data.startswith(b"---\nlayout: post\ntitle: My Film\n")  # the rest as it was
    assert data.endswith(b"\ntags: [a, b]\n---\n\nBody here.\n")


# --- Letterboxd ------------------------------------------------------------------------------

LB_HEADER = [
    "Date",
    "Name",
    "Year",
    "Letterboxd URI",
    "Rating",
    "Rewatch",
    "Review",
    "Tags",
    "Watched Date",
]


def write_csv(path: Path, rows: list[list[str]], bom: bool = True) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode())


def test_letterboxd_hand_picked_rows(run, tmp_path):
    lib = empty_library(tmp_path)
    rows = [
        ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Review"],
        ["2024-01-05", "Her", "2013", "https://boxd.it/1", "4.5", "Lovely,\nquiet film."],
        [
            "2024-01-06",
            "Crouching Tiger, Hidden Dragon",
            "2000",
            "https://boxd.it/2",
            "5",
            'Wire work, "wow".',
        ],
        ["2024-01-07", "No Year", "", "https://boxd.it/3", "3", "x"],
        ["2024-01-08", "", "1999", "https://boxd.it/4", "", ""],
        ["2024-01-09", "Braces", "2001", "https://boxd.it/5", "", "I say {{ hi"],
        ["2024-01-10", "her", "2013", "https://boxd.it/1", "4", "rewatch"],
        ["2024-01-11", "Bad Rating", "2002", "https://boxd.it/6", "lots", ""],
    ]
    write_csv(tmp_path / "reviews.csv", rows)
    result = run("-L", lib, "add", tmp_path / "reviews.csv")
    assert result.exit_code == 1
    err = result.stderr
    assert summary(err) == "added 3, skipped 1 (already present), failed 3"
    assert "reviews.csv:5: row 3: no Year: a film is known by its title and year" in err
    assert "reviews.csv:6: row 4: no Name" in err
    assert "reviews.csv:9: row 7: Rating 'lots'" in err
    assert any(
        line.startswith("skipped: ")
        and line.endswith("reviews.csv:8: 'her' (2013) is already in _posts/2024-01-05-her.md")
        for line in err.splitlines()
    )
    posts = lib / "_posts"
    her = Post.read(posts / "2024-01-05-her.md")
    assert (her.title, her.year, her.body) == ("Her", 2013, "Lovely,\nquiet film.")
    assert her.front_matter["rating"] == 4.5
    assert her.front_matter["letterboxd"] == "https://boxd.it/1"
    tiger = Post.read(posts / "2024-01-06-crouching-tiger-hidden-dragon.md")
    assert tiger.title == "Crouching Tiger, Hidden Dragon" and tiger.body == 'Wire work, "wow".'
    braces = Post.read(posts / "2024-01-09-braces.md")
    assert braces.body == "{% raw %}I say {{ hi{% endraw %}"  # Jekyll must not read it
    assert (
        "incomplete (3;" in err
        and "2024-01-06-crouching-tiger-hidden-dragon.md: no director, no poster" in err
    )
    check = run("-L", lib, "validate", "--ignore", "FC101")
    assert check.exit_code == 0, check.stdout  # only the missing director and poster


def test_letterboxd_generated_export(run, tmp_path):
    """Many rows drawn at random (seeded): quoted commas, quotes, newlines, unicode, a BOM,
    rewatches of the same film, empty and broken years, rows without a name."""
    rng = random.Random(20240521)
    words = [
        "Night",
        "Day",
        "Blue",
        "Ōkami",
        "Léon",
        "Смерть",
        "City, The",
        'The "Best"',
        "Alien: Romulus",
        "Yes",
        "null",
        "1917",
        "#1",
        "&Co",
        "七人",
        "🎬",
        "Amélie",
        "No",
    ]
    rows = [LB_HEADER]
    expected_bodies = {}
    seen = set()
    failed_rows, skipped, added = [], 0, 0
    for n in range(1, 121):
        name = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        year = str(rng.randint(1920, 2024))
        roll = rng.random()
        if roll < 0.08:
            year = ""
        elif roll < 0.12:
            year = rng.choice(["19xx", "unknown", "2000.5"])
        elif roll < 0.15:
            name = ""
        elif roll < 0.25 and expected_bodies:
            name, year = rng.choice(sorted(k for k in seen))  # a rewatch: already present
        review = "\n".join(
            ", ".join(
                rng.choice(words + ['said "hi"', "a, b", "x\r\ny"])
                for _ in range(rng.randint(1, 4))
            )
            for _ in range(rng.randint(0, 3))
        )
        watched = f"20{rng.randint(10, 23)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        rows.append(
            [
                watched,
                name,
                year,
                f"https://boxd.it/{n}",
                rng.choice(["", "3.5", "5"]),
                "",
                review,
                rng.choice(["", "cinema, home"]),
                watched,
            ]
        )
        key = (name.strip().casefold(), year)
        if not name.strip() or not year.isdigit():
            failed_rows.append(n)
        elif key in seen:
            skipped += 1
        else:
            seen.add(key)
            added += 1
            expected_bodies[(name.strip(), int(year))] = review if review.strip() else ""
    write_csv(tmp_path / "diary.csv", rows)
    result = run(
        "-L", empty_library(tmp_path), "add", tmp_path / "diary.csv", "--from", "letterboxd"
    )
    err = result.stderr
    assert summary(err) == (
        f"added {added}, skipped {skipped} (already present), failed {len(failed_rows)}"
    )
    assert result.exit_code == (1 if failed_rows else 0)
    assert failed_rows and skipped and added > 50
    for n in failed_rows:
        assert f": row {n}: " in err
    got = {}
    for path in (tmp_path / "other" / "_posts").iterdir():
        post = Post.read(path)
        got[(post.title, post.year)] = post.body
        assert post.front_matter["letterboxd"].startswith("https://boxd.it/")
    assert got == expected_bodies


# --- safe writing ---------------------------------------------------------------------------


def big_export(tmp_path: Path, site: Path, count: int) -> tuple[Path, dict[str, bytes]]:
    """`count` records (exported from the example site, retitled), and the bytes each post
    file must have."""
    proc = run_process("-L", site, "export", "--format", "jsonl")
    base = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    out = tmp_path / f"films-{count}.jsonl"
    expected = {}
    with out.open("w") as handle:
        for i in range(count):
            record = json.loads(json.dumps(base[i % len(base)]))
            record["title"] = f"Film number {i}"
            record["_filmcli"]["file"] = name = f"2001-01-01-film-{i:05d}.md"
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            fields = {k: record[k] for k in record["_filmcli"]["keys"]}
            expected[name] = render_post(fields, record["body"])
    return out, expected


def check_complete(posts: Path, expected: dict[str, bytes]) -> list[str]:
    names = sorted(p.name for p in posts.iterdir() if not p.name.startswith("."))
    for name in names:
        data = (posts / name).read_bytes()
        assert data == expected[name], name  # complete: every byte
        Post.from_bytes(data)  # and valid
    leftovers = [
        p.name for p in posts.iterdir() if p.name.startswith(".") and p.name != ".filmcli.lock"
    ]  # a killed writer leaves its lock file
    assert all(n.endswith(".tmp") for n in leftovers), leftovers
    return names


def test_sigkill_midway_leaves_only_complete_posts(site, tmp_path):
    for count in (300, 3000):  # a bigger run if the machine finished the first before the kill
        lib = empty_library(tmp_path, f"killed-{count}")
        source, expected = big_export(tmp_path, site, count)
        proc = subprocess.Popen(
            [sys.executable, "-m", "filmcli", "-L", str(lib), "add", str(source)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        posts = lib / "_posts"
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if posts.is_dir() and sum(not n.startswith(".") for n in os.listdir(posts)) >= 25:
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            break
    assert proc.returncode == -signal.SIGKILL, "add finished before it could be killed"
    names = check_complete(posts, expected)
    assert 25 <= len(names) < count  # killed midway
    listing = run_process("-L", lib, "list", "--format", "paths")
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == len(names)
    # Running the same add again finishes the job: nothing lost, nothing doubled.
    again = run_process("-L", lib, "add", source)
    assert again.returncode == 0, again.stderr
    assert summary(again.stderr.decode()) == (
        f"added {count - len(names)}, skipped {len(names)} (already present), failed 0"
    )
    assert len(check_complete(posts, expected)) == count


def test_normal_run_leaves_no_temp_files(site, tmp_path):
    lib = empty_library(tmp_path)
    source, expected = big_export(tmp_path, site, 40)
    proc = run_process("-L", lib, "add", source)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(lib / "_posts")) == sorted(expected)
    assert sorted(os.listdir(lib)) == ["_config.yml", "_posts"]


def test_two_runs_adding_the_same_films_never_clobber(site, tmp_path):
    lib = empty_library(tmp_path)
    source, expected = big_export(tmp_path, site, 80)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "filmcli", "-L", str(lib), "add", str(source)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    added = [len(out.splitlines()) for out, _ in outputs]
    assert sum(added) == 80  # each film written by exactly one of them
    assert sorted(os.listdir(lib / "_posts")) == sorted(expected)
    check_complete(lib / "_posts", expected)


# --- one slug rule; every post comes back under its own relative path ---------------------


LONG = "a" * 100  # exactly MAX_SLUG_BYTES: filmcli accepts it everywhere


def _names_library(tmp_path: Path) -> Path:
    """Posts whose names filmcli accepts but `add` used to lose or flatten."""
    lib = empty_library(tmp_path, "names")
    posts = lib / "_posts"
    text = SEED.read_text(encoding="utf-8")
    files = {
        f"2013-12-18-{LONG}.md": "Long",
        f"2013-12-18-{'é' * 50}.md": "Accents",  # 100 bytes of UTF-8
        "2018-10-12-trailing-dots...markdown": "Dots",  # a Jekyll test fixture's name
        "blog/2024-02-22.md": "Blog",
        "diary/2024-02-22.md": "Diary",
        "diary/deeper/2024-02-23-deep.md": "Deep",
    }
    for name, title in files.items():
        (posts / name).parent.mkdir(parents=True, exist_ok=True)
        (posts / name).write_text(
            text.replace('title: "Her"', f'title: "{title}"'), encoding="utf-8"
        )
    return lib


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "toml"])
def test_export_add_keeps_every_name_filmcli_accepts(run, tmp_path, fmt):
    lib = _names_library(tmp_path)
    valid = run("-L", lib, "validate", "--format", "json")
    flagged = {p["path"] for p in json.loads(valid.stdout) if p["rule"] == "FC201"}
    # filmcli's own rule accepts these names (a name with no slug is flagged, still kept)
    assert flagged == {"_posts/blog/2024-02-22.md", "_posts/diary/2024-02-22.md"}
    out = tmp_path / f"films.{fmt}"
    assert run("-L", lib, "export", "-o", out).exit_code == 0
    other = empty_library(tmp_path, "back")
    result = run("-L", other, "add", out)
    assert result.exit_code == 0, result.stderr
    assert tree(other / "_posts") == tree(lib / "_posts")
    assert summary(result.stderr) == "added 6, skipped 0 (already present), failed 0"


@pytest.mark.parametrize(
    "file",
    [
        "../outside/2020-01-01-x.md",
        "/tmp/2020-01-01-x.md",
        "blog/../../2020-01-01-x.md",
        "./2020-01-01-x.md",
        "blog//2020-01-01-x.md",
        ".hidden/2020-01-01-x.md",
        "blog\\2020-01-01-x.md",
        "blog/",
    ],
)
def test_an_export_record_may_name_only_a_place_inside_the_posts_folder(run, tmp_path, file):
    lib = empty_library(tmp_path, "lib")
    record = {
        "title": "X",
        "year": 2020,
        "body": "",
        "_filmcli": {"file": file, "keys": ["title", "year"], "gap": "\n"},
    }
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(record) + "\n")
    before = tree(tmp_path)
    result = run("-L", lib, "add", source)
    assert result.exit_code == 1
    assert "_filmcli.file" in result.stderr and "Traceback" not in result.stderr
    assert tree(tmp_path) == before


def test_a_subfolder_that_leads_outside_is_never_written_through(run, tmp_path):
    lib = empty_library(tmp_path, "lib")
    (lib / "_posts").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (lib / "_posts" / "blog").symlink_to(outside)
    record = {
        "title": "X",
        "year": 2020,
        "body": "",
        "_filmcli": {"file": "blog/2020-01-01-x.md", "keys": ["title", "year"]},
    }
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(record) + "\n")
    result = run("-L", lib, "add", source)
    assert result.exit_code == 1 and "outside" in result.stderr
    assert list(outside.iterdir()) == []


def test_new_never_writes_a_slug_over_the_limit(run, tmp_path):
    lib = empty_library(tmp_path, "lib")
    poster = tmp_path / "p.jpg"
    poster.write_bytes(Post.read(SEED).poster.data)
    title = "A Very Long Title " * 10
    names = []
    for year in ("2001", "2002", "2003"):
        result = run(
            "-L",
            lib,
            "new",
            "--title",
            title,
            "--director",
            "D",
            "--year",
            year,
            "--poster",
            poster,
            "--date",
            "2020-01-01",
        )
        assert result.exit_code == 0, result.stderr
        names.append(Path(result.stdout.strip()).name)
    assert len(set(names)) == 3
    for name in names:
        slug = name[len("2020-01-01-") : -len(".md")]
        assert len(slug.encode()) <= 100, name
    valid = run("-L", lib, "validate", "--format", "json")
    assert "FC201" not in valid.stdout and "FC204" not in valid.stdout


def test_new_and_validate_share_the_slug_rule(run, tmp_path):
    lib = empty_library(tmp_path, "lib")
    poster = tmp_path / "p.jpg"
    poster.write_bytes(Post.read(SEED).poster.data)
    base = ["-L", lib, "new", "--title", "X", "--director", "D", "--poster", poster]
    assert run(*base, "--year", "2001", "--slug", "b" * 101).exit_code == 2
    assert run(*base, "--year", "2002", "--slug", "b" * 100).exit_code == 0
    assert run(*base, "--year", "2003", "--slug", "dots...").exit_code == 0
    (lib / "_posts" / f"2020-01-01-{'c' * 101}.md").write_bytes(SEED.read_bytes())
    valid = run("-L", lib, "validate", "--format", "json")
    found = [p for p in json.loads(valid.stdout) if p["rule"] == "FC201"]
    assert [p["path"] for p in found] == [f"_posts/2020-01-01-{'c' * 101}.md"]


# --- posters are read only inside the source's own place, and come in without metadata ------


SECRET = "SECRET-CAMERA-OWNER"


def private_image(path: Path) -> Path:
    """A JPEG carrying EXIF with a maker note and a GPS position."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", (300, 450), (10, 120, 200))
    exif = Image.Exif()
    exif[0x013B] = SECRET  # Artist
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    im.save(path, "JPEG", exif=exif.tobytes())
    assert SECRET.encode() in path.read_bytes()
    return path


def md_post(poster: str, title: str = "Leak") -> bytes:
    return (f"---\ntitle: {title}\ndirector: D\nyear: 2001\nposter: {poster}\n---\nx\n").encode()


def embedded(lib: Path) -> list[bytes]:
    return [
        Post.read(p).poster.data
        for p in sorted((lib / "_posts").glob("*.md"))
        if Post.read(p).poster is not None
    ]


@pytest.mark.parametrize("where", ["absolute", "dotdot", "cwd", "site-of-target"])
def test_a_markdown_post_cannot_embed_an_image_from_elsewhere(run, tmp_path, where, monkeypatch):
    lib = empty_library(tmp_path)
    secret = private_image(tmp_path / "home" / "private" / "me.jpg")
    src = tmp_path / "home" / "downloads" / "posts"
    src.mkdir(parents=True)
    value = {
        "absolute": str(secret),
        "dotdot": "../../private/me.jpg",
        "cwd": "me.jpg",
        "site-of-target": "/assets/me.jpg",
    }[where]
    if where == "cwd":
        monkeypatch.chdir(secret.parent)
    if where == "site-of-target":
        private_image(lib / "assets" / "me.jpg")
    (src / "2020-01-01-leak.md").write_bytes(md_post(value))
    result = run("-L", lib, "add", src / "2020-01-01-leak.md")
    assert result.exit_code == 1, result.stderr
    assert "poster" in result.stderr and "Traceback" not in result.stderr
    assert embedded(lib) == []
    piped = run("-L", lib, "add", "-", "--from", "md", input=md_post(value))
    assert piped.exit_code == 1 and embedded(lib) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("exact", [False, True], ids=["hand-made", "exported-file"])
def test_an_export_record_cannot_embed_an_image_from_elsewhere(run, tmp_path, fmt, exact):
    lib = empty_library(tmp_path)
    secret = private_image(tmp_path / "home" / "private" / "me.jpg")
    out = tmp_path / "home" / "exports"
    out.mkdir(parents=True)
    for value in (str(secret), "../private/me.jpg"):
        record = {"title": "Leak", "director": "D", "year": 2001, "poster": value, "body": ""}
        if exact:
            record["_filmcli"] = {
                "file": "2020-01-01-leak.md",
                "poster": "file",
                "keys": ["title", "director", "year", "poster"],
            }
        source = out / f"films.{fmt}"
        if fmt == "jsonl":
            source.write_text(json.dumps(record) + "\n")
        else:
            if exact:
                record["_filmcli"] = json.dumps(record["_filmcli"])
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=list(record))
            writer.writeheader()
            writer.writerow(record)
            source.write_text(buf.getvalue())
        result = run("-L", lib, "add", source)
        assert result.exit_code == 1, (value, result.stderr)
        assert "outside" in result.stderr, result.stderr
        assert embedded(lib) == []


def test_an_image_next_to_the_source_comes_in_without_its_metadata(run, tmp_path):
    lib = empty_library(tmp_path)
    src = tmp_path / "drafts"
    private_image(src / "img" / "me.jpg")
    (src / "2020-01-01-mine.md").write_bytes(md_post("img/me.jpg", "Mine"))
    result = run("-L", lib, "add", src / "2020-01-01-mine.md")
    assert result.exit_code == 0, result.stderr
    (data,) = embedded(lib)
    assert SECRET.encode() not in data and b"Exif" not in data


def test_an_exported_poster_file_with_metadata_is_stripped_a_clean_one_kept_exact(run, tmp_path):
    lib = empty_library(tmp_path)
    out = tmp_path / "exports"
    private_image(out / "posters" / "dirty.jpg")
    clean = out / "posters" / "clean.png"
    Image.new("RGB", (30, 45), (1, 2, 3)).save(clean, "PNG")
    lines = []
    for name, title in (("dirty.jpg", "Dirty"), ("clean.png", "Clean")):
        lines.append(
            json.dumps(
                {
                    "title": title,
                    "director": "D",
                    "year": 2001,
                    "poster": f"posters/{name}",
                    "body": "",
                    "_filmcli": {
                        "file": f"2020-01-01-{title.lower()}.md",
                        "poster": "file",
                        "keys": ["title", "director", "year", "poster"],
                    },
                }
            )
        )
    (out / "films.jsonl").write_text("\n".join(lines) + "\n")
    result = run("-L", lib, "add", out / "films.jsonl")
    assert result.exit_code == 0, result.stderr
    clean_post = Post.read(lib / "_posts" / "2020-01-01-clean.md")
    assert clean_post.poster.data == clean.read_bytes()  # the round trip stays exact
    dirty = Post.read(lib / "_posts" / "2020-01-01-dirty.md").poster.data
    assert SECRET.encode() not in dirty and b"Exif" not in dirty


def test_an_exported_name_outside_the_slug_rule_is_added_under_a_safe_name_not_lost(run, tmp_path):
    lib = empty_library(tmp_path, "old")
    (lib / "_posts").mkdir()
    text = SEED.read_text(encoding="utf-8")
    names = {f"2013-12-18-{'a' * 120}.md": "Long", "2013-12-18-con.md": "Con"}
    for name, title in names.items():
        (lib / "_posts" / name).write_text(
            text.replace('title: "Her"', f'title: "{title}"'), encoding="utf-8"
        )
    out = tmp_path / "films.jsonl"
    assert run("-L", lib, "export", "-o", out).exit_code == 0
    other = empty_library(tmp_path, "new")
    result = run("-L", other, "add", out)
    assert result.exit_code == 0, result.stderr
    assert summary(result.stderr) == "added 2, skipped 0 (already present), failed 0"
    back = tree(other / "_posts")
    assert sorted(back.values()) == sorted(tree(lib / "_posts").values())  # nothing lost
    assert sorted(back) == ["2013-12-18-" + "a" * 100 + ".md", "2013-12-18-con-film.md"]
    assert result.stderr.count("warning: ") == 2 and "added as" in result.stderr


def test_a_markdown_posts_path_poster_is_spliced_in_or_the_post_written_afresh(run, tmp_path):
    """A post whose poster is an image file beside it: only the poster value changes where
    that reads back exactly; where it cannot (the value is an anchor another key aliases),
    the post is written afresh from its fields, the alias's value kept."""
    lib = empty_library(tmp_path)
    src = tmp_path / "drafts"
    (src / "img").mkdir(parents=True)
    Image.new("RGB", (40, 60), (200, 30, 30)).save(src / "img" / "p.jpg")
    plain = b"---\ntitle:   'Spliced'   # kept\nyear: 2001\nposter: img/p.jpg\n---\nBody.\n"
    anchored = b"---\ntitle: Anchored\nyear: 2001\nposter: &p img/p.jpg\nthumb: *p\n---\nBody.\n"
    (src / "2020-01-01-spliced.md").write_bytes(plain)
    (src / "2020-01-02-anchored.md").write_bytes(anchored)
    result = run("-L", lib, "add", src / "2020-01-01-spliced.md", src / "2020-01-02-anchored.md")
    assert result.exit_code == 0, result.stderr
    spliced = lib / "_posts" / "2020-01-01-spliced.md"
    head, tail = plain.split(b"img/p.jpg")
    data = spliced.read_bytes()
    assert data.startswith(head + b"data:image/jpeg;base64,") and data.endswith(tail)
    post = Post.read(lib / "_posts" / "2020-01-02-anchored.md")
    assert post.poster.origin == "data" and post.poster.format == "JPEG"
    assert post.front_matter["thumb"] == "img/p.jpg"
    assert post.title == "Anchored" and post.year == 2001 and post.body.strip() == "Body."
