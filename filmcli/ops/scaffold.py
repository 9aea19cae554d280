"""`filmcli init`: a new library that Jekyll builds as it is.

Only files that are absent are written (an existing `_config.yml`, layout or
`filmcli.toml` is never touched), each atomically and exclusively.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from filmcli.errors import FilmcliError

CONFIG_YML = """\
# A film-review blog managed with filmcli (https://pypi.org/project/filmcli/).
title: {title}
description: "Reviews of films."
markdown: kramdown
permalink: date
exclude:
  - filmcli.toml
"""

DEFAULT_HTML = """\
<!DOCTYPE html>
<html lang="{{ site.lang | default: 'en' }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% if page.title %}{{ page.title | escape }} · {% endif %}{{ site.title | escape }}</title>
</head>
<body>
  <header><a href="{{ '/' | relative_url }}">{{ site.title | escape }}</a></header>
  <main>
{{ content }}
  </main>
</body>
</html>
"""

POST_HTML = """\
---
layout: default
---
<article class="post">
  <h1 dir="auto">{{ page.title | escape }}</h1>
  <p class="meta">Directed by {{ page.director | escape }} · {{ page.year }}</p>
  {% if page.poster %}<img class="poster" src="{{ page.poster }}"
       alt="Poster for {{ page.title | escape }}">{% endif %}
  {{ content }}
  <p class="date">Reviewed on {{ page.date | date: "%-d %B %Y" }}</p>
</article>
"""

INDEX_HTML = """\
---
layout: default
---
<ul class="films">
{% for post in site.posts %}  <li><a href="{{ post.url | relative_url }}">
    {{- post.title | escape }}</a> ({{ post.year }})</li>
{% endfor %}</ul>
"""


@dataclass
class InitReport:
    root: Path
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def settings_file() -> str:
    """filmcli.toml with every setting, each commented out at its default value."""
    import tomli_w

    from filmcli.store.config import DEFAULTS

    lines = [
        "# filmcli's settings for this library. Every setting is shown at its default;",
        "# remove the '# ' before one to change it (`filmcli config show` lists them).",
        "",
    ]
    for line in tomli_w.dumps(DEFAULTS).splitlines():
        lines.append(f"# {line}" if line.strip() else "")
    return "\n".join(lines) + "\n"


def init_library(folder: str | os.PathLike, *, title: str | None = None) -> InitReport:
    """Make `folder` a library: _config.yml, _posts/, _layouts/, index.html, filmcli.toml."""
    from filmcli.model.yamltext import quote
    from filmcli.store.atomic import write_atomic

    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise FilmcliError("exists and is not a folder", root)
    report = InitReport(root.resolve() if root.exists() else root)
    name = title or (root.resolve().name or "Films")
    files = {
        "_config.yml": CONFIG_YML.format(title=quote(name)),
        "_layouts/default.html": DEFAULT_HTML,
        "_layouts/post.html": POST_HTML,
        "index.html": INDEX_HTML,
        "filmcli.toml": settings_file(),
    }
    for folder_name in ("_posts",):
        path = root / folder_name
        if path.is_dir():
            report.kept.append(path)
        else:
            try:
                path.mkdir(parents=True)
            except OSError as exc:
                raise FilmcliError(f"cannot create: {exc.strerror or exc}", path) from None
            report.created.append(path)
    for relative, text in files.items():
        path = root / relative
        if os.path.lexists(path) or (
            relative == "_config.yml" and os.path.lexists(root / "_config.yaml")
        ):
            report.kept.append(path)
            continue
        write_atomic(path, text.encode("utf-8"), exclusive=True)
        report.created.append(path)
    report.root = root.resolve()
    return report


__all__ = ["InitReport", "init_library", "settings_file"]
