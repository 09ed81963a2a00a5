"""The work on one document, in whichever process runs it: the first pass and the assembly.

``DocumentWork`` holds nothing but the settings and the permutations, so
a worker process can run it on any document; the run (``pipeline.py``) feeds
it documents in input order and takes the results back in that order, which
is what keeps the output identical whatever the number of workers.
"""

from __future__ import annotations

import os
import pickle
import re
from collections import Counter
from dataclasses import dataclass

from . import __version__
from . import html as html_mod
from .config import Config
from .corpus import line_keys
from .decoding import repair_mojibake
from .dedup import PassageInput, PreparedDoc, Preparer
from .document import Document, Reject, Removal, Result, Skipped
from .limits import DocumentTimeout, time_limit
from .records import record_to_document
from .segment import split_lines
from .strip import Stripped, closing_questions, strip_document
from .text import tokens

# A full stop ends a sentence; a headline may ask or exclaim.
_SENTENCE_END = re.compile(r"\.[\"'”’»)\]]*$")


@dataclass
class FirstPassDoc:
    """A document after the first pass's work, ready for the index, the furniture counts and the spool.

    ``blob`` is the pickled (document, stripped) pair: the worker pickles it once, the
    run writes the bytes to its spool as they are, and the assembly unpickles them.
    """

    doc_id: str
    blob: bytes
    prepared: PreparedDoc
    block_indices: list[int]  # the block of each prepared passage (-1: the title)
    furniture_keys: list[tuple[int, int]]  # corpus.line_keys() of its kept lines
    bytes_in: int


@dataclass
class AssemblyJob:
    """A spooled document (where it is in the spool) and what assembly needs of the run-wide decisions on it."""

    spool_fd: int
    offset: int
    length: int
    pids: dict[int, int]
    # Per block index: ("furniture",) or ("dup", kept_id, kept_line, rule, longer than the kept copy).
    fates: dict[int, tuple]
    duplicate_of: str | None
    blob: bytes | None = None  # the spooled document itself, for a worker that cannot read the spool


# What a near_duplicate removal was a copy of, for a summary whose counts add up.
_COPY_KINDS = {"title_repeat": "title", "whole_document": "document"}


def _as_document(record, position: int, cfg: Config) -> Document | Reject | Skipped:
    if isinstance(record, Document):
        if not isinstance(record.text, str) or not (record.html is None or isinstance(record.html, str)):
            return Reject(source=record.source or f"record {position}", reason="missing_text",
                          detail="Document.text must be a string", id=str(record.id))
        return record
    if isinstance(record, (Reject, Skipped)):
        return record
    if isinstance(record, str):
        return Document(id=str(position), text=record, source=f"record {position}")
    if isinstance(record, dict):
        return record_to_document(record, f"record {position}", str(position), cfg)
    return Reject(source=f"record {position}", reason="unsupported_record", detail=type(record).__name__)


def passage_inputs(stripped: Stripped) -> tuple[list[PassageInput], list, list[str], list[bool]]:
    """The passages of a stripped document for dedup (the title first), with their blocks,
    and the document's kept lines with which of them may be site furniture."""
    passages, blocks, lines, candidates = [], [], [], []
    if stripped.title is not None:
        title_tokens = tokens(stripped.title.kept_text())
        if title_tokens:
            passages.append(PassageInput(stripped.title.line, title_tokens, pinned=True))
            blocks.append(stripped.title)
    for b in stripped.blocks:
        # A tail-only line is left out of dedup: whether it stays
        # depends on where the document ends, decided at assembly.
        if not b.kept or b is stripped.title or b.tail_rule is not None:
            continue
        kept_text = b.kept_text()
        toks = tokens(kept_text)
        sentence = _SENTENCE_END.search(kept_text) is not None
        # Site furniture is a label, a header, a byline: a sentence that
        # recurs ("The company declined to comment.") is news prose.
        joined = " ".join(toks)
        lines.append(joined)
        candidates.append(not sentence and not b.allowed)
        if toks:
            passages.append(PassageInput(b.line, toks, sentence=sentence, text=joined))
            blocks.append(b)
    return passages, blocks, lines, candidates


class DocumentWork:
    def __init__(self, config: Config):
        self.config = config
        self._preparer = Preparer(config)

    def first(self, position: int, record) -> FirstPassDoc | Reject | Skipped:
        """Read, extract, strip and hash one record."""
        item = _as_document(record, position, self.config)
        if isinstance(item, (Reject, Skipped)):
            return item
        bytes_in = len((item.html if item.html is not None else item.text).encode("utf-8", "surrogatepass"))
        done = self._strip(item, bytes_in)
        if isinstance(done, Reject):
            return done
        item, stripped = done
        passages, blocks, lines, candidates = passage_inputs(stripped)
        prepared = self._preparer.prepare(passages)
        indices = [-1 if b is stripped.title else b.index for b in blocks]
        blob = pickle.dumps((item, stripped), protocol=pickle.HIGHEST_PROTOCOL)
        return FirstPassDoc(item.id, blob, prepared, indices, line_keys(lines, candidates, self.config), bytes_in)

    def _over_size(self, doc: Document, size: int) -> Reject | None:
        """Apply max_doc_bytes to the raw text or HTML (``size`` UTF-8 bytes): reject, or cut it to the limit."""
        cfg = self.config
        if size <= cfg.max_doc_bytes:
            return None
        if cfg.over_limit == "reject":
            return Reject(source=doc.source or doc.id, reason="over_limit", id=doc.id,
                          detail=f"{size:,} bytes, over max_doc_bytes {cfg.max_doc_bytes:,}")
        raw = doc.html if doc.html is not None else doc.text
        kept = raw.encode("utf-8", "surrogatepass")[: cfg.max_doc_bytes].decode("utf-8", "ignore")
        doc.notes["truncated"] = {"limit": "max_doc_bytes", "bytes": size, "kept_chars": len(kept),
                                  "cut_chars": len(raw) - len(kept)}
        if doc.html is not None:
            doc.html = kept
        else:
            doc.text = kept
        return None

    def _over_lines(self, doc: Document) -> Reject | None:
        cfg = self.config
        if cfg.over_limit != "reject" or len(doc.text) <= cfg.max_line_chars:
            return None
        for number, line in enumerate(split_lines(doc.text), start=1):
            if len(line) > cfg.max_line_chars:
                return Reject(source=f"{doc.source or doc.id}:{number}" if not doc.html else doc.source or doc.id,
                              reason="over_limit", id=doc.id,
                              detail=f"line {number} has {len(line):,} characters, over max_line_chars {cfg.max_line_chars:,}")
        return None

    def _strip(self, doc: Document, size: int) -> tuple[Document, Stripped] | Reject:
        """Extract (for HTML) and strip one document within the per-document limits."""
        cfg = self.config
        over = self._over_size(doc, size)
        if over is not None:
            return over
        try:
            with time_limit(cfg.doc_time_limit):
                extra_related: list[str] = []
                if doc.html is not None:
                    extracted = html_mod.extract(doc.html, url=doc.metadata.get("url"))
                    doc.text = html_mod.to_document_text(extracted)
                    doc.html = None  # the spool needs only the text
                    extra_related = extracted.related
                over = self._over_lines(doc)
                if over is not None:
                    return over
                if cfg.repair_mojibake:
                    fixed = repair_mojibake(doc.text)
                    if fixed != doc.text:
                        doc.text = fixed
                        doc.notes["repaired"] = "mojibake"
                stripped = strip_document(doc.text, cfg, doc.metadata)
                stripped.add_related(extra_related)
        except DocumentTimeout as exc:
            return Reject(source=doc.source or doc.id, reason="time_limit", detail=str(exc), id=doc.id)
        except (ValueError, TypeError, LookupError, RecursionError, MemoryError) as exc:
            # lxml and trafilatura raise these on pages they cannot parse.
            return Reject(source=doc.source or doc.id, reason="extraction_failed",
                          detail=f"{type(exc).__name__}: {exc}"[:300], id=doc.id)
        return doc, stripped

    def assemble(self, job: AssemblyJob) -> tuple[Result, Counter]:
        """The output record of one document, and the counts it adds to the run's."""
        (doc, st), pids, fates = pickle.loads(job.blob if job.blob is not None else os.pread(job.spool_fd, job.length, job.offset)), job.pids, job.fates
        counts: Counter = Counter()
        removals: list[Removal] = []
        body: list[str] = []
        loose = []  # kept lines that are not dedup passages (no words left after cuts)
        counts["passages"] += len(pids)

        def remove(block, text: str, reason: str, rule: str, kept=None, longer: bool = False) -> None:
            kept_id = kept_line = None
            if kept is not None:
                kept_id, kept_line = kept
            removals.append(Removal(doc.id, block.line, text, reason, rule, kept_id, kept_line, longer))
            counts["removed:" + reason] += 1
            if reason == "near_duplicate":
                counts["copy:" + _COPY_KINDS.get(rule, "passage")] += 1

        title_line = st.title.line if st.title else None
        repeats = {id(b): first for b, _, first in st.related_repeats}
        # Which kept lines survive dedup and the furniture pass: the final body.
        survivors = []
        for b in st.blocks:
            # An allow-listed line outlives the furniture pass even when a line the allow-list
            # does not cover shares its key (dedup still applies to it: a copy is no furniture).
            spared = b.allowed and fates.get(b.index, ("",))[0] == "furniture"
            if b.verdict is None and not b.related and b is not st.title and (b.index not in fates or spared):
                survivors.append(b)
        user = self.config.rules.select(st.user_rules) if self.config.rules is not None else ()
        closing_questions(survivors, user)
        survivor_ids = {id(b) for b in survivors}

        for b in st.blocks:
            for start, end, reason, rule in sorted(b.cuts):
                if b.verdict is None and not b.related:
                    cut = b.text[start:end].strip()
                    if reason == "over_limit":  # the audit names a cut of megabytes, it does not copy it
                        cut = f"{cut[:200]}… [{end - start:,} characters]"
                    remove(b, cut, reason, rule)
            if b.verdict is not None:
                kept = (doc.id, title_line) if b.verdict[1] == "title_repeat" else None
                remove(b, b.text, b.verdict[0], b.verdict[1], kept)
            elif b.related:
                if id(b) in repeats:
                    remove(b, b.text, "related_item", "repeat", (doc.id, repeats[id(b)].line))
                else:
                    remove(b, b.text, "related_item", "moved_to_related")
            elif b is st.title:
                continue
            elif id(b) in survivor_ids and b.cuts and not tokens(b.kept_text()):
                # What the cuts left has no word: a stray quote or ellipsis.
                remove(b, b.kept_text(), "noise", "cut_remainder")
            elif id(b) in survivor_ids:
                body.append(b.kept_text())
                if b.index not in pids:
                    loose.append(b)
            elif fates[b.index][0] == "furniture":
                remove(b, b.text, "site_furniture", "corpus_recurrence")
            else:
                _, kept_id, kept_line, rule, longer = fates[b.index]
                remove(b, b.text, "near_duplicate", rule, (kept_id, kept_line), longer)
                counts["duplicate_passages"] += 1

        dup_doc = job.duplicate_of
        if dup_doc is not None and any(b.index in fates for b in survivors):
            dup_doc = None  # an allow-listed line spared from the furniture pass is text of its own
        if dup_doc is not None:
            body = []
            for b in loose:
                remove(b, b.kept_text(), "near_duplicate", "whole_document", (dup_doc, None))
        related = [{"text": text} for text in st.related_texts()]
        counts["related_items"] += len(related)
        title = st.title.kept_text() if st.title else None
        metadata = dict(doc.metadata)
        # Never overwrite an input field: a record that has its own "cleaner" gets ours as "_cleaner".
        ours = {"version": __version__, "removed": len(removals), **doc.notes}
        metadata["cleaner" if "cleaner" not in metadata else "_cleaner"] = ours
        return Result(doc.id, title, "\n\n".join(body), related, dup_doc, metadata, removals,
                      source_text=doc.text), counts
