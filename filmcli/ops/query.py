"""Choosing and ordering posts: `--where`, `--search`, `--sort`, as `list` and friends do."""

from __future__ import annotations

import datetime as _dt
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from filmcli.errors import UsageError
from filmcli.model.post import Post
from filmcli.model.poster import Poster

_WHERE = re.compile(r"\s*([A-Za-z_][\w.-]*)\s*(>=|<=|!=|==|!~|=|>|<|~)\s*(.*?)\s*\Z", re.S)


def _value(post: Post, name: str):
    return post.get(name)


# the ordering operators of --where, on values of one kind (a TypeError means "no match")
_ORDERING: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _compare_poster(poster: Poster | None, op: str, wanted: str) -> bool:
    if wanted.lower() == "none":
        absent = poster is None
        return absent if op in ("=", "==") else not absent
    if poster is None:
        return op in ("!=", "!~")
    facts = {poster.origin, (poster.format or "").lower(), (poster.value or "").lower()}
    hit = (
        wanted.lower() in facts
        if op in ("=", "==", "!=")
        else any(wanted.lower() in f for f in facts)
    )
    return not hit if op in ("!=", "!~") else hit


def _as_number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def parse_where(expr: str) -> Callable[[Post], bool]:
    """`year>=2000`, `director~jonze` (case-insensitive substring), `title=Her`, `poster=none`."""
    match = _WHERE.match(expr)
    if not match:
        raise UsageError(
            f"cannot read --where {expr!r}",
            hint="write FIELD OP VALUE with OP one of = != > >= < <= ~ !~, "
            "e.g. 'year>=2000' or 'director~jonze'",
        )
    name, op, wanted = match.groups()
    if op in (">", ">=", "<", "<=") and wanted == "":
        raise UsageError(f"--where {expr!r} has nothing to compare with")
    if wanted[:1] in ("<", ">", "=", "!", "~"):
        raise UsageError(
            f"cannot read --where {expr!r}: the value starts with an operator",
            hint="operators are = != > >= < <= ~ !~, e.g. 'year>=2000'",
        )
    if (
        name == "year"
        and op not in ("~", "!~")
        and _as_number(wanted) is None
        and (wanted.lower() not in ("none", "null", ""))
    ):
        raise UsageError(f"--where {expr!r}: year compares with a number", hint="e.g. 'year>=2000'")

    def test(post: Post) -> bool:
        if name == "poster":
            return _compare_poster(post.poster, op, wanted)
        value = _value(post, name)
        if op in ("~", "!~"):
            found = value is not None and wanted.lower() in _text(value).lower()
            return found if op == "~" else not found
        if value is None:
            is_none = wanted.lower() in ("none", "null", "")
            return is_none if op in ("=", "==") else (not is_none if op == "!=" else False)
        number = _as_number(wanted)
        left: object
        right: object
        if isinstance(value, (int, float)) and not isinstance(value, bool) and number is not None:
            left, right = value, number
        elif isinstance(value, _dt.date):
            left, right = value.isoformat(), wanted
        else:
            left, right = _text(value), wanted
            if op in ("=", "==", "!="):
                left, right = left.lower(), right.lower()
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        try:
            return bool(_ORDERING[op](left, right))
        except TypeError:
            return False

    return test


def _text(value) -> str:
    if isinstance(value, Poster):
        return value.short()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return "" if value is None else str(value)


def matches_search(post: Post, text: str) -> bool:
    """Case-insensitive substring over title, director and body."""
    needle = text.casefold()
    return any(needle in _text(v).casefold() for v in (post.title, post.director, post.body))


def _sort_key(value):
    if type(value) is str:  # the common case first
        return (0, 2, value.casefold())
    if value is None:
        return (2, 0, "")
    if isinstance(value, bool):
        return (0, 0, int(value))
    if isinstance(value, (int, float)):
        return (0, 0, value)
    if isinstance(value, Poster):
        return (0, 1, value.size or 0)
    return (0, 2, _text(value).casefold())


def sort_keys(post: Post, fields: Sequence[str]) -> tuple:
    """The post's sort key for each of `fields` (`-field` too), None where it has no value.

    Computed once per post, so a command can keep these small keys and let the
    post go (see `order`).
    """
    keys = []
    for spec in fields:
        value = post.get(spec.lstrip("-+"))
        keys.append(None if value is None else _sort_key(value))
    return tuple(keys)


def _entry_key(i: int) -> Callable[[tuple[tuple, object]], Any]:
    return lambda entry: entry[0][i]


def order(
    entries: Iterable[tuple[tuple, object]], fields: Sequence[str], reverse: bool = False
) -> list:
    """The payloads of (sort_keys, payload) entries in the order sort_posts gives."""
    ordered = list(entries)
    for i in reversed(range(len(fields))):
        descending = fields[i].startswith("-")
        present = [e for e in ordered if e[0][i] is not None]
        missing = [e for e in ordered if e[0][i] is None]
        present.sort(key=_entry_key(i), reverse=descending)
        ordered = present + missing
    if reverse:
        ordered.reverse()
    return [payload for _, payload in ordered]


def sort_posts(posts: list[Post], fields: Sequence[str], reverse: bool = False) -> list[Post]:
    """Stable sort by each field in turn; `-field` sorts that field descending; empties last."""
    fields = list(fields)
    return order([(sort_keys(p, fields), p) for p in posts], fields, reverse)


#: Fields every post has, whatever its front matter holds.
BUILTIN_FIELDS = frozenset(
    {"path", "date", "slug", "body", "title", "director", "year", "layout", "poster", "draft"}
)


#: Fields computed from the site as well as the post; made only for the commands that ask.
COMPUTED_FIELDS = frozenset({"url"})


def computed_fields(root, names) -> dict[str, Callable[[Post], object]]:
    """What makes each computed field among `names`, for `Post.computed`.

    The site's settings are read here, once, and only when a computed field is asked.
    """
    if "url" not in names:
        return {}
    from filmcli.model.urls import NotBuilt, post_url, site_settings

    settings = site_settings(root)

    def url(post: Post):
        try:
            return post_url(post, settings)
        except NotBuilt:  # a file Jekyll does not build as a post has no URL
            return None

    return {"url": url}


def field_names(
    where: Sequence[str] = (), sort: Sequence[str] = (), fields: Sequence[str] = ()
) -> set[str]:
    """The field names a --where, --sort or --fields asks about."""
    names = {spec.lstrip("-+") for spec in (*sort, *fields)}
    names.update(m.group(1) for m in map(_WHERE.match, where) if m)
    return names


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise UsageError("--limit: must be at least 0")


def unknown_fields(names: Iterable[str], seen: Iterable[str]) -> list[str]:
    """The names among `names` that are no built-in field and no key of any post seen."""
    known = BUILTIN_FIELDS | COMPUTED_FIELDS | set(seen)
    return sorted(set(names) - known)


def check_fields(names: Iterable[str], seen: Iterable[str]) -> None:
    """A field that no post has is a usage error (most likely a typo), exit 2."""
    unknown = unknown_fields(names, seen)
    if unknown:
        known = sorted(BUILTIN_FIELDS | COMPUTED_FIELDS | set(seen))
        listed = ", ".join(repr(name) for name in unknown)
        raise UsageError(f"no post has a field {listed}", hint="known fields: " + ", ".join(known))


def with_computed(posts: Iterable[Post], computed: dict) -> Iterable[Post]:
    """The posts, each given the computed fields (see computed_fields) to make on asking."""
    for post in posts:
        post.computed = computed
        yield post


def select(
    posts: Iterable[Post],
    where: Sequence[str] = (),
    search: str | None = None,
    sort: Sequence[str] = (),
    reverse: bool = False,
    limit: int | None = None,
    *,
    make: Callable[[Post], object] | None = None,
    fields: Sequence[str] = (),
    root=None,
) -> list:
    """Filter (all --where must hold), search, sort, then cut to --limit.

    The one selection every command uses. With `make`, `make(post)` is kept for each
    chosen post instead of the post (only the payloads and their sort keys are held:
    a library of any size streams through in little memory). A field named in
    `where`, `sort` or `fields` that no post has is a UsageError (exit 2) listing the
    known fields; with no post at all there is nothing to check against. With the site's
    `root`, --where and --sort may use the computed fields (`url`).
    """
    tests = [parse_where(w) for w in where]
    check_limit(limit)
    order_by = list(sort or ("date", "title"))
    if root is not None:
        computed = computed_fields(root, field_names(where, sort, fields))
        if computed:
            posts = with_computed(posts, computed)
    asked = field_names(where, sort, fields) - BUILTIN_FIELDS - COMPUTED_FIELDS
    seen: set = set()
    any_post = False
    entries = []
    for post in posts:
        any_post = True
        if asked:
            seen.update(post.front_matter)
        if all(t(post) for t in tests) and (not search or matches_search(post, search)):
            entries.append((sort_keys(post, order_by), post if make is None else make(post)))
    if asked and any_post:
        check_fields(asked, seen)
    chosen = order(entries, order_by, reverse)
    return chosen if limit is None else chosen[:limit]
