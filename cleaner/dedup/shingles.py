"""The run's shingle sets on disk: the checks need them, the index's memory does not hold them."""

from __future__ import annotations

import os
import tempfile
from array import array

import numpy as np


class ShingleStore:
    """Shingle-hash arrays appended to a file, read back by row for the candidate checks.

    Rows are read with ``pread``, not through an mmap: mapped pages would count in
    the run's resident memory until the end, as much as the file (every passage
    with a candidate is read), while a read row is freed once checked.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = None if path is None else str(path)
        # Open for the store's lifetime: close() closes it.
        self._fh = open(self.path, "w+b") if self.path else tempfile.TemporaryFile(prefix="cleaner-shingles-")  # noqa: SIM115
        self.offsets = array("Q", [0])
        self._dirty = False

    def append(self, values: np.ndarray, sizes: np.ndarray) -> int:
        """Append consecutive sets (``values`` cut by ``sizes``); return the row of the first."""
        first = len(self.offsets) - 1
        self._fh.write(np.ascontiguousarray(values, dtype=np.uint32).tobytes())
        self.offsets.extend((self.offsets[-1] + np.cumsum(sizes)).tolist())
        self._dirty = True
        return first

    def flush(self) -> None:
        if self._dirty:
            self._fh.flush()
            self._dirty = False

    def get(self, row: int) -> np.ndarray:
        """The sorted unique shingle hashes of ``row``, read from the file."""
        self.flush()
        start, end = self.offsets[row], self.offsets[row + 1]
        return np.frombuffer(os.pread(self._fh.fileno(), (end - start) * 4, start * 4), dtype=np.uint32)

    def close(self) -> None:
        self._fh.close()

    def __getstate__(self):
        # A checkpoint keeps the file's name and how much of it counts.
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return {"path": self.path, "offsets": self.offsets}

    def __setstate__(self, state) -> None:
        self.path, self.offsets, self._dirty = state["path"], state["offsets"], False
        self._fh = open(self.path, "r+b")  # noqa: SIM115 - open for the store's lifetime, closed by close()
        self._fh.truncate(self.offsets[-1] * 4)
        self._fh.seek(0, os.SEEK_END)
