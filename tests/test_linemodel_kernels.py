"""The line model's compiled shape columns, and the pattern columns found in one scan of a whole
document, against their specification: the regular expressions and ``str`` methods the columns
were defined with, line by line, on real lines and on arbitrary text."""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
from conftest import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.strip.linemodel import features as F

# The columns' definitions, as the model was trained on them.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
SEP = re.compile(r"[·|›»→—•*/⋅►▸▶❯>«‹←–]")
BRACKET = re.compile(r"[\[\](){}【】「」]")
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
SYMBOL = re.compile(r"[©®™]")
CAPWORD = re.compile(r"(?<!\w)[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ]")
ALPHAWORD_START = re.compile(r"(?<![^\W\d_])[^\W\d_]")
SENT_END = re.compile(r"[.!?。！？…]['\"”’»)\]]*$")
TOKEN = re.compile(r"\w+")
TITLE_END = re.compile(r"[.!?。！？][\"'”’»)]*$")
BULLET = re.compile(r"^(?:[-–—•*·►▸▶❯>+]|\d{1,2}[.)]|\[\d+\])")
TLDS = r"(?:com|org|net|de|uk|fr|ru|jp|kr|io|ai|co|info|news|es|it|nl|at|ch|in|id|vn|tr|cn|tw|br|pl|au|ca)\b"


def reference_row(line: str, stop: frozenset) -> dict[str, float]:
    toks = TOKEN.findall(unicodedata.normalize("NFKC", line).lower() if not line.isascii() else line.lower())
    n, words = len(line), len(toks)
    alnum = len(re.sub(r"[\W_]+", "", line))
    digits = len(re.sub(r"\D+", "", line))
    letters = alnum - digits
    alpha_words = len(ALPHAWORD_START.findall(line))
    stops = sum(t in stop for t in toks)
    return {
        "log_words": math.log1p(words), "log_chars": math.log1p(n), "sent_end": float(bool(SENT_END.search(line))),
        "ends_colon": float(line[-1] in ":："), "ends_alnum": float(line[-1].isalnum()),
        "stop_density": stops / words if words else 0.0, "log_stops": math.log1p(stops),
        "title_ratio": len(CAPWORD.findall(line)) / alpha_words if alpha_words else 0.0,
        "upper_ratio": sum(map(str.isupper, line)) / letters if letters else 0.0,
        "first_upper": float(line[0].isupper()), "first_lower": float(line[0].islower()),
        "digit_ratio": digits / n, "log_seps": math.log1p(len(SEP.findall(line))),
        "log_brackets": math.log1p(len(BRACKET.findall(line))), "log_emoji": math.log1p(len(EMOJI.findall(line))),
        "symbols": float(bool(SYMBOL.search(line))), "punct_ratio": (n - alnum - line.count(" ")) / n,
        "commas_per_word": line.count(",") / words if words else 0.0,
        "avg_word_len": letters / alpha_words if alpha_words else 0.0,
        "cjk_ratio": len(CJK.findall(line)) / alnum if alnum else 0.0,
        "ends_question": float(line[-1] in "?？"), "ends_ellipsis": float(line[-1] == "…" or line.endswith("...")),
        # the package keeps these three patterns as the definition its compiled scan follows
        "log_numbers": math.log1p(len(F._NUM_RE.findall(line))), "has_time": float(bool(F._TIME_RE.search(line))),
        "has_date": float(bool(F._DATE_RE.search(line))), "bullet_start": float(bool(BULLET.match(line))),
        # as trained: a link is looked for where the line holds "/" or a lower-case "www"
        "urls": len(re.findall(r"https?://|www\.", line, re.I)) if "/" in line or "www" in line else 0, "handles": len(re.findall(r"(?<!\w)@\w", line)),
        "hashtags": len(re.findall(r"(?<!\w)#\w", line)), "domains": len(re.findall(r"\b[\w-]+\." + TLDS, line, re.I)),
    }


def check(lines: list[str]) -> None:
    lines = [ln.strip() for ln in lines if ln.strip()]
    if not lines:
        return
    X, shape = F.document_features(lines, [None] * len(lines))
    assert shape[:, 0].tolist() == [len(ln.split()) for ln in lines]
    assert shape[:, 1].tolist() == [int(bool(TITLE_END.search(ln))) for ln in lines]
    rows, _ = F._word_rows(lines)
    best = F.pick_language(rows)
    stop = F._stop_tables()[3][best] if best >= 0 else frozenset()
    for i, line in enumerate(lines):
        for name, want in reference_row(line, stop).items():
            got = X[i, F.BASE_NAMES.index(name)]
            assert got == np.float32(want), (line, name, got, want)


def test_shape_columns_match_their_definitions_on_real_lines():
    """Real lines in many scripts: the seeds and the held-out slice of pages (40 languages)."""
    docs: dict[str, list[str]] = {}
    import json

    with open(DATA / "linemodel" / "heldout_lines.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            docs.setdefault(rec["doc"], []).append(rec["text"])
    assert len(docs) >= 20
    for doc in docs.values():
        check(doc)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.characters(exclude_characters="\n"), min_size=1, max_size=40), min_size=1, max_size=6))
def test_shape_columns_match_their_definitions_on_any_text(lines):
    check(lines)


_NUMBERISH = st.lists(st.one_of(
    st.text(st.sampled_from(list("0123456789١٢")), min_size=1, max_size=5),
    st.sampled_from([":", ".", "/", "-", ",", " ", "\u2009", "h", "H", "am", "PM", "a.m.", "p.M.", "a.", "x", "_", "年", "월",
                     "日", "19", "20"])), min_size=1, max_size=10).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(_NUMBERISH, min_size=1, max_size=6))
def test_numbers_times_and_dates_match_their_patterns(lines):
    """The compiled scan for numbers, times and dates against the patterns, on text made of
    digits (Arabic-Indic ones among them), separators, am/pm letters and CJK date marks."""
    check(lines)


def test_numbers_times_and_dates_on_each_alternative():
    for line in ["at 12 am", "9\u2009p.m. ET", "9p.M.", "10h30", "x12:30", "12:305", "1/2/2024", "12/31/99", "31.12.20245",
                 "2024年3月", "3월", "1999", "x2024", "20245", "3.14,15 and 8,000", "١٢:٣٠", "12 amazing", "5 a.m",
                 "2024-01-1", "1/2/3456", "2150", "1850"]:
        check([line])


def test_pattern_columns_stop_at_the_end_of_a_line():
    """A document's lines are scanned as one text: no match may run on into the next line."""
    check(["Updated 12", "pm by the desk", "- first", "1", ". not a bullet", "2024", "www", ".example.com", "@", "x #", "tag",
           "WWW.EXAMPLE.COM", "see www.example.com/a and http://b.de"])


def test_stoplist_rows_are_the_words_of_the_lowered_text():
    lines = ["Die Regierung hat am Dienstag beschlossen, dass", "ŒUVRE ﬁnale İstanbul ΣΟΦΟΣ", "日本語の文章です"]
    rows, words = F._word_rows(lines)
    index = F._stop_tables()[0]
    want = [index.get(t, -1) for ln in lines for t in TOKEN.findall(unicodedata.normalize("NFKC", ln).lower())]
    assert rows.tolist() == want
    assert words.tolist() == [len(TOKEN.findall(unicodedata.normalize("NFKC", ln).lower())) for ln in lines]


def _walk_flat_trees(ensemble, X: np.ndarray) -> np.ndarray:
    """The exported trees walked node by node, as scikit-learn lays them out: the reference."""
    X = X.astype(np.float32).astype(np.float64)
    rows = np.arange(len(X))
    out = np.zeros(len(X))
    for t in range(ensemble.feature.shape[0]):
        node = np.zeros(len(X), dtype=np.int64)
        for _ in range(ensemble.depth):
            go_left = X[rows, ensemble.feature[t, node]] <= ensemble.thr[t, node]
            node = np.where(go_left, ensemble.left[t, node], ensemble.right[t, node])
        out += ensemble.value[t, node]
    return out + ensemble.baseline


def test_complete_tree_walk_gives_the_flat_trees_scores_exactly():
    """Inference walks each tree re-laid as a complete tree with float32 thresholds; on real lines,
    on rows sitting exactly on a threshold or one float32 step either side of it, and on noise,
    every shipped ensemble must give the exported trees' scores bit for bit."""
    import json

    from cleaner.strip.linemodel.judge import shipped_models

    with open(DATA / "linemodel" / "heldout_lines.jsonl", encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh]
    docs: dict[str, list[str]] = {}
    for rec in recs:
        docs.setdefault(rec["doc"], []).append(rec["text"].strip())
    real = np.vstack([F.line_features([ln for ln in d if ln]) for d in docs.values()])
    model, picker = shipped_models()
    rng = np.random.default_rng(7)
    for ensemble in (model.stage1, model.stage2, picker.model):
        width = len(ensemble.names)
        base = np.hstack([real, rng.random((len(real), max(0, width - real.shape[1])), dtype=np.float32)])[:, :width]
        edges = np.repeat(base[:600], 3, axis=0)
        for r in range(len(edges)):
            t, node = rng.integers(ensemble.feature.shape[0]), rng.integers(ensemble.feature.shape[1])
            if ensemble.left[t, node] != node:
                on = np.float32(ensemble.thr[t, node])
                edges[r, ensemble.feature[t, node]] = np.nextafter(on, np.float32((r % 3) - 1) * np.inf) if r % 3 != 1 else on
        noise = rng.normal(0, 3, (2000, width)).astype(np.float32)
        for X in (base, edges, noise):
            assert np.array_equal(ensemble.raw(X), _walk_flat_trees(ensemble, X))


def _chain(depth: int) -> tuple:
    """One tree ``depth`` levels deep: node 2k splits into a leaf (2k+1) and the next split (2k+2)."""
    nodes = 2 * depth + 1
    feature, thr, value = np.zeros((1, nodes), np.int64), np.full((1, nodes), np.inf), np.arange(nodes, dtype=float)[None, :]
    left, right = np.arange(nodes)[None, :].copy(), np.arange(nodes)[None, :].copy()
    for k in range(depth):
        left[0, 2 * k], right[0, 2 * k], thr[0, 2 * k] = 2 * k + 1, 2 * k + 2, float(k)
    return feature, thr, left, right, value


def test_a_model_of_trees_too_deep_to_lay_out_completely_is_refused():
    """A tree fitted without max_depth can be 30 levels deep: laid out complete it would be a
    billion slots, so loading it fails with a message instead of exhausting memory."""
    import pytest

    from cleaner.strip.linemodel.ensemble import MAX_DEPTH, Ensemble

    with pytest.raises(ValueError, match="levels deep"):
        Ensemble(*_chain(MAX_DEPTH + 1), 0.0, MAX_DEPTH + 1, ["x"])
    deepest = Ensemble(*_chain(MAX_DEPTH), 0.0, MAX_DEPTH, ["x"])
    # x = 3.5 passes the splits at 0..3 to the right and stops at node 2*4's leaf, 9
    assert deepest.raw(np.array([[3.5]], dtype=np.float32)).tolist() == [9.0]
