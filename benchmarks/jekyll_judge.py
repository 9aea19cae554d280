"""Real Jekyll as the judge of `filmcli validate`'s build rules.

`jekyll_facts(sites)` builds each site with real Jekyll (benchmarks/jekyll_facts.rb: one Ruby
process for them all) and returns what it did; `outcomes(site, facts)` turns that into one
outcome per post file:

- ``ok``: built, every front-matter value as YAML reads it;
- ``aborts``: the build stopped on it;
- ``dropped``: Jekyll read no post from the file (name it ignores, not UTF-8, ...);
- ``mangled``: built, but a value differs from what YAML (PyYAML's safe loader) reads, or the
  front matter was lost (Jekyll logged it could not read it);
- ``collides``: built to a destination another post or page also builds to;
- ``static``: copied as a static file (no front matter in a collection);
- ``skipped``: left out on purpose (``published: false``, a future date).

`score(site, outcomes, problems)` compares them with validate's build-rule errors.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "jekyll_facts.rb"
JEKYLL = shutil.which("jekyll")

FAILED = frozenset(("aborts", "dropped", "mangled", "collides"))
#: validate's rules that claim what a Jekyll build does with a post (the rest are filmcli's
#: own: required fields, posters, sizes, the alias budget, unknown keys...)
BUILD_RULES = frozenset(
    (
        "FC001",
        "FC002",
        "FC003",
        "FC004",
        "FC007",
        "FC201",
        "FC202",
        "FC204",
        "FC205",
        "FC207",
        "FC209",
    )
)
#: keys Jekyll gives meaning to (dates, categories, tags, slug): not compared as values
INTERPRETED = frozenset(
    ("date", "categories", "category", "tags", "tag", "slug", "ext", "draft", "excerpt")
)
_FRONT = re.compile(rb"\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)", re.M | re.S)
_OPENED = re.compile(rb"---\s*\r?\n")
_SKIP = object()


def jekyll_facts(
    sites: list[Path], timeout: int = 600, posts_only: bool = False
) -> dict[str, dict]:
    """What real Jekyll does with each site: {str(site): facts}; one Ruby process.
    `posts_only`: render each post on its own, without layouts and pages (big sites; see
    jekyll_facts.rb)."""
    import os

    if JEKYLL is None:
        raise RuntimeError("jekyll is not installed (apt-get install -y jekyll)")
    with tempfile.TemporaryDirectory(prefix="jekyll-judge-") as tmp:
        args: list[str] = []
        for number, site in enumerate(sites):
            args += [str(Path(site).resolve()), str(Path(tmp) / f"site{number}")]
        env = dict(os.environ)
        env.pop("JEKYLL_FACTS_POSTS_ONLY", None)
        if posts_only:
            env["JEKYLL_FACTS_POSTS_ONLY"] = "1"
        done = subprocess.run(
            ["ruby", str(DRIVER), *args], capture_output=True, timeout=timeout, check=False, env=env
        )
    if done.returncode != 0:
        raise RuntimeError(f"jekyll_facts.rb failed: {done.stderr.decode()[-2000:]}")
    raw = json.loads(done.stdout)
    return {str(Path(site)): raw[str(Path(site).resolve())] for site in sites}


def _plain(value):
    """A PyYAML value in the shape jekyll_facts.rb gives Ruby's (dates not compared)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return _SKIP
    if isinstance(value, bytes):  # Ruby's binary String: text when it is ASCII
        return value.decode() if value.isascii() else {"$binary": base64.b64encode(value).decode()}
    if isinstance(value, float) and value != value:  # NaN
        return {"$float": "NaN"}
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return {"$float": "Infinity" if value > 0 else "-Infinity"}
    return value


def _same(ours, theirs) -> bool:
    if ours is _SKIP:
        return isinstance(theirs, dict) and ("$date" in theirs or "$time" in theirs)
    if isinstance(ours, dict) and isinstance(theirs, dict) and "$binary" not in ours:
        return ours.keys() == theirs.keys() and all(_same(v, theirs[k]) for k, v in ours.items())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    return type(ours) is type(theirs) and ours == theirs


def yaml_front_matter(data: bytes):
    """The front matter as YAML reads it (PyYAML's safe loader), split as Jekyll splits it;
    None when there is none or YAML refuses it."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    found = _FRONT.match(data)
    if not found:
        return None
    try:
        return yaml.safe_load(found.group(1).decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError):
        return None


def post_files(
    site: Path, folders: list[str] | None = None, suffixes: tuple[str, ...] = (".md", ".markdown")
) -> list[str]:
    """The post files of a site (relative paths): the Markdown files (what filmcli reads;
    other `suffixes` on request) under every `_posts` folder and the given collection
    folders."""
    found = []
    roots = [p for p in site.rglob("_posts") if p.is_dir() and "_site" not in p.parts]
    roots += [site / f for f in folders or () if (site / f).is_dir()]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if (
                path.is_file()
                and path.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in path.relative_to(site).parts)
            ):
                found.append(path.relative_to(site).as_posix())
    return sorted(set(found))


def _culprits(error: str, posts: list[str]) -> list[str]:
    named = [p for p in posts if p in error or Path(p).name in error]
    return named or posts


def outcomes(
    site: Path, facts: dict, posts: list[str] | None = None, today: _dt.date | None = None
) -> dict[str, dict]:
    """{post path: {"outcome": ..., "detail": ...}} for each post file of `site`."""
    site = Path(site)
    where = str(site.resolve()) + "/"
    facts = json.loads(json.dumps(facts).replace(json.dumps(where)[1:-1], ""))
    posts = post_files(site) if posts is None else posts
    today = today or _dt.date.today()
    out: dict[str, dict] = {}
    if facts.get("error"):
        for path in _culprits(facts["error"], posts):
            out[path] = {"outcome": "aborts", "detail": facts["error"]}
        return out
    docs = {d["path"]: d for d in facts.get("docs", [])}
    render_errors = facts.get("render_errors", {})
    static = set(facts.get("static", []))
    log = facts.get("log", "")
    colliding = {p for group in facts.get("conflicts", []) for p in group}
    for path in posts:
        data = (site / path).read_bytes()
        ours = yaml_front_matter(data)
        doc = docs.get(path)
        unclosed = _OPENED.match(data.removeprefix(b"\xef\xbb\xbf")) and not _FRONT.match(
            data.removeprefix(b"\xef\xbb\xbf")
        )
        if doc is None:
            if path in static:
                out[path] = {"outcome": "static", "detail": "copied as a static file"}
            elif isinstance(ours, dict) and ours.get("published") is False:
                out[path] = {"outcome": "skipped", "detail": "published: false"}
            elif f"Skipping: {path} has a future date" in log:
                out[path] = {"outcome": "skipped", "detail": "a future date"}
            else:
                out[path] = {"outcome": "dropped", "detail": "Jekyll made no post of it"}
            continue
        if path in render_errors:
            out[path] = {"outcome": "aborts", "detail": render_errors[path]}
            continue
        if f"{path}" in log and ("could not read file" in log or "YAML Exception" in log):
            line = next((x for x in log.splitlines() if path in x), "")
            out[path] = {"outcome": "mangled", "detail": "front matter lost: " + line.strip()}
            continue
        if unclosed:
            out[path] = {
                "outcome": "mangled",
                "detail": "front matter not closed: Jekyll "
                "renders it as text and titles the post from its file name",
            }
            continue
        theirs = doc.get("data", {})
        diffs = []
        if isinstance(ours, dict):
            for key, value in ours.items():
                if str(key) in INTERPRETED:
                    continue
                if str(key) not in theirs:
                    diffs.append(f"{key}: missing")
                elif not _same(_plain(value), theirs[str(key)]):
                    diffs.append(f"{key}: YAML {_plain(value)!r}, Jekyll {theirs[str(key)]!r}")
        if diffs:
            out[path] = {"outcome": "mangled", "detail": "; ".join(diffs)}
        elif path in colliding:
            group = next(g for g in facts["conflicts"] if path in g)
            out[path] = {
                "outcome": "collides",
                "detail": "shares its destination with " + ", ".join(p for p in group if p != path),
            }
        else:
            out[path] = {"outcome": "ok", "detail": doc.get("url") or ""}
        if any(
            path in dest or doc.get("url", "") in dest
            for group in facts.get("case_conflicts", [])
            for dest in group
        ):
            out[path]["case_conflict"] = True
    return out


def score(
    results: dict[str, dict], problems: list[dict], rules: frozenset[str] = BUILD_RULES
) -> dict:
    """Precision and recall of validate's build-rule errors against Jekyll's outcomes.

    A post validate flags (a build-rule error on it) is a true finding when Jekyll failed on
    it; for posts that collide, flagging any one of the group finds the whole group.
    """
    flagged = {p["path"] for p in problems if p["rule"] in rules and p["severity"] == "error"}
    failed = {path for path, r in results.items() if r["outcome"] in FAILED}
    groups = {}
    for path, r in results.items():
        if r["outcome"] == "collides":
            partners = {x.strip() for x in r["detail"].split("with ", 1)[1].split(",")}
            groups[path] = partners | {path}
    found = {
        path for path in failed if path in flagged or (path in groups and groups[path] & flagged)
    }
    true = {path for path in flagged if path in failed}
    return {
        "posts": len(results),
        "failed": len(failed),
        "flagged": len(flagged),
        "true": len(true),
        "found": len(found),
        "precision": len(true) / len(flagged) if flagged else 1.0,
        "recall": len(found) / len(failed) if failed else 1.0,
        "false_positives": sorted(flagged - failed),
        "missed": sorted(failed - found),
    }
