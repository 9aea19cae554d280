"""Command lines answered before Typer (or anything else) is imported.

Building the Typer application means importing Typer and every command module;
printing a version needs none of it, and neither does `filmcli list` in a machine
format (json, jsonl, csv, tsv, paths, or the plain TSV a pipe gets). The console
script imports `filmcli.cli` first, so this runs from there, and only when the
process really is the filmcli command (not a test or a program importing filmcli.cli).

`list` is answered here only when every word of its command line is one this module
knows (the list options and the global ones, before or after the command); anything
else (`--help`, a table, a typo, `--`) goes to Typer. Any error before the output is
written also goes to Typer, which then reports it in its own words: nothing is written
twice. The output of a clean run is kept in the output cache (filmcli.store.outcache)
and served from there while every post file is unchanged.
"""

from __future__ import annotations

import os
import sys
import time


def _is_filmcli(argv: list[str]) -> bool:
    script = os.path.basename(argv[0])
    parent = os.path.basename(os.path.dirname(argv[0]))
    return script in ("filmcli", "filmcli.exe") or (script == "__main__.py" and parent == "filmcli")


def answer_version() -> None:
    """Print the version and exit when the command line is exactly `filmcli --version`."""
    argv = sys.argv
    if len(argv) != 2 or argv[1] not in ("--version", "-V") or not _is_filmcli(argv):
        return
    from filmcli import __version__

    sys.stdout.write(f"filmcli {__version__}\n")
    sys.stdout.flush()
    raise SystemExit(0)


#: options taking a value: long name -> (short name, the key it sets, repeatable)
_VALUES = {
    "--library": ("-L", "library", False),
    "--format": ("-F", "fmt", False),
    "--fields": (None, "fields", False),
    "--where": ("-w", "where", True),
    "--search": ("-S", "search", False),
    "--sort": ("-s", "sort", True),
    "--limit": (None, "limit", False),
}
_SHORT_VALUES = {short: long for long, (short, _, _) in _VALUES.items() if short}
_GLOBAL_FLAGS = ("--no-cache", "--no-color", "--debug")
_FLAGS = {
    "--no-cache": ("no_cache", True),
    "--no-color": (None, True),
    "--debug": (None, True),
    "--reverse": ("reverse", True),
    "-r": ("reverse", True),
    "--drafts": ("drafts", True),
    "--null": ("null", True),
    "-0": ("null", True),
    "--csv-safe": ("csv_safe", True),
    "--no-csv-safe": ("csv_safe", False),
    "--no-pager": (None, True),
}


def parse_list(words: list[str]) -> dict | None:
    """The options of a `list` command line, or None when Typer should read it."""
    got: dict = {"where": [], "sort": [], "paths": [], "command": False}
    i = 0
    while i < len(words):
        next_i = _take(got, words, i)
        if next_i is None:
            return None
        i = next_i
    limit = got.get("limit")
    if limit is not None:
        if not limit.isascii() or not limit.isdigit():
            return None  # Typer's words for a bad number
        got["limit"] = int(limit)
    return got if got["command"] else None


def _take(got: dict, words: list[str], i: int) -> int | None:
    """Read the word at `i` (and its value) into `got`: the next index, or None."""
    word = words[i]
    i += 1
    if word == "list" and not got["command"]:
        got["command"] = True
        return i
    if word in _FLAGS:
        if not got["command"] and word not in _GLOBAL_FLAGS:
            return None  # a list option before `list`: Typer's error
        key, flag = _FLAGS[word]
        if key is not None:
            got[key] = flag
        return i
    name: str = word
    value: str | None = None
    if word.startswith("--") and "=" in word:
        name, value = word.split("=", 1)
    elif word[:2] in _SHORT_VALUES and len(word) > 2:
        name, value = word[:2], word[2:]
    name = _SHORT_VALUES.get(name, name)
    if name in _VALUES:
        return _option(got, name, value, words, i)
    if word.startswith("-") or not got["command"]:
        return None  # --help, --version, an unknown option or command, `--`, `-`
    got["paths"].append(word)
    return i


def _option(got: dict, name: str, value: str | None, words: list[str], i: int) -> int | None:
    if value is None:
        if i >= len(words):
            return None
        value, i = words[i], i + 1
    _, key, many = _VALUES[name]
    if key != "library" and not got["command"]:
        return None  # a list option before `list`
    if many:
        got[key].append(value)
    else:
        got[key] = value
    return i


def _format(got: dict) -> str | None:
    fmt = got.get("fmt")
    if fmt is None:
        return None if sys.stdout.isatty() else "plain"
    return fmt if fmt in ("json", "jsonl", "csv", "tsv", "paths") else None


def _root(explicit: str | None) -> str:
    from pathlib import Path

    from filmcli.store.library import find_root

    if explicit:
        return str(Path(explicit).resolve())
    env = os.environ.get("FILMCLI_LIBRARY")
    if env:
        return str(Path(env).resolve())
    return str(find_root(Path.cwd()))


def _deps(root: str) -> list[str]:
    """The files besides the posts that change a listing: the settings, and `_posts`
    itself (whose coming or going changes which folder holds the posts)."""
    from filmcli.store.config import user_config_path

    user = user_config_path()
    names = ("filmcli.toml", "_config.yml", "_config.yaml", "_posts")
    return [os.path.join(root, n) for n in names] + ([os.fspath(user)] if user else [])


def answer_list() -> None:
    """Answer `filmcli list` in a machine format without Typer; exit when answered."""
    argv = sys.argv
    if len(argv) < 2 or "list" not in argv or os.environ.get("_FILMCLI_COMPLETE"):
        return
    if not _is_filmcli(argv) or os.environ.get("FILMCLI_NO_FAST"):
        return
    code = run_list(argv[1:])
    if code is not None:
        raise SystemExit(code)


def run_list(words: list[str]) -> int | None:
    """`filmcli WORDS` answered here: the exit code, or None when Typer must answer."""
    got = parse_list(words)
    fmt = _format(got) if got is not None else None
    if got is None or fmt is None:
        return None
    from filmcli import interrupt
    from filmcli.cli import console

    console.setup_streams()
    console.data_output()
    try:
        return _list(got, fmt, words)
    except KeyboardInterrupt:
        interrupt.stopping()
        console.error_line("", "interrupted")
        return interrupt.EXIT_CODE


def _list(got: dict, fmt: str, words: list[str]) -> int | None:
    from filmcli.store import outcache

    try:
        root = _root(got.get("library"))
    except (OSError, RuntimeError):
        return None
    lookup = None
    cached = not got.get("no_cache") and os.environ.get("FILMCLI_NO_CACHE", "") in ("", "0")
    if cached and not got["paths"] and os.path.isdir(root):
        key = "\0".join(
            [
                f"{outcache.LAYOUT}",
                _version(),
                os.getcwd(),
                os.environ.get("FILMCLI_LIBRARY", ""),
                os.environ.get("TZ", ""),
                time.strftime("%Y-%m-%d"),  # a date without a year is this year's (urls)
                root,
                fmt,
                *words,
            ]
        )
        path = outcache.entry_path(root, key)
        if path is not None:
            lookup = outcache.Lookup(path, key, _deps(root))
            output = lookup.find()
            if output is not None:
                return _emit(output, [], 0)
    return _compute(got, fmt, lookup)


def _version() -> str:
    from filmcli import __version__

    return __version__


def _compute(got: dict, fmt: str, lookup) -> int | None:
    import io

    from filmcli.api import Library
    from filmcli.errors import FilmcliError
    from filmcli.ops.listing import check_list_options, write_listing

    failed: list = []
    try:
        check_list_options(fmt, null=bool(got.get("null")))
        library = Library.discover(got.get("library"))
        if got.get("no_cache"):
            library.use_cache = False
        if lookup is not None:
            folders = [os.fspath(library.posts_dir)]
            if got.get("drafts"):
                folders.append(os.fspath(library.drafts_dir))
            lookup.prepare(folders)  # the stamps, taken before any post is read
        fields = got.get("fields")
        if fields is not None:
            fields = [f.strip() for f in fields.split(",") if f.strip()] or None
            if fields is None:
                return None  # --fields names no field: Typer says so
        listing = library.list(
            got["paths"],
            format=fmt,
            fields=fields,
            where=tuple(got["where"]),
            search=got.get("search"),
            sort=tuple(got["sort"]),
            reverse=bool(got.get("reverse")),
            limit=got.get("limit"),
            drafts=bool(got.get("drafts")),
            on_error=failed.append,
        )
        text = io.StringIO()
        write_listing(text, listing, null=bool(got.get("null")), csv_safe=bool(got.get("csv_safe")))
        output = text.getvalue().encode("utf-8", "surrogateescape")
        errors = [
            (library.shown_location(item), item.message, item.hint) for item in listing.failed
        ]
    except (FilmcliError, UnicodeError, OSError, ValueError):
        return None
    code = _emit(output, errors, listing.exit_code)
    if lookup is not None and not errors and code == 0:
        lookup.store(output)  # after the output: never on the reader's critical path
    return code


def _emit(output: bytes, errors: list, code: int) -> int:
    from filmcli.cli import console

    for where, message, hint in errors:
        console.error_line(where, message, hint)
    try:
        sys.stderr.flush()
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(output)
        else:  # a replaced stream (tests)
            sys.stdout.write(output.decode("utf-8", "surrogateescape"))
        sys.stdout.flush()
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    return code


answer_version()
answer_list()
