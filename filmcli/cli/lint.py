"""`filmcli validate`: the library's linter, for people and for CI."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import NO_FILTERS, PATHS_HELP, Filters, chosen_paths, filter_options

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
    filters: Filters = NO_FILTERS,
) -> None:
    """Lint the library: rule ids, file:line, exit 1 when there are errors; [*] marks what
    --fix repairs."""
    from filmcli.cli.console import data_output, message
    from filmcli.errors import UsageError
    from filmcli.ops.validate import rule_filter

    if fmt in ("json", "github") or rules:
        data_output()  # data for scripts and CI: UTF-8 whatever the locale
    if rules:
        return _print_rules()
    if fmt not in VALIDATE_FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint="choose text, json or github")
    rule_filter(select, ignore)  # a rule that does not exist: a usage error before reading
    library = get_library(ctx)
    targets = chosen_paths(library, paths or [], filters)
    if filters.chooses and not targets:
        if fmt == "json":
            sys.stdout.write("[]\n")
        return message("no films match; nothing to check")
    if unsafe_fixes and not (fix or diff):
        raise UsageError("--unsafe-fixes goes with --fix or --diff")
    chosen = dict(drafts=filters.drafts and not targets, select=select, ignore=ignore, fast=fast)
    fixed = None
    if fix or diff:
        fixed, report = _fix(library, targets, chosen, strict, unsafe=unsafe_fixes, diff=diff)
    else:
        report = _validate(library, targets, chosen, strict)
    _print_report(library, report, fmt, fixed)
    if not report.ok or (fixed is not None and fixed.failed):
        raise typer.Exit(1)


def _print_rules() -> None:
    """`validate --rules`: rule, severity, what it checks, the kind of fix (or -)."""
    from filmcli.ops.validate import rule_table

    for rule in rule_table():
        sys.stdout.write(f"{rule.id}\t{rule.severity}\t{rule.text}\t{rule.fix or '-'}\n")


def _validate(library, targets, chosen: dict, strict: bool):
    """`Library.validate` under a progress bar."""
    from filmcli.cli.progress import Progress, count_posts

    with Progress("validating", count_posts(library, targets)) as bar:
        fast = chosen["fast"]
        then = None if fast else (lambda: bar.phase("checking posters"))
        return library.validate(targets, strict=strict, on_post=bar.advance, on_read=then, **chosen)


def _fix(library, targets, chosen: dict, strict: bool, *, unsafe: bool, diff: bool):
    """`Library.fix` with its lines printed (cli.fixing), and what remains as a report;
    --diff prints its summary and exits here."""
    from filmcli.cli.console import message
    from filmcli.cli.fixing import run_fixes, summary
    from filmcli.ops.validate import Options, ValidationReport, rule_filter, strictly

    keep = rule_filter(chosen["select"], chosen["ignore"])
    options = Options.from_config(library.config, fast=chosen["fast"])
    fixed = run_fixes(
        library, targets, options, keep, unsafe=unsafe, diff=diff, drafts=chosen["drafts"]
    )
    if diff:
        message(summary(fixed))
        raise typer.Exit(1 if fixed.changed else 0)
    remaining = strictly(fixed.remaining) if strict else fixed.remaining
    return fixed, ValidationReport(remaining)


def _print_report(library, report, fmt: str, fixed) -> None:
    """The problems in `fmt`, then (text) the counts or the fix summary on stderr."""
    from dataclasses import replace

    from filmcli.cli.console import message
    from filmcli.ops.formats import dumps_json

    problems = report.problems
    if fmt == "json":
        sys.stdout.write(dumps_json([p.as_dict() for p in problems]) + "\n")
    elif fmt == "github":
        for p in problems:
            sys.stdout.write(p.github() + "\n")
    else:
        for p in problems:  # for people: the path as seen from the current folder
            shown = replace(p, path=library.shown(p.path))
            sys.stdout.write(shown.text(no_fix=fixed is not None) + "\n")
        if fixed is None:
            errors, warnings = report.errors, report.warnings
            message(
                f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
                if problems
                else "no problems found"
            )
    if fixed is not None:
        from filmcli.cli.fixing import summary

        message(summary(fixed))
