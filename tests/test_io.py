"""Inputs and outputs of real ingestion jobs: WARC, compressed JSONL, Parquet, pipes, a config file."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import subprocess
import sys

import pytest
import zstandard
from conftest import GOLDEN, ROOT, read_jsonl
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner import Cleaner
from cleaner.io.readers import read_inputs

ARTICLE = """<html><head><title>Council approves new tram line</title></head><body><article>
<h1>Council approves new tram line</h1>
<div class="social-share"><a>Share</a><a>Tweet</a></div>
<p>The city council approved a new tram line on Tuesday that will link the airport with the central station
by 2028, ending years of debate over the route through the old town.</p>
<p>The line will cost 480 million euros, two thirds of it paid by the regional government, and is expected
to carry forty thousand passengers a day once it opens.</p>
<p>Opponents said the works would close shops in the old town for two years and asked for a bus lane instead.</p>
</article></body></html>"""
PLAIN = ("Tram line approved\n\nThe regional government will pay two thirds of the cost of the new tram line, "
         "the transport minister confirmed on Wednesday.\nAdvertisement\n")


def make_warc(path, gz=True):
    """A small archive as a crawler writes it: warcinfo, request/response pairs, an image, a 404."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record("crawl.warc", {"software": "test-crawler/1.0"}))

        def response(url, body, ctype, status="200 OK"):
            req = writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
            writer.write_record(req)
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(rec)
            return rec.rec_headers.get_header("WARC-Record-ID")

        ids = {
            "html": response("https://news.test/tram", ARTICLE.encode("utf-8"), "text/html; charset=utf-8"),
            "latin1": response("https://news.test/fr", ARTICLE.replace("euros", "€ et café").encode("cp1252"),
                               "text/html; charset=windows-1252"),
            "text": response("https://news.test/tram.txt", PLAIN.encode("utf-8"), "text/plain; charset=utf-8"),
        }
        response("https://news.test/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
        response("https://news.test/missing", b"<html>Not found</html>", "text/html", status="404 Not Found")
    return ids


def test_warc_records_are_processed_skipped_or_rejected_and_add_up(tmp_path, cli):
    ids = make_warc(tmp_path / "crawl.warc.gz")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    result = cli("run", tmp_path / "crawl.warc.gz", "-o", out, "--rejects", rejects)
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in read_jsonl(out)}
    html = records[ids["html"].strip("<>")]
    assert html["metadata"]["url"] == "https://news.test/tram"
    latin1 = records[ids["latin1"].strip("<>")]
    # The cp1252 page is the same article with two words more: the HTML page is its copy.
    assert "approved a new tram line on Tuesday" in latin1["body"] and "Tweet" not in latin1["body"]
    assert "café" in latin1["body"] and html["duplicate_of"] == latin1["id"]
    text = records[ids["text"].strip("<>")]
    assert "Advertisement" not in text["body"] and "transport minister confirmed" in text["body"]
    # 1 warcinfo + 5 requests + 5 responses = 11 records: 3 processed, 8 skipped, 0 rejected.
    assert "records read 11: written 3 (with a body of their own 2, duplicate documents with an empty body 1), rejected 0, skipped 8" in result.stderr
    assert "skipped: http_404 1, non_text_payload 1, warc_request 5, warc_warcinfo 1" in result.stderr
    assert read_jsonl(rejects) == []


def test_truncated_warc_rejects_the_cut_record_and_keeps_the_rest(tmp_path):
    make_warc(tmp_path / "full.warc", gz=False)
    data = (tmp_path / "full.warc").read_bytes()
    cut = data.index(b"Opponents said", data.index(b"WARC-Type: response")) + 5  # inside the first response
    (tmp_path / "cut.warc").write_bytes(data[:cut])
    cleaner = Cleaner()
    items = list(cleaner.run(read_inputs([str(tmp_path / "cut.warc")])))
    assert [getattr(i, "reason", None) for i in items] == ["truncated_record"]
    assert items[0].source.startswith(str(tmp_path / "cut.warc") + "@")
    assert cleaner.stats.balanced() and cleaner.stats.skipped == 2


def test_jsonl_gz_round_trip_keeps_extra_fields_and_ids(tmp_path, cli):
    rows = [{"id": f"n{i}", "text": f"Story number {i} about the harbour reopening after the storm.\nShare",
             "url": f"https://x.test/{i}", "tags": ["a", i], "score": i / 3, "nested": {"k": None}} for i in range(5)]
    src = tmp_path / "in.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    out = tmp_path / "out.jsonl.gz"
    assert cli("run", src, "-o", out, "-q").exit_code == 0
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        back = [json.loads(line) for line in fh]
    assert [r["id"] for r in back] == [r["id"] for r in rows]
    for r, b in zip(rows, back):
        meta = dict(b["metadata"])
        meta.pop("cleaner")
        assert meta == {k: v for k, v in r.items() if k not in ("id", "text")}
        assert b["body"] == r["text"].split("\n")[0]


@pytest.mark.parametrize("pack, name", [
    (gzip.compress, "d.jsonl.gz"), (bz2.compress, "d.jsonl.bz2"),
    (lambda b: zstandard.ZstdCompressor().compress(b), "d.jsonl.zst"),
])
def test_compressed_inputs_by_extension_and_on_stdin_by_magic(pack, name, tmp_path, cli):
    data = pack(b'{"id": "z", "text": "Snow closes the mountain pass for the third day running."}\n')
    (tmp_path / name).write_bytes(data)
    by_name = read_jsonl_text(cli("run", tmp_path / name, "-q").stdout)
    by_magic = read_jsonl_text(cli("run", "-", "-q", input=data).stdout)
    assert [r["id"] for r in by_name] == [r["id"] for r in by_magic] == ["z"]


def read_jsonl_text(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("suffix, opener", [(".zst", lambda p: zstandard.ZstdDecompressor().stream_reader(open(p, "rb"))),
                                            (".bz2", lambda p: bz2.open(p, "rb"))])
def test_compressed_outputs(suffix, opener, tmp_path, cli):
    out = tmp_path / f"out.jsonl{suffix}"
    cli("run", GOLDEN / "input", "-o", out, "-q")
    with opener(out) as fh:
        data = fh.read()
    assert data == (GOLDEN / "expected" / "output.jsonl").read_bytes()


def test_gzip_output_is_byte_identical_across_runs(tmp_path, cli):
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    cli("run", GOLDEN / "input", "-o", a, "-q")
    cli("run", GOLDEN / "input", "-o", b, "-q")
    assert a.read_bytes() == b.read_bytes()


def test_html_field_and_custom_fields(tmp_path, cli):
    src = tmp_path / "pages.jsonl"
    src.write_text(json.dumps({"doc_id": "p1", "page": ARTICLE, "source": "crawler"}) + "\n", encoding="utf-8")
    result = cli("run", src, "--id-field", "doc_id", "--html-field", "page", "-q")
    (r,) = read_jsonl_text(result.stdout)
    assert r["id"] == "p1" and r["title"] == "Council approves new tram line"
    assert r["metadata"]["source"] == "crawler" and "page" not in r["metadata"]


def test_parquet_in_and_out(tmp_path, cli):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is the cleaner[parquet] extra")
    import pyarrow.parquet as pq

    story = "Rain returns to the north on Sunday after the driest March in sixty years of records."
    table = pa.table({"id": ["a", "b"], "text": [story + "\nShare", story], "lang": ["en", "en"]})
    pq.write_table(table, tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    assert cli("run", tmp_path / "in.parquet", "-o", out, "-q").exit_code == 0
    rows = pq.read_table(out).to_pylist()
    assert [(r["id"], r["body"], r["duplicate_of"]) for r in rows] == [
        ("a", story, None), ("b", "", "a")]
    assert json.loads(rows[0]["metadata"])["lang"] == "en"


def test_config_file_flags_override_and_unknown_keys_fail(tmp_path, cli):
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text('threshold = 0.7\nbands = 20\nrows = 5\ntext_field = "content"\n', encoding="utf-8")
    resolved = json.loads(cli("config", "--config", cfg, "--bands", "16").stdout)
    assert (resolved["threshold"], resolved["bands"], resolved["rows"], resolved["text_field"]) == (0.7, 16, 5, "content")
    bad = tmp_path / "bad.toml"
    bad.write_text("treshold = 0.7\n", encoding="utf-8")
    result = cli("run", GOLDEN / "input", "--config", bad)
    assert result.exit_code == 2 and "unknown setting 'treshold'" in result.stderr
    invalid = tmp_path / "invalid.toml"
    invalid.write_text("bands = 100\n", encoding="utf-8")
    assert "bands * rows = 300 exceeds num_perm = 128" in cli("run", GOLDEN / "input", "--config", invalid).stderr


def test_pipe_closed_by_head_exits_cleanly(tmp_path):
    dump = tmp_path / "dump.jsonl"
    with open(dump, "w", encoding="utf-8") as fh:
        for i in range(3000):
            fh.write(json.dumps({"id": i, "text": f"Story {i}: the bridge reopened after repairs number {i}."}) + "\n")
    script = f'cat {dump} | "{sys.executable}" -m cleaner run - -o - | head -n 3; echo "status=${{PIPESTATUS[1]}}" >&2'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert len(proc.stdout.splitlines()) == 3
    assert "status=0" in proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr
