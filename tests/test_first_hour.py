"""A new user's first hour (issue 12): what broke for someone following the README, one test each."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT, read_jsonl

PACKAGE = ROOT / "cleaner"
STORY = ("The regional council approved a new budget for schools and roads on Monday night, "
         "after a debate that lasted more than four hours and drew a large crowd.")


def _compiled_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")}


def test_compiled_kernels_are_cached_outside_the_package(tmp_path):
    # A cache inside the installed package outlived `pip install .` and shadowed the
    # checkout after `pip install -e .` (an empty namespace package named cleaner).
    before = _compiled_files(PACKAGE)
    env = {k: v for k, v in os.environ.items() if k not in ("CLEANER_CACHE_DIR", "NUMBA_CACHE_DIR")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = ("import numpy as np; from cleaner.dedup import kernels; "
            "print(kernels.token_hashes._cache._cache_path); "
            "kernels.token_hashes(np.frombuffer(b'a b c', dtype=np.uint8), 1)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert Path(done.stdout.strip()).is_relative_to(tmp_path / "cleaner" / "numba")
    assert _compiled_files(tmp_path), "the kernel was not cached in the user's cache folder"
    assert _compiled_files(PACKAGE) == before


def test_cache_folder_follows_cleaner_cache_dir(tmp_path):
    env = dict(os.environ, CLEANER_CACHE_DIR=str(tmp_path / "mine"))
    code = "from cleaner.dedup import kernels; print(kernels.signatures._cache._cache_path)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert Path(done.stdout.strip()).is_relative_to(tmp_path / "mine")


@pytest.mark.parametrize("option", ["-o", "--explain", "--rejects"])
def test_an_output_in_a_missing_folder_is_a_usage_error_naming_the_path(cli, option, tmp_path):
    target = tmp_path / "nonexistent" / "dir" / "out.jsonl"
    result = cli("run", GOLDEN / "input", option, target)
    assert result.exit_code == 2
    assert f"{option} {target}: no such folder" in result.output
    assert "Traceback" not in result.output and ".part" not in result.output
    assert not list(tmp_path.iterdir())


def test_an_output_that_is_a_folder_is_a_usage_error(cli, tmp_path):
    result = cli("run", GOLDEN / "input", "-o", tmp_path)
    assert result.exit_code == 2 and f"-o {tmp_path}: is a folder" in result.output


def test_review_output_is_checked_before_the_run(cli, tmp_path):
    result = cli("review", GOLDEN / "input", "-o", tmp_path / "no" / "page.html")
    assert result.exit_code == 2 and "no such folder" in result.output


def test_strict_stop_leaves_no_work_folder_or_output(cli, tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "a", "text": STORY}) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = cli("run", dump, "-o", out, "--strict", "--rejects", tmp_path / "rejects.jsonl")
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.jsonl", "rejects.jsonl"]


def _summary_numbers(line: str) -> list[int]:
    return [int(n) for n in re.findall(r"\b(\d+)\b", line)]


def test_summary_counts_add_up(cli, tmp_path):
    # One story and two copies of it: three lines are written, two of them duplicates.
    dump = tmp_path / "dump.jsonl"
    copy = STORY + "\nShare this article"
    dump.write_text("".join(json.dumps({"id": i, "text": t}) + "\n"
                            for i, t in (("a", STORY), ("b", copy), ("c", copy))), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = cli("run", dump, "-o", out)
    lines = result.stderr.splitlines()
    assert len(read_jsonl(out)) == 3
    assert lines[0] == ("records read 3: written 3 (with a body of their own 1, "
                        "duplicate documents with an empty body 2), rejected 0")
    total, kept, copies, _related = _summary_numbers(lines[1])
    assert total == kept + copies
    removed = lines[2]
    by_reason = dict(re.findall(r"(\w+) (\d+)", re.sub(r"\([^)]*\)", "", removed.split(": ", 1)[1])))
    near = re.search(r"near_duplicate (\d+) \(([^)]*)\)", removed)
    assert near is not None, removed
    assert int(near.group(1)) == sum(_summary_numbers(near.group(2)))
    assert sum(int(n) for n in by_reason.values()) == _summary_numbers(removed.split(":")[0])[0]
    # The dedup settings are for -v and OUT.run.json, not every run's summary.
    assert not any(line.startswith("dedup:") for line in lines)
    assert json.loads((tmp_path / "out.jsonl.run.json").read_text())["counts"]["dedup"]["num_perm"] == 128
    verbose = cli("run", dump, "-o", out, "-v")
    assert any(line.startswith("dedup: lsh=") for line in verbose.stderr.splitlines())
    dropped = cli("run", dump, "-o", out, "--drop-duplicates")
    assert "written 1 (with a body of their own 1, duplicate documents left out 2)" in dropped.stderr
    assert len(read_jsonl(out)) == 1


def test_quiet_prints_no_rejected_record(cli, tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "a", "text": STORY}) + "\n{broken\n", encoding="utf-8")
    result = cli("run", dump, "-q", "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 1 and result.stderr == ""
    loud = cli("run", dump, "-o", tmp_path / "out.jsonl")
    assert f"rejected {dump}:2: bad_json" in loud.stderr


def test_an_unterminated_string_is_reported_as_such(cli, tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text('{"id": "a", "text": "cut short here\n', encoding="utf-8")
    result = cli("run", dump, "--rejects", tmp_path / "rejects.jsonl")
    (reject,) = read_jsonl(tmp_path / "rejects.jsonl")
    assert reject["reason"] == "bad_json" and reject["detail"].startswith("Unterminated string"), reject
    assert "control character" not in result.stderr


def test_review_message_names_the_audit(cli, golden_run, tmp_path):
    _, _, out, explain = golden_run
    result = cli("review", GOLDEN / "input", "--explain", explain, "--results", out, "-o", tmp_path / "r.html")
    assert result.exit_code == 0
    assert f"review of the audit {explain} written to" in result.stderr


def test_csv_is_read_as_a_table_with_a_text_column(cli, tmp_path):
    table = tmp_path / "news.csv"
    table.write_text('id,text,url\n7,"' + STORY + '\nAdvertisement",https://x.test/a\n'
                     '8,"Rain returns to the north this weekend, forecasters said.",https://x.test/b\n',
                     encoding="utf-8")
    result = cli("run", table)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["7", "8"]
    assert records[0]["body"] == STORY and records[0]["metadata"]["url"] == "https://x.test/a"
    tsv = tmp_path / "news.tsv"
    tsv.write_text("id\tcontent\n1\t" + STORY + "\n", encoding="utf-8")
    named = cli("run", tsv, "--text-field", "content")
    assert json.loads(named.stdout)["body"] == STORY


def test_csv_without_a_text_column_is_rejected_naming_its_columns(cli, tmp_path):
    table = tmp_path / "news.csv"
    table.write_text("id,content\n1,hello\n", encoding="utf-8")
    result = cli("run", table, "--rejects", tmp_path / "rejects.jsonl")
    assert result.exit_code == 1
    (reject,) = read_jsonl(tmp_path / "rejects.jsonl")
    assert reject["reason"] == "missing_text" and "columns: id, content" in reject["detail"]
    assert "--text-field" in reject["detail"]


def test_stream_writes_the_first_record_before_the_input_ends(tmp_path):
    # A whole run must read everything first (it keeps the longest copy in the run);
    # --stream answers each record while the producer is still writing.
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "cleaner", "run", "-", "--stream", "-q", "-w", "1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()))
    reader.start()
    proc.stdin.write((json.dumps({"id": "first", "text": STORY}) + "\n").encode())
    proc.stdin.flush()
    # A deadlock guard, not a speed claim: without streaming this line never comes
    # while stdin stays open.
    reader.join(timeout=120)
    try:
        assert first and json.loads(first[0])["id"] == "first", first if first else proc.stderr.read1().decode()
        proc.stdin.write((json.dumps({"id": "second", "text": STORY + "\nShare"}) + "\n").encode())
        proc.stdin.close()
        rest = proc.stdout.read().decode().splitlines()
        assert proc.wait(timeout=120) == 0
    finally:
        proc.kill()
        reader.join()
    (second,) = [json.loads(line) for line in rest]
    assert second["duplicate_of"] == "first" and second["body"] == ""


def test_stream_output_matches_keep_first_dedup_on_golden(cli, tmp_path):
    out = tmp_path / "stream.jsonl"
    result = cli("run", GOLDEN / "input", "--stream", "-o", out)
    assert result.exit_code == 0
    records = read_jsonl(out)
    assert [r["id"] for r in records] == [r["id"] for r in read_jsonl(GOLDEN / "expected" / "output.jsonl")]
    meta = json.loads((tmp_path / "stream.jsonl.run.json").read_text())
    assert meta["balanced"] and meta["counts"]["records_read"] == 5
    assert not (tmp_path / "stream.jsonl.cleaner-work").exists()


def test_stream_refuses_resume(cli, tmp_path):
    result = cli("run", GOLDEN / "input", "--stream", "--resume", "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 2 and "--stream" in result.output


def test_readme_sample_summary_is_what_a_run_prints(cli):
    # The README's summary block is a real run's, first run included: its count lines
    # are what the golden run prints now, and it says what the first run costs.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\n((?:    records read .*\n)(?:    .*\n)+)", readme)
    assert block is not None, "no sample summary in the README"
    sample = [line.strip() for line in block.group(1).splitlines()]
    printed = cli("run", GOLDEN / "input", "-o", "-").stderr.splitlines()
    for expected, got in zip(sample, printed):
        if not expected.startswith("time "):
            assert expected == got
    assert "first run" in readme and "cleaner/numba" in readme


def test_the_installed_console_script_works_from_outside_the_checkout(tmp_path):
    # After the README's two commands in one venv (pip install ., a run, then pip install -e),
    # a stale site-packages/cleaner folder once shadowed the checkout; .ci/run runs this then.
    script = Path(sys.executable).parent / "cleaner"
    if not script.exists():
        pytest.skip(f"no cleaner console script beside {sys.executable}: cleaner is not installed in this venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([sys.executable, "-c", "import cleaner; print(cleaner.__file__, cleaner.__version__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.returncode == 0 and where.stdout.split()[0] != "None", where.stderr
    subprocess.run([str(script), "run", str(GOLDEN / "input"), "-o", "out.jsonl", "-q"], cwd=tmp_path, env=env,
                   check=True)
    assert (tmp_path / "out.jsonl").read_bytes() == (GOLDEN / "expected" / "output.jsonl").read_bytes()
