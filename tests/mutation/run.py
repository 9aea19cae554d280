"""A small mutation-testing run over the modules whose rules are easiest to get subtly wrong.

Opt-in, never part of `python -m pytest` (see tests/README.md):

    nice python tests/mutation/run.py                 # every module, its own test subset
    nice python tests/mutation/run.py --module yamltext --list   # the mutants, not run

Each mutant is one classic one-line change made on the module's syntax tree: a comparison
flipped (`<` to `<=`, `==` to `!=`, `in` to `not in`), a whole number one off (`n` to `n+1`
and `n-1`), `and` swapped for `or`, a `not` dropped, `True`/`False` swapped, `+` and `-`
swapped, a regex anchor (`\\Z`, `^`, `$`) dropped from a pattern. The module is written back
with `ast.unparse` into a private copy of the `filmcli` package, and the module's test subset
runs against that copy (`PYTHONPATH`), stopping at the first failure (`-x`). A mutant is
killed when a test fails or times out, and survives when every test passes.

Docstrings are left alone (mutating them tests nothing). One process at a time: the machine
is shared. The survivors are printed and, with --write, written to tests/mutation/survivors.md
(with the reasons kept in tests/mutation/reasons.toml).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

#: module -> the fast tests that cover it (run from the repository root)
MODULES: dict[str, tuple[str, list[str]]] = {
    "validate": (
        "filmcli/ops/validate.py",
        ["tests/test_boundaries.py", "tests/test_validate.py"],
    ),
    "reader": (
        "filmcli/model/reader.py",
        [
            "tests/test_boundaries.py",
            "tests/test_units.py",
            "tests/test_reader_exact.py",
            "tests/test_read_model.py",
        ],
    ),
    "yamltext": (
        "filmcli/model/yamltext.py",
        ["tests/test_units.py", "tests/test_boundaries.py"],
    ),
    "editing": (
        "filmcli/store/editing.py",
        ["tests/test_units.py"],
    ),
}

_FLIP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SIGNS = {ast.Add: ast.Sub, ast.Sub: ast.Add}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
}
_ANCHORS = ("\\Z", "\\A", "$", "^")


@dataclass
class Mutant:
    module: str
    number: int
    line: int
    what: str
    index: int  # the node's place in _nodes(tree)
    change: object  # changes that node in place; None: drop its `not`

    def source(self) -> str:
        """The module's text with this one change made."""
        tree = ast.parse((ROOT / MODULES[self.module][0]).read_text())
        node = _nodes(tree)[self.index]
        if self.change is None:
            _replace(tree, node, node.operand)
        else:
            self.change(node)
        return ast.unparse(ast.fix_missing_locations(tree))


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the string constants that are docstrings."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _regex_strings(tree: ast.Module) -> set[int]:
    """ids of the string constants given to re.compile/match/search/fullmatch/sub."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
        ):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, (str, bytes)):
                out.add(id(first))
    return out


def _changes(node: ast.AST, regexes: set[int]):
    """(description, function that changes `node` in place) for each mutant of this node."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new = _FLIP.get(type(op))
            if new is not None:

                def change(n, i=i, new=new):
                    n.ops[i] = new()

                yield f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}", change
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        name = "and -> or" if other is ast.Or else "or -> and"

        def change(n, other=other):
            n.op = other()

        yield name, change
    elif isinstance(node, ast.BinOp) and type(node.op) in _SIGNS:
        new = _SIGNS[type(node.op)]

        def change(n, new=new):
            n.op = new()

        yield f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", change
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):

            def change(n):
                n.value = not n.value

            yield f"{value} -> {not value}", change
        elif isinstance(value, int):
            for delta in (1, -1):

                def change(n, delta=delta):
                    n.value = n.value + delta

                yield f"{value} -> {value + delta}", change
        elif id(node) in regexes:
            text = value if isinstance(value, str) else value.decode("latin-1")
            for anchor in _ANCHORS:
                if anchor in text and not (anchor == "$" and "\\$" in text):

                    def change(n, anchor=anchor):
                        if isinstance(n.value, str):
                            n.value = n.value.replace(anchor, "", 1)
                        else:
                            n.value = n.value.replace(anchor.encode(), b"", 1)

                    yield f"regex {value!r}: drop {anchor}", change


def _negatable(node: ast.AST) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)


def _nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node but the docstrings, in ast.walk's order (the same for each parse)."""
    docs = _docstrings(tree)
    return [n for n in ast.walk(tree) if id(n) not in docs]


def mutants(module: str) -> list[Mutant]:
    tree = ast.parse((ROOT / MODULES[module][0]).read_text())
    regexes = _regex_strings(tree)
    out: list[Mutant] = []
    for index, node in enumerate(_nodes(tree)):
        line = getattr(node, "lineno", 0)
        found = list(_changes(node, regexes))
        if _negatable(node):
            found.append(("drop 'not'", None))
        for what, change in found:
            out.append(Mutant(module, len(out) + 1, line, what, index, change))
    return out


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


_WARM = ("pytest", "typer", "rich", "yaml", "PIL.Image", "frontmatter", "liquid", "hypothesis")


def _warm() -> None:
    """Import the heavy third-party modules once, so each forked test run starts at once.

    filmcli itself is never imported here: each child imports it from the mutated copy.
    """
    import importlib

    for name in _WARM:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _pytest(copy_root: Path, tests: list[str], timeout: float) -> tuple[bool, float]:
    """(passed, seconds) for the test subset against the package in copy_root, run in a
    forked child (the parent has the third-party modules loaded, never filmcli)."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: run pytest on the copy, exit with its code
        try:
            os.environ["PYTHONPATH"] = str(copy_root)  # for tests that start real processes
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            os.environ.pop("FILMCLI_LIBRARY", None)
            sys.path.insert(0, str(copy_root))
            sys.dont_write_bytecode = True
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.chdir(ROOT)
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
            os._exit(int(code))
        except BaseException:
            os._exit(99)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0, time.monotonic() - start
        if time.monotonic() - start > timeout:  # a mutant that hangs is caught
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return False, time.monotonic() - start
        time.sleep(0.05)


def _reasons() -> dict:
    path = HERE / "reasons.toml"
    if not path.exists():
        return {}
    import tomllib

    return tomllib.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES))
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--only", type=int, action="append", help="run these mutant numbers")
    parser.add_argument("--every", type=int, default=1, help="run every Nth mutant only")
    parser.add_argument("--write", action="store_true", help="write tests/mutation/survivors.md")
    parser.add_argument(
        "--from-logs",
        nargs="+",
        metavar="LOG",
        help="write survivors.md from saved outputs of earlier runs (a later log's result "
        "for a mutant replaces an earlier one: a re-run after new tests)",
    )
    args = parser.parse_args(argv)
    if args.from_logs:
        write_survivors(_from_logs(args.from_logs))
        return 0
    chosen = args.module or list(MODULES)
    results: dict[str, list[tuple[Mutant, bool]]] = {}
    _warm()
    with tempfile.TemporaryDirectory(prefix="filmcli-mutants-") as tmp:
        copy_root = Path(tmp)
        shutil.copytree(
            ROOT / "filmcli", copy_root / "filmcli", ignore=shutil.ignore_patterns("__pycache__")
        )
        for module in chosen:
            rel, tests = MODULES[module]
            tests = [t for t in tests if (ROOT / t).exists()]
            found = mutants(module)
            if args.only:
                found = [m for m in found if m.number in args.only]
            if args.every > 1:
                found = found[:: args.every]
            if args.list:
                for m in found:
                    print(f"{module}#{m.number} line {m.line}: {m.what}")
                continue
            target = copy_root / rel
            original = target.read_text()
            target.write_text(ast.unparse(ast.parse(original)))
            passed, base = _pytest(copy_root, tests, timeout=1200)
            if not passed:
                print(f"{module}: the tests fail on the unmutated (unparsed) module", flush=True)
                return 2
            print(f"{module}: {len(found)} mutants, tests take {base:.1f}s", flush=True)
            timeout = max(30.0, 3 * base)
            results[module] = []
            for m in found:
                target.write_text(m.source())
                survived, took = _pytest(copy_root, tests, timeout)
                results[module].append((m, survived))
                status = "SURVIVED" if survived else "killed"
                print(
                    f"  {module}#{m.number} line {m.line} {m.what}: {status} ({took:.1f}s)",
                    flush=True,
                )
            target.write_text(original)
    if args.list:
        return 0
    total = sum(len(r) for r in results.values())
    alive = [(m, s) for r in results.values() for m, s in r if s]
    print(f"total {total}, killed {total - len(alive)}, survived {len(alive)}", flush=True)
    if args.write:
        write_survivors(results)
    return 0


_LOG_LINE = re.compile(r"  (\w+)#(\d+) line (\d+) (.*): (killed|SURVIVED) \(")


def _from_logs(logs: list[str]) -> dict[str, list[tuple[Mutant, bool]]]:
    found: dict[str, dict[int, tuple[Mutant, bool]]] = {}
    for log in logs:
        for row in Path(log).read_text().splitlines():
            match = _LOG_LINE.match(row)
            if match:
                module, number, line, what, status = match.groups()
                mutant = Mutant(module, int(number), int(line), what, -1, None)
                found.setdefault(module, {})[int(number)] = (mutant, status == "SURVIVED")
    return {m: [rows[n] for n in sorted(rows)] for m, rows in found.items()}


def write_survivors(results: dict[str, list[tuple[Mutant, bool]]]) -> None:
    reasons = _reasons()
    lines = [
        "# Surviving mutants",
        "",
        "Written by `python tests/mutation/run.py --write` (see tests/README.md). Each survivor",
        "is a change no test notices; the reason says why that is right (an equivalent mutant)",
        "or why it stays.",
        "",
        "| module | mutants | killed | survived |",
        "| --- | ---: | ---: | ---: |",
    ]
    for module, rows in results.items():
        alive = sum(1 for _, s in rows if s)
        lines.append(f"| {module} | {len(rows)} | {len(rows) - alive} | {alive} |")
    lines.append("")
    for module, rows in results.items():
        alive = [m for m, s in rows if s]
        if not alive:
            continue
        lines += [f"## {module} ({MODULES[module][0]})", ""]
        for m in alive:
            key = f"{m.line}: {m.what}"
            why = reasons.get(module, {}).get(key, "no reason recorded yet")
            lines.append(f"- line {m.line}, `{m.what}`: {why}")
        lines.append("")
    (HERE / "survivors.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
