"""Speed, memory and dedup quality of cleaner at archive scale, next to its peers, in one run.

Run: python benchmarks/bench.py [--docs 100000] [--repeats 3] [--scale-docs 25000]
Writes benchmarks/results/bench.json and bench.md (the README quotes the table).

1. Builds the archive (benchmarks/archive.py: bigram prose from real text,
   aggregator furniture, planted copies with their truth).
2. Signatures: on the same passages, word 5-grams and 128 permutations, the
   passages/s of datasketch with one update() per shingle, datasketch
   MinHash.bulk (its default sha1 hash, and cleaner's hash function), rensa if
   it is installed, and cleaner's bulk path (tokens to signatures).
3. Index memory per passage: datasketch MinHashLSH (tracemalloc) against
   cleaner's index, as the run reports it.
4. End-to-end `cleaner run` with 1 and 2 workers (median of --repeats), peak
   RSS, and dedup precision/recall against the planted copies.
5. Scaling: time and peak memory at 1x, 2x and 4x --scale-docs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.archive import build
from cleaner.dedup import kernels
from cleaner.dedup.minhash import permutations, shingle_hash32, shingles
from cleaner.run.bench import measure_run, median_run
from cleaner.strip.text import tokens

RESULTS = Path(__file__).parent / "results"
NUM_PERM, SHINGLE = 128, 5


def sample_passages(archive: Path, n: int) -> list[list[str]]:
    out = []
    with open(archive, encoding="utf-8") as fh:
        for line in fh:
            for para in json.loads(line)["text"].split("\n\n"):
                toks = tokens(para)
                if len(toks) >= 10:
                    out.append(toks)
                    if len(out) >= n:
                        return out
    return out


def _rate(fn, n: int, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return n / statistics.median(times)


def signature_peers(passages: list[list[str]]) -> dict:
    from datasketch import MinHash

    shingled = [shingles(t, SHINGLE) for t in passages]  # the peers' input: the same shingles, as bytes
    n = len(passages)
    out = {"passages": n}

    def update_each():
        for items in shingled:
            m = MinHash(num_perm=NUM_PERM, seed=1)
            for s in items:
                m.update(s)

    small = shingled[: max(1, n // 10)]  # one update() per shingle is slow: a tenth of the sample
    started = time.perf_counter()
    for items in small:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        for s in items:
            m.update(s)
    out["datasketch_update"] = round(len(small) / (time.perf_counter() - started), 1)
    out["datasketch_bulk_sha1"] = round(_rate(lambda: MinHash.bulk(shingled, num_perm=NUM_PERM, seed=1), n), 1)
    out["datasketch_bulk_same_hash"] = round(_rate(
        lambda: MinHash.bulk(shingled, num_perm=NUM_PERM, seed=1, hashfunc=shingle_hash32), n), 1)
    try:
        import rensa

        def rensa_all():
            for items in shingled:
                r = rensa.RMinHash(num_perm=NUM_PERM, seed=1)
                r.update([s.decode("utf-8") for s in items])
                r.digest()

        out["rensa"] = round(_rate(rensa_all, n), 1)
    except ImportError:
        out["rensa"] = None
    perms = permutations(NUM_PERM, 1)

    def ours():
        for start in range(0, n, 64):  # about the passages of a few documents, as a run batches them
            batch = passages[start : start + 64]
            tok, offsets = kernels.token_hashes(kernels.encode_passages(batch), len(batch))
            values, voff = kernels.shingle_sets(tok, offsets, SHINGLE)
            kernels.signatures(values, voff, *perms)

    ours()  # compile once, outside the timing

    out["cleaner"] = round(_rate(ours, n), 1)
    out["speedup_vs_bulk_sha1"] = round(out["cleaner"] / out["datasketch_bulk_sha1"], 2)
    out["speedup_vs_bulk_same_hash"] = round(out["cleaner"] / out["datasketch_bulk_same_hash"], 2)
    if out["rensa"]:
        out["speedup_vs_rensa"] = round(out["cleaner"] / out["rensa"], 2)
    return out


def lsh_memory(passages: list[list[str]]) -> dict:
    from datasketch import MinHash, MinHashLSH

    shingled = [shingles(t, SHINGLE) for t in passages]
    sigs = MinHash.bulk(shingled, num_perm=NUM_PERM, seed=1)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    lsh = MinHashLSH(threshold=0.5, num_perm=NUM_PERM)
    for i, m in enumerate(sigs):
        lsh.insert(i, m)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {"datasketch_minhashlsh_bytes_per_passage": round(used / len(sigs), 1)}


def dedup_quality(archive: Path, truth: dict, workers: int) -> dict:
    """Passage-level dedup quality against the planted copies, from the run's audit.

    A copy's paragraph is found when it and its counterpart are linked: one was
    removed as a near-duplicate pointing into the copy's cluster (its original
    and the original's other copies). Which of the two is kept depends on which
    is more complete, so a lightly edited copy may be the one kept. A removal
    pointing outside its cluster is a false positive.
    """
    import subprocess
    from collections import defaultdict

    copies = truth["copies"]

    def cluster(doc_id: str) -> str:
        return copies[doc_id]["copy_of"] if doc_id in copies else doc_id

    with tempfile.TemporaryDirectory() as tmp:
        out, explain = Path(tmp) / "out.jsonl", Path(tmp) / "explain.jsonl"
        subprocess.run([sys.executable, "-m", "cleaner", "run", str(archive), "-o", str(out), "-q",
                        "--explain", str(explain), "--workers", str(workers), "--checkpoint-seconds", "1e9"],
                       check=False)
        linked = defaultdict(set)  # doc -> its lines linked to a counterpart in its cluster
        right = wrong = 0
        with open(explain, encoding="utf-8") as fh:
            for line in fh:
                e = json.loads(line)
                if e["reason"] != "near_duplicate" or e["rule"] in ("title_repeat", "in_document", "whole_document"):
                    continue
                if cluster(e["kept_id"]) == cluster(e["id"]) and e["kept_id"] != e["id"]:
                    right += 1
                    linked[e["id"]].add(e["line"])
                    linked[e["kept_id"]].add(e["kept_line"])
                elif e["kept_id"] != e["id"]:
                    wrong += 1
    expected = {k: 0 for k in ("all", "light")}
    found = {k: 0 for k in ("all", "light")}
    with open(archive, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            c = copies.get(r["id"])
            if c is None:
                continue
            # Paragraphs only: the first line is the title, kept as the title of every copy.
            lines = [n for n, text in enumerate(r["text"].split("\n"), start=1) if n > 1 and len(text.split()) >= 10]
            hit = sum(1 for n in lines if n in linked[r["id"]])
            kinds = ("all", "light") if c["edit"] in ("light_edit", "syndicated", "boilerplate") else ("all",)
            for k in kinds:
                expected[k] += len(lines)
                found[k] += hit
    return {
        "planted_copies": len(copies), "linked_removals": right, "removals_outside_cluster": wrong,
        "precision": round(right / max(1, right + wrong), 4),
        "recall_all_copies": round(found["all"] / max(1, expected["all"]), 4),
        "recall_at_most_6pct_changed": round(found["light"] / max(1, expected["light"]), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale-docs", type=int, default=25_000)
    parser.add_argument("--sample", type=int, default=20_000, help="passages for the signature comparison")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "cleaner-bench")
    parser.add_argument("--only-scale", action="store_true",
                        help="measure the scaling again and update that part of the last results")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.only_scale:
        results = json.loads((RESULTS / "bench.json").read_text(encoding="utf-8"))
        results["scaling"] = scaling(args.workdir, args.scale_docs)
        write(results)
        return
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}

    archive = args.workdir / f"archive-{args.docs}.jsonl"
    meta = build(args.docs, archive)
    results["archive"] = {"documents": meta["documents"], "mb": round(meta["text_bytes"] / 1e6, 1),
                          "planted_copies": len(meta["copies"])}
    print("archive", results["archive"], flush=True)

    passages = sample_passages(archive, args.sample)
    results["signatures_passages_per_s"] = signature_peers(passages)
    print("signatures", results["signatures_passages_per_s"], flush=True)
    results["index_memory"] = lsh_memory(passages[:10_000])

    runs = {w: median_run([str(archive)], w, args.repeats) for w in (1, 2)}
    results["run"] = {f"workers_{w}": r for w, r in runs.items()}
    results["run"]["speedup_2_vs_1"] = round(runs[1]["seconds"] / runs[2]["seconds"], 2)
    results["index_memory"]["cleaner_bytes_per_passage"] = runs[2]["index_bytes_per_passage"]
    print("run", results["run"], flush=True)

    results["dedup"] = dedup_quality(archive, meta, 2)
    print("dedup", results["dedup"], flush=True)

    results["scaling"] = scaling(args.workdir, args.scale_docs)
    write(results)


def scaling(workdir: Path, scale_docs: int) -> dict:
    scale = {}
    for factor in (1, 2, 4):
        path = workdir / f"archive-scale-{factor}.jsonl"
        if not path.exists():  # the archives are deterministic: one built before is the same
            build(scale_docs * factor, path)
        scale[f"{factor}x"] = measure_run([str(path)], 2)
        print("scale", factor, scale[f"{factor}x"]["seconds"], scale[f"{factor}x"]["peak_rss_mb"], flush=True)
    base = scale["1x"]
    scale["time_4x_over_1x"] = round(scale["4x"]["seconds"] / base["seconds"], 2)
    scale["rss_4x_over_1x"] = round(scale["4x"]["peak_rss_mb"] / base["peak_rss_mb"], 2)
    # The memory target: peak at 4x below twice the peak at 1x plus what the index grew by.
    growth_mb = (scale["4x"]["index_bytes"] - base["index_bytes"]) / 2**20
    scale["rss_bound_4x_mb"] = round(2 * base["peak_rss_mb"] + growth_mb, 1)
    scale["rss_within_bound"] = scale["4x"]["peak_rss_mb"] < scale["rss_bound_4x_mb"]
    return scale


def write(results: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "bench.md").write_text(render(results), encoding="utf-8")
    print(render(results))


def render(r: dict) -> str:
    s, run, idx, d, sc = r["signatures_passages_per_s"], r["run"], r["index_memory"], r["dedup"], r["scaling"]
    rows = [
        f"Archive: {r['archive']['documents']:,} documents, {r['archive']['mb']} MB of text, "
        f"{r['archive']['planted_copies']:,} planted copies; {r['machine']['cpus']} cores.",
        "",
        "| signatures (word 5-grams, 128 permutations) | passages/s | cleaner is |",
        "|---|---|---|",
        f"| datasketch, update() per shingle | {s['datasketch_update']:,} | {s['cleaner'] / s['datasketch_update']:.1f}x faster |",
        f"| datasketch MinHash.bulk (sha1) | {s['datasketch_bulk_sha1']:,} | {s['speedup_vs_bulk_sha1']}x faster |",
        f"| datasketch MinHash.bulk (cleaner's hash) | {s['datasketch_bulk_same_hash']:,} | {s['speedup_vs_bulk_same_hash']}x faster |",
    ]
    if s.get("rensa"):
        rows.append(f"| rensa RMinHash | {s['rensa']:,} | {s['speedup_vs_rensa']}x faster |")
    rows += [
        f"| cleaner (tokens to signatures, bulk) | {s['cleaner']:,} | |",
        "",
        "| index memory | bytes per passage |", "|---|---|",
        f"| datasketch MinHashLSH | {idx['datasketch_minhashlsh_bytes_per_passage']:,} |",
        f"| cleaner | {idx['cleaner_bytes_per_passage']} |",
        "",
        "| `cleaner run` (median of runs) | seconds | docs/s | MB/s | peak RSS MB |", "|---|---|---|---|---|",
    ]
    for w in (1, 2):
        x = run[f"workers_{w}"]
        rows.append(f"| {w} worker{'s' if w > 1 else ''} | {x['seconds']} | {x['docs_per_s']:,} | {x['mb_per_s']} | {x['peak_rss_mb']} |")
    rows += [
        f"| 2 workers vs 1 | {run['speedup_2_vs_1']}x | | | |",
        "",
        f"Dedup of the planted copies' paragraphs: precision {d['precision']}, recall {d['recall_all_copies']} "
        f"(all copies), {d['recall_at_most_6pct_changed']} (copies with at most 6% of words changed).",
        "",
        "| scale (2 workers) | documents | seconds | peak RSS MB |", "|---|---|---|---|",
    ]
    for k in ("1x", "2x", "4x"):
        rows.append(f"| {k} | {sc[k]['documents']:,} | {sc[k]['seconds']} | {sc[k]['peak_rss_mb']} |")
    rows.append(f"| 4x / 1x | | {sc['time_4x_over_1x']} | {sc['rss_4x_over_1x']} |")
    if "rss_bound_4x_mb" in sc:
        rows.append(f"| bound at 4x: 2 x the 1x peak + the index's growth | | | {sc['rss_bound_4x_mb']} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
