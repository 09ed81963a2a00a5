"""What the line model costs end to end: `cleaner run` with it and without it, interleaved, in one run.

Run: python -m benchmarks.strip_speed [--docs 25000] [--repeats 3] [--workers 2] [--baseline PATH]
Writes benchmarks/results/strip_speed.json and .md (the README quotes the table).

The archive is benchmarks/archive.py's (real-text prose, aggregator furniture, planted
copies). "rules only" is `--strip-threshold 1`, the strip stage before the line model;
``--baseline PATH`` adds a third side, another checkout of cleaner run with
PYTHONPATH=PATH (the code before the line model: ``git worktree add PATH 38c1544``).
The runs alternate so that a busy machine slows every side alike, and the ratios of
the medians are the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.archive import build
from cleaner.run.bench import measure_run

RESULTS = Path(__file__).parent / "results"
SIDES = {"line model (0.5)": [], "rules only (1)": ["--strip-threshold", "1"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=25000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", help="another checkout of cleaner to run as a third side")
    args = ap.parse_args(argv)
    sides = dict(SIDES)
    if args.baseline:
        sides[BASELINE] = []
    with tempfile.TemporaryDirectory(prefix="cleaner-strip-speed-") as tmp:
        archive = Path(tmp) / "archive.jsonl"
        build(args.docs, archive)
        runs: dict[str, list[dict]] = {side: [] for side in sides}
        for _ in range(args.repeats):
            for side, extra in sides.items():
                runs[side].append(_measure(archive, args, side, extra))
    rows = {}
    for side, rs in runs.items():
        rows[side] = {"seconds_median": statistics.median(r["seconds"] for r in rs),
                      "seconds": [r["seconds"] for r in rs],
                      "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in rs),
                      "mb": rs[0]["mb"], "documents": rs[0]["documents"]}
    model, rules = (rows[s]["seconds_median"] for s in SIDES)
    result = {"docs": args.docs, "workers": args.workers, "repeats": args.repeats, "sides": rows,
              "time_ratio_model_vs_rules": round(model / rules, 2)}
    if args.baseline:
        result["baseline"] = args.baseline
        result["time_ratio_model_vs_baseline"] = round(model / rows[BASELINE]["seconds_median"], 2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "strip_speed.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [f"# The line model's cost end to end ({args.docs} documents, {rows['rules only (1)']['mb']} MB, "
             f"{args.workers} workers, median of {args.repeats}, interleaved)", "",
             "| side | seconds (median) | runs | MB/s | peak RSS MB |", "|---|---|---|---|---|"]
    for side, r in rows.items():
        lines.append(f"| {side} | {r['seconds_median']} | {r['seconds']} | {round(r['mb'] / r['seconds_median'], 2)} "
                     f"| {r['peak_rss_mb_median']} |")
    lines += ["", f"time with the line model / rules only: {result['time_ratio_model_vs_rules']}x"]
    if args.baseline:
        lines.append(f"time with the line model / {BASELINE}: {result['time_ratio_model_vs_baseline']}x")
    (RESULTS / "strip_speed.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


BASELINE = "before the line model (--baseline)"


def _measure(archive: Path, args: argparse.Namespace, side: str, extra: list[str]) -> dict:
    if side != BASELINE:
        return measure_run([str(archive)], args.workers, extra)
    saved, cwd = os.environ.get("PYTHONPATH"), os.getcwd()
    os.environ["PYTHONPATH"] = os.path.abspath(args.baseline)
    # ``python -m`` puts the working folder first on sys.path: run from the other checkout, or
    # this one's cleaner is what runs.
    os.chdir(args.baseline)
    try:
        return measure_run([str(archive)], args.workers, extra)
    finally:
        os.chdir(cwd)
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


if __name__ == "__main__":
    sys.exit(main())
