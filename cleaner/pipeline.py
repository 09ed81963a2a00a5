"""The run: strip every document, learn site furniture, dedup across the run, assemble.

Cross-document dedup must see every passage before it can name the canonical
(longest) copy, so a run makes two passes. The first strips each document,
counts its short lines for the furniture pass and adds its passages to the
dedup index, then spools the stripped document to a temporary file; memory
holds the index, not the documents. The second pass decides the canonical of
every passage, then reads the spool back in input order and assembles each
result. With several workers, the first pass runs on a pool of forked workers
(``parallel.py``); in the second, the candidate checks run on processes forked
once the first pass is done (``forked.py``), which see the index by
copy-on-write, and so does the assembly of results that the caller asked to
have encoded (``run(encode=...)``, as the CLI does).
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Callable, NamedTuple

import numpy as np

from .checkpoint import Pass1State, WorkDir
from .config import Config
from .corpus import FurnitureCounter
from .dedup import DedupIndex
from .seen import PriorMatches, match_prior, run_passages
from .document import Encoded, Reject, Result, Skipped
from .forked import ForkedMap, forked_stream
from .parallel import WorkerPool
from .stats import RunStats
from .work import AssemblyJob, DocumentWork, FirstPassDoc


class Cleaner:
    """Runs the strip and dedup passes over records and yields results in input order.

    Records are :class:`Document`, :class:`Reject` (passed through, for readers
    that found bad input), :class:`Skipped`, plain strings or ``{"id", "text"
    or "html", ...}`` dicts (field names from the config).

    >>> from cleaner import Cleaner
    >>> c = Cleaner()
    >>> [r.body for r in c.run(["Big storm hits the coast overnight.\\nAdvertisement\\nShare"])]
    ['Big storm hits the coast overnight.']
    >>> dict(c.stats.removed)
    {'ad_slot': 1, 'share_widget': 1}
    """

    def __init__(self, config: Config | None = None, progress: Callable[[str, int], None] | None = None,
                 log: Callable[[str], None] | None = None, workers: int = 1, index=None,
                 engine: str = "local", ray_address: str | None = None):
        self.config = config or Config()
        self.stats = RunStats()
        self.workers = max(1, workers)
        self._progress = progress
        self._log = log or (lambda message: None)  # the library never prints; the CLI passes stderr
        # An index across runs (``seen.open_index``): earlier runs' passages count as seen.
        self.index = index
        if engine not in ("local", "ray"):
            raise ValueError(f"engine must be 'local' or 'ray', got {engine!r}")
        # local: forked worker processes on this machine; ray: the same stages on a Ray cluster (engine_ray.py).
        self.engine, self.ray_address = engine, ray_address
        self._to_commit: list | None = None
        self._fingerprint = ""

    def run(self, records: Iterable, work_dir: WorkDir | None = None, resume: bool = False,
            fingerprint: str = "", checkpoint_every: int = 1000,
            checkpoint_seconds: float = 60.0, commit_index: bool = True,
            encode: Callable[[Result], object] | None = None) -> Iterator[Result | Encoded | Reject]:
        """Clean ``records``; yield rejects as the first pass meets them, then every result in input order.

        With ``work_dir`` the first pass is checkpointed every ``checkpoint_every``
        documents (and at least ``checkpoint_seconds`` apart), and ``resume=True``
        continues from the last checkpoint: ``records`` must then be the same
        records again (``fingerprint`` guards that), and the results are the
        same as those of an uninterrupted run.

        With an ``index``, the run's canonical passages are added to it once the
        last result has been yielded; ``commit_index=False`` leaves that to
        ``commit_index()``, for a caller that must first make its output durable
        (a crash in between then leaves the index as before the run, and a rerun
        gives the same output). ``fingerprint`` names the run in the index: a rerun
        with the same one takes the passages it added as its own.

        With ``encode``, each result is yielded as an :class:`Encoded` holding
        ``encode(result)`` (what the caller writes: a JSON line, say), and with
        several workers the results are assembled and encoded in parallel, by
        processes forked for the second pass. ``encode`` then runs in a child
        process: it must return something picklable and change nothing else.
        """
        cfg = self.config
        if work_dir is not None and resume and work_dir.exists():
            state = work_dir.load(fingerprint)
            self._log(f"resuming after record {state.consumed} (checkpoint in {work_dir.path})")
        else:
            if work_dir is not None:
                work_dir.start()
            store = None if work_dir is None else work_dir.path / "shingles"
            state = Pass1State(fingerprint=fingerprint, stats=RunStats(dedup=cfg.dedup_settings()),
                               index=DedupIndex(cfg, store), furniture=FurnitureCounter(cfg))
        stats = self.stats = state.stats
        stats.workers = self.workers
        stats.started = time.perf_counter() - stats.seconds
        if work_dir is not None:
            spool = open(work_dir.spool_path, "r+b" if work_dir.spool_path.exists() else "w+b")
            spool.truncate(state.spool_length)
            spool.seek(state.spool_length)
        else:
            spool = tempfile.TemporaryFile(prefix="cleaner-spool-")
        if self.engine == "ray":
            from .engine_ray import RayPool

            pool = RayPool(self.workers, DocumentWork, (cfg,), address=self.ray_address)
        else:
            pool = WorkerPool(self.workers, DocumentWork, (cfg,))
        stats.engine = self.engine
        with spool, pool:
            yield from state.rejects
            if not state.done:
                t0 = time.perf_counter()
                yield from self._first_pass(pool, records, state, spool, work_dir, checkpoint_every, checkpoint_seconds)
                stats.phases["first_pass"] = time.perf_counter() - t0
            yield from self._second_pass(pool, state, spool, encode)
        stats.seconds = time.perf_counter() - stats.started
        state.index.store.close()
        if self.index is not None and commit_index:
            self.commit_index()
        if work_dir is not None:
            work_dir.clear()

    def _first_pass(self, pool: WorkerPool, records, state: Pass1State, spool, work_dir, every: int, seconds: float):
        stats = state.stats
        since, last_save = 0, time.monotonic()

        def save() -> None:
            spool.flush()
            os.fsync(spool.fileno())
            state.spool_length = spool.tell()
            stats.seconds = time.perf_counter() - stats.started
            work_dir.save(state)

        # Records taken before the checkpoint this run resumed from are skipped unread by the workers.
        todo = ((position, record) for position, record in enumerate(records) if position >= state.consumed)
        for item in pool.map("first", todo):
            state.consumed += 1
            stats.records_read += 1
            if isinstance(item, Skipped):
                stats.skipped += 1
                stats.skips[item.reason] += 1
                continue
            if isinstance(item, Reject):
                stats.rejected += 1
                stats.rejects[item.reason] += 1
                if work_dir is not None:
                    state.rejects.append(item)
                yield item
                continue
            self._index(item, state)
            state.spool_offsets.append(spool.tell())
            spool.write(item.blob)
            if self._progress:
                self._progress("strip", 1)
            since += 1
            if work_dir is not None and since >= every and time.monotonic() - last_save >= seconds:
                save()
                since, last_save = 0, time.monotonic()
        state.done = True
        # The finished first pass is one more checkpoint, as long after the last as the
        # others (at 100,000 documents it costs two seconds, paid before any output); a
        # crash in the second pass then redoes at most checkpoint_seconds of the first.
        if work_dir is not None and time.monotonic() - last_save >= seconds:
            save()

    @staticmethod
    def _index(item: FirstPassDoc, state: Pass1State) -> None:
        """Add a document's passages to the dedup index and its lines to the furniture counts."""
        doc_index = len(state.doc_ids)
        state.doc_ids.append(item.doc_id)
        state.stats.documents += 1
        state.stats.bytes_in += item.bytes_in
        state.index.add(doc_index, item.prepared)
        state.passage_blocks.extend(item.block_indices)
        state.furniture.add_document(doc_index, item.furniture_keys)

    def _ray_links(self, pool, index: DedupIndex, order):
        """The checked links, with the candidate pairs and their checks made on Ray (``engine_ray.py``)."""
        from .engine_ray import components

        ids, keys, rank = index.band_entries(order)
        pairs = pool.candidate_pairs(keys, ids, rank)
        pairs = index.drop_excluded(pairs)
        verified = pool.verify(pairs, index)
        links = index.checked_links(order, verified=verified)
        component = components(len(index), ((i, j) for i, others in links.items() for _, j, _ in others))
        _, sizes = np.unique(component, return_counts=True)
        self.stats.clusters = int((sizes > 1).sum())
        return links

    def _claim(self, state: Pass1State, duplicate_of: dict, furniture_pids: set, prior: PriorMatches) -> dict:
        """Offer the run's canonicals to the index; one that a concurrent run kept first
        becomes a copy of that run's passage, and so do the passages that were copies of it."""
        index = state.index
        canonicals = [pid for pid in range(len(index)) if pid not in duplicate_of and pid not in furniture_pids]
        self._to_commit = run_passages(index, state.doc_ids, canonicals)
        self._fingerprint = state.fingerprint
        lost = {}
        unclaimed = [p for p in self._to_commit if (p.doc_id, p.line) not in prior.own]
        for pid, (kept, sim, rule) in self.index.claim(unclaimed, state.fingerprint, index).items():
            lost[pid] = (prior.add(kept), sim, rule)
        if not lost:
            return duplicate_of
        self._to_commit = [p for p in self._to_commit if p.pid not in lost]
        return _redirect(duplicate_of, lost)

    def commit_index(self) -> None:
        """Add the finished run's canonical passages to the index (one atomic step)."""
        if self.index is None or self._to_commit is None:
            return
        self.index.commit(self._to_commit, self._fingerprint, self.stats)
        self._to_commit = None

    def _second_pass(self, pool: WorkerPool, state: Pass1State, spool, encode) -> Iterator[Result | Encoded]:
        stats, index, doc_ids = state.stats, state.index, state.doc_ids
        t0 = time.perf_counter()
        if self.engine == "local":
            # The first pass's workers are done. From here work goes to processes forked
            # with the run's decisions in memory: closing the pool stops its threads, so the
            # children inherit no lock those threads held (the children run only cleaner's code).
            pool.close()
        stats.index_bytes, stats.index_passages = index.index_bytes(), len(index)
        site_furniture = state.furniture.furniture()
        furniture_pids = set()
        if site_furniture:
            for pid, key in enumerate(index.keys):
                if key in site_furniture and not index.pinned[pid]:
                    furniture_pids.add(pid)
                    index.exclude(pid)
        prior = None
        if self.index is not None:
            prior = match_prior(index, self.index, state.fingerprint)
        with _cycle_collection_paused():
            order = index.order()
            if self.engine == "ray":
                links = self._ray_links(pool, index, order)
            elif self.workers > 1:
                links = index.checked_links(order, fan_out=ForkedMap(self.workers))
            else:
                links = index.checked_links(order)
            duplicate_of = index.assign(order, links, prior)
            del links, order  # freed before the assembly, which needs neither
        if self.index is not None:
            duplicate_of = self._claim(state, duplicate_of, furniture_pids, prior)
        stats.phases["dedup"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # Counted here, not during the first pass, so a rerun of this pass counts once.
        stats.written = stats.duplicate_documents = stats.passages = 0
        stats.duplicate_passages = stats.related_items = 0
        stats.removed.clear()
        stats.duplicate_kinds.clear()

        spool.flush()
        job = _JobMaker(state, index, spool, duplicate_of, furniture_pids, prior, ship_document=self.engine == "ray")
        n_docs = len(doc_ids)
        local = pool.local
        if self.engine == "ray":
            assembled = ((result, counts, encode(result) if encode else result)
                         for result, counts in pool.map("assemble", ((job(d),) for d in range(n_docs))))
        elif encode is not None and self.workers > 1:
            # Assembled and encoded in children forked now, which see the decisions and the
            # spool by copy-on-write: only the encoded output crosses back. (Shipping Result
            # objects back cost this process as much as assembling them: measured.)
            def make(chunk: int) -> list:
                out = []
                for d in range(chunk * _ASSEMBLY_CHUNK, min(n_docs, (chunk + 1) * _ASSEMBLY_CHUNK)):
                    result, counts = local.assemble(job(d))
                    out.append((_Header(result.id, result.duplicate_of), counts, encode(result)))
                return out

            chunks = -(-n_docs // _ASSEMBLY_CHUNK)
            assembled = (item for part in forked_stream(make, chunks, self.workers) for item in part)
        else:
            assembled = ((result, counts, encode(result) if encode else result)
                         for result, counts in map(local.assemble, (job(d) for d in range(n_docs))))
        for result, counts, output in assembled:
            for key, value in counts.items():
                if key.startswith("removed:"):
                    stats.removed[key[8:]] += value
                elif key.startswith("copy:"):
                    stats.duplicate_kinds[key[5:]] += value
                else:
                    setattr(stats, key, getattr(stats, key) + value)
            if result.duplicate_of is None:
                stats.written += 1
            else:
                stats.duplicate_documents += 1
            if self._progress:
                self._progress("assemble", 1)
            yield Encoded(result.id, result.duplicate_of, output) if encode is not None else output
        stats.phases["second_pass"] = time.perf_counter() - t0


# Documents a forked child assembles per message: big enough that a pipe message
# carries real work, small enough that a few of them fit in the pipe.
_ASSEMBLY_CHUNK = 64


class _Header(NamedTuple):
    """What the run needs of a result assembled in a child, besides its encoded output."""

    id: str
    duplicate_of: str | None


class _JobMaker:
    """The assembly job of any document, by its index: what the run decided about its passages."""

    def __init__(self, state: Pass1State, index: DedupIndex, spool, duplicate_of: dict, furniture_pids: set,
                 prior: PriorMatches | None, ship_document: bool):
        self.state, self.index, self.spool_fd = state, index, spool.fileno()
        self.duplicate_of, self.furniture_pids, self.prior = duplicate_of, furniture_pids, prior
        # A Ray worker cannot see the spool file: the document goes with its job.
        self.ship_document = ship_document
        self.ends = state.spool_offsets[1:].tolist() + [spool.seek(0, os.SEEK_END)]
        # Passages are added document by document, so each document's are one run of ids.
        self.first_pid = np.searchsorted(np.asarray(index.doc, dtype=np.int64),
                                         np.arange(len(state.doc_ids) + 1)).tolist()

    def __call__(self, d: int) -> AssemblyJob:
        state, index, doc_ids, prior = self.state, self.index, self.state.doc_ids, self.prior
        duplicate_of, furniture_pids, blocks = self.duplicate_of, self.furniture_pids, state.passage_blocks
        pids = {}
        for pid in range(self.first_pid[d], self.first_pid[d + 1]):
            if blocks[pid] >= 0:  # the title (block -1) is no line of the body
                pids[blocks[pid]] = pid
        fates = {}
        for block, pid in pids.items():
            if pid in furniture_pids:
                fates[block] = ("furniture",)
            elif pid in duplicate_of:
                canon, rule = duplicate_of[pid]
                if canon >= 0:
                    fates[block] = ("dup", doc_ids[index.doc[canon]], index.line[canon], rule, False)
                else:
                    kept = prior.entry(canon)
                    fates[block] = ("dup", kept.doc_id, kept.line, rule, index.words[pid] > kept.words)
        own = list(pids.values())
        target = None
        if own and all(p in duplicate_of or p in furniture_pids for p in own):
            target = _duplicate_target(own, duplicate_of, index, doc_ids, prior)
        start, end = state.spool_offsets[d], self.ends[d]
        if self.ship_document:
            return AssemblyJob(-1, start, end - start, pids, fates, target, os.pread(self.spool_fd, end - start, start))
        # Read by offset (pread): the forked children share this file's position with this process.
        return AssemblyJob(self.spool_fd, start, end - start, pids, fates, target)


@contextmanager
def _cycle_collection_paused():
    """Dedup builds millions of small tuples and lists, none in a reference cycle; each
    full collection on the way would walk all of them again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _redirect(duplicate_of: dict, lost: dict[int, tuple[int, float, str]]) -> dict:
    """Passages whose canonical lost its claim to a concurrent run follow it to the winner."""
    out = dict(duplicate_of)
    for pid, (winner, _, rule) in lost.items():
        out[pid] = (winner, rule)
    for pid, (canon, rule) in duplicate_of.items():
        if canon in lost:
            out[pid] = (lost[canon][0], rule)
    return out


def _duplicate_target(own_pids: list[int], duplicate_of: dict, index: DedupIndex, doc_ids: list[str],
                      prior: PriorMatches | None) -> str | None:
    """The document holding most of this one's canonical text; None if it all lives here."""
    # A document of this run is (0, its index); one an earlier run kept is (1, its id): ties go to this run's.
    words_by_doc: dict[tuple, int] = {}
    for pid in own_pids:
        if pid not in duplicate_of:
            continue
        canon = duplicate_of[pid][0]
        canon_doc = (0, index.doc[canon], "") if canon >= 0 else (1, 0, prior.entry(canon).doc_id)
        if canon_doc[:2] == (0, index.doc[pid]):
            return None  # an in-document copy: the canonical is in this very document
        words_by_doc[canon_doc] = words_by_doc.get(canon_doc, 0) + index.words[pid]
    if not words_by_doc:
        return None
    best = min(words_by_doc.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return doc_ids[best[1]] if best[0] == 0 else best[2]


def clean(records: Iterable, config: Config | None = None) -> Iterator[Result | Reject]:
    """Clean ``records`` lazily: an iterator in, an iterator of results (and rejects) out.

    >>> from cleaner import clean
    >>> docs = [{"id": "a", "text": "Storm floods the city centre as rivers burst their banks overnight."},
    ...         {"id": "b", "text": "Storm floods the city centre as rivers burst their banks overnight..."}]
    >>> [(r.id, r.duplicate_of) for r in clean(docs)]
    [('a', None), ('b', 'a')]
    """
    yield from Cleaner(config).run(records)

