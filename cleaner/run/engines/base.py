"""What every engine does the same way: the first pass is an ordered map over a pool of workers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from ..work import DocumentWork


class PoolEngine:
    """An engine over a pool with ``local``, ``map(method, items)`` and ``close()``."""

    _pool: Any
    workers: int

    @property
    def local(self) -> DocumentWork:
        return self._pool.local

    def map(self, method: str, items: Iterable[tuple]) -> Iterator:
        return self._pool.map(method, items)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
