"""A JSONL or Parquet record (a dict) to a Document, by the field names the config gives."""

from __future__ import annotations

from ..config import Config
from ..document import Document, Reject


def record_to_document(record: dict, source: str, default_id: str, cfg: Config) -> Document | Reject:
    """``text`` wins over ``html`` when a record has both; every other field passes through untouched."""
    rid = record.get(cfg.id_field)
    rid = default_id if rid is None else str(rid)
    text, page = record.get(cfg.text_field), record.get(cfg.html_field)
    metadata = {k: v for k, v in record.items() if k not in (cfg.id_field, cfg.text_field, cfg.html_field)}
    if isinstance(text, str):
        return Document(id=rid, text=text, metadata=metadata, source=source)
    if isinstance(page, str):
        return Document(id=rid, text="", html=page, metadata=metadata, source=source)
    return Reject(source=source, reason="missing_text", id=rid,
                  detail=f"no string field {cfg.text_field!r} or {cfg.html_field!r}")
