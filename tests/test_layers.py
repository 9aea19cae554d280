"""The layers run one way: a module imports only from its own rank or lower ones.

errors/text/interrupt (0) < model (1) < store (2) < posters (3) < lookup (4) < ops (5) <
show (6) < api (7) < cli (8); `filmcli/__init__.py` (the lazy public names) and
`filmcli/__main__.py` are exempt. Every import counts, at the top of a module or inside a
function: a lazy import is still a dependency. A lower layer that reaches the facade's own
methods through the library it was handed (`library.set(...)` in ops) depends on api just
as much, so those calls count too.

Also: the library's model and its settings stay light (no Pillow, no rich), checked in a
real process.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import filmcli

PACKAGE = Path(__file__).resolve().parent.parent / "filmcli"

RANKS = {
    "errors": 0,
    "text": 0,
    "interrupt": 0,
    "model": 1,
    "store": 2,
    "posters": 3,
    "lookup": 4,
    "ops": 5,
    "show": 6,
    "api": 7,
    "cli": 8,
}
EXEMPT = {"filmcli", "filmcli.__main__"}

# The names `filmcli/__init__.py` hands out lazily, and the module each one comes from:
# `from filmcli import Library` is an import of filmcli.api.
PUBLIC = {
    name: getattr(filmcli, name).__module__.removeprefix("filmcli.")
    for name in filmcli.__all__
    if name != "__version__"
}

# Known violations, each to be fixed on its own branch; the merge that fixes one clears it
# here (test_known_violations_are_still_there fails once the code no longer has it).
KNOWN: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def rank_of(module: str) -> int | None:
    """The rank of a filmcli module (None for anything outside filmcli, and for the
    package itself)."""
    parts = module.split(".")
    if parts[0] != "filmcli" or len(parts) < 2:
        return None
    return RANKS.get(parts[1])


def facade_only_methods() -> set[str]:
    """The methods filmcli.api.Library adds to store.Store: what only the facade has."""

    def methods(path: Path, cls: str) -> set[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == cls:
                return {
                    n.name
                    for n in node.body
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                }
        raise AssertionError(f"no class {cls} in {path}")

    return methods(PACKAGE / "api.py", "Library") - methods(
        PACKAGE / "store" / "library.py", "Store"
    )


def dependencies(module: str, source: str, facade: set[str]):
    """(line, the filmcli name it depends on) for every import in `source`, at any depth
    (`importlib.import_module("...")` with a literal name too), and every
    `library.<facade method>` it calls."""
    package = module.rsplit(".", 1)[0]
    if (PACKAGE.parent / Path(*module.split("."))).is_dir():
        package = module  # a package's own `from . import x` starts at itself
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                if target == "filmcli" and alias.name in PUBLIC:
                    yield node.lineno, f"filmcli.{PUBLIC[alias.name]}.{alias.name}"
                else:
                    yield node.lineno, f"{target}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):  # importlib.import_module("filmcli.ops.query")
            yield node.lineno, node.args[0].value
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in facade
            and isinstance(node.value, ast.Name)
            and node.value.id == "library"
        ):
            yield node.lineno, f"filmcli.api.Library.{node.attr}"


def violations(module: str, source: str, facade: set[str]) -> list[tuple[str, int, str]]:
    """(module, line, what it reaches) for each dependency on a higher rank."""
    mine = rank_of(module)
    if module in EXEMPT or mine is None:
        return []
    out, seen = [], set()
    for line, target in dependencies(module, source, facade):
        theirs = rank_of(target)
        if theirs is not None and theirs > mine and line not in seen:
            seen.add(line)  # one report a line: `from filmcli.cli import app, common`
            out.append((module, line, target))
    return out


def all_modules() -> list[tuple[str, Path]]:
    return sorted((module_name(p), p) for p in PACKAGE.rglob("*.py"))


def all_violations() -> list[tuple[str, int, str]]:
    facade = facade_only_methods()
    found = []
    for module, path in all_modules():
        found += violations(module, path.read_text(encoding="utf-8"), facade)
    return found


def test_every_module_has_a_rank():
    unranked = [m for m, _ in all_modules() if m not in EXEMPT and rank_of(m) is None]
    assert not unranked, f"modules in no layer (add them to RANKS): {unranked}"


def test_public_names_are_the_packages_own():
    """Every public name is filmcli's own, from a module that has a layer."""
    for name, module in PUBLIC.items():
        assert rank_of(f"filmcli.{module}") is not None, (name, module)


def test_no_import_runs_upward():
    found = [v for v in all_violations() if (v[0], v[2]) not in KNOWN]
    lines = [
        f"{module} (rank {rank_of(module)}) line {line}: {target} (rank {rank_of(target)})"
        for module, line, target in found
    ]
    assert not lines, "imports from a lower layer to a higher one:\n" + "\n".join(lines)


def test_known_violations_are_still_there():
    """KNOWN lists what is still to fix, no more: a fixed one must leave the list."""
    found = {(module, target) for module, _, target in all_violations()}
    assert not KNOWN - found, f"fixed, clear from KNOWN: {sorted(KNOWN - found)}"


FACADE = {"set", "_films", "select"}


@pytest.mark.parametrize(
    "module,source,lines",
    [
        ("filmcli.model.post", "import filmcli.store.library\n", [1]),
        ("filmcli.model.post", "import os\n\ndef f():\n    from filmcli.show import cells\n", [4]),
        ("filmcli.model.post", "from ..store import cache\n", [1]),
        ("filmcli.model", "from .. import api\n", [1]),
        ("filmcli.model", "from ..store import cache, atomic\n", [1]),
        ("filmcli.ops.fill", "from filmcli import Library\n", [1]),
        ("filmcli.ops.fill", "def f(library):\n    library.set(1)\n", [2]),
        ("filmcli.ops.fill", "def f(library):\n    return library._films(1)\n", [2]),
        ("filmcli.store.lock", "if x:\n    import filmcli.cli.app as a\n", [2]),
        ("filmcli.posters.extract", "from filmcli.lookup import Session\n", [1]),
        ("filmcli.store.cache", "import importlib\nimportlib.import_module('filmcli.ops')\n", [2]),
        ("filmcli.store.cache", "x = __import__('filmcli.show.cells')\n", [1]),
        (
            "filmcli.api",
            "from filmcli.cli import app\nimport filmcli.ops\nimport filmcli.cli\n",
            [1, 3],
        ),
        # allowed: sideways, downward, exempt modules and names that only look alike
        ("filmcli.ops.fill", "from filmcli.ops import manage\nfrom filmcli import text\n", []),
        ("filmcli.ops.fill", "from filmcli import Post, __version__\n", []),
        ("filmcli.ops.fill", "def f(items):\n    items.set(1)\n", []),
        ("filmcli.ops.fill", "from . import manage\nfrom ..posters import extract\n", []),
        ("filmcli.show.wall", "from filmcli.ops import query\n", []),
        ("filmcli.cli.app", "from filmcli.api import Library\n", []),
        ("filmcli.__main__", "from filmcli.cli import main\n", []),
        ("filmcli.model.post", "import os\nfrom PIL import Image\n", []),
        ("filmcli.ops.fill", "importlib.import_module('filmcli.store.cache')\n", []),
    ],
)
def test_the_check_sees_what_it_should(module, source, lines):
    assert [line for _, line, _ in violations(module, source, FACADE)] == lines


def test_the_facade_methods_are_found():
    facade = facade_only_methods()
    assert {"set", "_films", "select"} <= facade
    assert not facade & {"posts", "read", "iter_posts", "__init__"}


LIGHT = ["filmcli.store.config"] + sorted(
    m for m, _ in all_modules() if m.startswith("filmcli.model.")
)


def heavy_imports(module: str) -> list[str]:
    """The Pillow and rich modules that importing `module` loads, in a fresh process."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {module}\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PIL', 'rich'))))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PACKAGE.parent,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.parametrize("module", LIGHT)
def test_model_and_config_import_neither_pillow_nor_rich(module):
    assert heavy_imports(module) == []


def test_the_heavy_check_can_fail():
    assert "PIL.Image" in heavy_imports("filmcli.show.cells")
