"""Write the posts of the example Jekyll site in `examples/site/_posts/`.

    python examples/make_site.py [--out examples/site/_posts]

The seed post is copied byte for byte as `2013-12-18-her.md`; every other post
is rendered by filmcli's own `render_post`, with a poster drawn here with
Pillow (a gradient, a motif, the title, the director and the year). Most are
JPEG, two are PNG and two WebP, in several sizes.

Deterministic and re-runnable: each poster's grain comes from a
`random.Random` seeded with the film's title, and the text is set in DejaVu
Sans (Debian's fonts-dejavu-core) with Pillow's own font as the fallback, so
on the same Pillow build the output is the same bytes every time. Files the
script did not write are left alone.

All films are real except "Null", which is made up (and says so): it is here
because its title is a word YAML reads as nothing unless it is quoted.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from filmcli.slug import slugify  # noqa: E402
from filmcli.writer import render_post  # noqa: E402

SEED_POST = HERE / "seed-post.md"
SEED_NAME = "2013-12-18-her.md"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Film:
    date: str
    title: str
    director: str
    year: int
    fmt: str
    size: tuple[int, int]
    top: RGB  # background gradient, top to bottom
    bottom: RGB
    ink: RGB  # the text colour
    motif: str
    caption: str  # what the poster says (the bundled fonts have no CJK)
    review: str


FILMS = (
    Film("2013-03-01", "No", "Pablo Larraín", 2012, "JPEG", (270, 400),
         (245, 245, 240), (215, 215, 205), (30, 30, 30), "rainbow", "NO",
         "Gael García Bernal plays an adman hired to sell the \"No\" side of Chile's 1988 "
         "plebiscite on Pinochet, and he sells it like a soft drink. Larraín shot it on "
         "period U-matic video, so the new scenes melt into the archive footage. Funny, "
         "cynical and quietly moving about what it takes to win."),
    Film("2014-09-01", "وجدة", "Haifaa al-Mansour", 2012, "JPEG", (280, 420),
         (120, 190, 170), (235, 215, 170), (20, 60, 50), "bicycle", "وجدة",
         "A Riyadh schoolgirl wants a green bicycle and enters a Quran recitation contest "
         "to win the money for it. The first feature shot entirely in Saudi Arabia, and by "
         "a Saudi woman, it is light on its feet rather than a lecture. Waad Mohammed is "
         "wonderful in the lead."),
    Film("2015-02-14", "Amélie", "Jean-Pierre Jeunet", 2001, "JPEG", (300, 450),
         (40, 110, 60), (170, 30, 40), (250, 225, 150), "hearts", "Amélie",
         "A shy Montmartre waitress decides to fix other people's lives in secret and keeps "
         "neglecting her own. Jeunet's saturated greens and reds and Yann Tiersen's accordion "
         "make it a confection, but Audrey Tautou keeps it human."),
    Film("2016-03-05", "七人の侍", "Akira Kurosawa", 1954, "JPEG", (300, 444),
         (205, 200, 190), (40, 40, 40), (250, 250, 245), "swords", "SEVEN SAMURAI",
         "A poor village hires seven masterless samurai to hold off a bandit raid. Over three "
         "and a half hours Kurosawa makes every one of them distinct, and the final battle in "
         "mud and rain is still the template for ensemble action. Toshiro Mifune is a force of "
         "nature."),
    Film("2017-11-09", "Сталкер", "Andrei Tarkovsky", 1979, "JPEG", (259, 388),
         (110, 100, 70), (40, 50, 35), (230, 215, 170), "rings", "СТАЛКЕР",
         "A guide leads a writer and a professor through the forbidden Zone towards a room "
         "said to grant wishes. Very little happens and it is never boring: long takes, "
         "water, wind and three men arguing about faith. It rewards patience like few films "
         "do."),
    Film("2018-05-12", "2001: A Space Odyssey", "Stanley Kubrick", 1968, "JPEG", (300, 450),
         (5, 5, 15), (30, 40, 80), (235, 235, 240), "monolith", "2001",
         "From bone tools to a computer that will not open the pod bay doors, Kubrick tells "
         "the story of the species almost without dialogue. The effects still hold up, and "
         "HAL 9000 remains the most unsettling character in it."),
    Film("2018-06-22", "Léon: The Professional", "Luc Besson", 1994, "JPEG", (240, 360),
         (25, 25, 30), (90, 80, 60), (240, 230, 210), "plant", "LÉON",
         "Jean Reno's solitary hitman takes in a twelve-year-old neighbour (Natalie Portman) "
         "after her family is murdered by a corrupt cop. Gary Oldman chews every scene he is "
         "in. Stylish and tense, though the relationship at its centre is more uncomfortable "
         "now than it seemed in 1994."),
    Film("2019-02-10", "Casablanca", "Michael Curtiz", 1942, "JPEG", (259, 194),
         (15, 20, 45), (70, 80, 110), (245, 235, 200), "searchlight", "CASABLANCA",
         "A cynical café owner in wartime Morocco has to choose between the woman who left "
         "him and doing the right thing. Bogart and Bergman are perfect, and nearly every "
         "other line has become a quotation. It plays as fresh as a film made this year."),
    Film("2019-10-31", "Vertigo", "Alfred Hitchcock", 1958, "PNG", (300, 450),
         (200, 40, 30), (240, 140, 40), (255, 250, 235), "spiral", "VERTIGO",
         "A retired detective with a fear of heights is hired to follow a friend's wife and "
         "falls for her. The second half turns a thriller into a study of obsession, with "
         "Bernard Herrmann's score spiralling along. Colder and stranger than its reputation "
         "as a classic suggests."),
    Film("2020-01-18", "1917", "Sam Mendes", 2019, "JPEG", (280, 420),
         (70, 60, 45), (150, 100, 50), (250, 200, 120), "trench", "1917",
         "Two British soldiers have to cross no man's land to call off an attack that is a "
         "trap. Roger Deakins' camera never seems to cut, which makes it a technical marvel "
         "and sometimes a video game. The night-time flare sequence is unforgettable."),
    Film("2021-05-01", "Citizen Kane", "Orson Welles", 1941, "JPEG", (259, 194),
         (20, 20, 20), (120, 120, 120), (250, 250, 250), "globe", "CITIZEN KANE",
         "A reporter tries to find out what a dying newspaper magnate's last word meant, and "
         "the people who knew him tell the story in flashbacks. Gregg Toland's deep focus and "
         "Welles's nerve at twenty-five still dazzle. Less a museum piece than its reputation "
         "suggests."),
    Film("2022-03-03", "Null", "Ines Varga", 2021, "PNG", (240, 360),
         (236, 236, 236), (200, 200, 205), (40, 40, 45), "empty", "NULL",
         "A made-up film, included because its title is a word YAML reads as nothing unless "
         "it is quoted. Picture a chamber drama about a database administrator who finds a "
         "record that should not exist: ninety minutes of quiet dread and one good twist."),
    Film("2023-12-12", "Tokyo Story", "Yasujirō Ozu", 1953, "WEBP", (270, 400),
         (225, 215, 190), (150, 160, 150), (50, 45, 40), "chimneys", "TOKYO STORY",
         "An elderly couple visit their grown children in Tokyo and find them too busy for "
         "them; only their widowed daughter-in-law makes time. Ozu's low, still camera "
         "watches without judging anyone. Devastating in the gentlest possible way."),
    Film("2024-08-21", "Alien: Romulus", "Fede Álvarez", 2024, "WEBP", (300, 450),
         (5, 10, 10), (20, 60, 60), (190, 240, 230), "egg", "ALIEN: ROMULUS",
         "Young colonists scavenging a derelict station get far more than spare parts. "
         "Álvarez builds real sets and creatures and the tension works, though the callbacks "
         "to earlier films grow heavy in the last act. The best of the series in years."),
    Film("2005-07-02", "Yes", "Sally Potter", 2004, "JPEG", (259, 194),
         (250, 200, 80), (200, 80, 40), (60, 20, 10), "circles", "YES",
         "An affair between an Irish-American scientist and a Lebanese surgeon turned cook, "
         "written almost entirely in iambic verse. Joan Allen and Simon Abkarian make the "
         "rhymes sound like speech. Ambitious and sometimes awkward, but it takes real "
         "risks."),
)


# --- drawing --------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _font(size: int, bold: bool = True) -> ImageFont.ImageFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _fitted_font(text: str, width: int, start: int, bold: bool = True) -> ImageFont.ImageFont:
    size = start
    while size > 10:
        font = _font(size, bold)
        left, _, right, _ = font.getbbox(text)
        if right - left <= width:
            return font
        size -= 2
    return _font(size, bold)


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _grain(im: Image.Image, rng: random.Random, amp: float) -> Image.Image:
    w, h = im.size
    lut = [round(128 + amp * (v - 127.5) / 127.5) for v in range(256)]
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(lut).convert("RGB")
    return ImageChops.add(im, noise, 1.0, -128)


def _motif(draw: ImageDraw.ImageDraw, film: Film, w: int, h: int, rng: random.Random) -> None:
    ink, cx, cy = film.ink, w // 2, int(h * (0.34 if w > h else 0.45))
    m = film.motif
    if m == "rainbow":
        colors = [(228, 3, 3), (255, 140, 0), (255, 237, 0), (0, 128, 38), (36, 64, 142),
                  (115, 41, 130)]
        for i, col in enumerate(colors):
            r = int(w * 0.42) - i * 14
            draw.pieslice((cx - r, cy - r + 30, cx + r, cy + r + 30), 180, 360, fill=col)
        draw.rectangle((0, cy + 30, w, cy + 34), fill=(30, 30, 30))
    elif m == "bicycle":
        green, r = (40, 150, 70), w // 7
        for x in (cx - 2 * r, cx + 2 * r):
            draw.ellipse((x - r, cy - r, x + r, cy + r), outline=green, width=5)
        draw.line((cx - 2 * r, cy, cx, cy - r, cx + 2 * r, cy, cx - r // 2, cy - 2 * r // 3,
                   cx - 2 * r, cy), fill=green, width=5)
        draw.line((cx + r, cy - 2 * r, cx + 2 * r, cy), fill=green, width=5)
    elif m == "hearts":
        for _ in range(9):
            x, y, s = rng.randrange(w), rng.randrange(h * 2 // 3), rng.randint(10, 34)
            col = (250, rng.randint(180, 230), rng.randint(120, 170))
            draw.ellipse((x - s, y - s // 2, x, y + s // 2), fill=col)
            draw.ellipse((x, y - s // 2, x + s, y + s // 2), fill=col)
            draw.polygon([(x - s, y), (x + s, y), (x, y + s + s // 2)], fill=col)
    elif m == "swords":
        for i in range(7):
            x = int(w * (0.15 + i * 0.7 / 6))
            draw.line((x, int(h * 0.12), x + 12, int(h * 0.72)), fill=(20, 20, 20), width=5)
            draw.line((x - 8, int(h * 0.62), x + 18, int(h * 0.61)), fill=(20, 20, 20), width=4)
        for _ in range(120):  # rain
            x, y = rng.randrange(w), rng.randrange(h)
            draw.line((x, y, x - 4, y + 18), fill=(235, 235, 235), width=1)
    elif m == "rings":
        for r in range(w // 2, 10, -18):
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(200, 190, 140), width=2)
        draw.rectangle((cx - 5, cy - 28, cx + 5, cy + 20), fill=(20, 20, 15))
        draw.ellipse((cx - 7, cy - 44, cx + 7, cy - 30), fill=(20, 20, 15))
    elif m == "monolith":
        draw.ellipse((cx - 110, h - 230, cx + 110, h + 10), fill=(40, 80, 150))
        draw.ellipse((cx - 18, int(h * 0.08), cx + 18, int(h * 0.08) + 36), fill=(255, 245, 210))
        draw.rectangle((cx - 22, int(h * 0.25), cx + 22, int(h * 0.62)), fill=(0, 0, 0),
                       outline=(90, 90, 110))
    elif m == "plant":
        pot = (cx - 30, int(h * 0.55), cx + 30, int(h * 0.7))
        draw.polygon([(pot[0], pot[1]), (pot[2], pot[1]), (pot[2] - 10, pot[3]),
                      (pot[0] + 10, pot[3])], fill=(150, 80, 50))
        for angle in range(-70, 71, 20):
            a = math.radians(angle - 90)
            x, y = cx + 70 * math.cos(a), pot[1] - 10 + 90 * math.sin(a)
            draw.ellipse((x - 12, y - 22, x + 12, y + 22), fill=(50, 130, 60))
            draw.line((cx, pot[1], x, y), fill=(40, 100, 45), width=3)
        for x in (cx - 34, cx + 6):
            draw.ellipse((x, int(h * 0.12), x + 28, int(h * 0.12) + 28), outline=ink, width=3)
    elif m == "searchlight":
        draw.polygon([(w * 0.1, h), (w * 0.55, 0), (w * 0.75, 0)], fill=(90, 100, 130))
        draw.line((w * 0.6, h * 0.3, w * 0.8, h * 0.3), fill=(10, 10, 20), width=4)
        draw.line((w * 0.7, h * 0.24, w * 0.68, h * 0.38), fill=(10, 10, 20), width=3)
    elif m == "spiral":
        points = []
        for i in range(900):
            t = i / 40
            r = 3 + t * 5.2
            points.append((cx + r * math.cos(t), cy + r * math.sin(t)))
        draw.line(points, fill=(255, 240, 220), width=4)
        draw.rectangle((cx - 3, h * 0.68, cx + 3, h * 0.76), fill=(20, 10, 10))
    elif m == "trench":
        draw.ellipse((cx - 40, int(h * 0.12), cx + 40, int(h * 0.12) + 80), fill=(255, 170, 60))
        for i in range(5):
            y = int(h * 0.5) + i * 22
            draw.line([(x, y + 8 * math.sin(x / 17 + i)) for x in range(0, w + 1, 6)],
                      fill=(40, 30, 20), width=3)
        draw.rectangle((cx - 5, int(h * 0.36), cx + 5, int(h * 0.5)), fill=(20, 15, 10))
    elif m == "globe":
        r = min(w, h) // 5
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(240, 240, 240),
                     width=3, fill=(60, 60, 70))
        draw.rectangle((cx - r, cy + r - 4, cx + r, cy + r + 12), fill=(30, 20, 15))
        for _ in range(40):
            x, y = cx + rng.randint(-r + 10, r - 10), cy + rng.randint(-r, r - 25)
            draw.ellipse((x - 1, y - 1, x + 1, y + 1), fill=(255, 255, 255))
    elif m == "empty":
        draw.rectangle((cx - 60, cy - 60, cx + 60, cy + 60), outline=(90, 90, 95), width=3)
        draw.text((cx, cy), "∅", font=_font(72, False), fill=(120, 120, 125), anchor="mm")
    elif m == "chimneys":
        for i, x in enumerate(range(20, w, 48)):
            top = int(h * (0.2 + 0.08 * (i % 3)))
            draw.rectangle((x, top, x + 10, int(h * 0.5)), fill=(90, 90, 85))
        draw.rectangle((0, int(h * 0.5), w, int(h * 0.53)), fill=(60, 60, 55))
        for x in (cx - 30, cx + 10):
            draw.ellipse((x, int(h * 0.55), x + 20, int(h * 0.55) + 20), fill=(40, 40, 40))
            draw.rectangle((x - 2, int(h * 0.55) + 20, x + 22, int(h * 0.55) + 50),
                           fill=(40, 40, 40))
    elif m == "egg":
        for r in range(90, 0, -6):  # a glow behind the egg
            g = 25 + (90 - r)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(10, g, g))
        draw.ellipse((cx - 34, cy - 48, cx + 34, cy + 44), fill=(70, 75, 60))
        draw.line((cx - 20, cy - 38, cx, cy - 30, cx + 20, cy - 38), fill=(200, 255, 230),
                  width=3)
    elif m == "circles":
        r = min(w, h) // 4
        draw.ellipse((cx - 2 * r + 10, cy - r, cx + 10, cy + r), outline=ink, width=5)
        draw.ellipse((cx - 10, cy - r, cx + 2 * r - 10, cy + r), outline=(255, 250, 235), width=5)
    else:
        raise ValueError(f"unknown motif {m!r}")


def draw_poster(film: Film) -> Image.Image:
    w, h = film.size
    rng = random.Random(f"filmcli-example:{film.title}")
    im = _gradient((w, h), film.top, film.bottom)
    draw = ImageDraw.Draw(im)
    _motif(draw, film, w, h, rng)
    wide = w > h
    title_font = _fitted_font(film.caption, w - 24, 30 if wide else 42)
    y_title = int(h * (0.72 if wide else 0.78))
    draw.text((w // 2, y_title), film.caption, font=title_font, fill=film.ink, anchor="mm")
    small = _fitted_font(f"{film.director}  ·  {film.year}", w - 24, 14, bold=False)
    draw.text((w // 2, h - (14 if wide else 22)), f"{film.director}  ·  {film.year}", font=small,
              fill=film.ink, anchor="mm")
    return _grain(im, rng, 4.0 if film.fmt == "JPEG" else 3.0)


def encode(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        im.save(buf, "JPEG", quality=78)
    elif fmt == "PNG":
        im.quantize(colors=64).save(buf, "PNG", optimize=True)
    else:
        im.save(buf, "WEBP", quality=78, method=6)
    return buf.getvalue()


# --- posts --------------------------------------------------------------------------


def post_name(film: Film) -> str:
    return f"{film.date}-{slugify(film.title)}.md"


def render_film(film: Film) -> bytes:
    data = encode(draw_poster(film), film.fmt)
    uri = f"data:{MIME[film.fmt]};base64," + base64.b64encode(data).decode("ascii")
    fields = {"layout": "post", "title": film.title, "director": film.director,
              "year": film.year, "poster": uri}
    return render_post(fields, film.review)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "site" / "_posts")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    seed = SEED_POST.read_bytes()
    (args.out / SEED_NAME).write_bytes(seed)
    rows.append((SEED_NAME, "Her", "JPEG", len(seed)))
    for film in sorted(FILMS, key=lambda f: f.date):
        name = post_name(film)
        text = render_film(film)
        (args.out / name).write_bytes(text)
        rows.append((name, film.title, film.fmt, len(text)))
    for name, title, fmt, size in sorted(rows):
        print(f"{name:42} {title:24} {fmt:5} {size:>7,} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
