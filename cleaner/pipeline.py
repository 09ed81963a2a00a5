"""The run: strip every document, learn site furniture, dedup across the run, assemble.

Cross-document dedup must see every passage before it can name the canonical
(longest) copy, so a run makes two passes. The first strips each document,
counts its short lines for the furniture pass and adds its passages to the
dedup index, then spools the stripped document to a temporary file; memory
holds the index, not the documents. The second pass reads the spool back in
input order and assembles each result.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import Callable

from . import __version__
from .checkpoint import Pass1State, WorkDir
from .config import Config
from .corpus import FurnitureCounter
from .dedup import DedupIndex, PassageInput, Preparer
from . import html as html_mod
from .document import Document, Reject, Removal, Result, Skipped
from .limits import DocumentTimeout, time_limit
from .records import record_to_document
from .strip import Stripped, closing_questions, strip_document
from .stats import RunStats
from .decoding import repair_mojibake
from .segment import split_lines
from .text import tokens

# A full stop ends a sentence; a headline may ask or exclaim.
_SENTENCE_END = re.compile(r"\.[\"'”’»)\]]*$")


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


class Cleaner:
    """Runs the strip and dedup passes over records and yields results in input order.

    Records are :class:`Document`, :class:`Reject` (passed through, for readers
    that found bad input), :class:`Skipped`, plain strings or ``{"id", "text"
    or "html", ...}`` dicts (field names from the config).

    >>> from cleaner import Cleaner
    >>> c = Cleaner()
    >>> [r.body for r in c.run(["Big storm hits the coast overnight.\\nAdvertisement\\nShare"])]
    ['Big storm hits the coast overnight.']
    >>> dict(c.stats.removed)
    {'ad_slot': 1, 'share_widget': 1}
    """

    def __init__(self, config: Config | None = None, progress: Callable[[str, int], None] | None = None,
                 log: Callable[[str], None] | None = None):
        self.config = config or Config()
        self.stats = RunStats()
        self._progress = progress
        self._log = log or (lambda message: None)  # the library never prints; the CLI passes stderr
        self._preparer = Preparer(self.config)

    def run(self, records: Iterable, work_dir: WorkDir | None = None, resume: bool = False,
            fingerprint: str = "", checkpoint_every: int = 1000,
            checkpoint_seconds: float = 60.0) -> Iterator[Result | Reject]:
        """Clean ``records``; yield rejects as the first pass meets them, then every result in input order.

        With ``work_dir`` the first pass is checkpointed every ``checkpoint_every``
        documents (and at least ``checkpoint_seconds`` apart), and ``resume=True``
        continues from the last checkpoint: ``records`` must then be the same
        records again (``fingerprint`` guards that), and the results are the
        same as those of an uninterrupted run.
        """
        cfg = self.config
        if work_dir is not None and resume and work_dir.exists():
            state = work_dir.load(fingerprint)
            self._log(f"resuming after record {state.consumed} (checkpoint in {work_dir.path})")
        else:
            if work_dir is not None:
                work_dir.start()
            store = None if work_dir is None else work_dir.path / "shingles"
            state = Pass1State(fingerprint=fingerprint, stats=RunStats(dedup=cfg.dedup_settings()),
                               index=DedupIndex(cfg, store), furniture=FurnitureCounter(cfg))
        stats = self.stats = state.stats
        stats.started = time.perf_counter() - stats.seconds
        if work_dir is not None:
            spool = open(work_dir.spool_path, "r+b" if work_dir.spool_path.exists() else "w+b")
            spool.truncate(state.spool_length)
            spool.seek(state.spool_length)
        else:
            spool = tempfile.TemporaryFile(prefix="cleaner-spool-")
        with spool:
            yield from state.rejects
            if not state.done:
                yield from self._first_pass(records, state, spool, work_dir, checkpoint_every, checkpoint_seconds)
            yield from self._second_pass(state, spool)
        stats.seconds = time.perf_counter() - stats.started
        if work_dir is not None:
            work_dir.clear()

    def _first_pass(self, records, state: Pass1State, spool, work_dir, every: int, seconds: float):
        cfg, stats = self.config, state.stats
        index, furniture, doc_ids = state.index, state.furniture, state.doc_ids
        since, last_save = 0, time.monotonic()

        def save() -> None:
            spool.flush()
            os.fsync(spool.fileno())
            state.spool_length = spool.tell()
            stats.seconds = time.perf_counter() - stats.started
            work_dir.save(state)

        for position, record in enumerate(records):
            if position < state.consumed:
                continue  # taken before the checkpoint this run resumed from
            state.consumed += 1
            stats.records_read += 1
            item = _as_document(record, position, cfg)
            if isinstance(item, Skipped):
                stats.skipped += 1
                stats.skips[item.reason] += 1
                continue
            if not isinstance(item, Reject):
                stats.bytes_in += len((item.html if item.html is not None else item.text).encode("utf-8", "replace"))
                item = self._strip(item)
            if isinstance(item, Reject):
                stats.rejected += 1
                stats.rejects[item.reason] += 1
                if work_dir is not None:
                    state.rejects.append(item)
                yield item
                continue
            item, stripped = item
            self._index(item, stripped, state)
            pickle.dump((item, stripped, state.pids), spool, protocol=pickle.HIGHEST_PROTOCOL)
            if self._progress:
                self._progress("strip", 1)
            since += 1
            if work_dir is not None and since >= every and time.monotonic() - last_save >= seconds:
                save()
                since, last_save = 0, time.monotonic()
        state.done = True
        if work_dir is not None:
            save()

    def _index(self, item: Document, stripped: Stripped, state: Pass1State) -> None:
        """Add a stripped document's passages to the dedup index and its lines to the furniture counts."""
        doc_index = len(state.doc_ids)
        state.doc_ids.append(item.id)
        state.stats.documents += 1
        passages, blocks, lines, candidates = passage_inputs(stripped)
        pids = state.index.add(doc_index, self._preparer.prepare(passages))
        state.furniture.add_document(doc_index, lines, candidates)
        # The title is passage 0 when there is one; it is no line of the body.
        state.pids = {b.index: pid for b, pid in zip(blocks, pids) if b is not stripped.title}

    def _second_pass(self, state: Pass1State, spool) -> Iterator[Result]:
        stats, index, doc_ids = state.stats, state.index, state.doc_ids
        site_furniture = state.furniture.furniture()
        furniture_pids = set()
        if site_furniture:
            for pid, key in enumerate(index.keys):
                if key in site_furniture and not index.pinned[pid]:
                    furniture_pids.add(pid)
                    index.exclude(pid)
        duplicate_of = index.assign()
        passages = index
        # Counted here, not during the first pass, so a rerun of this pass counts once.
        stats.written = stats.duplicate_documents = stats.passages = 0
        stats.duplicate_passages = stats.related_items = 0
        stats.removed.clear()
        spool.seek(0)
        for _ in range(len(doc_ids)):
            item, stripped, pids = pickle.load(spool)
            result = self._assemble(item, stripped, pids, duplicate_of, furniture_pids, passages, doc_ids)
            if result.duplicate_of is None:
                stats.written += 1
            else:
                stats.duplicate_documents += 1
            if self._progress:
                self._progress("assemble", 1)
            yield result

    def _over_size(self, doc: Document) -> Reject | None:
        """Apply max_doc_bytes to the raw text or HTML: reject, or cut it to the limit."""
        cfg = self.config
        raw = doc.html if doc.html is not None else doc.text
        data = raw.encode("utf-8", "surrogatepass")
        if len(data) <= cfg.max_doc_bytes:
            return None
        if cfg.over_limit == "reject":
            return Reject(source=doc.source or doc.id, reason="over_limit", id=doc.id,
                          detail=f"{len(data):,} bytes, over max_doc_bytes {cfg.max_doc_bytes:,}")
        kept = data[: cfg.max_doc_bytes].decode("utf-8", "ignore")
        doc.notes["truncated"] = {"limit": "max_doc_bytes", "bytes": len(data), "kept_chars": len(kept),
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

    def _strip(self, doc: Document) -> tuple[Document, Stripped] | Reject:
        """Extract (for HTML) and strip one document within the per-document limits."""
        cfg = self.config
        over = self._over_size(doc)
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
                stripped = strip_document(doc.text, cfg)
                stripped.add_related(extra_related)
        except DocumentTimeout as exc:
            return Reject(source=doc.source or doc.id, reason="time_limit", detail=str(exc), id=doc.id)
        except (ValueError, TypeError, LookupError, RecursionError, MemoryError) as exc:
            # lxml and trafilatura raise these on pages they cannot parse.
            return Reject(source=doc.source or doc.id, reason="extraction_failed",
                          detail=f"{type(exc).__name__}: {exc}"[:300], id=doc.id)
        return doc, stripped

    def _assemble(self, doc: Document, st: Stripped, pids: dict, duplicate_of: dict,
                  furniture_pids: set, passages: list, doc_ids: list[str]) -> Result:
        stats = self.stats
        removals: list[Removal] = []
        body: list[str] = []
        loose = []  # kept lines that are not dedup passages (no words left after cuts)
        own_pids = list(pids.values())
        stats.passages += len(own_pids)

        def remove(block, text: str, reason: str, rule: str, kept=None) -> None:
            kept_id = kept_line = None
            if kept is not None:
                kept_id, kept_line = kept
            removals.append(Removal(doc.id, block.line, text, reason, rule, kept_id, kept_line))
            stats.removed[reason] += 1

        title_line = st.title.line if st.title else None
        repeats = {id(b): first for b, _, first in st.related_repeats}
        # Which kept lines survive dedup and the furniture pass: the final body.
        survivors = []
        for b in st.blocks:
            if b.verdict is None and not b.related and b is not st.title:
                pid = pids.get(b.index)
                if pid is None or (pid not in furniture_pids and pid not in duplicate_of):
                    survivors.append(b)
        closing_questions(survivors)
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
            elif pids[b.index] in furniture_pids:
                remove(b, b.text, "site_furniture", "corpus_recurrence")
            else:
                canon, rule = duplicate_of[pids[b.index]]
                remove(b, b.text, "near_duplicate", rule, (doc_ids[passages.doc[canon]], passages.line[canon]))
                stats.duplicate_passages += 1

        dup_doc = None
        if own_pids and all(p in duplicate_of or p in furniture_pids for p in own_pids):
            dup_doc = self._duplicate_target(doc, own_pids, duplicate_of, passages, doc_ids)
            if dup_doc is not None:
                body = []
                for b in loose:
                    remove(b, b.kept_text(), "near_duplicate", "whole_document", (dup_doc, None))
        related = [{"text": text} for text in st.related_texts()]
        stats.related_items += len(related)
        title = st.title.kept_text() if st.title else None
        metadata = dict(doc.metadata)
        # Never overwrite an input field: a record that has its own "cleaner" gets ours as "_cleaner".
        ours = {"version": __version__, "removed": len(removals), **doc.notes}
        metadata["cleaner" if "cleaner" not in metadata else "_cleaner"] = ours
        return Result(doc.id, title, "\n\n".join(body), related, dup_doc, metadata, removals)

    @staticmethod
    def _duplicate_target(doc, own_pids, duplicate_of, passages, doc_ids) -> str | None:
        """The document holding most of this one's canonical text; None if it all lives here."""
        words_by_doc: dict[int, int] = {}
        for pid in own_pids:
            if pid not in duplicate_of:
                continue
            canon_doc = passages.doc[duplicate_of[pid][0]]
            if canon_doc == passages.doc[pid]:
                return None  # an in-document copy: the canonical is in this very document
            words_by_doc[canon_doc] = words_by_doc.get(canon_doc, 0) + passages.words[pid]
        if not words_by_doc:
            return None
        best = min(words_by_doc.items(), key=lambda kv: (-kv[1], kv[0]))
        return doc_ids[best[0]]


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
        lines.append(" ".join(toks))
        candidates.append(not sentence)
        if toks:
            passages.append(PassageInput(b.line, toks, sentence=sentence))
            blocks.append(b)
    return passages, blocks, lines, candidates


def clean(records: Iterable, config: Config | None = None) -> Iterator[Result | Reject]:
    """Clean ``records`` lazily: an iterator in, an iterator of results (and rejects) out.

    >>> from cleaner import clean
    >>> docs = [{"id": "a", "text": "Storm floods the city centre as rivers burst their banks overnight."},
    ...         {"id": "b", "text": "Storm floods the city centre as rivers burst their banks overnight..."}]
    >>> [(r.id, r.duplicate_of) for r in clean(docs)]
    [('a', None), ('b', 'a')]
    """
    yield from Cleaner(config).run(records)

