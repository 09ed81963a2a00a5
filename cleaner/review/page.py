"""The review page: one self-contained HTML file showing what a run removed, and why.

Each document is shown line by line as its input has it: kept text plain,
removed spans struck through and coloured by reason (hover for the rule, click
for the details; a duplicate links to the passage kept instead), related items
in a box of their own. Above the documents, the corpus: removals per reason (a
bar chart), the lines the furniture pass learned, and the duplicate clusters.

The data is embedded as JSON and drawn by a small inline script, one page of
documents at a time, so that 10,000 documents stay usable; nothing is fetched.
Every text reaches the page through ``textContent``, never as markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from .._version import __version__
from ..document import Reject, Removal, Result
from ..run.stats import RunStats
from ..strip.segment import split_lines
from ..strip.text import normalized

PAGE_SIZE = 50

# One colour per reason, fixed, so that two pages of the same corpus look alike.
REASON_COLOURS = {
    "ad_slot": "#e6194b", "share_widget": "#3cb44b", "related_counter": "#4363d8", "related_header": "#f58231",
    "poll": "#911eb4", "cache_banner": "#42d4f4", "photo_credit": "#f032e6", "footer": "#9a6324",
    "cta": "#808000", "reader_question": "#469990", "newsletter": "#e6a800", "curation_header": "#800000",
    "timestamp": "#000075", "navigation": "#a9a9a9", "media_widget": "#dc7fa0", "noise": "#707070",
    "near_duplicate": "#d40000", "site_furniture": "#6a3d9a", "related_item": "#1f78b4", "over_limit": "#333333",
}
_SPARE_COLOURS = ("#b15928", "#33a02c", "#fb9a99", "#cab2d6", "#ff7f00", "#a6cee3")


@dataclass
class DocView:
    """One document as the page draws it: its lines, each as kept text and removed spans."""

    id: str
    title: str | None
    duplicate_of: str | None
    related: list[str]
    # (line number, segments); a segment is a kept string or [text, removal index].
    lines: list[tuple[int, list]] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    title_line: int | None = None
    # Removals whose text is not found on their line (none are expected): shown after the document.
    unplaced: list[int] = field(default_factory=list)


def line_segments(line: str, entries: list[tuple[int, Removal]]) -> tuple[list, list[int]]:
    """Split one input line (stripped) into kept strings and removed [text, index] spans.

    A whole-line removal carries the line's text; a cut carries its piece, found
    in order along the line. Returns the segments and the entries not found.
    """
    spans: list[tuple[int, int, int]] = []
    unplaced: list[int] = []
    # A whole-line removal (a line removed after a span was cut from it carries
    # its whole text too) takes whatever the cuts left.
    rest = [k for k, r in entries if r.text == line]
    pos = 0
    for k, r in entries:
        if k in rest:
            continue
        text = r.text
        if r.reason == "over_limit" and "… [" in text:  # the audit shortens a cut of megabytes
            start = line.find(text[: text.rindex("… [")], pos)
            end = len(line) if start >= 0 else -1
        else:
            start = line.find(text, pos) if text else -1
            if start < 0 and text:
                start = line.find(text)
            end = start + len(text)
        if start < 0 or any(s < end and start < e for s, e, _ in spans):
            # What the cuts left, removed as a whole (no words left, or a document that is a
            # copy): its pieces were joined, so it is whatever of the line is not cut yet.
            (rest if r.rule in ("cut_remainder", "whole_document") else unplaced).append(k)
            continue
        spans.append((start, end, k))
        pos = end
    spans.sort()
    segments: list = []
    cursor = 0
    for start, end, k in spans:
        if start > cursor:
            segments.append(line[cursor:start])
        segments.append([line[start:end], k])
        cursor = end
    if cursor < len(line):
        segments.append(line[cursor:])
    if rest:
        k = rest[0]
        segments = [s if isinstance(s, list) or not s.strip() else [s, k] for s in segments]
        unplaced.extend(rest[1:])
    return _merge(segments), unplaced


def _merge(segments: list) -> list:
    """Whitespace between two spans of one removal belongs to it."""
    out: list = []
    for s in segments:
        if isinstance(s, str) and not s:
            continue
        if out and isinstance(s, list) and isinstance(out[-1], list) and out[-1][1] == s[1]:
            out[-1] = [out[-1][0] + s[0], s[1]]
        else:
            out.append(s)
    return out


def document_view(doc_id: str, text: str, removals: list[Removal], title: str | None = None,
                  duplicate_of: str | None = None, related: Iterable[str] = ()) -> DocView:
    view = DocView(doc_id, title, duplicate_of, list(related), removals=list(removals))
    by_line: dict[int, list[tuple[int, Removal]]] = defaultdict(list)
    for k, r in enumerate(view.removals):
        by_line[r.line].append((k, r))
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if not line:
            continue
        segments, unplaced = line_segments(line, by_line.pop(number, []))
        view.unplaced.extend(unplaced)
        if title is not None and view.title_line is None and any(isinstance(s, str) and s.strip() for s in segments):
            # The title is the first line strip kept: every line before it was removed.
            view.title_line = number
        view.lines.append((number, segments))
    for entries in by_line.values():  # a line number past the text: only a bad pairing of files
        view.unplaced.extend(k for k, _ in entries)
    return view


def views_from_results(results: Iterable[Result]) -> list[DocView]:
    return [document_view(r.id, r.source_text or "", r.removals, r.title, r.duplicate_of,
                          [item["text"] for item in r.related]) for r in results]


def page_data(views: list[DocView], rejects: Iterable[Reject] = (), meta: dict | None = None,
              page_size: int = PAGE_SIZE) -> dict:
    """The page's JSON: documents with numbered removals, clusters, furniture, counts."""
    index_of: dict[str, int] = {}
    for i, v in enumerate(views):
        index_of.setdefault(v.id, i)
    counts: Counter = Counter(r.reason for v in views for r in v.removals)
    reasons = sorted(counts)
    reason_at = {r: i for i, r in enumerate(reasons)}
    line_text = {}
    docs = []
    clusters: dict[tuple[int, int | None], list] = defaultdict(list)
    furniture: dict[str, dict] = {}  # by normalised text: the first text seen, counts, where first seen
    for i, v in enumerate(views):
        rm = []
        for r in v.removals:
            kept_doc = index_of.get(r.kept_id) if r.kept_id is not None else None
            rm.append([reason_at[r.reason], r.rule, kept_doc, r.kept_line, r.kept_id, r.score])
            if r.reason == "near_duplicate" and kept_doc is not None:
                clusters[(kept_doc, r.kept_line)].append([i, r.line, r.text, r.rule])
            elif r.reason == "site_furniture":
                f = furniture.setdefault(normalized(r.text), {"text": r.text, "removed": 0, "docs": set(), "at": (i, r.line)})
                f["removed"] += 1
                f["docs"].add(i)
        for number, segments in v.lines:
            line_text[(i, number)] = "".join(s if isinstance(s, str) else s[0] for s in segments)
        docs.append({"id": v.id, "t": v.title, "tl": v.title_line, "dup": v.duplicate_of,
                     "dupi": index_of.get(v.duplicate_of) if v.duplicate_of else None,
                     "rel": v.related, "l": v.lines, "r": rm, "u": v.unplaced})
    cluster_list: list[list] = []
    for (doc, line), members in clusters.items():
        canon = line_text.get((doc, line), "") if line is not None else ""
        cluster_list.append([doc, line, canon, members])
    cluster_list.sort(key=lambda c: (-len(c[3]), c[0], c[1] if c[1] is not None else -1))
    furniture_list = sorted(([f["text"], f["removed"], len(f["docs"]), *f["at"]] for f in furniture.values()),
                            key=lambda f: (-f[1], f[0]))
    colours = [REASON_COLOURS.get(r) or _SPARE_COLOURS[i % len(_SPARE_COLOURS)] for i, r in enumerate(reasons)]
    return {
        "meta": {"version": __version__, **(meta or {})},
        "pageSize": page_size,
        "reasons": reasons,
        "colours": colours,
        "counts": [counts[r] for r in reasons],
        "docs": docs,
        "clusters": cluster_list,
        "furniture": furniture_list,
        "rejects": [[r.source, r.reason, r.detail, r.id] for r in rejects],
    }


def _script_json(data: dict) -> str:
    """JSON that cannot end its <script> element nor start markup inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    """One of the page's files, shipped in the package beside this module (exactly as written)."""
    return (resources.files(__package__) / "assets" / name).read_bytes().decode("utf-8")


def render_page(data: dict, title: str = "cleaner review") -> str:
    template, script = _asset("page.html").replace("@STYLE@", _asset("page.css")), _asset("page.js")
    colour_css = "\n".join(f".c{i}{{--c:{c}}}" for i, c in enumerate(data["colours"]))
    # The policy names the one script by its hash: no network, and nothing a
    # document's text might smuggle in would run even if escaping failed.
    script_hash = base64.b64encode(hashlib.sha256(("\n" + script + "\n").encode("utf-8")).digest()).decode("ascii")
    return (template
            .replace("@TITLE@", html.escape(title))
            .replace("@SCRIPT_HASH@", "sha256-" + script_hash)
            .replace("@COLOURS@", colour_css)
            .replace("@SCRIPT@", script)
            .replace("@DATA@", _script_json(data)))


def review_run(inputs: list[str], config, workers: int = 1, page_size: int = PAGE_SIZE,
               progress=None) -> tuple[str, RunStats]:
    """Run the pipeline on ``inputs`` in this process and build the page; also return the run's stats."""
    from ..io.readers import read_inputs
    from ..run.pipeline import Cleaner

    cleaner = Cleaner(config, progress=progress, workers=workers)
    results: list[Result] = []
    rejects: list[Reject] = []
    for item in cleaner.run(read_inputs(list(inputs), config)):
        if isinstance(item, Reject):
            rejects.append(item)
        elif isinstance(item, Result):
            results.append(item)
    meta = {"inputs": list(inputs), "source": "run"}
    return build_report(results, rejects, meta, page_size), cleaner.stats


def review_audit(inputs: list[str], config, explain_path: str, results_path: str | None = None,
                 page_size: int = PAGE_SIZE) -> str:
    """Build the page from an earlier run's ``--explain`` file (and its output, for titles,
    related items and duplicate_of), reading the text again from ``inputs``.

    The text is read the way the run read it (HTML extracted, mojibake repaired), so
    that the audit's line numbers point at the same lines.
    """
    import pickle

    from ..io.readers import read_inputs
    from ..run.work import DocumentWork, FirstPassDoc

    audit: dict[str, list[Removal]] = defaultdict(list)
    for row in _read_jsonl(explain_path):
        audit[str(row["id"])].append(Removal(str(row["id"]), int(row["line"]), row.get("text", ""), row["reason"],
                                             row.get("rule", ""), row.get("kept_id"), row.get("kept_line"),
                                             score=row.get("score")))
    outputs = {str(row["id"]): row for row in _read_jsonl(results_path)} if results_path else {}
    work = DocumentWork(config)
    views, rejects = [], []
    for position, record in enumerate(read_inputs(list(inputs), config)):
        item = work.first(position, record)
        if isinstance(item, Reject):
            rejects.append(item)
        elif isinstance(item, FirstPassDoc):
            doc, _ = pickle.loads(item.blob)
            out = outputs.get(doc.id, {})
            views.append(document_view(doc.id, doc.text, audit.get(doc.id, []), out.get("title"),
                                       out.get("duplicate_of"), [r["text"] for r in out.get("related", [])]))
    meta = {"inputs": list(inputs), "source": "audit " + explain_path}
    return render_page(page_data(views, rejects, meta, page_size))


def _read_jsonl(path: str) -> Iterable[dict]:
    """An --explain or output file, compressed or not (``--explain audit.jsonl.gz`` is allowed)."""
    from ..io.compression import decompressing

    with open(path, "rb") as raw:
        for line in decompressing(raw):
            if line.strip():
                yield json.loads(line)


def build_report(results: Iterable[Result], rejects: Iterable[Reject] = (), meta: dict | None = None,
                 page_size: int = PAGE_SIZE, title: str = "cleaner review") -> str:
    return render_page(page_data(views_from_results(results), rejects, meta, page_size), title)
