"""Shingles and MinHash signatures, bit-for-bit datasketch's ``affine32`` scheme.

datasketch hashes each shingle with ``sha1_hash32``, pre-mixes it with the
MurmurHash3 finalizer and applies ``a*h + b mod 2**32`` per permutation. Doing the
same over a whole passage's hashes at once in numpy gives the values that
``datasketch.MinHash(num_perm, seed).update_batch(shingles)`` gives, without a
Python call per shingle and permutation (tests/test_dedup.py compares them).
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

_EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK = 8192


def shingles(tokens: list[str], size: int) -> list[bytes]:
    """Word ``size``-grams as bytes; a passage shorter than ``size`` words is one shingle."""
    if not tokens:
        return []
    if len(tokens) <= size:
        return [" ".join(tokens).encode("utf-8")]
    return [" ".join(tokens[i : i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)]


def hash_shingles(items: list[bytes]) -> np.ndarray:
    """Sorted unique sha1_hash32 values: the shingle set, 4 bytes a shingle."""
    sha1 = hashlib.sha1
    unpack = struct.Struct("<I").unpack_from
    values = np.fromiter((unpack(sha1(s).digest())[0] for s in items), dtype=np.uint32, count=len(items))
    return np.unique(values)


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


def signature(hashes: np.ndarray, perms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The MinHash signature (uint32, one value per permutation) of a shingle-hash set."""
    a, b = perms
    if hashes.size == 0:
        return np.full(a.shape, _EMPTY, dtype=np.uint32)
    out = np.full(a.shape, _EMPTY, dtype=np.uint32)
    with np.errstate(over="ignore"):
        mixed = _fmix32(hashes.astype(np.uint32))
        # In chunks: a million-word line would otherwise need a num_perm x n matrix.
        for start in range(0, mixed.size, _CHUNK):
            chunk = mixed[start : start + _CHUNK]
            np.minimum(out, (np.outer(a, chunk) + b[:, None]).min(axis=1).astype(np.uint32), out=out)
    return out


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def containment(small: np.ndarray, large: np.ndarray) -> float:
    """Share of ``small``'s shingles that are in ``large``."""
    if small.size == 0:
        return 0.0
    return np.intersect1d(small, large, assume_unique=True).size / small.size
