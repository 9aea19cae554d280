"""Rendering a post to bytes in filmcli's own form, the one the seed post has.

The form is fixed (keys in the order given, title and other strings double
quoted, the poster on one line), so a post rendered from its own values comes
out byte for byte the same: that is what makes export -> add lossless.
"""

from __future__ import annotations

from filmcli.model.poster import Poster
from filmcli.model.yamltext import scalar

SEED_ORDER = ("layout", "title", "director", "year", "poster")
PLAIN_KEYS = {"layout"}


def order_fields(fields: dict) -> dict:
    """The seed's key order first, then the rest as given."""
    out = {k: fields[k] for k in SEED_ORDER if k in fields}
    out.update((k, v) for k, v in fields.items() if k not in out)
    return out


def render_post(fields: dict, body: str, *, gap: str = "\n") -> bytes:
    """The post file's bytes: `---`, one `key: value` line per field, `---`, gap, body."""
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, Poster):
            rendered = value.uri
        elif key == "poster" and isinstance(value, str):
            rendered = value if value.startswith("data:") else scalar(value, plain=True)
        else:
            rendered = scalar(value, plain=key in PLAIN_KEYS)
        key_text = key if isinstance(key, str) and scalar(key, plain=True) == key else scalar(key)
        lines.append(f"{key_text}: {rendered}")
    lines.append("---")
    return ("\n".join(lines) + "\n" + gap + body).encode("utf-8")
