"""Near-duplicate passages: candidates, an exact check of each, and the canonical pick.

Three tiers find candidate pairs, and every pair is checked before it counts:
- passages of ``minhash_min_words`` words or more: MinHash LSH over word
  n-grams, checked by exact Jaccard (or containment, for a copy cut short);
- shorter passages (titles, headlines) in different documents: equal normalised text;
- two passages of the same document, both long enough for MinHash: word
  ``doc_shingle_size``-gram Jaccard,
  because one page rendering a passage twice (a tweet and its cached copy)
  rewrites more than syndication does.

The canonical copy of a group is the most complete one (most words), ties going
to the first seen. Assignment is greedy from the longest passage down, and a
passage joins a canonical only through a checked pair with that canonical, so
chains (A like B, B like C, A unlike C) never merge unlike passages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .config import Config
from .lsh import BUCKET_LINK_CAP, band_keys, candidate_pairs
from .minhash import containment, hash_shingles, jaccard, permutations, shingles, signature


@dataclass
class Passage:
    pid: int  # run-wide sequence number: document order, then line order
    doc: int  # index of the document in the run
    line: int
    words: int
    key: str  # normalised text
    pinned: bool = False  # a title: other passages may be its copies, it is never removed


@dataclass
class DedupIndex:
    """Collects passages during the first pass; ``assign()`` decides the canonical of each."""

    config: Config
    passages: list[Passage] = field(default_factory=list)
    _perms: tuple = field(init=False)
    _sets: dict[int, np.ndarray] = field(default_factory=dict)
    _keys: list[np.ndarray] = field(default_factory=list)
    _key_ids: list[int] = field(default_factory=list)
    _exact: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _doc_sets: dict[int, list[tuple[int, np.ndarray]]] = field(default_factory=lambda: defaultdict(list))
    _excluded: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._perms = permutations(self.config.num_perm, self.config.seed)

    def add(self, doc: int, line: int, tokens: list[str], pinned: bool = False, sentence: bool = False) -> int:
        """Add a passage; ``sentence`` (it ends with . ! ?) keeps a short one out of the exact tier:
        "No one was injured." in two unrelated stories is not a copied passage."""
        cfg = self.config
        pid = len(self.passages)
        key = " ".join(tokens)
        self.passages.append(Passage(pid, doc, line, len(tokens), key, pinned))
        if len(tokens) >= cfg.minhash_min_words:
            hashes = hash_shingles(shingles(tokens, cfg.shingle_size))
            self._sets[pid] = hashes
            sig = signature(hashes, self._perms)
            self._keys.append(band_keys(sig[None, :], cfg.bands, cfg.rows)[0])
            self._key_ids.append(pid)
        elif len(tokens) >= cfg.exact_min_words and not sentence:
            self._exact[key].append(pid)
        if cfg.doc_min_words <= len(tokens) <= cfg.doc_max_words:
            self._doc_sets[doc].append((pid, hash_shingles(shingles(tokens, cfg.doc_shingle_size))))
        return pid

    def exclude(self, pid: int) -> None:
        """Take a passage out of dedup (it was removed by the corpus-level pass)."""
        self._excluded.add(pid)

    def _checked_pairs(self) -> dict[int, list[tuple[float, int, str]]]:
        """For each passage, the passages it is a checked copy of: (similarity, pid, rule)."""
        cfg = self.config
        links: dict[int, list[tuple[float, int, str]]] = defaultdict(list)

        def link(i: int, j: int, sim: float, rule: str) -> None:
            links[i].append((sim, j, rule))
            links[j].append((sim, i, rule))

        if self._keys:
            ids = np.asarray(self._key_ids, dtype=np.int64)
            order = {p.pid: k for k, p in enumerate(self._order())}
            rank = np.asarray([order[i] for i in self._key_ids], dtype=np.int64)
            pairs = candidate_pairs(np.stack(self._keys), ids, rank)
            for i, j in pairs.tolist():
                if i in self._excluded or j in self._excluded:
                    continue
                a, b = self._sets[i], self._sets[j]
                sim = jaccard(a, b)
                if sim >= cfg.threshold:
                    link(i, j, sim, "minhash")
                    continue
                small, large = (a, b) if a.size <= b.size else (b, a)
                if containment(small, large) >= cfg.truncation_containment:
                    link(i, j, sim, "truncated_copy")
        for members in self._exact.values():
            members = [m for m in members if m not in self._excluded]
            # Only across documents: inside one page a short line said twice is a
            # list entry or a label ("Artist of the Year"), not a copied passage.
            # (A title said twice is caught by the strip stage.)
            # Equal text, equal length: the first seen is the canonical, so every
            # member links to the first ones (of other documents).
            for x, later in enumerate(members):
                for earlier in members[: min(x, BUCKET_LINK_CAP)]:
                    if self.passages[earlier].doc != self.passages[later].doc:
                        link(earlier, later, 1.0, "exact")
        for entries in self._doc_sets.values():
            entries = [(p, s) for p, s in entries if p not in self._excluded]
            for x in range(len(entries)):
                for y in range(x + 1, len(entries)):
                    sim = jaccard(entries[x][1], entries[y][1])
                    if sim >= cfg.doc_threshold:
                        link(entries[x][0], entries[y][0], sim, "in_document")
        return links

    def _order(self) -> list[Passage]:
        """The order in which passages claim canonical slots: titles, then longest first, then first seen."""
        return sorted(
            (p for p in self.passages if p.pid not in self._excluded),
            key=lambda p: (not p.pinned, -p.words, p.pid),
        )

    def assign(self) -> dict[int, tuple[int, str]]:
        """Map each duplicate passage id to (canonical passage id, rule). Canonicals are absent."""
        links = self._checked_pairs()
        order = self._order()
        canonical: set[int] = set()
        duplicate_of: dict[int, tuple[int, str]] = {}
        for p in order:
            if p.pinned:
                canonical.add(p.pid)
                continue
            best = None
            for sim, other, rule in links.get(p.pid, ()):
                if other not in canonical:
                    continue
                # A title is never removed, but it must not swallow a longer copy of
                # itself: that copy's extra words would then be nowhere.
                if self.passages[other].pinned and p.words > self.passages[other].words:
                    continue
                if best is None or (sim, -other) > (best[0], -best[1]):
                    best = (sim, other, rule)
            if best is None:
                canonical.add(p.pid)
            else:
                duplicate_of[p.pid] = (best[1], best[2])
        # The shingle sets are only needed to check candidates; free them.
        self._sets.clear()
        self._doc_sets.clear()
        return duplicate_of
