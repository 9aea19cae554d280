"""Writes tests/data/conformance/cases/NAME/: one small Jekyll site per case, each with a
post (or two) exercising one build rule or one way Jekyll reads a post differently from
PyYAML, and cases.json: what each case is about and the rule validate must report on it.

Our own posts, written for the suite. Run it again after changing the cases, then
`python tests/data/conformance/record.py` to record what real Jekyll does with them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "cases"


def fm(*lines: str, body: str = "A short review.\n") -> str:
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n" + body


T = 'title: "Paris, Texas"'
D = 'director: "Wim Wenders"'
Y = "year: 1984"
P = "_posts/2020-03-01-paris-texas.md"

#: name -> (about, rule validate reports (or None), files relative to the case's site)
CASES: dict[str, tuple[str, str | None, dict[str, str | bytes]]] = {
    # --- posts Jekyll builds as written
    "ok-plain": ("a plain post", None, {P: fm("layout: post", T, D, Y)}),
    "ok-quoted-colon": (
        "a quoted title with a colon",
        None,
        {P: fm('title: "Alien: Romulus"', D, Y)},
    ),
    "ok-lists": (
        "tags and a nested mapping",
        None,
        {
            P: fm(
                T,
                "tags: [road, desert]",
                "cast:",
                "  - name: Harry Dean Stanton",
                "    role: Travis",
            )
        },
    ),
    "ok-unicode": ("a title in Japanese", None, {P: fm("title: 七人の侍", "year: 1954")}),
    "ok-crlf": ("CRLF line ends", None, {P: fm(T, D, Y).replace("\n", "\r\n")}),
    "ok-bom": ("a UTF-8 byte order mark", None, {P: "\ufeff" + fm(T, D, Y)}),
    "ok-empty-front-matter": ("an empty front matter block", None, {P: "---\n---\nText.\n"}),
    "ok-markdown-ext": (
        ".markdown extension",
        None,
        {"_posts/2020-03-01-paris-texas.markdown": fm(T, Y)},
    ),
    "ok-unpublished": (
        "published: false: Jekyll leaves it out on purpose",
        None,
        {P: fm(T, "published: false")},
    ),
    "ok-future": (
        "a future date: Jekyll skips it unless --future (FC206 warns)",
        "FC206",
        {"_posts/2999-01-01-later.md": fm(T)},
    ),
    "ok-yes-bool": ("yes/no as booleans in both readers", None, {P: fm(T, "seen: yes")}),
    "ok-null": ("~ and null", None, {P: fm(T, "rating: ~", "note: null")}),
    "ok-int-forms": (
        "hex, underscores, plain ints",
        None,
        {P: fm(T, "a: 0x1F", "b: 1_000", "c: 42", "d: -7")},
    ),
    "ok-float-forms": ("floats with a dot", None, {P: fm(T, "a: 1.5", "b: .5", "c: 1.10")}),
    "ok-timestamp": ("a YAML timestamp value", None, {P: fm(T, "seen: 2020-01-05 10:00:00")}),
    "ok-merge-key": (
        "a merge key",
        "FC006",
        {P: fm(T, "base: &b {a: 1}", "more:", "  <<: *b", "  c: 2")},
    ),
    "ok-anchor-alias": (
        "a normal anchor and alias: Jekyll reads it (FC006 warns)",
        "FC006",
        {P: fm(T, "genre: &g drama", "mood: *g")},
    ),
    "ok-duplicate-key": (
        "a duplicate key: Jekyll keeps the last (FC004 warns)",
        "FC004",
        {P: fm(T, D, 'title: "Paris, Texas (1984)"')},
    ),
    "ok-int-title": ("a title that is a number", None, {P: fm("title: 1917", "year: 2019")}),
    "ok-multiline": (
        "a folded description",
        None,
        {P: fm(T, "summary: >", "  A man walks", "  out of the desert.")},
    ),
    # --- file names
    "name-no-date": (
        "no date in a _posts file name: Jekyll does not read it",
        "FC201",
        {"_posts/paris-texas.md": fm(T)},
    ),
    "name-short-date": (
        "2017-2-5-x.md: a date Jekyll reads (2017-02-05)",
        None,
        {"_posts/2017-2-5-paris-texas.md": fm(T)},
    ),
    "name-two-digit-year": (
        "17-02-05-x.md: Jekyll reads the year as 0017",
        None,
        {"_posts/17-02-05-paris-texas.md": fm(T)},
    ),
    "name-impossible-day": (
        "2017-02-30: Time.parse rolls it over",
        None,
        {"_posts/2017-02-30-paris-texas.md": fm(T)},
    ),
    "name-month-13": (
        "2017-13-01: Jekyll stops the build",
        "FC202",
        {"_posts/2017-13-01-paris-texas.md": fm(T)},
    ),
    "name-space-slug": ("a space in the slug", None, {"_posts/2020-03-01-paris texas.md": fm(T)}),
    "name-upper-slug": ("capitals in the slug", None, {"_posts/2020-03-01-Paris-Texas.md": fm(T)}),
    "collection-no-date": (
        "a film collection needs no date in file names",
        None,
        {
            "_config.yml": "collections:\n  reviews:\n    output: true\n",
            "filmcli.toml": 'posts_dir = "_reviews"\n',
            "_reviews/paris-texas.md": fm(T, D, Y),
        },
    ),
    "collection-dir": (
        "collections_dir moves the collections",
        None,
        {
            "_config.yml": "collections_dir: films\ncollections:\n  reviews:\n    output: true\n",
            "filmcli.toml": 'posts_dir = "films/_reviews"\n',
            "films/_reviews/paris-texas.md": fm(T, D, Y),
        },
    ),
    "collection-dir-posts": (
        "_posts inside collections_dir",
        None,
        {
            "_config.yml": "collections_dir: films\n",
            "filmcli.toml": 'posts_dir = "films/_posts"\n',
            "films/_posts/2020-03-01-paris-texas.md": fm(T),
        },
    ),
    "collection-dated-name": (
        "a dated name in a collection",
        None,
        {
            "_config.yml": "collections:\n  reviews:\n    output: true\n",
            "filmcli.toml": 'posts_dir = "_reviews"\n',
            "_reviews/2020-03-01-paris-texas.md": fm(T),
        },
    ),
    # --- dates
    "date-words": ("date: October 5, 2020", None, {P: fm(T, "date: October 5, 2020")}),
    "date-slashes": ("date: 2020/01/15", None, {P: fm(T, "date: 2020/01/15")}),
    "date-day-month": ("date: 5 Oct 2020", None, {P: fm(T, "date: 5 Oct 2020")}),
    "date-iso-zone": ("date with a zone", None, {P: fm(T, "date: 2020-01-05T10:00:00+02:00")}),
    "date-time": ("date and time", None, {P: fm(T, "date: 2020-01-05 10:00")}),
    "date-tomorrow": (
        "date: tomorrow: Jekyll stops the build",
        "FC205",
        {P: fm(T, "date: tomorrow")},
    ),
    "date-gibberish": (
        "date: soon-ish: Jekyll stops the build",
        "FC205",
        {P: fm(T, "date: soon-ish")},
    ),
    "date-ordinal-words": (
        "date: the 18th of December",
        None,
        {P: fm(T, 'date: "the 18th of December 2019"')},
    ),
    "date-empty": ("date: '' (empty)", "FC205", {P: fm(T, "date: ''")}),
    "date-month-13": ("date: 2020-13-45", "FC205", {P: fm(T, "date: 2020-13-45")}),
    "date-number": ("date: 2020 (a number)", None, {P: fm(T, "date: 2020")}),
    # --- front matter Jekyll cannot read or drops
    "fm-none-posts": ("no front matter in _posts", "FC001", {P: "Just text, no front matter.\n"}),
    "fm-none-collection": (
        "no front matter in a collection: a static file",
        "FC001",
        {
            "_config.yml": "collections:\n  reviews:\n    output: true\n",
            "filmcli.toml": 'posts_dir = "_reviews"\n',
            "_reviews/paris-texas.md": "Just text.\n",
        },
    ),
    "fm-unclosed": ("front matter not closed", "FC002", {P: "---\n" + T + "\n\nNo fence.\n"}),
    "fm-syntax": ("a YAML syntax error", "FC003", {P: fm(T, "tags: [road, desert")}),
    "fm-bad-indent": ("bad indentation", "FC003", {P: fm(T, "cast:", "  - a", " - b")}),
    "fm-list": ("front matter that is a list", "FC003", {P: fm("- a", "- b")}),
    "fm-not-utf8": (
        "bytes that are not UTF-8",
        "FC007",
        {P: fm(T, 'director: "Wim Wend\udcffers"').encode("utf-8", "surrogateescape")},
    ),
    "psych-symbol": (
        "mood: :thumbsup is a Ruby Symbol: Jekyll drops the front matter",
        "FC209",
        {P: fm(T, "mood: :thumbsup")},
    ),
    "psych-symbol-in-list": (
        "a :symbol in a flow list: a syntax error to both",
        "FC003",
        {P: fm(T, "moods: [happy, :sad]")},
    ),
    "psych-sexagesimal": ("runtime: 1:52 (sexagesimal)", "FC209", {P: fm(T, "runtime: 1:52")}),
    "psych-sexagesimal-3": (
        "runtime: 1:52:30: both read 6750",
        None,
        {P: fm(T, "runtime: 1:52:30")},
    ),
    "psych-exponent": ("rating: 1e3: text to both", None, {P: fm(T, "rating: 1e3")}),
    "psych-octal": ("code: 017", None, {P: fm(T, "code: 017")}),
    "psych-o-octal": ("code: 0o17: text to both", None, {P: fm(T, "code: 0o17")}),
    "psych-binary-int": ("bits: 0b101", None, {P: fm(T, "bits: 0b101")}),
    "psych-comma-int": (
        "budget: 1,000 is 1000 to Psych, text to PyYAML",
        "FC209",
        {P: fm(T, "budget: 1,000")},
    ),
    "psych-odd-case-bool": (
        "seen: tRUE: a boolean to Psych only",
        "FC209",
        {P: fm(T, "seen: tRUE")},
    ),
    "psych-odd-case-null": ("note: nULL: nil to Psych only", "FC209", {P: fm(T, "note: nULL")}),
    "psych-key-symbol": ("a :symbol key", "FC209", {P: fm(T, ":mood: happy")}),
    "psych-y": ("answer: y", None, {P: fm(T, "answer: y")}),
    "psych-equals": ("value: = (YAML's value tag)", "FC209", {P: fm(T, "value: =")}),
    "tag-binary": (
        "!!binary: Psych reads raw bytes",
        "FC209",
        {P: fm(T, "still: !!binary aGVsbG8=")},
    ),
    "tag-unknown": ("an unknown local tag !film", "FC209", {P: fm(T, "kind: !film drama")}),
    "tag-ruby-object": (
        "!ruby/object: Jekyll refuses the class, drops the front matter",
        "FC005",
        {P: fm(T, "x: !ruby/object:Object {}")},
    ),
    "tag-python": (
        "!!python/object/apply",
        "FC005",
        {P: fm(T, "x: !!python/object/apply:os.system [echo]")},
    ),
    "tag-set": ("!!set", "FC005", {P: fm(T, "x: !!set {a, b}")}),
    "tag-str": ("!!str 12", None, {P: fm(T, "x: !!str 12")}),
    "alias-bomb": (
        "an alias bomb: filmcli's budget refuses it (a limit, not a build rule)",
        "FC006",
        {
            P: fm(
                T,
                "a: &a [x, x, x, x, x, x, x, x, x, x]",
                *(
                    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]"
                    for i in range(4)
                ),
            )
        },
    ),
    # --- Liquid in the body
    "liquid-ok": (
        "tags and filters Jekyll knows",
        None,
        {
            P: fm(
                T,
                body="{% if page.title %}{{ page.title | upcase }}{% endif %}\n"
                "{% for t in page.tags %}{{ t }}{% endfor %}\n",
            )
        },
    ),
    "liquid-unclosed-if": (
        "{% if %} without {% endif %}: the build stops",
        "FC207",
        {P: fm(T, body="{% if page.title %}\nA review.\n")},
    ),
    "liquid-unknown-tag": (
        "{% youtube %}: an unknown tag stops the build",
        "FC207",
        {P: fm(T, body="{% youtube abc123 %}\n")},
    ),
    "liquid-plugin-tag": (
        "{% youtube %} registered by _plugins/youtube.rb",
        None,
        {
            P: fm(T, body="{% youtube abc123 %}\n"),
            "_plugins/youtube.rb": "class FilmYoutube < Liquid::Tag\n"
            '  def render(_context) = "<iframe></iframe>"\nend\n'
            "Liquid::Template.register_tag('youtube', FilmYoutube)\n",
        },
    ),
    "liquid-raw": (
        "an unknown tag inside raw",
        None,
        {P: fm(T, body="{% raw %}{% youtube x %}{{ {% endraw %}\n")},
    ),
    "liquid-unclosed-output": ("{{ with no }}", "FC207", {P: fm(T, body="See {{ page.title\n")}),
    "liquid-unclosed-tag": (
        "{% with no %}",
        "FC207",
        {P: fm(T, body="See {% include poster.html\n")},
    ),
    "liquid-highlight": (
        "highlight ... endhighlight",
        None,
        {P: fm(T, body="{% highlight ruby %}\nputs 1\n{% endhighlight %}\n")},
    ),
    "liquid-highlight-unclosed": (
        "highlight without endhighlight",
        "FC207",
        {P: fm(T, body="{% highlight ruby %}\nputs 1\n")},
    ),
    "liquid-comment-unclosed": (
        "comment without endcomment",
        "FC207",
        {P: fm(T, body="{% comment %}\nnot shown\n")},
    ),
    "liquid-unknown-filter": (
        "an unknown filter: Liquid ignores it",
        None,
        {P: fm(T, body="{{ page.title | sparkle }}\n")},
    ),
    "liquid-whitespace": (
        "whitespace control",
        None,
        {P: fm(T, body="{%- if page.title -%} x {%- endif -%}\n")},
    ),
    "liquid-stray-end": ("{% endif %} with no if", "FC207", {P: fm(T, body="text {% endif %}\n")}),
    "liquid-include-missing": (
        "include of a file not in _includes",
        "FC207",
        {P: fm(T, body="{% include poster.html %}\n")},
    ),
    "liquid-include-present": (
        "include of a file in _includes",
        None,
        {P: fm(T, body="{% include poster.html %}\n"), "_includes/poster.html": "<img>\n"},
    ),
    "liquid-link-missing": (
        "{% link %} to a file not in the site: the build stops",
        "FC207",
        {P: fm(T, body="See {% link _posts/2019-01-01-gone.md %}.\n")},
    ),
    "liquid-link-present": (
        "{% link %} to a post of the site",
        None,
        {
            P: fm(T, body="See {% link _posts/2019-01-01-ran.md %}.\n"),
            "_posts/2019-01-01-ran.md": fm("title: Ran"),
        },
    ),
    "liquid-post-url-missing": (
        "{% post_url %} of no post: the build stops",
        "FC207",
        {P: fm(T, body="See {% post_url 2019-01-01-gone %}.\n")},
    ),
    "liquid-post-url-present": (
        "{% post_url %} of a post",
        None,
        {
            P: fm(T, body="See {% post_url 2019-01-01-ran %}.\n"),
            "_posts/2019-01-01-ran.md": fm("title: Ran"),
        },
    ),
    # --- URLs
    "url-same-slug-two-dates": (
        "the same slug on two dates: two URLs",
        None,
        {
            "_posts/2019-05-01-her.md": fm("title: Her"),
            "_posts/2021-05-01-her.md": fm("title: Her"),
        },
    ),
    "url-same-permalink": (
        "two posts with one permalink",
        "FC204",
        {
            "_posts/2019-05-01-her.md": fm("title: Her", "permalink: /film/"),
            "_posts/2021-05-01-ran.md": fm("title: Ran", "permalink: /film/"),
        },
    ),
    "url-title-style": (
        "permalink /:title/: one slug on two dates collides",
        "FC204",
        {
            "_config.yml": "permalink: /:title/\n",
            "_posts/2019-05-01-her.md": fm("title: Her"),
            "_posts/2021-05-01-her.md": fm("title: Her"),
        },
    ),
    "url-case-only": (
        "URLs differing only by case (FC204 warns)",
        "FC204",
        {
            "_config.yml": "permalink: /:title/\n",
            "_posts/2019-05-01-Her.md": fm("title: Her"),
            "_posts/2021-05-01-her.md": fm("title: Her"),
        },
    ),
    "url-page-and-post": (
        "a page and a post with one URL",
        "FC204",
        {
            "her.md": fm("title: Her page", "permalink: /2019/05/01/her.html"),
            "_posts/2019-05-01-her.md": fm("title: Her"),
        },
    ),
    "url-categories": (
        "one slug in two categories: two URLs",
        None,
        {
            "_posts/2019-05-01-her.md": fm("title: Her", "category: drama"),
            "_posts/2019-05-01-her.markdown": fm("title: Her", "category: scifi"),
        },
    ),
}


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    manifest = {}
    for name, (about, rule, files) in CASES.items():
        for rel, content in files.items():
            target = OUT / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            target.write_bytes(data)
        manifest[name] = {"about": about, "rule": rule}
    (HERE / "cases.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{len(CASES)} cases in {OUT}")


if __name__ == "__main__":
    main()
