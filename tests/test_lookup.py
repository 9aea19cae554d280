"""filmcli lookup (and new --lookup, fill, add --lookup) against a real HTTP server on
127.0.0.1 shaped like TMDb's API v3 and Wikidata's MediaWiki API (tests/lookup_server.py).
Nothing is mocked and nothing leaves the machine."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from lookup_server import API_KEY, TOKEN, FakeProviders, Silent, closed_port


@pytest.fixture
def fake():
    server = FakeProviders().start()
    yield server
    server.stop()


def user_config(text: str) -> Path:
    """The user's own ~/.config/filmcli/config.toml (conftest points XDG_CONFIG_HOME at a
    private folder for each test)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "filmcli" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def point_at(url: str, *, key: str | None = API_KEY, token: str | None = None,
             wikidata: str | None = None, extra: str = "") -> Path:
    """Both providers at `url` (TMDb's base URL may only come from the user's own config)."""
    wikidata = wikidata or url
    lines = ["[lookup]", f'tmdb_url = "{url}"', f'wikidata_url = "{wikidata}/w/api.php"',
             f'commons_file_url = "{wikidata}/wiki/Special:FilePath/"',
             "requests_per_second = 1000.0", "connect_timeout = 2.0", "read_timeout = 0.5",
             "retries = 2", extra, "[tmdb]"]
    if key:
        lines.append(f'api_key = "{key}"')
    if token:
        lines.append(f'token = "{token}"')
    return user_config("\n".join(lines) + "\n")


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    monkeypatch.delenv("TMDB_TOKEN", raising=False)


def lookup_json(run, library, *args):
    result = run("-L", library, "lookup", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def one_error(result, provider: str = "tmdb") -> str:
    """Exit 1, one `error: PROVIDER: ...` line (and its hint), no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith(f"error: {provider}: "), result.stderr
    assert sum(line.startswith("error:") for line in lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert all(line.startswith(("error:", "hint:")) for line in lines), result.stderr
    return result.stderr


# --- providers: happy paths ------------------------------------------------------------


def test_tmdb_candidates_with_directors_year_and_poster_size(run, library, fake):
    point_at(fake.url)
    found = lookup_json(run, library, "Her", "--year", "2013", "--provider", "tmdb")
    assert found[0]["id"] == 152601 and found[0]["year"] == 2013
    assert found[0]["directors"] == ["Spike Jonze"] and found[0]["poster_size"] == "w500"
    assert found[0]["poster_url"] == f"{fake.url}/t/p/w500/her.jpg"
    search = [p for p in fake.state["log"] if p.startswith("/3/search/movie")]
    assert search and "query=Her" in search[0] and "year=2013" in search[0]
    table = run("-L", library, "lookup", "Her", "--year", "2013", "--provider", "tmdb")
    assert table.stdout.splitlines()[0] == "tmdb:152601\tHer\t-\t2013\tSpike Jonze\tw500"


def test_tmdb_is_the_default_with_a_key_and_several_directors_are_kept(run, library, fake):
    point_at(fake.url)
    found = lookup_json(run, library, "No Country for Old Men")
    assert found[0]["provider"] == "tmdb"
    assert found[0]["directors"] == ["Joel Coen", "Ethan Coen"]


def test_a_read_access_token_is_sent_as_a_bearer_header(run, library, fake):
    point_at(fake.url, key=None, token=TOKEN)
    found = lookup_json(run, library, "Her", "--provider", "tmdb")
    assert found[0]["id"] == 152601
    assert all("api_key" not in p for p in fake.state["log"])


def test_wikidata_films_only_with_directors_year_and_commons_poster(run, library, fake):
    point_at(fake.url, key=None)  # no key: wikidata is the default
    found = lookup_json(run, library, "Her", "--year", "2013")
    assert [c["id"] for c in found] == ["Q3773000"]  # the pronoun 'her' is no film
    her = found[0]
    assert her["provider"] == "wikidata" and her["year"] == 2013
    assert her["directors"] == ["Spike Jonze"]
    assert her["poster_url"] == f"{fake.url}/wiki/Special:FilePath/Her2013Poster.jpg"
    agent = fake.state["headers"][0]["User-Agent"]
    assert agent.startswith("filmcli/") and "(+http" in agent


@pytest.mark.parametrize("provider, old, new", [("tmdb", 11906, 361292),
                                                ("wikidata", "Q1124401", "Q29023906")])
def test_remakes_rank_the_year_asked_first(run, library, fake, provider, old, new):
    point_at(fake.url)
    found = lookup_json(run, library, "Suspiria", "--provider", provider)
    assert {c["id"] for c in found} >= {old, new}
    years = {c["id"]: c["year"] for c in found}
    assert years[old] == 1977 and years[new] == 2018
    if provider == "wikidata":  # without a year, TMDb narrows nothing: ask with one
        ranked = lookup_json(run, library, "Suspiria", "--year", "1977", "--provider",
                             provider)
        assert [c["id"] for c in ranked] == [old, new]
    ranked = lookup_json(run, library, "Suspiria", "--year", "2018", "--provider", provider)
    assert ranked[0]["id"] == new


@pytest.mark.parametrize("provider, wanted", [("tmdb", 129), ("wikidata", "Q155653")])
def test_a_title_in_another_script_matches_the_original_title(run, library, fake, provider,
                                                               wanted):
    point_at(fake.url)
    found = lookup_json(run, library, "千と千尋の神隠し", "--year", "2001", "--provider",
                        provider)
    assert found[0]["id"] == wanted
    assert found[0]["title"] == "Spirited Away"
    assert found[0]["original_title"] == "千と千尋の神隠し"
    assert found[0]["directors"] == ["Hayao Miyazaki"]


def test_cyrillic_title_on_tmdb(run, library, fake):
    point_at(fake.url)
    found = lookup_json(run, library, "Сталкер", "--provider", "tmdb")
    assert found[0]["id"] == 1398 and found[0]["poster_url"] is None
    table = run("-L", library, "lookup", "Сталкер", "--provider", "tmdb")
    assert table.stdout.splitlines()[0].split("\t")[1:3] == ["Stalker", "Сталкер"]


# --- the cache ---------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["tmdb", "wikidata"])
def test_a_second_identical_lookup_makes_no_request(run, library, fake, provider):
    point_at(fake.url)
    first = lookup_json(run, library, "Suspiria", "--year", "1977", "--provider", provider)
    before = fake.count
    assert before > 0
    again = lookup_json(run, library, "Suspiria", "--year", "1977", "--provider", provider)
    assert again == first and fake.count == before
    offline = lookup_json(run, library, "Suspiria", "--year", "1977", "--provider", provider,
                          "--offline")
    assert offline == first and fake.count == before
    lookup_json(run, library, "Suspiria", "--year", "1977", "--provider", provider,
                "--refresh")
    assert fake.count > before


def test_offline_with_nothing_cached_is_one_error(run, library, fake):
    point_at(fake.url)
    result = run("-L", library, "lookup", "Her", "--provider", "tmdb", "--offline")
    assert "--offline" in one_error(result)
    assert fake.count == 0


def test_cache_files_are_private(run, library, fake):
    point_at(fake.url)
    lookup_json(run, library, "Her", "--provider", "tmdb")
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "filmcli" / "lookup"
    files = [p for p in folder.iterdir()]
    assert files and all(p.stat().st_mode & 0o077 == 0 for p in files)
    assert folder.stat().st_mode & 0o077 == 0


# --- errors: one line each, what to do, exit 1 ------------------------------------------


def test_no_key_for_tmdb_is_one_error_line(run, library, fake):
    point_at(fake.url, key=None)
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert err.startswith("error: tmdb: no TMDb API key") and "TMDB_API_KEY" in err
    assert fake.count == 0


def test_closed_port_says_no_network(run, library):
    point_at(f"http://127.0.0.1:{closed_port()}")
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert "cannot connect" in err and "hint:" in err


def test_dns_failure(run, library):
    point_at("http://filmcli-test.invalid")
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert "cannot resolve filmcli-test.invalid" in err


def test_a_server_that_never_answers_times_out(run, library):
    silent = Silent()
    try:
        point_at(silent.url)
        started = time.monotonic()
        err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
        assert time.monotonic() - started < 5
        assert "did not answer in time" in err and "read_timeout" in err
    finally:
        silent.close()


def test_a_bad_key_is_401_and_names_the_key_to_fix(run, library, fake):
    point_at(fake.url, key="wrong-key-0000")
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert "(401)" in err and "TMDB_API_KEY" in err and "--provider wikidata" in err
    assert "wrong-key-0000" not in err


def test_404(run, library, fake):
    point_at(fake.url)
    fake.state["status"] = 404
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert "(404)" in err and "--provider wikidata" in err


@pytest.mark.parametrize("provider", ["tmdb", "wikidata"])
def test_429_twice_then_200(run, library, fake, provider):
    point_at(fake.url)
    fake.state["fail429"] = 2
    found = lookup_json(run, library, "Suspiria", "--provider", provider)
    assert found and fake.state["fail429"] == 0
    assert fake.count >= 3


def test_429_beyond_the_retries(run, library, fake):
    point_at(fake.url)  # retries = 2: three tries
    fake.state["fail429"] = 3
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert "429" in err and "after 3 tries" in err and "wait" in err
    assert fake.count == 3


def test_retry_after_is_honoured(run, library, fake):
    point_at(fake.url)
    fake.state["fail429"] = 1
    fake.state["retry_after"] = "1"
    started = time.monotonic()
    lookup_json(run, library, "Her", "--provider", "tmdb")
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("provider", ["tmdb", "wikidata"])
def test_malformed_json(run, library, fake, provider):
    point_at(fake.url)
    fake.state["malformed"] = True
    err = one_error(run("-L", library, "lookup", "Her", "--provider", provider), provider)
    assert "not valid JSON" in err
    fake.state["malformed"] = False  # a bad answer was not cached
    assert lookup_json(run, library, "Her", "--provider", provider)


def test_a_tmdb_url_from_the_librarys_own_config_never_gets_the_key(run, library, fake):
    user_config(f'[tmdb]\napi_key = "{API_KEY}"\n')
    (library / "filmcli.toml").write_text(f'[lookup]\ntmdb_url = "{fake.url}"\n')
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert "the key is not sent there" in err
    assert fake.count == 0


# --- the key is secret -----------------------------------------------------------------


def test_the_key_is_never_printed_logged_or_in_a_cache_file(run, library, fake, monkeypatch):
    monkeypatch.setenv("TMDB_API_KEY", API_KEY)
    point_at(fake.url, key=None)
    outputs = []
    for status, title in ((None, "Her"), (None, "Suspiria"), (404, "Black Swan")):
        fake.state["status"] = status
        result = run("--debug", "-L", library, "lookup", title, "--provider", "tmdb")
        outputs += [result.stdout, result.stderr]
    fake.state["status"] = None
    point_at(f"http://127.0.0.1:{closed_port()}", key=None)
    result = run("--debug", "-L", library, "lookup", "Nope", "--provider", "tmdb")
    outputs += [result.stdout, result.stderr]
    assert all(API_KEY not in text for text in outputs)
    cache = Path(os.environ["XDG_CACHE_HOME"])
    for path in cache.rglob("*"):
        assert API_KEY not in str(path)
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes()
    assert any("api_key=" in p for p in fake.state["log"])  # it was sent, to the API only
