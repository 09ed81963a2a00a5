"""The learned line model: its features, its weights in the package, its place in the strip stage,
source templates, `cleaner train` and `--model`, and a quality gate on real lines of held-out sites."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, GOLDEN, read_jsonl

from cleaner import Cleaner, Config, Document
from cleaner.strip.linemodel import features as F
from cleaner.strip.linemodel.judge import judge_lines
from cleaner.strip.stage import strip_document

HELDOUT = DATA / "linemodel" / "heldout_lines.jsonl"
# Real paragraphs of a seed, as the article text around the lines under test.
PARAGRAPHS = [
    line for line in (GOLDEN / "input" / "004_24fd8f660d9764e9.txt").read_text(encoding="utf-8").split("\n")
    if len(line.split()) > 25
][:4]


def heldout_documents() -> list[tuple[str, list[str], list[int]]]:
    docs: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for row in read_jsonl(HELDOUT):
        docs[row["doc"]].append((row["line"], row["text"], int(row["label"] == "boilerplate")))
    out = []
    for doc in sorted(docs):
        rows = sorted(docs[doc])
        out.append((doc, [r[1] for r in rows], [r[2] for r in rows]))
    return out


def strip_scores(config: Config) -> dict[str, float]:
    """Leak (boilerplate lines kept) and recall (content words kept) of the strip stage on the held-out lines."""
    bp = bp_kept = 0
    words = words_kept = 0
    for _, lines, labels in heldout_documents():
        stripped = strip_document("\n".join(lines), config)
        for b in stripped.blocks:
            if labels[b.index]:
                bp += 1
                bp_kept += b.kept
            else:
                words += b.words
                words_kept += b.words * b.kept
    return {"leak": bp_kept / bp, "recall": words_kept / words}


def test_features_are_deterministic_and_finite():
    lines = [line for _, doc, _ in heldout_documents()[:3] for line in doc]
    a, b = F.line_features(lines), F.line_features(list(lines))
    assert a.shape == (len(lines), len(F.FEATURE_NAMES)) and a.dtype == np.float32
    assert np.array_equal(a, b) and np.isfinite(a).all()


def test_inference_needs_no_scikit_learn():
    code = ("import sys; from cleaner.strip.linemodel.judge import judge_lines; judge_lines(['a b c', 'd e']); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_template_key_masks_counts_times_and_names():
    assert F.shape_key("240 upvotes · 57 replies") == F.shape_key("12 upvotes · 3 replies")
    assert F.shape_key("Posted by Anna at 10:42") == F.shape_key("Posted by Boris at 9:05")
    assert F.shape_key("240 upvotes · 57 replies") != F.shape_key("240 upvotes")


@pytest.mark.parametrize("position", [2, "end"])
def test_foreign_language_sentence_is_text_not_chrome(position):
    """A sentence in another language than the article (a quote, a translated lead) is prose."""
    line = "Le partage des données personnelles inquiète les régulateurs européens."
    parts = PARAGRAPHS + [line] if position == "end" else PARAGRAPHS[:2] + [line] + PARAGRAPHS[2:]
    stripped = strip_document("\n".join(parts))
    block = next(b for b in stripped.blocks if b.text == line)
    assert block.kept, (block.verdict, block.score)


def test_model_removals_carry_reason_score_and_the_document_its_confidence(cli, tmp_path):
    lines = ["Home", "World", "Politics", "Sport", "Culture"] + PARAGRAPHS + ["Share", "Terms of use", "Privacy"]
    source = tmp_path / "page.txt"
    source.write_text("\n".join(lines), encoding="utf-8")
    out, explain = tmp_path / "out.jsonl", tmp_path / "explain.jsonl"
    result = cli("run", source, "-o", out, "--explain", explain, "-q")
    assert result.exit_code == 0, result.output
    (record,) = read_jsonl(out)
    audit = read_jsonl(explain)
    by_model = [r for r in audit if r["rule"] == "line_model"]
    # "Home" and "Share" are the rules' (the model must not take their credit); the rest no rule knows.
    assert {r["rule"] for r in audit if r["text"] in ("Home", "Share")} == {"navigation", "share_words"}
    assert {r["text"] for r in by_model} >= {"World", "Politics", "Sport", "Terms of use", "Privacy"}
    assert all(0.5 <= r["score"] <= 1 and r["reason"] in ("navigation", "counter", "link", "chrome") for r in by_model)
    assert all(p.strip() in record["body"] for p in PARAGRAPHS)
    assert 0 <= record["metadata"]["cleaner"]["confidence"] <= 1


def test_strip_threshold_trades_leaks_for_recall():
    strict, default, rules = (strip_scores(Config(strip_threshold=t)) for t in (0.3, 0.5, 1.0))
    assert strict["leak"] < default["leak"] < rules["leak"]
    assert strict["recall"] <= default["recall"] <= rules["recall"]


def test_a_bad_threshold_or_model_file_fails_before_the_run(cli, tmp_path):
    with pytest.raises(ValueError, match="strip_threshold must be in"):
        Config(strip_threshold=0)
    bogus = tmp_path / "model.npz"
    bogus.write_text("not a model", encoding="utf-8")
    result = cli("run", GOLDEN / "input", "-o", tmp_path / "o.jsonl", "--model", bogus)
    assert result.exit_code == 2 and f"line_model: {bogus}: not a cleaner line model" in result.output


# Pinned at what the shipped model reaches on this slice (README, Strip quality): a change
# that lets more furniture through, or eats more text, fails here.
# Measured 0.1236 leak, 0.9924 recall (the rules alone: 0.843, 0.9896).
HELDOUT_LEAK_CEILING = 0.125
HELDOUT_RECALL_FLOOR = 0.99


def test_quality_gate_on_held_out_sites():
    scores = strip_scores(Config())
    assert scores["leak"] <= HELDOUT_LEAK_CEILING and scores["recall"] >= HELDOUT_RECALL_FLOOR, scores
    # The model is the reason: the rules alone leak most of the furniture on sites nobody read.
    assert strip_scores(Config(strip_threshold=1.0))["leak"] > 3 * scores["leak"]


def test_source_templates_are_furniture_and_a_shared_headline_is_not():
    """Counters whose numbers differ are one template on their site; a headline carried by several
    documents is kept once by dedup, never removed from all of them as furniture."""
    headline = "Regulators open an inquiry into the merger of the two largest grocery chains"
    docs = []
    for k in range(6):
        body = PARAGRAPHS[k % 4]
        lines = [headline, f"{17 * k + 3} points · {5 * k + 1} comments", body, f"Posted {k + 2} hours ago"]
        docs.append(Document(id=f"d{k}", text="\n".join(lines), metadata={"url": f"https://forum.example.org/t/{k}"}))
    results = list(Cleaner(Config()).run(docs))
    audit = [r for res in results for r in res.removals]
    counters = [r for r in audit if "comments" in r.text]
    assert len(counters) == 6 and all(r.reason in ("site_furniture", "counter") for r in counters)
    assert results[0].title == headline
    assert not any(r.text == headline and r.reason == "site_furniture" for r in audit)


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    pytest.importorskip("sklearn", reason="cleaner train needs the train extra (scikit-learn)")
    from click.testing import CliRunner

    from cleaner.cli import main

    folder = tmp_path_factory.mktemp("train")
    outs = []
    for name in ("a.npz", "b.npz"):
        result = CliRunner().invoke(main, ["train", str(HELDOUT), "-o", str(folder / name)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outs.append(folder / name)
    return outs


def test_train_writes_the_same_model_twice_and_run_uses_it(trained_model, cli, tmp_path):
    a, b = trained_model
    assert a.read_bytes() == b.read_bytes()
    out, explain = tmp_path / "out.jsonl", tmp_path / "explain.jsonl"
    result = cli("run", GOLDEN / "input", "-o", out, "--explain", explain, "--model", a, "-q")
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out)) == 5
    run_json = json.loads(Path(str(out) + ".run.json").read_text(encoding="utf-8"))
    assert run_json["config"]["line_model"]["path"] == str(a)


def test_train_names_the_file_and_line_of_a_bad_label(cli, tmp_path):
    pytest.importorskip("sklearn", reason="cleaner train needs the train extra (scikit-learn)")
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"doc": "a", "line": 1, "text": "Home", "label": "boilerplate"}\n'
                      '{"doc": "a", "line": 2, "text": "Text", "label": "maybe"}\n', encoding="utf-8")
    result = cli("train", labels, "-o", tmp_path / "m.npz")
    assert result.exit_code == 2 and f"{labels}:2: label must be 'content' or 'boilerplate'" in result.output


@pytest.mark.xfail(strict=True, reason="known gap: the headline model picks a 'Name: slogan' tagline over the "
                   "headline below it (held-out pages: title right 0.48, benchmarks/results/strip_quality.md)")
def test_judge_picks_the_headline_over_a_tagline():
    lines = ["Subscribe", "The Daily Ledger: news you can use", "Business",
             "Regulators open an inquiry into the merger of the two largest grocery chains"] + PARAGRAPHS
    judged = judge_lines(lines)
    assert judged.title == 3


def test_judge_never_drops_the_headline_it_picks():
    lines = ["Home", "World", "Council approves new budget after long debate"] + PARAGRAPHS
    judged = judge_lines(lines)
    assert judged.title == 2 and not judged.drop[2] and judged.drop[0]


def test_a_run_of_headlines_after_the_article_is_related_without_a_known_header():
    """A real page's "more stories" list (no header any rule knows) ends up in related, not in the body."""
    lines = dict((doc, lines) for doc, lines, _ in heldout_documents())["fundus/ca/TheProvince_2026_06_06.html.gz"]
    stripped = strip_document("\n".join(lines))
    related = [text for _, text in stripped.related]
    body = [b.text for b in stripped.blocks if b.kept]
    for headline in ("Canucks: Malhotra hiring latest effort to get the band back together",
                     "Canada 1, Ireland 1: World Cup warm-up serves up a cool lesson",
                     "Canucks hire player agent Daren Hermiston as director of player personnel"):
        assert headline in related and headline not in body
    # The article itself stays: its paragraphs are before the list, and none of them is an item.
    assert sum(len(t.split()) for t in body) > 200


def test_a_list_of_headlines_ends_where_the_article_begins():
    """A related header followed by menu lines and then the article (no blank lines between, as
    scrapers dump a page) must not take the article's paragraphs into ``related``."""
    taken = []
    for doc, lines, labels in heldout_documents():
        stripped = strip_document("\n".join(lines))
        taken += [(doc, b.text) for b in stripped.blocks if b.related and labels[b.index] == 0 and b.words >= 15]
    # The one content line in a list: a video teaser that the page's ground truth counts as text.
    assert [doc for doc, _ in taken] == ["fundus/ca/TheProvince_2026_06_06.html.gz"], taken
