"""Passages earlier runs kept, as this run's dedup sees them (found by ``cleaner.index.matching``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..index.store import Kept


@dataclass(frozen=True, order=True)
class PriorPassage:
    """A passage an earlier run kept, as this run's dedup refers to it: the k-th of the run's matches.

    Earlier runs' passages come first in first-seen order, so they win a tie against
    any of this run's passages; among themselves, the one that arrived first wins.
    """

    k: int

    def first_seen(self) -> int:
        """Higher for a passage seen earlier (this run's passage ids count from 0 up)."""
        return 2**62 - 1 - self.k


@dataclass
class PriorMatches:
    """Earlier runs' passages that this run's passages are checked copies of, in order of arrival."""

    kept: list[Kept] = field(default_factory=list)
    # This run's passage id -> its checked links (similarity, the earlier passage, rule).
    links: dict[int, list[tuple[float, PriorPassage, str]]] = field(default_factory=dict)
    # (doc id, line) of passages an earlier attempt of this very run put in the index.
    own: set[tuple[str, int]] = field(default_factory=set)

    def entry(self, passage: PriorPassage) -> Kept:
        return self.kept[passage.k]

    def add(self, kept: Kept) -> PriorPassage:
        """Take in one more (a concurrent run's winner of a claim)."""
        self.kept.append(kept)
        return PriorPassage(len(self.kept) - 1)
