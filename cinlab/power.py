"""How many mice does an experiment need? Statistical power by resampling simulated mice.

Simulating a new cohort for every imagined experiment would take far too long in a
class. Instead each arm is simulated once, as a large pool of virtual mice, and
experiments of n mice per arm are drawn from those pools with replacement (a bootstrap
from the simulated pool). Each experiment is analysed with the log-rank test, as a
real one would be, and the power for n is the share of experiments with p < alpha.
The pools must be large compared with n, or the experiments share too many mice and
the power looks higher than it is.

Resampling reads only each treated mouse's follow-up (relapse day, or censoring), so a
pool simulated from a Scenario (:func:`simulate_pool`) stops every mouse as soon as that
follow-up is decided: at its relapse, or, under continuous therapy that stops the
addicted cells dividing (oncogene withdrawal), as soon as no oncogene-independent cell
is left, since then the tumour can only shrink. The outcomes are exactly those of the
full cohort with the same seed (tested). This saves little (about a tenth of the tau
steps of a sotillo2010 TI-KM pool): most of the time goes into growing each tumour to
detection, which every outcome needs. Pools are kept (:data:`POOL_CACHE_SIZE` of them,
keyed by scenario, size and seed), so a second explorer or a teacher's rerun reuses them.

The band of a :class:`PowerCurve` is the Monte Carlo error of the resampling only. The
pool is itself a sample: bootstrapping the two 200-mouse sotillo2010 pools (seed 2010)
moves the power at 10 mice per arm by about 10 percentage points (standard deviation),
four times the resampling's 2.4 points at 400 experiments, so pools smaller than 200
would make the curve less certain than its band shows, not just noisier.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from . import parallel
from .cohort import BATCH_SIZE, Cohort, check_executor
from .engine import RUNNING, Batch, resolve_backend
from .follow_up import follow_up
from .params import Scenario
from .rng import seed_sequence

__all__ = ["Pool", "PowerCurve", "logrank_many", "power_curve", "simulate_pool"]

MAX_DRAWS = 20_000_000
#: Pools kept by :func:`simulate_pool` (a pool of 200 mice is a few kB).
POOL_CACHE_SIZE = 16
#: Engine status of a mouse stopped once its follow-up was decided (pools only: it never
#: reaches a Cohort or a file).
_DECIDED = 100
_POOLS: OrderedDict[tuple, Pool] = OrderedDict()


@dataclass(frozen=True)
class Pool:
    """The follow-up of a pool of simulated treated mice: all that resampling reads.

    Attributes
    ----------
    scenario : Scenario
        What every mouse simulated.
    n_runs : int
        Mice simulated (the treated ones are those whose tumour was detected).
    seed : int
        Mouse k is seeded by ``SeedSequence(seed).spawn(n_runs)[k]``, as in a Cohort.
    time, event : ndarray
        Per treated mouse: days after therapy start to relapse or censoring, and
        whether it relapsed (see :meth:`cinlab.Cohort.relapse_outcomes`).
    """

    scenario: Scenario
    n_runs: int
    seed: int
    time: np.ndarray
    event: np.ndarray

    def relapse_outcomes(self) -> tuple[np.ndarray, np.ndarray]:
        """Follow-up times and relapse flags of the treated mice (as a Cohort's)."""
        return self.time, self.event


class _PoolBatch(Batch):
    """A batch that stops each mouse once its follow-up is decided (internal)."""

    def _status(self, rows: np.ndarray) -> None:
        super()._status(rows)
        live = rows[self.status[rows] == RUNNING]
        if live.size == 0:
            return
        started = self.started[live]
        decided = started & ~np.isnan(self.relapse_time[live])
        th = self.th
        if th is not None and th.schedule == "continuous" and self.rates.therapy_birth == 0:
            # addicted cells no longer divide, so no cell can escape any more: without
            # an escaped cell the tumour only shrinks and cannot relapse or progress
            decided |= started & (self.escaped_total[live] == 0)
        self.status[live[decided]] = _DECIDED


def _pool_chunk(scenario: Scenario, entropy: int, n_runs: int, first: int, last: int,
                max_clones: int | None = None,
                callback: Callable[[int], None] | None = None) -> tuple[np.ndarray, ...]:
    """Mice ``first`` to ``last - 1`` of a pool: the arrays follow-up needs (picklable).

    ``max_clones``: each mouse's clone cap, the cohort's (``parallel.clone_cap``) unless
    given; ``callback`` as for :meth:`Batch.run`.
    """
    children = np.random.SeedSequence(entropy).spawn(n_runs)[first:last]
    if max_clones is None:
        max_clones = parallel.clone_cap(n_runs, BATCH_SIZE)
    batch = _PoolBatch(scenario, children, max_clones=max_clones).run(callback=callback)
    return batch.status.copy(), batch.t0.copy(), batch.t.copy(), batch.relapse_time.copy()


def simulate_pool(scenario: Scenario, n_runs: int = 200, seed: int = 2010,
                  executor: Executor | None = None) -> Pool:
    """Simulate a pool of mice for :func:`power_curve`, each only until its outcome is known.

    The follow-up (``pool.relapse_outcomes()``) is identical to that of
    ``cinlab.simulate_many(scenario, n_runs, seed)``; the mice's other results (final
    sizes, karyotypes) are not kept, since resampling does not read them. Pools are
    cached by scenario, size and seed.

    Parameters
    ----------
    scenario : Scenario
        One arm, e.g. ``scenarios.get("sotillo2010", mad2=True)``.
    n_runs : int
        Mice to simulate, in [2, 100000].
    seed : int
        Seed (a non-negative integer), as in :func:`cinlab.simulate_many`.
    executor : concurrent.futures.Executor, optional
        Spread batches of mice over worker processes (same pool).

    Returns
    -------
    Pool

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a cinlab.Scenario. Got {type(scenario).__name__}.")
    if isinstance(n_runs, bool) or not isinstance(n_runs, int | np.integer) \
            or not 2 <= n_runs <= 100_000:
        raise ValueError(f"n_runs must be an integer in [2, 100000]. Got {n_runs!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer. Got {seed!r}.")
    executor = check_executor(executor)
    key = (scenario, int(n_runs), int(seed))
    if key in _POOLS:
        _POOLS.move_to_end(key)
        return _POOLS[key]
    cap = parallel.clone_cap(n_runs, BATCH_SIZE)
    if executor is None:  # batches side by side in threads, as simulate_many runs them
        resolve_backend("auto")  # kernels compiled or loaded here, not in every thread

        def job(idx: range, callback: Callable[[int], None] | None) -> tuple[np.ndarray, ...]:
            return _pool_chunk(scenario, int(seed), n_runs, idx.start, idx.stop, cap, callback)

        parts = parallel.run_cohort(job, n_runs, BATCH_SIZE)
    else:
        bounds = [(i, min(i + BATCH_SIZE, n_runs)) for i in range(0, n_runs, BATCH_SIZE)]
        parts = [f.result() for f in [executor.submit(_pool_chunk, scenario, int(seed),
                                                      n_runs, a, b, cap) for a, b in bounds]]
    status, t0, end, relapse = (np.concatenate(column) for column in zip(*parts, strict=True))
    treated = ~np.isnan(t0)
    time, event = follow_up(status[treated], t0[treated], end[treated], relapse[treated],
                            scenario.duration)
    pool = Pool(scenario, int(n_runs), int(seed), time, event)
    _POOLS[key] = pool
    while len(_POOLS) > POOL_CACHE_SIZE:
        _POOLS.popitem(last=False)
    return pool


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


def power_curve(arm_a: Cohort | Pool, arm_b: Cohort | Pool, sizes=(5, 10, 15, 20, 30, 40),
                n_experiments: int = 400, alpha: float = 0.05,
                seed: None | int | np.random.SeedSequence = None) -> PowerCurve:
    """Power of the log-rank test between two arms, for experiments of each size.

    Experiments are drawn with replacement from the treated mice of each cohort (the
    pools) and analysed like a real experiment.

    Parameters
    ----------
    arm_a, arm_b : Cohort or Pool
        The pools, e.g. TI-K and TI-KM cohorts (or a class's pooled cohorts), or pools
        from :func:`simulate_pool`.
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
        if not isinstance(arm, Cohort | Pool):
            raise ValueError(f"{name} must be a cinlab.Cohort or a power.Pool. "
                             f"Got {type(arm).__name__}.")
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
