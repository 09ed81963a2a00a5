"""warcio vs FastWARC on the same archive: speed, and what each does with a truncated file.

Run: python benchmarks/warc_readers.py   (FastWARC: pip install fastwarc)
Writes benchmarks/results/warc_readers.json and .md.

The archive holds the 80 fundus80 pages 25 times over as gzip-per-record
response records, each after its request record, as crawlers write them.
"""

from __future__ import annotations

import gzip
import io
import json
import statistics
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DATA = Path(__file__).parent / "data" / "fundus80" / "html"
RESULTS = Path(__file__).parent / "results"


def build(copies: int = 25) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(DATA.glob("*.html.gz"))]
    for c in range(copies):
        for i, page in enumerate(pages):
            url = f"https://example.test/{c}/{i}"
            req = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            writer.write_record(req)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page), http_headers=headers))
    return buf.getvalue()


def read_warcio(data: bytes) -> tuple[int, int]:
    from warcio.archiveiterator import ArchiveIterator

    n = size = 0
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type == "response":
            size += len(record.content_stream().read())
            n += 1
    return n, size


def read_fastwarc(data: bytes) -> tuple[int, int]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    n = size = 0
    for record in ArchiveIterator(io.BytesIO(data), record_types=WarcRecordType.response, parse_http=True):
        size += len(record.reader.read())
        n += 1
    return n, size


def timed(fn, data, repeats=3):
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn(data)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def truncated(fn, data) -> str:
    cut = data[: len(data) // 2 + 1234]
    try:
        n, _ = fn(cut)
        return f"yielded {n} records, the last one cut short, without an error"
    except Exception as exc:  # what each library raises is what is being measured
        return f"raised {type(exc).__name__} after the records before the cut"


def main() -> None:
    data = build()
    out = {"archive_mb": round(len(data) / 1e6, 1), "readers": {}}
    for name, fn in (("warcio", read_warcio), ("fastwarc", read_fastwarc)):
        try:
            seconds, (n, size) = timed(fn, data)
        except ImportError:
            out["readers"][name] = {"available": False}
            continue
        out["readers"][name] = {
            "available": True, "records": n, "seconds": round(seconds, 3),
            "mb_per_s": round(size / 1e6 / seconds, 1), "truncated_file": truncated(fn, data),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "warc_readers.json").write_text(json.dumps(out, indent=2) + "\n")
    md = [f"Archive: {out['archive_mb']} MB gzip-per-record, 2,000 responses + 2,000 requests.", "",
          "| reader | response records | seconds (median of 3) | payload MB/s | truncated file |", "|---|---|---|---|---|"]
    for name, r in out["readers"].items():
        if r.get("available"):
            md.append(f"| {name} | {r['records']} | {r['seconds']} | {r['mb_per_s']} | {r['truncated_file']} |")
        else:
            md.append(f"| {name} | not installed | | | |")
    (RESULTS / "warc_readers.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
