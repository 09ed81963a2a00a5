"""Dedup on real paragraphs: planted aggregator copies are found, distinct passages are not merged."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GOLDEN
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Cleaner, Document
from cleaner.dedup import kernels
from cleaner.dedup.minhash import permutations, shingle_hash32, shingle_hashes, shingles, signatures, token_hashes
from cleaner.strip.text import tokens

PARAGRAPHS = [
    line.strip() for line in (GOLDEN / "input" / "004_24fd8f660d9764e9.txt").read_text(encoding="utf-8").split("\n")
    if len(line.split()) >= 25
]


def run(docs, config=None):
    cleaner = Cleaner(config)
    results = list(cleaner.run(docs))
    return {r.id: r for r in results}, cleaner.stats


word = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    passages=st.lists(st.lists(word, min_size=0, max_size=40), min_size=1, max_size=6),
    num_perm=st.sampled_from([16, 64, 128, 256]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    size=st.integers(min_value=1, max_value=6),
)
def test_signatures_are_datasketch_bit_for_bit(passages, num_perm, seed, size):
    """The compiled kernels and the numpy path, against datasketch's MinHash fed the same
    shingles with the same hash function, scheme, seed and permutations."""
    perms = permutations(num_perm, seed)
    tok, offsets = kernels.token_hashes(kernels.encode_passages(passages), len(passages))
    values, voff = kernels.shingle_sets(tok, offsets, size)
    compiled = kernels.signatures(values, voff, *perms)
    numpy_path = signatures([shingle_hashes(token_hashes(words), size) for words in passages], perms)
    for p, words in enumerate(passages):
        items = shingles(words, size)
        assert values[voff[p] : voff[p + 1]].tolist() == sorted({shingle_hash32(s) for s in items})
        reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32)
        reference.update_batch(items)
        assert compiled[p].dtype == reference.hashvalues.dtype
        assert np.array_equal(compiled[p], reference.hashvalues)
        assert np.array_equal(numpy_path[p], reference.hashvalues)


def test_distinct_paragraphs_are_not_merged():
    docs = [Document(id=f"p{i}", text=p) for i, p in enumerate(PARAGRAPHS)]
    results, stats = run(docs)
    assert stats.duplicate_passages == 0
    assert all(r.body == p for r, p in zip(results.values(), PARAGRAPHS))


def _truncated(p):
    w = p.split()
    return " ".join(w[: int(len(w) * 0.7)]) + "…"


def _edited(p):
    w = p.split()
    # One word in twenty changed: the "a few words" an aggregator rewrites. (Two
    # changes in a 25-word paragraph already put word 5-gram Jaccard near 0.35.)
    for i in range(10, len(w), 20):
        w[i] = "reportedly"
    return " ".join(w)


@pytest.mark.parametrize("make_copy", [
    _truncated, _edited, lambda p: p + " https://t.co/AbC123xyz", lambda p: p + " Read more at the source.",
], ids=["truncated", "edited", "url", "tail"])
def test_planted_copies_across_documents_are_found(make_copy):
    originals = [Document(id=f"orig{i}", text=p) for i, p in enumerate(PARAGRAPHS[:12])]
    copies = [Document(id=f"copy{i}", text=make_copy(p)) for i, p in enumerate(PARAGRAPHS[:12])]
    results, stats = run(originals + copies)
    for i in range(12):
        a, b = results[f"orig{i}"], results[f"copy{i}"]
        # The longer one is canonical; the other document is entirely a copy of it.
        assert (a.duplicate_of, b.duplicate_of) in ((None, f"orig{i}"), (f"copy{i}", None)), (i, a.body, b.body)
    assert stats.duplicate_documents == 12
    assert stats.balanced()


def test_longest_copy_is_canonical_even_when_it_comes_later():
    short, full = _truncated(PARAGRAPHS[0]), PARAGRAPHS[0]
    results, _ = run([Document("first", short), Document("second", full)])
    assert results["first"].duplicate_of == "second"
    assert results["second"].body == full
    removal = results["first"].removals[0]
    assert (removal.reason, removal.kept_id, removal.kept_line) == ("near_duplicate", "second", 1)


def test_equal_copies_keep_the_first_seen():
    results, _ = run([Document("a", PARAGRAPHS[1]), Document("b", PARAGRAPHS[1]), Document("c", PARAGRAPHS[1])])
    assert [results[k].duplicate_of for k in "abc"] == [None, "a", "a"]


def test_partial_overlap_keeps_the_new_passages():
    a = Document("a", "\n\n".join(PARAGRAPHS[0:3]))
    b = Document("b", "\n\n".join([PARAGRAPHS[1], PARAGRAPHS[5]]))
    results, _ = run([a, b])
    assert results["b"].duplicate_of is None
    assert results["b"].body == PARAGRAPHS[5]
    assert [r.reason for r in results["b"].removals] == ["near_duplicate"]


def test_short_headlines_match_on_normalised_text_but_labels_never_do():
    a = Document("a", "Storm Ciarán Hits Brittany\n\n" + PARAGRAPHS[0] + "\n\nKey facts\n\n" + PARAGRAPHS[2])
    b = Document("b", "Other Title For Page\n\n" + PARAGRAPHS[3] + "\n\nstorm ciarán hits brittany!\n\nKey facts")
    results, _ = run([a, b])
    assert "storm ciarán hits brittany!" not in results["b"].body
    assert results["b"].body.count("Key facts") == 1  # two words: a label, not a copied passage


def test_signature_tokens_ignore_urls_and_handles():
    assert tokens("@user: Hello World https://t.co/x 8,000") == ["hello", "world", "8000"]


def test_in_document_copy_with_rewording():
    tweet = ("Leaked audio from the meeting shows the chief executive telling staff that their work is being "
             "used to train the new model before the layoffs were announced.")
    cached = ("Leaked recording of the meeting. The chief executive told staff: your work is being used to train "
              "the new model before the layoffs were announced. https://t.co/abc")
    results, _ = run([Document("t", "\n".join([tweet, "View Cached Full Text", cached]))])
    r = results["t"]
    assert r.body == tweet
    assert [x.rule for x in r.removals if x.reason == "near_duplicate"] == ["in_document"]
