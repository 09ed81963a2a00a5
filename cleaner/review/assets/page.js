
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
  const [reason, rule, kd, kl, kid, score] = D.docs[i].r[k];
  let tip = D.reasons[reason] + " \u00b7 " + rule;
  if (score !== null && score !== undefined) tip += " \u00b7 score " + score;
  if (kid !== null && kid !== undefined) tip += " \u2192 kept in " + kid + (kl === null ? "" : " line " + kl);
  const del = el("del", {class: "rm c" + reason, title: tip, "data-doc": i, "data-k": k, "data-reason": D.reasons[reason]}, text);
  // A duplicate is a link: one click goes to the passage kept instead.
  if (kd !== null && kd !== undefined) return el("a", {class: "dup", href: "#" + anchor(kd, kl)}, del);
  return del;
}

function showDetail(i, k) {
  const [reason, rule, kd, kl, kid, score] = D.docs[i].r[k];
  const body = document.getElementById("detail-body");
  body.textContent = "";
  body.append(el("div", {}, el("b", {}, "reason: "), D.reasons[reason]), el("div", {}, el("b", {}, "rule: "), rule));
  // The line model's boilerplate probability: near the threshold is where a reviewer looks first.
  if (score !== null && score !== undefined) body.append(el("div", {}, el("b", {}, "score: "), String(score)));
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
