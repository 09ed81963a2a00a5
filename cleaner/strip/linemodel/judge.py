"""The strip stage's one call into the line model: each line's score, which lines go, the headline.

>>> j = judge_lines(["Home", "World", "Council approves new budget after long debate",
...                  "The city council approved the budget on Tuesday after a debate that lasted "
...                  "more than six hours, officials said.", "Share", "© 2025 Example Media"])
>>> j.title, [bool(d) for d in j.drop]
(2, [True, True, False, False, True, True])
>>> shape_reason("240 upvotes · 57 replies"), shape_reason("Politics"), shape_reason("via @newsdesk")
('counter', 'navigation', 'link')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from . import features as F
from .model import LineModel
from .title import TitlePicker


@dataclass(frozen=True)
class LineJudgement:
    """``scores``: boilerplate probability per line; ``drop``: score at or over the threshold, the
    headline excepted; ``title``: the headline's index or None; ``confidence``: how sure the model
    is of the document's lines overall (1 when every line is far from the threshold)."""

    scores: np.ndarray
    drop: np.ndarray
    title: int | None
    confidence: float


@cache
def shipped_models() -> tuple[LineModel, TitlePicker]:
    """The weights in the package, read once per process: constant data, so no result depends on order."""
    return LineModel.load(), TitlePicker.load()


def judge_lines(lines: list[str], rule_hits: list[str | None] | None = None, threshold: float | None = None,
                model: LineModel | None = None) -> LineJudgement:
    """Judge one document's non-empty, stripped lines.

    ``rule_hits``: the line rules' category of each line (None: no rule), reused as evidence;
    ``threshold``: ``strip_threshold`` (the model's own cut when None); ``model``: a user's
    model (``cleaner train``), else the shipped one. The headline is never dropped: a story's
    headline on its own looks like a teaser.
    """
    shipped, picker = shipped_models()
    model = model or shipped
    X, shape = F.document_features(lines, rule_hits)
    scores = model.predict_proba(X)
    cut = model.threshold if threshold is None else threshold
    # Recall first: a line shaped like a sentence of prose is taken only when the model is far
    # surer than the cut, because losing a sentence costs more than leaking one line of chrome.
    drop = scores >= np.where(_sentence_shaped(X), cut + (1 - cut) * SENTENCE_MARGIN, cut)
    title = picker.pick(lines, X, scores, shape)
    if title is not None:
        drop[title] = False
    return LineJudgement(scores, drop, title, _confidence(scores, lines, model.threshold))


# The share of the way from the cut to certainty a sentence-shaped line's score must go (0.5 -> 0.9).
SENTENCE_MARGIN = 0.8
_SENTENCE_MIN_WORDS = 4
_WORDS, _SENT_END = F.BASE_NAMES.index("log_words"), F.BASE_NAMES.index("sent_end")
_STOPS = [F.BASE_NAMES.index("stop_density"), F.BASE_NAMES.index("line_stop_density")]
_CJK = F.BASE_NAMES.index("cjk_ratio")


def _sentence_shaped(X: np.ndarray) -> np.ndarray:
    """Lines of several words that end like a sentence and read like prose in some language
    (function words from the document's stoplist or the line's own), or CJK sentences."""
    words = np.expm1(X[:, _WORDS])
    prose_like = (X[:, _STOPS].max(axis=1) >= 0.15) | (X[:, _CJK] > 0.5)
    return (words >= _SENTENCE_MIN_WORDS) & (X[:, _SENT_END] > 0) & prose_like


def _confidence(scores: np.ndarray, lines: list[str], cut: float) -> float:
    """Mean distance of each score from the cut, scaled to [0, 1] and weighted by the line's
    length: a document of long lines the model is unsure about is a document to review."""
    if len(scores) == 0:
        return 1.0
    margin = np.where(scores >= cut, (scores - cut) / max(1e-9, 1 - cut), (cut - scores) / max(1e-9, cut))
    weights = np.array([min(len(line), 400) for line in lines], dtype=np.float64)
    return round(float(np.average(margin, weights=weights)), 3)


_DIGIT_RE = re.compile(r"\d")


def shape_reason(line: str) -> str:
    """The audit's reason for a line the model removed, from its shape alone: a link or handle, a
    counter (numbers in a few words), navigation (one to three words) or other page chrome."""
    if F._URL_RE.search(line) or F._HANDLE_RE.search(line) or F._DOMAIN_RE.search(line):
        return "link"
    words = len(line.split())
    if words <= 8 and _DIGIT_RE.search(line):
        return "counter"
    if words <= 3:
        return "navigation"
    return "chrome"
