"""The five real seed dumps: reviewed expected output, snippets that must survive or go."""

from __future__ import annotations

import difflib
import json

import pytest
from conftest import GOLDEN, read_jsonl

SNIPPETS = json.loads((GOLDEN / "snippets.json").read_text(encoding="utf-8"))


def _readable(records: list[dict]) -> list[str]:
    """One line per paragraph, so a diff points at the paragraph that changed."""
    lines = []
    for r in records:
        lines.append(f"== {r['id']} title={r['title']!r} duplicate_of={r['duplicate_of']!r}")
        lines.extend(f"   | {p}" for p in r["body"].split("\n\n"))
        lines.extend(f"   related: {item['text']}" for item in r["related"])
    return lines


def test_output_matches_reviewed_golden(golden_run):
    actual, _, out, _ = golden_run
    expected = read_jsonl(GOLDEN / "expected" / "output.jsonl")
    if actual != expected:
        diff = "\n".join(difflib.unified_diff(_readable(expected), _readable(actual), "expected", "actual", lineterm=""))
        pytest.fail("golden output changed; review and regenerate (see golden/README.md):\n" + diff)
    assert out.read_bytes() == (GOLDEN / "expected" / "output.jsonl").read_bytes()


def test_audit_matches_reviewed_golden(golden_run):
    _, explain, _, _ = golden_run
    expected = read_jsonl(GOLDEN / "expected" / "explain.jsonl")
    if explain != expected:
        diff = "\n".join(difflib.unified_diff(
            [json.dumps(e, ensure_ascii=False) for e in expected],
            [json.dumps(e, ensure_ascii=False) for e in explain], "expected", "actual", lineterm=""))
        pytest.fail("golden audit changed:\n" + diff)


@pytest.mark.parametrize("doc_id", sorted(SNIPPETS))
def test_snippets(golden_run, doc_id):
    records = {r["id"]: r for r in golden_run[0]}
    r = records[doc_id]
    want = SNIPPETS[doc_id]
    body = "\n" + r["body"].replace("\n\n", "\n") + "\n"
    assert r["title"] == want["title"]
    for s in want["keep"]:
        assert s in body, f"{doc_id}: lost real text: {s!r}"
    for s in want["gone"]:
        assert s not in body, f"{doc_id}: furniture survived: {s!r}"
    related = [item["text"] for item in r["related"]]
    assert len(related) == len(want["related"]), related
    for s in want["related"]:
        assert sum(text.startswith(s) for text in related) == 1, f"{doc_id}: related item not there once: {s!r}"
        assert not any(ch.isdigit() and "Sources" in text for text in related for ch in text[-12:])
