"""How many mice does an experiment need? Statistical power by resampling simulated mice.

Simulating a new cohort for every imagined experiment would take far too long in a
class. Instead each arm is simulated once, as a large pool of virtual mice, and
experiments of n mice per arm are drawn from those pools with replacement (a bootstrap
from the simulated pool). Each experiment is analysed with the log-rank test, as a
real one would be, and the power for n is the share of experiments with p < alpha.
The pools must be large compared with n, or the experiments share too many mice and
the power looks higher than it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .cohort import Cohort
from .rng import seed_sequence

__all__ = ["PowerCurve", "logrank_many", "power_curve"]

MAX_DRAWS = 20_000_000


def logrank_many(time_a: np.ndarray, event_a: np.ndarray, time_b: np.ndarray,
                 event_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-rank tests of many experiments at once, one per row.

    Parameters
    ----------
    time_a, event_a : ndarray, shape (n_experiments, n_a)
        Follow-up times (days) and event flags (True = relapse, False = censored) of
        arm A in each experiment.
    time_b, event_b : ndarray, shape (n_experiments, n_b)
        The same for arm B.

    Returns
    -------
    statistic : ndarray
        Standardised log-rank statistic (observed minus expected events of arm A over
        its standard deviation), as ``scipy.stats.logrank`` reports it.
    pvalue : ndarray
        Two-sided p-values (0.5 where no event happened).
    """
    time = np.concatenate([time_a, time_b], axis=1).astype(np.float64)
    event = np.concatenate([event_a, event_b], axis=1).astype(bool)
    in_a = np.zeros(time.shape, dtype=bool)
    in_a[:, : time_a.shape[1]] = True
    rows, size = time.shape
    order = np.argsort(time, axis=1, kind="stable")
    time = np.take_along_axis(time, order, axis=1)
    event = np.take_along_axis(event, order, axis=1)
    in_a = np.take_along_axis(in_a, order, axis=1)
    index = np.broadcast_to(np.arange(size), time.shape)
    new = np.ones(time.shape, dtype=bool)
    new[:, 1:] = time[:, 1:] != time[:, :-1]
    last = np.ones(time.shape, dtype=bool)
    last[:, :-1] = new[:, 1:]
    # each position's tie group starts at `start`: everyone from there on is at risk
    start = np.maximum.accumulate(np.where(new, index, 0), axis=1)
    a_before = np.concatenate([np.zeros((rows, 1)), np.cumsum(in_a, axis=1)], axis=1)
    events_before = np.concatenate([np.zeros((rows, 1)), np.cumsum(event, axis=1)], axis=1)
    at_risk = (size - start).astype(np.float64)
    at_risk_a = time_a.shape[1] - np.take_along_axis(a_before, start, axis=1)
    share_a = at_risk_a / at_risk
    observed_minus_expected = np.sum(event * (in_a - share_a), axis=1)
    # variance: once per tie group, with d events among `at_risk`
    d = events_before[:, 1:] - np.take_along_axis(events_before, start, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ties = np.where(at_risk > 1, (at_risk - d) / np.maximum(at_risk - 1, 1), 1.0)
        variance = np.sum(np.where(last, d * share_a * (1 - share_a) * ties, 0.0), axis=1)
        statistic = np.where(variance > 0, observed_minus_expected / np.sqrt(variance), 0.0)
    pvalue = np.where(variance > 0, 2 * ndtr(-np.abs(statistic)), 1.0)
    return statistic, pvalue


@dataclass(frozen=True)
class PowerCurve:
    """Chance of a significant log-rank test against mice per arm.

    Attributes
    ----------
    sizes : ndarray of int
        Mice per arm.
    power : ndarray
        Share of simulated experiments with p < ``alpha``.
    low, high : ndarray
        95% Wilson interval of the power (Monte Carlo uncertainty).
    n_experiments : int
        Experiments drawn per size.
    alpha : float
        Significance level.
    pool_sizes : tuple of int
        Treated mice in each arm's pool.
    """

    sizes: np.ndarray
    power: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_experiments: int
    alpha: float
    pool_sizes: tuple[int, int]

    def __str__(self) -> str:
        return "power: " + ", ".join(f"{n} mice per arm {p:.0%}" for n, p in
                                     zip(self.sizes.tolist(), self.power.tolist(), strict=True))

    def smallest(self, target: float = 0.8) -> int | None:
        """Smallest size whose power reaches ``target`` (None if none does)."""
        hits = np.flatnonzero(self.power >= target)
        return int(self.sizes[hits[0]]) if hits.size else None

    def describe(self, target: float = 0.8) -> str:
        """The curve in one or two plain sentences."""
        n = self.smallest(target)
        best = int(np.argmax(self.power))
        text = (f"With {self.sizes[best]} mice per arm, {self.power[best]:.0%} of "
                f"{self.n_experiments} simulated experiments found p < {self.alpha:g} "
                f"(95% interval {self.low[best]:.0%}\u2013{self.high[best]:.0%}). ")
        if n is None:
            return text + (f"No size tried reached {target:.0%} power: try larger "
                           f"experiments.")
        return text + f"The smallest size tried with at least {target:.0%} power is {n} per arm."


def _wilson(k: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _check_sizes(sizes: object) -> np.ndarray:
    values = np.asarray(sizes)
    if values.ndim != 1 or values.size == 0 or not np.issubdtype(values.dtype, np.integer) \
            or np.any(values < 2) or np.any(values > 10_000):
        raise ValueError(f"sizes must be a list of integers in [2, 10000]. Got {sizes!r}.")
    return values.astype(np.int64)


def power_curve(arm_a: Cohort, arm_b: Cohort, sizes=(5, 10, 15, 20, 30, 40),
                n_experiments: int = 400, alpha: float = 0.05,
                seed: None | int | np.random.SeedSequence = None) -> PowerCurve:
    """Power of the log-rank test between two arms, for experiments of each size.

    Experiments are drawn with replacement from the treated mice of each cohort (the
    pools) and analysed like a real experiment.

    Parameters
    ----------
    arm_a, arm_b : Cohort
        The pools, e.g. TI-K and TI-KM cohorts (or a class's pooled cohorts).
    sizes : sequence of int
        Mice per arm in the experiments, each in [2, 10000].
    n_experiments : int
        Experiments drawn per size, in [10, 100000].
    alpha : float
        Significance level, in (0, 0.5].
    seed : None, int or SeedSequence
        Seed of the resampling.

    Returns
    -------
    PowerCurve

    Raises
    ------
    ValueError
        If an argument is out of range or an arm has fewer than two treated mice.
    """
    sizes = _check_sizes(sizes)
    if isinstance(n_experiments, bool) or not isinstance(n_experiments, int) \
            or not 10 <= n_experiments <= 100_000:
        raise ValueError(f"n_experiments must be an integer in [10, 100000]. "
                         f"Got {n_experiments!r}.")
    if not isinstance(alpha, float | int) or not 0 < alpha <= 0.5:
        raise ValueError(f"alpha must be a number in (0, 0.5]. Got {alpha!r}.")
    if int(sizes.max()) * n_experiments > MAX_DRAWS:
        raise ValueError(f"sizes x n_experiments must stay below {MAX_DRAWS:,} draws. "
                         f"Got {int(sizes.max()) * n_experiments:,}.")
    pools = []
    for name, arm in (("arm_a", arm_a), ("arm_b", arm_b)):
        if not isinstance(arm, Cohort):
            raise ValueError(f"{name} must be a cinlab.Cohort. Got {type(arm).__name__}.")
        time, event = arm.relapse_outcomes()
        if time.size < 2:
            raise ValueError(f"{name} needs at least 2 treated mice to resample. "
                             f"Got {time.size}.")
        pools.append((time, event))
    rng = np.random.default_rng(seed_sequence(seed))
    hits = []
    for n in sizes.tolist():
        drawn = []
        for time, event in pools:
            pick = rng.integers(0, time.size, size=(n_experiments, n))
            drawn += [time[pick], event[pick]]
        _, p = logrank_many(*drawn)
        hits.append(int(np.sum(p < alpha)))
    k = np.asarray(hits, dtype=np.float64)
    low, high = _wilson(k, n_experiments)
    return PowerCurve(sizes, k / n_experiments, low, high, n_experiments, float(alpha),
                      (pools[0][0].size, pools[1][0].size))
