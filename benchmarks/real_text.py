"""Real article text for the dedup benchmarks, and the edit model that makes aggregator copies of it.

Articles: the fundus80 ground-truth bodies (80 English news pages, MIT), the
human-reviewed main content of wcxb-dev's 709 article pages (about 700 sites,
CC-BY-4.0) and the bodies of fundus-publishers' 181 publishers (40 countries'
languages, Japanese, Chinese and Korean included, MIT), all in benchmarks/data.

The edit model (``Editor``), seeded, as aggregators edit copies:
- ``edited``: words substituted, inserted or deleted at 2-10% of a paragraph's
  words (at least one; 1 under 10 words, up to 2 under 20, up to 3 under 30).
  Substituted and deleted words are lower-case words without digits: editors
  reword, they do not change who or how many (a changed name or number is
  another fact, and precision is measured on real text for that).
  In scripts without spaces the unit is a character.
- ``split`` / ``joined``: a paragraph cut in two at a sentence boundary, or two
  neighbours joined into one;
- ``truncated``: a paragraph cut at 30-90% of its words, ending with "…" or " [...]";
- ``excerpt``: a contiguous 30-80% of an article's paragraphs, unchanged;
- ``whole``: the whole article again (syndicated), its title decorated
  ("| Site", "BREAKING: ", " - Wire"), and half the time a byline of its own.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.strip.text import NO_SPACE_RE, dedup_tokens

DATA = Path(__file__).resolve().parent / "data"
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=\S)")
KINDS = ("edited", "split", "joined", "truncated", "excerpt", "whole")
BUCKETS = ((5, 15), (15, 30), (30, 80), (80, 10**9))
DECORATIONS = ("{} | Daily Wire Digest", "BREAKING: {}", "{} - Wire", "{} (VIDEO)", "“{}”")


@dataclass
class Article:
    id: str
    source: str
    title: str
    paragraphs: list[str]


def load_articles(min_paragraphs: int = 2) -> list[Article]:
    """Every article of the three sources with at least ``min_paragraphs`` paragraphs of 5 words or more."""
    out = []
    fundus = json.loads((DATA / "fundus80" / "ground_truth.json").read_text(encoding="utf-8"))
    for name, entry in sorted(fundus.items()):
        out.append(Article("f80-" + name.split(".")[0], "fundus80", entry.get("title") or "", list(entry["body"])))
    for folder, source in (("wcxb-dev", "wcxb-dev"), ("fundus-publishers", "fundus-publishers")):
        with gzip.open(DATA / folder / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                out.append(Article(r["id"], source, r["title"], r["paragraphs"]))
    return [a for a in out if sum(len(dedup_tokens(p)) >= 5 for p in a.paragraphs) >= min_paragraphs]


def words(text: str) -> int:
    return len(dedup_tokens(text))


def bucket(n: int) -> str:
    for lo, hi in BUCKETS:
        if lo <= n < hi:
            return f"{lo}-{hi}" if hi < 10**9 else f"{lo}+"
    return "under 5"


@dataclass
class Editor:
    """Seeded aggregator edits of real paragraphs; ``vocabulary`` gives the words inserted."""

    rng: random.Random
    vocabulary: list[str] = field(default_factory=list)

    def edit(self, text: str) -> str:
        no_space = bool(NO_SPACE_RE.search(text))
        units = list(text) if no_space else text.split()
        n = len(units)
        edits = max(1, round(n * self.rng.uniform(0.02, 0.10)))
        if n < 30:
            edits = min(edits if n >= 10 else 1, n // 10 + 1, 3)
        for _ in range(edits):
            self._one_edit(units, no_space)
        return ("" if no_space else " ").join(units)

    def _one_edit(self, units: list[str], no_space: bool) -> None:
        plain = [i for i, u in enumerate(units) if i > 0 and (no_space or re.fullmatch(r"[a-zà-ÿ]+[,.;:]?", u))]
        op = self.rng.choice(("substitute", "substitute", "insert", "delete"))
        word = self.rng.choice(self.vocabulary)
        if no_space:
            word = self.rng.choice(units)
        if op == "insert" or not plain:
            units.insert(self.rng.randrange(1, len(units) + 1), word)
        elif op == "substitute":
            units[self.rng.choice(plain)] = word
        elif len(units) > 2:
            del units[self.rng.choice(plain)]

    def truncate(self, text: str) -> str:
        no_space = bool(NO_SPACE_RE.search(text))
        units = list(text) if no_space else text.split()
        keep = max(3, int(len(units) * self.rng.uniform(0.3, 0.9)))
        return ("" if no_space else " ").join(units[:keep]) + self.rng.choice(("…", " […]", "..."))

    def decorate(self, title: str) -> str:
        return self.rng.choice(DECORATIONS).format(title)


def sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s.strip()]


def vocabulary(articles: list[Article]) -> list[str]:
    """Lower-case words of the English articles, for insertions and substitutions."""
    seen: dict[str, int] = {}
    for a in articles[:400]:
        for p in a.paragraphs:
            for w in p.split():
                if re.fullmatch(r"[a-z]{3,12}", w):
                    seen[w] = seen.get(w, 0) + 1
    return sorted(w for w, c in seen.items() if c >= 3)
