"""The corpus-level pass: a line recurring across many documents in varied places is site furniture."""

from __future__ import annotations

from conftest import GOLDEN

from cleaner import Cleaner, Config, Document

PARAGRAPHS = [
    line.strip() for line in (GOLDEN / "input" / "004_24fd8f660d9764e9.txt").read_text(encoding="utf-8").split("\n")
    if len(line.split()) >= 20
]


def test_recurring_site_line_is_learned_and_removed():
    docs = []
    for i in range(6):
        paras = PARAGRAPHS[i * 3 : i * 3 + 3]
        docs.append(Document(f"d{i}", "\n\n".join([paras[0], "Most read this week on Example News", paras[1], paras[2]])))
    cleaner = Cleaner(Config(furniture_min_docs=5))
    results = list(cleaner.run(docs))
    assert all("Most read this week" not in r.body for r in results)
    assert cleaner.stats.removed["site_furniture"] == 6
    assert all(r.body.count("\n\n") == 2 for r in results)


def test_short_line_in_the_same_surroundings_is_left_to_dedup():
    # A syndicated story's subheading recurs with the same neighbours: not site furniture.
    story = "\n\n".join([PARAGRAPHS[0], "What the ruling means for you", PARAGRAPHS[1]])
    docs = [Document(f"d{i}", story) for i in range(6)]
    cleaner = Cleaner(Config(furniture_min_docs=5))
    results = list(cleaner.run(docs))
    assert cleaner.stats.removed.get("site_furniture", 0) == 0
    assert "What the ruling means for you" in results[0].body
    assert [r.duplicate_of for r in results] == [None] + ["d0"] * 5


def test_below_threshold_it_is_a_repeated_passage_kept_once():
    docs = [Document(f"d{i}", "\n\n".join([PARAGRAPHS[i], "Most read this week on Example News", PARAGRAPHS[i + 6]]))
            for i in range(3)]
    cleaner = Cleaner(Config(furniture_min_docs=5))
    results = list(cleaner.run(docs))
    counts = [r.body.count("Most read this week on Example News") for r in results]
    assert sorted(counts) == [0, 0, 1]
    assert cleaner.stats.removed.get("site_furniture", 0) == 0
    kept = results[counts.index(1)].id  # in the document walked first, the longest
    assert kept == max(docs, key=lambda d: len(d.text.split())).id
    copy = results[counts.index(0)]
    assert [(x.reason, x.rule, x.kept_id) for x in copy.removals] == [("near_duplicate", "exact", kept)]
