"""What Jekyll 4.3 does with a post, where it differs from what filmcli reads.

Jekyll reads front matter with Ruby's Psych (`Psych.safe_load(yaml, permitted_classes:
[Date, Time], aliases: true)`), dates with `Time.parse`, and file names with its own
pattern. Each function here answers one of those questions the way Jekyll does, checked
against real Jekyll by the conformance suite (tests/data/conformance).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    line: int | None
    severity: str
    message: str
    rule: str = "FC209"


# --- Psych's ScalarScanner#tokenize (psych/scalar_scanner.rb, Ruby 3.1) ---------------

_PSYCH_STR = re.compile(r"[^\d.:-]?(?:[^\W\d]|[_\s!@#$%^&*(){}<>|/\\~;=])+")
_PSYCH_TIME = re.compile(
    r"-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?"
    r"(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?\Z"
)
_PSYCH_DATE = re.compile(r"\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)\Z")
_PSYCH_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?\Z")
_PSYCH_INT = re.compile(
    r"(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+"
    r"|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)\Z"
)
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\Z")
_SEXAGESIMAL_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*\Z")


class Symbol(str):
    """A Ruby Symbol: Psych makes one of `:name`, and Jekyll's safe_load refuses it."""


class _When:
    """A date or time: both readers make one; not compared."""


WHEN = _When()


def _ruby_int(text: str) -> int:
    """Ruby's Integer() of text Psych has matched as an integer."""
    clean = text.replace(",", "").replace("_", "")
    sign = -1 if clean.startswith("-") else 1
    digits = clean.lstrip("+-")
    if digits[:2] in ("0b", "0B"):
        return sign * int(digits[2:], 2)
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits[2:], 16)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits[1:], 8)
    return sign * int(digits)


def psych_scalar(text: str):
    """The value Psych gives a plain (unquoted, untagged) scalar, as Jekyll reads it."""
    if text == "":
        return None
    if _PSYCH_STR.match(text) or "\n" in text:
        if len(text) > 5 or re.match(r"[^ytonf~]", text, re.I):
            return text
        if text == "~" or text.lower() == "null":
            return None
        if text.lower() in ("yes", "true", "on"):
            return True
        if text.lower() in ("no", "false", "off"):
            return False
        return text
    if _PSYCH_TIME.match(text):
        return WHEN
    if _PSYCH_DATE.match(text):
        try:
            _dt.datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            return text
        return WHEN
    if re.fullmatch(r"\+?\.inf", text, re.I):
        return float("inf")
    if re.fullmatch(r"-\.inf", text, re.I):
        return float("-inf")
    if re.fullmatch(r"\.nan", text, re.I):
        return float("nan")
    if re.match(r":.", text):
        quoted = re.match(r""":(["'])(.*)\1""", text)
        return Symbol(quoted.group(2) if quoted else text[1:])
    if _SEXAGESIMAL.match(text):
        parts = text.split(":")
        return sum(int(p.replace("_", "") or 0) * 60 ** abs(e - 2) for e, p in enumerate(parts))
    if _SEXAGESIMAL_FLOAT.match(text):
        parts = text.split(":")
        return sum(float(p.replace("_", "")) * 60 ** abs(e - 2) for e, p in enumerate(parts))
    if _PSYCH_FLOAT.match(text):
        if re.fullmatch(r"[-+]?\.", text):
            return text
        return float(re.sub(r"[,_]|\.([Ee]|$)", r"\1", text))
    if _PSYCH_INT.match(text):
        try:
            return _ruby_int(text)
        except ValueError:
            return text
    return text


def _same(ours, theirs) -> bool:
    if theirs is WHEN:
        return True
    if isinstance(ours, bool) or isinstance(theirs, bool) or ours is None or theirs is None:
        return ours is theirs
    if isinstance(ours, float) and isinstance(theirs, float) and ours != ours:
        return theirs != theirs
    return type(ours) is type(theirs) and ours == theirs


def _show(value) -> str:
    if isinstance(value, Symbol):
        return f"the Ruby Symbol :{value}"
    if value is None:
        return "nil (no value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


_OBJECT_TAGS = ("tag:yaml.org,2002:set", "tag:yaml.org,2002:omap")
_STANDARD = "tag:yaml.org,2002:"
_PLAIN_TAGS = {
    f"{_STANDARD}{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge")
}
DROPS = "Jekyll drops the whole front matter"


def _tag_name(tag: str) -> str:
    return tag.replace(_STANDARD, "!!")


def psych_findings(text: str, first_line: int = 2):
    """(findings, document node): each value of a front matter (YAML text) that Jekyll's
    Psych reads differently from PyYAML, with what Jekyll does (errors when Jekyll drops the
    front matter or reads another value, warnings when it reads what filmcli refuses), and
    each alias (an FC006 warning: both read it). None when the text does not compose.

    Composes the text with libyaml, as Psych does: nothing is constructed, and an alias
    stays a shared node (an alias bomb costs nothing here)."""
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader_class)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    if node is None:
        return [], None
    out: list[Finding] = []
    builder = yaml.SafeLoader("")
    seen: set[int] = set()
    aliased = False
    stack = [node]
    while stack and len(out) < 50:
        item = stack.pop()
        if id(item) in seen:
            if not aliased:
                aliased = True
                out.append(
                    Finding(
                        item.start_mark.line + first_line,
                        WARNING,
                        "YAML anchor and alias: Jekyll and filmcli both read the "
                        "value again where the alias is",
                        "FC006",
                    )
                )
            continue
        seen.add(id(item))
        line = item.start_mark.line + first_line
        tag = item.tag or ""
        if isinstance(item, yaml.ScalarNode):
            out.extend(_scalar_findings(item, tag, line, builder))
        else:
            if tag in _OBJECT_TAGS or tag.startswith(("!ruby/", f"{_STANDARD}ruby/")):
                out.append(
                    Finding(
                        line,
                        ERROR,
                        f"YAML tag {_tag_name(tag)} makes a Ruby "
                        f"object Jekyll refuses: {DROPS} of this post",
                    )
                )
            elif tag not in _PLAIN_TAGS:
                out.append(
                    Finding(
                        line,
                        WARNING,
                        f"Jekyll ignores the YAML tag "
                        f"{_tag_name(tag)} and reads the value as written",
                    )
                )
            if isinstance(item, yaml.MappingNode):
                for key, value in reversed(item.value):
                    stack.extend((value, key))
            else:
                stack.extend(reversed(item.value))
    out.sort(key=lambda f: (f.line or 0, f.severity))
    return out, node


def plain_value(node, key: str, first_line: int = 2) -> tuple[str, int] | None:
    """(text, file line) of a top-level key's scalar value in a composed document."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if (
            isinstance(key_node, yaml.ScalarNode)
            and key_node.value == key
            and isinstance(value, yaml.ScalarNode)
        ):
            return value.value, value.start_mark.line + first_line
    return None


def shared_values(value) -> bool:
    """Whether a value PyYAML built holds one object twice (an alias: PyYAML builds an
    aliased node once; text of two letters or more is otherwise built anew each time)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)) or (isinstance(item, str) and len(item) > 1):
            if id(item) in seen:
                return True
            seen.add(id(item))
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return False


def ruby_s(value) -> str:
    """Ruby's `to_s` of a value as Jekyll has it (what Utils.parse_date is given)."""
    from filmcli.model.urls import _ruby_s

    if isinstance(value, list):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    return _ruby_s(value)


def iso_date(text: str) -> bool:
    """A `date:` filmcli reads the same day from (YYYY-MM-DD, with a time or not)."""
    from filmcli.model.post import coerce_date

    return coerce_date(text) is not None


def no_front_matter(relative: str) -> str:
    """What Jekyll does with a file of `relative` path that has no front matter."""
    if in_posts_folder(relative) or "_drafts" in Path(relative).parts[:-1]:
        found = DATE_NAME.match(Path(relative).name)
        slug = found.group(4) if found else Path(relative).stem
        title = " ".join(part.capitalize() for part in slug.split("-"))
        return (
            f"Jekyll builds it as a post titled {title!r} (from the file name) with "
            "none of the fields"
        )
    return "Jekyll copies it as a static file: it makes no page of it"


def _scalar_findings(item, tag: str, line: int, builder) -> list[Finding]:
    value = item.value
    if tag.startswith(("!ruby/", f"{_STANDARD}ruby/")):
        return [
            Finding(
                line,
                ERROR,
                f"YAML tag {_tag_name(tag)} makes a Ruby object Jekyll "
                f"refuses: {DROPS} of this post",
            )
        ]
    if tag == f"{_STANDARD}binary":
        return [
            Finding(
                line,
                WARNING,
                "Jekyll reads !!binary as the decoded bytes, shown as "
                "text; filmcli does not read this post",
            )
        ]
    if item.style:  # quoted or block: text to both (plain is None, or "" from libyaml)
        if tag not in _PLAIN_TAGS:
            return [
                Finding(
                    line,
                    WARNING,
                    f"Jekyll ignores the YAML tag {_tag_name(tag)} and "
                    f"reads {_short(value)} as text",
                )
            ]
        return []
    implicit = builder.resolve(yaml.ScalarNode, value, (True, False))
    if tag != implicit and tag in _PLAIN_TAGS:
        return []  # an explicit !!str, !!int...: both readers follow it
    theirs = psych_scalar(value)
    if tag not in _PLAIN_TAGS and not (tag == f"{_STANDARD}value" and value == "="):
        if isinstance(theirs, Symbol):
            return [
                Finding(
                    line,
                    ERROR,
                    f"Jekyll reads {_short(value)} as {_show(theirs)}, "
                    f"which it refuses: {DROPS} of this post",
                )
            ]
        return [
            Finding(
                line,
                WARNING,
                f"Jekyll ignores the YAML tag {_tag_name(tag)} and "
                f"reads {_short(value)} as {_show(theirs)}",
            )
        ]
    try:
        ours = builder.construct_object(item, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError):
        ours = _Unreadable
    if isinstance(theirs, Symbol):
        return [
            Finding(
                line,
                ERROR,
                f"Jekyll reads {_short(value)} as {_show(theirs)}, which "
                f"it refuses ('Tried to load unspecified class: Symbol'): "
                f"{DROPS} of this post; quote it to keep it as text",
            )
        ]
    if ours is _Unreadable:
        if theirs is WHEN:
            return []
        shown = "text" if theirs == value else _show(theirs)
        return [
            Finding(
                line,
                WARNING,
                f"Jekyll reads {_short(value)} as {shown}; filmcli cannot read it (quote it)",
            )
        ]
    if isinstance(ours, (_dt.date, _dt.datetime)) or _same(ours, theirs):
        return []
    return [
        Finding(
            line,
            ERROR,
            f"Jekyll reads {_short(value)} as {_show(theirs)}, not "
            f"{_show(ours)} as YAML 1.1 does (Ruby's Psych); quote it to "
            "keep it as text",
        )
    ]


class _Unreadable:
    pass


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def suspicious(value) -> bool:
    """Whether a value PyYAML gave may have been read otherwise by Psych: any number but a
    four-digit year, text starting with ':' or of digits and commas, odd-case booleans."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, (int, float)):
            return True
        elif isinstance(item, str) and (
            item.startswith(":") or _ODD_WORD.fullmatch(item) or _COMMA_NUMBER.fullmatch(item)
        ):
            return True
    return False


_ODD_WORD = re.compile(r"(?i:yes|no|true|false|on|off|null)")
_COMMA_NUMBER = re.compile(r"[-+]?[0-9][0-9_,]*(?:\.[0-9]*)?")


def front_matter_text(
    path: Path, skip: tuple[int, int] | None = None, limit: int = 1 << 20
) -> str | None:
    """A post file's front matter as text, split as Jekyll splits it, without the bytes in
    `skip` (the poster's base64, replaced by `x`); None when there is none."""
    try:
        with open(path, "rb") as handle:
            if skip is not None:
                head = handle.read(skip[0]) + b"x"
                handle.seek(skip[1])
                head += handle.read(limit)
            else:
                head = handle.read(limit)
    except OSError:
        return None
    return front_matter_of(head)


def front_matter_of(head: bytes) -> str | None:
    """The front matter of a post's bytes (or their beginning), split as Jekyll splits it."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    found = re.match(rb"---\s*\n(.*?\n?)^(?:---|\.\.\.)\s*$", head, re.M | re.S)
    if not found:
        return None
    try:
        return found.group(1).decode("utf-8")
    except UnicodeDecodeError:
        return None


# --- Time.parse (Ruby's Date._parse), as Jekyll reads `date:` --------------------------

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_DAYNAMES = {n.lower() for n in (*calendar.day_name, *calendar.day_abbr)}
#: Date._parse_iso: y-m-d anywhere in the text (what follows it, a time or a zone, aside)
_ISO = re.compile(r"(?<![\d-])([-+]?\d{2,})-(\d{1,2})-(\d{1,2})(?!\d)")
_SLASH = re.compile(r"(\d{1,4})[/.](\d{1,2})[/.](\d{1,4})(?:[ T]+\d{1,2}:\d{2}.*)?\Z")
_WORDS = re.compile(r"[a-z]+|\d+(?:st|nd|rd|th)?", re.I)
_TIME_ONLY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?\Z", re.I)


@dataclass(frozen=True)
class JekyllDate:
    """What Jekyll makes of a `date:` text: the day it reads, or None when the build stops;
    `exact` is False when filmcli only knows Jekyll reads some date."""

    day: _dt.date | None
    exact: bool = True


def _rolled(year: int, month: int, day: int) -> _dt.date | None:
    """Time.local's reading of a day: days past the month's end roll over (Feb 30 is
    Mar 1 or 2), up to 31; months past 12 and days past 31 stop the build."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return _dt.date(year, month, 1) + _dt.timedelta(days=day - 1)


def ruby_date(text: str, today: _dt.date | None = None) -> JekyllDate:
    """Jekyll's `Time.parse(value.to_s)` of a `date:` value (Utils.parse_date)."""
    today = today or _dt.date.today()
    text = text.strip()
    iso = _ISO.search(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        if len(iso.group(1).lstrip("+-")) == 2:
            year += 2000 if year < 69 else 1900
        return JekyllDate(_rolled(year, month, day))
    slash = _SLASH.match(text)
    if slash:
        a, b, c = slash.groups()
        if len(a) == 4:
            return JekyllDate(_rolled(int(a), int(b), int(c)))
        if len(c) == 4:  # Ruby reads d/m/yyyy... as mday, mon
            return JekyllDate(_rolled(int(c), int(b), int(a)))
        year = 2000 + int(c) if int(c) < 69 else 1900 + int(c)
        return JekyllDate(_rolled(year, int(b), int(a)), exact=False)
    if text.isdigit():
        return _digits_date(text, today)
    if _TIME_ONLY.match(text):
        return JekyllDate(today, exact=False)
    words = _WORDS.findall(text)
    months = [w for w in words if w.lower() in _MONTHS]
    if not months:
        if any(w[0].isdigit() and re.fullmatch(r"\d+(st|nd|rd|th)", w, re.I) for w in words):
            day = int(re.findall(r"^\d+", next(w for w in words if w[0].isdigit()))[0])
            return JekyllDate(_rolled(today.year, today.month, day), exact=False)
        return JekyllDate(None)  # no month name, no digits Ruby can place: it stops
    month = _MONTHS[months[0].lower()]
    years = [int(w) for w in words if w.isdigit() and len(w) == 4]
    year = years[0] if years else today.year
    day = 1
    at = words.index(months[0])
    around = [words[at - 1]] if at > 0 else []
    around += [words[at + 1]] if at + 1 < len(words) else []
    for word in around:
        number = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", word, re.I)
        if number and not _between_of(text, word, months[0]):
            day = int(number.group(1))
            break
    return JekyllDate(_rolled(year, month, day), exact=bool(years))


def _between_of(text: str, word: str, month: str) -> bool:
    """`18th of December`: Ruby does not take the 18th as the day."""
    return re.search(re.escape(word) + r"\s+of\s+" + re.escape(month), text, re.I) is not None


def _digits_date(text: str, today: _dt.date) -> JekyllDate:
    """Date._parse of a bare number: dd, yyddd, mmdd, yymmdd, yyyymmdd..."""
    n = len(text)
    if n == 2:
        return JekyllDate(_rolled(today.year, today.month, int(text)))
    if n == 3:
        return JekyllDate(None if not 1 <= int(text) <= 366 else today, exact=False)
    if n == 4:
        return JekyllDate(_rolled(today.year, int(text[:2]), int(text[2:])))
    if n == 5:
        day = int(text[2:])
        return JekyllDate(
            None
            if not 1 <= day <= 366
            else _dt.date(2000 + int(text[:2]), 1, 1) + _dt.timedelta(days=day - 1),
            exact=False,
        )
    if n == 6:
        return JekyllDate(_rolled(2000 + int(text[:2]), int(text[2:4]), int(text[4:])))
    if n == 8:
        return JekyllDate(_rolled(int(text[:4]), int(text[4:6]), int(text[6:])))
    return JekyllDate(None, exact=False)


# --- file names ----------------------------------------------------------------------

#: Document::DATE_FILENAME_MATCHER: how Jekyll finds a post's date in its file name
DATE_NAME = re.compile(r"(\d{2,4})-(\d{1,2})-(\d{1,2})-([^/]*)(\.[^.]+)\Z")


def name_date(name: str) -> tuple[bool, _dt.date | None]:
    """(whether Jekyll reads a date from the name, the day it reads or None if it stops)."""
    found = DATE_NAME.match(name)
    if not found:
        return False, None
    year, month, day = (int(g) for g in found.groups()[:3])
    if len(found.group(1)) == 2:
        year += 2000 if year < 69 else 1900
    return True, _rolled(year, month, day) if year >= 1 else None


def film_collection(root: Path) -> str | None:
    """The folder (relative to the site) of a site's posts when it has no `_posts`: with
    `collections_dir`, its `_posts` if there is one; else the one collection other than
    posts that `_config.yml` names (None when there is none, or several)."""
    from filmcli.errors import FilmcliError
    from filmcli.model.urls import site_config

    try:
        config = site_config(root)[0]
    except FilmcliError:
        return None
    base = config.get("collections_dir")
    base = str(base).strip("/") if isinstance(base, (str, int)) and str(base).strip("/") else ""
    if ".." in Path(base).parts:
        return None
    if base and (root / base / "_posts").is_dir():
        return f"{base}/_posts"
    collections = config.get("collections")
    labels = list(collections) if isinstance(collections, (dict, list)) else []
    labels = [
        str(x)
        for x in labels
        if isinstance(x, (str, int))
        and str(x) != "posts"
        and "/" not in str(x)
        and ".." not in str(x)
    ]
    folders = [f"{base}/_{label}" if base else f"_{label}" for label in labels]
    folders = [f for f in folders if (root / f).is_dir()]
    return folders[0] if len(folders) == 1 else None


def in_posts_folder(relative: str) -> bool:
    """Whether a file is in a `_posts` folder, where Jekyll needs a date in its name (in
    any other collection it needs none)."""
    return "_posts" in Path(relative).parts[:-1]


# --- URLs: what builds to the same file ----------------------------------------------

_PAGE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
_SKIPPED_DIRS = frozenset(("node_modules", "vendor", "_site", ".jekyll-cache", ".sass-cache"))
MAX_PAGES = 20_000


def destination(url: str) -> str:
    """The file a URL is written to, as Jekyll's Document#destination makes it."""
    from urllib.parse import unquote

    path = unquote(url)
    if path.endswith("/"):
        return path + "index.html"
    if "." not in path.rsplit("/", 1)[-1]:
        return path + ".html"
    return path


def page_urls(root: Path, excluded: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(relative path, URL) of the site's pages that have front matter: files outside the
    `_` and `.` folders, their `permalink:` or their path (Jekyll's Page#url)."""
    import os

    from filmcli.model.urls import sanitize_url

    out: list[tuple[str, str]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(("_", ".")) and d not in _SKIPPED_DIRS and d not in excluded
        )
        for name in sorted(files):
            if not name.lower().endswith(_PAGE_SUFFIXES) or name.startswith(("_", ".")):
                continue
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if relative in excluded:
                continue
            front = _page_front_matter(path)
            if front is None:
                continue
            permalink = front.get("permalink")
            if isinstance(permalink, str) and permalink:
                url = sanitize_url(permalink)
            else:
                stem, ext = relative.rsplit(".", 1)
                url = "/" + (stem + ".html" if ext.lower() != "htm" else relative)
                if url.endswith("/index.html"):
                    url = url[: -len("index.html")]
            out.append((relative, url))
            if len(out) >= MAX_PAGES:
                return out
    return out


def _page_front_matter(path: Path) -> dict | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return None
    found = re.match(rb"---\s*\n(.*?\n?)^(?:---|\.\.\.)\s*$", head, re.M | re.S)
    if not found:
        return None
    try:
        front = yaml.load(
            found.group(1).decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return front if isinstance(front, dict) else {}
