"""A gradient-boosted tree ensemble as flat arrays: inference without scikit-learn.

scikit-learn's HistGradientBoostingClassifier fits the trees at training time
(``train.py``, the ``train`` extra); ``from_sklearn`` exports them to arrays that
``np.savez`` stores and ``Ensemble.raw`` walks, row by row, in one compiled loop.
"""

from __future__ import annotations

import numpy as np

from . import kernels


class Ensemble:
    """A binary gradient-boosted tree ensemble as flat arrays (exported from scikit-learn)."""

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                 value: np.ndarray, baseline: float, depth: int, names: list[str]):
        self.feature = feature.astype(np.int64)  # (trees, nodes); leaves point at themselves
        self.thr = threshold.astype(np.float64)
        self.left = left.astype(np.int64)
        self.right = right.astype(np.int64)
        self.value = value.astype(np.float64)
        self.baseline = float(baseline)
        self.depth = int(depth)
        self.names = list(names)

    def arrays(self, prefix: str) -> dict:
        return {
            prefix + "feature": self.feature.astype(np.int16), prefix + "threshold": self.thr,
            prefix + "left": self.left.astype(np.int16), prefix + "right": self.right.astype(np.int16),
            prefix + "value": self.value, prefix + "meta": np.array([self.baseline, self.depth], dtype=np.float64),
            prefix + "names": np.array("\n".join(self.names)),
        }

    @classmethod
    def from_arrays(cls, z, prefix: str) -> Ensemble:
        meta = z[prefix + "meta"]
        return cls(z[prefix + "feature"], z[prefix + "threshold"], z[prefix + "left"], z[prefix + "right"],
                   z[prefix + "value"], meta[0], int(meta[1]), str(z[prefix + "names"]).split("\n"))

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Each row's log-odds: the baseline plus the leaf value of every tree."""
        if X.shape[0] == 0:
            return np.zeros(0)
        return kernels.ensemble_raw(np.ascontiguousarray(X, dtype=np.float32), self.feature, self.thr, self.left,
                                    self.right, self.value, self.baseline, self.depth)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw(X)))


def from_sklearn(clf, names: list[str]) -> Ensemble:
    """Export a fitted HistGradientBoostingClassifier (binary) to flat arrays."""
    trees = [pred[0].nodes for pred in clf._predictors]
    M = max(len(t) for t in trees)
    T = len(trees)
    feature = np.zeros((T, M), dtype=np.int64)
    thr = np.zeros((T, M), dtype=np.float64)
    left = np.zeros((T, M), dtype=np.int64)
    right = np.zeros((T, M), dtype=np.int64)
    value = np.zeros((T, M), dtype=np.float64)
    depth = 0
    for t, nodes in enumerate(trees):
        for i, nd in enumerate(nodes):
            if nd["is_leaf"]:
                feature[t, i] = 0
                thr[t, i] = np.inf
                left[t, i] = right[t, i] = i
                value[t, i] = nd["value"]
            else:
                if nd["is_categorical"]:
                    raise ValueError("categorical splits are not exported")
                feature[t, i] = nd["feature_idx"]
                thr[t, i] = nd["num_threshold"]
                left[t, i] = nd["left"]
                right[t, i] = nd["right"]
            depth = max(depth, int(nd["depth"]))
        for i in range(len(nodes), M):
            left[t, i] = right[t, i] = i
            thr[t, i] = np.inf
    baseline = float(np.ravel(clf._baseline_prediction)[0])
    return Ensemble(feature, thr, left, right, value, baseline, depth, names)
