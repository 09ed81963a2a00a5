"""WARC archives: response (and resource) records with an HTML or text payload become documents.

Every other record (warcinfo, request, metadata, revisit, an image response, a
404) is counted as skipped with its reason. The record's target URI becomes
``metadata.url`` and its WARC-Record-ID the document id.

Read with warcio rather than FastWARC (``benchmarks/warc_readers.py``):
FastWARC reads payloads about 2x faster, but reading is under 1% of the cost of
extracting a page, while warcio is pure Python, reads ARC files too and is the
writer the tests build archives with. Neither reports a truncated last record,
so the check below does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from ..config import Config
from ..document import Document, Reject, Skipped
from .decoding import DecodeError, decode_bytes
from .html import decode_html

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/plain",)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def read_warc(stream: IO[bytes], source: str, cfg: Config) -> Iterator[Document | Reject | Skipped]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    head = stream.peek(16)[:16] if hasattr(stream, "peek") else b""
    if not head.lstrip().startswith((b"WARC/", b"filedesc://")):
        # warcio would read any text as an ARC record and yield it: check the magic first.
        yield Reject(source=f"{source}@0", reason="bad_warc", detail=f"not a WARC or ARC file (starts {head[:8]!r})")
        return
    records = ArchiveIterator(stream, arc2warc=True)
    offset = 0
    try:
        for record in records:
            item = _record(record, records, source)
            offset = records.get_record_offset()
            yield item
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        yield Reject(source=f"{source}@{offset}", reason="bad_warc", detail=f"{type(exc).__name__}: {exc}"[:300])


def _record(record, records, source: str) -> Document | Reject | Skipped:
    """One WARC record as a document, or why it is none."""
    rec_type = record.rec_type
    if rec_type not in ("response", "resource"):
        return Skipped(source=f"{source}@{records.get_record_offset()}", reason=f"warc_{rec_type}")
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        status, content_type = None, record.rec_headers.get_header("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    # The payload before the offset: warcio's get_record_offset() finishes
    # the record, after which its content reads empty.
    payload = record.content_stream().read() if mime in _HTML_TYPES + _TEXT_TYPES else b""
    missing = getattr(record.raw_stream, "limit", 0)
    place = f"{source}@{records.get_record_offset()}"
    if status and not status.startswith("2"):
        return Skipped(source=place, reason=f"http_{status}")
    if mime not in _HTML_TYPES + _TEXT_TYPES:
        return Skipped(source=place, reason="non_text_payload")
    rid = (record.rec_headers.get_header("WARC-Record-ID") or place).strip("<>")
    # warcio (like FastWARC) yields a record cut short by a truncated file
    # without an error; the bytes its Content-Length promised are the check.
    if missing:
        return Reject(source=place, reason="truncated_record", id=rid,
                      detail=f"{missing} bytes missing of Content-Length {record.length}")
    metadata = {
        "url": record.rec_headers.get_header("WARC-Target-URI"),
        "warc_date": record.rec_headers.get_header("WARC-Date"),
        "content_type": content_type,
    }
    if mime in _HTML_TYPES:
        return Document(id=rid, text="", html=decode_html(payload, _charset(content_type)), metadata=metadata,
                        source=place)
    try:
        text = payload.decode(_charset(content_type) or "utf-8")
    except (UnicodeDecodeError, LookupError):
        try:
            text = decode_bytes(payload, repair=False).text
        except DecodeError as exc:
            return Reject(source=place, reason=exc.reason, detail=exc.detail, id=rid)
    return Document(id=rid, text=text, metadata=metadata, source=place)
