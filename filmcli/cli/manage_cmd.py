"""Commands that change films already in the library: set, rm.

The work is `Library.set` / `Library.remove` (filmcli.manage); this layer chooses the
films, asks before changing several, and prints.
"""

from __future__ import annotations

import sys

import typer

from .app import app, get_library
from .common import finish

WHERE_HELP = "Every film where EXPR holds, as in list (repeatable)."
SEARCH_HELP = "Every film with TEXT in its title, director or body."


def choose_films(library, words: list[str], where: list[str], search: str | None):
    """The films a command acts on: the one the words name, or every film --where/--search
    keep (never both ways at once)."""
    from ..errors import UsageError
    from ..query import parse_where, select
    from .common import Reading

    if words and (where or search):
        raise UsageError("name one film, or choose films with --where/--search, not both")
    if not words and not (where or search):
        raise UsageError("name a film, or choose films with --where/--search",
                         hint="filmcli set her director='S. Jonze'")
    if words:
        return [library.select(words)], 0
    for expr in where:
        parse_where(expr)
    reading = Reading(library, [])
    return select(reading.posts, where, search, root=library.root), reading.exit_code


def confirm(count: int, what: str, yes: bool, *, ask_for_one: bool = False) -> None:
    """Changes to more than one film need a yes: asked on a terminal, --yes otherwise.
    With `ask_for_one`, a terminal is asked about one film too (never a script)."""
    from ..errors import UsageError

    terminal = sys.stdin.isatty() and sys.stderr.isatty()
    if yes or count == 0 or (count == 1 and not (ask_for_one and terminal)):
        return
    if not terminal:
        raise UsageError(f"this would {what} {count} films; add --yes to do it without a "
                         "terminal to confirm on")
    sys.stderr.write(f"{what} {count} film{'s' if count != 1 else ''}? [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise typer.Abort()


def _diff(change, library) -> str:
    """A unified diff of the post, its poster line cut short."""
    import difflib

    from ..formats import visible

    def lines(data: bytes) -> list[str]:
        out = []
        for line in data.decode("utf-8", "replace").splitlines(keepends=True):
            if len(line) > 120 and line.lstrip().startswith(("poster:", "data:")):
                line = line[:60] + f"... ({len(line)} characters)\n"
            out.append(visible(line.rstrip("\r\n")) + "\n")
        return out

    name = library.relpath(change.path)
    return "".join(difflib.unified_diff(lines(change.before), lines(change.after),
                                        f"a/{name}", f"b/{name}"))


@app.command("set")
def set_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(None, metavar="[FILM...] KEY=VALUE... [KEY!...]",
                                      help="The film (a post file, a slug or title words), "
                                           "then the changes: KEY=VALUE sets a key "
                                           "(poster=@FILE embeds an image, @- from stdin), "
                                           "KEY! removes one."),
    where: list[str] = typer.Option([], "--where", "-w", metavar="EXPR", help=WHERE_HELP),
    search: str | None = typer.Option(None, "--search", "-S", metavar="TEXT",
                                      help=SEARCH_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Change several films without asking."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n",
                                 help="Print a diff of each post; write nothing."),
) -> None:
    """Change front-matter keys of films in place; every other byte stays as it was."""
    from ..errors import UsageError
    from ..manage import check_value, parse_assignments, value_from_text
    from . import console

    items = list(words or [])
    changes_at = [i for i, w in enumerate(items) if "=" in w or w.endswith("!")]
    if not changes_at:
        raise UsageError("say what to change: KEY=VALUE or KEY!",
                         hint="filmcli set her director='S. Jonze'")
    film_words, change_words = items[:changes_at[0]], items[changes_at[0]:]
    assign_text, remove = parse_assignments(change_words)
    library = get_library(ctx)
    posts, read_code = choose_films(library, film_words, where, search)
    if not posts:
        console.message("no films match")
        finish(read_code)
        return
    assign = {key: value_from_text(library, key, text) for key, text in assign_text.items()}
    for key, value in assign.items():
        check_value(library, key, value)
    planned = library.set(posts, assign, remove, dry_run=True)
    failed = 0
    for change in planned:
        for note in change.notes:
            console.warn(library.relpath(change.path), note)
    todo = [c for c in planned if c.changed]
    for change in planned:
        if not change.changed:
            console.message(f"{change.label}: unchanged")
            continue
        for field in change.fields:
            console.message(f"{change.label}: {field.describe()}")
    if dry_run:
        for change in todo:
            sys.stdout.write(_diff(change, library))
        console.message(f"dry run: {len(todo)} of {len(planned)} films would change")
        finish(read_code)
        return
    confirm(len(todo), "change", yes)
    from ..manage import apply

    apply(library, todo)
    for change in todo:
        if change.error is not None:
            failed += 1
            console.error_line(library.relpath(change.path), change.error.message,
                               change.error.hint)
        elif change.written:
            sys.stdout.write(library.relpath(change.path) + "\n")
    written = sum(c.written for c in todo)
    if len(planned) > 1 or failed:
        console.message(f"changed {written} of {len(planned)} films"
                        + (f"; {failed} failed" if failed else ""))
    finish(1 if failed or read_code else 0)


@app.command("rm")
def rm_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(None, metavar="[FILM...]",
                                      help="The film: a post file, a slug or title words."),
    where: list[str] = typer.Option([], "--where", "-w", metavar="EXPR", help=WHERE_HELP),
    search: str | None = typer.Option(None, "--search", "-S", metavar="TEXT",
                                      help=SEARCH_HELP),
    keep_poster: bool = typer.Option(False, "--keep-poster",
                                     help="Keep the poster files extract-posters wrote."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Remove without asking."),
    dry_run: bool = typer.Option(False, "--dry-run", "-n",
                                 help="Say what would be removed; remove nothing."),
) -> None:
    """Remove films: their posts, and the poster files no other post uses."""
    from . import console

    library = get_library(ctx)
    posts, read_code = choose_films(library, list(words or []), where, search)
    if not posts:
        console.message("no films match")
        finish(read_code)
        return
    planned = library.remove(posts, keep_poster=keep_poster, dry_run=True)
    for removal in planned:
        extra = (f" and {library.relpath(removal.poster_file)}"
                 if removal.poster_file is not None else "")
        console.message(f"{'would remove' if dry_run else 'remove'} {removal.label}: "
                        f"{library.relpath(removal.path)}{extra}")
    if dry_run:
        finish(read_code)
        return
    confirm(len(planned), "remove", yes, ask_for_one=True)  # the one change not undone
    from ..manage import apply_remove

    apply_remove(library, planned)
    failed = 0
    for removal in planned:
        if removal.error is not None:
            failed += 1
            console.error_line(removal.error.location or library.relpath(removal.path),
                               removal.error.message, removal.error.hint)
        if removal.removed:
            sys.stdout.write(library.relpath(removal.path) + "\n")
    if len(planned) > 1 or failed:
        console.message(f"removed {sum(r.removed for r in planned)} of {len(planned)} films"
                        + (f"; {failed} failed" if failed else ""))
    finish(1 if failed or read_code else 0)
