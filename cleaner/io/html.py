"""HTML to text blocks: a pre-pass over aggregator containers, then trafilatura.

The pre-pass removes containers named as furniture by a whole token of their
class, id, role or aria-label ("share-bar" -> share; "shared" is not "share"),
and first captures the link texts of related-story containers, which
extraction would throw away. A container holding most of the page's text is
never removed, whatever its name: a main wrapper called "social-article" is
still the article.

trafilatura then extracts the main content as one block per line (paragraphs,
list items, headings), with ``deduplicate=False``: its dedup cache is process
global, so results would depend on the order of documents.

The pre-pass walks the lxml tree that trafilatura then extracts from, so a page
is parsed once (a BeautifulSoup pass, then trafilatura's own parse, ran at a
third of the speed); bs4 is used for what it does best, guessing the encoding
of undeclared bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

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


@dataclass
class Extracted:
    text: str
    title: str | None = None
    related: list[str] = field(default_factory=list)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: the declared charset, then the page's own meta charset, then detection."""
    dammit = UnicodeDammit(data, [declared] if declared else [], is_html=True)
    if dammit.unicode_markup is None:
        return data.decode("utf-8", "replace")
    return dammit.unicode_markup


def _tokens(el) -> list[str]:
    names = [el.get(attr) for attr in ("class", "id", "role", "aria-label", "data-component", "data-module")]
    return _TOKEN_RE.findall(" ".join(n for n in names if n).lower())


def _matches(tokens: list[str], singles: frozenset, pairs: frozenset) -> bool:
    if any(t in singles for t in tokens):
        return True
    return any((a, b) in pairs for a, b in zip(tokens, tokens[1:]))


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


def prepass(tree) -> tuple[list[str], int]:
    """Remove furniture containers from ``tree`` in place; return the related link texts captured, and a count."""
    body = tree.find("body")
    if body is None:
        body = tree
    # Scripts and styles are no text of the page (trafilatura drops them too); left
    # in, their code would count in the share that protects the article's container.
    for el in list(body.iter("script", "style", "noscript", "template")):
        el.drop_tree()
    total = _text_len(body) or 1
    related: list[str] = []
    removed = 0
    # Document order, outer before inner: once a container goes, its children go with it.
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el.tag in _KEEP_TAGS or el.getparent() is None:
            continue
        tokens = _tokens(el)
        if not tokens or not _matches(tokens, FURNITURE_TOKENS, RELATED_PAIRS):
            continue
        if not _attached(el, body):
            continue
        if _text_len(el) > _MAX_SHARE * total:
            continue
        if _matches(tokens, RELATED_TOKENS, RELATED_PAIRS):
            related.extend(_link_items(el))
        el.drop_tree()
        removed += 1
    return related, removed


def _attached(el, root) -> bool:
    """Still in the tree: a child of a removed container is gone with it."""
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def extract(html: str, url: str | None = None) -> Extracted:
    import trafilatura

    tree = parse(html)
    related, _ = prepass(tree)
    raw = trafilatura.extract(
        tree, url=url, output_format="json", with_metadata=True, deduplicate=False,
        include_comments=False, include_tables=True, include_images=False, include_links=False,
    )
    if raw is None:
        return Extracted(text="", related=related)
    data = json.loads(raw)
    text = data.get("text") or ""
    title = (data.get("title") or "").strip() or None
    return Extracted(text=text, title=title, related=related)


def to_document_text(extracted: Extracted) -> str:
    """The title as the first line, then one block per line: the shape the strip stage reads."""
    lines = []
    first = extracted.text.split("\n", 1)[0].strip() if extracted.text else ""
    if extracted.title and extracted.title != first:
        lines.append(extracted.title)
    if extracted.text:
        lines.append(extracted.text)
    return "\n".join(lines)
