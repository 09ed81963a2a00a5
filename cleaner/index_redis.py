"""An index across runs in Redis (``--index redis://HOST:PORT/DB``), shared by concurrent runs.

Layout, under a key prefix (``?prefix=NAME`` in the URL, default ``cleaner:``):
- ``meta``: hash of format, settings, created;
- ``next``: the last passage ref handed out;
- ``passages``: hash ref -> JSON [doc_id, line, words, pinned, key, run fingerprint];
- ``shingles``: hash ref -> the sorted uint32 shingle hashes, as bytes;
- ``b:<band key>`` and ``x:<text key>``: a band's (or an exact-tier text's)
  bucket, the refs of the passages in it as "ref," strings appended one by one;
- ``runs``: hash fingerprint -> JSON of the run's counts.

Claims: a run looks its passages up (remembering how long each bucket was),
picks its canonicals, then claims each with one Lua script, which Redis runs
atomically: if none of the passage's buckets grew since the run looked, the
passage gets a ref and joins its buckets; otherwise the script returns the new
members, the run checks them (Jaccard, containment or equal text), and either
the passage is a copy of one (the concurrent run was first: it wins) or the
claim is tried again. Two runs can therefore never both keep one passage.
The claims are made before the run writes its output; a run killed after
claiming is rerun with the same fingerprint and takes its claims as its own.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np

from .seen import INDEX_FORMAT, IndexUnusable, Kept, RunPassage, check_settings, index_settings

_BATCH = 10_000

# KEYS: next, passages, shingles, then the passage's buckets.
# ARGV: the length each bucket had when the run looked, then the passage's JSON and shingles.
_CLAIM = """
local buckets = #KEYS - 3
local grown = {}
for i = 1, buckets do
  local now = redis.call('STRLEN', KEYS[3 + i])
  local seen = tonumber(ARGV[i])
  if now > seen then
    grown[#grown + 1] = KEYS[3 + i]
    grown[#grown + 1] = now
    grown[#grown + 1] = redis.call('GETRANGE', KEYS[3 + i], seen, now - 1)
  end
end
if #grown > 0 then
  return {0, grown}
end
local ref = redis.call('INCR', KEYS[1])
for i = 1, buckets do
  redis.call('APPEND', KEYS[3 + i], ref .. ',')
end
redis.call('HSET', KEYS[2], ref, ARGV[buckets + 1])
if ARGV[buckets + 2] ~= '' then
  redis.call('HSET', KEYS[3], ref, ARGV[buckets + 2])
end
return {1, ref}
"""


def _refs(blob: bytes) -> list[int]:
    return [int(x) for x in blob.split(b",") if x]


class RedisIndex:
    def __init__(self, url: str, config, create: bool = True):
        try:
            import redis
        except ImportError:
            raise IndexUnusable(f"{url}: a Redis index needs the redis package: pip install 'cleaner[redis]'") from None
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.prefix = query.pop("prefix", ["cleaner:"])[0]
        self.url = url
        self._r = redis.Redis.from_url(urlunsplit(parts._replace(query="")))
        try:
            self._r.ping()
        except redis.RedisError as exc:
            raise IndexUnusable(f"{url}: cannot reach Redis ({exc})") from None
        meta = self.prefix + "meta"
        if config is not None and create:
            # The first run to reach an empty index sets its settings; every other is checked against them.
            self._r.hsetnx(meta, "settings", json.dumps(index_settings(config), sort_keys=True))
            self._r.hsetnx(meta, "format", str(INDEX_FORMAT))
            self._r.hsetnx(meta, "created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        stored = self._r.hgetall(meta)
        if not stored:
            raise IndexUnusable(f"{url}: no cleaner index under prefix {self.prefix!r}")
        self.settings = json.loads(stored[b"settings"])
        if int(stored[b"format"]) != INDEX_FORMAT:
            raise IndexUnusable(f"{url}: index format {stored[b'format'].decode()}, this cleaner reads {INDEX_FORMAT}")
        if config is not None:
            check_settings(url, self.settings, config)
        self._claim = self._r.register_script(_CLAIM)
        self._seen: dict[str, int] = {}  # bucket -> its length when this run looked

    def _band(self, key: int) -> str:
        return f"{self.prefix}b:{key:016x}"

    def _exact(self, key: int) -> str:
        return f"{self.prefix}x:{key:016x}"

    def _members(self, names: list[str], keys: list[int]) -> dict[int, list[int]]:
        out = {}
        for start in range(0, len(names), _BATCH):
            pipe = self._r.pipeline(transaction=False)
            for name in names[start : start + _BATCH]:
                pipe.get(name)
            for name, key, blob in zip(names[start : start + _BATCH], keys[start : start + _BATCH], pipe.execute()):
                self._seen[name] = 0 if blob is None else len(blob)
                if blob:
                    out[key] = _refs(blob)
        return out

    def band_members(self, keys: np.ndarray) -> dict[int, list[int]]:
        keys = [int(k) for k in keys.tolist()]
        return self._members([self._band(k) for k in keys], keys)

    def exact_members(self, keys: np.ndarray) -> dict[int, list[int]]:
        keys = [int(k) for k in keys.tolist()]
        return self._members([self._exact(k) for k in keys], keys)

    def fetch(self, refs: list[int]) -> list[Kept]:
        out = []
        for start in range(0, len(refs), _BATCH):
            chunk = refs[start : start + _BATCH]
            records = self._r.hmget(self.prefix + "passages", chunk)
            shingles = self._r.hmget(self.prefix + "shingles", chunk)
            for ref, record, sh in zip(chunk, records, shingles):
                if record is None:
                    continue
                doc_id, line, words, pinned, key, run = json.loads(record)
                out.append(Kept(ref, doc_id, line, words, bool(pinned), key, run,
                                None if sh is None else np.frombuffer(sh, dtype=np.uint32)))
        return out

    def claim(self, passages: list[RunPassage], fingerprint: str, index) -> dict[int, tuple[Kept, float, str]]:
        """Claim each passage's slot; return those a concurrent run had kept first, with its passage."""
        lost: dict[int, tuple[Kept, float, str]] = {}
        for p in passages:
            buckets = ([self._band(int(k)) for k in p.bands.tolist()] if p.bands is not None
                       else [self._exact(int(p.key))])
            record = json.dumps([p.doc_id, p.line, p.words, int(p.pinned), int(p.key), fingerprint])
            shingles = b"" if p.shingles is None else p.shingles.astype(np.uint32).tobytes()
            while True:
                seen = [self._seen.get(b, 0) for b in buckets]
                done, detail = self._claim(keys=[self.prefix + "next", self.prefix + "passages",
                                                 self.prefix + "shingles", *buckets],
                                           args=[*seen, record, shingles])
                if done:
                    break
                # Buckets grew since this run looked: check the newcomers.
                new_refs = set()
                for name, length, blob in zip(detail[0::3], detail[1::3], detail[2::3]):
                    self._seen[name.decode()] = int(length)
                    new_refs.update(_refs(blob))
                winner = self._first_copy(p, sorted(new_refs), fingerprint, index)
                if winner is not None:
                    if winner[0] is not None:
                        lost[p.pid] = winner
                    break
        return lost

    def _first_copy(self, p: RunPassage, refs: list[int], fingerprint: str, index):
        """The earliest of ``refs`` that ``p`` is a copy of, as (kept, similarity, rule);
        (None, 0, "") when one is ``p`` itself, claimed by an earlier attempt of this run; else None."""
        for kept in self.fetch(refs):
            if kept.run == fingerprint and kept.doc_id == p.doc_id and kept.line == p.line:
                return None, 0.0, ""
            if kept.run == fingerprint:
                continue
            if p.shingles is None:
                if kept.shingles is None and kept.key == p.key:
                    return kept, 1.0, "exact"
                continue
            if kept.shingles is not None:
                checked = index.check(p.shingles, kept.shingles)
                if checked is not None:
                    return kept, checked[0], checked[1]
        return None

    def commit(self, passages: list[RunPassage], fingerprint: str, stats) -> None:
        """The passages were added by their claims; the run itself is recorded here."""
        self._r.hsetnx(self.prefix + "runs", fingerprint, json.dumps({
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "documents": stats.documents, "passages": len(passages)}))

    def stats(self) -> dict:
        runs = [json.loads(v) for v in self._r.hvals(self.prefix + "runs")]
        return {
            "index": self.url,
            "store": "redis",
            "passages": self._r.hlen(self.prefix + "passages"),
            "documents": sum(r["documents"] for r in runs),
            "runs": len(runs),
            "size_bytes": int(self._r.info("memory").get("used_memory", 0)),
            "size_of": "Redis memory (whole server)",
            "created": self._r.hget(self.prefix + "meta", "created").decode(),
            "settings": self.settings,
        }

    def close(self) -> None:
        self._r.close()
