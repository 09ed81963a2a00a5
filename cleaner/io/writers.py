"""Output files: JSONL (optionally gzip, zstd or bz2 by extension) or Parquet, written atomically.

A file is written under a temporary name beside it and renamed when complete,
so a reader never sees half a run: it sees the previous file or the finished one.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any

from . import compression

# Characters that str.splitlines() and some JSONL readers take for line breaks,
# though JSON lets them stand raw in a string: escaped, a record stays one line.
_LINE_BREAKING = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def dumps(obj) -> str:
    line = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
    if "\x85" in line or "\u2028" in line or "\u2029" in line:
        line = line.translate(_LINE_BREAKING)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from a JSON escape ("\ud800") cannot be UTF-8:
        # escape that record instead, as the input had it.
        line = json.dumps(obj, ensure_ascii=True, separators=(", ", ": "))
    return line


class Writer:
    """Write JSON-able records to ``path`` ("-": stdout); ``commit()`` makes the file appear."""

    def __init__(self, path: str, plain: bool = False):
        self.path = path
        self._parquet = path.lower().endswith(".parquet") and not plain
        self._rows: list[dict] = []
        self._pq_writer: Any = None  # pyarrow's ParquetWriter, made with the first rows
        if path == "-":
            self._tmp = None
            self._raw = None
            self._text: Any = sys.stdout  # stdout, or a TextIOWrapper over the file
            return
        # A fixed name beside the output: a run killed before its rename leaves one
        # file that the next run into the same output overwrites, not a litter of them.
        directory, name = os.path.split(os.path.abspath(path))
        self._tmp = os.path.join(directory, f".{name}.part")
        self._raw = open(self._tmp, "wb")  # noqa: SIM115 - open until commit() or abort()
        if self._parquet:
            return
        self._packed = compression.compressing(self._raw, None if plain else compression.by_suffix(path))
        self._text = io.TextIOWrapper(self._packed, encoding="utf-8", newline="\n", write_through=False)

    def write(self, record: dict) -> None:
        self.write_encoded(self.encode(record))

    def encode(self, record: dict):
        """What ``write_encoded`` takes: the JSON line, or for Parquet the record itself.
        Apart from ``write``, so that another process can do the encoding."""
        return record if self._parquet else dumps(record) + "\n"

    def write_encoded(self, encoded) -> None:
        if self._parquet:
            self._rows.append(encoded)
            if len(self._rows) >= 2048:
                self._flush_parquet()
        else:
            self._text.write(encoded)

    def write_text(self, text: str) -> None:
        self._text.write(text)

    def _flush_parquet(self) -> None:
        from .parquet import result_table

        if not self._rows:
            return
        table = result_table(self._rows)
        if self._pq_writer is None:
            import pyarrow.parquet as pq

            self._pq_writer = pq.ParquetWriter(self._raw, table.schema)
        self._pq_writer.write_table(table)
        self._rows = []

    def commit(self) -> None:
        if self._tmp is None:
            self._text.flush()
            return
        if self._parquet:
            self._flush_parquet()
            if self._pq_writer is None:
                self._rows = []
                import pyarrow.parquet as pq

                from .parquet import empty_table

                pq.write_table(empty_table(), self._raw)
            else:
                self._pq_writer.close()
        else:
            self._text.flush()
            self._text.detach()
            if self._packed is not self._raw:
                self._packed.close()
        assert self._raw is not None  # a file, not stdout
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        if self._tmp is None:
            return
        try:
            if self._raw is not None:
                self._raw.close()
        finally:
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)
            self._tmp = None


class RunOutputs:
    """A run's output, audit and rejects files as one unit: all committed, or all left as they were.

    On leaving the ``with`` block by an exception, or without :meth:`commit`,
    every file still open is aborted (its temporary file removed). ``None``
    stands for a file the user did not ask for.
    """

    def __init__(self, output: str, explain: str | None, rejects: str | None):
        self.out = Writer(output)
        self.explain = Writer(explain) if explain else None
        self.rejects = Writer(rejects) if rejects else None

    def _all(self) -> list[Writer]:
        return [w for w in (self.out, self.explain, self.rejects) if w is not None]

    def commit(self, only_rejects: bool = False) -> None:
        """Make the files appear; with ``only_rejects`` the output and audit are dropped."""
        for w in self._all():
            if only_rejects and w is not self.rejects:
                w.abort()
            else:
                w.commit()

    def abort(self) -> None:
        for w in self._all():
            w.abort()

    def __enter__(self) -> RunOutputs:
        return self

    def __exit__(self, *exc_info) -> None:
        self.abort()  # a no-op for the files already committed
