"""Checkpoints of the first pass, so that an interrupted run resumes where it was.

A work folder holds the spool (the stripped documents, append-only) and the
state (the dedup index, the furniture counts, the counts, the rejects so far,
how many input records were consumed and how long the spool was then). The
state is written to a temporary file, synced and renamed, so a kill at any
moment leaves the previous checkpoint or the new one, never half of one; on
resume the spool is cut back to the length the state recorded. The second pass
has no checkpoint: it is rerun from the spool, and its output is written under
a temporary name, so its result is the same bytes as an uninterrupted run's.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..dedup.index import DedupIndex
    from ..strip.furniture import FurnitureCounter
    from .stats import RunStats

# The layout of a checkpoint: a checkpoint of another layout is refused, not misread.
# 4: the modules moved into subpackages (the pickled classes' paths changed) and the
# counts gained duplicate_kinds. 5: a block carries the line model's score. 6: the dedup
# index holds token ids and lookup keys (tokenstore.TokenStore, no band matrix). 7: a block
# says whether it is code (HTML pages). 8: the dedup index's lookup keys include sentence keys
# and its token ids carry name flags at every length. 9: it holds each document's source rank.
# 10: it holds each passage's sentence starts (sentences cut as spans, ``walk.span_walk``).
STATE_VERSION = 10
# Part of a run's fingerprint, which is also how an index across runs knows a rerun of
# a run it holds: changed, every earlier run would look like another run's copies.
_FINGERPRINT_VERSION = 2


class ResumeError(ValueError):
    pass


@dataclass
class Pass1State:
    fingerprint: str
    consumed: int = 0  # input records taken, whatever became of them
    spool_length: int = 0
    done: bool = False
    stats: RunStats = None  # type: ignore[assignment]  # always given; a default keeps the field order
    index: DedupIndex = None  # type: ignore[assignment]
    furniture: FurnitureCounter = None  # type: ignore[assignment]
    doc_ids: list[str] = field(default_factory=list)
    rejects: list = field(default_factory=list)
    # Where each spooled document starts; the block of each passage (work.TITLE_BLOCK: a title).
    spool_offsets: array = field(default_factory=lambda: array("Q"))
    passage_blocks: array = field(default_factory=lambda: array("l"))
    version: int = STATE_VERSION


def fingerprint(config: dict, inputs: list[str]) -> str:
    """What a run depends on: settings, and each input file's name, size and modification time."""
    described = []
    for p in inputs:
        try:
            st = os.stat(p)
            described.append([p, st.st_size, st.st_mtime_ns])
        except OSError:
            described.append([p, None, None])
    blob = json.dumps({"config": config, "inputs": described, "version": _FINGERPRINT_VERSION}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class WorkDir:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.state_path = self.path / "state.pickle"
        self.spool_path = self.path / "spool"

    def exists(self) -> bool:
        return self.state_path.exists()

    def start(self) -> None:
        """A fresh run: forget any earlier work."""
        self.clear()
        self.path.mkdir(parents=True, exist_ok=True)

    def load(self, expected_fingerprint: str) -> Pass1State:
        try:
            with open(self.state_path, "rb") as fh:
                state = pickle.load(fh)
        except (ModuleNotFoundError, AttributeError) as exc:
            # Pickled classes that are no longer where they were: an older cleaner's layout.
            raise ResumeError(f"{self.state_path}: a checkpoint of another cleaner version ({exc}): "
                              "run again without --resume") from exc
        if not isinstance(state, Pass1State):
            raise ResumeError(f"{self.state_path}: not a cleaner checkpoint")
        # A checkpoint from before versions were stored is of version 2 (the class's
        # default would answer for it: read the instance's own fields).
        version = vars(state).get("version", 2)
        if version != STATE_VERSION:
            raise ResumeError(f"{self.state_path}: a checkpoint of another cleaner version "
                              f"(layout {version}, this one reads {STATE_VERSION}): run again without --resume")
        if state.fingerprint != expected_fingerprint:
            raise ResumeError(f"{self.path}: the inputs or settings changed since this run was checkpointed")
        return state

    def save(self, state: Pass1State) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.state_path)
        dir_fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def clear(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
