"""The stable hash of a normalised line or passage, shared by dedup's exact tier and the furniture pass.

xxh3 is the same in every process and on every machine; Python's ``hash()`` of
a string is salted per process, so it is never used for anything that leaves one.
"""

from __future__ import annotations

import xxhash


def key_hash(normalized: str) -> int:
    """64-bit hash of a passage's normalised text: the exact tier's key and the furniture pass's."""
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))
