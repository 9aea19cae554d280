"""`filmcli.toml`: the library's settings, with defaults that fit a stock Jekyll site."""

from __future__ import annotations

import copy
import datetime as _dt
import math
import sys
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path

from filmcli.errors import FilmcliError, UsageError

CONFIG_NAME = "filmcli.toml"

_KNOWN_KEYS = (
    "layout",
    "title",
    "director",
    "year",
    "poster",
    "date",
    "categories",
    "category",
    "tags",
    "permalink",
    "published",
    "excerpt",
    "slug",
    "rating",
    "letterboxd",
    "tmdb",
    "wikidata",
    "imdb",
)


# The one home of every setting's default. Each section is a table of filmcli.toml; a
# setting's type is its default's (a float default takes whole numbers too).


@dataclass(frozen=True)
class ValidateSettings:
    required: tuple[str, ...] = ("title", "director", "year", "poster")
    max_pixels: int = 25_000_000
    max_bytes: int = 5_000_000
    min_year: int = 1870
    known_keys: tuple[str, ...] = _KNOWN_KEYS


@dataclass(frozen=True)
class PosterSettings:
    max_width: int = 400
    format: str = ""
    dir: str = "assets/posters"
    max_download_bytes: int = 10_000_000


@dataclass(frozen=True)
class DefaultsSettings:
    layout: str = "post"
    front_matter: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReadSettings:
    max_post_bytes: int = 64_000_000


@dataclass(frozen=True)
class WallSettings:
    max_pixels: int = 40_000_000  # a 120 MB RGB canvas


@dataclass(frozen=True)
class LookupSettings:
    provider: str = ""  # tmdb or wikidata; empty: tmdb when a key is set, else wikidata
    tmdb_url: str = "https://api.themoviedb.org"
    tmdb_poster_size: str = "w500"
    wikidata_url: str = "https://www.wikidata.org/w/api.php"
    commons_file_url: str = "https://commons.wikimedia.org/wiki/Special:FilePath/"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_seconds: float = 60.0  # one response, however slowly it comes
    retries: int = 3
    max_retry_after: float = 30.0
    requests_per_second: float = 4.0
    cache_days: int = 7


@dataclass(frozen=True)
class Settings:
    """The settings in force, typed: `library.settings.read.max_post_bytes`. Built once by
    `load_config` (defaults, then the site's filmcli.toml); `Settings()` is the defaults."""

    posts_dir: str = "_posts"
    validate: ValidateSettings = field(default_factory=ValidateSettings)
    poster: PosterSettings = field(default_factory=PosterSettings)
    defaults: DefaultsSettings = field(default_factory=DefaultsSettings)
    read: ReadSettings = field(default_factory=ReadSettings)
    wall: WallSettings = field(default_factory=WallSettings)
    lookup: LookupSettings = field(default_factory=LookupSettings)

    @classmethod
    def from_dict(cls, tree: dict) -> Settings:
        """The settings a nested dict gives (what filmcli.toml over the defaults is, checked
        by check_setting); keys filmcli does not know are left out."""
        return _build(cls, tree)


def _build(kind, tree):
    values = {}
    for item in fields(kind):
        if item.name not in tree:
            continue
        value = tree[item.name]
        default = _default_of(item)
        if is_dataclass(default):
            value = _build(type(default), value if isinstance(value, dict) else {})
        elif isinstance(default, tuple):
            value = tuple(value)
        elif isinstance(default, float):
            value = float(value)
        elif isinstance(default, dict):
            value = copy.deepcopy(value)
        values[item.name] = value
    return kind(**values)


def _default_of(item):
    return item.default if item.default is not MISSING else item.default_factory()


def _as_tree(settings) -> dict:
    """A Settings (or one section) as the nested dict of TOML values `config show` prints."""
    out: dict = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        if is_dataclass(value):
            value = _as_tree(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dict):
            value = copy.deepcopy(value)
        out[item.name] = value
    return out


#: the defaults as nested dicts (TOML's shapes): what `filmcli init` writes commented out
DEFAULTS: dict = _as_tree(Settings())


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _toml_loads(text: str) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads(text)


class Config(dict):
    """The settings in force: filmcli.toml over the defaults, as the nested dicts
    `filmcli config show` prints. Code reads the typed `settings` built beside them."""

    def __init__(self, tree: dict):
        super().__init__(tree)
        self.settings = Settings.from_dict(tree)


def settings_of(config: dict) -> Settings:
    """The typed settings of `config`: its own when load_config made it, else built from
    the dict (over the defaults)."""
    if isinstance(config, Config):
        return config.settings
    return Settings.from_dict(_merge(DEFAULTS, config))


def load_config(root: Path) -> Config:
    path = root / CONFIG_NAME
    if not path.is_file():
        return Config(copy.deepcopy(DEFAULTS))
    try:
        user = _toml_loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise FilmcliError("not valid UTF-8 text", path) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        msg = str(exc)
        line = None
        if "(at line " in msg:
            try:
                line = int(msg.split("(at line ")[1].split(",")[0])
            except ValueError:
                line = None
        raise FilmcliError(f"invalid TOML: {msg.split(' (at line')[0]}", path, line) from None
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror}", path) from None
    _check_types(user, DEFAULTS, path)
    return Config(_merge(DEFAULTS, user))


_KINDS = (
    (bool, "true or false"),
    (int, "a whole number"),
    (float, "a number"),
    (str, "text"),
    (list, "a list of text"),
    (dict, "a table of settings"),
)
#: whole-number settings that may be below 1
_ANY_INT = {"validate.min_year"}


class SettingError(ValueError):
    """A setting's value breaks its rule (the message starts after `KEY: `)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return repr(value)


def check_setting(dotted: str, value, default=None) -> None:
    """The one rule book for a setting's value, on load and in `config set`.

    `default` is the setting's default (looked up when not given); raises
    SettingError. Tables are checked key by key by the caller.
    """
    if dotted.startswith("defaults.front_matter."):
        _check_front_matter(value)
        return
    if default is None:
        default = _default_for(dotted)
    kind, label = next((k, label) for k, label in _KINDS if isinstance(default, k))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # a whole number is a number too
    wrong = not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool))
    if kind is list and not wrong:
        wrong = not all(isinstance(item, str) for item in value)
    if wrong:
        raise SettingError(f"must be {label}, not {_shown(value)}")
    if kind is int and value < 1 and dotted not in _ANY_INT:
        raise SettingError(f"must be 1 or more, not {value}")
    if kind is float and not (math.isfinite(value) and value > 0):
        raise SettingError(f"must be a number above 0, not {_shown(value)}")
    if dotted == "poster.format":
        from filmcli.model.imageinfo import FORMAT_NAMES

        if value.strip().lower() not in ("", "keep", *FORMAT_NAMES):
            raise SettingError(
                f"{value!r} is not a format filmcli can write",
                hint="use jpeg, png, webp, gif or avif, or '' to keep each poster's own format",
            )


def _check_front_matter(value) -> None:
    """Extra front matter must survive YAML: no times of day, no NaN or infinity."""
    if isinstance(value, _dt.time):
        raise SettingError(
            f"a time of day ({value.isoformat()}) cannot be front matter",
            hint="give a date and time (1979-05-27T07:32:00Z) or quoted text",
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise SettingError(f"{value} cannot be front matter", hint="give a number or text")
    if isinstance(value, dict):
        for item in value.values():
            _check_front_matter(item)
    elif isinstance(value, list):
        for item in value:
            _check_front_matter(item)


def _check_types(user: dict, defaults: dict, path: Path, prefix: str = "") -> None:
    """Each known setting obeys check_setting: one `PATH:LINE: key: ...` error, not a crash."""
    for key, value in user.items():
        name = f"{prefix}{key}"
        if key not in defaults and prefix != "defaults.front_matter.":
            continue  # unknown keys are the user's own
        default = defaults.get(key)
        try:
            if (
                isinstance(default, dict)
                and isinstance(value, dict)
                and not (name == "defaults.front_matter")
            ):
                _check_types(value, default, path, f"{name}.")
                continue
            if name == "defaults.front_matter" and isinstance(value, dict):
                _check_types(value, {}, path, f"{name}.")
                continue
            check_setting(name, value, default)
        except SettingError as exc:
            shown = "a table of settings" if isinstance(default, dict) else _shown(default)
            raise FilmcliError(
                f"{name}: {exc.message}",
                path,
                _line_of(path, name),
                hint=exc.hint or f"edit the file; the default is {shown}",
            ) from None


def _line_of(path: Path, dotted: str) -> int | None:
    """The line of filmcli.toml that sets `dotted` (or the table holding it), if found."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    want = dotted.split(".")
    table: list | None = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[["):
            table = None  # an array of tables: no setting lives there
        elif stripped.startswith("["):
            table = _key_parts(stripped[1 : stripped.find("]")])
        elif table is not None and "=" in stripped and not stripped.startswith("#"):
            full = table + _key_parts(stripped.split("=", 1)[0])
            if full == want[: len(full)]:
                return number
    return None


def _key_parts(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in key.split(".")]


def _default_for(dotted: str):
    node = DEFAULTS
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            if dotted.startswith("defaults.front_matter."):
                return None
            known = ", ".join(sorted(flatten(DEFAULTS)))
            raise UsageError(f"unknown setting {dotted!r}", hint=f"settings: {known}")
        node = node[part]
    return node


def flatten(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def parse_value(dotted: str, text: str):
    """Turn the command line's text into the setting's value, checked by check_setting."""
    default = _default_for(dotted)
    try:
        value = _toml_loads(f"v = {text}")["v"]
    except ValueError:
        value = text
    if isinstance(default, dict):
        raise UsageError(f"{dotted} is a table; set one of its keys instead")
    if isinstance(default, str) and not isinstance(value, str):
        value = text
    elif isinstance(default, list) and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    try:
        check_setting(dotted, value, default)
    except SettingError as exc:
        raise UsageError(f"{dotted}: {exc.message}", hint=exc.hint) from None
    return value


def set_value(root: Path, dotted: str, text: str) -> object:
    """Change one setting in filmcli.toml, keeping the file's comments and other keys."""
    import tomlkit

    from filmcli.store.atomic import write_atomic

    value = parse_value(dotted, text)
    path = root / CONFIG_NAME
    try:
        source = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        # `filmcli init` writes every setting commented out: fill that block, not a new one
        source = _uncomment(
            source, dotted, f"{dotted.rsplit('.', 1)[-1]} = {tomlkit.item(value).as_string()}"
        )
        doc = tomlkit.parse(source) if source else tomlkit.document()
    except OSError as exc:
        raise FilmcliError(f"cannot read: {exc.strerror}", path) from None
    except Exception as exc:  # tomlkit.exceptions.ParseError and friends
        raise FilmcliError(f"invalid TOML: {exc}", path) from None
    parts = dotted.split(".")
    node = doc
    for part in parts[:-1]:
        if part not in node:
            node[part] = tomlkit.table()
        node = node[part]
        if not isinstance(node, dict):
            raise FilmcliError(f"{part!r} is not a table", path)
    node[parts[-1]] = value
    write_atomic(path, tomlkit.dumps(doc).encode("utf-8"))
    return value


def _uncomment(text: str, dotted: str, line: str) -> str:
    """`text` with the commented-out `# [table]` header of `dotted`'s table made real and
    its commented `# key = ...` line replaced by `line`, when the file has them."""
    table, _, key = dotted.rpartition(".")
    if not table:
        return text
    lines = text.splitlines(keepends=True)
    header = next(
        (i for i, ln in enumerate(lines) if ln.strip() in (f"# [{table}]", f"[{table}]")), None
    )
    if header is None:
        return text
    end = next(
        (i for i in range(header + 1, len(lines)) if lines[i].lstrip("# ").startswith("[")),
        len(lines),
    )
    slot = next((i for i in range(header + 1, end) if lines[i].startswith(f"# {key} = ")), None)
    if slot is None:
        return text
    if lines[header].startswith("#"):
        lines[header] = f"[{table}]\n"
    lines[slot] = line + "\n"
    return "".join(lines)


def unset_value(root: Path, dotted: str) -> bool:
    """Remove one setting from filmcli.toml (the default applies again); False if absent."""
    import tomlkit

    from filmcli.store.atomic import write_atomic

    path = root / CONFIG_NAME
    if not path.exists():
        return False
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8-sig"))
    except Exception as exc:  # tomlkit.exceptions.ParseError and friends
        raise FilmcliError(f"invalid TOML: {exc}", path) from None
    node: object = doc
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return False
    if not isinstance(node, dict) or parts[-1] not in node:
        return False
    del node[parts[-1]]
    write_atomic(path, tomlkit.dumps(doc).encode("utf-8"))
    return True


def xdg_dir(variable: str, default: str) -> Path | None:
    """`$variable` when it is an absolute path, else `~/default`; None when there is no
    usable home folder (HOME unset, relative or not there): nothing is made in its place."""
    import os

    base = os.environ.get(variable) or ""
    if os.path.isabs(base):
        return Path(base)
    home = os.path.expanduser("~")  # "~" itself when HOME is unset and no passwd entry
    if not os.path.isabs(home) or not os.path.isdir(home):
        return None
    return Path(home) / default


def user_config_path() -> Path | None:
    """The user's own settings: $XDG_CONFIG_HOME/filmcli/config.toml (~/.config by default);
    None when there is no home folder to hold them."""
    folder = xdg_dir("XDG_CONFIG_HOME", ".config")
    return None if folder is None else folder / "filmcli" / "config.toml"


def user_config() -> dict:
    """The user's own settings (only `allow_outside` so far); {} when there is no file.

    These are choices a site's filmcli.toml may not make for the user, such as writing
    posts through a folder that leads outside the site.
    """
    path = user_config_path()
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise FilmcliError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", path) from None
    try:
        data = _toml_loads(text)
    except ValueError as exc:
        raise FilmcliError(f"invalid TOML: {str(exc).split(' (at line')[0]}", path) from None
    value = data.get("allow_outside", False)
    if not isinstance(value, bool):
        raise FilmcliError("allow_outside must be true or false", path)
    return data
