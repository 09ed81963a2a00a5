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
from ..dedup.walk import RULES
from .store import Kept, RunPassage, Store

if TYPE_CHECKING:
    from ..dedup.index import DedupIndex

Check = Callable[[np.ndarray, np.ndarray, bool], "tuple[float, str] | None"]


def copy_of(tokens: np.ndarray, kept: Kept, check: Check, cut: bool = False) -> tuple[float, str] | None:
    """(similarity, rule) when a passage (its token ids; ``cut``: cut short) is a copy of ``kept``;
    None when it is not. A claim's newcomers are checked here; ``match_prior`` checks its many
    pairs in one compiled loop (``DedupIndex.check_many``), with the same ``walk.check``."""
    return check(tokens, kept.tokens, cut)


def match_prior(index: DedupIndex, store: Store, fingerprint: str, threads: int = 1) -> PriorMatches:
    """Look every passage of the run up in ``store`` and check its likeliest candidates.

    As in the run's own walk, a passage checks at most ``checks_per_passage`` kept
    passages, those sharing the most keys with it: the cost is bounded per passage
    whatever an earlier run's clusters were. The checks run in ``threads`` threads.
    """
    pair_pid, pair_ref = _candidates(index, store)
    by_ref: dict[int, Kept] = {}
    own = set()
    for entry in store.fetch(_distinct(pair_ref).tolist()):
        if entry.run == fingerprint:  # a rerun's own passages are not earlier copies
            own.add((entry.doc_id, entry.line))
        else:
            by_ref[entry.ref] = entry
    ordered = np.array(sorted(by_ref), dtype=np.int64)
    kept = [by_ref[r] for r in ordered.tolist()]
    matches = PriorMatches(kept=kept, own=own)
    if not kept:
        return matches
    which = np.minimum(np.searchsorted(ordered, pair_ref), ordered.size - 1)
    # A title must not swallow a longer copy of itself.
    pinned = np.fromiter((k.pinned for k in kept), dtype=np.bool_, count=len(kept))
    kept_words = np.fromiter((k.words for k in kept), dtype=np.int64, count=len(kept))
    run_words = np.asarray(index.words, dtype=np.int64)[pair_pid]
    checked = (ordered[which] == pair_ref) & ~(pinned[which] & (run_words > kept_words[which]))
    pids, which = pair_pid[checked], which[checked]
    rules, sims = index.check_many(pids, which, [k.tokens for k in kept], threads)
    for i in np.flatnonzero(rules).tolist():
        matches.links.setdefault(int(pids[i]), []).append((float(sims[i]), PriorPassage(int(which[i])), RULES[rules[i]]))
    return matches


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values. ``np.unique`` without counts takes a hashing path in numpy 2.x
    that ran 50 times slower than a sort on millions of 64-bit keys."""
    return _distinct_sorted(np.sort(values))


def _distinct_sorted(ordered: np.ndarray) -> np.ndarray:
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of ``sizes`` begins."""
    return np.r_[0, np.cumsum(sizes)[:-1]] if sizes.size else sizes


def _candidates(index: DedupIndex, store: Store) -> tuple[np.ndarray, np.ndarray]:
    """The (passage of this run, store ref) pairs to check: per passage, the refs sharing most
    keys with it (at most ``checks_per_passage``, ties to the earliest kept), by passage and
    then that order. Counted in arrays, not per key: entries and the store's bucket members
    are both put in key order and matched key by key."""
    none = np.empty(0, dtype=np.int64)
    pids = np.flatnonzero(index.walked_mask() & ~np.asarray(index.context, dtype=bool))
    if not pids.size:
        return none, none
    offsets = np.frombuffer(index._lookup_off, dtype=np.int64)
    starts, sizes = offsets[pids], offsets[pids + 1] - offsets[pids]
    entry_at = np.repeat(starts - _offsets(sizes), sizes) + np.arange(sizes.sum())
    keys = np.frombuffer(index._lookup, dtype=np.uint64)[entry_at]
    by_key = np.argsort(keys, kind="stable")
    keys, entry_pid = keys[by_key], np.repeat(pids, sizes)[by_key]
    members = store.band_members(_distinct_sorted(keys))
    if not members:
        return none, none
    member_key = np.fromiter(sorted(members), dtype=np.uint64, count=len(members))
    ref_lists = [members[k] for k in member_key.tolist()]
    ref_count = np.fromiter((len(r) for r in ref_lists), dtype=np.int64, count=len(ref_lists))
    member_ref = np.fromiter((r for refs in ref_lists for r in refs), dtype=np.int64, count=int(ref_count.sum()))
    # Each key's entries (a run of the sorted entries), each paired with each of the key's refs.
    lo, hi = np.searchsorted(keys, member_key, "left"), np.searchsorted(keys, member_key, "right")
    holders = hi - lo
    entry = np.repeat(lo - _offsets(holders), holders) + np.arange(holders.sum())
    key_of_entry = np.repeat(np.arange(member_key.size), holders)
    fan = ref_count[key_of_entry]
    pair_pid = np.repeat(entry_pid[entry], fan)
    pair_ref = member_ref[np.repeat(_offsets(ref_count)[key_of_entry] - _offsets(fan), fan) + np.arange(fan.sum())]
    span = int(member_ref.max()) + 1
    codes, shared = np.unique(pair_pid * span + pair_ref, return_counts=True)
    pid_of, ref_of = codes // span, codes % span
    order = np.lexsort((ref_of, -shared, pid_of))
    pid_of, ref_of = pid_of[order], ref_of[order]
    first = np.searchsorted(pid_of, pid_of, "left")
    keep = np.arange(pid_of.size) - first < index.config.checks_per_passage
    return pid_of[keep], ref_of[keep]


def run_passages(index: DedupIndex, doc_ids: list[str], pids: list[int]) -> list[RunPassage]:
    """This run's passages ``pids`` as a store takes them in (those that take part in dedup)."""
    return [RunPassage(pid, doc_ids[index.doc[pid]], index.line[pid], index.words[pid], bool(index.pinned[pid]),
                       index.keys[pid], index.lookup_keys(pid).copy(), np.array(index.tokens(pid)))
            for pid in pids if index.deduplicated(pid)]
