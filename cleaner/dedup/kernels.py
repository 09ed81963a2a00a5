"""Compiled kernels (numba) for the hot path: token hashes, n-gram hashes, signatures, sets.

Each kernel computes exactly what the numpy and pure-Python reference functions
in ``minhash.py`` compute (tests/test_dedup.py checks them against each other
and against datasketch); they exist because tokens to signatures is the hot path
of a run, and a fused loop avoids the num_perm x n matrices numpy needs.

Passages travel as one UTF-8 buffer: tokens separated by a space, passages by a
newline (a token holds neither), so one ``str.encode`` call feeds a whole batch.
"""

from __future__ import annotations

import numpy as np

from ..jit import kernel

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_LOW32 = np.uint64(0xFFFFFFFF)


@kernel(nogil=True)
def token_hashes(buf: np.ndarray, n_passages: int):
    """FNV-1a 64 of each token's bytes; returns (hashes, token offsets per passage)."""
    hashes = np.empty(buf.size // 2 + 1, dtype=np.uint64)
    offsets = np.zeros(n_passages + 1, dtype=np.int64)
    n = 0
    p = 0
    h = _FNV_OFFSET
    in_token = False
    for i in range(buf.size):
        c = buf[i]
        if c == 32 or c == 10:  # space ends a token, newline a passage
            if in_token:
                hashes[n] = h
                n += 1
                in_token = False
            if c == 10:
                p += 1
                offsets[p] = n
        else:
            if not in_token:
                h = _FNV_OFFSET
                in_token = True
            h = (h ^ np.uint64(c)) * _FNV_PRIME
    if in_token:
        hashes[n] = h
        n += 1
    p += 1
    offsets[p] = n
    return hashes[:n], offsets


@kernel(nogil=True, inline="always")
def _fmix64(h):
    h ^= h >> np.uint64(33)
    h *= _M1
    h ^= h >> np.uint64(33)
    h *= _M2
    h ^= h >> np.uint64(33)
    return h


@kernel(nogil=True, inline="always")
def _run_key(tok, first, size):
    """The key of the ``size`` token hashes from ``first``: FNV-1a 64 over them, then fmix64."""
    acc = _FNV_OFFSET
    for j in range(size):
        acc = (acc ^ tok[first + j]) * _FNV_PRIME
    return _fmix64(acc)


@kernel(nogil=True, inline="always")
def _ngram_hash(tok, first, width):
    """A shingle's 32-bit hash: the low half of its run key."""
    return np.uint32(_run_key(tok, first, width) & _LOW32)


@kernel(nogil=True, inline="always")
def _minhash_into(row, h32, a64, b64):
    """Fold one 32-bit shingle hash into a MinHash row. numba widens uint32 products to 64
    bits: every step is masked back to 32, the wraparound numpy's uint32 arithmetic (and
    datasketch) has."""
    mask = np.uint64(0xFFFFFFFF)
    h = np.uint64(h32)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & mask
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & mask
    h ^= h >> np.uint64(16)
    for j in range(a64.size):
        v = np.uint32((a64[j] * h + b64[j]) & mask)
        if v < row[j]:
            row[j] = v


@kernel(nogil=True)
def shingle_sets(tok: np.ndarray, offsets: np.ndarray, size: int):
    """Sorted unique 32-bit n-gram hashes per passage: (flat values, offsets)."""
    n_pass = offsets.size - 1
    total = 0
    for p in range(n_pass):
        n = offsets[p + 1] - offsets[p]
        total += max(n - size + 1, 1) if n > 0 else 0
    out = np.empty(total, dtype=np.uint32)
    out_off = np.zeros(n_pass + 1, dtype=np.int64)
    w = 0
    for p in range(n_pass):
        start, n = offsets[p], offsets[p + 1] - offsets[p]
        begin = w
        if n > 0:
            width = min(size, n)
            for s in range(n - width + 1):
                out[w] = _ngram_hash(tok, start + s, width)
                w += 1
            seg = np.sort(out[begin:w])
            # Deduplicate in place.
            k = 0
            for i in range(seg.size):
                if i == 0 or seg[i] != seg[i - 1]:
                    out[begin + k] = seg[i]
                    k += 1
            w = begin + k
        out_off[p + 1] = w
    return out[:w], out_off


@kernel(nogil=True)
def signatures(values: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray):
    """MinHash (affine32, datasketch's scheme) of each segment of ``values``: (n, num_perm) uint32."""
    n_pass = offsets.size - 1
    k = a.size
    out = np.full((n_pass, k), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    a64 = a.astype(np.uint64)
    b64 = b.astype(np.uint64)
    for p in range(n_pass):
        row = out[p]
        for i in range(offsets[p], offsets[p + 1]):
            _minhash_into(row, values[i], a64, b64)
    return out


def encode_texts(texts: list[str]) -> np.ndarray:
    """The batch buffer from passages already joined by spaces: passages joined by newlines, UTF-8."""
    return np.frombuffer("\n".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def encode_passages(passages: list[list[str]]) -> np.ndarray:
    """The batch buffer: tokens joined by spaces, passages by newlines, UTF-8."""
    return encode_texts([" ".join(tokens) for tokens in passages])


@kernel(nogil=True, inline="always")
def _band_key(sig, band, rows):
    """One LSH band of a signature as one 64-bit key: the band's index is mixed in, so equal rows
    in different bands never collide, and a final avalanche spreads a one-row difference over
    all bits. Passages sharing a key are candidates; flat keys cost 8 bytes per band per
    passage, where an in-memory LSH keeps dicts of sets."""
    key = (_FNV_OFFSET ^ np.uint64(band)) * _FNV_PRIME
    for r in range(rows):
        key = (key ^ np.uint64(sig[band * rows + r])) * _FNV_PRIME
    key ^= key >> np.uint64(33)
    key *= np.uint64(0xFF51AFD7ED558CCD)
    key ^= key >> np.uint64(33)
    return key


@kernel(nogil=True)
def _band_keys_into(out, w, tok, start, n, short_kind, long_kind, a64, b64, pairs, short, bands, rows, salts):
    """Write a passage's short-passage bands (MinHash of its words and word pairs) and/or its
    word-pair bands at ``out[w:]``; return where the next key goes."""
    pairs[:] = np.uint32(0xFFFFFFFF)
    width = min(2, n)
    for s in range(n - width + 1 if n > 0 else 0):
        _minhash_into(pairs, _ngram_hash(tok, start + s, width), a64, b64)
    if short_kind:
        short[:] = pairs
        for s in range(n):
            _minhash_into(short, _ngram_hash(tok, start + s, 1), a64, b64)
        for band in range(bands):
            out[w] = _band_key(short, band, rows) ^ salts[1]
            w += 1
    if long_kind:
        for band in range(bands):
            out[w] = _band_key(pairs, band, rows) ^ salts[2]
            w += 1
    return w


@kernel(nogil=True)
def passage_keys(tok, offsets, text_keys, kinds, a, b, bands, rows, start_words, edge_words, piece_owner, piece_first,
                 salts):
    """Every passage's lookup keys, flat, and how many each has, in one pass (``passages.Preparer``
    documents the kinds): per passage, in this order, its exact key, the bands of its short-passage
    signature (MinHash of words and word pairs together), the bands of its word-pair signature, its
    start, head and tail keys, each where ``kinds[p, kind]`` asks for it, then the start keys of its
    later sentences (``piece_first``, grouped by ``piece_owner`` in passage order). Signatures are
    minima, so the shingles need no sorting or deduplication first; a passage whose kinds need no
    signature costs none. tests/test_dedup.py checks every key against its definition from
    ``shingle_sets``, ``signatures`` and a numpy reference of the bands and runs."""
    n_pass = offsets.size - 1
    sizes = np.zeros(n_pass, dtype=np.int64)
    for p in range(n_pass):
        for kind in range(6):
            if kinds[p, kind]:
                sizes[p] += bands if kind == 1 or kind == 2 else 1
    for q in range(piece_owner.size):
        sizes[piece_owner[q]] += 1
    out = np.empty(sizes.sum(), dtype=np.uint64)
    a64 = a.astype(np.uint64)
    b64 = b.astype(np.uint64)
    pairs = np.empty(a.size, dtype=np.uint32)
    short = np.empty(a.size, dtype=np.uint32)
    w = 0
    q = 0
    for p in range(n_pass):
        start, n = offsets[p], offsets[p + 1] - offsets[p]
        if kinds[p, 0]:
            out[w] = np.uint64(text_keys[p]) ^ salts[0]
            w += 1
        if kinds[p, 1] or kinds[p, 2]:
            w = _band_keys_into(out, w, tok, start, n, kinds[p, 1], kinds[p, 2], a64, b64, pairs, short, bands, rows,
                                salts)
        for kind in range(3, 6):
            if kinds[p, kind]:
                size = start_words if kind == 3 else edge_words
                out[w] = _run_key(tok, start + n - size if kind == 5 else start, size) ^ salts[kind]
                w += 1
        while q < piece_owner.size and piece_owner[q] == p:
            out[w] = _run_key(tok, piece_first[q], start_words) ^ salts[3]
            w += 1
            q += 1
    return out, sizes
