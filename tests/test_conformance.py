"""validate agrees with real Jekyll on the conformance suite (tests/data/conformance).

Each case is a small site of our own posts; record.json holds what Jekyll 4.3 did with each
post (ok, aborts, dropped, mangled, collides, static, skipped), recorded by record.py. A post
Jekyll fails on (aborts, dropped, mangled, collides) must get an error from a build rule,
naming the rule cases.json gives; a post Jekyll builds must get none. Where Jekyll is
installed the record is taken again, so it cannot go stale.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from conftest import DATA

SUITE = DATA / "conformance"
sys.path.insert(0, str(SUITE))
sys.path.insert(0, str(SUITE.parents[2] / "benchmarks"))

from jekyll_judge import BUILD_RULES, FAILED, score  # noqa: E402

RECORD = json.loads((SUITE / "record.json").read_text(encoding="utf-8"))
CASES = json.loads((SUITE / "cases.json").read_text(encoding="utf-8"))


def test_suite_is_large_and_recorded():
    assert len(CASES) >= 60
    assert set(RECORD) == set(CASES)
    outcomes = {p["outcome"] for case in RECORD.values() for p in case["posts"].values()}
    assert {"ok", "aborts", "dropped", "mangled", "collides"} <= outcomes


def _validate(run, name: str) -> list[dict]:
    result = run("-L", SUITE / "cases" / name, "validate", "--format", "json", "--fast")
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_agrees_with_jekyll(run, name):
    problems = _validate(run, name)
    posts = RECORD[name]["posts"]
    found = score(posts, problems)
    assert found["missed"] == [], (
        f"Jekyll {[posts[p] for p in found['missed']]} but validate: {problems}"
    )
    assert found["false_positives"] == [], (
        f"Jekyll built {found['false_positives']} but validate: {problems}"
    )
    rule = CASES[name]["rule"]
    if rule is not None:
        assert rule in {p["rule"] for p in problems}, problems
        failed = [p for p, r in posts.items() if r["outcome"] in FAILED]
        if failed and rule in BUILD_RULES:
            assert any(p["rule"] == rule and p["severity"] == "error" for p in problems), problems


def test_messages_say_what_jekyll_does(run):
    """A build rule's message says what Jekyll will do: stop, drop, or read another value."""
    words = ("Jekyll", "jekyll")
    for name in (
        "date-tomorrow",
        "psych-symbol",
        "psych-sexagesimal",
        "url-same-permalink",
        "liquid-unknown-tag",
        "name-no-date",
    ):
        problems = [p for p in _validate(run, name) if p["rule"] in BUILD_RULES]
        assert problems and all(any(w in p["message"] for w in words) for p in problems), (
            name,
            problems,
        )


@pytest.mark.skipif(
    shutil.which("jekyll") is None, reason="jekyll is not installed: the record is not taken again"
)
def test_record_is_what_jekyll_does_now():
    from record import judge

    now = judge()
    stale = {
        name: (
            {p: r["outcome"] for p, r in now[name]["posts"].items()},
            {p: r["outcome"] for p, r in RECORD[name]["posts"].items()},
        )
        for name in now
        if {p: r["outcome"] for p, r in now[name]["posts"].items()}
        != {p: r["outcome"] for p, r in RECORD[name]["posts"].items()}
    }
    assert not stale, f"record.json is stale (now, recorded): {stale}"


def test_a_sites_film_collection_is_the_library(run, tmp_path):
    """Without filmcli.toml's posts_dir, a site with no _posts but one collection in its
    _config.yml (under collections_dir, if set) is read from that collection, as Jekyll
    reads it; with collections_dir, _posts lives there too."""
    site = tmp_path / "films"
    (site / "_reviews").mkdir(parents=True)
    (site / "_config.yml").write_text("collections:\n  reviews:\n    output: true\n")
    (site / "_reviews" / "paris-texas.md").write_text(
        '---\ntitle: "Paris, Texas"\ndirector: "Wim Wenders"\nyear: 1984\n---\nText.\n'
    )
    result = run("-L", site, "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [p["title"] for p in json.loads(result.stdout)] == ["Paris, Texas"]
    checked = run("-L", site, "validate", "--format", "json", "--select", "FC2")
    assert json.loads(checked.stdout) == []  # no date needed in a collection's names

    other = tmp_path / "dir"
    (other / "site" / "_posts").mkdir(parents=True)
    (other / "_config.yml").write_text("collections_dir: site\n")
    (other / "site" / "_posts" / "2020-03-01-paris-texas.md").write_text(
        '---\ntitle: "Paris, Texas"\n---\nText.\n'
    )
    result = run("-L", other, "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [p["title"] for p in json.loads(result.stdout)] == ["Paris, Texas"]


def test_check_bytes_reads_the_bytes_not_the_file(tmp_path):
    """What `edit` checks before saving: Jekyll's reading of the new text, not the old
    file's (the file on disk is fine, the edited text has a value Psych reads otherwise)."""
    from filmcli.api import Library
    from filmcli.ops.validate import check_bytes

    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    path = site / "_posts" / "2020-03-01-paris-texas.md"
    path.write_text('---\ntitle: "Paris, Texas"\nruntime: "1:52"\n---\nText.\n')
    library = Library(site)
    assert [
        p.rule for p in check_bytes(library, path.read_bytes(), path) if p.rule == "FC209"
    ] == []
    edited = b'---\ntitle: "Paris, Texas"\nruntime: 1:52\nmood: :sad\n---\nText.\n'
    found = [(p.rule, p.line) for p in check_bytes(library, edited, path) if p.rule == "FC209"]
    assert found == [("FC209", 3), ("FC209", 4)]
