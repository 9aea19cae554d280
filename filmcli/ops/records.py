"""Posts as plain records: the stable schema every machine format is written from; and the
posts a read command (stats, export) works on."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError
from filmcli.model.post import Post
from filmcli.model.poster import Poster

if TYPE_CHECKING:
    from filmcli.store.library import Store

_PLAIN = (str, int, float, bool, type(None))
LEAD_KEYS = ("path", "date", "slug", "title", "director", "year", "layout", "poster")


def jsonable(value):
    """Dates as ISO text, Posters as summaries, containers recursively; the rest unchanged."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Poster):
        return value.summary()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def post_record(post: Post, path: str, *, poster: str = "summary", body: bool = False) -> dict:
    """path, date, slug, title, director, year, layout, poster, then the other keys in order.

    `poster` is "summary" (facts), "facts" (the summary without its sha256, which
    needs a full decode), "inline" (the data URI text) or "omit".
    """
    fm = post.front_matter
    date = post.date
    record: dict = {
        "path": path,
        "date": date.isoformat() if date else None,
        "slug": post.slug,
        "title": jsonable(fm.get("title")),
        "director": jsonable(fm.get("director")),
        "year": jsonable(fm.get("year")),
        "layout": jsonable(fm.get("layout")),
    }
    value = fm.get("poster")
    if poster != "omit":
        if isinstance(value, Poster):
            record["poster"] = (
                value.text if poster == "inline" else value.summary(hash=poster != "facts")
            )
        else:
            record["poster"] = jsonable(value)
    for key, item in fm.items():
        if str(key) not in record and key != "poster":
            record[str(key)] = jsonable(item)
    if "date" in fm:
        record["date"] = jsonable(fm["date"]) if date is None else record["date"]
    if body:
        record["body"] = post.body
    return record


def lead_fields(post: Post, path: str, fields, *, poster: str = "summary") -> dict:
    """`post_record(...)` restricted to `fields`, all of them LEAD_KEYS: only those made
    (no walk over the other keys; `list`'s default columns)."""
    fm = post.front_matter
    out: dict = {}
    for name in fields:
        if name == "path":
            out[name] = path
        elif name == "date":
            date = post.date
            if date is not None:
                out[name] = date.isoformat()
            else:
                out[name] = jsonable(fm["date"]) if "date" in fm else None
        elif name == "slug":
            out[name] = post.slug
        elif name == "poster":
            value = fm.get("poster")
            if isinstance(value, Poster):
                out[name] = (
                    value.text if poster == "inline" else value.summary(hash=poster != "facts")
                )
            else:
                out[name] = jsonable(value)
        else:
            out[name] = jsonable(fm.get(name))
    return out


def read_chosen(
    library: Store,
    paths: Iterable = (),
    drafts: bool = False,
    on_post: Callable | None = None,
    on_error: Callable | None = None,
    filters: dict | None = None,
) -> tuple[list[Post], list[FilmcliError]]:
    """The posts under `paths` (and the drafts) that `filters` (query.select's where,
    search, sort, reverse, limit) choose, and the errors of those that could not be read:
    each passed to `on_error(exc)` as it comes; `on_post()` runs once per post read."""
    from filmcli.ops.query import select

    unreadable: list[FilmcliError] = []

    def readable():
        for item in library.iter_posts(paths, drafts=drafts):
            if on_post is not None:
                on_post()
            if isinstance(item, FilmcliError):
                unreadable.append(item)
                if on_error is not None:
                    on_error(item)
            else:
                yield item

    posts = list(readable())  # every post read (and each error said) before choosing
    return select(posts, **(filters or {}), root=library.root), unreadable  # root: `url`
