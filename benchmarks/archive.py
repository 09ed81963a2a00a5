"""A realistic archive of aggregator dumps, with planted near-duplicates and their truth.

Run: python benchmarks/archive.py --docs 100000 --out /tmp/archive.jsonl
Writes the archive (JSONL, one ``{"id", "text", "source"}`` record a line) and
``<out>.truth.json`` (which documents are copies of which, and how made).

Text: prose from a word-bigram model trained on real text (the fundus80
ground-truth paragraphs and the five seeds), so that every document is new
prose with real word statistics: reusing the 2,205 real paragraphs a hundred
thousand times would make the archive one big duplicate cluster. Around it,
the furniture the seeds show (ad slots, share widgets, "N Sources" counters,
credits, "Read more:" lines). A share of the documents are copies of earlier
ones, made as aggregators make them: a few words changed, cut short with "…",
boilerplate lines added, or the same story syndicated to several portals.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNDUS = ROOT / "benchmarks" / "data" / "fundus80" / "ground_truth.json"
SEEDS = ROOT / "golden" / "input"
FURNITURE = ["Advertisement", "Share", "Copy Link", "3 Sources", "Reader Poll", "Connecting to poll...",
             "Read the original article", "Visit the source for the complete story.", "AP Photo, Alex Brandon",
             "© 2025 Example Media. All rights reserved.", "Sign up for our daily newsletter", "5 min read",
             "In-Article Ad", "Follow us on X for updates"]
EDITS = ("light_edit", "truncate", "boilerplate", "syndicated")


class Bigram:
    def __init__(self, texts: list[str], seed: int):
        self.rng = random.Random(seed)
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                words = sentence.split()
                if len(words) < 6:
                    continue
                self.starts.append(words[0])
                for a, b in zip(words, words[1:]):
                    self.next[a].append(b)
                self.next[words[-1]].append("")

    def sentence(self, max_words: int = 40) -> str:
        word = self.rng.choice(self.starts)
        out = [word]
        while len(out) < max_words:
            options = self.next.get(word)
            if not options:
                break
            word = self.rng.choice(options)
            if not word:
                break
            out.append(word)
        text = " ".join(out)
        return text if text[-1] in ".!?\"”" else text + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def headline(self) -> str:
        words = self.sentence(12).rstrip(".!?").split()
        return " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(words))


def training_text() -> list[str]:
    data = json.loads(FUNDUS.read_text(encoding="utf-8"))
    texts = [p for name in sorted(data) for p in data[name]["body"]]
    for seed in sorted(SEEDS.glob("*.txt")):
        texts.extend(line for line in seed.read_text(encoding="utf-8").split("\n") if len(line.split()) > 8)
    return texts


def _edit(text: str, share: float, rng: random.Random) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), max(1, int(len(words) * share))):
        words[i] = rng.choice(["reportedly", "also", "now", "officials", "new", "said"])
    return " ".join(words)


def _write(fh, doc_id: str, title: str, paras: list[str], max_furniture: int, rng: random.Random) -> int:
    """One record: the title, the paragraphs, and some furniture lines put among them."""
    lines = [title, *paras]
    for _ in range(rng.randint(1, max_furniture)):
        lines.insert(rng.randint(1, len(lines)), rng.choice(FURNITURE))
    text = "\n\n".join(lines)
    fh.write(json.dumps({"id": doc_id, "text": text, "source": f"portal{rng.randint(1, 40)}"}) + "\n")
    return len(text.encode("utf-8"))


def build(n_docs: int, out: Path, seed: int = 7, copy_share: float = 0.1) -> dict:
    gen = Bigram(training_text(), seed)
    rng = random.Random(seed + 1)
    truth: dict[str, dict] = {}
    originals: list[tuple[str, str, list[str]]] = []
    size = 0
    with open(out, "w", encoding="utf-8") as fh:
        i = 0
        while i < n_docs:
            if originals and rng.random() < copy_share:
                src_id, title, paras = rng.choice(originals[-5000:])
                kind = EDITS[i % len(EDITS)]
                copies = rng.randint(2, 5) if kind == "syndicated" else 1
                for _ in range(min(copies, n_docs - i)):
                    if kind in ("light_edit", "syndicated"):
                        body = [_edit(p, rng.uniform(0.01, 0.06), rng) for p in paras]
                    elif kind == "truncate":
                        keep = max(1, int(len(paras) * rng.uniform(0.5, 0.9)))
                        body = paras[:keep]
                        body[-1] = " ".join(body[-1].split()[: max(8, len(body[-1].split()) * 2 // 3)]) + "…"
                    else:
                        body = list(paras)
                    doc_id = f"d{i:07d}"
                    size += _write(fh, doc_id, title, body, 4, rng)
                    truth[doc_id] = {"copy_of": src_id, "edit": kind}
                    i += 1
                continue
            title = gen.headline()
            paras = [gen.paragraph() for _ in range(rng.randint(4, 12))]
            doc_id = f"d{i:07d}"
            size += _write(fh, doc_id, title, paras, 5, rng)
            originals.append((doc_id, title, paras))
            i += 1
    meta = {"documents": n_docs, "text_bytes": size, "copies": truth}
    Path(str(out) + ".truth.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/cleaner-archive.jsonl"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    meta = build(args.docs, args.out, args.seed)
    print(f"{args.out}: {meta['documents']} documents, {meta['text_bytes'] / 1e6:.0f} MB of text, "
          f"{len(meta['copies'])} planted copies")


if __name__ == "__main__":
    main()
