"""Split a document's text into blocks: one per non-empty line, with its position.

Scraped dumps put one paragraph, heading, widget or list item per line, so the
line is the unit that the strip rules judge and dedup compares. Each block
keeps its line number so that every decision can be traced back to the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from operator import attrgetter

from .text import word_count


@dataclass(slots=True)
class Block:
    index: int
    line: int  # 1-based line number in the document text
    text: str  # the line without surrounding whitespace
    words: int
    # Filled by the strip stage: None while kept; a (reason, rule) pair when removed.
    verdict: tuple[str, str] | None = None
    related: bool = False
    # Character spans of ``text`` removed inside a kept line, each (start, end, reason, rule).
    cuts: list[tuple[int, int, str, str]] = field(default_factory=list)
    # A rule that removes this line only where the article has ended (judged after dedup).
    tail_rule: tuple[str, str] | None = None
    # Where a reader question glued to the end of this line starts, if it holds one.
    question_at: int | None = None
    # On the user's allow-list: no strip rule, structure step or furniture pass removes it.
    allowed: bool = False
    # The line model's boilerplate probability (None when the model was not run).
    score: float | None = None
    # A line of code on an HTML page (``<pre>``): no prose rule judges it, and it is no dedup
    # passage (a tutorial repeats a command's output line; the copy is part of the code).
    code: bool = False

    def __reduce__(self):
        # Every document's blocks are pickled into the spool and read back for assembly:
        # a plain argument tuple pickles and loads in about 60% of the time the slots' state dicts take.
        return (Block, _block_fields(self))

    @property
    def kept(self) -> bool:
        return self.verdict is None and not self.related

    def kept_text(self) -> str:
        """The text left after removing the cut spans, pieces joined by one space."""
        if not self.cuts:
            return self.text
        out = ""
        pos = 0
        for start, end, _, _ in sorted(self.cuts) + [(len(self.text), len(self.text), "", "")]:
            piece = self.text[pos:start].strip() if start > pos else ""
            pos = max(pos, end)
            if not piece:
                continue
            # A cut citation leaves "information" + ". Rosen": no space before punctuation.
            glue = "" if not out or piece[0] in ".,;:!?)]}\"”’»" else " "
            out += glue + piece
        return out


# Every field, in the constructor's order: a field added later is pickled too.
_block_fields = attrgetter(*(f.name for f in fields(Block)))


LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as a dump has them: \r\n, \r (old Mac files) and \n end a line; U+2028 and
    form feeds inside a scraped line do not (str.splitlines() would break on them)."""
    return LINE_BREAK_RE.split(text)


def segment(text: str) -> list[Block]:
    blocks: list[Block] = []
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.strip()
        if stripped:
            blocks.append(Block(index=len(blocks), line=number, text=stripped, words=word_count(stripped)))
    return blocks
