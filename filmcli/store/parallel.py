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


def ordered_map(
    work: Callable, items: Iterable, *, workers: int | None = None, chunksize: int | None = None
) -> Iterator:
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
        pool = ProcessPoolExecutor(count, mp_context=_context(), initializer=_worker_start)
    except (OSError, ValueError, NotImplementedError):
        yield from map(work, items)
        return
    with pool:
        try:
            yield from pool.map(work, items, chunksize=size)
        except BaseException:  # Ctrl-C, SIGTERM, an error: start no more work, and wait
            pool.shutdown(wait=True, cancel_futures=True)  # for what is under way to end
            raise


def ordered_stream(
    work: Callable, items: Iterable, *, chunksize: int = 64, window: int | None = None
) -> Iterator:
    """`ordered_map` over items taken as they come: a few chunks in flight (`window`, by
    default 4 per worker), so the items are never all held at once (the caller may still
    be producing them, as validate reads posts while the workers decode their posters)."""
    import itertools

    items = iter(items)
    head = list(itertools.islice(items, MIN_ITEMS))
    count = workers_for(MIN_ITEMS * MAX_WORKERS) if len(head) == MIN_ITEMS else 1
    if count <= 1:
        yield from map(work, itertools.chain(head, items))
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(count, mp_context=_context(), initializer=_worker_start)
    except (OSError, ValueError, NotImplementedError):
        yield from map(work, itertools.chain(head, items))
        return
    limit = window or 4 * count
    pending: deque = deque()
    chunks = iter(lambda: list(itertools.islice(items, chunksize)), [])
    with pool:
        try:
            for chunk in itertools.chain([head], chunks):
                pending.append(pool.submit(_run_chunk, work, chunk))
                while len(pending) >= limit:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        except BaseException:  # as in ordered_map: start no more work, and wait
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _run_chunk(work: Callable, chunk: list) -> list:
    return [work(item) for item in chunk]


#: file descriptors only the parent may hold (a ReadAhead's pipe): a pool worker closes
#: them, so that the helper still sees the pipe close when the parent closes it
_PARENT_ONLY: set[int] = set()


def _worker_start() -> None:
    """A worker ignores Ctrl-C and SIGTERM: the parent stops the pool, and each piece of work
    under way ends whole (its files written or left as they were), never half-way."""
    import signal

    for fd in _PARENT_ONLY:
        try:
            os.close(fd)
        except OSError:
            pass
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


class ReadAhead:
    """A forked helper that does `work` on every item of some batches, ahead of us.

    The parent reads the other batches itself meanwhile and takes the helper's
    results batch by batch, in order (`next()`), so two cores share the reading
    of a library. `work` runs in the child and must return marshal-able values.
    If the helper cannot be started or dies, `next()` returns None and the
    caller does that batch itself: the answer never depends on the helper.
    """

    def __init__(self, batches: list[list], work: Callable):
        self.pid = 0
        self.stream = None
        if not hasattr(os, "fork") or not batches:
            return
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the helper: never returns
            status = 0
            try:
                import marshal

                os.close(read_end)
                with os.fdopen(write_end, "wb", buffering=1 << 20) as out:
                    for batch in batches:
                        data = marshal.dumps([work(item) for item in batch])
                        out.write(len(data).to_bytes(8, "little"))
                        out.write(data)
                        out.flush()
            except BaseException:  # noqa: BLE001 - the parent sees a short stream
                status = 1
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid = pid
        self.stream = os.fdopen(read_end, "rb")
        _PARENT_ONLY.add(read_end)

    def next(self) -> list | None:
        """The next batch's results, or None when the helper has none to give."""
        if self.stream is None:
            return None
        try:
            import marshal

            header = self.stream.read(8)
            if len(header) < 8:
                raise EOFError
            size = int.from_bytes(header, "little")
            data = self.stream.read(size)
            if len(data) < size:
                raise EOFError
            return marshal.loads(data)
        except (OSError, EOFError, ValueError):
            self.close()
            return None

    def close(self) -> None:
        if self.stream is not None:
            _PARENT_ONLY.discard(self.stream.fileno())
            self.stream.close()  # a helper still writing gets EPIPE and exits
            self.stream = None
        if self.pid:
            try:
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0
