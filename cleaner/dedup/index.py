"""The run's dedup index: every passage's arrays, and the walk that decides each one's canonical.

The first pass appends each document's prepared passages (``passages.Preparer``,
run by whichever process read the document): per passage a few integers, its
lookup keys (8 bytes each) and its token ids, which go to a file
(``tokenstore.TokenStore``) and are read back only for the walk. ``decide`` then
walks the passages in canonical order (``order``) and checks each one against
the canonicals kept so far only (``walk.dedup_walk``): its cost is linear in the
run, whatever the size of a cluster.
"""

from __future__ import annotations

import os
from array import array
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..config import Config
from .passages import PreparedDoc
from .prior import PriorMatches, PriorPassage
from .tokenstore import TokenStore
from .walk import RULES, check, check_pairs, dedup_walk, span_walk


class DedupIndex:
    """Collects passages during the first pass; ``decide()`` names the canonical of each."""

    def __init__(self, config: Config, store_path: str | os.PathLike | None = None):
        self.config = config
        self.doc = array("l")
        self.line = array("l")
        self.words = array("l")
        self.pinned = array("b")
        self.cut = array("b")
        self.context = array("b")  # a copy only inside a related document (``passages.Preparer.in_context``)
        self.keys = array("Q")  # the normalised text's hash
        # Lookup keys of all passages, one after another; where each passage's begin.
        self._lookup = array("Q")
        self._lookup_off = array("q", [0])
        self.doc_rank = array("l")  # per document: its place in source_priority
        # Where each passage's sentences after the first begin (token offsets), CSR by passage.
        self._starts = array("l")
        self._starts_off = array("q", [0])
        self.divisible = array("b")  # its sentences can be cut as spans (``PassageInput.divisible``)
        # Sentences cut from passages that stay canonical (``walk.span_walk``), set by ``decide``:
        # per passage, (sentence, kept passage, rule) of each.
        self.spans: dict[int, list[tuple[int, int, str]]] = {}
        self._doc_links: list[tuple[int, int, float]] = []
        self._excluded: set[int] = set()
        self.store = TokenStore(store_path)
        self.clusters = 0

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
        self.cut.extend(int(c) for c in prepared.cut)
        self.context.extend(int(c) for c in prepared.context)
        self.keys.extend(prepared.keys)
        if n:
            # Made with the passages.
            assert prepared.tok_ids is not None and prepared.tok_sizes is not None
            assert prepared.lookup is not None and prepared.lookup_sizes is not None
            self.store.append(prepared.tok_ids, prepared.tok_sizes)
            self._lookup.frombytes(np.ascontiguousarray(prepared.lookup, dtype=np.uint64).tobytes())
            self._lookup_off.extend((self._lookup_off[-1] + np.cumsum(prepared.lookup_sizes)).tolist())
        self._doc_links.extend((base + i, base + j, sim) for i, j, sim in prepared.doc_links)
        self.divisible.extend(int(d) for d in prepared.divisible or [False] * n)
        for starts in prepared.starts or [[]] * n:
            self._starts.extend(starts)
            self._starts_off.append(len(self._starts))
        if len(self.doc_rank) <= doc_index:
            self.doc_rank.extend([0] * (doc_index + 1 - len(self.doc_rank)))
        self.doc_rank[doc_index] = prepared.rank
        return list(range(base, base + n))

    def exclude(self, pid: int) -> None:
        """Take a passage out of dedup (it was removed by the corpus-level pass)."""
        self._excluded.add(pid)

    def index_bytes(self) -> int:
        """Memory the index holds for its passages (arrays, lookup keys, store offsets), without the token file."""
        return sum(a.itemsize * len(a) for a in (self.doc, self.line, self.words, self.pinned, self.cut, self.context,
                                                 self.keys, self.doc_rank,
                                                 self._lookup, self._lookup_off, self._starts, self._starts_off, self.divisible,
                                                 self.store.offsets))

    def deduplicated(self, pid: int) -> bool:
        """Whether a passage is a copy wherever its twin is (an index across runs holds these)."""
        return (self._lookup_off[pid + 1] > self._lookup_off[pid] and not self.context[pid]
                and pid not in self._excluded)

    def lookup_keys(self, pid: int) -> np.ndarray:
        return np.frombuffer(self._lookup, dtype=np.uint64)[self._lookup_off[pid] : self._lookup_off[pid + 1]]

    def tokens(self, pid: int) -> np.ndarray:
        """A passage's token ids (``walk``), read from the file."""
        return self.store.get(pid)

    def order(self) -> np.ndarray:
        """The order in which passages claim canonical slots: titles first, then document by
        document, the kept document of a group of copies first, and in a document its longest
        passage first (a copy cut short after its complete twin), then the first seen.

        Which document is kept (``keep``): "longest", the one with most words (ties: the one
        with fewer passages cut short, then the first seen), "first", the first seen, or
        "source-priority", the one whose host is earliest in ``source_priority`` (then the
        longest). Its passages are canonical before any copy elsewhere, so a syndicated
        document's copies all point to one document, and each of those is then a whole copy of it.
        """
        n = len(self.doc)
        pids = np.arange(n, dtype=np.int64)
        docs = np.asarray(self.doc, dtype=np.int64)
        words = np.asarray(self.words, dtype=np.int64)
        cut = np.asarray(self.cut, dtype=np.int64)
        pinned = np.asarray(self.pinned, dtype=np.int64)
        counted = self.walked_mask() & (pinned == 0)
        doc_words = np.bincount(docs, weights=words * counted, minlength=int(docs.max(initial=-1)) + 1)
        doc_cut = np.bincount(docs, weights=cut, minlength=doc_words.size)
        if self.config.keep == "first":
            doc_words[:], doc_cut[:] = 0, 0
        rank = np.zeros(n, dtype=np.int64)
        if self.config.keep == "source-priority" and n:
            rank = np.asarray(self.doc_rank, dtype=np.int64)[docs]
        order = np.lexsort((pids, cut, -words, docs, doc_cut[docs], -doc_words[docs], rank, 1 - pinned)) if n else pids
        keep = self.walked_mask()[order]
        return order[keep]

    def walked_mask(self) -> np.ndarray:
        """Per passage, whether the walk takes it (it has keys and was not excluded)."""
        offsets = np.frombuffer(self._lookup_off, dtype=np.int64)
        mask = offsets[1:] > offsets[:-1]
        if self._excluded:
            mask[np.fromiter(self._excluded, dtype=np.int64, count=len(self._excluded))] = False
        return mask

    def params(self) -> np.ndarray:
        """The check's settings, as ``walk.check`` takes them."""
        cfg = self.config
        return np.array([cfg.shingle_size, cfg.threshold, cfg.truncation_containment, cfg.minhash_min_words,
                         cfg.short_max_words, cfg.edit_share], dtype=np.float64)

    def check(self, a: np.ndarray, b: np.ndarray, a_cut: bool = False) -> tuple[float, str] | None:
        """(similarity, rule) when token ids ``a`` (``a_cut``: cut short) are a copy of ``b`` an earlier
        run kept, else None. Either may be the longer: the first copy kept stays (README)."""
        tok = np.concatenate((a, b)).astype(np.uint32)
        rule, sim = check(tok, 0, a.size, a.size, tok.size, a_cut, self.params(), True)
        return (float(sim), RULES[rule]) if rule else None

    def check_many(self, pids: np.ndarray, which: np.ndarray, kept: list[np.ndarray],
                   threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """``check`` of each passage ``pids[i]`` against an earlier run's token ids ``kept[which[i]]``:
        (rule codes, 0 for none, and similarities). One compiled loop (an index across runs checks
        every run passage's candidates), cut in ``threads`` parts checked side by side (the loop
        holds no GIL, and the workers are idle by now)."""
        run_tok = self.store.all()
        offsets = np.frombuffer(self.store.offsets, dtype=np.uint64).astype(np.int64)
        sizes = np.fromiter((k.size for k in kept), dtype=np.int64, count=len(kept))
        starts = run_tok.size + np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
        tok = np.concatenate([run_tok, *kept]).astype(np.uint32, copy=False)
        a0, a1, b0 = offsets[pids], offsets[pids + 1], starts[which]
        b1, cut, params = b0 + sizes[which], np.asarray(self.cut, dtype=np.bool_)[pids], self.params()
        parts = np.array_split(np.arange(pids.size), max(1, min(threads, pids.size // 1000)))
        if len(parts) == 1:
            return check_pairs(tok, a0, a1, b0, b1, cut, params)
        with ThreadPoolExecutor(len(parts)) as pool:
            done = list(pool.map(lambda part: check_pairs(tok, a0[part], a1[part], b0[part], b1[part], cut[part],
                                                          params), parts))
        return np.concatenate([r for r, _ in done]), np.concatenate([s for _, s in done])

    def _spans(self, canon: np.ndarray, prior_of: np.ndarray, tokens: np.ndarray) -> dict[int, list[tuple[int, int, str]]]:
        """The sentences cut from passages that stay canonical (``walk.span_walk``), by passage."""
        cfg = self.config
        docs, words = np.asarray(self.doc, dtype=np.int64), np.asarray(self.words, dtype=np.int64)
        # Which documents each one copies (a passage of ``minhash_min_words`` or more): there a
        # short sentence is the same story's, as a short passage is in ``dedup_walk``.
        copies = np.flatnonzero((canon >= 0) & (words >= cfg.minhash_min_words))
        pairs = np.unique(np.stack([docs[copies], docs[canon[copies]]], axis=1), axis=0).reshape(-1, 2)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        rel_off = np.searchsorted(pairs[:, 0], np.arange(int(docs.max(initial=-1)) + 2)).astype(np.int64)
        rows = span_walk(
            self.order(), canon, prior_of, np.frombuffer(self.store.offsets, dtype=np.uint64).astype(np.int64), tokens,
            words, docs, np.asarray(self.pinned, dtype=np.bool_), np.asarray(self.context, dtype=np.bool_),
            np.asarray(self.divisible, dtype=np.bool_), np.frombuffer(self._starts_off, dtype=np.int64),
            np.asarray(self._starts, dtype=np.int64), rel_off, pairs[:, 1].copy(), self.params(), cfg.bucket_scan,
            cfg.checks_per_passage)
        spans: dict[int, list[tuple[int, int, str]]] = {}
        for p, s, q, r in rows.tolist():
            spans.setdefault(p, []).append((s, q, RULES[r]))
        return spans

    def _links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The in-document pairs (both ways) as CSR by passage: offsets, other ends, similarities."""
        n = len(self.doc)
        pairs = [(i, j, s) for i, j, s in self._doc_links if i not in self._excluded and j not in self._excluded]
        ends = np.array([(i, j) for i, j, _ in pairs] + [(j, i) for i, j, _ in pairs], dtype=np.int64).reshape(-1, 2)
        sims = np.array([s for *_, s in pairs] * 2, dtype=np.float64)
        by = np.lexsort((ends[:, 1], ends[:, 0]))
        ends, sims = ends[by], sims[by]
        offsets = np.searchsorted(ends[:, 0], np.arange(n + 1)).astype(np.int64)
        return offsets, ends[:, 1].copy(), sims

    def decide(self, prior: PriorMatches | None = None) -> dict[int, tuple[int | PriorPassage, str]]:
        """Map each duplicate passage id to (its canonical, rule). Canonicals are absent.

        A passage that copies one an earlier run kept (``prior``, from
        ``cleaner.index.matching``) is that one's copy and joins no bucket.
        """
        cfg, n = self.config, len(self.doc)
        prior_of = np.full(n, -1, dtype=np.int64)
        prior_links = prior.links if prior is not None else {}
        prior_links = {pid: links for pid, links in prior_links.items() if not self.pinned[pid]}  # a title stays
        for pid in prior_links:
            prior_of[pid] = 1
        self.store.flush()
        tokens = self.store.all()
        link_off, link_to, link_sim = self._links()
        canon, rule = dedup_walk(
            self.order(), np.frombuffer(self._lookup_off, dtype=np.int64), np.frombuffer(self._lookup, dtype=np.uint64),
            np.frombuffer(self.store.offsets, dtype=np.uint64).astype(np.int64), tokens,
            np.asarray(self.words, dtype=np.int64), np.asarray(self.doc, dtype=np.int64),
            np.asarray(self.pinned, dtype=np.bool_), np.asarray(self.cut, dtype=np.bool_),
            np.asarray(self.context, dtype=np.bool_), prior_of,
            link_off, link_to, link_sim,
            self.params(), cfg.bucket_scan, cfg.checks_per_passage)
        self.spans = self._spans(canon, prior_of, tokens)
        out: dict[int, tuple[int | PriorPassage, str]] = {}
        for pid in np.flatnonzero(canon >= 0).tolist():
            out[pid] = (int(canon[pid]), RULES[rule[pid]])
        for pid, links in prior_links.items():
            best = max(links, key=lambda link: (link[0], link[1].first_seen()))
            out[pid] = (best[1], best[2])
        self.clusters = len({canonical for canonical, _ in out.values()})
        return out
