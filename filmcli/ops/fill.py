"""`filmcli fill` and `Library.fill`: what posts are missing (director, year, poster),
looked up and set through `manage.plan_set`, the byte-preserving writer `filmcli set` uses.

Each film is planned on its own (a lookup failure, an ambiguous title, a poster that
is no image are that film's error and the others go on), then every change is written
under the library lock as `set` writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.lookup import Candidate, Session, choose, fields_from

if TYPE_CHECKING:
    from filmcli.ops.manage import Change
    from filmcli.store.library import Store

FILLABLE = ("director", "year", "poster")


@dataclass
class Filled:
    """What `fill` did (or would do) to one post."""

    path: Path
    label: str
    candidate: Candidate | None = None
    change: Change | None = None  # a manage.Change, when there is something to set
    error: FilmcliError | None = None
    skipped: str | None = None  # why nothing was looked up or set

    @property
    def changed(self) -> bool:
        return self.change is not None and self.change.changed


def parse_only(text: str | Iterable[str] | None) -> list[str]:
    """`--only poster,director` -> ["poster", "director"]; every fillable field by default."""
    if text is None:
        return list(FILLABLE)
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [str(i).strip().lower() for i in items if str(i).strip()]
    wrong = [n for n in names if n not in FILLABLE]
    if wrong or not names:
        raise UsageError(f"--only {','.join(wrong) or text!r}: fill only " + ", ".join(FILLABLE))
    return list(dict.fromkeys(names))


def missing(post, only: Iterable[str]) -> list[str]:
    out = []
    for key in only:
        value = post.front_matter.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            out.append(key)
    return out


def plan_fill(
    library: Store,
    posts,
    session: Session,
    *,
    only: Iterable[str] = FILLABLE,
    ask: Callable | None = None,
    on_film: Callable[[Filled], None] | None = None,
) -> list[Filled]:
    """One Filled per post; nothing written. `ask(post, candidates)` chooses among
    candidates when a title is not an exact, unique match (a terminal's choice)."""
    from filmcli.ops.manage import Change, check_value, plan_set_many

    only = list(only)
    out = []
    stopped = None  # the failure that made the provider unusable for the rest
    for post in posts:
        label = Change(post.path, post.title, post.year).label
        item = Filled(post.path, label)
        out.append(item)
        try:
            if stopped is not None:
                item.skipped = f"not looked up: {session.name} failed above"
                continue
            wanted = missing(post, only)
            if not wanted:
                item.skipped = "nothing to fill"
                continue
            item.candidate = session.known(post.front_matter)
            if item.candidate is None:
                title = post.title
                if not isinstance(title, str) or not title.strip():
                    raise FilmcliError("the post has no title to look up")
                year = post.year if isinstance(post.year, int) else None
                director = post.front_matter.get("director")
                found = session.search(title, year)
                item.candidate = choose(
                    found,
                    title,
                    year,
                    provider=session.name,
                    director=director if isinstance(director, str) else None,
                    ask=(lambda c, post=post: ask(post, c)) if ask else None,
                    hint="set the film's year (or director) first with `filmcli set`, or "
                    "run fill on a terminal to choose",
                )
                if item.candidate is None:
                    item.skipped = "none of the candidates chosen"
                    continue
            values = fields_from(session, item.candidate, wanted)
            if "poster" in values:
                values["poster"] = values["poster"].uri
            if not any(k in values for k in wanted):
                item.skipped = f"{session.name} {item.candidate.id} has no " + " and no ".join(
                    wanted
                )
                continue
            for key, value in values.items():
                check_value(library, key, value)
            [item.change] = plan_set_many(library, [post], values)
        except FilmcliError as exc:
            item.error = exc
            if getattr(exc, "unreachable", False):
                stopped = exc
        finally:
            if on_film is not None:
                on_film(item)
    return out


def apply_fill(library: Store, planned: list[Filled]) -> list[Filled]:
    from filmcli.ops.manage import apply

    changes = [f.change for f in planned if f.error is None and f.change is not None]
    apply(library, [change for change in changes if change.changed])
    for item in planned:
        if item.change is not None and item.change.error is not None:
            item.error = item.change.error
    return planned


def fill(
    library: Store,
    films,
    *,
    only=None,
    provider: str | None = None,
    dry_run: bool = False,
    offline: bool = False,
    refresh: bool = False,
    ask=None,
    on_film=None,
    on_start=None,
) -> list[Filled]:
    """`Library.fill`: look up what `films` miss and set it (see the module's text);
    `on_start(provider name)` is called once the provider is ready, before any lookup."""
    from filmcli.ops.manage import films_of

    posts = library.posts() if films is None else films_of(library, films)
    session = Session(library.config, provider, offline=offline, refresh=refresh)
    try:
        if on_start is not None:
            on_start(session.name)
        planned = plan_fill(
            library, posts, session, only=parse_only(only), ask=ask, on_film=on_film
        )
    finally:
        session.close()
    return planned if dry_run else apply_fill(library, planned)


def lookup_fields(
    library: Store,
    *,
    title: str,
    year: int | None,
    director: str | None,
    wanted,
    provider: str | None = None,
    offline: bool = False,
    refresh: bool = False,
    ask: Callable | None = None,
    session: Session | None = None,
) -> dict:
    """`new --lookup`: the `wanted` fields of the film `title` names, and its source key
    (`tmdb: 152601`). Without an exact, unique match `ask(candidates, provider name)` chooses
    (None: none of them, then {}); without `ask` that is a NoMatch."""
    own = session is None
    if session is None:
        session = Session(library.config, provider, offline=offline, refresh=refresh)
    try:
        found = session.search(title, year)
        name = session.name
        chooser = (lambda c: ask(c, name)) if ask is not None else None
        chosen = choose(found, title, year, director=director, provider=name, ask=chooser)
        return fields_from(session, chosen, wanted) if chosen is not None else {}
    finally:
        if own:
            session.close()


class Completer:
    """`add --lookup`: the fields an imported record misses, from its exact match.

    Called with the record's fields; returns the ones to add (and the source key).
    NoMatch when there is no exact, unique match (the record is added as it is and
    listed); any other lookup failure is the record's error.
    """

    def __init__(self, session: Session, only: Iterable[str] = FILLABLE):
        self.session = session
        self.only = list(only)
        self.stopped: FilmcliError | None = None

    def __call__(self, fields: dict) -> dict:
        if self.stopped is not None:
            raise FilmcliError(
                f"not looked up: {self.session.name} failed above", hint=self.stopped.hint
            )
        try:
            return self._complete(fields)
        except FilmcliError as exc:
            if getattr(exc, "unreachable", False):
                self.stopped = exc
            raise

    def _complete(self, fields: dict) -> dict:
        wanted = [
            k
            for k in self.only
            if fields.get(k) is None or (isinstance(fields.get(k), str) and not fields[k].strip())
        ]
        title, year = fields.get("title"), fields.get("year")
        if not wanted or not isinstance(title, str) or not title.strip():
            return {}
        year = year if isinstance(year, int) and not isinstance(year, bool) else None
        director = fields.get("director")
        candidate = self.session.known(fields)
        if candidate is None:
            found = self.session.search(title, year)
            candidate = choose(
                found,
                title,
                year,
                provider=self.session.name,
                director=director if isinstance(director, str) else None,
                hint="`filmcli fill` on a terminal lets you choose",
            )
        assert candidate is not None  # without `ask`, choose() has a match or raises NoMatch
        values = fields_from(self.session, candidate, wanted)
        if "poster" in values:
            values["poster"] = values["poster"].uri
        return values
