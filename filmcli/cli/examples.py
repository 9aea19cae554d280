"""The examples each command's help ends with: real command lines for the example site.

Kept in one table, not in each command's decorator, so every command has them and the
test that runs them finds them in one place (tests/test_terminal_ux.py).
"""

from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "": [
        "filmcli list --where 'year<1960' --sort year",
        "filmcli -L examples/site stats",
        "filmcli help list",
    ],
    "init": ["filmcli init my-blog", "filmcli init --title 'Late films' ."],
    "list": [
        "filmcli list --where 'year<1960' --sort year",
        "filmcli list --search kubrick --format json --fields title,year,director",
        "filmcli list --where poster=none --format paths",
    ],
    "parse": [
        "filmcli parse her",
        "filmcli parse 'casablanca 1942' --format json",
        "filmcli parse _posts/2017-11-09-сталкер.md --format toml",
    ],
    "validate": [
        "filmcli validate",
        "filmcli validate --select FC1 --format github",
        "filmcli validate --rules",
    ],
    "stats": ["filmcli stats", "filmcli stats --format json --top 3"],
    "new": [
        "filmcli new --title Her --director 'Spike Jonze' --year 2013 --poster her.jpg",
        "filmcli new --title Solaris --director 'Andrei Tarkovsky' --year 1972 "
        "--poster solaris.png --draft --edit",
        "filmcli new  # on a terminal: asked for each field",
    ],
    "add": [
        "filmcli add catalog.json",
        "filmcli add --from letterboxd diary.csv --dry-run",
        "filmcli add old-blog/_posts/",
    ],
    "set": [
        "filmcli set her rating=4.5 'tags=[drama, romance]'",
        "filmcli set --where 'year<1950' 'tags=[classic]' --dry-run",
        "filmcli set casablanca rating!",
    ],
    "edit": ["filmcli edit casablanca", "filmcli edit citizen kane 1941"],
    "rm": ["filmcli rm her --dry-run", "filmcli rm --where 'year<1950' --yes"],
    "rename": [
        "filmcli rename her --title 'Her (2013)' --dry-run",
        "filmcli rename casablanca --date 2019-03-01",
    ],
    "publish": ["filmcli publish solaris", "filmcli publish solaris --date 2024-01-31 --dry-run"],
    "unpublish": ["filmcli unpublish her --dry-run", "filmcli unpublish her"],
    "fill": [
        "filmcli fill --where 'poster=none' --dry-run",
        "filmcli fill her --only poster",
        "filmcli fill --yes --provider wikidata",
    ],
    "lookup": [
        "filmcli lookup 'Seven Samurai' --year 1954",
        "filmcli lookup Stalker --provider wikidata --format json",
    ],
    "export": [
        "filmcli export --output catalog.json",
        "filmcli export --format csv --posters omit",
        "filmcli export --output catalog.csv --posters files --posters-dir posters",
    ],
    "extract-posters": ["filmcli extract-posters --dry-run", "filmcli extract-posters --rewrite"],
    "embed-posters": [
        "filmcli embed-posters --dry-run",
        "filmcli embed-posters _posts/2013-12-18-her.md",
    ],
    "show": [
        "filmcli show her",
        "filmcli show casablanca 1942 --poster-only",
        "filmcli show 七人の侍 --symbols half",
    ],
    "wall": [
        "filmcli wall --output wall.jpg",
        "filmcli wall --output old.jpg --where 'year<1960' --sort year --tile-width 120",
    ],
    "config": [
        "filmcli config show",
        "filmcli config set poster.max_width 300",
        "filmcli config get validate.min_year",
    ],
    "config show": ["filmcli config show", "filmcli config show --format json"],
    "config set": [
        "filmcli config set poster.max_width 300",
        "filmcli config set poster.format webp",
    ],
    "config get": ["filmcli config get poster.max_width", "filmcli config get validate"],
    "config unset": ["filmcli config unset poster.max_width", "filmcli config unset poster.format"],
    "cache": ["filmcli cache info", "filmcli cache clear"],
    "cache info": ["filmcli cache info", "filmcli cache info --format json"],
    "cache clear": ["filmcli cache clear", "filmcli cache clear --all"],
    "completion": [
        "mkdir -p ~/.local/share/bash-completion/completions && "
        "filmcli completion bash > ~/.local/share/bash-completion/completions/filmcli",
        "filmcli completion zsh > ~/.zfunc/_filmcli",
        "filmcli completion fish > ~/.config/fish/completions/filmcli.fish",
    ],
    "help": ["filmcli help list", "filmcli help config set"],
}


def epilog(path: str) -> str | None:
    """The `Examples:` block for a command path (`list`, `config set`), kept as written."""
    lines = EXAMPLES.get(path)
    if not lines:
        return None
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def attach(group, path: str = "") -> None:
    """Give `group` and every command under it its examples (unless it has its own)."""
    if not getattr(group, "epilog", None):
        group.epilog = epilog(path)
    for name, command in getattr(group, "commands", {}).items():
        attach(command, f"{path} {name}".strip())
