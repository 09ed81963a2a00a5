"""HTML to the lines of a document: every visible block of the page, each kept or removed with a reason.

One walk over the parsed page (lxml, as trafilatura loads it) does two things:

* the pre-pass: containers named as furniture by a whole token of their class,
  id, role or aria-label ("share-bar" -> share; "shared" is not "share") are
  marked and later dropped; the link texts of related-story containers are
  captured first, which extraction would throw away. A container holding most
  of the page's text is never removed, whatever its name: a main wrapper called
  "social-article" is still the article;
* the page's visible blocks (paragraphs, headings, list items, cells, code
  lines) are listed in page order, each with whether it lies in a removed
  container, whether it is code (a line of ``<pre>``) and its structure (tag,
  depth, link share, inside main/article or the page's chrome, blocks of the
  same shape beside it), which the block model reads (``cleaner.strip.blockmodel``
  prunes the extraction and takes back dropped prose with it).

trafilatura then extracts the main content from the pruned tree, one block per
line, with ``deduplicate=False`` (its dedup cache is process global, so results
would depend on the order of documents). Its lines are aligned with the page's
blocks: a block it did not take is a removal of its own, so the document's text
is the whole page and every line of it is accounted for in the audit
(``--explain``) and on the review page, not only what the strip stage removed.

Source line breaks inside a paragraph are whitespace, not structure: a
hard-wrapped ``<p>`` is one line (one passage); only ``<pre>`` keeps its lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from bs4 import UnicodeDammit

FURNITURE_TOKENS = frozenset("""
ad ads adv advert adverts advertisement advertisements advertising adslot adunit dfp gpt sponsored sponsor
sponsors promo promos promoted outbrain taboola share shares sharing sharebar social socials sociallinks
related recommended recommendation recommendations recirculation recirc poll polls survey newsletter
newsletters subscribe subscription signup cookie cookies consent gdpr comments comment disqus
popup modal banner breadcrumb breadcrumbs byline-share trending mostread most-read mostpopular
""".split())
RELATED_TOKENS = frozenset("related recommended recommendations recirculation recirc trending mostread mostpopular".split())
# Two-word names split into tokens ("more-stories", "read-more", "you-may-like"): all name
# related-story containers, which are furniture too.
RELATED_PAIRS = frozenset({("more", "stories"), ("read", "more"), ("most", "read"), ("more", "from"),
                           ("you", "may"), ("also", "like"), ("further", "reading"), ("related", "stories")})
# Never removed by name: the page's frame, and the text blocks themselves (a
# paragraph marked "paywall" or "ad-free" is still article text).
_KEEP_TAGS = {"html", "body", "main", "article", "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_TOKEN_RE = re.compile(r"[a-z0-9]+")
# A container with more than this share of the page's text is the article, not furniture.
_MAX_SHARE = 0.4
# No text of the page: dropped before anything else (trafilatura drops them too); left in,
# their code would count in the share that protects the article's container.
_INVISIBLE = ("script", "style", "noscript", "template")
_SKIP = frozenset(_INVISIBLE) | {"head", "title", "meta", "link", "svg", "iframe", "object", "embed", "canvas",
                                 "math", "select", "option", "button", "input", "textarea", "img", "picture", "video",
                                 "audio"}
# Tags that start and end a block of text; inline tags (a, span, em, code...) do not.
_BLOCK_TAGS = frozenset("""
address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer form
h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody thead tfoot td th tr ul br
""".split())
# Where source line breaks are text: preformatted code keeps its lines.
_PRE_TAGS = frozenset({"pre", "listing", "plaintext", "xmp"})
_MAIN_TAGS = frozenset({"main", "article"})
_CHROME_TAGS = frozenset({"header", "footer", "nav", "aside", "form"})
_WRAP_RE = re.compile(r"\s*[\r\n]\s*")
# Where a line ends, exactly as the strip stage splits a document (strip.segment.LINE_BREAK_RE):
# the line numbers given to the removals here must be its line numbers.
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    return _LINE_BREAK_RE.split(text)

# The reasons the HTML path gives the blocks it removes (the strip stage gives the rest).
OUTSIDE_MAIN = ("html_boilerplate", "outside_main_content")
RELATED_CONTAINER = ("related_item", "related_container")


@dataclass
class Extracted:
    """A page as the document's lines: ``text`` holds every visible block, one per line, in page order.

    ``removed`` maps a 0-based line of ``text`` to the (reason, rule) of the HTML path's
    removal; ``code`` holds the lines that are preformatted code, which no text rule judges.
    """

    text: str
    title: str | None = None
    related: list[str] = field(default_factory=list)
    removed: dict[int, tuple[str, str]] = field(default_factory=dict)
    code: set[int] = field(default_factory=set)
    blocks: list[PageBlock] = field(default_factory=list)
    # For each line of ``text``, the index of its block in ``blocks`` (None: a line of the
    # extraction that no block matches, or the title).
    source: list[int | None] = field(default_factory=list)


@dataclass
class PageBlock:
    """One visible block of a page and where it sits: the structure a block model reads."""

    text: str
    code: bool = False
    removed: tuple[str, str] | None = None  # set by the pre-pass: inside a furniture container
    tag: str = ""  # the block element that holds it (p, li, h2, td, div...)
    depth: int = 0  # elements open around it
    link_share: float = 0.0  # share of its characters inside links
    in_main: bool = False  # inside <main> or <article>
    in_chrome: bool = False  # inside <header>, <footer>, <nav>, <aside> or <form>
    siblings: int = 0  # blocks of the same shape beside it: same tag and class under the same parent
    taken: bool = False  # the extraction (trafilatura) kept it


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: the declared charset, then the page's own meta charset, then detection."""
    dammit = UnicodeDammit(data, [declared] if declared else [], is_html=True)
    if dammit.unicode_markup is None:
        return data.decode("utf-8", "replace")
    return dammit.unicode_markup


_NAME_ATTRS = ("class", "id", "role", "aria-label", "data-component", "data-module")


def _tokens(el) -> list[str]:
    attrib = el.attrib
    if not attrib:  # most elements: no name to read
        return []
    names = [attrib.get(attr) for attr in _NAME_ATTRS]
    return _TOKEN_RE.findall(" ".join(n for n in names if n).lower())


def _matches(tokens: list[str], singles: frozenset, pairs: frozenset) -> str | None:
    """The token (or token pair) of ``tokens`` that names the container, if any."""
    for t in tokens:
        if t in singles:
            return t
    for a, b in zip(tokens, tokens[1:]):
        if (a, b) in pairs:
            return f"{a}-{b}"
    return None


def _text_len(el) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def _link_items(el) -> list[str]:
    items = []
    for a in el.iter("a"):
        text = " ".join(" ".join(a.itertext()).split())
        if 3 <= len(text.split()) <= 30:
            items.append(text)
    return items


def parse(html: str):
    """The page as trafilatura's own loader builds it: extraction then runs on this very
    tree, so the page is parsed once and extracted exactly as from the string."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        raise ValueError("not parseable as HTML")
    return tree


class _Walk:
    """One pass over the body: the furniture containers and the visible blocks, in page order."""

    def __init__(self, body):
        self.total = _text_len(body) or 1
        self.blocks: list[PageBlock] = []
        self.dropped: list = []
        self.related: list[str] = []
        self._parts: list[str] = []
        self._link_chars = 0
        self._open: list = []  # the block elements open around the text being read
        self._main = self._chrome = self._links = 0
        # Per parent element (the key keeps its proxy alive: an id() could be reused by another
        # element once a proxy is freed): how many children of each shape it has.
        self._shapes: dict = {}

    def _flush(self, pre: int, removed: tuple[str, str] | None) -> None:
        raw = "".join(self._parts)
        links, self._parts, self._link_chars = self._link_chars, [], 0
        if not raw or raw.isspace():  # most calls: the gap between two tags
            return
        if pre:
            lines = [line.strip() for line in split_lines(raw)]
            self.blocks.extend(self._block(line, True, removed, 0.0) for line in lines if line)
            return
        text = " ".join(raw.split())
        self.blocks.append(self._block(text, False, removed, min(1.0, links / max(1, len(text)))))

    def _block(self, text: str, code: bool, removed: tuple[str, str] | None, link_share: float) -> PageBlock:
        owner = self._open[-1] if self._open else None
        return PageBlock(text, code, removed, owner.tag if owner is not None else "", len(self._open), link_share,
                         self._main > 0, self._chrome > 0, self._siblings(owner))

    def _siblings(self, el) -> int:
        """Children of ``el``'s parent that have its tag and class: a list item among 30 alike."""
        parent = el.getparent() if el is not None else None
        if parent is None:
            return 0
        shapes = self._shapes.get(parent)
        if shapes is None:
            shapes = {}
            for child in parent:
                shape = (child.tag, child.get("class"))
                shapes[shape] = shapes.get(shape, 0) + 1
            self._shapes[parent] = shapes
        return shapes.get((el.tag, el.get("class")), 1) - 1

    def _enter(self, el, tag: str, sign: int) -> None:
        """Keep count of the containers open around the text: main, chrome, links, block elements."""
        if tag in _MAIN_TAGS:
            self._main += sign
        elif tag in _CHROME_TAGS:
            self._chrome += sign
        elif tag == "a":
            self._links += sign
        if tag in _BLOCK_TAGS and tag != "br":
            if sign > 0:
                self._open.append(el)
            else:
                self._open.pop()

    def _add(self, text: str) -> None:
        if text:
            self._parts.append(text)
            if self._links:
                self._link_chars += len(text.strip())

    def _furniture(self, el, removed: tuple[str, str] | None, root) -> tuple[str, str] | None:
        """Why a container is furniture by its name (None: it is not, or it is inside one already)."""
        if removed is not None or el is root or el.tag in _KEEP_TAGS or el.getparent() is None:
            return None
        tokens = _tokens(el)
        name = _matches(tokens, FURNITURE_TOKENS, RELATED_PAIRS) if tokens else None
        if name is None or _text_len(el) > _MAX_SHARE * self.total:
            return None
        if _matches(tokens, RELATED_TOKENS, RELATED_PAIRS):
            self.related.extend(_link_items(el))
            return RELATED_CONTAINER
        return ("html_furniture", "container:" + name)

    def run(self, root, removed: tuple[str, str] | None = None, pre: int = 0) -> None:
        """Walk ``root``'s subtree; a furniture container found inside is walked as removed."""
        from lxml import etree

        # A skipped element's end comes right after its start: only its tail is text here.
        skipped = None
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, el in walker:
            tag = el.tag if isinstance(el.tag, str) else ""
            if event == "start":
                why = None if not tag or tag in _SKIP else self._furniture(el, removed, root)
                if not tag or tag in _SKIP or why is not None:
                    walker.skip_subtree()
                    skipped = el
                    if why is not None:
                        self._flush(pre, removed)
                        self.dropped.append(el)
                        self.run(el, why, pre)
                    continue
                if tag in _BLOCK_TAGS:
                    self._flush(pre, removed)
                pre += tag in _PRE_TAGS
                self._enter(el, tag, 1)
                self._add(_unwrapped(el, "text", pre))
                continue
            if el is not skipped:
                if tag in _BLOCK_TAGS or tag in _PRE_TAGS:
                    self._flush(pre, removed)
                pre -= tag in _PRE_TAGS
                self._enter(el, tag, -1)
            if el is not root:
                self._add(_unwrapped(el, "tail", pre))
        self._flush(pre, removed)


def _unwrapped(el, attr: str, pre: int) -> str:
    """``el``'s text or tail, its source line breaks made spaces outside ``<pre>`` (in the tree too,
    for the extraction): a hard-wrapped paragraph is one line."""
    text = getattr(el, attr)
    if not text:
        return ""
    if not pre and ("\n" in text or "\r" in text):
        text = " " if text.isspace() else _WRAP_RE.sub(" ", text)
        setattr(el, attr, text)
    return text


def prepass(tree) -> tuple[list[str], int]:
    """Remove furniture containers from ``tree`` in place; return the related link texts captured, and a count."""
    walk = _page_blocks(tree)
    return walk.related, len(walk.dropped)


def _page_blocks(tree) -> _Walk:
    """Drop invisible elements, list the page's blocks, then drop the furniture containers found."""
    body = tree.find("body")
    if body is None:
        body = tree
    for el in list(body.iter(*_INVISIBLE)):
        el.drop_tree()
    walk = _Walk(body)
    walk.run(body)
    for el in walk.dropped:
        el.drop_tree()
    return walk


def _key(text: str) -> str:
    """A line as the alignment compares it: case and runs of whitespace aside."""
    return " ".join(text.split()).lower()


def _title(tree) -> str | None:
    """The page's title from its metadata (og:title, JSON-LD, <title>/<h1>), without the date and
    author searches that trafilatura's full metadata pass makes (a third of its time)."""
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title

    meta = examine_meta(tree)
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura's JSON-LD parser fails on broken markup (it guards this call too)
        pass
    title = meta.title or extract_title(tree)
    return title.strip() or None if title else None


def extract(html: str, url: str | None = None) -> Extracted:
    import trafilatura

    tree = parse(html)
    title = _title(tree)
    walk = _page_blocks(tree)
    # Not fast: trafilatura's fallback extractors cost a third of its time, but without them the
    # block model's precision on held-out sites fell (wcxb F1 0.884 against 0.890).
    raw = trafilatura.extract(
        tree, url=url, output_format="txt", with_metadata=False, deduplicate=False,
        include_comments=False, include_tables=True, include_images=False, include_links=False,
    )
    # Lines as the strip stage will split them (\r too), so that line numbers agree.
    lines = [line.strip() for line in split_lines(raw or "") if line.strip()]
    return _merge(walk.blocks, lines, title, walk.related)


def _merge(blocks: list[PageBlock], lines: list[str], title: str | None, related: list[str]) -> Extracted:
    """The page's blocks and trafilatura's lines as one text: its lines kept as it wrote them, each
    block it did not take a removed line at its place in the page."""
    out = _Lines()
    live = [k for k, b in enumerate(blocks) if b.removed is None]
    ops = SequenceMatcher(None, [_key(blocks[k].text) for k in live], [_key(t) for t in lines],
                          autojunk=False).get_opcodes()
    # The pre-pass's removals sit between the live blocks they came between.
    pending = _interleave(blocks)
    for op, i1, i2, j1, j2 in ops:
        covered = " ".join(_key(t) for t in lines[j1:j2])
        for i in range(i1, i2):
            for k in pending[i]:
                out.add(blocks[k].text, k, blocks[k].removed)
            k = live[i]
            b = blocks[k]
            if op == "equal":
                b.taken = True
                out.add(lines[j1 + i - i1], k, None, b.code)
            elif _key(b.text) not in covered:
                out.add(b.text, k, OUTSIDE_MAIN)
            else:
                b.taken = True  # its text is inside a line of the extraction
        if op != "equal":
            for line in lines[j1:j2]:
                out.add(line, None, None)
    for k in pending[len(live)]:
        out.add(blocks[k].text, k, blocks[k].removed)
    if title and (not lines or _key(title) != _key(lines[0])):
        out.prepend(title)
    return Extracted(text="\n".join(out.lines), title=title, related=related, removed=out.removed, code=out.code,
                     blocks=blocks, source=out.source)


class _Lines:
    """The document's lines as they are built, with what the HTML path knows of each."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.source: list[int | None] = []
        self.removed: dict[int, tuple[str, str]] = {}
        self.code: set[int] = set()

    def add(self, text: str, block: int | None, removed: tuple[str, str] | None, code: bool = False) -> None:
        if removed is not None:
            self.removed[len(self.lines)] = removed
        if code:
            self.code.add(len(self.lines))
        self.lines.append(text)
        self.source.append(block)

    def prepend(self, text: str) -> None:
        self.lines.insert(0, text)
        self.source.insert(0, None)
        self.removed = {k + 1: v for k, v in self.removed.items()}
        self.code = {k + 1 for k in self.code}


def _interleave(blocks: list[PageBlock]) -> list[list[int]]:
    """For each live block (and one past the end), the pre-pass's removed blocks just before it."""
    pending: list[list[int]] = [[]]
    for k, b in enumerate(blocks):
        if b.removed is None:
            pending.append([])
        else:
            pending[-1].append(k)
    # pending[k] holds the removed blocks before live block k; the last list, those after the last.
    return pending


def to_document_text(extracted: Extracted) -> str:
    """The page's lines: the title first when the extraction does not start with it, then every block."""
    return extracted.text
