"""Validation shared by the closed-form results: one message format for bad input."""

from __future__ import annotations

import math
import sys
from types import FrameType
from typing import Any

import numpy as np

from ..params import parameter_error

# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """Format a number for an error message: integers without a decimal point."""
    x = float(x)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _plain(x: Any) -> Any:
    """A numpy number as the Python number a message shows (integers without ``.0``)."""
    x = float(x)
    return int(x) if math.isfinite(x) and x.is_integer() and abs(x) < 1e15 else x


_PACKAGE = __name__.rpartition(".")[0]


def _in_package(module: Any) -> bool:
    """Whether a module name belongs to this package (``cinlab.theory`` or a submodule)."""
    return module == _PACKAGE or (isinstance(module, str) and module.startswith(_PACKAGE + "."))


def _fail(name: str, expected: str, value: Any, got: str | None = None) -> ValueError:
    """A validation error in the package's one format, owned by the public function.

    The owner is the nearest caller in the ``cinlab.theory`` package whose name is
    public, so shared private checks (``_checked``, ``_growing_rates``) report the
    function the user called.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and (not _in_package(frame.f_globals.get("__name__"))
                                 or frame.f_code.co_name.startswith("_")):
        frame = frame.f_back
    owner = frame.f_code.co_name if frame is not None else _PACKAGE
    return parameter_error(owner, name, expected, value, got=got)


def _checked(
    name: str,
    value,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
    scalar: bool = False,
    units: str = "",
) -> np.ndarray:
    """Return ``value`` as a float array after checking every element lies in the range.

    The message names the parameter, its function, the allowed range and the first
    offending value: ``"The 'birth_rate' parameter of mean_size must be >= 0 (per day).
    Got -0.1."``
    """
    if lo is not None and hi is not None:
        rng = f"in {'(' if lo_open else '['}{_fmt(lo)}, {_fmt(hi)}{')' if hi_open else ']'}"
    elif lo is not None:
        rng = f"{'>' if lo_open else '>='} {_fmt(lo)}"
    elif hi is not None:
        rng = f"{'<' if hi_open else '<='} {_fmt(hi)}"
    else:
        rng = "finite"
    if integer:
        kind = "a single integer " if scalar else "an integer "
    else:
        kind = "a single number " if scalar else ""
    unit_text = f" ({units})" if units else ""
    expected = f"{kind}{rng}{unit_text}"
    if isinstance(value, str) or np.asarray(value).dtype == bool:
        raise _fail(name, expected, value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise _fail(name, expected, value) from None
    ok = np.isfinite(arr)
    if lo is not None:
        ok &= (arr > lo) if lo_open else (arr >= lo)
    if hi is not None:
        ok &= (arr < hi) if hi_open else (arr <= hi)
    if integer:
        ok &= np.where(np.isfinite(arr), arr == np.round(arr), False)
    if scalar and arr.ndim:
        raise _fail(name, expected, value, got=f"an array of shape {arr.shape}")
    if not np.all(ok):
        bad = arr[~ok].flat[0] if arr.ndim else arr
        raise _fail(name, expected, _plain(bad))
    return arr


def _karyotype(name: str, value) -> np.ndarray:
    """Return a karyotype (copy numbers, last axis = chromosomes) as an int array."""
    arr = _checked(name, value, lo=0, integer=True, units="copies per chromosome")
    if arr.ndim == 0:
        raise _fail(name, "an array of copy numbers with one entry per chromosome "
                    "(last axis)", _plain(arr))
    return arr.astype(np.int64)


def _out(arr: np.ndarray):
    """Turn 0-d results into NumPy scalars; leave other arrays alone."""
    return arr[()]
