"""The strip stage for one document: line rules, then the structure around them.

A line rule (``rules.py``) says what a furniture line looks like. This module
decides with the document's structure: a poll header takes its question and
options with it, an image's alt text and caption go with its credit, a closing
reader question goes only at the end, a related-story list moves to
``related``, and a few spans are cut from inside kept lines (a date stuck to the
title, citation markers of a curation page, an inline "Related: <headline>").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Config
from . import related as related_mod
from .linemodel.features import RULE_CATEGORIES
from .linemodel.judge import judge_lines, shape_reason
from .rules import RULES, TAIL_ONLY, match_line
from .segment import Block, segment
from .text import normalized, strip_marks, word_count
from .userrules import UserRule, match_user

_POLL_QUESTION_MAX_WORDS = 25
_POLL_OPTION_MAX_WORDS = 6
_POLL_MAX_LINES = 8
# A body paragraph after a line means the line is not at the end of the document.
_BODY_WORDS = 20
_QUESTION_WINDOW = 600
_TITLE_MAX_WORDS = 20

_DATE_LABEL = (
    r"(?:date|dated|published|updated|posted|publi[ée](?: le)?|mis [àa] jour(?: le)?|ver[öo]ffentlicht(?: am)?|"
    r"aktualisiert(?: am)?|publicado(?: el)?|actualizado(?: el)?)"
)
# A full date may stand alone; a year and month ("2023-24 Season Review" is a season) needs a label.
_LEADING_DATE_RE = re.compile(
    r"^(?:(?:" + _DATE_LABEL + r"?\s*:?\s*(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})"
    r"|" + _DATE_LABEL + r"\s*:?\s*\d{4}-\d{2})"
    r"(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2})?)?\s+)+(?=\w)",
    re.IGNORECASE,
)
_LEADING_SLASH_RE = re.compile(r"^/+\s*(?=[A-Z0-9À-Ý\"'“‘])")
_ALT_TEXT_RE = re.compile(r"[a-z0-9][a-z0-9 '\-]*")
_QUESTION_PATTERNS = [r.pattern.pattern for r in RULES if r.category == "reader_question"]
_TRAILING_QUESTION_RE = re.compile(
    r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’»)\]]))\s*(?:" + "|".join(_QUESTION_PATTERNS) + r")\s*[?!.]*\s*$",
    re.IGNORECASE,
)


@dataclass
class Stripped:
    """A document after the strip stage: its blocks with verdicts, its title and related items."""

    blocks: list[Block]
    title: Block | None = None
    related: list[tuple[Block, str]] = field(default_factory=list)
    related_repeats: list[tuple[Block, str, Block]] = field(default_factory=list)
    # Related items captured from HTML containers before extraction: no input line of their own.
    extra_related: list[str] = field(default_factory=list)
    # Indices into config.rules of the user rules that apply to this document (its
    # language and site), kept so that assembly judges a cut line by the same rules.
    user_rules: tuple[int, ...] = ()
    # The line model's confidence in its judgement of the document's lines (None: not run).
    confidence: float | None = None

    def add_related(self, texts: list[str]) -> None:
        seen = {normalized(t) for t in self.related_texts()}
        for text in texts:
            key = normalized(text)
            if key and key not in seen:
                seen.add(key)
                self.extra_related.append(text)

    def related_texts(self) -> list[str]:
        return [text for _, text in self.related] + self.extra_related


def strip_document(text: str, config: Config | None = None, metadata: dict | None = None,
                   extracted: bool = False, removed: dict[int, tuple[str, str]] | None = None,
                   code: set[int] | frozenset[int] = frozenset()) -> Stripped:
    """``metadata`` (the record's fields) tells which user rules apply: by language and site.

    ``extracted``: the text is an HTML page's, already pruned by its structure (the block model);
    the text line model does not run on it: trained on whole dumps, its removals cost such text
    more recall than they save (fundus80: recall 0.939 with them, 0.946 without); and a related
    list under a header there may hold teaser paragraphs (in a dump, prose ends a list of headlines).

    ``removed`` (0-based line -> (reason, rule)): lines the HTML path already removed; they keep
    that verdict and are no context of the lines judged here. ``code`` (0-based lines): code of
    the page, which no rule written for prose judges (a "}" is not noise, "share:" no widget).
    """
    cfg = config or Config()
    everything = segment(text)
    given = removed or {}
    for b in everything:
        b.verdict = given.get(b.line - 1)
        b.code = b.allowed = b.line - 1 in code
    blocks = [b for b in everything if b.verdict is None]
    if len(blocks) == len(everything):
        return _strip_blocks(blocks, cfg, metadata, text, extracted)
    # The lines judged here are numbered as if the removed ones were not there: the structure
    # steps read adjacent lines as one list (a related-story run), as they would in a dump.
    lines = [b.line for b in blocks]
    for index, b in enumerate(blocks):
        b.index, b.line = index, index + 1
    stripped = _strip_blocks(blocks, cfg, metadata, text, extracted)
    for b, line in zip(blocks, lines):
        b.line = line
    for index, b in enumerate(everything):
        b.index = index
    stripped.blocks = everything
    return stripped


def _strip_blocks(blocks: list[Block], cfg: Config, metadata: dict | None, text: str, extracted: bool) -> Stripped:
    """The rules, the structure steps and the line model over the lines still to judge."""
    for b in blocks:
        if len(b.text) > cfg.max_line_chars:  # only when over_limit = "truncate"; "reject" never gets here
            b.cuts.append((cfg.max_line_chars, len(b.text), "over_limit", "max_line_chars"))
    user_ids: tuple[int, ...] = ()
    user: tuple[UserRule, ...] = ()
    if cfg.rules is not None:
        user_ids = cfg.rules.for_document(metadata, text)
        user = cfg.rules.select(user_ids)
        for b in blocks:
            b.allowed = b.allowed or cfg.rules.allows(b.text)
    _judge(blocks, user)
    # Spans cut from inside a line first, then the line rules judge what is left,
    # so that a second run over the output finds nothing more to remove.
    _leading_noise(blocks)
    _citation_markers(blocks)
    _judge([b for b in blocks if b.cuts and b.kept], user)
    _poll_bodies(blocks)
    _image_captions(blocks)
    items = related_mod.find_related(blocks, cfg.related_max_words, prose_ends_lists=not extracted)
    _judge([b for b in blocks if b.cuts and b.kept], user)
    related_mod.tail_after_related(blocks, items)
    _mark_questions(blocks)
    # An HTML page's lines were judged by the block model, with the page's structure: the text
    # model would only score them (its removals cost such text recall), at a fifth of the page's time.
    headline, confidence = (None, None) if extracted else _judge_by_model(blocks, cfg)
    if not extracted:  # an HTML page's related lists are the block model's and the pre-pass's
        items += related_mod.headline_runs(blocks)
    title = _title(blocks, cfg.exact_min_words, headline)
    kept_items, repeats = related_mod.distinct_items([(b, t) for b, t in items if b.related or b.kept])
    return Stripped(blocks=blocks, title=title, related=kept_items, related_repeats=repeats, user_rules=user_ids,
                    confidence=confidence)


def _judge_by_model(blocks: list[Block], cfg: Config) -> tuple[Block | None, float | None]:
    """Score every line with the line model; remove the kept ones it is sure of, name the headline.

    The rules' verdicts are the model's evidence, not its rivals: a line a rule removed stays
    removed, and the model removes only lines the rules and the structure steps kept.
    Returns the headline block the model picked (or None) and the document's confidence.
    """
    if not blocks or cfg.strip_threshold >= 1.0:
        return None, None
    hits = [_rule_category(b) for b in blocks]
    judged = judge_lines([b.text for b in blocks], hits, cfg.strip_threshold, cfg.model())
    removable = []
    for b, score, drop in zip(blocks, judged.scores.tolist(), judged.drop.tolist()):
        b.score = round(score, 3)
        if drop and b.kept and not b.allowed and b.tail_rule is None:
            removable.append(b)
    # A document the model would empty has no body for its context to stand on (a post, a
    # headline, a fragment, a page whose article is a few short lines): there it removes only
    # the lines it is sure of, and none if that would still empty the document.
    kept = sum(b.kept for b in blocks)
    if len(removable) >= kept:
        sure = (1 + cfg.strip_threshold) / 2
        removable = [b for b in removable if b.score is not None and b.score >= sure]
    if len(removable) < kept:
        for b in removable:
            b.verdict = (shape_reason(b.text), "line_model")
    headline = blocks[judged.title] if judged.title is not None else None
    return headline, judged.confidence


def _rule_category(b: Block) -> str | None:
    """The category a line rule gave the line (the model was trained on the rules' hits, not on
    the structure steps' verdicts)."""
    verdict = b.verdict or b.tail_rule
    if verdict is None or verdict[0] not in RULE_CATEGORIES:
        return None
    return verdict[0]


def _judge(blocks: list[Block], user: tuple[UserRule, ...] = ()) -> None:
    """Apply the user rules, then the built-in line rules, to each block's text (what is left of it after cuts)."""
    for b in blocks:
        if b.allowed:
            continue
        text = b.kept_text()
        words = word_count(text) if b.cuts else b.words
        m = None
        if words and user:
            m = match_user(user, text, words)
        if m is None and words:
            m = match_line(text, words)
        if words == 0:
            # No letter or digit: a rule, a stray symbol or a control character.
            b.verdict = ("noise", "no_words") if not b.cuts else ("noise", "cut_remainder")
        elif m is not None and m[1] in TAIL_ONLY:
            b.tail_rule = m
        elif m is not None:
            b.verdict = m


def _poll_bodies(blocks: list[Block]) -> None:
    """A poll header takes its question and its options (short lines that are not sentences)."""
    for i, b in enumerate(blocks):
        if b.verdict != ("poll", "poll_header"):
            continue
        for nxt in blocks[i + 1 : i + 1 + _POLL_MAX_LINES]:
            if nxt.allowed:
                break
            if nxt.verdict is not None:
                if nxt.verdict[0] == "poll":
                    continue
                break
            question = nxt.text.rstrip().endswith("?") and nxt.words <= _POLL_QUESTION_MAX_WORDS
            option = nxt.words <= _POLL_OPTION_MAX_WORDS and not nxt.text.rstrip().endswith(".")
            if not (question or option):
                break
            nxt.verdict = ("poll", "poll_body")


def _is_alt_text(b: Block) -> bool:
    """Image alt text left in a dump: a few lower-case words, no sentence punctuation."""
    return b.verdict is None and not b.allowed and 1 <= b.words <= 8 and bool(_ALT_TEXT_RE.fullmatch(b.text))


def _image_captions(blocks: list[Block]) -> None:
    """alt text, caption, credit: the three lines a scraped figure leaves; all go."""
    for i, b in enumerate(blocks):
        if not _is_alt_text(b):
            continue
        window = blocks[i + 1 : i + 3]
        credit_at = next((k for k, w in enumerate(window) if w.verdict and w.verdict[0] == "photo_credit"), None)
        if credit_at is None:
            continue
        b.verdict = ("photo_credit", "image_alt_text")
        for w in window[:credit_at]:
            if w.verdict is None and not w.allowed and w.words <= 40:
                w.verdict = ("photo_credit", "image_caption")


_SENTENCE_MARK_RE = re.compile(r"[.!?…]")
_CLOSERS = "\"'”’»)]"


def trailing_question(text: str) -> re.Match | None:
    """``_TRAILING_QUESTION_RE.search`` over the line's last ``_QUESTION_WINDOW`` characters (a
    closing question is short: no scan across a huge line). The question must follow the end
    of a sentence (a mark, perhaps a closing quote), so it is tried only there, in order: the
    same first match, without the pattern being tried at every character."""
    start = max(0, len(text) - _QUESTION_WINDOW)
    for mark in _SENTENCE_MARK_RE.finditer(text, max(0, start - 2)):
        after = mark.end()
        for at in (after, after + 1) if after < len(text) and text[after] in _CLOSERS else (after,):
            if at >= start:
                match = _TRAILING_QUESTION_RE.match(text, at)
                if match:
                    return match
    return None


def _mark_questions(blocks: list[Block]) -> None:
    """Mark reader questions ("Qu'en pensez-vous ?"), standalone or glued to a paragraph's end.

    They are furniture only where the article has ended, and where it ends is
    known only after dedup has removed its copies; ``closing_questions`` decides then.
    """
    for b in blocks:
        if b.verdict is None and b.tail_rule is None and not b.allowed:
            match = trailing_question(b.text)
            if match and match.start() > 0:
                b.question_at = match.start()


def closing_questions(body: list[Block], user: tuple[UserRule, ...] = ()) -> None:
    """Remove the tail-only lines (reader questions, author bios) that end the final body, then a glued question.

    Repeats until nothing changes: what a cut leaves is judged again by the line
    rules, and a line that goes leaves another line at the end.
    """
    while body:
        last_long = max((i for i, b in enumerate(body) if b.words >= _BODY_WORDS and b.tail_rule is None), default=-1)
        tail = [b for b in body[last_long + 1 :] if b.tail_rule is not None]
        for b in tail:
            b.verdict = b.tail_rule
        body[:] = [b for b in body if b.verdict is None]
        if tail:
            continue
        last = body[-1] if body else None
        if last is None or not last.question_at or any(c[3] == "closing_question" for c in last.cuts):
            break
        last.cuts.append((last.question_at, len(last.text), "reader_question", "closing_question"))
        _leading_noise([last])
        _judge([last], user)
        body[:] = [b for b in body if b.verdict is None]


def _headline_like(text: str) -> bool:
    """A headline may ask or exclaim, but a full stop ends a sentence and "…" a teaser."""
    core = text.rstrip("\"'”’»)")
    return 2 <= len(text.split()) <= _TITLE_MAX_WORDS and not (core[-1:] in (".", ":", ";", "…") or core.endswith("..."))


def _leading_noise(blocks: list[Block]) -> None:
    """A breadcrumb slash ("/Mark Zuckerberg livestreamed...") or a date stuck to a headline's front."""
    for b in blocks:
        if b.verdict is None and not b.related and not b.allowed:
            slash = _LEADING_SLASH_RE.match(b.text)
            if slash:
                b.cuts.append((0, slash.end(), "noise", "leading_slash"))
                continue
            m = _LEADING_DATE_RE.match(b.text)
            rest = b.text[m.end():] if m else ""
            if m and len(rest.split()) >= 3 and _headline_like(rest):
                b.cuts.append((0, m.end(), "timestamp", "leading_date"))


def _title(blocks: list[Block], repeat_min_words: int, headline: Block | None = None) -> Block | None:
    """The headline the line model picked if it is kept and reads as one, else the first kept
    line if it does; a repeat of it later is a duplicate."""
    first = headline if headline is not None and headline.kept else next((b for b in blocks[:8] if b.kept), None)
    if first is None:
        return None
    text = first.kept_text()
    # A line alone is the body, not a title; a bullet is a list item.
    if (
        not _headline_like(text)
        or text.startswith("@")
        or strip_marks(text) != text
        or not any(b.kept for b in blocks[first.index + 1 :])
    ):
        return None
    key = normalized(text)
    # Like dedup, leave repeats of a two- or three-word title alone ("Live", "Key facts").
    if len(key.split()) < repeat_min_words:
        return first
    for b in blocks:
        # A repeat has about as many words: only those are worth normalising.
        if b is not first and b.kept and not b.allowed and abs(b.words - first.words) <= 3 and normalized(b.kept_text()) == key:
            b.verdict = ("near_duplicate", "title_repeat")
    return first


_CITATION_RE = re.compile(r"\s(\d{1,2})(?=\.?$|\.?\s+[A-Z\"“]|\.\s*$)")


def _citation_markers(blocks: list[Block]) -> None:
    """Curation pages number their sources [1], [2] and cite them as " 1." in the summary."""
    numbers = set()
    for b in blocks:
        if b.verdict == ("curation_header", "curation_header"):
            m = re.fullmatch(r"\[(\d{1,3})\]", b.text.strip())
            if m:
                numbers.add(m.group(1))
    if not numbers:
        return
    for b in blocks:
        if not b.kept or b.allowed:
            continue
        for m in _CITATION_RE.finditer(b.text):
            if m.group(1) not in numbers:
                continue
            start, end = m.start(), m.end()
            # 'information 2.' keeps its full stop; '"...right?" 1. This' already had one.
            before = b.text[:start].rstrip().rstrip("\"'”’»)")
            if before and before[-1] in ".!?" and b.text[end : end + 1] == ".":
                end += 1
            b.cuts.append((start, end, "curation_header", "citation_marker"))
