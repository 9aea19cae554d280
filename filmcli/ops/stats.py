"""Library statistics: what `filmcli stats` reports, as a plain dict a script can use."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from filmcli.model.post import Post


def library_stats(posts: Sequence[Post], file_sizes: Sequence[int], top: int = 10) -> dict:
    """Films, directors, year span, films per decade, top directors, poster formats and bytes."""
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
    library_bytes = sum(file_sizes)
    return {
        "films": len(posts),
        "directors": len(directors),
        "without_year": len(posts) - len(years),  # missing or not a whole number
        "year_min": min(years) if years else None,
        "year_max": max(years) if years else None,
        "per_decade": {f"{d}s": decades[d] for d in sorted(decades)},
        "top_directors": [
            {"director": d, "films": n}
            for d, n in sorted(directors.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ],
        "poster_formats": dict(sorted(formats.items(), key=lambda kv: (-kv[1], kv[0]))),
        "poster_bytes": poster_bytes,
        "library_bytes": library_bytes,
        "poster_share": round(poster_bytes / library_bytes, 4) if library_bytes else 0.0,
    }
