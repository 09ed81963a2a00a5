"""Compiled kernels whose machine code is cached in the user's cache folder, never in the package.

numba's ``cache=True`` writes next to the module, into the installed package's
``__pycache__``: a later ``pip install -e .`` over a ``pip install .`` then left
a folder of cache files where the package was, and Python imported that empty
folder as a namespace package instead of the checkout. Here the cache lives in
``$CLEANER_CACHE_DIR``, else numba's own ``$NUMBA_CACHE_DIR``, else
``$XDG_CACHE_HOME/cleaner/numba`` (``~/.cache/cleaner/numba``). The first run
on a machine compiles the kernels (a few seconds); later runs load them.

Only these kernels are affected: numba's settings for the rest of the process
are left as they are. Where no cache folder is writable, the kernels are
compiled in every process instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba import njit


def cache_dir() -> Path:
    """Where compiled kernels are kept, from the environment at the time of the call."""
    for variable in ("CLEANER_CACHE_DIR", "NUMBA_CACHE_DIR"):
        if os.environ.get(variable):
            return Path(os.environ[variable])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner" / "numba"


def _user_cache_class() -> type | None:
    """A numba function cache that looks only in :func:`cache_dir` (None if numba's layout changed)."""
    try:
        from numba.core.caching import CompileResultCacheImpl, FunctionCache, UserProvidedCacheLocator
    except ImportError:  # a numba release that renamed its cache classes: compile every time
        return None

    class Locator(UserProvidedCacheLocator):
        def __init__(self, py_func, py_file):
            super().__init__(py_func, py_file)
            self._cache_path = str(cache_dir() / self.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func, py_file):
            # Skip numba's check of its own CACHE_DIR setting; keep the writability check.
            return super(UserProvidedCacheLocator, cls).from_function(py_func, py_file)

    class Impl(CompileResultCacheImpl):
        _locator_classes = [Locator]  # noqa: RUF012 - numba's own attribute, overridden as numba does

    class Cache(FunctionCache):
        _impl_class = Impl

    return Cache


_CACHE_CLASS = _user_cache_class()


def kernel(**options: Any) -> Callable:
    """``numba.njit(**options)`` with its compiled code cached in :func:`cache_dir`."""

    def decorate(fn: Callable) -> Any:
        dispatcher = njit(**options)(fn)
        if _CACHE_CLASS is not None:
            try:
                dispatcher._cache = _CACHE_CLASS(dispatcher.py_func)
            except RuntimeError:  # no writable cache folder: numba's default is no cache at all
                pass
        return dispatcher

    return decorate
