"""Planted near-duplicates of real prose, made the way aggregators make them.

The prose is the human-extracted body text of the fundus80 pages
(``benchmarks/data/fundus80``, MIT). Each copy gets one of the edits that the
seed dumps show: a few words changed, cut short with "…", a URL appended, a
boilerplate line stuck on, or several of these at once.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

DATA = Path(__file__).parent / "data" / "fundus80" / "ground_truth.json"
_FILLER = ["reportedly", "officials", "said", "new", "major", "also", "now", "just", "recently", "still"]
_TAILS = ["Read more at the source.", "Visit our homepage for more stories.", "Share this article",
          "Follow us on X for updates.", "Advertisement"]


def paragraphs(min_words: int = 20) -> list[str]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    out = []
    for name in sorted(data):
        for p in data[name]["body"]:
            if len(p.split()) >= min_words:
                out.append(p)
    return out


def edit_words(words: list[str], share: float, rng: random.Random) -> list[str]:
    words = list(words)
    n = max(1, round(len(words) * share))
    for i in rng.sample(range(len(words)), min(n, len(words))):
        action = rng.random()
        if action < 0.5:
            words[i] = rng.choice(_FILLER)
        elif action < 0.75:
            words[i] = ""
        else:
            words[i] = words[i] + " " + rng.choice(_FILLER)
    return [w for w in words if w]


def make_copy(text: str, kind: str, rng: random.Random) -> str:
    words = text.split()
    if kind == "light_edit":
        return " ".join(edit_words(words, rng.uniform(0.02, 0.06), rng))
    if kind == "truncate":
        keep = max(8, int(len(words) * rng.uniform(0.6, 0.9)))
        return " ".join(words[:keep]) + "…"
    if kind == "url":
        return text + f" https://t.co/{rng.getrandbits(40):x}"
    if kind == "boilerplate":
        return text + " " + rng.choice(_TAILS)
    if kind == "mixed":
        words = edit_words(words, rng.uniform(0.02, 0.06), rng)
        keep = max(8, int(len(words) * rng.uniform(0.75, 0.95)))
        return " ".join(words[:keep]) + "… " + f"https://example.com/{rng.getrandbits(32):x}"
    raise ValueError(kind)


KINDS = ("light_edit", "truncate", "url", "boilerplate", "mixed")


def planted_pairs(copy_share: float = 0.1, seed: int = 7) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Originals followed by copies; returns texts and (original index, copy index, kind)."""
    rng = random.Random(seed)
    texts = paragraphs()
    n = len(texts)
    chosen = rng.sample(range(n), int(n * copy_share))
    truth = []
    for k, i in enumerate(chosen):
        kind = KINDS[k % len(KINDS)]
        texts.append(make_copy(texts[i], kind, rng))
        truth.append((i, len(texts) - 1, kind))
    return texts, truth
