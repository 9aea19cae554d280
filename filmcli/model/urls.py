"""A post's URL, computed exactly as Jekyll 4.3 does (jekyll/url.rb, drops/url_drop.rb,
document.rb, utils.rb), from `_config.yml`'s `permalink` and `baseurl`.

`site_settings(root)` reads the site's settings once; `post_url(post, settings)` is the
post's `page.url`; `public_url` adds the baseurl; `redirect_plugin` says whether the site
uses jekyll-redirect-from.
"""

from __future__ import annotations

import datetime as _dt
import glob
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast, overload

import yaml

from filmcli.errors import FilmcliError
from filmcli.model.post import Post, coerce_date
from filmcli.model.reader import check_yaml_depth

MAX_CONFIG_BYTES = 1_000_000
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CONFIG_NAMES = ("_config.yml", "_config.yaml")  # Jekyll's order when no --config is given

#: Jekyll 4.3's built-in permalink styles (configuration.rb STYLE_TO_PERMALINK).
STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
REDIRECT_PLUGIN = "jekyll-redirect-from"
_MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"


@dataclass(frozen=True)
class SiteSettings:
    """What a post's URL depends on in the site's configuration."""

    root: Path
    permalink: str = "date"  # as configured: a style name or a template
    template: str = STYLES["date"]  # the posts' URL template the style stands for
    baseurl: str = ""
    plugins: tuple[str, ...] = ()
    timezone: str | None = None
    markdown_ext: str = _MARKDOWN_EXT
    config_path: Path | None = None
    #: the valid sets of `defaults:` (front matter defaults), as (scope, values)
    defaults: tuple = ()

    def defaults_for(self, relative: str) -> list[dict]:
        """FrontmatterDefaults#all for a post at `relative` (a path inside the site):
        the values of every set whose scope applies, the more specific ones winning."""
        merged: dict = {}
        old_scope = None
        for scope, values in self.defaults:
            if not (_applies_type(scope) and _applies_path(self.root, scope, relative)):
                continue
            if _has_precedence(old_scope, scope):
                merged = {**merged, **values}
                old_scope = scope
            else:
                merged = {**values, **merged}
        return [merged] if merged else []


def _scope_path(value) -> str:
    if not isinstance(value, str) or not value:
        return ""
    return value[1:] if value.startswith("/") else value


def _applies_type(scope: dict) -> bool:
    if "type" not in scope:
        return True
    kind = scope["type"]  # Jekyll's to_sym: only text can name a type
    return isinstance(kind, str) and {"post": "posts"}.get(kind, kind) == "posts"


@lru_cache(maxsize=64)
def _glob(root: Path, pattern: str) -> tuple[str, ...]:
    found = glob.glob(str(root / pattern))
    return tuple(Path(p).relative_to(root).as_posix() for p in found)


def _applies_path(root: Path, scope: dict, relative: str) -> bool:
    path = scope.get("path")
    if not isinstance(path, str) or not path:
        return True
    if "*" in path:
        return any(relative.startswith(found) for found in _glob(root, path))
    return relative.startswith(path)


def _has_precedence(old_scope: dict | None, new_scope: dict) -> bool:
    if old_scope is None:
        return True
    new_path, old_path = _scope_path(new_scope.get("path")), _scope_path(old_scope.get("path"))
    if len(new_path) != len(old_path):
        return len(new_path) >= len(old_path)
    return True if "type" in new_scope else "type" not in old_scope


def _ruby_s(value) -> str:
    """Ruby's `to_s` of a YAML value, for the kinds front matter holds."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, _dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _read_config(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror}", path) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise FilmcliError(
            f"over the limit of {MAX_CONFIG_BYTES:,} bytes for a site configuration", path
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FilmcliError("not valid UTF-8 text", path) from None
    check_yaml_depth(text, path)  # libyaml overflows its C stack on deep nesting
    try:
        config = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise FilmcliError(
            f"YAML syntax error: {problem}", path, mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise FilmcliError(f"YAML error: {first}", path) from None
    except RecursionError:
        raise FilmcliError("nested too deeply", path) from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise FilmcliError("not a mapping of settings (Jekyll cannot read it)", path, 1)
    return config


def _names(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


_SCALARS = (str, int, float, bool, _dt.date)


@overload
def _text(value, what: str, where, default: str) -> str: ...
@overload
def _text(value, what: str, where, default: None = None) -> str | None: ...
def _text(value, what: str, where, default: str | None = None) -> str | None:
    """A setting or key that must be one value (never a list: no str() of an alias tree)."""
    if value is None:
        return default
    if not isinstance(value, _SCALARS):
        raise UrlError(f"{what} must be one value, not a {type(value).__name__}", where)
    return _ruby_s(value)


def site_config(root: str | os.PathLike) -> tuple[dict, Path | None]:
    """The site's `_config.yml` (or `.yaml`) as read, and its path; ({}, None) without one."""
    root = Path(root)
    path = next((root / n for n in CONFIG_NAMES if (root / n).is_file()), None)
    return (_read_config(path) if path is not None else {}), path


def site_settings(root: str | os.PathLike) -> SiteSettings:
    """The URL settings of the site at `root` (Jekyll's defaults where it has no config)."""
    root = Path(os.path.abspath(root))
    config, path = site_config(root)
    style = _text(config.get("permalink"), "permalink", path, "date")
    template = STYLES.get(style, style)
    collections = config.get("collections")
    if isinstance(collections, dict) and isinstance(collections.get("posts"), dict):
        own = collections["posts"].get("permalink")
        if own is not False:  # collection metadata wins, taken as written
            template = _text(own, "collections.posts.permalink", path, template)
    plugins = _names(config.get("plugins")) + _names(config.get("gems"))
    sets = config.get("defaults")
    defaults = tuple(
        (item.get("scope") if isinstance(item.get("scope"), dict) else {}, item["values"])
        for item in (sets if isinstance(sets, list) else ())
        if isinstance(item, dict) and isinstance(item.get("values"), dict)
    )
    return SiteSettings(
        root=root,
        permalink=style,
        template=template,
        baseurl=_text(config.get("baseurl"), "baseurl", path, ""),
        plugins=plugins,
        timezone=_text(config.get("timezone"), "timezone", path),
        markdown_ext=_text(config.get("markdown_ext"), "markdown_ext", path, _MARKDOWN_EXT),
        config_path=path,
        defaults=defaults,
    )


def redirect_plugin(settings: SiteSettings) -> bool:
    """Whether the site loads jekyll-redirect-from (`plugins:`, or the old `gems:`)."""
    return REDIRECT_PLUGIN in settings.plugins


# --- Utils.slugify -------------------------------------------------------------------

SLUGIFY_MODES = ("raw", "default", "pretty", "ascii", "latin")
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
_RUBY_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_EDGE_HYPHEN = re.compile(r"^-|-$", re.M)
# I18n's DEFAULT_APPROXIMATIONS (i18n 1.10, backend/transliterator.rb), char then ASCII.
_APPROX = dict(
    pair.split(":")
    for pair in (
        "À:A Á:A Â:A Ã:A Ä:A Å:A Æ:AE Ç:C È:E É:E Ê:E Ë:E Ì:I Í:I Î:I Ï:I Ð:D Ñ:N Ò:O Ó:O Ô:O "
        "Õ:O Ö:O ×:x Ø:O Ù:U Ú:U Û:U Ü:U Ý:Y Þ:Th ß:ss à:a á:a â:a ã:a ä:a å:a æ:ae ç:c è:e "
        "é:e ê:e ë:e ì:i í:i î:i ï:i ð:d ñ:n ò:o ó:o ô:o õ:o ö:o ø:o ù:u ú:u û:u ü:u ý:y þ:th "
        "ÿ:y Ā:A ā:a Ă:A ă:a Ą:A ą:a Ć:C ć:c Ĉ:C ĉ:c Ċ:C ċ:c Č:C č:c Ď:D ď:d Đ:D đ:d Ē:E ē:e "
        "Ĕ:E ĕ:e Ė:E ė:e Ę:E ę:e Ě:E ě:e Ĝ:G ĝ:g Ğ:G ğ:g Ġ:G ġ:g Ģ:G ģ:g Ĥ:H ĥ:h Ħ:H ħ:h Ĩ:I "
        "ĩ:i Ī:I ī:i Ĭ:I ĭ:i Į:I į:i İ:I ı:i Ĳ:IJ ĳ:ij Ĵ:J ĵ:j Ķ:K ķ:k ĸ:k Ĺ:L ĺ:l Ļ:L ļ:l Ľ:L "
        "ľ:l Ŀ:L ŀ:l Ł:L ł:l Ń:N ń:n Ņ:N ņ:n Ň:N ň:n ŉ:'n Ŋ:NG ŋ:ng Ō:O ō:o Ŏ:O ŏ:o Ő:O ő:o Œ:OE "
        "œ:oe Ŕ:R ŕ:r Ŗ:R ŗ:r Ř:R ř:r Ś:S ś:s Ŝ:S ŝ:s Ş:S ş:s Š:S š:s Ţ:T ţ:t Ť:T ť:t Ŧ:T ŧ:t "
        "Ũ:U ũ:u Ū:U ū:u Ŭ:U ŭ:u Ů:U ů:u Ű:U ű:u Ų:U ų:u Ŵ:W ŵ:w Ŷ:Y ŷ:y Ÿ:Y Ź:Z ź:z Ż:Z ż:z "
        "Ž:Z ž:z"
    ).split()
)


def _downcase(text: str) -> str:
    """Ruby's String#downcase: full case mapping, but no context (no final sigma)."""
    return "".join(ch.lower() for ch in text)


def _kept(ch: str, mode: str) -> bool:
    if mode == "ascii":
        return ch.isascii() and ch.isalnum()
    category = unicodedata.category(ch)
    if category[0] in "LM" or category == "Nd":
        return True
    return mode == "pretty" and ch in _PRETTY_KEEP


def slugify(string, mode: str | None = None, cased: bool = False) -> str | None:
    """Jekyll::Utils.slugify, mode by mode: raw, default, pretty, ascii, latin; any
    other mode (such as "none") gives the text itself, lower-cased unless `cased`."""
    mode = mode or "default"
    if string is None:
        return None
    string = _ruby_s(string)
    if mode not in SLUGIFY_MODES:
        return string if cased else _downcase(string)
    if mode == "latin":
        string = "".join(_APPROX.get(ch, "?") if ord(ch) > 0x7F else ch for ch in string)
    if mode == "raw":
        slug = _RUBY_SPACE.sub("-", string)
    else:
        parts: list[str] = []
        in_run = False
        for ch in string:
            if _kept(ch, mode):
                parts.append(ch)
                in_run = False
            elif not in_run:
                parts.append("-")
                in_run = True
        slug = "".join(parts)
    slug = _EDGE_HYPHEN.sub("", slug)
    return slug if cased else _downcase(slug)


# --- URL.escape_path (Addressable::URI.encode) ----------------------------------------

_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SUB_DELIMS = frozenset(b"!$&'()*+,;=")
_UNRESERVED = _ALNUM | frozenset(b"-._~")
_PCHAR = _UNRESERVED | _SUB_DELIMS | frozenset(b":@")
_CLASSES = {
    "scheme": _ALNUM | frozenset(b"-+."),
    "authority": _PCHAR | frozenset(b"[:]"),
    "path": _PCHAR | frozenset(b"/"),
    "query": _PCHAR | frozenset(b"/?"),
    "fragment": _PCHAR | frozenset(b"/?"),
}
_URIREGEX = re.compile(r"^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$", re.M)
_SAFE_PATH = re.compile(r"^[a-zA-Z0-9./-]+$", re.M)
_NORMPATH = re.compile(r"^(?!/)[^/:]*:.*$", re.M)
_SCHEME = re.compile(r"[a-z][a-z0-9.+\-]*\Z", re.I)
_IP_SCHEMES = frozenset(
    (
        "http",
        "https",
        "ftp",
        "tftp",
        "sftp",
        "ssh",
        "svn+ssh",
        "telnet",
        "nntp",
        "gopher",
        "wais",
        "ldap",
        "prospero",
    )
)


class UrlError(FilmcliError):
    """A value Jekyll cannot turn into a URL (its build would stop on it)."""


def _encode_component(text: str, kind: str) -> str:
    allowed = _CLASSES[kind]
    return "".join(chr(b) if b in allowed else f"%{b:02X}" for b in text.encode("utf-8"))


def escape_path(path: str) -> str:
    """Jekyll::URL.escape_path: Addressable::URI.encode, then the first `#` as %23."""
    if not path or _SAFE_PATH.search(path):
        return path
    match = _URIREGEX.match(path)
    if match is None:  # the pattern matches every string; kept for safety
        raise UrlError(f"Jekyll cannot make a URL of {path!r}")
    scheme, authority, upath, query, fragment = match.group(2, 4, 5, 7, 9)
    out = ""
    if scheme is not None:
        scheme = _encode_component(scheme, "scheme")
        if not _SCHEME.match(scheme):
            raise UrlError(
                f"Jekyll cannot make a URL of {path!r}: {scheme!r} reads as an "
                "invalid URI scheme (Addressable::URI::InvalidURIError)"
            )
        out += scheme + ":"
    if authority is not None:
        out += "//" + _encode_component(authority, "authority")
    upath = _encode_component(upath or "", "path")
    if scheme is not None and scheme.lower() in _IP_SCHEMES and not authority and not upath:
        raise UrlError(
            f"Jekyll cannot make a URL of {path!r}: an absolute URI without a "
            "host or path (Addressable::URI::InvalidURIError)"
        )
    if scheme is None and upath and _NORMPATH.search(upath):
        raise UrlError(
            f"Jekyll cannot make a URL of {path!r}: an ambiguous path "
            "(Addressable::URI::InvalidURIError)"
        )
    out += upath
    if query is not None:
        out += "?" + _encode_component(query, "query")
    if fragment is not None:
        out += "#" + _encode_component(fragment, "fragment")
    return out.replace("#", "%23", 1)


def sanitize_url(text: str) -> str:
    """Jekyll::URL#sanitize_url: no `..`, no `./`, no runs of `/`, one leading `/`."""
    result = ("/" + text).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", result)


# --- the post's placeholders (Drops::UrlDrop) -----------------------------------------

_FILENAME = re.compile(r"^(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PLACEHOLDER = re.compile(r":([a-z_]+)")


def _local_zone(settings: SiteSettings):
    if settings.timezone:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(settings.timezone)
        except (ValueError, KeyError, OSError, ImportError):
            return None  # Jekyll hands TZ to the C library, which falls back to UTC
    return None


def _as_local(moment: _dt.datetime, settings: SiteSettings) -> _dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)  # YAML: no zone means UTC
    zone = _local_zone(settings)
    if settings.timezone and zone is None:
        zone = _dt.timezone.utc
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def _front_date(value, settings: SiteSettings) -> _dt.datetime | None:
    """A `date:` key as Jekyll reads it (Time.parse(value.to_s).localtime), else None."""
    if isinstance(value, _dt.datetime):
        return _as_local(value, settings)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        try:
            moment = _dt.datetime.fromisoformat(text.replace(" +", "+").replace(" -", "-"))
        except ValueError:
            day = coerce_date(text)
            return None if day is None else _dt.datetime(day.year, day.month, day.day)
        return moment if moment.tzinfo is None else _as_local(moment, settings)
    return None


class NotBuilt(UrlError):
    """A post file Jekyll does not build as a post (so it has no URL)."""


def _union(first: list, second: list) -> list:
    """Ruby's Array#|: the items of both, in order, each once."""
    out: list = []
    for item in (*first, *second):
        if item not in out:
            out.append(item)
    return out


def _inside(path: Path, root: Path) -> str:
    """`path` relative to the site folder, as Jekyll sees it (a symlink is not followed
    unless that is the only way to find the post inside the site)."""
    text, base = os.path.abspath(path), os.path.join(str(root), "")
    if text.startswith(base):
        return text[len(base) :].replace(os.sep, "/")
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        raise NotBuilt("outside the site: Jekyll builds no post of it", path) from None


class _Facts:
    """What Jekyll's Document knows of a post for its URL: slug, date, categories, ext."""

    def __init__(self, post: Post, settings: SiteSettings):
        self.post = post
        self.settings = settings
        relative = _inside(post.path, settings.root)
        self.relative = relative
        parts = relative.split("/")
        special = next((p for p in parts[:-1] if p in ("_posts", "_drafts")), None)
        if special is None:
            raise NotBuilt(
                "not in a _posts or _drafts folder: Jekyll builds no post of it", post.path
            )
        self.basename_without_ext, self.ext = posixpath.splitext(post.path.name)
        # Document.new: the folders above _posts are categories; then the defaults of
        # _config.yml and the front matter are merged in, categories as a union.
        self.data: dict = {}
        categories: list | None = [p for p in parts[: parts.index(special)] if p]
        for source in (*settings.defaults_for(relative), post.front_matter):
            if source.get("categories") is not None:
                other = source["categories"]
                other = (
                    other.split()
                    if isinstance(other, str)
                    else (other if isinstance(other, list) else [other])
                )
                for item in other:  # one value each, before any comparing of them
                    _text(item, "a category", post.path)
                categories = _union(categories, other) if categories is not None else other
            elif "categories" in source:
                categories = None
            self.data.update({k: v for k, v in source.items() if k != "categories"})
        match = _FILENAME.match(relative)
        file_date = None
        if match:
            day_text, slug, self.ext = match.groups()
            try:
                y, m, d = (int(p) for p in day_text.split("-"))
                file_date = _dt.datetime(y, m, d)
            except ValueError:
                file_date = None
        elif special == "_posts":
            raise NotBuilt(
                "the file name has no date (YYYY-MM-DD-): Jekyll builds no post of it", post.path
            )
        else:
            slug = self.basename_without_ext
        slug = slug.rstrip(".")
        own_slug = self.data.get("slug")
        self.slug = (
            slug if own_slug is None or own_slug is False else _text(own_slug, "slug", post.path)
        )
        date = self.data.get("date")
        date = _front_date(date, settings) if date else None
        if date is None and file_date is None:  # a draft: Jekyll takes the file's mtime
            try:
                mtime = post.path.stat().st_mtime
            except OSError:  # not written yet (rename plans it): it will be written now
                mtime = _dt.datetime.now(_dt.timezone.utc).timestamp()
            date = _as_local(_dt.datetime.fromtimestamp(mtime, _dt.timezone.utc), settings)
        # a post has its file's date or its own; a draft got its mtime above
        self.date: _dt.datetime = cast(_dt.datetime, date or file_date)
        self.categories = self._categories(categories)

    def _categories(self, categories: list | None) -> list[str]:
        """Document#populate_categories: the categories, then `category` (or the
        categories again), each as text, once."""
        items = list(categories) if categories is not None else []
        if self.data.get("category") is not None:
            extra = self.data["category"]
            items += extra if isinstance(extra, list) else [extra]
        elif categories is not None:
            items += [c for c in categories if c is not None]
        return list(dict.fromkeys(_text(item, "a category", self.post.path, "") for item in items))

    def output_ext(self) -> str:
        permalink = self.permalink()
        if permalink is not None and not permalink.endswith("/"):
            ext = posixpath.splitext(permalink.rsplit("/", 1)[-1])[1]
            if ext:
                return ext
        exts = {"." + e.strip().lower() for e in self.settings.markdown_ext.split(",")}
        return ".html" if self.ext.lower() in exts else self.ext

    def permalink(self) -> str | None:
        value = self.data.get("permalink")
        return None if value is False else _text(value, "permalink", self.post.path)

    def cleaned_relative_path(self) -> str:
        stem = self.relative[: len(self.relative) - len(posixpath.splitext(self.relative)[1])]
        return stem.replace("_posts", "", 1).rstrip(".")

    def placeholders(self) -> dict:
        """Each UrlDrop key and how to compute it (called only for the keys a URL uses)."""
        d = self.date
        iso = d.isocalendar()
        return {
            "collection": lambda: "posts",
            "name": lambda: slugify(self.basename_without_ext),
            "title": lambda: slugify(self.slug, mode="pretty", cased=True),
            "slug": lambda: slugify(self.slug),
            "categories": lambda: "/".join(dict.fromkeys(_downcase(c) for c in self.categories)),
            "slugified_categories": lambda: "/".join(
                dict.fromkeys(slugify(c) or "" for c in self.categories)
            ),
            "year": lambda: f"{d.year:04d}",
            "month": lambda: f"{d.month:02d}",
            "day": lambda: f"{d.day:02d}",
            "hour": lambda: f"{d.hour:02d}",
            "minute": lambda: f"{d.minute:02d}",
            "second": lambda: f"{d.second:02d}",
            "i_day": lambda: str(d.day),
            "i_month": lambda: str(d.month),
            "short_month": lambda: _MONTHS[d.month - 1][:3],
            "long_month": lambda: _MONTHS[d.month - 1],
            "short_year": lambda: f"{d.year % 100:02d}",
            "w_year": lambda: str(iso[0]),
            "week": lambda: f"{iso[1]:02d}",
            "w_day": lambda: str(iso[2]),
            "short_day": lambda: _DAYS[d.weekday()][:3],
            "long_day": lambda: _DAYS[d.weekday()],
            "y_day": lambda: f"{d.timetuple().tm_yday:03d}",
            "output_ext": self.output_ext,
            "path": self.cleaned_relative_path,
        }


def fill_template(template: str, placeholders: dict, where: str | os.PathLike | None = None) -> str:
    """Jekyll::URL#generate_url_from_drop: each `:key` replaced by its escaped value."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        key = name[:-1] if name.endswith("_") else name
        if key not in placeholders:
            raise UrlError(
                f"the permalink template {template!r} has :{key}, which Jekyll does not know",
                where,
                hint="see Jekyll's permalink placeholders (:year, :month, :day, "
                ":title, :slug, :categories, :output_ext, ...)",
            )
        value = placeholders[key]()
        return escape_path("" if value is None else value) + name[len(key) :]

    return _PLACEHOLDER.sub(replace, template)


def post_url(post: Post, settings: SiteSettings) -> str:
    """The post's `page.url` as Jekyll 4.3 builds it (without the baseurl)."""
    facts = _Facts(post, settings)
    template = facts.permalink()
    where: str | os.PathLike | None = post.path
    if template is None:
        template, where = settings.template, settings.config_path
    return sanitize_url(fill_template(template, facts.placeholders(), where))


def public_url(post: Post, settings: SiteSettings) -> str:
    """The baseurl and the post's URL, as Jekyll's `relative_url` filter joins them."""
    base = settings.baseurl
    if base.endswith("/"):
        base = base[:-1]
    if base and not base.startswith("/"):
        base = "/" + base
    return base + post_url(post, settings)
