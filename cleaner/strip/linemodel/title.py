"""The article's headline among a document's lines: never a tagline, a section name or a prompt.

Candidates are lines of headline shape up to 60 lines before the first line of
body prose (and a few after it); a small tree ensemble (``weights/title_model.npz``)
scores each from its line features, its boilerplate probability, its rank among the
candidates and its distance to the prose, and the best one wins. Site chrome stands
in a run of short lines far from the prose and scores high as boilerplate, so it loses.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from . import features as F
from .ensemble import Ensemble

_SENT_END_RE = re.compile(r"[.!?。！？][\"'”’»)]*$")


TITLE_MODEL_PATH = Path(__file__).parent / "weights" / "title_model.npz"
TITLE_EXTRA = ["p_boilerplate", "log_before_body", "after_body", "p_rank", "shaped", "ends_sentence", "n_same_later"]
TITLE_NAMES = F.FEATURE_NAMES + TITLE_EXTRA


def title_candidates(lines: list[str], X: np.ndarray, p: np.ndarray, shape: np.ndarray | None = None,
                     window: int = 60, after: int = 3):
    """Candidate line indices for the headline and their feature rows (line features + title extras).
    ``shape``: ``features.document_features``' second part (computed here when None)."""
    n = len(lines)
    if shape is None:
        shape = np.array([[len(ln.split()), bool(_SENT_END_RE.search(ln))] for ln in lines], dtype=np.int64)
        shape = shape.reshape(n, len(F.SHAPE_NAMES))
    words = shape[:, 0]
    ends = shape[:, 1] > 0
    cjk = X[:, F.BASE_NAMES.index("cjk_ratio")] > 0.5
    chars = np.fromiter(map(len, lines), dtype=np.int64, count=n)
    body = ((words >= 15) & ends & ~cjk) | (cjk & (chars >= 60) & ends)
    start = int(np.flatnonzero(body)[0]) if body.any() else n
    idx = np.arange(max(0, start - window), min(n, start + after))
    shaped = np.where(cjk, (chars >= 6) & (chars <= 120), (words >= 2) & (words <= 30))
    idx = idx[shaped[idx]] if len(idx) else idx
    if len(idx) == 0:
        return idx, np.zeros((0, len(TITLE_NAMES)), dtype=np.float32)
    # How many other lines repeat each candidate: the line features' own count, undone from log1p.
    repeats = np.rint(np.expm1(X[idx, F.FEATURE_NAMES.index("log_repeat")].astype(np.float64)))
    pc = p[idx]
    rank = np.argsort(np.argsort(pc, kind="stable"), kind="stable") / max(1, len(idx) - 1)
    extra = np.stack([
        pc, np.log1p(np.maximum(start - idx, 0)), (idx >= start).astype(np.float64), rank,
        shaped[idx].astype(np.float64), ends[idx].astype(np.float64),
        repeats,
    ], axis=1)
    return idx, np.hstack([X[idx], extra.astype(np.float32)])


class TitlePicker:
    """The learned headline pick: a small tree ensemble scores each candidate; the best one wins."""

    def __init__(self, model: Ensemble):
        if model.names != TITLE_NAMES:
            raise ValueError("title model was trained on a different feature layout")
        self.model = model

    def save(self, path: str) -> None:
        from .model import save_arrays

        save_arrays(path, self.model.arrays("t_"))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> TitlePicker:
        with np.load(path or TITLE_MODEL_PATH, allow_pickle=False) as z:
            return cls(Ensemble.from_arrays(z, "t_"))

    def pick(self, lines: list[str], X: np.ndarray, p: np.ndarray, shape: np.ndarray | None = None) -> int | None:
        idx, T = title_candidates(lines, X, p, shape)
        if len(idx) == 0:
            return None
        s = self.model.raw(T)
        # The headline stands before the body: a line after the first paragraph is a subheading.
        s = np.where(T[:, len(F.FEATURE_NAMES) + TITLE_EXTRA.index("after_body")] > 0, -np.inf, s)
        j = int(np.argmax(s))
        return int(idx[j]) if s[j] > -4.0 else None
