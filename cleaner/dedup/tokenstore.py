"""The run's token ids on disk: the walk needs them, the index's memory does not hold them during the first pass."""

from __future__ import annotations

import os
import tempfile
from array import array

import numpy as np


class TokenStore:
    """Token-id arrays (``walk``), one row per passage, appended to a file.

    The walk reads the whole file at once (``all``): it checks passages in
    canonical order, not file order, and one read costs less than a read a check.
    A row is read with ``pread`` for the index across runs.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = None if path is None else str(path)
        # Open for the store's lifetime: close() closes it.
        self._fh = open(self.path, "w+b") if self.path else tempfile.TemporaryFile(prefix="cleaner-tokens-")  # noqa: SIM115
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

    def all(self) -> np.ndarray:
        """Every row, one after another (``offsets`` cuts them)."""
        self.flush()
        self._fh.seek(0)
        out = np.fromfile(self._fh, dtype=np.uint32, count=int(self.offsets[-1]))
        self._fh.seek(0, os.SEEK_END)  # appends go on at the end
        return out

    def get(self, row: int) -> np.ndarray:
        """The token ids of ``row``, read from the file."""
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
