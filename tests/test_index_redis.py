"""The index in a real Redis server: two halves in turn, and two concurrent runs claiming shared passages.

`.ci/run` installs redis-server and starts it on 127.0.0.1 (CLEANER_TEST_REDIS names it);
without that variable the tests start their own redis-server on a free loopback port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zlib
from collections import Counter

import pytest
from conftest import read_jsonl
from test_index import body_words, paragraphs, run

from benchmarks.archive import build

redis = pytest.importorskip("redis", reason="the Redis index needs the redis package: pip install 'cleaner[redis]'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """The URL of a running Redis server (database 0 is left alone: tests use 1 to 15)."""
    url = os.environ.get("CLEANER_TEST_REDIS")
    if url:
        yield url.rstrip("/")
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (.ci/run installs it from the Debian packages)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def redis_db(redis_server, request):
    """An empty database of the server, flushed again afterwards."""
    db = 1 + zlib.crc32(request.node.name.encode()) % 15
    client = redis.Redis.from_url(f"{redis_server}/{db}")
    client.flushdb()
    yield f"{redis_server}/{db}"
    client.flushdb()


def test_two_halves_in_turn_through_redis(cli, redis_db, tmp_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rhalves")
    build(800, folder / "whole.jsonl", seed=12, copy_share=0.3)
    lines = (folder / "whole.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "a.jsonl").write_text("".join(lines[:400]), encoding="utf-8")
    (folder / "b.jsonl").write_text("".join(lines[400:]), encoding="utf-8")
    run(cli, folder / "a.jsonl", "-o", tmp_path / "a.jsonl", "--index", redis_db)
    run(cli, folder / "b.jsonl", "-o", tmp_path / "b.jsonl", "--index", redis_db)
    run(cli, folder / "whole.jsonl", "-o", tmp_path / "whole.jsonl")
    counts = Counter(paragraphs(tmp_path / "a.jsonl") + paragraphs(tmp_path / "b.jsonl"))
    assert [p for p, n in counts.items() if n > 1] == []
    assert body_words(tmp_path / "a.jsonl") + body_words(tmp_path / "b.jsonl") <= body_words(tmp_path / "whole.jsonl")
    stats = json.loads(cli("index", "stats", redis_db, "--json").output)
    assert (stats["store"], stats["runs"], stats["documents"]) == ("redis", 2, 800) and stats["passages"] > 500
    refused = cli("run", folder / "b.jsonl", "-o", tmp_path / "c.jsonl", "--index", redis_db, "--shingle-size", "4")
    assert refused.exit_code == 2 and "shingle_size=5" in refused.output


@pytest.mark.slow
def test_concurrent_runs_keep_each_shared_passage_once(redis_db, tmp_path):
    """Two `cleaner run` processes at once over inputs sharing 30% of their passages."""
    build(1190, tmp_path / "pool.jsonl", seed=13, copy_share=0.0)
    docs = [json.loads(line) for line in (tmp_path / "pool.jsonl").read_text(encoding="utf-8").splitlines()]
    shared, own_x, own_y = docs[:210], docs[210:700], docs[700:]
    # Each input: 490 documents of its own and the same 210 (30%), syndicated under other ids.
    x = own_x[:245] + [dict(d, id=f"x-{d['id']}") for d in shared] + own_x[245:]
    y = [dict(d, id=f"y-{d['id']}") for d in shared] + own_y
    for name, records in (("x", x), ("y", y)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, "-m", "cleaner", "run", str(tmp_path / f"{name}.jsonl"), "-q",
                               "-o", str(tmp_path / f"{name}.out.jsonl"), "--index", redis_db, "--workers", "1"])
             for name in ("x", "y")]
    assert [p.wait(300) for p in procs] == [0, 0]
    kept = Counter(paragraphs(tmp_path / "x.out.jsonl") + paragraphs(tmp_path / "y.out.jsonl"))
    # The shared passages as one run alone keeps them (what strip moves to related or removes is not at stake).
    alone = tmp_path / "x.alone.jsonl"
    subprocess.run([sys.executable, "-m", "cleaner", "run", str(tmp_path / "x.jsonl"), "-q", "-o", str(alone)],
                   check=True)
    shared_text = {p for d in shared for p in d["text"].split("\n\n")}
    shared_kept = [p for p in paragraphs(alone) if p in shared_text]
    assert len(shared_kept) > 1000
    # Each is kept exactly once across the two concurrent runs: never twice, never lost.
    assert [p for p in shared_kept if kept[p] != 1] == []
    # Whole documents found copied come from the other run (where the claims interleaved, a
    # shared document's passages can be split between the two, so not all 210 are whole copies).
    ids = {name: {r["id"] for r in read_jsonl(tmp_path / f"{name}.out.jsonl")} for name in ("x", "y")}
    dups = {name: [r["duplicate_of"] for r in read_jsonl(tmp_path / f"{name}.out.jsonl") if r["duplicate_of"]]
            for name in ("x", "y")}
    assert all(t in ids["y"] for t in dups["x"]) and all(t in ids["x"] for t in dups["y"])
    assert len(dups["x"]) + len(dups["y"]) >= 100


def test_a_claim_made_after_another_run_looked_is_seen_by_it(redis_db, tmp_path):
    """Two runs look the index up before either claims (the race the Lua claim closes): the one
    that claims second finds the first one's passages in buckets grown since it looked."""
    from cleaner import Cleaner, Config
    from cleaner.index import open_index

    build(60, tmp_path / "pool.jsonl", seed=21, copy_share=0.0)
    docs = [json.loads(line) for line in (tmp_path / "pool.jsonl").read_text(encoding="utf-8").splitlines()]
    first = Cleaner(Config(), index=open_index(redis_db, Config()))
    second = Cleaner(Config(), index=open_index(redis_db, Config()))
    looked = []

    class LookFirst:
        """Wraps the second run's store: its lookups run, then the first run claims and commits."""

        def __init__(self, store):
            self.store = store

        def __getattr__(self, name):
            return getattr(self.store, name)

        def claim(self, passages, fingerprint, index):
            looked.append(len(passages))
            results_first.extend(first.run([dict(d, id=f"a-{d['id']}") for d in docs], fingerprint="first"))
            return self.store.claim(passages, fingerprint, index)

    results_first: list = []
    second.index = LookFirst(second.index)
    results_second = list(second.run([dict(d, id=f"b-{d['id']}") for d in docs], fingerprint="second"))
    assert looked and len(results_first) == len(results_second) == 60
    # The first run claimed everything; the second looked before that, yet keeps nothing twice.
    assert all(r.duplicate_of is None for r in results_first)
    assert [p for r in results_second for p in r.body.split("\n\n") if len(p.split()) >= 10] == []
    copies = [x for r in results_second for x in r.removals if x.reason == "near_duplicate"]
    assert len(copies) > 200 and all(x.kept_id.startswith("a-") for x in copies)


def test_redis_store_round_trip(redis_db):
    from test_units import store_round_trip

    from cleaner import Config
    from cleaner.index import open_index

    store_round_trip(open_index(redis_db, Config()))
