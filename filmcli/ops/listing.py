"""`list`: which posts, which columns, in which shape; the rows every format is written from.

`list_posts` does the deciding the command used to do (the default columns, the poster
mode, the draft column, the computed fields, the paths shown); `write_listing` writes
the machine formats. The table is drawn by the CLI (it needs rich and a terminal).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from filmcli.errors import FilmcliError, UsageError

TABLE_FIELDS = ("title", "year", "director", "poster", "date", "path")
LIST_FORMATS = ("table", "json", "jsonl", "csv", "tsv", "paths")


@dataclass
class Listing:
    """What `list` shows: `rows` (TSV lines for tsv and plain, else dicts) in order.

    `fields` are the columns shown (for json/jsonl without --fields, every key any row
    has, the lead keys first); `read` counts the posts read, `failed` the posts that
    could not be (each also given to `on_error` as it came).
    """

    fmt: str
    fields: list[str]
    rows: list
    read: int = 0
    failed: list[FilmcliError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def check_list_options(fmt: str, *, null: bool = False) -> None:
    """The usage errors of `list` that need no reading."""
    if fmt != "plain" and fmt not in LIST_FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint="choose one of " + ", ".join(LIST_FORMATS))
    if null and fmt != "paths":
        raise UsageError("--null goes with --format paths")


def _shown_fields(fmt: str, wanted: list[str] | None, drafts: bool) -> list[str] | None:
    default = [*TABLE_FIELDS, "draft"] if drafts else list(TABLE_FIELDS)
    if fmt == "table":
        return wanted or default
    if wanted is None and fmt in ("tsv", "csv", "plain"):
        return default
    return wanted  # None for json/jsonl without --fields: every key, found at the end


def _maker(store, fmt: str, wanted, shown, computed, drafts: bool) -> Callable:
    """What each chosen post becomes: a TSV line, a record of the shown fields, a path."""
    from filmcli.ops.formats import tsv_row
    from filmcli.ops.records import LEAD_KEYS, lead_fields, post_record

    # Tables, TSV and CSV show a poster as `JPEG 259×194 7.2 kB`: no hash to compute.
    poster_mode = "summary" if fmt in ("json", "jsonl") else "facts"
    out_fmt = "tsv" if fmt == "plain" else fmt
    draft_column = drafts or bool(wanted and "draft" in wanted)
    extra = [name for name in computed if shown is not None and name in shown]
    prefix = store.relpath(store.posts_dir) + "/" if fmt == "table" else None
    relpath = store.relpath
    # Only lead keys shown (the default columns, paths): make just those, no whole record.
    need = ("path",) if out_fmt == "paths" else shown
    lead = need is not None and set(need) <= set(LEAD_KEYS)

    def make(post):
        if lead:
            record = lead_fields(post, relpath(post.path), need, poster=poster_mode)
        else:
            record = post_record(post, relpath(post.path), poster=poster_mode)
            if draft_column:
                record["draft"] = post.draft if fmt != "table" else ("draft" if post.draft else "")
            for name in extra:
                record[name] = post.get(name)
        if prefix is not None and record["path"].startswith(prefix):
            record["path"] = record["path"][len(prefix) :]  # files within the posts folder
        if out_fmt == "paths":
            return {"path": record["path"]}
        if shown is None:
            return record
        if out_fmt == "tsv":
            return tsv_row(record, shown)
        return {f: record.get(f) for f in shown}

    return make


def list_posts(
    store,
    paths: Iterable[str] = (),
    *,
    fmt: str = "json",
    fields: Sequence[str] | None = None,
    where: Sequence[str] = (),
    search: str | None = None,
    sort: Sequence[str] = (),
    reverse: bool = False,
    limit: int | None = None,
    drafts: bool = False,
    on_error: Callable[[FilmcliError], None] | None = None,
) -> Listing:
    """The rows `filmcli list` shows, read as a stream: only each row and its sort keys
    are held, so memory stays small at any size. `fmt` is a list format or "plain"
    (TSV without a header)."""
    from filmcli.ops.query import computed_fields, field_names, select, with_computed
    from filmcli.ops.records import LEAD_KEYS

    check_list_options(fmt)
    wanted = list(fields) if fields is not None else None
    listing = Listing(fmt, [], [])
    computed = computed_fields(store.root, field_names(where, sort, wanted or ()))
    shown = _shown_fields(fmt, wanted, drafts)

    def posts():
        for item in store.iter_posts(list(paths), drafts=drafts):
            if isinstance(item, FilmcliError):
                listing.failed.append(item)
                if on_error is not None:
                    on_error(item)
            else:
                listing.read += 1
                yield item

    make = _maker(store, fmt, wanted, shown, computed, drafts)
    paused = gc.isenabled()
    gc.disable()  # parsing makes many small objects and frees none: no collector passes
    try:
        rows = select(
            with_computed(posts(), computed),
            where,
            search,
            sort,
            reverse,
            limit,
            make=make,
            fields=wanted or (),
        )
    finally:
        if paused:
            gc.enable()
    if shown is None:
        shown = list(LEAD_KEYS)
        for record in rows:
            shown.extend(k for k in record if k not in shown)
    listing.fields, listing.rows = shown, rows
    return listing


def write_listing(out, listing: Listing, *, null: bool = False, csv_safe: bool = False) -> None:
    """A listing in its machine format (everything but the table)."""
    from filmcli.ops.formats import tsv_escape, write_lines, write_records

    if listing.fmt in ("tsv", "plain"):
        if listing.fmt == "tsv":
            out.write("\t".join(map(tsv_escape, listing.fields)) + "\n")
        write_lines(out, listing.rows)
        return
    write_records(
        out, listing.rows, listing.fmt, listing.fields, header=True, null=null, csv_safe=csv_safe
    )
