"""`filmcli new` on a terminal: the questions for the fields not given as options.

Each answer is checked as it is given and asked again when it cannot be used (a year that
is not a number or out of range, a poster path that is not an image file), so nothing
typed is lost to a late error. As soon as the title and year are known, a film already
in the library is named, and replacing it (keeping its review, as --force does) is
offered; when no review was given, the editor is offered for it.
"""

from __future__ import annotations

import sys

PROMPTS = {"title": "Title", "director": "Director", "year": "Year", "poster": "Poster image file"}


def read_answer(prompt: str) -> str | None:
    """One answer from stdin, `prompt` asked on stderr; None at the end of input. Every
    question filmcli asks goes through this."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        sys.stderr.write("\n")
        return None
    return line.rstrip("\r\n")


def _line(label: str) -> str | None:
    return read_answer(f"{label}: ")


def yes(question: str, default: bool) -> bool:
    """A yes/no question; Enter takes the default, the end of input says no."""
    answer = _line(f"{question} [{'Y/n' if default else 'y/N'}]")
    if answer is None:
        return False
    answer = answer.strip().lower()
    return default if not answer else answer in ("y", "yes")


def _problem(library, name: str, answer: str):
    """(value, None) for a usable answer, else (None, what is wrong with it)."""
    from filmcli.errors import FilmcliError

    if name == "year":
        from filmcli.ops.new import check_year

        try:
            year = int(answer.strip())
        except ValueError:
            return None, "the year is a whole number, such as 2013"
        try:
            check_year(library.config, year)
        except FilmcliError as exc:
            return None, exc.message + (f" ({exc.hint})" if exc.hint else "")
        return year, None
    if name == "poster":
        from filmcli.posters.prepare import prepare_poster, read_image_file

        try:
            prepare_poster(
                read_image_file(answer),
                name=answer,
                max_width=0,
                max_pixels=library.settings.validate.max_pixels,
            )
        except FilmcliError as exc:
            return None, f"{exc.location}: {exc.message}" if exc.location else exc.message
        return answer, None
    return answer, None


def ask(library, name: str):
    """The answer for field `name`, asked until it can be used."""
    from filmcli.errors import UsageError
    from filmcli.text import visible

    label = PROMPTS.get(name, name)
    while True:
        answer = _line(label)
        if answer is None:
            raise UsageError(f"missing --{name}" if name in PROMPTS else f"missing {name}")
        if not answer.strip():
            sys.stderr.write(f"{label} is needed\n")
            continue
        value, problem = _problem(library, name, answer)
        if problem is None:
            return value
        sys.stderr.write(f"error: {visible(problem)}; try again\n")


def already_there(library, title, year, force: bool) -> bool:
    """When the film is in the library: say so now, and ask whether to replace it.

    True: replace it (as --force). Declining ends the command (exit 1), nothing written.
    """
    from filmcli.errors import FilmcliError
    from filmcli.ops.new import LibraryIndex
    from filmcli.text import visible

    same = LibraryIndex(library).film(title, year)
    if same is None or force:
        return force
    where = library.relpath(same)
    sys.stderr.write(
        f"{visible(repr(title))} ({year}) is already in the library: {visible(where)}\n"
    )
    if yes("Replace it, keeping its review and the fields not given here?", False):
        return True
    raise FilmcliError(
        f"{title!r} ({year}) is already in the library",
        where,
        hint="use --force to replace that post",
    )


def ask_missing(library, values: dict, extra: dict, missing: list[str], *, force: bool) -> bool:
    """Ask for each missing field (into `values`, or `extra` for other required keys),
    checking for the same film as soon as title and year are known; the new `force`."""
    checked = False
    for name in missing:
        if not checked and values.get("title") and values.get("year") is not None:
            checked = True
            force = already_there(library, values["title"], values["year"], force)
        answer = ask(library, name)
        if name in PROMPTS:
            values[name] = answer
        else:
            extra[name] = answer
    if not checked and values.get("title") and values.get("year") is not None:
        force = already_there(library, values["title"], values["year"], force)
    return force
