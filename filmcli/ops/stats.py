"""Library statistics: what `filmcli stats` reports, as a `Stats` a script can use."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from filmcli.model.post import Post


@dataclass
class Stats:
    """What `stats` reports; `to_dict()` is its JSON (`stats --format json`)."""

    films: int
    directors: int
    without_year: int  # missing or not a whole number
    year_min: int | None
    year_max: int | None
    per_decade: dict[str, int]  # "1940s" -> films, oldest first
    top_directors: list[dict]  # {"director": name, "films": n}, most films first
    poster_formats: dict[str, int]  # "JPEG", "path", "url", "none"... -> posts, most first
    poster_bytes: int  # the embedded posters' base64 text
    library_bytes: int  # the post files' sizes
    poster_share: float
    unreadable: list = field(default_factory=list, repr=False)  # FilmcliErrors, not counted

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "unreadable"}


def file_sizes(posts: Sequence[Post]) -> list[int]:
    """The posts' file sizes in bytes (a file gone since it was read counts for nothing)."""
    sizes = []
    for post in posts:
        try:
            sizes.append(post.path.stat().st_size)
        except OSError:
            pass
    return sizes


def library_stats(
    posts: Sequence[Post],
    file_sizes: Sequence[int] | None = None,
    top: int = 10,
    *,
    unreadable: Sequence = (),
) -> Stats:
    """Films, directors, year span, films per decade, top directors, poster formats and bytes
    (`file_sizes` default: read from the posts' files)."""
    years = [p.year for p in posts if isinstance(p.year, int) and not isinstance(p.year, bool)]
    directors = Counter(
        p.director.strip() for p in posts if isinstance(p.director, str) and p.director.strip()
    )
    decades = Counter(y // 10 * 10 for y in years)
    formats: Counter = Counter()
    poster_bytes = 0
    for post in posts:
        poster = post.poster
        if poster is None:
            formats["none"] += 1
        elif poster.origin != "data":
            formats[poster.origin] += 1
        else:
            formats[poster.format or "unknown"] += 1
            poster_bytes += poster.text_size if poster.is_base64 else 0
    library_bytes = sum(_sizes(posts) if file_sizes is None else file_sizes)
    return Stats(
        films=len(posts),
        directors=len(directors),
        without_year=len(posts) - len(years),
        year_min=min(years) if years else None,
        year_max=max(years) if years else None,
        per_decade={f"{d}s": decades[d] for d in sorted(decades)},
        top_directors=[
            {"director": d, "films": n}
            for d, n in sorted(directors.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ],
        poster_formats=dict(sorted(formats.items(), key=lambda kv: (-kv[1], kv[0]))),
        poster_bytes=poster_bytes,
        library_bytes=library_bytes,
        poster_share=round(poster_bytes / library_bytes, 4) if library_bytes else 0.0,
        unreadable=list(unreadable),
    )


_sizes = file_sizes  # the parameter of library_stats shadows the function's name
