"""filmcli: manage a Jekyll film-review blog from the shell or from Python.

The public names are imported lazily so that `filmcli --version` does not pay
for YAML, Pillow or rich.
"""

__version__ = "0.1.0"

__all__ = ["Library", "Post", "Poster", "FilmcliError", "__version__"]


def __getattr__(name):
    if name == "Library":
        from .library import Library

        return Library
    if name == "Post":
        from .post import Post

        return Post
    if name == "Poster":
        from .poster import Poster

        return Poster
    if name == "FilmcliError":
        from .errors import FilmcliError

        return FilmcliError
    raise AttributeError(f"module 'filmcli' has no attribute {name!r}")
