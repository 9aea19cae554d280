"""filmcli lookup against a real HTTP server on 127.0.0.1 shaped like Wikidata's API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

ENTITIES = {
    "Q1": {"id": "Q1", "labels": {"en": {"language": "en", "value": "Suspiria"}},
           "claims": {"P31": [{"mainsnak": {"datavalue": {"value": {"id": "Q11424"}}}}],
                      "P577": [{"mainsnak": {"datavalue": {"value": {
                          "time": "+1977-02-01T00:00:00Z"}}}}],
                      "P57": [{"mainsnak": {"datavalue": {"value": {"id": "Q9"}}}}]}},
    "Q2": {"id": "Q2", "labels": {"en": {"language": "en", "value": "Suspiria"}},
           "claims": {"P31": [{"mainsnak": {"datavalue": {"value": {"id": "Q11424"}}}}],
                      "P577": [{"mainsnak": {"datavalue": {"value": {
                          "time": "+2018-09-01T00:00:00Z"}}}}]}},
    "Q9": {"id": "Q9", "labels": {"en": {"language": "en", "value": "Dario Argento"}}},
}


@pytest.fixture
def server():
    state = {"count": 0, "fail": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            state["count"] += 1
            if state["fail"]:
                state["fail"] -= 1
                self.send_response(429)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            if q.get("action") == "wbsearchentities":
                body = {"search": [{"id": "Q2", "label": "Suspiria"},
                                   {"id": "Q1", "label": "Suspiria"}]}
            else:
                body = {"entities": {i: ENTITIES[i] for i in q["ids"].split("|")}}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/w/api.php"
    yield state
    httpd.shutdown()


def _lib(library, url):
    (library / "filmcli.toml").write_text(
        f'[lookup]\nwikidata_url = "{url}"\nrequests_per_second = 1000.0\n')
    return library


def test_remakes_ranked_by_year_and_second_lookup_is_cached(run, library, server, monkeypatch):
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    monkeypatch.delenv("TMDB_TOKEN", raising=False)
    _lib(library, server["url"])
    result = run("-L", library, "lookup", "Suspiria", "--year", "1977", "--format", "json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert [(c["id"], c["year"]) for c in found] == [("Q1", 1977), ("Q2", 2018)]
    assert found[0]["directors"] == ["Dario Argento"]
    before = server["count"]
    again = run("-L", library, "lookup", "Suspiria", "--year", "1977", "--format", "json")
    assert again.stdout == result.stdout and server["count"] == before


def test_429_twice_then_200(run, library, server):
    _lib(library, server["url"])
    server["fail"] = 2
    result = run("-L", library, "lookup", "Suspiria", "--provider", "wikidata")
    assert result.exit_code == 0, result.stderr
    assert "wikidata:Q2\tSuspiria" in result.stdout


def test_no_key_for_tmdb_is_one_error_line(run, library, monkeypatch):
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    monkeypatch.delenv("TMDB_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(library / "nocfg"))
    result = run("-L", library, "lookup", "Her", "--provider", "tmdb")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: tmdb: no TMDb API key")
