"""The library: a Jekyll site folder, its settings and its posts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.slug import POST_SUFFIXES
from filmcli.store.config import CONFIG_NAME, Config, Settings, load_config, settings_of

_BATCH = 512  # posts stat'ed and looked up in the cache together
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know it)
if TYPE_CHECKING:
    from typing import TypeVar

    from filmcli.model.post import Post
    from filmcli.model.reader import parse_bytes, read_stamped

    _Self = TypeVar("_Self", bound="Store")  # discover() makes the class it is called on

SITE_MARKERS = (CONFIG_NAME, "_config.yml", "_config.yaml")


#: Jekyll's own folders: run inside one (or below it), the site is the folder above it
SITE_FOLDERS = ("_posts", "_drafts")


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding filmcli.toml or _config.yml, or the
    folder holding a `_posts`/`_drafts` that `start` is in (a site without settings)."""
    start = start.resolve()
    folders = (start, *start.parents)
    for folder in folders:
        if any((folder / marker).is_file() for marker in SITE_MARKERS):
            return folder  # first: a site's `blog/_posts` category folder is not a site
    for folder in folders:
        if folder.name in SITE_FOLDERS and folder.parent != folder:
            return folder.parent
    return start


class Store:
    """A site root, its settings and its posts: where they are and how they are read.

    The operations (select, set, validate, export, ...) are on its subclass
    `filmcli.Library` (filmcli.api); everything in ops/, posters/ and show/ takes a Store."""

    #: read unchanged posts from the metadata cache (`--no-cache` sets it False)
    use_cache = True
    #: below this many posts, reading them costs less than opening the cache
    cache_min_posts = 20

    def __init__(self, root: str | os.PathLike, config: Config | None = None):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise UsageError("library folder does not exist", root)
        self.config = config if config is not None else load_config(self.root)
        #: the typed settings code reads (`self.config` is what `config show` prints)
        self.settings: Settings = settings_of(self.config)
        self._prefix = os.path.join(str(self.root), "")

    @classmethod
    def discover(
        cls: type[_Self],
        explicit: str | os.PathLike | None = None,
        cwd: str | os.PathLike | None = None,
    ) -> _Self:
        """`--library`, else $FILMCLI_LIBRARY, else the nearest site above cwd, else cwd."""
        if explicit:
            return cls(explicit)
        env = os.environ.get("FILMCLI_LIBRARY")
        if env:
            return cls(env)
        return cls(find_root(Path(cwd) if cwd else Path.cwd()))

    @property
    def posts_dir(self) -> Path:
        setting = self.settings.posts_dir or "_posts"
        if setting == "_posts" and not (self.root / "_posts").is_dir():
            # no posts folder: the site's own collection, as its _config.yml names it
            setting = self.__dict__.get("_collection") or ""
            if not setting:
                from filmcli.model.jekyll import film_collection

                setting = self.__dict__["_collection"] = film_collection(self.root) or "_posts"
        folder = Path(os.path.normpath(self.root / setting))
        if "\x00" in setting or (
            folder != self.root and self.root not in folder.parents and not _outside_allowed()
        ):
            # a settings file that came with a site may not send posts elsewhere
            raise FilmcliError(
                f"posts_dir {setting!r} leads outside the site",
                self.root / CONFIG_NAME,
                hint="set a folder inside the site",
            )
        return folder

    def writable_posts_dir(self) -> Path:
        """The posts folder, when it may be written: inside the site once symlinks are
        followed, unless the user's own config says `allow_outside = true`."""
        folder = self.posts_dir
        real = Path(os.path.realpath(folder))
        if real != self.root and self.root not in real.parents:
            if not _outside_allowed():
                raise FilmcliError(
                    f"the posts folder leads outside the site (to {real}): refusing to write",
                    self.relpath(folder),
                    hint="allow_outside = true in your own "
                    "~/.config/filmcli/config.toml permits it (not in the site's filmcli.toml)",
                )
        return folder

    def writable_drafts_dir(self) -> Path:
        """The drafts folder, when it may be written: as `writable_posts_dir`, it must be
        inside the site once symlinks are followed (unless the user allows outside)."""
        folder = self.drafts_dir
        real = Path(os.path.realpath(folder))
        if real != self.root and self.root not in real.parents and not _outside_allowed():
            raise FilmcliError(
                f"the drafts folder leads outside the site (to {real}): refusing to write",
                self.relpath(folder),
                hint="allow_outside = true in your own "
                "~/.config/filmcli/config.toml permits it (not in the site's filmcli.toml)",
            )
        return folder

    def relpath(self, path: str | os.PathLike) -> str:
        """A path as users see it: relative to the library root when inside it."""
        text = os.fspath(path)
        prefix = self._prefix
        if text.startswith(prefix) and "/." not in text and "//" not in text:
            return text[len(prefix) :]  # already absolute and plain (what post_paths gives)
        path = Path(path)
        try:
            return str(path.resolve().relative_to(self.root))
        except (ValueError, OSError):
            return str(path)

    def shown(self, path: str | os.PathLike) -> str:
        """A path for people: relative to the current folder when that is inside the
        library (`2013-12-18-her.md` from `_posts/`), else as `relpath` gives it.

        A relative `path` is one filmcli made (relative to the root) when it names a file
        there; anything else is left as given.
        """
        text = os.fspath(path)
        if not os.path.isabs(text):
            if not (self.root / text).exists():
                return text
            text = str(self.root / text)
        rel = self.relpath(text)
        try:
            here = Path(os.getcwd()).resolve()
        except OSError:
            return rel
        if here == self.root or self.root not in here.parents or os.path.isabs(rel):
            return rel
        return os.path.relpath(self.root / rel, here)

    def shown_location(self, exc: FilmcliError) -> str:
        """An error's `PATH[:LINE]` with the path as `shown` gives it."""
        if exc.path is None:
            return ""
        where = self.shown(exc.path)
        return f"{where}:{exc.line}" if exc.line else where

    # --- finding posts --------------------------------------------------

    def post_paths(self, paths: Iterable[str | os.PathLike] = ()) -> list[Path]:
        """Post files under the given files or folders (default: the posts folder), sorted."""
        targets = [Path(p) for p in paths] or [self.posts_dir]
        found: list[Path] = []
        for target in targets:
            if target.is_dir():
                inside = _walk(target)  # already in sorted Path order
                if not inside and paths:
                    raise FilmcliError("no posts in this folder (.md or .markdown files)", target)
                found.extend(inside)
            elif target.exists():
                found.append(target)
            elif not paths:
                raise FilmcliError(
                    f"no posts folder here (looked for {self.relpath(target)}/ in {self.root})",
                    hint="name the site with -L DIR or FILMCLI_LIBRARY, or run filmcli inside it",
                )
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
        from filmcli.model.post import Post

        max_bytes = self.settings.read.max_post_bytes
        try:
            return Post.read(path, max_bytes=max_bytes)
        except FilmcliError as exc:
            exc.path = self.relpath(path)
            raise

    @property
    def drafts_dir(self) -> Path:
        """Jekyll's drafts folder, `_drafts/` beside the posts: `slug.md`, no date in the name."""
        return self.root / "_drafts"

    def iter_posts(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        use_cache: bool | None = None,
        drafts: bool = False,
    ) -> Iterator[Post | FilmcliError]:
        """Every post (and with `drafts` every draft after them), or the error that stopped
        it, in path order: one bad post stops nothing."""
        yield from self._iter_posts(paths, use_cache=use_cache)
        if drafts and not list(paths) and self.drafts_dir.is_dir() and _walk(self.drafts_dir):
            yield from self._iter_posts([self.drafts_dir], use_cache=use_cache)

    def _iter_posts(
        self, paths: Iterable[str | os.PathLike] = (), *, use_cache: bool | None = None
    ) -> Iterator[Post | FilmcliError]:
        """Every post, or the error that stopped it, in path order: one bad post stops nothing.

        Posts whose files are unchanged since filmcli last read them come from
        the metadata cache (`filmcli.store.cache`) without being read; `use_cache`
        (default: the `use_cache` attribute, which `--no-cache` turns off)
        says whether to use it.
        """
        max_bytes = self.settings.read.max_post_bytes
        chosen = list(paths)
        if not chosen and self.posts_dir.is_dir():
            found: list = _walk_entries(self.posts_dir)  # Paths made one batch at a time
        else:
            found = self.post_paths(chosen)
        cache = None
        if len(found) >= self.cache_min_posts and (
            self.use_cache if use_cache is None else use_cache
        ):
            from filmcli.store.cache import PostCache

            cache = PostCache.open(self.root, f"max_post_bytes={max_bytes}")
        # Rows of posts no longer there are dropped when the whole posts folder is read.
        present: set[str] | None = set() if cache is not None and not chosen else None
        folders: dict[str, int] = {}
        starts = range(0, len(found), _BATCH)
        helper = self._helper(found, starts, cache, max_bytes)
        try:
            for number, first in enumerate(starts):
                batch = [_make_path(entry) for entry in found[first : first + _BATCH]]
                helped = helper.next() if helper is not None and number % 2 else None
                if helped is not None and len(helped) == len(batch):
                    # read, parsed and packed by the helper process (stat taken before reading)
                    from filmcli.store.cache import unpack

                    for path, (stamp, blob) in zip(batch, helped, strict=True):
                        item = unpack(blob, path)
                        key = _key(path)
                        if present is not None and stamp is not None:
                            present.add(key)
                        if (
                            cache is not None
                            and stamp is not None
                            and getattr(item, "rule", None) != "FC009"
                        ):
                            cache.put_packed(key, stamp, blob)
                        if isinstance(item, FilmcliError):
                            item.path = self.relpath(path)
                        yield item
                    continue
                stats: list = [None] * len(batch)
                keys: list = [None] * len(batch)
                rows: dict = {}
                if cache is not None:
                    for i, path in enumerate(batch):
                        keys[i] = _key(path)
                        try:
                            stats[i] = os.stat(keys[i])
                        except OSError:
                            continue
                        if present is not None:
                            present.add(keys[i])
                    rows = cache.fetch([k for k, s in zip(keys, stats, strict=True) if s])
                for path, key, st in zip(batch, keys, stats, strict=True):
                    item = None
                    if cache is not None and st is not None:
                        row = rows.get(key)
                        item = cache.get(row, st, path)
                    if item is None:
                        try:
                            item = self._read_in(path, folders, max_bytes)
                        except FilmcliError as exc:
                            item = exc
                        if (
                            cache is not None
                            and st is not None
                            and getattr(item, "rule", None) != "FC009"
                        ):
                            cache.put(key, st, item, new=row is None)
                    if isinstance(item, FilmcliError):
                        item.path = self.relpath(path)
                    yield item
        finally:
            if helper is not None:
                helper.close()
            for fd in folders.values():
                os.close(fd)
            if cache is not None:
                cache.close(present, os.path.join(str(self.posts_dir), ""))

    #: a helper process reads every other batch when at least this many posts are to be read
    helper_min_posts = 4 * _BATCH
    #: start the helper even when the machine looks busy (tests)
    helper_when_busy = False

    def _helper(self, found: list, starts: range, cache, max_bytes: int | None):
        """A forked reader for the odd batches, when most posts must be read from disk."""
        from filmcli.store.parallel import ReadAhead, workers_for

        if len(found) < self.helper_min_posts or workers_for(len(found)) < 2:
            return None
        if not self.helper_when_busy and not _spare_core():
            return None  # the other core is taken: a helper would only wait for it
        if cache is not None and cache.count >= len(found) // 2:
            return None  # mostly cached: nothing worth a second process
        from filmcli.store.cache import pack, stamp

        folders: dict[str, int] = {}  # the helper's own handles

        def work(entry):
            path = _make_path(entry)
            try:
                st = stamp(os.stat(_key(path)))
            except OSError:
                st = None
            item: Post | FilmcliError
            try:
                item = self._read_in(path, folders, max_bytes)
            except FilmcliError as exc:
                item = exc
            return st, pack(item)

        odd = [found[first : first + _BATCH] for number, first in enumerate(starts) if number % 2]
        return ReadAhead(odd, work)

    @staticmethod
    def _read_in(path: Path, folders: dict[str, int], max_bytes: int | None) -> Post:
        """Read a post through an open handle on its folder: short paths, fewer lookups."""
        if "read_stamped" not in globals():
            _readers()
        folder, name = os.path.split(path)
        fd = folders.get(folder)
        if fd is None and folder:
            try:
                fd = folders[folder] = os.open(
                    folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
                )
            except OSError:
                return Post.read(path, max_bytes=max_bytes)
        data, st = read_stamped(name if fd is not None else path, max_bytes=max_bytes, dir_fd=fd)
        return Post.from_raw(parse_bytes(data, path, keep=False, stamp=st))

    def posts(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        use_cache: bool | None = None,
        drafts: bool = False,
    ) -> list[Post]:
        """The posts that read cleanly (use iter_posts to see the others)."""
        from filmcli.model.post import Post

        return [
            p
            for p in self.iter_posts(paths, use_cache=use_cache, drafts=drafts)
            if isinstance(p, Post)
        ]


_READERS = ("Post", "parse_bytes", "read_stamped")


def _readers() -> None:
    """Post, parse_bytes and read_stamped become globals here on the first read: finding
    a site, its settings and its files (the output cache's check) needs no YAML."""
    from filmcli.model import post, reader

    for name in _READERS:
        globals().setdefault(name, getattr(post if name == "Post" else reader, name))


def __getattr__(name: str):
    if name in _READERS:
        _readers()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _outside_allowed() -> bool:
    """The user's own config (never the site's) lets posts live outside the site."""
    from filmcli.store.config import user_config

    return user_config().get("allow_outside") is True


def _walk(folder: Path) -> list[Path]:
    """Post files under `folder`, in the order sorting their Paths gives (by parts)."""
    return [_make_path(entry) for entry in _walk_entries(folder)]


def _walk_entries(folder: Path) -> list[tuple[Path, str]]:
    """(folder Path, file name) of the post files under `folder`, in _walk's order.

    Compact: a library of 100,000 posts holds 100,000 short names, not as many
    Path objects; each Path is made when its post is read.
    """
    keyed: list[tuple[tuple[str, ...], Path]] = []
    base = os.fspath(folder)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = os.path.relpath(dirpath, base)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        here = Path(dirpath)
        names = [n for n in filenames if n.endswith(POST_SUFFIXES) and not n.startswith(".")]
        if not parts:
            keyed.extend(((n,), here) for n in names)
        else:
            keyed.extend((parts + (n,), here) for n in names)
    keyed.sort(key=_first)
    return [(here, key[-1]) for key, here in keyed]


def _first(pair):
    return pair[0]


def _spare_core() -> bool:
    """True when the load average leaves at least one core free for a helper."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return cores > 1
    return cores > 1 and load <= cores - 1 + 0.25


def _key(path: Path) -> str:
    """The cache key of a post: its absolute path as text."""
    key = os.fspath(path)
    return key if os.path.isabs(key) else os.path.abspath(key)


# Path(text) parses every path again; a child of a parsed folder is much cheaper.
_child = getattr(Path, "_make_child_relpath", None)


def _make_path(entry) -> Path:
    if isinstance(entry, Path):
        return entry
    folder, name = entry
    return _child(folder, name) if _child is not None else folder / name
