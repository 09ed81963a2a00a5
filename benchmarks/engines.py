"""The Ray engine and the indexes across runs, next to a plain local run, on one planted archive.

Run: python benchmarks/engines.py [--docs 25000] [--repeats 3] [--workdir /tmp/cleaner-engines]

Measures, on this machine, medians of --repeats runs:
- `cleaner run --engine local` and `--engine ray` (a local Ray cluster of the
  same number of CPUs): seconds and MB/s, and Ray's overhead as a ratio;
- the cost of an index across runs: the archive cut in two halves, the second
  half run without an index and with one holding the first half (SQLite, and
  Redis when redis-server is installed): seconds, and the index's size.
Writes benchmarks/results/engines.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.archive import build
from cleaner.run.bench import measure_run


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def run_cmd(inputs: list[Path], out: Path, workers: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cleaner", "run", *map(str, inputs), "-o", str(out), "-q", "--workers", str(workers),
            "--checkpoint-seconds", "1e9", *extra]


def median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def engines(archive: Path, workers: int, repeats: int) -> dict:
    local = [measure_run([str(archive)], workers) for _ in range(repeats)]
    ray = [measure_run([str(archive)], workers, ["--engine", "ray"]) for _ in range(repeats)]
    mb = local[0]["mb"]
    out = {"workers": workers, "mb": mb,
           "local_seconds": median([r["seconds"] for r in local]), "ray_seconds": median([r["seconds"] for r in ray])}
    out["local_mb_per_s"] = round(mb / out["local_seconds"], 2)
    out["ray_mb_per_s"] = round(mb / out["ray_seconds"], 2)
    out["ray_overhead"] = round(out["ray_seconds"] / out["local_seconds"], 2)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def index_cost(archive: Path, workers: int, repeats: int, work: Path) -> dict:
    lines = archive.read_text(encoding="utf-8").splitlines(keepends=True)
    half_a, half_b = work / "half-a.jsonl", work / "half-b.jsonl"
    half_a.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    half_b.write_text("".join(lines[len(lines) // 2 :]), encoding="utf-8")
    out = work / "out.jsonl"
    result = {"documents_per_half": len(lines) // 2,
              "no_index_seconds": median([timed(run_cmd([half_b], out, workers)) for _ in range(repeats)])}

    def with_index(location_for) -> list[float]:
        seconds = []
        for k in range(repeats):
            location = location_for(k)
            subprocess.run(run_cmd([half_a], out, workers, "--index", location), check=True)
            seconds.append(timed(run_cmd([half_b], out, workers, "--index", location)))
        return seconds

    def fresh_sqlite(k: int) -> str:
        path = work / f"seen-{k}.sqlite"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):  # a run before this one left it
            leftover.unlink(missing_ok=True)
        return str(path)

    sqlite_seconds = with_index(fresh_sqlite)
    stats = json.loads(subprocess.run([sys.executable, "-m", "cleaner", "index", "stats", str(work / "seen-0.sqlite"),
                                       "--json"], check=True, capture_output=True, text=True).stdout)
    result["sqlite"] = {"seconds": median(sqlite_seconds),
                        "overhead": round(median(sqlite_seconds) / result["no_index_seconds"], 2),
                        "passages": stats["passages"], "bytes": stats["size_bytes"],
                        "bytes_per_passage": round(stats["size_bytes"] / max(1, stats["passages"]), 1)}
    server = shutil.which("redis-server")
    if server:
        port = _free_port()
        proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            redis_seconds = with_index(lambda k: f"redis://127.0.0.1:{port}/{k + 1}")
            rstats = json.loads(subprocess.run([sys.executable, "-m", "cleaner", "index", "stats",
                                                f"redis://127.0.0.1:{port}/1", "--json"],
                                               check=True, capture_output=True, text=True).stdout)
        finally:
            proc.terminate()
            proc.wait()
        result["redis"] = {"seconds": median(redis_seconds),
                           "overhead": round(median(redis_seconds) / result["no_index_seconds"], 2),
                           "passages": rstats["passages"]}
    return result


def render(r: dict) -> str:
    e, i = r["engines"], r["index"]
    rows = [
        f"Archive: {r['documents']:,} documents, {e['mb']} MB; {e['workers']} workers; medians of {r['repeats']} runs.",
        "",
        "| engine | seconds | MB/s | vs local |",
        "|---|---|---|---|",
        f"| local | {e['local_seconds']} | {e['local_mb_per_s']} | |",
        f"| ray (local cluster) | {e['ray_seconds']} | {e['ray_mb_per_s']} | {e['ray_overhead']}x the time |",
        "",
        f"| second half ({i['documents_per_half']:,} documents) | seconds | vs no index | index size |",
        "|---|---|---|---|",
        f"| no index | {i['no_index_seconds']} | | |",
        f"| --index seen.sqlite (first half in it) | {i['sqlite']['seconds']} | {i['sqlite']['overhead']}x | "
        f"{i['sqlite']['bytes']:,} bytes, {i['sqlite']['bytes_per_passage']} per passage |",
    ]
    if "redis" in i:
        rows.append(f"| --index redis://… (first half in it) | {i['redis']['seconds']} | {i['redis']['overhead']}x | |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cleaner-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    archive = work / f"archive-{args.docs}.jsonl"
    if not archive.exists():
        build(args.docs, archive)
    results = {"documents": args.docs, "repeats": args.repeats, "cores": os.cpu_count()}
    results["engines"] = engines(archive, args.workers, args.repeats)
    print("engines", results["engines"], flush=True)
    results["index"] = index_cost(archive, args.workers, args.repeats, work)
    print("index", results["index"], flush=True)
    out_dir = ROOT / "benchmarks" / "results"
    (out_dir / "engines.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out_dir / "engines.md").write_text(render(results), encoding="utf-8")
    print(render(results))


if __name__ == "__main__":
    main()
