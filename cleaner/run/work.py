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
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..config import Config, source_rank
from ..dedup.passages import PassageInput, PreparedDoc, Preparer, cut_short
from ..document import Document, Reject, Result, Skipped
from ..io import html as html_mod
from ..io.decoding import repair_mojibake
from ..io.records import record_to_document
from ..strip.blockmodel import prune
from ..strip.furniture import line_keys, may_be_template
from ..strip.segment import split_lines
from ..strip.stage import Stripped, strip_document
from ..strip.text import divisible, passage_words
from .assembly import Assembly
from .decisions import Fate, SpanCut
from .time_limit import DocumentTimeout, time_limit

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
    block_indices: list[int]  # the block of each prepared passage (TITLE_BLOCK: the title)
    furniture_keys: list[tuple[int, int, int]]  # strip.furniture.line_keys() of its kept lines
    bytes_in: int


@dataclass
class AssemblyJob:
    """A spooled document (where it is in the spool) and what assembly needs of the run-wide decisions on it."""

    spool_fd: int
    offset: int
    length: int
    pids: dict[int, int]  # the passage id of each block that is one
    fates: dict[int, Fate]  # per block index, what the run decided (absent: kept)
    duplicate_of: str | None
    blob: bytes | None = None  # the spooled document itself, for a worker that cannot read the spool
    spans: dict[int, tuple[SpanCut, ...]] = field(default_factory=dict)  # per block index, sentences cut from it

    def document(self) -> tuple[Document, Stripped]:
        """The spooled document and its stripped form, as the first pass left them."""
        blob = self.blob if self.blob is not None else os.pread(self.spool_fd, self.length, self.offset)
        return pickle.loads(blob)


# The block index that stands for the title among a document's passages: the title
# is a passage of its own for dedup, but no line of the body.
TITLE_BLOCK = -1


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


def passage_inputs(stripped: Stripped) -> tuple[list[PassageInput], list, list[str], list[bool], list[bool]]:
    """The passages of a stripped document for dedup (the title first), with their blocks,
    the document's kept lines, which of them may be site furniture, and which may be by their
    template."""
    passages, blocks, lines, candidates, templated = [], [], [], [], []
    if stripped.title is not None:
        title_tokens, title_names, _ = passage_words(stripped.title.kept_text())
        if title_tokens:
            passages.append(PassageInput(stripped.title.line, title_tokens, pinned=True, names=title_names))
            blocks.append(stripped.title)
    for b in stripped.blocks:
        # A tail-only line is left out of dedup: whether it stays
        # depends on where the document ends, decided at assembly.
        if not b.kept or b is stripped.title or b.tail_rule is not None or b.code:
            continue
        kept_text = b.kept_text()
        # Names and numbers: a short passage's edits may not touch them, and no two passages
        # that each name something the other does not are copies (``dedup.walk``).
        toks, names, starts = passage_words(kept_text)
        cut = cut_short(kept_text)
        sentence = not cut and _SENTENCE_END.search(kept_text) is not None
        # Site furniture is a label, a header, a byline: a sentence that
        # recurs ("The company declined to comment.") is news prose.
        joined = " ".join(toks)
        lines.append(joined)
        candidates.append(not sentence and not b.allowed)
        # A line the model is sure is text (a subheading, a headline) keeps its own count only.
        templated.append(may_be_template(kept_text, b.score))
        if toks:
            # A line cut by nothing else whose words line up with its sentences may lose some as spans.
            whole = not b.cuts and divisible(kept_text, len(toks), starts, names)
            passages.append(PassageInput(b.line, toks, sentence=sentence, text=joined, names=names, cut=cut,
                                         starts=starts, divisible=whole))
            blocks.append(b)
    return passages, blocks, lines, candidates, templated


# Lines of the shapes the kernels handle: a headline, prose with numbers, times and dates,
# a sentence repeated in a longer paragraph, counters, a link and a handle.
_WARM_UP_TEXT = """Council approves the 2025 budget after a six-hour debate
Share · 12 comments
The city council approved the budget at 11:30 pm on 3/4/2025, officials said. It adds 1,200 new jobs.
The city council approved the budget at 11:30 pm on 3/4/2025, officials said.
Read more at www.example.com/budget via @citydesk #budget
Advertisement"""


def _source(doc: Document) -> str:
    """The site a document comes from, for source templates: its URL's host, or the run's ("")."""
    url = doc.metadata.get("url")
    if not isinstance(url, str):
        return ""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:  # "http://[bad" : a malformed URL is no site
        return ""
    return host.removeprefix("www.")


class DocumentWork:
    def __init__(self, config: Config):
        self.config = config
        self._preparer = Preparer(config)

    def warm_up(self) -> None:
        """Run the first pass on a small document, for what a process loads on its first one
        (compiled kernels, the line model, the stoplists). Nothing it leaves depends on the
        document: each of those is a pure function of its input or constant data."""
        self.first(0, Document(id="warm-up", text=_WARM_UP_TEXT, metadata={"url": "https://example.com/a"}))

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
        passages, blocks, lines, candidates, templated = passage_inputs(stripped)
        prepared = self._preparer.prepare(passages)
        if self.config.keep == "source-priority":
            prepared.rank = source_rank(_source(item), self.config.source_priority)
        indices = [TITLE_BLOCK if b is stripped.title else b.index for b in blocks]
        blob = pickle.dumps((item, stripped), protocol=pickle.HIGHEST_PROTOCOL)
        keys = line_keys(lines, candidates, self.config, _source(item), templated)
        return FirstPassDoc(item.id, blob, prepared, indices, keys, bytes_in)

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
                extracted = None
                if doc.html is not None:
                    extracted = html_mod.extract(doc.html, url=doc.metadata.get("url"))
                    doc.notes["extraction"] = prune(extracted)
                    doc.text = html_mod.to_document_text(extracted)
                    doc.html = None  # the spool needs only the text
                over = self._over_lines(doc)
                if over is not None:
                    return over
                if cfg.repair_mojibake:
                    fixed = repair_mojibake(doc.text)
                    if fixed != doc.text:
                        doc.text = fixed
                        doc.notes["repaired"] = "mojibake"
                if extracted is None:
                    stripped = strip_document(doc.text, cfg, doc.metadata)
                else:
                    stripped = strip_document(doc.text, cfg, doc.metadata, extracted=True,
                                              removed=extracted.removed, code=extracted.code)
                    stripped.add_related(extracted.related)
        except DocumentTimeout as exc:
            return Reject(source=doc.source or doc.id, reason="time_limit", detail=str(exc), id=doc.id)
        except (ValueError, TypeError, LookupError, RecursionError, MemoryError) as exc:
            # lxml and trafilatura raise these on pages they cannot parse.
            return Reject(source=doc.source or doc.id, reason="extraction_failed",
                          detail=f"{type(exc).__name__}: {exc}"[:300], id=doc.id)
        return doc, stripped

    def assemble(self, job: AssemblyJob) -> tuple[Result, Counter]:
        """The output record of one document, and the counts it adds to the run's."""
        doc, stripped = job.document()
        return Assembly(doc, stripped, job.pids, job.fates, job.duplicate_of, self.config, job.spans).result()
