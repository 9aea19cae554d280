"""TMDb (The Movie Database) API v3.

`GET /3/search/movie?query=&year=` gives `{"page", "results": [{"id", "title",
"original_title", "release_date": "YYYY-MM-DD", "poster_path"}...], "total_pages",
"total_results"}`; `GET /3/movie/{id}?append_to_response=credits` adds
`"credits": {"cast": [...], "crew": [{"job": "Director", "name"}...]}`;
`GET /3/configuration` gives `"images": {"secure_base_url", "poster_sizes"}`.
"""

from __future__ import annotations

from filmcli.lookup import Candidate, tmdb_credentials
from filmcli.lookup.http import Client, LookupFailed

YEAR_FILTERS = True  # search/movie's year= leaves other years out
DETAILS = 5  # how many search results get a details request (for their directors)
DEFAULT_URL = "https://api.themoviedb.org"


def client_for(settings: dict, user: dict, *, offline: bool, refresh: bool) -> Client:
    key, token = tmdb_credentials(user)
    if not key and not token:
        raise LookupFailed(
            "tmdb",
            "no TMDb API key or read access token",
            "set TMDB_API_KEY or TMDB_TOKEN, or put [tmdb] api_key in "
            "~/.config/filmcli/config.toml (see the README); or try "
            "--provider wikidata",
        )
    url = str(settings.get("tmdb_url") or DEFAULT_URL).rstrip("/")
    if url != DEFAULT_URL and "tmdb_url" not in settings.get("_user_keys", ()):
        # A library's filmcli.toml often comes from someone else: it may not send
        # your key to another host.
        raise LookupFailed(
            "tmdb",
            "lookup.tmdb_url in filmcli.toml points away from "
            "api.themoviedb.org; the key is not sent there",
            "set lookup.tmdb_url in ~/.config/filmcli/config.toml instead",
        )
    headers, secret = {}, {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    else:
        secret["api_key"] = key
    return Client(
        settings,
        "tmdb",
        offline=offline,
        refresh=refresh,
        secret_headers=headers,
        secret_params=secret,
        secret_base=f"{url}/3/",
        hint="try --provider wikidata, or give --director and --year yourself",
    )


def _year(date) -> int | None:
    text = str(date or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def _as_dict(value, client: Client, what: str) -> dict:
    if not isinstance(value, dict):
        client._fail(f"unexpected answer for {what} (not a JSON object)")
    return value


def _posters(client: Client, base: str, settings: dict) -> tuple[str | None, str]:
    """The image base URL and the poster size to use, from `GET /3/configuration`."""
    images = (
        _as_dict(client.get_json(f"{base}/3/configuration"), client, "the configuration").get(
            "images"
        )
        or {}
    )
    poster_base = images.get("secure_base_url") or images.get("base_url")
    sizes = images.get("poster_sizes") or []
    size = str(settings.get("tmdb_poster_size") or "w500")
    if sizes and size not in sizes:
        size = "original" if "original" in sizes else sizes[-1]
    return (poster_base if isinstance(poster_base, str) else None), size


def _details(client: Client, base: str, movie_id: int) -> dict:
    return _as_dict(
        client.get_json(f"{base}/3/movie/{movie_id}", {"append_to_response": "credits"}),
        client,
        "a film's details",
    )


def _candidate(item: dict, details: dict | None, posters: tuple[str | None, str]) -> Candidate:
    directors: list[str] = []
    if details is not None:
        crew = (details.get("credits") or {}).get("crew") or []
        directors = [
            c["name"]
            for c in crew
            if isinstance(c, dict) and c.get("job") == "Director" and isinstance(c.get("name"), str)
        ]
        item = {**item, **{k: v for k, v in details.items() if k != "credits"}}
    poster_base, size = posters
    path = item.get("poster_path")
    poster = (
        f"{poster_base.rstrip('/')}/{size}{path}"
        if poster_base and isinstance(path, str) and path.startswith("/")
        else None
    )
    return Candidate(
        title=str(item.get("title") or item.get("original_title") or ""),
        original_title=item.get("original_title"),
        year=_year(item.get("release_date")),
        directors=directors,
        provider="tmdb",
        id=int(item["id"]),
        poster_url=poster,
        poster_size=size if poster else None,
    )


def search(client: Client, settings: dict, title: str, year: int | None) -> list[Candidate]:
    base = str(settings.get("tmdb_url") or DEFAULT_URL).rstrip("/")
    found = _as_dict(
        client.get_json(f"{base}/3/search/movie", {"query": title, "year": year}),
        client,
        "the search",
    )
    results = found.get("results")
    if not isinstance(results, list):
        client._fail("unexpected answer for the search (no results list)")
    posters = _posters(client, base, settings)
    out = []
    for n, item in enumerate(
        r for r in results if isinstance(r, dict) and isinstance(r.get("id"), int)
    ):
        # the first few get a details request, for their directors
        details = _details(client, base, item["id"]) if n < DETAILS else None
        out.append(_candidate(item, details, posters))
    return out


def fetch(client: Client, settings: dict, movie_id) -> Candidate:
    """The film with this TMDb id (`tmdb: 152601` in a post)."""
    if isinstance(movie_id, bool) or not str(movie_id).isdigit():
        client._fail(
            f"{movie_id!r} is not a TMDb film id (a whole number)",
            "fix or remove the post's tmdb: key",
        )
    base = str(settings.get("tmdb_url") or DEFAULT_URL).rstrip("/")
    details = _details(client, base, int(movie_id))
    if not isinstance(details.get("id"), int):
        client._fail("unexpected answer for a film's details (no id)")
    return _candidate(details, details, _posters(client, base, settings))


def find_imdb(client: Client, settings: dict, imdb_id: str) -> Candidate | None:
    """The film with this IMDb id (`imdb: tt1798709`), through
    `GET /3/find/{id}?external_source=imdb_id` (`{"movie_results": [...], "tv_results"...}`);
    None when TMDb knows no film by it."""
    base = str(settings.get("tmdb_url") or DEFAULT_URL).rstrip("/")
    found = _as_dict(
        client.get_json(f"{base}/3/find/{imdb_id}", {"external_source": "imdb_id"}), client, "find"
    )
    movies = [
        m
        for m in found.get("movie_results") or []
        if isinstance(m, dict) and isinstance(m.get("id"), int)
    ]
    return fetch(client, settings, movies[0]["id"]) if movies else None
