"""Matching a run against an index across runs: which of its passages copy a kept one.

A passage that is a checked copy of one an earlier run kept is a duplicate of
that one, which wins even when the new copy is longer (it was written first; the
audit marks such a case ``"longer_than_kept": true``). A store tells each kept
passage's run by the run's fingerprint (its inputs and settings): a run that
meets passages of its own fingerprint is a rerun of the same input (after a
crash, say), and those are its own passages, not earlier copies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..dedup.prior import PriorMatches, PriorPassage
from .store import Kept, RunPassage, Store

if TYPE_CHECKING:
    from ..dedup.index import DedupIndex

Check = Callable[[np.ndarray, np.ndarray, bool], "tuple[float, str] | None"]


def copy_of(tokens: np.ndarray, kept: Kept, check: Check, cut: bool = False) -> tuple[float, str] | None:
    """(similarity, rule) when a passage (its token ids; ``cut``: cut short) is a copy of ``kept``;
    None when it is not. A claim's newcomers are checked here; ``match_prior`` checks its many
    pairs in one compiled loop (``DedupIndex.check_many``), with the same ``walk.check``."""
    return check(tokens, kept.tokens, cut)


def match_prior(index: DedupIndex, store: Store, fingerprint: str) -> PriorMatches:
    """Look every passage of the run up in ``store`` and check its likeliest candidates.

    As in the run's own walk, a passage checks at most ``checks_per_passage`` kept
    passages, those sharing the most keys with it: the cost is bounded per passage
    whatever an earlier run's clusters were.
    """
    candidates = _candidates(index, store)
    wanted = sorted({ref for refs in candidates.values() for ref in refs})
    by_ref: dict[int, Kept] = {}
    own = set()
    for kept in store.fetch(wanted):
        if kept.run == fingerprint:  # a rerun's own passages are not earlier copies
            own.add((kept.doc_id, kept.line))
        else:
            by_ref[kept.ref] = kept
    ordered = sorted(by_ref)
    matches = PriorMatches(kept=[by_ref[r] for r in ordered], own=own)
    passage_of = {ref: PriorPassage(k) for k, ref in enumerate(ordered)}
    # A title must not swallow a longer copy of itself.
    pairs = [(pid, ref) for pid, refs in sorted(candidates.items()) for ref in refs
             if ref in by_ref and not (by_ref[ref].pinned and index.words[pid] > by_ref[ref].words)]
    checked = index.check_many([pid for pid, _ in pairs], [by_ref[ref].tokens for _, ref in pairs])
    for (pid, ref), found in zip(pairs, checked):
        if found is not None:
            matches.links.setdefault(pid, []).append((found[0], passage_of[ref], found[1]))
    return matches


def _candidates(index: DedupIndex, store: Store) -> dict[int, list[int]]:
    """Per passage of this run, the store refs sharing most keys with it (at most
    ``checks_per_passage``; ties to the earliest kept), counted in arrays, not per key."""
    pids = np.flatnonzero(index.walked_mask() & ~np.asarray(index.context, dtype=bool))
    if not pids.size:
        return {}
    offsets = np.frombuffer(index._lookup_off, dtype=np.int64)
    starts, sizes = offsets[pids], offsets[pids + 1] - offsets[pids]
    entry_pid = np.repeat(pids, sizes)
    entry_at = np.repeat(starts - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(sizes.sum())
    keys = np.frombuffer(index._lookup, dtype=np.uint64)[entry_at]
    members = store.band_members(np.unique(keys))
    if not members:
        return {}
    member_keys = np.array([k for k, refs in members.items() for _ in refs], dtype=np.uint64)
    member_refs = np.array([r for refs in members.values() for r in refs], dtype=np.int64)
    by_key = np.argsort(member_keys, kind="stable")
    member_keys, member_refs = member_keys[by_key], member_refs[by_key]
    lo, hi = np.searchsorted(member_keys, keys, "left"), np.searchsorted(member_keys, keys, "right")
    hits = hi - lo
    pair_pid = np.repeat(entry_pid, hits)
    pair_ref = member_refs[np.repeat(lo - np.cumsum(np.r_[0, hits[:-1]]), hits) + np.arange(hits.sum())]
    span = int(member_refs.max()) + 1
    codes, shared = np.unique(pair_pid * span + pair_ref, return_counts=True)
    pid_of, ref_of = codes // span, codes % span
    order = np.lexsort((ref_of, -shared, pid_of))
    pid_of, ref_of = pid_of[order], ref_of[order]
    first = np.searchsorted(pid_of, pid_of, "left")
    keep = np.arange(pid_of.size) - first < index.config.checks_per_passage
    candidates: dict[int, list[int]] = {}
    for pid, ref in zip(pid_of[keep].tolist(), ref_of[keep].tolist()):
        candidates.setdefault(pid, []).append(ref)
    return candidates


def run_passages(index: DedupIndex, doc_ids: list[str], pids: list[int]) -> list[RunPassage]:
    """This run's passages ``pids`` as a store takes them in (those that take part in dedup)."""
    return [RunPassage(pid, doc_ids[index.doc[pid]], index.line[pid], index.words[pid], bool(index.pinned[pid]),
                       index.keys[pid], index.lookup_keys(pid).copy(), np.array(index.tokens(pid)))
            for pid in pids if index.deduplicated(pid)]
