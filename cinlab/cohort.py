"""Virtual cohorts: many replicate tumours, relapse statistics and survival curves.

Replicate k of a cohort with seed s is seeded by ``SeedSequence(s).spawn(n_runs)[k]``.
Replicates are simulated side by side in vectorised batches, several at once in threads
where the process may use several CPUs (:mod:`cinlab.parallel`). The engine's random
numbers are keyed by replicate, so replicate k is identical in any batch or thread, alone
(``cohort.run(k)``, unless it reaches its clone cap), or in a chunk sent to another
process (``executor=``). Two cohorts with the same seed use common random numbers, so
the difference between two arms is the treatment's, not noise.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from itertools import product
from typing import Any, NamedTuple

import numpy as np

from . import parallel
from .engine import (
    CLONE_CAP,
    DURATION,
    EXTINCT,
    MAX_CELLS,
    ROUTE_KARYOTYPE,
    ROUTE_MUTATION,
    SWITCH_SIZE,
    TAU_STEP,
    Batch,
    resolve_backend,
    simulate,
)
from .follow_up import follow_up
from .loading import MAX_COUNT, Fields
from .params import Scenario
from .result import JSONFile, Run, check_scenario, check_seed
from .rng import seed_provenance, seed_sequence
from .summaries import cohort_summary
from .table import Table
from .trajectories import carry_forward, grid_quantiles

__all__ = ["Cohort", "Comparison", "Survival", "Table", "simulate_many", "sweep"]

_FORMAT = "cinlab.cohort/1"
#: Replicates simulated together in one vectorised batch.
BATCH_SIZE = 100
_ARRAYS = {
    "status": np.int8, "end_time": np.float64, "final_total": np.int64,
    "final_escaped": np.int64, "detection_time": np.float64,
    "therapy_start_time": np.float64, "relapse_time": np.float64,
    "dominant_route": np.int8, "dominant_chromosome": np.int64,
    "dominant_aneuploidy": np.int64, "dominant_escaped": bool,
    "escape_route": np.int8, "escape_chromosome": np.int64,
}


@dataclass(frozen=True)
class Survival:
    """A Kaplan-Meier relapse-free curve (step function) with its confidence band.

    Attributes
    ----------
    time : ndarray
        Days after therapy start; the curve is ``probability[i]`` from ``time[i]`` on.
    probability, lower, upper : ndarray
        Relapse-free probability and its pointwise confidence band.
    n_at_risk : int
        Treated runs in the analysis.
    n_events : int
        Relapses (or progressions) observed.
    """

    time: np.ndarray
    probability: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_at_risk: int
    n_events: int


@dataclass(frozen=True)
class Comparison:
    """A log-rank comparison of two relapse-free curves.

    When the test cannot be computed (an arm with no treated tumour, or no relapse
    while both arms had tumours at risk) the statistic is 0, the p-value 1 (no evidence
    of a difference) and ``note`` says why.
    """

    statistic: float
    pvalue: float
    note: str = ""

    def __str__(self) -> str:
        if self.note:
            return f"no log-rank test: {self.note}"
        return f"log-rank statistic {self.statistic:.2f}, p = {self.pvalue:.2g}"


class _SurvivalData(NamedTuple):
    """Censored relapse times of a cohort's treated runs."""

    data: Any
    censor_times: np.ndarray
    n_events: int
    n_treated: int


def _summaries(batch: Batch) -> dict[str, np.ndarray]:
    """Per-replicate summary arrays of a finished batch."""
    width = int(batch.used.max())
    count = batch.count[:, :width]
    rows = np.arange(batch.n_rep)
    dom = np.argmax(count, axis=1)
    alive = count[rows, dom] > 0
    esc_count = np.where(batch.esc[:, :width], count, 0)
    dom_esc = np.argmax(esc_count, axis=1)
    has_esc = esc_count[rows, dom_esc] > 0
    return {
        "status": batch.status.copy(),
        "end_time": batch.t.copy(),
        "final_total": batch.total.copy(),
        "final_escaped": batch.escaped_total.copy(),
        "detection_time": batch.detection_time.copy(),
        "therapy_start_time": batch.t0.copy(),
        "relapse_time": batch.relapse_time.copy(),
        "dominant_route": np.where(alive, batch.route[rows, dom], 0).astype(np.int8),
        "dominant_chromosome": np.where(alive, batch.chrom[rows, dom], 0).astype(np.int64),
        "dominant_aneuploidy": np.where(alive, batch.aneu[rows, dom], 0).astype(np.int64),
        "dominant_escaped": alive & batch.esc[rows, dom],
        "escape_route": np.where(has_esc, batch.route[rows, dom_esc], 0).astype(np.int8),
        "escape_chromosome": np.where(has_esc, batch.chrom[rows, dom_esc], 0).astype(np.int64),
        "burden": np.where(batch.rec_total >= 0, batch.rec_total, np.nan).astype(np.float64),
        "escaped_burden": np.where(batch.rec_escaped >= 0, batch.rec_escaped,
                                   np.nan).astype(np.float64),
    }


def _run_chunk(scenario: Scenario, entropy: int, spawn_key: tuple, n_runs: int,
               indices: Sequence[int], method: str, switch_size: int, tau_step: float,
               backend: str, max_clones: int) -> dict[str, np.ndarray]:
    """Simulate replicates ``indices`` of a cohort (picklable, for executors)."""
    children = np.random.SeedSequence(entropy, spawn_key=spawn_key).spawn(n_runs)
    batch = Batch(scenario, [children[i] for i in indices], method=method,
                  switch_size=switch_size, tau_step=tau_step, backend=backend,
                  max_clones=max_clones)
    return _summaries(batch.run())


class _Progress:
    """A progress bar: tqdm's notebook-aware bar when available, plain text otherwise.

    With ``report`` (a callable) it calls ``report(done, total)`` instead, for a widget.
    """

    def __init__(self, total: int, desc: str,
                 report: Callable[[int, int], None] | None = None) -> None:
        self.total, self.done = total, 0
        self.report = report
        if report is not None:
            self.bar = None
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm ships with the lessons extra
            self.bar = None
            print(f"{desc}: 0/{total}", file=sys.stderr)
        else:
            self.bar = tqdm(total=total, desc=desc)

    def update(self, done: int) -> None:
        if done <= self.done:
            return
        if self.report is not None:
            self.report(done, self.total)
        elif self.bar is not None:
            self.bar.update(done - self.done)
        elif done == self.total or done * 10 // self.total > self.done * 10 // self.total:
            print(f"{done}/{self.total}", file=sys.stderr)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Cohort(JSONFile):
    """Replicate tumours of one scenario and their relapse statistics.

    Attributes
    ----------
    scenario : Scenario
        The scenario every replicate ran.
    seed : dict
        Seed provenance: replicate k is ``SeedSequence(entropy, spawn_key).spawn(n)[k]``.
    n_runs : int
        Number of replicates.
    extinct, detected, relapsed, treated : ndarray of bool
        Per replicate: every cell died; the tumour reached the detection size; it
        relapsed after therapy; therapy started.
    detection_time, therapy_start_time : ndarray of float
        Days (nan where it did not happen).
    relapse_time : ndarray of float
        Days from therapy start to relapse (nan where no relapse).
    final_total, final_escaped : ndarray of int
        Cells at the end of each run.
    times : ndarray
        The common record grid (days).
    burden, escaped_burden : ndarray, shape (n_runs, n_times)
        Cells on the grid; 0 after extinction, nan after a run stopped at max_cells.
    dominant_route, escape_route : ndarray of str
        Route ("none", "karyotype", "mutation") of the largest clone at the end, and of
        the largest escaped clone.
    dominant_chromosome, escape_chromosome : ndarray of int
        Their bypass chromosome (0 if none).
    dominant_aneuploidy : ndarray of int
        Aneuploidy score of the largest clone at the end.
    dominant_escaped : ndarray of bool
        Whether the largest clone at the end is oncogene-independent.
    """

    _WHAT = "cohort"

    def __init__(self, scenario: Scenario, seed: dict, data: Mapping[str, np.ndarray],
                 method: str = "auto", switch_size: int = SWITCH_SIZE,
                 tau_step: float = TAU_STEP) -> None:
        self.scenario = scenario
        self.seed = seed
        self.method = method
        self._engine: dict[str, Any] = {"switch_size": switch_size, "tau_step": tau_step}
        self._data = dict(data)
        self.n_runs = int(self._data["status"].size)
        self.times = np.arange(0.0, scenario.duration + 1e-9, scenario.record_interval)
        routes = np.array(["none", "karyotype", "mutation"], dtype=object)
        self.extinct = self._data["status"] == EXTINCT
        self.detected = ~np.isnan(self._data["detection_time"])
        self.treated = ~np.isnan(self._data["therapy_start_time"])
        self.relapsed = ~np.isnan(self._data["relapse_time"])
        self.detection_time = self._data["detection_time"]
        self.therapy_start_time = self._data["therapy_start_time"]
        self.relapse_time = self._data["relapse_time"]
        self.final_total = self._data["final_total"]
        self.final_escaped = self._data["final_escaped"]
        self.end_time = self._data["end_time"]
        self.burden = self._data["burden"]
        self.escaped_burden = self._data["escaped_burden"]
        self.dominant_route = routes[self._data["dominant_route"]]
        self.dominant_chromosome = self._data["dominant_chromosome"]
        self.dominant_aneuploidy = self._data["dominant_aneuploidy"]
        self.dominant_escaped = self._data["dominant_escaped"]
        self.escape_route = routes[self._data["escape_route"]]
        self.escape_chromosome = self._data["escape_chromosome"]

    def __len__(self) -> int:
        return self.n_runs

    def __repr__(self) -> str:
        return f"Cohort(n_runs={self.n_runs}, seed={self.seed['entropy']}): {self.summary()}"

    # ------------------------------------------------------------- replicates

    def run(self, k: int) -> Run:
        """Regenerate replicate ``k`` alone, with its full history, as a :class:`Run`.

        It is identical to the k-th replicate of this cohort.
        """
        if not (isinstance(k, int | np.integer) and 0 <= k < self.n_runs):
            raise ValueError(f"k must be an integer in [0, {self.n_runs - 1}]. Got {k!r}.")
        parent = np.random.SeedSequence(self.seed["entropy"],
                                        spawn_key=tuple(self.seed["spawn_key"]))
        child = parent.spawn(self.n_runs)[int(k)]
        return simulate(self.scenario, seed=child, method=self.method, **self._engine)

    # --------------------------------------------------------------- statistics

    def relapse_outcomes(self) -> tuple[np.ndarray, np.ndarray]:
        """Follow-up of every treated run, as the survival analysis reads it.

        Returns
        -------
        time : ndarray of float
            Days after therapy start to the event, or to censoring.
        event : ndarray of bool
            True for a relapse (or a progression to ``max_cells`` without shrinking
            below the relapse size), False for a censored run (eradicated, or still
            relapse-free at the end of follow-up).
        """
        treated = self.treated
        return follow_up(self._data["status"][treated], self.therapy_start_time[treated],
                         self.end_time[treated], self.relapse_time[treated],
                         self.scenario.duration)

    def _survival_data(self):
        """Event and censoring times (days after therapy start) of treated runs."""
        from scipy.stats import CensoredData

        time, event = self.relapse_outcomes()
        return _SurvivalData(CensoredData(uncensored=time[event], right=time[~event]),
                             time[~event], int(event.sum()), int(event.size))

    def survival(self, confidence: float = 0.95) -> Survival:
        """Kaplan-Meier relapse-free curve from therapy start (``scipy.stats.ecdf``).

        A relapse is an event; so is a tumour that never shrank below the relapse size
        and grew to ``max_cells`` (progression). Eradicated tumours and runs still
        relapse-free at the end are censored at the end of follow-up.

        Parameters
        ----------
        confidence : float
            Level of the pointwise confidence band (Greenwood, log-log transform).

        Returns
        -------
        Survival
        """
        from scipy.stats import ecdf

        data, right, n_events, n = self._survival_data()
        if n == 0:
            raise ValueError("no run was treated, so there is no relapse-free curve.")
        if n_events == 0:
            end = float(np.max(right)) if right.size else 0.0
            one = np.ones(2)
            return Survival(np.array([0.0, end]), one, one.copy(), one.copy(), n, 0)
        res = ecdf(data).sf
        with warnings.catch_warnings():
            # where the curve reaches 0 (every run relapsed) the log-log band is
            # undefined: scipy warns and returns nan, handled below
            warnings.filterwarnings("ignore", "The confidence interval is undefined",
                                    RuntimeWarning)
            ci = res.confidence_interval(confidence_level=confidence, method="log-log")
        time = np.concatenate([[0.0], res.quantiles])
        prob = np.concatenate([[1.0], res.probabilities])
        low = np.concatenate([[1.0], np.nan_to_num(ci.low.probabilities, nan=0.0)])
        # an undefined upper bound keeps the last defined one (the band never widens up)
        high = np.concatenate([[1.0], ci.high.probabilities])
        for i in np.flatnonzero(np.isnan(high)):
            high[i] = high[i - 1]
        return Survival(time, prob, low, high, n, n_events)

    def compare(self, other: Cohort) -> Comparison:
        """Log-rank test of this cohort's relapse-free curve against another's."""
        from scipy.stats import logrank

        if not isinstance(other, Cohort):
            raise ValueError(f"compare expects a Cohort. Got {type(other).__name__}.")
        mine, theirs = self._survival_data(), other._survival_data()
        if mine.n_treated == 0 or theirs.n_treated == 0:
            return Comparison(0.0, 1.0, note="an arm has no treated tumour")
        if mine.n_events + theirs.n_events == 0:
            return Comparison(0.0, 1.0, note="no relapse in either arm")
        with np.errstate(divide="ignore", invalid="ignore"):
            res = logrank(mine.data, theirs.data)
        if not np.isfinite(res.statistic):
            # no event happened while both arms had tumours at risk: the variance is 0
            return Comparison(0.0, 1.0, note="no relapse while both arms were at risk")
        return Comparison(float(res.statistic), float(res.pvalue))

    def relapse_fraction(self, confidence: float = 0.95) -> tuple[float, float, float]:
        """Fraction of treated runs that relapsed, with a Wilson confidence interval."""
        n = int(self.treated.sum())
        k = int((self.relapsed & self.treated).sum())
        if n == 0:
            return (math.nan, math.nan, math.nan)
        from scipy.stats import binomtest

        ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
        return (k / n, float(ci.low), float(ci.high))

    def median_relapse_time(self) -> float:
        """Median days from therapy start to relapse among relapsed runs (nan if none)."""
        times = self.relapse_time[self.relapsed]
        return float(np.median(times)) if times.size else math.nan

    def fold_change(self, days: int) -> np.ndarray:
        """log10 of the burden ``days`` after therapy start over the burden at the start.

        Both are read on the record grid, at the first record at or after therapy
        start; nan for untreated runs and where the run had stopped.
        """
        if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 0:
            raise ValueError(f"days must be a non-negative integer. Got {days!r}.")
        out = np.full(self.n_runs, np.nan)
        treated = np.nonzero(self.treated)[0]
        step = self.scenario.record_interval
        start = np.ceil(self.therapy_start_time[treated] / step - 1e-9).astype(np.int64)
        later = start + int(round(days / step))
        ok = later < self.times.size
        rows, start, later = treated[ok], start[ok], later[ok]
        with np.errstate(divide="ignore"):
            out[rows] = np.log10(self.burden[rows, later] / self.burden[rows, start])
        return out

    def burden_quantiles(self, q: Sequence[float] = (0.1, 0.5, 0.9)) -> dict:
        """Quantiles of the burden over runs on the common grid.

        A run that stopped (at ``max_cells``, where the presets stop a relapsed tumour)
        counts at its last recorded size afterwards, so that relapsed tumours leaving the
        record never pull the median down; runs without a record (a pooled card's
        unknown runs) are left out. ``n_runs``: runs counted at each time.
        """
        out, n_known = grid_quantiles(carry_forward(self.burden), q)
        return {"times": self.times, "q": np.asarray(q, dtype=np.float64),
                "quantiles": out, "n_runs": n_known}

    def escape_routes(self, relapsed_only: bool = True) -> dict[str, int]:
        """Count the route of the largest escaped clone: by chromosome, or mutation."""
        sel = self.relapsed if relapsed_only else np.ones(self.n_runs, dtype=bool)
        labels = []
        for route, chrom in zip(self._data["escape_route"][sel],
                                self.escape_chromosome[sel], strict=True):
            if route == ROUTE_KARYOTYPE:
                labels.append(f"chromosome {chrom}")
            elif route == ROUTE_MUTATION:
                labels.append("mutation")
            else:
                labels.append("none")
        return dict(sorted(Counter(labels).items()))

    def summary(self) -> str:
        """One plain sentence describing the cohort's outcome (see :mod:`cinlab.summaries`)."""
        return cohort_summary(self)

    # ------------------------------------------------------------ serialisation

    def to_dict(self) -> dict:
        """Return a JSON-compatible dict that :meth:`from_dict` turns back into a Cohort."""
        arrays = {k: self._data[k].tolist() for k in _ARRAYS}
        return {
            "format": _FORMAT,
            "scenario": self.scenario.to_dict(),
            "seed": self.seed,
            "method": self.method,
            "engine": dict(self._engine),
            "arrays": arrays,
            "burden": self.burden.tolist(),
            "escaped_burden": self.escaped_burden.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict, *, burden: bool = True) -> Cohort:
        """Rebuild a Cohort from :meth:`to_dict` output, validating it.

        With ``burden=False`` the record has no burden curves (a result card, see
        :mod:`cinlab.cards`): they are left unknown (nan).
        """
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a cinlab cohort: expected format {_FORMAT!r}.")
        f = Fields("cohort")
        scenario = check_scenario(f, data)
        seed = check_seed(f, data)
        method = f.choice(f.get(data, "method"), "method", ("exact", "tau", "auto"))
        engine = f.mapping(f.get(data, "engine"), "engine", {"switch_size", "tau_step"})
        switch_size = f.integer(engine["switch_size"], "engine.switch_size", 1, 10**12)
        tau_step = f.number(engine["tau_step"], "engine.tau_step", 0, 10, lo_open=True)
        arrays = _check_arrays(f, f.mapping(f.get(data, "arrays"), "arrays", set(_ARRAYS)),
                               scenario)
        n = arrays["status"].size
        n_times = np.arange(0.0, scenario.duration + 1e-9, scenario.record_interval).size
        for name in ("burden", "escaped_burden"):
            arrays[name] = f.array(f.get(data, name), name, "float", (n, n_times), lo=0,
                                   hi=MAX_COUNT, nan=True) if burden else \
                np.full((n, n_times), np.nan)
        if np.any(arrays["escaped_burden"] > arrays["burden"]):
            raise f.error("escaped_burden", "at most burden at every time",
                          float(arrays["escaped_burden"][
                              arrays["escaped_burden"] > arrays["burden"]][0]))
        return cls(scenario, seed, arrays, method=method, switch_size=switch_size,
                   tau_step=tau_step)


def _check_arrays(f: Fields, raw: Mapping[str, Any], scenario: Scenario
                  ) -> dict[str, np.ndarray]:
    """The per-replicate arrays of a cohort file: one length, every value in range."""
    n_chrom = scenario.genome.n_chromosomes
    end_day = scenario.duration + 1e-6
    status = f.array(raw["status"], "arrays.status", "int", (None,), lo=0, hi=127)
    n = status.size
    if not 1 <= n <= 1_000_000:
        raise f.error("arrays.status", "one entry per run, 1 to 1000000 runs", got=f"{n}")
    finished = (EXTINCT, MAX_CELLS, DURATION, CLONE_CAP)
    if not np.all(np.isin(status, finished)):
        raise f.error("arrays.status", f"status codes {list(finished)}",
                      int(status[~np.isin(status, finished)][0]))
    out = {"status": status.astype(np.int8)}
    days = {"lo": 0, "hi": end_day, "nan": True}
    ranges: dict[str, dict[str, Any]] = {
        "end_time": {"lo": 0, "hi": end_day},
        "final_total": {"lo": 0, "hi": MAX_COUNT},
        "final_escaped": {"lo": 0, "hi": MAX_COUNT},
        "detection_time": days, "therapy_start_time": days, "relapse_time": days,
        "dominant_route": {"lo": 0, "hi": ROUTE_MUTATION},
        "escape_route": {"lo": 0, "hi": ROUTE_MUTATION},
        "dominant_chromosome": {"lo": 0, "hi": n_chrom},
        "escape_chromosome": {"lo": 0, "hi": n_chrom},
        "dominant_aneuploidy": {"lo": 0, "hi": n_chrom * scenario.genome.max_copies},
    }
    for name, dtype in _ARRAYS.items():
        if name == "status":
            continue
        kind = "bool" if dtype is bool else "float" if dtype is np.float64 else "int"
        out[name] = f.array(raw[name], f"arrays.{name}", kind, (n,),
                            **ranges.get(name, {})).astype(dtype)
    if np.any(out["final_escaped"] > out["final_total"]):
        raise f.error("arrays.final_escaped", "at most final_total (escaped <= total)",
                      int(out["final_escaped"][out["final_escaped"] > out["final_total"]][0]))
    untreated = np.isnan(out["therapy_start_time"])
    if np.any(untreated & ~np.isnan(out["relapse_time"])):
        raise f.error("arrays.relapse_time", "NaN for a run that was never treated",
                      float(out["relapse_time"][untreated & ~np.isnan(out["relapse_time"])][0]))
    return out


def check_executor(executor: Any) -> Executor | None:
    """``executor`` if it is a ``concurrent.futures.Executor`` or None; else ValueError."""
    if executor is not None and not isinstance(executor, Executor):
        raise ValueError(f"executor must be a concurrent.futures.Executor or None. "
                         f"Got {type(executor).__name__}.")
    return executor


def _check_runs(n_runs: Any) -> int:
    if isinstance(n_runs, bool) or not isinstance(n_runs, int | np.integer) or not (
            1 <= n_runs <= 1_000_000):
        raise ValueError(f"n_runs must be an integer in [1, 1000000]. Got {n_runs!r}.")
    return int(n_runs)


def simulate_many(scenario: Scenario, n_runs: int = 100,
                  seed: None | int | np.random.SeedSequence | np.random.Generator = None,
                  progress: bool | Callable[[int, int], None] = False,
                  executor: Executor | None = None,
                  method: str = "auto", *, chunk_size: int | None = None,
                  switch_size: int = SWITCH_SIZE, tau_step: float = TAU_STEP,
                  backend: str = "auto") -> Cohort:
    """Simulate a cohort of independent replicate tumours.

    Parameters
    ----------
    scenario : Scenario
        What every replicate simulates.
    n_runs : int
        Number of replicates.
    seed : None, int, SeedSequence or Generator
        Replicates are seeded by ``SeedSequence(seed).spawn(n_runs)``; the entropy used
        is kept in ``cohort.seed``.
    progress : bool or callable
        True shows a progress bar (tqdm's notebook-aware bar; plain text without tqdm);
        a callable is called as ``progress(done, total)`` instead (for a widget).
    executor : concurrent.futures.Executor, optional
        Spread chunks of replicates over an executor (a ProcessPoolExecutor, or
        dask.distributed's executor); results are identical to the in-process path.
        Without one, batches run in threads, one per usable CPU (at most 4;
        ``CINLAB_THREADS`` in the environment sets the number), with the same results.
    method : {"auto", "exact", "tau"}
        Simulation method (see :func:`cinlab.simulate`).
    chunk_size : int, optional
        Replicates per executor task (default: ``n_runs`` shared evenly between the
        workers, at most 100 per task).
    switch_size, tau_step, backend
        Engine settings (see :func:`cinlab.simulate`); every backend gives the same
        cohort, and a worker process resolves "auto" for itself.

    Returns
    -------
    Cohort

    Raises
    ------
    ValueError
        If ``scenario``, ``n_runs``, ``seed``, ``executor`` or ``method`` is invalid.
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a cinlab.Scenario. Got {type(scenario).__name__}.")
    n_runs = _check_runs(n_runs)
    executor = check_executor(executor)
    resolve_backend(backend)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(
            chunk_size, int | np.integer) or not 1 <= chunk_size <= 1_000_000):
        raise ValueError(f"chunk_size must be None or an integer in [1, 1000000]. "
                         f"Got {chunk_size!r}.")
    ss = seed_sequence(seed)
    # a fresh copy: spawning is stateful, and a sequence passed in twice (a sweep, two
    # arms) must give the same replicates both times (common random numbers)
    ss = np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key)
    prov = seed_provenance(ss)
    engine: dict[str, Any] = {"switch_size": switch_size, "tau_step": tau_step}
    report = progress if callable(progress) else None
    bar = _Progress(n_runs, "runs", report) if progress else None
    cap = parallel.clone_cap(n_runs, BATCH_SIZE)
    if executor is None:
        # batches of at most BATCH_SIZE replicates bound memory (the clone table is
        # replicates x the largest clone count) at almost no cost in speed; threads run
        # batches side by side where the process may use more than one CPU
        children = ss.spawn(n_runs)

        def job(idx: range, callback: Callable[[int], None] | None) -> dict[str, np.ndarray]:
            batch = Batch(scenario, children[idx.start: idx.stop], method=method,
                          backend=backend, max_clones=cap, **engine)
            return _summaries(batch.run(callback=callback))

        parts = parallel.run_cohort(job, n_runs, BATCH_SIZE, bar.update if bar else None)
    else:
        # vectorisation pays up to a batch of BATCH_SIZE replicates, so tasks are that
        # big unless the workers would then be left idle
        workers = getattr(executor, "_max_workers", 2) or 2
        size = chunk_size or max(1, min(BATCH_SIZE, math.ceil(n_runs / workers)))
        chunks = [list(range(i, min(i + size, n_runs))) for i in range(0, n_runs, size)]
        futures = [executor.submit(_run_chunk, scenario, prov["entropy"],
                                   tuple(prov["spawn_key"]), n_runs, c, method,
                                   switch_size, tau_step, backend, cap) for c in chunks]
        parts, done = [], 0
        for fut, c in zip(futures, chunks, strict=True):
            parts.append(fut.result())
            done += len(c)
            if bar:
                bar.update(done)
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    if bar:
        bar.update(n_runs)
        bar.close()
    return Cohort(scenario, prov, data, method=method, **engine)


def sweep(scenario: Scenario, parameters: Mapping[str, Sequence], n_runs: int = 100,
          seed: None | int | np.random.SeedSequence | np.random.Generator = None,
          progress: bool = False, executor: Executor | None = None,
          method: str = "auto", *, backend: str = "auto") -> Table:
    """Relapse statistics over a grid of one or two parameters.

    Every grid point uses the same seed, so differences between points come from the
    parameters, not from noise (common random numbers).

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    parameters : mapping of dotted name to values
        One or two parameters, e.g. ``{"cin.missegregation_rate": [0, 0.002, 0.005]}``.
    n_runs, seed, progress, executor, method, backend
        As in :func:`simulate_many`.

    Returns
    -------
    Table
        Columns: the parameters, ``n_runs``, ``n_treated``, ``relapse_fraction``,
        ``relapse_low``, ``relapse_high`` (95% Wilson interval),
        ``median_relapse_time``, ``extinct_fraction``, ``detected_fraction``.
    """
    if not isinstance(parameters, Mapping) or not 1 <= len(parameters) <= 2:
        raise ValueError("parameters must map one or two dotted names to values.")
    names = list(parameters)
    for name in names:
        values = parameters[name]
        if isinstance(values, str | bytes | Mapping) or not isinstance(
                values, Sequence | np.ndarray | range):
            raise ValueError(f"the values of {name!r} must be a list, e.g. "
                             f"{{{name!r}: [{values!r}]}}. Got {values!r}.")
    grids = [list(parameters[n]) for n in names]
    if any(len(g) == 0 for g in grids):
        raise ValueError("every swept parameter needs at least one value.")
    ss = seed_sequence(seed)
    combos = list(product(*grids))
    scenarios = [scenario.replace(**dict(zip(names, combo, strict=True))) for combo in combos]
    cols: dict[str, list] = {n: [] for n in names}
    for key in ("n_runs", "n_treated", "relapse_fraction", "relapse_low", "relapse_high",
                "median_relapse_time", "extinct_fraction", "detected_fraction"):
        cols[key] = []
    bar = _Progress(len(combos), "grid points") if progress else None
    for i, (combo, sc) in enumerate(zip(combos, scenarios, strict=True)):
        cohort = simulate_many(sc, n_runs=n_runs, seed=ss, executor=executor, method=method,
                               backend=backend)
        frac, low, high = cohort.relapse_fraction()
        for n, v in zip(names, combo, strict=True):
            cols[n].append(v)
        cols["n_runs"].append(cohort.n_runs)
        cols["n_treated"].append(int(cohort.treated.sum()))
        cols["relapse_fraction"].append(frac)
        cols["relapse_low"].append(low)
        cols["relapse_high"].append(high)
        cols["median_relapse_time"].append(cohort.median_relapse_time())
        cols["extinct_fraction"].append(float(cohort.extinct.mean()))
        cols["detected_fraction"].append(float(cohort.detected.mean()))
        if bar:
            bar.update(i + 1)
    if bar:
        bar.close()
    return Table(cols)
