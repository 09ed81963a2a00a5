"""The run: strip every document, learn site furniture, dedup across the run, assemble.

Cross-document dedup must see every passage before it can name the canonical
(longest) copy, so a run makes two passes. The first strips each document,
counts its short lines for the furniture pass and adds its passages to the
dedup index, then spools the stripped document to a temporary file; memory
holds the index, not the documents. The second pass decides the canonical of
every passage, then reads the spool back in input order and assembles each
result. With several workers, the first pass runs on a pool of forked workers
(``engines/``). In the second, dedup walks the passages once in canonical
order (``cleaner.dedup.index``, one compiled loop, the same on every engine),
then the engine assembles the results (the local engine in processes forked
once the first pass is done, which see the decisions by copy-on-write).
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from ..config import Config
from ..dedup.index import DedupIndex
from ..document import Encoded, Reject, Result, Skipped
from ..index.matching import PriorMatches, PriorPassage, match_prior, run_passages
from ..index.store import Store
from ..strip.furniture import FurnitureCounter
from .checkpoint import Pass1State, WorkDir
from .decisions import FURNITURE, CopyOf, Fate, SpanCut
from .engines import ENGINES, Engine, open_engine
from .stats import RunStats
from .whole_copies import find_whole_documents, promote_copies_out_of_whole
from .work import TITLE_BLOCK, AssemblyJob, DocumentWork, FirstPassDoc

# A passage's canonical: one of this run's passage ids, or a passage an earlier run kept.
Canonical = int | PriorPassage


@dataclass
class Decisions:
    """What the second pass decided about the run's passages, before any result is assembled."""

    duplicate_of: dict[int, tuple[Canonical, str]]  # copy -> (its canonical, the rule that matched)
    furniture: set[int]  # passages whose line is site furniture
    prior: PriorMatches | None  # earlier runs' passages matched, with an index across runs
    # Document index -> the id of the document it is a whole copy of (its body goes to the audit).
    whole: dict[int, str] = field(default_factory=dict)


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
        # An index across runs (``cleaner.index.open_index``): earlier runs' passages count as seen.
        self.index = index
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        # local: forked worker processes on this machine; ray: the same stages on a Ray cluster (engines/).
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
        state = self._start(work_dir, resume, fingerprint)
        stats = self.stats = state.stats
        stats.workers, stats.engine = self.workers, self.engine
        stats.started = time.perf_counter() - stats.seconds
        spool = _open_spool(work_dir, state)
        engine = open_engine(self.engine, self.workers, DocumentWork, (self.config,), self.ray_address)
        with spool, engine:
            yield from state.rejects
            if not state.done:
                t0 = time.perf_counter()
                yield from self._first_pass(engine, records, state, spool, work_dir, checkpoint_every, checkpoint_seconds)
                stats.phases["first_pass"] = time.perf_counter() - t0
            yield from self._second_pass(engine, state, spool, encode)
        stats.seconds = time.perf_counter() - stats.started
        state.index.store.close()
        if self.index is not None and commit_index:
            self.commit_index()
        if work_dir is not None:
            work_dir.clear()

    def _start(self, work_dir: WorkDir | None, resume: bool, fingerprint: str) -> Pass1State:
        """The first pass's state: from the last checkpoint when resuming, else a new one."""
        cfg = self.config
        if work_dir is not None and resume and work_dir.exists():
            state = work_dir.load(fingerprint)
            self._log(f"resuming after record {state.consumed} (checkpoint in {work_dir.path})")
            return state
        if work_dir is not None:
            work_dir.start()
        store = None if work_dir is None else work_dir.path / "shingles"
        return Pass1State(fingerprint=fingerprint, stats=RunStats(dedup=cfg.dedup_settings()),
                          index=DedupIndex(cfg, store), furniture=FurnitureCounter(cfg))

    def _first_pass(self, engine: Engine, records, state: Pass1State, spool, work_dir, every: int, seconds: float):
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
        for item in engine.map("first", todo):
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

    def _second_pass(self, engine: Engine, state: Pass1State, spool, encode) -> Iterator[Result | Encoded]:
        stats = state.stats
        t0 = time.perf_counter()
        engine.end_first_pass()
        decisions = self._decide(state)
        stats.phases["dedup"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # Counted here, not during the first pass, so a rerun of this pass counts once.
        stats.reset_assembly_counts()
        spool.flush()
        job = _JobMaker(state, spool, decisions)
        for result, counts, output in engine.assemble(job, len(state.doc_ids), encode):
            stats.add_document(counts, result.duplicate_of is not None)
            if self._progress:
                self._progress("assemble", 1)
            yield Encoded(result.id, result.duplicate_of, output) if encode is not None else output
        stats.phases["second_pass"] = time.perf_counter() - t0

    def _decide(self, state: Pass1State) -> Decisions:
        """Site furniture, then each passage's canonical: in this run, an earlier run, or itself."""
        index = state.index
        state.stats.index_bytes, state.stats.index_passages = index.index_bytes(), len(index)
        furniture = self._furniture(state)
        prior = None if self.index is None else match_prior(index, self.index, state.fingerprint, self.workers)
        with _cycle_collection_paused():
            duplicate_of: dict[int, tuple[Canonical, str]] = index.decide(prior)
        state.stats.clusters = index.clusters
        decisions = Decisions(duplicate_of, furniture, prior)
        # Whole copies are decided before any claim: what such a document keeps of its own
        # goes to the audit, never to an index where other runs would find it.
        decisions.whole = find_whole_documents(decisions, state)
        promote_copies_out_of_whole(decisions, state, decisions.whole)
        if self.index is not None and prior is not None:
            decisions.duplicate_of = self._claim(self.index, state, decisions)
            # A document whose passages a concurrent run claimed first is a whole copy too, when it
            # claimed none itself (what it claimed is in the index: it must stay in its output).
            claimed = {state.index.doc[p.pid] for p in self._to_commit or ()}
            emptied = {d: target for d, target in find_whole_documents(decisions, state).items()
                       if d not in decisions.whole and d not in claimed}
            promote_copies_out_of_whole(decisions, state, emptied)
            decisions.whole.update(emptied)
        return decisions

    @staticmethod
    def _furniture(state: Pass1State) -> set[int]:
        """The passages whose line is site furniture, left out of dedup (titles are never furniture)."""
        index, site_furniture = state.index, state.furniture.furniture()
        furniture: set[int] = set()
        if site_furniture:
            for pid, key in enumerate(index.keys):
                if key in site_furniture and not index.pinned[pid]:
                    furniture.add(pid)
                    index.exclude(pid)
        return furniture

    def _claim(self, store: Store, state: Pass1State, decisions: Decisions) -> dict:
        """Offer the run's canonicals to the index; one that a concurrent run kept first
        becomes a copy of that run's passage, and so do the passages that were copies of it."""
        index = state.index
        duplicate_of, furniture, prior = decisions.duplicate_of, decisions.furniture, decisions.prior
        assert prior is not None  # claims are made with an index across runs
        canonicals = [pid for pid in range(len(index)) if pid not in duplicate_of and pid not in furniture
                      and index.doc[pid] not in decisions.whole]
        self._to_commit = run_passages(index, state.doc_ids, canonicals)
        self._fingerprint = state.fingerprint
        lost = {}
        unclaimed = [p for p in self._to_commit if (p.doc_id, p.line) not in prior.own]
        for pid, (kept, sim, rule) in store.claim(unclaimed, state.fingerprint, index).items():
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


def _open_spool(work_dir: WorkDir | None, state: Pass1State) -> IO[bytes]:
    """The file the first pass writes stripped documents to (the checkpointed one when resuming)."""
    if work_dir is None:
        return tempfile.TemporaryFile(prefix="cleaner-spool-")
    spool = open(work_dir.spool_path, "r+b" if work_dir.spool_path.exists() else "w+b")  # noqa: SIM115 - closed by run()
    spool.truncate(state.spool_length)
    spool.seek(state.spool_length)
    return spool


class _JobMaker:
    """The assembly job of any document, by its index: what the run decided about its passages."""

    def __init__(self, state: Pass1State, spool: IO[bytes], decisions: Decisions):
        self.state, self.index, self.spool_fd, self.decisions = state, state.index, spool.fileno(), decisions
        self.ends = state.spool_offsets[1:].tolist() + [spool.seek(0, os.SEEK_END)]
        # Passages are added document by document, so each document's are one run of ids.
        self.first_pid = np.searchsorted(np.asarray(self.index.doc, dtype=np.int64),
                                         np.arange(len(state.doc_ids) + 1)).tolist()


    def __call__(self, d: int, ship_document: bool = False) -> AssemblyJob:
        """Document ``d``'s job; with ``ship_document`` (a worker that cannot read the spool) it carries the document."""
        blocks = self.state.passage_blocks
        pids = {blocks[pid]: pid for pid in range(self.first_pid[d], self.first_pid[d + 1])
                if blocks[pid] != TITLE_BLOCK}  # the title is no line of the body
        fates = {block: fate for block, pid in pids.items() if (fate := self._fate(pid)) is not None}
        target = self.decisions.whole.get(d)
        start, end = self.state.spool_offsets[d], self.ends[d]
        spans = {block: cuts for block, pid in pids.items() if (cuts := self._span_cuts(pid))}
        if ship_document:
            return AssemblyJob(-1, start, end - start, pids, fates, target, os.pread(self.spool_fd, end - start, start),
                               spans=spans)
        # Read by offset (pread): the forked children share this file's position with this process.
        return AssemblyJob(self.spool_fd, start, end - start, pids, fates, target, spans=spans)

    def _span_cuts(self, pid: int) -> tuple[SpanCut, ...]:
        """The sentences cut from a kept passage, each with where its kept twin is."""
        cuts = []
        for sentence, kept, rule in self.index.spans.get(pid, ()):
            if self.index.doc[kept] in self.decisions.whole:
                # Its twin went to the audit with a whole copy: the sentence stays here, where a
                # copy of a whole passage would have taken its twin's place instead
                # (``whole_copies.promote_copies_out_of_whole``).
                continue
            # The kept passage lost its claim to a concurrent run's (``--index``): the twin is there now.
            fate = self._fate(kept)
            if isinstance(fate, CopyOf):
                cuts.append(SpanCut(sentence, fate.kept_id, fate.kept_line, rule))
            else:
                cuts.append(SpanCut(sentence, self.state.doc_ids[self.index.doc[kept]], self.index.line[kept], rule))
        return tuple(cuts)

    def _fate(self, pid: int) -> Fate | None:
        if pid in self.decisions.furniture:
            return FURNITURE
        if pid not in self.decisions.duplicate_of:
            return None
        canon, rule = self.decisions.duplicate_of[pid]
        if isinstance(canon, PriorPassage):
            kept = self.decisions.prior.entry(canon)  # type: ignore[union-attr]  # a PriorPassage comes from prior
            return CopyOf(kept.doc_id, kept.line, rule, self.index.words[pid] > kept.words)
        return CopyOf(self.state.doc_ids[self.index.doc[canon]], self.index.line[canon], rule)


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


def _redirect(duplicate_of: dict, lost: dict[int, tuple[PriorPassage, float, str]]) -> dict:
    """Passages whose canonical lost its claim to a concurrent run follow it to the winner."""
    out = dict(duplicate_of)
    for pid, (winner, _, rule) in lost.items():
        out[pid] = (winner, rule)
    for pid, (canon, rule) in duplicate_of.items():
        if canon in lost:
            out[pid] = (lost[canon][0], rule)
    return out


def clean(records: Iterable, config: Config | None = None) -> Iterator[Result | Encoded | Reject]:
    """Clean ``records`` lazily: an iterator in, an iterator of results (and rejects) out.

    >>> from cleaner import clean
    >>> docs = [{"id": "a", "text": "Storm floods the city centre as rivers burst their banks overnight."},
    ...         {"id": "b", "text": "Storm floods the city centre as rivers burst their banks overnight..."}]
    >>> [(r.id, r.duplicate_of) for r in clean(docs)]
    [('a', None), ('b', 'a')]
    """
    yield from Cleaner(config).run(records)

