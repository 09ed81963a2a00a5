"""An ordered map over worker processes, with bounded memory, or in-process for one worker.

``multiprocessing.Pool.imap`` would read its whole input ahead of the workers;
here at most ``inflight`` chunks are out at a time, so memory stays bounded on
an archive of millions of records, and results come back in input order, so
the output does not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

_WORKER = None


def _init(factory: Callable, args: tuple) -> None:
    global _WORKER
    _WORKER = factory(*args)


def _call(method: str, chunk: list) -> list:
    fn = getattr(_WORKER, method)
    return [fn(*item) for item in chunk]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class WorkerPool:
    """``factory(*args)`` is built once per process; ``map(method, items)`` calls its method on each item."""

    def __init__(self, workers: int, factory: Callable, args: tuple, chunk: int = 32):
        self.workers, self.chunk = workers, chunk
        self._local = factory(*args) if workers <= 1 else None
        self._pool = None
        if workers > 1:
            # fork: the workers start with the modules loaded, in milliseconds.
            ctx = multiprocessing.get_context("fork")
            self._pool = ctx.Pool(workers, initializer=_init, initargs=(factory, args))

    def map(self, method: str, items: Iterable[tuple]) -> Iterator:
        if self._pool is None:
            fn = getattr(self._local, method)
            for item in items:
                yield fn(*item)
            return
        it = iter(items)
        pending: deque = deque()
        inflight = 4 * self.workers
        while True:
            chunk = list(islice(it, self.chunk))
            if chunk:
                pending.append(self._pool.apply_async(_call, (method, chunk)))
            if pending and (len(pending) >= inflight or not chunk):
                yield from pending.popleft().get()
            if not chunk and not pending:
                return

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
