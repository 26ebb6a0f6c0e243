"""The simulation engine: exact stochastic simulation and tau-leaping over clones.

A population is a table of clones (cells sharing a karyotype and an escape-mutation
flag). Each replicate of a batch is simulated by the same vectorised code; a replicate
alone is a batch of one. Randomness comes from :mod:`cinlab.rng`'s counter-based
numbers keyed by the replicate, so a replicate's history does not depend on the batch
it was simulated in.

Two methods, switched per replicate by population size under ``method="auto"``:

``exact``
    Gillespie's direct method over clones: one event (a division or a death) at a
    time, exponential waiting times, no time step. Rate changes at fixed days (therapy
    on and off, CIN window edges) are handled exactly by restarting the clock there
    (the exponential distribution is memoryless).
``tau``
    Tau-leaping with an exact leap per clone: over a step ``dt`` with constant rates
    (b, d), each of a clone's ``n`` cells leaves a surviving lineage with probability
    ``1 - alpha`` and a surviving lineage holds ``1 + Geometric`` cells (each further
    cell with probability ``beta``), where, with ``g = (exp((b - d) dt) - 1) / (b - d)``,
    ``alpha = d g / (1 + b g)`` and ``beta = b g / (1 + b g)``. That is the exact law of a
    linear birth-death process after ``dt``: mean, variance and extinction are exact at
    every step (tested). The step's divisions are the surviving lineages' extra cells
    plus ``Binomial(n, beta d g)`` divisions in lineages that died out, so their mean
    ``n b g`` is exact too; escape mutations and missegregations are drawn among them.
    Within one step, daughters of divisions do not divide again and a division that
    carries an escape mutation does not also missegregate. Steps land on every size the
    schedule reacts to (detection, ``max_cells``, relapse, adaptive pause and resume):
    near one, a step is cut so that the expected change plus five standard deviations
    reaches it, so runs stop within a few cells of each size (tested: within 1%).

Both methods run on one of two backends, "numba" (compiled kernels,
:mod:`cinlab.engine.kernels`) and "numpy", which perform the same arithmetic on the same
random numbers and so give identical runs (``tests/test_engine_backends.py``).

Rooms. :class:`Batch` is assembled from mixins, each owning the attributes its module
lists: the clone table (:mod:`~cinlab.engine.table`), the schedule of therapy, CIN,
size thresholds, stops and records (:mod:`~cinlab.engine.schedule`), and the steppers
(:mod:`~cinlab.engine.exact`, :mod:`~cinlab.engine.tau`). This module keeps the
scenario's constants, the run loop and :func:`simulate`.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import TYPE_CHECKING

import numpy as np

from ..karyotype import MissegregationSampler
from ..params import Scenario
from ..rng import replicate_keys, seed_sequence
from . import kernels
from .constants import CLONE_CAP, CLONE_CAP_DRIVERS, MAX_CLONES, RUNNING, SWITCH_SIZE, TAU_STEP
from .exact import ExactStepper
from .schedule import EPS, Rates, Schedule
from .table import CloneTable
from .tau import TauStepper

if TYPE_CHECKING:
    from ..result import Run

__all__ = ["Batch", "simulate"]

#: Exact iterations taken between two tau-leap steps of a batch.
_EXACT_BURST = 32


class Batch(CloneTable, Schedule, ExactStepper, TauStepper):
    """Replicates of one scenario simulated side by side (internal).

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    sequences : list of numpy.random.SeedSequence
        One seed sequence per replicate.
    method : {"exact", "tau", "auto"}
        Simulation method.
    record_lineage : bool
        Keep clone births and per-record clone counts (for a single run's Muller plot).
    switch_size : int
        Population size at which "auto" switches to tau-leaping (back below half of it).
    tau_step : float
        Largest tau-leap step in days.
    backend : {"auto", "numba", "numpy"}
        Which implementation of the inner loops runs (the same numbers either way).
    max_clones : int, optional
        Clone slots a replicate may hold (default ``MAX_CLONES``); a batch of n
        replicates holds at most ``min(max_clones, TABLE_SLOTS // n)`` per replicate.

    Bounds
    ------
    Memory follows clones, not cells. A replicate whose clone table would go past its
    cap stops with status ``"clone_cap"`` (event of that name): a tau step whose
    daughters could overflow the table is kept without its karyotype changes and
    mutations (those cells stay in their parent clone) and ends the run; an exact event
    fills at most two slots. Record points are those of ``record_interval``; in
    ``record_lineage`` mode the clone counts behind the Muller plot are stored at most
    about ``MAX_SNAPSHOTS`` times (every k-th record point, k = ceil(points /
    MAX_SNAPSHOTS)); the points in between reuse the latest stored counts.
    """

    def __init__(self, scenario: Scenario, sequences: list, method: str = "auto",
                 record_lineage: bool = False, switch_size: int = SWITCH_SIZE,
                 tau_step: float = TAU_STEP, backend: str = "auto",
                 max_clones: int = MAX_CLONES) -> None:
        self.backend = kernels.resolve_backend(backend)
        if isinstance(max_clones, bool) or not (isinstance(max_clones, int | np.integer)
                                                and 1 <= max_clones <= MAX_CLONES):
            raise ValueError(f"max_clones must be an integer in [1, {MAX_CLONES}]. "
                             f"Got {max_clones!r}.")
        if method not in ("exact", "tau", "auto"):
            raise ValueError(f"method must be 'exact', 'tau' or 'auto'. Got {method!r}.")
        if isinstance(tau_step, bool) or not (isinstance(tau_step, int | float)
                                              and 0 < tau_step <= 10):
            raise ValueError(f"tau_step must be in (0, 10] (days). Got {tau_step!r}.")
        if isinstance(switch_size, bool) or not (isinstance(switch_size, int | float)
                                                 and 1 <= switch_size <= 1e12):
            raise ValueError(f"switch_size must be a number of cells in [1, 1e12]. "
                             f"Got {switch_size!r}.")
        self.scenario = sc = scenario
        self.method = method
        self.record_lineage = record_lineage
        self.switch_size = {"exact": math.inf, "tau": 0, "auto": switch_size}[method]
        self.tau_step = float(tau_step)
        self.keys = replicate_keys(sequences)
        n_rep = self.n_rep = len(sequences)
        g = sc.genome
        self.n_chrom = g.n_chromosomes
        self.ploidy = g.ploidy
        self.max_copies = g.max_copies
        self.bypass = tuple(sc.escape.bypass_chromosomes)
        self.gain = sc.escape.bypass_gain
        self.fit_table = (1.0 - sc.fitness.aneuploidy_cost) ** np.arange(
            self.n_chrom * (self.max_copies + self.ploidy) + 1)
        self.samplers = {
            True: MissegregationSampler(sc.cin.missegregation_rate, self.max_copies),
            False: MissegregationSampler(sc.cin.baseline_rate, self.max_copies),
        }
        # per total copy number: P(a division missegregates), P(exactly one copy | any);
        # index 0 without CIN (baseline rate), 1 with
        #: largest aneuploidy score a viable karyotype can have
        self.amax = self.n_chrom * max(self.max_copies - self.ploidy, self.ploidy - 1)
        copies = np.arange(self.n_chrom * self.max_copies + 1)
        self.p_any = (self.samplers[False].p_any(copies), self.samplers[True].p_any(copies))
        self.p_single = (self.samplers[False].p_single(copies),
                         self.samplers[True].p_single(copies))
        # the same probabilities stacked as (baseline, CIN) rows for the compiled kernels
        self.p_any_stacked = np.stack(self.p_any)
        self.p_single_stacked = np.stack(self.p_single)
        self._stacked: tuple[np.ndarray, ...] | None = None
        self.th = sc.therapy
        self.rates = Rates.of(sc)
        self.rate_array = np.array(self.rates)  # in the order of Rates, for the kernels
        self.mu = sc.escape.mutation_rate
        cap = sc.growth.carrying_capacity
        self.capacity = math.inf if cap >= 1e12 else cap
        self.tau_mode = np.zeros(n_rep, dtype=bool)
        self.n_exact = np.zeros(n_rep, dtype=np.int64)
        self.n_tau = np.zeros(n_rep, dtype=np.int64)
        self._init_schedule(n_rep)
        self._init_table(n_rep, max_clones)
        all_rows = np.arange(n_rep)
        self.tau_mode[:] = sc.initial_cells >= self.switch_size
        if self.th is not None and self.th.start != "detection" and self.th.start <= EPS:
            self._start_therapy(all_rows)
        self._phase(all_rows)
        self._status(all_rows)

    def check_invariants(self) -> None:
        """Assert the table's invariants (:meth:`check_table`) and the schedule's.

        Run after every step when ``CINLAB_ENGINE_CHECKS`` is set: besides the table,
        time never passes the duration and records are filled in order.
        """
        self.check_table()
        assert np.all(self.t <= self.scenario.duration + EPS), "time past the duration"
        assert np.all(self.rec_idx <= self.rec_times.size), "records overflow"

    def run(self, callback=None) -> Batch:
        """Simulate every replicate to its end; returns self.

        ``callback(n_finished)`` is called after every iteration when given.
        """
        checking = bool(os.environ.get("CINLAB_ENGINE_CHECKS"))
        while True:
            if checking:
                self.check_invariants()
            running = self.status == RUNNING
            if callback is not None:
                callback(int(self.n_rep - running.sum()))
            if not running.any():
                break
            # Exact events are cheap and many, tau steps costly and few: take a burst of
            # exact iterations per tau step so each tau call covers many replicates.
            # Scheduling never changes a replicate's own history.
            for _ in range(_EXACT_BURST):
                exact = np.nonzero((self.status == RUNNING) & ~self.tau_mode)[0]
                if exact.size == 0:
                    break
                if self.backend == "numba":
                    self._exact_events_numba(exact)
                else:
                    self._exact_step(exact)
            tau = np.nonzero((self.status == RUNNING) & self.tau_mode)[0]
            if tau.size:
                self._tau_step(tau)
        return self


def simulate(scenario: Scenario, seed: None | int | np.random.SeedSequence
             | np.random.Generator = None, method: str = "auto", *,
             switch_size: int = SWITCH_SIZE, tau_step: float = TAU_STEP,
             backend: str = "auto") -> Run:
    """Simulate one tumour.

    Parameters
    ----------
    scenario : Scenario
        What to simulate (growth, CIN, escape, therapy, sizes and duration).
    seed : None, int, SeedSequence or Generator
        Source of randomness. The entropy actually used is kept in ``run.seed``, also
        when ``seed`` is None, so any run can be repeated.
    method : {"auto", "exact", "tau"}
        ``"exact"``: event-by-event stochastic simulation; ``"tau"``: tau-leaping
        (see the module notes for its error); ``"auto"``: exact below ``switch_size``
        cells, tau-leaping above.
    switch_size : int, optional
        Population size at which ``"auto"`` switches to tau-leaping.
    tau_step : float, optional
        Largest tau-leap step (days).
    backend : {"auto", "numba", "numpy"}, optional
        Implementation of the inner loops: "numba" (compiled), "numpy", or "auto"
        (numba where it imports). The same seed gives the same run on both.

    Returns
    -------
    Run
        Trajectories, events, clones, lineages and provenance. A run whose clone table
        fills (``MAX_CLONES`` slots) ends with status ``"clone_cap"`` and a
        RuntimeWarning naming the parameters that drive the clone count.

    Raises
    ------
    ValueError
        If ``scenario`` is not a Scenario, or ``seed`` or ``method`` is invalid.
    """
    from ..result import Run

    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a cinlab.Scenario. Got {type(scenario).__name__}.")
    ss = seed_sequence(seed)
    batch = Batch(scenario, [ss], method=method, record_lineage=True,
                  switch_size=switch_size, tau_step=tau_step, backend=backend).run()
    if batch.status[0] == CLONE_CAP:
        warnings.warn(f"The run stopped at day {batch.t[0]:g} (status 'clone_cap') with "
                      f"{int(batch.used[0])} clones: {CLONE_CAP_DRIVERS}.", RuntimeWarning,
                      stacklevel=2)
    return Run.from_batch(batch, 0, ss)
