"""An index across runs in one SQLite file (``--index PATH``): no server, one transaction a run.

SQLite is in the standard library, its commits are atomic through a crash
(the write-ahead log is replayed or dropped when the file is next opened), and
a join against its B-tree finds a run's band keys among millions with the loop
in C. Band keys are looked up by the batch through ``json_each``: one query per
50,000 keys rather than one per key.

Runs take turns: a run reads the index as it was when its second pass began and
writes its passages when it ends, so two runs at once over one file may both
keep a passage that neither had seen (use Redis for concurrent runs).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager

import numpy as np

from .store import INDEX_FORMAT, IndexUnusable, Kept, RunPassage, check_settings, index_settings

_BATCH = 50_000
_U64 = (1 << 64) - 1

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, finished TEXT NOT NULL,
                   documents INTEGER NOT NULL, passages INTEGER NOT NULL);
CREATE TABLE passages (ref INTEGER PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(run), doc_id TEXT NOT NULL,
                       line INTEGER NOT NULL, words INTEGER NOT NULL, pinned INTEGER NOT NULL, key INTEGER NOT NULL,
                       tokens BLOB);
CREATE TABLE bands (key INTEGER NOT NULL, ref INTEGER NOT NULL, PRIMARY KEY (key, ref)) WITHOUT ROWID;
"""


def _signed(values) -> list[int]:
    """uint64 values as SQLite's signed 64-bit integers."""
    return np.asarray(values, dtype=np.uint64).view(np.int64).tolist()


class SqliteIndex:
    """The index in the SQLite file ``path``, created on first use with the run's settings."""

    def __init__(self, path: str | os.PathLike, config, create: bool = True):
        self.path = str(path)
        if not create and not os.path.exists(self.path):
            raise IndexUnusable(f"{self.path}: no such index")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=60000")
            # 64 MB of pages rather than 2: a run's band keys land all over the key B-tree, and
            # with the default cache its commit rereads the same pages (a quarter of its time)
            self._db.execute("PRAGMA cache_size=-65536")
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise IndexUnusable(f"{self.path}: not a cleaner index ({exc})") from None
        if not tables:
            self._create(config)
        elif "meta" not in tables or "bands" not in tables:
            raise IndexUnusable(f"{self.path}: an SQLite file, but not a cleaner index (tables: {sorted(tables)})")
        self.settings = json.loads(self._meta("settings"))
        if int(self._meta("format")) != INDEX_FORMAT:
            raise IndexUnusable(f"{self.path}: index format {self._meta('format')}, this cleaner reads {INDEX_FORMAT}")
        if config is not None:
            check_settings(self.path, self.settings, config)

    def _create(self, config) -> None:
        if config is None:
            raise IndexUnusable(f"{self.path}: empty file, not a cleaner index")
        with self._transaction():
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("format", str(INDEX_FORMAT)), ("settings", json.dumps(index_settings(config), sort_keys=True)),
                ("created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
            ])

    def _meta(self, name: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise IndexUnusable(f"{self.path}: not a cleaner index (no {name})")
        return row[0]

    @contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- lookups -----------------------------------------------------------------

    def _members(self, sql: str, keys: np.ndarray) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        signed = _signed(keys)
        for start in range(0, len(signed), _BATCH):
            for key, ref in self._db.execute(sql, (json.dumps(signed[start : start + _BATCH]),)):
                out.setdefault(key & _U64, []).append(ref)
        return out

    def band_members(self, keys: np.ndarray) -> dict[int, list[int]]:
        """For each of ``keys`` (uint64 band keys) found in the index: the passages holding it."""
        return self._members("SELECT b.key, b.ref FROM json_each(?) AS q JOIN bands AS b ON b.key = q.value", keys)

    def fetch(self, refs: list[int]) -> list[Kept]:
        out = []
        for start in range(0, len(refs), _BATCH):
            rows = self._db.execute(
                "SELECT p.ref, p.doc_id, p.line, p.words, p.pinned, p.key, r.fingerprint, p.tokens "
                "FROM json_each(?) AS q JOIN passages AS p ON p.ref = q.value JOIN runs AS r ON r.run = p.run "
                "ORDER BY p.ref", (json.dumps(refs[start : start + _BATCH]),))
            for ref, doc_id, line, words, pinned, key, run, tokens in rows:
                out.append(Kept(ref, doc_id, line, words, bool(pinned), key & _U64, run,
                                np.frombuffer(tokens or b"", dtype=np.uint32)))
        return out

    # --- writes ------------------------------------------------------------------

    def claim(self, passages: list[RunPassage], fingerprint: str, index) -> dict:
        """Nothing to claim ahead: runs over one file take turns, and ``commit`` writes the run."""
        return {}

    def commit(self, passages: list[RunPassage], fingerprint: str, stats) -> None:
        """Add a finished run's canonical passages, all or none."""
        with self._transaction():
            if self._db.execute("SELECT 1 FROM runs WHERE fingerprint = ?", (fingerprint,)).fetchone():
                return  # a rerun of a run already in the index: its passages are there
            run = self._db.execute(
                "INSERT INTO runs (fingerprint, finished, documents, passages) VALUES (?, ?, ?, ?)",
                (fingerprint, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), stats.documents,
                 len(passages))).lastrowid
            base = self._db.execute("SELECT COALESCE(MAX(ref), 0) FROM passages").fetchone()[0] + 1
            keys = _signed([p.key for p in passages])
            rows = [(ref, run, p.doc_id, p.line, p.words, int(p.pinned), key, p.tokens.astype(np.uint32).tobytes())
                    for (ref, p), key in zip(enumerate(passages, start=base), keys)]
            self._db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            # In (key, ref) order: the inserts walk the B-tree once instead of jumping about.
            bands = np.concatenate([np.asarray(p.bands, dtype=np.uint64) for p in passages] or [np.zeros(0, np.uint64)])
            band_keys = bands.view(np.int64)
            band_refs = np.repeat(np.arange(base, base + len(passages), dtype=np.int64), [len(p.bands) for p in passages])
            order = np.lexsort((band_refs, band_keys))
            self._db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                                 zip(band_keys[order].tolist(), band_refs[order].tolist()))

    # --- reporting ---------------------------------------------------------------

    def stats(self) -> dict:
        count = lambda sql: self._db.execute(sql).fetchone()[0]  # noqa: E731
        size = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        return {
            "index": self.path,
            "store": "sqlite",
            "passages": count("SELECT COUNT(*) FROM passages"),
            "documents": count("SELECT COALESCE(SUM(documents), 0) FROM runs"),
            "runs": count("SELECT COUNT(*) FROM runs"),
            "size_bytes": size,
            "size_of": "file on disk",
            "created": self._meta("created"),
            "settings": self.settings,
        }

    def close(self) -> None:
        self._db.close()
