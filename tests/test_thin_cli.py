"""The CLI is thin: every command function parses, calls a `filmcli.Library` method and
prints. Its body (after the signature and docstring) is at most 40 lines and its mccabe
complexity (ruff's C901) at most 10; what a Python user would need lives in the library."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

MAX_BODY = 40
MAX_COMPLEXITY = 10

# being thinned in h1b/h1c/h7 (emptied as those branches are merged)
PENDING: set[str] = set()  # commands still to thin (none: every command is thin)


def commands() -> dict[str, object]:
    """Every command function the Typer app registers (groups too), by function name."""
    from filmcli.cli import app

    found: dict[str, object] = {}

    def walk(typer_app, prefix: str) -> None:
        for command in typer_app.registered_commands:
            function = inspect.unwrap(command.callback)
            found[function.__name__] = function
        for group in typer_app.registered_groups:
            walk(group.typer_instance, f"{prefix}{group.name} ")

    walk(app, "")
    return found


def body_lines(function) -> int:
    """Lines from the first statement after the docstring to the function's end."""
    source = Path(inspect.getsourcefile(function)).read_text(encoding="utf-8")
    [node] = [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.FunctionDef) and n.name == function.__name__
    ]
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def complexities() -> dict[tuple[str, str], int]:
    """(file, function) -> complexity, for the functions of filmcli/cli over MAX_COMPLEXITY."""
    out = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "check", "--select", "C901", "--output-format"),
            *("json", "--config", f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "--no-cache"),
            str(ROOT / "filmcli" / "cli"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    over = {}
    for finding in json.loads(out.stdout):
        name = finding["message"].split("`")[1]
        over[(Path(finding["filename"]).name, name)] = int(
            finding["message"].split("(")[-1].split(" ")[0]
        )
    return over


def test_every_command_function_is_thin():
    found = commands()
    assert {"validate_cmd", "stats_cmd", "export_cmd", "show_cmd", "config_show"} <= set(found)
    assert PENDING <= set(found), "a pending command was renamed: update PENDING"
    over = complexities()
    fat = {}
    for name, function in found.items():
        lines = body_lines(function)
        complexity = over.get((Path(inspect.getsourcefile(function)).name, name))
        if (lines > MAX_BODY or complexity) and name not in PENDING:
            fat[name] = (lines, complexity)
    assert fat == {}, "command functions over 40 lines or complexity 10: (lines, complexity)"
    thin = {
        name
        for name in PENDING
        if body_lines(found[name]) <= MAX_BODY
        and (Path(inspect.getsourcefile(found[name])).name, name) not in over
    }
    assert thin == set(), "thin now: take them out of PENDING"


def test_the_measures_can_fail(tmp_path):
    """The two measures see a fat function (so the test above can fail)."""
    import importlib.util

    lines = "\n".join(f"    if x == {i}:\n        x += {i}" for i in range(25))
    code = f"def fat_cmd(x):\n    '''Doc.'''\n{lines}\n    return x\n"
    path = tmp_path / "fat.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("fat", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert body_lines(module.fat_cmd) == 51
    out = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "check", "--select", "C901", "--no-cache"),
            *("--config", "lint.mccabe.max-complexity=10", "--isolated", str(path)),
        ],
        capture_output=True,
        text=True,
    )
    assert "fat_cmd` is too complex (26 > 10)" in out.stdout
