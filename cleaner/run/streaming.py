"""Streaming: each result soon after its record is read, deduplicated against what came before.

A normal run reads every record before it writes the first result, because the
copy it keeps of a passage is the longest one in the whole run. A streaming run
gives that up: records are cleaned in small batches (1, then 2, 4, ... up to
``max_batch`` records), each batch is a run of its own against an index of
everything kept before it, and the first copy seen is the one kept. The
run-wide furniture pass sees one batch at a time, so site furniture is learned
only within a batch. Without an index of the caller's, a temporary one lives
for the length of the stream.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from ..config import Config
from ..document import Document, Encoded, Reject, Result
from ..index import open_index
from ..io.records import record_to_document
from .pipeline import Cleaner
from .stats import RunStats


def stream(cleaner: Cleaner, records: Iterable, fingerprint: str = "", max_batch: int = 256,
           encode: Callable[[Result], object] | None = None) -> Iterator[Result | Encoded | Reject]:
    """Yield ``cleaner``'s results batch by batch, each batch deduplicated against the batches before.

    ``cleaner.stats`` holds the counts of the whole stream once it is exhausted.

    >>> from cleaner import Cleaner
    >>> from cleaner.run.streaming import stream
    >>> story = "The council approved the new budget for schools and roads on Monday night."
    >>> [r.duplicate_of for r in stream(Cleaner(), [story, story + "\\nShare"])]
    [None, '0']
    """
    if max_batch < 1:
        raise ValueError(f"max_batch must be at least 1, got {max_batch}")
    with tempfile.TemporaryDirectory(prefix="cleaner-stream-") as scratch:
        index = cleaner.index
        own_index = index is None
        if own_index:
            index = open_index(os.path.join(scratch, "stream.sqlite"), cleaner.config)
        batch_runner = Cleaner(cleaner.config, progress=cleaner._progress, log=cleaner._log,
                               workers=cleaner.workers, index=index, engine=cleaner.engine,
                               ray_address=cleaner.ray_address)
        total = cleaner.stats = RunStats(dedup=cleaner.config.dedup_settings(), workers=cleaner.workers,
                                         engine=cleaner.engine)
        records = _with_positional_ids(records, cleaner.config)
        size, number = 1, 0
        try:
            while batch := list(islice(records, size)):
                yield from batch_runner.run(batch, fingerprint=f"{fingerprint}:{number}", encode=encode)
                total.add(batch_runner.stats)
                number += 1
                size = min(size * 2, max_batch)
        finally:
            if own_index:
                index.close()


def _with_positional_ids(records: Iterable, config: Config) -> Iterator:
    """Strings and dicts without an id get the id their place gives them in the whole stream
    (as in one run), not their place in a batch."""
    for position, record in enumerate(records):
        if isinstance(record, str):
            yield Document(id=str(position), text=record, source=f"record {position}")
        elif isinstance(record, dict):
            yield record_to_document(record, f"record {position}", str(position), config)
        else:
            yield record
