"""Poster commands: extract-posters, embed-posters, show and wall."""

from __future__ import annotations

import sys

import typer

from filmcli.cli.app import app, get_library
from filmcli.cli.common import FILM_HELP, NO_FILTERS, PATHS_HELP, Filters, filter_options, finish
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


def _filters(filters: Filters) -> dict:
    """The facade's filter keywords from the shared options."""
    return {
        "where": filters.where,
        "search": filters.search,
        "sort": filters.sort,
        "reverse": filters.reverse,
        "limit": filters.limit,
        "drafts": filters.drafts,
    }


def _check_format(fmt: str) -> None:
    from filmcli.errors import UsageError

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="choose text or json")


def _print_report(report, text: str | None) -> None:
    """The closing lines of extract/embed: the JSON document on stdout, or `text` on stderr."""
    from filmcli.cli import console
    from filmcli.text import visible

    if report.none_chosen:  # --where/--search/--limit chose no film
        console.message("no films match")
    if text is None:
        console.data_output()
        sys.stdout.writelines(report.json_chunks())  # record by record: no 100k-post string
    else:
        sys.stderr.write(visible(text) + "\n")
    finish(report.exit_code)


class _Lines:
    """The per-post lines of extract/embed as each result comes (`say` words them), above a
    progress bar made once the number of posts is known (`start`)."""

    def __init__(self, library, label: str, quiet: bool, say):
        self.library, self.label, self.quiet, self.say = library, label, quiet, say
        self.bar: _Reporter | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def start(self, total: int) -> None:
        bar = self.bar = _Reporter(total, self.label, self.quiet)
        bar.__enter__()
        bar.set_total(total)

    def result(self, result) -> None:
        bar = self.bar
        assert bar is not None  # start() comes first
        bar.advance()
        if result.status == "failed":
            bar.error(_where(self.library, result), result.message or "failed", result.hint)
        else:
            line = self.say(self.library, result)
            if line:
                bar.line(line)


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
    filters: Filters = NO_FILTERS,
) -> None:
    """Write each embedded poster to DIR/<slug>.<ext>, byte for byte (optionally rewrite posts)."""
    from filmcli.errors import UsageError

    _check_format(fmt)
    if output is not None and out is not None and output != out:
        raise UsageError("give the folder once: --output (--out is its old spelling)")
    library = get_library(ctx)
    say = _extracted_dry if dry_run else _extracted
    with _Lines(library, "extracting posters", fmt == "json", say) as lines:
        report = library.extract_posters(
            paths or [],
            out=output if output is not None else out,
            rewrite=rewrite,
            force=force,
            dry_run=dry_run,
            digest=fmt == "json",  # sha256 only where it is printed
            on_start=lines.start,
            on_result=lines.result,
            **_filters(filters),
        )
    _print_report(report, None if fmt == "json" else _extract_summary(library, report))


def _extracted(library, result, dry_run: bool = False) -> str | None:
    """The line for one post extract-posters did not fail on (None: nothing to say)."""
    post = _shown(library, result.post)
    if result.already:
        return f"{post}: already rewritten (by another run): poster: {result.poster}"
    if result.status == "extracted":
        tail = f"; poster: {result.poster}" if result.rewritten else ""
        note = ", replacing a different file" if result.replaced else ""
        verb = "would extract" if dry_run else "extracted"
        file = _shown(library, result.file)
        return f"{verb} {post} -> {file} ({_facts(result)}{note}){tail}"
    if result.rewritten:
        verb = "would rewrite" if dry_run else "rewrote"
        return f"{verb} {post}: poster: {result.poster} (file already there)"
    return None


def _extracted_dry(library, result) -> str | None:
    return _extracted(library, result, dry_run=True)


def _extract_summary(library, report) -> str:
    """`20 posts: 4 extracted, ...; 1.2 MB written to assets/posters`."""
    from filmcli.model.poster import human_bytes

    summary, dry_run = report.summary, report.dry_run
    counts = (
        f"{len(report.results)} posts: {summary['extracted']} extracted, "
        f"{summary['unchanged']} unchanged, {report.skipped_text()}, "
        f"{summary['failed']} failed"
    )
    if report.rewrite:
        counts += f"; {summary['rewritten']} posts {'to rewrite' if dry_run else 'rewritten'}"
        if report.already:
            counts += f", {report.already} already rewritten by another run"
    written, folder = summary["bytes_written"], library.shown(report.folder)
    if dry_run:
        tail = (
            f"dry run: would write {human_bytes(written)} to {folder}"
            if written
            else "dry run: nothing to write"
        ) + "; nothing written"
    elif written or summary["rewritten"]:
        tail = f"{human_bytes(written)} written to {folder}"
    else:
        tail = "nothing written"
    return f"{counts}; {tail}"


@app.command("embed-posters")
@filter_options
def embed_posters_cmd(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(None, metavar="PATH", help=PATHS_HELP),
    dry_run: bool = typer.Option(
        False, "--dry-run", "-n", help="Say what would happen; write nothing."
    ),
    fmt: str = typer.Option("text", "--format", "-F", metavar="FORMAT", help="text or json."),
    filters: Filters = NO_FILTERS,
) -> None:
    """Embed posters given as site paths or files as data URIs (the inverse of --rewrite)."""
    _check_format(fmt)
    library = get_library(ctx)
    say = _embedded_dry if dry_run else _embedded
    with _Lines(library, "embedding posters", fmt == "json", say) as lines:
        report = library.embed_posters(
            paths or [],
            dry_run=dry_run,
            on_start=lines.start,
            on_result=lines.result,
            **_filters(filters),
        )
    _print_report(report, None if fmt == "json" else _embed_summary(report))


def _embedded(library, result, dry_run: bool = False) -> str | None:
    """The line for one post embed-posters did not fail on (None: nothing to say)."""
    post = _shown(library, result.post)
    if result.already:
        return f"{post}: already embedded (by another run): {result.file}"
    if result.status == "embedded":
        verb = "would embed" if dry_run else "embedded"
        return f"{verb} {result.file} in {post} ({_facts(result)})"
    return None


def _embedded_dry(library, result) -> str | None:
    return _embedded(library, result, dry_run=True)


def _embed_summary(report) -> str:
    """`20 posts: 4 embedded, 16 skipped (...), 0 failed; 1.2 MB of images embedded`."""
    from filmcli.model.poster import human_bytes

    embedded = report.count("embedded")
    counts = (
        f"{len(report.results)} posts: {embedded} embedded, "
        f"{report.skipped_text()}, {report.failed} failed"
    )
    if report.dry_run:
        tail = "dry run: nothing written"
    elif embedded:
        tail = f"{human_bytes(report.bytes_embedded)} of images embedded"
    else:
        tail = "nothing written"
    return f"{counts}; {tail}"


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
    filters: Filters = NO_FILTERS,
) -> None:
    """A contact sheet of the posters, with titles and years, as one image."""
    from filmcli.cli import console
    from filmcli.model.poster import human_bytes
    from filmcli.show.fonts import missing_warning
    from filmcli.show.wall import output_format
    from filmcli.text import visible

    output_format(output)  # a usage error before the library is looked for
    library = get_library(ctx)

    def unreadable(exc):
        console.error_line(library.shown_location(exc), exc.message, exc.hint)

    with Progress("reading posts", count_posts(library, paths)) as bar:
        wall = library.wall(
            output,
            paths or [],
            columns=columns,
            tile_width=tile_width,
            on_error=unreadable,
            on_read=bar.advance,
            on_start=lambda n: bar.phase("drawing the wall", n),
            on_tile=bar.advance,
            **_filters(filters),
        )
    for where, reason in wall.missing:
        console.warn(where, f"placeholder tile: {reason}")
    boxes = missing_warning(wall.unshown)
    if boxes:
        console.warn("", boxes)  # once, however many titles
    geo, (width, height) = wall.geometry, wall.size
    sys.stderr.write(
        f"wrote {visible(output)}: {wall.placed} of {wall.total} posters, "
        f"{geo.columns}×{geo.rows} tiles, {width}×{height} px, {human_bytes(wall.bytes)}\n"
    )
    finish(wall.exit_code)
