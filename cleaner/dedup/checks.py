"""The exact check of a candidate pair: is one passage a copy of the other."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .minhash import containment, jaccard


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


def verified_pairs(pairs: np.ndarray, shingles_of: Callable[[int], np.ndarray], threshold: float,
                   truncation: float) -> list[tuple[int, int, float, str]]:
    """The (i, j) pairs that ``check_pair`` finds copies, with ``shingles_of(pid)`` giving each
    passage's set: (i, j, similarity, rule), in the order of ``pairs``."""
    verified = []
    for i, j in pairs.tolist():
        checked = check_pair(shingles_of(i), shingles_of(j), threshold, truncation)
        if checked is not None:
            verified.append((i, j, *checked))
    return verified
