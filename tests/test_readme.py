"""The README's library examples run, and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

from conftest import EXAMPLE_SITE, ROOT


def library_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## As a library") :]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run_example(code: str) -> tuple[str, str]:
    expected = "\n".join(line[2:] for line in code.splitlines() if line.startswith("# "))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    return out.getvalue().strip(), expected.strip()


def test_every_library_example_prints_what_the_readme_says(tmp_path, monkeypatch):
    examples = library_examples()
    assert len(examples) >= 2
    copy = tmp_path / "my-copy-of-the-site"
    shutil.copytree(EXAMPLE_SITE, copy)
    monkeypatch.chdir(tmp_path)
    os.symlink(ROOT / "examples", tmp_path / "examples")
    for code in examples:
        got, expected = run_example(code)
        assert expected, "every example shows what it prints"
        assert got == expected, code


def test_the_tour_runs_in_the_order_it_is_written(tmp_path):
    """Follow the tour's `cd` and `mkdir` lines from the checkout's top: each `new` runs
    outside the example site and finds its poster; the completion line's folder exists."""
    import shlex

    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo / "examples")
    home = tmp_path / "home"
    home.mkdir()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = text[text.index("## A tour") : text.index("## Speed")]
    here = repo
    news = completions = 0
    for block in re.findall(r"```console\n(.*?)```", tour, re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            if not line.startswith("$ "):
                continue
            for part in line[2:].split("#")[0].split("&&"):
                words = shlex.split(part.replace("~", str(home)).split(">")[0])
                # An absolute folder (/tmp/copy) is made under tmp_path, never in the real /.
                words = [
                    str(tmp_path / "abs" / w.lstrip("/"))
                    if w.startswith("/") and not w.startswith(str(tmp_path))
                    else w
                    for w in words
                ]
                if words[:1] == ["cd"]:
                    here = (here / words[1]).resolve()
                    assert here.is_dir(), line
                elif words[:1] == ["mkdir"]:
                    for name in words[1:]:
                        if name != "-p":
                            (here / name).mkdir(parents=True, exist_ok="-p" in words)
                elif words[:2] == ["filmcli", "new"] and "--poster" in words:
                    news += 1
                    assert "examples/site" not in str(here), (line, here)
                    poster = here / words[words.index("--poster") + 1]
                    assert poster.is_file(), (line, here)
                elif words[:2] == ["filmcli", "completion"] and ">" in part:
                    completions += 1
                    target = Path(part.split(">")[1].strip().replace("~", str(home)))
                    assert target.parent.is_dir(), line
    assert news >= 1 and completions >= 1
