"""The wording of cinlab's validation messages: one format for every bad parameter.

:func:`parameter_error` builds the message ("The 'birth_rate' parameter of Growth must be
a number in [0, 5] (per day). Got -0.1."); the helpers format ranges and values for it.
They are reached through :mod:`cinlab.params` too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

__all__ = ["parameter_error", "real_number"]


def _fmt(x: float) -> str:
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        if abs(x) >= 1e6:
            return f"{x:.0e}".replace("e+0", "e").replace("e+", "e")
        return str(int(x))
    return f"{x:g}"


def _range_text(meta: Mapping[str, Any]) -> str:
    kind = "an integer" if meta["integer"] else "a number"
    units = f" ({meta['units']})" if meta["units"] else ""
    return f"{kind} in [{_fmt(meta['min'])}, {_fmt(meta['max'])}]{units}"


def _value_text(value: Any) -> str:
    """``repr`` of a value for a one-line message: huge integers summarised, long text cut."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) \
            and abs(int(value)) > 10**18:
        try:
            digits = len(str(abs(int(value))))
        except ValueError:  # beyond Python's int-to-text limit: estimate
            digits = int(abs(int(value)).bit_length() * math.log10(2)) + 1
        return f"an integer of about {digits} digits"
    if isinstance(value, tuple | list) and len(value) <= 10:
        inner = ", ".join(_value_text(v) for v in value)
        text = f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else \
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parameter_error(owner: str, name: str, expected: str, value: Any, *,
                    got: str | None = None) -> ValueError:
    """The one format of every validation message in cinlab.

    Parameters
    ----------
    owner : str
        What the parameter belongs to: a class (``Growth``) or a function name.
    name : str
        The parameter.
    expected : str
        The allowed values, e.g. ``"a number in [0, 5] (per day)"``.
    value : object
        The value given, shown by its ``repr``...
    got : str, optional
        ...or by this text instead (e.g. "an array of shape (3,)").

    Returns
    -------
    ValueError
        "The 'birth_rate' parameter of Growth must be a number in [0, 5] (per day).
        Got -0.1."
    """
    return ValueError(
        f"The '{name}' parameter of {owner} must be {expected}. "
        f"Got {got if got is not None else _value_text(value)}."
    )


def real_number(value: Any) -> int | float | None:
    """``value`` as a Python int or float if it is a real number (bools excluded), else None.

    Python numbers, ``fractions.Fraction`` and numpy integer and floating scalars are
    accepted; integers stay exact ints, so one too large for a float is compared, not
    converted (no OverflowError).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None  # numpy.bool_ is not a numbers.Real
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)
