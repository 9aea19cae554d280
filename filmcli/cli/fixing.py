"""`validate --fix/--diff` output: what each fix did, the diffs, the summary line."""

from __future__ import annotations

import sys

from filmcli.cli.common import say_library


def run_fixes(library, paths, options, keep, *, unsafe: bool, diff: bool, drafts: bool):
    """Run `Library.fix` and say what it did: a diff per post with `diff`, else one line per
    fix (and per rename) on stderr, the changed posts' paths on stdout."""
    from filmcli.cli import console
    from filmcli.store.editing import diff_text

    if not diff:
        say_library(library)
    report = library.fix(
        paths, unsafe=unsafe, dry_run=diff, options=options, keep=keep, drafts=drafts
    )
    for plan in report.plans:
        old = library.relpath(plan.path)
        for problem, exc in plan.refused:
            console.warn(old, f"{problem.rule} not fixed: {exc.message}")
        if plan.error is not None:
            console.error_line(plan.error.location or old, plan.error.message, plan.error.hint)
            continue
        if not plan.changed:
            continue
        new = library.relpath(plan.new_path)
        if diff:
            text = diff_text(plan.before, plan.after, old, new)
            if not text:  # a rename only
                text = f"--- a/{old}\n+++ b/{new}\n"
            sys.stdout.write(text)
            continue
        for applied in plan.applied:
            where = f"{old}:{applied.line}" if applied.line else old
            console.message(f"{where}: fixed {applied.rule}: {applied.note}")
        if new != old:
            console.message(f"moved {old} -> {new}")
    return report


def summary(report) -> str:
    """`fixed 3, 2 left (1 fixable with --unsafe-fixes)` (`would fix` for --diff)."""
    verb = "would fix" if report.dry_run else "fixed"
    text = f"{verb} {report.fixed}, {len(report.remaining)} left"
    if not report.unsafe and report.unsafe_left:
        text += f" ({report.unsafe_left} fixable with --unsafe-fixes)"
    return text
