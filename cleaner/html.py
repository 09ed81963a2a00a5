"""HTML to text blocks: a bs4 pre-pass over aggregator containers, then trafilatura.

The pre-pass removes containers named as furniture by a whole token of their
class, id, role or aria-label ("share-bar" -> share; "shared" is not "share"),
and first captures the link texts of related-story containers, which
extraction would throw away. A container holding most of the page's text is
never removed, whatever its name: a main wrapper called "social-article" is
still the article.

trafilatura then extracts the main content as one block per line (paragraphs,
list items, headings), with ``deduplicate=False``: its dedup cache is process
global, so results would depend on the order of documents.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, UnicodeDammit
from bs4.element import Tag

FURNITURE_TOKENS = frozenset("""
ad ads adv advert adverts advertisement advertisements advertising adslot adunit dfp gpt sponsored sponsor
sponsors promo promos promoted outbrain taboola share shares sharing sharebar social socials sociallinks
related recommended recommendation recommendations recirculation recirc poll polls survey newsletter
newsletters subscribe subscription signup cookie cookies consent gdpr comments comment disqus
popup modal banner breadcrumb breadcrumbs byline-share trending mostread most-read mostpopular
""".split())
RELATED_TOKENS = frozenset("related recommended recommendations recirculation recirc trending mostread mostpopular".split())
# Two-word names split into tokens: "more-stories", "read-more", "most-read", "you-may-like".
FURNITURE_PAIRS = frozenset({("more", "stories"), ("read", "more"), ("most", "read"), ("more", "from"),
                             ("you", "may"), ("also", "like"), ("further", "reading"), ("related", "stories")})
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
    removed_containers: int = 0


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: the declared charset, then the page's own meta charset, then detection."""
    dammit = UnicodeDammit(data, [declared] if declared else [], is_html=True)
    if dammit.unicode_markup is None:
        return data.decode("utf-8", "replace")
    return dammit.unicode_markup


def _tokens(tag: Tag) -> list[str]:
    names = []
    for attr in ("class", "id", "role", "aria-label", "data-component", "data-module"):
        value = tag.get(attr)
        if isinstance(value, list):
            value = " ".join(value)
        if value:
            names.append(value.lower())
    return _TOKEN_RE.findall(" ".join(names))


def _matches(tokens: list[str], singles: frozenset, pairs: frozenset) -> bool:
    if any(t in singles for t in tokens):
        return True
    return any((a, b) in pairs for a, b in zip(tokens, tokens[1:]))


def _link_items(tag: Tag) -> list[str]:
    items = []
    for a in tag.find_all("a"):
        text = " ".join(a.get_text(" ", strip=True).split())
        if 3 <= len(text.split()) <= 30:
            items.append(text)
    return items


def prepass(html: str) -> tuple[str, list[str], int]:
    """Remove furniture containers; return the page, the related link texts captured, and a count."""
    soup = BeautifulSoup(html, "lxml")
    body = soup.body or soup
    total = len(body.get_text(" ", strip=True)) or 1
    related: list[str] = []
    removed = 0
    for tag in list(body.find_all(True)):
        if tag.decomposed or tag.name in _KEEP_TAGS:
            continue
        tokens = _tokens(tag)
        if not tokens or not _matches(tokens, FURNITURE_TOKENS, FURNITURE_PAIRS):
            continue
        if len(tag.get_text(" ", strip=True)) > _MAX_SHARE * total:
            continue
        if _matches(tokens, RELATED_TOKENS, RELATED_PAIRS):
            related.extend(_link_items(tag))
        tag.decompose()
        removed += 1
    return str(soup), related, removed


def extract(html: str, url: str | None = None) -> Extracted:
    import trafilatura

    cleaned, related, removed = prepass(html)
    raw = trafilatura.extract(
        cleaned, url=url, output_format="json", with_metadata=True, deduplicate=False,
        include_comments=False, include_tables=True, include_images=False, include_links=False,
    )
    if raw is None:
        return Extracted(text="", related=related, removed_containers=removed)
    data = json.loads(raw)
    text = data.get("text") or ""
    title = (data.get("title") or "").strip() or None
    return Extracted(text=text, title=title, related=related, removed_containers=removed)


def to_document_text(extracted: Extracted) -> str:
    """The title as the first line, then one block per line: the shape the strip stage reads."""
    lines = []
    first = extracted.text.split("\n", 1)[0].strip() if extracted.text else ""
    if extracted.title and extracted.title != first:
        lines.append(extracted.title)
    if extracted.text:
        lines.append(extracted.text)
    return "\n".join(lines)
