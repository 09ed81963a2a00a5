"""A gradient-boosted tree ensemble as flat arrays: inference without scikit-learn.

scikit-learn's HistGradientBoostingClassifier fits the trees at training time
(``train.py``, the ``train`` extra); ``from_sklearn`` exports them to arrays that
``np.savez`` stores. For inference each tree is laid out again as a complete binary
tree of the ensemble's depth (a node's children at 2k+1 and 2k+2, a leaf above the
last level copied into every slot under it), so that a step down is arithmetic on
the index and a comparison, with no branch to mispredict and no child to load:
``Ensemble.raw`` walks that layout in one compiled loop, with the same leaves.
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
        self._walk = complete_layout(self.feature, self.thr, self.left, self.right, self.value, self.depth)

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
        feature, thr, leaves = self._walk
        return kernels.ensemble_raw(np.ascontiguousarray(X, dtype=np.float32), feature, thr, leaves, self.baseline,
                                    self.depth)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw(X)))


# A complete tree of this depth holds 2**16 leaves: a tree fitted without max_depth (leaves
# 30 levels down) must not become a billion slots when a model file is loaded.
MAX_DEPTH = 16


def complete_layout(feature: np.ndarray, thr: np.ndarray, left: np.ndarray, right: np.ndarray, value: np.ndarray,
                    depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The trees as complete binary trees of ``depth`` levels: (split feature, threshold) of the
    2**depth - 1 inner slots and the value of the 2**depth leaf slots, per tree.

    Thresholds become float32, rounded down: the features are float32, and for a float32 x,
    x <= t holds exactly when x <= the largest float32 not above t, so every row takes the
    same path as against the float64 threshold. An inner slot under a leaf splits on
    feature 0 at +inf; both its sides lead to copies of that leaf, so where it sends a row
    does not matter.
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"trees {depth} levels deep: inference lays each out as a complete tree, so at most "
                         f"{MAX_DEPTH} levels (train with max_depth, as cleaner train does)")
    trees = feature.shape[0]
    inner, width = (1 << depth) - 1, 1 << depth
    c_feature = np.zeros((trees, max(inner, 1)), dtype=np.int32)
    c_thr = np.full((trees, max(inner, 1)), np.inf, dtype=np.float32)
    c_leaf = np.zeros((trees, width), dtype=np.float64)
    for t in range(trees):
        stack = [(0, 0, 0)]  # (node in the flat tree, slot in the complete one, level)
        while stack:
            node, slot, level = stack.pop()
            if left[t, node] == node:  # a leaf fills the leaf slots under its own
                first = ((slot + 1) << (depth - level)) - 1 - inner
                c_leaf[t, first : first + (1 << (depth - level))] = value[t, node]
                continue
            if level == depth:
                raise ValueError(f"tree {t} is deeper than the ensemble's depth {depth}")
            c_feature[t, slot] = feature[t, node]
            c_thr[t, slot] = _float32_at_most(thr[t, node])
            stack.append((int(left[t, node]), 2 * slot + 1, level + 1))
            stack.append((int(right[t, node]), 2 * slot + 2, level + 1))
    return c_feature, c_thr, c_leaf


def _float32_at_most(x: float) -> np.float32:
    """The largest float32 that is not above ``x``."""
    f = np.float32(x)
    return np.nextafter(f, np.float32(-np.inf)) if float(f) > x else f


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
