"""`filmcli validate`: every rule fires on its own bad post, with its id, severity and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import DATA

RULES_DIR = DATA / "rules"

# rule -> (file, line) the problem must point at (None: the file as a whole)
EXPECTED = {
    "FC001": ("_posts/2013-12-18-her.md", 1),
    "FC002": ("_posts/2013-12-18-her.md", 1),
    "FC003": ("_posts/2013-12-18-her.md", 8),
    "FC004": ("_posts/2013-12-18-her.md", 7),
    "FC005": ("_posts/2013-12-18-her.md", 7),
    "FC006": ("_posts/2013-12-18-her.md", 7),
    "FC007": ("_posts/2013-12-18-her.md", 4),
    "FC008": ("_posts/2013-12-18-her.md", None),
    "FC009": ("_posts/2013-12-18-her.md", None),
    "FC010": ("_posts/2013-12-18-her.md", 7),
    "FC101": ("_posts/2013-12-18-her.md", 1),
    "FC102": ("_posts/2013-12-18-her.md", 5),
    "FC103": ("_posts/2013-12-18-her.md", 5),
    "FC104": ("_posts/2013-12-18-her.md", 6),
    "FC105": ("_posts/2013-12-18-her.md", 6),
    "FC106": ("_posts/2013-12-18-her.md", 6),
    "FC107": ("_posts/2013-12-18-her.md", 6),
    "FC108": ("_posts/2013-12-18-her.md", 6),
    "FC109": ("_posts/2013-12-18-her.md", 6),
    "FC110": ("_posts/2013-12-18-her.md", 6),
    "FC111": ("_posts/2013-12-18-her.md", 6),
    "FC112": ("_posts/2013-12-18-her.md", 6),
    "FC113": ("_posts/2013-12-18-her.md", 6),
    "FC201": ("_posts/her.md", None),
    "FC202": ("_posts/2013-13-01-her.md", None),
    "FC203": ("_posts/2014-01-01-her-again.md", 3),
    "FC204": ("_posts/2014-01-01-her-again.md", None),
    "FC205": ("_posts/2013-12-18-her.md", 7),
    "FC206": ("_posts/2999-01-01-her.md", None),
    "FC207": ("_posts/2013-12-18-her.md", 11),
    "FC208": ("_posts/2013-12-18-her.md", 7),
    "FC209": ("_posts/2013-12-18-her.md", 7),
}
WARNINGS = {"FC001", "FC004", "FC112", "FC113", "FC206", "FC208"}


def test_every_rule_has_a_case():
    from filmcli.ops.validate import RULES

    missing = set(RULES) - set(EXPECTED)
    assert not missing, f"rules without a bad post under tests/data/rules: {missing}"
    # FCxxx-what: more bad posts for a rule, the ones `validate --fix` repairs (test_fix.py)
    assert {p.name for p in RULES_DIR.iterdir() if "-" not in p.name} == set(EXPECTED)
    assert {p.name.split("-")[0] for p in RULES_DIR.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_rule_fires_with_location(run, rule):
    result = run("-L", RULES_DIR / rule, "validate", "--format", "json")
    problems = json.loads(result.stdout)
    hits = [p for p in problems if p["rule"] == rule]
    assert hits, problems
    path, line = EXPECTED[rule]
    assert (hits[0]["path"], hits[0]["line"]) == (path, line)
    assert set(hits[0]) == {"path", "line", "rule", "severity", "message", "fix"}
    severity = "warning" if rule in WARNINGS else "error"
    assert hits[0]["severity"] == severity
    assert result.exit_code == (0 if rule in WARNINGS else 1)


def test_text_format_matches_linter_style(run):
    result = run("-L", RULES_DIR / "FC104", "validate")
    assert result.stdout == (
        "_posts/2013-12-18-her.md:6: FC104 [*] error poster MIME image/png but the data is JPEG\n"
    )
    assert "1 error, 0 warnings" in result.stderr
    assert result.exit_code == 1


def test_github_format(run):
    result = run("-L", RULES_DIR / "FC103", "validate", "--format", "github")
    assert result.stdout.startswith(
        "::error file=_posts/2013-12-18-her.md,line=5,title=FC103::year 1850 is outside"
    )


def test_warnings_exit_zero_unless_strict(run):
    site = RULES_DIR / "FC208"
    assert run("-L", site, "validate").exit_code == 0
    strict = run("-L", site, "validate", "--strict", "--format", "json")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)[0]["severity"] == "error"


def test_select_and_ignore(run):
    site = RULES_DIR / "FC203"
    assert run("-L", site, "validate", "--ignore", "FC203").exit_code == 0
    only = run("-L", site, "validate", "--select", "FC1", "--format", "json")
    assert json.loads(only.stdout) == [] and only.exit_code == 0
    bad = run("-L", site, "validate", "--select", "XX9")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: no rule matches 'XX9'")


def test_object_tag_is_reported_not_run(run, tmp_path):
    marker = Path("/tmp/filmcli-pwned")
    marker.unlink(missing_ok=True)
    result = run("-L", RULES_DIR / "FC005", "validate")
    assert "FC005" in result.stdout
    assert not marker.exists()


def test_fast_mode_skips_full_decode(run):
    site = RULES_DIR / "FC107"
    full = run("-L", site, "validate", "--format", "json")
    fast = run("-L", site, "validate", "--fast", "--format", "json")
    assert [p["rule"] for p in json.loads(full.stdout)] == ["FC107"]
    assert json.loads(fast.stdout) == []


def test_rules_listing(run):
    result = run("validate", "--rules")
    assert result.exit_code == 0
    assert "FC104\terror\tposter MIME type differs from the data" in result.stdout


def test_seed_post_is_clean(run, seed_site):
    result = run("-L", seed_site, "validate")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert "no problems found" in result.stderr


def test_example_site_is_clean(run, site):
    result = run("-L", site, "validate", "--format", "json")
    assert json.loads(result.stdout) == []
    assert result.exit_code == 0


def test_bad_post_does_not_stop_the_others(run, seed_site):
    (seed_site / "_posts" / "2020-01-01-broken.md").write_text("---\ntitle: [\n---\n")
    result = run("-L", seed_site, "validate", "--format", "json")
    rules = [p["rule"] for p in json.loads(result.stdout)]
    assert rules == ["FC003"]
    assert result.exit_code == 1


def test_no_front_matter_says_what_jekyll_does(run, seed_site):
    """Jekyll builds a _posts file with no front matter, titled from its name: a warning."""
    (seed_site / "_posts" / "2020-01-01-broken-film.md").write_text("no front matter here\n")
    result = run("-L", seed_site, "validate", "--format", "json")
    [problem] = json.loads(result.stdout)
    assert (problem["rule"], problem["severity"]) == ("FC001", "warning")
    assert "Jekyll builds it as a post titled 'Broken Film'" in problem["message"]
    assert result.exit_code == 0


def _poster_post(site: Path, uri: str) -> None:
    (site / "_posts" / "2013-12-18-her.md").write_text(
        f'---\nlayout: post\ntitle: "Her"\ndirector: "Spike Jonze"\nyear: 2013\n'
        f"poster: {uri}\n---\n\nA review.\n"
    )


def test_apng_type_is_not_a_mime_mismatch(run, tmp_path):
    """image/apng is APNG's registered type: its data is a PNG stream (with animation
    chunks), not an FC104 mismatch."""
    import base64
    import io

    from PIL import Image

    frames = [Image.new("RGB", (20, 30), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    assert b"acTL" in buf.getvalue()  # really animated
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    _poster_post(site, "data:image/apng;base64," + base64.b64encode(buf.getvalue()).decode())
    result = run("-L", site, "validate", "--format", "json")
    assert json.loads(result.stdout) == [], result.stdout
    # a JPEG called image/apng still is one
    jpeg = io.BytesIO()
    frames[0].save(jpeg, "JPEG")
    _poster_post(site, "data:image/apng;base64," + base64.b64encode(jpeg.getvalue()).decode())
    result = run("-L", site, "validate", "--format", "json")
    assert [p["rule"] for p in json.loads(result.stdout)] == ["FC104"]


def test_os2_bmp_size_read_as_pillow_reads_it(run, tmp_path):
    """A BMP with the 12-byte OS/2 (BITMAPCOREHEADER) header has 16-bit width and height:
    read as 32-bit they made 4,194,431x524,289 pixels (a false FC108)."""
    import base64
    import io
    import struct

    from PIL import Image

    from filmcli.model.imageinfo import image_size

    width, height = 127, 64
    row = (width * 3 + 3) // 4 * 4
    pixels = bytes(row * height)
    header = struct.pack("<IHHHH", 12, width, height, 1, 24)  # BITMAPCOREHEADER
    data = (
        b"BM"
        + struct.pack("<IHHI", 14 + len(header) + len(pixels), 0, 0, 14 + len(header))
        + header
        + pixels
    )
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (width, height)
    assert image_size("BMP", data) == (width, height)
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    _poster_post(site, "data:image/bmp;base64," + base64.b64encode(data).decode())
    result = run("-L", site, "validate", "--format", "json")
    assert json.loads(result.stdout) == [], result.stdout


def test_fc105_resolves_a_poster_path_as_embed_posters_does(tmp_path, run):
    """One resolver: a poster next to the post, or a %-escaped site path, is a file of the site
    for validate as for embed-posters (validate called both FC105 before)."""
    lib = tmp_path / "lib"
    (lib / "_posts").mkdir(parents=True)
    (lib / "assets").mkdir()
    (lib / "_config.yml").write_text("title: t\n")
    image = (Path(__file__).parent.parent / "examples" / "her.jpg").read_bytes()
    (lib / "_posts" / "her.jpg").write_bytes(image)
    (lib / "assets" / "my poster.jpg").write_bytes(image)
    for name, value in (
        ("2013-12-18-her.md", "her.jpg"),
        ("2013-12-19-her-two.md", "/assets/my%20poster.jpg"),
        ("2013-12-20-gone.md", "/assets/none.jpg"),
    ):
        (lib / "_posts" / name).write_text(
            f"---\ntitle: '{name}'\ndirector: D\nyear: 2013\nposter: {value}\n---\nx\n"
        )
    result = run("-L", lib, "validate", "--select", "FC105")
    assert result.stdout.count("FC105") == 1 and "none.jpg" in result.stdout
    assert run("-L", lib, "embed-posters", "-n").exit_code in (0, 1)


def test_library_rules_hold_no_post(tmp_path, monkeypatch, run):
    """The library-wide rules (FC203, FC204) keep a small tuple per post, not the Post: at
    100,000 posts the Posts were 400 MB (issue 16). The duplicates are still found."""
    import gc

    from filmcli.model.post import Post
    from filmcli.ops import validate as validate_mod
    from filmcli.store.library import Store

    site = tmp_path / "lib"
    shutil.copytree(RULES_DIR / "FC204", site)  # two posts with one URL
    for post in (RULES_DIR / "FC203" / "_posts").iterdir():  # and one film twice
        shutil.copy(post, site / "_posts" / f"2016-{post.name[5:]}")
    for n in range(60):
        (site / "_posts" / f"2015-01-{n % 28 + 1:02d}-film-{n}.md").write_text(
            f"---\ntitle: Film {n}\nyear: 2015\n---\nbody\n"
        )
    seen: list[int] = []
    real = validate_mod.Checker.check_library

    def counting(self, facts):
        gc.collect()
        seen.append(sum(isinstance(o, Post) and site in o.path.parents for o in gc.get_objects()))
        return real(self, facts)

    monkeypatch.setattr(validate_mod.Checker, "check_library", counting)
    found = validate_mod.validate(Store(site))
    assert seen == [0]
    assert {p.rule for p in found} >= {"FC203", "FC204"}
    result = run("-L", site, "validate", "--format", "json")
    assert {p["rule"] for p in json.loads(result.stdout)} >= {"FC203", "FC204"}
