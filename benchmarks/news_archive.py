"""An archive with the overlap real news archives have, built from real sentences.

Run: python benchmarks/news_archive.py --docs 20000 --out /tmp/news.jsonl

Text: the sentences of benchmarks/real_text.py's articles (fundus80, wcxb-dev
main content, fundus-publishers). A story is 4-14 paragraphs of 1-4 sentences;
each sentence is drawn from the whole pool, so a sentence recurs in many
different stories (about once per 30 sentences written), and 2% of the draws
come from a small set of "quotes" drawn by a Zipf law, which recur in hundreds of
stories: the sentences that wire copy, quotes and rewrites share, which make
passages of different stories near each other.

Syndication (documented, seeded): of the stories, 75% appear once, 20% 2-4
times, 4.5% 10 times and 0.5% 100-300 times. Each further appearance is a copy
made by benchmarks/real_text.py's edit model: whole (decorated title, half the
time a byline of its own), edited, truncated, an excerpt, split or joined
paragraphs. Every document also gets 1-3 lines of site furniture.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.archive import FURNITURE
from benchmarks.dedup_real import _copy_paragraphs
from benchmarks.real_text import KINDS, Article, Editor, load_articles, sentences, vocabulary


def sentence_pool(articles: list[Article]) -> list[str]:
    pool = [s for a in articles for p in a.paragraphs for s in sentences(p) if len(s.split()) >= 4]
    return sorted(set(pool))


def _copies(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.75:
        return 1
    if roll < 0.95:
        return rng.randint(2, 4)
    if roll < 0.995:
        return 10
    return rng.randint(100, 300)


class Stories:
    def __init__(self, pool: list[str], rng: random.Random):
        self.pool, self.rng = pool, rng
        self.quotes = rng.sample(pool, 200)
        self.weights = [1 / (k + 1) for k in range(len(self.quotes))]

    def sentence(self) -> str:
        if self.rng.random() < 0.02:
            return self.rng.choices(self.quotes, self.weights)[0]
        return self.rng.choice(self.pool)

    def story(self, number: int) -> Article:
        paras = [" ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))
                 for _ in range(self.rng.randint(4, 14))]
        title = " ".join(self.sentence().split()[:10]).rstrip(".")
        return Article(f"s{number:06d}", "news", title, paras)


def _record(doc_id: str, title: str, paras: list[str], rng: random.Random) -> str:
    lines = [title, *paras]
    for _ in range(rng.randint(1, 3)):
        lines.insert(rng.randint(1, len(lines)), rng.choice(FURNITURE))
    return json.dumps({"id": doc_id, "text": "\n\n".join(lines), "source": f"portal{rng.randint(1, 40)}"},
                      ensure_ascii=False) + "\n"


def build(n_docs: int, out: Path, seed: int = 5) -> dict:
    """Write ``n_docs`` documents to ``out``; return what was made (stories, copies by kind, bytes)."""
    articles = load_articles()
    rng = random.Random(seed)
    stories, editor = Stories(sentence_pool(articles), rng), Editor(rng, vocabulary(articles))
    made = {"documents": 0, "stories": 0, "copies": dict.fromkeys(KINDS, 0), "bytes": 0}
    with open(out, "w", encoding="utf-8") as fh:
        while made["documents"] < n_docs:
            story = stories.story(made["stories"])
            made["stories"] += 1
            for c in range(min(_copies(rng), n_docs - made["documents"])):
                if c == 0:
                    title, paras = story.title, story.paragraphs
                else:
                    kind = rng.choice(KINDS)
                    made["copies"][kind] += 1
                    title, paras = editor.decorate(story.title), [p for p, _ in _copy_paragraphs(story, kind, editor)]
                line = _record(f"{story.id}-{c}", title, paras, rng)
                made["bytes"] += len(line.encode("utf-8"))
                fh.write(line)
                made["documents"] += 1
    return made


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    made = build(args.docs, args.out, args.seed)
    print(f"{args.out}: {made['documents']} documents, {made['bytes'] / 1e6:.0f} MB, {made['stories']} stories, "
          f"copies {made['copies']}")


if __name__ == "__main__":
    main()
