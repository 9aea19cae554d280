"""Posts as plain records: the stable schema every machine format is written from."""

from __future__ import annotations

import datetime as _dt

from filmcli.model.post import Post
from filmcli.model.poster import Poster

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
