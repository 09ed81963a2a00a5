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

from . import __version__
from .document import Reject, Removal, Result
from .segment import split_lines
from .text import normalized

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
        for k, r in enumerate(v.removals):
            kept_doc = index_of.get(r.kept_id) if r.kept_id is not None else None
            rm.append([reason_at[r.reason], r.rule, kept_doc, r.kept_line, r.kept_id])
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
    cluster_list = []
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


def render_page(data: dict, title: str = "cleaner review") -> str:
    colour_css = "\n".join(f".c{i}{{--c:{c}}}" for i, c in enumerate(data["colours"]))
    # The policy names the one script by its hash: no network, and nothing a
    # document's text might smuggle in would run even if escaping failed.
    script_hash = base64.b64encode(hashlib.sha256(("\n" + _SCRIPT + "\n").encode("utf-8")).digest()).decode("ascii")
    return (_TEMPLATE
            .replace("@TITLE@", html.escape(title))
            .replace("@SCRIPT_HASH@", "sha256-" + script_hash)
            .replace("@COLOURS@", colour_css)
            .replace("@SCRIPT@", _SCRIPT)
            .replace("@DATA@", _script_json(data)))


def review_run(inputs: list[str], config, workers: int = 1, page_size: int = PAGE_SIZE,
               progress=None) -> tuple[str, object]:
    """Run the pipeline on ``inputs`` in this process and build the page; also return the run's stats."""
    from .pipeline import Cleaner
    from .readers import read_inputs

    cleaner = Cleaner(config, progress=progress, workers=workers)
    results, rejects = [], []
    for item in cleaner.run(read_inputs(list(inputs), config)):
        (rejects if isinstance(item, Reject) else results).append(item)
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

    from .readers import read_inputs
    from .work import DocumentWork, FirstPassDoc

    audit: dict[str, list[Removal]] = defaultdict(list)
    for row in _read_jsonl(explain_path):
        audit[str(row["id"])].append(Removal(str(row["id"]), int(row["line"]), row.get("text", ""), row["reason"],
                                             row.get("rule", ""), row.get("kept_id"), row.get("kept_line")))
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
    from .compression import decompressing

    with open(path, "rb") as raw:
        for line in decompressing(raw):
            if line.strip():
                yield json.loads(line)


def build_report(results: Iterable[Result], rejects: Iterable[Reject] = (), meta: dict | None = None,
                 page_size: int = PAGE_SIZE, title: str = "cleaner review") -> str:
    return render_page(page_data(views_from_results(results), rejects, meta, page_size), title)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '@SCRIPT_HASH@'">
<title>@TITLE@</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:10px 20px}
header h1{font-size:18px;margin:0 0 4px}
header .sum{font-size:13px;opacity:.85}
main{padding:10px 20px;max-width:1200px}
section.corpus{display:grid;grid-template-columns:1fr 1fr;gap:16px}
section.corpus>div{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;max-height:420px;overflow:auto}
h2{font-size:16px;margin:6px 0}
.bar{display:flex;align-items:center;gap:6px;font-size:13px;margin:2px 0}
.bar .lab{width:130px;text-align:right;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.bar .b{height:14px;background:var(--c);border-radius:2px;min-width:2px}
.bar .n{color:#555}
ol.clusters{padding-left:22px;margin:4px 0;font-size:13px}
ol.clusters li{margin-bottom:6px}
.canon{font-weight:600}
.members{margin:2px 0 0 0;padding-left:16px;color:#444}
table.furn{border-collapse:collapse;font-size:13px;width:100%}
table.furn td{border-bottom:1px solid #eee;padding:2px 4px}
.toolbar{position:sticky;top:0;background:#eceff1;border:1px solid #cfd8dc;padding:6px 10px;margin:12px 0;display:flex;flex-wrap:wrap;gap:8px;align-items:center;z-index:2}
.toolbar input[type=search]{width:280px;padding:3px 6px}
.legend{display:flex;flex-wrap:wrap;gap:4px 10px;font-size:12px;margin:6px 0}
.legend span::before{content:"";display:inline-block;width:10px;height:10px;background:var(--c);margin-right:3px;border-radius:2px}
article.doc{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px}
article.doc h3{font-size:14px;margin:0 0 6px;font-family:ui-monospace,monospace}
article.doc h3 .dupof{font-weight:normal;color:#a00;margin-left:10px}
.ln{display:flex;gap:8px;padding:1px 2px;border-radius:3px}
.ln .no{color:#999;font:12px ui-monospace,monospace;min-width:38px;text-align:right;user-select:none;padding-top:2px}
.ln.title .tx{font-weight:700}
.ln.target{outline:2px solid #ff9800;background:#fff3e0}
del.rm{text-decoration:line-through 2px var(--c);background:color-mix(in srgb,var(--c) 14%,transparent);color:#555;cursor:pointer;border-bottom:2px solid var(--c)}
a.dup{color:inherit;text-decoration:none}
aside.related{border:1px dashed #1f78b4;background:#f3f8fc;border-radius:4px;margin:8px 0 2px 46px;padding:4px 10px;font-size:13px}
aside.related h4{margin:0;font-size:12px;color:#1f78b4;text-transform:uppercase}
aside.related ul{margin:2px 0;padding-left:18px}
.unplaced{font-size:12px;color:#a00}
#detail{position:fixed;right:16px;bottom:16px;max-width:440px;background:#fff;border:2px solid #263238;border-radius:6px;padding:8px 12px;font-size:13px;box-shadow:0 2px 10px rgba(0,0,0,.2);display:none;z-index:3}
#detail .close{float:right;cursor:pointer;border:0;background:none;font-size:16px}
.muted{color:#777}
@COLOURS@
</style>
</head>
<body>
<header><h1>@TITLE@</h1><div class="sum" id="summary"></div></header>
<main>
<section class="corpus">
<div><h2>Removals per reason</h2><div id="chart"></div></div>
<div><h2>Site furniture learned from the corpus</h2><div id="furniture"></div></div>
<div style="grid-column:1/3"><h2>Duplicate clusters</h2><div id="clusters"></div></div>
<div id="rejects-box" style="grid-column:1/3;display:none"><h2>Rejected records</h2><div id="rejects"></div></div>
</section>
<div class="toolbar">
<input type="search" id="search" placeholder="Search documents (id or text)" aria-label="Search documents">
<select id="reason" aria-label="Only documents with a removal of this reason"><option value="">any reason</option></select>
<button id="prev" type="button">&larr; Previous</button>
<span id="pageinfo"></span>
<button id="next" type="button">Next &rarr;</button>
<label>page <input type="number" id="pageno" min="1" value="1" style="width:70px"></label>
</div>
<div class="legend" id="legend"></div>
<div id="docs"></div>
</main>
<div id="detail" role="dialog"><button class="close" type="button" aria-label="Close">&times;</button><div id="detail-body"></div></div>
<script type="application/json" id="data">@DATA@</script>
<script>
@SCRIPT@
</script>
</body>
</html>
"""

_SCRIPT = r"""
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const N = D.docs.length, PAGE = D.pageSize;
let shown = null, page = 0, haystack = null, marked = null;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : String(k));
  return e;
}
const anchor = (d, line) => line === null || line === undefined ? "d" + d : "d" + d + "-l" + line;
function link(d, line, text) { return el("a", {href: "#" + anchor(d, line)}, text); }

function summary() {
  const m = D.meta, total = D.counts.reduce((a, b) => a + b, 0);
  const dups = D.docs.filter(d => d.dup).length;
  document.getElementById("summary").textContent =
    N + " documents, " + total + " removed spans, " + D.clusters.length + " duplicate clusters, " +
    dups + " duplicate documents, " + D.furniture.length + " furniture lines, " + D.rejects.length +
    " rejected" + (m.inputs ? " \u2014 " + m.inputs.join(", ") : "") + " \u2014 cleaner " + m.version;
}

function chart() {
  const box = document.getElementById("chart"), max = Math.max(1, ...D.counts);
  const order = D.reasons.map((r, i) => i).sort((a, b) => D.counts[b] - D.counts[a] || (D.reasons[a] < D.reasons[b] ? -1 : 1));
  for (const i of order) {
    const bar = el("div", {class: "b c" + i, style: "width:" + (D.counts[i] / max * 60).toFixed(2) + "%"});
    box.append(el("div", {class: "bar", "data-reason": D.reasons[i]},
      el("span", {class: "lab", title: D.reasons[i]}, D.reasons[i]), bar, el("span", {class: "n"}, D.counts[i])));
  }
  if (!order.length) box.append(el("p", {class: "muted"}, "Nothing was removed."));
  const legend = document.getElementById("legend"), sel = document.getElementById("reason");
  D.reasons.forEach((r, i) => { legend.append(el("span", {class: "c" + i}, r)); sel.append(el("option", {value: i}, r)); });
}

function furniture() {
  const box = document.getElementById("furniture");
  if (!D.furniture.length) { box.append(el("p", {class: "muted"}, "No line recurred enough to count as site furniture.")); return; }
  const t = el("table", {class: "furn"});
  t.append(el("tr", {}, el("th", {}, "line"), el("th", {}, "removed"), el("th", {}, "documents")));
  for (const [text, n, docs, d, line] of D.furniture)
    t.append(el("tr", {}, el("td", {}, link(d, line, text)), el("td", {}, n), el("td", {}, docs)));
  box.append(t);
}

let clusterLimit = 100;
function clusters() {
  const box = document.getElementById("clusters");
  box.textContent = "";
  if (!D.clusters.length) { box.append(el("p", {class: "muted"}, "No duplicate passages.")); return; }
  const ol = el("ol", {class: "clusters"});
  for (const [d, line, text, members] of D.clusters.slice(0, clusterLimit)) {
    const where = D.docs[d].id + (line === null ? "" : ":" + line);
    const li = el("li", {class: "cluster"}, el("span", {class: "canon"}, "kept ", link(d, line, where)), " ",
      el("span", {}, text.length > 160 ? text.slice(0, 160) + "\u2026" : text),
      el("span", {class: "muted"}, " \u2014 " + members.length + (members.length > 1 ? " copies" : " copy")));
    const ul = el("ul", {class: "members"});
    for (const [md, ml, mt, rule] of members.slice(0, 20))
      ul.append(el("li", {}, link(md, ml, D.docs[md].id + ":" + ml), " (" + rule + ") ",
        mt.length > 120 ? mt.slice(0, 120) + "\u2026" : mt));
    if (members.length > 20) ul.append(el("li", {class: "muted"}, "and " + (members.length - 20) + " more"));
    li.append(ul);
    ol.append(li);
  }
  box.append(ol);
  if (D.clusters.length > clusterLimit) {
    const more = el("button", {type: "button"}, "Show " + Math.min(100, D.clusters.length - clusterLimit) + " more of " + (D.clusters.length - clusterLimit));
    more.onclick = () => { clusterLimit += 100; clusters(); };
    box.append(more);
  }
}

function rejects() {
  if (!D.rejects.length) return;
  document.getElementById("rejects-box").style.display = "";
  const ul = el("ul", {});
  for (const [source, reason, detail] of D.rejects) ul.append(el("li", {}, source + ": " + reason + (detail ? " (" + detail + ")" : "")));
  document.getElementById("rejects").append(ul);
}

function renderDoc(i) {
  const d = D.docs[i];
  const h = el("h3", {}, link(i, null, d.id));
  if (d.dup !== null) h.append(el("span", {class: "dupof"}, "duplicate of ", d.dupi !== null ? link(d.dupi, null, d.dup) : d.dup));
  const art = el("article", {class: "doc", id: anchor(i, null)}, h);
  for (const [line, segs] of d.l) {
    const tx = el("span", {class: "tx"});
    let kept = false;
    for (const s of segs) {
      if (typeof s === "string") { tx.append(s); if (s.trim()) kept = true; continue; }
      tx.append(removed(i, s[1], s[0]));
    }
    const cls = "ln" + (line === d.tl ? " title" : "") + (kept ? "" : " gone");
    art.append(el("div", {class: cls, id: anchor(i, line)}, el("span", {class: "no"}, line), tx));
  }
  for (const k of d.u) art.append(el("div", {class: "unplaced"}, "not found on its line: ", removed(i, k, d.r[k] ? D.reasons[d.r[k][0]] : "")));
  if (d.rel.length) {
    const ul = el("ul", {});
    for (const t of d.rel) ul.append(el("li", {}, t));
    art.append(el("aside", {class: "related"}, el("h4", {}, "Related"), ul));
  }
  return art;
}

function removed(i, k, text) {
  const [reason, rule, kd, kl, kid] = D.docs[i].r[k];
  let tip = D.reasons[reason] + " \u00b7 " + rule;
  if (kid !== null && kid !== undefined) tip += " \u2192 kept in " + kid + (kl === null ? "" : " line " + kl);
  const del = el("del", {class: "rm c" + reason, title: tip, "data-doc": i, "data-k": k, "data-reason": D.reasons[reason]}, text);
  // A duplicate is a link: one click goes to the passage kept instead.
  if (kd !== null && kd !== undefined) return el("a", {class: "dup", href: "#" + anchor(kd, kl)}, del);
  return del;
}

function showDetail(i, k) {
  const [reason, rule, kd, kl, kid] = D.docs[i].r[k];
  const body = document.getElementById("detail-body");
  body.textContent = "";
  body.append(el("div", {}, el("b", {}, "reason: "), D.reasons[reason]), el("div", {}, el("b", {}, "rule: "), rule));
  if (kid !== null && kid !== undefined) {
    body.append(el("div", {}, el("b", {}, "kept instead: "),
      kd !== null ? el("a", {href: "#" + anchor(kd, kl), id: "jump"}, kid + (kl === null ? "" : " line " + kl)) : kid));
  }
  document.getElementById("detail").style.display = "block";
}

function filter() {
  const q = document.getElementById("search").value.trim().toLowerCase();
  const reason = document.getElementById("reason").value;
  if (!q && reason === "") { shown = null; return; }
  if (q && !haystack) {
    haystack = D.docs.map(d => (d.id + "\n" + (d.t || "") + "\n" +
      d.l.map(([, segs]) => segs.map(s => typeof s === "string" ? s : s[0]).join("")).join("\n") + "\n" + d.rel.join("\n")).toLowerCase());
  }
  const r = reason === "" ? -1 : Number(reason);
  shown = [];
  for (let i = 0; i < N; i++) {
    if (q && !haystack[i].includes(q)) continue;
    if (r >= 0 && !D.docs[i].r.some(x => x[0] === r)) continue;
    shown.push(i);
  }
}

function render() {
  const total = shown ? shown.length : N, pages = Math.max(1, Math.ceil(total / PAGE));
  page = Math.min(Math.max(0, page), pages - 1);
  const box = document.getElementById("docs");
  box.textContent = "";
  const from = page * PAGE, to = Math.min(total, from + PAGE);
  for (let p = from; p < to; p++) box.append(renderDoc(shown ? shown[p] : p));
  if (!total) box.append(el("p", {class: "muted"}, "No document matches."));
  document.getElementById("pageinfo").textContent = "page " + (page + 1) + " of " + pages + " \u2014 documents " +
    (total ? from + 1 : 0) + "\u2013" + to + " of " + total + (shown ? " (filtered from " + N + ")" : "");
  document.getElementById("pageno").value = page + 1;
  document.getElementById("pageno").max = pages;
  document.getElementById("prev").disabled = page === 0;
  document.getElementById("next").disabled = page >= pages - 1;
}

function go(hash) {
  const m = /^#d(\d+)(?:-l(\d+))?$/.exec(hash);
  if (!m) return;
  const d = Number(m[1]);
  if (d >= N) return;
  let pos = shown ? shown.indexOf(d) : d;
  if (pos < 0) {  // filtered out: show everything again
    document.getElementById("search").value = "";
    document.getElementById("reason").value = "";
    shown = null;
    pos = d;
  }
  page = Math.floor(pos / PAGE);
  render();
  const target = document.getElementById(hash.slice(1)) || document.getElementById("d" + d);
  if (marked) marked.classList.remove("target");
  marked = target;
  target.classList.add("target");
  target.scrollIntoView({block: "center"});
}

let timer = null;
document.getElementById("search").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => { filter(); page = 0; render(); }, 150);
});
document.getElementById("reason").addEventListener("change", () => { filter(); page = 0; render(); });
document.getElementById("prev").onclick = () => { page--; render(); window.scrollTo(0, document.getElementById("docs").offsetTop - 60); };
document.getElementById("next").onclick = () => { page++; render(); window.scrollTo(0, document.getElementById("docs").offsetTop - 60); };
document.getElementById("pageno").addEventListener("change", e => {
  // Render only on a new page: a change fired as the box loses focus to a click on a
  // link must not redraw the link away from under that click.
  const p = Number(e.target.value) - 1;
  if (p !== page) { page = p; render(); }
});
document.querySelector("#detail .close").onclick = () => { document.getElementById("detail").style.display = "none"; };
document.addEventListener("click", e => {
  const del = e.target.closest("del.rm");
  if (del) showDetail(Number(del.dataset.doc), Number(del.dataset.k));
  // The same anchor again fires no hashchange, yet its page may not be the one shown.
  const a = e.target.closest('a[href^="#d"]');
  if (a && a.getAttribute("href") === location.hash) { e.preventDefault(); go(location.hash); }
});
window.addEventListener("hashchange", () => go(location.hash));

summary(); chart(); furniture(); clusters(); rejects();
if (location.hash) go(location.hash); else render();
document.body.dataset.ready = "1";
"""
