"""The index across runs (``--index``): what it stores, how a run is matched against it, its stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Config
    from .store import Store


def open_index(location: str, config: Config | None, create: bool = True) -> Store:
    """The store at ``location``: ``redis://host:port/db`` for Redis, else a SQLite file path."""
    if location.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisIndex

        return RedisIndex(location, config, create=create)
    from .sqlite import SqliteIndex

    return SqliteIndex(location, config, create=create)
