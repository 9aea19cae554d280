"""The README's library examples run, and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil

from conftest import EXAMPLE_SITE, ROOT


def library_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## As a library"):]
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
        assert got == expected, code
