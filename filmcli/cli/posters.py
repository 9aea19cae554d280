"""Poster commands: extract-posters, embed-posters, show and wall."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import FILM_HELP, PATHS_HELP, Filters, chosen_paths, filter_options, finish
from filmcli.cli.progress import Progress, count_posts


class _Reporter(Progress):
    """Per-post lines and errors for people on stderr, a progress bar on a terminal's stderr."""

    def __init__(self, total: int, label: str, quiet: bool):
        super().__init__(label, total)
        self.quiet = quiet

    def line(self, text: str) -> None:
        from filmcli.text import visible

        if self.quiet:
            return
        text = visible(text)  # names a post and a file: shown, never run by the terminal
        if self.progress is not None:  # above the bar, on stderr
            self.progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stderr.write(text + "\n")

    def error(self, where: str, text: str, hint: str | None) -> None:
        from filmcli.cli import console
        from filmcli.text import visible

        if self.progress is not None:
            self.print(f"error: {visible(where)}: {visible(text)}")
            if hint:
                self.print(f"hint: {visible(hint)}")
        else:
            console.error_line(where, text, hint)


SKIP_LABELS = {
    "path": "already point at files",
    "url": "point at URLs",
    "none": "without a poster",
    "not-text": "with a poster that is not text",
    "embedded": "already embedded",
}


def _skipped(results, total: int) -> str:
    """`16 skipped (16 already point at files)`."""
    counts: dict[str, int] = {}
    for result in results:
        if result.status == "skipped":
            counts[result.reason or "?"] = counts.get(result.reason or "?", 0) + 1
    if not counts:
        return f"{total} skipped"
    parts = ", ".join(f"{n} {SKIP_LABELS.get(reason, reason)}" for reason, n in counts.items())
    return f"{total} skipped ({parts})"


def _where(library, result) -> str:
    post = _shown(library, result.post)
    return f"{post}:{result.line}" if result.line else post


def _shown(library, name: str | None) -> str:
    """A post or file a job named relative to the library, as people should see it."""
    import os

    return library.shown(library.root / name) if name and not os.path.isabs(name) else (name or "")


def _facts(result) -> str:
    from filmcli.model.poster import human_bytes

    return f"{result.format}, {human_bytes(result.size or 0)}"


def _json_report(command: str, results, summary: dict, extra: dict) -> None:
    """The report as `dumps_json` writes it (indent 2), byte for byte, built faster.

    json.dumps with an indent runs the pure-Python encoder: for 10,000 results that
    was most of a second. The header goes through dumps_json; each result's flat
    record of text, ints and booleans is written line by line with the C string
    encoder, in exactly the layout json.dumps(..., indent=2) gives it.
    """
    from filmcli.cli.console import data_output
    from filmcli.ops.formats import dumps_json, json_safe

    data_output()
    doc = {"command": command, **extra, "summary": summary, "posts": []}
    head = dumps_json(doc)
    records = [r.to_dict() for r in results]
    if not records:
        sys.stdout.write(head + "\n")
        return
    tail = '\n  "posts": []\n}'
    texts = [_json_record(record) for record in records]
    if not head.endswith(tail) or None in texts:  # not the flat records expected
        doc["posts"] = records
        sys.stdout.write(dumps_json(doc) + "\n")
        return
    sys.stdout.write(
        json_safe(
            "".join((head[: -len(tail)], '\n  "posts": [\n', ",\n".join(texts), "\n  ]\n}\n"))
        )
    )


def _json_record(record: dict) -> str | None:
    """One flat record at depth 2 of an indent-2 document, as json.dumps writes it.

    None when a value is not text, an int or a boolean (the caller then uses json.dumps).
    """
    from json.encoder import encode_basestring  # the C encoder when available

    if not record:
        return "    {}"
    lines = []
    for key, value in record.items():
        if value is True:
            text = "true"
        elif value is False:
            text = "false"
        elif isinstance(value, str):
            text = encode_basestring(value)
        elif type(value) is int:
            text = int.__repr__(value)
        else:
            return None
        lines.append(f"      {encode_basestring(key)}: {text}")
    return "    {\n" + ",\n".join(lines) + "\n    }"


def _none_chosen() -> list:
    """--where/--search/--limit chose no film: no job (an empty list of paths means all)."""
    from filmcli.cli import console

    console.message("no films match")
    return []


@app.command("extract-posters")
@filter_options
def extract_posters_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    output: str | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="DIR",
        help="Folder for the poster files (default: poster.dir "
        "in filmcli.toml, assets/posters under the site).",
    ),
    out: str | None = typer.Option(
        None, "--out", metavar="DIR", hidden=True, help="The old spelling of --output."
    ),
    rewrite: bool = typer.Option(
        False,
        "--rewrite",
        help="Point each post's poster: at its file "
        "(/assets/posters/her.jpg), changing no other byte.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Say what would happen; write nothing."
    ),
    force: bool = typer.Option(
        False, "--force", "-f", help="Replace existing poster files that differ."
    ),
    fmt: str = typer.Option("text", "--format", "-F", metavar="FORMAT", help="text or json."),
    filters: Filters = None,
) -> None:
    """Write each embedded poster to DIR/<slug>.<ext>, byte for byte (optionally rewrite posts)."""
    from filmcli.errors import UsageError
    from filmcli.model.poster import human_bytes
    from filmcli.posters.extract import extract_one, plan_extract, run, summarize
    from filmcli.text import visible

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="choose text or json")
    if output is not None and out is not None and output != out:
        raise UsageError("give the folder once: --output (--out is its old spelling)")
    output = output if output is not None else out
    library = get_library(ctx)
    targets = chosen_paths(library, paths or [], filters)
    if rewrite and not dry_run:
        from filmcli.store.lock import library_lock

        ctx.with_resource(library_lock(library))  # held until the command ends
    jobs, folder = plan_extract(
        library, targets, out=output, rewrite=rewrite, dry_run=dry_run, force=force
    )
    if filters.chooses and not targets:
        jobs = _none_chosen()
    results = []
    verb = "would extract" if dry_run else "extracted"
    with _Reporter(len(jobs), "extracting posters", quiet=fmt == "json") as report:
        report.set_total(len(jobs))
        for result in run(jobs, extract_one):
            results.append(result)
            report.advance()
            if result.status == "failed":
                report.error(_where(library, result), result.message or "failed", result.hint)
            elif result.already:
                report.line(
                    f"{_shown(library, result.post)}: already rewritten (by another "
                    f"run): poster: {result.poster}"
                )
            elif result.status == "extracted":
                tail = f"; poster: {result.poster}" if result.rewritten else ""
                note = ", replacing a different file" if result.replaced else ""
                report.line(
                    f"{verb} {_shown(library, result.post)} -> "
                    f"{_shown(library, result.file)} ({_facts(result)}{note}"
                    f"){tail}"
                )
            elif result.rewritten:
                report.line(
                    f"{'would rewrite' if dry_run else 'rewrote'} "
                    f"{_shown(library, result.post)}: "
                    f"poster: {result.poster} (file already there)"
                )
    summary = summarize(results)
    summary.pop("embedded")
    if fmt == "json":
        _json_report(
            "extract-posters",
            results,
            summary,
            {"out": library.relpath(folder), "dry_run": dry_run, "rewrite": rewrite},
        )
    else:
        counts = (
            f"{len(results)} posts: {summary['extracted']} extracted, "
            f"{summary['unchanged']} unchanged, {_skipped(results, summary['skipped'])}, "
            f"{summary['failed']} failed"
        )
        if rewrite:
            counts += f"; {summary['rewritten']} posts {'to rewrite' if dry_run else 'rewritten'}"
            already = sum(1 for r in results if r.already)
            if already:
                counts += f", {already} already rewritten by another run"
        written = summary["bytes_written"]
        if dry_run:
            tail = (
                f"dry run: would write {human_bytes(written)} to {library.shown(folder)}"
                if written
                else "dry run: nothing to write"
            ) + "; nothing written"
        elif written or summary["rewritten"]:
            tail = f"{human_bytes(written)} written to {library.shown(folder)}"
        else:
            tail = "nothing written"
        sys.stderr.write(visible(f"{counts}; {tail}") + "\n")
    finish(1 if summary["failed"] else 0)


@app.command("embed-posters")
@filter_options
def embed_posters_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Say what would happen; write nothing."
    ),
    fmt: str = typer.Option("text", "--format", "-F", metavar="FORMAT", help="text or json."),
    filters: Filters = None,
) -> None:
    """Embed posters given as site paths or files as data URIs (the inverse of --rewrite)."""
    from filmcli.errors import UsageError
    from filmcli.model.poster import human_bytes
    from filmcli.posters.extract import embed_one, plan_embed, run, summarize
    from filmcli.text import visible

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="choose text or json")
    library = get_library(ctx)
    targets = chosen_paths(library, paths or [], filters)
    if not dry_run:
        from filmcli.store.lock import library_lock

        ctx.with_resource(library_lock(library))  # held until the command ends
    jobs = (
        plan_embed(library, targets, dry_run=dry_run)
        if targets or not filters.chooses
        else _none_chosen()
    )
    results = []
    verb = "would embed" if dry_run else "embedded"
    with _Reporter(len(jobs), "embedding posters", quiet=fmt == "json") as report:
        report.set_total(len(jobs))
        for result in run(jobs, embed_one):
            results.append(result)
            report.advance()
            if result.status == "failed":
                report.error(_where(library, result), result.message or "failed", result.hint)
            elif result.already:
                report.line(
                    f"{_shown(library, result.post)}: already embedded (by another "
                    f"run): {result.file}"
                )
            elif result.status == "embedded":
                report.line(
                    f"{verb} {result.file} in {_shown(library, result.post)} ({_facts(result)})"
                )
    summary = summarize(results)
    embedded_bytes = sum(r.size or 0 for r in results if r.status == "embedded")
    if fmt == "json":
        summary.pop("extracted")
        summary.pop("unchanged")
        summary["bytes_written"] = 0
        summary["bytes_embedded"] = embedded_bytes
        _json_report("embed-posters", results, summary, {"dry_run": dry_run})
    else:
        counts = (
            f"{len(results)} posts: {summary['embedded']} embedded, "
            f"{_skipped(results, summary['skipped'])}, {summary['failed']} failed"
        )
        if dry_run:
            tail = "dry run: nothing written"
        elif summary["embedded"]:
            tail = f"{human_bytes(embedded_bytes)} of images embedded"
        else:
            tail = "nothing written"
        sys.stderr.write(visible(f"{counts}; {tail}") + "\n")
    finish(1 if summary["failed"] else 0)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    query: list[str] = typer.Argument(..., metavar="FILM", show_default=False, help=FILM_HELP),
    width: int | None = typer.Option(
        None,
        "--width",
        metavar="COLS",
        min=1,
        max=1000,
        help="Poster width in cells (default: what fits beside the text).",
    ),
    symbols: str = typer.Option(
        "block",
        "--symbols",
        metavar="SET",
        help="block (every block element, the best), quad or half.",
    ),
    poster_only: bool = typer.Option(
        False, "--poster-only", help="Print only the poster (or its one-line summary)."
    ),
    protocol: str = typer.Option(
        "auto",
        "--protocol",
        metavar="NAME",
        help="auto, blocks, kitty, iterm or sixel. auto draws only on "
        "a colour terminal; an explicit one draws anyway.",
    ),
) -> None:
    """A film in the terminal: its poster in colour beside its facts, and its review."""
    import os

    from filmcli.cli import console
    from filmcli.show.page import ShowOptions, build_page, check_choices, library_max_pixels

    check_choices(symbols, protocol)  # a usage error, before any film is looked up
    library = get_library(ctx)
    page = library.show(query)
    options = ShowOptions.for_terminal(
        sys.stdout,
        os.environ,
        allowed=console.color_allowed(sys.stdout),
        protocol=protocol,
        symbols=symbols,
        cols=width,
        poster_only=poster_only,
        max_pixels=library_max_pixels(library),
    )
    lines, warning = build_page(page, library, options)
    sys.stdout.write("\n".join(lines) + "\n")
    if warning:  # the text was shown; the poster could not be: a data problem, exit 1
        console.error_line(library.shown(page.post.path), f"poster not drawn: {warning}")
    finish(1 if warning else 0)


@app.command("wall")
@filter_options
def wall_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    output: str = typer.Option(
        ..., "--output", "-o", metavar="FILE", help="The image to write: .jpg, .png or .webp."
    ),
    columns: int | None = typer.Option(
        None,
        "--columns",
        "-c",
        min=1,
        max=200,
        metavar="N",
        help="Tiles per row (default: up to 6).",
    ),
    tile_width: int = typer.Option(
        160,
        "--tile-width",
        metavar="PX",
        min=32,
        max=2000,
        help="Width of each poster tile in pixels.",
    ),
    filters: Filters = None,
) -> None:
    """A contact sheet of the posters, with titles and years, as one image."""

    from filmcli.cli import console
    from filmcli.cli.common import Reading
    from filmcli.errors import FilmcliError
    from filmcli.model.poster import human_bytes
    from filmcli.show.fonts import missing_warning
    from filmcli.show.page import poster_bytes
    from filmcli.show.wall import MAX_PIXELS, build_wall, encode, output_format
    from filmcli.store.atomic import write_atomic
    from filmcli.text import visible

    fmt = output_format(output)
    library = get_library(ctx)
    with Progress("reading posts", count_posts(library, paths)) as bar:
        reading = Reading(library, paths or [], drafts=filters.drafts, progress=bar)
    posts = filters.select(reading.posts, root=library.root)
    if not posts:
        raise FilmcliError("no films to put on the wall")
    max_pixels = int(library.config.get("validate", {}).get("max_pixels") or 25_000_000)
    with _Reporter(len(posts), "drawing the wall", quiet=True) as report:
        report.set_total(len(posts))
        wall = build_wall(
            posts,
            lambda p: poster_bytes(p, library),
            columns=columns,
            tile_width=tile_width,
            max_pixels=max_pixels,
            fmt=fmt,
            wall_pixels=int(library.config.get("wall", {}).get("max_pixels") or MAX_PIXELS),
            name=lambda p: library.shown(p.path),
            progress=report.advance,
        )
    data = encode(wall.image, fmt)
    write_atomic(output, data)
    for where_, reason in wall.missing:
        console.warn(where_, f"placeholder tile: {reason}")
    boxes = missing_warning(wall.unshown)
    if boxes:
        console.warn("", boxes)  # once, however many titles
    geo = wall.geometry
    sys.stderr.write(
        f"wrote {visible(output)}: {wall.placed} of {len(posts)} posters, "
        f"{geo.columns}×{geo.rows} tiles, {wall.image.width}×{wall.image.height} px, "
        f"{human_bytes(len(data))}\n"
    )
    finish(reading.exit_code)
