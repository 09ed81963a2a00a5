"""The canonical pick: which copy of each group of near-duplicates is kept.

The canonical copy of a group is the most complete one (most words), ties going
to the first seen; passages earlier runs kept (``prior``) are canonical already
and win ties. Assignment is greedy from the longest passage down, and a passage
joins a canonical only through a checked pair with that canonical, so chains
(A like B, B like C, A unlike C) never merge unlike passages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .prior import PriorMatches, PriorPassage

if TYPE_CHECKING:
    from .index import DedupIndex


def assign_canonicals(index: DedupIndex, order: np.ndarray, links: dict,
                      prior: PriorMatches | None = None) -> dict[int, tuple[int | PriorPassage, str]]:
    """Map each duplicate passage id to (its canonical, rule). Canonicals are absent.

    ``prior`` holds passages kept by earlier runs, found by an index across
    runs (``cleaner.index.matching``): they are canonical already, and win
    ties (first seen). They are :class:`PriorPassage` values, and
    ``prior.links`` holds this run's checked pairs with them.
    """
    passage = _Passages(index, prior)
    prior_links = prior.links if prior is not None else {}
    canonical: set[int] = set()
    duplicate_of: dict[int, tuple[int | PriorPassage, str]] = {}
    for pid in order.tolist():
        if index.pinned[pid]:
            canonical.add(pid)
            continue
        best: tuple[float, int | PriorPassage, str] | None = None
        for sim, other, rule in [*links.get(pid, ()), *prior_links.get(pid, ())]:
            if isinstance(other, int) and other not in canonical:
                continue
            # A title is never removed, but it must not swallow a longer copy of
            # itself: that copy's extra words would then be nowhere.
            if passage.pinned(other) and index.words[pid] > passage.words(other):
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
