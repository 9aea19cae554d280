"""filmcli.model.jekyll against Ruby itself: Psych's reading of plain scalars and
Time.parse's reading of dates, value by value (skipped, saying so, without Ruby)."""

from __future__ import annotations

import datetime as _dt
import json
import random
import shutil
import subprocess

import pytest
import yaml

from filmcli.model import jekyll as jekyll

RUBY = shutil.which("ruby")
pytestmark = pytest.mark.skipif(
    RUBY is None, reason="ruby is not installed: Psych and Time.parse cannot be asked"
)

SCALARS = [
    "1:52",
    "1:52:30",
    "0:30",
    "-1:30",
    "1:52.5",
    "1,000",
    "1,000.5",
    "1_000",
    "1__0",
    "017",
    "0o17",
    "0b101",
    "0x1F",
    "0x_1F",
    "09",
    "+12",
    "-0",
    "1e3",
    "1.5e+3",
    "1.",
    ".5",
    "-.5",
    "+.",
    ".inf",
    "-.Inf",
    ".NaN",
    "tRUE",
    "True",
    "yes",
    "Yes",
    "YES",
    "yEs",
    "on",
    "OFF",
    "y",
    "n",
    "nULL",
    "null",
    "Null",
    "~",
    ":thumbsup",
    ":a",
    ":'quoted'",
    "=",
    "abc",
    "abc123",
    "12abc",
    "2020-01-05",
    "2020-1-5",
    "2020-02-30",
    "2020-13-45",
    "2020-01-05 10:00:00",
    "2020-01-05T10:00:00Z",
    "2020-01-05 10:00",
    "12:30:00",
    "1984",
    "3.14159",
    "1_000.5",
    "0.0",
    "-1",
    "Ünïcode",
    "x:y",
    "a b",
    "true false",
    "off?",
    "100%",
    "#hash",
    "1.2.3",
    "0b",
    "0x",
    "-",
    "--",
    "_",
    "__init__",
    ":",
    "::x",
]


def _ruby_values(texts: list[str], script: str) -> list:
    done = subprocess.run(
        [RUBY, "-e", script],
        input=json.dumps(texts).encode(),
        capture_output=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


PSYCH = r"""
require "psych"; require "json"; require "date"
out = JSON.parse($stdin.read).map do |s|
  begin
    v = Psych.safe_load("v: #{s}\n", permitted_classes: [Date, Time, Symbol], aliases: true)["v"]
    case v
    when Symbol then ["symbol", v.to_s]
    when Date, Time then ["when", nil]
    when Float then v.nan? ? ["nan", nil] : ["float", v.infinite? ? v.to_s : v]
    when Integer then ["int", v]
    when String then ["str", v]
    when true, false then ["bool", v]
    when nil then ["nil", nil]
    else ["other", v.class.to_s]
    end
  rescue Exception => e
    ["error", e.class.to_s]
  end
end
puts JSON.generate(out)
"""


def _ours(value):
    if isinstance(value, jekyll.Symbol):
        return ["symbol", str(value)]
    if value is jekyll.WHEN:
        return ["when", None]
    if isinstance(value, bool):
        return ["bool", value]
    if value is None:
        return ["nil", None]
    if isinstance(value, float):
        if value != value:
            return ["nan", None]
        if value in (float("inf"), float("-inf")):
            return ["float", "Infinity" if value > 0 else "-Infinity"]
        return ["float", value]
    if isinstance(value, int):
        return ["int", value]
    return ["str", value]


def _plain_scalars(texts: list[str]) -> list[str]:
    """Those that YAML reads as one plain scalar (the only ones Psych tokenizes)."""
    kept = []
    for text in texts:
        try:
            node = yaml.compose(f"v: {text}\n", Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            continue
        value = node.value[0][1]
        if isinstance(value, yaml.ScalarNode) and value.style is None and value.value == text:
            kept.append(text)
    return kept


def test_psych_scalar_is_what_psych_reads():
    rng = random.Random(10)
    alphabet = "0123456789:,._-+eExob "
    generated = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))).strip() for _ in range(1500)
    ]
    texts = _plain_scalars(SCALARS + [t for t in generated if t])
    assert len(texts) > 500
    theirs = _ruby_values(texts, PSYCH)
    wrong = []
    for text, value in zip(texts, theirs, strict=True):
        if value[0] == "error":
            continue  # Psych raised (Integer("1__0")): Jekyll logs it and drops the front matter
        ours = _ours(jekyll.psych_scalar(text))
        if ours != value:
            wrong.append((text, ours, value))
    assert not wrong, wrong[:20]


TIME_PARSE = r"""
require "time"; require "json"
out = JSON.parse($stdin.read).map do |s|
  begin
    Time.parse(s).localtime.strftime("%Y-%m-%d")
  rescue ArgumentError
    nil
  end
end
puts JSON.generate(out)
"""

DATES = [
    "2020-01-05",
    "2020-1-5",
    "2020-02-30",
    "2020-13-45",
    "2020-01-05 10:00",
    "2020/01/15",
    "05/10/2020",
    "5.10.2020",
    "October 5, 2020",
    "5 Oct 2020",
    "Oct 5 2020",
    "2020 Jan 5",
    "the 18th of December 2019",
    "December 18th, 2019",
    "18th December 2019",
    "Dec 2019",
    "tomorrow",
    "soon-ish",
    "",
    "2020",
    "1984",
    "20200105",
    "Monday",
    "noon",
    "x",
    "2023-01-29 18:30:22 2023 -0800",
    "2019-12-18T10:00:00Z",
    "2010-01-09 11:00:00 +0100",
    "Sat, 09 Jan 2010 11:00:00 +0000",
    "2016-3-1",
    "2019-02-29",
    "2019-04-31",
]


def test_ruby_date_is_what_time_parse_reads():
    # Only answers filmcli gives as exact are compared; a day it only knows Jekyll reads
    # (a month name without a year, a bare time) must at least not be a refusal.
    theirs = _ruby_values(DATES, TIME_PARSE)
    today = _dt.date.today()
    wrong = []
    for text, day in zip(DATES, theirs, strict=True):
        ours = jekyll.ruby_date(text, today)
        if ours.day is None:
            if day is not None:
                wrong.append((text, None, day))
        elif day is None:
            wrong.append((text, ours.day.isoformat(), None))
        elif ours.exact and ours.day.isoformat() != day:
            wrong.append((text, ours.day.isoformat(), day))
    assert not wrong, wrong
