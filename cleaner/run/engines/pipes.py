"""Pipes between this process and its workers, widened so that a worker rarely waits for the reader."""

from __future__ import annotations

import fcntl

# Linux lets an unprivileged process widen a pipe up to /proc/sys/fs/pipe-max-size (1 MiB by default).
PIPE_BYTES = 1 << 20


def widen(fd: int) -> None:
    """Make the pipe ``fd`` hold ``PIPE_BYTES``; where the kernel refuses, it keeps its size
    (64 KB), which only costs overlap between a worker and the reader."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, AttributeError):
        pass
