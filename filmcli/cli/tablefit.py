"""Fit a table of films to the terminal's width the way gh does: Title and Year stay whole.

rich squeezes every column when a table is too wide, breaking titles mid-word (at 40
columns only Year, Poster and Date were left). Here the columns that matter least are
shortened (an ellipsis) or dropped first, in `GIVE_UP` order, and what is left is drawn at
its natural width, one line per film.
"""

from __future__ import annotations

#: The order columns give way in when the table is too wide; not named here: before these.
GIVE_UP = ("path", "poster", "director", "date", "draft")
#: Never given up: the film is named by them.
KEEP = ("title", "year")
#: Columns that may be shown shortened (with an ellipsis), and their least useful width.
SHORTENED = {"path": 12, "director": 10}
GAP = 2  # the space between two columns (rich's padding (0, 1), no outer edge)


def fit_columns(fields: list[str], widths: dict[str, int], room: int) -> dict[str, int]:
    """The fields to show, in their order, each with the width it gets.

    `widths` are the natural widths (the widest cell or header). A field absent from the
    answer is dropped; a width below the natural one means shortened with an ellipsis.
    """

    def total(chosen: dict[str, int]) -> int:
        return sum(chosen.values()) + GAP * max(0, len(chosen) - 1)

    chosen = {f: widths[f] for f in fields}
    order = [f for f in fields if f not in KEEP and f not in GIVE_UP]
    order += [f for f in GIVE_UP if f in chosen]
    dropped = []
    for field in order:
        if total(chosen) <= room:
            break
        del chosen[field]
        dropped.append(field)
    # Room left over: a dropped column that may be shortened comes back, the more useful
    # (dropped later) first, as long as it gets its least useful width.
    for field in reversed(dropped):
        least = SHORTENED.get(field)
        if least is None:
            continue
        trial = {**chosen, field: 0}
        spare = room - total(trial)
        if spare >= least:
            chosen[field] = min(widths[field], spare)
    return {f: chosen[f] for f in fields if f in chosen}
