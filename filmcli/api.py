"""The facade: `filmcli.Library`, a library with every command's twin as a method.

Each method does what its command does and returns plain data (dataclasses, lists, dicts)
that the CLI prints and a script reads. The work itself lives in ops/, posters/ and show/;
this module only gathers it in one place (as sqlite-utils' `Database` does).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from filmcli.model.post import Post
from filmcli.store.library import Store

TYPE_CHECKING = False
if TYPE_CHECKING:
    import builtins

    from filmcli.ops.add import AddReport
    from filmcli.ops.new import NewResult
    from filmcli.ops.posters import EmbedReport, ExtractReport
    from filmcli.show.wall import WallResult


class Library(Store):
    """A Jekyll film blog: its posts, and everything filmcli can do with them."""

    # --- managing films (filmcli.ops.manage) --------------------------------

    def select(self, film: str | Sequence[str]) -> Post:
        """The one post `film` names: a post file, a slug, or title words with a year allowed
        (`"casablanca 1942"`). NoMatch (exit 1) or Ambiguous (exit 2, with the candidates)."""
        from filmcli.ops.selector import select_post

        return select_post(self, film)

    def _films(self, films) -> list[Post]:
        from filmcli.ops.manage import films_of

        return films_of(self, films)

    def choose(
        self,
        films: str | Sequence[str] = (),
        *,
        where: Iterable[str] = (),
        search: str | None = None,
        many: bool = False,
        every: bool = False,
    ):
        """The films `set`, `rm` and `fill` act on: the one `films` names (`"her"`, or with
        `many` several: `["her", "vertigo"]`), or every film the `where` expressions
        (`"year >= 2019"`) and `search` text keep; naming films both ways, or neither (unless
        `every`: then every film), is a UsageError. Returns a `manage.Chosen`: `.posts`, and
        `.unreadable`, the errors of posts that could not be read."""
        from filmcli.ops.manage import choose_films

        words = [films] if isinstance(films, str) else list(films)
        return choose_films(self, words, list(where), search, many=many, every=every)

    def set(
        self,
        films,
        assign: dict | None = None,
        remove: Iterable[str] = (),
        *,
        dry_run: bool = False,
    ) -> list:
        """Set front-matter keys of one film or several, changing only their lines.

        `films` is a selector, a Post, or a list of either; `assign` maps keys to values
        (`{"director": "S. Jonze", "year": 2014}`; a `poster` given as a path is an image
        file made a poster as `new --poster` makes one); `remove` names keys to delete.
        Returns one `manage.Change` per film: `.fields` says what changed, `.written`
        whether it was written, `.error` why not. With `dry_run` nothing is written.
        """
        from filmcli.ops.manage import apply, check_value, plan_set_many, poster_from_file

        values = dict(assign or {})
        if isinstance(values.get("poster"), os.PathLike):
            values["poster"] = poster_from_file(self, os.fspath(values["poster"]))
        for key, value in values.items():
            check_value(self, key, value)
        changes = plan_set_many(self, self._films(films), values, remove)
        return changes if dry_run else apply(self, changes)

    def fill(
        self,
        films=None,
        *,
        only=None,
        provider: str | None = None,
        dry_run: bool = False,
        offline: bool = False,
        refresh: bool = False,
        ask=None,
        on_film=None,
        on_start=None,
    ) -> list:
        """Look up what films miss (director, year, poster; `only` some of them) on TMDb or
        Wikidata and set it as `set` does, recording the source (`tmdb: 152601`).

        `films` is a selector, a Post, or a list of either (None: every post). A film
        whose title is not an exact, unique match is an error unless
        `ask(post, candidates)` chooses (None for none); `on_film(filled)` hears of each
        film as it is done, `on_start(provider name)` once before the first. Returns one
        `fill.Filled` per film: `.change` (a `manage.Change`), `.error` or `.skipped`. With
        `dry_run` nothing is written (`apply` writes what was planned).
        """
        from filmcli.ops.fill import fill

        return fill(
            self,
            films,
            only=only,
            provider=provider,
            dry_run=dry_run,
            offline=offline,
            refresh=refresh,
            ask=ask,
            on_film=on_film,
            on_start=on_start,
        )

    def apply(self, planned: list) -> list:
        """Write what `set`, `remove` or `fill` planned with `dry_run=True` (their list of
        Change, Removal or Filled results, or some of them): each film under the library
        lock, a failure recorded in its `.error` while the others go on. Returns `planned`."""
        from filmcli.ops.fill import Filled, apply_fill
        from filmcli.ops.manage import Move, Removal, apply, apply_remove

        if any(isinstance(item, Move) for item in planned):
            raise TypeError("moves are applied by publish, unpublish and rename themselves")
        removals = [r for r in planned if isinstance(r, Removal)]
        if removals:  # each writer takes the lock only when it has something to write
            apply_remove(self, removals)
        apply_fill(self, [f for f in planned if isinstance(f, Filled)])
        apply(self, [c for c in planned if not isinstance(c, (Removal, Filled))])
        return planned

    def remove(self, films, *, keep_poster: bool = False, dry_run: bool = False) -> list:
        """Remove one film or several (a selector, a Post, or a list of either), with each
        poster file extract-posters wrote for it that no other post uses (unless
        `keep_poster`). Returns one `manage.Removal` per film."""
        from filmcli.ops.manage import apply_remove, plan_remove

        removals = plan_remove(self, self._films(films), keep_poster=keep_poster)
        return removals if dry_run else apply_remove(self, removals)

    def publish(self, draft, *, date=None, dry_run: bool = False):
        """Move a draft to `_posts/DATE-NAME` (today by default); returns a `manage.Move`."""
        from filmcli.ops.manage import apply_moves, plan_publish

        [post] = self._films(draft)
        move = plan_publish(self, post, date)
        return move if dry_run else _done(apply_moves(self, [move])[0])

    def unpublish(self, post, *, dry_run: bool = False):
        """Move a post back to `_drafts/NAME`; returns a `manage.Move`."""
        from filmcli.ops.manage import apply_moves, plan_unpublish

        [found] = self._films(post)
        move = plan_unpublish(self, found)
        return move if dry_run else _done(apply_moves(self, [move])[0])

    def rename(
        self,
        film,
        *,
        title: str | None = None,
        date=None,
        slug: str | None = None,
        dry_run: bool = False,
    ):
        """Rename a film's post as `jekyll rename` does (see `manage.plan_rename`); returns a
        `manage.Move` with the old and new paths and URLs."""
        from filmcli.ops.manage import apply_rename, plan_rename

        [post] = self._films(film)
        move = plan_rename(self, post, title=title, date=date, slug=slug)
        return move if dry_run else _done(apply_rename(self, move))

    def fix(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        unsafe: bool = False,
        dry_run: bool = False,
        **options,
    ):
        """What `validate --fix` does: repair the findings that have a safe fix (and, with
        `unsafe`, an unsafe one) in the posts under `paths`, each post changed only in the
        lines of its fixes, written atomically under the library lock. Returns a
        `fixes.FixReport`: `.plans` (per post: `.applied` fixes with notes, `.before`/`.after`
        bytes, `.new_path`, `.written`, `.error`), `.fixed`, and `.remaining` problems. With
        `dry_run` nothing is written (`validate --diff`). Keywords `options`
        (validate.Options), `keep` (a rule filter) and `drafts` are as for validate."""
        from filmcli.ops.fixes import fix_library

        return fix_library(self, paths, unsafe=unsafe, dry_run=dry_run, **options)

    def save(self, snapshot, data: bytes) -> bool:
        """Put `data` in place of the post `snapshot` (editing.snapshot) read, under the
        library lock, only if the file is still that version. False when nothing changed;
        FilmcliError when the file changed meanwhile (nothing is then overwritten)."""
        from filmcli.ops.manage import save_edit

        return save_edit(self, snapshot, data)

    def edit(self, film, edit, *, on_errors=None, on_note=None, before_save=None):
        """What `filmcli edit` does, with `edit(text) -> new text` (or None: no change) in
        place of the editor: the post's text (an embedded poster as a short `<kept: ...>`
        line that puts the poster back when left alone), checked before it is saved, only
        over the version read. An edit with errors goes to `on_errors(the Edit)`, answering
        "e" (edit again), "s" (save anyway) or "a" (abort: the default). Returns a
        `manage.Edit`: `.written`, `.after` (the edited bytes), `.problems`, `.aborted`,
        `.error` (the save failed)."""
        from filmcli.ops.manage import edit_post

        return edit_post(
            self, film, edit, on_errors=on_errors, on_note=on_note, before_save=before_save
        )

    # --- lookup and init (filmcli.lookup, filmcli.ops.scaffold) -------------------------

    def lookup(
        self,
        title: str,
        year: int | None = None,
        *,
        provider: str | None = None,
        offline: bool = False,
        refresh: bool = False,
    ):
        """What `filmcli lookup` does: the candidates TMDb or Wikidata gives for `title`,
        best first (the year asked ranks exact matches first). Returns a
        `lookup.Candidates`, a list of `lookup.Candidate` with `.provider`."""
        from filmcli.lookup import search

        return search(self.config, title, year, provider=provider, offline=offline, refresh=refresh)

    # --- listing (filmcli.ops.listing) ----------------------------------------

    def list(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        format: str = "json",
        fields: Sequence[str] | None = None,
        where: Sequence[str] = (),
        search: str | None = None,
        sort: Sequence[str] = (),
        reverse: bool = False,
        limit: int | None = None,
        drafts: bool = False,
        on_error=None,
    ):
        """What `filmcli list` shows, as `listing.Listing`: `.rows` (dicts; TSV lines for
        "tsv") in the chosen order, `.fields` the columns, `.failed` the posts that could
        not be read (each also passed to `on_error`). `listing.write_listing` writes it."""
        from filmcli.ops.listing import list_posts

        return list_posts(
            self,
            [os.fspath(p) for p in paths],
            fmt=format,
            fields=fields,
            where=where,
            search=search,
            sort=sort,
            reverse=reverse,
            limit=limit,
            drafts=drafts,
            on_error=on_error,
        )

    # --- writing posts and posters (ops.new, ops.add, ops.posters, show.wall) ----------

    def new(
        self,
        title: str,
        *,
        director: str | None = None,
        year: int | None = None,
        poster: str | os.PathLike | None = None,
        date: str | None = None,
        slug: str | None = None,
        layout: str | None = None,
        body: str | None = None,
        fields: dict | None = None,
        draft: bool = False,
        force: bool = False,
        dry_run: bool = False,
        on_note=None,
        before_write=None,
    ) -> NewResult:
        """Write one post, `_posts/DATE-SLUG.md` (a draft: `_drafts/SLUG.md`), as `filmcli
        new` does. `poster` is an image file (or a `PreparedPoster`), made upright, stripped
        and embedded; `fields` are other front-matter keys (`{"rating": 4.5}`); `force`
        replaces the same film's post, keeping its review (when `body` is None) and the
        fields not given. Returns an `ops.new.NewResult`: `.path`, `.data`, `.written`,
        `.replaced`/`.replaces`/`.kept`, `.notes`. With `dry_run` nothing is written."""
        from filmcli.ops.new import create_post

        if isinstance(poster, os.PathLike):
            poster = os.fspath(poster)
        return create_post(
            self,
            title,
            director=director,
            year=year,
            poster_file=poster,
            date=date,
            slug=slug,
            layout=layout,
            body=body,
            fields=fields,
            draft=draft,
            force=force,
            dry_run=dry_run,
            on_note=on_note,
            before_write=before_write,
        )

    def add(
        self,
        sources: str | os.PathLike | Iterable[str | os.PathLike],
        *,
        kind: str | None = None,
        force: bool = False,
        dry_run: bool = False,
        lookup: bool = False,
        provider: str | None = None,
        offline: bool = False,
        refresh: bool = False,
        on_added=None,
        on_skipped=None,
        on_failed=None,
        on_note=None,
    ) -> AddReport:
        """Add posts from export files, Markdown posts or folders, Letterboxd or IMDb CSVs
        ('-': stdin), each record whole or not at all, as `filmcli add` does; `kind` forces
        the format (json, jsonl, csv, toml, md, letterboxd, imdb). With `lookup`, records
        are completed from their exact match on TMDb or Wikidata. Returns an `AddReport`:
        `.added` and `.replaced` paths, `.skipped`, `.failed`, `.not_films`, `.incomplete`
        (path, missing fields). The `on_*` hooks hear each record as it is decided."""
        from filmcli.ops.add import add_library

        if isinstance(sources, (str, os.PathLike)):
            sources = [sources]
        return add_library(
            self,
            [os.fspath(s) for s in sources],
            kind=kind,
            force=force,
            dry_run=dry_run,
            lookup=lookup,
            provider=provider,
            offline=offline,
            refresh=refresh,
            on_added=on_added,
            on_skipped=on_skipped,
            on_failed=on_failed,
            on_note=on_note,
        )

    def extract_posters(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        out: str | os.PathLike | None = None,
        rewrite: bool = False,
        force: bool = False,
        dry_run: bool = False,
        digest: bool = True,
        on_start=None,
        on_result=None,
        **filters,
    ) -> ExtractReport:
        """Write each embedded poster of the posts under `paths` (default: all) to
        `out/<slug>.<ext>` byte for byte (default folder: poster.dir), and with `rewrite`
        point each post's poster at its file. `filters` are `where`, `search`, `sort`,
        `reverse`, `limit`, `drafts` as for `select`. `on_start(jobs)` then
        `on_result(result)` per post report progress. Returns an `ExtractReport`:
        `.results` (one `Result` per post), `.summary` counts, `.to_dict()` (the JSON).
        `digest=False` skips each poster's sha256 (the JSON report and `--rewrite` have it)."""
        from filmcli.ops.posters import choose_paths, extract_posters
        from filmcli.store.lock import library_lock

        targets = choose_paths(self, list(paths), **filters)
        out = None if out is None else os.fspath(out)
        with library_lock(self) if rewrite and not dry_run else _nothing():
            return extract_posters(
                self,
                targets,
                out=out,
                rewrite=rewrite,
                force=force,
                dry_run=dry_run,
                digest=digest,
                on_start=on_start,
                on_result=on_result,
            )

    def embed_posters(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        dry_run: bool = False,
        on_start=None,
        on_result=None,
        **filters,
    ) -> EmbedReport:
        """Embed the posters the posts under `paths` give as site paths or files, as data
        URIs (the inverse of `extract_posters(rewrite=True)`). `filters` and the hooks are
        as for `extract_posters`. Returns an `EmbedReport` (`.bytes_embedded` too)."""
        from filmcli.ops.posters import choose_paths, embed_posters
        from filmcli.store.lock import library_lock

        targets = choose_paths(self, list(paths), **filters)
        with _nothing() if dry_run else library_lock(self):
            return embed_posters(
                self, targets, dry_run=dry_run, on_start=on_start, on_result=on_result
            )

    def wall(
        self,
        out: str | os.PathLike,
        paths: Iterable[str | os.PathLike] = (),
        *,
        columns: int | None = None,
        tile_width: int = 160,
        where: Sequence[str] = (),
        search: str | None = None,
        sort: Sequence[str] = (),
        reverse: bool = False,
        limit: int | None = None,
        drafts: bool = False,
        on_error=None,
        on_read=None,
        on_start=None,
        on_tile=None,
    ) -> WallResult:
        """Draw a contact sheet of the chosen posts' posters with titles and years, and
        write it to `out` (.jpg, .png or .webp). A post that cannot be read is passed to
        `on_error(exc)` and counted; `on_read()` hears each post read, `on_start(n)` the
        drawing begin, `on_tile()` each tile. Returns a `WallResult`: `.path`, `.placed`
        posters of `.total`, `.missing` placeholders, `.size`, `.bytes`, `.failed`."""
        from filmcli.ops.records import read_chosen
        from filmcli.show.wall import output_format, write_wall

        output_format(out)  # a usage error before any reading
        filters = dict(where=where, search=search, sort=sort, reverse=reverse, limit=limit)
        posts, unreadable = read_chosen(
            self, [os.fspath(p) for p in paths], drafts, on_read, on_error, filters
        )
        if on_start is not None and posts:
            on_start(len(posts))
        result = write_wall(
            self, posts, out, columns=columns, tile_width=tile_width, on_tile=on_tile
        )
        result.failed = len(unreadable)
        return result

    # --- reading: validate, stats, export, show (h1a) ------------------------

    def rules(self) -> builtins.list:  # (`list` in here is Library.list)
        """Every rule `validate` checks (`validate --rules`): `validate.Rule`s with `.id`,
        `.severity`, `.text` and `.fix` (the kind of fix --fix has, or None)."""
        from filmcli.ops.validate import rule_table

        return rule_table()

    def validate(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        strict: bool = False,
        drafts: bool = False,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        fast: bool = False,
        keep=None,
        options=None,
        on_post=None,
        on_read=None,
    ):
        """What `validate` reports for the posts under `paths` (every post by default; the
        drafts too with `drafts`): a `ValidationReport` with `.problems` (each a `Problem`:
        path, line, rule, severity, message, fix), `.checked`, `.errors`, `.warnings` and
        `.ok`. `select`/`ignore` keep or skip rules by id or prefix (`FC2`), `strict` makes
        warnings errors, `fast` checks image headers only, `keep(rule_id)` filters further;
        `options` (a
        `validate.Options`) replaces the library's [validate] settings. `on_post()` runs per
        post read and `on_read()` once all are (progress hooks)."""
        from filmcli.ops.validate import Options, report, rule_filter

        chosen = rule_filter(select, ignore)
        wanted = chosen if keep is None else (lambda rule: chosen(rule) and keep(rule))
        options = options or Options.from_config(self.config, fast=fast)
        return report(
            self,
            paths,
            options,
            strict=strict,
            keep=wanted,
            drafts=drafts,
            on_post=on_post,
            on_read=on_read,
        )

    def stats(
        self,
        paths: Iterable[str | os.PathLike] = (),
        *,
        top: int = 10,
        drafts: bool = False,
        on_post=None,
        on_error=None,
        **filters,
    ):
        """What `stats` reports: a `Stats` (films, directors, year span, per decade, top
        `top` directors, poster formats and bytes; `.to_dict()` is `stats --format json`)
        of the posts under `paths` that `filters` choose (`where`, `search`, `sort`,
        `reverse`, `limit` as for `list`). Unreadable posts are left out, listed in
        `.unreadable` and passed to `on_error(exc)` as they come."""
        from filmcli.ops.records import read_chosen
        from filmcli.ops.stats import library_stats

        posts, unreadable = read_chosen(self, paths, drafts, on_post, on_error, filters)
        return library_stats(posts, top=top, unreadable=unreadable)

    def export(
        self,
        out,
        paths: Iterable[str | os.PathLike] = (),
        *,
        fmt: str | None = None,
        posters: str | None = None,
        posters_dir: str | os.PathLike | None = None,
        csv_safe: bool = True,
        force: bool = False,
        drafts: bool = False,
        on_post=None,
        on_read=None,
        on_error=None,
        on_render=None,
        **filters,
    ):
        """What `export` writes: the chosen posts (`filters` as for `stats`) with every
        field and the body, as json, jsonl, csv or toml (`fmt`; default from `out`'s
        extension, else json), to `out`: a file path (written atomically) or a text stream.
        `posters` is inline (data URIs), files (written to `posters_dir`) or omit. Returns
        an `ExportResult` (`.exported`, `.failed`, `.path`, `.format`, `.posters`); each post
        that cannot be read or exported is passed to `on_error(exc)` and counted, the
        others go on. Progress hooks: `on_post()` per post read, `on_read()` when all are,
        `on_render(n)` before the records are rendered into a file."""
        from filmcli.ops.export import export_plan, export_posts
        from filmcli.ops.records import read_chosen

        plan = export_plan(out, fmt=fmt, posters=posters, posters_dir=posters_dir, force=force)
        posts, unreadable = read_chosen(self, paths, drafts, on_post, on_error, filters)
        if on_read is not None:
            on_read()
        return export_posts(
            self,
            plan,
            posts,
            len(unreadable),
            csv_safe=csv_safe,
            on_error=on_error,
            on_render=on_render,
        )

    def show(self, film: str | Sequence[str] | Post):
        """What `show` prints about one film (a selector as for `select`, or a Post): a
        `Shown` with `.title`, `.year`, `.director`, `.facts` (the rows beside the poster:
        file, date, poster, other keys), `.review`, and the poster's `.poster_format`,
        `.poster_size` (from the header) or `.poster_error`."""
        from filmcli.show.page import shown

        post = film if isinstance(film, Post) else self.select(film)
        return shown(post, self)


def _done(move):
    """A single move that failed raises its error (bulk operations report them instead)."""
    if move.error is not None:
        raise move.error
    return move


def _nothing():
    import contextlib

    return contextlib.nullcontext()
