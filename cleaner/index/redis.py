"""An index across runs in Redis (``--index redis://HOST:PORT/DB``), shared by concurrent runs.

Layout, under a key prefix (``?prefix=NAME`` in the URL, default ``cleaner:``):
- ``meta``: hash of format, settings, created;
- ``next``: the last passage ref handed out;
- ``passages``: hash ref -> JSON [doc_id, line, words, pinned, key, run fingerprint];
- ``tokens``: hash ref -> the passage's uint32 token ids, as bytes;
- ``b:<lookup key>``: a lookup key's bucket (``cleaner.dedup.passages``), the
  refs of the passages in it as "ref," strings appended one by one;
- ``runs``: hash fingerprint -> JSON of the run's counts.

Claims: a run looks its passages up (remembering how long each bucket was),
picks its canonicals, then claims each with one Lua script, which Redis runs
atomically: if none of the passage's buckets grew since the run looked, the
passage gets a ref and joins its buckets; otherwise the script returns the new
members, the run checks them (``cleaner.dedup.walk.check``), and either
the passage is a copy of one (the concurrent run was first: it wins) or the
claim is tried again. Two runs can therefore never both keep one passage.
The claims are made before the run writes its output; a run killed after
claiming is rerun with the same fingerprint and takes its claims as its own.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np

from .matching import copy_of
from .store import INDEX_FORMAT, IndexUnusable, Kept, RunPassage, check_settings, index_settings

if TYPE_CHECKING:
    from ..dedup.index import DedupIndex

_BATCH = 10_000
_CLAIM_BATCH = 500

# Bucket names are built inside the scripts from one string of 16-hex-digit keys, so
# that a passage's 32 buckets cross the wire as one argument, not 32 (measured: the
# client's packing of one argument per key was most of a run's time). Scripts that
# name keys they were not given need a single Redis server, not a Redis Cluster.

# KEYS: next, passages, tokens. ARGV: bucket prefix, the buckets' keys in hex, the
# length of each bucket when the run looked (comma-separated), the passage's JSON, its token ids.
_CLAIM = """
local names, seen = {}, {}
for j = 1, #ARGV[2], 16 do names[#names + 1] = ARGV[1] .. string.sub(ARGV[2], j, j + 15) end
for n in string.gmatch(ARGV[3], '[^,]+') do seen[#seen + 1] = tonumber(n) end
local grown = {}
for i, name in ipairs(names) do
  local now = redis.call('STRLEN', name)
  if now > seen[i] then
    grown[#grown + 1] = name
    grown[#grown + 1] = now
    grown[#grown + 1] = redis.call('GETRANGE', name, seen[i], now - 1)
  end
end
if #grown > 0 then
  return {0, grown}
end
local ref = redis.call('INCR', KEYS[1])
for _, name in ipairs(names) do
  redis.call('APPEND', name, ref .. ',')
end
redis.call('HSET', KEYS[2], ref, ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], ref, ARGV[5])
end
return {1, ref}
"""

# ARGV: bucket prefix, keys in hex. Returns (position, contents) of the buckets that exist.
_LOOKUP = """
local out = {}
local i = 0
for j = 1, #ARGV[2], 16 do
  i = i + 1
  local v = redis.call('GET', ARGV[1] .. string.sub(ARGV[2], j, j + 15))
  if v then
    out[#out + 1] = i
    out[#out + 1] = v
  end
end
return out
"""


def _hex(keys) -> str:
    """uint64 keys as one string of 16 hex digits each (the bucket names' suffixes)."""
    return np.asarray(keys, dtype=np.uint64).astype(">u8").tobytes().hex()


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
        # Any: replies are bytes (no decode_responses), which redis's types cannot say.
        self._r: Any = redis.Redis.from_url(urlunsplit(parts._replace(query="")))
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
        stored = cast("dict[bytes, bytes]", self._r.hgetall(meta))  # replies are bytes: no decode_responses
        if not stored:
            raise IndexUnusable(f"{url}: no cleaner index under prefix {self.prefix!r}")
        self.settings = json.loads(stored[b"settings"])
        if int(stored[b"format"]) != INDEX_FORMAT:
            raise IndexUnusable(f"{url}: index format {stored[b'format'].decode()}, this cleaner reads {INDEX_FORMAT}")
        if config is not None:
            check_settings(url, self.settings, config)
        self._claim = self._r.register_script(_CLAIM)
        self._lookup = self._r.register_script(_LOOKUP)
        self._seen: dict[str, int] = {}  # bucket -> its length when this run looked

    def _members(self, kind: str, keys: np.ndarray) -> dict[int, list[int]]:
        """The buckets of ``keys`` that exist, read in the server by the batch; their lengths are
        remembered (a bucket not found was empty), for the claims to tell what came since."""
        out = {}
        prefix = self.prefix + kind
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start : start + _BATCH]
            found = self._lookup(args=[prefix, _hex(chunk)])
            for position, blob in zip(found[0::2], found[1::2]):
                key = int(chunk[position - 1])
                self._seen[f"{prefix}{key:016x}"] = len(blob)
                out[key] = _refs(blob)
        return out

    def band_members(self, keys: np.ndarray) -> dict[int, list[int]]:
        return self._members("b:", keys)

    def fetch(self, refs: list[int]) -> list[Kept]:
        out = []
        for start in range(0, len(refs), _BATCH):
            chunk = refs[start : start + _BATCH]
            records = self._r.hmget(self.prefix + "passages", chunk)
            tokens = self._r.hmget(self.prefix + "tokens", chunk)
            for ref, record, sh in zip(chunk, records, tokens):
                if record is None:
                    continue
                doc_id, line, words, pinned, key, run = json.loads(record)
                out.append(Kept(ref, doc_id, line, words, bool(pinned), key, run,
                                np.frombuffer(sh or b"", dtype=np.uint32)))
        return out

    def claim(self, passages: list[RunPassage], fingerprint: str, index) -> dict[int, tuple[Kept, float, str]]:
        """Claim each passage's slot; return those a concurrent run had kept first, with its passage.

        Claims go out by the batch in one pipeline (each script still runs atomically);
        a claim refused because its buckets grew is checked and retried on its own.
        """
        lost: dict[int, tuple[Kept, float, str]] = {}
        for start in range(0, len(passages), _CLAIM_BATCH):
            batch = passages[start : start + _CLAIM_BATCH]
            pipe = self._r.pipeline(transaction=False)
            for p in batch:
                self._claim_call(p, fingerprint, pipe)
            for p, (done, detail) in zip(batch, pipe.execute()):
                while not done:
                    winner = self._check_grown(p, detail, fingerprint, index)
                    if winner is not None:
                        if winner[0] is not None:
                            lost[p.pid] = winner
                        break
                    done, detail = self._claim_call(p, fingerprint)
        return lost

    def _claim_call(self, p: RunPassage, fingerprint: str, pipe=None):
        keys = p.bands
        prefix = self.prefix + "b:"
        hexes = _hex(keys)
        seen = ",".join(str(self._seen.get(prefix + hexes[j : j + 16], 0)) for j in range(0, len(hexes), 16))
        record = json.dumps([p.doc_id, p.line, p.words, int(p.pinned), int(p.key), fingerprint])
        tokens = p.tokens.astype(np.uint32).tobytes()
        return self._claim(keys=[self.prefix + "next", self.prefix + "passages", self.prefix + "tokens"],
                           args=[prefix, hexes, seen, record, tokens], client=pipe)

    def _check_grown(self, p: RunPassage, detail: list, fingerprint: str, index):
        """A claim was refused: the buckets grew since this run looked. Check the newcomers."""
        new_refs = set()
        for name, length, blob in zip(detail[0::3], detail[1::3], detail[2::3]):
            self._seen[name.decode()] = int(length)
            new_refs.update(_refs(blob))
        return self._first_copy(p, sorted(new_refs), fingerprint, index)

    def _first_copy(self, p: RunPassage, refs: list[int], fingerprint: str, index: DedupIndex):
        """The earliest of ``refs`` that ``p`` is a copy of, as (kept, similarity, rule);
        (None, 0, "") when one is ``p`` itself, claimed by an earlier attempt of this run; else None."""
        for kept in self.fetch(refs):
            if kept.run == fingerprint:
                if kept.doc_id == p.doc_id and kept.line == p.line:
                    return None, 0.0, ""
                continue
            checked = copy_of(p.tokens, kept, index.check, bool(index.cut[p.pid]))
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
