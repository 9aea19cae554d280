"""`filmcli new`: one post from values given on the command line, and the checks it shares
with `add` (what counts as the same film, safe text, free file names, safe writing)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.post import Post, film_key
from filmcli.model.slug import fit_slug, name_slug, slug_problem, slugify
from filmcli.model.writer import order_fields, render_post
from filmcli.store.atomic import write_atomic

if TYPE_CHECKING:
    from filmcli.store.library import Store

CORE_FIELDS = ("title", "director", "year", "poster")
_SURROGATE = re.compile("[\ud800-\udfff]")


# --- values -------------------------------------------------------------


def check_text(name: str, value) -> None:
    """Refuse text a post cannot hold: NUL characters, and lone surrogates (bytes that were
    not UTF-8). Looks inside lists and mappings too."""
    if isinstance(value, str):
        if "\x00" in value:
            raise FilmcliError(f"{name} contains a NUL character, which a post cannot hold")
        if _SURROGATE.search(value):
            raise FilmcliError(f"{name} is not valid UTF-8 text")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(name, key)
            check_text(f"{name}.{key}", item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_text(name, item)


def parse_date(text: str, what: str = "--date") -> _dt.date:
    """A strict YYYY-MM-DD date (UsageError otherwise)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(f"{what} {text!r} is not a date in the form YYYY-MM-DD")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a real date") from None


def year_range(config: dict, today: _dt.date | None = None) -> tuple[int, int]:
    """The years `validate` accepts: validate.min_year up to next year."""
    from filmcli.store.config import settings_of

    today = today or _dt.date.today()
    return settings_of(config).validate.min_year, today.year + 1


def check_year(config: dict, year: int, what: str = "year", today: _dt.date | None = None) -> None:
    """UsageError when `year` is outside the years validate accepts, with the right hint."""
    low, high = year_range(config, today)
    if low <= year <= high:
        return
    hint = (
        "validate.min_year in filmcli.toml sets the lower bound"
        if year < low
        else "a film can be dated at most next year"
    )
    raise UsageError(f"{what} {year} is outside {low}..{high}", hint=hint)


def missing_fields(config: dict, values: dict) -> list[str]:
    """The required fields (validate.required) that neither `values` nor the defaults give."""
    from filmcli.store.config import settings_of

    settings = settings_of(config)
    required = list(settings.validate.required)
    defaults = settings.defaults.front_matter
    missing = []
    for key in ["title", *required]:
        if key in missing:
            continue
        value = values.get(key, defaults.get(key) if key not in CORE_FIELDS else None)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(key)
    return missing


def default_fields(config: dict, layout: str | None = None) -> dict:
    """The layout and extra front matter filmcli.toml asks every new post to carry."""
    from filmcli.store.config import settings_of

    defaults = settings_of(config).defaults
    out: dict = {}
    chosen = layout if layout is not None else defaults.layout
    if chosen:
        out["layout"] = chosen
    for key, value in defaults.front_matter.items():
        out.setdefault(key, value)
    return out


# --- what the library already holds --------------------------------------------


class LibraryIndex:
    """The films (title and year) and slugs already in the library, kept current as posts
    are written, so one run can never add the same film twice."""

    def __init__(self, library: Store):
        self.library = library
        self.films: dict[tuple, Path] = {}
        self.slugs: dict[str, Path] = {}
        self.names: set[str] = set()
        if not library.posts_dir.is_dir() and not library.drafts_dir.is_dir():
            return  # a new library: the posts folder is made with its first post
        for item in library.iter_posts(drafts=True):  # a draft of the film is the film
            if isinstance(item, Post):
                self.note(item.path, item.title, item.year)
                if item.poster is not None:
                    item.poster.forget()

    def note(self, path: Path, title, year) -> None:
        key = film_key(title, year)
        if key is not None:
            self.films.setdefault(key, path)
        slug = name_slug(path.name)
        self.slugs.setdefault(slug.casefold(), path)
        self.names.add(path.name.casefold())

    def forget(self, path: Path) -> None:
        self.films = {k: p for k, p in self.films.items() if p != path}
        self.slugs = {k: p for k, p in self.slugs.items() if p != path}
        self.names.discard(path.name.casefold())

    def film(self, title, year) -> Path | None:
        key = film_key(title, year)
        return self.films.get(key) if key is not None else None

    def slug_owner(self, slug: str) -> Path | None:
        return self.slugs.get(slug.casefold())

    def free_slug(self, slug: str, year, date: _dt.date, *, keep: Path | None = None) -> str:
        """`slug`, or `slug-YEAR`, `slug-YEAR-2`... when another post already uses it
        (Jekyll and `validate` want every slug once, whatever the case)."""

        def taken(candidate: str) -> bool:
            owner = self.slug_owner(candidate)
            if owner is not None and owner != keep:
                return True
            name = f"{date.isoformat()}-{candidate}.md"
            return (self.library.posts_dir / name).exists() and (keep is None or keep.name != name)

        slug = fit_slug(slug)
        if not taken(slug):
            return slug
        suffix = f"-{year}" if isinstance(year, int) and not slug.endswith(f"-{year}") else ""
        candidate, n = fit_slug(slug, suffix), 1
        while taken(candidate):
            n += 1
            candidate = fit_slug(slug, f"{suffix}-{n}")  # never over MAX_SLUG_BYTES
        return candidate


def post_filename(date: _dt.date, slug: str) -> str:
    return f"{date.isoformat()}-{slug}.md"


def display_path(path: Path) -> str:
    """The path as a script can use it from the current folder: relative when inside it,
    else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def write_post(path: Path, data: bytes, *, replace: bool) -> None:
    """Atomic, and exclusive unless replacing: a file that appeared meanwhile is never lost."""
    write_atomic(path, data, exclusive=not replace)


def describe_post(path: Path) -> str:
    """What a post in the way holds, for messages: `another film, 'Yes' (2004)`, or that
    filmcli cannot read it."""
    try:
        post = Post.read(path)
    except FilmcliError:
        return "a post filmcli cannot read"
    return f"another film, {post.title!r} ({post.year})"


def remove_old(old: Path, new: Path) -> None:
    """After the new post is safely written, the same film's old file goes."""
    if old != new and old.is_file() and not old.is_symlink():
        try:
            old.unlink()
        except OSError as exc:
            raise FilmcliError(
                f"written, but the old post could not be removed: {exc.strerror}", old
            ) from None


# --- filmcli new -----------------------------------------------------------------


@dataclass
class NewPost:
    path: Path
    data: bytes
    fields: dict
    body: str
    replaces: Path | None = None  # the same film's post under another name (--force)
    replaced: str | None = None  # what --force replaced, for the message
    kept: list[str] = field(default_factory=list)  # what the replaced post gave (review...)
    poster_note: str | None = None
    notes: list[str] = field(default_factory=list)


def plan_new(
    library: Store,
    *,
    title: str,
    director: str | None = None,
    year: int | None = None,
    poster_file=None,
    date: str | None = None,
    slug: str | None = None,
    layout: str | None = None,
    body: str | None = None,
    force: bool = False,
    extra: dict | None = None,
    today: _dt.date | None = None,
    draft: bool = False,
) -> NewPost:
    """Everything `new` will write, checked; nothing is written here.

    `poster_file` is an image file's path, or a `poster_image.PreparedPoster` (a poster a
    lookup fetched). `force` replaces the same film's post (title and year), never
    another's; the review (`body` None: none given) and the front matter not given here
    are kept from it. `draft` writes `_drafts/SLUG.md`.
    """
    config = library.config
    values = {
        "title": title,
        "director": director,
        "year": year,
        "layout": layout,
        "body": body,
        "slug": slug,
    }
    for name, value in values.items():
        check_text(name if name != "body" else "the body", value)
    if not isinstance(title, str) or not title.strip():
        raise UsageError("missing --title")
    when = parse_date(date) if date else (today or _dt.date.today())
    if year is not None:
        check_year(config, year, "--year", today)
    if slug is not None:
        problem = slug_problem(slug)
        if problem:
            raise UsageError(
                f"--slug {slug!r} cannot be used: {problem}",
                hint="leave --slug out to make one from the title",
            )
    index = LibraryIndex(library)
    same = index.film(title, year)
    if same is not None and not force:
        raise FilmcliError(
            f"{title!r} ({year}) is already in the library",
            library.relpath(same),
            hint="use --force to replace that post",
        )
    keep = same if force else None
    if slug is None:
        chosen = index.free_slug(slugify(title), year, when, keep=keep)
    else:
        chosen = slug
        owner = index.slug_owner(slug)
        if owner is not None and owner != keep and owner.name != post_filename(when, slug):
            raise FilmcliError(
                f"the slug {slug!r} is already used by {library.relpath(owner)}",
                hint="two posts with one slug collide in Jekyll; choose another",
            )
    # A draft is `_drafts/slug.md`, as Jekyll (and jekyll-compose's `draft`) keeps them.
    path = (
        library.writable_drafts_dir() / f"{chosen}.md"
        if draft
        else library.posts_dir / post_filename(when, chosen)
    )
    exists = path.exists() or path.is_symlink()
    if exists and not force:
        raise FilmcliError(
            "a post with this file name already exists",
            library.relpath(path),
            hint="use --force to replace it, or --slug/--date for another name",
        )
    if exists and same is not None and os.path.abspath(path) != os.path.abspath(same):
        # --force replaces this film's post; it never also overwrites another film's.
        raise FilmcliError(
            f"a post for another film already has this file name, and "
            f"{title!r} ({year}) is in {library.relpath(same)}",
            library.relpath(path),
            hint="choose another --slug or --date",
        )
    if path.is_symlink():
        raise FilmcliError("refusing to write through a symbolic link", library.relpath(path))
    if exists and same is None:
        # --force replaces the same film only: another film, or a post that cannot be read
        # (and so cannot be known to be this film), is never lost.
        raise FilmcliError(
            f"this file holds {describe_post(path)}; --force "
            f"replaces only the same film ({title!r} ({year}))",
            library.relpath(path),
            hint="choose another --slug or --date",
        )
    previous = None
    if force and same is not None:
        try:
            previous = Post.read(same)
        except FilmcliError as exc:
            raise FilmcliError(
                f"cannot read the post --force would replace: {exc.message}", library.relpath(same)
            ) from None

    poster_uri, poster_note = None, None
    if isinstance(poster_file, (str, os.PathLike)):
        from filmcli.posters.prepare import prepare_for, read_image_file

        poster_file = (
            prepare_for(config, read_image_file(poster_file), poster_file)
            if os.fspath(poster_file)
            else None
        )
    if poster_file is not None:  # a file made a poster, or one a lookup prepared
        poster_uri, poster_note = poster_file.uri, poster_file.describe()

    kept: list[str] = []
    fields = default_fields(config, layout)
    if previous is not None:
        old_fields = previous.metadata()
        if layout is not None:
            old_fields.pop("layout", None)
        given = {
            "title",
            *(
                name
                for name, value in (("director", director), ("year", year), ("poster", poster_uri))
                if value is not None
            ),
        }
        kept = [
            str(k)
            for k in old_fields
            if k not in given and k not in fields and k not in (extra or {})
        ]
        fields.update(old_fields)
        if body is None:
            body = previous.body
            if body.strip():
                kept.insert(0, "the review")
    body = "" if body is None else body
    fields["title"] = title
    if director is not None:
        fields["director"] = director
    if year is not None:
        fields["year"] = year
    if poster_uri is not None:
        fields["poster"] = poster_uri
    for key, value in (extra or {}).items():
        fields[key] = value  # asked for just now
    fields = order_fields(fields)
    for key, value in fields.items():
        check_text(str(key), value)
    data = render_post(fields, body)
    _check_round_trip(data, fields, body, path)
    from filmcli.ops.validate import unclosed_liquid

    plan = NewPost(
        path,
        data,
        fields,
        body,
        replaces=same if force and same != path else None,
        poster_note=poster_note,
        kept=kept,
        replaced=None if previous is None else f"{previous.title!r} ({previous.year})",
    )
    if unclosed_liquid(body) is not None:
        plan.notes.append(
            "the body has a '{{' or '{%' that is never closed: Jekyll will stop "
            "on it (wrap the text in {% raw %}...{% endraw %})"
        )
    return plan


def _check_round_trip(data: bytes, fields: dict, body: str, path: Path) -> None:
    """Read the rendered post back: it must give exactly the values it was made from."""
    back = Post.from_bytes(data, path)
    if back.metadata() != dict(fields) or back.body != body:
        raise FilmcliError(
            "internal error: the post would not read back as written",
            path,
            hint="please report this with the values you gave",
        )


def write_new(plan: NewPost, *, force: bool) -> None:
    write_post(plan.path, plan.data, replace=force)
    if plan.replaces is not None:
        remove_old(plan.replaces, plan.path)


SEED_KEYS = ("title", "director", "year", "poster", "layout")


@dataclass
class NewResult:
    """What `Library.new` did: the post's `path` and its bytes (`data`); `written` False in
    a dry run. `replaced` says what an existing post of the same film was (with `force`) and
    `replaces` its file when it had another name; `kept` the fields (and review) taken from
    it. `poster_note` says how the poster was prepared; `notes` are warnings about the post;
    `created_folder` is True when the posts folder was made for it."""

    path: Path
    data: bytes
    written: bool = False
    replaced: str | None = None
    replaces: Path | None = None
    kept: list[str] = field(default_factory=list)
    poster_note: str | None = None
    notes: list[str] = field(default_factory=list)
    created_folder: bool = False


def create_post(
    library: Store,
    title: str,
    *,
    fields: dict | None = None,
    dry_run: bool = False,
    force: bool = False,
    draft: bool = False,
    on_note=None,
    before_write=None,
    **seed,
) -> NewResult:
    """Plan the post (`plan_new` with the `seed` keywords) under the library lock, then
    write it unless `dry_run`. `fields` are other front-matter keys; `on_note(path, text)`
    hears each warning and `before_write()` is called just before the file is written."""
    from filmcli.ops.manage import check_value
    from filmcli.store.lock import library_lock

    values = {"title": title, "director": seed.get("director"), "year": seed.get("year")}
    missing = missing_fields(library.config, {**values, "poster": seed.get("poster_file")})
    if missing:
        raise UsageError(f"missing {', '.join(missing)}")
    extra = dict(fields or {})
    for key, value in extra.items():
        if key in SEED_KEYS:
            raise UsageError(f"{key} is one of new's own arguments, not one of its fields")
        check_value(library, key, value)
    fresh = not library.posts_dir.exists()
    with contextlib.nullcontext() if dry_run else library_lock(library):
        plan = plan_new(library, title=title, force=force, extra=extra, draft=draft, **seed)
        for note in plan.notes:
            if on_note is not None:
                on_note(plan.path, note)
        result = NewResult(
            plan.path,
            plan.data,
            False,
            plan.replaced,
            plan.replaces,
            plan.kept,
            plan.poster_note,
            plan.notes,
        )
        if dry_run:
            return result
        if before_write is not None:
            before_write()
        try:
            write_new(plan, force=force)
        except FilmcliError as exc:
            if exc.path is None:
                exc.path = library.relpath(plan.path)
            raise
    result.written = True
    result.created_folder = fresh and not draft
    return result
