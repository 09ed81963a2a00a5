"""The Ray engine (``--engine ray``): the local engine's stages, on a Ray cluster.

Stages, as the local engine runs them:
1. strip and sign: ``DocumentWork.first`` on actors, chunks of records in,
   results back in input order (a bounded number of chunks out at a time);
2. dedup: the walk over the passages in canonical order, in the driver, as
   the local engine runs it (``DedupIndex.decide``: one compiled loop whose
   cost is linear in the run, so there is no pair list to spread out);
3. assemble: ``DocumentWork.assemble`` on the actors, in input order.

Every stage gives what the local engine's gives, so the output is
byte-identical to ``--engine local`` (a test holds it to that).

The driver reads the input and keeps the dedup index and the spool, as the
local engine's main process does; the work on documents is on the cluster.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING

from .base import PoolEngine

if TYPE_CHECKING:
    from ...document import Result
    from ..work import AssemblyJob
    from . import Assembled


def _ray():
    try:
        import ray
    except ImportError:
        raise RuntimeError("--engine ray needs Ray: pip install 'cleaner[ray]'") from None
    return ray


class RayPool:
    """``WorkerPool``'s interface on Ray actors: ``map(method, items)`` in input order."""

    def __init__(self, workers: int, factory, args: tuple, address: str | None = None, chunk: int = 32):
        ray = _ray()
        self._ray = ray
        self._own_cluster = not ray.is_initialized()
        if self._own_cluster:
            if address:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            else:
                # A local cluster of this machine's cores, without the dashboard (a web server we don't need).
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
        self.workers = workers if not address else max(1, int(ray.cluster_resources().get("CPU", workers)))
        self.chunk = chunk
        self._local = factory(*args)
        actor = ray.remote(num_cpus=1)(_Worker)
        self._actors = [actor.remote(factory, args) for _ in range(self.workers)]
        self._next = 0

    @property
    def local(self):
        return self._local

    def _actor(self):
        actor = self._actors[self._next % len(self._actors)]
        self._next += 1
        return actor

    def _submit(self, method: str, chunk: list):
        return self._actor().call.remote(method, chunk)

    def map(self, method: str, items: Iterable[tuple]) -> Iterator:
        it = iter(items)
        pending: deque = deque()
        inflight = 4 * len(self._actors)
        while True:
            while len(pending) < inflight:
                chunk = list(islice(it, self.chunk))
                if not chunk:
                    break
                pending.append(self._submit(method, chunk))
            if not pending:
                return
            yield from self._ray.get(pending.popleft())

    def close(self) -> None:
        for a in self._actors:
            self._ray.kill(a)
        self._actors = []
        if self._own_cluster and self._ray.is_initialized():
            self._ray.shutdown()

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RayEngine(PoolEngine):
    """The :class:`~cleaner.run.engines.Engine` on Ray: stages 1 to 6 above."""

    def __init__(self, workers: int, factory, args: tuple, address: str | None = None):
        self._pool = RayPool(workers, factory, args, address=address)
        self.workers = self._pool.workers

    def end_first_pass(self) -> None:
        pass  # the actors stay: they check the pairs and assemble the results

    def assemble(self, job: Callable[[int, bool], AssemblyJob], documents: int,
                 encode: Callable[[Result], object] | None) -> Iterator[Assembled]:
        # An actor cannot read the driver's spool file: each job carries its document.
        jobs = ((job(d, True),) for d in range(documents))
        for result, counts in self._pool.map("assemble", jobs):
            yield result, counts, encode(result) if encode else result


class _Worker:
    def __init__(self, factory, args):
        self.work = factory(*args)

    def call(self, method: str, chunk: list) -> list:
        fn = getattr(self.work, method)
        return [fn(*item) for item in chunk]

    def run(self, fn, *args):
        return fn(*args)


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True
