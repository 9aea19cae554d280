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
from terminal import terminal_env  # the `terminal` fixture (tmux) is in conftest


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


def point_at(
    url: str,
    *,
    key: str | None = API_KEY,
    token: str | None = None,
    wikidata: str | None = None,
    extra: str = "",
) -> Path:
    """Both providers at `url` (TMDb's base URL may only come from the user's own config)."""
    wikidata = wikidata or url
    lines = [
        "[lookup]",
        f'tmdb_url = "{url}"',
        f'wikidata_url = "{wikidata}/w/api.php"',
        f'commons_file_url = "{wikidata}/wiki/Special:FilePath/"',
        "requests_per_second = 1000.0",
        "connect_timeout = 2.0",
        "read_timeout = 0.5",
        "retries = 2",
        extra,
        "[tmdb]",
    ]
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
    # a thumbnail as wide as the post keeps (poster.max_width), not the full-size file
    assert her["poster_url"] == (f"{fake.url}/wiki/Special:FilePath/Her2013Poster.jpg?width=400")
    agent = fake.state["headers"][0]["User-Agent"]
    assert agent.startswith("filmcli/") and "(+http" in agent


@pytest.mark.parametrize(
    "provider, old, new", [("tmdb", 11906, 361292), ("wikidata", "Q1124401", "Q29023906")]
)
def test_remakes_rank_the_year_asked_first(run, library, fake, provider, old, new):
    point_at(fake.url)
    found = lookup_json(run, library, "Suspiria", "--provider", provider)
    assert {c["id"] for c in found} >= {old, new}
    years = {c["id"]: c["year"] for c in found}
    assert years[old] == 1977 and years[new] == 2018
    if provider == "wikidata":  # without a year, TMDb narrows nothing: ask with one
        ranked = lookup_json(run, library, "Suspiria", "--year", "1977", "--provider", provider)
        assert [c["id"] for c in ranked] == [old, new]
    ranked = lookup_json(run, library, "Suspiria", "--year", "2018", "--provider", provider)
    assert ranked[0]["id"] == new


@pytest.mark.parametrize("provider, wanted", [("tmdb", 129), ("wikidata", "Q155653")])
def test_a_title_in_another_script_matches_the_original_title(run, library, fake, provider, wanted):
    point_at(fake.url)
    found = lookup_json(run, library, "千と千尋の神隠し", "--year", "2001", "--provider", provider)
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
    offline = lookup_json(
        run, library, "Suspiria", "--year", "1977", "--provider", provider, "--offline"
    )
    assert offline == first and fake.count == before
    lookup_json(run, library, "Suspiria", "--year", "1977", "--provider", provider, "--refresh")
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


def test_a_server_that_drips_its_answer_is_cut_off(run, library, fake):
    point_at(fake.url, extra="max_seconds = 1.0")
    fake.state["drip"] = True
    started = time.monotonic()
    err = one_error(run("-L", library, "lookup", "Her", "--provider", "tmdb"))
    assert time.monotonic() - started < 4
    assert "sending too slowly" in err and "lookup.max_seconds" in err


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


# --- filmcli new --lookup ----------------------------------------------------------


def posts(library) -> list[Path]:
    return sorted((library / "_posts").glob("*.md"))


def front(path: Path) -> dict:
    from filmcli.model.post import Post

    return Post.from_bytes(path.read_bytes(), path).metadata()


def poster_image(value: str):
    import base64
    import io

    from PIL import Image

    head, _, data = value.partition(",")
    raw = base64.b64decode(data)
    return head, raw, Image.open(io.BytesIO(raw))


def test_new_lookup_tmdb_writes_a_post_that_validates(run, library, fake):
    point_at(fake.url)
    result = run(
        "-L", library, "new", "--title", "Her", "--year", "2013", "--lookup", "--body", "A review."
    )
    assert result.exit_code == 0, result.stderr
    [path] = posts(library)
    meta = front(path)
    assert meta["title"] == "Her" and meta["director"] == "Spike Jonze"
    assert meta["year"] == 2013 and meta["tmdb"] == 152601
    head, raw, im = poster_image(meta["poster"])
    assert head == "data:image/jpeg;base64" and im.size == (400, 600)  # shrunk from 600×900
    assert b"SecretCam" in fake.images["her.jpg"] and b"SecretCam" not in raw  # EXIF gone
    assert run("-L", library, "validate").exit_code == 0
    # the same post again, elsewhere: no request at all (the answers and the poster cached)
    before = fake.count
    other = library.parent / "other"
    (other / "_posts").mkdir(parents=True)
    again = run(
        "-L", other, "new", "--title", "Her", "--year", "2013", "--lookup", "--body", "A review."
    )
    assert again.exit_code == 0, again.stderr
    assert fake.count == before and posts(other)[0].read_bytes() == path.read_bytes()
    # the key goes to the API only, never to the image host
    images = [
        (p, h)
        for p, h in zip(fake.state["log"], fake.state["headers"], strict=True)
        if p.startswith("/t/p/")
    ]
    assert images and all("api_key" not in p and "Authorization" not in h for p, h in images)


def test_new_lookup_with_a_token_sends_no_header_to_the_image_host(run, library, fake):
    point_at(fake.url, key=None, token=TOKEN)
    result = run("-L", library, "new", "--title", "Her", "--year", "2013", "--lookup")
    assert result.exit_code == 0, result.stderr
    sent = dict(zip(fake.state["log"], fake.state["headers"], strict=True))
    assert any("Authorization" in h for p, h in sent.items() if p.startswith("/3/"))
    assert all("Authorization" not in h for p, h in sent.items() if p.startswith("/t/p/"))


def test_new_lookup_wikidata_follows_the_commons_redirect(run, library, fake):
    point_at(fake.url, key=None)
    result = run("-L", library, "new", "--title", "Her", "--year", "2013", "--lookup")
    assert result.exit_code == 0, result.stderr
    meta = front(posts(library)[0])
    assert meta["wikidata"] == "Q3773000" and meta["director"] == "Spike Jonze"
    assert poster_image(meta["poster"])[2].size == (400, 600)
    assert run("-L", library, "validate").exit_code == 0


def test_new_lookup_keeps_what_the_command_line_gives(run, library, fake):
    point_at(fake.url)
    result = run(
        "-L",
        library,
        "new",
        "--title",
        "Her",
        "--year",
        "2013",
        "--director",
        "S. Jonze",
        "--lookup",
    )
    assert result.exit_code == 0, result.stderr
    meta = front(posts(library)[0])
    assert meta["director"] == "S. Jonze" and meta["tmdb"] == 152601


def test_new_lookup_takes_a_unique_exact_title_without_a_year(run, library, fake):
    point_at(fake.url)
    result = run("-L", library, "new", "--title", "Black Swan", "--lookup")
    assert result.exit_code == 0, result.stderr
    meta = front(posts(library)[0])
    assert meta["year"] == 2010 and meta["director"] == "Darren Aronofsky"


def test_new_lookup_ambiguous_without_a_terminal_lists_the_candidates(run, library, fake):
    point_at(fake.url)
    result = run("-L", library, "new", "--title", "Suspiria", "--lookup")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: tmdb: ")
    assert "Suspiria (1977), Dario Argento" in result.stderr
    assert "Suspiria (2018), Luca Guadagnino" in result.stderr
    assert "--year" in result.stderr and "Traceback" not in result.stderr
    assert posts(library) == []
    ok = run("-L", library, "new", "--title", "Suspiria", "--year", "2018", "--lookup")
    assert ok.exit_code == 0, ok.stderr
    assert front(posts(library)[0])["director"] == "Luca Guadagnino"


def test_lookup_with_no_candidate_is_one_error(run, library, fake):
    point_at(fake.url)
    err = one_error(run("-L", library, "lookup", "Zzyzx Road Trip", "--provider", "tmdb"))
    assert "no film called 'Zzyzx Road Trip' found" in err
    assert lookup_json(run, library, "Zzyzx Road Trip", "--provider", "tmdb") == []


def test_new_lookup_no_match_without_a_terminal(run, library, fake):
    point_at(fake.url)
    result = run("-L", library, "new", "--title", "Zzyzx Road Trip", "--lookup")
    assert "no film" in one_error(result)
    assert posts(library) == []


def test_new_lookup_ambiguous_on_a_terminal_asks_which(library, fake, terminal):
    point_at(fake.url)
    terminal.start(
        ["-L", library, "new", "--title", "Suspiria", "--lookup", "--body", "x"],
        cwd=library,
        env=terminal_env(),
    )
    shown = terminal.wait_for("which film? [1-2, 0 for none of them]")
    assert "1. Suspiria (1977), Dario Argento" in shown and "2. Suspiria (2018)" in shown
    terminal.type("2")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    meta = front(posts(library)[0])
    assert meta["year"] == 2018 and meta["tmdb"] == 361292


def test_new_lookup_on_a_terminal_none_of_them_asks_for_the_fields(library, fake, terminal):
    point_at(fake.url)
    poster = library.parent / "poster.jpg"
    poster.write_bytes(fake.images["swan.jpg"])
    terminal.start(
        [
            "-L",
            library,
            "new",
            "--title",
            "Suspiria",
            "--lookup",
            "--body",
            "x",
            "--poster",
            poster,
        ],
        cwd=library,
        env=terminal_env(),
    )
    terminal.wait_for("which film?")
    terminal.type("0")  # none of them: the fields are asked for
    terminal.wait_for("Director:")
    terminal.type("Someone")
    terminal.wait_for("Year:")
    terminal.type("1999")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    meta = front(posts(library)[0])
    assert meta["director"] == "Someone" and meta["year"] == 1999
    assert "tmdb" not in meta


@pytest.mark.parametrize("provider", ["tmdb", "wikidata"])  # wikidata's poster redirects
@pytest.mark.parametrize(
    "mode, words", [("html", "not an image"), ("big", "over the limit"), ("big-chunked", "cut off")]
)
def test_a_poster_that_is_no_image_or_too_big_writes_nothing(
    run, library, fake, mode, words, provider
):
    point_at(fake.url)
    (library / "filmcli.toml").write_text("[poster]\nmax_download_bytes = 50000\n")
    fake.state["poster"] = mode
    err = one_error(
        run(
            "-L",
            library,
            "new",
            "--title",
            "Her",
            "--year",
            "2013",
            "--lookup",
            "--provider",
            provider,
        ),
        provider,
    )
    assert words in err and "--poster" in err
    assert posts(library) == []


def test_a_poster_over_the_pixel_limit_is_not_decoded(run, library, fake):
    point_at(fake.url)
    (library / "filmcli.toml").write_text("[validate]\nmax_pixels = 1000000\n")
    fake.state["poster"] = "big"  # 2400×3600 pixels
    err = one_error(run("-L", library, "new", "--title", "Her", "--year", "2013", "--lookup"))
    assert "2400×3600 pixels" in err and "not decoded" in err
    assert posts(library) == []


@pytest.mark.parametrize("fault", ["closed", "401", "404", "429", "malformed"])
def test_new_lookup_errors_write_nothing(run, library, fake, fault):
    point_at(
        f"http://127.0.0.1:{closed_port()}" if fault == "closed" else fake.url,
        key="bad" if fault == "401" else API_KEY,
    )
    fake.state.update(
        {"404": {"status": 404}, "429": {"fail429": 99}, "malformed": {"malformed": True}}.get(
            fault, {}
        )
    )
    one_error(run("-L", library, "new", "--title", "Her", "--year", "2013", "--lookup"))
    assert posts(library) == [] and not (library / "_drafts").exists()


# --- filmcli fill --------------------------------------------------------------------


def write_post(library, name: str, lines: list[str], body: str = "The review.\n") -> Path:
    path = library / "_posts" / name
    path.write_text(
        "---\n" + "".join(f"{line}\n" for line in lines) + "---\n" + body, encoding="utf-8"
    )
    return path


@pytest.fixture
def incomplete(library):
    """Posts as an import leaves them: some fields missing, one front-matter comment."""
    her = write_post(
        library,
        "2014-01-02-her.md",
        ["layout: post", "title: Her", "year: 2013", "# seen twice", "rating: 4.5"],
    )
    swan = write_post(
        library,
        "2014-01-03-black-swan.md",
        ["layout: post", "title: Black Swan", "director: D. Aronofsky"],
    )
    suspiria = write_post(library, "2014-01-04-suspiria.md", ["layout: post", "title: Suspiria"])
    return {"her": her, "swan": swan, "suspiria": suspiria}


def test_fill_completes_what_it_can_reports_each_failure_and_goes_on(
    run, library, fake, incomplete
):
    point_at(fake.url)
    her_before = incomplete["her"].read_bytes()
    result = run("-L", library, "fill", "--yes")
    assert result.exit_code == 1, result.stderr
    her = front(incomplete["her"])
    assert her["director"] == "Spike Jonze" and her["tmdb"] == 152601
    assert poster_image(her["poster"])[2].size == (400, 600)
    # only lines were added: every byte that was there is still there, in order
    after = incomplete["her"].read_bytes().splitlines(keepends=True)
    added = [line for line in after if line.startswith((b"director:", b"poster:", b"tmdb:"))]
    assert len(added) == 3
    assert b"".join(line for line in after if line not in added) == her_before
    swan = front(incomplete["swan"])
    assert swan["year"] == 2010 and swan["director"] == "D. Aronofsky"  # kept
    assert swan["tmdb"] == 44214 and swan["poster"].startswith("data:image/jpeg;base64,")
    # Suspiria is ambiguous without a terminal: reported with its candidates, unchanged
    assert (
        incomplete["suspiria"].read_text() == "---\nlayout: post\ntitle: Suspiria\n---\n"
        "The review.\n"
    )
    assert "error: _posts/2014-01-04-suspiria.md: tmdb: " in result.stderr
    assert "Suspiria (1977), Dario Argento" in result.stderr
    assert "hint: set the film's year" in result.stderr
    assert "filled 2 of 3 films; 1 failed" in result.stderr
    assert sorted(result.stdout.split()) == [
        "_posts/2014-01-02-her.md",
        "_posts/2014-01-03-black-swan.md",
    ]
    assert "Traceback" not in result.stderr
    # what validate flagged for the two is gone
    check = run("-L", library, "validate", incomplete["her"], incomplete["swan"])
    assert check.exit_code == 0, check.stdout + check.stderr


def test_fill_only_poster_and_dry_run(run, library, fake, incomplete):
    point_at(fake.url)
    before = {k: p.read_bytes() for k, p in incomplete.items()}
    dry = run("-L", library, "fill", "her", "--only", "poster", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "+poster: data:image/jpeg;base64," in dry.stdout and "director" not in dry.stdout
    assert {k: p.read_bytes() for k, p in incomplete.items()} == before
    done = run("-L", library, "fill", "her", "--only", "poster")
    assert done.exit_code == 0, done.stderr
    her = front(incomplete["her"])
    assert "poster" in her and "director" not in her and her["tmdb"] == 152601


def test_fill_stands_below_the_facade_and_works_on_a_plain_store(library, fake, incomplete):
    """ops/ never calls filmcli.Library's methods: fill plans through ops.manage."""
    from filmcli.ops.fill import fill
    from filmcli.store.library import Store

    point_at(fake.url)
    [item] = fill(Store(library), "her", only=["director"])
    assert item.error is None and item.change.written
    assert front(incomplete["her"])["director"] == "Spike Jonze"


def test_fill_several_without_a_terminal_needs_yes(run, library, fake, incomplete):
    point_at(fake.url)
    before = {k: p.read_bytes() for k, p in incomplete.items()}
    result = run("-L", library, "fill", "--where", "layout == post")
    assert result.exit_code == 2 and "--yes" in result.stderr, result.stderr
    assert {k: p.read_bytes() for k, p in incomplete.items()} == before


def test_fill_uses_the_recorded_id_without_searching(run, library, fake):
    path = write_post(library, "2019-01-01-suspiria.md", ["title: Suspiria", "tmdb: 361292"])
    point_at(fake.url)
    result = run("-L", library, "fill", "suspiria")
    assert result.exit_code == 0, result.stderr
    meta = front(path)
    assert meta["year"] == 2018 and meta["director"] == "Luca Guadagnino"
    assert not any(p.startswith("/3/search") for p in fake.state["log"])
    assert any(p.startswith("/3/movie/361292") for p in fake.state["log"])


def test_fill_by_wikidata_id(run, library, fake):
    path = write_post(library, "2019-01-01-suspiria.md", ["title: Suspiria", "wikidata: Q1124401"])
    point_at(fake.url, key=None)
    result = run("-L", library, "fill", "suspiria")
    assert result.exit_code == 0, result.stderr
    meta = front(path)
    assert meta["year"] == 1977 and meta["director"] == "Dario Argento"
    assert not any("wbsearchentities" in p for p in fake.state["log"])


def test_fill_nothing_missing_makes_no_request(run, library, fake, incomplete):
    point_at(fake.url)
    result = run("-L", library, "fill", "black swan", "--only", "director")
    assert result.exit_code == 0, result.stderr
    assert fake.count == 0 and "nothing to fill" in result.stderr


def test_fill_twin_in_python(library, fake, incomplete):
    from filmcli.api import Library

    point_at(fake.url)
    lib = Library(library)
    planned = lib.fill(["her"], only=["director"], dry_run=True)
    assert [f.change.fields[0].key for f in planned] == ["director"]
    assert front(incomplete["her"]).get("director") is None
    done = lib.fill(lib.posts(), provider="tmdb")
    by_name = {f.path.name: f for f in done}
    assert by_name["2014-01-02-her.md"].change.written
    assert by_name["2014-01-04-suspiria.md"].error is not None
    assert front(incomplete["her"])["director"] == "Spike Jonze"


def test_fill_on_a_terminal_asks_which(library, fake, incomplete, terminal):
    point_at(fake.url)
    terminal.start(["-L", library, "fill", "suspiria"], cwd=library, env=terminal_env())
    shown = terminal.wait_for("which film?")
    assert "1. Suspiria (1977), Dario Argento" in shown
    terminal.type("1")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    meta = front(incomplete["suspiria"])
    assert meta["year"] == 1977 and meta["tmdb"] == 11906
    assert meta["director"] == "Dario Argento"


def test_fill_over_many_films_shows_progress_on_a_terminal(library, fake, terminal):
    for n in range(20):
        write_post(
            library,
            f"2014-02-{n + 1:02d}-black-swan-{n}.md",
            ["title: Black Swan", "year: 2010", f"rating: {n}"],
        )
    point_at(fake.url)
    fake.state["delay"] = 0.05  # --refresh: 3 requests a film, slow enough to see the bar
    terminal.start(
        ["-L", library, "fill", "--only", "director", "--refresh"], cwd=library, env=terminal_env()
    )
    shown = terminal.wait_for("/20")
    assert "fill (tmdb)" in shown  # rich's bar: label, bar, done/total, time left
    terminal.wait_for("fill 20 films? [y/N]")
    terminal.type("y")
    shown = terminal.wait_for("EXIT=")
    assert "EXIT=0" in shown and "filled 20 of 20 films" in shown
    assert all(front(p)["director"] == "Darren Aronofsky" for p in posts(library))


# --- filmcli add --lookup --------------------------------------------------------------


def diary(path: Path, rows: list[list[str]]) -> Path:
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(
        [
            ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"],
            *rows,
        ]
    )
    path.write_bytes(buf.getvalue().encode())
    return path


def test_add_letterboxd_lookup_completes_exact_rows_and_lists_the_others(
    run, library, fake, tmp_path, terminal
):
    point_at(fake.url)
    source = diary(
        tmp_path / "diary.csv",
        [
            ["2024-01-05", "Her", "2013", "https://boxd.it/1", "4.5", "", "", "2024-01-05"],
            ["2024-01-06", "Black Swan", "2010", "https://boxd.it/2", "4", "", "", "2024-01-06"],
            ["2024-01-07", "Suspiria", "1977", "https://boxd.it/3", "5", "", "", "2024-01-07"],
            ["2024-01-08", "Stalker", "1980", "https://boxd.it/4", "5", "", "", "2024-01-08"],
            [
                "2024-01-09",
                "Zzyzx Road Trip",
                "2001",
                "https://boxd.it/5",
                "",
                "",
                "",
                "2024-01-09",
            ],
        ],
    )
    result = run("-L", library, "add", source, "--from", "letterboxd", "--lookup")
    assert result.exit_code == 0, result.stderr
    made = {front(p)["title"]: front(p) for p in posts(library)}
    assert len(made) == 5
    assert made["Her"]["director"] == "Spike Jonze" and made["Her"]["tmdb"] == 152601
    assert made["Her"]["letterboxd"] == "https://boxd.it/1" and made["Her"]["rating"] == 4.5
    assert made["Black Swan"]["director"] == "Darren Aronofsky"
    assert made["Suspiria"]["director"] == "Dario Argento" and made["Suspiria"]["year"] == 1977
    assert "director" not in made["Stalker"] and "director" not in made["Zzyzx Road Trip"]
    err = result.stderr
    assert "diary.csv:5: tmdb: no exact match for 'Stalker' (1980)" in err
    assert "1. Stalker [Сталкер] (1979), Andrei Tarkovsky - tmdb 1398" in err
    assert "diary.csv:6: tmdb: no film called 'Zzyzx Road Trip' (2001) found" in err
    assert "incomplete (2;" in err and "filmcli fill" in err
    check = run(
        "-L",
        library,
        "validate",
        *[p for p in posts(library) if front(p)["title"] in ("Her", "Black Swan")],
    )
    assert check.exit_code == 0, check.stdout + check.stderr
    # the others: fill, after a choice on a terminal
    stalker = next(p for p in posts(library) if front(p)["title"] == "Stalker")
    terminal.start(["-L", library, "fill", "stalker"], cwd=library, env=terminal_env())
    terminal.wait_for("which film?")
    terminal.type("1")
    assert "EXIT=0" in terminal.wait_for("EXIT=")
    meta = front(stalker)
    assert meta["director"] == "Andrei Tarkovsky" and meta["tmdb"] == 1398
    assert meta["year"] == 1980  # what the post said is kept


def test_add_lookup_failure_of_the_provider_fails_the_rows_not_the_run(run, library, tmp_path):
    point_at(f"http://127.0.0.1:{closed_port()}")
    source = diary(
        tmp_path / "diary.csv",
        [["2024-01-05", "Her", "2013", "https://boxd.it/1", "4.5", "", "", ""]],
    )
    result = run("-L", library, "add", source, "--from", "letterboxd", "--lookup")
    assert result.exit_code == 1
    assert "diary.csv:2: row 1: tmdb: cannot connect" in result.stderr
    assert posts(library) == []
    assert "Traceback" not in result.stderr


def test_add_lookup_does_not_look_up_films_already_present(run, library, fake, tmp_path):
    point_at(fake.url)
    write_post(library, "2014-01-02-her.md", ["title: Her", "year: 2013"])
    source = diary(
        tmp_path / "diary.csv",
        [["2024-01-05", "Her", "2013", "https://boxd.it/1", "4.5", "", "", ""]],
    )
    result = run("-L", library, "add", source, "--from", "letterboxd", "--lookup")
    assert result.exit_code == 0, result.stderr
    assert "skipped 1" in result.stderr and fake.count == 0


def test_add_imdb_ratings_lookup_adds_the_poster(run, library, fake, tmp_path):
    import csv
    import io

    point_at(fake.url)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(
        [
            [
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
            ],
            [
                "tt1798709",
                "9",
                "2024-01-05",
                "Her",
                "https://www.imdb.com/title/tt1798709/",
                "movie",
                "8.0",
                "126",
                "2013",
                "Drama",
                "700000",
                "2013-12-18",
                "Spike Jonze",
            ],
        ]
    )
    (tmp_path / "ratings.csv").write_text(buf.getvalue())
    result = run("-L", library, "add", tmp_path / "ratings.csv", "--lookup")
    assert result.exit_code == 0, result.stderr
    # the IMDb id is exact: TMDb's find, no search by title
    assert any(p.startswith("/3/find/tt1798709?") for p in fake.state["log"])
    assert not any(p.startswith("/3/search") for p in fake.state["log"])
    [path] = posts(library)
    meta = front(path)
    assert meta["imdb"] == "tt1798709" and meta["tmdb"] == 152601
    assert meta["director"] == "Spike Jonze" and meta["poster"].startswith("data:image/jpeg")
    assert run("-L", library, "validate").exit_code == 0


def test_a_post_edited_while_fill_waits_is_left_alone_with_the_edit(
    library, fake, incomplete, terminal
):
    """A real fill process plans, then waits on a terminal for its yes; meanwhile the user
    edits one of the posts. That post is refused ('changed while it was read'), the edit
    is kept, the other post is filled."""
    point_at(fake.url)
    terminal.start(
        ["-L", library, "fill", "--where", "title != Suspiria"], cwd=library, env=terminal_env()
    )
    terminal.wait_for("fill 2 films? [y/N]")
    edited = incomplete["swan"].read_bytes().replace(b"The review.", b"My new review.")
    incomplete["swan"].write_bytes(edited)
    terminal.type("y")
    shown = terminal.wait_for("EXIT=")
    assert "EXIT=1" in shown and "changed while it was read" in shown, shown
    assert incomplete["swan"].read_bytes() == edited  # the edit is kept, nothing lost
    assert "filled 1 of 2 films; 1 failed" in shown
    assert front(incomplete["her"])["director"] == "Spike Jonze"


def test_a_cache_folder_others_may_write_is_not_used(run, library, fake):
    point_at(fake.url)
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "filmcli" / "lookup"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    first = run("-L", library, "lookup", "Her", "--provider", "tmdb")
    assert first.exit_code == 0 and "the cache is not used" in first.stderr
    before = fake.count
    again = run("-L", library, "lookup", "Her", "--provider", "tmdb")
    assert again.exit_code == 0 and fake.count > before  # nothing was read from it
    assert list(folder.iterdir()) == []  # nor written to it


def test_a_cache_file_that_is_a_link_is_not_read(run, library, fake, tmp_path):
    point_at(fake.url)
    first = lookup_json(run, library, "Her", "--provider", "tmdb")
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "filmcli" / "lookup"
    planted = tmp_path / "planted.json"
    for entry in folder.iterdir():
        planted.write_bytes(entry.read_bytes().replace(b"Spike Jonze", b"Someone Else"))
        entry.unlink()
        entry.symlink_to(planted)
    before = fake.count
    again = lookup_json(run, library, "Her", "--provider", "tmdb")
    assert again == first and fake.count > before


def test_fill_finds_a_film_by_its_imdb_id_on_tmdb(run, library, fake):
    path = write_post(library, "2019-01-01-elle.md", ["title: Her (film)", "imdb: tt1798709"])
    point_at(fake.url)
    result = run("-L", library, "fill", "her")
    assert result.exit_code == 0, result.stderr
    meta = front(path)
    assert meta["tmdb"] == 152601 and meta["year"] == 2013 and meta["title"] == "Her (film)"
    assert not any(p.startswith("/3/search") for p in fake.state["log"])


def test_fill_stops_asking_a_provider_it_cannot_reach(run, library, incomplete):
    silent = Silent()
    try:
        point_at(silent.url)  # every request would wait for its read timeout
        started = time.monotonic()
        result = run("-L", library, "fill", "--yes")
        assert time.monotonic() - started < 4
    finally:
        silent.close()
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "did not answer in time" in errors[0], result.stderr
    assert result.stderr.count("not looked up: tmdb failed above") == 2


def test_add_lookup_stops_asking_a_provider_it_cannot_reach(run, library, tmp_path):
    silent = Silent()
    try:
        point_at(silent.url)
        source = diary(
            tmp_path / "diary.csv",
            [
                [f"2024-01-0{n}", title, "2013", f"https://boxd.it/{n}", "", "", "", ""]
                for n, title in enumerate(["Her", "Black Swan", "Suspiria"], 1)
            ],
        )
        started = time.monotonic()
        result = run("-L", library, "add", source, "--from", "letterboxd", "--lookup")
        assert time.monotonic() - started < 4
    finally:
        silent.close()
    assert result.exit_code == 1
    assert result.stderr.count("did not answer in time") == 1
    assert result.stderr.count("not looked up: tmdb failed above") == 2
    assert posts(library) == []


def test_a_broken_user_config_is_one_error_that_quotes_no_key(run, library):
    path = user_config(f'[tmdb]\napi_key = "{API_KEY}\n')  # the string is never closed
    result = run("-L", library, "lookup", "Her", "--provider", "tmdb")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}: invalid TOML")
    assert API_KEY not in result.stderr and "Traceback" not in result.stderr
