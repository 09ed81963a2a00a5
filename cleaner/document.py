"""The record types that flow through every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Document:
    """One input record: an id, its text (or HTML), and fields passed through untouched.

    ``source`` names where it came from (``path`` or ``path:line``) for errors.
    """

    id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    # Set instead of ``text`` for a page still to be extracted (HTML file, JSONL
    # HTML field, WARC response); the extracted text replaces ``text``.
    html: str | None = None
    # What cleaner did to the record before stripping (detected encoding, repaired
    # mojibake, truncation): reported under metadata.cleaner, never mixed into metadata.
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Skipped:
    """An input record that is not a document (a WARC request, an image response); counted, not written."""

    source: str
    reason: str


@dataclass
class Reject:
    """An input record that could not be processed, with the reason and the place."""

    source: str
    reason: str
    detail: str = ""
    id: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "source": self.source, "reason": self.reason, "detail": self.detail}


@dataclass
class Removal:
    """One span of input that is not in ``body``: removed, or moved to ``related``.

    ``line`` is 1-based in the document's text. For a duplicate, ``kept_id`` and
    ``kept_line`` locate the passage that was kept instead; ``span``: the text is a
    sentence cut from the line, whose other sentences stay.
    """

    doc_id: str
    line: int
    text: str
    reason: str
    rule: str = ""
    kept_id: str | None = None
    kept_line: int | None = None
    # The kept copy is shorter: an earlier run kept it first (an index across runs keeps the first).
    longer_than_kept: bool = False
    # The line model's boilerplate probability of the line (None where it did not run).
    score: float | None = None
    # A sentence cut from a line that stays in the body (its other sentences are its own).
    span: bool = False

    def to_json(self) -> dict:
        out = {"id": self.doc_id, "line": self.line, "reason": self.reason, "rule": self.rule, "text": self.text}
        if self.kept_id is not None:
            out["kept_id"] = self.kept_id
            out["kept_line"] = self.kept_line
        if self.longer_than_kept:
            out["longer_than_kept"] = True
        if self.score is not None:
            out["score"] = self.score
        if self.span:
            out["span"] = True
        return out


@dataclass
class Result:
    """The cleaned form of one document, as the output contract names it."""

    id: str
    title: str | None
    body: str
    related: list[dict]
    duplicate_of: str | None
    metadata: dict[str, Any]
    removals: list[Removal] = field(default_factory=list)
    # The text that removal line numbers count in (after HTML extraction, mojibake repair
    # and truncation): what the review page shows. Not part of the output record.
    source_text: str | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "related": self.related,
            "duplicate_of": self.duplicate_of,
            "metadata": self.metadata,
        }


@dataclass
class Encoded:
    """A result as the caller's ``encode`` made it (``Cleaner.run(encode=...)``), in whichever process assembled it."""

    id: str
    duplicate_of: str | None
    output: Any
