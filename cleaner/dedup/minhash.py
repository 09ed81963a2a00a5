"""Shingles and MinHash signatures: the reference definitions, in numpy and plain Python.

A shingle's 32-bit hash is built from its tokens (``shingle_hash32``); datasketch
pre-mixes each hash with the MurmurHash3 finalizer and applies ``a*h + b mod
2**32`` per permutation (its ``affine32`` scheme). ``signatures`` does the same
for many passages at once, so ``datasketch.MinHash(num_perm, seed,
hashfunc=shingle_hash32).update_batch(shingles)`` and these functions agree bit
for bit. The run itself uses the compiled kernels in ``kernels.py``, which
compute the same values; tests/test_dedup.py checks all three against each other.
"""

from __future__ import annotations

import numpy as np

_EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK = 8192


_OFFSET64 = np.uint64(0xCBF29CE484222325)
_PRIME64 = np.uint64(0x100000001B3)
_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_MASK64 = (1 << 64) - 1

SHINGLE_HASH_NAME = "FNV-1a 64 per token, FNV-1a over the n-gram, fmix64, low 32 bits"


def token_hash(token: str) -> int:
    """FNV-1a 64 of the token's UTF-8 bytes: simple enough to compute identically in the
    compiled kernel (``kernels.token_hashes``), here, and inside a datasketch hashfunc."""
    h = 0xCBF29CE484222325
    for byte in token.encode("utf-8", "surrogatepass"):
        h = ((h ^ byte) * 0x100000001B3) & _MASK64
    return h


def token_hashes(tokens: list[str]) -> np.ndarray:
    """The 64-bit hashes of a passage's tokens (the reference path; a run uses the kernel)."""
    return np.array([token_hash(t) for t in tokens], dtype=np.uint64)


def shingle_hashes(token_hashes: np.ndarray, size: int) -> np.ndarray:
    """32-bit hashes of the word ``size``-grams, from the tokens' 64-bit hashes, all at once.

    A passage shorter than ``size`` words is one shingle of all its words, as in ``shingles``.
    """
    n = token_hashes.size
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(size, n)
    m = n - width + 1
    acc = np.full(m, _OFFSET64, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            acc = (acc ^ token_hashes[j : j + m]) * _PRIME64
        acc ^= acc >> _S33
        acc *= _M1
        acc ^= acc >> _S33
        acc *= _M2
        acc ^= acc >> _S33
    return (acc & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def shingle_hash32(shingle: bytes) -> int:
    """The same hash of one shingle (words joined by a space), as a datasketch ``hashfunc``.

    ``MinHash(num_perm, seed, hashfunc=shingle_hash32)`` fed ``shingles(tokens, k)``
    gives the signature that ``signatures([shingle_hashes(...)])`` computes in bulk.
    """
    acc = 0xCBF29CE484222325
    for tok in shingle.decode("utf-8", "surrogatepass").split(" "):
        acc = ((acc ^ token_hash(tok)) * 0x100000001B3) & _MASK64
    acc ^= acc >> 33
    acc = (acc * 0xFF51AFD7ED558CCD) & _MASK64
    acc ^= acc >> 33
    acc = (acc * 0xC4CEB9FE1A85EC53) & _MASK64
    acc ^= acc >> 33
    return acc & 0xFFFFFFFF


def signatures(sets: list[np.ndarray], perms: tuple[np.ndarray, np.ndarray], chunk: int = 2048) -> np.ndarray:
    """MinHash signatures of many shingle-hash arrays at once: (len(sets), num_perm) uint32.

    One permutation product and one segmented minimum per chunk of passages,
    instead of a dozen numpy calls per passage.
    """
    a, b = perms
    out = np.full((len(sets), a.size), _EMPTY, dtype=np.uint32)
    start = 0
    while start < len(sets):
        stop, total = start, 0
        while stop < len(sets) and (total == 0 or total + sets[stop].size <= chunk):
            total += sets[stop].size
            stop += 1
        group = [s for s in sets[start:stop]]
        sizes = np.array([s.size for s in group])
        nonempty = sizes > 0
        if nonempty.any():
            flat = np.concatenate([s for s in group if s.size]).astype(np.uint32)
            with np.errstate(over="ignore"):
                permuted = a[:, None] * _fmix32(flat)[None, :] + b[:, None]
            offsets = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
            mins = np.minimum.reduceat(permuted, offsets, axis=1).T
            out[start:stop][nonempty] = mins
        start = stop
    return out


def shingles(tokens: list[str], size: int) -> list[bytes]:
    """Word ``size``-grams as bytes; a passage shorter than ``size`` words is one shingle."""
    if not tokens:
        return []
    if len(tokens) <= size:
        return [" ".join(tokens).encode("utf-8")]
    return [" ".join(tokens[i : i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)]


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd, b), drawn the way it draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)
