"""Commands that change films already in the library: set, rm.

The work is `Library.choose`, `Library.set`, `Library.remove`, `Library.apply`,
`Library.edit`, `Library.rename`/`publish`/`unpublish` and `filmcli.init_site`
(filmcli.ops.manage, ops.scaffold); this layer parses, asks before changing several, and
prints.
"""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import counted, finish, say_library, search_option, where_option

WHERE_HELP = "Every film where EXPR holds, as in list (repeatable)."
SEARCH_HELP = "Every film with TEXT in its title, director or body."


def choose_films(library, words, where, search, *, many: bool = False, every: bool = False):
    """`Library.choose`, each unreadable post's error line printed; when no film is chosen,
    says so and ends the command (exit 1 when a post could not be read)."""
    from filmcli.cli import console

    chosen = library.choose(words or [], where=where, search=search, many=many, every=every)
    for exc in chosen.unreadable:
        console.error_line(library.shown_location(exc), exc.message, exc.hint)
    if not chosen.posts:
        console.message("no films match")
        raise typer.Exit(1 if chosen.unreadable else 0)
    return chosen


def confirm(count: int, what: str, yes: bool, *, ask_for_one: bool = False) -> None:
    """Changes to more than one film need a yes: asked on a terminal, --yes otherwise.
    With `ask_for_one` (rm: the one change that cannot be undone) one film needs it too."""
    from filmcli.errors import UsageError

    terminal = sys.stdin.isatty() and sys.stderr.isatty()
    if yes or count == 0 or (count == 1 and not ask_for_one):
        return
    if not terminal:
        raise UsageError(
            f"this would {what} {counted(count, 'film')}; add --yes to do it "
            "without a terminal to confirm on"
        )
    from filmcli.cli.interactive import read_answer

    answer = (read_answer(f"{what} {counted(count, 'film')}? [y/N] ") or "").strip().lower()
    if answer not in ("y", "yes"):  # declined: nothing was done, which a script can see
        from filmcli.cli import console

        console.message("nothing changed")
        raise typer.Exit(1)


def _diff(change, library) -> str:
    """A unified diff of the post, its poster line cut short."""
    from filmcli.store.editing import diff_text

    return diff_text(change.before, change.after, library.relpath(change.path))


@app.command("set")
def set_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        None,
        metavar="[FILM...] KEY=VALUE... [KEY!...]",
        help="The film (a post file, a slug or title words), "
        "then the changes: KEY=VALUE sets a key "
        "(poster=@FILE embeds an image, @- from stdin), "
        "KEY! removes one.",
    ),
    where: list[str] = where_option(WHERE_HELP),
    search: str | None = search_option(SEARCH_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Change several films without asking."),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Print a diff of each post; write nothing."
    ),
) -> None:
    """Change front-matter keys of films in place; every other byte stays as it was."""
    from filmcli.cli import console
    from filmcli.ops.manage import Tally, parse_assignments, split_set_words, value_from_text

    film_words, change_words = split_set_words(words)
    assign_text, remove = parse_assignments(change_words)
    library = get_library(ctx)
    chosen = choose_films(library, film_words, where, search)
    read_code = 1 if chosen.unreadable else 0
    assign = {key: value_from_text(library, key, text) for key, text in assign_text.items()}
    planned = library.set(chosen.posts, assign, remove, dry_run=True)
    for change in planned:
        for note in change.notes:
            console.warn(library.shown(change.path), note)
    if len(planned) == 1 and planned[0].error is not None:  # the one film asked for
        raise planned[0].error
    _say_planned(library, planned)
    todo = [c for c in planned if c.changed and c.error is None]
    if dry_run:
        for change in todo:
            sys.stdout.write(_diff(change, library))
        tally = Tally.of(planned)
        console.message(f"dry run: {tally.changing} of {counted(tally.films, 'film')} would change")
        finish(1 if tally.failed or read_code else 0)
        return
    confirm(len(todo), "change", yes)
    say_library(library)
    library.apply(todo)
    for change in todo:
        if change.error is not None:
            console.error_line(library.shown(change.path), change.error.message, change.error.hint)
        elif change.written:
            sys.stdout.write(library.shown(change.path) + "\n")
    _summary("changed", Tally.of(planned), read_code)


def _say_planned(library, planned) -> None:
    """Per film: its error, `unchanged`, or each field's change."""
    from filmcli.cli import console

    for change in planned:
        if change.error is not None:
            console.error_line(library.shown(change.path), change.error.message, change.error.hint)
        elif not change.changed:
            console.message(f"{change.label}: unchanged")
        else:
            for field in change.fields:
                console.message(f"{change.label}: {field.describe()}")


def _summary(verb: str, tally, read_code: int, films: str | None = None) -> None:
    """`changed 2 of 3 films; 1 failed` (for several films, or a failure), then the exit."""
    from filmcli.cli import console

    if tally.films > 1 or tally.failed:
        console.message(
            f"{verb} {tally.written} of {films or counted(tally.films, 'film')}"
            + (f"; {tally.failed} failed" if tally.failed else "")
        )
    finish(1 if tally.failed or read_code else 0)


@app.command("rm")
def rm_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        None, metavar="[FILM...]", help="The film: a post file, a slug or title words."
    ),
    where: list[str] = where_option(WHERE_HELP),
    search: str | None = search_option(SEARCH_HELP),
    keep_poster: bool = typer.Option(
        False, "--keep-poster", help="Keep the poster files extract-posters wrote."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Remove without asking."),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Say what would be removed; remove nothing."
    ),
) -> None:
    """Remove films: their posts, and the poster files no other post uses."""
    from filmcli.cli import console
    from filmcli.ops.manage import Tally

    library = get_library(ctx)
    chosen = choose_films(library, words, where, search, many=True)
    read_code = 1 if chosen.unreadable else 0
    planned = library.remove(chosen.posts, keep_poster=keep_poster, dry_run=True)
    asking = not yes and sys.stdin.isatty() and sys.stderr.isatty()
    if dry_run or asking:
        for removal in planned:
            console.message(
                _removal_line(library, removal, "would remove" if dry_run else "remove")
            )
    if dry_run:
        finish(read_code)
        return
    confirm(len(planned), "remove", yes, ask_for_one=True)  # the one change not undone
    say_library(library)
    library.apply(planned)
    for removal in planned:
        if removal.error is not None:
            location = library.shown_location(removal.error) or library.shown(removal.path)
            console.error_line(location, removal.error.message, removal.error.hint)
        if removal.removed:
            console.message(_removal_line(library, removal, "removed"))
            sys.stdout.write(library.shown(removal.path) + "\n")
    _summary("removed", Tally.of(planned), read_code)


def _removal_line(library, removal, verb: str) -> str:
    """`removed Her (2013): _posts/2013-12-18-her.md and assets/posters/her.jpg`."""
    extra = f" and {library.shown(removal.poster_file)}" if removal.poster_file is not None else ""
    return f"{verb} {removal.label}: {library.shown(removal.path)}{extra}"


def _report_move(library, move, dry_run: bool) -> None:
    from filmcli.cli import console
    from filmcli.text import visible

    for note in move.notes:
        console.warn(library.shown(move.old), note)
    for field in move.fields:
        if field.key != "poster":
            console.message(f"{move.label}: {field.describe()}")
    if not dry_run:
        say_library(library)
    verb = "would move" if dry_run else "moved"
    console.message(f"{verb} {library.shown(move.old)} -> {library.shown(move.new)}")
    if move.poster_from is not None:
        console.message(
            f"{verb} {library.shown(move.poster_from)} -> {library.shown(move.poster_to)}"
        )
    if move.old_url is not None and move.old_url != move.new_url:
        console.message(
            f"{'URL would change' if dry_run else 'URL'}: "
            f"{visible(move.old_url)} -> {visible(move.new_url)}"
        )
    if not dry_run:
        sys.stdout.write(library.shown(move.new) + "\n")


@app.command("publish")
def publish_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        ..., metavar="DRAFT", help="The draft: a file in _drafts/, a slug or title words."
    ),
    date: str | None = typer.Option(
        None, "--date", metavar="YYYY-MM-DD", help="The post's date (default: today)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Say what would move."),
) -> None:
    """Move a draft into _posts/ as DATE-SLUG.md (after `jekyll publish`)."""
    from filmcli.ops.new import parse_date

    when = parse_date(date) if date else None
    library = get_library(ctx)
    move = library.publish(library.select(words), date=when, dry_run=dry_run)
    _report_move(library, move, dry_run)


@app.command("unpublish")
def unpublish_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        ..., metavar="POST", help="The post: a file, a slug or title words."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", "-n", help="Say what would move."),
) -> None:
    """Move a post back to _drafts/ (after `jekyll unpublish`); its date: key is kept."""
    library = get_library(ctx)
    move = library.unpublish(library.select(words), dry_run=dry_run)
    _report_move(library, move, dry_run)


@app.command("edit")
def edit_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        ..., metavar="FILM", help="The film: a post file, a slug or title words."
    ),
) -> None:
    """The post in $VISUAL or $EDITOR, checked before it is saved (as visudo does)."""
    from filmcli.cli import console
    from filmcli.cli.editor import edit_text

    library = get_library(ctx)
    last = {}  # the edit the user last made, kept when they stop at the question (Ctrl-C)

    def on_errors(edit) -> str:
        if edit.changed:
            last["data"] = edit.after
        _say_problems(edit.problems)
        return _choose_after_errors()

    try:
        result = library.edit(
            words,
            lambda text: edit_text(text, suffix=".md"),
            on_errors=on_errors,
            on_note=lambda path, note: console.warn(library.shown(path), note),
            before_save=lambda: say_library(library),
        )
    except KeyboardInterrupt:  # Ctrl-C at the question: the edit is kept, as on a conflict
        if "data" in last:
            console.message(f"your edit is kept in {_keep_edit(last['data'])}")
        raise
    shown = library.shown(result.path)
    if result.aborted:  # what the user typed is never lost
        kept = _keep_edit(result.after)
        console.message(f"{shown}: aborted; nothing written (your edit is kept in {kept})")
        raise typer.Exit(1)
    if result.error is not None:
        kept = _keep_edit(result.after)
        console.error_line(shown, result.error.message, f"your edit is kept in {kept}")
        raise typer.Exit(1)
    console.message(
        f"{shown}: saved" if result.written else f"{shown}: no changes; nothing written"
    )
    if result.written:
        sys.stdout.write(shown + "\n")


def _say_problems(problems) -> None:
    """`_posts/x.md:3: FC003 ...`, one line per error the edit has."""
    from filmcli.cli import console
    from filmcli.text import visible

    for problem in problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        console.message(f"{visible(where)}: {problem.rule} {visible(problem.message)}")


def _choose_after_errors() -> str:
    """e(dit again), s(ave anyway) or a(bort); without a terminal to ask on: abort."""
    if not sys.stdin.isatty():
        return "a"
    from filmcli.cli.interactive import read_answer

    while True:
        answer = read_answer("the post has errors: (e)dit again, (s)ave anyway or (a)bort? [e] ")
        if answer is None:
            return "a"
        answer = answer.strip().lower()[:1] or "e"
        if answer in ("e", "s", "a"):
            return answer


def _keep_edit(data: bytes) -> str:
    """Save an edit that could not be written where the user can find it."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(prefix="filmcli-edit-", suffix=".md")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


@app.command("init")
def init_cmd(
    folder: str = typer.Argument(".", metavar="[DIR]", help="The new library (default: here)."),
    title: str | None = typer.Option(
        None, "--title", "-t", metavar="TEXT", help="The blog's title (default: the folder's name)."
    ),
) -> None:
    """Make a new library: _config.yml, _posts/, layouts and a commented filmcli.toml."""
    from filmcli import init_site
    from filmcli.cli import console

    report = init_site(folder, title=title)
    for path in report.created:
        console.message(f"created {path}")
    for path in report.kept:
        console.message(f"kept {path} (already there)")
    sys.stdout.write(str(report.root) + "\n")


@app.command("rename")
def rename_cmd(
    ctx: typer.Context,
    words: list[str] = typer.Argument(
        ..., metavar="FILM", help="The film: a post file, a slug or title words."
    ),
    title: str | None = typer.Option(
        None, "--title", "-t", metavar="TEXT", help="The new title (the slug follows it)."
    ),
    date: str | None = typer.Option(
        None,
        "--date",
        metavar="YYYY-MM-DD",
        help="The new date in the file name (and date: if set).",
    ),
    slug: str | None = typer.Option(
        None, "--slug", metavar="SLUG", help="The new slug (default: made from the title)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Say what would change; change nothing."
    ),
) -> None:
    """Rename a film's post (after `jekyll rename`): file, title, poster file, URL."""
    from filmcli.ops.new import parse_date

    when = parse_date(date) if date else None
    library = get_library(ctx)
    move = library.rename(library.select(words), title=title, date=when, slug=slug, dry_run=dry_run)
    _report_move(library, move, dry_run)
