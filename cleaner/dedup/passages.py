"""A document's passages made ready for the index, in whichever process reads the document.

``Preparer.prepare`` hashes the passages' tokens into token ids, computes each
one's lookup keys and checks pairs inside the document; ``DedupIndex.add`` then
only appends arrays. A passage's keys (all salted by kind, so kinds never meet):

- its normalised text (equal text, any length from ``exact_min_words``);
- LSH band keys of a MinHash over its words and word pairs, for passages of
  5 to ``short_max_words`` words: one word changed in a seven-word headline
  leaves most of its words and pairs, where few of its 5-grams survive;
- LSH band keys of a MinHash over its word pairs, from ``long_min_words`` words:
  10% of the words changed still leaves two thirds of the pairs. The two kinds
  overlap in length, so copies a few words longer or shorter still meet;
- its first and its last ``edge_words`` words, from ``edge_min_words``, and its
  first four words: a copy cut short (or a paragraph split in two) shares its
  start or its end with the whole, whatever its Jaccard;
- the first four words of each of its later sentences, under the same salt as a
  passage's first four: a paragraph that joins several kept ones (or sentences
  of them) finds each piece, and a piece finds the paragraph that holds it,
  however short the piece and whatever the paragraph boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from ..hashing import key_hash
from . import kernels
from .minhash import permutations

# Salts of the kinds of key (any distinct 64-bit constants).
_EXACT, _SHORT, _LONG, _HEAD, _TAIL, _START = (np.uint64(0x9E3779B97F4A7C15 * k % (1 << 64)) for k in range(1, 7))
_SALTS = np.array([_EXACT, _SHORT, _LONG, _START, _HEAD, _TAIL], dtype=np.uint64)  # kernels.passage_keys' kinds
# A passage's first this many words are a key of their own: a copy cut very short ("How
# small businesses can launch…") has no other key in common with the whole, and a heading
# of four words joined to its paragraph ("The Role of Repetition Learning requires ...")
# none with the joined paragraph.
_START_WORDS = 4
_ID_MASK = np.uint64(0x7FFFFFFF)
_FLAG = np.uint32(0x80000000)
# A passage cut short by its source ends with one of these: its complete twin is kept before it.
_CUT_MARKS = ("…", "...", "[...]", "[…]", "(...)")


@dataclass
class PassageInput:
    line: int
    tokens: list[str]
    pinned: bool = False  # a title: other passages may be its copies, it is never removed
    # Ends with a full stop: "No one was injured." in two unrelated stories is not a copied passage.
    sentence: bool = False
    # The tokens joined by spaces: the normalised text that is hashed and encoded (joined once).
    text: str = ""
    # Per token, whether it names or counts something (see ``walk``); empty: none known.
    names: list[bool] = field(default_factory=list)
    cut: bool = False  # ends with "…" or "[...]": a copy cut short
    # Where its sentences after the first begin, in tokens (``strip.text.marks``).
    starts: list[int] = field(default_factory=list)
    # Its sentences can be cut from its line as spans (``strip.text.sentence_spans``).
    divisible: bool = False

    def __post_init__(self) -> None:
        if not self.text:
            self.text = " ".join(self.tokens)


def cut_short(text: str) -> bool:
    """Whether a line ends the way a copy cut short does."""
    return text.rstrip().endswith(_CUT_MARKS)


@dataclass
class PreparedDoc:
    """One document's passages, hashed and keyed, ready to be appended to the index."""

    lines: list[int]
    words: list[int]
    pinned: list[bool]
    keys: list[int]  # the normalised text's hash (also the furniture pass's key)
    cut: list[bool] = field(default_factory=list)
    context: list[bool] = field(default_factory=list)  # a copy only inside a related document
    # Every passage's token ids, one after another, and how many each has.
    tok_ids: np.ndarray | None = None
    tok_sizes: np.ndarray | None = None
    # Every passage's lookup keys, one after another, and how many each has (0: not deduplicated).
    lookup: np.ndarray | None = None
    lookup_sizes: np.ndarray | None = None
    doc_links: list[tuple[int, int, float]] = field(default_factory=list)  # checked in-document pairs
    # Where each passage's sentences after the first begin, in tokens (``PassageInput.starts``).
    starts: list[list[int]] = field(default_factory=list)
    divisible: list[bool] = field(default_factory=list)  # ``PassageInput.divisible``
    rank: int = 0  # the document's place in source_priority (``config.source_rank``)


class Preparer:
    """Per-process state for ``prepare``: the settings and the permutations."""

    def __init__(self, config: Config):
        self.config = config
        a, b = permutations(config.num_perm, config.seed)
        self.perms = (a[: config.bands * config.rows], b[: config.bands * config.rows])

    def deduplicated(self, p: PassageInput) -> bool:
        """Whether a passage is a copy wherever its twin is: a few words ("Summary") or a short
        sentence ("No one was injured.") in two documents is no copied passage by itself."""
        n = len(p.tokens)
        return n >= self.config.exact_min_words and (p.pinned or not p.sentence or n >= self.config.minhash_min_words)

    def in_context(self, p: PassageInput) -> bool:
        """Whether a passage that is no copy by itself is one inside a document already found a
        copy of another (``walk``): there "No one was injured." is the same story's sentence."""
        return not self.deduplicated(p) and len(p.tokens) >= 2

    def prepare(self, passages: list[PassageInput]) -> PreparedDoc:
        doc = PreparedDoc(lines=[p.line for p in passages], words=[len(p.tokens) for p in passages],
                          pinned=[p.pinned for p in passages], keys=[key_hash(p.text) for p in passages],
                          cut=[p.cut for p in passages], context=[self.in_context(p) for p in passages],
                          starts=[p.starts for p in passages], divisible=[p.divisible for p in passages])
        if not passages:
            return doc
        tok, offsets = kernels.token_hashes(kernels.encode_texts([p.text for p in passages]), len(passages))
        doc.tok_ids, doc.tok_sizes = token_ids(tok, passages), np.diff(offsets)
        doc.lookup, doc.lookup_sizes = self._lookup_keys(passages, tok, offsets, doc.keys)
        doc.doc_links = self._in_document(passages, tok, offsets)
        return doc

    def _lookup_keys(self, passages, tok, offsets, text_keys) -> tuple[np.ndarray, np.ndarray]:
        """Every passage's keys (module docstring), flat, and how many each has: the kinds each
        passage takes, then one compiled pass (``kernels.passage_keys``) that makes them."""
        cfg = self.config
        n = np.diff(offsets)
        walked = np.array([self.deduplicated(p) or self.in_context(p) for p in passages], dtype=bool)
        kinds = np.stack([
            walked,
            walked & (n >= 5) & (n < cfg.short_max_words),
            walked & (n >= cfg.long_min_words),
            walked & (n >= _START_WORDS),
            walked & (n >= cfg.edge_min_words),
            walked & (n >= cfg.edge_min_words),
        ], axis=1)
        # A later sentence is a piece another copy may hold alone: it needs _START_WORDS
        # words to the passage's end, as a passage needs them for its own key.
        owner, first = [], []
        for i, p in enumerate(passages):
            if walked[i]:
                for s in p.starts:
                    if n[i] - s >= _START_WORDS:
                        owner.append(i)
                        first.append(offsets[i] + s)
        return kernels.passage_keys(tok, offsets, np.asarray(text_keys, dtype=np.uint64), kinds, *self.perms,
                                    cfg.bands, cfg.rows, _START_WORDS, cfg.edge_words,
                                    np.asarray(owner, dtype=np.int64), np.asarray(first, dtype=np.int64), _SALTS)

    def _in_document(self, passages, tok, offsets) -> list[tuple[int, int, float]]:
        cfg = self.config
        in_doc = [i for i, p in enumerate(passages)
                  if cfg.doc_min_words <= len(p.tokens) <= cfg.doc_max_words and not p.pinned]
        if len(in_doc) < 2:
            return []
        grams, goff = kernels.shingle_sets(tok, offsets, cfg.doc_shingle_size)
        pairs = _similar_pairs([(i, grams[goff[i] : goff[i + 1]]) for i in in_doc], cfg.doc_threshold)
        # One page's paragraphs in one template ("IVPN accepts ..." / "Mullvad accepts ...") are
        # two facts: a looser copy than syndication makes still names nothing of its own.
        return [(i, j, sim) for i, j, sim in pairs if not _names_apart(passages[i], passages[j])]


def _names_apart(a: PassageInput, b: PassageInput) -> bool:
    """``walk.names_apart`` of two passages of one document, from their tokens and name flags."""
    def own(x: PassageInput, y: PassageInput) -> bool:
        other = set(y.tokens)
        return any(flag and t not in other for t, flag in zip(x.tokens, x.names))
    return own(a, b) and own(b, a)


def token_ids(tok: np.ndarray, passages: list[PassageInput]) -> np.ndarray:
    """The walk's token ids: the low 31 bits of each token's hash, the top bit on a token that names or counts."""
    ids = (tok & _ID_MASK).astype(np.uint32)
    at = 0
    for p in passages:
        if p.names:
            flagged = np.flatnonzero(np.asarray(p.names, dtype=bool)) + at
            ids[flagged] |= _FLAG
        at += len(p.tokens)
    return ids


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
