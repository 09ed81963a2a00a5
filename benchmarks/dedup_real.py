"""Dedup quality on real article text: planted aggregator copies, and real text with none planted.

Run: python benchmarks/dedup_real.py [--seed 1] [--workers 2]
Writes benchmarks/results/dedup_real.json and dedup_real.md (the README quotes them).

1. Planted: every article of benchmarks/real_text.py (fundus80, wcxb-dev main
   content, fundus-publishers in 40 languages) once, and 45% of them copied 1-4
   times by the edit model there (edited, split, joined, truncated, excerpt,
   whole). ``cleaner run`` over all of it, then per copied paragraph: caught when
   it was removed as a near-duplicate, or when no other document still holds
   its paragraph. Recall by kind and by the original paragraph's length in
   words (characters in scripts without spaces); pair precision: the removals
   whose kept passage is a copy of the same paragraph (a whole-document removal:
   of the same story). Document level: the syndication groups (an article and
   its full copies: whole, edited, split, joined, truncated) left as exactly one
   document, and the articles with no copy that were marked duplicate.
   Then ``added`` copies, planted with a generator of their own (the copies
   above are the same with or without them): an excerpt of 50-80% of an
   article's paragraphs where half the paragraphs that end a sentence gain one new sentence (a real
   sentence of another article, its words shuffled: text no other document
   holds), as an aggregator adds a line of its own to a copied paragraph. A
   line's copied paragraph is caught when it is removed, when no other document
   still holds it, or when sentences cut from the line (removals marked
   ``span``) leave none of its sentences; each cut sentence is a removal scored
   for precision like a passage (the new sentence cut is an error).
2. Real text, nothing planted: each article once. Every passage removed as a
   copy of a passage of another article is a merge across articles.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.real_text import KINDS, Article, Editor, bucket, load_articles, sentences, vocabulary, words
from cleaner import Cleaner, Config
from cleaner.strip.text import dedup_tokens

RESULTS = Path(__file__).parent / "results"
FULL_COPIES = ("whole", "edited", "split", "joined", "truncated")
ADDED_SHARE = 0.15  # of the articles, the ones that get an ``added`` copy
_ENDS_SENTENCE = re.compile("[.!?][\"'”’»)]*$")
NEW_SENTENCES: dict[tuple[str, int], str] = {}  # the normalised new sentence of each ``added`` line


def _doc(doc_id: str, title: str, paragraphs: list[tuple[str, frozenset]], story: str, truth: dict) -> dict:
    """One input record; ``truth[(doc_id, line)]`` = (story, the original paragraphs the line holds)."""
    lines = [title.replace("\n", " ")] + [text.replace("\n", " ") for text, _ in paragraphs]
    truth[(doc_id, 1)] = (story, frozenset({"title"}))
    for k, (_, sources) in enumerate(paragraphs):
        truth[(doc_id, 3 + 2 * k)] = (story, sources)
    return {"id": doc_id, "text": "\n\n".join(lines)}


def _copy_paragraphs(a: Article, kind: str, ed: Editor) -> list[tuple[str, frozenset]]:
    """The paragraphs of one copy of ``a``, each with the original paragraphs it holds."""
    rng, paras = ed.rng, [(p, frozenset({k})) for k, p in enumerate(a.paragraphs)]
    if kind == "edited":
        return [(ed.edit(p) if words(p) >= 5 and rng.random() < 0.7 else p, s) for p, s in paras]
    if kind == "truncated":
        return [(ed.truncate(p) if words(p) >= 8 and rng.random() < 0.6 else p, s) for p, s in paras]
    if kind == "excerpt":
        n = len(paras)
        size = max(1, round(n * rng.uniform(0.3, 0.8)))
        start = rng.randrange(0, n - size + 1)
        return paras[start : start + size]
    if kind == "split":
        out = []
        for p, s in paras:
            parts = sentences(p)
            if len(parts) >= 2 and rng.random() < 0.6:
                cut = rng.randrange(1, len(parts))
                out += [(" ".join(parts[:cut]), s), (" ".join(parts[cut:]), s)]
            else:
                out.append((p, s))
        return out
    if kind == "joined":
        out, k = [], 0
        while k < len(paras):
            if k + 1 < len(paras) and rng.random() < 0.5:
                out.append((paras[k][0] + " " + paras[k + 1][0], paras[k][1] | paras[k + 1][1]))
                k += 2
            else:
                out.append(paras[k])
                k += 1
        return out
    return list(paras)


def build(articles: list[Article], seed: int, copy_share: float = 0.45) -> tuple[list[dict], dict, dict]:
    """The planted archive (shuffled), the line truth, and per document (story, kind)."""
    rng = random.Random(seed)
    ed = Editor(rng, vocabulary(articles))
    docs, truth, kind_of = [], {}, {}
    for a in articles:
        docs.append(_doc(a.id, a.title or a.paragraphs[0][:80], [(p, frozenset({k})) for k, p in enumerate(a.paragraphs)],
                         a.id, truth))
        kind_of[a.id] = (a.id, "original")
        if rng.random() >= copy_share:
            continue
        for c in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            kind = rng.choice(KINDS)
            paras = _copy_paragraphs(a, kind, ed)
            if kind == "whole" and rng.random() < 0.5:
                paras = [(f"By {rng.choice(('Staff', 'Wire', 'Agency'))} reporter for portal {c}", frozenset({"own"}))] + paras
            doc_id = f"{a.id}~{c}"
            docs.append(_doc(doc_id, ed.decorate(a.title or a.paragraphs[0][:80]), paras, a.id, truth))
            kind_of[doc_id] = (a.id, kind)
    rng.shuffle(docs)
    _plant_added(articles, seed, docs, truth, kind_of)
    return docs, truth, kind_of


def _plant_added(articles: list[Article], seed: int, docs: list[dict], truth: dict, kind_of: dict) -> None:
    """The ``added`` copies (module docstring), from a generator of their own, after the others."""
    rng = random.Random(seed * 7919 + 15)
    for a in articles:
        if rng.random() >= ADDED_SHARE:
            continue
        n = len(a.paragraphs)
        size = max(1, round(n * rng.uniform(0.5, 0.8)))
        start = rng.randrange(0, n - size + 1)
        paras: list[tuple[str, frozenset]] = []
        for k in range(start, start + size):
            p = a.paragraphs[k]
            # A sentence is added after one that ends: a heading or a list item has no end to add after.
            if rng.random() < 0.5 and _ENDS_SENTENCE.search(p):
                other = rng.choice(articles)
                new = rng.choice(sentences(rng.choice(other.paragraphs))).split()
                rng.shuffle(new)
                if len(new) >= 5 and other.id != a.id:
                    new_text = " ".join(new).rstrip(".!?") + "."
                    new_text = new_text[0].upper() + new_text[1:]
                    NEW_SENTENCES[(f"{a.id}~added", 3 + 2 * len(paras))] = _norm(new_text)
                    paras.append((p + " " + new_text, frozenset({k, "own"})))
                    continue
            paras.append((p, frozenset({k})))
        doc_id = f"{a.id}~added"
        docs.append(_doc(doc_id, a.title or a.paragraphs[0][:80], paras, a.id, truth))
        kind_of[doc_id] = (a.id, "added")


def run(docs: list[dict], workers: int, config: Config | None = None) -> tuple[dict, dict, dict]:
    """(whole-line removals by (doc, line), duplicate_of by doc, sentences cut from kept lines by (doc, line))."""
    cleaner = Cleaner(config or Config(), workers=workers)
    removed, dup, spans = {}, {}, defaultdict(list)
    for r in cleaner.run(docs):
        dup[r.id] = r.duplicate_of
        for x in r.removals:
            if getattr(x, "span", False):
                spans[(r.id, x.line)].append(x)
            else:
                removed[(r.id, x.line)] = x
    return removed, dup, spans


def _norm(text: str) -> str:
    return " ".join(dedup_tokens(text))


def _cut_away(articles: dict, story: str, source: int, line_text: str, cuts: list) -> bool:
    """Whether the sentences cut from a line leave none of the original paragraph ``source``'s sentences."""
    if not cuts:
        return False
    left = f" {_norm(line_text)} "
    for x in cuts:
        left = left.replace(f" {_norm(x.text)} ", " ", 1)
    return not any(f" {_norm(s)} " in left for s in sentences(articles[story].paragraphs[source]) if _norm(s))


def _instances(truth: dict, kind_of: dict) -> dict:
    """Every line holding an original paragraph of 5 words or more, by (story, paragraph)."""
    by_source = defaultdict(list)
    for (doc, line), (story, sources) in truth.items():
        for s in sources:
            if isinstance(s, int):
                by_source[(story, s)].append((doc, line))
    return by_source


def recall(docs: list[dict], truth: dict, kind_of: dict, removed: dict, articles: dict, spans: dict) -> dict:
    by_source = _instances(truth, kind_of)
    lines = {(d["id"], 1 + 2 * k): text for d in docs for k, text in enumerate(d["text"].split("\n\n"))}

    def gone(inst: tuple, story: str, s: int) -> bool:
        """Whether a line no longer holds paragraph ``s``: removed, or its sentences cut from it."""
        return inst in removed or _cut_away(articles, story, s, lines[inst], spans.get(inst, []))

    hits: dict[str, Counter] = defaultdict(Counter)
    for (doc, line), (story, sources) in truth.items():
        kind = kind_of[doc][1]
        ints = [s for s in sources if isinstance(s, int)]
        if kind == "original" or not ints:
            continue
        original_words = max(words(articles[story].paragraphs[s]) for s in ints)
        if original_words < 5:
            continue
        x = removed.get((doc, line))
        if x is not None and x.reason != "near_duplicate":
            continue  # the strip stage took it: not dedup's to catch
        # The other lines holding the same paragraph, in other documents (two halves of one
        # paragraph split in one document are pieces of it, not copies of each other).
        # Each paragraph the line holds: removed with it, cut from it, or held by no other document.
        caught = x is not None or all(
            gone((doc, line), story, s) or all(gone(inst, story, s) for inst in by_source[(story, s)] if inst[0] != doc)
            for s in ints)
        for key in (f"kind {kind}", f"words {bucket(original_words)}", "all"):
            hits[key]["copies"] += 1
            hits[key]["caught"] += caught
    return {k: {"copies": c["copies"], "recall": round(c["caught"] / c["copies"], 4)} for k, c in sorted(hits.items())}


def _same_text(articles: dict, story: str, sources: frozenset, kept: tuple) -> bool:
    """Whether a line and the kept one come from paragraphs of equal text (an article may repeat a line)."""
    def texts(story_id, srcs):
        a = articles.get(story_id)
        if a is None:
            return set()
        return {" ".join(dedup_tokens(a.title if s == "title" else a.paragraphs[s])) for s in srcs if s != "own"}
    return bool(texts(story, sources) & texts(kept[0], kept[1]))


def _lines(docs: list[dict]) -> dict:
    """Each input line's normalised text, by (doc, line)."""
    return {(d["id"], 1 + 2 * k): " ".join(dedup_tokens(text))
            for d in docs for k, text in enumerate(d["text"].split("\n\n"))}


def precision(truth: dict, removed: dict, articles: dict, lines: dict, spans: dict) -> dict:
    """Right: a removal whose kept line holds the same original paragraph, or equal text; a
    sentence cut from a line: one of the same paragraph, or whose text the kept line holds."""
    counts, wrong = Counter(), []
    for (doc, line), x in [*removed.items(), *((key, x) for key, cuts in sorted(spans.items()) for x in cuts)]:
        if x.reason != "near_duplicate" or x.rule == "title_repeat" or (doc, line) not in truth:
            continue
        story, sources = truth[(doc, line)]
        kept_story = None
        if x.kept_id is not None:
            kept_story = truth.get((x.kept_id, 1), (x.kept_id,))[0]
        if x.rule == "whole_document":
            ok = kept_story == story
        else:
            kept = truth.get((x.kept_id, x.kept_line), (None, frozenset()))
            ok = ((kept[0] == story and bool(kept[1] & sources)) or _same_text(articles, story, sources, kept)
                  or lines.get((doc, line)) == lines.get((x.kept_id, x.kept_line)))
            new = NEW_SENTENCES.get((doc, line))
            if getattr(x, "span", False) and new is not None and _norm(x.text) in new:
                ok = False  # the sentence an ``added`` line adds is its own, wherever it points
        counts["spans"] += getattr(x, "span", False)
        counts["merges"] += 1
        counts["right"] += ok
        if not ok and len(wrong) < 15:
            wrong.append({"doc": doc, "line": line, "rule": x.rule, "text": x.text[:160], "kept": [x.kept_id, x.kept_line]})
    return {"merges": counts["merges"], "pair_precision": round(counts["right"] / max(counts["merges"], 1), 5),
            "sentences_cut": counts["spans"],
            "wrong_examples": wrong}


def documents(kind_of: dict, dup: dict) -> dict:
    groups = defaultdict(list)
    copied = {story for story, kind in kind_of.values() if kind != "original"}
    for doc, (story, kind) in kind_of.items():
        if kind in ("original", *FULL_COPIES):
            groups[story].append(doc)
    syndicated = [members for story, members in groups.items() if len(members) > 1]
    collapsed = sum(sum(dup[d] is None for d in members) == 1 for members in syndicated)
    unique = [story for story in groups if story not in copied]
    return {"syndication_groups": len(syndicated), "collapsed_to_one": collapsed,
            "share_collapsed": round(collapsed / max(len(syndicated), 1), 4),
            "unique_documents": len(unique), "unique_marked_duplicate": sum(dup[s] is not None for s in unique)}


def real_text(articles: list[Article], workers: int) -> dict:
    """Each article once: passages merged across different articles, per source."""
    truth: dict = {}
    docs = [_doc(a.id, a.title or a.paragraphs[0][:80], [(p, frozenset({k})) for k, p in enumerate(a.paragraphs)],
                 a.id, truth) for a in articles]
    removed, _, spans = run(docs, workers)
    source = {a.id: a.source for a in articles}
    passages, merged, fuzzy, examples = Counter(), Counter(), Counter(), []
    for (doc, _line), (_, sources) in truth.items():
        if "title" not in sources:
            passages[source[doc]] += 1
    cuts = [(key, x) for key, xs in sorted(spans.items()) for x in xs]
    for (doc, _line), x in [*sorted(removed.items()), *cuts]:
        if x.reason == "near_duplicate" and x.kept_id not in (None, doc):
            merged[source[doc]] += 1
            # Equal text in two articles (a heading, a credit line) is a real copy; the rest are
            # the matches an edit-tolerant check could get wrong.
            fuzzy[source[doc]] += x.rule not in ("exact", "whole_document")
            if len(examples) < 30:
                examples.append({"doc": doc, "text": x.text[:160], "kept": [x.kept_id, x.kept_line], "rule": x.rule})
    by_source = {s: {"passages": passages[s], "merged_across_articles": merged[s], "not_equal_text": fuzzy[s],
                     "share": round(merged[s] / max(passages[s], 1), 5),
                     "share_not_equal_text": round(fuzzy[s] / max(passages[s], 1), 5)} for s in sorted(passages)}
    total = sum(passages.values())
    return {"by_source": by_source, "passages": total, "merged_across_articles": sum(merged.values()),
            "not_equal_text": sum(fuzzy.values()), "share": round(sum(merged.values()) / max(total, 1), 5),
            "share_not_equal_text": round(sum(fuzzy.values()) / max(total, 1), 5), "examples": examples}


def markdown(result: dict) -> str:
    rows = ["| copies | count | recall |", "|---|---|---|"]
    rows += [f"| {k} | {v['copies']:,} | {v['recall']} |" for k, v in result["recall"].items()]
    p, d, r = result["precision"], result["documents"], result["real_text"]
    lines = [f"Planted archive: {result['documents_in_archive']:,} documents from {result['articles']:,} real articles "
             f"(seed {result['seed']}).", "", *rows, "",
             f"Pair precision {p['pair_precision']} over {p['merges']:,} removals "
             f"({p['sentences_cut']:,} of them sentences cut from a kept line).", "",
             f"Syndication groups collapsed to one document: {d['collapsed_to_one']} of {d['syndication_groups']} "
             f"({d['share_collapsed']}); unique documents marked duplicate: {d['unique_marked_duplicate']} of "
             f"{d['unique_documents']}.", "",
             "Real text, nothing planted (passages merged across different articles):", "",
             "| source | passages | merged | share | of which not equal text | share |", "|---|---|---|---|---|---|"]
    lines += [f"| {s} | {v['passages']:,} | {v['merged_across_articles']} | {v['share']} | {v['not_equal_text']} | "
              f"{v['share_not_equal_text']} |" for s, v in r["by_source"].items()]
    lines += [f"| all | {r['passages']:,} | {r['merged_across_articles']} | {r['share']} | {r['not_equal_text']} | "
              f"{r['share_not_equal_text']} |", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    articles = load_articles()
    by_id = {a.id: a for a in articles}
    docs, truth, kind_of = build(articles, args.seed)
    removed, dup, spans = run(docs, args.workers)
    result = {"seed": args.seed, "articles": len(articles), "documents_in_archive": len(docs),
              "recall": recall(docs, truth, kind_of, removed, by_id, spans),
              "precision": precision(truth, removed, by_id, _lines(docs), spans),
              "documents": documents(kind_of, dup), "real_text": real_text(articles, args.workers)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dedup_real.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "dedup_real.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
