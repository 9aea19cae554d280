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


def _done(move):
    """A single move that failed raises its error (bulk operations report them instead)."""
    if move.error is not None:
        raise move.error
    return move
