"""A document's passages made ready for the index, in whichever process reads the document.

``Preparer.prepare`` hashes the passages' tokens, signs the long ones (MinHash
over word n-grams, band keys), keys the short ones by their normalised text, and
checks pairs inside the document; ``DedupIndex.add`` then only appends arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from ..hashing import key_hash
from . import kernels
from .lsh import band_keys
from .minhash import permutations


@dataclass
class PassageInput:
    line: int
    tokens: list[str]
    pinned: bool = False  # a title: other passages may be its copies, it is never removed
    # Ends with a full stop: "No one was injured." in two unrelated stories is not a copied passage.
    sentence: bool = False
    # The tokens joined by spaces: the normalised text that is hashed and encoded (joined once).
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text:
            self.text = " ".join(self.tokens)


@dataclass
class PreparedDoc:
    """One document's passages, hashed and signed, ready to be appended to the index."""

    lines: list[int]
    words: list[int]
    pinned: list[bool]
    keys: list[int]
    minhash: list[int] = field(default_factory=list)  # local indices of the MinHash-tier passages
    # Their shingle sets, one after another (one array: cheap to send between processes).
    set_values: np.ndarray | None = None
    set_sizes: np.ndarray | None = None
    bands: np.ndarray | None = None  # their band keys, (len(minhash), bands)
    exact: list[int] = field(default_factory=list)  # local indices of the exact-tier passages
    doc_links: list[tuple[int, int, float]] = field(default_factory=list)  # checked in-document pairs


class Preparer:
    """Per-process state for ``prepare``: the settings and the permutations."""

    def __init__(self, config: Config):
        self.config = config
        self.perms = permutations(config.num_perm, config.seed)

    def prepare(self, passages: list[PassageInput]) -> PreparedDoc:
        cfg = self.config
        doc = PreparedDoc(lines=[p.line for p in passages], words=[len(p.tokens) for p in passages],
                          pinned=[p.pinned for p in passages],
                          keys=[key_hash(p.text) for p in passages])
        if not passages:
            return doc
        tok, offsets = kernels.token_hashes(kernels.encode_texts([p.text for p in passages]), len(passages))
        in_doc = []
        for i, p in enumerate(passages):
            n = len(p.tokens)
            if n >= cfg.minhash_min_words:
                doc.minhash.append(i)  # shingle sets stored sorted and unique, ready for the checks
            elif n >= cfg.exact_min_words and not p.sentence:
                doc.exact.append(i)
            if cfg.doc_min_words <= n <= cfg.doc_max_words and not p.pinned:
                in_doc.append(i)
        if doc.minhash:
            values, voff = kernels.shingle_sets(tok, offsets, cfg.shingle_size)
            chosen = np.asarray(doc.minhash)
            doc.set_sizes = (voff[chosen + 1] - voff[chosen]).astype(np.int64)
            doc.set_values = np.concatenate([values[voff[i] : voff[i + 1]] for i in doc.minhash])
            sig = kernels.signatures(values, voff, *self.perms)[doc.minhash]
            doc.bands = band_keys(sig, cfg.bands, cfg.rows)
        doc_sets = []
        if len(in_doc) > 1:
            grams, goff = kernels.shingle_sets(tok, offsets, cfg.doc_shingle_size)
            doc_sets = [(i, grams[goff[i] : goff[i + 1]]) for i in in_doc]
        if len(doc_sets) > 1:
            doc.doc_links = _similar_pairs(doc_sets, cfg.doc_threshold)
        return doc


def _similar_pairs(sets: list[tuple[int, np.ndarray]], threshold: float) -> list[tuple[int, int, float]]:
    """Pairs of sets with Jaccard >= threshold, from one sort of all their members.

    A page's paragraphs share few 3-grams, so counting the shared values at once
    is much cheaper than intersecting every pair.
    """
    labels = np.concatenate([np.full(s.size, k, dtype=np.int64) for k, (_, s) in enumerate(sets)])
    values = np.concatenate([s for _, s in sets])
    order = np.lexsort((labels, values))
    values, labels = values[order], labels[order]
    same = np.flatnonzero(values[1:] == values[:-1])
    if same.size == 0:
        return []
    n = len(sets)
    codes = []
    # A value shared by several sets: every pair of them shares it (runs are short).
    run_starts = same[np.r_[True, np.diff(same) > 1]]
    for start in run_starts.tolist():
        end = start + 1
        while end < values.size and values[end] == values[start]:
            end += 1
        members = labels[start:end]
        for x in range(members.size):
            codes.append(members[x] * n + members[x + 1 :])
    pair_codes, shared = np.unique(np.concatenate(codes), return_counts=True)
    sizes = np.array([s.size for _, s in sets])
    out = []
    for code, inter in zip(pair_codes.tolist(), shared.tolist()):
        x, y = divmod(code, n)
        sim = inter / (sizes[x] + sizes[y] - inter)
        if sim >= threshold:
            out.append((sets[x][0], sets[y][0], sim))
    return out
