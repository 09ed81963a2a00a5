"""What an index across runs stores, and the interface its stores (SQLite, Redis) implement.

An index across runs (``--index``) holds the canonical passages of every run
that used it: their lookup keys (``cleaner.dedup.passages``), the token ids
the checks need, and where they were kept (document id and line). A run looks its
passages up in it before it picks canonicals; a passage that is a checked copy
of one kept earlier is a duplicate of that one, which wins even when the new
copy is longer (it was written first; the audit marks such a case
``"longer_than_kept": true``). At the end the run adds its own canonicals.

Two stores: SQLite (``sqlite.py``, a file, one transaction a run) and
Redis (``redis.py``, shared by concurrent runs, which claim each
canonical atomically before writing it). Both hold the settings the index was
built with, and refuse a run whose dedup settings differ.

A store tells each kept passage's run by the run's fingerprint (its inputs and
settings). A run that meets passages of its own fingerprint is a rerun of the
same input (after a crash, say): those are its own passages, not earlier copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..config import Config

if TYPE_CHECKING:  # types only: the run's index and counts are made elsewhere, and import nothing from here
    from ..dedup.index import DedupIndex
    from ..run.stats import RunStats

# What makes two runs' passages comparable: a change to any of these changes
# what counts as a copy, so an index built with other values is refused.
INDEX_SETTINGS = ("shingle_size", "num_perm", "bands", "rows", "threshold", "seed", "minhash_min_words",
                  "exact_min_words", "truncation_containment", "short_max_words", "long_min_words", "edge_words",
                  "edge_min_words", "edit_share")
# 2: every passage's lookup keys in one kind of bucket, and its token ids instead of its shingle set.
# 3: a key for each later sentence and for a four-word passage's start; name flags on the token ids
# of passages of every length (an index of format 2 would find fewer pieces and merge template twins).
INDEX_FORMAT = 3


class IndexUnusable(ValueError):
    """An index that cannot be used for this run (other settings, not an index, unreachable)."""


def index_settings(config: Config) -> dict:
    from ..dedup.minhash import SHINGLE_HASH_NAME

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
    tokens: np.ndarray  # its token ids (``cleaner.dedup.walk``)


@dataclass
class RunPassage:
    """One of this run's passages, as a store takes it in."""

    pid: int
    doc_id: str
    line: int
    words: int
    pinned: bool
    key: int
    bands: np.ndarray  # its lookup keys (``cleaner.dedup.passages``), uint64
    tokens: np.ndarray  # its token ids



# What a claim that lost gives back: the passage a concurrent run kept first, the
# similarity and the rule of the check.
Lost = tuple[Kept, float, str]


class Store(Protocol):
    """An index across runs: the canonical passages of every run that used it.

    :func:`cleaner.index.open_index` opens one; ``SqliteIndex`` and ``RedisIndex``
    implement it. Lookups return store references (``ref``, in order of arrival);
    whether a passage is a copy of a kept one is decided by
    :func:`cleaner.index.matching.copy_of`, never by a store.
    """

    settings: dict

    def band_members(self, keys: np.ndarray) -> dict[int, list[int]]:
        """For each lookup key held, the refs of the kept passages in that bucket."""
        ...

    def fetch(self, refs: list[int]) -> list[Kept]:
        """The kept passages ``refs``, in the order of ``refs``."""
        ...

    def claim(self, passages: list[RunPassage], fingerprint: str, index: DedupIndex) -> dict[int, Lost]:
        """Offer the run's canonicals; return those a concurrent run kept first (by pid)."""
        ...

    def commit(self, passages: list[RunPassage], fingerprint: str, stats: RunStats) -> None:
        """Add a finished run's canonicals (all or none) and record the run."""
        ...

    def stats(self) -> dict:
        """Passages, documents, runs, size and settings, for ``cleaner index stats``."""
        ...

    def close(self) -> None:
        ...
