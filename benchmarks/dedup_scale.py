"""Cost of a run as the archive grows, on an archive with real overlap and on the bigram one.

Run: python benchmarks/dedup_scale.py [--docs 5000] [--workers 2] [--baseline PATH]
Writes benchmarks/results/dedup_scale.json and dedup_scale.md (the README quotes them).

Archives: benchmarks/news_archive.py (real sentences shared across stories,
syndication from once to hundreds of times) and benchmarks/archive.py (bigram
prose, 10% planted copies), each at --docs and 4x --docs documents. Each run is
``cleaner run -w WORKERS`` in a child process (``cleaner.run.bench.measure_run``):
seconds, MB/s, peak RSS, and the dedup phase's share. ``--baseline PATH`` runs
another checkout of cleaner (PYTHONPATH=PATH) on the same archives, side by side.

With an index across runs (SQLite): the 4x news archive is cut in two halves; the
first half is run into a fresh index, then the second half with that index and
without one, --index-repeats times (3) interleaved, each run with index on a fresh
copy of the first half's index: the ratio of the two median times (one run each
moved by up to 20% on a busy 2-core machine), and the index's bytes per passage.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import archive, news_archive
from cleaner.run.bench import measure_run

RESULTS = Path(__file__).parent / "results"


def _run(path: Path, workers: int, code: str | None, extra: list[str] | None = None) -> dict:
    saved, cwd = os.environ.get("PYTHONPATH"), os.getcwd()
    if code:
        # ``python -m`` puts the working folder first on sys.path: run from the other checkout.
        os.environ["PYTHONPATH"] = code
        os.chdir(code)
    try:
        r = measure_run([str(path)], workers, extra)
    finally:
        os.chdir(cwd)
        if code and saved is None:
            os.environ.pop("PYTHONPATH", None)
        elif code:
            os.environ["PYTHONPATH"] = saved
    dedup = r["phases"].get("dedup", 0.0)
    return {k: r[k] for k in ("documents", "mb", "seconds", "mb_per_s", "peak_rss_mb", "duplicate_documents",
                              "duplicate_passages", "index_bytes_per_passage")} | {
        "dedup_seconds": round(dedup, 2), "dedup_share": round(dedup / r["seconds"], 3)}


def _scale(small: dict, big: dict) -> dict:
    return {"time_4x": round(big["seconds"] / small["seconds"], 2),
            "memory_4x": round(big["peak_rss_mb"] / small["peak_rss_mb"], 2)}


def _index_runs(path: Path, workers: int, code: str | None, tmp: Path, repeats: int) -> dict:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = tmp / "first.jsonl", tmp / "second.jsonl"
    first.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    second.write_text("".join(lines[len(lines) // 2 :]), encoding="utf-8")
    index, copy = tmp / "index.sqlite", tmp / "index-copy.sqlite"
    for stale in (index, copy):
        for suffix in ("", "-wal", "-shm"):
            Path(str(stale) + suffix).unlink(missing_ok=True)
    _run(first, workers, code, ["--index", str(index)])
    with sqlite3.connect(index) as db:
        passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = index.stat().st_size
    without, with_index = [], []
    for _ in range(repeats):
        without.append(_run(second, workers, code)["seconds"])
        shutil.copyfile(index, copy)  # each run with the index meets the first half's index only
        with_index.append(_run(second, workers, code, ["--index", str(copy)])["seconds"])
    return {"index_passages": passages, "index_bytes_per_passage": round(size / max(passages, 1), 1),
            "second_half_seconds": statistics.median(without),
            "second_half_with_index_seconds": statistics.median(with_index),
            "runs_without": without, "runs_with_index": with_index,
            "index_time_ratio": round(statistics.median(with_index) / statistics.median(without), 2)}


def measure(code: str | None, archives: dict, workers: int, tmp: Path, index_repeats: int = 3) -> dict:
    out = {}
    for name, (small, big) in archives.items():
        runs = {"1x": _run(small, workers, code), "4x": _run(big, workers, code)}
        out[name] = runs | _scale(runs["1x"], runs["4x"])
    out["index"] = _index_runs(archives["news"][1], workers, code, tmp, index_repeats)
    return out


def markdown(result: dict) -> str:
    lines = [f"2 cores; {result['workers']} workers; load average before the runs: {result['load']}.", "",
             "| code | archive | docs | MB | seconds | MB/s | dedup s | dedup share | peak MB | 4x time | 4x memory |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for code, per in result["runs"].items():
        for name in ("news", "bigram"):
            for size in ("1x", "4x"):
                r = per[name][size]
                scale = (per[name]["time_4x"], per[name]["memory_4x"]) if size == "4x" else ("", "")
                lines.append(f"| {code} | {name} | {r['documents']:,} | {r['mb']} | {r['seconds']} | {r['mb_per_s']} | "
                             f"{r['dedup_seconds']} | {r['dedup_share']} | {r['peak_rss_mb']} | {scale[0]} | {scale[1]} |")
    lines += ["", "| code | index passages | index bytes/passage | 2nd half s (median) | with index s (median) | ratio |",
              "|---|---|---|---|---|---|"]
    for code, per in result["runs"].items():
        i = per["index"]
        lines.append(f"| {code} | {i['index_passages']:,} | {i['index_bytes_per_passage']} | {i['second_half_seconds']} | "
                     f"{i['second_half_with_index_seconds']} | {i['index_time_ratio']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", help="another checkout of cleaner to run side by side")
    ap.add_argument("--index-repeats", type=int, default=3)
    ap.add_argument("--baseline-from", help="take the baseline's runs from an earlier results JSON instead")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cleaner-scale-") as tmp_name:
        tmp = Path(tmp_name)
        archives = {}
        for name, build in (("news", news_archive.build), ("bigram", archive.build)):
            pair = (tmp / f"{name}-1x.jsonl", tmp / f"{name}-4x.jsonl")
            build(args.docs, pair[0])
            build(4 * args.docs, pair[1])
            archives[name] = pair
        result = {"workers": args.workers, "docs": args.docs, "load": round(os.getloadavg()[0], 2), "runs": {}}
        result["runs"]["this"] = measure(None, archives, args.workers, tmp, args.index_repeats)
        if args.baseline:
            result["runs"]["baseline"] = measure(args.baseline, archives, args.workers, tmp, args.index_repeats)
        elif args.baseline_from:  # the same seeded archives: an earlier measurement of unchanged code
            earlier = json.loads(Path(args.baseline_from).read_text(encoding="utf-8"))
            result["runs"]["baseline"] = earlier["runs"]["baseline"]
            result["baseline_load"] = earlier["load"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dedup_scale.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "dedup_scale.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
