"""Changing and removing films that are already in the library (`set`, `rm`).

Each operation is planned first (nothing written: what would change, checked), then
applied post by post under the library lock through the editing core, so a failure in one
post is reported and the others go on. The CLI and `Library.set`/`Library.remove` share
these functions.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.post import Post

if TYPE_CHECKING:
    from filmcli.store.editing import Snapshot
    from filmcli.store.library import Store

MISSING = type("Missing", (), {"__repr__": lambda self: "<missing>"})()
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_NUMBER = re.compile(r"[-+]?(\d+|\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?\Z")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class FieldChange:
    key: str
    old: object
    new: object

    def describe(self) -> str:
        """`director 'Spike Jonze' -> 'S. Jonze'`; posters summarised, never their base64."""
        return f"{self.key} {_shown(self.old)} -> {_shown(self.new)}"


def _shown(value) -> str:
    from filmcli.model.poster import Poster
    from filmcli.text import visible

    if value is MISSING:
        return "(none)"
    if isinstance(value, Poster) or (isinstance(value, str) and value.startswith("data:")):
        try:
            poster = value if isinstance(value, Poster) else Poster.from_value(value)
            return f"<{poster.short()}>"
        except FilmcliError:  # `note=data:abc` is text, not a poster
            if isinstance(value, Poster):
                return "<poster>"
    if isinstance(value, str):
        text = value if len(value) <= 80 else value[:77] + "..."
        return "'" + visible(text) + "'"
    return visible(repr(value) if not isinstance(value, (int, float)) else str(value))


def _planned(change: Change) -> Snapshot:
    """The version `change`'s new bytes were made from (every planned change has one)."""
    assert change._snapshot is not None, "a change not made by plan_set or plan_move"
    return change._snapshot


@dataclass
class Change:
    """What one command does (or did) to one post."""

    path: Path
    title: object
    year: object
    fields: list[FieldChange] = field(default_factory=list)
    before: bytes = b""
    after: bytes = b""
    written: bool = False
    error: FilmcliError | None = None
    notes: list[str] = field(default_factory=list)
    # the version of the file the new bytes were made from (plan_set, plan_move)
    _snapshot: Snapshot | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def label(self) -> str:
        from filmcli.text import visible

        title = visible(str(self.title)) if self.title is not None else self.path.name
        return f"{title} ({visible(str(self.year))})" if self.year is not None else title

    @property
    def changed(self) -> bool:
        return bool(self.fields) and self.before != self.after


# --------------------------------------------------------------------------------------------
# Values from the command line
# --------------------------------------------------------------------------------------------


def parse_assignments(items: list[str]) -> tuple[dict[str, str], list[str]]:
    """`KEY=VALUE` and `KEY!` words -> ({key: text}, [keys to remove]); UsageError otherwise."""
    assign: dict[str, str] = {}
    remove: list[str] = []
    for item in items:
        if "=" in item:
            key, _, value = item.partition("=")
            if not _KEY.match(key):
                raise UsageError(
                    f"{item!r}: {key!r} is not a front-matter key",
                    hint="keys are letters, digits, _ and -: KEY=VALUE or KEY!",
                )
            assign[key] = value
        elif item.endswith("!") and _KEY.match(item[:-1]):
            remove.append(item[:-1])
        else:
            raise UsageError(
                f"{item!r} is neither KEY=VALUE nor KEY!",
                hint="for example: director='S. Jonze' year=2014 rating!",
            )
    both = set(assign) & set(remove)
    if both:
        raise UsageError(f"{sorted(both)[0]!r} is both set and removed")
    return assign, remove


def value_from_text(library: Store, key: str, text: str):
    """What `KEY=TEXT` means: `year` an integer, `poster=@FILE` an image, the seed's text keys
    text; other keys a number, true/false, a date, a [list] or {mapping} when they read as
    one, else text."""
    if key == "year":
        if not re.fullmatch(r"-?\d+", text.strip()):
            raise UsageError(f"year={text!r} is not a whole number")
        return int(text)
    if key == "poster" and text.startswith("@"):
        return poster_from_file(library, text[1:])
    if key in ("title", "director", "layout", "poster"):
        return text
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return float(stripped) if any(c in stripped for c in ".eE") else int(stripped)
    if stripped in ("true", "false"):
        return stripped == "true"
    if _ISO_DATE.match(stripped):
        try:
            return _dt.date.fromisoformat(stripped)
        except ValueError:
            return text
    if stripped[:1] in ("[", "{"):
        import yaml

        try:
            value = yaml.safe_load(stripped)
        except yaml.YAMLError as exc:
            raise UsageError(
                f"{key}={text!r} is not a YAML list or mapping: {str(exc).splitlines()[0]}"
            ) from None
        except (ValueError, OverflowError) as exc:  # `[2013-02-30]`: a date that is none
            raise UsageError(f"{key}={text!r} holds a value YAML cannot read: {exc}") from None
        return value
    return text


def poster_from_file(library: Store, source: str):
    """An image file (or '-' for stdin) made a poster, as `new --poster` makes one."""
    import sys

    from filmcli.posters.prepare import read_image_file

    if source == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        data, name = read_image_file(source), source
    return prepare_for_library(library, data, name).uri


def prepare_for_library(library: Store, data: bytes, name: str, *, max_pixels: int | None = None):
    """`data` made a poster with the library's settings: the `new --poster` pipeline
    (`poster_image.prepare_for`), with a larger pixel budget for `validate --fix`."""
    from filmcli.posters.prepare import prepare_for

    return prepare_for(library.config, data, name, max_pixels=max_pixels)


def check_value(library: Store, key: str, value) -> None:
    """The checks `new` makes of its values (UsageError, nothing written)."""
    from filmcli.ops.new import check_text, check_year

    check_text(key, value)
    if key == "year":
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"year must be a whole number, not {value!r}")
        check_year(library.config, value)
    if key in ("title", "director", "layout") and not (isinstance(value, str) and value.strip()):
        raise UsageError(f"{key} must be text that is not empty", hint=f"`{key}!` removes the key")
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        raise UsageError(f"{key}: {value!r} is not a number a post can hold")
    if key == "date":
        from filmcli.model.post import coerce_date

        if isinstance(value, bool) or coerce_date(value) is None:
            raise UsageError(
                f"date={value!r} is not a date Jekyll can read (an unreadable "
                "date stops the whole build)",
                hint="date=YYYY-MM-DD",
            )
    if key == "poster" and isinstance(value, str) and value.strip()[:5].lower() == "data:":
        _check_data_uri(library, value)  # a path is checked per post (_check_poster_value)


def _check_data_uri(library: Store, value: str) -> None:
    """A poster given as a data URI must be a real image (the checks validate makes)."""
    from filmcli.model.poster import Poster
    from filmcli.ops.validate import ERROR, RULES, Options, poster_problems

    try:
        poster = Poster.from_value(value)
        problems = poster_problems(poster, Options.from_config(library.config))
    except FilmcliError as exc:
        raise UsageError(f"poster: {exc.message}") from None
    for rule, message in problems:
        if RULES.get(rule, (ERROR,))[0] == ERROR:
            raise UsageError(
                f"poster: {message} ({rule})", hint="poster=@FILE embeds an image file"
            )


# --------------------------------------------------------------------------------------------
# set
# --------------------------------------------------------------------------------------------


def plan_set(library: Store, post: Post, assign: dict, remove=()) -> Change:
    """The change `assign`/`remove` makes to `post`, checked, with its new bytes; no write."""
    from filmcli.store.editing import snapshot, splice

    change = Change(post.path, post.title, post.year)
    snap = snapshot(post.path, max_bytes=_max_bytes(library))
    current = Post.from_bytes(snap.data, post.path)
    change.before = snap.data
    change._snapshot = snap
    old = current.metadata()
    todo = {}
    for key, value in assign.items():
        was = old.get(key, MISSING)
        if was is not MISSING and type(was) is type(value) and was == value:
            continue
        todo[key] = value
        change.fields.append(FieldChange(key, was, value))
    gone = [key for key in remove if key in old]
    change.fields.extend(FieldChange(key, old[key], MISSING) for key in gone)
    required = library.settings.validate.required
    for key in gone:
        if key in required:
            change.notes.append(
                f"{key} is required (validate.required): validate will "
                "report the post until it has one again"
            )
    poster = todo.get("poster")
    if isinstance(poster, str) and not poster.startswith("data:"):
        _check_poster_value(library, post, poster, change)
    if not change.fields:
        change.after = snap.data
        return change
    change.after = splice(snap.data, todo, gone, path=post.path, post=current)
    if "title" in todo:
        from filmcli.model.slug import slugify

        if slugify(str(todo["title"])) != post.slug:
            change.notes.append(
                f"the file name's slug {post.slug!r} no longer matches the "
                "title: `filmcli rename` renames the file"
            )
    return change


def _check_poster_value(library: Store, post: Post, value: str, change: Change) -> None:
    """`poster=TEXT` (not @FILE) must name an image file in the site; a URL is allowed
    with a warning (FC113: the page then depends on another site)."""
    import re

    from filmcli.posters.extract import poster_file

    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", value) or value.startswith("//"):
        change.notes.append(
            "the poster is a URL on another site: the page depends on it, and "
            "extract-posters, wall and show cannot use it"
        )
        return
    try:
        poster_file(library.root, post.path, value)
    except FilmcliError:
        raise UsageError(
            f"poster={value!r} names no image file in the site",
            hint="poster=@FILE embeds an image file; a site path such as "
            "/assets/posters/her.jpg must exist",
        ) from None


def apply(library: Store, changes: list[Change]) -> list[Change]:
    """Write each planned change under the library lock; failures are recorded, not raised."""
    from filmcli.store.editing import commit_many
    from filmcli.store.lock import library_lock

    for change in changes:
        if change.changed and change.error is None:
            try:
                _writable(library, change.path)
            except FilmcliError as exc:
                change.error = exc
    todo = [c for c in changes if c.changed and c.error is None]
    if not todo:
        return changes
    with library_lock(library):
        results = commit_many([(_planned(c), c.after) for c in todo])
    for change, (written, error) in zip(todo, results, strict=True):
        change.written, change.error = written, error
    return changes


def _max_bytes(library: Store) -> int | None:
    return library.settings.read.max_post_bytes


# --------------------------------------------------------------------------------------------
# rm
# --------------------------------------------------------------------------------------------


@dataclass
class Removal:
    path: Path
    title: object
    year: object
    poster_file: Path | None = None  # an extracted poster file that goes too
    removed: bool = False
    poster_removed: bool = False
    error: FilmcliError | None = None
    # the version the user was shown, which is the one removed (plan_remove)
    _snapshot: Snapshot | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def label(self) -> str:
        return Change(self.path, self.title, self.year).label


def plan_remove(library: Store, posts: list[Post], *, keep_poster: bool = False) -> list[Removal]:
    """What `rm` removes: the posts, and each poster file extract-posters wrote for one of
    them that no other post points at."""
    from filmcli.store.editing import snapshot

    removals = [Removal(p.path, p.title, p.year) for p in posts]
    for removal in removals:  # the version that is removed: the one the user was shown
        try:
            removal._snapshot = snapshot(removal.path, max_bytes=_max_bytes(library))
        except FilmcliError as exc:
            removal.error = exc
    if keep_poster:
        return removals
    going = {os.path.abspath(p.path) for p in posts}
    poster_root = _poster_root(library)
    owners: dict[Path, int] = {}
    unreadable: list[Path] = []  # posts that do not read: they may point at it too
    for other in library.iter_posts(drafts=True):  # a draft's poster is in use too
        if isinstance(other, FilmcliError) and other.path:
            unreadable.append(library.root / str(other.path))
            continue
        if not isinstance(other, Post) or os.path.abspath(other.path) in going:
            continue
        target = _poster_target(library, other, poster_root)
        if target is not None:
            owners[target] = owners.get(target, 0) + 1
    for removal, post in zip(removals, posts, strict=True):
        target = _poster_target(library, post, poster_root)
        if target is not None and not owners.get(target) and not _named_in(target.name, unreadable):
            removal.poster_file = target
    return removals


def _named_in(name: str, paths: list[Path]) -> bool:
    """Some file of `paths` holds `name` (or cannot be read to tell): a poster file is kept
    for a post that does not read, as it may point at it."""
    needle = name.encode("utf-8")
    for path in paths:
        try:
            if needle in path.read_bytes():
                return True
        except OSError:
            return True
    return False


def _unlink_if(library: Store, snap) -> None:
    """Remove the post `snap` read, and only that version: it is first moved aside (one
    atomic rename), checked there, and put back if another program replaced or changed it
    after the last check (the edit is then never lost)."""
    import hashlib

    from filmcli.store.editing import rename_noreplace

    path = Path(snap.path)
    aside = path.with_name(f".filmcli-rm-{os.getpid()}-{path.name}")
    rename_noreplace(path, aside)
    try:
        st = os.stat(aside)
        with open(aside, "rb") as handle:
            same = hashlib.sha256(handle.read()).hexdigest() == snap.digest
        same = same and (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev) == (
            snap.stamp[0],
            snap.stamp[1],
            snap.stamp[3],
            snap.stamp[4],
        )
    except OSError:
        same = False
    if same:
        os.unlink(aside)
        return
    try:
        rename_noreplace(aside, path)
    except FilmcliError:
        raise FilmcliError(
            f"changed while it was removed; the changed version is kept as "
            f"{library.relpath(aside)}",
            library.relpath(path),
        ) from None
    raise FilmcliError(
        "changed while it was read; left alone", library.relpath(path), hint="run the command again"
    )


def _poster_root(library: Store) -> Path | None:
    folder = library.settings.poster.dir.strip("/")
    if not folder:
        return None
    try:
        return (library.root / folder).resolve()
    except OSError:
        return None


def _poster_target(library: Store, post: Post, poster_root: Path | None) -> Path | None:
    """The poster file a post points at, when it lies in the poster folder (poster.dir)."""
    from filmcli.model.poster import Poster
    from filmcli.posters.extract import poster_file

    value = post.front_matter.get("poster")
    if isinstance(value, Poster):
        value = value.value if value.origin == "path" else None
    if poster_root is None or not isinstance(value, str) or value.startswith("data:"):
        return None

    try:
        target = poster_file(library.root, post.path, value)
        target.relative_to(poster_root)
    except (FilmcliError, ValueError, OSError):
        return None
    if target.suffix.lower().lstrip(".") not in _IMAGE_SUFFIXES:
        return None  # only an image file is a poster file (never a post, never _config.yml)
    return target


#: the names extract-posters gives poster files (imageinfo.EXTENSION), and `.jpeg`
_IMAGE_SUFFIXES = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "bmp", "tif", "tiff"})


def apply_remove(library: Store, removals: list[Removal]) -> list[Removal]:
    """Remove each post (only if it is still the file that was planned) and its poster file."""
    from filmcli.store.editing import snapshot, still_current
    from filmcli.store.lock import library_lock

    with library_lock(library):
        for removal in removals:
            if removal.error is not None:
                continue
            try:
                _writable(library, removal.path)
                planned = removal._snapshot
                if planned is None:
                    planned = snapshot(removal.path, max_bytes=_max_bytes(library))
                still_current(planned)
                _unlink_if(library, planned)
                removal.removed = True
            except FilmcliError as exc:
                removal.error = exc
                continue
            except OSError as exc:
                removal.error = FilmcliError(
                    f"cannot remove: {exc.strerror or exc}", library.relpath(removal.path)
                )
                continue
            if removal.poster_file is not None:
                try:
                    os.unlink(removal.poster_file)
                    removal.poster_removed = True
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    removal.error = FilmcliError(
                        f"the post is removed but its poster file is not: {exc.strerror or exc}",
                        library.relpath(removal.poster_file),
                    )
    return removals


# --------------------------------------------------------------------------------------------
# publish, unpublish (and rename): a post moves to a new name, its front matter may change
# --------------------------------------------------------------------------------------------


@dataclass
class Move(Change):
    """A post that gets a new file name (and perhaps new front-matter values): `path` is
    its old name, `new` the new one; `written` (alias `moved`) once it is there."""

    new: Path = field(kw_only=True)  # (kw_only: after Change's fields with defaults)
    old_url: str | None = None  # rename: the public URLs before and after
    new_url: str | None = None
    poster_from: Path | None = None  # rename: an extracted poster file that moves along
    poster_to: Path | None = None

    @property
    def old(self) -> Path:
        return self.path

    @property
    def moved(self) -> bool:
        return self.written


def plan_move(library: Store, post: Post, new: Path, assign: dict | None = None, remove=()) -> Move:
    """Moving `post` to `new` with `assign`/`remove` applied; checked, nothing written."""
    from filmcli.store.editing import snapshot, splice

    if os.path.lexists(new) and os.path.abspath(new) != os.path.abspath(post.path):
        raise FilmcliError(
            "a file with that name already exists; nothing moved",
            library.relpath(new),
            hint="choose another date or slug",
        )
    snap = snapshot(post.path, max_bytes=_max_bytes(library))
    current = Post.from_bytes(snap.data, post.path)
    move = Move(post.path, current.title, current.year, before=snap.data, new=new)
    move._snapshot = snap
    old = current.metadata()
    todo = {k: v for k, v in (assign or {}).items() if not _same_value(old.get(k, MISSING), v)}
    gone = [k for k in remove if k in old]
    move.fields = [FieldChange(k, old.get(k, MISSING), v) for k, v in todo.items()] + [
        FieldChange(k, old[k], MISSING) for k in gone
    ]
    move.after = (
        splice(snap.data, todo, gone, path=post.path, post=current) if move.fields else snap.data
    )
    return move


def _same_value(a, b) -> bool:
    return type(a) is type(b) and a == b


def apply_moves(library: Store, moves: list[Move]) -> list[Move]:
    """Each post rewritten in place (if its values change), then renamed without replacing
    anything: at every instant it exists under its old name or its new one, never both."""
    from filmcli.store.editing import commit, rename_noreplace
    from filmcli.store.lock import library_lock

    with library_lock(library):
        for move in moves:
            if move.error is not None:
                continue
            try:
                renaming = os.path.abspath(move.new) != os.path.abspath(move.old)
                _inside_site(library, move.old)
                if renaming:
                    _inside_site(library, move.new)
                    if os.path.lexists(move.new):
                        raise FilmcliError(
                            "a file with that name already exists; nothing moved",
                            library.relpath(move.new),
                        )
                move.new.parent.mkdir(parents=True, exist_ok=True)
                rewritten = commit(_planned(move), move.after)
                if renaming:
                    try:
                        rename_noreplace(move.old, move.new)
                    except FilmcliError:
                        if rewritten:  # put the old version back: the move did not happen
                            _restore(move)
                        raise
                move.written = True
            except FilmcliError as exc:
                move.error = exc
            except OSError as exc:
                move.error = FilmcliError(
                    f"cannot move: {exc.strerror or exc}", library.relpath(move.old)
                )
    return moves


def _restore(move: Move) -> None:
    """The post back to the version read, if it still holds what this move wrote."""
    from filmcli.store.editing import commit, snapshot

    try:
        now = snapshot(move.old)
        if now.data == move.after:
            commit(now, move.before)
    except FilmcliError:
        pass


def _writable(library: Store, path: Path) -> None:
    """A post file is only written or removed inside the posts or drafts folder, and only
    where that folder really is inside the site (symbolic links followed), as `new` does."""
    _inside_site(library, path)
    _inside_library(library, path)


def _inside_site(library: Store, path: Path) -> None:
    """FilmcliError unless `path`'s folder is inside the site once symbolic links are
    followed (or the user's own config allows outside)."""
    folder = Path(os.path.realpath(Path(path).parent))
    root = library.root
    if folder != root and root not in folder.parents and not _outside_allowed():
        raise FilmcliError(
            f"the folder leads outside the site (to {folder}): refusing to write",
            library.relpath(path),
            hint="allow_outside = true in your own ~/.config/filmcli/"
            "config.toml permits it (not in the site's filmcli.toml)",
        )


def _outside_allowed() -> bool:
    from filmcli.store.library import _outside_allowed as allowed

    return allowed()


def plan_publish(library: Store, post: Post, date: _dt.date | None = None) -> Move:
    """A draft to `_posts/DATE-NAME` (today by default); `date:` is set only when the draft
    has that key (jekyll-compose adds one; a dated file name is all Jekyll needs)."""
    if not post.draft:
        raise UsageError(
            f"{library.relpath(post.path)} is not a draft", hint="drafts are the files in _drafts/"
        )
    when = date or _dt.date.today()
    folder = library.writable_posts_dir()
    new = folder / f"{when.isoformat()}-{post.path.name}"
    if not os.path.lexists(new):  # (a file of that name: plan_move says it exists)
        from filmcli.ops.new import LibraryIndex

        owner = LibraryIndex(library).slug_owner(post.slug)
        if owner is not None and os.path.abspath(owner) != os.path.abspath(post.path):
            raise FilmcliError(
                f"the slug {post.slug!r} is already used by {library.relpath(owner)}",
                library.relpath(post.path),
                hint="two posts with one slug collide in Jekyll; "
                "`filmcli rename --slug` the draft first",
            )
    assign = {"date": when} if "date" in post.front_matter else {}
    return plan_move(library, post, new, assign)


def plan_unpublish(library: Store, post: Post) -> Move:
    """A post back to `_drafts/NAME` without its date; its `date:` key, if any, is kept
    (nothing the user wrote is lost; `publish` sets it again)."""
    from filmcli.model.post import FILENAME

    if post.draft:
        raise UsageError(f"{library.relpath(post.path)} is already a draft")
    match = FILENAME.match(post.path.name)
    name = f"{match.group(4)}.{match.group(5)}" if match else post.path.name
    return plan_move(library, post, library.drafts_dir / name)


def plan_rename(
    library: Store,
    post: Post,
    *,
    title: str | None = None,
    date: _dt.date | None = None,
    slug: str | None = None,
) -> Move:
    """`jekyll rename`, done carefully: the file gets the date and slug that follow (the slug
    made from the new title unless given), `title:` (and `date:` when the post has it)
    change in place, an extracted poster file named after the old slug moves along, and on a
    site with jekyll-redirect-from the old URL joins `redirect_from:`."""
    from filmcli.model import urls
    from filmcli.model.slug import slug_problem, slugify
    from filmcli.ops.new import LibraryIndex, check_text

    if title is None and date is None and slug is None:
        raise UsageError("say what changes: --title, --date or --slug")
    if title is not None:
        check_value(library, "title", title)
    if slug is not None:
        check_text("--slug", slug)
    new_slug = slug if slug is not None else slugify(title) if title is not None else post.slug
    problem = slug_problem(new_slug)
    if problem:
        raise UsageError(
            f"the slug {new_slug!r} cannot be used: {problem}", hint="choose one with --slug"
        )
    ext = post.path.suffix
    if post.draft:
        if date is not None:
            raise UsageError("a draft has no date in its name; `filmcli publish --date` dates it")
        new_path = library.drafts_dir / f"{new_slug}{ext}"
    else:
        when = date or post.filename_date
        if when is None:
            raise UsageError(
                f"{library.relpath(post.path)} has no date in its name", hint="give one with --date"
            )
        new_path = post.path.parent / f"{when.isoformat()}-{new_slug}{ext}"
    owner = LibraryIndex(library).slug_owner(new_slug)
    if owner is not None and os.path.abspath(owner) != os.path.abspath(post.path):
        raise FilmcliError(
            f"the slug {new_slug!r} is already used by {library.relpath(owner)}",
            hint="choose another with --slug",
        )
    assign: dict = {}
    if title is not None:
        assign["title"] = title
    if date is not None and "date" in post.front_matter:
        assign["date"] = date
    poster_from = poster_to = None
    target = _poster_target(library, post, _poster_root(library))
    value = str(getattr(post.front_matter.get("poster"), "value", "") or "")
    cut = min([i for i in (value.find("?"), value.find("#")) if i >= 0] or [len(value)])
    base, tail = value[:cut], value[cut:]  # `?v=2`, `#x`: kept as they are
    if (
        target is not None
        and target.stem == post.slug
        and new_slug != post.slug
        and base.endswith(target.name)
        and not _poster_shared(library, post, target)
    ):
        # (a value that does not end with the file's name cannot be pointed at the new
        # name: the file then keeps its name too)
        poster_from = target
        poster_to = target.with_name(new_slug + target.suffix)
        assign["poster"] = base[: len(base) - len(target.name)] + poster_to.name + tail
        if os.path.lexists(poster_to):
            raise FilmcliError(
                "a poster file with the new name already exists",
                library.relpath(poster_to),
                hint="choose another --slug",
            )
    settings = urls.site_settings(library.root)
    move = plan_move(library, post, new_path, assign)
    moved = Post.from_bytes(move.after, new_path)
    move.old_url, move.new_url = (urls.public_url(post, settings), urls.public_url(moved, settings))
    if move.old_url != move.new_url and not post.draft:  # a draft was never at a URL
        if urls.redirect_plugin(settings):
            old = urls.post_url(post, settings)
            have = post.front_matter.get("redirect_from")
            listed = (
                [have]
                if isinstance(have, str)
                else list(have or [])
                if isinstance(have, list)
                else []
            )
            if old not in listed:
                assign["redirect_from"] = [*listed, old]
                move = _replan(library, post, new_path, assign, move)
        else:
            move.notes.append(
                "links to the old URL will break (with jekyll-redirect-from in "
                "_config.yml's plugins, rename would keep them working)"
            )
    move.poster_from, move.poster_to = poster_from, poster_to
    return move


def _poster_shared(library: Store, post: Post, target: Path) -> bool:
    """Another post points at the poster file `target` too (it then keeps its name)."""
    root = _poster_root(library)
    mine = os.path.abspath(post.path)
    return any(
        isinstance(other, Post)
        and os.path.abspath(other.path) != mine
        and _poster_target(library, other, root) == target
        for other in library.iter_posts(drafts=True)
    )


def _replan(library: Store, post: Post, new_path: Path, assign: dict, was: Move) -> Move:
    move = plan_move(library, post, new_path, assign)
    move.old_url, move.new_url, move.notes = was.old_url, was.new_url, was.notes
    return move


def apply_rename(library: Store, move: Move) -> Move:
    """The poster file gets its new name first (a second link: both names exist), then the
    post is rewritten and renamed, then the old poster name goes: at every moment the post
    points at a poster file that exists."""
    from filmcli.store.lock import library_lock

    with library_lock(library):
        if move.poster_from is not None and move.poster_to is not None:  # (set together)
            try:
                os.link(move.poster_from, move.poster_to)
            except OSError as exc:
                move.error = FilmcliError(
                    f"cannot move the poster file: {exc.strerror or exc}",
                    library.relpath(move.poster_from),
                )
                return move
        apply_moves(library, [move])
        if move.poster_from is not None and move.poster_to is not None:
            gone = move.poster_to if move.error is not None else move.poster_from
            try:
                os.unlink(gone)
            except OSError:
                pass
    return move


def _inside_library(library: Store, path: Path) -> None:
    """Only files in the posts or drafts folders are ever removed."""
    resolved = Path(path).resolve()
    for folder in (library.posts_dir, library.root / "_drafts"):
        try:
            resolved.relative_to(folder.resolve())
            return
        except (ValueError, OSError):
            continue
    raise FilmcliError("not in the posts or drafts folder; left alone", path)


# --------------------------------------------------------------------------------------------
# Choosing films, and what a batch came to
# --------------------------------------------------------------------------------------------


@dataclass
class Chosen:
    """The films a command acts on, and the posts that could not be read while choosing
    (each an error with its location; the command's exit status is 1 when there are any)."""

    posts: list[Post] = field(default_factory=list)
    unreadable: list[FilmcliError] = field(default_factory=list)


def films_of(library: Store, films) -> list[Post]:
    """A selector, a Post, or a list of either -> the posts they name."""
    from filmcli.ops.selector import select_post

    if isinstance(films, Post):
        return [films]
    if isinstance(films, (str, os.PathLike)):
        return [select_post(library, os.fspath(films))]
    return [f if isinstance(f, Post) else select_post(library, os.fspath(f)) for f in films]


def choose_films(
    library: Store,
    words=(),
    where=(),
    search: str | None = None,
    *,
    many: bool = False,
    every: bool = False,
) -> Chosen:
    """The one film `words` name (with `many`, each word its own film when the words together
    name none), or every film `where` expressions and `search` text keep; never both ways.
    With `every`, naming nothing chooses every film, else it is a UsageError."""
    from filmcli.ops.query import parse_where, select
    from filmcli.ops.selector import select_many, select_post

    words, where = list(words or []), list(where or [])
    if words and (where or search):
        raise UsageError("name one film, or choose films with --where/--search, not both")
    if not words and not (where or search or every):
        raise UsageError(
            "name a film, or choose films with --where/--search",
            hint="for example: filmcli set her director='S. Jonze', filmcli rm her",
        )
    if words:
        return Chosen(select_many(library, words) if many else [select_post(library, words)])
    for expr in where:
        parse_where(expr)
    chosen = Chosen()
    for item in library.iter_posts([]):
        if isinstance(item, FilmcliError):
            chosen.unreadable.append(item)
        else:
            chosen.posts.append(item)
    if where or search:
        chosen.posts = select(chosen.posts, where, search, root=library.root)
    return chosen


def split_set_words(words) -> tuple[list[str], list[str]]:
    """`set`'s words -> (the words naming the film, the KEY=VALUE and KEY! words)."""
    items = list(words or [])
    at = [i for i, w in enumerate(items) if "=" in w or w.endswith("!")]
    if not at:
        raise UsageError(
            "say what to change: KEY=VALUE or KEY!", hint="filmcli set her director='S. Jonze'"
        )
    return items[: at[0]], items[at[0] :]


def plan_set_many(library: Store, posts: list[Post], values: dict, remove=()) -> list[Change]:
    """One planned Change per post; a post that cannot be changed stops no other (its
    Change carries the error)."""
    changes = []
    for post in posts:
        try:
            changes.append(plan_set(library, post, values, tuple(remove)))
        except FilmcliError as exc:
            failed = Change(post.path, post.title, post.year)
            failed.error = exc
            changes.append(failed)
    return changes


@dataclass(frozen=True)
class Tally:
    """What a batch (set, rm, fill) came to: `films` asked for, `changing` the ones with
    something to do (nothing failed in planning), `written` (or removed), `failed`."""

    films: int
    changing: int
    written: int
    failed: int

    @classmethod
    def of(cls, results) -> Tally:
        """The tally of a list of Change, Removal or fill.Filled results."""
        results = list(results)
        changing = written = failed = 0
        for item in results:
            if isinstance(item, Removal):
                changing += item.removed or item.error is None
                done = item.removed
            else:  # a Change, or a fill.Filled holding one
                changing += item.changed
                change = getattr(item, "change", item)
                done = change is not None and change.written
            written += bool(done)
            failed += item.error is not None
        return cls(len(results), changing, written, failed)


# --------------------------------------------------------------------------------------------
# edit: a post's text through a callback, checked before it is saved
# --------------------------------------------------------------------------------------------


@dataclass
class Edit(Change):
    """What `edit` did: `.after` the edited bytes (kept even when not written), `.written`,
    `.problems` (the errors the last edit had), `.aborted` (not saved because of them),
    `.saving` (it was put to the library: written, the same, or `.error`)."""

    problems: list = field(default_factory=list)
    aborted: bool = False
    saving: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def edit_post(
    library: Store, film, edit, *, on_errors=None, on_note=None, before_save=None
) -> Edit:
    """Edit one post: `edit(text)` gets the post's text (an embedded poster as a short
    placeholder line) and returns the new text, or None for no change. An edit with errors
    goes to `on_errors(the Edit)`, which answers "e" (edit again), "s" (save anyway) or "a"
    (abort; the default without it). `on_note(path, note)` hears of a post that cannot be
    read, opened as it is; `before_save()` is called just before the edit is saved, as
    `Library.save` saves: only over the version read."""
    from filmcli.ops.selector import Unreadable, select_post
    from filmcli.store.editing import for_editor, from_editor, snapshot

    notes = []
    try:
        path = (film if isinstance(film, Post) else select_post(library, film)).path
    except Unreadable as exc:  # a post that cannot be read is what edit is for
        path = exc.file
        notes.append(f"cannot be read ({exc.message}); opened as it is")
        if on_note is not None:
            on_note(path, notes[-1])
    snap = snapshot(path, max_bytes=_max_bytes(library))
    result = Edit(path, None, None, before=snap.data, after=snap.data, notes=notes)
    try:
        text, placeholder = for_editor(snap.data, path)
    except FilmcliError:
        text, placeholder = snap.data, None
    current = text
    while True:
        edited = edit(current.decode("utf-8", "surrogateescape"))
        if edited is None or edited.encode("utf-8", "surrogateescape") == text:
            return result
        current = edited.encode("utf-8", "surrogateescape")
        result.after = from_editor(current, snap.data, placeholder, path)
        result.problems = _edit_errors(library, result.after, path)
        choice = (on_errors(result) if on_errors else "a") if result.problems else "s"
        if choice == "a":
            result.aborted = True
            return result
        if choice == "s":
            break
    result.saving = True
    if before_save is not None:
        before_save()
    try:
        result.written = save_edit(library, snap, result.after)
    except FilmcliError as exc:
        result.error = exc
    return result


def _edit_errors(library: Store, data: bytes, path: Path) -> list:
    from filmcli.ops.validate import ERROR, check_bytes

    return [p for p in check_bytes(library, data, path) if p.severity == ERROR]


def save_edit(library: Store, snap, data: bytes) -> bool:
    """Put `data` in place of the post `snap` (editing.snapshot) read, under the library
    lock, only if the file is still that version; False when nothing changed."""
    from filmcli.store.editing import commit
    from filmcli.store.lock import library_lock

    if data != snap.data:
        _writable(library, snap.path)
    with library_lock(library):
        return commit(snap, data)


__all__ = [
    "Change",
    "Chosen",
    "Edit",
    "Tally",
    "choose_films",
    "edit_post",
    "films_of",
    "plan_set_many",
    "save_edit",
    "split_set_words",
    "FieldChange",
    "MISSING",
    "Move",
    "Removal",
    "apply",
    "apply_moves",
    "apply_remove",
    "apply_rename",
    "plan_move",
    "plan_publish",
    "plan_rename",
    "plan_unpublish",
    "check_value",
    "parse_assignments",
    "plan_remove",
    "plan_set",
    "poster_from_file",
    "value_from_text",
]
