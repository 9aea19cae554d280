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

__all__ = [  # the public names; a test checks each is in _LAZY and importable
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
    "Candidate",
    "Candidates",
    "Change",
    "Chosen",
    "Edit",
    "FieldChange",
    "Move",
    "Removal",
    "Tally",
    "Filled",
    "InitReport",
    "init_site",
    "NewResult",
    "AddReport",
    "ExtractReport",
    "EmbedReport",
    "PosterResult",
    "WallResult",
    "__version__",
]

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know it)

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports on first use
    from filmcli.api import Library
    from filmcli.errors import FilmcliError, UsageError
    from filmcli.lookup import Candidate, Candidates
    from filmcli.model.post import Post
    from filmcli.model.poster import Poster
    from filmcli.ops.add import AddReport
    from filmcli.ops.export import ExportResult
    from filmcli.ops.fill import Filled
    from filmcli.ops.fixes import FixReport
    from filmcli.ops.manage import Change, Chosen, Edit, FieldChange, Move, Removal, Tally
    from filmcli.ops.new import NewResult
    from filmcli.ops.posters import EmbedReport, ExtractReport
    from filmcli.ops.scaffold import InitReport
    from filmcli.ops.scaffold import init_library as init_site
    from filmcli.ops.selector import Ambiguous, NoMatch
    from filmcli.ops.stats import Stats
    from filmcli.ops.validate import Options as ValidationOptions
    from filmcli.ops.validate import Problem, Rule, ValidationReport
    from filmcli.posters.extract import Result as PosterResult
    from filmcli.show.page import Shown
    from filmcli.show.wall import WallResult

#: name -> (module, attribute): imported on first use, so `import filmcli` (and
#: `filmcli --version`) loads no YAML, Pillow or rich
_LAZY = {
    "Library": ("filmcli.api", "Library"),
    "Post": ("filmcli.model.post", "Post"),
    "Poster": ("filmcli.model.poster", "Poster"),
    "FilmcliError": ("filmcli.errors", "FilmcliError"),
    "UsageError": ("filmcli.errors", "UsageError"),
    "NoMatch": ("filmcli.ops.selector", "NoMatch"),
    "Ambiguous": ("filmcli.ops.selector", "Ambiguous"),
    "Problem": ("filmcli.ops.validate", "Problem"),
    "Rule": ("filmcli.ops.validate", "Rule"),
    "ValidationOptions": ("filmcli.ops.validate", "Options"),
    "ValidationReport": ("filmcli.ops.validate", "ValidationReport"),
    "FixReport": ("filmcli.ops.fixes", "FixReport"),
    "Stats": ("filmcli.ops.stats", "Stats"),
    "ExportResult": ("filmcli.ops.export", "ExportResult"),
    "Shown": ("filmcli.show.page", "Shown"),
    "Candidate": ("filmcli.lookup", "Candidate"),
    "Candidates": ("filmcli.lookup", "Candidates"),
    "Change": ("filmcli.ops.manage", "Change"),
    "Chosen": ("filmcli.ops.manage", "Chosen"),
    "Edit": ("filmcli.ops.manage", "Edit"),
    "FieldChange": ("filmcli.ops.manage", "FieldChange"),
    "Move": ("filmcli.ops.manage", "Move"),
    "Removal": ("filmcli.ops.manage", "Removal"),
    "Tally": ("filmcli.ops.manage", "Tally"),
    "Filled": ("filmcli.ops.fill", "Filled"),
    "InitReport": ("filmcli.ops.scaffold", "InitReport"),
    "init_site": ("filmcli.ops.scaffold", "init_library"),
    "NewResult": ("filmcli.ops.new", "NewResult"),
    "AddReport": ("filmcli.ops.add", "AddReport"),
    "ExtractReport": ("filmcli.ops.posters", "ExtractReport"),
    "EmbedReport": ("filmcli.ops.posters", "EmbedReport"),
    "PosterResult": ("filmcli.posters.extract", "Result"),
    "WallResult": ("filmcli.show.wall", "WallResult"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'filmcli' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])
