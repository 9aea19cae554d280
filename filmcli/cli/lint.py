"""`filmcli validate`: the library's linter, for people and for CI."""

from __future__ import annotations

import typer

from .app import app, get_library
from .common import DRAFTS_HELP, PATHS_HELP

VALIDATE_FORMATS = ("text", "json", "github")


@app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    fmt: str = typer.Option("text", "--format", "-F", metavar="FORMAT",
                           help="text, json or github."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    select: list[str] = typer.Option([], "--select", metavar="RULE",
                                     help="Only these rules (id or prefix, repeatable)."),
    ignore: list[str] = typer.Option([], "--ignore", metavar="RULE",
                                     help="Skip these rules (id or prefix, repeatable)."),
    fast: bool = typer.Option(False, "--fast",
                              help="Check image headers and magic bytes only; no full decode."),
    rules: bool = typer.Option(False, "--rules", help="List the rules and exit."),
    drafts: bool = typer.Option(False, "--drafts", help=DRAFTS_HELP),
) -> None:
    """Lint the library: rule ids, file:line, exit 1 when there are errors."""
    import sys

    from ..errors import UsageError
    from ..formats import dumps_json
    from ..validate import ERROR, RULES, Options, rule_filter, validate
    from .console import data_output, message
    from .progress import Progress, count_posts, tracking_library

    if fmt in ("json", "github") or rules:
        data_output()  # data for scripts and CI: UTF-8 whatever the locale
    if rules:
        for rule, (severity, text) in RULES.items():
            sys.stdout.write(f"{rule}\t{severity}\t{text}\n")
        return
    if fmt not in VALIDATE_FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint="choose text, json or github")
    keep = rule_filter(select, ignore)
    library = get_library(ctx)
    options = Options.from_config(library.config, fast=fast)
    with Progress("validating", count_posts(library, paths)) as bar:
        tracking_library(library, bar, then="checking posters" if options.images else None)
        problems = [p for p in validate(library, paths or [], options, drafts=drafts)
                    if keep(p.rule)]
    if strict:
        problems = [p if p.severity == ERROR else type(p)(p.path, p.line, p.rule, ERROR, p.message)
                    for p in problems]
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    if fmt == "json":
        sys.stdout.write(dumps_json([p.as_dict() for p in problems]) + "\n")
    elif fmt == "github":
        for p in problems:
            sys.stdout.write(p.github() + "\n")
    else:
        for p in problems:
            sys.stdout.write(p.text() + "\n")
        if problems:
            message(f"{errors} error{'s' * (errors != 1)}, {warnings} warning"
                    f"{'s' * (warnings != 1)}")
        else:
            message("no problems found")
    if errors:
        raise typer.Exit(1)
