"""Precision and recall of `filmcli validate`'s build rules, with real Jekyll as the judge.

    python benchmarks/jekyll_precision.py SITE [SITE ...] [--posts-dir DIR] [--json OUT]

For each site folder: a copy is built with real Jekyll (benchmarks/jekyll_facts.rb, as
`jekyll build` does) and checked with validate; each post file's outcome (ok, aborts,
dropped, mangled, collides, static, skipped: see jekyll_judge.py) is compared with the
build-rule errors validate reports on it.

- precision: of the posts validate flags with a build-rule error, the share Jekyll failed
  on (aborted, dropped, mangled a value, or built over another file);
- recall: of the posts Jekyll failed on, the share validate flags.

Jekyll stops on the first post that aborts the build: that post is recorded, moved out of
the copy, and the build taken again, so every post is judged. What the measuring machine
lacks is supplied in the copy, never in the site: a theme that is not installed is dropped
(its layouts only wrap pages), plugins that are not installed are replaced by Liquid tags of
the same names (filmcli.ops.liquid.PLUGIN_TAGS), and Sass, which needs the theme, is left
out. Posts are never modified.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402
from jekyll_judge import BUILD_RULES, jekyll_facts, outcomes, post_files, score  # noqa: E402

INSTALLED_PLUGINS = ("jekyll-redirect-from", "jekyll-compose")
MAX_REBUILDS = 60


def _prepare(source: Path, work: Path) -> Path:
    """A copy of the site Jekyll can build on this machine (see the module's doc)."""
    from filmcli.ops.liquid import PLUGIN_TAGS

    site = work / "site"
    shutil.copytree(
        source,
        site,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", "_site", ".jekyll-cache", "node_modules", "vendor", ".bundle"
        ),
    )
    config_path = next(
        (site / n for n in ("_config.yml", "_config.yaml") if (site / n).is_file()),
        site / "_config.yml",
    )
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        config = {}
    if not isinstance(config, dict):
        config = {}
    stubs: dict[str, bool] = {}
    kept = []
    for key in ("plugins", "gems"):
        for name in config.pop(key, None) or []:
            if name in INSTALLED_PLUGINS:
                kept.append(name)
            else:
                stubs.update(PLUGIN_TAGS.get(str(name), {}))
    gemfile = site / "Gemfile"
    if gemfile.is_file():
        group = re.search(
            r"group\s*\(?\s*:jekyll_plugins.*?\bdo\b(.*?)\bend\b",
            gemfile.read_text(encoding="utf-8", errors="replace"),
            re.S,
        )
        for name in re.findall(r"""gem\s+["']([\w.-]+)["']""", group.group(1) if group else ""):
            stubs.update(PLUGIN_TAGS.get(name, {}))
        gemfile.unlink()
    (site / "Gemfile.lock").unlink(missing_ok=True)
    if kept:
        config["plugins"] = kept
    for key in ("theme", "remote_theme"):
        config.pop(key, None)
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    for other in ("_config.yaml",) if config_path.name == "_config.yml" else ("_config.yml",):
        (site / other).unlink(missing_ok=True)
    if stubs:
        plugins = site / "_plugins"
        plugins.mkdir(exist_ok=True)
        lines = []
        for number, (name, block) in enumerate(sorted(stubs.items())):
            base = "Liquid::Block" if block else "Liquid::Tag"
            lines.append(
                f"class FilmcliStub{number} < {base}; def render(_c) = ''; end\n"
                f"Liquid::Template.register_tag({name!r}, FilmcliStub{number})\n"
            )
        (plugins / "zz_filmcli_plugin_stubs.rb").write_text("".join(lines))
    for pattern in ("*.scss", "*.sass"):
        for path in site.rglob(pattern):
            if not any(part.startswith("_") for part in path.relative_to(site).parts):
                path.unlink()
    return site


def _culprit(error: str, site: Path) -> str | None:
    """The file a build error names (relative to the site), if any."""
    rooted = error.replace(str(site.resolve()) + "/", "").replace(str(site) + "/", "")
    for match in re.finditer(
        r"([\w./ @+~-]+\.(?:md|markdown|html|htm|textile|xml|txt|json))", rooted
    ):
        candidate = match.group(1).strip().lstrip("/")
        while candidate:
            if (site / candidate).is_file():
                return candidate
            if "/" not in candidate:
                break
            candidate = candidate.split("/", 1)[1]
    return None


def _drop_broken_plugins(site: Path, error: str, notes: dict) -> bool:
    """Remove the site's _plugins/*.rb that need a gem this machine lacks (the build stops
    on `uninitialized constant Gem::...`, a LoadError, or a method missing from a class the
    gem defines); True if any was."""
    found = re.search(
        r"uninitialized constant ([A-Z]\w*)|cannot load such file -- ([\w/-]+)"
        r"|for (?:class|module) `(?:Jekyll::)?(\w+)",
        error,
    )
    plugins = site / "_plugins"
    if not found or not plugins.is_dir():
        return False
    name = found.group(1) or found.group(2) or found.group(3)
    dropped = [
        p for p in plugins.rglob("*.rb") if name in p.read_text(encoding="utf-8", errors="replace")
    ]
    for path in dropped:
        notes.setdefault("plugins_left_out", []).append(path.relative_to(site).as_posix())
        path.unlink()
    return bool(dropped)


def judge(
    source: Path,
    posts_dir: str | None = None,
    posts_only: bool = False,
    timeout: int = 600,
    suffixes: tuple[str, ...] = (".md", ".markdown"),
    only: str | None = None,
) -> tuple[dict, list[str], dict]:
    """(outcomes, validate's problems as dicts, notes) for one site."""
    from filmcli.api import Library
    from filmcli.ops.validate import Options, validate

    notes: dict = {"removed_non_posts": [], "aborting_posts": []}
    with tempfile.TemporaryDirectory(prefix="jekyll-precision-") as tmp:
        site = _prepare(source, Path(tmp))
        folders = [posts_dir] if posts_dir else []
        posts = post_files(site, folders, suffixes)
        if only:
            posts = [p for p in posts if p.startswith(only.rstrip("/") + "/")]
        # validate first, on the untouched posts of the copy
        if posts_dir:
            (site / "filmcli.toml").write_text(f'posts_dir = "{posts_dir}"\n')
        library = Library(site)
        options = Options.from_config(library.config, fast=True)
        options.required = ()
        problems = [p.as_dict() for p in validate(library, [site / p for p in posts], options)]
        (site / "filmcli.toml").unlink(missing_ok=True)
        results: dict = {}
        for _ in range(MAX_REBUILDS):
            facts = jekyll_facts([site], timeout=timeout, posts_only=posts_only)[str(site)]
            if not facts.get("error"):
                break
            culprit = _culprit(facts["error"], site)
            if culprit is None and _drop_broken_plugins(site, facts["error"], notes):
                continue  # a plugin of a gem this machine lacks: left out, as a theme is
            if culprit is None:
                notes["unattributed_error"] = facts["error"][:300]
                break
            if culprit in posts:
                results[culprit] = {"outcome": "aborts", "detail": facts["error"][:300]}
                notes["aborting_posts"].append(culprit)
            else:
                notes["removed_non_posts"].append(culprit)
            (site / culprit).unlink()
        remaining = [p for p in posts if p not in results and (site / p).is_file()]
        if not facts.get("error"):
            results.update(outcomes(site, facts, remaining))
        else:
            for path in remaining:
                results[path] = {"outcome": "unjudged", "detail": "the build never finished"}
    return results, problems, notes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sites", nargs="+", help="site folders (SITE::FOLDER: judge only the posts under FOLDER)"
    )
    parser.add_argument("--posts-dir", help="the library's posts folder, if not _posts")
    parser.add_argument("--json", type=Path, help="write every outcome and finding here")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument(
        "--posts-only",
        action="store_true",
        help="render each post alone, without layouts or pages (big sites)",
    )
    parser.add_argument("--timeout", type=int, default=600, help="seconds per Jekyll build")
    parser.add_argument(
        "--html", action="store_true", help="judge .html posts too (filmcli reads them when named)"
    )
    args = parser.parse_args(argv)
    report = {}
    totals = {"posts": 0, "failed": 0, "flagged": 0, "true": 0, "found": 0}
    for source in args.sites:
        # SITE::FOLDER judges only the posts under FOLDER (a part of a big site built with
        # the parts its posts link to)
        source, _, only = str(source).partition("::")
        source = Path(source)
        suffixes = (".md", ".markdown", ".html") if args.html else (".md", ".markdown")
        results, problems, notes = judge(
            source, args.posts_dir, args.posts_only, args.timeout, suffixes, only or None
        )
        judged = {p: r for p, r in results.items() if r["outcome"] != "unjudged"}
        found = score(judged, [p for p in problems if p["path"] in judged])
        for key in totals:
            totals[key] += found[key]
        kinds: dict = {}
        for r in judged.values():
            kinds[r["outcome"]] = kinds.get(r["outcome"], 0) + 1
        name = source.name + ("::" + only if only else "")
        print(
            f"{name}: {found['posts']} posts {kinds}; validate flags {found['flagged']}"
            f", {found['true']} of them failed in Jekyll; Jekyll failed on {found['failed']},"
            f" validate found {found['found']}: precision {found['precision']:.3f}, recall "
            f"{found['recall']:.3f}"
        )
        by_path: dict = {}
        for p in problems:
            if p["rule"] in BUILD_RULES and p["severity"] == "error":
                by_path.setdefault(p["path"], []).append(f"{p['rule']} {p['message'][:120]}")
        for path in found["false_positives"]:
            print(f"  false positive {path}: {by_path.get(path)}; Jekyll: {judged[path]}")
        for path in found["missed"]:
            print(f"  missed {path}: Jekyll {judged[path]}")
        if args.verbose:
            for path, r in sorted(judged.items()):
                if r["outcome"] != "ok":
                    print(f"  {r['outcome']:9} {path}: {r['detail'][:150]}")
        report[str(source)] = {
            "score": found,
            "outcomes": results,
            "problems": problems,
            "notes": notes,
        }
    if len(args.sites) > 1:
        precision = totals["true"] / totals["flagged"] if totals["flagged"] else 1.0
        recall = totals["found"] / totals["failed"] if totals["failed"] else 1.0
        print(
            f"all: {totals['posts']} posts, {totals['failed']} failed in Jekyll, "
            f"{totals['flagged']} flagged: precision {precision:.3f}, recall {recall:.3f}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False))
    rules = ", ".join(sorted(BUILD_RULES))
    print(f"(measured {_dt.date.today().isoformat()}, build rules: {rules})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
