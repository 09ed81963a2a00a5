"""Where a run's work is done: the :class:`Engine` interface, and the engine a run names.

An engine runs the per-document work of the first pass (``map``) and the
assembly of results (``assemble``); dedup between them is one walk in the
calling process (``cleaner.dedup.index``). ``local`` forks worker processes on this machine
(``local.py``, over ``pool.py`` and ``forked.py``); ``ray`` runs the same work
on a Ray cluster (``ray.py``). Both give the same output, byte for byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    from ...document import Result
    from ..work import AssemblyJob, DocumentWork

ENGINES = ("local", "ray")

# One assembled result as the run counts it: the result (or its id and duplicate_of, when
# it was encoded in another process), the counts it adds, and what the caller gets.
Assembled = tuple[Any, Counter, Any]


class Engine(Protocol):
    workers: int

    @property
    def local(self) -> DocumentWork:
        """The calling process's own worker."""
        ...

    def map(self, method: str, items: Iterable[tuple]) -> Iterator:
        """``worker.method(*item)`` for each item, results in input order."""
        ...

    def end_first_pass(self) -> None:
        """The first pass is over: release what only it needed."""
        ...

    def assemble(self, job: Callable[[int, bool], AssemblyJob], documents: int,
                 encode: Callable[[Result], object] | None) -> Iterator[Assembled]:
        """Every document's result, in input order; ``job(d, ship_document)`` makes document d's job."""
        ...

    def close(self) -> None:
        ...

    def __enter__(self) -> Self:
        ...

    def __exit__(self, *exc: object) -> None:
        ...


def open_engine(name: str, workers: int, factory: Callable, args: tuple, address: str | None = None) -> Engine:
    """The engine called ``name`` with ``workers`` processes building ``factory(*args)`` each."""
    if name == "ray":
        from .ray import RayEngine

        return RayEngine(workers, factory, args, address=address)
    if name != "local":
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {name!r}")
    from .local import LocalEngine

    return LocalEngine(workers, factory, args)
