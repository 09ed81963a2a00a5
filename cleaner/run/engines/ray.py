"""The Ray engine (``--engine ray``): the local engine's stages, on a Ray cluster.

Stages, as the local engine runs them, each on Ray:
1. strip and sign: ``DocumentWork.first`` on actors, chunks of records in,
   results back in input order (a bounded number of chunks out at a time);
2. band buckets: every (band key, passage, rank) entry goes to the partition
   ``key % 16`` (band keys are already well-mixed 64-bit hashes, the same on
   every machine; Python's ``hash()`` is not), so each partition holds whole
   buckets and makes their candidate pairs (``lsh.bucket_pairs``);
3. candidate edges: the pairs are checked (exact Jaccard or containment) in
   chunks that carry the shingle sets of their pairs' passages;
4. connected components of the checked edges (the duplicate clusters, counted
   in the run's stats);
5. canonical pick: the same greedy, longest-first pick as the local engine,
   over the same edges, in the driver;
6. assemble: ``DocumentWork.assemble`` on the actors, in input order.

Every stage gives what the local engine's gives, so the output is
byte-identical to ``--engine local`` (a test holds it to that).

The driver reads the input and keeps the dedup index and the spool, as the
local engine's main process does; the work on documents is on the cluster.
Stages 2 and 3 run on the same actors as stages 1 and 6: they hold the
cluster's CPUs, and a task asking for a CPU of its own would wait forever.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from ...dedup.checks import verified_pairs
from ...dedup.lsh import bucket_pairs
from .base import PoolEngine

if TYPE_CHECKING:
    from ...dedup.index import DedupIndex
    from ...document import Result
    from ..stats import RunStats
    from ..work import AssemblyJob
    from . import Assembled

_PARTITIONS = 16
_PAIRS_PER_TASK = 20_000


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

    def candidate_pairs(self, keys: np.ndarray, ids: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """Stage 2: the same pairs as ``lsh.candidate_pairs``, bucket partitions on Ray tasks."""
        ray = self._ray
        if keys.size == 0:
            return np.empty((0, 2), dtype=np.int64)
        bands = keys.shape[1]
        flat_keys = keys.reshape(-1)
        flat_ids = np.repeat(ids.astype(np.int64), bands)
        flat_rank = np.repeat(rank, bands)
        part = (flat_keys % np.uint64(_PARTITIONS)).astype(np.int64)
        refs = []
        # On the actors: they hold the cluster's CPUs, so a task of its own would wait for one forever.
        for p in range(_PARTITIONS):
            mine = part == p
            refs.append(self._actor().run.remote(bucket_pairs, flat_keys[mine], flat_ids[mine], flat_rank[mine]))
        pairs = [r for r in ray.get(refs) if r.size]
        if not pairs:
            return np.empty((0, 2), dtype=np.int64)
        return np.unique(np.concatenate(pairs), axis=0)

    def verify(self, pairs: np.ndarray, index) -> list[tuple[int, int, float, str]]:
        """Stage 3: check every candidate pair on Ray tasks; the result in the pairs' order."""
        ray = self._ray
        cfg = index.config
        refs = []
        for start in range(0, len(pairs), _PAIRS_PER_TASK):
            chunk = pairs[start : start + _PAIRS_PER_TASK]
            pids = np.unique(chunk)
            sets = [np.array(index.shingles(int(pid))) for pid in pids.tolist()]
            sizes = np.array([s.size for s in sets], dtype=np.int64)
            values = np.concatenate(sets) if sets else np.empty(0, np.uint32)
            refs.append(self._actor().run.remote(_verify_chunk, chunk, pids, values, sizes, cfg.threshold,
                                                 cfg.truncation_containment))
        out = []
        for r in refs:
            out.extend(ray.get(r))
        return out

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

    def checked_links(self, index: DedupIndex, order: np.ndarray, stats: RunStats) -> dict:
        """Stages 2 to 4: candidate pairs and their checks on Ray, then the clusters counted."""
        ids, keys, rank = index.band_entries(order)
        pairs = index.drop_excluded(self._pool.candidate_pairs(keys, ids, rank))
        links = index.checked_links(order, verified=self._pool.verify(pairs, index))
        component = components(len(index), ((i, j) for i, others in links.items() for _, j, _ in others))
        _, sizes = np.unique(component, return_counts=True)
        stats.clusters = int((sizes > 1).sum())
        return links

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


def _verify_chunk(pairs, pids, values, sizes, threshold, truncation):
    offsets = np.r_[0, np.cumsum(sizes)]
    at = {pid: k for k, pid in enumerate(pids.tolist())}
    return verified_pairs(pairs, lambda pid: values[offsets[at[pid]] : offsets[at[pid] + 1]], threshold, truncation)


def components(n: int, edges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Stage 4: the connected component of each of ``n`` passages (its smallest member's id)."""
    parent = np.arange(n, dtype=np.int64)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for i, j in edges:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return np.array([find(x) for x in range(n)], dtype=np.int64)


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True
