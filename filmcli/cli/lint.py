"""`filmcli validate`: the library's linter, for people and for CI."""

from __future__ import annotations

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import PATHS_HELP, Filters, chosen_paths, filter_options

VALIDATE_FORMATS = ("text", "json", "github")


@app.command("validate")
@filter_options
def validate_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    fmt: str = typer.Option(
        "text", "--format", "-F", metavar="FORMAT", help="text, json or github."
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    select: list[str] = typer.Option(
        [], "--select", metavar="RULE", help="Only these rules (id or prefix, repeatable)."
    ),
    ignore: list[str] = typer.Option(
        [], "--ignore", metavar="RULE", help="Skip these rules (id or prefix, repeatable)."
    ),
    fast: bool = typer.Option(
        False, "--fast", help="Check image headers and magic bytes only; no full decode."
    ),
    rules: bool = typer.Option(False, "--rules", help="List the rules and exit."),
    fix: bool = typer.Option(False, "--fix", help="Repair what has a safe fix ([*])."),
    unsafe_fixes: bool = typer.Option(
        False, "--unsafe-fixes", help="With --fix or --diff: the unsafe fixes too."
    ),
    diff: bool = typer.Option(
        False, "--diff", help="Print what --fix would change as a diff; write nothing."
    ),
    filters: Filters = None,
) -> None:
    """Lint the library: rule ids, file:line, exit 1 when there are errors; [*] marks what
    --fix repairs."""
    import sys

    from filmcli.cli.console import data_output, message
    from filmcli.cli.progress import Progress, count_posts
    from filmcli.errors import UsageError
    from filmcli.ops.formats import dumps_json
    from filmcli.ops.validate import ERROR, RULES, Options, rule_filter, validate

    if fmt in ("json", "github") or rules:
        data_output()  # data for scripts and CI: UTF-8 whatever the locale
    if rules:
        from filmcli.ops.fixes import FIXES

        kinds = {f.rule: f.kind for f in FIXES}
        for rule, (severity, text) in RULES.items():
            sys.stdout.write(f"{rule}\t{severity}\t{text}\t{kinds.get(rule, '-')}\n")
        return
    if fmt not in VALIDATE_FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint="choose text, json or github")
    keep = rule_filter(select, ignore)
    library = get_library(ctx)
    options = Options.from_config(library.config, fast=fast)
    targets = chosen_paths(library, paths or [], filters)
    if filters.chooses and not targets:
        if fmt == "json":
            sys.stdout.write("[]\n")
        message("no films match; nothing to check")
        return
    drafts = filters.drafts and not targets
    report = None
    if fix or diff or unsafe_fixes:
        if not (fix or diff):
            raise UsageError("--unsafe-fixes goes with --fix or --diff")
        from filmcli.cli.fixing import run_fixes, summary

        report = run_fixes(
            library, targets, options, keep, unsafe=unsafe_fixes, diff=diff, drafts=drafts
        )
        if diff:
            message(summary(report))
            raise typer.Exit(1 if report.changed else 0)
        problems = report.remaining
    else:
        with Progress("validating", count_posts(library, targets)) as bar:
            then = (lambda: bar.phase("checking posters")) if options.images else None
            problems = [
                p
                for p in validate(
                    library, targets, options, drafts=drafts, on_post=bar.advance, on_read=then
                )
                if keep(p.rule)
            ]
    if strict:
        from dataclasses import replace

        problems = [replace(p, severity=ERROR) for p in problems]
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    if fmt == "json":
        sys.stdout.write(dumps_json([p.as_dict() for p in problems]) + "\n")
    elif fmt == "github":
        for p in problems:
            sys.stdout.write(p.github() + "\n")
    else:
        from dataclasses import replace

        for p in problems:  # for people: the path as seen from the current folder
            sys.stdout.write(
                replace(p, path=library.shown(p.path)).text(no_fix=report is not None) + "\n"
            )
        if report is None and problems:
            message(
                f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            )
        elif report is None:
            message("no problems found")
    if report is not None:
        message(summary(report))
    if errors or (report is not None and report.failed):
        raise typer.Exit(1)
