"""The second pass's work on one document: its output record from what the run decided.

Every line of the stripped document ends in exactly one place: the title, the
body, a related item, or the audit with its reason (and for a copy, the passage
kept instead). Counts of what went where are returned with the result.
"""

from __future__ import annotations

from collections import Counter

from .._version import __version__
from ..config import Config
from ..document import Document, Removal, Result
from ..strip.segment import Block
from ..strip.stage import Stripped, closing_questions
from ..strip.text import dedup_tokens, marks, sentence_spans, tokens
from .decisions import CopyOf, Fate, SiteFurniture, SpanCut

# What a near_duplicate removal was a copy of, for a summary whose counts add up.
_COPY_KINDS = {"title_repeat": "title", "whole_document": "document"}


class Assembly:
    """One document's result: ``Assembly(...).result()``."""

    def __init__(self, doc: Document, stripped: Stripped, pids: dict[int, int], fates: dict[int, Fate],
                 duplicate_of: str | None, config: Config, spans: dict[int, tuple[SpanCut, ...]] | None = None):
        self.doc, self.st, self.pids, self.fates = doc, stripped, pids, fates
        self.spans = spans or {}
        self.duplicate_of, self.config = duplicate_of, config
        self.counts: Counter = Counter()
        self.removals: list[Removal] = []
        self.body: list[str] = []
        self.placed: list[Block] = []  # the lines of the body, in order

    def result(self) -> tuple[Result, Counter]:
        """The output record, and the counts it adds to the run's."""
        doc, st = self.doc, self.st
        self.counts["passages"] += len(self.pids)
        survivors = self._survivors()
        kept = {id(b) for b in survivors}
        repeats = {id(b): first for b, _, first in st.related_repeats}
        for b in st.blocks:
            self._place(b, id(b) in kept, repeats)
        dup_doc = self.duplicate_of
        if dup_doc is not None and any(b.index in self.fates for b in survivors):
            dup_doc = None  # an allow-listed line spared from the furniture pass is text of its own
        if dup_doc is not None:
            # A whole copy of another document: what it held of its own (a byline, a line
            # no other copy has) is in the audit, with the document kept instead.
            self.body = []
            for b in self.placed:
                self._remove(b, b.kept_text(), "near_duplicate", "whole_document", (dup_doc, None))
        related = [{"text": text} for text in st.related_texts()]
        self.counts["related_items"] += len(related)
        title = st.title.kept_text() if st.title else None
        metadata = dict(doc.metadata)
        # Never overwrite an input field: a record that has its own "cleaner" gets ours as "_cleaner".
        ours = {"version": __version__, "removed": len(self.removals), **doc.notes}
        if st.confidence is not None:
            ours["confidence"] = st.confidence
        metadata["cleaner" if "cleaner" not in metadata else "_cleaner"] = ours
        return Result(doc.id, title, "\n\n".join(self.body), related, dup_doc, metadata, self.removals,
                      source_text=doc.text), self.counts

    def _survivors(self) -> list[Block]:
        """The kept lines that survive dedup and the furniture pass: the final body."""
        st, fates = self.st, self.fates
        survivors = []
        for b in st.blocks:
            # An allow-listed line outlives the furniture pass even when a line the allow-list
            # does not cover shares its key (dedup still applies to it: a copy is no furniture).
            spared = b.allowed and isinstance(fates.get(b.index), SiteFurniture)
            if b.verdict is None and not b.related and b is not st.title and (b.index not in fates or spared):
                survivors.append(b)
        user = self.config.rules.select(st.user_rules) if self.config.rules is not None else ()
        closing_questions(survivors, user)
        return survivors

    def _place(self, b: Block, survives: bool, repeats: dict[int, Block]) -> None:
        """Put one line where it ends: cuts and removals in the audit, the rest in the body."""
        doc, st = self.doc, self.st
        for start, end, reason, rule in sorted(b.cuts):
            if b.verdict is None and not b.related:
                cut = b.text[start:end].strip()
                if reason == "over_limit":  # the audit names a cut of megabytes, it does not copy it
                    cut = f"{cut[:200]}… [{end - start:,} characters]"
                self._remove(b, cut, reason, rule)
        if survives and b.index in self.spans:
            self._cut_sentences(b, self.spans[b.index])
        if b.verdict is not None:
            title_line = st.title.line if st.title else None
            kept = (doc.id, title_line) if b.verdict[1] == "title_repeat" else None
            self._remove(b, b.text, b.verdict[0], b.verdict[1], kept)
        elif b.related:
            if id(b) in repeats:
                self._remove(b, b.text, "related_item", "repeat", (doc.id, repeats[id(b)].line))
            else:
                self._remove(b, b.text, "related_item", "moved_to_related")
        elif b is st.title:
            return
        elif survives and b.cuts and not tokens(b.kept_text()):
            # What the cuts left has no word: a stray quote or ellipsis.
            self._remove(b, b.kept_text(), "noise", "cut_remainder")
        elif survives:
            self.body.append(b.kept_text())
            self.placed.append(b)
        else:
            self._remove_by_fate(b, self.fates[b.index])

    def _cut_sentences(self, b: Block, cuts: tuple[SpanCut, ...]) -> None:
        """Cut the sentences that copy sentences kept elsewhere; the line keeps its own.

        Only a line cut by nothing else: its text is then the one whose sentences dedup
        counted (``strip.text.sentence_spans`` checks that they line up)."""
        if b.cuts:
            return
        toks = dedup_tokens(b.text)
        spans = sentence_spans(b.text, len(toks), marks(b.text, len(toks))[1])
        if spans is None or any(c.sentence >= len(spans) for c in cuts):
            return
        for c in sorted(cuts, key=lambda c: c.sentence):
            start, end = spans[c.sentence]
            self._remove(b, b.text[start:end].strip(), "near_duplicate", c.rule, (c.kept_id, c.kept_line), span=True)
            b.cuts.append((start, end, "near_duplicate", c.rule))

    def _remove_by_fate(self, b: Block, fate: Fate) -> None:
        if isinstance(fate, SiteFurniture):
            self._remove(b, b.text, "site_furniture", "corpus_recurrence")
            return
        assert isinstance(fate, CopyOf)
        self._remove(b, b.text, "near_duplicate", fate.rule, (fate.kept_id, fate.kept_line), fate.longer_than_kept)
        self.counts["duplicate_passages"] += 1

    def _remove(self, block: Block, text: str, reason: str, rule: str,
                kept: tuple[str | None, int | None] | None = None, longer: bool = False, span: bool = False) -> None:
        kept_id, kept_line = kept if kept is not None else (None, None)
        self.removals.append(Removal(self.doc.id, block.line, text, reason, rule, kept_id, kept_line, longer, block.score,
                                     span))
        self.counts["removed:" + reason] += 1
        if reason == "near_duplicate":
            # A sentence cut from a kept line is no passage removed: the line is counted kept.
            self.counts["copy:" + ("span" if span else _COPY_KINDS.get(rule, "passage"))] += 1
