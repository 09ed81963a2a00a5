"""Counts of a run: what was read, written, removed (per reason), marked duplicate, rejected."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class RunStats:
    records_read: int = 0
    documents: int = 0  # records that were processed (not rejected)
    written: int = 0  # documents with a body of their own
    duplicate_documents: int = 0
    rejected: int = 0
    skipped: int = 0  # records that are not documents (WARC requests, images): counted, not written
    passages: int = 0
    duplicate_passages: int = 0
    related_items: int = 0
    bytes_in: int = 0
    workers: int = 1
    index_bytes: int = 0  # memory of the dedup index at the end of the first pass
    index_passages: int = 0  # passages in it (titles included)
    phases: dict = field(default_factory=dict)  # seconds spent in each stage of the run
    engine: str = "local"
    clusters: int | None = None  # duplicate clusters (connected components), where the engine counts them
    removed: Counter = field(default_factory=Counter)
    # near_duplicate removals by what they copied: "passage", "title" (the title again), "document"
    # (what a duplicate document had left)
    duplicate_kinds: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)
    skips: Counter = field(default_factory=Counter)
    dedup: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0

    def reset_assembly_counts(self) -> None:
        """Forget what an earlier assembly of this run counted (a rerun of the second pass counts once)."""
        self.written = self.duplicate_documents = self.passages = 0
        self.duplicate_passages = self.related_items = 0
        self.removed.clear()
        self.duplicate_kinds.clear()

    def add_document(self, counts: Counter, duplicate: bool) -> None:
        """Count one assembled document: the counts its assembly made, and whether it is a duplicate."""
        for key, value in counts.items():
            kind, _, name = key.partition(":")
            if kind == "removed":
                self.removed[name] += value
            elif kind == "copy":
                self.duplicate_kinds[name] += value
            else:
                setattr(self, key, getattr(self, key) + value)
        if duplicate:
            self.duplicate_documents += 1
        else:
            self.written += 1

    def add(self, other: RunStats) -> None:
        """Add the counts of ``other`` (a later part of the same stream) to these."""
        for name in ("records_read", "documents", "written", "duplicate_documents", "rejected", "skipped",
                     "passages", "duplicate_passages", "related_items", "bytes_in"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("removed", "rejects", "skips", "duplicate_kinds"):
            getattr(self, name).update(getattr(other, name))
        for phase, seconds in other.phases.items():
            self.phases[phase] = self.phases.get(phase, 0.0) + seconds
        self.seconds = time.perf_counter() - self.started

    def balanced(self) -> bool:
        return self.records_read == self.written + self.duplicate_documents + self.rejected + self.skipped

    def as_dict(self) -> dict:
        return {
            "records_read": self.records_read,
            "written": self.written,
            "duplicate_documents": self.duplicate_documents,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "skips": dict(sorted(self.skips.items())),
            "passages": self.passages,
            "duplicate_passages": self.duplicate_passages,
            "related_items": self.related_items,
            "removed": dict(sorted(self.removed.items())),
            "duplicate_kinds": dict(sorted(self.duplicate_kinds.items())),
            "rejects": dict(sorted(self.rejects.items())),
            "dedup": self.dedup,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "engine": self.engine,
            **({} if self.clusters is None else {"clusters": self.clusters}),
            "index_bytes": self.index_bytes,
            "index_passages": self.index_passages,
            "index_bytes_per_passage": round(self.index_bytes / self.index_passages, 1) if self.index_passages else None,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "bytes_in": self.bytes_in,
        }

    def summary(self, verbose: bool = False, duplicates_dropped: bool = False) -> str:
        """The counts as a person reads them: each line's parts add up to its total."""
        secs = max(self.seconds, 1e-9)
        written = self.written + (0 if duplicates_dropped else self.duplicate_documents)
        duplicates = (f"duplicate documents left out {self.duplicate_documents}" if duplicates_dropped
                      else f"duplicate documents with an empty body {self.duplicate_documents}")
        lines = [
            f"records read {self.records_read}: written {written} (with a body of their own {self.written}, "
            f"{duplicates}), rejected {self.rejected}"
            + (f", skipped {self.skipped}" if self.skipped else "")
            + ("" if self.balanced() else "  (COUNTS DO NOT ADD UP)"),
            f"passages {self.passages}: kept {self.passages - self.duplicate_passages}, "
            f"copies of a kept passage {self.duplicate_passages}; related items {self.related_items}",
            f"lines and spans removed {sum(self.removed.values())}: "
            + (", ".join(self._reason(k, v) for k, v in sorted(self.removed.items())) or "nothing"),
        ]
        if self.rejects:
            lines.append("rejects: " + ", ".join(f"{k} {v}" for k, v in sorted(self.rejects.items())))
        if self.skips:
            lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.skips.items())))
        if verbose:
            lines.append("dedup: " + ", ".join(f"{k}={v}" for k, v in self.dedup.items()))
            lines.append("phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.phases.items()))
        lines.append(
            f"time {self.seconds:.2f}s with {self.workers} worker{'s' if self.workers > 1 else ''}: "
            f"{self.documents / secs:.1f} docs/s, {self.bytes_in / secs / 1e6:.2f} MB/s"
        )
        return "\n".join(lines)

    _COPY_WORDS: ClassVar[dict[str, str]] = {"passage": "copies of a kept passage", "title": "title repeated",
                   "document": "left in a duplicate document", "span": "sentences cut from a kept line"}

    def _reason(self, reason: str, count: int) -> str:
        if reason != "near_duplicate" or not self.duplicate_kinds:
            return f"{reason} {count}"
        parts = ", ".join(f"{self._COPY_WORDS.get(kind, kind)} {n}" for kind, n in sorted(self.duplicate_kinds.items()))
        return f"{reason} {count} ({parts})"
