"""Turn input paths into records: text, JSONL, HTML, WARC and Parquet files, folders, stdin.

Each file may be gzip, zstd or bz2 compressed; the compression is recognised by
its magic bytes (so a misnamed file still reads) and the format by the name
without the compression suffix, or, on stdin, by the first bytes. A record that
cannot be read becomes a :class:`Reject` naming the file and the place (line,
row or WARC offset), and reading goes on with the next one.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..config import Config
from ..document import Document, Reject, Skipped
from . import compression
from .decoding import Decoded, DecodeError, decode_bytes
from .html import decode_html
from .records import record_to_document

FORMATS = {".txt": "text", ".jsonl": "jsonl", ".ndjson": "jsonl", ".html": "html", ".htm": "html",
           ".warc": "warc", ".parquet": "parquet", ".csv": "csv", ".tsv": "tsv"}

Record = Document | Reject | Skipped


def file_format(name: str) -> str | None:
    base = compression.strip_suffix(name).lower()
    for suffix, fmt in FORMATS.items():
        if base.endswith(suffix):
            return fmt
    return None


def doc_stem(name: str) -> str:
    """``dump.jsonl.gz`` -> ``dump``: the id of a one-document file, the prefix of derived ids."""
    base = compression.strip_suffix(Path(name).name)
    for suffix in FORMATS:
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return Path(base).stem


def expand(paths: list[str]) -> Iterator[tuple[str, str]]:
    """(path, id stem) of every input file: files named directly are taken as given; folders
    are walked for known formats, in sorted order, and name their files by the path inside
    the folder ("a/news", "b/news"), so that two files of one name stay two ids."""
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            found = [f for f in path.rglob("*") if f.is_file() and file_format(f.name)]
            for f in sorted(found, key=lambda f: f.relative_to(path).as_posix()):
                rel = f.relative_to(path)
                yield str(f), (rel.parent / doc_stem(rel.name)).as_posix()
        else:
            yield p, ("stdin" if p == "-" else doc_stem(p))


def decode_text(data: bytes, source: str) -> Decoded | Reject:
    try:
        return decode_bytes(data, repair=False)  # mojibake is repaired for every document, in the pipeline
    except DecodeError as exc:
        place = source if exc.offset is None else f"{source}@{exc.offset}"
        return Reject(source=place, reason=exc.reason, detail=exc.detail)


def read_jsonl(stream: IO[bytes], source: str, stem: str, cfg: Config) -> Iterator[Record]:
    lineno = 0
    try:
        for lineno, raw in enumerate(stream, start=1):
            place = f"{source}:{lineno}"
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                # Without its line ending, a line cut inside a string is "Unterminated string",
                # not "Invalid control character" (the newline).
                record = json.loads(raw.rstrip(b"\r\n"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield Reject(source=place, reason="bad_json", detail=str(exc))
                continue
            if not isinstance(record, dict):
                yield Reject(source=place, reason="not_an_object", detail=f"a JSON {type(record).__name__}")
                continue
            yield record_to_document(record, place, f"{stem}:{lineno}", cfg)
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated or corrupt compressed stream: what was read stands.
        yield Reject(source=f"{source}:{lineno + 1}", reason="bad_compression", detail=str(exc))


def read_table(stream: IO[bytes], source: str, stem: str, cfg: Config, delimiter: str) -> Iterator[Record]:
    """A CSV or TSV file with a header row: each row a record, as a JSONL object with those keys.

    The text comes from the ``text_field`` column (or ``html_field``); a file with
    neither is one reject that names the columns it has.
    """
    csv.field_size_limit(sys.maxsize)  # a cell may hold a whole article
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    rows = csv.reader(text, delimiter=delimiter)
    row = 0
    try:
        header = next(rows, None)
        if header is None:
            return
        if cfg.text_field not in header and cfg.html_field not in header:
            yield Reject(source=f"{source}:1", reason="missing_text",
                         detail=f"no {cfg.text_field!r} or {cfg.html_field!r} column (columns: {', '.join(header)}); "
                                "name the text column with --text-field")
            return
        for row, values in enumerate(rows, start=2):
            place = f"{source}:{row}"
            if len(values) != len(header):
                yield Reject(source=place, reason="bad_row",
                             detail=f"{len(values)} fields where the header has {len(header)}")
                continue
            yield record_to_document(dict(zip(header, values)), place, f"{stem}:{row}", cfg)
    except (csv.Error, UnicodeDecodeError) as exc:
        yield Reject(source=f"{source}:{row + 1}", reason="bad_csv", detail=str(exc))
    except (OSError, EOFError, zlib.error) as exc:
        yield Reject(source=f"{source}:{row + 1}", reason="bad_compression", detail=str(exc))


def read_parquet(data: IO[bytes] | str, source: str, stem: str, cfg: Config) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield Reject(source=source, reason="parquet_unavailable", detail="pip install 'cleaner[parquet]'")
        return
    row = 0
    try:
        for batch in pq.ParquetFile(data).iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                row += 1
                yield record_to_document(record, f"{source}:row {row}", f"{stem}:{row}", cfg)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError family for broken files
        yield Reject(source=f"{source}:row {row + 1}", reason="bad_parquet", detail=f"{type(exc).__name__}: {exc}")


def _whole(data: bytes, fmt: str, source: str, stem: str, cfg: Config) -> Iterator[Record]:
    if fmt == "html":
        yield Document(id=stem, text="", html=decode_html(data), source=source)
        return
    decoded = decode_text(data, source)
    if isinstance(decoded, Reject):
        decoded.id = stem
        yield decoded
    else:
        notes = {} if decoded.encoding in ("utf-8", "utf-8-sig") else {"encoding": decoded.encoding}
        yield Document(id=stem, text=decoded.text, source=source, notes=notes)


def sniff_format(head: bytes) -> str:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:64].lower()
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"PAR1"):
        return "parquet"
    if start.startswith(b"{"):
        return "jsonl"
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "html"
    return "text"


def read_stream(stream: IO[bytes], source: str, stem: str, fmt: str | None, cfg: Config) -> Iterator[Record]:
    from .warc import read_warc

    try:
        stream = compression.decompressing(stream)
        head = stream.peek(64)[:64]  # type: ignore[attr-defined]
    except (OSError, EOFError, zlib.error) as exc:
        yield Reject(source=source, reason="bad_compression", detail=str(exc))
        return
    if fmt is None:
        fmt = sniff_format(head)
    if fmt == "jsonl":
        yield from read_jsonl(stream, source, stem, cfg)
    elif fmt == "warc":
        yield from read_warc(stream, source, cfg)
    elif fmt in ("csv", "tsv"):
        yield from read_table(stream, source, stem, cfg, "," if fmt == "csv" else "\t")
    elif fmt == "parquet":
        try:
            data = stream.read()
        except (OSError, EOFError, zlib.error) as exc:
            yield Reject(source=source, reason="bad_compression", detail=str(exc))
            return
        yield from read_parquet(io.BytesIO(data), source, stem, cfg)
    else:
        try:
            data = stream.read()
        except (OSError, EOFError, zlib.error) as exc:
            yield Reject(source=source, reason="bad_compression", detail=str(exc), id=stem)
            return
        yield from _whole(data, fmt, source, stem, cfg)


def read_path(path: str, cfg: Config, stdin: IO[bytes] | None = None, stem: str | None = None) -> Iterator[Record]:
    if path == "-":
        yield from read_stream(stdin or sys.stdin.buffer, "<stdin>", "stdin", None, cfg)
        return
    stem = stem or doc_stem(path)
    fmt = file_format(path) or "text"
    try:
        fh = open(path, "rb")  # noqa: SIM115 - the with below closes it; opening apart lets an error become a Reject
    except OSError as exc:
        yield Reject(source=path, reason="unreadable", detail=exc.strerror or str(exc), id=stem)
        return
    with fh:
        yield from read_stream(fh, path, stem, fmt, cfg)


def read_inputs(paths: list[str], config: Config | None = None, stdin: IO[bytes] | None = None) -> Iterator[Record]:
    """Every record of every input, in order: the order of ``paths``, then sorted within a folder."""
    cfg = config or Config()
    for p, stem in expand(paths):
        yield from read_path(p, cfg, stdin=stdin, stem=stem)
