"""`filmcli wall`: a contact sheet of the library's posters, with titles and years under them.

Every tile has the same box: a poster area 3:2 tall (the poster fitted inside, aspect
kept, centred) and a caption of two title lines and one line for the year and director.
A post without a usable poster gets a drawn placeholder card, never an empty tile.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filmcli.errors import FilmcliError, UsageError
from filmcli.model.post import Post
from filmcli.model.poster import Poster
from filmcli.show.fonts import FontChooser
from filmcli.store.config import ValidateSettings, WallSettings

if TYPE_CHECKING:
    from PIL import Image

    from filmcli.store.library import Store

BACKGROUND = (20, 20, 24)
TILE_BACK = (38, 38, 44)
TITLE_INK = (236, 236, 236)
NOTE_INK = (150, 150, 158)
DEFAULT_COLUMNS = 6
DEFAULT_TILE_WIDTH = 160
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
MAX_SIDE = {"JPEG": 65_500, "PNG": 200_000, "WEBP": 16_383}
#: the default of the `wall.max_pixels` setting: an RGB canvas of 120 MB
MAX_PIXELS = WallSettings.max_pixels
FONT_NAMES = {
    True: (
        "DejaVuSans-Bold.ttf",
        "DejaVuSans.ttf",
        "LiberationSans-Bold.ttf",
        "Arial Bold.ttf",
        "arialbd.ttf",
    ),
    False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
}


@dataclass(frozen=True)
class Geometry:
    """Where everything goes: `count` tiles in `columns` columns of `tile_width` pixels."""

    count: int
    columns: int
    tile_width: int

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.count / self.columns))

    @property
    def gap(self) -> int:
        return max(4, self.tile_width // 12)

    @property
    def poster_height(self) -> int:
        return self.tile_width * 3 // 2

    @property
    def title_size(self) -> int:
        return max(9, self.tile_width // 12)

    @property
    def note_size(self) -> int:
        return max(8, self.tile_width // 15)

    @property
    def caption_height(self) -> int:
        return (
            self.gap // 2
            + 2 * round(self.title_size * 1.25)
            + round(self.note_size * 1.4)
            + self.gap // 2
        )

    @property
    def tile_height(self) -> int:
        return self.poster_height + self.caption_height

    @property
    def size(self) -> tuple[int, int]:
        width = self.columns * self.tile_width + (self.columns + 1) * self.gap
        height = self.rows * self.tile_height + (self.rows + 1) * self.gap
        return width, height

    def poster_box(self, index: int) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of tile `index`'s poster area."""
        row, col = divmod(index, self.columns)
        left = self.gap + col * (self.tile_width + self.gap)
        top = self.gap + row * (self.tile_height + self.gap)
        return left, top, left + self.tile_width, top + self.poster_height


def geometry(
    count: int, columns: int | None = None, tile_width: int = DEFAULT_TILE_WIDTH
) -> Geometry:
    if columns is not None and columns < 1:
        raise UsageError("--columns must be 1 or more")
    if tile_width < 32 or tile_width > 2000:
        raise UsageError("--tile-width must be between 32 and 2000 pixels")
    cols = columns or min(max(count, 1), DEFAULT_COLUMNS)
    return Geometry(max(count, 1), cols, tile_width)


def check_size(
    size: tuple[int, int], fmt: str | None = None, max_pixels: int | None = MAX_PIXELS
) -> None:
    """Refuse, before anything is drawn, a wall its format cannot hold or over the budget."""
    width, height = size
    if max_pixels is not None and width * height > max_pixels:
        raise UsageError(
            f"the wall would be {width:,}×{height:,} = {width * height:,} "
            f"pixels, over wall.max_pixels ({max_pixels:,})",
            hint="use --limit or --where for fewer posts, more --columns, a "
            "smaller --tile-width, or raise wall.max_pixels",
        )
    if fmt is not None and max(size) > MAX_SIDE[fmt]:
        raise UsageError(
            f"the wall would be {width:,}×{height:,} pixels; {fmt} allows at "
            f"most {MAX_SIDE[fmt]:,} on a side",
            hint="use .png, --limit, more --columns or a smaller --tile-width",
        )


def output_format(path: str | os.PathLike) -> str:
    """JPEG, PNG or WEBP from the file name; UsageError for anything else."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UsageError(
            f"cannot tell the image format of {str(path)!r}",
            hint="end the file name with .jpg, .png or .webp",
        )
    return fmt


def font(size: int, bold: bool = False):
    """A TrueType font (DejaVu when installed) at `size` px, else Pillow's own."""
    from PIL import ImageFont

    for name in FONT_NAMES[bold]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has a single bitmap size
        return ImageFont.load_default()


def fit_text(draw, text: str, face, width: int, lines: int) -> list[str]:
    """`text` wrapped into at most `lines` lines of `width` px, cut with `…` where it must."""
    words = text.split() or [text]
    out: list[str] = []
    i = 0
    while i < len(words) and len(out) < lines:
        current = words[i]
        i += 1
        while i < len(words) and draw.textlength(f"{current} {words[i]}", font=face) <= width:
            current = f"{current} {words[i]}"
            i += 1
        out.append(current)
    for k, line in enumerate(out):
        cut = k == len(out) - 1 and i < len(words)
        if cut or draw.textlength(line, font=face) > width:
            while line and draw.textlength(line + "…", font=face) > width:
                line = line[:-1]
            out[k] = line.rstrip() + "…"
    return out


def poster_image(data: bytes, box: tuple[int, int], max_pixels: int = ValidateSettings.max_pixels):
    """The poster decoded at about the box's size (JPEG draft, reducing resize), RGB."""
    from PIL import Image

    from filmcli.model.imageinfo import Notes, decoding
    from filmcli.show.color import to_rgb

    notes = Notes()
    try:
        with decoding(data) as notes:  # Pillow's and libtiff's chatter: caught, not printed
            img: Image.Image = Image.open(io.BytesIO(data))
            if img.width * img.height > max_pixels:
                raise FilmcliError(f"the poster is {img.width}×{img.height}, over the limit")
            if img.format == "JPEG":
                img.draft("RGB", box)
            img.load()
            img = to_rgb(img, TILE_BACK)
    except FilmcliError:
        raise
    except Exception as exc:  # Pillow raises many types for junk
        raise FilmcliError(f"the poster cannot be decoded: {exc}{notes.suffix()}") from None
    scale = min(box[0] / img.width, box[1] / img.height)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _placeholder(draw, box, text: str) -> None:
    left, top, right, bottom = box
    draw.rectangle(box, fill=(56, 56, 64))
    inset = max(3, (right - left) // 10)
    draw.rectangle(
        (left + inset, top + inset, right - inset, bottom - inset),
        outline=NOTE_INK,
        width=max(1, (right - left) // 80),
    )
    face = font(max(9, (right - left) // 10))
    w = draw.textlength(text, font=face)
    draw.text(
        ((left + right - w) / 2, (top + bottom) / 2), text, font=face, fill=NOTE_INK, anchor="lm"
    )


@dataclass
class WallReport:
    image: Image.Image
    geometry: Geometry
    placed: int  # posters drawn
    missing: list[tuple[str, str]]  # (post, reason) for placeholder tiles
    unshown: list[str] = field(default_factory=list)  # texts no installed font has


def build_wall(
    posts: Sequence[Post],
    load: Callable[[Post], bytes | None],
    *,
    columns: int | None = None,
    tile_width: int = DEFAULT_TILE_WIDTH,
    max_pixels: int = ValidateSettings.max_pixels,
    name: Callable[[Post], str] = str,
    progress: Callable[[], None] | None = None,
    fmt: str | None = None,
    wall_pixels: int = MAX_PIXELS,
) -> WallReport:
    """Draw the contact sheet. `load(post)` gives a poster's image bytes (None: no poster).

    `max_pixels` bounds each poster, `wall_pixels` the wall, checked (with the side `fmt`
    allows) before anything is drawn. Tiles are drawn one at a time: the memory is the
    canvas and one poster.
    """
    from PIL import Image, ImageDraw

    geo = geometry(len(posts), columns, tile_width)
    check_size(geo.size, fmt, wall_pixels)
    canvas = Image.new("RGB", geo.size, BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    title_face, note_face = font(geo.title_size, bold=True), font(geo.note_size)
    # Each title and note in a font that has its script (七人の侍: a CJK font).
    titles = FontChooser(title_face, geo.title_size, bold=True)
    notes = FontChooser(note_face, geo.note_size)
    placed = 0
    missing: list[tuple[str, str]] = []
    for index, post in enumerate(posts):
        box = geo.poster_box(index)
        left, top, right, bottom = box
        draw.rectangle(box, fill=TILE_BACK)
        reason = None
        try:
            data = load(post)
            if data is None:
                reason = (
                    "no poster" if "poster" not in post.front_matter else ("the poster is a URL")
                )
            else:
                pic = poster_image(data, (right - left, bottom - top), max_pixels)
                canvas.paste(
                    pic,
                    (
                        left + (right - left - pic.width) // 2,
                        top + (bottom - top - pic.height) // 2,
                    ),
                )
                placed += 1
        except FilmcliError as exc:
            reason = exc.message
        finally:
            if isinstance(post.front_matter.get("poster"), Poster):
                post.front_matter["poster"].forget()
        if reason is not None:
            missing.append((name(post), reason))
            _placeholder(draw, box, "no poster" if reason == "no poster" else "no image")
        y = bottom + geo.gap // 2
        title = ("" if post.title is None else str(post.title)) or post.slug
        face = titles.face(title)
        for line in fit_text(draw, title, face, geo.tile_width, 2):
            draw.text((left, y), line, font=face, fill=TITLE_INK)
            y += round(geo.title_size * 1.25)
        note = " · ".join(str(v) for v in (post.year, post.director) if v is not None)
        if note:
            y = bottom + geo.gap // 2 + 2 * round(geo.title_size * 1.25)
            face = notes.face(note)
            draw.text(
                (left, y),
                fit_text(draw, note, face, geo.tile_width, 1)[0],
                font=face,
                fill=NOTE_INK,
            )
        if progress:
            progress()
    return WallReport(canvas, geo, placed, missing, titles.missing + notes.missing)


def encode(image, fmt: str) -> bytes:
    """The wall as file bytes: JPEG quality 88, optimised PNG, or WebP quality 85."""
    check_size(image.size, fmt, None)
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.save(buf, "JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(buf, "PNG", optimize=True)
    else:
        image.save(buf, "WEBP", quality=85)
    return buf.getvalue()


@dataclass
class WallResult:
    """What `Library.wall` wrote: the image file `path`, `placed` posters drawn of `total`
    tiles, `missing` (post shown, reason) for each placeholder tile, `unshown` texts no
    installed font has, the tile `geometry`, the image `size` (w, h) and its `bytes`, and
    `failed`, how many posts could not be read (each passed to `on_error`)."""

    path: Path
    placed: int
    total: int
    missing: list[tuple[str, str]]
    unshown: list[str]
    geometry: Geometry
    size: tuple[int, int]
    bytes: int
    failed: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def write_wall(
    library: Store,
    posts: Sequence[Post],
    out: str | os.PathLike,
    *,
    columns: int | None = None,
    tile_width: int = DEFAULT_TILE_WIDTH,
    on_tile: Callable[[], None] | None = None,
) -> WallResult:
    """Draw the wall of `posts` (at least one) and write it atomically to `out` (.jpg, .png
    or .webp), as the library's settings bound it (validate.max_pixels, wall.max_pixels)."""
    from filmcli.show.page import poster_bytes
    from filmcli.store.atomic import write_atomic

    fmt = output_format(out)
    if not posts:
        raise FilmcliError("no films to put on the wall")
    settings = library.settings
    wall = build_wall(
        posts,
        lambda p: poster_bytes(p, library),
        columns=columns,
        tile_width=tile_width,
        max_pixels=settings.validate.max_pixels,
        fmt=fmt,
        wall_pixels=settings.wall.max_pixels,
        name=lambda p: library.shown(p.path),
        progress=on_tile,
    )
    data = encode(wall.image, fmt)
    write_atomic(out, data)
    size = (wall.image.width, wall.image.height)
    return WallResult(
        Path(out),
        wall.placed,
        len(posts),
        wall.missing,
        wall.unshown,
        wall.geometry,
        size,
        len(data),
    )
