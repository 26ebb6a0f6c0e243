"""A robustness lab: which conclusions of lesson 04 survive other assumptions.

Lesson 04 compares TI-K and TI-KM mice under one set of assumptions. Here two of the
model's assumptions at a time are varied over a small grid and, at every point, both
arms are simulated with the same seed (common random numbers, as in
:func:`cinlab.sweep`); the result is the TI-KM/TI-K relapse ratio at every point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from . import scenarios
from .cohort import Table, check_executor, simulate_many
from .params import Scenario

__all__ = ["ASSUMPTIONS", "Assumption", "arms_at", "ratio_sweep"]


@dataclass(frozen=True)
class Assumption:
    """One assumption of the model that the lab can vary.

    Attributes
    ----------
    label : str
        Its short name for students (the parameter's metadata has the units).
    parameter : str
        The dotted parameter it sets.
    values : tuple
        The default grid.
    """

    label: str
    parameter: str
    values: tuple


#: The assumptions of the lab by key, with small default grids (the first value of each
#: is the lesson-04 setting, except where that setting is an end of the range).
ASSUMPTIONS: dict[str, Assumption] = {
    "bypass_gain": Assumption("Extra copies to escape", "escape.bypass_gain", (2, 3, 4)),
    "baseline_rate": Assumption("Baseline missegregation", "cin.baseline_rate",
                                (0.0, 0.0003)),
    "aneuploidy_cost": Assumption("Aneuploidy cost", "fitness.aneuploidy_cost",
                                  (0.02, 0.06, 0.12)),
    "carrying_capacity": Assumption("Room for cells", "growth.carrying_capacity",
                                    (1e12, 1e6)),
    "mad2_days": Assumption("Mad2 window (days)", "cin.window",
                            (15.0, 30.0, "until withdrawal")),
}


def arms_at(settings: Mapping[str, Any],
            base: Mapping[str, Scenario] | None = None) -> dict[str, Scenario]:
    """The TI-K and TI-KM scenarios under some assumptions.

    Parameters
    ----------
    settings : mapping of assumption key to value
        Keys of :data:`ASSUMPTIONS`. A Mad2 window is a number of days from the start
        (Mad2 on from day 0 until then) or "until withdrawal"; it applies to TI-KM only,
        since TI-K has no Mad2.
    base : mapping, optional
        ``{"TI-K": ..., "TI-KM": ...}`` (default: the ``sotillo2010`` presets).

    Returns
    -------
    dict of str to Scenario

    Raises
    ------
    ValueError
        For an unknown key or an invalid value (the message names the parameter).
    """
    if base is None:
        base = {"TI-K": scenarios.get("sotillo2010", mad2=False),
                "TI-KM": scenarios.get("sotillo2010", mad2=True)}
    shared, mad2 = {}, {}
    for key, value in settings.items():
        if key not in ASSUMPTIONS:
            raise ValueError(f"unknown assumption {key!r}; choose from "
                             f"{', '.join(ASSUMPTIONS)}.")
        if key == "mad2_days":
            mad2["cin.window"] = ("until_therapy" if value == "until withdrawal"
                                  else (0.0, float(value)))
        else:
            shared[ASSUMPTIONS[key].parameter] = value
    return {name: sc.replace(**shared, **(mad2 if name == "TI-KM" else {}))
            for name, sc in base.items()}


def _check_grid(key: str, values: Sequence | None) -> list:
    if key not in ASSUMPTIONS:
        raise ValueError(f"unknown assumption {key!r}; choose from {', '.join(ASSUMPTIONS)}.")
    values = list(ASSUMPTIONS[key].values if values is None else values)
    if not 1 <= len(values) <= 6:
        raise ValueError(f"the grid of {key!r} needs 1 to 6 values. Got {len(values)}.")
    return values


def ratio_sweep(x: str, y: str, x_values: Sequence | None = None,
                y_values: Sequence | None = None, n_runs: int = 20,
                seed: int | None = 2010, executor: Executor | None = None,
                progress=None, base: Mapping[str, Scenario] | None = None) -> Table:
    """TI-KM/TI-K relapse ratio over two assumptions.

    Parameters
    ----------
    x, y : str
        Two different keys of :data:`ASSUMPTIONS`.
    x_values, y_values : sequence, optional
        Their grids (default: the assumption's own small grid).
    n_runs : int
        Mice per arm at every point.
    seed : int or None
        The same seed at every point and in both arms (common random numbers).
    executor : concurrent.futures.Executor, optional
        Spread every cohort over worker processes (same results).
    progress : callable, optional
        Called as ``progress(done, total)`` after each cohort.
    base : mapping, optional
        The two arms varied (see :func:`arms_at`).

    Returns
    -------
    Table
        One row per point: ``x``, ``y`` (the values as text), ``relapse_ti_k``,
        ``relapse_ti_km`` (fractions of treated mice) and ``ratio`` (TI-KM over TI-K;
        inf when TI-K had no relapse and TI-KM had, nan when neither had).

    Raises
    ------
    ValueError
        For unknown or equal keys, a grid that is too long, or an invalid value.
    """
    if x == y:
        raise ValueError(f"x and y must be two different assumptions. Got {x!r} twice.")
    xs, ys = _check_grid(x, x_values), _check_grid(y, y_values)
    executor = check_executor(executor)
    points = [arms_at({x: a, y: b}, base) for a, b in product(xs, ys)]  # validates every point
    cols: dict[str, list] = {"x": [], "y": [], "relapse_ti_k": [], "relapse_ti_km": [],
                             "ratio": []}
    total = 2 * len(points)
    for i, ((a, b), arms) in enumerate(zip(product(xs, ys), points, strict=True)):
        fractions = []
        for j, sc in enumerate(arms.values()):
            cohort = simulate_many(sc, n_runs=n_runs, seed=seed, executor=executor)
            fractions.append(cohort.relapse_fraction()[0])
            if progress is not None:
                progress(2 * i + j + 1, total)
        k, km = fractions
        if k > 0:
            ratio = km / k
        else:
            ratio = math.inf if km > 0 else math.nan
        for key, value in (("x", str(a)), ("y", str(b)), ("relapse_ti_k", k),
                           ("relapse_ti_km", km), ("ratio", ratio)):
            cols[key].append(value)
    return Table({k: np.asarray(v) for k, v in cols.items()})
