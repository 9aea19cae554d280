"""filmcli add reads IMDb's ratings export (ratings.csv): films only, title, year, director,
the IMDb id, the user's rating on the 5-star scale Letterboxd uses (10 -> 5, 7 -> 3.5)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from filmcli.model.post import Post

HEADER = [
    "Const",
    "Your Rating",
    "Date Rated",
    "Title",
    "URL",
    "Title Type",
    "IMDb Rating",
    "Runtime (mins)",
    "Year",
    "Genres",
    "Num Votes",
    "Release Date",
    "Directors",
]


def ratings(path: Path, rows: list[list[str]], header=HEADER) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
    return path


def url(const: str) -> str:
    return f"https://www.imdb.com/title/{const}/"


ROWS = [
    [
        "tt1798709",
        "9",
        "2024-01-05",
        "Her",
        url("tt1798709"),
        "movie",
        "8.0",
        "126",
        "2013",
        "Drama, Romance, Sci-Fi",
        "700000",
        "2013-12-18",
        "Spike Jonze",
    ],
    [
        "tt0903747",
        "10",
        "2024-01-06",
        "Breaking Bad",
        url("tt0903747"),
        "tvSeries",
        "9.5",
        "49",
        "2008",
        "Crime, Drama",
        "2000000",
        "2008-01-20",
        "",
    ],
    [
        "tt0959621",
        "9",
        "2024-01-07",
        "Pilot",
        url("tt0959621"),
        "tvEpisode",
        "9.0",
        "58",
        "2008",
        "Crime",
        "40000",
        "2008-01-20",
        "Vince Gilligan",
    ],
    [
        "tt0477348",
        "7",
        "2024-01-08",
        "No Country for Old Men",
        url("tt0477348"),
        "movie",
        "8.2",
        "122",
        "2007",
        "Crime",
        "1000000",
        "2007-11-09",
        "Ethan Coen, Joel Coen",
    ],
    [
        "tt0120001",
        "6",
        "2024-01-09",
        "A Short",
        url("tt0120001"),
        "short",
        "6.0",
        "12",
        "1999",
        "Short",
        "100",
        "1999-03-01",
        "Someone Else",
    ],
]


def posts_by_title(library) -> dict:
    out = {}
    for path in sorted((library / "_posts").glob("*.md")):
        post = Post.from_bytes(path.read_bytes(), path)
        out[post.title] = (path, post.metadata())
    return out


def test_imdb_ratings_films_only_with_title_year_director_and_id(run, library, tmp_path):
    source = ratings(tmp_path / "ratings.csv", ROWS)
    result = run("-L", library, "add", source)
    assert result.exit_code == 0, result.stderr
    made = posts_by_title(library)
    assert sorted(made) == ["A Short", "Her", "No Country for Old Men"]
    path, her = made["Her"]
    assert her["imdb"] == "tt1798709" and her["year"] == 2013
    assert her["director"] == "Spike Jonze" and her["rating"] == 4.5
    assert path.name == "2024-01-05-her.md"  # the day it was rated
    assert made["No Country for Old Men"][1]["director"] == "Ethan Coen, Joel Coen"
    assert made["No Country for Old Men"][1]["rating"] == 3.5
    assert "skipped 2 not films (TV series, episodes)" in result.stderr, result.stderr
    assert "added 3" in result.stderr


def test_imdb_ratings_by_name_and_the_older_title_types(run, library, tmp_path):
    # newer exports have an "Original Title" column, which shifts the cells: read by name;
    # older ones say "Feature Film" and "TV Series"
    rows = [
        [*ROWS[0][:4], "Her", *ROWS[0][4:5], "Feature Film", *ROWS[0][6:]],
        [*ROWS[1][:4], "Breaking Bad", *ROWS[1][4:5], "TV Series", *ROWS[1][6:]],
    ]
    source = ratings(
        tmp_path / "export.csv", rows, header=HEADER[:4] + ["Original Title"] + HEADER[4:]
    )
    result = run("-L", library, "add", source, "--from", "imdb")
    assert result.exit_code == 0, result.stderr
    made = posts_by_title(library)
    assert sorted(made) == ["Her"] and made["Her"][1]["director"] == "Spike Jonze"
    assert "skipped 1 not film (TV series, episodes)" in result.stderr


def test_an_imdb_row_without_a_year_fails_alone(run, library, tmp_path):
    rows = [ROWS[0], [*ROWS[3][:8], "", *ROWS[3][9:]]]
    result = run("-L", library, "add", ratings(tmp_path / "ratings.csv", rows))
    assert result.exit_code == 1
    assert "ratings.csv:3: row 2: no Year" in result.stderr
    assert sorted(posts_by_title(library)) == ["Her"]
