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
    # the results of new, add, extract_posters, embed_posters and wall
    "NewResult",
    "AddReport",
    "ExtractReport",
    "EmbedReport",
    "PosterResult",
    "WallResult",
]

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know it)

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports on first use
    from filmcli.ops.add import AddReport
    from filmcli.ops.new import NewResult
    from filmcli.ops.posters import EmbedReport, ExtractReport
    from filmcli.posters.extract import Result as PosterResult
    from filmcli.show.wall import WallResult

#: name -> (module, attribute), imported on first use
_WRITE_NAMES = {
    "NewResult": ("filmcli.ops.new", "NewResult"),
    "AddReport": ("filmcli.ops.add", "AddReport"),
    "ExtractReport": ("filmcli.ops.posters", "ExtractReport"),
    "EmbedReport": ("filmcli.ops.posters", "EmbedReport"),
    "PosterResult": ("filmcli.posters.extract", "Result"),
    "WallResult": ("filmcli.show.wall", "WallResult"),
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
    if name in _WRITE_NAMES:
        import importlib

        module, attribute = _WRITE_NAMES[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'filmcli' has no attribute {name!r}")
