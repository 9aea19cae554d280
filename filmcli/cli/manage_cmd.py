"""Commands that change films already in the library: set, rm.

The work is `Library.set` / `Library.remove` (filmcli.ops.manage); this layer chooses the
films, asks before changing several, and prints.
"""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import counted, finish, say_library, search_option, where_option

WHERE_HELP = "Every film where EXPR holds, as in list (repeatable)."
SEARCH_HELP = "Every film with TEXT in its title, director or body."


def choose_films(
    library, words: list[str], where: list[str], search: str | None, *, many: bool = False
):
    """The films a command acts on: the one the words name, or every film --where/--search
    keep (never both ways at once)."""
    from filmcli.cli.common import Reading
    from filmcli.errors import UsageError
    from filmcli.ops.query import parse_where, select

    if words and (where or search):
        raise UsageError("name one film, or choose films with --where/--search, not both")
    if not words and not (where or search):
        raise UsageError(
            "name a film, or choose films with --where/--search",
            hint="for example: filmcli set her director='S. Jonze', filmcli rm her",
        )
    if words:
        if many:
            from filmcli.ops.selector import select_many

            return select_many(library, words), 0
        return [library.select(words)], 0
    for expr in where:
        parse_where(expr)
    reading = Reading(library, [])
    return select(reading.posts, where, search, root=library.root), reading.exit_code


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
    from filmcli.errors import UsageError
    from filmcli.ops.manage import check_value, parse_assignments, value_from_text

    items = list(words or [])
    changes_at = [i for i, w in enumerate(items) if "=" in w or w.endswith("!")]
    if not changes_at:
        raise UsageError(
            "say what to change: KEY=VALUE or KEY!", hint="filmcli set her director='S. Jonze'"
        )
    film_words, change_words = items[: changes_at[0]], items[changes_at[0] :]
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
            console.warn(library.shown(change.path), note)
    todo = [c for c in planned if c.changed and c.error is None]
    refused = [c.error for c in planned if c.error is not None]
    if refused and len(planned) == 1:  # the one film asked for: its error is the command's
        raise refused[0]
    for change in planned:
        if change.error is not None:
            failed += 1
            console.error_line(library.shown(change.path), change.error.message, change.error.hint)
            continue
        if not change.changed:
            console.message(f"{change.label}: unchanged")
            continue
        for field in change.fields:
            console.message(f"{change.label}: {field.describe()}")
    if dry_run:
        for change in todo:
            sys.stdout.write(_diff(change, library))
        console.message(f"dry run: {len(todo)} of {counted(len(planned), 'film')} would change")
        finish(1 if failed or read_code else 0)
        return
    confirm(len(todo), "change", yes)
    from filmcli.ops.manage import apply

    say_library(library)
    apply(library, todo)
    for change in todo:
        if change.error is not None:
            failed += 1
            console.error_line(library.shown(change.path), change.error.message, change.error.hint)
        elif change.written:
            sys.stdout.write(library.shown(change.path) + "\n")
    written = sum(c.written for c in todo)
    if len(planned) > 1 or failed:
        console.message(
            f"changed {written} of {counted(len(planned), 'film')}"
            + (f"; {failed} failed" if failed else "")
        )
    finish(1 if failed or read_code else 0)


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

    library = get_library(ctx)
    posts, read_code = choose_films(library, list(words or []), where, search, many=True)
    if not posts:
        console.message("no films match")
        finish(read_code)
        return
    planned = library.remove(posts, keep_poster=keep_poster, dry_run=True)

    def line(removal, verb: str) -> str:
        extra = (
            f" and {library.shown(removal.poster_file)}" if removal.poster_file is not None else ""
        )
        return f"{verb} {removal.label}: {library.shown(removal.path)}{extra}"

    asking = not yes and sys.stdin.isatty() and sys.stderr.isatty()
    if dry_run or asking:
        for removal in planned:
            console.message(line(removal, "would remove" if dry_run else "remove"))
    if dry_run:
        finish(read_code)
        return
    confirm(len(planned), "remove", yes, ask_for_one=True)  # the one change not undone
    from filmcli.ops.manage import apply_remove

    say_library(library)
    apply_remove(library, planned)
    failed = 0
    for removal in planned:
        if removal.error is not None:
            failed += 1
            console.error_line(
                library.shown_location(removal.error) or library.shown(removal.path),
                removal.error.message,
                removal.error.hint,
            )
        if removal.removed:
            console.message(line(removal, "removed"))
            sys.stdout.write(library.shown(removal.path) + "\n")
    if len(planned) > 1 or failed:
        console.message(
            f"removed {sum(r.removed for r in planned)} of "
            f"{counted(len(planned), 'film')}" + (f"; {failed} failed" if failed else "")
        )
    finish(1 if failed or read_code else 0)


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
    from filmcli.errors import FilmcliError
    from filmcli.ops.manage import _max_bytes
    from filmcli.ops.selector import Unreadable
    from filmcli.ops.validate import ERROR, check_bytes
    from filmcli.store.editing import for_editor, from_editor, snapshot
    from filmcli.text import visible

    library = get_library(ctx)
    try:
        path = library.select(words).path
    except Unreadable as exc:  # a post that cannot be read is what edit is for
        path = exc.file
        console.warn(library.shown(path), f"cannot be read ({exc.message}); opened as it is")
    snap = snapshot(path, max_bytes=_max_bytes(library))
    shown = library.shown(path)
    try:
        text, placeholder = for_editor(snap.data, path)
    except FilmcliError:
        text, placeholder = snap.data, None
    current = text
    data = snap.data
    try:
        while True:
            edited = edit_text(current.decode("utf-8", "surrogateescape"), suffix=".md")
            if edited is None or edited.encode("utf-8", "surrogateescape") == text:
                console.message(f"{shown}: no changes; nothing written")
                return
            current = edited.encode("utf-8", "surrogateescape")
            data = from_editor(current, snap.data, placeholder, path)
            errors = [p for p in check_bytes(library, data, path) if p.severity == ERROR]
            if not errors:
                break
            for problem in errors:
                where = f"{problem.path}:{problem.line}" if problem.line else problem.path
                console.message(f"{visible(where)}: {problem.rule} {visible(problem.message)}")
            choice = _choose_after_errors()
            if choice == "e":
                continue
            if choice == "a":
                kept = _keep_edit(data)  # what the user typed is never lost
                console.message(f"{shown}: aborted; nothing written (your edit is kept in {kept})")
                raise typer.Exit(1)
            break  # save anyway
    except KeyboardInterrupt:  # Ctrl-C at the question: the edit is kept, as on a conflict
        if data != snap.data:
            console.message(f"your edit is kept in {_keep_edit(data)}")
        raise
    try:
        say_library(library)
        written = library.save(snap, data)
    except FilmcliError as exc:
        kept = _keep_edit(data)
        console.error_line(shown, exc.message, f"your edit is kept in {kept}")
        raise typer.Exit(1) from None
    console.message(f"{shown}: saved" if written else f"{shown}: no changes; nothing written")
    if written:
        sys.stdout.write(shown + "\n")


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
    from filmcli.cli import console
    from filmcli.ops.scaffold import init_library

    report = init_library(folder, title=title)
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
