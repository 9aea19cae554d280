"""filmcli: manage a Jekyll film-review blog from the shell or from Python.

The public names are imported lazily so that `filmcli --version` does not pay
for YAML, Pillow or rich.
"""

import sys as _sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy, pyright)


def _cli_excepthook(kind, value, tb, _previous=_sys.excepthook):
    """The filmcli command's answer to a Ctrl-C or SIGTERM that no code caught (one during
    the start-up's imports): `error: interrupted`, exit 130, no traceback. Imports nothing,
    so it works from the first line of the package on (see filmcli.interrupt)."""
    if not issubclass(kind, KeyboardInterrupt):
        return _previous(kind, value, tb)
    for stream in (_sys.stdout, _sys.stderr):
        try:
            if stream is _sys.stderr:
                stream.write("error: interrupted\n")
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    _sys.modules["os"]._exit(130)


def _is_cli(argv: list) -> bool:
    """Whether this process is the filmcli command: `filmcli ...`, or `python -m filmcli`
    (while -m imports the package, sys.argv[0] is "-m")."""
    name = argv[0].replace("\\", "/").rsplit("/", 1)[-1] if argv else ""
    return name in ("-m", "filmcli", "filmcli.exe")


if _is_cli(_sys.argv):
    _sys.excepthook = _cli_excepthook  # first of all: nothing before it can be interrupted
    from filmcli import interrupt as _interrupt

    _interrupt.install()

__version__ = "0.1.0"

# Every public name, and the module it lives in. Imported on first use (`__getattr__`), so
# `import filmcli` (and `filmcli --version`) loads no YAML, Pillow or rich; type checkers
# read the same names from the imports under TYPE_CHECKING below.
_EXPORTS: dict[str, str] = {
    # the library and what it reads
    "Library": "filmcli.api",
    "Post": "filmcli.model.post",
    "Poster": "filmcli.model.poster",
    # errors
    "FilmcliError": "filmcli.errors",
    "UsageError": "filmcli.errors",
    "NoMatch": "filmcli.ops.selector",
    "Ambiguous": "filmcli.ops.selector",
    # validate, stats, export, show
    "Problem": "filmcli.ops.validate",
    "Rule": "filmcli.ops.validate",
    "ValidationOptions": "filmcli.ops.validate",
    "ValidationReport": "filmcli.ops.validate",
    "FixReport": "filmcli.ops.fixes",
    "Stats": "filmcli.ops.stats",
    "ExportResult": "filmcli.ops.export",
    "Shown": "filmcli.show.page",
    # set, rm, rename, publish, fill
    "Change": "filmcli.ops.manage",
    "FieldChange": "filmcli.ops.manage",
    "Move": "filmcli.ops.manage",
    "Removal": "filmcli.ops.manage",
    "Filled": "filmcli.ops.fill",
}
_RENAMED = {"ValidationOptions": "Options"}  # public name -> its name in its module

__all__ = [  # spelled out for type checkers; the same names as _EXPORTS (a test checks)
    "Library",
    "Post",
    "Poster",
    "FilmcliError",
    "UsageError",
    "NoMatch",
    "Ambiguous",
    "Problem",
    "Rule",
    "ValidationOptions",
    "ValidationReport",
    "FixReport",
    "Stats",
    "ExportResult",
    "Shown",
    "Change",
    "FieldChange",
    "Move",
    "Removal",
    "Filled",
    "__version__",
]

if TYPE_CHECKING:
    from filmcli.api import Library
    from filmcli.errors import FilmcliError, UsageError
    from filmcli.model.post import Post
    from filmcli.model.poster import Poster
    from filmcli.ops.export import ExportResult
    from filmcli.ops.fill import Filled
    from filmcli.ops.fixes import FixReport
    from filmcli.ops.manage import Change, FieldChange, Move, Removal
    from filmcli.ops.selector import Ambiguous, NoMatch
    from filmcli.ops.stats import Stats
    from filmcli.ops.validate import Options as ValidationOptions
    from filmcli.ops.validate import Problem, Rule, ValidationReport
    from filmcli.show.page import Shown


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'filmcli' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
