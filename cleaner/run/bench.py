"""``cleaner bench``: time a real run on the user's own archive, in a child process.

Each run is a separate ``cleaner run`` process, so its peak memory is its own
(``getrusage`` of the children, read by a small probe process) and nothing it
loads is shared with the next one. The output goes to a temporary folder; the
run's counts come from the ``.run.json`` it writes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

_PROBE = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "sys.stderr.write(p.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n"
)


def measure_run(inputs: list[str], workers: int, extra: list[str] | None = None) -> dict:
    """One ``cleaner run`` over ``inputs``: seconds, peak RSS, and the run's counts."""
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as tmp:
        out = os.path.join(tmp, "out.jsonl")
        cmd = [sys.executable, "-m", "cleaner", "run", *inputs, "-o", out, "-q", "--workers", str(workers),
               "--checkpoint-seconds", "1e9", *(extra or [])]
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _PROBE, *cmd], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        try:
            peak_kb, code = (int(x) for x in proc.stdout.split()[-2:])
        except ValueError:
            raise RuntimeError(f"cleaner run failed: {proc.stderr[-2000:]}") from None
        if code not in (0, 1):
            raise RuntimeError(f"cleaner run exited {code}: {proc.stderr[-2000:]}")
        with open(out + ".run.json", encoding="utf-8") as fh:
            meta = json.load(fh)
    counts = meta["counts"]
    mb = counts["bytes_in"] / 1e6
    return {
        "workers": workers, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024, 1),
        "documents": counts["written"] + counts["duplicate_documents"], "mb": round(mb, 1),
        "docs_per_s": round((counts["written"] + counts["duplicate_documents"]) / seconds, 1),
        "mb_per_s": round(mb / seconds, 2), "phases": counts.get("phases", {}),
        "duplicate_documents": counts["duplicate_documents"], "duplicate_passages": counts["duplicate_passages"],
        "passages": counts["passages"], "index_bytes_per_passage": counts.get("index_bytes_per_passage"),
        "index_bytes": counts.get("index_bytes"),
    }


def median_run(inputs: list[str], workers: int, repeats: int) -> dict:
    runs = [measure_run(inputs, workers) for _ in range(repeats)]
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    best = dict(best)
    best["runs_seconds"] = [r["seconds"] for r in runs]
    best["median_peak_rss_mb"] = statistics.median(r["peak_rss_mb"] for r in runs)
    return best
