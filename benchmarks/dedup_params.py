"""Measure the dedup settings: where planted aggregator copies land, and what each banding finds.

Run: python benchmarks/dedup_params.py
Writes benchmarks/results/dedup_params.json and .md. The Config defaults were
chosen from this table before issue 15; they now come from benchmarks/dedup_real.py
(see the README, Dedup figures), and this measures bandings of the run's own LSH.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.planted import planted_pairs
from cleaner.config import Config
from cleaner.dedup.index import DedupIndex
from cleaner.dedup.minhash import jaccard, shingle_hashes, token_hashes
from cleaner.dedup.passages import PassageInput, Preparer
from cleaner.strip.text import tokens

RESULTS = Path(__file__).parent / "results"
SETTINGS = [
    # (bands, rows, threshold)
    (9, 13, 0.8), (16, 8, 0.5), (20, 6, 0.5), (25, 5, 0.5), (32, 4, 0.5), (32, 4, 0.6), (42, 3, 0.5),
]


def _root(pid: int, dup: dict) -> int:
    while pid in dup:
        pid = dup[pid][0]
    return pid


def measure(texts, truth, bands, rows, threshold):
    cfg = replace(Config(), bands=bands, rows=rows, threshold=threshold, num_perm=max(128, bands * rows))
    index, preparer = DedupIndex(cfg), Preparer(cfg)
    started = time.perf_counter()
    for i, t in enumerate(texts):
        index.add(i, preparer.prepare([PassageInput(1, tokens(t))]))  # one passage per "document"
    dup = index.decide()
    seconds = time.perf_counter() - started
    planted = {(o, c) for o, c, _ in truth}
    found = sum(1 for o, c in planted if _root(o, dup) == _root(c, dup))
    partner = {}
    for o, c in planted:
        partner[o], partner[c] = c, o
    # A reported duplicate is wrong when it is a planted passage joined to something
    # other than its partner's group. Unplanted reports are copies already present
    # in the real data (checked exactly by construction), counted apart.
    wrong = sum(1 for pid in dup if pid in partner and _root(pid, dup) != _root(partner[pid], dup))
    unplanted = sum(1 for pid in dup if pid not in partner)
    return {
        "bands": bands, "rows": rows, "threshold": threshold,
        "recall": round(found / len(planted), 4),
        "reported": len(dup), "wrong": wrong, "unplanted": unplanted,
        "precision": round(1 - wrong / max(1, len(dup) - unplanted), 4),
        "seconds": round(seconds, 2),
    }


def main() -> None:
    texts, truth = planted_pairs()
    size = Config().shingle_size
    by_kind: dict[str, list[float]] = {}
    for o, c, kind in truth:
        a = np.unique(shingle_hashes(token_hashes(tokens(texts[o])), size))
        b = np.unique(shingle_hashes(token_hashes(tokens(texts[c])), size))
        by_kind.setdefault(kind, []).append(jaccard(a, b))
    allj = [j for js in by_kind.values() for j in js]
    distribution = {
        kind: {"n": len(js), "median": round(statistics.median(js), 3), "min": round(min(js), 3)}
        for kind, js in sorted(by_kind.items())
    }
    share_08 = sum(j >= 0.8 for j in allj) / len(allj)
    share_05 = sum(j >= 0.5 for j in allj) / len(allj)
    rows = [measure(texts, truth, b, r, t) for b, r, t in SETTINGS]
    out = {
        "passages": len(texts), "planted_copies": len(truth),
        "jaccard_by_edit": distribution,
        "share_of_copies_at_or_above": {"0.8": round(share_08, 3), "0.5": round(share_05, 3)},
        "settings": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dedup_params.json").write_text(json.dumps(out, indent=2) + "\n")
    md = [
        f"Planted copies: {len(truth)} among {len(texts)} real paragraphs (fundus80 ground truth).",
        f"Word {size}-gram Jaccard of copy vs original: {share_08:.0%} reach 0.8, {share_05:.0%} reach 0.5.",
        "",
        "| edit | n | median J | min J |", "|---|---|---|---|",
        *[f"| {k} | {v['n']} | {v['median']} | {v['min']} |" for k, v in distribution.items()],
        "",
        "| bands x rows | threshold | recall | precision | reported | already in data | seconds |", "|---|---|---|---|---|---|---|",
        *[f"| {r['bands']} x {r['rows']} | {r['threshold']} | {r['recall']} | {r['precision']} | {r['reported']} | {r['unplanted']} | {r['seconds']} |"
          for r in rows],
    ]
    (RESULTS / "dedup_params.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
