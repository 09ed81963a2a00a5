"""What the run decided about a line of a document, for its assembly: each fate a type of its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CopyOf:
    """The line is a copy of a passage kept elsewhere: in this run, or by an earlier run (``--index``)."""

    kept_id: str  # the document that holds the kept passage
    kept_line: int | None  # its line there (None: the document as a whole)
    rule: str  # the check that matched
    longer_than_kept: bool = False  # an earlier run kept a shorter copy first


@dataclass(frozen=True)
class SpanCut:
    """A sentence of a kept line that copies a sentence kept elsewhere: cut from the line, which keeps the rest."""

    sentence: int  # which of the line's sentences (``strip.text.sentence_spans``), from 0
    kept_id: str
    kept_line: int | None
    rule: str


@dataclass(frozen=True)
class SiteFurniture:
    """The line recurs across the run's documents: the site's furniture, not the story's text."""


FURNITURE = SiteFurniture()

Fate = CopyOf | SiteFurniture
