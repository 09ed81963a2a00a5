"""Related-story blocks: find them, move their items to ``related``, drop their counters.

Four shapes occur in aggregator dumps:
- a header ("Similar Articles", "Lire aussi", ...) followed by a list of items;
- a run of blurbs each followed by a counter line ("3 Sources"), with no header;
- a single "Read more: <headline>" or "Related: <headline>" line, or the same
  phrase inside a paragraph, where the headline runs until the prose resumes;
- after the article, a run of headline-shaped lines in any language, with or
  without a header nobody listed (``headline_runs``, judged by shape alone).
"""

from __future__ import annotations

import re

from .rules import line_key
from .segment import Block
from .text import normalized, strip_marks

_PREFIXES = (
    r"read more|related|related story|related article|see also|read also|also read|more|"
    r"(?:[àa] )?lire aussi|[àa] lire [ée]galement|voir aussi|lesen sie auch|mehr zum thema|auch interessant|"
    r"lee tambi[ée]n|te puede interesar|leer m[áa]s|leggi anche|leia tamb[ée]m"
)
PREFIX_LINE_RE = re.compile(r"(?:" + _PREFIXES + r")\s*:\s*(?P<item>\S.*)", re.IGNORECASE)
INLINE_PREFIX_RE = re.compile(r"(?<=[.!?\"”’)])\s+(?:" + _PREFIXES + r")\s*:\s+", re.IGNORECASE)

# Words a headline leaves in lower case; a run of two other lower-case words means prose.
_SMALL_WORDS = frozenset(
    "a an the and or nor but of for to in on at by as with from into onto over via vs than per is are was "
    "de la le les des du et en un une à au aux der die das und von zu im mit el los las del y con por para".split()
)


def _is_lower_content(token: str) -> bool:
    word = token.strip("\"'“”‘’()[],;:")
    return bool(word) and word[0].islower() and word.casefold() not in _SMALL_WORDS


def headline_end(text: str) -> int | None:
    """Where a title-case headline at the start of ``text`` ends and prose resumes.

    >>> s = "Meta Is Laying Off More Than 3,000 as CEO Calls for Cuts Zuckerberg also said that"
    >>> s[:headline_end(s)]
    'Meta Is Laying Off More Than 3,000 as CEO Calls for Cuts'
    """
    toks = list(re.finditer(r"\S+", text))
    for i in range(1, len(toks) - 1):
        if _is_lower_content(toks[i].group()) and _is_lower_content(toks[i + 1].group()):
            j = i - 1
            while j >= 0 and not toks[j].group()[:1].isupper():
                j -= 1
            if j < 3:  # fewer than three headline words: not a headline
                return None
            return toks[j - 1].end()
    return None


def is_counter(block: Block) -> bool:
    return block.verdict is not None and block.verdict[0] == "related_counter"


def find_related(blocks: list[Block], max_words: int, prose_ends_lists: bool = True) -> list[tuple[Block, str]]:
    """Mark related-story blocks in place and return (block, item text) pairs in order.

    Counters and headers get a removal verdict; item blocks get ``related=True``.
    ``prose_ends_lists``: a list of headlines ends at a paragraph of prose (a dump's lines);
    off for an HTML page's blocks, whose teaser paragraphs under a header are the list's.
    """
    items: list[tuple[Block, str]] = []

    def take(block: Block, text: str) -> None:
        block.related = True
        items.append((block, text))

    # Runs of blurb, counter(s), blurb, counter(s): two or more make a related block.
    blurbs = [
        b for i, b in enumerate(blocks[:-1])
        if b.verdict is None and not b.related and not b.allowed and is_counter(blocks[i + 1]) and b.words <= max_words
    ]
    if len(blurbs) >= 2:
        for b in blurbs:
            take(b, strip_marks(b.text))
    for i, header in enumerate(blocks):
        if header.verdict is not None and header.verdict[0] == "related_header":
            for b in _listed_after(header, blocks[i + 1:], max_words, prose_ends_lists):
                take(b, strip_marks(b.text))
    # "Read more: <headline>" on a line of its own.
    for b in blocks:
        if b.verdict is None and not b.related and not b.allowed:
            m = PREFIX_LINE_RE.fullmatch(strip_marks(b.kept_text()))
            if m and len(m.group("item").split()) <= 30:
                take(b, m.group("item").strip())

    items.extend(cut_inline_related(blocks))
    items.sort(key=lambda pair: pair[0].index)
    return items


_PROSE_MIN_WORDS = 15
# A blurb cut short ("... This is too strang…") is prose too.
_PROSE_END = re.compile(r"(?:[.!?。！？]|…|\.\.\.)[\"'“”‘’»«)」』]*$")
# Furniture that may sit between the items of a related list without ending it.
_WITHIN_LIST = ("related_counter", "share_widget", "ad_slot", "photo_credit", "timestamp")


def _listed_after(header: Block, following: list[Block], max_words: int, prose_ends: bool = True) -> list[Block]:
    """The items of the list a header starts: it runs while the lines are consecutive or headline-like."""
    listed: list[Block] = []
    prose_list = False
    prev_line = header.line
    for b in following:
        if b.allowed:
            break
        if b.related or (b.verdict is not None and b.verdict[0] in _WITHIN_LIST):
            prev_line = b.line
            continue
        if b.verdict is not None:
            break
        headline_like = b.words <= 20 and not re.search(r"[.!?]$", b.text)
        # A list keeps the shape it starts with: a list of headlines ends at the first paragraph
        # of prose even on the next line (a dump without blank lines puts the article right
        # after a "Top Videos" menu), while a list of blurbs is prose from its first item.
        prose = b.words >= _PROSE_MIN_WORDS and bool(_PROSE_END.search(b.text))
        if prose_ends and listed and prose and not prose_list:
            break
        if b.words > max_words or not (b.line == prev_line + 1 or headline_like):
            break
        if not listed:
            prose_list = prose
        listed.append(b)
        b.related = True  # a later header's list must not take it again
        prev_line = b.line
    return listed


def cut_inline_related(blocks: list[Block]) -> list[tuple[Block, str]]:
    """"Related: <Headline>" inside a paragraph: cut the headline out of the prose."""
    items = []
    for b in blocks:
        if not b.kept or b.allowed:
            continue
        for m in INLINE_PREFIX_RE.finditer(b.text):
            rest = b.text[m.end():]
            end = headline_end(rest)
            if end is None:
                continue
            b.cuts.append((m.start(), m.end() + end, "related_item", "inline_related"))
            items.append((b, rest[:end].strip()))
    return items


def tail_after_related(blocks: list[Block], items: list[tuple[Block, str]]) -> None:
    """Lines after a closing related block are site text ("The Outpost is a collection of...")."""
    whole_line_items = [b for b, _ in items if b.related]
    if len(whole_line_items) < 2:
        return
    last = whole_line_items[-1].index
    tail = [b for b in blocks[last + 1:] if b.kept]
    if 0 < len(tail) <= 3 and all(b.words <= 60 for b in tail):
        for b in tail:
            if not b.allowed:
                b.verdict = ("footer", "after_related")


def distinct_items(items: list[tuple[Block, str]]) -> tuple[list[tuple[Block, str]], list[tuple[Block, str, Block]]]:
    """Each related item once: the first of equal items is kept, later ones point to it."""
    seen: dict[str, Block] = {}
    kept, repeats = [], []
    for block, text in items:
        key = normalized(line_key(text))
        if key in seen:
            repeats.append((block, text, seen[key]))
        else:
            seen[key] = block
            kept.append((block, text))
    return kept, repeats


# A run of at least this many headline-shaped lines after the article is a related list.
_MIN_HEADLINE_RUN = 3
_HEADLINE_WORDS = (5, 25)
# A headline starts with a letter or a quote: not "(opens in a new window)", "+90 212 ...", "365 Bloor Street".
_HEADLINE_START = re.compile(r"[\"“„«'‘]?[^\W\d_]")
# A headline ends without a full stop, colon or comma (a question or an ellipsis is fine).
_NOT_HEADLINE_END = re.compile(r"[.:;,][\"'”’»)]*$")
_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’»)]*$")
# " · Reuters · 2h", " | The Guardian", " — 5 min read": a source or time after a separator.
_DECORATION = re.compile(r"\s+[·|•—–]\s+(?:\S+\s*){1,5}$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _headline_shaped(b: Block) -> bool:
    text = strip_marks(b.text)
    if not _HEADLINE_START.match(text) or _NOT_HEADLINE_END.search(text):
        return False
    if _CJK.search(text):
        return 8 <= len(text) <= 80
    lo, hi = _HEADLINE_WORDS
    return lo <= b.words <= hi and not text[0].islower() and "@" not in text


def _open_for_list(b: Block) -> bool:
    """A line a list may take: kept, or removed by the line model alone (not by a rule)."""
    return not b.related and not b.allowed and (b.verdict is None or b.verdict[1] == "line_model")


def headline_runs(blocks: list[Block]) -> list[tuple[Block, str]]:
    """Runs of headline-shaped lines after the article's last paragraph become related items.

    Lines between them that a rule or the model removed (a time, a source, an unlisted header,
    a counter) neither end the run nor count in it. A run before the article is left alone:
    there it is a menu or a teaser block more often than a list of stories.
    """
    prose = [b.index for b in blocks if b.kept and (b.words >= 15 or len(b.text) >= 60) and _SENTENCE_END.search(b.text)]
    if not prose:
        return []
    items: list[tuple[Block, str]] = []
    run: list[Block] = []
    for b in blocks[prose[-1] + 1:]:
        if _open_for_list(b) and _headline_shaped(b):
            run.append(b)
        elif (b.kept and b.words > 3) or b.allowed:  # text that is no item ends the run
            items += _take_run(run)
            run = []
    return items + _take_run(run)


def _take_run(run: list[Block]) -> list[tuple[Block, str]]:
    if len(run) < _MIN_HEADLINE_RUN:
        return []
    for b in run:
        b.verdict = None
        b.related = True
    return [(b, _DECORATION.sub("", strip_marks(b.text))) for b in run]
