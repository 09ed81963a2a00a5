"""The corpus-level pass: short lines that recur across many documents are site furniture.

A line that does not end like a sentence counts as furniture when it appears in at least ``furniture_min_docs``
documents of the run *and* in at least ``furniture_min_contexts`` different
surroundings (the lines before and after it). The second condition keeps a
syndicated story's subheading, which recurs with the same neighbours in every
copy and is left to dedup, apart from a site's "Most read" label, which sits
next to whatever article the page holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from ..hashing import key_hash as _digest


def line_keys(lines: list[str], candidates: list[bool], config: Config) -> list[tuple[int, int]]:
    """(line key, surroundings key) of each line of a document that may be furniture.

    ``lines``: the normalised text of the document's kept lines, in order;
    ``candidates``: which of them may be furniture (labels, not sentences).
    Run where the document is worked on, so that only integers reach the counter.
    """
    out = []
    for i, line in enumerate(lines):
        if not candidates[i] or not line or len(line.split()) > config.furniture_max_words:
            continue
        before = " ".join(lines[i - 1].split()[:6]) if i > 0 else ""
        after = " ".join(lines[i + 1].split()[:6]) if i + 1 < len(lines) else ""
        out.append((_digest(line), _digest(before + "\x00" + after)))
    return out


@dataclass
class _Seen:
    docs: int = 0
    last_doc: int = -1
    contexts: set[int] = field(default_factory=set)


@dataclass
class FurnitureCounter:
    config: Config
    _lines: dict[int, _Seen] = field(default_factory=dict)

    def add_document(self, doc: int, keyed: list[tuple[int, int]]) -> None:
        """``keyed``: ``line_keys()`` of the document."""
        limit = self.config.furniture_min_contexts
        for key, context in keyed:
            seen = self._lines.setdefault(key, _Seen())
            if seen.last_doc != doc:
                seen.docs += 1
                seen.last_doc = doc
            if len(seen.contexts) < limit:
                seen.contexts.add(context)

    def furniture(self) -> frozenset[int]:
        cfg = self.config
        return frozenset(
            key for key, seen in self._lines.items()
            if seen.docs >= cfg.furniture_min_docs and len(seen.contexts) >= cfg.furniture_min_contexts
        )
