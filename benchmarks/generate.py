"""Generate a deterministic N-post film library shaped like `examples/seed-post.md`.

    python benchmarks/generate.py OUT_DIR --posts N [--seed 1] [--jobs J] [--force]

writes `OUT_DIR/_config.yml`, `OUT_DIR/filmcli.toml` (a comment only) and
`OUT_DIR/_posts/YYYY-MM-DD-slug.md`, every post rendered by filmcli's own
`render_post`, so each one is in the canonical form the seed post has.

Posters are real images drawn with Pillow: a pool of a few hundred distinct
base images (gradients, shapes, blur and grain), each calibrated to a JPEG
quality that lands it between 6 and 15 kB, then varied per post (a title band,
a coloured bar, a quality jitter) so no two posts carry the same bytes. About
3% of the posters are PNG and 3% WebP. Titles mix plain English, Unicode
(accents, CJK, Cyrillic, Arabic, emoji), strings YAML would misread if left
plain (`Yes`, `1917`, `Null`, `#1`, `Alien: Romulus`, ...) and very long ones.

The library passes `filmcli validate`: no two posts share a slug, whatever
their dates (repeats get `-2`, `-3`, ...; some posts deliberately repeat the
previous title on the same day), and no title comes twice with the same year
(a title whose years run out gets a number, `Yes 2`). Dates run from 2000 to
2025 and never precede the film's year.

The same seed gives byte-identical output (with the same Pillow/libjpeg
build): post metadata comes from one `random.Random(seed)` drawn in order, and
every poster from its own generator keyed on (seed, index), so the worker
processes may run in any order.

Importable too: `generate_library(out, n, seed=1) -> list[Path]`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import functools
import io
import multiprocessing
import os
import random
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

try:
    from filmcli.model.slug import slug_problem, slugify
    from filmcli.model.writer import render_post
except ImportError:  # run from a checkout without filmcli installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from filmcli.model.slug import slug_problem, slugify
    from filmcli.model.writer import render_post

POOL_SIZE = 300
JPEG_TARGET = (6_000, 15_000)  # bytes; base images are calibrated to land inside
PNG_SHARE = 0.03
WEBP_SHARE = 0.03
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
MAX_SLUG_BYTES = 100
SERIAL_BELOW = 200  # fewer posts than this: no worker processes

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# --- words ------------------------------------------------------------------

ADJECTIVES = (
    "Silent",
    "Last",
    "Red",
    "Broken",
    "Hidden",
    "Golden",
    "Lost",
    "Endless",
    "Quiet",
    "Burning",
    "Frozen",
    "Pale",
    "Wild",
    "Hollow",
    "Bright",
    "Long",
    "Bitter",
    "Electric",
    "Northern",
    "Secret",
    "Crimson",
    "Lonely",
    "Final",
    "Distant",
    "Restless",
    "Velvet",
    "Midnight",
    "Savage",
    "Gentle",
    "Invisible",
    "Blue",
    "Forgotten",
    "Strange",
    "Sweet",
    "Black",
    "White",
    "Green",
    "Scarlet",
    "Silver",
    "Iron",
    "Glass",
    "Paper",
    "Stolen",
    "Borrowed",
    "Sleeping",
    "Dancing",
    "Falling",
    "Rising",
    "Drowned",
    "Sunken",
    "Eternal",
    "Brief",
    "Tender",
    "Cruel",
    "Honest",
    "Crooked",
    "Narrow",
    "Empty",
    "Crowded",
    "Burnt",
    "Salt",
    "Amber",
    "Hungry",
    "Faithful",
    "Reckless",
    "Wandering",
    "Unfinished",
    "Fragile",
    "Second",
    "Third",
    "Southern",
    "Western",
    "Eastern",
    "Hot",
    "Cold",
    "Little",
    "Great",
)
NOUNS = (
    "River",
    "Summer",
    "City",
    "Road",
    "Harbor",
    "Garden",
    "Winter",
    "Mirror",
    "Storm",
    "Station",
    "Orchard",
    "Island",
    "Hotel",
    "Kingdom",
    "Shadow",
    "Window",
    "Horizon",
    "Letter",
    "Machine",
    "Forest",
    "Train",
    "Lighthouse",
    "Desert",
    "Ballroom",
    "Frontier",
    "Cathedral",
    "Circus",
    "Canyon",
    "Heart",
    "Witness",
    "Stranger",
    "Season",
    "Night",
    "Promise",
    "Echo",
    "Border",
    "Empire",
    "Tide",
    "Dream",
    "Country",
    "Bridge",
    "Valley",
    "Mountain",
    "Village",
    "Market",
    "Factory",
    "Tower",
    "Palace",
    "Prison",
    "School",
    "Wedding",
    "Funeral",
    "Holiday",
    "Journey",
    "Voyage",
    "Harvest",
    "Fever",
    "Silence",
    "Thunder",
    "Lantern",
    "Compass",
    "Anchor",
    "Violin",
    "Piano",
    "Camera",
    "Clock",
    "Key",
    "Door",
    "Staircase",
    "Attic",
    "Cellar",
    "Garage",
    "Balcony",
    "Rooftop",
    "Alley",
    "Avenue",
    "Boulevard",
    "Coast",
    "Cliff",
    "Lake",
    "Marsh",
    "Meadow",
    "Field",
    "Glacier",
    "Volcano",
    "Moon",
    "Sun",
    "Star",
    "Comet",
    "Planet",
    "Orbit",
    "Signal",
    "Radio",
    "Telegram",
    "Postcard",
    "Photograph",
    "Portrait",
    "Diary",
    "Map",
    "Ticket",
    "Passport",
    "Suitcase",
    "Daughter",
    "Son",
    "Mother",
    "Father",
    "Sister",
    "Brother",
    "Widow",
    "Soldier",
    "Sailor",
    "Detective",
    "Doctor",
    "Teacher",
    "Thief",
    "Pilot",
    "Dancer",
    "Singer",
    "Painter",
)
NAMES = (
    "Vera",
    "Marcus",
    "Ingrid",
    "Tomás",
    "Odile",
    "Kenji",
    "Anouk",
    "Dmitri",
    "Leila",
    "Harriet",
    "Bruno",
    "Solveig",
    "Ezra",
    "Mireille",
    "Santiago",
    "Yuki",
    "Nadia",
    "Otto",
    "Amara",
    "Bastian",
    "Camille",
    "Dario",
    "Elif",
    "Farah",
    "Gustav",
    "Hana",
    "Ilya",
    "Jonas",
    "Kalinda",
    "Lorenzo",
    "Maren",
    "Nikolai",
    "Oona",
    "Pavel",
    "Quentin",
    "Rosa",
    "Sven",
    "Tamsin",
    "Ulla",
    "Viktor",
    "Wanda",
    "Xavier",
    "Yara",
    "Zoltan",
    "Agnieszka",
    "Björn",
    "Chiara",
    "Dagny",
    "Esme",
    "Florian",
    "Greta",
    "Hugo",
    "Irène",
    "Joaquín",
    "Kasia",
)
SURNAMES = (
    "Keller",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quiroga",
    "Lindqvist",
    "Haddad",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallo",
    "Horvath",
    "Ivanova",
    "Janssen",
    "Kowalski",
    "Laurent",
    "Mendes",
    "Novak",
    "Oliveira",
    "Park",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhang",
    "Åberg",
    "Núñez",
)
PLACES = (
    "Paris",
    "Kyoto",
    "Lagos",
    "Oslo",
    "Lima",
    "Tbilisi",
    "Marseille",
    "Havana",
    "Hanoi",
    "Reykjavík",
    "Kraków",
    "São Paulo",
    "Istanbul",
    "Nairobi",
    "Manila",
    "Montréal",
    "Dakar",
    "Tangier",
    "Valparaíso",
    "Trieste",
    "Odesa",
    "Busan",
    "Beirut",
    "Cork",
    "Zürich",
)
SUBTITLES = (
    "The Reckoning",
    "Part Two",
    "A New Dawn",
    "Homecoming",
    "The Final Chapter",
    "Origins",
    "Resurrection",
    "Redemption",
    "The Lost Years",
    "Revelations",
)
SEQUELS = ("II", "III", "IV", "Returns", "Reloaded", "2049", "Forever", "Rising", "Again")
# Words in other scripts, put together two at a time (joined as the language would).
FOREIGN_WORDS = {
    " ": (
        (
            "Été",
            "Rivière",
            "Fenêtre",
            "Mémoire",
            "Lumière",
            "Forêt",
            "Fête",
            "Île",
            "Chanson",
            "Fièvre",
            "Nuit",
            "Cœur",
            "Hôtel",
            "Trêve",
        ),
        (
            "Тихий",
            "Белый",
            "Последний",
            "Дальний",
            "Зимний",
            "Красный",
            "Горький",
            "Дон",
            "Город",
            "Поезд",
            "Сад",
            "Берег",
            "Сон",
            "Ветер",
            "Путь",
        ),
        ("ليل", "مدينة", "بحر", "قمر", "حلم", "طريق", "صحراء", "باب", "نهر", "بيت"),
        ("לילה", "ים", "עיר", "חלום", "דרך", "אור", "בית"),
        ("Νύχτα", "Θάλασσα", "Πόλη", "Όνειρο", "Δρόμος", "Φως", "Σπίτι"),
        ("바다", "밤", "서울", "사랑", "비", "꿈", "봄", "길"),
        (
            "Corazón",
            "Mañana",
            "Canción",
            "Ilusión",
            "Coração",
            "Lágrimas",
            "Niño",
            "Señora",
            "Sertão",
            "Pájaros",
            "Maçã",
        ),
        ("Straße", "Mädchen", "Frühling", "Bühne", "Übermorgen", "Schlüssel", "Königin"),
        ("रात", "शहर", "सपना", "सागर", "चाँद", "प्यार"),
    ),
    "の": (("東京", "夏", "雨", "海", "月", "花", "夜", "風", "桜", "猫", "秋", "雪"),),
    "": (("长", "夜", "城", "江", "花", "月", "红", "春", "山", "梦", "风", "雨"),),
}
EMOJI = ("🎬", "🌙", "🔥", "🌊", "❤️", "🚀", "👻", "🍿", "🌹", "🎭", "🐈", "☔", "🇫🇷", "👩‍🚀")
# Titles YAML 1.1 or 1.2 would misread, or that break naive parsers, if left unquoted.
TRICKY_TITLES = (
    "Alien: Romulus",
    "Yes",
    "No",
    "1917",
    "Null",
    "#1",
    "True",
    "False",
    "On",
    "Off",
    "Y",
    "N",
    "~",
    "null",
    "NULL",
    "2001",
    "3.14",
    "1e10",
    "0x1F",
    ".inf",
    "-.inf",
    ".NaN",
    "0o17",
    "12:30",
    "2001-01-01",
    "1,000",
    "+1",
    "-1",
    "007",
    "*batteries not included",
    "&Me",
    "!Women Art Revolution",
    "@Home",
    "%Percent",
    "`Backticks`",
    "|Pipe|",
    ">Greater",
    "? Question Mark",
    "- Dash",
    "[REC]",
    "[REC]²",
    "{Braces}",
    "Key: Value: Other",
    'The "Quoted" Film',
    "It's Complicated",
    "O'Brother",
    "Say \"Cheese\" 'Please'",
    "Back\\slash",
    "50/50",
    "9½ Weeks",
    "Se7en",
    "M*A*S*H",
    "Who's Afraid of Virginia Woolf?",
    "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb",
    "Mother!",
    "Everything Everywhere All at Once",
    "What's Up, Doc?",
    "Airplane!",
    "# Hashtag Love",
    "Colon:",
    ":Colon",
    "Percent % Sign",
    "Ampersand & Co.",
    "<HTML> Tag",
    "Yes, Minister",
    "No Country for Old Men",
    "Null & Void",
    "Con",
    "Aux",
    "Nul",
    "Prn",
)
UNICODE_TITLES = (
    "Amélie",
    "Léon: The Professional",
    "七人の侍",
    "千と千尋の神隠し",
    "花様年華",
    "기생충",
    "Сталкер",
    "Иди и смотри",
    "Солярис",
    "الرسالة",
    "وجدة",
    "باب الحديد",
    "שומר הסף",
    "शोले",
    "Ça tourne",
    "Smörgåsbord",
    "Łódź Nights",
    "Straße der Sehnsucht",
    "Ψυχή",
    "Mañana",
    "Crème Brûlée",
    "Ålesund",
    "Ørsted",
    "Œuvre",
    "Die Blechtrommel",
    "La Dolce Vita",
    "Y Tu Mamá También",
    "Être et avoir",
    "🎬",
    "🎬🍿",
    "Popcorn 🍿 Night",
    "Love ❤️ Story",
    "👻 Ghosts",
    "Ｆｕｌｌｗｉｄｔｈ",
    "ﬁn de siècle",
    "Ǆungle",
    "Ame\u0301lie (decomposed)",
    "Αθήνα",
    "東京物語",
    "Ла-Ла Ленд",
    "Kraków Blues",
    "Привет, Мир!",
    "مرحبا بالعالم",
    "Ελληνικά: Νύχτα",
)
DIRECTORS = (
    "Spike Jonze",
    "Akira Kurosawa",
    "Andrei Tarkovsky",
    "Agnès Varda",
    "Jean-Pierre Jeunet",
    "Luc Besson",
    "Fede Álvarez",
    "Sally Potter",
    "Sam Mendes",
    "Bong Joon-ho",
    "Wong Kar-wai",
    "Hayao Miyazaki",
    "Yasujirō Ozu",
    "Pedro Almodóvar",
    "Alfonso Cuarón",
    "Krzysztof Kieślowski",
    "Ingmar Bergman",
    "Federico Fellini",
    "Stanley Kubrick",
    "Kathryn Bigelow",
    "Céline Sciamma",
    "Claire Denis",
    "Jane Campion",
    "Chantal Akerman",
    "Abbas Kiarostami",
    "Youssef Chahine",
    "Haifaa al-Mansour",
    "Satyajit Ray",
    "Ramesh Sippy",
    "Elem Klimov",
    "Sergei Eisenstein",
    "Billy Wilder",
    "Alfred Hitchcock",
    "Orson Welles",
    "Greta Gerwig",
    "Ava DuVernay",
    "Denis Villeneuve",
    "Lynne Ramsay",
    "Michael Haneke",
    "Werner Herzog",
    "Volker Schlöndorff",
    "Aki Kaurismäki",
    "Lucrecia Martel",
    "Apichatpong Weerasethakul",
    "Hirokazu Kore-eda",
    "Park Chan-wook",
    "Ousmane Sembène",
    "Nuri Bilge Ceylan",
    "Andrzej Wajda",
    "Miloš Forman",
    "Joachim Trier",
    "Chloé Zhao",
    "Barry Jenkins",
    "Jordan Peele",
    "Jacques Tati",
    "Yorgos Lanthimos",
    "Lina Wertmüller",
    "Marjane Satrapi",
    "Asghar Farhadi",
    "Mati Diop",
    "Kelly Reichardt",
    "Sofia Coppola",
    "Spike Lee",
    "David Lynch",
    "黒澤明",
    "Андрей Тарковский",
    "يوسف شاهين",
    "王家衛",
)
OPENERS = (
    "A patient film that trusts its audience.",
    "This one arrives quietly and stays for days.",
    "An uneven but often striking piece of work.",
    "The first act is slow, and it is worth it.",
    "Few films look this good on so little money.",
    "It wears its influences openly and mostly earns them.",
    "A crowd-pleaser with more on its mind than it lets on.",
    "The premise is thin; the execution is not.",
)
MIDDLES = (
    "The lead performance carries scenes that the script leaves half-written.",
    "Its camera lingers on faces longer than is comfortable, which is the point.",
    "The score does a lot of the emotional work, sometimes too much.",
    "The editing keeps two timelines apart until the last reel.",
    "Every interior seems lit by a single window.",
    "The dialogue is sparse, and the silences say more.",
    "Its middle stretch sags under one subplot too many.",
    "The sound design makes the city feel like a character.",
    "A late twist reframes everything without cheapening it.",
    "The supporting cast is uniformly excellent.",
    "It is funnier than its reputation suggests.",
    "The colour palette shifts as the story darkens.",
)
CLOSERS = (
    "Recommended, especially on a big screen.",
    "Not perfect, but hard to forget.",
    "Worth seeing once; worth rewatching twice.",
    "A minor work from a major filmmaker.",
    "It has aged better than most of its peers.",
    "Go in knowing as little as possible.",
    "Three and a half stars.",
    "Flawed, generous and alive.",
)


@dataclass(frozen=True)
class PostSpec:
    """Everything about one post except its poster pixels."""

    index: int
    filename: str
    title: str
    director: str
    year: int
    fmt: str  # "JPEG", "PNG" or "WEBP"
    body: str


# --- metadata -----------------------------------------------------------------


def _foreign(rng: random.Random) -> str:
    joiner = rng.choice((" ", " ", " ", "の", ""))
    words = rng.choice(FOREIGN_WORDS[joiner])
    return joiner.join(rng.sample(words, 2))


def _english(rng: random.Random) -> str:
    adj, adj2 = rng.choice(ADJECTIVES), rng.choice(ADJECTIVES)
    noun, noun2 = rng.choice(NOUNS), rng.choice(NOUNS)
    name = rng.choice(NAMES)
    pattern = rng.randrange(14)
    if pattern == 0:
        return f"The {adj} {noun}"
    if pattern == 1:
        return f"{noun} of {adj2} {noun2}"
    if pattern == 2:
        return f"{adj} {noun}, {adj2} {noun2}"
    if pattern == 3:
        return f"{name}'s {adj} {noun}"
    if pattern == 4:
        return f"The {noun} and the {adj2} {noun2}"
    if pattern == 5:
        return f"{adj} {noun} {rng.randint(2, 4)}: {rng.choice(SUBTITLES)}"
    if pattern == 6:
        return f"{name} {rng.choice(SURNAMES)}"
    if pattern == 7:
        article = "An" if adj[0] in "AEIOU" else "A"
        return f"{article} {adj} {noun} in {rng.choice(PLACES)}"
    if pattern == 8:
        return f"{adj} {noun} {rng.choice(SEQUELS)}"
    if pattern == 9:
        return f"The {noun} Who Knew {name}"
    if pattern == 10:
        return f"{rng.choice(PLACES)}, {rng.randint(1920, 2030)}"
    if pattern == 11:
        return f"Everything the {noun} Left Behind" if adj < "M" else f"When the {noun} Was {adj}"
    if pattern == 12:
        return f"{adj} {noun}: {name}'s Story"
    return f"{noun}s of {rng.choice(PLACES)}"


def _title(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(TRICKY_TITLES)
    if roll < 0.07:
        return rng.choice(UNICODE_TITLES)
    if roll < 0.12:
        return _foreign(rng)
    if roll < 0.14:
        title, emoji = _english(rng), rng.choice(EMOJI)
        return f"{emoji} {title}" if rng.random() < 0.5 else f"{title} {emoji}"
    if roll < 0.17:  # long: beyond the 100-byte slug limit
        words = [rng.choice(ADJECTIVES + NOUNS) for _ in range(rng.randint(14, 24))]
        return "The " + " ".join(words) + " of " + rng.choice(NAMES)
    return _english(rng)


def _body(rng: random.Random) -> str:
    paragraphs = []
    for p in range(rng.choice((1, 1, 2, 2, 3))):
        first = rng.choice(OPENERS) if p == 0 else rng.choice(MIDDLES)
        sentences = [first] + rng.sample(MIDDLES, rng.randint(1, 2))
        if rng.random() < 0.5:
            sentences.append(rng.choice(CLOSERS))
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def _fit_slug(slug: str, suffix: str) -> str:
    room = MAX_SLUG_BYTES - len(suffix.encode("utf-8"))
    cut = slug.encode("utf-8")[:room].decode("utf-8", "ignore").strip("-")
    return cut + suffix


def _free_year(rng: random.Random, title: str, films: set, latest: int) -> int | None:
    """A year in 1900..latest that no post of this title has yet; None when none is found."""
    key = title.strip().casefold()
    for _ in range(12):
        year = rng.randint(1900, latest)
        if (key, year) not in films:
            return year
    return None


def plan_library(n: int, seed: int = 1) -> list[PostSpec]:
    """The metadata of all `n` posts; no image work.

    The library is valid as filmcli sees it: no two posts share a title and a
    year (a title whose years run out gets a number: `Yes 2`), and no two share
    a slug, whatever their dates (a repeated slug gets `-2`, `-3`, ...).
    """
    rng = random.Random(seed)
    films: set[tuple[str, int]] = set()
    slugs: set[str] = set()
    next_suffix: dict[str, int] = {}
    specs = []
    busy_day = FIRST_DAY + (LAST_DAY - FIRST_DAY) // 2
    day = FIRST_DAY
    title = ""
    for i in range(n):
        if i and rng.random() < 0.005:
            # The same title reviewed again on the same day (a remake, a second take).
            year = _free_year(rng, title, films, day.year)
        else:
            title = _title(rng)
            year = _free_year(rng, title, films, 2025)
            day = None
        base_title, k = title, 1
        while year is None:  # every year tried is taken: a numbered sequel
            k += 1
            title = f"{base_title} {k}"
            year = _free_year(rng, title, films, day.year if day else 2025)
        films.add((title.strip().casefold(), year))
        if day is None:
            earliest = max(FIRST_DAY, dt.date(year, 1, 1))
            day = earliest + dt.timedelta(days=rng.randint(0, (LAST_DAY - earliest).days))
            if rng.random() < 0.01 and year <= busy_day.year:  # many posts on one date
                day = busy_day
        director = rng.choice(DIRECTORS)
        roll = rng.random()
        fmt = "PNG" if roll < PNG_SHARE else "WEBP" if roll < PNG_SHARE + WEBP_SHARE else "JPEG"
        body = _body(rng)
        base_slug = slugify(title)
        slug = base_slug
        key = unicodedata.normalize("NFC", slug).casefold()
        while key in slugs:
            k = next_suffix.get(base_slug, 1) + 1
            next_suffix[base_slug] = k
            slug = _fit_slug(base_slug, f"-{k}")
            key = unicodedata.normalize("NFC", slug).casefold()
        slugs.add(key)
        problem = slug_problem(slug)
        if problem:
            raise AssertionError(f"generated an unsafe slug {slug!r}: {problem}")
        specs.append(PostSpec(i, f"{day.isoformat()}-{slug}.md", title, director, year, fmt, body))
    return specs


# --- posters --------------------------------------------------------------------


def _color(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def _dark(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(90), rng.randrange(90), rng.randrange(90))


def _light(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(170, 255), rng.randint(170, 255), rng.randint(170, 255))


def _draw_base(rng: random.Random) -> Image.Image:
    w = rng.randint(259, 300)
    shape = rng.random()
    h = (
        rng.randint(194, 260)
        if shape < 0.3
        else rng.randint(300, 380)
        if shape < 0.5
        else rng.randint(380, 450)
    )
    gradient = Image.linear_gradient("L")
    if rng.random() < 0.5:
        gradient = gradient.rotate(rng.choice((90, 180, 270)))
    gradient = gradient.resize((w, h))
    im = Image.composite(
        Image.new("RGB", (w, h), _color(rng)), Image.new("RGB", (w, h), _color(rng)), gradient
    )
    draw = ImageDraw.Draw(im)
    for _ in range(rng.randint(3, 9)):
        x0, y0 = rng.randrange(-50, w), rng.randrange(-50, h)
        x1, y1 = x0 + rng.randint(20, 200), y0 + rng.randint(20, 200)
        kind = rng.random()
        if kind < 0.4:
            draw.ellipse((x0, y0, x1, y1), fill=_color(rng))
        elif kind < 0.7:
            draw.rectangle((x0, y0, x1, y1), fill=_color(rng))
        else:
            points = [(x0, y0), (x1, y0 + rng.randint(-80, 80)), (x0 + rng.randint(-80, 80), y1)]
            draw.polygon(points, fill=_color(rng))
    im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 3.0)))
    # Film grain. Not Image.effect_noise: it draws from C rand(), which no seed reaches.
    amp = rng.uniform(4.0, 15.0)
    lut = [round(128 + amp * (v - 127.5) / 127.5) for v in range(256)]
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(lut).convert("RGB")
    return ImageChops.add(im, grain, 1.0, -128)


def _jpeg_size(im: Image.Image, quality: int) -> int:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.tell()


@functools.lru_cache(maxsize=POOL_SIZE)
def _pool_entry(seed: int, k: int) -> tuple[Image.Image, int]:
    """Base image `k` of the pool and the JPEG quality that puts it near its target size."""
    rng = random.Random(f"filmcli-bench:{seed}:pool:{k}")
    im = _draw_base(rng)
    target = rng.randint(JPEG_TARGET[0] + 200, JPEG_TARGET[1] - 2500)
    lo, hi = 20, 95
    while lo < hi:  # the highest quality that stays under the target
        mid = (lo + hi + 1) // 2
        if _jpeg_size(im, mid) <= target:
            lo = mid
        else:
            hi = mid - 1
    return im, lo


@functools.lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size)  # bundled with Pillow: the same glyphs everywhere


def _caption(title: str) -> str:
    """Upper-case ASCII for the poster: Pillow's bundled font has no accents or other scripts."""
    folded = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in folded if ch.isascii() and ch.isprintable()).strip().upper()
    return text[:28] or "UNTITLED"


def make_poster(spec: PostSpec, seed: int) -> tuple[str, bytes]:
    """(mime, image bytes) for one post: a pool image varied for this post alone."""
    rng = random.Random(f"filmcli-bench:{seed}:poster:{spec.index}")
    base, quality = _pool_entry(seed, rng.randrange(POOL_SIZE))
    im = base.copy()
    w, h = im.size
    draw = ImageDraw.Draw(im)
    band_top = h - rng.randint(34, 56)
    draw.rectangle((0, band_top, w, h), fill=_dark(rng))
    x0, y0 = rng.randrange(w - 40), rng.randrange(h // 3)
    frame = (x0, y0, rng.randrange(x0 + 20, w), rng.randrange(max(y0 + 20, h // 2), band_top))
    draw.rectangle(frame, outline=_color(rng), width=rng.randint(1, 4))
    draw.text((8, band_top + 6), _caption(spec.title), font=_font(16), fill=_light(rng))
    draw.text(
        (8, band_top + 24),
        f"{_caption(spec.director)[:26]}  {spec.year}",
        font=_font(11),
        fill=_light(rng),
    )
    buf = io.BytesIO()
    if spec.fmt == "PNG":
        im.quantize(colors=rng.choice((64, 96, 128))).save(buf, "PNG", optimize=False)
    elif spec.fmt == "WEBP":
        im.save(buf, "WEBP", quality=rng.randint(60, 85), method=4)
    else:
        q = max(20, min(95, quality + rng.randint(-4, 2)))
        im.save(buf, "JPEG", quality=q)
    return MIME[spec.fmt], buf.getvalue()


# --- writing --------------------------------------------------------------------


def render_spec(spec: PostSpec, seed: int) -> bytes:
    mime, data = make_poster(spec, seed)
    uri = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    fields = {
        "layout": "post",
        "title": spec.title,
        "director": spec.director,
        "year": spec.year,
        "poster": uri,
    }
    return render_post(fields, spec.body)


def _write_one(job: tuple[PostSpec, int, str]) -> int:
    spec, seed, posts_dir = job
    Path(posts_dir, spec.filename).write_bytes(render_spec(spec, seed))
    return spec.index


def _config_text(n: int, seed: int) -> str:
    return (
        f'title: "filmcli benchmark library ({n} posts, seed {seed})"\n'
        "markdown: kramdown\n"
        "exclude:\n"
        "  - filmcli.toml\n"
        "  - README.md\n"
    )


def generate_library(
    out: Path, n: int, seed: int = 1, *, jobs: int | None = None, force: bool = False
) -> list[Path]:
    """Write an `n`-post library under `out`; the post paths, in generation order.

    Refuses a non-empty `out/_posts` (stale posts would spoil determinism) unless
    `force`, which first deletes the `*.md` files there.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    out = Path(out)
    posts_dir = out / "_posts"
    posts_dir.mkdir(parents=True, exist_ok=True)
    existing = list(posts_dir.iterdir())
    if existing:
        if not force:
            raise FileExistsError(f"{posts_dir} is not empty (use force=True / --force)")
        for path in existing:
            if path.suffix == ".md" and path.is_file():
                path.unlink()
    (out / "_config.yml").write_text(_config_text(n, seed), encoding="utf-8")
    (out / "filmcli.toml").write_text(
        "# filmcli configuration for a generated benchmark library: the defaults apply.\n",
        encoding="utf-8",
    )

    specs = plan_library(n, seed)
    work = [(spec, seed, str(posts_dir)) for spec in specs]
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or n < SERIAL_BELOW:
        for job in work:
            _write_one(job)
    else:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ctx.Pool(jobs) as pool:
            for _ in pool.imap_unordered(_write_one, work, chunksize=64):
                pass
    return [posts_dir / spec.filename for spec in specs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--posts", type=int, required=True, metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jobs", type=int, default=None, help="worker processes (default: one per CPU)"
    )
    parser.add_argument(
        "--force", action="store_true", help="delete existing *.md files in OUT_DIR/_posts first"
    )
    args = parser.parse_args(argv)
    if args.posts < 0:
        parser.error("--posts must be >= 0")
    start = time.perf_counter()
    try:
        paths = generate_library(
            args.out_dir, args.posts, args.seed, jobs=args.jobs, force=args.force
        )
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    total = sum(p.stat().st_size for p in paths)
    print(
        f"wrote {len(paths)} posts ({total / 1e6:.1f} MB) to {args.out_dir / '_posts'} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
