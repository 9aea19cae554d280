"""filmcli: manage a Jekyll film-review blog from the shell or from Python.

The public names are imported lazily so that `filmcli --version` does not pay
for YAML, Pillow or rich.
"""

import sys as _sys


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

__all__ = [
    "Library",
    "Post",
    "Poster",
    "FilmcliError",
    "__version__",
    # managing films and looking them up (set, rm, edit, rename, publish, fill, lookup, init)
    "Candidate",
    "Candidates",
    "Change",
    "Chosen",
    "Edit",
    "FieldChange",
    "Filled",
    "InitReport",
    "Move",
    "Problem",
    "Removal",
    "Tally",
    "UsageError",
    "init_site",
]

import typing as _typing  # noqa: E402  (after the interrupt handler, as every import)

if _typing.TYPE_CHECKING:  # type checkers see the lazy names below
    from filmcli.errors import UsageError
    from filmcli.lookup import Candidate, Candidates
    from filmcli.ops.fill import Filled
    from filmcli.ops.manage import Change, Chosen, Edit, FieldChange, Move, Removal, Tally
    from filmcli.ops.scaffold import InitReport
    from filmcli.ops.scaffold import init_library as init_site
    from filmcli.ops.validate import Problem

# name -> (module, attribute), imported on first use
_LAZY = {
    "Candidate": ("filmcli.lookup", "Candidate"),
    "Candidates": ("filmcli.lookup", "Candidates"),
    "Change": ("filmcli.ops.manage", "Change"),
    "Chosen": ("filmcli.ops.manage", "Chosen"),
    "Edit": ("filmcli.ops.manage", "Edit"),
    "FieldChange": ("filmcli.ops.manage", "FieldChange"),
    "Filled": ("filmcli.ops.fill", "Filled"),
    "InitReport": ("filmcli.ops.scaffold", "InitReport"),
    "Move": ("filmcli.ops.manage", "Move"),
    "Problem": ("filmcli.ops.validate", "Problem"),
    "Removal": ("filmcli.ops.manage", "Removal"),
    "Tally": ("filmcli.ops.manage", "Tally"),
    "UsageError": ("filmcli.errors", "UsageError"),
    "init_site": ("filmcli.ops.scaffold", "init_library"),
}


def __getattr__(name):
    if name == "Library":
        from filmcli.api import Library

        return Library
    if name == "Post":
        from filmcli.model.post import Post

        return Post
    if name == "Poster":
        from filmcli.model.poster import Poster

        return Poster
    if name == "FilmcliError":
        from filmcli.errors import FilmcliError

        return FilmcliError
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'filmcli' has no attribute {name!r}")
