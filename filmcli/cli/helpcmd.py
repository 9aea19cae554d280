"""`filmcli help [COMMAND...]`: the same text as `filmcli COMMAND --help`."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app


@app.command("help")
def help_cmd(
    ctx: typer.Context,
    command: list[str] = typer.Argument(
        None, metavar="[COMMAND]...", help="A command, or a group and its command (config set)."
    ),
) -> None:
    """Show the help of a command (as COMMAND --help does), or of filmcli itself."""
    from filmcli.errors import UsageError

    root = ctx.find_root()
    current, target = root, root.command
    for name in command or ():
        sub = target.get_command(current, name) if hasattr(target, "get_command") else None
        if sub is None:
            where = " ".join([current.command_path, name]).split(" ", 1)[-1]
            raise UsageError(f"no command {where!r}", hint="`filmcli help` lists them")
        current = sub.make_context(name, [], parent=current, resilient_parsing=True)
        target = sub
    sys.stdout.write(current.get_help() + "\n")
