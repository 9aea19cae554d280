"""Wikidata through the MediaWiki API (no key needed).

`action=wbsearchentities` gives `{"search": [{"id": "Q...", "label", "description"}...]}`;
`action=wbgetentities&ids=Q1|Q2&props=labels|claims` gives `{"entities": {"Q1": {"labels":
{"en": {"value"}}, "claims": {"P31": [{"mainsnak": {"datavalue": {"value": {"id":
"Q11424"}}}}]...}}}}`. Films are instances (P31) of Q11424 or a few of its subclasses;
P577 is the publication date (`"time": "+2013-12-18T00:00:00Z"`), P57 the directors,
P1476 the original title, P3383 the poster's file name on Wikimedia Commons.
"""

from __future__ import annotations

from urllib.parse import quote

from filmcli.lookup import Candidate
from filmcli.lookup.http import Client

FILM_CLASSES = {
    "Q11424",  # film
    "Q24862",  # short film
    "Q506240",  # television film
    "Q202866",  # animated film
    "Q93204",  # documentary film
    "Q226730",  # silent film
    "Q24869",  # feature film
}
LIMIT = 10


def client_for(settings: dict, user: dict, *, offline: bool, refresh: bool) -> Client:
    return Client(
        settings,
        "wikidata",
        offline=offline,
        refresh=refresh,
        hint="give --director and --year yourself, or try --provider tmdb",
    )


def _values(claims: dict, prop: str) -> list:
    out = []
    for statement in claims.get(prop) or []:
        if not isinstance(statement, dict) or statement.get("rank") == "deprecated":
            continue
        value = ((statement.get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if value is not None:
            out.append(value)
    return out


def _ids(claims: dict, prop: str) -> list[str]:
    return [
        v["id"]
        for v in _values(claims, prop)
        if isinstance(v, dict) and isinstance(v.get("id"), str)
    ]


def _year(claims: dict) -> int | None:
    years = []
    for value in _values(claims, "P577"):
        text = value.get("time") if isinstance(value, dict) else None
        if isinstance(text, str) and len(text) >= 5 and text[1:5].isdigit():
            years.append(int(text[1:5]))
    return min(years) if years else None


def _label(entity: dict) -> str | None:
    labels = entity.get("labels") or {}
    for lang in ("en", "mul", *labels):
        value = (labels.get(lang) or {}).get("value")
        if isinstance(value, str) and value:
            return value
    return None


def _entities(client: Client, api: str, ids: list[str], props: str) -> dict:
    if not ids:
        return {}
    answer = client.get_json(
        api,
        {
            "action": "wbgetentities",
            "ids": "|".join(ids),
            "props": props,
            "languages": "en",
            "format": "json",
        },
    )
    entities = answer.get("entities") if isinstance(answer, dict) else None
    if not isinstance(entities, dict):
        client._fail("unexpected answer from wbgetentities (no entities)")
    return entities


def _urls(settings: dict) -> tuple[str, str]:
    return (
        str(settings.get("wikidata_url") or "https://www.wikidata.org/w/api.php"),
        str(
            settings.get("commons_file_url")
            or "https://commons.wikimedia.org/wiki/Special:FilePath/"
        ),
    )


def _films(client: Client, settings: dict, ids: list[str]) -> list[Candidate]:
    """The films among the items `ids`, in that order, with their directors' names."""
    api, files = _urls(settings)
    entities = _entities(client, api, ids, "labels|claims")
    films = []
    for qid in ids:
        entity = entities.get(qid)
        if not isinstance(entity, dict):
            continue
        claims = entity.get("claims") or {}
        if not FILM_CLASSES.intersection(_ids(claims, "P31")):
            continue
        films.append((qid, entity, claims))
    people = _entities(
        client, api, sorted({d for _, _, c in films for d in _ids(c, "P57")}), "labels"
    )
    # Special:FilePath/NAME?width=N redirects to a thumbnail N pixels wide
    width = settings.get("_poster_width") or 0
    scale = f"?width={int(width)}" if width else ""
    out = []
    for qid, entity, claims in films:
        originals = [v.get("text") for v in _values(claims, "P1476") if isinstance(v, dict)]
        posters = [v for v in _values(claims, "P3383") if isinstance(v, str)]
        directors = [_label(people.get(d) or {}) or d for d in _ids(claims, "P57")]
        label = _label(entity) or (originals[0] if originals else qid)
        out.append(
            Candidate(
                title=str(label),  # never None: the id stands in
                original_title=originals[0] if originals else None,
                year=_year(claims),
                directors=directors,
                provider="wikidata",
                id=qid,
                poster_url=files + quote(posters[0].replace(" ", "_")) + scale if posters else None,
            )
        )
    return out


def search(client: Client, settings: dict, title: str, year: int | None) -> list[Candidate]:
    api, _ = _urls(settings)
    found = client.get_json(
        api,
        {
            "action": "wbsearchentities",
            "search": title,
            "language": "en",
            "type": "item",
            "limit": LIMIT,
            "format": "json",
        },
    )
    hits = found.get("search") if isinstance(found, dict) else None
    if not isinstance(hits, list):
        client._fail("unexpected answer from wbsearchentities (no search list)")
    ids = [h["id"] for h in hits if isinstance(h, dict) and isinstance(h.get("id"), str)]
    return _films(client, settings, ids)


def fetch(client: Client, settings: dict, qid) -> Candidate:
    """The film with this Wikidata id (`wikidata: Q3773000` in a post)."""
    text = str(qid).strip()
    if not (text[:1] in "Qq" and text[1:].isdigit()):
        client._fail(
            f"{qid!r} is not a Wikidata item id (Q and digits)",
            "fix or remove the post's wikidata: key",
        )
    found = _films(client, settings, [text.upper()])
    if not found:
        client._fail(
            f"{text.upper()} is not a film on Wikidata", "fix or remove the post's wikidata: key"
        )
    return found[0]
