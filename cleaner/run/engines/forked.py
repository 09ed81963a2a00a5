"""Work fanned out to processes forked once the run's state is built.

When the assembly starts, the dedup decisions are in this process's memory
and the documents in its spool. A child forked then sees all of it by
copy-on-write: no job has to be pickled to tell it what to do, and only its
results cross a pipe. Results come back in the order of the parts, whichever
process made them, so what the caller sees does not depend on the number of
processes.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from .pipes import widen as _widen

_HEADER = struct.Struct("<Q?")  # payload length, and whether the payload is a failure report


class ForkedWorkerError(RuntimeError):
    """A forked child died without its results, or failed: then the exception it raised is
    raised here, with this error (holding the child's traceback) as its cause."""


def forked_stream(make: Callable[[int], Any], parts: int, workers: int) -> Iterator[Any]:
    """``make(k)`` for ``k`` in ``range(parts)``, in that order, made by ``workers`` forked children.

    Part ``k`` is made by child ``k % workers``, which runs at most a pipe's worth
    ahead of the reader: memory stays bounded however many parts there are.
    Closing the iterator early stops the children. Only for state that a fork
    copies: the caller must hold no threads that a child would need.

    >>> list(forked_stream(lambda k: k * k, 5, 2))
    [0, 1, 4, 9, 16]
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    children: list[tuple[int, Any]] = []
    reaped: set[int] = set()
    finished = False
    try:
        # Objects that exist at the fork are the children's to read: frozen, a child's
        # cycle collections never write to them, so their pages stay shared, not copied.
        caller_froze = gc.get_freeze_count() > 0  # then what is frozen stays so: the caller's choice
        gc.freeze()
        try:
            for rank in range(min(workers, parts)):
                children.append(_fork_child(make, range(rank, parts, workers), children))
        finally:
            if not caller_froze:
                gc.unfreeze()
        for k in range(parts):
            pid, pipe = children[k % workers]
            yield _receive(pid, pipe, reaped)
        finished = True
    finally:
        for pid, pipe in children:
            pipe.close()
            if pid in reaped:  # its number may belong to another process by now
                continue
            if not finished:
                _kill(pid)
            os.waitpid(pid, 0)


def _fork_child(make: Callable[[int], Any], parts: range, earlier: list) -> tuple[int, Any]:
    """Fork one child serving ``parts``; return its pid and the pipe its results come through."""
    read_fd, write_fd = os.pipe()
    # ^C between the fork and the child's own handler would unwind the child into
    # the parent's code, and in the parent leave a child nobody stops: held off until both are set.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        try:
            pid = os.fork()
        except BaseException:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its children itself
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                os.close(read_fd)
                for _, pipe in earlier:
                    os.close(pipe.fileno())
                code = _serve(make, parts, write_fd)
            finally:
                # No atexit handlers, no flushing of buffers the parent still owns (its output files).
                os._exit(code)
        os.close(write_fd)
        _widen(read_fd)
        return pid, os.fdopen(read_fd, "rb")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _serve(make: Callable[[int], Any], parts: range, fd: int) -> int:
    """Make and send each part; the exit status for the child."""
    try:
        for k in parts:
            _send(fd, pickle.dumps(make(k), protocol=pickle.HIGHEST_PROTOCOL), failed=False)
        return 0
    except BaseException as exc:
        report = traceback.format_exc()
        try:
            try:  # the exception itself, so that the caller sees the type it would see with one process
                failure = pickle.dumps((exc, report), protocol=pickle.HIGHEST_PROTOCOL)
                pickle.loads(failure)
            except Exception:
                failure = pickle.dumps((None, report), protocol=pickle.HIGHEST_PROTOCOL)
            _send(fd, failure, failed=True)
        except BaseException:
            pass
        return 1


def _send(fd: int, payload: bytes, failed: bool) -> None:
    # Header and payload written apart: joined, a large payload would be copied once more.
    for chunk in (_HEADER.pack(len(payload), failed), payload):
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


def _receive(pid: int, pipe, reaped: set[int]) -> Any:
    header = pipe.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise ForkedWorkerError(f"forked worker {pid} ended without its results ({_status(pid, reaped)})")
    size, failed = _HEADER.unpack(header)
    payload = pipe.read(size)
    if len(payload) < size:
        raise ForkedWorkerError(f"forked worker {pid} ended in the middle of its results ({_status(pid, reaped)})")
    if not failed:
        return pickle.loads(payload)
    exc, report = pickle.loads(payload)
    failure = ForkedWorkerError(f"forked worker {pid} failed:\n{report}")
    if exc is None:
        raise failure
    raise exc from failure


def _status(pid: int, reaped: set[int]) -> str:
    _, status = os.waitpid(pid, 0)
    reaped.add(pid)
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
