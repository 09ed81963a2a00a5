"""Training and evaluation data for the line model: real pages rendered to dumps, lines labelled by ground truth.

Every page is rendered to the text a scraper dumps (``render_lines``): every visible
block is a line, menus, footers, widgets, comments and related links included.
Each line is labelled content (0) or boilerplate (1) by token containment against
the page's ground-truth main content (``label_lines``; characters for CJK/Thai).

Sources (all under ../shared/data beside the checkout, or $CLEANER_SHARED_DATA; see each README):
  wcxb-dev (domain), readability-pages (folder name), fundus-publishers (publisher),
  fundus80 (publisher).

``compose_dumps`` builds aggregator-like dumps ONLY from real lines: a story's
content lines inside another page's own chrome, chrome runs between paragraphs,
several stories on one page.  Nothing here writes text of its own.

``split_of(domain)`` is a stable sha1 split: 1 in 5 domains is held out.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import random
import re
import unicodedata
from dataclasses import dataclass, field

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("CLEANER_SHARED_DATA", os.path.join(os.path.dirname(_REPO), "shared", "data"))
CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cache")

# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "embed",
             "canvas", "math", "title", "meta", "link", "input", "img", "picture", "source", "video", "audio"}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "optgroup",
    "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "select", "textarea", "br",
}
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASSES = {"hidden", "d-none", "is-hidden", "visually-hidden", "sr-only", "screen-reader-text", "hide"}
_WS_RE = re.compile(r"\s+")
_BREAK = "\x00"


def _hidden(el) -> bool:
    a = el.attrib
    if "hidden" in a or (a.get("aria-hidden") == "true" and el.tag in ("div", "section", "ul", "nav")):
        return True
    st = a.get("style")
    if st and _HIDDEN_STYLE_RE.search(st):
        return True
    cl = a.get("class")
    return bool(cl and _HIDDEN_CLASSES.intersection(cl.split()))


def render_lines(html: str | bytes) -> list[str]:  # noqa: C901 - one walk of the tree, its cases side by side
    """The page as a scraper dumps it: one line per visible block, inline text joined."""
    import lxml.html

    if isinstance(html, bytes):
        try:
            html = html.decode("utf-8")
        except UnicodeDecodeError:
            html = html.decode("latin-1")
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    try:
        root = lxml.html.document_fromstring(html)
    except Exception:
        return []
    body = root.find("body")
    if body is None:
        body = root
    out: list[str] = []
    stack = [(body, False)]
    # Iterative walk: (element, closing) pairs; the tail of an element is emitted after it closes.
    while stack:
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else None
        if closing:
            if tag and tag.lower() in BLOCK_TAGS:
                out.append(_BREAK)
            if el.tail:
                out.append(el.tail)
            continue
        if tag is None or tag.lower() in SKIP_TAGS or _hidden(el):
            if el.tail:
                out.append(el.tail)
            continue
        t = tag.lower()
        if t in BLOCK_TAGS:
            out.append(_BREAK)
        if t == "pre" and el.text:
            out.append(el.text.replace("\n", _BREAK))
        elif el.text:
            out.append(el.text)
        stack.append((el, True))
        for child in reversed(el):
            stack.append((child, False))
    lines = []
    for piece in "".join(out).split(_BREAK):
        s = _WS_RE.sub(" ", piece).strip()
        if s:
            lines.append(s)
    return lines


# ---------------------------------------------------------------------------
# Labelling
# ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f\uf900-\ufaff]")


def is_cjk(text: str) -> bool:
    """Mostly CJK/Thai/Hangul characters: tokens are characters there."""
    n = len(_CJK_RE.findall(text[:2000]))
    return n > 0.3 * max(1, len(re.findall(r"\w", text[:2000])))


def tokens(text: str, cjk: bool) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    if cjk:
        return [c for c in text if c.isalnum()]
    return _TOKEN_RE.findall(text)


def _shingles(toks: list[str], n: int) -> set:
    if len(toks) < n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


class Reference:
    """The ground-truth main content of one page, indexed for containment tests."""

    def __init__(self, text: str, cjk: bool):
        self.cjk = cjk
        self.n = 4 if cjk else 3
        toks = tokens(text, cjk)
        self.joined = " " + " ".join(toks) + " "
        self.shingles = _shingles(toks, self.n)
        self.tokset = set(toks)

    def containment(self, line_toks: list[str]) -> float:
        if not line_toks:
            return 0.0
        sh = _shingles(line_toks, self.n)
        return sum(1 for s in sh if s in self.shingles) / len(sh)

    def find(self, line_toks: list[str], start: int = 0) -> int:
        return self.joined.find(" " + " ".join(line_toks) + " ", start)


def label_lines(lines: list[str], reference: str, cjk: bool | None = None) -> list[int]:
    """1 = boilerplate, 0 = content.

    A line with enough tokens is content when most of its shingles (word 3-grams,
    character 4-grams for CJK/Thai) occur in the reference.  A short line (fewer
    than ``short`` tokens: headings, list items) must occur in the reference
    verbatim and stand next to a matched long line or inside the matched span, so
    that "Share" or "Home" elsewhere on the page is not content because the word
    occurs in the article.
    """
    if cjk is None:
        cjk = is_cjk(reference)
    ref = Reference(reference, cjk)
    short = 8 if cjk else 4
    toks = [tokens(ln, cjk) for ln in lines]
    labels = [1] * len(lines)
    long_ok = [False] * len(lines)
    for i, t in enumerate(toks):
        if len(t) >= short and ref.containment(t) >= 0.6:
            labels[i] = 0
            long_ok[i] = True
    matched = [i for i, ok in enumerate(long_ok) if ok]
    if not matched:
        return labels
    first, last = matched[0], matched[-1]
    for i, t in enumerate(toks):
        if long_ok[i] or not t or len(t) >= short:
            continue
        if ref.find(t) < 0:
            continue
        # within the matched span, or adjacent (<=2 lines) to a matched long line
        near = any(0 <= j < len(lines) and long_ok[j] for j in (i - 2, i - 1, i + 1, i + 2))
        if (first <= i <= last and (near or _whole_para(lines[i], reference))) or near:
            labels[i] = 0
    return labels


def _whole_para(line: str, reference: str) -> bool:
    key = _WS_RE.sub(" ", line).strip().lower()
    return any(_WS_RE.sub(" ", p).strip().lower() == key for p in reference.split("\n") if p.strip())


# ---------------------------------------------------------------------------
# Languages
# ---------------------------------------------------------------------------

_STOPLISTS: dict[str, frozenset] | None = None


def stoplists() -> dict[str, frozenset]:
    global _STOPLISTS
    if _STOPLISTS is None:
        import justext

        _STOPLISTS = {name: frozenset(w.lower() for w in justext.get_stoplist(name)) for name in sorted(justext.get_stoplists())}
    return _STOPLISTS


def detect_language(text: str) -> str:
    """Script first (ja/ko/zh/th), then the jusText stoplist with the best overlap."""
    sample = text[:20000]
    if len(re.findall(r"[\u3040-\u30ff]", sample)) > 20:
        return "Japanese"
    if len(re.findall(r"[\uac00-\ud7af]", sample)) > 20:
        return "Korean"
    if len(re.findall(r"[\u0e00-\u0e7f]", sample)) > 20:
        return "Thai"
    if len(re.findall(r"[\u4e00-\u9fff]", sample)) > 20:
        return "Chinese"
    toks = _TOKEN_RE.findall(sample.lower())
    if not toks:
        return "unknown"
    scores = {}
    for name, sl in stoplists().items():
        if name == "Simple_English":
            continue
        scores[name] = sum(1 for t in toks if t in sl) / len(toks)
    top = max(scores.values())
    if top == 0:
        return "unknown"
    # Large Wikipedia-derived stoplists hold English words too: among the languages
    # that cover nearly as much as the best one, the smallest stoplist wins.
    near = [n for n, s in scores.items() if s >= 0.85 * top]
    return min(near, key=lambda n: (len(stoplists()[n]), n))


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


@dataclass
class Page:
    source: str  # wcxb | readability | fundus | fundus80 | composed
    id: str
    domain: str
    lang: str
    lines: list[str]
    labels: list[int]
    title: str | None = None
    html: bytes | None = field(default=None, repr=False)
    reference: str = field(default="", repr=False)

    @property
    def split(self) -> str:
        return split_of(self.domain)


def split_of(domain: str) -> str:
    """Stable split by site: sha1 of the normalised domain; 1 in 5 is held out."""
    d = domain.lower().strip()
    if d.startswith("www."):
        d = d[4:]
    h = int(hashlib.sha1(d.encode("utf-8")).hexdigest()[:8], 16)
    return "heldout" if h % 5 == 0 else "train"


def _load_json(path: str):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _read_gz(path: str) -> bytes:
    with gzip.open(path, "rb") as f:
        return f.read()


def _make(source, pid, domain, html, reference, title, lang_hint=None) -> Page | None:
    lines = render_lines(html)
    if not lines or not reference.strip():
        return None
    cjk = is_cjk(reference)
    ref = reference if not title else title + "\n" + reference
    labels = label_lines(lines, ref, cjk)
    lang = lang_hint or detect_language(reference)
    return Page(source, pid, domain, lang, lines, labels, title, html, reference)


def load_wcxb() -> list[Page]:
    base = os.path.join(DATA, "wcxb-dev")
    with gzip.open(os.path.join(base, "ground_truth.jsonl.gz"), "rt", encoding="utf-8") as fh:
        rows = [json.loads(ln) for ln in fh]
    pages = []
    for r in sorted(rows, key=lambda r: r["id"]):
        p = os.path.join(base, "html", r["id"] + ".html.gz")
        if not os.path.exists(p):
            continue
        page = _make("wcxb", "wcxb/" + r["id"], r["domain"], _read_gz(p), r["main_content"] or "", r.get("title"))
        if page:
            pages.append(page)
    return pages


def _html_text(html: bytes) -> str:
    """Text of an expected.html: its block lines joined by newlines."""
    return "\n".join(render_lines(b"<html><body>" + html + b"</body></html>"))


def load_readability() -> list[Page]:
    base = os.path.join(DATA, "readability-pages")
    pages = []
    for name in sorted(os.listdir(base)):
        d = os.path.join(base, name)
        if not os.path.isdir(d) or not os.path.exists(os.path.join(d, "expected.html.gz")):
            continue
        meta = {}
        mp = os.path.join(d, "expected-metadata.json")
        if os.path.exists(mp):
            meta = _load_json(mp)
        ref = _html_text(_read_gz(os.path.join(d, "expected.html.gz")))
        site = re.sub(r"-\d+$", "", name)
        page = _make("readability", "readability/" + name, "readability:" + site,
                     _read_gz(os.path.join(d, "source.html.gz")), ref, meta.get("title"))
        if page:
            pages.append(page)
    return pages


def _fundus_text(version: dict) -> str:
    body = version.get("body") or {}
    parts = list(body.get("summary") or [])
    for sec in body.get("sections") or []:
        parts += list(sec.get("headline") or []) + list(sec.get("paragraphs") or [])
    return "\n".join(p for p in parts if p)


def load_fundus() -> list[Page]:
    base = os.path.join(DATA, "fundus-publishers")
    pages = []
    for country in sorted(os.listdir(base)):
        d = os.path.join(base, country)
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".html.gz"):
                continue
            publisher = re.sub(r"(_\d{4}_\d{2}_\d{2})?\.html\.gz$", "", fn)
            jp = os.path.join(d, publisher + ".json")
            if not os.path.exists(jp):
                continue
            versions = _load_json(jp)
            html = _read_gz(os.path.join(d, fn))
            lines = render_lines(html)
            page_text = " ".join(lines)
            # the parser version whose paragraphs occur in the page
            best, best_score = None, -1.0
            for vname in sorted(versions):
                v = versions[vname]
                ref = _fundus_text(v)
                if not ref:
                    continue
                cjk = is_cjk(ref)
                r = Reference(page_text, cjk)
                paras = [tokens(p, cjk) for p in ref.split("\n")]
                score = sum(r.containment(t) for t in paras if t) / max(1, len(paras))
                if score > best_score:
                    best, best_score = v, score
            if best is None or best_score < 0.3:
                continue
            page = _make("fundus", f"fundus/{country}/{fn}", "fundus:" + publisher.lower(), html,
                         _fundus_text(best), best.get("title"))
            if page:
                page.country = country
                pages.append(page)
    return pages


def load_fundus80() -> list[Page]:
    base = os.path.join(DATA, "fundus80")
    gt = _load_json(os.path.join(base, "ground_truth.json"))
    pages = []
    for fn in sorted(gt):
        p = os.path.join(base, "html", fn)
        if not os.path.exists(p):
            continue
        publisher = re.sub(r"_\d+\.html\.gz$", "", fn)
        page = _make("fundus80", "fundus80/" + fn, "fundus:" + publisher.lower(), _read_gz(p),
                     "\n".join(gt[fn]["body"]), None, "English")
        if page:
            pages.append(page)
    return pages


def load_all(use_cache: bool = True) -> list[Page]:
    """All real pages, in a fixed order (source, id).  Cached as a pickle next to this file."""
    path = os.path.join(CACHE, "pages.pkl")
    if use_cache and os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    pages = load_wcxb() + load_readability() + load_fundus() + load_fundus80()
    os.makedirs(CACHE, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(pages, f, protocol=4)
    return pages


# ---------------------------------------------------------------------------
# Composed aggregator dumps (real lines only)
# ---------------------------------------------------------------------------


def _story(page: Page) -> list[str]:
    return [ln for ln, y in zip(page.lines, page.labels) if y == 0]


def _chrome(page: Page) -> tuple[list[str], list[str], list[str]]:
    """A page's own non-content lines: before the first content line, inside, after the last."""
    content = [i for i, y in enumerate(page.labels) if y == 0]
    if not content:
        return page.lines, [], []
    a, b = content[0], content[-1]
    head = [ln for ln, y in zip(page.lines[:a], page.labels[:a]) if y == 1]
    mid = [ln for ln, y in zip(page.lines[a:b], page.labels[a:b]) if y == 1]
    tail = [ln for ln, y in zip(page.lines[b + 1 :], page.labels[b + 1 :]) if y == 1]
    return head, mid, tail


def compose_dumps(pages: list[Page], n: int, seed: int, split: str) -> list[Page]:
    """Aggregator-like dumps from real lines of pages in one split part.

    kinds: ``frame`` (story A in page B's header and footer chrome, with a few of
    B's mid-page chrome lines between paragraphs), ``interleave`` (runs of 1-3
    chrome lines between paragraphs), ``multi`` (2-3 stories, chrome around each).
    """
    rng = random.Random(seed)
    pool = [p for p in pages if p.split == split and sum(1 for y in p.labels if y == 0) >= 3]
    out = []
    for k in range(n):
        kind = ("frame", "interleave", "multi")[k % 3]
        frame = rng.choice(pool)
        head, mid, tail = _chrome(frame)
        chrome_all = head + mid + tail
        if not chrome_all:
            continue
        stories = [rng.choice(pool) for _ in range(rng.randint(2, 3) if kind == "multi" else 1)]
        lines: list[str] = []
        labels: list[int] = []

        def add(ls, y, lines=lines, labels=labels):
            lines.extend(ls)
            labels.extend([y] * len(ls))

        def run(src, lo, hi):
            if not src:
                return []
            j = rng.randrange(len(src))
            return src[j : j + rng.randint(lo, hi)]

        add(head[-rng.randint(0, min(len(head), 25)) :] if head else [], 1)
        for s in stories:
            body = _story(s)
            if len(body) > 40:
                body = body[:40]
            for i, line in enumerate(body):
                add([line], 0)
                if i < len(body) - 1:
                    p = {"frame": 0.08, "interleave": 0.3, "multi": 0.12}[kind]
                    if rng.random() < p:
                        add(run(mid or chrome_all, 1, 3), 1)
            if kind == "multi":
                add(run(chrome_all, 1, 4), 1)
        add(tail[: rng.randint(0, min(len(tail), 25))], 1)
        langs = {frame.lang} | {s.lang for s in stories}
        out.append(Page("composed", f"composed/{split}/{kind}/{k}", frame.domain,
                        frame.lang if len(langs) == 1 else "mixed", lines, labels,
                        stories[0].title))
    return out


if __name__ == "__main__":
    from benchmarks.linemodel import data as _self  # pickle the classes under their module name

    pages = _self.load_all(use_cache=False)
    from collections import Counter

    print(len(pages), "pages", sum(len(p.lines) for p in pages), "lines")
    print(Counter((p.source, p.split) for p in pages))
    print(Counter(p.lang for p in pages).most_common(30))
    print("boilerplate share", sum(sum(p.labels) for p in pages) / sum(len(p.labels) for p in pages))
