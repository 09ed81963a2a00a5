"""Re-create the shipped HTML block model, byte for byte.

    python -m benchmarks.linemodel.html_blocks    # writes cleaner/strip/linemodel/weights/html_blocks.npz, prints sha256

Recipe: every real page of ../shared/data (``data.load_all``, fixed order) whose site falls in
the ``train`` part of ``data.split_of`` (fundus80 left out: it is an evaluation set), through
``cleaner.io.html.extract`` (the page's blocks beside trafilatura's decision), each block
labelled content or boilerplate by ``data.label_lines`` against the page's ground truth,
featurised by ``cleaner.strip.blockmodel.block_features`` and fitted by scikit-learn's
HistGradientBoostingClassifier with fixed settings. The two cuts (remove a kept block, take
back a dropped one) are chosen on out-of-fold scores (two folds split by site): the pair with
the best word F1 whose recall is not below the extraction's own. Needs the ``train`` extra.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass

import numpy as np

from cleaner.io.html import decode_html, extract
from cleaner.strip.blockmodel import FEATURE_NAMES, MODEL_PATH, BlockModel, block_features
from cleaner.strip.linemodel.ensemble import from_sklearn
from cleaner.strip.linemodel.train import doc_weights

from . import data as D

PARAMS = dict(max_iter=120, learning_rate=0.1, max_leaf_nodes=31, max_depth=6, min_samples_leaf=40,
              l2_regularization=1.0, max_bins=255, early_stopping=False, random_state=0)
REMOVE_CUTS = (0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 1.01)
F1_SLACK = 0.002
RESCUE_CUTS = (-0.01, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)


@dataclass
class Rows:
    X: np.ndarray
    y: np.ndarray  # 1: boilerplate
    w: np.ndarray
    words: np.ndarray
    taken: np.ndarray
    fold: np.ndarray  # 0 or 1, by site


def _fold(site: str) -> int:
    return int(hashlib.sha1(site.encode("utf-8")).hexdigest()[:8], 16) % 2


def featurise(pages: list[D.Page]) -> Rows:
    xs, ys, ws, ns, ts, fs = [], [], [], [], [], []
    for page in pages:
        if not page.html:
            continue
        try:
            ex = extract(decode_html(page.html))
        except ValueError:
            continue
        live, X = block_features(ex.blocks)
        if not live:
            continue
        ref = page.reference if not page.title else page.title + "\n" + page.reference
        labels = D.label_lines([b.text for b in ex.blocks], ref)
        y = np.array([labels[k] for k in live], dtype=np.int8)
        texts = [ex.blocks[k].text for k in live]
        xs.append(X)
        ys.append(y)
        ws.append(doc_weights(y, texts))
        ns.append(np.array([len(t.split()) for t in texts], dtype=np.float64))
        ts.append(np.array([ex.blocks[k].taken for k in live], dtype=bool))
        fs.append(np.full(len(y), _fold(page.domain), dtype=np.int8))
    return Rows(np.vstack(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(ns), np.concatenate(ts),
                np.concatenate(fs))


def _fit(X: np.ndarray, y: np.ndarray, w: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**PARAMS).fit(X, y, sample_weight=w)


def _f1(kept: np.ndarray, rows: Rows) -> tuple[float, float]:
    content = rows.y == 0
    tp = float((rows.words * (kept & content)).sum())
    precision = tp / max(1.0, float((rows.words * kept).sum()))
    recall = tp / max(1.0, float((rows.words * content).sum()))
    return 2 * precision * recall / max(1e-9, precision + recall), recall


def choose_cuts(rows: Rows, p: np.ndarray) -> tuple[float, float]:
    """The (remove, rescue) pair whose recall is not below the extraction's and whose word F1 is
    within ``F1_SLACK`` of the best such pair's, with the fewest boilerplate blocks kept: word F1
    hardly sees a short leak ("Sign up", "Log in"), a reader sees each one."""
    _, base_recall = _f1(rows.taken, rows)
    scored = []
    for remove_at in REMOVE_CUTS:
        for rescue_at in RESCUE_CUTS:
            kept = np.where(rows.taken, p < remove_at, p <= rescue_at)
            f1, recall = _f1(kept, rows)
            if recall >= base_recall:
                scored.append((f1, int((kept & (rows.y == 1)).sum()), remove_at, rescue_at))
    best_f1 = max(s[0] for s in scored)
    _, _, remove_at, rescue_at = min((s for s in scored if s[0] >= best_f1 - F1_SLACK), key=lambda s: (s[1], -s[0]))
    return remove_at, rescue_at


def main() -> int:
    pages = [p for p in D.load_all() if p.split == "train" and p.source not in ("fundus80", "composed")]
    rows = featurise(pages)
    print(f"{len(pages)} pages, {len(rows.y)} blocks, {rows.y.mean():.3f} boilerplate", file=sys.stderr)
    oof = np.zeros(len(rows.y))
    for fold in (0, 1):
        fit_on, score = rows.fold != fold, rows.fold == fold
        oof[score] = _fit(rows.X[fit_on], rows.y[fit_on], rows.w[fit_on]).predict_proba(rows.X[score])[:, 1]
    remove_at, rescue_at = choose_cuts(rows, oof)
    print(f"extraction F1 {_f1(rows.taken, rows)}, model (out of fold) "
          f"{_f1(np.where(rows.taken, oof < remove_at, oof <= rescue_at), rows)}, cuts {remove_at} {rescue_at}",
          file=sys.stderr)
    model = BlockModel(from_sklearn(_fit(rows.X, rows.y, rows.w), FEATURE_NAMES), remove_at, rescue_at)
    model.save(MODEL_PATH)
    with open(MODEL_PATH, "rb") as fh:
        print(hashlib.sha256(fh.read()).hexdigest(), MODEL_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
