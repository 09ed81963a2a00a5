"""Processes forked for the second pass: order, failures, early stops, and the parent's files left alone."""

from __future__ import annotations

import os

import pytest

from cleaner.run.engines.forked import ForkedWorkerError, forked_stream


def test_results_come_in_order_whichever_child_made_them():
    # State built before the fork is what the children read (copy-on-write), nothing is sent to them.
    table = {k: f"value {k}" * (k % 7) for k in range(500)}
    made = list(forked_stream(lambda k: (table[k], os.getpid()), 500, 3))
    assert [value for value, _ in made] == [table[k] for k in range(500)]
    makers = [pid for _, pid in made]
    assert os.getpid() not in makers
    assert makers[:3] == makers[3:6] and len(set(makers)) == 3  # part k by child k % 3


def test_more_processes_than_parts_and_no_parts():
    assert list(forked_stream(lambda k: k, 2, 4)) == [0, 1]
    assert list(forked_stream(lambda k: k, 0, 2)) == []
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
        list(forked_stream(lambda k: k, 3, 0))


def test_a_failing_child_raises_its_exception_with_its_traceback_and_leaves_no_process():
    def make(k: int) -> int:
        if k == 5:
            raise KeyError("part five")
        return os.getpid()

    stream = forked_stream(make, 10, 2)
    pids = {next(stream), next(stream)}
    with pytest.raises(KeyError, match="part five") as caught:  # the type one process would raise
        list(stream)
    assert isinstance(caught.value.__cause__, ForkedWorkerError)
    assert "in make" in str(caught.value.__cause__)  # the child's traceback
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_an_exception_that_cannot_be_pickled_comes_as_its_traceback():
    class Local(Exception):  # a class pickle cannot find by name
        pass

    def make(k: int) -> int:
        raise Local("not by name")

    with pytest.raises(ForkedWorkerError, match=r"(?s)failed:.*Local: not by name"):
        list(forked_stream(make, 2, 2))


def test_a_child_that_dies_is_named_with_its_exit_status():
    def make(k: int) -> int:
        if k == 3:
            os._exit(7)
        return k

    with pytest.raises(ForkedWorkerError, match="exit status 7"):
        list(forked_stream(make, 6, 2))


def test_closing_early_stops_the_children():
    stream = forked_stream(lambda k: os.getpid(), 10_000, 2)
    pids = {next(stream), next(stream)}
    stream.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped, not left running or as a zombie


def test_children_never_flush_the_parents_buffers(tmp_path):
    path = tmp_path / "out.txt"
    with open(path, "w", encoding="utf-8") as out:
        out.write("written once\n")  # still in the parent's buffer at the fork
        assert list(forked_stream(lambda k: k, 4, 2)) == [0, 1, 2, 3]
        with pytest.raises(ZeroDivisionError):
            list(forked_stream(lambda k: 1 // 0, 2, 2))
    assert path.read_text(encoding="utf-8") == "written once\n"


def test_the_worker_pools_pipes_hold_a_chunk_of_results():
    import fcntl
    from pathlib import Path

    from cleaner.run.engines.pipes import PIPE_BYTES
    from cleaner.run.engines.pool import WorkerPool

    limit = Path("/proc/sys/fs/pipe-max-size")
    if not limit.exists() or int(limit.read_text()) < PIPE_BYTES:
        pytest.skip("this kernel does not let a process widen a pipe to 1 MiB")
    with WorkerPool(2, dict, ()) as pool:
        # The pool's pipes are private to multiprocessing: this fails if a Python release renames them.
        for conn in (pool._pool._outqueue._reader, pool._pool._inqueue._reader):
            assert fcntl.fcntl(conn.fileno(), fcntl.F_GETPIPE_SZ) >= PIPE_BYTES


def test_encoded_results_are_the_results_whatever_the_number_of_workers(tmp_path):
    import json

    from benchmarks.archive import build
    from cleaner import Cleaner, Encoded
    archive = tmp_path / "archive.jsonl"
    build(300, archive)  # several assembly chunks of 64 documents, planted copies among them
    records = [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines()]

    def encode(result) -> str:
        return json.dumps({**result.to_json(), "removals": [r.to_json() for r in result.removals]})

    plain = [encode(r) for r in Cleaner(workers=1).run(records)]
    for workers in (1, 2, 3):
        cleaner = Cleaner(workers=workers)
        items = list(cleaner.run(records, encode=encode))
        assert all(isinstance(item, Encoded) for item in items)
        assert [item.output for item in items] == plain
        assert [item.id for item in items] == [str(r["id"]) for r in records]
        assert cleaner.stats.balanced() and cleaner.stats.duplicate_documents > 0
