"""The corpus-level pass: short lines that recur across many documents are site furniture.

A line that does not end like a sentence counts as furniture when it appears in at least ``furniture_min_docs``
documents of the run *and* in at least ``furniture_min_contexts`` different
surroundings (the lines before and after it). The second condition keeps a
syndicated story's subheading, which recurs with the same neighbours in every
copy and is left to dedup, apart from a site's "Most read" label, which sits
next to whatever article the page holds.

A line also counts when its *template* does: the line with numbers, times, URLs,
handles and names masked ("240 upvotes · 57 replies" and "12 upvotes · 3 replies"
are one template), counted per source (the URL's host; the run where there is
none). A template needs the same documents and surroundings as a line, and
``_TEMPLATE_MIN_VARIANTS`` different texts: one text repeated is the line's own
business, and a headline carried by several documents is a copy for dedup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Config
from ..hashing import key_hash as _digest
from .linemodel.features import shape_key

_TEMPLATE_MIN_VARIANTS = 3
# No template key: the line was not a template candidate (the model was sure it is text).
NO_TEMPLATE = 0
# Below this boilerplate probability a line is text to the model: not furniture by its template
# unless it carries counts, handles or links (masking names alone would join title-case headlines).
_TEMPLATE_MIN_SCORE = 0.3
_COUNTS_OR_LINKS = re.compile(r"[\d@#]|https?://|www\.")


def may_be_template(text: str, score: float | None) -> bool:
    """Whether a kept line may be furniture by its template (``line_keys``' ``templated``):
    ``score`` is the line model's boilerplate probability (None: the model did not run)."""
    return score is None or score >= _TEMPLATE_MIN_SCORE or bool(_COUNTS_OR_LINKS.search(text))


def line_keys(lines: list[str], candidates: list[bool], config: Config, source: str = "",
              templated: list[bool] | None = None) -> list[tuple[int, int, int]]:
    """(line key, template key, surroundings key) of each line of a document that may be furniture.

    ``lines``: the normalised text of the document's kept lines, in order;
    ``candidates``: which of them may be furniture (labels, not sentences);
    ``templated``: which candidates may be furniture by their template (default: all);
    ``source``: the document's site, so that templates are counted per site.
    Run where the document is worked on, so that only integers reach the counter.
    """
    out = []
    for i, line in enumerate(lines):
        if not candidates[i] or not line or len(line.split()) > config.furniture_max_words:
            continue
        before = " ".join(lines[i - 1].split()[:6]) if i > 0 else ""
        after = " ".join(lines[i + 1].split()[:6]) if i + 1 < len(lines) else ""
        template = NO_TEMPLATE
        if templated is None or templated[i]:
            template = _digest(source + "\x00" + shape_key(line)) or 1
        out.append((_digest(line), template, _digest(before + "\x00" + after)))
    return out


@dataclass
class _Seen:
    docs: int = 0
    last_doc: int = -1
    contexts: set[int] = field(default_factory=set)

    def add(self, doc: int, context: int, limit: int) -> None:
        if self.last_doc != doc:
            self.docs += 1
            self.last_doc = doc
        if len(self.contexts) < limit:
            self.contexts.add(context)


@dataclass
class _SeenTemplate(_Seen):
    variants: set[int] = field(default_factory=set)


@dataclass
class FurnitureCounter:
    config: Config
    _lines: dict[int, _Seen] = field(default_factory=dict)
    _templates: dict[int, _SeenTemplate] = field(default_factory=dict)
    # Each line's template, for the lines that have one: a line is furniture when its template is.
    _template_of: dict[int, int] = field(default_factory=dict)

    def add_document(self, doc: int, keyed: list[tuple[int, int, int]]) -> None:
        """``keyed``: ``line_keys()`` of the document."""
        limit = self.config.furniture_min_contexts
        for key, template, context in keyed:
            self._lines.setdefault(key, _Seen()).add(doc, context, limit)
            if template == NO_TEMPLATE:
                continue
            seen = self._templates.setdefault(template, _SeenTemplate())
            seen.add(doc, context, limit)
            if len(seen.variants) < _TEMPLATE_MIN_VARIANTS:
                seen.variants.add(key)
            self._template_of.setdefault(key, template)

    def _recurs(self, seen: _Seen) -> bool:
        cfg = self.config
        return seen.docs >= cfg.furniture_min_docs and len(seen.contexts) >= cfg.furniture_min_contexts

    def furniture(self) -> frozenset[int]:
        """The line keys that are site furniture: by their own recurrence, or by their template's."""
        templates = {
            t for t, seen in self._templates.items()
            if len(seen.variants) >= _TEMPLATE_MIN_VARIANTS and self._recurs(seen)
        }
        return frozenset(
            key for key, seen in self._lines.items()
            if self._recurs(seen) or self._template_of.get(key) in templates
        )
