"""The run: strip every document, learn site furniture, dedup across the run, assemble.

Cross-document dedup must see every passage before it can name the canonical
(longest) copy, so a run makes two passes. The first strips each document,
counts its short lines for the furniture pass and adds its passages to the
dedup index, then spools the stripped document to a temporary file; memory
holds the index, not the documents. The second pass reads the spool back in
input order and assembles each result.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import Callable

from .checkpoint import Pass1State, WorkDir
from .config import Config
from .corpus import FurnitureCounter
from .dedup import DedupIndex
from .document import Reject, Result, Skipped
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
                 log: Callable[[str], None] | None = None, workers: int = 1):
        self.config = config or Config()
        self.stats = RunStats()
        self.workers = max(1, workers)
        self._progress = progress
        self._log = log or (lambda message: None)  # the library never prints; the CLI passes stderr

    def run(self, records: Iterable, work_dir: WorkDir | None = None, resume: bool = False,
            fingerprint: str = "", checkpoint_every: int = 1000,
            checkpoint_seconds: float = 60.0) -> Iterator[Result | Reject]:
        """Clean ``records``; yield rejects as the first pass meets them, then every result in input order.

        With ``work_dir`` the first pass is checkpointed every ``checkpoint_every``
        documents (and at least ``checkpoint_seconds`` apart), and ``resume=True``
        continues from the last checkpoint: ``records`` must then be the same
        records again (``fingerprint`` guards that), and the results are the
        same as those of an uninterrupted run.
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
        with spool, WorkerPool(self.workers, DocumentWork, (cfg,)) as pool:
            yield from state.rejects
            if not state.done:
                t0 = time.perf_counter()
                yield from self._first_pass(pool, records, state, spool, work_dir, checkpoint_every, checkpoint_seconds)
                stats.phases["first_pass"] = time.perf_counter() - t0
            yield from self._second_pass(pool, state, spool)
        stats.seconds = time.perf_counter() - stats.started
        state.index.store.close()
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
        if work_dir is not None:
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

    def _second_pass(self, pool: WorkerPool, state: Pass1State, spool) -> Iterator[Result]:
        stats, index, doc_ids = state.stats, state.index, state.doc_ids
        t0 = time.perf_counter()
        stats.index_bytes, stats.index_passages = index.index_bytes(), len(index)
        site_furniture = state.furniture.furniture()
        furniture_pids = set()
        if site_furniture:
            for pid, key in enumerate(index.keys):
                if key in site_furniture and not index.pinned[pid]:
                    furniture_pids.add(pid)
                    index.exclude(pid)
        duplicate_of = index.assign()
        stats.phases["dedup"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # Counted here, not during the first pass, so a rerun of this pass counts once.
        stats.written = stats.duplicate_documents = stats.passages = 0
        stats.duplicate_passages = stats.related_items = 0
        stats.removed.clear()

        spool.flush()
        ends = state.spool_offsets[1:].tolist() + [spool.seek(0, os.SEEK_END)]
        doc_of, blocks = index.doc, state.passage_blocks

        def jobs() -> Iterator[AssemblyJob]:
            next_pid = 0
            for d, (start, end) in enumerate(zip(state.spool_offsets, ends)):
                pids = {}
                while next_pid < len(doc_of) and doc_of[next_pid] == d:
                    if blocks[next_pid] >= 0:  # the title (block -1) is no line of the body
                        pids[blocks[next_pid]] = next_pid
                    next_pid += 1
                fates = {}
                for block, pid in pids.items():
                    if pid in furniture_pids:
                        fates[block] = ("furniture",)
                    elif pid in duplicate_of:
                        canon, rule = duplicate_of[pid]
                        fates[block] = ("dup", doc_ids[index.doc[canon]], index.line[canon], rule)
                own = list(pids.values())
                target = None
                if own and all(p in duplicate_of or p in furniture_pids for p in own):
                    target = _duplicate_target(own, duplicate_of, index, doc_ids)
                # Read by offset (pread): whichever process assembles reads it, with no shared file position.
                yield AssemblyJob(spool.fileno(), start, end - start, pids, fates, target)

        # Assembly is light next to the first pass: shipping each result back from a
        # worker cost more than it saved (measured, also with results sent as JSON
        # text), so it runs here.
        assembled = map(pool.local.assemble, jobs())
        for result, counts in assembled:
            for key, value in counts.items():
                if key.startswith("removed:"):
                    stats.removed[key[8:]] += value
                else:
                    setattr(stats, key, getattr(stats, key) + value)
            if result.duplicate_of is None:
                stats.written += 1
            else:
                stats.duplicate_documents += 1
            if self._progress:
                self._progress("assemble", 1)
            yield result
        stats.phases["second_pass"] = time.perf_counter() - t0


def _duplicate_target(own_pids: list[int], duplicate_of: dict, index: DedupIndex, doc_ids: list[str]) -> str | None:
    """The document holding most of this one's canonical text; None if it all lives here."""
    words_by_doc: dict[int, int] = {}
    for pid in own_pids:
        if pid not in duplicate_of:
            continue
        canon_doc = index.doc[duplicate_of[pid][0]]
        if canon_doc == index.doc[pid]:
            return None  # an in-document copy: the canonical is in this very document
        words_by_doc[canon_doc] = words_by_doc.get(canon_doc, 0) + index.words[pid]
    if not words_by_doc:
        return None
    best = min(words_by_doc.items(), key=lambda kv: (-kv[1], kv[0]))
    return doc_ids[best[0]]


def clean(records: Iterable, config: Config | None = None) -> Iterator[Result | Reject]:
    """Clean ``records`` lazily: an iterator in, an iterator of results (and rejects) out.

    >>> from cleaner import clean
    >>> docs = [{"id": "a", "text": "Storm floods the city centre as rivers burst their banks overnight."},
    ...         {"id": "b", "text": "Storm floods the city centre as rivers burst their banks overnight..."}]
    >>> [(r.id, r.duplicate_of) for r in clean(docs)]
    [('a', None), ('b', 'a')]
    """
    yield from Cleaner(config).run(records)

