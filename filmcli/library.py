"""The library: a Jekyll site folder, its settings and its posts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .config import CONFIG_NAME, Config, load_config
from .errors import FilmcliError
from .post import Post

POST_SUFFIXES = (".md", ".markdown")
SITE_MARKERS = (CONFIG_NAME, "_config.yml", "_config.yaml")


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding filmcli.toml or _config.yml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).is_file() for marker in SITE_MARKERS):
            return folder
    return start


class Library:
    """A site root and its posts; every command works through one of these."""

    def __init__(self, root: str | os.PathLike, config: Config | None = None):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FilmcliError("library folder does not exist", root)
        self.config = config if config is not None else load_config(self.root)

    @classmethod
    def discover(cls, explicit: str | os.PathLike | None = None,
                 cwd: str | os.PathLike | None = None) -> Library:
        """`--library`, else $FILMCLI_LIBRARY, else the nearest site above cwd, else cwd."""
        if explicit:
            return cls(explicit)
        env = os.environ.get("FILMCLI_LIBRARY")
        if env:
            return cls(env)
        return cls(find_root(Path(cwd) if cwd else Path.cwd()))

    @property
    def posts_dir(self) -> Path:
        return self.root / str(self.config.get("posts_dir") or "_posts")

    def relpath(self, path: str | os.PathLike) -> str:
        """A path as users see it: relative to the library root when inside it."""
        path = Path(path)
        try:
            return str(path.resolve().relative_to(self.root))
        except (ValueError, OSError):
            return str(path)

    # --- finding posts --------------------------------------------------

    def post_paths(self, paths: Iterable[str | os.PathLike] = ()) -> list[Path]:
        """Post files under the given files or folders (default: the posts folder), sorted."""
        targets = [Path(p) for p in paths] or [self.posts_dir]
        found: list[Path] = []
        for target in targets:
            if target.is_dir():
                found.extend(sorted(_walk(target)))
            elif target.exists():
                found.append(target)
            elif not paths:
                raise FilmcliError(f"no posts folder here (looked for {self.relpath(target)}/ "
                                   f"in {self.root})", hint="name the site with -L DIR or "
                                   "FILMCLI_LIBRARY, or run filmcli inside it")
            else:
                raise FilmcliError("no such file or folder", target)
        seen = set()
        unique = []
        for path in found:
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                unique.append(path)
        return unique

    def read(self, path: str | os.PathLike) -> Post:
        """Read one post; errors carry the path as the user sees it."""
        max_bytes = self.config.get("read", {}).get("max_post_bytes")
        try:
            return Post.read(path, max_bytes=max_bytes)
        except FilmcliError as exc:
            exc.path = self.relpath(path)
            raise

    def iter_posts(self, paths: Iterable[str | os.PathLike] = ()) -> Iterator[Post | FilmcliError]:
        """Every post, or the error that stopped it, in path order: one bad post stops nothing."""
        for path in self.post_paths(paths):
            try:
                yield self.read(path)
            except FilmcliError as exc:
                yield exc

    def posts(self, paths: Iterable[str | os.PathLike] = ()) -> list[Post]:
        """The posts that read cleanly (use iter_posts to see the others)."""
        return [p for p in self.iter_posts(paths) if isinstance(p, Post)]

    # --- where posters live --------------------------------------------

    def site_file(self, value: str) -> Path | None:
        """The file a site path such as `/assets/posters/her.jpg` names, if inside the site."""
        relative = value.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if not relative or "\x00" in relative:
            return None
        candidate = (self.root / relative).resolve()
        try:
            candidate.relative_to(self.root)
        except ValueError:
            return None
        return candidate


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.endswith(POST_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name
