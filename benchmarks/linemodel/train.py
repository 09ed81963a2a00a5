"""Re-create the shipped line model and headline model, byte for byte.

    python -m benchmarks.linemodel.train          # writes cleaner/strip/linemodel/weights/*.npz, prints sha256

Recipe: every real page of ../shared/data (``data.load_all``, fixed order) whose site
falls in the ``train`` part of ``data.split_of``, plus 900 aggregator-like dumps composed
from those pages' real lines (seed 14), featurised by ``cleaner.strip.linemodel.features``
and fitted by ``cleaner.strip.linemodel.train.fit`` (scikit-learn, fixed settings).
About 20 minutes on 2 cores; needs the ``train`` extra.
"""

from __future__ import annotations

import hashlib
import os
import sys

import numpy as np

from cleaner.strip.linemodel import features as F
from cleaner.strip.linemodel.ensemble import from_sklearn
from cleaner.strip.linemodel.model import MODEL_PATH, LineModel
from cleaner.strip.linemodel.title import TITLE_MODEL_PATH, TITLE_NAMES, TitlePicker, title_candidates
from cleaner.strip.linemodel.train import LabelledDocument, featurise, fit

from . import data as D

SEED = 14
N_COMPOSED_TRAIN = 900
N_COMPOSED_HELDOUT = 300
TITLE_PARAMS = dict(max_iter=120, learning_rate=0.1, max_leaf_nodes=15, max_depth=5, min_samples_leaf=20,
                    l2_regularization=1.0, early_stopping=False, random_state=0)


def datasets() -> tuple[list[D.Page], list[D.Page], list[D.Page], list[D.Page]]:
    """(train pages, held-out pages, composed train dumps, composed held-out dumps)."""
    pages = D.load_all()
    train = [p for p in pages if p.split == "train"]
    held = [p for p in pages if p.split == "heldout"]
    comp_train = D.compose_dumps(pages, N_COMPOSED_TRAIN, SEED, "train")
    comp_held = D.compose_dumps(pages, N_COMPOSED_HELDOUT, SEED + 1, "heldout")
    return train, held, comp_train, comp_held


def as_labelled(pages: list[D.Page]) -> list[LabelledDocument]:
    return [LabelledDocument(p.id, p.domain, p.lines, p.labels) for p in pages]


def same_title(line: str, title: str) -> bool:
    """A line is the headline when its tokens and the title's overlap by 80% both ways."""
    c = D.is_cjk(title)
    lt, tt = set(D.tokens(line, c)), set(D.tokens(title, c))
    if not lt or not tt:
        return False
    common = len(lt & tt)
    return common / len(tt) >= 0.8 and common / len(lt) >= 0.8


def title_dataset(pages: list[D.Page], model: LineModel) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for pg in pages:
        if not pg.title or pg.source == "composed":
            continue
        X = F.line_features(pg.lines)
        p = model.predict_proba(X)
        idx, T = title_candidates(pg.lines, X, p)
        if len(idx) == 0:
            continue
        y = np.array([same_title(pg.lines[i], pg.title) for i in idx], dtype=np.int8)
        if not y.any():
            continue  # the headline is not among the candidates: nothing to learn from this page
        xs.append(T)
        ys.append(y)
    return np.vstack(xs), np.concatenate(ys)


def main() -> int:
    from sklearn.ensemble import HistGradientBoostingClassifier

    train, _, comp_train, _ = datasets()
    docs = as_labelled(train + comp_train)
    X, y, w, doc = featurise(docs)
    model = fit(X, y, w, doc, [d.site for d in docs])
    model.save(MODEL_PATH)
    Xt, yt = title_dataset(train, model)
    picker = TitlePicker(from_sklearn(HistGradientBoostingClassifier(**TITLE_PARAMS).fit(Xt, yt), TITLE_NAMES))
    picker.save(TITLE_MODEL_PATH)
    for path in (MODEL_PATH, TITLE_MODEL_PATH):
        with open(path, "rb") as fh:
            print(path, os.path.getsize(path), "bytes sha256", hashlib.sha256(fh.read()).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
