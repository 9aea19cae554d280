"""No code execution, no escape: hostile posts and arguments can neither run code nor write
(or read) outside the library and the chosen output folder, nor write through symlinks.

Every test runs in a "world" folder holding the library, an output folder and an
`outside` folder of sentinels; a snapshot of the whole world before and after a
command shows every file it created, changed or removed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from conftest import SEED


def snapshot(world: Path) -> dict[str, str]:
    """Every file and symlink under `world`: its relative path -> content hash or link."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(world):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath, name)
            rel = path.relative_to(world).as_posix()
            if name == ".filmcli.lock" and path.parent.name == "_posts":
                continue  # the write lock's file (filmcli.store.lock)
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def png(width: int = 30, height: int = 45) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "olive").save(buf, "PNG")
    return buf.getvalue()


def post_text(title: str, poster: str, extra: str = "") -> str:
    return (
        f'---\nlayout: post\ntitle: "{title}"\ndirector: "D"\nyear: 2001\n'
        f"poster: {poster}\n{extra}---\n\nReview.\n"
    )


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """world/lib (the library), world/out (an output folder), world/outside (sentinels)."""
    world = tmp_path / "world"
    lib = world / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: security\n")
    (lib / "_posts" / SEED.name).write_bytes(SEED.read_bytes())
    (world / "out").mkdir()
    outside = world / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png(7, 7))
    (outside / "secret.txt").write_text("do not leak\n")
    (outside / "victim.md").write_text(post_text("Victim", "/assets/none.png"))
    return world


@pytest.fixture
def lib(world: Path) -> Path:
    return world / "lib"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch, tmp_path):
    # The metadata cache lives outside the library by design; keep it out of the world.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


# --- YAML: tags are reported, never run ------------------------------------------------

EXPLOITS = {
    "apply os.system": 'x: !!python/object/apply:os.system ["touch {side}"]',
    "new os.system": 'x: !!python/object/new:os.system ["touch {side}"]',
    "apply subprocess": 'x: !!python/object/apply:subprocess.check_call [["touch", "{side}"]]',
    "name": "x: !!python/name:os.system",
    "module": "x: !!python/module:os",
    "verbatim tag": 'x: !<tag:yaml.org,2002:python/object/apply:os.system> ["touch {side}"]',
    "in a list": 'tags: [a, !!python/object/apply:os.system ["touch {side}"]]',
    "as a key": '? !!python/object/apply:os.system ["touch {side}"]\n: v',
    "as the title": 'director2: !!python/object/apply:os.system ["touch {side}"]',
}
READING_COMMANDS = {
    "list": ["list", "--format", "json"],
    "parse": ["parse", "--format", "json", "{post}"],
    "validate": ["validate"],
    "export": ["export"],
    "stats": ["stats"],
    "show": ["show", "{post}"],
    "wall": ["wall", "--output", "{world}/out/wall.png"],
    "extract-posters": ["extract-posters", "--out", "{world}/out"],
    "embed-posters": ["embed-posters"],
    "add": ["add", "--dry-run", "{post}"],
}


@pytest.mark.parametrize("exploit", list(EXPLOITS))
@pytest.mark.parametrize("command", list(READING_COMMANDS))
def test_python_tags_are_reported_not_run(exploit, command, world, lib, run):
    side = world / "outside" / "PWNED"
    post = lib / "_posts" / "2020-01-01-exploit.md"
    post.write_text(post_text("Exploit", "/x.png", EXPLOITS[exploit].format(side=side) + "\n"))
    args = [a.format(post=post, world=world) for a in READING_COMMANDS[command]]
    result = run("-L", lib, *args)
    assert not side.exists(), "the YAML tag ran code"
    assert result.exit_code == 1, (result.stdout, result.stderr)
    output = result.stdout + result.stderr
    assert "_posts/2020-01-01-exploit.md:7" in output, output
    assert "is not allowed" in output
    assert "Traceback" not in output and "internal error" not in output


def test_python_tag_in_an_imported_export_is_plain_text(world, lib, run):
    """JSON and TOML have no tags: a tag-looking string in an export stays a string."""
    side = world / "outside" / "PWNED"
    record = {
        "title": "Tagged",
        "director": "D",
        "year": 2002,
        "poster": "data:image/png;base64," + base64.b64encode(png()).decode(),
        "note": f'!!python/object/apply:os.system ["touch {side}"]',
    }
    source = world / "out" / "in.json"
    source.write_text(json.dumps([record]))
    result = run("-L", lib, "add", source)
    assert result.exit_code == 0, result.stderr
    assert not side.exists()
    written = next((lib / "_posts").glob("*tagged*.md"))
    assert 'note: "!!python/object/apply:os.system' in written.read_text()
    parsed = json.loads(run("-L", lib, "parse", "--format", "json", written).stdout)
    assert parsed["note"].startswith("!!python/object/apply:os.system")
    assert not side.exists()


# --- writes stay inside the library (or the chosen output folder) ----------------------

HOSTILE_TITLES = [
    "../../outside/evil",
    "/etc/passwd",
    "..",
    ".",
    "a/b\\c",
    "CON",
    "nul",
    "COM1.txt",
    "aux.md",
    ". . .",
    "-",
    "~/x",
    "$HOME",
    "`touch x`",
    "\u202egnp.md",
    "con:",
    "_posts/../../x",
    "%2e%2e%2f",
    "..\\..\\outside\\evil",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_new_with_a_hostile_title_writes_one_post_inside_posts(title, world, lib, run):
    (world / "poster.png").write_bytes(png())
    before = snapshot(world)
    result = run(
        "-L",
        lib,
        "new",
        "--title",
        title,
        "--director",
        "D",
        "--year",
        "2001",
        "--date",
        "2020-02-02",
        "--poster",
        world / "poster.png",
    )
    assert result.exit_code == 0, result.stderr
    new = changed(before, snapshot(world))
    assert len(new) == 1, new
    (name,) = new
    assert name.startswith("lib/_posts/2020-02-02-") and name.count("/") == 2, name
    stem = name.rsplit("/", 1)[1][len("2020-02-02-") : -3]
    assert stem.split(".")[0].lower() not in {"con", "nul", "aux", "com1", "prn", "lpt1"}
    assert not stem.startswith(".")
    post = json.loads(run("-L", lib, "parse", "--format", "json", lib / name[4:]).stdout)
    assert post["title"] == title


# ("trailing." is no hostile slug: `2020-02-02-trailing..md` is a fine file name, and Jekyll's
# own fixtures hold such names; see tests/test_add.py::test_new_and_validate_share_the_slug_rule)
HOSTILE_SLUGS = [
    "../evil",
    "/abs",
    "x/../../y",
    "..",
    ".",
    "CON",
    "nul.txt",
    "a\\b",
    ".hidden",
    "x\x00y",
    "",
    " ",
    "LPT9",
    "a" * 300,
]


@pytest.mark.parametrize("slug", HOSTILE_SLUGS)
def test_new_refuses_a_hostile_slug(slug, world, lib, run):
    (world / "poster.png").write_bytes(png())
    before = snapshot(world)
    result = run(
        "-L",
        lib,
        "new",
        "--title",
        "T",
        "--director",
        "D",
        "--year",
        "2001",
        "--date",
        "2020-02-02",
        "--poster",
        world / "poster.png",
        "--slug",
        slug,
    )
    assert result.exit_code == (1 if "\x00" in slug else 2), (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and "slug" in result.stderr
    assert changed(before, snapshot(world)) == set()


HOSTILE_DATES = [
    "../../x",
    "2020-01-01/../..",
    "2020-13-01",
    "2020-02-30",
    "0000-01-01",
    "99999-01-01",
    "2020-1-1x",
    "2020-01-01\x00",
    "/2020-01-01",
]


@pytest.mark.parametrize("date", HOSTILE_DATES)
def test_new_refuses_a_hostile_date(date, world, lib, run):
    (world / "poster.png").write_bytes(png())
    before = snapshot(world)
    result = run(
        "-L",
        lib,
        "new",
        "--title",
        "T",
        "--director",
        "D",
        "--year",
        "2001",
        "--date",
        date,
        "--poster",
        world / "poster.png",
    )
    assert result.exit_code in (1, 2), (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ")
    assert changed(before, snapshot(world)) == set()


HOSTILE_RECORDS = {
    "meta file ..": {"_filmcli": {"file": "../../outside/evil.md"}},
    "meta file abs": {"_filmcli": {"file": "/tmp/evil.md"}},
    "meta file backslash": {"_filmcli": {"file": "..\\..\\evil.md"}},
    "meta file reserved": {"_filmcli": {"file": "2020-01-01-con.md"}},
    "meta file not md": {"_filmcli": {"file": "2020-01-01-x.sh"}},
    "slug ..": {"slug": "../../outside/evil"},
    "slug abs": {"slug": "/etc/evil"},
    "slug reserved": {"slug": "aux"},
    "date ..": {"date": "../../outside"},
    "date abs": {"date": "/2020-01-01"},
    "path ..": {"path": "../../outside/evil.md"},
    "title ..": {"title": "../../../outside/evil"},
}


@pytest.mark.parametrize("case", list(HOSTILE_RECORDS))
def test_add_writes_only_inside_posts_whatever_a_record_says(case, world, lib, run):
    record = {
        "title": "Imported",
        "director": "D",
        "year": 2003,
        "poster": "data:image/png;base64," + base64.b64encode(png()).decode(),
        "body": "Text.\n",
        **HOSTILE_RECORDS[case],
    }
    source = world / "out" / "in.json"
    source.write_text(json.dumps([record]))
    before = snapshot(world)
    result = run("-L", lib, "add", source)
    new = changed(before, snapshot(world))
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.exit_code == 0:
        assert len(new) == 1 and next(iter(new)).startswith("lib/_posts/"), new
        name = next(iter(new)).rsplit("/", 1)[1]
        assert name.count("..") == 0 and "evil" not in name.replace("outside-evil", "")
    else:
        assert result.exit_code in (1, 2) and result.stderr.startswith("error: "), result.stderr
        assert new == set()
    assert not (world / "outside" / "evil.md").exists()


def test_extract_posters_uses_only_the_file_name_never_a_slug_key(world, lib, run):
    """`slug:` and `permalink:` keys say nothing about where poster files go."""
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    (lib / "_posts" / "2020-01-01-honest.md").write_text(
        post_text("Honest", uri, "slug: ../../../outside/evil\npermalink: /../../x\n")
    )
    before = snapshot(world)
    result = run("-L", lib, "extract-posters", "--rewrite")
    assert result.exit_code == 0, result.stderr
    new = changed(before, snapshot(world))
    assert new, result.stderr
    assert all(n.startswith(("lib/assets/posters/", "lib/_posts/")) for n in new), new
    assert "lib/assets/posters/honest.png" in new


@pytest.mark.parametrize("configured", ["../outside", "{world}/outside", "_posts/../../outside"])
@pytest.mark.parametrize("command", ["new", "add", "list"])
def test_posts_dir_outside_the_site_is_refused(configured, command, world, lib, run):
    """A filmcli.toml that came with a site may not send new posts (or reading) elsewhere."""
    (lib / "filmcli.toml").write_text(f'posts_dir = "{configured.format(world=world)}"\n')
    (world / "poster.png").write_bytes(png())
    source = world / "out" / "in.json"
    source.write_text(
        json.dumps(
            [
                {
                    "title": "X",
                    "director": "D",
                    "year": 2001,
                    "poster": "data:image/png;base64," + base64.b64encode(png()).decode(),
                }
            ]
        )
    )
    args = {
        "new": [
            "new",
            "--title",
            "X",
            "--director",
            "D",
            "--year",
            "2001",
            "--poster",
            world / "poster.png",
        ],
        "add": ["add", source],
        "list": ["list"],
    }[command]
    before = snapshot(world)
    result = run("-L", lib, *args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and "leads outside the site" in result.stderr
    assert changed(before, snapshot(world)) == set()


@pytest.mark.parametrize("configured", ["../outside", "/tmp", "assets/../../outside"])
def test_poster_dir_outside_the_site_is_refused(configured, world, lib, run):
    (lib / "filmcli.toml").write_text(f'[poster]\ndir = "{configured}"\n')
    before = snapshot(world)
    result = run("-L", lib, "extract-posters", "--rewrite")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: filmcli.toml") or "outside" in result.stderr
    assert changed(before, snapshot(world)) == set()


def test_poster_dir_symlinked_outside_is_refused(world, lib, run):
    (lib / "assets").mkdir()
    (lib / "assets" / "posters").symlink_to(world / "outside")
    before = snapshot(world)
    result = run("-L", lib, "extract-posters", "--rewrite")
    assert result.exit_code == 1, result.stderr
    assert "outside the site" in result.stderr
    assert changed(before, snapshot(world)) == set()


ESCAPING_POSTERS = [
    "../../outside/secret.png",
    "/../outside/secret.png",
    "%2e%2e/%2e%2e/outside/secret.png",
    "/etc/passwd",
    "../../outside/secret.txt",
    "/assets/leak.png",
]


@pytest.mark.parametrize("value", ESCAPING_POSTERS)
def test_embed_posters_never_reads_outside_the_site(value, world, lib, run):
    """A poster path may not pull a file from outside the site into a post."""
    (lib / "assets").mkdir()
    (lib / "assets" / "leak.png").symlink_to(world / "outside" / "secret.png")
    post = lib / "_posts" / "2020-01-01-leaky.md"
    post.write_text(post_text("Leaky", value))
    before = snapshot(world)
    result = run("-L", lib, "embed-posters")
    assert result.exit_code == 1
    assert "_posts/2020-01-01-leaky.md" in result.stderr
    assert changed(before, snapshot(world)) == set()
    secret = base64.b64encode((world / "outside" / "secret.png").read_bytes()).decode()
    assert secret not in post.read_text()


# --- symlinks: read through, never written through ---------------------------------------


@pytest.fixture
def linked_post(world: Path, lib: Path) -> Path:
    """_posts/2020-03-03-victim.md -> ../../outside/victim.md (an embedded poster)."""
    victim = world / "outside" / "victim.md"
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    victim.write_text(post_text("Victim", uri))
    link = lib / "_posts" / "2020-03-03-victim.md"
    link.symlink_to(os.path.relpath(victim, link.parent))
    return link


def test_posts_behind_symlinks_are_read(linked_post, lib, run):
    result = run("-L", lib, "list", "--format", "jsonl")
    assert result.exit_code == 0
    assert '"title": "Victim"' in result.stdout


WRITING_THROUGH = {
    "extract --rewrite": (["extract-posters", "--rewrite"], "symbolic link"),
    "embed-posters": (["embed-posters"], "symbolic link"),
    "new --force": (
        [
            "new",
            "--title",
            "Victim",
            "--director",
            "D",
            "--year",
            "2001",
            "--date",
            "2020-03-03",
            "--slug",
            "victim",
            "--force",
            "--poster",
            "{world}/p.png",
        ],
        "symbolic link",
    ),
    "add --force": (["add", "--force", "{world}/out/in.json"], "symbolic link"),
}


@pytest.mark.parametrize("name", list(WRITING_THROUGH))
def test_posts_behind_symlinks_are_never_written_through(name, linked_post, world, lib, run):
    (world / "p.png").write_bytes(png())
    if name == "embed-posters":  # give it something to embed
        (lib / "assets").mkdir()
        (lib / "assets" / "v.png").write_bytes(png())
        target = world / "outside" / "victim.md"
        target.write_text(post_text("Victim", "/assets/v.png"))
    if name == "add --force":
        export = run("-L", lib, "export", linked_post).stdout
        records = json.loads(export)
        records[0]["body"] = "Replaced.\n"
        (world / "out" / "in.json").write_text(json.dumps(records))
    args, expected = WRITING_THROUGH[name]
    before = snapshot(world)
    result = run("-L", lib, *[a.format(world=world) for a in args])
    after = snapshot(world)
    assert "outside/victim.md" not in changed(before, after)
    assert "lib/_posts/2020-03-03-victim.md" not in changed(before, after)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert expected in result.stderr, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--output", "{link}"],
        ["wall", "--output", "{link}"],
    ],
)
def test_output_files_are_never_written_through_a_symlink(command, world, lib, run):
    link = world / "out" / "result.json"
    if command[0] == "wall":
        link = world / "out" / "wall.png"
    link.symlink_to(world / "outside" / "secret.txt")
    before = snapshot(world)
    result = run("-L", lib, *[a.format(link=link) for a in command])
    assert result.exit_code == 1
    assert "symbolic link" in result.stderr
    assert changed(before, snapshot(world)) == set()


def test_config_set_never_writes_through_a_symlinked_settings_file(world, lib, run):
    (world / "outside" / "filmcli.toml").write_text("# theirs\n")
    (lib / "filmcli.toml").symlink_to(world / "outside" / "filmcli.toml")
    before = snapshot(world)
    result = run("-L", lib, "config", "set", "poster.max_width", "300")
    assert result.exit_code == 1
    assert "symbolic link" in result.stderr
    assert changed(before, snapshot(world)) == set()
