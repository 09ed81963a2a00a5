"""Dedup across runs: this run's passages against the ones earlier runs kept.

An index across runs (``--index``) holds the canonical passages of every run
that used it: their band keys, their exact-tier key, the shingle sets the
checks need, and where they were kept (document id and line). A run looks its
passages up in it before it picks canonicals; a passage that is a checked copy
of one kept earlier is a duplicate of that one, which wins even when the new
copy is longer (it was written first; the audit marks such a case
``"longer_than_kept": true``). At the end the run adds its own canonicals.

Two stores: SQLite (``index_sqlite.py``, a file, one transaction a run) and
Redis (``index_redis.py``, shared by concurrent runs, which claim each
canonical atomically before writing it). Both hold the settings the index was
built with, and refuse a run whose dedup settings differ.

A store tells each kept passage's run by the run's fingerprint (its inputs and
settings). A run that meets passages of its own fingerprint is a rerun of the
same input (after a crash, say): those are its own passages, not earlier copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import Config

# What makes two runs' passages comparable: a change to any of these changes
# what counts as a copy, so an index built with other values is refused.
INDEX_SETTINGS = ("shingle_size", "num_perm", "bands", "rows", "threshold", "seed", "minhash_min_words",
                  "exact_min_words", "truncation_containment")
INDEX_FORMAT = 1


class IndexUnusable(ValueError):
    """An index that cannot be used for this run (other settings, not an index, unreachable)."""


def index_settings(config: Config) -> dict:
    from .minhash import SHINGLE_HASH_NAME

    out = {name: getattr(config, name) for name in INDEX_SETTINGS}
    out["hash"] = SHINGLE_HASH_NAME
    out["format"] = INDEX_FORMAT
    return out


def check_settings(where: str, stored: dict, config: Config) -> None:
    """Refuse a run whose settings differ from the index's, naming the first setting that does."""
    wanted = index_settings(config)
    for name in sorted(set(stored) | set(wanted)):
        if stored.get(name) != wanted.get(name):
            raise IndexUnusable(f"{where}: the index was built with {name}={stored.get(name)!r}, this run has "
                              f"{name}={wanted.get(name)!r}; use the index's settings or another index")


@dataclass
class Kept:
    """A passage an earlier run kept, as a store gives it back."""

    ref: int  # the store's id for it (its order of arrival)
    doc_id: str
    line: int
    words: int
    pinned: bool
    key: int
    run: str  # the fingerprint of the run that kept it
    shingles: np.ndarray | None  # None for the exact tier


@dataclass
class PriorMatches:
    """Earlier runs' passages that this run's passages are checked copies of.

    The k-th gets the passage id -1 - k (negative: not one of this run's); they
    come in order of arrival, and the earliest wins a tie in ``DedupIndex.assign``.
    """

    kept: list[Kept] = field(default_factory=list)
    links: dict[int, list[tuple[float, int, str]]] = field(default_factory=dict)
    # (doc id, line) of passages an earlier attempt of this very run put in the index.
    own: set[tuple[str, int]] = field(default_factory=set)

    @property
    def words(self) -> list[int]:
        return [k.words for k in self.kept]

    @property
    def pinned(self) -> list[bool]:
        return [k.pinned for k in self.kept]

    def entry(self, pid: int) -> Kept:
        return self.kept[-1 - pid]

    def add(self, kept: Kept) -> int:
        """Take in one more (a concurrent run's winner of a claim); return its passage id."""
        self.kept.append(kept)
        return -len(self.kept)


@dataclass
class RunPassage:
    """One of this run's passages, as a store takes it in."""

    pid: int
    doc_id: str
    line: int
    words: int
    pinned: bool
    key: int
    bands: np.ndarray | None  # (bands,) uint64, None for the exact tier
    shingles: np.ndarray | None


def match_prior(index, store, fingerprint: str) -> PriorMatches:
    """Look every passage of the run up in ``store`` and check each candidate exactly."""
    mh_pids, bands = index.minhash_tier()
    exact = index.exact_tier()
    by_ref: dict[int, Kept] = {}
    candidates: dict[int, set[int]] = {}
    if mh_pids.size:
        members = store.band_members(np.unique(bands))
        if members:
            hit = np.isin(bands, np.fromiter(members, dtype=np.uint64, count=len(members)))
            for row in np.flatnonzero(hit.any(axis=1)).tolist():
                refs = set()
                for key in bands[row][hit[row]].tolist():
                    refs.update(members[key])
                candidates[int(mh_pids[row])] = refs
    if exact.size:
        keys = np.asarray(index.keys, dtype=np.uint64)[exact]
        members = store.exact_members(np.unique(keys))
        for pid, key in zip(exact.tolist(), keys.tolist()):
            if key in members:
                candidates.setdefault(pid, set()).update(members[key])
    wanted = sorted({ref for refs in candidates.values() for ref in refs})
    own = set()
    for kept in store.fetch(wanted):
        if kept.run == fingerprint:  # a rerun's own passages are not earlier copies
            own.add((kept.doc_id, kept.line))
        else:
            by_ref[kept.ref] = kept
    ordered = sorted(by_ref)
    matches = PriorMatches(kept=[by_ref[r] for r in ordered], own=own)
    prior_pid = {ref: -1 - k for k, ref in enumerate(ordered)}
    for pid, refs in sorted(candidates.items()):
        found = []
        for ref in sorted(refs):
            kept = by_ref.get(ref)
            if kept is None:
                continue
            if kept.shingles is None:
                if kept.key == index.keys[pid]:
                    found.append((1.0, prior_pid[ref], "exact"))
                continue
            checked = index.check(index.shingles(pid), kept.shingles)
            if checked is not None:
                found.append((checked[0], prior_pid[ref], checked[1]))
        if found:
            matches.links[pid] = found
    return matches


def run_passages(index, doc_ids: list[str], pids) -> list[RunPassage]:
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


def open_index(location: str, config: Config, create: bool = True):
    """The store at ``location``: ``redis://host:port/db`` for Redis, else a SQLite file path."""
    if location.startswith(("redis://", "rediss://", "unix://")):
        from .index_redis import RedisIndex

        return RedisIndex(location, config, create=create)
    from .index_sqlite import SqliteIndex

    return SqliteIndex(location, config, create=create)
