"""A real HTTP server on 127.0.0.1 that answers as TMDb (API v3) and Wikidata (MediaWiki
API) do, for the lookup tests: nothing leaves the machine, nothing in the client is mocked.

The shapes follow the providers' documentation:
- TMDb `GET /3/search/movie?query=&year=`: `{"page", "results": [Movie List Result],
  "total_pages", "total_results"}`; `GET /3/movie/{id}?append_to_response=credits`: the
  movie's details plus `"credits": {"id", "cast": [...], "crew": [{"job", "department",
  "name"...}]}`; `GET /3/configuration`: `{"images": {"base_url", "secure_base_url",
  "poster_sizes"...}, "change_keys"}`; errors `{"status_code", "status_message",
  "success": false}` with HTTP 401 (bad key, status_code 7) and 404 (status_code 34).
- Wikidata `action=wbsearchentities`: `{"searchinfo", "search": [{"id", "label",
  "description", "match"...}], "success": 1}`; `action=wbgetentities&ids=Q1|Q2`:
  `{"entities": {"Q1": {"type": "item", "id", "labels", "claims": {"P31": [statement]...}}},
  "success": 1}`; Commons' `Special:FilePath/NAME` redirects to the file itself.

`FakeProviders.state` counts requests (`count`, `log` of paths) and takes faults:
`fail429` (answer 429 that many times, then normally), `status` (force an HTTP status),
`malformed` (JSON that does not parse), `poster` ("html" for a web page, "big" for an
image over the size limit), `hang` is a separate server that never answers.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

API_KEY = "k3y-s3cr3t-0123456789abcdef"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.t0ken-s3cr3t"


def jpeg(width: int, height: int, colour=(200, 30, 40), exif: bool = False) -> bytes:
    from PIL import Image

    im = Image.new("RGB", (width, height), colour)
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0112] = 1
        extra["exif"] = data.tobytes()
    im.save(out, "JPEG", quality=80, **extra)
    return out.getvalue()


def _movie(mid, title, original, date, poster, directors, lang="en"):
    return {
        "adult": False,
        "backdrop_path": None,
        "genre_ids": [18],
        "id": mid,
        "original_language": lang,
        "original_title": original,
        "overview": "",
        "popularity": 10.0,
        "poster_path": poster,
        "release_date": date,
        "title": title,
        "video": False,
        "vote_average": 7.5,
        "vote_count": 1000,
        "_directors": directors,
    }


TMDB_MOVIES = [
    {
        **_movie(152601, "Her", "Her", "2013-12-18", "/her.jpg", ["Spike Jonze"]),
        "_imdb": "tt1798709",
    },
    _movie(11906, "Suspiria", "Suspiria", "1977-02-01", "/suspiria77.jpg", ["Dario Argento"], "it"),
    _movie(361292, "Suspiria", "Suspiria", "2018-10-26", "/suspiria18.jpg", ["Luca Guadagnino"]),
    _movie(
        129,
        "Spirited Away",
        "千と千尋の神隠し",
        "2001-07-20",
        "/spirited.jpg",
        ["Hayao Miyazaki"],
        "ja",
    ),
    _movie(1398, "Stalker", "Сталкер", "1979-05-25", None, ["Andrei Tarkovsky"], "ru"),
    _movie(44214, "Black Swan", "Black Swan", "2010-12-03", "/swan.jpg", ["Darren Aronofsky"]),
    _movie(3000, "Her Smell", "Her Smell", "2019-04-12", None, ["Alex Ross Perry"]),
    _movie(
        12,
        "No Country for Old Men",
        "No Country for Old Men",
        "2007-11-09",
        "/ncfom.jpg",
        ["Joel Coen", "Ethan Coen"],
    ),
]


def _statement(prop, value, kind="wikibase-item"):
    if kind == "wikibase-item":
        datavalue = {
            "value": {"entity-type": "item", "numeric-id": int(value[1:]), "id": value},
            "type": "wikibase-entityid",
        }
    elif kind == "time":
        datavalue = {
            "value": {
                "time": f"+{value}T00:00:00Z",
                "timezone": 0,
                "before": 0,
                "after": 0,
                "precision": 11,
                "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
            },
            "type": "time",
        }
    elif kind == "monolingualtext":
        datavalue = {"value": {"text": value[0], "language": value[1]}, "type": "monolingualtext"}
    else:
        datavalue = {"value": value, "type": "string"}
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": prop,
            "datavalue": datavalue,
            "datatype": kind if kind != "string" else "commonsMedia",
        },
        "type": "statement",
        "id": f"{prop}$x",
        "rank": "normal",
    }


def _film(qid, label, dates, directors, poster=None, original=None, kind="Q11424", aliases=()):
    claims = {
        "P31": [_statement("P31", kind)],
        "P577": [_statement("P577", d, "time") for d in dates],
        "P57": [_statement("P57", d) for d in directors],
    }
    if poster:
        claims["P3383"] = [_statement("P3383", poster, "string")]
    if original:
        claims["P1476"] = [_statement("P1476", original, "monolingualtext")]
    return {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": label}},
        "aliases": list(aliases),
        "claims": claims,
    }


WIKIDATA = {
    "Q3773000": _film(
        "Q3773000", "Her", ["2013-10-12", "2013-12-18"], ["Q363988"], "Her2013Poster.jpg"
    ),
    "Q1091398": {
        "type": "item",
        "id": "Q1091398",  # not a film: a pronoun
        "labels": {"en": {"language": "en", "value": "her"}},
        "claims": {"P31": [_statement("P31", "Q36224")]},
    },
    "Q1124401": _film(
        "Q1124401", "Suspiria", ["1977-02-01"], ["Q53009"], "Suspiria77.jpg", ("Suspiria", "it")
    ),
    "Q29023906": _film("Q29023906", "Suspiria", ["2018-09-01"], ["Q451908"]),
    "Q155653": _film(
        "Q155653",
        "Spirited Away",
        ["2001-07-20"],
        ["Q55400"],
        "Spirited Away Japanese poster.png",
        ("千と千尋の神隠し", "ja"),
        kind="Q202866",
        aliases=("千と千尋の神隠し",),
    ),
    "Q363988": {
        "type": "item",
        "id": "Q363988",
        "labels": {"en": {"language": "en", "value": "Spike Jonze"}},
        "claims": {},
    },
    "Q53009": {
        "type": "item",
        "id": "Q53009",
        "labels": {"en": {"language": "en", "value": "Dario Argento"}},
        "claims": {},
    },
    "Q451908": {
        "type": "item",
        "id": "Q451908",
        "labels": {"en": {"language": "en", "value": "Luca Guadagnino"}},
        "claims": {},
    },
    "Q55400": {
        "type": "item",
        "id": "Q55400",
        "labels": {"en": {"language": "en", "value": "Hayao Miyazaki"}},
        "claims": {},
    },
}


def _match(query: str, *names) -> bool:
    q = query.casefold()
    return any(q in str(n or "").casefold() for n in names)


class FakeProviders:
    """Start with `start()`, stop with `stop()`; `url` is the server's base address."""

    def __init__(self):
        self.state = {
            "count": 0,
            "log": [],
            "headers": [],
            "fail429": 0,
            "status": None,
            "malformed": False,
            "poster": None,
            "retry_after": "0",
        }
        self.images = {
            "her.jpg": jpeg(600, 900, (10, 120, 200), exif=True),
            "suspiria77.jpg": jpeg(300, 450, (200, 0, 0)),
            "suspiria18.jpg": jpeg(300, 450, (0, 0, 0)),
            "spirited.jpg": jpeg(300, 450, (0, 200, 0)),
            "swan.jpg": jpeg(300, 450, (250, 250, 250)),
            "ncfom.jpg": jpeg(300, 450, (120, 100, 60)),
            "Her2013Poster.jpg": jpeg(500, 750, (10, 120, 200)),
            "Suspiria77.jpg": jpeg(300, 450, (200, 0, 0)),
            "Spirited_Away_Japanese_poster.png": jpeg(300, 450, (0, 200, 0)),
        }
        self.big = jpeg(2400, 3600, (1, 2, 3))
        self._httpd = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner._answer(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # a client that went away
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def count(self) -> int:
        return self.state["count"]

    # --- answering -----------------------------------------------------------------

    def _send(self, handler, status, body: bytes, ctype="application/json", headers=()):
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _json(self, handler, status, obj):
        self._send(handler, status, json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def _answer(self, handler):
        state = self.state
        state["count"] += 1
        if state.get("delay"):
            import time

            time.sleep(state["delay"])
        parsed = urlparse(handler.path)
        state["log"].append(handler.path)
        state["headers"].append(dict(handler.headers))
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        if state["fail429"]:
            state["fail429"] -= 1
            body = {
                "status_code": 25,
                "success": False,
                "status_message": "Your request count is over the allowed limit.",
            }
            self._send(
                handler,
                429,
                json.dumps(body).encode(),
                headers=[("Retry-After", state["retry_after"])],
            )
            return
        path = unquote(parsed.path)
        if state.get("drip"):  # a byte now and then: never a read timeout, never done
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            import time

            for _ in range(600):
                try:
                    handler.wfile.write(b" ")
                    handler.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
            return
        if path.startswith("/3/"):
            self._tmdb(handler, path, query)
        elif path == "/w/api.php":
            self._wikidata(handler, query)
        elif path.startswith("/wiki/Special:FilePath/"):
            name = path.rsplit("/", 1)[-1].replace(" ", "_")
            handler.send_response(302)
            handler.send_header("Location", f"{self.url}/images/{name}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif path.startswith(("/t/p/", "/images/")):
            self._image(handler, path.rsplit("/", 1)[-1])
        else:
            self._send(handler, 404, b"not found", "text/plain")

    def _image(self, handler, name):
        mode = self.state["poster"]
        if mode == "html":
            self._send(
                handler,
                200,
                b"<!doctype html><html><body>Sign in</body></html>",
                "text/html; charset=utf-8",
            )
        elif mode == "big":
            self._send(handler, 200, self.big, "image/jpeg")
        elif mode == "big-chunked":  # no Content-Length: cut off while streaming
            handler.send_response(200)
            handler.send_header("Content-Type", "image/jpeg")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            for start in range(0, len(self.big), 4096):
                piece = self.big[start : start + 4096]
                try:
                    handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                except OSError:
                    return
            handler.wfile.write(b"0\r\n\r\n")
        elif name in self.images:
            self._send(handler, 200, self.images[name], "image/jpeg")
        else:
            self._send(handler, 404, b"no such file", "text/plain")

    def _tmdb(self, handler, path, query):
        state = self.state
        auth = handler.headers.get("Authorization")
        if query.get("api_key") != API_KEY and auth != f"Bearer {TOKEN}":
            self._json(
                handler,
                401,
                {
                    "status_code": 7,
                    "success": False,
                    "status_message": "Invalid API key: You must be granted a valid key.",
                },
            )
            return
        if state["status"]:
            self._json(
                handler,
                state["status"],
                {
                    "status_code": 34,
                    "success": False,
                    "status_message": "The resource you requested could not be found.",
                },
            )
            return
        if state["malformed"]:
            self._send(handler, 200, b'{"page": 1, "results": [{"id": 15')
            return
        if path == "/3/configuration":
            self._json(
                handler,
                200,
                {
                    "images": {
                        "base_url": f"{self.url}/t/p/",
                        "secure_base_url": f"{self.url}/t/p/",
                        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
                        "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
                        "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
                        "profile_sizes": ["w45", "w185", "h632", "original"],
                        "still_sizes": ["w92", "w185", "w300", "original"],
                    },
                    "change_keys": ["adult", "title", "release_dates"],
                },
            )
        elif path == "/3/search/movie":
            text, year = query.get("query", ""), query.get("year")
            found = [
                {k: v for k, v in m.items() if not k.startswith("_")}
                for m in TMDB_MOVIES
                if _match(text, m["title"], m["original_title"])
                and (not year or m["release_date"].startswith(year))
            ]
            self._json(
                handler,
                200,
                {"page": 1, "results": found, "total_pages": 1, "total_results": len(found)},
            )
        elif path.startswith("/3/find/"):
            wanted = path.rsplit("/", 1)[-1]
            found = [
                {k: v for k, v in m.items() if not k.startswith("_")}
                for m in TMDB_MOVIES
                if m.get("_imdb") == wanted and query.get("external_source") == "imdb_id"
            ]
            self._json(
                handler,
                200,
                {
                    "movie_results": found,
                    "person_results": [],
                    "tv_results": [],
                    "tv_episode_results": [],
                    "tv_season_results": [],
                },
            )
        elif path.startswith("/3/movie/"):
            mid = path.rsplit("/", 1)[-1]
            movie = next((m for m in TMDB_MOVIES if str(m["id"]) == mid), None)
            if movie is None:
                self._json(
                    handler,
                    404,
                    {
                        "status_code": 34,
                        "success": False,
                        "status_message": "The resource you requested could not be found.",
                    },
                )
                return
            details = {k: v for k, v in movie.items() if not k.startswith("_")}
            details.update(
                {"runtime": 120, "status": "Released", "tagline": "", "imdb_id": movie.get("_imdb")}
            )
            if "credits" in query.get("append_to_response", ""):
                details["credits"] = {
                    "id": movie["id"],
                    "cast": [
                        {
                            "id": 1,
                            "name": "An Actor",
                            "character": "Someone",
                            "known_for_department": "Acting",
                            "order": 0,
                        }
                    ],
                    "crew": [
                        {
                            "id": 2,
                            "name": "A Producer",
                            "job": "Producer",
                            "department": "Production",
                            "known_for_department": "Production",
                        }
                    ]
                    + [
                        {
                            "id": 100 + n,
                            "name": name,
                            "job": "Director",
                            "department": "Directing",
                            "known_for_department": "Directing",
                            "credit_id": f"c{n}",
                        }
                        for n, name in enumerate(movie["_directors"])
                    ],
                }
            self._json(handler, 200, details)
        else:
            self._json(
                handler,
                404,
                {
                    "status_code": 34,
                    "success": False,
                    "status_message": "The resource you requested could not be found.",
                },
            )

    def _wikidata(self, handler, query):
        state = self.state
        if state["status"]:
            self._send(handler, state["status"], b"error", "text/plain")
            return
        if state["malformed"]:
            self._send(handler, 200, b"<html>not json</html>", "application/json")
            return
        action = query.get("action")
        if action == "wbsearchentities":
            text = query.get("search", "")
            hits = [
                {
                    "id": qid,
                    "title": qid,
                    "pageid": 1,
                    "repository": "wikidata",
                    "url": f"//www.wikidata.org/wiki/{qid}",
                    "concepturi": f"http://www.wikidata.org/entity/{qid}",
                    "label": e["labels"]["en"]["value"],
                    "description": "",
                    "match": {"type": "label", "language": "en", "text": text},
                }
                for qid, e in WIKIDATA.items()
                if e.get("claims", {}).get("P31")
                and _match(text, e["labels"]["en"]["value"], *e.get("aliases", ()))
            ]
            hits = [h for h in hits if h["label"].casefold() == text.casefold()] + [
                h for h in hits if h["label"].casefold() != text.casefold()
            ]
            self._json(handler, 200, {"searchinfo": {"search": text}, "search": hits, "success": 1})
        elif action == "wbgetentities":
            ids = query.get("ids", "").split("|")
            entities = {}
            for qid in ids:
                entity = WIKIDATA.get(qid)
                if entity is None:
                    entities[qid] = {"id": qid, "missing": ""}
                    continue
                entity = {k: v for k, v in entity.items() if k != "aliases"}
                if "claims" not in query.get("props", "claims"):
                    entity.pop("claims", None)
                entities[qid] = entity
            self._json(handler, 200, {"entities": entities, "success": 1})
        else:
            self._json(handler, 400, {"error": {"code": "badvalue"}})


def closed_port() -> int:
    """A port nothing listens on (connections are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Silent:
    """A server that accepts connections and never answers (for read timeouts)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self):
        self.sock.close()
