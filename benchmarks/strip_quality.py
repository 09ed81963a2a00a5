"""Strip quality on sites held out of the line model's training: leak, recall and precision per line.

    python -m benchmarks.strip_quality                  # needs ../shared/data (or $CLEANER_SHARED_DATA)
    python -m benchmarks.strip_quality --no-trafilatura # without the slowest side

Real pages rendered to dump lines (``benchmarks/linemodel/data.py``: every visible block a
line), each line labelled content or boilerplate by the page's ground truth; only sites that
``data.split_of`` holds out (sha1 of the domain, 1 in 5) are scored, and dumps composed from
held-out pages' real lines. Sides, on the same lines:

- ``cleaner``: the strip stage as ``cleaner run`` runs it (rules, structure, line model at
  ``strip_threshold`` 0.5), and at other thresholds;
- ``rules only``: the strip stage with ``strip_threshold = 1`` (the rules before the model);
- ``trafilatura``: its text output for the page's HTML, mapped back to lines;
- ``short lines``: drop every line under 10 words (a naive baseline).

leak = boilerplate lines kept / boilerplate lines; recall = content tokens kept / content
tokens; precision = content tokens kept / tokens kept (tokens: words, characters for CJK/Thai).
Writes benchmarks/results/strip_quality.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict

import numpy as np

from cleaner.config import Config
from cleaner.strip.stage import strip_document

from .linemodel import data as D
from .linemodel.train import datasets, same_title

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
THRESHOLDS = (0.3, 0.4, 0.6, 0.7)
# Languages with at least this many held-out pages get a row of their own.
MIN_LANGUAGE_PAGES = 5


def token_counts(lines: list[str]) -> np.ndarray:
    return np.array([len(D.tokens(line, D.is_cjk(line))) for line in lines], dtype=np.float64)


class Tally:
    def __init__(self) -> None:
        self.docs = self.bp = self.bp_kept = 0
        self.ct = self.ct_kept = self.kept_tok = 0.0
        self.titles = self.titles_right = 0  # pages with a known headline, and those whose title is it

    def add(self, labels: list[int], keep: np.ndarray, ntok: np.ndarray) -> None:
        y = np.asarray(labels)
        self.docs += 1
        self.bp += int((y == 1).sum())
        self.bp_kept += int(((y == 1) & keep).sum())
        self.ct += float(ntok[y == 0].sum())
        self.ct_kept += float(ntok[(y == 0) & keep].sum())
        self.kept_tok += float(ntok[keep].sum())

    def row(self) -> dict:
        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 4) if b else None

        return {"docs": self.docs, "boilerplate_lines": self.bp, "leak": ratio(self.bp_kept, self.bp),
                "recall": ratio(self.ct_kept, self.ct), "precision": ratio(self.ct_kept, self.kept_tok),
                "title_right": ratio(self.titles_right, self.titles)}


def keep_cleaner(lines: list[str], config: Config) -> tuple[np.ndarray, str]:
    """Which lines the strip stage keeps in the body (a line moved to ``related`` is not body), and its title."""
    stripped = strip_document("\n".join(lines), config)
    keep = np.zeros(len(lines), dtype=bool)
    for b in stripped.blocks:
        keep[b.index] = b.kept
    return keep, stripped.title.kept_text() if stripped.title is not None else ""


def keep_trafilatura(page: D.Page) -> np.ndarray:
    import trafilatura

    if page.html is None:  # a composed dump has no page: trafilatura sees its lines as paragraphs
        from html import escape

        html: bytes | str = "<html><body><article>" + "".join(f"<p>{escape(x)}</p>" for x in page.lines) + "</article></body></html>"
    else:
        html = page.html
    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=True, deduplicate=False) or ""
    except Exception:  # a page trafilatura cannot read counts as nothing kept
        text = ""
    if not text.strip():
        return np.zeros(len(page.lines), dtype=bool)
    return np.array(D.label_lines(page.lines, text), dtype=np.int8) == 0


def evaluate(pages: list[D.Page], trafilatura: bool) -> tuple[dict, dict]:
    configs = {"cleaner": Config(), "rules only": Config(strip_threshold=1.0)}
    configs.update({f"cleaner @{t}": Config(strip_threshold=t) for t in THRESHOLDS})
    sides: dict[str, Tally] = defaultdict(Tally)
    languages: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    sources: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for page in pages:
        ntok = token_counts(page.lines)
        for name, config in configs.items():
            keep, title = keep_cleaner(page.lines, config)
            sides[name].add(page.labels, keep, ntok)
            if page.title and page.source != "composed":
                sides[name].titles += 1
                sides[name].titles_right += same_title(title, page.title)
            if name in ("cleaner", "rules only"):
                languages[page.lang][name].add(page.labels, keep, ntok)
                sources[page.source][name].add(page.labels, keep, ntok)
        words = np.array([len(x.split()) for x in page.lines])
        sides["short lines (< 10 words)"].add(page.labels, (words >= 10) | (ntok >= 20), ntok)
        if trafilatura:
            keep = keep_trafilatura(page)
            sides["trafilatura"].add(page.labels, keep, ntok)
            languages[page.lang]["trafilatura"].add(page.labels, keep, ntok)
            sources[page.source]["trafilatura"].add(page.labels, keep, ntok)
    by_language = {lang: {k: v.row() for k, v in t.items()} for lang, t in sorted(languages.items())
                   if t["cleaner"].docs >= MIN_LANGUAGE_PAGES}
    by_source = {src: {k: v.row() for k, v in t.items()} for src, t in sorted(sources.items())}
    return {k: v.row() for k, v in sides.items()}, by_language, by_source


def _table(rows: dict) -> list[str]:
    out = ["| side | pages | leak | recall | precision | title right |", "|---|---|---|---|---|---|"]
    for name, r in rows.items():
        out.append(f"| {name} | {r['docs']} | {r['leak']} | {r['recall']} | {r['precision']} | {r['title_right'] or ''} |")
    return out


def report(results: dict) -> str:
    lines = ["# Strip quality on held-out sites (benchmarks/strip_quality.py)", "",
             results["split"], ""]
    for part in ("heldout_pages", "heldout_composed"):
        lines += [f"## {part} ({results[part]['pages']} documents)", ""] + _table(results[part]["sides"]) + [""]
        if part == "heldout_pages":
            lines += ["By source (wcxb: pages of seven types, product and listing pages among them; fundus, "
                      "fundus80: news articles; readability: articles in several languages):", "",
                      "| source | side | pages | leak | recall | precision |", "|---|---|---|---|---|---|"]
            for src, sides in results[part]["by_source"].items():
                for name, r in sides.items():
                    lines.append(f"| {src} | {name} | {r['docs']} | {r['leak']} | {r['recall']} | {r['precision']} |")
            lines.append("")
        if results[part]["by_language"]:
            lines += ["By language (languages with at least 5 held-out documents):", "",
                      "| language | side | pages | leak | recall | precision |", "|---|---|---|---|---|---|"]
            for lang, sides in results[part]["by_language"].items():
                for name, r in sides.items():
                    lines.append(f"| {lang} | {name} | {r['docs']} | {r['leak']} | {r['recall']} | {r['precision']} |")
            lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--out", default=os.path.join(RESULTS, "strip_quality"))
    args = ap.parse_args(argv)
    if not os.path.isdir(D.DATA):
        print(f"strip_quality: no training data at {D.DATA} (set CLEANER_SHARED_DATA)", file=sys.stderr)
        return 2
    _, held, _, composed = datasets()
    results: dict = {"split": "Held out: sites with int(sha1(domain)[:8], 16) % 5 == 0 (fundus and fundus80 by publisher); "
                              f"{len(held)} pages and {len(composed)} dumps composed from their real lines."}
    for part, pages in (("heldout_pages", held), ("heldout_composed", composed)):
        sides, by_language, by_source = evaluate(pages, trafilatura=not args.no_trafilatura)
        results[part] = {"pages": len(pages), "sides": sides, "by_language": by_language, "by_source": by_source}
    with open(args.out + ".json", "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, sort_keys=True)
    text = report(results)
    with open(args.out + ".md", "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
