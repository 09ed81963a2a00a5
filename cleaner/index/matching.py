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

Check = Callable[[np.ndarray, np.ndarray], "tuple[float, str] | None"]


def copy_of(shingles: np.ndarray | None, key: int, kept: Kept, check: Check) -> tuple[float, str] | None:
    """(similarity, rule) when a passage (its shingle set, or None in the exact tier, and its
    exact key) is a copy of ``kept``; None when it is not. The one place this is decided."""
    if kept.shingles is None or shingles is None:
        if kept.shingles is None and shingles is None and kept.key == key:
            return 1.0, "exact"
        return None
    return check(shingles, kept.shingles)


def match_prior(index: DedupIndex, store: Store, fingerprint: str) -> PriorMatches:
    """Look every passage of the run up in ``store`` and check each candidate exactly."""
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
    exact = set(index.exact_tier().tolist())
    for pid, refs in sorted(candidates.items()):
        shingles = None if pid in exact else index.shingles(pid)
        found = []
        for ref in sorted(refs):
            if ref in by_ref and (checked := copy_of(shingles, index.keys[pid], by_ref[ref], index.check)):
                found.append((checked[0], passage_of[ref], checked[1]))
        if found:
            matches.links[pid] = found
    return matches


def _candidates(index: DedupIndex, store: Store) -> dict[int, set[int]]:
    """Per passage of this run, the store refs that share a band key (or the exact key) with it."""
    mh_pids, bands = index.minhash_tier()
    exact = index.exact_tier()
    candidates: dict[int, set[int]] = {}
    if mh_pids.size:
        members = store.band_members(np.unique(bands))
        if members:
            hit = np.isin(bands, np.fromiter(members, dtype=np.uint64, count=len(members)))
            for row in np.flatnonzero(hit.any(axis=1)).tolist():
                refs: set[int] = set()
                for key in bands[row][hit[row]].tolist():
                    refs.update(members[key])
                candidates[int(mh_pids[row])] = refs
    if exact.size:
        keys = np.asarray(index.keys, dtype=np.uint64)[exact]
        members = store.exact_members(np.unique(keys))
        for pid, key in zip(exact.tolist(), keys.tolist()):
            if key in members:
                candidates.setdefault(pid, set()).update(members[key])
    return candidates


def run_passages(index: DedupIndex, doc_ids: list[str], pids: list[int]) -> list[RunPassage]:
    """This run's passages ``pids`` as a store takes them in."""
    mh_pids, bands = index.minhash_tier()
    row_of = {pid: row for row, pid in enumerate(mh_pids.tolist())}
    exact = set(index.exact_tier().tolist())
    out = []
    for pid in pids:
        row = row_of.get(pid)
        if row is None and pid not in exact:
            continue  # too short for either tier (or a sentence of a few words): never deduped
        out.append(RunPassage(pid, doc_ids[index.doc[pid]], index.line[pid], index.words[pid], bool(index.pinned[pid]),
                              index.keys[pid], None if row is None else bands[row],
                              None if row is None else np.array(index.shingles(pid))))
    return out


