"""`filmcli show`: find the film, load its poster quickly, choose how to draw it, lay it out.

The drawing itself is `filmcli.show.cells` (block glyphs) and `filmcli.show.protocols`
(kitty, iTerm2, sixel); this module decides what to draw and where: which post a query
names, how wide the poster may be beside its metadata, whether the terminal gets block
cells, a graphics protocol or only a one-line summary, and how the poster, the facts and
the review (Markdown, through rich) sit together.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.post import Post
from filmcli.ops.selector import Ambiguous, find_posts, select_post  # noqa: F401  (re-exported)
from filmcli.store.config import ValidateSettings

if TYPE_CHECKING:
    from filmcli.store.library import Store

PROTOCOLS = ("auto", "blocks", "kitty", "iterm", "sixel")
SYMBOLS = ("block", "quad", "half")
GAP = 2  # blank columns between the poster and the text beside it
META_MIN = 36  # the narrowest text column worth putting beside the poster
MAX_COLS = 56  # default poster width on wide terminals
MIN_COLS = 8
CELL_PX = 10  # pixels per cell column assumed for kitty/iTerm/sixel images
ANALYSIS_PX = 8  # the renderer measures each cell on up to 8x8 sub-pixels


# --------------------------------------------------------------------------------------------
# Which film
# --------------------------------------------------------------------------------------------


def _title(post: Post) -> str:
    return "" if post.title is None else str(post.title)


# --------------------------------------------------------------------------------------------
# How to draw
# --------------------------------------------------------------------------------------------


def choose_protocol(requested: str, env: Mapping[str, str], allowed: bool) -> str:
    """`blocks`, `kitty`, `iterm`, `sixel`, or `none` (a one-line summary instead).

    An explicit protocol is obeyed even in a pipe (for scripts and tests); `auto` draws
    only when `allowed` (a colour terminal: `console.color_allowed`), with kitty's protocol
    under kitty, iTerm2's under iTerm2 or WezTerm, and block cells elsewhere.
    """
    if requested not in PROTOCOLS:
        raise UsageError(
            f"unknown protocol {requested!r}", hint="choose one of " + ", ".join(PROTOCOLS)
        )
    if requested != "auto":
        return requested
    if not allowed:
        return "none"
    if env.get("KITTY_WINDOW_ID") or env.get("TERM") == "xterm-kitty":
        return "kitty"
    if env.get("TERM_PROGRAM") in ("iTerm.app", "WezTerm"):
        return "iterm"
    return "blocks"


def color_mode(env: Mapping[str, str]) -> str:
    """`truecolor` when COLORTERM says the terminal has 24-bit colour, else `256`."""
    return "truecolor" if env.get("COLORTERM", "").lower() in ("truecolor", "24bit") else "256"


def poster_cols(
    term_cols: int, term_rows: int, size: tuple[int, int] | None, poster_only: bool = False
) -> int:
    """The default poster width: what fits beside the text (or alone), and on the screen."""
    if poster_only:
        cols = min(term_cols, MAX_COLS)
    elif term_cols - GAP - META_MIN >= MIN_COLS * 2:
        cols = min(term_cols - GAP - META_MIN, MAX_COLS)
    else:
        cols = min(term_cols, MAX_COLS)
    if size and size[0] > 0 and size[1] > 0:
        fit_rows = max(MIN_COLS, term_rows - 3)
        cols = min(cols, int(fit_rows * 2 * size[0] / size[1]))
    return max(MIN_COLS, cols)


# --------------------------------------------------------------------------------------------
# The poster as pixels
# --------------------------------------------------------------------------------------------


def poster_bytes(post: Post, library: Store) -> bytes | None:
    """The poster's image bytes (embedded, or the site file it names); None for a URL/none.

    FilmcliError when the poster cannot be had (bad base64, file missing or outside the
    site).
    """
    poster = post.poster
    if poster is None or poster.origin == "url":
        return None
    if poster.origin == "data":
        return poster.data
    from filmcli.posters.extract import poster_file

    path = poster_file(library.root, post.path, poster.value or "")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FilmcliError(f"cannot read the poster: {exc.strerror}", path) from None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header (no pixels decoded), None if it is no image."""
    from filmcli.model import imageinfo

    fmt = imageinfo.sniff_format(data[:64])
    size = imageinfo.image_size(fmt, data[:65536])
    if size is None:
        size = imageinfo.pillow_size(data)[1]
    return size


def load_image(data: bytes, cols: int, *, max_pixels: int = ValidateSettings.max_pixels):
    """Decode only as much as `cols` cells need: JPEG `draft` (DCT scaling), then `reduce`.

    Returns an upright RGB image at least ANALYSIS_PX pixels per cell where the source has
    them. FilmcliError for junk, truncated data or a picture over `max_pixels`.
    """
    from PIL import Image

    from filmcli.model.imageinfo import Notes, decoding
    from filmcli.show.color import to_rgb

    notes = Notes()
    try:
        with decoding(data) as notes:  # Pillow's and libtiff's chatter: caught, not printed
            img: Image.Image = Image.open(io.BytesIO(data))
            w, h = img.size
            if w < 1 or h < 1:
                raise FilmcliError("the poster has no pixels")
            if w * h > max_pixels:
                raise FilmcliError(
                    f"the poster is {w}×{h}, over the limit of {max_pixels:,} pixels"
                )
            turned = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            if turned:
                w, h = h, w
            rows = max(1, round(cols * h / w / 2))
            need = (cols * ANALYSIS_PX, rows * ANALYSIS_PX)
            if img.format == "JPEG":
                img.draft("RGB", need[::-1] if turned else need)
            img.load()
            img = to_rgb(img)
    except FilmcliError:
        raise
    except Image.UnidentifiedImageError:
        raise FilmcliError("the poster data is not an image Pillow can read") from None
    except Exception as exc:  # Pillow raises many types for junk and truncation
        raise FilmcliError(f"the poster cannot be drawn: {exc}{notes.suffix()}") from None
    factor = min(img.width // need[0], img.height // need[1])
    if factor >= 2:
        img = img.reduce(factor)
    return img


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


@dataclass
class ShowOptions:
    protocol: str = "none"  # resolved: blocks, kitty, iterm, sixel or none
    colors: str = "256"
    symbols: str = "block"
    cols: int | None = None  # the poster width; None: fit the terminal
    poster_only: bool = False
    term_cols: int = 80
    term_rows: int = 24
    text_color: bool = False  # colour and styles for the text (rich)
    markdown: bool = True  # render the review as Markdown (else print it as written)
    max_pixels: int = ValidateSettings.max_pixels

    @classmethod
    def for_terminal(
        cls,
        stream,
        env: Mapping[str, str],
        *,
        allowed: bool,
        protocol: str = "auto",
        symbols: str = "block",
        cols: int | None = None,
        poster_only: bool = False,
        max_pixels: int | None = None,
    ) -> ShowOptions:
        """The options for drawing on `stream` (its size, whether it is a terminal),
        `allowed` saying whether colour is (`console.color_allowed`) and `env` which
        terminal it is. UsageError for an unknown protocol or symbol set."""
        check_choices(symbols, protocol)
        term_cols, term_rows = terminal_size(stream)
        return cls(
            protocol=choose_protocol(protocol, env, allowed),
            colors=color_mode(env),
            symbols=symbols,
            cols=cols,
            poster_only=poster_only,
            term_cols=term_cols,
            term_rows=term_rows,
            text_color=allowed,
            markdown=stream.isatty(),
            max_pixels=max_pixels or cls.max_pixels,
        )


def check_choices(symbols: str, protocol: str) -> None:
    """UsageError for a symbol set or protocol `show` does not have."""
    if symbols not in SYMBOLS:
        raise UsageError(f"unknown symbols {symbols!r}", hint="choose block, quad or half")
    if protocol not in PROTOCOLS:
        raise UsageError(
            f"unknown protocol {protocol!r}", hint="choose one of " + ", ".join(PROTOCOLS)
        )


def library_max_pixels(library: Store) -> int:
    """The largest poster `show` decodes: the library's validate.max_pixels."""
    return library.settings.validate.max_pixels


@dataclass
class Shown:
    """What `show` prints about a film, as data: the heading (title, year, director), the
    facts beside the poster, the review, and the poster: its one-line summary, and from
    its header (no pixels decoded) its format and size, or why it cannot be had."""

    post: Post = field(repr=False)
    title: str
    year: object
    director: object
    facts: list[tuple[str, str]]
    review: str
    poster: str
    poster_format: str | None = None
    poster_size: tuple[int, int] | None = None
    poster_error: str | None = None


def shown(post: Post, library: Store) -> Shown:
    """`Shown` for one post (reads the poster file's header when the poster names one)."""
    from filmcli.model.imageinfo import sniff_format

    fmt = size = error = None
    try:
        data = poster_bytes(post, library)
        if data is not None:
            fmt, size = sniff_format(data[:64]), image_size(data)
    except FilmcliError as exc:
        error = exc.message
    return Shown(
        post,
        _title(post) or post.slug,
        post.year,
        post.director,
        facts(post, library),
        post.review,
        poster_summary(post),
        fmt,
        size,
        error,
    )


def poster_summary(post: Post) -> str:
    """`JPEG 259×194 7.4 kB (image/jpeg)`, or where the poster lives, or `none`."""
    poster = post.poster
    if poster is None:
        value = post.front_matter.get("poster")
        return "none" if value is None else f"not an image value ({type(value).__name__})"
    if poster.origin != "data":
        return f"{poster.value} ({'URL, not fetched' if poster.origin == 'url' else 'file'})"
    text = poster.short()
    return f"{text} ({poster.declared_mime})" if text != "invalid" else "invalid data"


def facts(post: Post, library: Store) -> list[tuple[str, str]]:
    """The rows beside the poster: file, date, poster, then any extra keys."""
    from filmcli.ops.formats import cell_text
    from filmcli.ops.records import jsonable

    rows = [("file", library.relpath(post.path))]
    if post.date:
        rows.append(("date", post.date.isoformat()))
    rows.append(("poster", poster_summary(post)))
    for key, value in post.extra.items():
        if key != "date":
            text = cell_text(jsonable(value))
            rows.append((str(key), text if len(text) <= 200 else text[:199] + "…"))
    return rows


def _rich_lines(renderables, width: int, options: ShowOptions) -> list[str]:
    from rich.console import Console

    out = io.StringIO()
    con = Console(
        file=out,
        width=max(width, 10),
        force_terminal=options.text_color,
        no_color=not options.text_color,
        highlight=False,
        emoji=False,
        color_system=("truecolor" if options.colors == "truecolor" else "256")
        if options.text_color
        else None,
        legacy_windows=False,
    )
    for item in renderables:
        con.print(item)
    text = out.getvalue()
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    return lines if options.text_color else [line.rstrip() for line in lines]


def text_block(
    page: Shown, width: int, options: ShowOptions, poster_note: str | None = None
) -> list[str]:
    """Title, year, director, facts and the review, as lines at most `width` wide."""
    from rich.markdown import Markdown
    from rich.table import Table
    from rich.text import Text

    from filmcli.text import visible

    head = Text(visible(page.title), style="bold")
    if page.year is not None:
        head.append(f" ({page.year})", style="")
    items: list = [head]
    if page.director is not None:
        items.append(Text(f"directed by {visible(str(page.director))}", style="italic"))
    items.append(Text(""))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in page.facts:
        grid.add_row(visible(key, markup=True), visible(value, markup=True))
    if poster_note:
        grid.add_row("", Text(visible(poster_note), style="yellow"))
    items.append(grid)
    review = visible(page.review, lines=True)
    if review and options.markdown:
        items.extend([Text(""), Markdown(review)])
    lines = _rich_lines(items, width, options)
    if review and not options.markdown:
        lines.extend(["", *review.splitlines()])  # as written: no wrapping, no markup
    return lines


def poster_lines(img, cols: int, options: ShowOptions, data: bytes | None = None) -> list[str]:
    """The poster in the chosen protocol: one string per terminal row for blocks."""
    from filmcli.show import protocols
    from filmcli.show.cells import grid_size, render_cells

    if options.protocol == "blocks":
        return render_cells(img, cols, options.symbols, options.colors).lines()
    rows = grid_size(img.width, img.height, cols)[1]
    if options.protocol == "kitty":
        small = (
            img
            if img.width <= cols * CELL_PX
            else img.resize(
                (cols * CELL_PX, max(1, round(img.height * cols * CELL_PX / img.width))),
                resample=_box(),
            )
        )
        return [protocols.kitty_sequence(small, cols, rows)]
    if options.protocol == "iterm":
        small = data if data is not None and len(data) <= 1_000_000 else img
        return [protocols.iterm_sequence(small, cols)]
    if options.protocol == "sixel":
        return [protocols.sixel_sequence(img, width_px=cols * CELL_PX)]
    raise UsageError(f"unknown protocol {options.protocol!r}")


def _box():
    from PIL import Image

    return Image.Resampling.BOX


def side_by_side(left: list[str], left_width: int, right: list[str], gap: int = GAP) -> list[str]:
    """Zip two columns of ANSI lines; `left` lines are `left_width` cells wide."""
    pad = " " * left_width
    out = []
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else pad
        b = right[i] if i < len(right) else ""
        out.append((a + " " * gap + b).rstrip(" ") if b else a)
    return out


def build_page(page: Shown, library: Store, options: ShowOptions) -> tuple[list[str], str | None]:
    """The lines `show` prints, and a warning when the poster could not be drawn."""
    post = page.post
    warning = None
    img = data = None
    cols = options.cols
    if options.protocol != "none":
        try:
            data = poster_bytes(post, library)
            if data is not None:
                size = image_size(data)
                if cols is None:
                    cols = poster_cols(
                        options.term_cols, options.term_rows, size, options.poster_only
                    )
                img = load_image(data, cols, max_pixels=options.max_pixels)
        except FilmcliError as exc:
            warning = exc.message
    if options.poster_only:
        if img is None or cols is None:  # (cols is known whenever img is)
            if warning:
                raise FilmcliError(warning, library.relpath(post.path), post.lines.get("poster"))
            return [f"poster: {page.poster}"], None
        return poster_lines(img, cols, options, data), None
    if img is None or cols is None:
        note = f"cannot be drawn: {warning}" if warning else None
        width = min(options.term_cols, 100)
        return text_block(page, width, options, note), warning
    art = poster_lines(img, cols, options, data)
    right_width = options.term_cols - cols - GAP
    if options.protocol == "blocks" and right_width >= 24:
        text = text_block(page, min(right_width, 100), options)
        return side_by_side(art, cols, text), None
    # graphics protocols draw outside the text flow: the text goes under the picture
    text = text_block(page, min(options.term_cols, 100), options)
    return [*art, "", *text], None


def terminal_size(stream=None) -> tuple[int, int]:
    import shutil

    size = shutil.get_terminal_size((80, 24))
    return size.columns, size.lines
