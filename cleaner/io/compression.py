"""gzip, zstd and bz2 streams: recognised by magic bytes on input, chosen by extension on output."""

from __future__ import annotations

import bz2
import gzip
import io
from typing import IO

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BZh": "bz2",
}
SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}


def sniff(head: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def by_suffix(name: str) -> str | None:
    lowered = name.lower()
    for suffix, kind in SUFFIXES.items():
        if lowered.endswith(suffix):
            return kind
    return None


def strip_suffix(name: str) -> str:
    """``dump.jsonl.zst`` -> ``dump.jsonl``."""
    kind = by_suffix(name)
    if kind is None:
        return name
    return name[: name.lower().rfind(".")]


def decompressing(raw: IO[bytes]) -> IO[bytes]:
    """Wrap ``raw`` in the decompressor its first bytes call for, or return it as it is."""
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]  # any raw binary stream
    kind = sniff(buffered.peek(4)[:4])
    if kind == "gzip":
        return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]  # a GzipFile is a binary IO
    if kind == "bz2":
        return bz2.BZ2File(buffered)
    if kind == "zstd":
        return io.BufferedReader(_ZstdReader(buffered))  # for peek(), as gzip and bz2 have
    return buffered


class _ZstdReader(io.RawIOBase):
    """zstd frames one after another, raising at a truncated end as gzip and bz2 do.

    (zstandard's own stream reader returns a cut-off frame's end silently: a
    truncated file would read as a shorter one.)
    """

    def __init__(self, raw: IO[bytes]):
        import zstandard

        self._raw = raw
        self._new = zstandard.ZstdDecompressor().decompressobj
        self._obj = self._new()
        self._pending = b""
        self._in_frame = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                if self._in_frame:
                    raise EOFError("zstd stream ended before the end of its frame")
                return 0
            while chunk:
                self._in_frame = True
                self._pending += self._obj.decompress(chunk)
                if self._obj.eof:
                    chunk = self._obj.unused_data
                    self._obj, self._in_frame = self._new(), False
                else:
                    chunk = b""
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def compressing(raw: IO[bytes], kind: str | None) -> IO[bytes]:
    if kind == "gzip":
        # No name and mtime=0 in the header: the same output bytes on every run.
        return gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)  # type: ignore[return-value]  # as above
    if kind == "bz2":
        return bz2.BZ2File(raw, mode="wb")
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
    return raw
