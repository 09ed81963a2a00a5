"""Whole copies: the documents of a run that are, as a whole, a copy of one other document.

Passage decisions alone leave a syndicated document half kept: a paragraph the
copy joined to the next one, or edited past what a passage check accepts, stays
in it, and so does a passage the other copies happen to point to. A document is
a whole copy of another when ``whole_document_share`` of its words are that
document's (``Config``): its passages copying that document's, plus, once they
are the majority, the share of its other passages' word n-grams found in that
document's text (n-grams run across that document's passage breaks, so a copy
that joins or splits paragraphs is still inside it). Its body goes to the audit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..dedup.walk import gram_set, shared
from .work import TITLE_BLOCK

if TYPE_CHECKING:
    from .checkpoint import Pass1State
    from .pipeline import Decisions

# Word trigrams: an edit changes three of them, and a passage of a different story shares few.
CONTAINMENT_GRAM = 3
# Containment is measured only for a document whose passages already copy the target's for
# this share of its words: a document that merely quotes another is never emptied by it.
CONTAINMENT_FLOOR = 0.5


def find_whole_documents(decisions: Decisions, state: Pass1State) -> dict[int, str]:
    """Each document that is a whole copy of another, by document index: the id of that document."""
    return _Targets(decisions, state).find()


class _Targets:
    def __init__(self, decisions: Decisions, state: Pass1State):
        self.decisions, self.index, self.doc_ids = decisions, state.index, state.doc_ids
        self.blocks, self.share = state.passage_blocks, state.index.config.whole_document_share
        docs = np.asarray(self.index.doc, dtype=np.int64)
        self.bounds = np.searchsorted(docs, np.arange(len(self.doc_ids) + 1)).tolist()
        self._tokens: np.ndarray | None = None
        self._offsets: np.ndarray | None = None
        self._grams: dict[int, np.ndarray] = {}

    def find(self) -> dict[int, str]:
        whole = {}
        for d in sorted({self.index.doc[pid] for pid in self.decisions.duplicate_of}):
            own = [pid for pid in range(self.bounds[d], self.bounds[d + 1]) if self.blocks[pid] != TITLE_BLOCK]
            target = self._target(own)
            if target is not None:
                whole[d] = target
        return whole

    def _target(self, own_pids: list[int]) -> str | None:
        """The document holding at least ``share`` of these passages' words; None if there is none."""
        decisions, index = self.decisions, self.index
        # A document of this run is (0, its index, ""); one an earlier run kept is (1, 0, its id): ties go to this run's.
        words_by_doc: dict[tuple, int] = {}
        total = 0
        for pid in own_pids:
            if pid in decisions.furniture:
                continue
            if pid not in decisions.duplicate_of:
                total += index.words[pid]
                continue
            canon = decisions.duplicate_of[pid][0]
            if not isinstance(canon, int):
                canon_doc: tuple = (1, 0, decisions.prior.entry(canon).doc_id)  # type: ignore[union-attr]
            elif index.doc[canon] == index.doc[pid]:
                continue  # a copy inside the document: its text is here already
            else:
                canon_doc = (0, index.doc[canon], "")
            total += index.words[pid]
            words_by_doc[canon_doc] = words_by_doc.get(canon_doc, 0) + index.words[pid]
        if not words_by_doc:
            return None
        best, copied = min(words_by_doc.items(), key=lambda kv: (-kv[1], kv[0]))
        words = float(copied)
        if words < self.share * total and best[0] == 0 and words >= CONTAINMENT_FLOOR * total:
            words += self._contained_words(own_pids, best[1])
        if words < self.share * total:
            return None
        return self.doc_ids[best[1]] if best[0] == 0 else best[2]

    def _contained_words(self, own_pids: list[int], target: int) -> float:
        """The words of the passages not copying ``target``'s that its text holds, each passage
        counted by the share of its word n-grams found in ``target``'s passages (read in order)."""
        decisions, index = self.decisions, self.index
        grams = self._target_grams(target)
        assert self._tokens is not None and self._offsets is not None
        words = 0.0
        for pid in own_pids:
            if pid in decisions.furniture:
                continue
            fate = decisions.duplicate_of.get(pid)
            if fate is not None:
                canon = fate[0]
                if not isinstance(canon, int) or index.doc[canon] in (target, index.doc[pid]):
                    continue  # counted already, or not counted at all (``_target``)
            mine = gram_set(self._tokens, self._offsets[pid], self._offsets[pid + 1], CONTAINMENT_GRAM)
            if mine.size:
                words += index.words[pid] * shared(mine, grams) / mine.size
        return words

    def _target_grams(self, target: int) -> np.ndarray:
        if self._tokens is None:
            self._tokens = self.index.store.all()
            self._offsets = np.frombuffer(self.index.store.offsets, dtype=np.uint64).astype(np.int64)
        if target not in self._grams:
            assert self._offsets is not None
            start, end = self._offsets[self.bounds[target]], self._offsets[self.bounds[target + 1]]
            self._grams[target] = gram_set(self._tokens, start, end, CONTAINMENT_GRAM)
        return self._grams[target]


def promote_copies_out_of_whole(decisions: Decisions, state: Pass1State, whole: dict[int, str]) -> None:
    """A whole copy's own kept passages go to the audit with it. Each one that a surviving
    document's copy points to hands its place to that copy, the one the walk would have kept
    first (``DedupIndex.order``: the ``keep`` policy), and every copy of it points there
    (``decisions.duplicate_of`` is updated): its text stays in the output, and the whole copy
    is emptied all the same."""
    index, blocks, duplicate_of = state.index, state.passage_blocks, decisions.duplicate_of
    survivors: dict[int, list[int]] = {}
    for pid, (canon, _) in duplicate_of.items():
        # A copy of a title holds nothing: an emptied document keeps its title.
        if (isinstance(canon, int) and index.doc[canon] in whole and index.doc[pid] not in whole
                and blocks[canon] != TITLE_BLOCK):
            survivors.setdefault(canon, []).append(pid)
    if not survivors:
        return
    rank = np.full(len(index), len(index), dtype=np.int64)
    walked = index.order()
    rank[walked] = np.arange(walked.size)
    heirs = {canon: min(pids, key=lambda pid: rank[pid]) for canon, pids in survivors.items()}
    for pid, (canon, rule) in list(duplicate_of.items()):
        if isinstance(canon, int) and canon in heirs and pid != heirs[canon]:
            duplicate_of[pid] = (heirs[canon], rule)
    for canon, heir in heirs.items():
        duplicate_of[canon] = (heir, duplicate_of.pop(heir)[1])
