"""Both cores for the heavy work: a process pool whose results come back in input order.

`ordered_map(work, items)` is `map(work, items)` spread over a few worker
processes in chunks; the output order is the input order, so a command's
output is the same byte for byte as a serial run. Small batches, one-core
machines and FILMCLI_JOBS=1 stay serial (a pool costs more than it saves).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator

#: below this many items the work is done in this process
MIN_ITEMS = 48
#: at most this many workers (the targets are for a 2-core machine; more rarely helps I/O)
MAX_WORKERS = 4


def workers_for(count: int) -> int:
    """How many processes to use for `count` items (1 = serial)."""
    env = os.environ.get("FILMCLI_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        wanted = int(env)
    else:
        try:
            wanted = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            wanted = os.cpu_count() or 1
        wanted = min(wanted, MAX_WORKERS)
    if count < MIN_ITEMS:
        return 1
    return max(1, min(wanted, count // (MIN_ITEMS // 2)))


def _context():
    import multiprocessing

    # fork shares the imported modules with the workers (no second start-up); elsewhere
    # (macOS, Windows) the platform's default is the safe choice.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def ordered_map(work: Callable, items: Iterable, *, workers: int | None = None,
                chunksize: int | None = None) -> Iterator:
    """`work(item)` for every item, in input order, over a process pool when worth it.

    `work` must be a module-level function and the items and results picklable.
    """
    items = list(items)
    count = workers if workers is not None else workers_for(len(items))
    if count <= 1 or len(items) < 2:
        yield from map(work, items)
        return
    from concurrent.futures import ProcessPoolExecutor

    # Chunks big enough to amortise the pickling, small enough to keep both busy.
    size = chunksize or max(1, min(256, len(items) // (count * 8) or 1))
    try:
        pool = ProcessPoolExecutor(count, mp_context=_context())
    except (OSError, ValueError, NotImplementedError):
        yield from map(work, items)
        return
    with pool:
        yield from pool.map(work, items, chunksize=size)
