"""LSH band keys as packed integers.

Each passage's signature is cut into ``bands`` bands of ``rows`` values; each
band becomes one 64-bit key (the band index is mixed in, so equal rows in
different bands never collide). Passages sharing a key are candidates
(``walk.dedup_walk`` keeps the canonicals' keys in one open-addressing table).
Flat uint64 keys cost 8 bytes per band per passage, instead of the dicts of
sets an in-memory LSH keeps.
"""

from __future__ import annotations

import numpy as np

_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)


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
