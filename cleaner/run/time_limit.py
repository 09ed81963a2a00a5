"""A wall-clock limit on one document's processing, so one pathological page cannot hang a run."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class DocumentTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block after ``seconds``.

    A SIGALRM timer interrupts pure-Python loops (where extraction of a
    pathological page spends its time). Signals reach only the main thread, so
    elsewhere (a library caller's worker thread) the block runs unlimited.
    """
    usable = seconds and seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _expire(signum, frame):
        raise DocumentTimeout(f"over the {seconds:g}s per-document time limit")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)  # type: ignore[arg-type]  # usable: a positive number
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
