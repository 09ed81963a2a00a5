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
    None when it is not. The one place this is decided for an index across runs."""
    if kept.tokens is None:
        return None
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
    for pid, refs in sorted(candidates.items()):
        tokens = index.tokens(pid)
        found = []
        for ref in refs:
            match = by_ref.get(ref)
            # A title must not swallow a longer copy of itself.
            if match is None or (match.pinned and index.words[pid] > match.words):
                continue
            if checked := copy_of(tokens, match, index.check, bool(index.cut[pid])):
                found.append((checked[0], passage_of[ref], checked[1]))
        if found:
            matches.links[pid] = found
    return matches


def _candidates(index: DedupIndex, store: Store) -> dict[int, list[int]]:
    """Per passage of this run, the store refs sharing most keys with it (at most
    ``checks_per_passage``; ties to the earliest kept)."""
    pids = [pid for pid in range(len(index)) if index.deduplicated(pid)]
    if not pids:
        return {}
    keys = [index.lookup_keys(pid) for pid in pids]
    members = store.band_members(np.unique(np.concatenate(keys)))
    if not members:
        return {}
    top = index.config.checks_per_passage
    candidates: dict[int, list[int]] = {}
    for pid, mine in zip(pids, keys):
        shared: dict[int, int] = {}
        for key in mine.tolist():
            for ref in members.get(key, ()):
                shared[ref] = shared.get(ref, 0) + 1
        if shared:
            candidates[pid] = sorted(shared, key=lambda ref: (-shared[ref], ref))[:top]
    return candidates


def run_passages(index: DedupIndex, doc_ids: list[str], pids: list[int]) -> list[RunPassage]:
    """This run's passages ``pids`` as a store takes them in (those that take part in dedup)."""
    return [RunPassage(pid, doc_ids[index.doc[pid]], index.line[pid], index.words[pid], bool(index.pinned[pid]),
                       index.keys[pid], index.lookup_keys(pid).copy(), np.array(index.tokens(pid)))
            for pid in pids if index.deduplicated(pid)]
