"""The terminal: narrow widths, the pager, progress, help, completion, wall fonts, `new`."""

from __future__ import annotations

import re


def test_stats_shows_empty_decades_and_labels_the_counts(run, site):
    out = run("-L", site, "stats").stdout
    lines = out.splitlines()
    decades = [line.split()[0] for line in lines if re.match(r"\d{4}s\b", line)]
    assert decades == [f"{d}s" for d in range(1940, 2030, 10)]  # 1980s has no film: shown
    empty = next(line for line in lines if line.startswith("1980s"))
    assert "█" not in empty and empty.split()[-1] == "0"
    head = lines[lines.index("Films per decade") + 1]
    assert head.split() == ["Decade", "Films"]
    top = lines[lines.index("Directors with most films") + 1]
    assert top.split() == ["Films", "Director"]
