"""Commands that only read: list, parse, stats."""

from __future__ import annotations

import typer

from filmcli.cli import console
from filmcli.cli.app import app, get_library
from filmcli.cli.common import (
    NO_FILTERS,
    PATHS_HELP,
    Filters,
    Reading,
    choose_format,
    filter_options,
    finish,
    split_fields,
)
from filmcli.ops.listing import LIST_FORMATS


@app.command("list")
@filter_options
def list_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    fields: str | None = typer.Option(
        None,
        "--fields",
        metavar="A,B,C",
        help="The fields to show, in order (a draft column with --drafts).",
    ),
    fmt: str | None = typer.Option(
        None,
        "--format",
        "-F",
        metavar="FORMAT",
        help="table, json, jsonl, csv, tsv or paths "
        "(default: table on a terminal, tab-separated lines "
        "without a header in a pipe).",
    ),
    null: bool = typer.Option(False, "--null", "-0", help="With paths: end each with NUL."),
    csv_safe: bool = typer.Option(
        False,
        "--csv-safe/--no-csv-safe",
        help="With csv: prefix cells a spreadsheet would run as a "
        "formula (=, +, -, @) with ' (off: list is exact).",
    ),
    filters: Filters = NO_FILTERS,
    no_pager: bool = typer.Option(
        False,
        "--no-pager",
        help="Never page a table taller than the terminal "
        "(default: $FILMCLI_PAGER, $PAGER or less -FRX).",
    ),
) -> None:
    """List the films, sorted and filtered, as a table or for scripts."""
    import sys

    from filmcli.ops.listing import check_list_options, write_listing

    library = get_library(ctx)
    chosen_fmt = choose_format(fmt, LIST_FORMATS, tty_default="table", pipe_default="plain")
    check_list_options(chosen_fmt, null=null)

    def say(item):
        console.error_line(library.shown_location(item), item.message, item.hint)

    listing = library.list(
        paths or [],
        format=chosen_fmt,
        fields=split_fields(fields),
        where=filters.where,
        search=filters.search,
        sort=filters.sort,
        reverse=filters.reverse,
        limit=filters.limit,
        drafts=filters.drafts,
        on_error=say,
    )
    if chosen_fmt == "table":
        _print_table(listing.rows, listing.fields, listing.read, paged=not no_pager)
    else:
        write_listing(sys.stdout, listing, null=null, csv_safe=csv_safe)
    finish(listing.exit_code)


def _print_table(
    records: list[dict], fields: list[str], total: int, *, paged: bool = False
) -> None:
    import os
    import sys

    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from filmcli.cli import pager
    from filmcli.cli.common import counted
    from filmcli.cli.console import stdout_console
    from filmcli.cli.tablefit import fit_columns
    from filmcli.ops.formats import cell_text
    from filmcli.text import visible

    labels = {
        "path": "Path",
        "year": "Year",
        "title": "Title",
        "director": "Director",
        "poster": "Poster",
        "date": "Date",
        "draft": "Draft",
    }
    # post text is text, never rich markup or terminal codes
    rows = [[visible(cell_text(record.get(f))) for f in fields] for record in records]
    heads = [visible(labels.get(f, f)) for f in fields]
    natural = {
        f: max([cell_len(heads[i])] + [cell_len(row[i]) for row in rows])
        for i, f in enumerate(fields)
    }
    con = stdout_console()
    if not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        # A file or a pipe has no width: every column whole (COLUMNS sets one).
        con.width = max(con.width, sum(natural.values()) + 2 * (len(fields) - 1))
    shown = fit_columns(fields, natural, con.width)
    squeezed = sum(shown.values()) + 2 * (len(shown) - 1) > con.width  # titles must wrap
    table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for field, width in shown.items():
        # One line per film; a shortened column ends with an ellipsis. Only when Title and
        # Year alone are wider than the terminal does a title wrap, between words.
        table.add_column(
            Text(heads[fields.index(field)]),
            justify="right" if field == "year" else "left",
            style="bold" if field == "title" else None,
            no_wrap=not (squeezed and field == "title"),
            overflow="fold" if field == "title" else "ellipsis",
            max_width=width if width < natural[field] else None,
        )
    keep = [fields.index(f) for f in shown]
    for row in rows:
        table.add_row(*(Text(row[i]) for i in keep))  # Text: never read as markup
    n = len(records)
    summary = f"{n} of {counted(total, 'film')}" if n != total else counted(total, "film")
    if not pager.wanted(paged):
        con.print(table)
        con.print(f"[dim]{summary}[/dim]")
        return
    with con.capture() as shown_text:  # laid out once: shown directly or through the pager
        con.print(table)
        con.print(f"[dim]{summary}[/dim]")
    text = shown_text.get()
    if not pager.page(text, con.height):
        con.file.write(text)


PARSE_FORMATS = ("text", "json", "toml")


@app.command("parse")
def parse_cmd(
    ctx: typer.Context,
    files: list[str] = typer.Argument(
        ...,
        metavar="FILM",
        help="Post files, folders, or films named as show names "
        "them (a slug, or title words in quotes).",
    ),
    fmt: str = typer.Option("text", "--format", "-F", metavar="FORMAT", help="text, json or toml."),
    poster_data: bool = typer.Option(
        False, "--poster-data", help="Include the poster's full data URI."
    ),
) -> None:
    """Every field of each post, the poster summarised (format, size, pixels, hash)."""
    import sys

    from filmcli.ops.formats import dumps_json, json_safe
    from filmcli.ops.records import post_record

    library = get_library(ctx)
    chosen = choose_format(fmt, PARSE_FORMATS, tty_default="text", pipe_default="text")
    reading = Reading(library, [_as_path(library, f) for f in files])
    records = [
        post_record(
            p, library.relpath(p.path), body=True, poster="inline" if poster_data else "summary"
        )
        for p in reading.posts
    ]
    if chosen == "json":
        sys.stdout.write(
            dumps_json(records if len(files) != 1 or len(records) != 1 else records[0]) + "\n"
        )
    elif chosen == "toml":
        import tomli_w

        sys.stdout.write(json_safe(tomli_w.dumps({"post": [_toml_safe(r) for r in records]})))
    else:
        _print_parsed(records)
    finish(reading.exit_code)


def _as_path(library, name: str) -> str:
    """A file or folder as given; anything else is a film named by the shared selector."""
    import os

    looks_like_a_file = os.sep in name or name.lower().endswith((".md", ".markdown"))
    if looks_like_a_file or os.path.exists(name) or os.path.exists(library.root / name):
        return name
    return str(library.select(name).path)


def _toml_safe(value):
    """TOML has no null: drop None values, recursively."""
    if isinstance(value, dict):
        return {k: _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    return value


def _print_parsed(records: list[dict]) -> None:
    from rich.table import Table

    from filmcli.cli.console import stdout_console
    from filmcli.ops.formats import cell_text
    from filmcli.text import visible

    con = stdout_console()
    for i, record in enumerate(records):
        if i:
            con.print()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        for key, value in record.items():
            if key == "body":
                continue
            if key == "poster" and isinstance(value, dict) and value.get("source") == "data":
                summary = cell_text(value)
                grid.add_row("poster", visible(f"{summary} ({value.get('mime')})", markup=True))
                grid.add_row("  sha256", visible(value.get("sha256"), markup=True))
                if value.get("error"):
                    grid.add_row("  error", visible(value["error"], markup=True))
                continue
            grid.add_row(visible(key, markup=True), visible(cell_text(value), markup=True))
        con.print(grid)
        body = record.get("body", "").strip()
        if body:
            con.print()
            if len(body) > 100_000:  # rich takes seconds and gigabytes over a huge review
                con.file.write(visible(body, lines=True) + "\n")
            else:
                con.print(visible(body, lines=True, markup=True))
