"""Small pieces several commands share: reading posts with per-post errors, choosing formats."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import typer

from filmcli.cli import console
from filmcli.errors import FilmcliError, UsageError

PATHS_HELP = "Post files or folders (default: the posts)."
DRAFTS_HELP = "Include the drafts in _drafts/, as `jekyll build --drafts` does."
FILM_HELP = (
    "The film: a post file, a slug (her) or words of its title, a year allowed (casablanca 1942)."
)
#: Formats for people: written in the terminal's encoding, degraded where it cannot
#: show a character. Every other format is data, written as UTF-8 (console.data_output).
HUMAN_FORMATS = frozenset({"table", "text"})


WHERE_HELP = (
    "Keep posts where EXPR holds: year>=2000, director~jonze, title=Her, poster=none (repeatable)."
)
SEARCH_HELP = "Case-insensitive text in title, director or body."


@dataclass(frozen=True)
class Filters:
    """What `--where --search --sort --reverse --limit --drafts` chose, on every command
    that reads many films (one set of options: `filter_options`)."""

    where: tuple = ()
    search: str | None = None
    sort: tuple = ()
    reverse: bool = False
    limit: int | None = None
    drafts: bool = False

    @property
    def chooses(self) -> bool:
        """True when the posts chosen or their order differ from all the posts, in path order."""
        return bool(
            self.where or self.search or self.sort or self.reverse or self.limit is not None
        )

    def check(self) -> None:
        """Usage errors (a malformed --where, a negative --limit) before any reading."""
        from filmcli.ops.query import check_limit, parse_where

        for expr in self.where:
            parse_where(expr)
        check_limit(self.limit)

    def select(self, posts, *, make: Callable | None = None, fields: Sequence[str] = (), root=None):
        """The chosen posts (or `make(post)` for each), as `query.select` gives them (with
        the site's `root`, --where and --sort may use `url`)."""
        from filmcli.ops.query import select

        return select(
            posts,
            self.where,
            self.search,
            self.sort,
            self.reverse,
            self.limit,
            make=make,
            fields=fields,
            root=root,
        )


#: the `filters` parameter's placeholder default: `filter_options` passes the chosen ones
NO_FILTERS = Filters()


def where_option(help: str = WHERE_HELP):
    """`-w/--where EXPR`, the same option on every command that chooses films by it."""
    return typer.Option([], "--where", "-w", metavar="EXPR", help=help)


def provider_option(prefix: str = ""):
    """`--provider NAME`, the same on every command that looks films up."""
    return typer.Option(
        None,
        "--provider",
        metavar="NAME",
        help=f"{prefix}tmdb or wikidata (default: tmdb when a key is set, else wikidata).",
    )


def _sentence(prefix: str, text: str) -> str:
    return prefix + text if prefix else text[0].upper() + text[1:]


def offline_option(prefix: str = ""):
    return typer.Option(False, "--offline", help=_sentence(prefix, "answer from the cache only."))


def refresh_option(prefix: str = ""):
    return typer.Option(False, "--refresh", help=_sentence(prefix, "ignore the cache; ask again."))


def lookup_only(lookup: bool, provider, offline: bool, refresh: bool) -> None:
    """The lookup options mean nothing without --lookup: a usage error, not silence."""
    if not lookup and (provider or offline or refresh):
        raise UsageError("--provider, --offline and --refresh go with --lookup")


def search_option(help: str = SEARCH_HELP):
    """`-S/--search TEXT`, the same option on every command that chooses films by it."""
    return typer.Option(None, "--search", "-S", metavar="TEXT", help=help)


def _filter_params() -> list[tuple[str, object, object]]:
    """(name, type, typer.Option) of the shared filters, made afresh for each command."""
    return [
        ("where", list[str], where_option()),
        ("search", str | None, search_option()),
        (
            "sort",
            list[str],
            typer.Option(
                [],
                "--sort",
                "-s",
                metavar="FIELD",
                help="Sort by FIELD (repeatable; -FIELD for descending; default: date, title).",
            ),
        ),
        ("reverse", bool, typer.Option(False, "--reverse", "-r", help="Reverse the order.")),
        (
            "limit",
            int | None,
            typer.Option(None, "--limit", metavar="N", help="At most N posts (after sorting)."),
        ),
        ("drafts", bool, typer.Option(False, "--drafts", help=DRAFTS_HELP)),
    ]


def filter_options(func):
    """Give a command the shared filter options; it receives them as `filters: Filters`."""
    extra = _filter_params()
    names = [name for name, _, _ in extra]
    signature = inspect.signature(func, eval_str=True)
    params = [p for p in signature.parameters.values() if p.name != "filters"]
    params += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=kind)
        for name, kind, info in extra
    ]

    @functools.wraps(func)
    def command(*args, **kwargs):
        given = {name: kwargs.pop(name) for name in names}
        chosen = Filters(
            **{**given, "where": tuple(given["where"] or ()), "sort": tuple(given["sort"] or ())}
        )
        chosen.check()
        return func(*args, filters=chosen, **kwargs)

    # (attr-defined: a function may be given a __signature__, which inspect reads first)
    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {**{p.name: p.annotation for p in params}}
    return command


def chosen_paths(library, paths: Sequence[str], filters: Filters) -> list[str]:
    """The post files a path-based command (extract, embed, validate) works on.

    Without filters: the paths as given. With them: the chosen posts' files, in the
    chosen order, followed by every file that could not be read (so the command still
    reports it: nothing is skipped without a word).
    """
    import os

    from filmcli.errors import FilmcliError

    if not filters.chooses and not filters.drafts:
        return list(paths)
    unreadable: list[str] = []

    def posts():
        for item in library.iter_posts(paths, drafts=filters.drafts):
            if isinstance(item, FilmcliError):
                if item.path is not None:
                    unreadable.append(item.path)
            else:
                yield item

    chosen = [str(post.path) for post in filters.select(posts())]
    return chosen + [p if os.path.isabs(p) else str(library.root / p) for p in unreadable]


class Reading:
    """Posts read for one command; each unreadable one gets its error line as it comes.

    `lazy` leaves `posts` empty so a command can stream `stream()` instead of holding
    every post (`list` on a large library).
    """

    def __init__(
        self,
        library,
        paths: Sequence[str],
        *,
        lazy: bool = False,
        drafts: bool = False,
        progress=None,
    ):
        self.library = library
        self.paths = paths
        self.drafts = drafts
        self.progress = progress  # a progress.Progress advanced once per post, or None
        self.read = 0
        self.failed = 0
        self.posts = [] if lazy else list(self.stream())

    def stream(self):
        for item in self.library.iter_posts(self.paths, drafts=self.drafts):
            if self.progress is not None:
                self.progress.advance()
            if isinstance(item, FilmcliError):
                self.failed += 1
                console.error_line(self.library.shown_location(item), item.message, item.hint)
            else:
                self.read += 1
                yield item

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def choose_format(
    fmt: str | None, allowed: Sequence[str], *, tty_default: str, pipe_default: str
) -> str:
    """The explicit --format, else the human format on a terminal and the machine one in pipes."""
    if fmt is None:
        fmt = tty_default if sys.stdout.isatty() else pipe_default
    elif fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r}", hint="choose one of " + ", ".join(allowed))
    if fmt not in HUMAN_FORMATS:
        console.data_output()
    return fmt


def split_fields(text: str | None) -> list[str] | None:
    if text is None:
        return None
    fields = [f.strip() for f in text.split(",") if f.strip()]
    if not fields:
        raise UsageError("--fields names no field")
    return fields


def finish(code: int) -> None:
    if code:
        raise typer.Exit(code)


def say_library(library) -> None:
    """Once per run, before a command writes: which library, when it is not the current
    folder (as `git -C` users expect to be told)."""
    import os

    from filmcli.text import visible

    if getattr(library, "_said_where", False):
        return
    library._said_where = True
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        here = None
    inside = here is not None and (
        here == str(library.root) or here.startswith(os.path.join(str(library.root), ""))
    )
    if not inside:  # within the library, the paths shown say where
        console.message(f"library: {visible(str(library.root))}")


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`1 film`, `2 films`."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
