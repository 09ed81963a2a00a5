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


def candidate_pairs(keys: np.ndarray, ids: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Unique (i, j) id pairs, i < j, of passages sharing at least one band key.

    ``keys`` is (n, bands); ``ids`` the n passage ids; ``rank[k]`` the order in
    which dedup considers ``ids[k]`` (the leaders of a big bucket are the lowest
    ranks). The result is sorted, so it does not depend on the order of input.
    """
    rank_of = dict(zip(ids.tolist(), rank.tolist()))
    if keys.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    flat_keys = keys.reshape(-1)
    flat_ids = np.repeat(ids.astype(np.int64), keys.shape[1])
    order = np.lexsort((flat_ids, flat_keys))
    flat_keys, flat_ids = flat_keys[order], flat_ids[order]
    boundaries = np.flatnonzero(np.diff(flat_keys)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [flat_keys.size]))
    sizes = ends - starts
    pairs = []
    # Most shared keys join two passages: take those pairs in one step.
    two = starts[sizes == 2]
    if two.size:
        a, b = flat_ids[two], flat_ids[two + 1]
        keep = a != b
        pairs.append(np.column_stack((np.minimum(a, b)[keep], np.maximum(a, b)[keep])))
    for start, end in zip(starts[sizes > 2], ends[sizes > 2]):
        members = np.unique(flat_ids[start:end])
        if members.size < 2:
            continue
        members = np.array(sorted(members.tolist(), key=rank_of.__getitem__), dtype=np.int64)
        for k, leader in enumerate(members[:BUCKET_LINK_CAP]):
            others = members[k + 1 :]
            if others.size:
                pairs.append(np.column_stack((np.minimum(leader, others), np.maximum(leader, others))))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs), axis=0)
