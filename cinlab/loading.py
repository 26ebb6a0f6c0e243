"""Reading saved runs and cohorts without trusting them.

A result file may have been edited by hand, truncated or tampered with. Everything read
here is plain JSON (nothing is evaluated or unpickled), the file is refused before parsing
when it is larger than :data:`MAX_FILE_BYTES`, and every field is checked for type, range
and shape by a :class:`Fields` reader, whose errors are one line naming the field:

    The 'lineages.parent' field of a cinlab run file must be -1 or a lineage id. Got 99.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .messages import _value_text

__all__ = ["MAX_COUNT", "MAX_FILE_BYTES", "Fields", "read_json"]

#: Result files larger than this are refused before they are read in full.
MAX_FILE_BYTES = 50 * 2**20
#: Largest cell count a result may hold (max_cells is at most 1e12; a tau-leap can
#: overshoot it, never by a factor of a thousand).
MAX_COUNT = 10**15


def read_json(source: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """Parse a result given as JSON text or as the path of a JSON file.

    Parameters
    ----------
    source : str or path-like
        JSON text, or a path. Text is JSON when it parses as JSON (or starts like a JSON
        object or array); otherwise it is a path.
    what : str
        "run" or "cohort", for messages.

    Returns
    -------
    dict
        The parsed JSON object (not yet validated).

    Raises
    ------
    ValueError
        If the file is too large, is not JSON, nests too deeply or is not an object.
    OSError
        If the path cannot be read.
    """
    if isinstance(source, os.PathLike):
        data = _parse(_read_capped(Path(source)), what)
    elif isinstance(source, str):
        if len(source) > MAX_FILE_BYTES:
            raise ValueError(f"not a cinlab {what}: the text is larger than "
                             f"{MAX_FILE_BYTES // 2**20} MB.")
        try:
            data = _parse(source, what)
        except ValueError:
            if source.lstrip().startswith(("{", "[")):
                raise  # meant as JSON, and broken
            data = _parse(_read_capped(Path(source)), what)
    else:
        raise ValueError(f"from_json expects JSON text or a file path. "
                         f"Got {type(source).__name__}.")
    if not isinstance(data, dict):
        raise ValueError(f"not a cinlab {what}: the JSON holds {_json_kind(data)}, "
                         f"not an object.")
    return data


def _parse(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from exc
    except RecursionError:
        raise ValueError(f"not a cinlab {what}: the JSON nests too deeply.") from None


def _read_capped(path: Path) -> str:
    with path.open("rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB: not a cinlab "
                         f"result file.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid JSON: {path} is not UTF-8 text ({exc.reason}).") from None


def _json_kind(data: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(data), type(data).__name__)


#: numpy dtype kinds a JSON array may hold, per expected element type.
_KINDS = {"int": "iu", "float": "iuf", "bool": "b", "str": "U"}
_CASTS = {"int": np.int64, "float": np.float64, "bool": bool, "str": object}


class Fields:
    """Typed, range-checked access to the fields of one parsed result file.

    Parameters
    ----------
    what : str
        "run" or "cohort": the message says "field ... of a cinlab run file".
    """

    def __init__(self, what: str) -> None:
        self.what = what

    def error(self, name: str, expected: str, value: Any = None, *,
              got: str | None = None) -> ValueError:
        """A one-line error naming the field, what it must be and what it holds."""
        shown = got if got is not None else _value_text(value)
        return ValueError(f"The '{name}' field of a cinlab {self.what} file must be "
                          f"{expected}. Got {shown}.")

    def get(self, data: Mapping[str, Any], key: str, prefix: str = "") -> Any:
        """``data[key]``, or an error naming the missing field."""
        name = f"{prefix}{key}"
        if not isinstance(data, Mapping):
            raise self.error(prefix.rstrip("."), "an object", got=_json_kind(data))
        if key not in data:
            raise self.error(name, "present", got="nothing (the field is missing)")
        return data[key]

    def mapping(self, value: Any, name: str, keys: set[str] | None = None
                ) -> Mapping[str, Any]:
        """An object, with exactly ``keys`` if given."""
        if not isinstance(value, Mapping):
            raise self.error(name, "an object", got=_json_kind(value))
        if keys is not None and set(value) != keys:
            raise self.error(name, f"an object with the fields {sorted(keys)}",
                             got=f"the fields {sorted(value)}")
        return value

    def integer(self, value: Any, name: str, lo: int, hi: int) -> int:
        """A JSON integer in [lo, hi]."""
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.error(name, f"an integer in [{lo}, {hi}]", value)
        return value

    def number(self, value: Any, name: str, lo: float, hi: float, *,
               lo_open: bool = False) -> float:
        """A finite JSON number in [lo, hi] (or (lo, hi])."""
        ok = not isinstance(value, bool) and isinstance(value, int | float) and (
            lo < value <= hi if lo_open else lo <= value <= hi)
        if not ok:
            bracket = "(" if lo_open else "["
            raise self.error(name, f"a number in {bracket}{lo:g}, {hi:g}]", value)
        return float(value)

    def choice(self, value: Any, name: str, choices: tuple[str, ...]) -> str:
        """One of a few names."""
        if not isinstance(value, str) or value not in choices:
            raise self.error(name, "one of " + ", ".join(map(repr, choices)), value)
        return value

    def array(self, value: Any, name: str, kind: str, shape: tuple[int | None, ...], *,
              lo: float | None = None, hi: float | None = None, nan: bool = False,
              choices: tuple[str, ...] = ()) -> np.ndarray:
        """A JSON array of ``kind`` ("int", "float", "bool", "str") of a given shape.

        ``shape`` entries of None accept any length. Numbers must lie in [lo, hi]; NaN
        is allowed only with ``nan=True``; strings must be among ``choices``.
        """
        rank = len(shape)
        dims = "x".join("n" if s is None else str(s) for s in shape)
        expected = f"a {dims} array of {kind}s"
        if not isinstance(value, list):
            raise self.error(name, expected, got=_json_kind(value))
        try:
            raw = np.asarray(value)
        except (ValueError, OverflowError):
            raise self.error(name, expected, got="rows of different lengths or types") \
                from None
        if raw.size == 0:
            if raw.ndim < rank and raw.shape[0] == 0:
                # an empty table's rows: tolist() of shape (0, k) is []
                raw = raw.reshape((0, *(s or 0 for s in shape[1:])))
        elif raw.dtype.kind not in _KINDS[kind]:
            raise self.error(name, expected, got=f"an array holding {_dtype_text(raw)}")
        elif kind != "bool" and _holds_bool(value):
            # numpy turns true/false among numbers into 1/0 without a word
            raise self.error(name, expected, got="an array holding true or false")
        if raw.ndim != rank or any(s is not None and s != n
                                   for s, n in zip(shape, raw.shape, strict=True)):
            raise self.error(name, expected, got=f"shape {raw.shape}")
        if kind in ("int", "float") and raw.size:
            values = raw.astype(np.float64)
            bad = ~np.isfinite(values)
            if nan:
                bad &= ~np.isnan(values)
            known = np.where(np.isnan(values), 0.0, values)
            if lo is not None:
                bad |= known < lo
            if hi is not None:
                bad |= known > hi
            if bad.any():
                limits = f" in [{_g(lo)}, {_g(hi)}]" + (" or NaN" if nan else "")
                first = raw[bad].flat[0].item()
                raise self.error(name, f"{kind}s{limits}", first)
        if kind == "str" and choices:
            for item in raw.flat:
                if item not in choices:
                    raise self.error(name, "made of " + ", ".join(map(repr, choices)), item)
        return raw.astype(_CASTS[kind])


def _holds_bool(value: list) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool):
            return True
    return False


def _g(x: float | None) -> str:
    return "-inf" if x is None else f"{x:g}"


def _dtype_text(arr: np.ndarray) -> str:
    return {"b": "booleans", "i": "integers", "u": "integers", "f": "numbers",
            "U": "text", "O": "mixed or too large values"}.get(arr.dtype.kind, "other values")
