"""Commands that only read: list, parse, stats."""

from __future__ import annotations

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import (
    PATHS_HELP,
    Filters,
    Reading,
    choose_format,
    filter_options,
    finish,
    split_fields,
)

TABLE_FIELDS = ["title", "year", "director", "poster", "date", "path"]
LIST_FORMATS = ("table", "json", "jsonl", "csv", "tsv", "paths")


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
    filters: Filters = None,
    no_pager: bool = typer.Option(
        False,
        "--no-pager",
        help="Never page a table taller than the terminal "
        "(default: $FILMCLI_PAGER, $PAGER or less -FRX).",
    ),
) -> None:
    """List the films, sorted and filtered, as a table or for scripts."""
    import sys

    from filmcli.errors import UsageError
    from filmcli.ops.formats import tsv_escape, tsv_row, write_lines, write_records
    from filmcli.ops.query import computed_fields, field_names, with_computed
    from filmcli.ops.records import LEAD_KEYS, post_record

    library = get_library(ctx)
    chosen_fmt = choose_format(fmt, LIST_FORMATS, tty_default="table", pipe_default="plain")
    if null and chosen_fmt != "paths":
        raise UsageError("--null goes with --format paths")
    wanted = split_fields(fields)
    drafts = filters.drafts
    # Each post becomes what the output needs (a TSV line, the cells, a record) as it is
    # read, and only that and its sort keys are kept: memory stays small at any size.
    reading = Reading(library, paths or [], lazy=True, drafts=drafts)
    computed = computed_fields(library.root, field_names(filters.where, filters.sort, wanted or ()))

    def posts():
        yield from with_computed(reading.stream(), computed)

    # Tables, TSV and CSV show a poster as `JPEG 259×194 7.2 kB`: no hash to compute.
    poster_mode = "summary" if chosen_fmt in ("json", "jsonl") else "facts"
    out_fmt = "tsv" if chosen_fmt == "plain" else chosen_fmt
    default_fields = TABLE_FIELDS + ["draft"] if drafts else TABLE_FIELDS
    if chosen_fmt == "table":
        shown = wanted or default_fields
        prefix = library.relpath(library.posts_dir) + "/"
    elif wanted is None and out_fmt in ("tsv", "csv"):
        shown = default_fields
    else:
        shown = wanted  # None for json/jsonl without --fields: every key, found at the end

    def make(post):
        record = post_record(post, library.relpath(post.path), poster=poster_mode)
        if drafts or (wanted and "draft" in wanted):
            record["draft"] = (
                post.draft if chosen_fmt != "table" else ("draft" if post.draft else "")
            )
        for name in computed:
            if shown is not None and name in shown:
                record[name] = post.get(name)
        if chosen_fmt == "table" and record["path"].startswith(prefix):
            record["path"] = record["path"][len(prefix) :]  # files within the posts folder
        if out_fmt == "paths":
            return {"path": record["path"]}
        if shown is None:
            return record
        if out_fmt == "tsv":
            return tsv_row(record, shown)
        return {f: record.get(f) for f in shown}

    chosen = filters.select(posts(), make=make, fields=wanted or ())
    if chosen_fmt == "table":
        _print_table(chosen, shown, reading.read, paged=not no_pager)
    elif out_fmt == "tsv":
        if chosen_fmt != "plain":
            sys.stdout.write("\t".join(map(tsv_escape, shown)) + "\n")
        write_lines(sys.stdout, chosen)
    else:
        if shown is None:
            shown = list(LEAD_KEYS)
            for record in chosen:
                shown.extend(k for k in record if k not in shown)
        write_records(sys.stdout, chosen, out_fmt, shown, header=True, null=null, csv_safe=csv_safe)
    finish(reading.exit_code)


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
