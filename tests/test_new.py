"""`filmcli new`: one post from the command line, read back exactly as given."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import SEED, run_process
from filmcli.model.post import Post

SEED_BODY = Post.read(SEED).body


def make_library(tmp_path: Path, config: str | None = None) -> Path:
    lib = tmp_path / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "_config.yml").write_text("title: test\n")
    if config is not None:
        (lib / "filmcli.toml").write_text(config)
    return lib


def image_file(path: Path, size=(300, 450), fmt="JPEG", color=(180, 40, 40), **save) -> Path:
    im = Image.new("RGBA" if fmt in ("PNG", "WEBP") else "RGB", size, color)
    im.save(path, fmt, **save)
    return path


def seed_poster(tmp_path: Path) -> Path:
    path = tmp_path / "her.jpg"
    path.write_bytes(Post.read(SEED).poster.data)
    return path


def parsed(run, lib: Path, path: str) -> dict:
    result = run("-L", lib, "parse", "--format", "json", "--poster-data", lib / path)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def new(run, lib: Path, *args: str, **kw):
    return run("-L", lib, "new", *args, **kw)


def full(title="Her", director="Spike Jonze", year="2013", poster=None, date="2013-12-18"):
    args = ["--title", title, "--director", director, "--year", year, "--date", date]
    if poster is not None:
        args += ["--poster", str(poster)]
    return args


# --- the seed film, for a new user --------------------------------------------


def test_new_user_adds_the_seed_film_and_sees_it(run, tmp_path):
    lib = make_library(tmp_path)
    poster = seed_poster(tmp_path)
    result = new(run, lib, *full(poster=poster), "--body", SEED_BODY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{lib / '_posts/2013-12-18-her.md'}\n"
    written = lib / "_posts" / "2013-12-18-her.md"
    data = written.read_bytes()
    seed = SEED.read_bytes()
    # Same form as the seed: the first four lines and the body are byte-identical.
    assert data.split(b"\n")[:5] == seed.split(b"\n")[:5]
    assert data.split(b"\n", 5)[5].split(b"\n", 1)[1] == seed.split(b"\n", 5)[5].split(b"\n", 1)[1]
    assert data.split(b"\n")[5].startswith(b"poster: data:image/jpeg;base64,/9j/")
    listing = run("-L", lib, "list", "--format", "tsv")
    assert listing.exit_code == 0
    assert "Her\t2013\tSpike Jonze" in listing.stdout
    check = run("-L", lib, "validate")
    assert check.exit_code == 0, check.stdout + check.stderr
    record = parsed(run, lib, "_posts/2013-12-18-her.md")
    assert (record["title"], record["director"], record["year"], record["layout"]) == (
        "Her",
        "Spike Jonze",
        2013,
        "post",
    )
    assert record["body"] == SEED_BODY


def test_stdout_is_only_the_path_for_scripts(tmp_path):
    lib = make_library(tmp_path)
    poster = seed_poster(tmp_path)
    proc = run_process("-L", lib, "new", *full(poster=poster), "--body", "Quiet.", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1
    assert (tmp_path / lines[0]).is_file()
    assert b"poster:" in proc.stderr  # the poster summary is a message, on stderr


# --- values YAML would misread ----------------------------------------------------

TRICKY_TITLES = [
    "Alien: Romulus",
    "Yes",
    "No",
    "null",
    "Null",
    "~",
    "true",
    "off",
    "1917",
    "1e3",
    "0x1F",
    ".inf",
    "#1",
    "*Batteries Not Included",
    "&Co",
    "!important",
    "%pct",
    "@home",
    "`tick`",
    "- dash",
    "? what",
    "[Rec]",
    "{flow}",
    "| pipe",
    "> folded",
    "'Single' quotes",
    '"Double" quotes',
    "Mixed 'n\" quotes \\ backslash",
    "Amélie",
    "Сталкер",
    "七人の侍",
    "وجدة",
    "🎬 Popcorn 🍿",
    "e\u0301 combining",
    "  leading and trailing  ",
    "tab\tinside",
    "line\nbreak",
    "---",
    "...",
    "a: b: c",
    "key: value # comment",
    "Long " + "very " * 80 + "title",
    "2001: A Space Odyssey",
    "8½",
    "M*A*S*H",
]


@pytest.mark.parametrize("title", TRICKY_TITLES, ids=range(len(TRICKY_TITLES)))
def test_tricky_titles_come_back_exactly(run, tmp_path, title):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    director = "Dïrector: #1 & *co"
    result = new(
        run,
        lib,
        *full(title=title, director=director, year="1999", poster=poster, date="2020-05-06"),
        "--body",
        "Body: *one*\n",
    )
    assert result.exit_code == 0, result.stderr
    path = result.stdout.strip()
    name = Path(path).name
    assert name.startswith("2020-05-06-") and name.endswith(".md")
    assert not set(name) & set('/\\:*?"<>|') and not name[11:].startswith(".")
    assert len(name[11:-3].encode()) <= 100
    record = parsed(run, lib, f"_posts/{name}")
    assert record["title"] == title
    assert record["director"] == director
    assert record["year"] == 1999
    assert record["body"] == "Body: *one*\n"
    assert run("-L", lib, "validate").exit_code == 0


def test_titles_property(tmp_path):
    """Any text a post can hold comes back as the same string (library level, many cases)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from filmcli.api import Library
    from filmcli.ops.new import plan_new

    lib = make_library(tmp_path)
    library = Library(lib)
    text = st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=60,
    ).filter(lambda s: s.strip())

    @settings(
        max_examples=150,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        title=text,
        director=text,
        body=st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80
        ),
    )
    def check(title, director, body):
        plan = plan_new(
            library, title=title, director=director, year=2000, body=body, date="2020-01-01"
        )
        back = Post.from_bytes(plan.data, plan.path)
        assert back.title == title and back.director == director and back.body == body
        assert back.year == 2000

    check()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n",
        "\nleading blank line",
        "no newline at the end",
        "two\n\nparagraphs\n",
        "crlf\r\nlines\r\n",
        "---\nnot fm\n---\n",
        "  indented\n\ttab\n",
        "{% raw %}{{ x }}{% endraw %}",
    ],
)
def test_body_is_written_exactly(run, tmp_path, body):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    body_file = tmp_path / "review.md"
    body_file.write_bytes(body.encode())
    result = new(run, lib, *full(poster=poster), "--body-file", body_file)
    assert result.exit_code == 0, result.stderr
    data = (lib / "_posts/2013-12-18-her.md").read_bytes()
    assert data.endswith(b"\n---\n\n" + body.encode())
    assert parsed(run, lib, "_posts/2013-12-18-her.md")["body"] == body


def test_edit_opens_the_editor(run, tmp_path, monkeypatch):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    script = tmp_path / "editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').write('Written in the editor.\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = new(run, lib, *full(poster=poster), "--edit")
    assert result.exit_code == 0, result.stderr
    assert parsed(run, lib, "_posts/2013-12-18-her.md")["body"] == "Written in the editor.\n"


# --- slugs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, name",
    [
        ("Amélie", "2020-01-01-amelie.md"),
        ("Léon: The Professional", "2020-01-01-leon-the-professional.md"),
        ("七人の侍", "2020-01-01-七人の侍.md"),
        ("CON", "2020-01-01-con-film.md"),
        ("???", None),
    ],
)
def test_slug_from_title(run, tmp_path, title, name):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    result = new(run, lib, *full(title=title, poster=poster, date="2020-01-01"))
    assert result.exit_code == 0, result.stderr
    written = Path(result.stdout.strip()).name
    if name:
        assert written == name
    else:
        assert written.startswith("2020-01-01-film-") and written.isascii()
    again = new(run, lib, *full(title=title, poster=poster, date="2020-01-01"), "--dry-run")
    assert again.exit_code == 1  # the same film: refused, and the slug is stable


# ("trailing..." is a fine slug: tests/test_add.py::test_new_and_validate_share_the_slug_rule)
@pytest.mark.parametrize(
    "slug",
    [
        "a/b",
        "..",
        ".hidden",
        "CON",
        "nul.txt",
        "a:b",
        "tab\there",
        "star*",
        "",
        "x" * 101,
        " space",
    ],
)
def test_unsafe_slug_is_refused_not_cleaned(run, tmp_path, slug):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    result = new(run, lib, *full(poster=poster), "--slug", slug)
    assert result.exit_code == 2
    assert "--slug" in result.stderr
    assert list((lib / "_posts").iterdir()) == []


def test_explicit_slug(run, tmp_path):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    result = new(run, lib, *full(poster=poster), "--slug", "her-jonze")
    assert result.exit_code == 0, result.stderr
    assert (lib / "_posts/2013-12-18-her-jonze.md").is_file()


# --- missing fields, refusals -------------------------------------------------------


def test_missing_fields_without_a_terminal_exit_2_naming_them(run, tmp_path):
    lib = make_library(tmp_path)
    result = new(run, lib, "--title", "Her")
    assert result.exit_code == 2
    assert "--director" in result.stderr and "--year" in result.stderr
    assert "--poster" in result.stderr and "--title" not in result.stderr.split("hint")[0]
    assert result.stdout == ""
    assert list((lib / "_posts").iterdir()) == []
    result = new(run, lib)
    assert result.exit_code == 2 and "--title" in result.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_missing_fields_are_asked_on_a_terminal(tmp_path):
    lib = make_library(tmp_path)
    poster = seed_poster(tmp_path)
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "filmcli",
                "-L",
                str(lib),
                "new",
                "--title",
                "Her",
                "--date",
                "2013-12-18",
                "--body",
                "Asked.",
            ],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        os.close(slave)
        os.write(master, f"Spike Jonze\nnot a year\n2013\n{poster}\n".encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert out == b"lib/_posts/2013-12-18-her.md\n"
    assert b"Director:" in err and b"Year:" in err and b"Poster image file:" in err
    assert b"whole number" in err
    post = Post.read(lib / "_posts/2013-12-18-her.md")
    assert (post.director, post.year, post.body) == ("Spike Jonze", 2013, "Asked.")


def test_refuses_to_overwrite_unless_force(run, tmp_path):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    assert new(run, lib, *full(poster=poster), "--body", "first").exit_code == 0
    target = lib / "_posts/2013-12-18-her.md"
    before = target.read_bytes()
    again = new(run, lib, *full(poster=poster), "--body", "second")
    assert again.exit_code == 1
    assert "already" in again.stderr and "--force" in again.stderr
    assert target.read_bytes() == before
    forced = new(run, lib, *full(poster=poster), "--body", "second", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert Post.read(target).body == "second"


def test_same_film_on_another_date_is_refused_then_replaced_with_force(run, tmp_path):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    assert new(run, lib, *full(poster=poster)).exit_code == 0
    other = new(run, lib, *full(poster=poster, date="2014-01-01"))
    assert other.exit_code == 1 and "2013-12-18-her.md" in other.stderr
    forced = new(run, lib, *full(poster=poster, date="2014-01-01"), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in (lib / "_posts").iterdir()) == ["2014-01-01-her.md"]
    assert "replaced" in forced.stderr


def test_another_film_with_the_same_slug_gets_the_year(run, tmp_path):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    assert (
        new(run, lib, *full(title="Dune", year="1984", poster=poster, date="2020-01-01")).exit_code
        == 0
    )
    result = new(run, lib, *full(title="Dune", year="2021", poster=poster, date="2021-01-01"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("2021-01-01-dune-2021.md")
    assert run("-L", lib, "validate").exit_code == 0


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--year", "1800"], 2, "outside"),
        (["--year", "soon"], 2, "year"),
        (["--date", "2020-13-01"], 2, "not a real date"),
        (["--date", "yesterday"], 2, "YYYY-MM-DD"),
        (["--body", "x", "--edit"], 2, "one way"),
    ],
)
def test_bad_values_are_usage_errors(run, tmp_path, args, code, words):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    base = full(poster=poster)
    for flag in ("--year", "--date"):
        if flag in args:
            i = base.index(flag)
            del base[i : i + 2]
    result = new(run, lib, *base, *args)
    assert result.exit_code == code, result.stderr
    assert words in result.stderr
    assert list((lib / "_posts").iterdir()) == []


def test_nul_in_the_body_is_a_clear_error(run, tmp_path):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    body = tmp_path / "body.txt"
    body.write_bytes(b"before\x00after")
    result = new(run, lib, *full(poster=poster), "--body-file", body)
    assert result.exit_code == 1
    assert "NUL" in result.stderr and "Traceback" not in result.stderr
    assert list((lib / "_posts").iterdir()) == []


def test_dry_run_prints_the_post_and_writes_nothing(run, tmp_path):
    lib = make_library(tmp_path)
    poster = image_file(tmp_path / "p.jpg")
    result = new(run, lib, *full(poster=poster), "--body", "Dry.", "--dry-run")
    assert result.exit_code == 0, result.stderr
    post = Post.from_bytes(result.stdout_bytes)
    assert (post.title, post.year, post.body) == ("Her", 2013, "Dry.")
    assert "would write" in result.stderr
    assert list((lib / "_posts").iterdir()) == []


def test_new_library_folder_gets_its_posts_folder(run, tmp_path):
    lib = tmp_path / "fresh"
    lib.mkdir()
    poster = image_file(tmp_path / "p.jpg")
    result = new(run, lib, *full(poster=poster))
    assert result.exit_code == 0, result.stderr
    assert (lib / "_posts/2013-12-18-her.md").is_file()
    assert "created the posts folder" in result.stderr


def test_defaults_from_filmcli_toml(run, tmp_path):
    lib = make_library(
        tmp_path,
        '[defaults]\nlayout = "review"\n'
        '[defaults.front_matter]\ncategories = ["films"]\n'
        "published = true\n",
    )
    poster = image_file(tmp_path / "p.jpg")
    result = new(run, lib, *full(poster=poster))
    assert result.exit_code == 0, result.stderr
    text = (lib / "_posts/2013-12-18-her.md").read_text()
    lines = text.split("\n")
    assert lines[1] == "layout: review"
    assert lines[6:8] == ['categories: ["films"]', "published: true"]
    other = new(run, lib, *full(title="Other", poster=poster), "--layout", "post")
    assert other.exit_code == 0, other.stderr
    assert Path(other.stdout.strip()).read_text().startswith("---\nlayout: post\n")


# --- posters ----------------------------------------------------------------------------


def poster_of(lib: Path, name: str = "2013-12-18-her.md"):
    return Post.read(lib / "_posts" / name).poster


def test_poster_is_turned_upright_stripped_and_shrunk(run, tmp_path):
    lib = make_library(tmp_path)
    im = Image.new("RGB", (1200, 800), (20, 120, 200))
    im.paste((250, 250, 0), (0, 0, 100, 100))  # a yellow mark in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPS position
    path = tmp_path / "photo.jpg"
    im.save(path, "JPEG", exif=exif.tobytes(), comment=b"private note")
    result = new(run, lib, *full(poster=path))
    assert result.exit_code == 0, result.stderr
    poster = poster_of(lib)
    assert poster.declared_mime == "image/jpeg" and poster.format == "JPEG"
    out = Image.open(io.BytesIO(poster.data))
    assert out.size == (400, 600)  # upright (portrait) and 400 wide
    assert not out.getexif() and "comment" not in out.info and "exif" not in out.info
    assert b"CameraMaker" not in poster.data and b"private note" not in poster.data
    r, g, b = out.convert("RGB").getpixel((390, 10))  # the mark is now top-right
    assert r > 180 and g > 180 and b < 90


def test_small_poster_keeps_its_size_and_png_stays_png(run, tmp_path):
    lib = make_library(tmp_path)
    path = image_file(tmp_path / "small.png", size=(120, 180), fmt="PNG", color=(0, 0, 0, 0))
    assert new(run, lib, *full(poster=path)).exit_code == 0
    poster = poster_of(lib)
    assert poster.uri.startswith("data:image/png;base64,")
    assert (poster.width, poster.height) == (120, 180)
    assert Image.open(io.BytesIO(poster.data)).mode == "RGBA"


def test_mime_is_the_real_format_not_the_file_name(run, tmp_path):
    lib = make_library(tmp_path)
    path = image_file(tmp_path / "actually-png.jpg", fmt="PNG")
    assert new(run, lib, *full(poster=path)).exit_code == 0
    assert poster_of(lib).uri.startswith("data:image/png;base64,")
    assert run("-L", lib, "validate").exit_code == 0


@pytest.mark.parametrize(
    "setting, mime, fmt",
    [("webp", "image/webp", "WEBP"), ("jpeg", "image/jpeg", "JPEG"), ("png", "image/png", "PNG")],
)
def test_poster_format_setting(run, tmp_path, setting, mime, fmt):
    lib = make_library(tmp_path, f'[poster]\nformat = "{setting}"\nmax_width = 200\n')
    path = image_file(tmp_path / "p.png", size=(500, 750), fmt="PNG")
    assert new(run, lib, *full(poster=path)).exit_code == 0
    poster = poster_of(lib)
    assert poster.declared_mime == mime and poster.format == fmt
    assert poster.width == 200


@pytest.mark.parametrize(
    "content, words",
    [
        (b"just some text\n", "not an image"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "image"),
    ],
)
def test_not_an_image_is_refused(run, tmp_path, content, words):
    lib = make_library(tmp_path)
    path = tmp_path / "poster.jpg"
    path.write_bytes(content)
    result = new(run, lib, *full(poster=path))
    assert result.exit_code == 1
    assert words in result.stderr and "poster.jpg" in result.stderr
    assert "Traceback" not in result.stderr
    assert list((lib / "_posts").iterdir()) == []


def test_missing_poster_file(run, tmp_path):
    lib = make_library(tmp_path)
    result = new(run, lib, *full(poster=tmp_path / "nope.jpg"))
    assert result.exit_code == 1 and "no such image file" in result.stderr


def test_force_never_overwrites_another_films_post(run, site):
    """--force replaces the film's own post; a slug naming another film's file is refused."""
    poster = site.parent / "her.jpg"
    from filmcli import Post

    poster.write_bytes(Post.read(site / "_posts" / "2013-12-18-her.md").poster.data)
    before = {p.name: p.read_bytes() for p in (site / "_posts").iterdir()}
    result = run(
        "-L",
        site,
        "new",
        "--title",
        "Her",
        "--director",
        "Spike Jonze",
        "--year",
        "2013",
        "--poster",
        poster,
        "--date",
        "2013-03-01",
        "--slug",
        "no",
        "--force",
    )
    assert result.exit_code == 1
    assert "a post for another film already has this file name" in result.stderr
    assert {p.name: p.read_bytes() for p in (site / "_posts").iterdir()} == before


# --- run inside the posts or drafts folder: the site above it -------------------------


@pytest.mark.parametrize("markers", [True, False], ids=["with-config", "bare-folder"])
@pytest.mark.parametrize("inside", ["_posts", "_posts/reviews", "_drafts"])
def test_new_run_inside_the_posts_folder_uses_the_site_above(tmp_path, markers, inside):
    lib = tmp_path / "lib"
    (lib / "_posts" / "reviews").mkdir(parents=True)
    (lib / "_drafts").mkdir()
    if markers:
        (lib / "_config.yml").write_text("title: test\n")
    args = [
        "new",
        "--title",
        "Her",
        "--director",
        "Spike Jonze",
        "--year",
        "2013",
        "--date",
        "2013-12-18",
        "--poster",
        str(seed_poster(tmp_path)),
    ]
    result = run_process(*args, cwd=lib / inside)
    assert result.returncode == 0, result.stderr
    assert (lib / "_posts" / "2013-12-18-her.md").is_file()
    assert not (lib / inside / "_posts").exists()
    listed = run_process("list", "--format", "tsv", "--fields", "title,path", cwd=lib / inside)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.decode().splitlines()[1:] == ["Her\t_posts/2013-12-18-her.md"]


def test_a_category_posts_folder_inside_a_site_is_not_a_site(tmp_path):
    """Jekyll's `blog/_posts` is a category folder of the site that has the settings."""
    lib = make_library(tmp_path)
    (lib / "blog" / "_posts").mkdir(parents=True)
    result = run_process(
        "new",
        "--title",
        "Her",
        "--director",
        "Spike Jonze",
        "--year",
        "2013",
        "--date",
        "2013-12-18",
        "--poster",
        str(seed_poster(tmp_path)),
        cwd=lib / "blog" / "_posts",
    )
    assert result.returncode == 0, result.stderr
    assert (lib / "_posts" / "2013-12-18-her.md").is_file()
    assert list((lib / "blog" / "_posts").iterdir()) == []


# --- --force replaces only the same film, says so, and keeps the review -------------------


def _force_args(poster, title="Other Film", year="2020", date="2005-07-02", *extra):
    return [
        "--title",
        title,
        "--director",
        "Someone",
        "--year",
        year,
        "--poster",
        str(poster),
        "--date",
        date,
        *extra,
    ]


def test_force_never_replaces_another_film_with_the_same_file_name(run, site):
    yes = site / "_posts" / "2005-07-02-yes.md"
    before = yes.read_bytes()
    poster = seed_poster(site.parent)
    result = run("-L", site, "new", *_force_args(poster), "--slug", "yes", "--force")
    assert result.exit_code == 1
    assert "'Yes' (2004)" in result.stderr and "2005-07-02-yes.md" in result.stderr
    assert yes.read_bytes() == before
    # the same with a title whose own slug is taken by that file
    result = run("-L", site, "new", *_force_args(poster, "YES!"), "--force")
    assert yes.read_bytes() == before


def test_force_never_replaces_a_post_it_cannot_read(run, tmp_path):
    lib = make_library(tmp_path)
    broken = lib / "_posts" / "2013-12-18-her.md"
    broken.write_bytes(b"---\ntitle: [unclosed\n---\nmy only notes\n")
    result = new(run, lib, *full(poster=seed_poster(tmp_path)), "--slug", "her", "--force")
    assert result.exit_code == 1 and "2013-12-18-her.md" in result.stderr
    assert "cannot read" in result.stderr
    assert broken.read_bytes() == b"---\ntitle: [unclosed\n---\nmy only notes\n"


@pytest.mark.parametrize("date", ["2013-12-18", "2014-01-01"], ids=["same-file", "new-date"])
def test_force_on_the_same_film_keeps_its_review_and_says_what_it_replaced(run, tmp_path, date):
    lib = make_library(tmp_path)
    poster = seed_poster(tmp_path)
    assert new(run, lib, *full(poster=poster), "--body", "My long review.\n").exit_code == 0
    old = lib / "_posts" / "2013-12-18-her.md"
    old.write_bytes(old.read_bytes().replace(b"year: 2013\n", b"year: 2013\nrating: 5\n"))
    result = new(run, lib, *full(director="S. Jonze", poster=poster, date=date), "--force")
    assert result.exit_code == 0, result.stderr
    written = lib / "_posts" / f"{date}-her.md"
    post = Post.read(written)
    assert post.body == "My long review.\n"  # no --body: the review stays
    assert post.director == "S. Jonze"  # what was given replaces
    assert post.front_matter.get("rating") == 5  # what was not given stays
    assert "replaced" in result.stderr and "2013-12-18-her.md" in result.stderr
    assert sorted(p.name for p in (lib / "_posts").iterdir()) == [written.name]
    again = new(run, lib, *full(poster=poster, date=date), "--force", "--body", "New.")
    assert again.exit_code == 0, again.stderr
    assert Post.read(written).body == "New."  # --body gives a new review
