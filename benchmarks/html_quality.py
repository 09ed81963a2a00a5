"""Body extraction quality on fundus80 (80 real news pages, human ground truth): cleaner vs trafilatura alone.

Run: python benchmarks/html_quality.py
Writes benchmarks/results/html_quality.json and .md.

Both sides see the same pages in the same run. trafilatura alone is called as
cleaner calls it (``deduplicate=False``, no comments, tables kept). Scores are
micro-averaged precision and recall of word 4-gram shingle sets against the
ground-truth body. Each page is cleaned as a run of its own, so the score
measures stripping, not cross-page dedup. Leaks are output lines that are not
ground truth and look like the furniture trafilatura is known to let through;
the patterns here are written apart from cleaner's own rules.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner import Cleaner, Document
from cleaner.strip.text import tokens

DATA = Path(__file__).parent / "data" / "fundus80"
RESULTS = Path(__file__).parent / "results"

LEAK_PATTERNS = {
    "newsletter_follow": re.compile(r"^(sign up|subscribe|get (the|our) .*newsletter|follow (us|@)|newsletter\b)|"
                                    r"(newsletter|inbox)[^.]{0,40}$", re.I),
    "more_from_header": re.compile(r"^(more (from|on|stories)|you (may|might) also like|related( stories| articles|:)?$|"
                                   r"recommended|read (more|next)|most (read|popular))", re.I),
    "photo_credit": re.compile(r"(^(photo|image|credit|illustration)s?\b.{0,60}[:|/]|(getty images|reuters|ap photo|"
                               r"afp|shutterstock|associated press)\)?$)", re.I),
    "source_line": re.compile(r"^sources?\s*:", re.I),
    "copyright": re.compile(r"(©|copyright \d{4}|all rights reserved)", re.I),
    "share_word": re.compile(r"^(share|tweet|email|print|copy link|save)( this( article| story)?)?$", re.I),
}


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = tokens(text)
    return {tuple(toks[i : i + n]) for i in range(max(0, len(toks) - n + 1))}


def leaks(lines: list[str], truth: set) -> dict[str, int]:
    counts = dict.fromkeys(LEAK_PATTERNS, 0)
    for line in lines:
        line = line.strip()
        if not line or len(line.split()) > 40:
            continue
        sh = shingles(line)
        if sh and len(sh & truth) / len(sh) >= 0.5:
            continue
        for name, pattern in LEAK_PATTERNS.items():
            if pattern.search(line):
                counts[name] += 1
                break
    return counts


def evaluate() -> tuple[dict, list[dict]]:
    """Both sides on every page: (summary per side, per-page scores)."""
    import trafilatura

    truth_all = json.loads((DATA / "ground_truth.json").read_text(encoding="utf-8"))
    pages = sorted((DATA / "html").glob("*.html.gz"))
    totals = {side: {"inter": 0, "out": 0, "truth": 0, "seconds": 0.0, "leaks": dict.fromkeys(LEAK_PATTERNS, 0)}
              for side in ("trafilatura", "cleaner")}
    per_page = []
    for page in pages:
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        truth = shingles("\n".join(truth_all[page.name]["body"]))
        started = time.perf_counter()
        t_text = trafilatura.extract(html, deduplicate=False, include_comments=False, include_tables=True) or ""
        totals["trafilatura"]["seconds"] += time.perf_counter() - started
        started = time.perf_counter()
        (result,) = list(Cleaner().run([Document(id=page.name, text="", html=html)]))
        totals["cleaner"]["seconds"] += time.perf_counter() - started
        row = {"page": page.name}
        for side, text in (("trafilatura", t_text), ("cleaner", result.body)):
            out = shingles(text)
            inter = len(out & truth)
            t = totals[side]
            t["inter"] += inter
            t["out"] += len(out)
            t["truth"] += len(truth)
            for k, v in leaks(text.split("\n"), truth).items():
                t["leaks"][k] += v
            row[side] = {"precision": round(inter / max(1, len(out)), 4), "recall": round(inter / max(1, len(truth)), 4)}
        per_page.append(row)
    summary = {}
    for side, t in totals.items():
        p, r = t["inter"] / max(1, t["out"]), t["inter"] / max(1, t["truth"])
        summary[side] = {
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(1e-9, p + r), 4),
            "leaked_lines": sum(t["leaks"].values()), "leaks": t["leaks"],
            "pages_per_second": round(len(pages) / max(1e-9, t["seconds"]), 1),
        }
    return summary, per_page


def main() -> None:
    summary, per_page = evaluate()
    pages = per_page
    out = {"pages": len(pages), "summary": summary, "per_page": per_page}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "html_quality.json").write_text(json.dumps(out, indent=2) + "\n")
    md = [
        f"fundus80: {len(pages)} pages, word 4-gram shingles, micro-averaged.",
        "",
        "| | precision | recall | F1 | leaked furniture lines | pages/s |",
        "|---|---|---|---|---|---|",
    ]
    for side, s in summary.items():
        md.append(f"| {side} | {s['precision']} | {s['recall']} | {s['f1']} | {s['leaked_lines']} | {s['pages_per_second']} |")
    md += ["", "| leak kind | trafilatura | cleaner |", "|---|---|---|"]
    for k in LEAK_PATTERNS:
        md.append(f"| {k} | {summary['trafilatura']['leaks'][k]} | {summary['cleaner']['leaks'][k]} |")
    (RESULTS / "html_quality.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
