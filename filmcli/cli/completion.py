"""Completion of values, not just names: films, fixed choices, fields, settings, rules.

Installed only while a shell asks for completions (`_FILMCLI_COMPLETE` set, see app.py):
each parameter below gets a completer; everything else keeps Typer's answer. A parameter
that takes a path gets nothing from here, so the shell completes file names itself (bash:
`complete -o default`, zsh: `_files`). A completer never fails the shell: any error means
no completions.
"""

from __future__ import annotations

#: Commands whose FILM argument names posts; `publish` takes drafts, `unpublish` posts.
FILM_ARGUMENTS = {
    "show": "query",
    "parse": "files",
    "set": "words",
    "edit": "words",
    "rm": "words",
    "rename": "words",
    "publish": "words",
    "unpublish": "words",
}


def _choices() -> dict[tuple[str, str], tuple[str, ...]]:
    """(command, option or argument) -> its fixed values, from the modules that check them."""
    from filmcli.cli.info import SHELLS
    from filmcli.cli.lint import VALIDATE_FORMATS
    from filmcli.cli.read import LIST_FORMATS, PARSE_FORMATS
    from filmcli.lookup import PROVIDERS
    from filmcli.ops.add import SOURCE_KINDS
    from filmcli.ops.export import EXPORT_FORMATS, POSTER_MODES
    from filmcli.show.page import PROTOCOLS, SYMBOLS

    text_json = ("text", "json")
    return {
        ("list", "--format"): LIST_FORMATS,
        ("parse", "--format"): PARSE_FORMATS,
        ("validate", "--format"): VALIDATE_FORMATS,
        ("export", "--format"): EXPORT_FORMATS,
        ("stats", "--format"): text_json,
        ("extract-posters", "--format"): text_json,
        ("embed-posters", "--format"): text_json,
        ("cache info", "--format"): text_json,
        ("lookup", "--format"): ("table", "json"),
        ("config show", "--format"): ("text", "toml", "json"),
        ("add", "--from"): SOURCE_KINDS,
        ("export", "--posters"): POSTER_MODES,
        ("show", "--symbols"): SYMBOLS,
        ("show", "--protocol"): PROTOCOLS,
        ("lookup", "--provider"): PROVIDERS,
        ("completion", "shell"): SHELLS,
    }


def _library(ctx):
    from filmcli.api import Library

    root = ctx.find_root()
    return Library.discover(root.params.get("library"))


def _films(ctx, incomplete: str, which: str):
    """Slugs of the films `incomplete` starts (a slug, a file name, or title words)."""
    from typer._click.shell_completion import CompletionItem  # typer 0.29 vendors click

    from filmcli.model.post import Post
    from filmcli.ops.selector import words
    from filmcli.text import visible

    library = _library(ctx)
    posts = [p for p in library.iter_posts(drafts=True) if isinstance(p, Post)]
    if which == "drafts":
        posts = [p for p in posts if p.draft]
    elif which == "posts":
        posts = [p for p in posts if not p.draft]
    typed = incomplete.casefold()
    asked = words(incomplete)
    slugs: dict[str, int] = {}
    for post in posts:
        slugs[post.slug] = slugs.get(post.slug, 0) + 1
    found = {}
    for post in posts:
        title = "" if post.title is None else str(post.title)
        named = words(title)
        if not (
            post.slug.casefold().startswith(typed)
            or post.path.stem.casefold().startswith(typed)
            or (asked and all(any(t.startswith(w) for t in named) for w in asked))
        ):
            continue
        # Two films with one slug: each by its file name, which names it alone.
        value = post.slug if slugs[post.slug] == 1 else post.path.stem
        if post.path.stem.casefold().startswith(typed) and not post.slug.casefold().startswith(
            typed
        ):
            value = post.path.stem  # `2013-12-` goes on as the file name it began
        if visible(value) != value or any(ch.isspace() for ch in value):
            continue  # a file name with control characters or spaces: typed, not offered
        found[value] = visible(f"{title} ({post.year})" if post.year is not None else title)
    return [CompletionItem(value, help=help_) for value, help_ in sorted(found.items())]


def _field_names(ctx) -> list[str]:
    from filmcli.ops.query import BUILTIN_FIELDS, COMPUTED_FIELDS
    from filmcli.store.config import DEFAULTS

    names = set(BUILTIN_FIELDS) | set(COMPUTED_FIELDS)
    try:
        names.update(_library(ctx).config["validate"]["known_keys"])
    except Exception:  # no library here: the keys every library knows
        names.update(DEFAULTS["validate"]["known_keys"])
    return sorted(names)


def _fields(ctx, incomplete: str):
    """`title,di` -> `title,director`: the last name of a comma list."""
    head, comma, last = incomplete.rpartition(",")
    start = head + comma
    return [start + name for name in _field_names(ctx) if name.startswith(last)]


def _sort_fields(ctx, incomplete: str):
    sign = "-" if incomplete.startswith("-") else ""
    typed = incomplete[len(sign) :]
    return [sign + name for name in _field_names(ctx) if name.startswith(typed)]


def _where(ctx, incomplete: str):
    import re

    if re.search(r"[=<>~!]", incomplete):
        return []  # the value is the user's
    return [name for name in _field_names(ctx) if name.startswith(incomplete)]


def _setting_keys(ctx, incomplete: str):
    from filmcli.store.config import DEFAULTS, flatten

    try:
        settings = flatten(dict(_library(ctx).config))
    except Exception:
        settings = flatten(DEFAULTS)
    return [key for key in sorted(settings) if key.startswith(incomplete)]


def _rules(ctx, incomplete: str):
    from filmcli.ops.validate import RULES

    return [rule for rule in sorted(RULES) if rule.startswith(incomplete.upper())]


def _set_words(ctx, incomplete: str):
    """`set FILM KEY=VALUE...`: a film first, then the keys it may set."""
    if ctx.params.get("words") or ctx.params.get("where") or ctx.params.get("search"):
        if "=" in incomplete or incomplete.endswith("!"):
            return []
        return [
            name + "="
            for name in _field_names(ctx)
            if name.startswith(incomplete)
            and name not in ("path", "slug", "body", "draft", "url", "date")
        ]
    return _films(ctx, incomplete, "all")


def _command_names(ctx, incomplete: str):
    """`help con` -> config; `help config s` -> set, show."""
    group = ctx.find_root().command
    for name in ctx.params.get("command") or ():
        group = getattr(group, "commands", {}).get(name)
        if group is None:
            return []
    return [
        name
        for name in sorted(getattr(group, "commands", {}))
        if name.startswith(incomplete) and not group.commands[name].hidden
    ]


def _guarded(complete):
    """A completer that answers nothing rather than fail in the user's shell."""

    def run(ctx, param, incomplete):
        try:
            return complete(ctx, incomplete)
        except Exception:
            return []

    return run


def _fixed(values):
    return lambda ctx, incomplete: [v for v in values if v.startswith(incomplete)]


def _values_first() -> None:
    """After an option that takes a value, complete its value even when it starts with `-`.

    The parser takes the next word as the value whatever it looks like (`--sort -year`);
    click's completion offered option names there instead.
    """
    try:
        from typer._click import shell_completion
    except ImportError:  # pragma: no cover
        return
    original = shell_completion._resolve_incomplete
    if getattr(original, "_filmcli", False):
        return

    def resolve(ctx, args, incomplete):
        if "--" not in args and "=" not in incomplete:
            for param in ctx.command.get_params(ctx):
                if shell_completion._is_incomplete_option(ctx, args, param):
                    return param, incomplete
        return original(ctx, args, incomplete)

    # (attr-defined: a mark on a function object, which mypy does not let one add)
    resolve._filmcli = True  # type: ignore[attr-defined]
    shell_completion._resolve_incomplete = resolve


def install(group) -> None:
    """Give the parameters of every command of `group` their value completers."""
    _values_first()
    choices = _choices()

    def completer(command: str, param):
        long_names = [o for o in param.opts if o.startswith("--")] or [param.name]
        for name in long_names:
            if (command, name) in choices:
                return _fixed(choices[command, name])
        if FILM_ARGUMENTS.get(command) == param.name and param.param_type_name == "argument":
            if command == "set":
                return _set_words
            which = {"publish": "drafts", "unpublish": "posts"}.get(command, "all")
            return lambda ctx, incomplete: _films(ctx, incomplete, which)
        if "--fields" in long_names:
            return _fields
        if "--sort" in long_names:
            return _sort_fields
        if "--where" in long_names:
            return _where
        if "--select" in long_names or "--ignore" in long_names:
            return _rules
        if command.startswith("config ") and param.name == "key":
            return _setting_keys
        if command == "help" and param.name == "command":
            return _command_names
        return None

    def walk(cmd, path: str) -> None:
        for param in cmd.params:
            found = completer(path, param)
            if found is not None:
                param._custom_shell_complete = _guarded(found)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(group, "")
