"""Fit a line model from labelled lines: the shipped model's recipe and ``cleaner train`` share it.

Label format (JSONL, one line of a dump per row; rows of a document sorted by ``line``):

    {"doc": "a1", "line": 7, "text": "12 upvotes · 3 replies", "label": "boilerplate"}
    {"doc": "a1", "line": 8, "text": "The council voted on Tuesday ...", "label": "content"}

``label`` is "content" or "boilerplate"; ``site`` (optional) names the document's site, so that
the second stage learns from first-stage scores as they are on sites it was not fitted on.
scikit-learn's HistGradientBoostingClassifier fits the trees with fixed settings (no early
stopping, no subsampling, random_state 0): the same labels give the same model, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass

import numpy as np

from . import features as F
from .ensemble import from_sklearn
from .model import STACK_NAMES, LineModel, stack_features

PARAMS = dict(max_iter=150, learning_rate=0.1, max_leaf_nodes=31, max_depth=6, min_samples_leaf=40,
              l2_regularization=1.0, max_bins=255, early_stopping=False, random_state=0)
FOLDS = 3
CUT = 0.5


class LabelError(ValueError):
    """A labels file that cannot be read: the message names the file and the line."""


@dataclass
class LabelledDocument:
    doc_id: str
    site: str
    lines: list[str]
    labels: list[int]  # 1: boilerplate, 0: content


def doc_weights(labels: np.ndarray, lines: list[str]) -> np.ndarray:
    """Each document weighs about the same whatever its length; content lines weigh by their length
    (recall is counted in tokens), boilerplate lines one each (leaks are counted in lines)."""
    n = len(labels)
    words = np.array([max(1, len(line.split())) for line in lines], dtype=np.float64)
    w = np.where(labels == 0, np.minimum(1.0 + np.log1p(words) / 2, 3.0), 1.0)
    return w * (50.0 / max(50.0, n)) ** 0.5


def featurise(documents: list[LabelledDocument]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, weights, document index of each row)."""
    xs, ys, ws, docs = [], [], [], []
    for k, d in enumerate(documents):
        y = np.array(d.labels, dtype=np.int8)
        xs.append(F.line_features(d.lines))
        ys.append(y)
        ws.append(doc_weights(y, d.lines))
        docs.append(np.full(len(y), k, dtype=np.int32))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(docs)


def _hgb(X: np.ndarray, y: np.ndarray, w: np.ndarray, params: dict):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**params).fit(X, y, sample_weight=w)


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, doc: np.ndarray, sites: list[str],
        params: dict | None = None, cut: float = CUT, stacked: bool = True) -> LineModel:
    """Stage 1 on the line features; stage 2 on them plus out-of-fold stage-1 scores of the neighbours.

    ``sites[k]`` is document k's site: the out-of-fold scores come from folds split by site
    (sha1, never Python's hash()), so stage 2 sees stage-1 scores as they are on unseen sites.
    """
    params = params or PARAMS
    s1 = from_sklearn(_hgb(X, y, w, params), F.FEATURE_NAMES)
    if not stacked:
        return LineModel(s1, None, cut)
    fold_of_doc = np.array([int(hashlib.sha1(s.lower().encode()).hexdigest()[8:16], 16) % FOLDS for s in sites])
    fold = fold_of_doc[doc]
    oof = np.zeros(len(y))
    for f in range(FOLDS):
        tr, te = fold != f, fold == f
        if tr.sum() == 0 or te.sum() == 0 or len(set(y[tr].tolist())) < 2:
            oof[te] = s1.predict_proba(X[te])
            continue
        oof[te] = from_sklearn(_hgb(X[tr], y[tr], w[tr], params), F.FEATURE_NAMES).predict_proba(X[te])
    s2 = from_sklearn(_hgb(stack_features(X, oof, doc), y, w, params), F.FEATURE_NAMES + STACK_NAMES)
    return LineModel(s1, s2, cut)


def _label_row(raw: str, where: str) -> tuple[str, str, int, str, int] | None:
    """(doc, site, line, text, label) of one JSONL row, or None for an empty line or text."""
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LabelError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise LabelError(f"{where}: a row must be a JSON object")
    label = row.get("label")
    if label not in ("content", "boilerplate"):
        raise LabelError(f"{where}: label must be 'content' or 'boilerplate', not {label!r}")
    text = " ".join(str(row.get("text", "")).split())
    if not text:
        return None
    line = row.get("line", 0)
    if isinstance(line, bool) or not isinstance(line, int):
        raise LabelError(f"{where}: line must be an integer, not {line!r}")
    doc = str(row.get("doc", ""))
    return doc, str(row.get("site", doc)), line, text, int(label == "boilerplate")


def read_labels(path: str) -> list[LabelledDocument]:
    """The documents of a labels file ("-": stdin), sorted by id, their lines by number."""
    rows: dict[str, list[tuple[int, int, str, int]]] = {}
    sites: dict[str, str] = {}
    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise LabelError(f"{path}: {exc.strerror or exc}") from None
    try:
        for number, raw in enumerate(fh, 1):
            if raw.strip():
                row = _label_row(raw, f"{path}:{number}")
                if row is not None:
                    doc, site, line, text, label = row
                    sites.setdefault(doc, site)
                    rows.setdefault(doc, []).append((line, number, text, label))
    except UnicodeDecodeError as exc:
        raise LabelError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    finally:
        if fh is not sys.stdin:
            fh.close()
    docs = []
    for doc in sorted(rows):
        ordered = sorted(rows[doc])
        docs.append(LabelledDocument(doc, sites[doc], [r[2] for r in ordered], [r[3] for r in ordered]))
    return docs


def train_from_labels(documents: list[LabelledDocument]) -> tuple[LineModel, dict]:
    """A model fitted on the user's documents, and what it was fitted on."""
    if not documents:
        raise LabelError("no labelled lines")
    X, y, w, doc = featurise(documents)
    if len(set(y.tolist())) < 2:
        raise LabelError("the labels need both content and boilerplate lines")
    params = dict(PARAMS)
    if len(y) < 5000:  # a few hundred lines: fewer, broader leaves than the shipped recipe's
        params.update(max_iter=100, min_samples_leaf=max(5, len(y) // 200))
    model = fit(X, y, w, doc, [d.site for d in documents], params, stacked=len(documents) >= 2 * FOLDS)
    figures = {"documents": len(documents), "lines": len(y), "boilerplate": int(y.sum())}
    return model, figures
