"""Looking films up: director, year and poster from TMDb or Wikidata.

Each provider is a module with `search(client, settings, title, year) -> list[Candidate]`,
`fetch(client, settings, id) -> Candidate` and `client_for(settings, ...)`; a `Session`
holds one for a command, ranks its answers (`rank`) and `choose`s among them.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from filmcli.errors import FilmcliError, UsageError

PROVIDERS = ("tmdb", "wikidata")


@dataclass
class Candidate:
    title: str
    original_title: str | None
    year: int | None
    directors: list[str] = field(default_factory=list)
    provider: str = ""
    id: str | int = ""
    poster_url: str | None = None
    poster_size: str | None = None  # "w500", "1000×1500"... when known

    @property
    def source(self) -> dict:
        """What the post records: `tmdb: 152601` or `wikidata: Q3773000`."""
        return {self.provider: self.id}

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        year = self.year if self.year is not None else "?"
        who = ", ".join(self.directors) or "director unknown"
        other = (
            f" [{self.original_title}]"
            if self.original_title and self.original_title != self.title
            else ""
        )
        return f"{self.title}{other} ({year}), {who} - {self.provider} {self.id}"


def _norm(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold().strip()


def exact_title(candidate: Candidate, title: str) -> bool:
    wanted = _norm(title)
    return wanted in (_norm(candidate.title), _norm(candidate.original_title))


def rank(candidates: list[Candidate], title: str, year: int | None) -> list[Candidate]:
    """Exact title and year first, then exact title, then the provider's own order."""

    def score(item):
        index, c = item
        exact = exact_title(c, title)
        if exact and year is not None and c.year == year:
            return (0, index)
        return (1 if exact else 2, index)

    return [c for _, c in sorted(enumerate(candidates), key=score)]


def exact_matches(
    candidates: list[Candidate], title: str, year: int | None, director: str | None = None
) -> list[Candidate]:
    out = [c for c in candidates if exact_title(c, title) and (year is None or c.year == year)]
    if director:
        out = [c for c in out if _norm(director) in {_norm(d) for d in c.directors}]
    return out


class NoMatch(FilmcliError):
    """No candidate, or several and no one to choose: exit 1, the candidates listed."""

    def __init__(
        self, provider: str, message: str, candidates: list[Candidate], hint: str | None = None
    ):
        super().__init__(message, provider, hint=hint)
        self.candidates = candidates
        self.details = [f"  {n}. {c.describe()}" for n, c in enumerate(candidates, 1)]


def choose(
    candidates: list[Candidate],
    title: str,
    year: int | None,
    *,
    director: str | None = None,
    provider: str = "",
    ask=None,
    hint: str | None = None,
) -> Candidate | None:
    """The candidate a lookup takes: the exact match (title, and year when known; the
    director when that leaves several) when it is the only one; else `ask(candidates)`
    (a terminal's choice; None for none of them); else NoMatch with the candidates."""
    exact = exact_matches(candidates, title, year)
    if len(exact) > 1 and director:  # the director tells remakes apart, never vetoes one
        exact = exact_matches(exact, title, year, director) or exact
    if len(exact) == 1:
        return exact[0]
    if candidates and ask is not None:
        return ask(candidates)
    shown = f"{title!r}" + (f" ({year})" if year is not None else "")
    if not candidates:
        raise NoMatch(
            provider,
            f"no film called {shown} found",
            [],
            hint="check the title, try another --provider, or give --director, "
            "--year and --poster yourself",
        )
    what = (
        f"{len(exact)} films match {shown} exactly"
        if exact
        else f"no exact match for {shown} among {len(candidates)} candidates"
    )
    raise NoMatch(
        provider,
        what,
        exact or candidates,
        hint=hint or "give --year (or --director) to tell them apart, or give the fields yourself",
    )


def fields_from(session: Session, candidate: Candidate, wanted) -> dict:
    """The front matter a candidate gives for the keys in `wanted` (director, year,
    poster), and the key that records where it came from (`tmdb: 152601`). The poster is
    downloaded and goes through the same pipeline as `new --poster`."""
    out: dict = {}
    if "director" in wanted and candidate.directors:
        out["director"] = ", ".join(candidate.directors)
    if "year" in wanted and candidate.year is not None:
        out["year"] = candidate.year
    if "poster" in wanted and candidate.poster_url:
        from filmcli.posters.prepare import prepare_for

        data = session.poster(candidate)
        if data is not None:
            out["poster"] = prepare_for(session.config, data, session.name)
    out.update(candidate.source)
    return out


# --- the user's own settings (never the library's filmcli.toml) ---------------------
# config.user_config reads $XDG_CONFIG_HOME/filmcli/config.toml ({} without one).


def tmdb_credentials(user: dict | None = None) -> tuple[str | None, str | None]:
    """(api_key, token) from TMDB_API_KEY / TMDB_TOKEN, else ~/.config/filmcli/config.toml."""
    key = os.environ.get("TMDB_API_KEY") or None
    token = os.environ.get("TMDB_TOKEN") or None
    if key or token:
        return key, token
    if user is None:
        from filmcli.store.config import user_config

        user = user_config()
    table = user.get("tmdb", {})
    if not isinstance(table, dict):
        return None, None
    key = table.get("api_key") if isinstance(table.get("api_key"), str) else None
    token = table.get("token") if isinstance(table.get("token"), str) else None
    return key or None, token or None


def settings_for(config: dict, user: dict) -> dict:
    """lookup.* from filmcli.toml, overridden by the user's own [lookup] table."""
    from dataclasses import asdict

    from filmcli.store.config import settings_of

    settings = settings_of(config)
    out = asdict(settings.lookup)
    mine = user.get("lookup", {})
    if isinstance(mine, dict):
        out.update(mine)
    out["_user_keys"] = set(mine) if isinstance(mine, dict) else set()
    # a provider that can scale its images asks for no more than the post keeps
    out["_poster_width"] = settings.poster.max_width
    return out


def choose_provider(name: str | None, settings: dict, user: dict) -> str:
    chosen = (name or settings.get("provider") or "").strip().lower()
    if not chosen:
        key, token = tmdb_credentials(user)
        chosen = "tmdb" if key or token else "wikidata"
    if chosen not in PROVIDERS:
        raise UsageError(f"unknown --provider {chosen!r}", hint="choose tmdb or wikidata")
    return chosen


class Session:
    """One provider with its HTTP client, for a whole command."""

    def __init__(
        self,
        config: dict,
        provider: str | None = None,
        *,
        offline: bool = False,
        refresh: bool = False,
    ):
        from filmcli.store.config import user_config

        user = user_config()
        self.config = config
        self.settings = settings_for(config, user)
        self.name = choose_provider(provider, self.settings, user)
        from filmcli.store.config import settings_of

        settings = settings_of(config)
        self.poster_limits = (settings.poster.max_download_bytes, settings.validate.max_pixels)
        import importlib

        module = importlib.import_module(f"filmcli.lookup.{self.name}")  # tmdb or wikidata
        self.module = module
        self.client = module.client_for(self.settings, user, offline=offline, refresh=refresh)

    def search(self, title: str, year: int | None = None) -> list[Candidate]:
        if not isinstance(title, str) or not title.strip():
            raise UsageError("give a title to look up")
        found = self.module.search(self.client, self.settings, title.strip(), year)
        if (
            year is not None
            and getattr(self.module, "YEAR_FILTERS", False)
            and not exact_matches(found, title, year)
        ):
            # a year one off (a festival, the country's release): show the others too
            seen = {c.id for c in found}
            found += [
                c
                for c in self.module.search(self.client, self.settings, title.strip(), None)
                if c.id not in seen
            ]
        return rank(found, title, year)

    def fetch(self, provider_id) -> Candidate:
        """The one film a post's `tmdb:`/`wikidata:` key names: no search, no choice."""
        return self.module.fetch(self.client, self.settings, provider_id)

    def known(self, fields) -> Candidate | None:
        """The film a post (or record) already names: its `tmdb:`/`wikidata:` key, or for
        TMDb its `imdb:` key; None when it names none (then it is searched by title)."""
        recorded = fields.get(self.name)
        if (
            recorded is not None
            and not isinstance(recorded, (dict, list))
            and str(recorded).strip()
        ):
            return self.fetch(recorded)
        imdb = fields.get("imdb")
        finder = getattr(self.module, "find_imdb", None)
        if finder and isinstance(imdb, str) and re.fullmatch(r"tt\d{5,10}", imdb.strip()):
            return finder(self.client, self.settings, imdb.strip())
        return None

    def poster(self, candidate: Candidate) -> bytes | None:
        if not candidate.poster_url:
            return None
        max_bytes, max_pixels = self.poster_limits
        return self.client.get_image(
            candidate.poster_url, max_bytes=max_bytes, max_pixels=max_pixels
        )

    def close(self) -> None:
        self.client.close()


class Candidates(list):
    """The candidates a lookup found, best first (a list of Candidate); `.provider` names
    the provider asked, even when it found none."""

    def __init__(self, items=(), provider: str = ""):
        super().__init__(items)
        self.provider = provider


def search(
    config: dict,
    title: str,
    year: int | None = None,
    *,
    provider: str | None = None,
    offline: bool = False,
    refresh: bool = False,
) -> Candidates:
    """`filmcli lookup`: the candidates one provider gives for `title` (and `year`)."""
    session = Session(config, provider, offline=offline, refresh=refresh)
    try:
        return Candidates(session.search(title, year), session.name)
    finally:
        session.close()
