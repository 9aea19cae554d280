"""The Liquid in a post's body, parsed as Jekyll's Liquid parses it, for what stops a build.

python-liquid implements Shopify Liquid; Jekyll adds its own tags (highlight, include,
link, post_url...), and plugins add more: those in the site's `_plugins/*.rb` and those of
the plugins its `_config.yml` (or its Gemfile's `jekyll_plugins` group) names. What is left
to report is what real Jekyll 4.3 stops on (tests/data/conformance): an unknown tag, a block
never closed, an end tag with no block, a `{{` or `{%` never closed, an include of a
file not in `_includes`, a `{% link %}` to a file not in the site and a `{% post_url %}` of no
post. Other expression errors are not reported: Jekyll's Liquid parses
expressions laxly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: Jekyll 4.3's own tags: name -> is a block (jekyll/tags/*.rb)
JEKYLL_TAGS = {
    "highlight": True,
    "include": False,
    "include_relative": False,
    "link": False,
    "post_url": False,
}
#: tags of well-known plugins (name in _config.yml `plugins:` -> tag: is a block)
PLUGIN_TAGS: dict[str, dict[str, bool]] = {
    "jekyll-seo-tag": {"seo": False},
    "jekyll-feed": {"feed_meta": False},
    "jekyll-gist": {"gist": False},
    "jekyll-twitter-plugin": {"twitter": False},
    "jekyll-include-cache": {"include_cached": False},
    "jekyll-avatar": {"avatar": False},
    "jekyll-responsive-image": {"responsive_image": False, "responsive_image_block": True},
    "jekyll-toc": {"toc": False},
    "jekyll-youtube": {"youtube": False},
    "jekyll-figure": {"figure": True},
    "jekyll-katex": {"katex": True, "katexmm": True},
    "jekyll-spaceship": {},
    "jekyll-redirect-from": {},
    "jekyll-compose": {},
    "jekyll-sitemap": {},
    "jekyll-paginate": {},
    "jekyll-paginate-v2": {},
    "jekyll-archives": {},
    "jekyll-github-metadata": {},
    "jemoji": {},
    "jekyll-mentions": {},
    "jekyll-relative-links": {},
    "jekyll-optional-front-matter": {},
    "jekyll-readme-index": {},
    "jekyll-default-layout": {},
    "jekyll-titles-from-headings": {},
    "jekyll-coffeescript": {},
    "jekyll-sass-converter": {},
    "jekyll-commonmark-ghpages": {},
    "jekyll-last-modified-at": {},
    "jekyll-remote-theme": {},
    "jekyll-data": {},
    "jekyll-polyglot": {"I18n_Headers": False},
}
_REGISTER = re.compile(r"""register_tag\s*\(?\s*["':]([\w-]+)["']?\s*,\s*([\w:]+)""")
_BLOCK_CLASS = r"class\s+(?:\w+::)*{name}\s*<\s*(?:::)?Liquid::(?:Block|Raw)\b"


@dataclass(frozen=True)
class LiquidSite:
    """What a site adds to Liquid: extra tags (name -> is a block), whether an unknown
    plugin may add more, and where includes are looked for."""

    tags: tuple[tuple[str, bool], ...] = ()
    open_tags: bool = False  # a plugin filmcli does not know: unknown tags are not errors
    includes: Path | None = None  # None: not checked (a theme may hold them)
    root: Path | None = None  # the site: `{% link %}` and `{% post_url %}` targets
    notes: tuple[str, ...] = field(default=())


def site_liquid(root: Path, config: dict | None) -> LiquidSite:
    """The Liquid additions of the site at `root` (`config`: its _config.yml, read)."""
    config = config or {}
    tags: dict[str, bool] = dict(JEKYLL_TAGS)
    open_tags = False
    plugins_dir = root / str(config.get("plugins_dir") or "_plugins")
    if plugins_dir.is_dir():
        for path in sorted(plugins_dir.rglob("*.rb"))[:500]:
            try:
                source = path.read_text(encoding="utf-8", errors="replace")[:1_000_000]
            except OSError:
                continue
            for name, klass in _REGISTER.findall(source):
                short = klass.split("::")[-1]
                block = re.search(_BLOCK_CLASS.format(name=re.escape(short)), source)
                tags[name] = block is not None
    for plugin in _plugin_names(root, config):
        known = PLUGIN_TAGS.get(plugin)
        if known is None:
            open_tags = True
        else:
            tags.update(known)
    themed = bool(config.get("theme") or config.get("remote_theme"))
    includes = None if themed else root / str(config.get("includes_dir") or "_includes")
    return LiquidSite(tuple(sorted(tags.items())), open_tags, includes, root)


def _plugin_names(root: Path, config: dict) -> list[str]:
    names: list[str] = []
    for key in ("plugins", "gems"):
        value = config.get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names.extend(str(v) for v in value if isinstance(v, (str, int)))
    gemfile = root / "Gemfile"
    if gemfile.is_file():
        try:
            text = gemfile.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            text = ""
        group = re.search(r"group\s*\(?\s*:jekyll_plugins.*?\bdo\b(.*?)\bend\b", text, re.S)
        if group:
            names.extend(re.findall(r"""gem\s+["']([\w.-]+)["']""", group.group(1)))
    return names


@dataclass(frozen=True)
class LiquidProblem:
    offset: int
    message: str


_STRUCTURAL = (
    (re.compile(r"unexpected tag '(end\w+|else|elsif|when)'"), "stray"),
    (re.compile(r"unexpected tag '([^']+)'"), "unknown"),
    (re.compile(r"expected tag (end\w+)"), "unclosed"),
    (re.compile(r"(\w+) tag was never closed"), "unclosed-named"),
    (re.compile(r"expected '\}\}', found end of file"), "output"),
    (re.compile(r"missing tag name or closing delimiter|expected '%\}'"), "tag"),
)


@lru_cache(maxsize=16)
def _environment(tags: tuple[tuple[str, bool], ...]):
    from liquid import Environment, Mode
    from liquid.ast import Node
    from liquid.exceptions import LiquidError
    from liquid.parser import get_parser
    from liquid.tag import Tag
    from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

    class Nothing(Node):
        def render_to_output(self, context, buffer):  # never rendered
            return 0

    def make(tag_name: str, is_block: bool):
        class Opaque(Tag):
            name = tag_name
            end = "end" + tag_name
            block = is_block

            def parse(self, stream):
                token = stream.eat(TOKEN_TAG)
                if stream.current.kind == TOKEN_EXPRESSION:
                    next(stream)
                if is_block:
                    get_parser(self.env).parse_block(stream, frozenset((self.end, TOKEN_EOF)))
                    stream.expect(TOKEN_TAG, value=self.end)
                return Nothing(token)

        return Opaque

    class Collecting(Environment):
        found: list

        def error(
            self,
            exc: type[LiquidError] | LiquidError,
            msg: str | None = None,
            token: Token | None = None,
        ) -> None:
            if not isinstance(exc, Exception):
                exc = exc(msg, token=token)
            elif not exc.token:
                exc.token = token
            self.found.append(exc)

    env = Collecting(tolerance=Mode.LAX)
    env.found = []
    env.tags.pop("doc", None)  # Liquid 5.5's; Jekyll 4.3 has Liquid 5.4
    for name, is_block in tags:
        env.add_tag(make(name, is_block))
    return env


_INCLUDE = re.compile(r"\{%-?\s*include\s+([^\s%}]+)")


def liquid_problems(body: str, site: LiquidSite) -> list[LiquidProblem]:
    """What in `body` stops `jekyll build`, first problem first (offsets into `body`)."""
    if "{%" not in body and "{{" not in body:
        return []
    from liquid.exceptions import LiquidError

    env = _environment(site.tags)
    env.found = []
    try:
        env.parse(body)
    except LiquidError as exc:
        env.found.append(exc)
    except (RecursionError, ValueError):
        return []
    out: list[LiquidProblem] = []
    for err in env.found:
        text = str(getattr(err, "message", None) or err.args[0] if err.args else err)
        message = _describe(text, site)
        if message is not None:
            token = getattr(err, "token", None)
            offset = getattr(token, "start_index", -1)
            if offset is None or offset < 0:
                offset = _opener(body, message)
            out.append(LiquidProblem(offset, message))
            break  # Jekyll stops on the first
    if not out and site.includes is not None:
        out.extend(_missing_includes(body, site.includes))
    if not out and site.root is not None:
        out.extend(_missing_targets(body, site.root))
    return out


def _describe(text: str, site: LiquidSite) -> str | None:
    for pattern, kind in _STRUCTURAL:
        found = pattern.search(text)
        if not found:
            continue
        if kind == "stray":
            return f"Liquid tag '{found.group(1)}' has no block to close"
        if kind == "unknown":
            if site.open_tags:
                return None  # a plugin filmcli does not know may define it
            return (
                f"unknown Liquid tag '{found.group(1)}' (not Liquid's, Jekyll's, or a "
                "plugin's in _plugins/ or _config.yml)"
            )
        if kind == "unclosed":
            return f"Liquid block is never closed: no '{{% {found.group(1)} %}}'"
        if kind == "unclosed-named":
            name = found.group(1)
            return f"Liquid block '{name}' is never closed: no '{{% end{name} %}}'"
        if kind == "output":
            return "Liquid tag '{{' is not closed with '}}'"
        return "Liquid tag '{%' is not closed with '%}'"
    return None


def _opener(body: str, message: str) -> int:
    """Where the block a message says is never closed opens (its last opening tag)."""
    found = re.search(r"no '\{% end(\w+) %\}'", message)
    if found:
        openers = list(re.finditer(r"\{%-?\s*" + found.group(1) + r"\b", body))
        if openers:
            return openers[-1].start()
    return 0


def _missing_includes(body: str, includes: Path) -> list[LiquidProblem]:
    for found in _INCLUDE.finditer(body):
        name = found.group(1)
        if "{{" in name or not re.fullmatch(r"[\w./-]+", name) or ".." in name:
            continue
        if _inside_raw(body, found.start()):
            continue
        if not (includes / name).is_file():
            return [
                LiquidProblem(found.start(), f"Liquid include '{name}' is not in {includes.name}/")
            ]
    return []


_LINK = re.compile(r"\{%-?\s*(link|post_url)\s+([^\s%}]+)\s*-?%\}")


def _missing_targets(body: str, root: Path) -> list[LiquidProblem]:
    """`{% link path %}` of a file not in the site, `{% post_url name %}` of no post: Jekyll
    stops the build on either ('Could not find document', 'Could not find post')."""
    for found in _LINK.finditer(body):
        tag, target = found.groups()
        if "{{" in target or ".." in target or _inside_raw(body, found.start()):
            continue
        if tag == "link":
            if not (root / target.lstrip("/")).is_file():
                return [
                    LiquidProblem(
                        found.start(), f"Liquid link to '{target}', which is not a file of the site"
                    )
                ]
        elif not _post_exists(root, target):
            return [
                LiquidProblem(
                    found.start(), f"Liquid post_url of '{target}', which is no post of the site"
                )
            ]
    return []


def _post_exists(root: Path, name: str) -> bool:
    """Whether a post `name` (`2010-07-21-slug`, or `category/2010-07-21-slug`) exists in
    one of the site's `_posts` folders (Jekyll's PostComparer, by name without extension)."""
    folder, _, stem = name.rpartition("/")
    for posts in _posts_folders(root):
        for candidate in ((posts / folder) if folder else posts).glob(glob_escape(stem) + ".*"):
            if candidate.is_file():
                return True
        if folder and any((root / folder / "_posts").glob(glob_escape(stem) + ".*")):
            return True
    return False


def _posts_folders(root: Path) -> list[Path]:
    """The site's `_posts` folders (at most 1,000), looked for only when a post_url is."""
    import os

    found = []
    for folder, dirs, _ in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in ("_site", "node_modules", "vendor")
        )
        if os.path.basename(folder) == "_posts":
            found.append(Path(folder))
        if len(found) >= 1000:
            break
    return found


def glob_escape(text: str) -> str:
    import glob

    return glob.escape(text)


def _inside_raw(body: str, offset: int) -> bool:
    opened = [m.end() for m in re.finditer(r"\{%-?\s*raw\s*-?%\}", body[:offset])]
    if not opened:
        return False
    return re.search(r"\{%-?\s*endraw\s*-?%\}", body[opened[-1] : offset]) is None
