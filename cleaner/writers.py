"""JSONL output: one object per line, UTF-8, written under a temporary name and renamed when complete.

A reader of ``out.jsonl`` therefore never sees half a run: it sees the previous
file or the finished one.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from typing import IO, Iterator


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


@contextmanager
def jsonl_output(path: str | None) -> Iterator[IO[str] | None]:
    """Yield a text stream for ``path`` ("-" is stdout, None is no output)."""
    if path is None:
        yield None
        return
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".cleaner-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
