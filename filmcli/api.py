"""The facade: `filmcli.Library`, a library with every command's twin as a method.

Each method does what its command does and returns plain data (dataclasses, lists, dicts)
that the CLI prints and a script reads. The work itself lives in ops/, posters/ and show/;
this module only gathers it in one place (as sqlite-utils' `Database` does).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from filmcli.errors import FilmcliError
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
        if isinstance(films, Post):
            return [films]
        if isinstance(films, (str, os.PathLike)):
            return [self.select(os.fspath(films))]
        return [f if isinstance(f, Post) else self.select(os.fspath(f)) for f in films]

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
        from filmcli.ops.manage import apply, check_value, plan_set, poster_from_file

        values = dict(assign or {})
        if isinstance(values.get("poster"), os.PathLike):
            values["poster"] = poster_from_file(self, os.fspath(values["poster"]))
        for key, value in values.items():
            check_value(self, key, value)
        from filmcli.ops.manage import Change

        changes = []
        for post in self._films(films):  # a post that cannot be changed stops no other
            try:
                changes.append(plan_set(self, post, values, tuple(remove)))
            except FilmcliError as exc:
                failed = Change(post.path, post.title, post.year)
                failed.error = exc
                changes.append(failed)
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
    ) -> list:
        """Look up what films miss (director, year, poster; `only` some of them) on TMDb or
        Wikidata and set it as `set` does, recording the source (`tmdb: 152601`).

        `films` is a selector, a Post, or a list of either (None: every post). A film
        whose title is not an exact, unique match is an error unless
        `ask(post, candidates)` chooses (None for none). Returns one `lookup.fill.Filled`
        per film: `.change` (a `manage.Change`), `.error` or `.skipped`. With `dry_run`
        nothing is written.
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
        )

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
        from filmcli.ops.manage import _writable
        from filmcli.store.editing import commit
        from filmcli.store.lock import library_lock

        if data != snapshot.data:
            _writable(self, snapshot.path)
        with library_lock(self):
            return commit(snapshot, data)

    # --- reading: validate, stats, export, show (h1a) ------------------------

    def rules(self) -> list:
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
