"""Post URLs as Jekyll 4.3 makes them (filmcli.model.urls), and `list --fields url`.

The expected values of the unit tests come from Jekyll 4.3.1 itself (Jekyll::Utils.slugify,
Jekyll::URL.escape_path); the last tests build sites with the real `jekyll` and compare
the URL of every post with the page Jekyll wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import EXAMPLE_SITE, run_process
from filmcli.errors import FilmcliError
from filmcli.model.post import Post
from filmcli.model.urls import (
    MAX_CONFIG_BYTES,
    SiteSettings,
    UrlError,
    escape_path,
    post_url,
    public_url,
    redirect_plugin,
    sanitize_url,
    site_settings,
    slugify,
)

# --- slugify, mode by mode (expected: Jekyll::Utils.slugify in Jekyll 4.3.1) ----------

SLUGS = [
    # text, mode, cased, Jekyll's answer
    ("The _config.yml file", None, False, "the-config-yml-file"),
    ("The _config.yml file", "pretty", False, "the-_config.yml-file"),
    ("The _config.yml file", "pretty", True, "The-_config.yml-file"),
    ("The _config.yml file", "ascii", False, "the-config-yml-file"),
    ("The _config.yml file", "latin", False, "the-config-yml-file"),
    ("The _config.yml file", "raw", False, "the-_config.yml-file"),
    ("The _config.yml file", "none", True, "The _config.yml file"),
    ("The _config.yml file", "none", False, "the _config.yml file"),
    ("Alien: Romulus", "pretty", True, "Alien-Romulus"),
    ("Léon: The Professional", "latin", False, "leon-the-professional"),
    ("Léon: The Professional", "ascii", False, "l-on-the-professional"),
    ("Léon: The Professional", "default", True, "Léon-The-Professional"),
    ("七人の侍", "default", False, "七人の侍"),
    ("七人の侍", "latin", False, ""),  # I18n turns every kanji into "?"
    ("Straße", "latin", False, "strasse"),
    ("ΣΑΣ ΟΔΟΣ", "default", False, "σασ-οδοσ"),  # Ruby's downcase has no final sigma
    ("İstanbul", "default", False, "i̇stanbul"),
    ("a\u0301b", "latin", False, "a-b"),  # a combining accent is no Latin letter to I18n
    ("--a--b--", "raw", False, "-a--b-"),  # raw keeps hyphens; one off each end
    ("  spaces  \t here ", "raw", False, "spaces-here"),
    ("rock&roll(live)!", "pretty", False, "rock&roll(live)!"),
    ("rock&roll(live)!", "default", False, "rock-roll-live"),
    ("١٢٣ digits", "default", False, "١٢٣-digits"),
    ("Ⅻ roman", "default", False, "roman"),  # a letter number is no decimal digit
    ("🎬 Popcorn 🍿", "pretty", False, "popcorn"),
    ("caf\u00e9 ĳ ŉ", "latin", False, "cafe-ij-n"),
]


@pytest.mark.parametrize("text,mode,cased,expected", SLUGS)
def test_slugify_matches_jekyll(text, mode, cased, expected):
    assert slugify(text, mode=mode, cased=cased) == expected


def test_slugify_none_and_non_text():
    assert slugify(None) is None
    assert slugify(1917) == "1917"
    assert slugify(True, mode="pretty") == "true"


ESCAPES = [
    ("plain/path-1.html", "plain/path-1.html"),
    ("七人の侍", "%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D"),
    ("film noir/reviews", "film%20noir/reviews"),
    ("100% real", "100%25%20real"),
    ("what?", "what?"),
    ("a#b#c", "a%23b%23c"),
    ("foo?bar#baz", "foo?bar%23baz"),
    ("'quotes' & \"double\"", "'quotes'%20&%20%22double%22"),
    ("films:", "films:"),
    ("[brackets]", "%5Bbrackets%5D"),
]


@pytest.mark.parametrize("text,expected", ESCAPES)
def test_escape_path_matches_jekyll(text, expected):
    assert escape_path(text) == expected


@pytest.mark.parametrize("text", ["a b:c", ":b", "2019 x:films", "http:"])
def test_escape_path_refuses_what_jekyll_cannot_encode(text):
    with pytest.raises(UrlError):
        escape_path(text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", "/"),
        ("ab//cd", "/ab/cd"),
        ("./x/../y", "/x/y"),
        ("..", "/"),
        ("a.b.", "/a.b."),
    ],
)
def test_sanitize_url(text, expected):
    assert sanitize_url(text) == expected


# --- templates, styles and front matter -------------------------------------------------


def make_post(root: Path, name: str, front: str = "", body: str = "Review.\n") -> Post:
    path = root / "_posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nlayout: post\ntitle: A film\n{front}---\n\n{body}", encoding="utf-8")
    return Post.read(path)


def settings_for(root: Path, config: str) -> SiteSettings:
    (root / "_config.yml").write_text(config, encoding="utf-8")
    return site_settings(root)


@pytest.mark.parametrize(
    "style,expected",
    [
        ("date", "/2016/03/05/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D.html"),
        ("pretty", "/2016/03/05/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D/"),
        ("ordinal", "/2016/065/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D.html"),
        ("weekdate", "/2016/W09/Sat/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D.html"),
        ("none", "/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D.html"),
    ],
)
def test_builtin_styles(tmp_path, style, expected):
    post = make_post(tmp_path, "2016-03-05-七人の侍.md")
    assert post_url(post, settings_for(tmp_path, f"permalink: {style}\n")) == expected


def test_default_style_is_date_without_config(tmp_path):
    post = make_post(tmp_path, "2013-12-18-her.md")
    settings = site_settings(tmp_path)
    assert settings.permalink == "date" and settings.config_path is None
    assert post_url(post, settings) == "/2013/12/18/her.html"


def test_custom_template_placeholders(tmp_path):
    post = make_post(tmp_path, "2019-01-07-Mixed Case Title.md")
    settings = settings_for(
        tmp_path,
        "permalink: /:short_year/:i_month/:i_day/:y_day/:long_month/:short_month/"
        ":long_day/:w_year-:week-:w_day/:hour:minute:second/:collection/:name/"
        ":title/:slug/:month_:day:output_ext\n",
    )
    assert post_url(post, settings) == (
        "/19/1/7/007/January/Jan/Monday/2019-02-1/000000/posts/2019-01-07-mixed-case-title/"
        "Mixed-Case-Title/mixed-case-title/01_07.html"
    )


def test_categories_slug_date_and_own_permalink(tmp_path):
    settings = settings_for(tmp_path, "permalink: /films/:categories/:year/:slug/\n")
    cats = make_post(tmp_path, "2019-07-04-noir.md", "categories: [Film Noir, Reviews, 2019]\n")
    assert post_url(cats, settings) == "/films/film%20noir/reviews/2019/2019/noir/"
    text = make_post(tmp_path, "2019-07-05-text.md", "categories: Drama crime\n")
    assert post_url(text, settings) == "/films/drama/crime/2019/text/"
    single = make_post(tmp_path, "2019-07-06-single.md", "category: Ciné Club\ncategories: [a]\n")
    assert post_url(single, settings) == "/films/a/cin%C3%A9%20club/2019/single/"
    slugged = make_post(tmp_path, "2019-07-07-file-name.md", "slug: Special Slug!\n")
    assert post_url(slugged, settings) == "/films/2019/special-slug/"
    dated = make_post(tmp_path, "2019-07-08-dated.md", "date: 2021-02-03\n")
    assert post_url(dated, settings) == "/films/2021/dated/"
    own = make_post(tmp_path, "2019-07-09-own.md", "permalink: /mine/:title:output_ext\n")
    assert post_url(own, settings) == "/mine/own.html"
    fixed = make_post(tmp_path, "2019-07-10-fixed.md", "permalink: /fixed/page.htm\n")
    assert post_url(fixed, settings) == "/fixed/page.htm"


def test_date_with_a_zone_is_read_in_the_site_timezone(tmp_path):
    post = make_post(tmp_path, "2019-07-04-late.md", "date: 2020-02-29 23:30:00 -05:00\n")
    utc = settings_for(tmp_path, "permalink: /:year/:month/:day/:hour/:title/\ntimezone: UTC\n")
    assert post_url(post, utc) == "/2020/03/01/04/late/"
    tokyo = settings_for(
        tmp_path, "permalink: /:year/:month/:day/:hour/:title/\ntimezone: Asia/Tokyo\n"
    )
    assert post_url(post, tokyo) == "/2020/03/01/13/late/"


def test_unknown_placeholder_names_the_config(tmp_path):
    post = make_post(tmp_path, "2019-07-04-x.md")
    settings = settings_for(tmp_path, "permalink: /:year/:nonsense/\n")
    with pytest.raises(UrlError) as caught:
        post_url(post, settings)
    assert caught.value.path == str(tmp_path / "_config.yml")
    assert ":nonsense" in caught.value.message


def test_settings_baseurl_plugins_and_collection_permalink(tmp_path):
    settings = settings_for(
        tmp_path,
        "baseurl: /blog/\nplugins: [jekyll-feed]\n"
        "gems: [jekyll-redirect-from]\n"
        "collections:\n  posts:\n    permalink: /p/:title/\n",
    )
    post = make_post(tmp_path, "2013-12-18-her.md")
    assert post_url(post, settings) == "/p/her/"
    assert public_url(post, settings) == "/blog/p/her/"
    assert redirect_plugin(settings)
    plain = settings_for(tmp_path, "baseurl: ''\nplugins: [jekyll-feed]\n")
    assert not redirect_plugin(plain)
    assert public_url(post, plain) == "/2013/12/18/her.html"


def test_broken_config_is_one_located_error(tmp_path):
    (tmp_path / "_config.yml").write_text("title: x\npermalink: [unclosed\nbaseurl: /b\n")
    with pytest.raises(FilmcliError) as caught:
        site_settings(tmp_path)
    assert caught.value.path == str(tmp_path / "_config.yml")
    assert caught.value.line in (3, 4)


def test_config_over_the_bound_is_refused(tmp_path):
    (tmp_path / "_config.yml").write_bytes(b"title: x\n" + b"#" * MAX_CONFIG_BYTES)
    with pytest.raises(FilmcliError, match="limit"):
        site_settings(tmp_path)


def test_config_that_is_no_mapping(tmp_path):
    (tmp_path / "_config.yml").write_text("- a\n- b\n")
    with pytest.raises(FilmcliError, match="mapping"):
        site_settings(tmp_path)


# --- list --fields url / --where / --sort ----------------------------------------------


def test_list_fields_url(run, site):
    result = run("-L", site, "list", "--fields", "path,url", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["path"]: r["url"] for r in json.loads(result.stdout)}
    assert rows["_posts/2013-12-18-her.md"] == "/2013/12/18/her.html"
    assert rows["_posts/2016-03-05-七人の侍.md"] == (
        "/2016/03/05/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D.html"
    )
    assert result.stderr == ""


def test_list_url_of_a_file_jekyll_does_not_build_is_empty(run, site):
    (site / "_posts" / "notes.md").write_text("---\ntitle: Notes\n---\n\nNot a post.\n")
    result = run("-L", site, "list", "--fields", "path,url", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["path"]: r["url"] for r in json.loads(result.stdout)}
    assert rows["_posts/notes.md"] is None
    assert rows["_posts/2013-12-18-her.md"] == "/2013/12/18/her.html"


def test_list_reads_the_site_settings_once_and_only_for_url(run, site, monkeypatch):
    import filmcli.model.urls

    calls = []
    real = filmcli.model.urls.site_settings
    monkeypatch.setattr(
        filmcli.model.urls, "site_settings", lambda root: calls.append(root) or real(root)
    )
    assert run("-L", site, "list", "--fields", "title,year", "--sort", "year").exit_code == 0
    assert calls == []
    result = run("-L", site, "list", "--where", "url~/20", "--sort", "url", "--fields", "url")
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    assert len(result.stdout.split()) == 16


def test_list_where_and_sort_by_url(run, site):
    (site / "_config.yml").write_text("permalink: none\n")
    result = run("-L", site, "list", "--where", "url~/c", "--sort", "-url", "--fields", "url")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["/citizen-kane.html", "/casablanca.html"]


def test_list_url_with_a_broken_config(site):
    (site / "_config.yml").write_text("permalink: [\n")
    proc = run_process("-L", site, "list", "--fields", "url")
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert err.count("\n") == 1 and err.startswith("error: ") and "_config.yml:" in err
    assert "Traceback" not in err
    # without url, the site's config is not read at all
    assert run_process("-L", site, "list", "--fields", "title").returncode == 0


# --- real Jekyll ---------------------------------------------------------------------

JEKYLL = shutil.which("jekyll")
MAP_PAGE = """---
layout: null
permalink: /filmcli-map.json
---
[{% for p in site.posts %}{"path": {{ p.path | jsonify }}, "url": {{ p.url | jsonify }},\
 "public": {{ p.url | relative_url | jsonify }}}{% unless forloop.last %},{% endunless %}\
{% endfor %}]
"""
# Posts the example site lacks: categories, an own permalink, a slug key, a date key.
EXTRA_POSTS = {
    "2019-07-04-noir.md": "categories: [Film Noir, Reviews]\n",
    "2019-07-05-text-categories.md": "categories: Drama crime\n",
    "2019-07-06-one.md": "category: Ciné Club\n",
    "2019-07-07-own-link.md": "permalink: /films/:year/:title/\n",
    "2019-07-08-fixed.md": "permalink: /fixed/page.htm\n",
    "2019-07-09-file-name.md": "slug: Special Slug!\n",
    # 17:30 on the 29th in UTC, but 02:30 on March 1 in Tokyo
    "2019-07-10-dated.md": "date: 2020-02-29 12:30:00 -05:00\n",
    "2019-07-11-Mixed Case Title.md": "",
    "2019-07-12-rock&roll(live)!.md": "",
    "2019-07-13-trailing-dots...md": "",
    "sub/2019-07-14-in-a-subfolder.md": "",
    "2019-07-15-quoted-date.md": "date: '2018-01-02'\n",
}
# Drafts (built with --drafts): no date in the name, so the file's time is the date.
DRAFTS = {
    "a-draft.md": "",
    "Draft Spaces & Caps.md": "categories: [Later]\n",
    "2019-07-16-dated-draft.md": "",
}
SITES = {
    "date": "permalink: date\n",
    "pretty": "permalink: pretty\n",
    "ordinal": "permalink: ordinal\n",
    "weekdate": "permalink: weekdate\n",
    "none": "permalink: none\n",
    "custom": "permalink: /films/:year/:slug/\nbaseurl: /reel\n",
    "custom-ext": "permalink: /:categories/:i_month-:i_day/:title\nbaseurl: /b/\n"
    "timezone: Asia/Tokyo\n",
    # front matter defaults: for every post, for a folder, for a glob
    "every-placeholder": "permalink: /:collection/:name/:path/:short_year/:i_month/:y_day/"
    ":long_month/:short_month/:long_day/:short_day/:w_year/:week/:w_day/"
    ":hour:minute:second/:month_:day/:slugified_categories/"
    ":title:output_ext\ntimezone: America/New_York\n",
    "defaults": "permalink: /:categories/:title/\ndefaults:\n"
    "  - scope: {path: ''}\n    values: {categories: [Base]}\n"
    "  - scope: {path: _posts/sub, type: posts}\n"
    "    values: {permalink: '/deep/:slug:output_ext'}\n"
    "  - scope: {path: '_posts/2019-07-1*'}\n    values: {category: Glob}\n",
}


def _built_file(dest: Path, url: str) -> Path:
    """Where Jekyll writes a page with this URL (Document#destination)."""
    path = dest / unquote(url).lstrip("/")
    if url.endswith("/"):
        return path / "index.html"
    return path if path.name.endswith((".html", ".htm")) else path.with_name(path.name + ".html")


def _finish_build(name: str, src: Path, dest: Path, proc: subprocess.Popen, built: dict):
    try:
        _, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"jekyll build of the {name} site took over 180 s")
    assert proc.returncode == 0, err.decode()
    built[name] = (src, dest, json.loads((dest / "filmcli-map.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def jekyll_sites(tmp_path_factory):
    """Every site of SITES, drafts included, built by real Jekyll once for this module."""
    if JEKYLL is None:
        pytest.skip(
            "jekyll is not installed (apt-get install -y jekyll): the real Jekyll "
            "URL test cannot run"
        )
    base = tmp_path_factory.mktemp("jekyll-urls")
    built = {}
    started = time.monotonic()
    procs = []
    for name, config in SITES.items():
        src = base / name
        shutil.copytree(EXAMPLE_SITE, src, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
        original = (src / "_config.yml").read_text(encoding="utf-8")
        kept = "".join(
            line + "\n" for line in original.splitlines() if not line.startswith("permalink:")
        )
        (src / "_config.yml").write_text(kept + config, encoding="utf-8")
        (src / "filmcli-map.json").write_text(MAP_PAGE, encoding="utf-8")
        for file, front in EXTRA_POSTS.items():
            path = src / "_posts" / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                f"---\nlayout: post\ntitle: {Path(file).stem[11:]!r}\n{front}---\n\nA review.\n",
                encoding="utf-8",
            )
        for file, front in DRAFTS.items():
            path = src / "_drafts" / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                f"---\nlayout: post\ntitle: Draft\n{front}---\n\nSoon.\n", encoding="utf-8"
            )
        dest = base / f"{name}-out"
        if len(procs) >= 2:  # two builds at a time: the machine's cores are shared
            _finish_build(*procs.pop(0), built)
        procs.append(
            (
                name,
                src,
                dest,
                subprocess.Popen(
                    [JEKYLL, "build", "-q", "--drafts", "-s", str(src), "-d", str(dest)],
                    env={**os.environ, "JEKYLL_ENV": "production"},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                ),
            )
        )
    for entry in procs:
        _finish_build(*entry, built)
    print(f"\n{len(SITES)} Jekyll builds took {time.monotonic() - started:.1f} s")
    return built


@pytest.mark.parametrize("name", list(SITES))
def test_every_post_url_is_the_page_jekyll_built(run, jekyll_sites, name):
    src, dest, jekyll_map = jekyll_sites[name]
    result = run("-L", src, "list", "--fields", "path,url", "--format", "json")
    assert result.exit_code == 0, result.stderr
    ours = {r["path"]: r["url"] for r in json.loads(result.stdout)}
    theirs = {p["path"]: p["url"] for p in jekyll_map if p["path"].startswith("_posts/")}
    assert len(theirs) >= 16 + len(EXTRA_POSTS)
    assert ours == theirs
    assert len(jekyll_map) == len(theirs) + len(DRAFTS)
    settings = site_settings(src)
    for entry in jekyll_map:
        assert _built_file(dest, entry["url"]).is_file(), entry
        post = Post.read(src / entry["path"])
        assert public_url(post, settings) == entry["public"]


# --- bounds and bad values ---------------------------------------------------------------


def test_deeply_nested_config_is_refused_not_a_crash(site):
    (site / "_config.yml").write_text("title: x\nnav: " + "[" * 50000 + "]" * 50000 + "\n")
    proc = run_process("-L", site, "list", "--fields", "url", timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert err.startswith("error: ") and "_config.yml:2:" in err and "nested" in err
    assert err.count("\n") == 1


def test_config_aliases_are_allowed_but_a_tree_is_no_setting(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    (tmp_path / "_config.yml").write_text(bomb + "permalink: /:title/\nplugins: *i\n")
    settings = site_settings(tmp_path)  # 10**9 leaves if anything walked them
    assert settings.template == "/:title/" and settings.plugins == ()
    (tmp_path / "_config.yml").write_text(bomb + "permalink: *i\n")
    with pytest.raises(UrlError, match="permalink must be one value"):
        site_settings(tmp_path)
    post = make_post(tmp_path, "2019-01-01-x.md")
    (tmp_path / "_config.yml").write_text(
        bomb + "defaults:\n  - scope: {type: *i, path: *i}\n    values: {permalink: /no/}\n"
    )
    assert post_url(post, site_settings(tmp_path)) == "/2019/01/01/x.html"
    (tmp_path / "_config.yml").write_text(bomb + "defaults:\n  - values: {categories: *i}\n")
    with pytest.raises(UrlError, match="category must be one value"):
        post_url(post, site_settings(tmp_path))


def test_bad_post_values_are_one_error_line(run, site):
    (site / "_posts" / "2019-01-01-odd.md").write_text(
        "---\ntitle: Odd\ncategories: [[nested, list]]\n---\n\nText.\n"
    )
    result = run("-L", site, "list", "--fields", "url")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "2019-01-01-odd.md" in result.stderr
    assert "category must be one value" in result.stderr


# --- differential: the port against Jekyll's own Ruby, on many strings ------------------

RUBY_PORT = """
require "jekyll"
require "json"
STDIN.each_line do |line|
  s = JSON.parse(line)
  out = {}
  %w(raw default pretty ascii latin none).each do |m|
    [false, true].each { |c| out["#{m}-#{c}"] = Jekyll::Utils.slugify(s, :mode => m, :cased => c) }
  end
  out["esc"] = begin
    Jekyll::URL.escape_path(s)
  rescue StandardError
    nil
  end
  puts JSON.generate(out)
end
"""
# Old Unicode blocks only: Ruby 3.1 knows Unicode 13, this Python may know a later one.
_ALPHABET = (
    "abcXYZ019 -_.~!$&'()*+,;=@:/?#[]%\"<>\\^`{|}\t\n\r\v\f\u00a0\u2028"
    "àéîõüçñßÆØÅœĳŉıİŁžĐ"
    "σςΣΑΩά"
    "сталкерЁЖ"
    "وجدة"
    "七人の侍東京物語"
    "\u0301\u0308\u0651"
    "١٢٣٤"
    "ⅫⅣ"
    "🎬🍿"
    "ﬁＦｕ"
)


def _strings(count: int, seed: int = 11) -> list[str]:
    import random

    rng = random.Random(seed)
    made = [t for t, *_ in SLUGS] + [t for t, _ in ESCAPES]
    while len(made) < count:
        made.append("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 14))))
    return made


def test_slugify_and_escape_path_agree_with_jekyll_on_many_strings():
    ruby = shutil.which("ruby")
    if (
        ruby is None
        or subprocess.run(
            [ruby, "-e", 'require "jekyll"'], capture_output=True, timeout=60
        ).returncode
        != 0
    ):
        pytest.skip("ruby with the jekyll gem is not installed: no differential test")
    texts = _strings(1500)
    proc = subprocess.run(
        [ruby, "-e", RUBY_PORT],
        capture_output=True,
        timeout=120,
        input="".join(json.dumps(t) + "\n" for t in texts).encode(),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    answers = [json.loads(line) for line in proc.stdout.decode().split("\n") if line]
    assert len(answers) == len(texts)
    wrong = []
    for text, expected in zip(texts, answers, strict=True):
        for mode in ("raw", "default", "pretty", "ascii", "latin", "none"):
            for cased in (False, True):
                want = expected[f"{mode}-{str(cased).lower()}"]
                if slugify(text, mode=mode, cased=cased) != want:
                    wrong.append((text, mode, cased, want))
        try:
            ours = escape_path(text)
        except UrlError:
            ours = None
        if ours != expected["esc"]:
            wrong.append((text, "escape_path", ours, expected["esc"]))
    assert wrong == []


def test_a_post_outside_the_site_or_without_a_date_has_no_url(tmp_path):
    from filmcli.model.urls import NotBuilt

    site_root = tmp_path / "site"
    site_root.mkdir()
    settings = settings_for(site_root, "permalink: pretty\n")
    outside = make_post(tmp_path / "elsewhere", "2019-01-01-x.md")
    with pytest.raises(NotBuilt, match="outside the site"):
        post_url(outside, settings)
    undated = make_post(site_root, "notes.md")
    with pytest.raises(NotBuilt, match="no date"):
        post_url(undated, settings)
    loose = site_root / "2019-01-01-loose.md"
    loose.write_text("---\ntitle: Loose\n---\n")
    with pytest.raises(NotBuilt, match="_posts or _drafts"):
        post_url(Post.read(loose), settings)


def test_old_url_in_redirect_from_redirects_in_real_jekyll(tmp_path):
    """What `rename` will do: the post's URL before (post_url, no baseurl) goes into
    `redirect_from:`; jekyll-redirect-from then writes a page there that sends readers on
    to the new URL, percent-escaped URLs of non-ASCII slugs included."""
    if (
        JEKYLL is None
        or subprocess.run(
            ["ruby", "-e", 'require "jekyll-redirect-from"'], capture_output=True, timeout=60
        ).returncode
        != 0
    ):
        pytest.skip("jekyll or jekyll-redirect-from (ruby-jekyll-redirect-from) is missing")
    src = tmp_path / "site"
    shutil.copytree(EXAMPLE_SITE, src, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
    (src / "_config.yml").write_text(
        "permalink: pretty\nbaseurl: /reel\nplugins: [jekyll-redirect-from]\n", encoding="utf-8"
    )
    settings = site_settings(src)
    assert redirect_plugin(settings)
    moves = {}
    for old_name, new_name in (
        ("2013-12-18-her.md", "2013-12-19-her-2013.md"),
        ("2016-03-05-七人の侍.md", "2016-03-05-seven-samurai.md"),
    ):
        old = src / "_posts" / old_name
        old_url = post_url(Post.read(old), settings)
        text = old.read_text(encoding="utf-8").replace(
            "---\n", f"---\nredirect_from:\n  - {json.dumps(old_url)}\n", 1
        )
        (src / "_posts" / new_name).write_text(text, encoding="utf-8")
        old.unlink()
        moves[old_url] = public_url(Post.read(src / "_posts" / new_name), settings)
    dest = tmp_path / "out"
    proc = subprocess.run(
        [JEKYLL, "build", "-q", "-s", str(src), "-d", str(dest)], capture_output=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert "/2016/03/05/%E4%B8%83%E4%BA%BA%E3%81%AE%E4%BE%8D/" in moves
    for old_url, new_public in moves.items():
        page = _built_file(dest, old_url).read_text(encoding="utf-8")
        assert f'url={new_public}"' in page, page
        assert _built_file(dest, new_public.removeprefix("/reel")).is_file()


def test_a_draft_not_yet_written_is_dated_now(tmp_path):
    """rename plans a draft's new file before writing it: its date (the file time Jekyll
    would see) is now."""
    import datetime as dt

    settings = settings_for(tmp_path, "permalink: /:year/:month/:day/:title/\ntimezone: UTC\n")
    planned = Post.from_bytes(b"---\ntitle: Soon\n---\n", tmp_path / "_drafts" / "soon.md")
    before = dt.datetime.now(dt.timezone.utc)
    url = post_url(planned, settings)
    after = dt.datetime.now(dt.timezone.utc)
    assert url in {f"/{d:%Y/%m/%d}/soon/" for d in (before, after)}


def test_set_and_rm_choose_films_by_url_as_list_does(run, site):
    result = run("-L", site, "rm", "--where", "url=/2013/12/18/her.html", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "2013-12-18-her.md" in result.stdout + result.stderr
    assert "2013-03-01-no.md" not in result.stdout + result.stderr
    assert (site / "_posts" / "2013-12-18-her.md").exists()
    result = run("-L", site, "set", "--where", "url~/2019/", "rating=4", "--yes")
    assert result.exit_code == 0, result.stderr
    changed = [p.name for p in (site / "_posts").iterdir() if "rating: 4" in p.read_text()]
    assert sorted(changed) == ["2019-02-10-casablanca.md", "2019-10-31-vertigo.md"]
