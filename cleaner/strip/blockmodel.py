"""The HTML block model: prune the extraction and take back the prose it dropped, by the page's structure.

trafilatura decides what a page's main content is; ``cleaner.io.html`` lists every
visible block of the page beside its decision. This model reads each block with
what HTML says of it (its tag, depth, link share, whether it is inside <main> or
<article> or the page's chrome, how many blocks of its shape stand beside it, its
place between the blocks the extraction took) and gives the probability that it
is boilerplate. Recall first: a block the extraction kept is removed only when the
model is sure (``remove_at``), and one it dropped comes back only when the model is
sure it is text (``rescue_at``), whatever its container is named: a block of a container
the pre-pass removed by name comes back on the same terms. Related-story containers stay
moved to ``related``.

The page's confidence is how sure the model is of its blocks (the mean margin
|2p - 1|, weighted by words). When the extraction took nothing, or the confidence is
below ``LOW_CONFIDENCE``, the model's own verdicts are the route (cut 0.5 both ways;
``metadata.cleaner.extraction.route == "blocks"``).

Inference is numpy only (``linemodel.ensemble``); the recipe that fits the shipped
weights is ``benchmarks/linemodel/html_blocks.py``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..io.html import Extracted, PageBlock
from .linemodel.ensemble import Ensemble
from .linemodel.model import save_arrays

MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linemodel", "weights", "html_blocks.npz")
MODEL_REMOVAL = ("html_boilerplate", "block_model")
_TAGS = {t: k for k, t in enumerate(
    "p h1 h2 h3 h4 h5 h6 li td th dd dt blockquote pre figcaption div section article header footer nav aside".split(),
    start=1)}
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_WINDOW = 3
# Below this confidence the model's verdicts alone beat the extraction pruned by them: on 300
# wcxb-dev pages of training sites, mean page F1 0.80 against 0.75 on the 13 pages below it,
# and no better above it (0.862 against 0.863 from 0.7 to 0.8).
LOW_CONFIDENCE = 0.7
_DIGIT_RE = re.compile(r"\d")
_CAPITALISED_RE = re.compile(r"(?:^|\s)[A-ZÀ-ÞΑ-ΩА-Я]")  # a word that starts with a capital letter
FEATURE_NAMES = [
    "log_words", "log_chars", "sentence_end", "commas_per_word", "digit_share", "capital_share",
    "link_share", "tag", "depth", "in_main", "in_chrome", "log_siblings", "code",
    "taken", "prev_taken", "next_taken", "window_taken", "in_taken_span", "distance_to_taken",
    "prev_log_words", "next_log_words", "position", "page_taken_share", "page_log_blocks", "named_container",
]
# What the model may take back: blocks the extraction dropped, and blocks of containers named as furniture.
_RESCUABLE = ("html_boilerplate", "html_furniture")


def _text_columns(b: PageBlock) -> list[float]:
    text = b.text
    words = text.split()
    n = max(1, len(words))
    return [
        math.log1p(len(words)), math.log1p(len(text)), float(bool(_SENTENCE_END.search(text))),
        text.count(",") / n, len(_DIGIT_RE.findall(text)) / max(1, len(text)),
        len(_CAPITALISED_RE.findall(text)) / n,
        b.link_share, float(_TAGS.get(b.tag, 0)), float(b.depth), float(b.in_main), float(b.in_chrome),
        math.log1p(b.siblings), float(b.code),
    ]


def block_features(blocks: list[PageBlock]) -> tuple[list[int], np.ndarray]:
    """The blocks the model judges (all but those of related-story containers) and their feature rows."""
    live = [k for k, b in enumerate(blocks) if b.removed is None or b.removed[0] in _RESCUABLE]
    if not live:
        return [], np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    taken = np.array([blocks[k].taken for k in live], dtype=np.float64)
    words = np.array([math.log1p(len(blocks[k].text.split())) for k in live])
    n = len(live)
    where = np.flatnonzero(taken)
    first, last = (where[0], where[-1]) if len(where) else (n, -1)
    idx = np.arange(n)
    if len(where):
        distance = np.abs(idx[:, None] - where[None, :]).min(axis=1)
    else:
        distance = np.full(n, 99)
    cum = np.r_[0, np.cumsum(taken)]
    lo, hi = np.maximum(0, idx - _WINDOW), np.minimum(n, idx + _WINDOW + 1)
    raw_words = np.array([len(blocks[k].text.split()) for k in live], dtype=np.float64)
    page_share = float((raw_words * taken).sum() / max(1.0, raw_words.sum()))
    context = np.column_stack([
        taken, np.r_[0, taken[:-1]], np.r_[taken[1:], 0], (cum[hi] - cum[lo]) / (hi - lo),
        ((idx >= first) & (idx <= last)).astype(np.float64), np.minimum(distance, 10),
        np.r_[0, words[:-1]], np.r_[words[1:], 0], idx / max(1, n - 1),
        np.full(n, page_share), np.full(n, math.log1p(n)),
        np.array([blocks[k].removed is not None for k in live], dtype=np.float64),
    ])
    text = np.array([_text_columns(blocks[k]) for k in live], dtype=np.float64)
    return live, np.hstack([text, context]).astype(np.float32)


@dataclass
class BlockModel:
    ensemble: Ensemble
    remove_at: float  # a kept block goes at this boilerplate probability or above
    rescue_at: float  # a dropped block comes back at this probability or below

    def save(self, path: str | os.PathLike) -> None:
        arrays = self.ensemble.arrays("b_")
        arrays["cuts"] = np.array([self.remove_at, self.rescue_at])
        save_arrays(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> BlockModel:
        with np.load(path or MODEL_PATH, allow_pickle=False) as z:
            ensemble = Ensemble.from_arrays(z, "b_")
            cuts = z["cuts"]
        if ensemble.names != FEATURE_NAMES:
            raise ValueError("block model was trained on a different feature layout")
        return cls(ensemble, float(cuts[0]), float(cuts[1]))


@lru_cache(maxsize=1)
def shipped_model() -> BlockModel | None:
    """The model in the package (None when it is not there: the extraction then stands as it is)."""
    return BlockModel.load() if os.path.exists(MODEL_PATH) else None


def prune(extracted: Extracted, model: BlockModel | None = None) -> dict:
    """Apply the model to ``extracted`` in place: remove the kept blocks it is sure are boilerplate,
    take back the dropped ones it is sure are text. Returns what ``metadata.cleaner.extraction`` says."""
    model = model or shipped_model()
    live, X = block_features(extracted.blocks)
    if model is None or not live:
        return {"route": "extraction", "confidence": None}
    p = model.ensemble.predict_proba(X)
    words = np.array([len(extracted.blocks[k].text.split()) for k in live], dtype=np.float64)
    confidence = float((np.abs(2 * p - 1) * words).sum() / max(1.0, words.sum()))
    line_of = {k: line for line, k in enumerate(extracted.source) if k is not None}
    # With nothing taken the extraction has no opinion, and on a page the model is unsure of the
    # extraction is often wrong too: the model's own verdicts are the route there.
    follow = any(extracted.blocks[k].taken for k in live) and confidence >= LOW_CONFIDENCE
    remove_at, rescue_at = (model.remove_at, model.rescue_at) if follow else (0.5, 0.5)
    for k, prob in zip(live, p.tolist()):
        line = line_of.get(k)
        if line is None:
            continue
        verdict = extracted.removed.get(line)
        if verdict is None and prob >= remove_at and not extracted.blocks[k].code:
            extracted.removed[line] = MODEL_REMOVAL
        elif verdict is not None and verdict[0] in _RESCUABLE and prob <= rescue_at:
            del extracted.removed[line]
    return {"route": "extraction" if follow else "blocks", "confidence": round(confidence, 3)}
