"""The local engine: forked worker processes on this machine.

The first pass runs on a :class:`~.pool.WorkerPool` (the calling process
working too). Then the pool is closed, and the
assembly runs in processes forked once the run's decisions are in memory
(``forked.py``): they see the index, the decisions and the spool by
copy-on-write, so nothing is sent to them and only their results come back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from .base import PoolEngine
from .forked import forked_stream
from .pool import WorkerPool

if TYPE_CHECKING:

    from ...document import Result
    from ..work import AssemblyJob
    from . import Assembled

# Documents a forked child assembles per message: big enough that a pipe message
# carries real work, small enough that a few of them fit in the pipe.
ASSEMBLY_CHUNK = 64


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class ResultHeader(NamedTuple):
    """What the run needs of a result assembled in a child, besides its encoded output."""

    id: str
    duplicate_of: str | None


class LocalEngine(PoolEngine):
    def __init__(self, workers: int, factory: Callable, args: tuple):
        self.workers = workers
        self._pool = WorkerPool(workers, factory, args)

    def end_first_pass(self) -> None:
        # From here work goes to processes forked with the run's decisions in memory:
        # closing the pool stops its threads, so the children inherit no lock those
        # threads held (the children run only cleaner's code).
        self._pool.close()

    def assemble(self, job: Callable[[int, bool], AssemblyJob], documents: int,
                 encode: Callable[[Result], object] | None) -> Iterator[Assembled]:
        local = self.local
        if encode is None or self.workers == 1:
            # A caller that wants Result objects gets them made here: sending them back
            # from a child cost this process as much as making them (measured).
            for d in range(documents):
                result, counts = local.assemble(job(d, False))
                yield result, counts, encode(result) if encode else result
            return

        def make(chunk: int) -> list:
            out = []
            for d in range(chunk * ASSEMBLY_CHUNK, min(documents, (chunk + 1) * ASSEMBLY_CHUNK)):
                result, counts = local.assemble(job(d, False))
                out.append((ResultHeader(result.id, result.duplicate_of), counts, encode(result)))
            return out

        chunks = -(-documents // ASSEMBLY_CHUNK)
        for part in forked_stream(make, chunks, self.workers):
            yield from part
