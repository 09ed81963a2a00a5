"""Turn input paths into documents: text files, JSONL (plain or gzip), folders, stdin.

A record that cannot be read becomes a :class:`Reject` naming the file and the
line, and reading goes on with the next one.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from .document import Document, Reject

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
GZIP_MAGIC = b"\x1f\x8b"


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in JSONL_SUFFIXES + TEXT_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".txt"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def expand(paths: list[str]) -> Iterator[str]:
    """Files named directly are taken as given; folders are walked for the known suffixes, sorted."""
    for p in paths:
        if p == "-":
            yield p
            continue
        path = Path(p)
        if path.is_dir():
            found = [f for f in path.rglob("*") if f.is_file() and _suffix(f) in TEXT_SUFFIXES + JSONL_SUFFIXES]
            for f in sorted(found, key=lambda f: f.relative_to(path).as_posix()):
                yield str(f)
        else:
            yield p


def decode_text(data: bytes, source: str) -> str | Reject:
    if b"\x00" in data[:65536]:
        return Reject(source=source, reason="binary", detail="NUL bytes in a text input")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Reject(source=f"{source}@{exc.start}", reason="not_utf8", detail=str(exc))


def read_jsonl(stream: io.BufferedIOBase, source: str, stem: str,
               id_field: str = "id", text_field: str = "text") -> Iterator[Document | Reject]:
    for lineno, raw in enumerate(stream, start=1):
        place = f"{source}:{lineno}"
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield Reject(source=place, reason="bad_json", detail=str(exc))
            continue
        if not isinstance(record, dict):
            yield Reject(source=place, reason="not_an_object", detail=f"a JSON {type(record).__name__}")
            continue
        rid = record.get(id_field)
        rid = f"{stem}:{lineno}" if rid is None else str(rid)
        text = record.get(text_field)
        if not isinstance(text, str):
            yield Reject(source=place, reason="missing_text", detail=f"no string field {text_field!r}", id=rid)
            continue
        metadata = {k: v for k, v in record.items() if k not in (id_field, text_field)}
        yield Document(id=rid, text=text, metadata=metadata, source=place)


def _read_text(data: bytes, source: str, doc_id: str) -> Iterator[Document | Reject]:
    text = decode_text(data, source)
    if isinstance(text, Reject):
        text.id = doc_id
        yield text
    else:
        yield Document(id=doc_id, text=text, source=source)


def read_path(path_str: str, stdin: io.BufferedIOBase | None = None, **fields) -> Iterator[Document | Reject]:
    if path_str == "-":
        data = (stdin or sys.stdin.buffer).read()
        if data.startswith(GZIP_MAGIC):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as exc:
                yield Reject(source="<stdin>", reason="bad_gzip", detail=str(exc))
                return
        if data.lstrip()[:1] == b"{":
            yield from read_jsonl(io.BytesIO(data), "<stdin>", "stdin", **fields)
        else:
            yield from _read_text(data, "<stdin>", "stdin")
        return
    path = Path(path_str)
    try:
        if _suffix(path) == ".jsonl.gz":
            with gzip.open(path, "rb") as fh:
                try:
                    yield from read_jsonl(fh, path_str, _stem(path), **fields)
                except (OSError, EOFError) as exc:
                    yield Reject(source=path_str, reason="bad_gzip", detail=str(exc))
        elif _suffix(path) == ".jsonl":
            with open(path, "rb") as fh:
                yield from read_jsonl(fh, path_str, _stem(path), **fields)
        else:
            yield from _read_text(path.read_bytes(), path_str, _stem(path))
    except OSError as exc:
        yield Reject(source=path_str, reason="unreadable", detail=exc.strerror or str(exc))


def read_inputs(paths: list[str], stdin: io.BufferedIOBase | None = None, **fields) -> Iterator[Document | Reject]:
    """Every document of every input, in order: the order of ``paths``, then sorted within a folder."""
    for p in expand(paths):
        yield from read_path(p, stdin=stdin, **fields)
