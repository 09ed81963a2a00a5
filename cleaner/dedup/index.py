"""The run's dedup index: every passage's arrays, its candidate pairs and their checked links.

Three tiers find candidate pairs, and every pair is checked before it counts:
- passages of ``minhash_min_words`` words or more: MinHash LSH over word
  n-grams, checked by exact Jaccard (or containment, for a copy cut short);
- shorter passages (titles, headlines) in different documents: equal normalised text;
- two passages of the same document, both long enough for MinHash: word
  ``doc_shingle_size``-gram Jaccard, because one page rendering a passage twice
  (a tweet and its cached copy) rewrites more than syndication does.

Each pair is checked by ``checks.check_pair``; the canonical pick is in ``assign.py``.

Memory: the index keeps per passage its band keys (8 bytes a band), a few
integers and an 8-byte key hash, in flat arrays; the shingle hashes that the
checks need go to a file (``ShingleStore``) and are read back only for
candidate pairs. The work of a document (hashing, signatures, band keys,
in-document pairs) is done by ``passages.Preparer``, which a worker process can
run; ``DedupIndex.add`` only appends its arrays, in input order.
"""

from __future__ import annotations

import os
from array import array
from collections import defaultdict

import numpy as np

from ..config import Config
from .assign import assign_canonicals
from .checks import check_pair, verified_pairs
from .lsh import BUCKET_LINK_CAP, candidate_pairs, merge_pairs
from .passages import PreparedDoc
from .prior import PriorMatches, PriorPassage
from .shingles import ShingleStore


class DedupIndex:
    """Collects passages during the first pass; ``assign()`` decides the canonical of each."""

    def __init__(self, config: Config, store_path: str | os.PathLike | None = None):
        self.config = config
        self.doc = array("l")
        self.line = array("l")
        self.words = array("l")
        self.pinned = array("b")
        self.keys = array("Q")
        # Band keys of the MinHash-tier passages, row after row, and whose they are: flat arrays that
        # grow in place, read at the end as one (n, bands) matrix without a copy.
        self._bands = array("Q")
        self._band_pids = array("q")
        self._row_of = array("q")  # per passage: its row in the shingle store, or -1
        self._exact = array("l")
        self._doc_links: list[tuple[int, int, float]] = []
        self._excluded: set[int] = set()
        self.store = ShingleStore(store_path)

    def __len__(self) -> int:
        return len(self.doc)

    def add(self, doc_index: int, prepared: PreparedDoc) -> list[int]:
        """Append a prepared document's passages; return their passage ids (run-wide, in input order)."""
        base = len(self.doc)
        n = len(prepared.lines)
        self.doc.extend([doc_index] * n)
        self.line.extend(prepared.lines)
        self.words.extend(prepared.words)
        self.pinned.extend(int(p) for p in prepared.pinned)
        self.keys.extend(prepared.keys)
        self._row_of.extend([-1] * n)
        if prepared.minhash:
            assert prepared.set_values is not None and prepared.set_sizes is not None  # made with minhash
            first = self.store.append(prepared.set_values, prepared.set_sizes)
            for k, local in enumerate(prepared.minhash):
                self._row_of[base + local] = first + k
            self._bands.frombytes(np.ascontiguousarray(prepared.bands, dtype=np.uint64).tobytes())
            self._band_pids.extend(base + local for local in prepared.minhash)
        self._exact.extend(base + i for i in prepared.exact)
        self._doc_links.extend((base + i, base + j, sim) for i, j, sim in prepared.doc_links)
        return list(range(base, base + n))

    def exclude(self, pid: int) -> None:
        """Take a passage out of dedup (it was removed by the corpus-level pass)."""
        self._excluded.add(pid)

    def index_bytes(self) -> int:
        """Memory the index holds for its passages (arrays, band keys, store offsets), without the shingle file."""
        return sum(a.itemsize * len(a) for a in (self.doc, self.line, self.words, self.pinned, self.keys,
                                                 self._exact, self._row_of, self.store.offsets,
                                                 self._bands, self._band_pids))

    def _kept(self, pids: np.ndarray) -> np.ndarray:
        """Which of ``pids`` are not excluded (a mask)."""
        return ~np.isin(pids, np.fromiter(self._excluded, dtype=np.int64, count=len(self._excluded)))

    def drop_excluded(self, pairs: np.ndarray) -> np.ndarray:
        """The (i, j) pairs of which neither passage is excluded."""
        return pairs[self._kept(pairs).all(axis=1)] if self._excluded and pairs.size else pairs

    def band_entries(self, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The MinHash-tier passage ids, their band keys and their rank in ``order`` (excluded ones last)."""
        ids, keys = self._band_matrix()
        rank_of = np.full(len(self.doc), len(self.doc), dtype=np.int64)
        rank_of[order] = np.arange(order.size)
        return ids, keys, rank_of[ids]

    def order(self) -> np.ndarray:
        """The order in which passages claim canonical slots: titles, then longest first, then first seen."""
        n = len(self.doc)
        pids = np.arange(n, dtype=np.int64)
        words = np.asarray(self.words, dtype=np.int64)
        pinned = np.asarray(self.pinned, dtype=np.int64)
        order = np.lexsort((pids, -words, 1 - pinned))
        if self._excluded:
            order = order[self._kept(order)]
        return order

    def _band_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """The MinHash-tier passage ids and their band keys, as views of the index's own arrays.
        (The arrays cannot grow while a view of them lives: no passage is added after the first pass.)"""
        if not self._band_pids:
            return np.empty(0, np.int64), np.empty((0, self.config.bands), np.uint64)
        ids = np.frombuffer(self._band_pids, dtype=np.int64)
        return ids, np.frombuffer(self._bands, dtype=np.uint64).reshape(ids.size, self.config.bands)

    def minhash_tier(self) -> tuple[np.ndarray, np.ndarray]:
        """The MinHash-tier passage ids and their band keys, (n,) and (n, bands), excluded ones left out."""
        ids, keys = self._band_matrix()
        if self._excluded:
            keep = self._kept(ids)
            ids, keys = ids[keep], keys[keep]
        return ids, keys

    def exact_tier(self) -> np.ndarray:
        """The exact-tier passage ids, excluded ones left out."""
        exact = np.asarray(self._exact, dtype=np.int64)
        if self._excluded:
            exact = exact[self._kept(exact)]
        return exact

    def shingles(self, pid: int) -> np.ndarray:
        """The sorted shingle hashes of a MinHash-tier passage."""
        return self.store.get(self._row_of[pid])

    def candidates(self, order: np.ndarray) -> np.ndarray:
        """MinHash-tier candidate pairs (i, j), i < j, from shared band keys."""
        ids, keys, rank = self.band_entries(order)
        return candidate_pairs(keys, ids, rank)

    def check(self, a: np.ndarray, b: np.ndarray) -> tuple[float, str] | None:
        """(similarity, rule) when two shingle sets are copies of one passage, else None."""
        return check_pair(a, b, self.config.threshold, self.config.truncation_containment)

    def verify(self, pairs: np.ndarray) -> list[tuple[int, int, float, str]]:
        """The candidate pairs that are copies, as (i, j, similarity, rule), in the order of ``pairs``."""
        cfg = self.config
        return verified_pairs(self.drop_excluded(pairs), self.shingles, cfg.threshold, cfg.truncation_containment)

    def _fanned_out_checks(self, order: np.ndarray, pairs: np.ndarray | None, fan_out) -> list:
        """``verify(candidates(order))``, with the bands, then the pairs, shared among ``fan_out``'s processes."""
        parts = fan_out.processes
        self.store.flush()  # the processes read the shingle file: none of it may wait in a buffer
        if pairs is None:
            ids, keys, rank = self.band_entries(order)
            groups = np.array_split(np.arange(self.config.bands), parts)
            pairs = merge_pairs(fan_out(lambda k: candidate_pairs(keys, ids, rank, groups[k].tolist()), parts))
        chunks = np.array_split(pairs, parts)
        return [link for part in fan_out(lambda k: self.verify(chunks[k]), parts) for link in part]

    def checked_links(self, order: np.ndarray, pairs: np.ndarray | None = None,
                      verified: list[tuple[int, int, float, str]] | None = None,
                      fan_out=None) -> dict[int, list[tuple[float, int, str]]]:
        """Every checked pair, as links from each passage to the others.

        ``pairs`` (candidate pairs) or ``verified`` (checked ones) may come from
        elsewhere (the Ray engine makes them on its workers); they must be what
        ``candidates`` and ``check`` give here. ``fan_out(make, parts)`` returns
        ``[make(k) for k in range(parts)]`` made by ``fan_out.processes`` processes
        (``pipeline.py`` forks them); the candidate pairs and their checks are then
        shared among them, and the links are the same.
        """
        links: dict[int, list[tuple[float, int, str]]] = defaultdict(list)

        def link(i: int, j: int, sim: float, rule: str) -> None:
            links[i].append((sim, j, rule))
            links[j].append((sim, i, rule))

        if verified is None and fan_out is not None:
            verified = self._fanned_out_checks(order, pairs, fan_out)
        if verified is None:
            verified = self.verify(self.candidates(order) if pairs is None else pairs)
        for i, j, sim, rule in verified:
            link(i, j, sim, rule)
        # Exact tier: equal keys, grouped by sorting; only across documents (inside one
        # page a short line said twice is a list entry or a label, not a copied passage).
        exact = self.exact_tier()
        if exact.size:
            keys = np.asarray(self.keys, dtype=np.uint64)[exact]
            sort = np.lexsort((exact, keys))
            exact, keys = exact[sort], keys[sort]
            bounds = np.flatnonzero(np.diff(keys)) + 1
            for group in np.split(exact, bounds):
                members = group.tolist()
                # Equal text, equal length: the first seen is the canonical, so every
                # member links to the first ones (of other documents).
                for x, later in enumerate(members):
                    for earlier in members[: min(x, BUCKET_LINK_CAP)]:
                        if self.doc[earlier] != self.doc[later]:
                            link(earlier, later, 1.0, "exact")
        for i, j, sim in self._doc_links:
            if i not in self._excluded and j not in self._excluded:
                link(i, j, sim, "in_document")
        return links

    def assign(self, order: np.ndarray | None = None, links: dict | None = None,
               prior: PriorMatches | None = None) -> dict[int, tuple[int | PriorPassage, str]]:
        """Each duplicate passage's canonical and rule (``assign.assign_canonicals``)."""
        if order is None:
            order = self.order()
        if links is None:
            links = self.checked_links(order)
        return assign_canonicals(self, order, links, prior)
