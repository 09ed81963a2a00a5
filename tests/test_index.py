"""Dedup across runs: an index in SQLite (and in Redis, for concurrent runs), on a planted archive."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import GOLDEN, read_jsonl

from benchmarks.archive import build
from cleaner.strip.text import tokens


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """An 800-document planted archive (30% copies), cut in two halves of 400."""
    folder = tmp_path_factory.mktemp("halves")
    whole = folder / "whole.jsonl"
    build(800, whole, seed=11, copy_share=0.3)
    lines = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "a.jsonl").write_text("".join(lines[:400]), encoding="utf-8")
    (folder / "b.jsonl").write_text("".join(lines[400:]), encoding="utf-8")
    return folder


def paragraphs(path: Path) -> list[str]:
    return [p for r in read_jsonl(path) for p in r["body"].split("\n\n") if len(p.split()) >= 10]


def body_words(path: Path) -> int:
    return sum(len(r["body"].split()) for r in read_jsonl(path))


def _shingles(text: str, n: int = 5) -> frozenset:
    t = tokens(text)
    return frozenset(tuple(t[i : i + n]) for i in range(max(1, len(t) - n + 1)))


def near_copies(left: list[str], right: list[str] | None = None) -> int:
    """Pairs of paragraphs (one from each list, or two of one list) that are copies by the
    exact measure dedup uses: 5-gram Jaccard >= 0.5 or containment >= 0.8. Brute force over
    an inverted index, independent of MinHash and LSH."""
    sets_l = [_shingles(p) for p in left]
    sets_r = sets_l if right is None else [_shingles(p) for p in right]
    by_shingle: dict = {}
    for j, s in enumerate(sets_r):
        for g in s:
            by_shingle.setdefault(g, []).append(j)
    pairs = 0
    for i, s in enumerate(sets_l):
        shared = Counter(j for g in s for j in by_shingle.get(g, ()))
        for j, inter in shared.items():
            if right is None and j <= i:
                continue
            other = sets_r[j]
            if inter / len(s | other) >= 0.5 or inter / min(len(s), len(other)) >= 0.8:
                pairs += 1
    return pairs


def run(cli, *args):
    result = cli("run", *args, "-q")
    assert result.exit_code == 0, result.output
    return result


def test_two_runs_over_two_halves_keep_each_passage_once(cli, halves, tmp_path):
    index = tmp_path / "seen.sqlite"
    a_out, b_out, whole_out = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "whole.jsonl"
    run(cli, halves / "a.jsonl", "-o", a_out, "--index", index)
    run(cli, halves / "b.jsonl", "-o", b_out, "--index", index, "--explain", tmp_path / "b.explain.jsonl")
    run(cli, halves / "a.jsonl", halves / "b.jsonl", "-o", whole_out)

    kept_a, kept_b = paragraphs(a_out), paragraphs(b_out)
    # Exact copies: a paragraph kept in one output is never kept again, in either.
    counts = Counter(kept_a + kept_b)
    assert [p for p, n in counts.items() if n > 1] == []
    # Near copies across the two runs: no more than one run over everything leaves among its own.
    assert near_copies(kept_b, kept_a) <= near_copies(paragraphs(whole_out))
    # And no more text than one run over the whole corpus.
    assert body_words(a_out) + body_words(b_out) <= body_words(whole_out)
    # The second run did find copies of passages the first one kept.
    a_ids = {r["id"] for r in read_jsonl(a_out)}
    audit = read_jsonl(tmp_path / "b.explain.jsonl")
    across = [x for x in audit if x["reason"] == "near_duplicate" and x["kept_id"] in a_ids]
    assert len(across) > 100


def test_index_stats_and_a_rerun_of_the_same_input(cli, halves, tmp_path):
    index = tmp_path / "seen.sqlite"
    run(cli, halves / "a.jsonl", "-o", tmp_path / "a.jsonl", "--index", index)
    run(cli, halves / "b.jsonl", "-o", tmp_path / "b1.jsonl", "--index", index)
    stats = json.loads(cli("index", "stats", index, "--json").output)
    assert (stats["runs"], stats["documents"]) == (2, 800)
    assert stats["settings"]["threshold"] == 0.5 and stats["size_bytes"] == os.path.getsize(index) + (
        os.path.getsize(f"{index}-wal") if os.path.exists(f"{index}-wal") else 0)
    with sqlite3.connect(index) as db:
        stored = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    assert stats["passages"] == stored > 1000
    text = cli("index", "stats", index).output
    assert "runs       2" in text and f"passages   {stored:,}" in text

    # The same input again is the same run (a rerun after a crash, say): same output, nothing added.
    run(cli, halves / "b.jsonl", "-o", tmp_path / "b2.jsonl", "--index", index)
    assert (tmp_path / "b1.jsonl").read_bytes() == (tmp_path / "b2.jsonl").read_bytes()
    assert json.loads(cli("index", "stats", index, "--json").output)["passages"] == stored


def test_a_run_with_other_settings_is_refused(cli, halves, tmp_path):
    index = tmp_path / "seen.sqlite"
    run(cli, halves / "a.jsonl", "-o", tmp_path / "a.jsonl", "--index", index)
    result = cli("run", halves / "b.jsonl", "-o", tmp_path / "b.jsonl", "--index", index, "--threshold", "0.6")
    assert result.exit_code == 2
    assert "threshold=0.5" in result.output and "threshold=0.6" in result.output
    assert not (tmp_path / "b.jsonl").exists()
    # A setting that does not change what counts as a copy is fine.
    run(cli, halves / "b.jsonl", "-o", tmp_path / "b.jsonl", "--index", index, "--furniture-min-docs", "9")


def test_a_file_that_is_not_an_index_is_refused(cli, tmp_path):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("these are my notes, not an index\n" * 100)
    result = cli("run", GOLDEN / "input", "-o", tmp_path / "out.jsonl", "--index", bogus)
    assert result.exit_code == 2 and "notes.sqlite" in result.output and "not a cleaner index" in result.output
    missing = cli("index", "stats", tmp_path / "nothing.sqlite")
    assert missing.exit_code == 2 and "no such index" in missing.output


def test_a_longer_copy_in_a_later_run_is_a_duplicate_marked_longer(cli, tmp_path):
    paras = [p for p in (GOLDEN / "input" / "004_24fd8f660d9764e9.txt").read_text(encoding="utf-8").split("\n")
             if len(p.split()) >= 30]
    full = paras[0]
    cut = " ".join(full.split()[: len(full.split()) * 3 // 4]) + "…"
    (tmp_path / "day1.jsonl").write_text(json.dumps({"id": "early", "text": f"{cut}\n\n{paras[1]}"}) + "\n")
    (tmp_path / "day2.jsonl").write_text(json.dumps({"id": "late", "text": f"{paras[2]}\n\n{full}"}) + "\n")
    index = tmp_path / "seen.sqlite"
    run(cli, tmp_path / "day1.jsonl", "-o", tmp_path / "day1.out.jsonl", "--index", index)
    run(cli, tmp_path / "day2.jsonl", "-o", tmp_path / "day2.out.jsonl", "--index", index,
        "--explain", tmp_path / "day2.explain.jsonl")
    late = read_jsonl(tmp_path / "day2.out.jsonl")[0]
    assert full not in late["body"] and paras[2] in late["body"]
    [dup] = [x for x in read_jsonl(tmp_path / "day2.explain.jsonl") if x["reason"] == "near_duplicate"]
    assert (dup["kept_id"], dup["kept_line"], dup["rule"], dup.get("longer_than_kept")) == (
        "early", 1, "minhash", True)
    # In one run over both days the longer copy is the one kept.
    run(cli, tmp_path / "day1.jsonl", tmp_path / "day2.jsonl", "-o", tmp_path / "both.jsonl")
    assert [full in r["body"] for r in read_jsonl(tmp_path / "both.jsonl")] == [False, True]


@pytest.mark.slow
def test_killing_a_run_never_corrupts_the_index(halves, tmp_path):
    """20 SIGKILLs at random points of a run with --index; after each, the index is whole
    (as before the run, or as after it) and the next run's output equals an uninterrupted one's."""
    cmd = [sys.executable, "-m", "cleaner", "run", str(halves / "b.jsonl"), "-q", "--workers", "2"]
    pristine = tmp_path / "after-a.sqlite"
    subprocess.run([sys.executable, "-m", "cleaner", "run", str(halves / "a.jsonl"), "-q", "-o",
                    str(tmp_path / "a.jsonl"), "--index", str(pristine)], check=True)
    before = _passages(pristine)
    reference_index = tmp_path / "reference.sqlite"
    shutil.copy(pristine, reference_index)
    started = time.monotonic()
    subprocess.run(cmd + ["-o", str(tmp_path / "reference.jsonl"), "--index", str(reference_index)], check=True)
    full_run = time.monotonic() - started
    after = _passages(reference_index)
    reference = (tmp_path / "reference.jsonl").read_bytes()
    rng = random.Random(5)
    outcomes = Counter()
    for attempt in range(20):
        index = tmp_path / f"kill{attempt}.sqlite"
        shutil.copy(pristine, index)
        out = tmp_path / f"kill{attempt}.jsonl"
        proc = subprocess.Popen(cmd + ["-o", str(out), "--index", str(index)])
        time.sleep(rng.uniform(0.0, full_run * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(index) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        state = _passages(index)
        assert state in (before, after), f"attempt {attempt}: index neither as before nor as after the run"
        outcomes["after" if state == after else "before"] += 1
        subprocess.run(cmd + ["-o", str(out), "--index", str(index)], check=True)
        assert out.read_bytes() == reference, f"attempt {attempt}: output differs from an uninterrupted run"
        assert _passages(index) == after
    assert outcomes["before"] > 0  # the kills did land inside runs


def _passages(index: Path) -> list[tuple]:
    with sqlite3.connect(index) as db:
        return db.execute("SELECT ref, doc_id, line, words, key, tokens FROM passages ORDER BY ref").fetchall()


def test_candidates_are_the_refs_sharing_most_keys_and_the_checks_match_one_by_one(halves, tmp_path, monkeypatch):
    """``matching._candidates`` and ``match_prior`` (arrays, key-sorted merge, threaded checks)
    against their definition: per run passage, the store refs sharing most lookup keys with it
    (ties to the lower ref), at most ``checks_per_passage``; each checked with ``copy_of``."""
    import json as _json

    from cleaner import Cleaner, Config
    from cleaner.index import matching, open_index
    from cleaner.run import pipeline

    config = Config()
    records = lambda name: [_json.loads(line) for line in (halves / name).read_text(encoding="utf-8").splitlines()]  # noqa: E731
    store = open_index(str(tmp_path / "i.sqlite"), config)
    list(Cleaner(config, index=store).run(records("a.jsonl")))
    seen = {}

    def capture(index, store, fingerprint, threads=1):
        # Measured while the run's token file is open (it goes with the run).
        seen["got"] = list(zip(*(a.tolist() for a in matching._candidates(index, store))))
        expected = []
        for pid in range(len(index)):
            if not index.walked_mask()[pid] or index.context[pid]:
                continue
            shared = Counter()
            for key in set(index.lookup_keys(pid).tolist()):
                for ref in store.band_members(np.array([key], dtype=np.uint64)).get(key, ()):
                    shared[ref] += 1
            ranked = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[: config.checks_per_passage]
            expected += [(pid, ref) for ref, _ in ranked]
        seen["expected"] = expected
        # Two library runs over lists share a fingerprint (a rerun's own passages are no copies):
        # matched here as another run's.
        matches = matching.match_prior(index, store, "another run", threads=2)
        seen["links"] = {pid: [(sim, matches.kept[p.k].ref, rule) for sim, p, rule in v]
                         for pid, v in matches.links.items()}
        kept = {k.ref: k for k in store.fetch(sorted({ref for _, ref in expected}))}
        links: dict = {}
        for pid, ref in expected:
            k = kept[ref]
            if k.pinned and index.words[pid] > k.words:
                continue
            found = matching.copy_of(np.asarray(index.tokens(pid)), k, index.check, bool(index.cut[pid]))
            if found is not None:
                links.setdefault(pid, []).append((found[0], ref, found[1]))
        seen["expected_links"] = links
        return matching.match_prior(index, store, fingerprint, threads)

    monkeypatch.setattr(pipeline, "match_prior", capture)
    list(Cleaner(config, index=store).run(records("b.jsonl")))
    assert seen["got"] == seen["expected"] and len(seen["got"]) > 1000
    assert seen["links"] == seen["expected_links"] and seen["links"]
