"""Writes tests/data/rules/FCxxx/: one small library per validate rule, each breaking that rule.

Run it again after changing the cases: `python tests/data/make_rule_posts.py`.
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
OUT = HERE / "rules"
SEED = (HERE / "2013-12-18-her.md").read_bytes()
SEED_POSTER = SEED.split(b"\nposter: ", 1)[1].split(b"\n", 1)[0].decode()
JPEG = base64.b64decode(SEED_POSTER.split(",", 1)[1])


def image(fmt: str, size=(40, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def uri(data: bytes, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def post(
    title='"Her"', director='"Spike Jonze"', year="2013", poster=None, extra="", body="A review."
) -> str:
    poster = SEED_POSTER if poster is None else poster
    lines = ["---", "layout: post"]
    for key, value in (
        ("title", title),
        ("director", director),
        ("year", year),
        ("poster", poster),
    ):
        if value is not ...:
            lines.append(f"{key}: {value}")
    lines.append(extra.rstrip("\n")) if extra else None
    return "\n".join(lines) + "\n---\n\n" + body


BOMB_PNG = None


def bomb_png() -> bytes:
    """A PNG that claims 6000x6000 pixels (36 MP) but is tiny on disk."""
    buf = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buf, "PNG")
    return buf.getvalue()


def folded(value: str, width: int = 76) -> str:
    """A data URI folded over indented lines, as some editors and exporters write it."""
    return "\n  ".join(value[i : i + width] for i in range(0, len(value), width))


CASES: dict[str, dict[str, bytes | str | Path]] = {
    "FC001": {"2013-12-18-her.md": "layout: post\ntitle: Her\n"},
    "FC002": {"2013-12-18-her.md": "---\nlayout: post\ntitle: Her\n\nNo closing line.\n"},
    "FC003": {"2013-12-18-her.md": post(extra="tags: [unclosed, list\n")},
    "FC004": {"2013-12-18-her.md": post(extra='title: "Her again"')},
    "FC005": {
        "2013-12-18-her.md": post(
            extra="rating: !!python/object/apply:os.system ['touch /tmp/filmcli-pwned']"
        )
    },
    "FC006": {
        "2013-12-18-her.md": post(
            extra="a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
                for i in range(5)
            )
        )
    },
    "FC010": {"2013-12-18-her.md": post(extra="seen: 2013-13-45")},
    "FC007": {"2013-12-18-her.md": post().encode().replace(b"Spike", b"Sp\xffke")},
    "FC008": {"2013-12-18-her.md": post(), "filmcli.toml": "[read]\nmax_post_bytes = 1000\n"},
    "FC009": {"2013-12-18-her.md": Path("../missing.md")},
    "FC101": {"2013-12-18-her.md": post(director=...)},
    "FC102": {"2013-12-18-her.md": post(year='"twenty thirteen"')},
    "FC103": {"2013-12-18-her.md": post(year="1850")},
    "FC104": {"2013-12-18-her.md": post(poster=uri(JPEG, "image/png"))},
    "FC105": {"2013-12-18-her.md": post(poster="/assets/posters/missing.jpg")},
    "FC106": {"2013-12-18-her.md": post(poster="data:image/jpeg;base64,@@not*base64@@")},
    "FC107": {"2013-12-18-her.md": post(poster=uri(JPEG[: len(JPEG) // 2]))},
    "FC108": {"2013-12-18-her.md": post(poster=uri(bomb_png(), "image/png"))},
    "FC109": {
        "2013-12-18-her.md": post(poster=uri(JPEG)),
        "filmcli.toml": "[validate]\nmax_bytes = 1000\n",
    },
    "FC110": {"2013-12-18-her.md": post(poster=uri(b"just some text, not an image at all"))},
    "FC111": {"2013-12-18-her.md": post(poster="data:image/jpeg;base64")},
    "FC201": {"her.md": post()},
    "FC202": {"2013-13-01-her.md": post()},
    "FC203": {"2013-12-18-her.md": post(), "2014-01-01-her-again.md": post()},
    "FC204": {
        "2013-12-18-her.md": post(extra="permalink: /her/"),
        "2014-01-01-her-again.md": post(title='"Her (2)"', extra="permalink: /her/"),
    },
    "FC205": {"2013-12-18-her.md": post(extra='date: "sometime soon"')},
    "FC206": {"2999-01-01-her.md": post()},
    "FC112": {"2013-12-18-her.md": post(poster=folded(SEED_POSTER))},
    "FC207": {"2013-12-18-her.md": post(body="A review.\n\nSee {% include poster.html\n")},
    "FC208": {"2013-12-18-her.md": post(extra='mood: "wistful"')},
    "FC209": {"2013-12-18-her.md": post(extra="runtime: 2:06")},
}


def wide_jpeg(size=(800, 1200)) -> bytes:
    """An 800×1200 JPEG of 64 kB: over a byte limit of 30 kB, and wider than 400."""
    buf = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buf, "JPEG", quality=95)
    return buf.getvalue()


#: rule-name -> files: bad posts that `validate --fix` repairs (the cases above are the
#: rules as found in the wild; FC104 and FC108 above are fixable as they are)
FIX_CASES: dict[str, dict[str, bytes | str | Path]] = {
    "FC003-colon": {
        "2024-08-16-alien-romulus.md": post(
            title="Alien: Romulus", director='"Fede Álvarez"', year="2024"
        )
    },
    "FC101-null": {"2013-12-18-her.md": post(title="null")},
    "FC102-number": {
        "2019-12-25-1917.md": post(title="1917", director='"Sam Mendes"', year="2019")
    },
    "FC102-yes": {"2013-12-18-her.md": post(director="Yes")},
    "FC109-wide": {
        "2013-12-18-her.md": post(poster=uri(wide_jpeg())),
        "filmcli.toml": "[validate]\nmax_bytes = 30000\n",
    },
    "FC111-base64": {"2013-12-18-her.md": post(poster=SEED_POSTER.replace(";base64", ""))},
    "FC111-comma": {"2013-12-18-her.md": post(poster=SEED_POSTER.replace(";base64,", ";base64"))},
    "FC201-date": {"her.md": post(extra="date: 2013-12-18")},
    "FC201-name": {"2013_12_18_her.md": post()},
    "FC202-date": {"2013-02-30-her.md": post(extra="date: 2013-02-28")},
    "FC205-slash": {"2013-12-18-her.md": post(extra="date: 2013/12/18")},
    "FC208-typo": {"2013-12-18-her.md": post(director=..., extra='dirctor: "Spike Jonze"')},
}


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    for rule, files in {**CASES, **FIX_CASES}.items():
        site = OUT / rule
        (site / "_posts").mkdir(parents=True)
        (site / "_config.yml").write_text("title: rule case\n")
        for name, content in files.items():
            target = site / name if name.endswith(".toml") else site / "_posts" / name
            if isinstance(content, Path):  # a symbolic link to a file that is not there
                target.symlink_to(content)
                continue
            data = content if isinstance(content, bytes) else content.encode()
            target.write_bytes(data)


if __name__ == "__main__":
    main()
