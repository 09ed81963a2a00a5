"""Dedup on real paragraphs: planted aggregator copies are found, distinct passages are not merged."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GOLDEN
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Cleaner, Config, Document
from cleaner.dedup import kernels
from cleaner.dedup.minhash import permutations, shingle_hash32, shingle_hashes, shingles, signatures, token_hashes
from cleaner.strip.text import (
    FOLD_CHANGES_WORDS_RE,
    WORD_RE,
    dedup_tokens,
    divisible,
    marks,
    nfkc,
    passage_words,
    sentence_spans,
    tokens,
)

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


_FNV_OFFSET, _FNV_PRIME, _MASK64 = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = h * 0xFF51AFD7ED558CCD & _MASK64
    h ^= h >> 33
    h = h * 0xC4CEB9FE1A85EC53 & _MASK64
    return h ^ (h >> 33)


def _run_key(hashes: list[int]) -> int:
    """The key of a run of token hashes: FNV-1a 64 over them, then fmix64."""
    acc = _FNV_OFFSET
    for h in hashes:
        acc = (acc ^ h) * _FNV_PRIME & _MASK64
    return _fmix64(acc)


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> list[int]:
    out = []
    for band in range(bands):
        key = (_FNV_OFFSET ^ band) * _FNV_PRIME & _MASK64
        for r in range(rows):
            key = (key ^ int(sig[band * rows + r])) * _FNV_PRIME & _MASK64
        key ^= key >> 33
        key = key * 0xFF51AFD7ED558CCD & _MASK64
        out.append(key ^ (key >> 33))
    return out


@settings(max_examples=60, deadline=None)
@given(
    passages=st.lists(st.lists(word, min_size=0, max_size=40), min_size=1, max_size=6),
    kinds=st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=6, max_size=6),
    starts=st.lists(st.integers(min_value=0, max_value=36), max_size=8),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_passage_keys_are_each_kind_by_its_definition(passages, kinds, starts, seed):
    """The one compiled pass that makes every lookup key, against each kind made on its own:
    exact text keys, LSH bands of MinHash over word pairs and over words and pairs (from the
    shingle sets and signatures tested above), the start/head/tail runs and later sentences'
    starts, each salted, in kind order, a passage's sentence starts after its own kinds."""
    from cleaner.dedup.passages import _SALTS

    bands, rows, start_words, edge_words = 4, 3, 4, 5
    a, b = permutations(bands * rows, seed)
    tok, offsets = kernels.token_hashes(kernels.encode_passages(passages), len(passages))
    n = np.diff(offsets)
    kinds_arr = np.array(kinds[: len(passages)], dtype=bool)
    kinds_arr[:, 3] &= n >= start_words
    kinds_arr[:, 4:] &= (n >= edge_words)[:, None]
    owner, first = [], []
    for k, s in enumerate(sorted(starts)):
        p = k % len(passages)
        if n[p] - s >= start_words:
            owner.append(p)
            first.append(int(offsets[p]) + s)
    order = np.argsort(owner, kind="stable")
    owner, first = np.asarray(owner, dtype=np.int64)[order], np.asarray(first, dtype=np.int64)[order]
    text_keys = np.array([_run_key([len(p), k]) for k, p in enumerate(passages)], dtype=np.uint64)
    flat, sizes = kernels.passage_keys(tok, offsets, text_keys, kinds_arr, a, b, bands, rows, start_words,
                                       edge_words, owner, first, _SALTS)
    pairs = kernels.signatures(*kernels.shingle_sets(tok, offsets, 2), a, b)
    singles = kernels.signatures(*kernels.shingle_sets(tok, offsets, 1), a, b)
    want: list[int] = []
    want_sizes = []
    salts = [int(x) for x in _SALTS]
    for p in range(len(passages)):
        t = [int(x) for x in tok[offsets[p] : offsets[p + 1]]]
        mine = []
        if kinds_arr[p, 0]:
            mine.append(int(text_keys[p]) ^ salts[0])
        if kinds_arr[p, 1]:
            mine += [k ^ salts[1] for k in _band_keys(np.minimum(pairs[p], singles[p]), bands, rows)]
        if kinds_arr[p, 2]:
            mine += [k ^ salts[2] for k in _band_keys(pairs[p], bands, rows)]
        if kinds_arr[p, 3]:
            mine.append(_run_key(t[:start_words]) ^ salts[3])
        if kinds_arr[p, 4]:
            mine.append(_run_key(t[:edge_words]) ^ salts[4])
        if kinds_arr[p, 5]:
            mine.append(_run_key(t[-edge_words:]) ^ salts[5])
        for o, f in zip(owner.tolist(), first.tolist()):
            if o == p:
                mine.append(_run_key([int(x) for x in tok[f : f + start_words]]) ^ salts[3])
        want += mine
        want_sizes.append(len(mine))
    assert sizes.tolist() == want_sizes
    assert flat.tolist() == want


def test_fold_changes_words_set_is_every_such_character():
    """``passage_words`` folds words one by one where folding keeps every character's kind; the
    characters where it does not are a constant: folding all of Unicode again must find them."""
    import sys

    changed = []
    for c in range(sys.maxunicode + 1):
        ch = chr(c)
        folded = ch.casefold()
        if folded == ch or 0xD800 <= c < 0xE000:
            continue
        word = WORD_RE.fullmatch(ch) is not None
        if any((WORD_RE.fullmatch(x) is not None) != word or x in ".,'’-" for x in folded):
            changed.append(ch)
    assert changed
    assert all(FOLD_CHANGES_WORDS_RE.fullmatch(ch) for ch in changed)
    assert sum(1 for c in range(0x10000) if FOLD_CHANGES_WORDS_RE.fullmatch(chr(c))) == len(changed)


def _as_defined(text: str):
    toks = dedup_tokens(text)
    return (toks, *marks(text, len(toks)))


_LINE_CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(list("aZ1 .,!?’'-@#:/İΐß。日本ΣςﬁⅣ²…\"") + ["www.", "http://x.y", "8,000", "U.S.", "e.g."]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE_CHARS, max_size=40).map("".join))
def test_passage_words_are_tokens_and_marks_as_defined(text):
    assert passage_words(text) == _as_defined(text)


def test_passage_words_are_tokens_and_marks_as_defined_on_real_lines():
    """The seeds and the held-out slice of real pages (40 languages, scripts without spaces among them)."""
    import json

    from conftest import DATA

    lines = [ln for p in sorted((GOLDEN / "input").iterdir()) if p.is_file()
             for ln in p.read_text(encoding="utf-8", errors="replace").split("\n") if ln.strip()]
    with open(DATA / "linemodel" / "heldout_lines.jsonl", encoding="utf-8") as fh:
        lines += [json.loads(line)["text"] for line in fh]
    assert len(lines) > 5000
    for line in lines:
        assert passage_words(line) == _as_defined(line), line


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
    b = Document("b", "Other Title For Page\n\n" + PARAGRAPHS[3] + "\n\nstorm ciarán hits brittany!\n\nKey facts\n\n" + PARAGRAPHS[4])
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


# Aggregator copies the issue names (tests/data/fundus_jp.json is MIT, see tests/data/README.md).
SHORT = [p for p in PARAGRAPHS if len(p.split()) <= 40]


def _edit(text: str, changes: list[tuple[int, str]]) -> str:
    """``text`` with word ``i`` replaced by ``word`` ("" deletes it, "+word" inserts before it)."""
    words = text.split()
    for i, word in sorted(changes, reverse=True):
        if word.startswith("+"):
            words.insert(i, word[1:])
        elif word:
            words[i] = word
        else:
            del words[i]
    return " ".join(words)


def test_a_short_paragraph_with_words_changed_and_inserted_is_a_copy():
    para = SHORT[0]
    copy = _edit(para, [(3, "+reportedly"), (len(para.split()) - 3, "also"), (6, "")])
    results, _ = run([Document("a", PARAGRAPHS[5] + "\n\n" + para), Document("b", PARAGRAPHS[6] + "\n\n" + copy)])
    assert copy not in results["b"].body or para not in results["a"].body
    assert [x.rule for x in results["b"].removals + results["a"].removals] == ["edited_copy"]


def test_template_lines_with_another_name_or_number_are_not_copies():
    lines = ["Apple declined to comment on the report when reached on Monday.",
             "Google declined to comment on the report when reached on Monday.",
             "Apple declined to comment on the report when reached on Friday.",
             "The company said 3,000 jobs would be cut in the United States next year.",
             "The company said 1,000 jobs would be cut in the United States next year."]
    docs = [Document(f"d{i}", PARAGRAPHS[i] + "\n\n" + line) for i, line in enumerate(lines)]
    results, stats = run(docs)
    assert stats.duplicate_passages == 0
    assert all(line in results[f"d{i}"].body for i, line in enumerate(lines))


def test_a_paragraph_split_in_one_copy_and_joined_in_another_is_found():
    a = next(p for p in PARAGRAPHS if ". " in p.rstrip(".") and len(p.split(". ", 1)[1].split()) >= 12)
    b = next(p for p in PARAGRAPHS if p != a)
    first, rest = a.split(". ", 1)
    original = Document("orig", "\n\n".join([a, b, next(p for p in PARAGRAPHS if p not in (a, b))]))
    split = Document("split", "\n\n".join([first + ".", rest, b]))
    joined = Document("joined", "\n\n".join([a + " " + b]))
    results, _ = run([original, split, joined])
    bodies = "\n\n".join(r.body for r in results.values())
    assert bodies.count(rest) == 1 and bodies.count(b) == 1
    assert results["split"].duplicate_of == "orig"


def test_sentence_starts_line_up_with_the_dedup_tokens():
    def starts(text):
        toks = dedup_tokens(text)
        return [toks[k] for k in marks(text, len(toks))[1]]

    assert starts("He said so. Then he left! Why? no.") == ["then", "why"]
    # Not after an initial, not before a word in lower case, not inside a number or a domain.
    assert starts("The U.S. Air Force said so, e.g. in 3.5 cases at example.com today.") == []
    assert starts("He said “go.” Then he left.") == ["then"]
    # Scripts without spaces: a token is a character.
    assert starts("新华社北京4月24日电。习近平主席致贺信。大家表示") == ["习", "大"]


def test_sentence_spans_cover_the_line_and_line_up_with_the_sentence_starts():
    def spans(text):
        toks = dedup_tokens(text)
        found = sentence_spans(text, len(toks), marks(text, len(toks))[1])
        return None if found is None else [text[a:b] for a, b in found]

    assert spans("He said so. Then he left! Why? no.") == ["He said so. ", "Then he left! ", "Why? no."]
    assert spans("“It is a different force … than the girls play. It’s a different game.”") == [
        "“It is a different force … than the girls play. ", "It’s a different game.”"]
    assert spans("One sentence only.") is None
    # Words a URL or a script without spaces moves: such a line is never cut by sentence.
    assert spans("See https://example.com/a. Then go.") is None
    assert spans("新华社北京4月24日电。习近平主席致贺信。") is None


sentence_text = st.lists(st.sampled_from(["He", "said", "so.", "Then", "the", "U.S.", "8,000", "e.g.", "ﬁnal", "“go.”",
                                          "Why?", "@desk", "www.x.com", "日本。", "İstanbul", "3.5", "no.", "…", "O’Neil"]),
                         min_size=1, max_size=14).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(sentence_text, st.text(max_size=60)))
def test_divisible_is_whether_the_sentence_spans_line_up(text):
    """The first pass's shortcut (no spans built for a plain line) answers as building them would."""
    toks = dedup_tokens(text)
    names, starts = marks(text, len(toks))
    assert divisible(text, len(toks), starts, names) == (bool(starts) and sentence_spans(text, len(toks), starts) is not None)


@settings(max_examples=300, deadline=None)
@given(st.one_of(sentence_text, st.text(max_size=60)))
def test_name_flags_are_capitals_and_digits(text):
    """A name: a capitalised word (the first of the line only when longer than three letters); a number: a word with a digit."""
    import re

    from cleaner.strip.text import words

    if "://" in text or "www." in text.lower() or text != nfkc(text):
        return  # marks reads the line without its links, normalised
    found = words(text)
    want = [(w[0].isupper() and (i > 0 or len(w) > 3)) or re.search(r"\d", w) is not None for i, w in enumerate(found)]
    assert marks(text, len(found))[0] == want


def test_a_paragraph_joined_to_a_short_sentence_is_a_recut_copy():
    # The sentence is under edge_min_words: no tail key; its own first four words find it.
    short = PARAGRAPHS[14].split(". ", 1)[1]
    kept = Document("kept", "\n\n".join([PARAGRAPHS[3], PARAGRAPHS[0], short, PARAGRAPHS[1]]))
    joined = Document("joined", "\n\n".join([PARAGRAPHS[5], PARAGRAPHS[3] + " " + short]))
    results, _ = run([kept, joined])
    assert [(x.rule, x.kept_id) for x in results["joined"].removals] == [("recut_copy", "kept")]
    assert results["joined"].body == PARAGRAPHS[5]


def test_long_paragraphs_that_name_different_things_are_not_copies():
    para = PARAGRAPHS[10]  # "On Thursday news broke that Attorney General Barr was ..."
    assert "Thursday" in para and "Barr" in para
    other = para.replace("Thursday", "Monday").replace("Barr", "Sessions")
    edited = _edit(para, [(12, "+reportedly"), (20, "")])
    docs = [Document("a", PARAGRAPHS[0] + "\n\n" + para), Document("b", PARAGRAPHS[1] + "\n\n" + other),
            Document("c", PARAGRAPHS[2] + "\n\n" + edited)]
    results, _ = run(docs)
    assert other in results["b"].body and not results["b"].removals
    # The edited copy and the paragraph are one: whichever is kept, the other is its copy.
    assert sorted((x.rule, x.kept_id) for x in results["a"].removals + results["c"].removals) in (
        [("minhash", "a")], [("minhash", "c")])


def test_a_few_words_cut_short_are_a_copy_only_in_a_related_document():
    para = PARAGRAPHS[2]
    teaser = " ".join(para.split()[:5]) + "…"
    results, _ = run([Document("full", para + "\n\n" + PARAGRAPHS[4]),
                      Document("other", PARAGRAPHS[7] + "\n\n" + teaser)])
    assert teaser in results["other"].body
    # In a copy of the story, the same teaser is the story's.
    results, _ = run([Document("full", para + "\n\n" + PARAGRAPHS[4]),
                      Document("copy", PARAGRAPHS[4] + "\n\n" + teaser)])
    assert [x.kept_id for x in results["copy"].removals] == ["full", "full"]


def test_a_copy_cut_at_30_percent_with_an_ellipsis_is_found():
    para = PARAGRAPHS[3]
    words = para.split()
    cut = " ".join(words[: len(words) * 3 // 10]) + "…"
    results, _ = run([Document("full", para + "\n\n" + PARAGRAPHS[4]), Document("cache", PARAGRAPHS[7] + "\n\n" + cut)])
    assert [(x.rule, x.kept_id) for x in results["cache"].removals] == [("truncated_copy", "full")]


def test_a_tie_in_length_goes_to_the_copy_that_is_not_cut_short():
    para = PARAGRAPHS[2]
    cut = para.rstrip(".") + "…"
    results, _ = run([Document("cut", cut), Document("whole", para)])
    assert results["cut"].duplicate_of == "whole" and results["whole"].body == para


def test_a_syndicated_document_with_a_line_of_its_own_is_a_whole_copy():
    own = "Readers sent the portal photographs of the flooded streets."
    wire = Document("wire", "\n\n".join(PARAGRAPHS[:4]))
    portal = Document("portal", "\n\n".join([*PARAGRAPHS[:3], own]))
    results, _ = run([portal, wire])
    assert results["portal"].duplicate_of == "wire" and results["portal"].body == ""
    # What it held of its own is in the audit, with the document kept.
    assert [(x.rule, x.kept_id) for x in results["portal"].removals if x.text == own] == [("whole_document", "wire")]


def test_a_copy_whose_last_paragraph_is_edited_past_the_passage_check_is_still_a_whole_copy():
    # Every sixth word of the last paragraph changed: too much for a passage check, but half the
    # paragraph's word trigrams are still the wire's, and its other three are the wire's.
    story = [PARAGRAPHS[10], PARAGRAPHS[13], PARAGRAPHS[16], PARAGRAPHS[19]]
    edited = " ".join("zzz" if k % 6 == 5 else w for k, w in enumerate(story[3].split()))
    wire = Document("wire", "\n\n".join(["Zuckerberg on the leak", *story, PARAGRAPHS[20]]))
    portal = Document("portal", "\n\n".join(["Zuckerberg on the leak (video)", *story[:3], edited]))
    results, _ = run([wire, portal])
    assert results["portal"].duplicate_of == "wire" and results["portal"].body == ""
    assert [x.rule for x in results["portal"].removals if x.text == edited] == ["whole_document"]
    # A paragraph of its own in the same place is not inside the wire's text: that copy keeps it.
    portal = Document("portal", "\n\n".join(["Zuckerberg on the leak (video)", *story[:3], PARAGRAPHS[2]]))
    results, _ = run([wire, portal])
    assert results["portal"].duplicate_of is None and results["portal"].body == PARAGRAPHS[2]


def test_a_whole_copys_own_paragraph_copied_by_another_document_stays_in_that_one():
    own = PARAGRAPHS[8]
    wire = Document("wire", "\n\n".join(["Leak", *PARAGRAPHS[10:16]]))
    portal = Document("portal", "\n\n".join(["Leak (video)", *PARAGRAPHS[10:16], own]))
    blog = Document("blog", "\n\n".join(["Other news", PARAGRAPHS[1], own]))
    results, _ = run([wire, portal, blog])
    # The portal, the longest, is kept; the wire copies it all.
    assert results["wire"].duplicate_of == "portal"
    wire = Document("wire", "\n\n".join(["Leak", *PARAGRAPHS[10:17]]))
    results, _ = run([wire, portal, blog])
    # Now the wire is longest: the portal is its whole copy, though the blog copies the portal's
    # own paragraph; the paragraph stays in the blog, and the portal's audit points there.
    assert results["portal"].duplicate_of == "wire" and results["portal"].body == ""
    assert results["blog"].duplicate_of is None and results["blog"].body == "\n\n".join([PARAGRAPHS[1], own])
    assert [x.kept_id for x in results["portal"].removals if x.text == own] == ["blog"]


def test_a_whole_copys_own_paragraph_goes_to_the_copy_the_keep_policy_keeps_first():
    own = PARAGRAPHS[8]
    docs = [Document("wire", "\n\n".join(["Leak", *PARAGRAPHS[10:17]])),
            Document("portal", "\n\n".join(["Leak (video)", *PARAGRAPHS[10:16], own])),
            Document("short", "\n\n".join(["Other news", PARAGRAPHS[1], own])),
            Document("long", "\n\n".join(["More news", PARAGRAPHS[2], PARAGRAPHS[3], own]))]
    for config, heir, other in ((None, "long", "short"), (Config(keep="first"), "short", "long")):
        results, _ = run(docs, config)
        assert results["portal"].duplicate_of == "wire"
        assert results[heir].body.endswith(own) and not results[other].body.endswith(own)
        assert [x.kept_id for x in results[other].removals if x.text == own] == [heir]


def test_a_line_that_copies_a_whole_copys_title_does_not_hold_it_back():
    # The wire's first line repeats the portal's headline; the portal, emptied, keeps its title.
    lead = PARAGRAPHS[4].split(". ")[0] + "."
    wire = Document("wire", "\n\n".join([lead, *PARAGRAPHS[5:9]]))
    portal = Document("portal", "\n\n".join(["BREAKING: " + lead.rstrip("."), *PARAGRAPHS[5:8]]))
    results, _ = run([portal, wire])
    assert [(x.line, x.kept_id, x.kept_line) for x in results["wire"].removals] == [(1, "portal", 1)]
    assert results["portal"].duplicate_of == "wire" and results["portal"].title.endswith("in the audience")


def test_keep_first_keeps_the_first_seen_document():
    story = "\n\n".join(PARAGRAPHS[:3])
    longer = story + "\n\n" + PARAGRAPHS[3]
    results, _ = run([Document("first", story), Document("second", longer)], Config(keep="first"))
    assert results["first"].body == story and results["second"].body == PARAGRAPHS[3]
    results, _ = run([Document("first", story), Document("second", longer)])
    assert results["first"].duplicate_of == "second"


def test_japanese_copies_are_found_with_character_shingles():
    import json

    from conftest import ROOT

    data = json.loads((ROOT / "tests" / "data" / "fundus_jp.json").read_text(encoding="utf-8"))
    article = data["fp-jp-MainichiShimbun"]
    text = "\n\n".join([article["title"], *article["paragraphs"]])
    edited = text.replace("。", "、", 1)  # one character changed in the first paragraph
    other = "\n\n".join([data["fp-jp-Nikkei"]["title"], *data["fp-jp-Nikkei"]["paragraphs"]])
    results, _ = run([Document("a", text), Document("b", text), Document("c", edited), Document("n", other)])
    assert [results[k].duplicate_of for k in "abcn"] == [None, "a", "a", None]


def _syndicated(cut_at: int = 3) -> list[Document]:
    """One real story on three hosts: a portal's longer copy, a blog's, and the wire's own, cut shortest."""
    story = [PARAGRAPHS[0], *PARAGRAPHS[1:5]]
    return [
        Document("portal", "\n\n".join(story), {"url": "https://www.bignews-portal.example/world/1"}),
        Document("blog", "\n\n".join(story[:4]), {"url": "http://blog.example.net/p?id=9"}),
        Document("wire", "\n\n".join(story[:cut_at]), {"url": "https://uk.wire.example/article/7"}),
    ]


def test_source_priority_keeps_the_listed_hosts_copy_even_when_shorter():
    docs = _syndicated()
    results, _ = run(docs)
    assert results["wire"].duplicate_of == "portal"  # longest
    config = Config(keep="source-priority", source_priority=("wire.example", "blog.example.net"))
    results, _ = run(_syndicated(), config)
    assert results["wire"].body == docs[2].text and results["wire"].duplicate_of is None
    # the blog's copy adds one paragraph to the wire's: that paragraph stays, the rest points at the wire
    assert results["blog"].body == PARAGRAPHS[3]
    assert {r.kept_id for r in results["blog"].removals} == {"wire"}
    # the portal is not listed: it comes after the listed hosts, and keeps only what neither holds
    assert results["portal"].body == PARAGRAPHS[4]


def test_source_priority_is_the_same_with_two_workers_and_with_an_index(tmp_path):
    import json

    from cleaner.index import open_index

    config = Config(keep="source-priority", source_priority="wire.example, blog.example.net")
    assert config.source_priority == ("wire.example", "blog.example.net")
    one = [json.dumps(r.to_json(), sort_keys=True) for r in Cleaner(config).run(_syndicated())]
    two = [json.dumps(r.to_json(), sort_keys=True) for r in Cleaner(config, workers=2).run(_syndicated())]
    assert one == two and '"duplicate_of": null' in one[2]
    # an index of earlier runs: a first run into it decides as a run without one
    indexed = Cleaner(config, index=open_index(str(tmp_path / "seen.sqlite"), config))
    assert [json.dumps(r.to_json(), sort_keys=True) for r in indexed.run(_syndicated())] == one


@pytest.mark.parametrize("bad, message", [
    (dict(keep="source-priority"), "needs source_priority"),
    (dict(keep="source-priority", source_priority=("reuters.com", "not a host")), "'not a host' is not a host"),
    (dict(keep="source-priority", source_priority="reuters.com:443"), "'reuters.com:443' is not a host"),
    (dict(keep="source-priority", source_priority="*.apnews.com"), "is not a host"),
    (dict(keep="source-priority", source_priority=42), "must be a list of hosts"),
    (dict(keep="newest"), "keep must be one of"),
])
def test_source_priority_settings_are_checked(bad, message):
    with pytest.raises(ValueError, match=message):
        Config(**bad)


def _added(new_index: int = 11):
    """A story, and another site's paragraph that adds a sentence of its own to one of the story's."""
    kept = Document("kept", "\n\n".join([PARAGRAPHS[3], PARAGRAPHS[1], PARAGRAPHS[0]]))
    added = Document("added", "\n\n".join([PARAGRAPHS[5], PARAGRAPHS[1] + " " + PARAGRAPHS[new_index]]))
    return [kept, added]


def test_a_paragraph_that_adds_a_sentence_to_a_copied_one_keeps_only_the_new_sentence():
    results, stats = run(_added())
    assert results["added"].body == PARAGRAPHS[5] + "\n\n" + PARAGRAPHS[11]
    assert [x.to_json() | {"score": None} for x in results["added"].removals] == [
        {"id": "added", "line": 3, "reason": "near_duplicate", "rule": "exact", "text": PARAGRAPHS[1],
         "kept_id": "kept", "kept_line": 3, "span": True, "score": None}]
    assert results["kept"].body == "\n\n".join([PARAGRAPHS[3], PARAGRAPHS[1], PARAGRAPHS[0]])
    # The line is kept (its new sentence): the cut is counted as a span, not as a copied passage.
    assert stats.duplicate_passages == 0 and stats.duplicate_kinds == {"span": 1}
    assert stats.removed["near_duplicate"] == 1


def test_a_sentence_with_another_name_or_number_is_not_cut():
    sentence = PARAGRAPHS[10].split(". ")[0] + "."  # "On Thursday news broke that Attorney General Barr ..."
    assert "Thursday" in sentence and len(sentence.split()) < 30
    kept = Document("kept", "\n\n".join([PARAGRAPHS[3], sentence, PARAGRAPHS[0]]))
    for other in (sentence.replace("Thursday", "Friday"), sentence.replace("Barr", "Sessions")):
        added = Document("added", "\n\n".join([PARAGRAPHS[5], other + " " + PARAGRAPHS[11]]))
        results, _ = run([kept, added])
        assert results["added"].body == PARAGRAPHS[5] + "\n\n" + other + " " + PARAGRAPHS[11]
        assert not results["added"].removals
    # The same sentence unchanged is cut.
    added = Document("added", "\n\n".join([PARAGRAPHS[5], sentence + " " + PARAGRAPHS[11]]))
    results, _ = run([kept, added])
    assert results["added"].body == PARAGRAPHS[5] + "\n\n" + PARAGRAPHS[11]


def test_a_sentence_repeated_in_one_page_is_not_cut():
    # Two paragraphs of one page open with the same sentence, each going on its own way: a page
    # that repeats itself is its own business (its whole lines follow the in-document rules).
    lines = [PARAGRAPHS[3], PARAGRAPHS[1] + " " + PARAGRAPHS[11], PARAGRAPHS[1] + " " + PARAGRAPHS[15]]
    results, _ = run([Document("page", "\n\n".join(lines))])
    assert results["page"].body == "\n\n".join(lines) and not results["page"].removals
    # The same two paragraphs in two pages: the shorter page's loses the sentence.
    results, _ = run([Document("a", "\n\n".join([PARAGRAPHS[0], *lines[:2]])),
                      Document("b", "\n\n".join([PARAGRAPHS[4], lines[2]]))])
    assert results["b"].body == PARAGRAPHS[4] + "\n\n" + PARAGRAPHS[15]


def test_span_cuts_are_the_same_with_two_workers_and_with_an_index(tmp_path):
    import json

    from cleaner.index import open_index

    def out(cleaner):
        return [json.dumps([r.to_json(), [x.to_json() for x in r.removals]], sort_keys=True) for r in cleaner.run(_added())]

    one = out(Cleaner(Config()))
    assert '"span": true' in one[1]
    assert out(Cleaner(Config(), workers=2)) == one
    assert out(Cleaner(Config(), index=open_index(str(tmp_path / "seen.sqlite"), Config()))) == one
