"""numba, when it imports: the ``jit`` decorator of the compiled backend.

Compiled functions are cached on disk (``cache=True``), so only the first process on a
machine pays the compile time. numba writes its cache next to the source, else under
``NUMBA_CACHE_DIR``; where neither is writable (a read-only site-packages with a
read-only home) it would fail at import, so a writable folder is chosen here, before
numba is imported: ``NUMBA_CACHE_DIR`` if set, else the package's own ``__pycache__``,
else ``~/.cache/cinlab/numba``, else a fresh temporary folder (compiled once per
process).

Set ``CINLAB_NO_NUMBA=1`` to run without numba even where it is installed (the numpy
backend then serves every run; used by the tests of the fallback).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["HAVE_NUMBA", "NUMBA_ERROR", "jit"]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _choose_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    if _writable(Path(__file__).resolve().parent / "__pycache__"):
        return
    home = Path.home() / ".cache" / "cinlab" / "numba"
    if _writable(home):
        os.environ["NUMBA_CACHE_DIR"] = str(home)
    else:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="cinlab-numba-")


NUMBA_ERROR = ""
if os.environ.get("CINLAB_NO_NUMBA"):
    HAVE_NUMBA = False
    NUMBA_ERROR = "CINLAB_NO_NUMBA is set"
else:
    try:
        _choose_cache_dir()
        import numba
    except Exception as exc:  # any failure means: use the numpy backend
        HAVE_NUMBA = False
        NUMBA_ERROR = f"{type(exc).__name__}: {exc}"
    else:
        HAVE_NUMBA = True


def jit(func: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``func`` with numba (no Python objects, cached) when numba imports."""
    if not HAVE_NUMBA:
        return func
    return numba.njit(cache=True, nogil=True)(func)
