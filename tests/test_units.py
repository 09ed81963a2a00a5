"""Direct tests of the run's parts, not only through the CLI: the per-document work, the pipeline's
decisions, the writers and the index stores (SQLite here; Redis in test_index_redis.py)."""

from __future__ import annotations

import gzip
import inspect
import json

import numpy as np
import pytest

from cleaner import Cleaner, Config
from cleaner.dedup.index import DedupIndex
from cleaner.dedup.passages import PassageInput, Preparer
from cleaner.dedup.prior import PriorMatches, PriorPassage
from cleaner.index import open_index
from cleaner.index.matching import copy_of
from cleaner.index.redis import RedisIndex
from cleaner.index.sqlite import SqliteIndex
from cleaner.index.store import Kept, Store
from cleaner.io.writers import RunOutputs, Writer
from cleaner.run.decisions import FURNITURE, CopyOf
from cleaner.run.engines import open_engine
from cleaner.run.stats import RunStats
from cleaner.run.work import TITLE_BLOCK, AssemblyJob, DocumentWork, FirstPassDoc
from cleaner.strip.text import tokens

STORY = ("The regional council approved a new budget for schools and roads on Monday night, after a debate "
         "that lasted more than four hours and drew a large crowd to the town hall.")
OTHER = ("Rescue teams reached the stranded hikers on the northern ridge early on Sunday, "
         "guided by a signal from a mobile phone that one of them had kept switched off to save the battery.")


def _first(text: str, doc_id: str = "d") -> FirstPassDoc:
    item = DocumentWork(Config()).first(0, {"id": doc_id, "text": text})
    assert isinstance(item, FirstPassDoc)
    return item


def _job(item: FirstPassDoc, fates: dict, duplicate_of: str | None = None) -> AssemblyJob:
    pids = {block: pid for pid, block in enumerate(item.block_indices) if block != TITLE_BLOCK}
    return AssemblyJob(-1, 0, len(item.blob), pids, fates, duplicate_of, item.blob)


def test_work_first_then_assemble_keeps_the_body_and_accounts_for_furniture():
    item = _first(f"Council approves the budget\n{STORY}\nAdvertisement\n{OTHER}")
    assert TITLE_BLOCK in item.block_indices and len(item.block_indices) == 3
    result, counts = DocumentWork(Config()).assemble(_job(item, {}))
    assert result.title == "Council approves the budget"
    assert result.body == f"{STORY}\n\n{OTHER}"
    assert [(r.line, r.reason) for r in result.removals] == [(3, "ad_slot")]
    assert counts["passages"] == 2 and counts["removed:ad_slot"] == 1


def test_assemble_follows_the_fates_it_is_given():
    item = _first(f"{STORY}\n{OTHER}")
    story_block, other_block = item.block_indices
    fates = {story_block: CopyOf("elsewhere", 7, "jaccard", longer_than_kept=True), other_block: FURNITURE}
    result, counts = DocumentWork(Config()).assemble(_job(item, fates))
    assert result.body == ""
    copy, furniture = result.removals
    assert (copy.reason, copy.kept_id, copy.kept_line, copy.rule, copy.longer_than_kept) == \
        ("near_duplicate", "elsewhere", 7, "jaccard", True)
    assert (furniture.reason, furniture.rule) == ("site_furniture", "corpus_recurrence")
    assert counts["duplicate_passages"] == 1 and counts["copy:passage"] == 1


def test_a_whole_duplicate_document_keeps_nothing_of_its_own():
    item = _first(STORY)
    (block,) = item.block_indices
    result, _ = DocumentWork(Config()).assemble(_job(item, {block: CopyOf("a", 1, "exact")}, duplicate_of="a"))
    assert result.duplicate_of == "a" and result.body == ""


def _index_of(*texts: str) -> DedupIndex:
    cfg = Config()
    index, preparer = DedupIndex(cfg), Preparer(cfg)
    for d, text in enumerate(texts):
        index.add(d, preparer.prepare([PassageInput(1, tokens(text), sentence=True)]))
    return index


def test_decide_keeps_the_longest_copy_and_an_earlier_runs_passage_wins():
    longer = STORY + " The vote was twelve to three."
    index = _index_of(STORY, longer, OTHER)
    assert index.decide() == {0: (1, "minhash")}
    # Passage 0 is also a checked copy of a passage an earlier run kept: that one wins,
    # though this run's copy is longer.
    kept = Kept(ref=1, doc_id="old", line=3, words=5, pinned=False, key=0, run="r0", tokens=np.empty(0, np.uint32))
    prior = PriorMatches(kept=[kept], links={0: [(1.0, PriorPassage(0), "exact")],
                                             1: [(0.9, PriorPassage(0), "minhash")]})
    assert index.decide(prior=prior) == {0: (PriorPassage(0), "exact"), 1: (PriorPassage(0), "minhash")}


def test_copy_of_is_the_runs_own_check():
    index = _index_of(STORY, STORY + " The vote was twelve to three.", OTHER)
    kept = Kept(1, "old", 1, 30, False, key=42, run="r", tokens=index.tokens(1))
    assert copy_of(index.tokens(0), kept, index.check) == index.check(index.tokens(0), index.tokens(1))
    assert copy_of(index.tokens(0), kept, index.check)[1] in ("minhash", "truncated_copy")
    assert copy_of(index.tokens(2), kept, index.check) is None
    assert copy_of(index.tokens(0), Kept(2, "old", 2, 3, False, key=42, run="r", tokens=np.empty(0, np.uint32)),
                   index.check) is None


def test_both_stores_implement_the_store_interface():
    wanted = {name: inspect.signature(getattr(Store, name)).parameters.keys()
              for name in ("band_members", "fetch", "claim", "commit", "stats", "close")}
    for store in (SqliteIndex, RedisIndex):
        for name, params in wanted.items():
            assert inspect.signature(getattr(store, name)).parameters.keys() == params, (store, name)


def test_sqlite_store_round_trip(tmp_path):
    store_round_trip(open_index(str(tmp_path / "runs.sqlite"), Config()))


def store_round_trip(store: Store) -> None:
    """Two runs through ``store``: what the first kept is found, fetched and matched by the second."""
    first = Cleaner(Config(), index=store)
    assert [r.duplicate_of for r in first.run([{"id": "a", "text": STORY}, {"id": "b", "text": OTHER}],
                                               fingerprint="run-1")] == [None, None]
    figures = store.stats()
    assert (figures["runs"], figures["documents"], figures["passages"]) == (1, 2, 2)
    # The lookup keys of the story find it again; an unknown key finds nothing.
    prepared = Preparer(Config()).prepare([PassageInput(1, tokens(STORY), sentence=True)])
    assert prepared.lookup is not None
    members = store.band_members(prepared.lookup)
    refs = sorted({ref for found in members.values() for ref in found})
    kept = store.fetch(refs)
    assert [k.doc_id for k in kept] == ["a"] and kept[0].run == "run-1" and kept[0].tokens is not None
    assert store.band_members(prepared.lookup[:1] ^ 1) == {}
    second = Cleaner(Config(), index=store)
    (result,) = second.run([{"id": "c", "text": STORY}], fingerprint="run-2")
    assert result.duplicate_of == "a" and result.removals[0].kept_id == "a"
    store.close()


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be one of local, ray"):
        open_engine("spark", 1, DocumentWork, (Config(),))


def test_writer_commits_atomically_and_aborts_without_trace(tmp_path):
    out = tmp_path / "out.jsonl.gz"
    w = Writer(str(out))
    w.write({"id": "a"})
    assert not out.exists() and (tmp_path / ".out.jsonl.gz.part").exists()
    w.commit()
    assert json.loads(gzip.decompress(out.read_bytes())) == {"id": "a"}
    gone = Writer(str(tmp_path / "gone.jsonl"))
    gone.write({"id": "b"})
    gone.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl.gz"]


def test_run_outputs_are_all_or_nothing(tmp_path):
    paths = [str(tmp_path / n) for n in ("out.jsonl", "explain.jsonl", "rejects.jsonl")]
    with pytest.raises(RuntimeError), RunOutputs(*paths) as outputs:
        outputs.out.write({"id": "a"})
        raise RuntimeError("the run failed")
    assert list(tmp_path.iterdir()) == []
    with RunOutputs(*paths) as outputs:
        outputs.rejects.write({"id": "r"})
        outputs.commit(only_rejects=True)
    assert [p.name for p in tmp_path.iterdir()] == ["rejects.jsonl"]


def test_stats_add_up_across_parts():
    a, b = RunStats(records_read=4, written=2, duplicate_documents=1), RunStats(records_read=2, rejected=1, skipped=1)
    a.add_document({"removed:ad_slot": 2, "copy:title": 1, "passages": 4}, duplicate=False)
    a.add(b)
    assert a.balanced() and a.records_read == 6 and a.written == 3
    assert a.removed["ad_slot"] == 2 and a.duplicate_kinds["title"] == 1 and a.passages == 4
