"""Is mojibake repair worth it? ftfy.fix_encoding on clean text and on mojibake of the same text.

Run: python benchmarks/mojibake.py
Writes benchmarks/results/mojibake.json. Clean text is the fundus80 ground truth;
mojibake is each non-ASCII paragraph's UTF-8 bytes read as windows-1252 and as
latin-1, the two ways pages get garbled in practice.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner.io.decoding import repair_mojibake

DATA = Path(__file__).parent / "data" / "fundus80" / "ground_truth.json"


def main() -> None:
    truth = json.loads(DATA.read_text(encoding="utf-8"))
    clean = [p for name in sorted(truth) for p in truth[name]["body"]]
    started = time.perf_counter()
    changed = sum(repair_mojibake(p) != p for p in clean)
    seconds = time.perf_counter() - started
    out = {"clean_paragraphs": len(clean), "clean_changed": changed, "seconds_on_clean": round(seconds, 3)}
    for enc in ("cp1252", "latin-1"):
        garbled = []
        for p in clean:
            try:
                g = p.encode("utf-8").decode(enc)
            except UnicodeDecodeError:
                continue
            if g != p:
                garbled.append((p, g))
        out[enc] = {"mojibake": len(garbled), "repaired": sum(repair_mojibake(g) == p for p, g in garbled)}
    (Path(__file__).parent / "results" / "mojibake.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
