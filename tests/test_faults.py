"""Bad input and faults: every kind of broken input gets its reason, counts add up, runs resume."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import random
import signal
import subprocess
import sys
import time

import pytest
import zstandard
from conftest import ROOT, read_jsonl

STORY = ("The harbour bridge reopened to traffic on Monday after eight months of repairs to its steel deck, "
         "the city council said in a statement.")


def _warc(records_html: list[bytes]) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    for body in records_html:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://x.test/", "response", payload=io.BytesIO(body),
                                                      http_headers=headers))
    return buf.getvalue()


def _parquet(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _jsonl(*records) -> bytes:
    return b"".join(json.dumps(r).encode("utf-8") + b"\n" for r in records)


PAGE = f"<html><body><article><p>{STORY}</p><p>{STORY.replace('Monday', 'Tuesday')}</p></article></body></html>"
DEEP = "<html><body>" + "<div>" * 10000 + f"<p>{STORY}</p>" + "</div>" * 10000 + "</body></html>"

# (file name, bytes, expected outcome): ("reject", reason), ("written", None) or ("written", note).
BAD_INPUTS = [
    ("png.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), ("reject", "binary")),
    ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", ("reject", "binary")),
    ("archive.txt", b"PK\x03\x04\x14\x00\x00\x00" + bytes(200), ("reject", "binary")),
    ("program.txt", b"\x7fELF\x02\x01\x01" + bytes(100), ("reject", "binary")),
    ("nul.txt", STORY.encode() + b"\x00\x00" + STORY.encode(), ("reject", "binary")),
    ("controls.txt", bytes([1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 15, 16]) * 50, ("reject", "binary")),
    ("cp1252.txt", "Le café a rouvert après les travaux, a déclaré la mairie.".encode("cp1252"), ("written", "encoding")),
    ("utf16.txt", STORY.encode("utf-16"), ("written", "encoding")),
    ("mojibake.txt", "Le cafÃ© a rouvert aprÃ¨s les travaux.".encode(), ("written", "repaired")),
    ("empty.txt", b"", ("written", None)),
    ("mac.txt", (STORY + "\rAdvertisement\r" + STORY.replace("Monday", "Friday")).encode(), ("written", None)),
    ("packed.txt", gzip.compress(STORY.encode()), ("written", None)),
    ("cut.jsonl.gz", _cut(gzip.compress(_jsonl({"id": "g", "text": STORY * 40}))), ("reject", "bad_compression")),
    ("notgzip.jsonl.gz", b"this is not gzip at all\n", ("reject", "bad_json")),
    ("cut.jsonl.zst", _cut(zstandard.ZstdCompressor().compress(_jsonl({"id": "z", "text": STORY * 40}))),
     ("reject", "bad_compression")),
    ("cut.jsonl.bz2", _cut(bz2.compress(_jsonl({"id": "b", "text": STORY * 40}))), ("reject", "bad_compression")),
    ("broken.jsonl", b'{"id": 1, "text": \n', ("reject", "bad_json")),
    ("array.jsonl", b"[1, 2, 3]\n", ("reject", "not_an_object")),
    ("notext.jsonl", b'{"id": "x", "body": "wrong field"}\n', ("reject", "missing_text")),
    ("numtext.jsonl", b'{"id": "y", "text": 5}\n', ("reject", "missing_text")),
    ("badutf8.jsonl", b'{"id": "u", "text": "\xff\xfe broken"}\n', ("reject", "bad_json")),
    ("surrogate.jsonl", b'{"id": "s", "text": "Storm \\ud800 hits the coast."}\n', ("written", None)),
    ("longline.txt", ("word " * 30_000).encode(), ("reject", "over_limit")),
    ("bigdoc.txt", ((STORY + "\n") * 9000).encode(), ("reject", "over_limit")),
    ("deep.html", DEEP.encode(), ("written", None)),
    ("empty.html", b"", ("reject", "extraction_failed")),
    ("cut.warc", _warc([PAGE.encode()])[:-40], ("reject", "truncated_record")),
    ("garbage.warc", b"hello, this is no archive\r\n\r\n", ("reject", "bad_warc")),
    ("broken.parquet", b"PAR1" + bytes(64) + b"PAR1", ("reject", "bad_parquet")),
    ("nocolumn.parquet", _parquet({"id": ["p"], "content": [STORY]}), ("reject", "missing_text")),
]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    pytest.importorskip("pyarrow", reason="the Parquet cases need the cleaner[parquet] extra")
    folder = tmp_path_factory.mktemp("bad")
    for name, data, _ in BAD_INPUTS:
        (folder / name).write_bytes(data)
    config = folder.parent / "limits.toml"
    config.write_text("max_doc_bytes = 1_000_000\nmax_line_chars = 100_000\n", encoding="utf-8")
    out, rejects = folder.parent / "out.jsonl", folder.parent / "rejects.jsonl"
    proc = subprocess.run([sys.executable, "-m", "cleaner", "run", str(folder), str(folder / "missing.txt"),
                           "-o", str(out), "--rejects", str(rejects), "--config", str(config)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    return folder, proc, read_jsonl(out), read_jsonl(rejects), json.loads((out.parent / "out.jsonl.run.json").read_text())


def test_at_least_25_kinds_of_bad_input():
    assert sum(1 for *_, (kind, _) in BAD_INPUTS if kind == "reject") >= 20
    assert len(BAD_INPUTS) >= 25


@pytest.mark.parametrize("name, expected", [(n, e) for n, _, e in BAD_INPUTS], ids=[n for n, _, _ in BAD_INPUTS])
def test_each_bad_input_has_its_outcome(bad_run, name, expected):
    folder, proc, out, rejects, _ = bad_run
    path = str(folder / name)
    kind, detail = expected
    mine = [r for r in rejects if r["source"] == path or r["source"].startswith(path + "@") or r["source"].startswith(path + ":")]
    stem = name.split(".")[0]
    written = [r for r in out if r["id"] == stem or r["id"].startswith(stem + ":") or (r["id"] in ("g", "z", "b", "s")
               and name.startswith(("cut.jsonl", "surrogate")))]
    if kind == "reject":
        assert [r["reason"] for r in mine] == [detail], (mine, proc.stderr[-2000:])
        assert mine[0]["detail"]
    else:
        assert mine == [], mine
        assert len(written) == 1, (name, [r["id"] for r in out])
        if detail:
            assert detail in written[0]["metadata"]["cleaner"]


def test_missing_file_is_rejected_and_counts_add_up(bad_run):
    _, proc, out, rejects, meta = bad_run
    assert proc.returncode == 1
    assert [r["reason"] for r in rejects if r["source"].endswith("missing.txt")] == ["unreadable"]
    counts = meta["counts"]
    assert meta["balanced"]
    assert counts["records_read"] == counts["written"] + counts["duplicate_documents"] + counts["rejected"] + counts["skipped"]
    assert counts["rejected"] == len(rejects) and counts["written"] + counts["duplicate_documents"] == len(out)
    assert f"rejected {len(rejects)}" in proc.stderr


def test_strict_stops_at_the_first_reject(tmp_path, cli):
    src = tmp_path / "d.jsonl"
    src.write_bytes(_jsonl({"id": "a", "text": STORY}) + b"{broken\n" + _jsonl({"id": "c", "text": STORY[::-1]}))
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    result = cli("run", src, "-o", out, "--rejects", rejects, "--strict")
    assert result.exit_code == 1
    assert not out.exists()
    assert [r["reason"] for r in read_jsonl(rejects)] == ["bad_json"]


def _peak_rss_mb(args: list[str]) -> tuple[int, subprocess.CompletedProcess]:
    """Run ``args`` in a child of a fresh interpreter, so the peak RSS is that run's alone."""
    probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024); "
             "print(p.returncode); sys.stderr.write(p.stderr)")
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=900)
    peak, code = proc.stdout.split()[:2]
    return int(peak), subprocess.CompletedProcess(args, int(code), "", proc.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("over_limit", ["reject", "truncate"])
def test_50mb_single_line_within_limits_and_2gb(tmp_path, over_limit):
    big = tmp_path / "one_line.txt"
    with open(big, "w", encoding="utf-8") as fh:
        chunk = STORY.replace(".", ",") + " "
        for _ in range(50_000_000 // len(chunk) + 1):
            fh.write(chunk)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'over_limit = "{over_limit}"\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    peak, proc = _peak_rss_mb([sys.executable, "-m", "cleaner", "run", str(big), "-o", str(out),
                               "--config", str(cfg), "--explain", str(tmp_path / "x.jsonl")])
    assert peak < 2048, f"peak RSS {peak} MB"
    if over_limit == "reject":
        assert proc.returncode == 1 and "over_limit" in proc.stderr
        assert read_jsonl(out) == []
    else:
        assert proc.returncode == 0, proc.stderr[-1000:]
        (record,) = read_jsonl(out)
        assert len(record["body"]) <= 1_000_000
        assert record["metadata"]["cleaner"]["truncated"]["limit"] == "max_doc_bytes"
        cut = [e for e in read_jsonl(tmp_path / "x.jsonl") if e["reason"] == "over_limit"]
        assert len(cut) == 1 and cut[0]["rule"] == "max_line_chars" and len(cut[0]["text"]) < 300


@pytest.mark.slow
def test_10000_deep_html_within_limits_and_2gb(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text(DEEP, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    peak, _ = _peak_rss_mb([sys.executable, "-m", "cleaner", "run", str(page), "-o", str(out), "--rejects",
                               str(tmp_path / "r.jsonl")])
    assert peak < 2048
    assert len(read_jsonl(out)) + len(read_jsonl(tmp_path / "r.jsonl")) == 1


def _resume_corpus(path) -> None:
    """A few thousand records: real paragraphs, planted copies, boilerplate, and some broken lines."""
    truth = json.loads((ROOT / "benchmarks" / "data" / "fundus80" / "ground_truth.json").read_text(encoding="utf-8"))
    paras = [p for name in sorted(truth) for p in truth[name]["body"] if len(p.split()) > 12]
    rng = random.Random(11)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(2400):
            if i % 97 == 0:
                fh.write("{not json\n")
                continue
            body = rng.sample(paras, 3)
            if i % 5 == 0:
                body[0] = body[0][: len(body[0]) * 3 // 4] + "…"
            text = "\n".join([f"Headline number {i % 300} for the day", body[0], "Advertisement", *body[1:], "Share"])
            fh.write(json.dumps({"id": f"r{i}", "text": text, "n": i}) + "\n")


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_is_byte_identical(tmp_path):
    src = tmp_path / "in.jsonl"
    _resume_corpus(src)
    base = [sys.executable, "-m", "cleaner", "run", str(src), "--checkpoint-every", "40", "--checkpoint-seconds", "0", "-q"]

    def outputs(name):
        return [tmp_path / f"{name}.jsonl", tmp_path / f"{name}.explain.jsonl", tmp_path / f"{name}.rejects.jsonl"]

    ref = outputs("ref")
    started = time.monotonic()
    subprocess.run([*base, "-o", str(ref[0]), "--explain", str(ref[1]), "--rejects", str(ref[2])],
                   check=False, cwd=ROOT, timeout=600, capture_output=True)
    duration = time.monotonic() - started
    got = outputs("got")
    args = [*base, "-o", str(got[0]), "--explain", str(got[1]), "--rejects", str(got[2])]
    rng = random.Random(2026)
    kills, resumed_from_checkpoint, first = 0, 0, True
    while kills < 20:
        proc = subprocess.Popen(args + ([] if first else ["--resume"]), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        first = False
        try:
            _, err = proc.communicate(timeout=rng.uniform(0.05, duration))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            _, err = proc.communicate()
            kills += 1
        resumed_from_checkpoint += "resuming after record" in (err or "")
    final = subprocess.run(args + ["--resume"], cwd=ROOT, timeout=600, capture_output=True, text=True)
    assert final.returncode == 1  # the corpus has broken lines, so some records were rejected
    assert resumed_from_checkpoint >= 5, "the kills never left a checkpoint to resume from"
    for want, have in zip(ref, got):
        assert have.read_bytes() == want.read_bytes(), have.name
    assert not (tmp_path / "got.jsonl.cleaner-work").exists()
    assert not list(tmp_path.glob(".*.part"))


def test_a_checkpoint_of_another_layout_is_refused_with_a_reason(tmp_path):
    from cleaner.run.checkpoint import STATE_VERSION, Pass1State, ResumeError, WorkDir

    work = WorkDir(tmp_path / "out.jsonl.cleaner-work")
    work.start()
    state = Pass1State(fingerprint="f")
    work.save(state)
    assert work.load("f").version == STATE_VERSION
    del state.__dict__["version"]  # as a checkpoint written before the layout had a version
    work.save(state)
    with pytest.raises(ResumeError, match=f"layout 2, this one reads {STATE_VERSION}"):
        work.load("f")


def test_a_checkpoint_naming_classes_that_moved_is_refused_with_a_reason(tmp_path):
    # Checkpoints written before the modules moved into subpackages pickled
    # cleaner.checkpoint.Pass1State: resuming one is a clear refusal, not a traceback.
    import pickle

    from cleaner.run.checkpoint import Pass1State, ResumeError, WorkDir

    work = WorkDir(tmp_path / "out.jsonl.cleaner-work")
    work.start()
    blob = pickle.dumps(Pass1State(fingerprint="f"), protocol=0)  # module names as plain text lines
    old = blob.replace(b"cleaner.run.checkpoint", b"cleaner.old_checkpoint")  # a module that is gone
    assert old != blob
    work.state_path.write_bytes(old)
    with pytest.raises(ResumeError, match="a checkpoint of another cleaner version"):
        work.load("f")
