"""LSH band keys as packed integers, and candidate pairs from a sort.

Each passage's signature is cut into ``bands`` bands of ``rows`` values; each
band becomes one 64-bit key (the band index is mixed in, so equal rows in
different bands never collide). Passages sharing a key are candidates. Keeping
keys in a flat uint64 array and grouping by sorting costs 8 bytes per band per
passage, instead of the dicts of sets an in-memory LSH keeps.
"""

from __future__ import annotations

import numpy as np

_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
# Beyond this many members, a bucket is a pile of near-identical passages. Each
# member is then linked only to the bucket's leaders, the members that dedup will
# consider first (the longest): the canonical a member can join is among them, and
# the work stays linear in the bucket's size.
BUCKET_LINK_CAP = 64


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, num_perm) uint32 signatures -> (n, bands) uint64 keys."""
    n = signatures.shape[0]
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        keys = np.broadcast_to((_FNV_OFFSET ^ np.arange(bands, dtype=np.uint64)) * _FNV_PRIME, (n, bands)).copy()
        for r in range(rows):
            keys = (keys ^ sig[:, :, r]) * _FNV_PRIME
        # Final avalanche so that keys differing in one row spread over all bits.
        keys ^= keys >> np.uint64(33)
        keys *= np.uint64(0xFF51AFD7ED558CCD)
        keys ^= keys >> np.uint64(33)
    return keys


def candidate_pairs(keys: np.ndarray, ids: np.ndarray, rank: np.ndarray, bands=None) -> np.ndarray:
    """Unique (i, j) id pairs, i < j, of passages sharing at least one band key.

    ``keys`` is (n, bands); ``ids`` the n passage ids; ``rank[k]`` the order in
    which dedup considers ``ids[k]`` (the leaders of a big bucket are the lowest
    ranks); ``bands`` the columns to look at (default: all; processes given a
    share each make the same pairs, once merged by ``merge_pairs``). The result
    is sorted, so it does not depend on the order of input. A passage has one
    key per band and the band is mixed into the key, so no bucket holds a
    passage twice.
    """
    if keys.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    # Passages in dedup order, so that the leaders come first in a bucket. The key matrix
    # is not reordered as a whole (a copy of all of it): one column at a time is.
    by_rank = np.argsort(rank, kind="stable")
    ids = ids[by_rank].astype(np.int64)
    merged = np.empty((0, 2), dtype=np.int64)
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for band in range(keys.shape[1]) if bands is None else bands:  # one at a time: memory of one column, not of all
        column = keys[by_rank, band]
        order = np.argsort(column)
        band_keys_sorted = column[order]
        starts = np.flatnonzero(np.r_[True, band_keys_sorted[1:] != band_keys_sorted[:-1]])
        sizes = np.diff(np.r_[starts, band_keys_sorted.size])
        # The sort above is not stable (a stable one costs 2.5x); most buckets hold one
        # passage, so only the members of shared buckets are put back in dedup order.
        shared = np.repeat(sizes > 1, sizes)
        if shared.any():
            bucket = np.repeat(np.arange(starts.size), sizes)[shared]
            members = order[shared]
            order[shared] = members[np.lexsort((members, bucket))]
        _bucket_links(ids[order], starts, sizes, firsts, seconds)
        # A pair of copies shares many bands: merged as the bands go (whenever what waits
        # outgrows what is merged), each is held about once, not once a band.
        if sum(f.size for f in firsts) > max(merged.shape[0], 1 << 20):
            merged = _unique_pairs([merged[:, 0], *firsts], [merged[:, 1], *seconds])
            firsts, seconds = [], []
    return _unique_pairs([merged[:, 0], *firsts], [merged[:, 1], *seconds])


def _bucket_links(ids: np.ndarray, starts: np.ndarray, sizes: np.ndarray, firsts: list, seconds: list) -> None:
    """The pairs inside each bucket (``ids`` sorted by bucket, leaders first), appended to
    ``firsts``/``seconds``; buckets of one size are paired in one step."""
    for size in np.unique(sizes[sizes > 1]).tolist():
        group_starts = starts[sizes == size]
        if size <= BUCKET_LINK_CAP:
            x, y = np.triu_indices(size, 1)
        else:
            x, y = np.nonzero(np.triu(np.ones((size, size), dtype=bool), 1)
                              & (np.arange(size) < BUCKET_LINK_CAP)[:, None])
        firsts.append(ids[(group_starts[:, None] + x[None, :]).reshape(-1)])
        seconds.append(ids[(group_starts[:, None] + y[None, :]).reshape(-1)])


def merge_pairs(parts: list[np.ndarray]) -> np.ndarray:
    """The unique pairs of several ``candidate_pairs`` results, sorted."""
    return _unique_pairs([p[:, 0] for p in parts], [p[:, 1] for p in parts])


def _unique_pairs(firsts: list, seconds: list) -> np.ndarray:
    if not firsts or not sum(f.size for f in firsts):
        return np.empty((0, 2), dtype=np.int64)
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    span = int(hi.max()) + 1
    codes = np.unique(lo * span + hi)  # one code per pair: unique across bands, and sorted
    return np.column_stack((codes // span, codes % span))


def bucket_pairs(keys: np.ndarray, ids: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """``candidate_pairs`` over a flat list of (band key, passage id, rank) entries, all bands mixed.

    The band is mixed into every key, so the buckets are the same whether the
    keys come one band at a time or all at once, or a share of them (the Ray
    engine groups them by key, so each task holds whole buckets). The result is
    the unique (lo, hi) id pairs, sorted.
    """
    if keys.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    ids = ids.astype(np.int64)
    order = np.lexsort((ids, rank, keys))  # by key; inside a bucket, dedup order as candidate_pairs has it
    keys, ids = keys[order], ids[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, keys.size])
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    _bucket_links(ids, starts, sizes, firsts, seconds)
    return _unique_pairs(firsts, seconds)
