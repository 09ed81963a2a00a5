"""Body extraction quality and speed on real pages: cleaner's HTML path vs trafilatura alone (and readability-lxml).

Run: python benchmarks/html_quality.py [--rounds N] [--speed-only] [--no-speed]
Writes benchmarks/results/html_quality.json and .md.

Three sets of real pages, each with a ground-truth body:

* fundus80: 80 English news pages of 16 publishers, bodies extracted by hand;
* wcxb-heldout: the WCXB dev pages whose site is held out of the line model's training
  (``benchmarks.linemodel.data.split_of``, 1 domain in 5), with their ``with`` and
  ``without`` snippets (text a good extraction keeps, boilerplate it must not keep);
* fundus-heldout: the fundus-publishers pages of held-out publishers, the body their
  hand-written parser extracts (the parser version whose paragraphs occur in the page).

All sides see the same pages in the same run. trafilatura alone is called as cleaner
calls it (``deduplicate=False``, no comments, tables kept). Scores are micro-averaged
precision and recall of word 4-gram shingle sets (characters for CJK text) against the
ground-truth body. Each page is cleaned as a run of its own, so the score measures
extraction and stripping, not cross-page dedup. Leaks on fundus80 are output lines that
are not ground truth and look like the furniture trafilatura is known to let through
(the patterns are written apart from cleaner's own rules); on wcxb, the ``without``
snippets found in the output.

Speed is measured apart from quality, side by side: the pages are taken 20 at a time and
every side runs on each chunk in turn (cleaner as one run over the chunk, one worker),
so that the shared machine's changing load falls on every side alike; the ratio of total
times is what to read, absolute pages/s drift with the load.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.linemodel import data as lm_data
from cleaner import Cleaner, Document
from cleaner.strip.text import tokens

DATA = Path(__file__).parent / "data" / "fundus80"
RESULTS = Path(__file__).parent / "results"
SHARED = Path(lm_data.DATA)

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


@dataclass
class Page:
    name: str
    html: str
    truth: str
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)


def shingles(text: str, n: int = 4, cjk: bool = False) -> set[tuple[str, ...]]:
    toks = lm_data.tokens(text, True) if cjk else tokens(text)
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


def _gunzip(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace")


def load_fundus80() -> list[Page]:
    truth_all = json.loads((DATA / "ground_truth.json").read_text(encoding="utf-8"))
    return [Page(p.name, _gunzip(p), "\n".join(truth_all[p.name]["body"])) for p in sorted((DATA / "html").glob("*.html.gz"))]


def load_wcxb_heldout() -> list[Page]:
    base = SHARED / "wcxb-dev"
    with gzip.open(base / "ground_truth.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    pages = []
    for r in sorted(rows, key=lambda r: r["id"]):
        path = base / "html" / f"{r['id']}.html.gz"
        if lm_data.split_of(r["domain"]) != "heldout" or not path.exists() or not (r.get("main_content") or "").strip():
            continue
        pages.append(Page(f"wcxb/{r['id']}", _gunzip(path), r["main_content"], list(r.get("with") or []),
                          list(r.get("without") or [])))
    return pages


def load_fundus_heldout() -> list[Page]:
    base = SHARED / "fundus-publishers"
    pages = []
    for country in sorted(p for p in base.iterdir() if p.is_dir()):
        for path in sorted(country.glob("*.html.gz")):
            publisher = re.sub(r"(_\d{4}_\d{2}_\d{2})?\.html\.gz$", "", path.name)
            versions_path = country / f"{publisher}.json"
            if lm_data.split_of("fundus:" + publisher.lower()) != "heldout" or not versions_path.exists():
                continue
            html = _gunzip(path)
            truth = _fundus_truth(html, json.loads(versions_path.read_text(encoding="utf-8")))
            if truth:
                pages.append(Page(f"fundus/{country.name}/{path.name}", html, truth))
    return pages


def _fundus_truth(html: str, versions: dict) -> str | None:
    """The body of the parser version whose paragraphs occur in the page (as benchmarks/linemodel/data.py picks it)."""
    page_text = " ".join(lm_data.render_lines(html))
    best, best_score = None, -1.0
    for name in sorted(versions):
        ref = lm_data._fundus_text(versions[name])
        if not ref:
            continue
        cjk = lm_data.is_cjk(ref)
        reference = lm_data.Reference(page_text, cjk)
        paras = [lm_data.tokens(p, cjk) for p in ref.split("\n")]
        score = sum(reference.containment(t) for t in paras if t) / max(1, len(paras))
        if score > best_score:
            best, best_score = ref, score
    return best if best_score >= 0.3 else None


SETS = {"fundus80": load_fundus80, "wcxb-heldout": load_wcxb_heldout, "fundus-heldout": load_fundus_heldout}


def _trafilatura(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, deduplicate=False, include_comments=False, include_tables=True) or ""


def _trafilatura_fast(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, deduplicate=False, include_comments=False, include_tables=True, fast=True) or ""


def _readability(html: str) -> str:
    import lxml.html
    from readability import Document as ReadabilityDocument

    try:
        summary = ReadabilityDocument(html).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # readability-lxml raises bare Exceptions on pages it cannot read: empty then
        return ""
    blocks = root.xpath(".//p|.//li|.//h1|.//h2|.//h3|.//h4|.//h5|.//h6|.//pre|.//td|.//blockquote")
    return "\n".join(" ".join(b.text_content().split()) for b in blocks) or " ".join(root.text_content().split())


def _cleaner(html: str, name: str = "p") -> str:
    (result,) = list(Cleaner().run([Document(id=name, text="", html=html)]))
    return result.body


def _readability_installed() -> bool:
    try:
        import readability  # noqa: F401
    except ImportError:
        return False
    return True


def sides(others: bool = True) -> dict:
    """The extractors compared: trafilatura and cleaner, and with ``others`` trafilatura's fast mode
    (no fallback extractors) and readability-lxml if installed."""
    out = {"trafilatura": _trafilatura, "cleaner": _cleaner}
    if others:
        out["trafilatura-fast"] = _trafilatura_fast
    if others and _readability_installed():
        out["readability-lxml"] = _readability
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _snippets(text: str, page: Page) -> tuple[int, int]:
    """(``with`` snippets found, ``without`` snippets found) in an output."""
    out = _norm(text)
    return sum(_norm(w) in out for w in page.with_), sum(_norm(w) in out for w in page.without)


def evaluate(set_name: str = "fundus80", pages: list[Page] | None = None, others: bool = False) -> tuple[dict, list[dict]]:
    """Every side on every page of a set: (summary per side, per-page scores)."""
    pages = SETS[set_name]() if pages is None else pages
    run = sides(others)
    totals = {side: {"inter": 0, "out": 0, "truth": 0, "with": 0, "without": 0, "leaks": dict.fromkeys(LEAK_PATTERNS, 0)}
              for side in run}
    per_page = []
    for page in pages:
        cjk = lm_data.is_cjk(page.truth)
        truth = shingles(page.truth, cjk=cjk)
        row: dict = {"page": page.name}
        for side, fn in run.items():
            text = fn(page.html)
            out = shingles(text, cjk=cjk)
            inter = len(out & truth)
            t = totals[side]
            t["inter"] += inter
            t["out"] += len(out)
            t["truth"] += len(truth)
            found_with, found_without = _snippets(text, page)
            t["with"] += found_with
            t["without"] += found_without
            for k, v in leaks(text.split("\n"), truth).items():
                t["leaks"][k] += v
            row[side] = {"precision": round(inter / max(1, len(out)), 4), "recall": round(inter / max(1, len(truth)), 4)}
        per_page.append(row)
    n_with = sum(len(p.with_) for p in pages)
    n_without = sum(len(p.without) for p in pages)
    summary = {}
    for side, t in totals.items():
        p, r = t["inter"] / max(1, t["out"]), t["inter"] / max(1, t["truth"])
        summary[side] = {
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(1e-9, p + r), 4),
            "leaked_lines": sum(t["leaks"].values()), "leaks": t["leaks"],
            "with_kept": round(t["with"] / n_with, 4) if n_with else None,
            "without_leaked": t["without"], "without_total": n_without,
        }
    return summary, per_page


def speed(pages: list[Page], rounds: int = 2, chunk: int = 20) -> dict:
    """Pages/s of each side over the same pages, interleaved chunk by chunk (``chunk`` pages of one
    side, then of the next), so that a change in the machine's load falls on every side alike.

    Each side first runs once on the first chunk, untimed: cleaner's one-time start (loading its
    models, compiling its dedup kernels) is not a page's cost."""
    run = sides()
    docs = [Document(id=str(i), text="", html=p.html) for i, p in enumerate(pages)]
    chunks = [range(i, min(len(pages), i + chunk)) for i in range(0, len(pages), chunk)]
    seconds = dict.fromkeys(run, 0.0)
    for side in run:
        _time_side(side, run[side], pages, docs, chunks[0])
    for _ in range(rounds):
        for part in chunks:
            for side, fn in run.items():
                seconds[side] += _time_side(side, fn, pages, docs, part)
    n = len(pages) * rounds
    return {side: {"pages_per_second": round(n / s, 1), "ratio_to_trafilatura": round(seconds["trafilatura"] / s, 3)}
            for side, s in seconds.items()}


def _time_side(side: str, fn, pages: list[Page], docs: list[Document], part: range) -> float:
    started = time.perf_counter()
    if side == "cleaner":
        list(Cleaner().run([docs[i] for i in part]))  # one run over the chunk, as a run uses the HTML path
    else:
        for i in part:
            fn(pages[i].html)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2, help="speed rounds (sides interleaved chunk by chunk)")
    parser.add_argument("--speed-only", action="store_true", help="measure speed only, keep the quality in the results file")
    parser.add_argument("--no-speed", action="store_true", help="quality only")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    args = parser.parse_args()
    out: dict = {"sets": {}}
    if args.speed_only:
        out = json.loads((RESULTS / "html_quality.json").read_text(encoding="utf-8"))
    all_pages: list[Page] = []
    for name in args.sets.split(","):
        pages = SETS[name]()
        all_pages += pages
        if not args.speed_only:
            summary, per_page = evaluate(name, pages, others=True)
            out["sets"][name] = {"pages": len(pages), "summary": summary, "per_page": per_page}
    if not args.no_speed:
        out["speed"] = {"pages": len(all_pages), "rounds": args.rounds, "sides": speed(all_pages, args.rounds)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "html_quality.json").write_text(json.dumps(out, indent=2) + "\n")
    md = _markdown(out)
    (RESULTS / "html_quality.md").write_text(md)
    print(md)


def _markdown(out: dict) -> str:
    md = ["Word 4-gram shingles (characters for CJK), micro-averaged; each page a run of its own.", ""]
    for name, s in out["sets"].items():
        md += [f"### {name}: {s['pages']} pages", "",
               "| | precision | recall | F1 | leaked furniture lines | `with` kept | `without` leaked |",
               "|---|---|---|---|---|---|---|"]
        for side, v in s["summary"].items():
            with_kept = "-" if v["with_kept"] is None else v["with_kept"]
            without = f"{v['without_leaked']} / {v['without_total']}" if v["without_total"] else "-"
            md.append(f"| {side} | {v['precision']} | {v['recall']} | {v['f1']} | {v['leaked_lines']} | {with_kept} | {without} |")
        md.append("")
    sp = out.get("speed")
    if sp is None:
        return "\n".join(md) + "\n"
    md += [f"### Speed: {sp['pages']} pages, sides interleaved chunk by chunk, {sp['rounds']} rounds", "",
           "| | pages/s | ratio to trafilatura |", "|---|---|---|"]
    for side, v in sp["sides"].items():
        md.append(f"| {side} | {v['pages_per_second']} | {v['ratio_to_trafilatura']} |")
    return "\n".join(md) + "\n"


if __name__ == "__main__":
    main()
