"""Work fanned out to processes forked once the run's state is built.

When the second pass starts, the dedup decisions are in this process's memory
and the documents in its spool. A child forked then sees all of it by
copy-on-write: no job has to be pickled to tell it what to do, and only its
results cross a pipe. Results come back in the order of the parts, whichever
process made them, so what the caller sees does not depend on the number of
processes.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import signal
import struct
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from .parallel import PIPE_BYTES

_HEADER = struct.Struct("<Q?")  # payload length, and whether the payload is a failure report


class ForkedWorkerError(RuntimeError):
    """A forked child failed (its traceback is in the message) or died without its results."""


class ForkedMap:
    """``fan_out(make, parts)``: ``[make(k) for k in range(parts)]``, made by ``processes`` forked children.

    >>> ForkedMap(2)(lambda k: -k, 3)
    [0, -1, -2]
    """

    def __init__(self, processes: int):
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.processes = processes

    def __call__(self, make: Callable[[int], Any], parts: int) -> list:
        return list(forked_stream(make, parts, self.processes))


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
    finished = False
    try:
        for rank in range(min(workers, parts)):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: make its parts, send them, and leave without running the parent's exit code
                os.close(read_fd)
                for _, earlier in children:
                    os.close(earlier.fileno())
                _serve(make, range(rank, parts, workers), write_fd)
            os.close(write_fd)
            _widen(read_fd)
            children.append((pid, os.fdopen(read_fd, "rb")))
        for k in range(parts):
            pid, pipe = children[k % workers]
            yield _receive(pid, pipe)
        finished = True
    finally:
        for pid, pipe in children:
            pipe.close()
            if not finished:
                _kill(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:  # reaped already, by _status
                pass


def _serve(make: Callable[[int], Any], parts: range, fd: int) -> None:
    code = 0
    try:
        # The parent's handlers are not the child's: ^C stops the parent, which stops the children.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for k in parts:
            _send(fd, pickle.dumps(make(k), protocol=pickle.HIGHEST_PROTOCOL), failed=False)
    except BaseException:  # noqa: BLE001 - the parent reports it; a child must never unwind into the parent's code
        code = 1
        try:
            _send(fd, traceback.format_exc().encode("utf-8", "replace"), failed=True)
        except BaseException:  # noqa: BLE001
            pass
    finally:
        # No atexit handlers, no flushing of buffers the parent still owns (its output files).
        os._exit(code)


def _send(fd: int, payload: bytes, failed: bool) -> None:
    view = memoryview(_HEADER.pack(len(payload), failed) + payload)
    while view:
        view = view[os.write(fd, view):]


def _receive(pid: int, pipe) -> Any:
    header = pipe.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise ForkedWorkerError(f"forked worker {pid} ended without its results ({_status(pid)})")
    size, failed = _HEADER.unpack(header)
    payload = pipe.read(size)
    if len(payload) < size:
        raise ForkedWorkerError(f"forked worker {pid} ended in the middle of its results ({_status(pid)})")
    if failed:
        raise ForkedWorkerError(f"forked worker {pid} failed:\n{payload.decode('utf-8', 'replace')}")
    return pickle.loads(payload)


def _status(pid: int) -> str:
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _widen(fd: int) -> None:
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # a child gets this far ahead of the reader
    except (OSError, AttributeError):  # an older kernel or a lower limit: the default size only costs overlap
        pass
