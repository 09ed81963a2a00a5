"""The command line, run in-process: stdout carries JSONL only, everything else goes to stderr."""

from __future__ import annotations

import gzip
import json

from conftest import GOLDEN, read_jsonl

CONTRACT_KEYS = ["id", "title", "body", "related", "duplicate_of", "metadata"]


def test_run_on_golden_prints_contract_jsonl(cli):
    result = cli("run", GOLDEN / "input")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == sorted(p.stem for p in (GOLDEN / "input").glob("*.txt"))
    assert all(list(r) == CONTRACT_KEYS for r in records)
    assert "records read 5: written 5 (with a body of their own 5," in result.stderr
    verbose = cli("run", GOLDEN / "input", "-v")
    assert "dedup: lsh=MinHash over words and word pairs" in verbose.stderr
    assert "num_perm=128, bands=20, rows=3" in verbose.stderr


def test_two_runs_are_byte_identical(cli, tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    cli("run", GOLDEN / "input", "-o", a, "-q")
    cli("run", GOLDEN / "input", "-o", b, "-q")
    assert a.read_bytes() == b.read_bytes()
    # No temporary file or work folder left; the run metadata beside each output.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "a.jsonl.run.json", "b.jsonl", "b.jsonl.run.json"]
    meta = json.loads((tmp_path / "a.jsonl.run.json").read_text(encoding="utf-8"))
    counts = meta["counts"]
    assert meta["balanced"] and counts["records_read"] == counts["written"] + counts["duplicate_documents"] \
        + counts["rejected"] + counts["skipped"] == 5


def test_stdin_jsonl_passes_other_fields_through(cli):
    lines = [
        {"id": 7, "text": "Markets rallied on Friday after the jobs report.\nAdvertisement", "url": "https://x.test/a",
         "lang": "en", "nested": {"k": [1, 2]}},
        {"text": "A record with no id gets one derived from its place."},
    ]
    result = cli("run", "-", "-o", "-", input="\n".join(json.dumps(x) for x in lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0]["id"] == "7"
    assert out[0]["body"] == "Markets rallied on Friday after the jobs report."
    meta = out[0]["metadata"]
    assert (meta["url"], meta["lang"], meta["nested"]) == ("https://x.test/a", "en", {"k": [1, 2]})
    assert meta["cleaner"]["removed"] == 1
    assert out[1]["id"] == "stdin:2"


def test_stdin_plain_text_is_one_document(cli):
    result = cli("run", "-", input="Rain returns to the north this weekend.\nShare\nCopy Link\n")
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["id"], record["body"]) == ("stdin", "Rain returns to the north this weekend.")


def test_bad_records_are_rejected_with_place_and_the_run_goes_on(cli, tmp_path):
    src = tmp_path / "dump.jsonl"
    src.write_text('{"id": "ok1", "text": "First good story about the harbour."}\n'
                   '{"id": "broken", "text": \n'
                   '["not", "an", "object"]\n'
                   '{"id": "notext", "body": "wrong field"}\n'
                   '{"id": "ok2", "text": "Second good story about the bridge."}\n', encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.txt").write_bytes("Café crème".encode("cp1252"))
    rejects = tmp_path / "rejects.jsonl"
    result = cli("run", tmp_path, "-o", tmp_path / "out.jsonl", "--rejects", rejects)
    assert result.exit_code == 1
    got = {(r["source"].replace(str(tmp_path) + "/", ""), r["reason"]) for r in read_jsonl(rejects)}
    assert got == {("binary.txt@0", "binary"), ("dump.jsonl:2", "bad_json"), ("dump.jsonl:3", "not_an_object"),
                   ("dump.jsonl:4", "missing_text")}
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == ["ok1", "ok2", "latin1"]
    assert out[2]["title"] is None and out[2]["body"] == "Café crème" and out[2]["metadata"]["cleaner"]["encoding"] == "cp1252"
    assert "records read 7: written 3 (with a body of their own 3, duplicate documents with an empty body 0), rejected 4" in result.stderr
    assert "rejected " in result.stderr and "dump.jsonl:2" in result.stderr


def test_gzip_jsonl_input(cli, tmp_path):
    src = tmp_path / "in.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "g", "text": "Flood warnings issued for the valley.\n© 2024 Example Media"}) + "\n")
    result = cli("run", src)
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["body"] == "Flood warnings issued for the valley."


def test_explain_accounts_for_every_removed_line(cli, tmp_path):
    explain = tmp_path / "explain.jsonl"
    cli("run", GOLDEN / "input" / "003_cbce8088dc97cb93.txt", "--explain", explain, "-q")
    entries = read_jsonl(explain)
    lines = (GOLDEN / "input" / "003_cbce8088dc97cb93.txt").read_text(encoding="utf-8").split("\n")
    for e in entries:
        assert set(e) >= {"id", "line", "reason", "rule", "text"}
        assert e["text"] in lines[e["line"] - 1]
    assert [e["reason"] for e in entries].count("ad_slot") == 6


def test_duplicates_marked_or_dropped(cli, tmp_path):
    story = "The council approved the new budget on Tuesday after a long debate about school funding and roads."
    src = tmp_path / "d.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": story + tail}) for i, tail in
                             [("a", ""), ("b", " https://t.co/xyz")]) + "\n", encoding="utf-8")
    marked = [json.loads(x) for x in cli("run", src).stdout.splitlines()]
    assert [(r["id"], r["duplicate_of"], r["body"]) for r in marked] == [("a", None, story), ("b", "a", "")]
    dropped = [json.loads(x) for x in cli("run", src, "--drop-duplicates").stdout.splitlines()]
    assert [r["id"] for r in dropped] == ["a"]


def test_invalid_settings_are_a_usage_error(cli):
    result = cli("run", GOLDEN / "input", "--bands", "100")
    assert result.exit_code == 2
    assert "bands * rows = 300 exceeds num_perm = 128" in result.stderr


def test_missing_input_is_rejected_not_fatal(cli, tmp_path):
    result = cli("run", tmp_path / "nope.txt", GOLDEN / "input" / "002_7964a669a5581a1c.txt")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1
    assert "nope.txt: unreadable" in result.stderr


def test_progress_goes_to_stderr_only(cli):
    result = cli("run", GOLDEN / "input", "--progress")
    assert all(json.loads(line) for line in result.stdout.splitlines())
    assert "strip" in result.stderr


def test_config_command_prints_settings(cli):
    settings = json.loads(cli("config").stdout)
    assert settings["bands"] == 20 and settings["threshold"] == 0.5


def test_output_is_identical_whatever_the_number_of_workers(tmp_path, cli):
    from benchmarks.archive import build
    archive = tmp_path / "archive.jsonl"
    build(600, archive)
    outputs = []
    for workers in ("1", "2", "3"):
        out = tmp_path / f"out{workers}.jsonl"
        explain = tmp_path / f"explain{workers}.jsonl"
        assert cli("run", archive, GOLDEN / "input", "-o", out, "--explain", explain, "-q", "--workers", workers).exit_code == 0
        outputs.append((out.read_bytes(), explain.read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    assert b'"duplicate_of": "d' in outputs[0][0]  # the planted copies were found


def test_bench_command_measures_a_run(tmp_path, cli):
    result = cli("bench", GOLDEN / "input", "--workers", "1", "--json", tmp_path / "b.json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads((tmp_path / "b.json").read_text())
    assert row["workers"] == 1 and row["documents"] == 5 and row["peak_rss_mb"] > 0
    assert "docs/s" in result.stdout
