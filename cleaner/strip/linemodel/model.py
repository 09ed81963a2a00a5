"""The line model: each line's boilerplate probability from what it looks like and where it stands.

Stage 1 scores a line from its own features and its neighbours' (``features.py``);
stage 2 scores it again with the stage-1 scores of the lines around it, so that a
short line between two paragraphs of prose reads as a subheading and the same line
in a run of short lines at the top reads as navigation. Both stages are tree
ensembles fitted by ``train.py`` and shipped as ``weights/line_model.npz``.

>>> model = LineModel.load()
>>> p = model.score_lines(["Home", "News", "The council approved the budget on Tuesday after a debate "
...                        "that lasted more than six hours, officials said.", "Share"])
>>> [bool(x >= model.threshold) for x in p]
[True, True, False, True]
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from . import features as F
from . import kernels
from .ensemble import Ensemble

MODEL_PATH = Path(__file__).parent / "weights" / "line_model.npz"


STACK_NAMES = ["p1"] + [f"p1@{o:+d}" for o in (-3, -2, -1, 1, 2, 3)] + [f"p1_smooth{w}" for w in (2, 5, 12)] + [
    "log_dist_confident", "in_confident_span", "doc_mean_p1"]


def stack_features(X: np.ndarray, p1: np.ndarray, doc: np.ndarray | None = None) -> np.ndarray:
    """Stage-2 input: the line features plus the first stage's probabilities of the neighbours,
    smoothed over windows, and the distance to the nearest confidently-content line (per document)."""
    n = len(p1)
    out = np.zeros((n, len(STACK_NAMES)), dtype=np.float32)
    if doc is None or n == 0:
        starts = np.array([0] if n else [], dtype=np.int64)
    else:
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]]).astype(np.int64)
    ends = np.r_[starts[1:], n].astype(np.int64) if len(starts) else starts
    kernels.stack_columns(np.asarray(p1, dtype=np.float64), starts, ends, out, _STACK_OFFSETS, _STACK_WINDOWS,
                          _CONFIDENT_CONTENT)
    return np.hstack([np.asarray(X, dtype=np.float32), out])


_STACK_OFFSETS = np.array([-3, -2, -1, 1, 2, 3], dtype=np.int64)
_STACK_WINDOWS = np.array([2, 5, 12], dtype=np.int64)
# a stage-1 score under this is a line the model is confident is content
_CONFIDENT_CONTENT = 0.2


class LineModel:
    """Stage 1 scores each line from its features; stage 2 re-scores it with its neighbours' stage-1 scores."""

    def __init__(self, stage1: Ensemble, stage2: Ensemble | None = None, cut: float = 0.5):
        self.stage1 = stage1
        self.stage2 = stage2
        self.threshold = float(cut)
        if stage1.names != F.FEATURE_NAMES:
            raise ValueError("model was trained on a different feature layout")

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to ``path`` (whole or not at all: a temporary file beside it, renamed)."""
        arrays = self.stage1.arrays("s1_")
        if self.stage2 is not None:
            arrays.update(self.stage2.arrays("s2_"))
        arrays["cut"] = np.array([self.threshold])
        save_arrays(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> LineModel:
        with np.load(path or MODEL_PATH, allow_pickle=False) as z:
            s2 = Ensemble.from_arrays(z, "s2_") if "s2_meta" in z.files else None
            return cls(Ensemble.from_arrays(z, "s1_"), s2, float(z["cut"][0]))

    def predict_proba(self, X: np.ndarray, doc: np.ndarray | None = None) -> np.ndarray:
        """X: one document's rows (or several, with ``doc`` giving each row's document)."""
        p1 = self.stage1.predict_proba(X)
        if self.stage2 is None:
            return p1
        return self.stage2.predict_proba(stack_features(X, p1, doc))

    def score_lines(self, lines: list[str], rule_hits: list[str | None] | None = None) -> np.ndarray:
        """Boilerplate probability of each (non-empty, stripped) line of one document."""
        return self.predict_proba(F.line_features(lines, rule_hits))


def load_line_model(path: str) -> LineModel:
    """A user's model file (``cleaner train -o FILE``), with a message that names the file when it is not one."""
    try:
        return LineModel.load(path)
    except FileNotFoundError:
        raise ValueError(f"line_model: {path}: no such file") from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"line_model: {path}: not a cleaner line model ({type(exc).__name__}: {exc})") from None


def file_digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def save_arrays(path: str | os.PathLike, arrays: dict) -> None:
    """np.savez_compressed under exactly ``path`` (numpy appends ".npz" to a name without it), atomically."""
    path = os.fspath(path)
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.part")
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    os.replace(tmp, path)
