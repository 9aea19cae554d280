"""Records what real Jekyll does with every case under cases/ (see make_cases.py) into
record.json: per case, whether the build stopped, and per post its outcome (ok, aborts,
dropped, mangled, collides, static, skipped) with a detail.

    python tests/data/conformance/record.py          # writes record.json
    python tests/data/conformance/record.py --check  # exit 1 when Jekyll now disagrees

Each case is its own site, so a case that stops the build stops only its own; all are built
by one Ruby process (benchmarks/jekyll_facts.rb runs Jekyll::Site#process, as `jekyll build`
does), which takes a few seconds.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "benchmarks"))

from jekyll_judge import jekyll_facts, outcomes, post_files  # noqa: E402

CASES = HERE / "cases"
RECORD = HERE / "record.json"
#: the day the record is taken as of (dates after it are "future")
TODAY = _dt.date(2026, 1, 1)


def case_posts(case: Path) -> list[str]:
    folders = [p.relative_to(case).as_posix() for p in case.rglob("_reviews") if p.is_dir()]
    return post_files(case, folders)


def judge() -> dict:
    cases = sorted(p for p in CASES.iterdir() if p.is_dir())
    facts = jekyll_facts(cases)
    record = {}
    for case in cases:
        found = facts[str(case)]
        record[case.name] = {
            "build": "aborts" if found.get("error") else "ok",
            "error": found.get("error") and found["error"].replace(str(case) + "/", ""),
            "posts": outcomes(case, found, case_posts(case), today=TODAY),
        }
    return record


def main(argv: list[str]) -> int:
    record = judge()
    if "--check" in argv:
        old = json.loads(RECORD.read_text(encoding="utf-8"))
        stale = {
            name for name in record | old if _outcomes(record.get(name)) != _outcomes(old.get(name))
        }
        for name in sorted(stale):
            print(
                f"{name}: recorded {_outcomes(old.get(name))}, "
                f"Jekyll now {_outcomes(record.get(name))}"
            )
        return 1 if stale else 0
    RECORD.write_text(
        json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    counts: dict = {}
    for case in record.values():
        for post in case["posts"].values():
            counts[post["outcome"]] = counts.get(post["outcome"], 0) + 1
    print(f"{len(record)} cases recorded in {RECORD}: {counts}")
    return 0


def _outcomes(case: dict | None) -> dict | None:
    return None if case is None else {p: r["outcome"] for p, r in case["posts"].items()}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
