"""Fuzzing: arbitrary unicode, control characters, broken bytes, huge and empty inputs.

No exception escapes except the documented reject path, and nothing of the
input is lost: every record is written, marked duplicate, rejected or skipped.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import re

import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import Cleaner
from cleaner.document import Document, Reject, Skipped
from cleaner.io.readers import read_inputs
from cleaner.strip.rules import match_line
from cleaner.strip.segment import segment, split_lines
from cleaner.strip.stage import strip_document
from cleaner.strip.text import word_count

CATEGORIES = {"ad_slot", "share_widget", "related_counter", "related_header", "poll", "cache_banner", "photo_credit",
              "footer", "cta", "reader_question", "newsletter", "curation_header", "timestamp", "navigation",
              "media_widget"}

any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
odd_text = st.one_of(
    any_text,
    st.sampled_from(["", "\n" * 500, "\r\n\r", " " * 1000, "\x00\x01\x02", "\u2028\u2029\x0b\x0c\x1c",
                     "a" * 50_000, "word " * 20_000, "\ufeffBOM first", "Advertisement\n" * 200]),
    st.lists(st.sampled_from(["Share", "3 Sources", "Related:", "Reader Poll", "[1]", "© 2024 X", "Read more: A B C D",
                              "Quel est votre avis ?", "2024-01-05 Title Here Now", "\u200b", "\t\t", "…", '"']),
             max_size=30).map("\n".join),
)


@given(odd_text)
def test_segmenter_keeps_every_line(text):
    lines = split_lines(text)
    for b in segment(text):
        assert 1 <= b.line <= len(lines)
        assert b.text == lines[b.line - 1].strip() and b.text


@given(odd_text)
def test_line_rules_never_raise(text):
    m = match_line(text, word_count(text))
    assert m is None or (m[0] in CATEGORIES and isinstance(m[1], str))


@given(odd_text)
def test_strip_keeps_pieces_of_each_line(text):
    st_ = strip_document(text)
    for b in st_.blocks:
        kept = re.sub(r"\s+", "", b.kept_text())
        it = iter(re.sub(r"\s+", "", b.text))
        assert all(ch in it for ch in kept)


def _gz(b):
    return gzip.compress(b, mtime=0)


payload = st.one_of(
    st.binary(max_size=600),
    any_text.map(lambda t: t.encode("utf-8")),
    st.lists(st.one_of(st.dictionaries(st.sampled_from(["id", "text", "html", "x"]),
                                       st.one_of(any_text, st.integers(), st.none(), st.lists(st.integers())),
                                       max_size=4).map(json.dumps),
                       any_text), max_size=8).map(lambda lines: "\n".join(lines).encode("utf-8")),
)
packing = st.sampled_from(["plain", "gzip", "bz2", "zstd", "gzip_cut", "zstd_cut"])
suffix = st.sampled_from([".txt", ".jsonl", ".jsonl.gz", ".html", ".warc", ".warc.gz", ".parquet", ".jsonl.zst",
                          ".txt.bz2"])


def _pack(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return _gz(data)
    if how == "bz2":
        return bz2.compress(data)
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    if how == "gzip_cut":
        packed = _gz(data)
        return packed[: max(1, len(packed) // 2)]
    if how == "zstd_cut":
        packed = zstandard.ZstdCompressor().compress(data)
        return packed[: max(1, len(packed) // 2)]
    return data


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(st.tuples(payload, packing, suffix), min_size=1, max_size=4))
def test_readers_and_run_on_broken_files(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("fuzz")
    for i, (data, how, ext) in enumerate(files):
        (folder / f"f{i}{ext}").write_bytes(_pack(data, how))
    records = list(read_inputs([str(folder)]))
    assert all(isinstance(r, (Document, Reject, Skipped)) for r in records)
    for r in records:
        if isinstance(r, Reject):
            assert r.reason and r.source.startswith(str(folder))
    cleaner = Cleaner()
    out = list(cleaner.run(records))
    stats = cleaner.stats
    assert stats.balanced()
    assert stats.records_read == len(records)
    assert len(out) == stats.written + stats.duplicate_documents + stats.rejected


_SUMMARY_RE = re.compile(r"records read (\d+): written (\d+) \(with a body of their own (\d+), duplicate documents "
                         r"with an empty body (\d+)\), rejected (\d+)(?:, skipped (\d+))?")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=payload, how=packing)
def test_cli_on_arbitrary_stdin(cli, data, how):
    result = cli("run", "-", input=_pack(data, how))
    assert result.exit_code in (0, 1), result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    read, lines_out, written, dups, rejected, skipped = (int(x or 0) for x in _SUMMARY_RE.search(result.stderr).groups())
    assert read == written + dups + rejected + skipped
    assert len(lines) == lines_out == written + dups
    assert (result.exit_code == 1) == (rejected > 0)


@given(st.lists(odd_text, min_size=1, max_size=5))
def test_pipeline_on_odd_documents(texts):
    cleaner = Cleaner()
    out = list(cleaner.run([Document(id=f"d{i}", text=t) for i, t in enumerate(texts)]))
    assert cleaner.stats.balanced() and len(out) == len(texts)
    for r in out:
        json.dumps(r.to_json(), ensure_ascii=False)
        assert io.StringIO(r.body) is not None
