"""Near-duplicate passages: candidates, an exact check of each, and the canonical pick.

Three tiers find candidate pairs, and every pair is checked before it counts:
- passages of ``minhash_min_words`` words or more: MinHash LSH over word
  n-grams, checked by exact Jaccard (or containment, for a copy cut short);
- shorter passages (titles, headlines) in different documents: equal normalised text;
- two passages of the same document, both long enough for MinHash: word
  ``doc_shingle_size``-gram Jaccard, because one page rendering a passage twice
  (a tweet and its cached copy) rewrites more than syndication does.

The canonical copy of a group is the most complete one (most words), ties going
to the first seen. Assignment is greedy from the longest passage down, and a
passage joins a canonical only through a checked pair with that canonical, so
chains (A like B, B like C, A unlike C) never merge unlike passages.

Memory: the index keeps per passage its band keys (8 bytes a band), a few
integers and an 8-byte key hash, in flat arrays; the shingle hashes that the
checks need go to a file (``ShingleStore``) and are read back only for
candidate pairs. The work of a document (hashing, signatures, band keys,
in-document pairs) is done by ``prepare_document``, which a worker process can
run; ``DedupIndex.add`` only appends its arrays, in input order.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from ..hashing import key_hash
from . import kernels
from .lsh import BUCKET_LINK_CAP, band_keys, candidate_pairs, merge_pairs
from .minhash import containment, jaccard, permutations
from .prior import PriorMatches, PriorPassage


@dataclass
class PassageInput:
    line: int
    tokens: list[str]
    pinned: bool = False  # a title: other passages may be its copies, it is never removed
    # Ends with a full stop: "No one was injured." in two unrelated stories is not a copied passage.
    sentence: bool = False
    # The tokens joined by spaces: the normalised text that is hashed and encoded (joined once).
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text:
            self.text = " ".join(self.tokens)


@dataclass
class PreparedDoc:
    """One document's passages, hashed and signed, ready to be appended to the index."""

    lines: list[int]
    words: list[int]
    pinned: list[bool]
    keys: list[int]
    minhash: list[int] = field(default_factory=list)  # local indices of the MinHash-tier passages
    # Their shingle sets, one after another (one array: cheap to send between processes).
    set_values: np.ndarray | None = None
    set_sizes: np.ndarray | None = None
    bands: np.ndarray | None = None  # their band keys, (len(minhash), bands)
    exact: list[int] = field(default_factory=list)  # local indices of the exact-tier passages
    doc_links: list[tuple[int, int, float]] = field(default_factory=list)  # checked in-document pairs


class Preparer:
    """Per-process state for ``prepare``: the settings and the permutations."""

    def __init__(self, config: Config):
        self.config = config
        self.perms = permutations(config.num_perm, config.seed)

    def prepare(self, passages: list[PassageInput]) -> PreparedDoc:
        cfg = self.config
        doc = PreparedDoc(lines=[p.line for p in passages], words=[len(p.tokens) for p in passages],
                          pinned=[p.pinned for p in passages],
                          keys=[key_hash(p.text) for p in passages])
        if not passages:
            return doc
        tok, offsets = kernels.token_hashes(kernels.encode_texts([p.text for p in passages]), len(passages))
        in_doc = []
        for i, p in enumerate(passages):
            n = len(p.tokens)
            if n >= cfg.minhash_min_words:
                doc.minhash.append(i)  # shingle sets stored sorted and unique, ready for the checks
            elif n >= cfg.exact_min_words and not p.sentence:
                doc.exact.append(i)
            if cfg.doc_min_words <= n <= cfg.doc_max_words and not p.pinned:
                in_doc.append(i)
        if doc.minhash:
            values, voff = kernels.shingle_sets(tok, offsets, cfg.shingle_size)
            chosen = np.asarray(doc.minhash)
            doc.set_sizes = (voff[chosen + 1] - voff[chosen]).astype(np.int64)
            doc.set_values = np.concatenate([values[voff[i] : voff[i + 1]] for i in doc.minhash])
            sig = kernels.signatures(values, voff, *self.perms)[doc.minhash]
            doc.bands = band_keys(sig, cfg.bands, cfg.rows)
        doc_sets = []
        if len(in_doc) > 1:
            grams, goff = kernels.shingle_sets(tok, offsets, cfg.doc_shingle_size)
            doc_sets = [(i, grams[goff[i] : goff[i + 1]]) for i in in_doc]
        if len(doc_sets) > 1:
            doc.doc_links = _similar_pairs(doc_sets, cfg.doc_threshold)
        return doc


def _similar_pairs(sets: list[tuple[int, np.ndarray]], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs of sets with Jaccard >= threshold, from one sort of all their members.

    A page's paragraphs share few 3-grams, so counting the shared values at once
    is much cheaper than intersecting every pair.
    """
    labels = np.concatenate([np.full(s.size, k, dtype=np.int64) for k, (_, s) in enumerate(sets)])
    values = np.concatenate([s for _, s in sets])
    order = np.lexsort((labels, values))
    values, labels = values[order], labels[order]
    same = np.flatnonzero(values[1:] == values[:-1])
    if same.size == 0:
        return []
    n = len(sets)
    codes = []
    # A value shared by several sets: every pair of them shares it (runs are short).
    run_starts = same[np.r_[True, np.diff(same) > 1]]
    for start in run_starts.tolist():
        end = start + 1
        while end < values.size and values[end] == values[start]:
            end += 1
        members = labels[start:end]
        for x in range(members.size):
            codes.append(members[x] * n + members[x + 1 :])
    pair_codes, shared = np.unique(np.concatenate(codes), return_counts=True)
    sizes = np.array([s.size for _, s in sets])
    out = []
    for code, inter in zip(pair_codes.tolist(), shared.tolist()):
        x, y = divmod(code, n)
        sim = inter / (sizes[x] + sizes[y] - inter)
        if sim >= threshold:
            out.append((sets[x][0], sets[y][0], sim))
    return out


def check_pair(a: np.ndarray, b: np.ndarray, threshold: float, truncation: float) -> tuple[float, str] | None:
    """(similarity, rule) when two sorted shingle sets are copies of one passage, else None:
    Jaccard at least ``threshold``, or the smaller set ``truncation`` contained in the larger
    (a copy cut short)."""
    sim = jaccard(a, b)
    if sim >= threshold:
        return sim, "minhash"
    small, large = (a, b) if a.size <= b.size else (b, a)
    if containment(small, large) >= truncation:
        return sim, "truncated_copy"
    return None


def verified_pairs(pairs: np.ndarray, shingles_of, threshold: float,
                   truncation: float) -> list[tuple[int, int, float, str]]:
    """The (i, j) pairs that ``check_pair`` finds copies, with ``shingles_of(pid)`` giving each
    passage's set: (i, j, similarity, rule), in the order of ``pairs``."""
    verified = []
    for i, j in pairs.tolist():
        checked = check_pair(shingles_of(i), shingles_of(j), threshold, truncation)
        if checked is not None:
            verified.append((i, j, *checked))
    return verified


class ShingleStore:
    """Shingle-hash arrays appended to a file, read back by row for the candidate checks.

    Rows are read with ``pread``, not through an mmap: mapped pages would count in
    the run's resident memory until the end, as much as the file (every passage
    with a candidate is read), while a read row is freed once checked.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = None if path is None else str(path)
        # Open for the store's lifetime: close() closes it.
        self._fh = open(self.path, "w+b") if self.path else tempfile.TemporaryFile(prefix="cleaner-shingles-")  # noqa: SIM115
        self.offsets = array("Q", [0])
        self._dirty = False

    def append(self, values: np.ndarray, sizes: np.ndarray) -> int:
        """Append consecutive sets (``values`` cut by ``sizes``); return the row of the first."""
        first = len(self.offsets) - 1
        self._fh.write(np.ascontiguousarray(values, dtype=np.uint32).tobytes())
        self.offsets.extend((self.offsets[-1] + np.cumsum(sizes)).tolist())
        self._dirty = True
        return first

    def flush(self) -> None:
        if self._dirty:
            self._fh.flush()
            self._dirty = False

    def get(self, row: int) -> np.ndarray:
        """The sorted unique shingle hashes of ``row``, read from the file."""
        self.flush()
        start, end = self.offsets[row], self.offsets[row + 1]
        return np.frombuffer(os.pread(self._fh.fileno(), (end - start) * 4, start * 4), dtype=np.uint32)

    def close(self) -> None:
        self._fh.close()

    def __getstate__(self):
        # A checkpoint keeps the file's name and how much of it counts.
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return {"path": self.path, "offsets": self.offsets}

    def __setstate__(self, state) -> None:
        self.path, self.offsets, self._dirty = state["path"], state["offsets"], False
        self._fh = open(self.path, "r+b")  # noqa: SIM115 - open for the store's lifetime, closed by close()
        self._fh.truncate(self.offsets[-1] * 4)
        self._fh.seek(0, os.SEEK_END)


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
        """Map each duplicate passage id to (its canonical, rule). Canonicals are absent.

        ``prior`` holds passages kept by earlier runs, found by an index across
        runs (``cleaner.index.matching``): they are canonical already, and win
        ties (first seen). They are :class:`PriorPassage` values, and
        ``prior.links`` holds this run's checked pairs with them.
        """
        if order is None:
            order = self.order()
        if links is None:
            links = self.checked_links(order)
        passage = _Passages(self, prior)
        prior_links = prior.links if prior is not None else {}
        canonical: set[int] = set()
        duplicate_of: dict[int, tuple[int | PriorPassage, str]] = {}
        for pid in order.tolist():
            if self.pinned[pid]:
                canonical.add(pid)
                continue
            best: tuple[float, int | PriorPassage, str] | None = None
            for sim, other, rule in [*links.get(pid, ()), *prior_links.get(pid, ())]:
                if isinstance(other, int) and other not in canonical:
                    continue
                # A title is never removed, but it must not swallow a longer copy of
                # itself: that copy's extra words would then be nowhere.
                if passage.pinned(other) and self.words[pid] > passage.words(other):
                    continue
                if best is None or (sim, _first_seen(other)) > (best[0], _first_seen(best[1])):
                    best = (sim, other, rule)
            if best is None:
                canonical.add(pid)
            else:
                duplicate_of[pid] = (best[1], best[2])
        return duplicate_of


def _first_seen(passage: int | PriorPassage) -> int:
    """Higher for a passage seen earlier: earlier runs' first, then this run's in input order."""
    return passage.first_seen() if isinstance(passage, PriorPassage) else -passage


class _Passages:
    """Words and pinning of this run's passages (ids) and of earlier runs' (:class:`PriorPassage`)."""

    def __init__(self, index: DedupIndex, prior: PriorMatches | None):
        self.index, self.prior = index, prior

    def words(self, passage: int | PriorPassage) -> int:
        if isinstance(passage, PriorPassage):
            return self.prior.entry(passage).words  # type: ignore[union-attr]  # only prior makes them
        return self.index.words[passage]

    def pinned(self, passage: int | PriorPassage) -> bool:
        if isinstance(passage, PriorPassage):
            return self.prior.entry(passage).pinned  # type: ignore[union-attr]
        return bool(self.index.pinned[passage])
