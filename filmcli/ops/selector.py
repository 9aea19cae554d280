"""Which film a user means: one selector for every command that takes a film.

A film is named by its post file (relative to the current folder or the library), by its
slug (`her`, or the file's stem `2013-12-18-her`), or by words of its title, in any order,
accents and case ignored, with a year allowed as one of the words (`casablanca 1942`).
Each way is tried in turn and the first that names any film wins, so `her` is *Her* even
though *Heretic* holds the same letters, and `1917` is the film called 1917 before it is
a year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.post import Post

if TYPE_CHECKING:
    from filmcli.store.library import Store

_YEAR = re.compile(r"\d{4}\Z")
MAX_CANDIDATES = 20  # an ambiguous name lists at most this many films


class Ambiguous(UsageError):
    """The words name several films; `candidates` lists them (exit 2, as for every command)."""

    def __init__(self, query: str, candidates: list[Post], library: Store | None = None):
        super().__init__(
            f"{query!r} matches {len(candidates)} films; name one by its slug or file",
            hint="a longer part of the title, the year, or the slug",
        )
        self.candidates = candidates
        self.details = candidate_lines(candidates, library)


class NoMatch(FilmcliError):
    """No film matches (exit 1)."""


class Unreadable(FilmcliError):
    """The name matches a post file that cannot be read (its own error, exit 1); `file` is
    that post, for the commands that can act on it anyway (`edit` repairs it)."""

    def __init__(self, error: FilmcliError, file: Path):
        super().__init__(
            error.message,
            error.path,
            error.line,
            hint=f"`filmcli edit {file.name}` opens it to repair it",
            rule=error.rule,
        )
        self.file = file


def candidate_lines(posts: Sequence[Post], library: Store | None = None) -> list[str]:
    """One aligned line per film: slug, title (year), file; text made safe to print."""
    from filmcli.text import visible

    rows = []
    for post in posts:
        title = visible("" if post.title is None else str(post.title))
        if post.year is not None:
            title += f" ({visible(str(post.year))})"
        path = library.relpath(post.path) if library is not None else str(post.path)
        rows.append((visible(post.slug), title, visible(path)))
    if not rows:
        return []
    shown, more = rows[:MAX_CANDIDATES], len(rows) - MAX_CANDIDATES
    wide = [max(len(row[i]) for row in shown) for i in (0, 1)]
    lines = [f"  {slug:<{wide[0]}}  {title:<{wide[1]}}  {path}" for slug, title, path in shown]
    if more > 0:
        lines.append(f"  ... and {more} more")
    return lines


def words(text: str) -> list[str]:
    """Casefolded words without accents, for matching what people type against titles."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"\w+", "".join(ch for ch in folded if not unicodedata.combining(ch)))


def _title(post: Post) -> str:
    return "" if post.title is None else str(post.title)


def _match(posts: list[Post], text: str) -> list[Post]:
    wanted = text.casefold()
    asked = words(text)
    # (scripts written without spaces, Chinese and Japanese: any run of the title)
    spaced = not any(ord(ch) >= 0x2E80 for ch in wanted)
    phrase = re.compile((r"(?<!\w)" if spaced else "") + re.escape(wanted))
    steps = (
        lambda p: p.slug.casefold() == wanted or p.path.stem.casefold() == wanted,
        lambda p: _title(p).strip().casefold() == wanted,
        # a run of the title that starts a word (`space odyssey`), never the inside of a
        # word: `rm ok --yes` must not take Tokyo Story
        lambda p: bool(phrase.search(_title(p).casefold())),
        # Words in any order, accents ignored: `leon`, `kane citizen`, `alien romulus`.
        lambda p: (
            bool(asked) and all(any(t.startswith(w) for t in words(_title(p))) for w in asked)
        ),
    )
    for test in steps:
        hits = [p for p in posts if test(p)]
        if hits:
            return hits
    return []


def _as_file(library: Store, text: str) -> Path | None:
    for candidate in (Path(text), library.root / text):
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a name too long for the system, say: not a file, so not a path
            return None
    return None


def find_posts(
    library: Store, query: str | Sequence[str], posts: Iterable[Post] | None = None
) -> list[Post]:
    """The posts `query` names (see the module's docstring); [] when none does.

    `posts` are the films to choose among (default: every readable post of the library).
    """
    text = query if isinstance(query, str) else " ".join(query)
    text = text.strip()
    if not text:
        raise UsageError("name a film: a post file, a slug or words from its title")
    found = _as_file(library, text)
    if found is not None:
        try:
            return [library.read(found)]
        except FilmcliError as exc:
            raise Unreadable(exc, found) from None
    items = list(library.iter_posts(drafts=True) if posts is None else posts)
    pool = [p for p in items if isinstance(p, Post)]
    hits = _match(pool, text)
    if hits:
        return hits
    head, _, last = text.rpartition(" ")
    if head.strip() and _YEAR.match(last):  # `casablanca 1942`: the last word is the year
        year = int(last)
        dated = [p for p in pool if _year_of(p) == year]
        hits = _match(dated, head.strip())
        if hits:
            return hits
    _unreadable(library, items, text)
    return []


def _unreadable(library: Store, items: list, text: str) -> None:
    """A post that cannot be read still has a file name: its slug or stem names it, and
    the user hears why it cannot be read rather than that there is no such film."""
    from filmcli.model.post import date_from_filename

    wanted = text.casefold()
    for item in items:
        if not isinstance(item, FilmcliError) or not item.path:
            continue
        file = Path(item.path)
        if not file.is_absolute():
            file = library.root / file
        slug = date_from_filename(file.name)[1] or file.stem
        if wanted in (slug.casefold(), file.stem.casefold()):
            raise Unreadable(item, file)


def _year_of(post: Post) -> int | None:
    year = post.year
    if isinstance(year, bool):
        return None
    if isinstance(year, int):
        return year
    if isinstance(year, str) and year.strip().isdigit():
        return int(year.strip())
    return None


def select_many(library: Store, words: Sequence[str]) -> list[Post]:
    """The films several words name: all of them as one name first (`forgotten voyage`),
    else each word its own film (`rm her casablanca`, `rm a.md b.md`)."""
    try:
        return [select_post(library, words)]
    except NoMatch:
        if len(words) < 2:
            raise
    return [select_post(library, [word]) for word in words]


def select_post(
    library: Store, query: str | Sequence[str], posts: Iterable[Post] | None = None
) -> Post:
    """The one post `query` names; NoMatch (exit 1) when none does, Ambiguous (exit 2)."""
    hits = find_posts(library, query, posts)
    text = query if isinstance(query, str) else " ".join(query)
    if not hits:
        raise NoMatch(
            f"no film matches {text!r}", hint="`filmcli list --search TEXT` shows what there is"
        )
    if len(hits) > 1:
        raise Ambiguous(text, hits, library)
    return hits[0]


__all__ = [
    "Ambiguous",
    "NoMatch",
    "Unreadable",
    "candidate_lines",
    "find_posts",
    "select_many",
    "select_post",
    "words",
]
