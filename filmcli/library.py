"""The library: a Jekyll site folder, its settings and its posts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .config import CONFIG_NAME, Config, load_config
from .errors import FilmcliError
from .post import Post
from .reader import parse_bytes, read_bytes

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

    #: read unchanged posts from the metadata cache (`--no-cache` sets it False)
    use_cache = True
    #: below this many posts, reading them costs less than opening the cache
    cache_min_posts = 20

    def __init__(self, root: str | os.PathLike, config: Config | None = None):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FilmcliError("library folder does not exist", root)
        self.config = config if config is not None else load_config(self.root)
        self._prefix = os.path.join(str(self.root), "")

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
        text = os.fspath(path)
        prefix = self._prefix
        if text.startswith(prefix) and "/." not in text and "//" not in text:
            return text[len(prefix):]  # already absolute and plain (what post_paths gives)
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

    def iter_posts(self, paths: Iterable[str | os.PathLike] = (), *,
                   use_cache: bool | None = None) -> Iterator[Post | FilmcliError]:
        """Every post, or the error that stopped it, in path order: one bad post stops nothing.

        Posts whose files are unchanged since filmcli last read them come from
        the metadata cache (`filmcli.cache`) without being read; `use_cache`
        (default: the `use_cache` attribute, which `--no-cache` turns off)
        says whether to use it.
        """
        max_bytes = self.config.get("read", {}).get("max_post_bytes")
        chosen = list(paths)
        found = self.post_paths(chosen)
        cache = None
        if (len(found) >= self.cache_min_posts
                and (self.use_cache if use_cache is None else use_cache)):
            from .cache import PostCache

            cache = PostCache.open(self.root, f"max_post_bytes={max_bytes}")
        # Rows of posts no longer there are dropped when the whole posts folder is read.
        present: set[str] | None = set() if cache is not None and not chosen else None
        folders: dict[str, int] = {}
        try:
            for path in found:
                item = None
                key = st = None
                if cache is not None:
                    key = os.fspath(path)
                    if not os.path.isabs(key):
                        key = os.path.abspath(key)
                    try:
                        st = os.stat(key)
                    except OSError:
                        st = None
                    else:
                        if present is not None:
                            present.add(key)
                        item = cache.get(key, st, path)
                if item is None:
                    try:
                        item = self._read_in(path, folders, max_bytes)
                    except FilmcliError as exc:
                        item = exc
                    if st is not None and getattr(item, "rule", None) != "FC009":
                        cache.put(key, st, item)
                if isinstance(item, FilmcliError):
                    item.path = self.relpath(path)
                yield item
        finally:
            for fd in folders.values():
                os.close(fd)
            if cache is not None:
                cache.close(present, os.path.join(str(self.posts_dir), ""))

    @staticmethod
    def _read_in(path: Path, folders: dict[str, int], max_bytes: int | None) -> Post:
        """Read a post through an open handle on its folder: short paths, fewer lookups."""
        folder, name = os.path.split(path)
        fd = folders.get(folder)
        if fd is None and folder:
            try:
                fd = folders[folder] = os.open(folder, os.O_RDONLY | os.O_DIRECTORY
                                               | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                return Post.read(path, max_bytes=max_bytes)
        data = read_bytes(name if fd is not None else path, max_bytes=max_bytes, dir_fd=fd)
        return Post.from_raw(parse_bytes(data, path, keep=False))

    def posts(self, paths: Iterable[str | os.PathLike] = ()) -> list[Post]:
        """The posts that read cleanly (use iter_posts to see the others)."""
        return [p for p in self.iter_posts(paths) if isinstance(p, Post)]

    # --- where posters live --------------------------------------------

    def site_file(self, value: str) -> Path | None:
        """The file a site path such as `/assets/posters/her.jpg` names, if inside the site."""
        relative = value.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if not relative or "\x00" in relative:
            return None
        try:
            candidate = (self.root / relative).resolve()
            candidate.relative_to(self.root)
            candidate.exists()  # a name too long for the system: no file of the site
        except (ValueError, OSError):
            return None
        return candidate


def _walk(folder: Path) -> list[Path]:
    """Post files under `folder`, in the order sorting their Paths gives (by parts)."""
    keyed = []
    base = os.fspath(folder)
    folders: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = os.path.relpath(dirpath, base)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        index = len(folders)
        folders.append(Path(dirpath))
        for name in filenames:
            if name.endswith(POST_SUFFIXES) and not name.startswith("."):
                keyed.append((parts + (name,), index))
    keyed.sort()
    # Path(text) parses every path again; a child of a parsed folder is much cheaper.
    child = getattr(Path, "_make_child_relpath", None)
    if child is None:  # pragma: no cover - other Python versions
        return [folders[index] / key[-1] for key, index in keyed]
    return [child(folders[index], key[-1]) for key, index in keyed]
