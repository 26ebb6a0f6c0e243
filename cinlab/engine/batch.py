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
"""

from __future__ import annotations

import math
import os
import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..karyotype import MissegregationSampler, escape_chromosome
from ..params import Scenario
from ..rng import replicate_keys, seed_sequence, stream_base, uniforms
from . import draws, kernels
from .constants import (
    CLONE_CAP,
    CLONE_CAP_DRIVERS,
    DURATION,
    EXTINCT,
    MAX_CELLS,
    MAX_CLONES,
    MAX_SNAPSHOTS,
    ROUTE_KARYOTYPE,
    ROUTE_MUTATION,
    ROUTE_NONE,
    RUNNING,
    STATUS_NAMES,
    SWITCH_SIZE,
    TABLE_SLOTS,
    TAU_STEP,
)

if TYPE_CHECKING:
    from ..result import Run

__all__ = ["Batch", "simulate"]

STREAM_EXACT = 0x11
STREAM_TAU = 0x22
STREAM_DIVISION = 0x33
STREAM_SINGLE = 0x44
#: Clones with at most this many single-missegregation divisions in a step draw each
#: division's chromosome directly; larger ones split their count multinomially.
_FEW_EVENTS = 16
#: Exact iterations taken between two tau-leap steps of a batch.
_EXACT_BURST = 32
#: Most exact events per replicate in one call of the compiled exact kernel.
_EXACT_EVENTS = 64

#: Shortest step a tau-leap takes to land on a size threshold, as a fraction of the
#: tau step (0.001 days at the default step). A step aims at the threshold; a run that
#: falls just short takes another, shorter one, so it stops within a few cells of the
#: size (a tumour detected a whole step late would be up to e^((b - d) dt) larger, and
#: carry more escapees).
_LAND_MIN = 0.002
_EPS = 1e-9
_LANE_SHIFT = np.uint64(40)


def _rank_in_group(sorted_ids: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values (input sorted)."""
    n = sorted_ids.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths)


def _hash_weights(n: int) -> np.ndarray:
    """Fixed odd 64-bit multipliers for hashing karyotypes (derived, not random state)."""
    ss = np.random.SeedSequence(0xC1A5)
    return ss.generate_state(n, dtype=np.uint64) | np.uint64(1)


class Batch:
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
        #: clone slots a replicate may hold before it stops with status "clone_cap"
        self.clone_cap = int(max(min(max_clones, TABLE_SLOTS // max(n_rep, 1)), 1))
        self.cap_hit = np.zeros(n_rep, dtype=bool)
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
        self.p_any = tuple(self.samplers[f].p_any(copies) for f in (False, True))
        self.p_single = tuple(self.samplers[f].p_single(copies) for f in (False, True))
        self._stacked: tuple[np.ndarray, ...] | None = None
        self.hash_w = _hash_weights(self.n_chrom + 2)
        th = sc.therapy
        self.th = th
        self.rates = {
            "gb": sc.growth.birth_rate, "gd": sc.growth.death_rate,
            "eb": sc.escape.birth_rate, "ed": sc.escape.death_rate,
            "tb": th.birth_rate if th else 0.0, "td": th.death_rate if th else 0.0,
            "kill": th.kill_aneuploid if th else 0.0,
        }
        self.mu = sc.escape.mutation_rate
        cap = sc.growth.carrying_capacity
        self.capacity = math.inf if cap >= 1e12 else cap
        # records on a fixed grid
        self.rec_times = np.arange(0.0, sc.duration + _EPS, sc.record_interval)
        n_rec = self.rec_times.size
        #: lineage snapshots are stored at every ``snap_every``-th record point
        self.snap_every = max(1, math.ceil(n_rec / MAX_SNAPSHOTS))
        self.rec_total = np.full((n_rep, n_rec), -1, dtype=np.int64)
        self.rec_escaped = np.full((n_rep, n_rec), -1, dtype=np.int64)
        self.rec_idx = np.zeros(n_rep, dtype=np.int64)
        # per replicate state
        self.t = np.zeros(n_rep)
        self.status = np.zeros(n_rep, dtype=np.int8)
        self.tau_mode = np.zeros(n_rep, dtype=bool)
        self.n_exact = np.zeros(n_rep, dtype=np.int64)
        self.n_tau = np.zeros(n_rep, dtype=np.int64)
        self.started = np.zeros(n_rep, dtype=bool)
        self.t0 = np.full(n_rep, np.nan)
        self.paused = np.zeros(n_rep, dtype=bool)
        self.burden0 = np.zeros(n_rep)
        self.detection_time = np.full(n_rep, np.nan)
        self.fell_below = np.zeros(n_rep, dtype=bool)
        self.relapse_time = np.full(n_rep, np.nan)
        self.extinction_time = np.full(n_rep, np.nan)
        self.th_on = np.zeros(n_rep, dtype=bool)
        self.cin_on = np.zeros(n_rep, dtype=bool)
        self.kill_on = np.zeros(n_rep, dtype=bool)
        self.boundary = np.zeros(n_rep)
        self.events: list[tuple[int, float, str]] = []
        # clone table, one row per replicate
        cap = 4
        self.count = np.zeros((n_rep, cap), dtype=np.int64)
        self.kary = np.zeros((n_rep, cap, self.n_chrom), dtype=np.int8)
        self.mut = np.zeros((n_rep, cap), dtype=bool)
        self.esc = np.zeros((n_rep, cap), dtype=bool)
        self.route = np.zeros((n_rep, cap), dtype=np.int8)
        self.chrom = np.zeros((n_rep, cap), dtype=np.int16)
        self.aneu = np.zeros((n_rep, cap), dtype=np.int32)
        self.ncop = np.zeros((n_rep, cap), dtype=np.int16)  # chromosome copies per cell
        self.hkey = np.zeros((n_rep, cap), dtype=np.uint64)
        self.cid = np.full((n_rep, cap), -1, dtype=np.int64)
        self.used = np.ones(n_rep, dtype=np.int64)
        self.next_cid = np.ones(n_rep, dtype=np.int64)
        founder = np.full(self.n_chrom, self.ploidy, dtype=np.int8)
        self.count[:, 0] = sc.initial_cells
        self.kary[:, 0] = founder
        self.ncop[:, 0] = founder.sum()
        self.cid[:, 0] = 0
        self.hkey[:, 0] = self._hash(founder[None, :].astype(np.int64), np.zeros(1, bool))[0]
        self.chrom[:, 0] = escape_chromosome(founder, self.ploidy, self.bypass, self.gain)
        self.route[:, 0] = np.where(self.chrom[:, 0] > 0, ROUTE_KARYOTYPE, ROUTE_NONE)
        self.esc[:, 0] = self.route[:, 0] > 0
        self.total = np.full(n_rep, sc.initial_cells, dtype=np.int64)
        # sorted index of clone keys (hash + replicate) -> (row, slot); entries of dead
        # clones stay until their row is compacted or the karyotype arises again
        row_w = self.hash_w[self.n_chrom + 1]
        keys0 = self.hkey[:, 0] + np.arange(n_rep, dtype=np.uint64) * row_w
        order0 = np.argsort(keys0, kind="stable")
        self.ix_key = keys0[order0]
        self.ix_row = order0.astype(np.int64)
        self.ix_slot = np.zeros(n_rep, dtype=np.int64)
        self.escaped_total = np.where(self.esc[:, 0], self.total, 0)
        # lineage bookkeeping (single runs)
        self.births: list[tuple] = []
        self.snapshots: list[tuple[int, np.ndarray, np.ndarray]] = []
        all_rows = np.arange(n_rep)
        self.tau_mode[:] = sc.initial_cells >= self.switch_size
        if self.th is not None and self.th.start != "detection" and self.th.start <= _EPS:
            self._start_therapy(all_rows)
        self._phase(all_rows)
        self._status(all_rows)

    # ----------------------------------------------------------------- helpers

    def _hash(self, kary: np.ndarray, mut: np.ndarray) -> np.ndarray:
        w = self.hash_w
        h = (kary.astype(np.uint64) * w[: self.n_chrom]).sum(axis=1, dtype=np.uint64)
        return h + mut.astype(np.uint64) * w[self.n_chrom]

    def _grow(self, need: int) -> None:
        cap = self.count.shape[1]
        if need <= cap:
            return
        new = max(need, min(2 * cap, self.clone_cap))
        pad = new - cap

        def widen(a: np.ndarray, fill: int | bool = 0) -> np.ndarray:
            shape = (a.shape[0], pad, *a.shape[2:])
            return np.concatenate([a, np.full(shape, fill, dtype=a.dtype)], axis=1)

        self.count = widen(self.count)
        self.kary = widen(self.kary)
        self.mut = widen(self.mut, False)
        self.esc = widen(self.esc, False)
        self.route = widen(self.route)
        self.chrom = widen(self.chrom)
        self.aneu = widen(self.aneu)
        self.ncop = widen(self.ncop)
        self.hkey = widen(self.hkey)
        self.cid = widen(self.cid, -1)

    def _compact(self, rows: np.ndarray, n_live: np.ndarray | None = None) -> None:
        """Drop dead clone slots of rows that carry many (keeps the live ones' order).

        ``n_live``, the rows' live clone counts, is counted from the table if not given.
        """
        if rows.size == 0 or self.used[rows].max() <= 64:
            return
        width = int(self.used[rows].max())
        if n_live is None:
            n_live = (self.count[rows, :width] > 0).sum(axis=1)
        flag = (self.used[rows] > 64) & (self.used[rows] > 2 * n_live)
        if not flag.any():
            return
        flagged = rows[flag]
        width = int(self.used[flagged].max())
        live = self.count[flagged, :width] > 0
        remap = np.full((flagged.size, width), -1, dtype=np.int64)
        for i, (r, lv, n) in enumerate(zip(flagged, live, n_live[flag], strict=True)):
            keep = np.nonzero(lv)[0]
            remap[i, keep] = np.arange(n)
            for name in ("count", "kary", "mut", "esc", "route", "chrom", "aneu", "ncop",
                         "hkey", "cid"):
                arr = getattr(self, name)
                arr[r, :n] = arr[r, keep]
                arr[r, n:width] = -1 if name == "cid" else 0
            self.used[r] = n
        # move the key index along: entries of compacted rows get their new slot, or go
        where = np.searchsorted(flagged, self.ix_row)
        mine = (where < flagged.size) & (flagged[np.minimum(where, flagged.size - 1)]
                                         == self.ix_row)
        idx = np.nonzero(mine)[0]
        new_slot = remap[where[idx], self.ix_slot[idx]]
        self.ix_slot[idx] = new_slot
        gone = idx[new_slot < 0]
        if gone.size:
            keep = np.ones(self.ix_key.size, dtype=bool)
            keep[gone] = False
            self.ix_key, self.ix_row, self.ix_slot = (self.ix_key[keep], self.ix_row[keep],
                                                      self.ix_slot[keep])

    def _rates(self, rows: np.ndarray, esc: np.ndarray, aneu: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """Per-slot division and death rates for slots of the given replicate rows."""
        r = self.rates
        on = self.th_on[rows][:, None] if esc.ndim == 2 else self.th_on[rows]
        kill = self.kill_on[rows][:, None] if esc.ndim == 2 else self.kill_on[rows]
        b = np.where(esc, r["eb"], np.where(on, r["tb"], r["gb"])) * self.fit_table[aneu]
        d = np.where(esc, r["ed"], np.where(on, r["td"], r["gd"]))
        if r["kill"] > 0:
            d = d + np.where(kill, r["kill"] * aneu, 0.0)
        if self.capacity < math.inf:
            room = np.maximum(1.0 - self.total[rows] / self.capacity, 0.0)
            b = b * (room[:, None] if esc.ndim == 2 else room)
        return b, d

    # ------------------------------------------------------------ phase & status

    def _start_therapy(self, rows: np.ndarray) -> None:
        rows = rows[~self.started[rows]]
        if rows.size == 0:
            return
        self.started[rows] = True
        self.t0[rows] = self.t[rows]
        self.burden0[rows] = self.total[rows]
        for r in rows:
            self.events.append((int(r), float(self.t[r]), "therapy_start"))

    def _phase(self, rows: np.ndarray) -> None:
        """Recompute therapy, CIN and drug states and the next fixed boundary."""
        sc, th = self.scenario, self.th
        t = self.t[rows] + _EPS
        started = self.started[rows]
        boundary = np.full(rows.size, sc.duration)

        def after(x: np.ndarray) -> np.ndarray:
            return np.where(x > t, x, np.inf)

        th_on = np.zeros(rows.size, dtype=bool)
        kill_on = np.zeros(rows.size, dtype=bool)
        if th is not None:
            t0 = self.t0[rows]
            if th.start != "detection":
                boundary = np.minimum(boundary, np.where(started, np.inf,
                                                         after(np.full(rows.size, th.start))))
            if th.schedule == "continuous":
                th_on = started.copy()
            elif th.schedule == "intermittent":
                period = th.on_days + th.off_days
                since = np.where(started, t - t0, 0.0)
                n_cycle = np.floor(since / period)
                pos = since - n_cycle * period
                th_on = started & (pos < th.on_days)
                edge = t0 + n_cycle * period + np.where(pos < th.on_days, th.on_days, period)
                boundary = np.minimum(boundary, np.where(started, after(edge), np.inf))
            else:
                th_on = started & ~self.paused[rows]
            if th.kill_aneuploid > 0:
                k0 = t0 + th.kill_start
                k1 = k0 + th.kill_duration
                kill_on = started & (t >= k0) & (t < k1)
                nxt = np.minimum(after(k0), after(k1))
                boundary = np.minimum(boundary, np.where(started, nxt, np.inf))
        w = sc.cin.window
        if w == "always":
            cin_on = np.ones(rows.size, dtype=bool)
        elif w == "never":
            cin_on = np.zeros(rows.size, dtype=bool)
        elif w == "until_therapy":
            cin_on = ~started
        else:
            cin_on = (t >= w[0]) & (t < w[1])
            boundary = np.minimum(boundary, np.minimum(after(np.full(rows.size, w[0])),
                                                       after(np.full(rows.size, w[1]))))
        old_on = self.th_on[rows]
        for r, was, now in zip(rows, old_on, th_on, strict=True):
            if was != now and self.started[r] and th is not None and th.schedule != "continuous":
                self.events.append((int(r), float(self.t[r]),
                                    "therapy_on" if now else "therapy_off"))
        self.th_on[rows] = th_on
        self.kill_on[rows] = kill_on
        self.cin_on[rows] = cin_on
        self.boundary[rows] = boundary

    def _status(self, rows: np.ndarray) -> None:
        """Apply size-triggered changes after rows moved: detection, relapse, stops."""
        sc, th = self.scenario, self.th
        total = self.total[rows]
        t = self.t[rows]
        rephase = np.zeros(rows.size, dtype=bool)
        if th is not None:
            newly = np.isnan(self.detection_time[rows]) & (total >= th.detection_size)
            if newly.any():
                det = rows[newly]
                self.detection_time[det] = t[newly]
                for r in det:
                    self.events.append((int(r), float(self.t[r]), "detection"))
                if th.start == "detection":
                    self._start_therapy(det)
                    rephase |= newly
            started = self.started[rows]
            below = started & (total < sc.relapse_size)
            self.fell_below[rows[below]] = True
            relapse = (started & self.fell_below[rows] & (total >= sc.relapse_size)
                       & np.isnan(self.relapse_time[rows]))
            if relapse.any():
                rel = rows[relapse]
                self.relapse_time[rel] = self.t[rel] - self.t0[rel]
                for r in rel:
                    self.events.append((int(r), float(self.t[r]), "relapse"))
            if th.schedule == "adaptive":
                b0 = self.burden0[rows]
                pause = started & ~self.paused[rows] & (total < th.pause_fraction * b0)
                resume = started & self.paused[rows] & (total > th.resume_fraction * b0)
                self.paused[rows[pause]] = True
                self.paused[rows[resume]] = False
                rephase |= pause | resume
        crossed = t >= self.boundary[rows] - _EPS
        if th is not None and th.start != "detection":
            due = crossed & ~self.started[rows] & (t >= th.start - _EPS)
            if due.any():
                self._start_therapy(rows[due])
        rephase |= crossed
        if rephase.any():
            self._phase(rows[rephase])
        # stops
        extinct = total == 0
        # a step that hit the clone cap was kept without its daughters: it ends the run
        capped = ~extinct & (self.cap_hit[rows] | (self.used[rows] >= self.clone_cap))
        full = ~extinct & ~capped & (total >= sc.max_cells)
        over = ~extinct & ~capped & ~full & (t >= sc.duration - _EPS)
        for mask, code in ((extinct, EXTINCT), (full, MAX_CELLS), (over, DURATION),
                           (capped, CLONE_CAP)):
            if mask.any():
                done = rows[mask & (self.status[rows] == RUNNING)]
                self.status[done] = code
                if code == EXTINCT:
                    self.extinction_time[done] = self.t[done]
                for r in done:
                    self.events.append((int(r), float(self.t[r]), STATUS_NAMES[code]))
                self._record(done, self.t[done], inclusive=True, final=code)
        # method switch
        live = rows[self.status[rows] == RUNNING]
        size = self.total[live]
        self.tau_mode[live] = np.where(self.tau_mode[live], size >= self.switch_size / 2,
                                       size >= self.switch_size)

    # ------------------------------------------------------------------ records

    def _record(self, rows: np.ndarray, until: np.ndarray, inclusive: bool,
                final: int = RUNNING) -> None:
        """Record the current state at grid times before (or at) ``until``."""
        if rows.size == 0:
            return
        side: Literal["left", "right"] = "right" if inclusive else "left"
        stop = np.searchsorted(self.rec_times, until + (_EPS if inclusive else -_EPS),
                               side=side)
        if final == EXTINCT:
            stop = np.full(rows.size, self.rec_times.size)
        n_new = stop - self.rec_idx[rows]
        take = n_new > 0
        if not take.any():
            return
        rows, n_new, start = rows[take], n_new[take], self.rec_idx[rows[take]]
        rep = np.repeat(rows, n_new)
        offs = np.arange(n_new.sum()) - np.repeat(np.cumsum(n_new) - n_new, n_new)
        cols = np.repeat(start, n_new) + offs
        self.rec_total[rep, cols] = np.repeat(self.total[rows], n_new)
        self.rec_escaped[rep, cols] = np.repeat(self.escaped_total[rows], n_new)
        self.rec_idx[rows] = start + n_new
        if self.record_lineage:
            k = self.snap_every
            for r, s, n in zip(rows, start, n_new, strict=True):
                fresh = False
                for col in range(s, s + n):
                    if not fresh and (col % k == 0 or final != RUNNING or not self.snapshots):
                        width = self.used[r]
                        alive = self.count[r, :width] > 0
                        ids = self.cid[r, :width][alive].copy()
                        cnt = self.count[r, :width][alive].copy()
                        fresh = True
                    else:  # this call's counts, or (thinned) the latest stored ones
                        ids, cnt = self.snapshots[-1][1], self.snapshots[-1][2]
                    self.snapshots.append((int(col), ids, cnt))

    # ---------------------------------------------------------------- placement

    def _place(self, rows: np.ndarray, kary: np.ndarray, mut: np.ndarray,
               parent: np.ndarray, mult: np.ndarray, hk: np.ndarray | None = None) -> None:
        """Add daughter cells to live clones of their row, creating clones as needed.

        ``rows`` must be in canonical per-replicate order (the order in which the
        replicate alone would produce them); new clones are numbered in that order.
        ``hk``, the daughters' karyotype hashes, is computed when not given.
        """
        ok = np.all((kary >= 1) & (kary <= self.max_copies), axis=1) & (mult > 0)
        if hk is None:
            hk = self._hash(kary, mut)
        if not ok.all():
            rows, kary, mut, parent, mult, hk = (rows[ok], kary[ok], mut[ok], parent[ok],
                                                 mult[ok], hk[ok])
        if rows.size == 0:
            return
        row_w = self.hash_w[self.n_chrom + 1]
        key = hk + rows.astype(np.uint64) * row_w
        n_ix = self.ix_key.size
        if key.size > 1000:  # sorted queries walk the index in order: fewer cache misses
            o = np.argsort(key)
            pos = np.empty(key.size, dtype=np.int64)
            pos[o] = np.searchsorted(self.ix_key, key[o])
        else:
            pos = np.searchsorted(self.ix_key, key)
        pos = np.minimum(pos, max(n_ix - 1, 0))
        found = (self.ix_key[pos] == key) if n_ix else np.zeros(key.size, dtype=bool)
        fr, fs = self.ix_row[pos], self.ix_slot[pos]
        matched = found & (self.count[fr, fs] > 0) if n_ix else found
        if matched.any():
            mr, mc = fr[matched], fs[matched]
            same = np.all(self.kary[mr, mc] == kary[matched], axis=1) & (
                self.mut[mr, mc] == mut[matched]) & (mr == rows[matched])
            if not same.all():
                raise RuntimeError("karyotype hash collision; please report this seed")
            np.add.at(self.count, (mr, mc), mult[matched])
        new = ~matched
        if not new.any():
            return
        rows_n, kary_n, mut_n = rows[new], kary[new], mut[new]
        parent_n, mult_n, key_n, hk_n = parent[new], mult[new], key[new], hk[new]
        found_n, pos_n = found[new], pos[new]
        _, first, inverse = np.unique(key_n, return_index=True, return_inverse=True)
        amount = np.bincount(inverse, weights=mult_n).astype(np.int64)
        # order new clones by replicate, then by first appearance
        order = np.lexsort((first, rows_n[first]))
        first, amount = first[order], amount[order]
        self._create(rows_n[first], kary_n[first], mut_n[first], parent_n[first],
                     key_n[first], hk_n[first], amount, found_n[first], pos_n[first])

    def _create(self, nr: np.ndarray, k: np.ndarray, m: np.ndarray, parent: np.ndarray,
                key: np.ndarray, hk: np.ndarray, amount: np.ndarray, again: np.ndarray,
                pos: np.ndarray) -> None:
        """Append new clones (in canonical order) and enter them in the key index.

        ``again`` marks keys already in the index (a dead clone's entry, at ``pos``),
        which is pointed at the new clone; other keys are inserted.
        """
        rank = _rank_in_group(nr)
        slot = self.used[nr] + rank
        self._grow(int(slot.max()) + 1)
        # key index: a dead clone's entry now points at the new clone; others are inserted
        self.ix_slot[pos[again]] = slot[again]
        fresh = np.nonzero(~again)[0]
        if fresh.size:
            fk = key[fresh]
            o = np.argsort(fk, kind="stable")
            at = np.searchsorted(self.ix_key, fk[o])
            self.ix_key = np.insert(self.ix_key, at, fk[o])
            self.ix_row = np.insert(self.ix_row, at, nr[fresh][o])
            self.ix_slot = np.insert(self.ix_slot, at, slot[fresh][o])
        chrom = escape_chromosome(k, self.ploidy, self.bypass, self.gain)
        route = np.where(chrom > 0, ROUTE_KARYOTYPE, np.where(m, ROUTE_MUTATION, ROUTE_NONE))
        self.count[nr, slot] = amount
        self.kary[nr, slot] = k
        self.mut[nr, slot] = m
        self.chrom[nr, slot] = chrom
        self.route[nr, slot] = route
        self.esc[nr, slot] = route > 0
        self.aneu[nr, slot] = np.abs(k.astype(np.int32) - self.ploidy).sum(axis=1)
        self.ncop[nr, slot] = k.sum(axis=1)
        self.hkey[nr, slot] = hk
        ids = self.next_cid[nr] + rank
        self.cid[nr, slot] = ids
        counts = np.bincount(nr, minlength=self.n_rep)
        self.used += counts
        self.next_cid += counts
        if self.record_lineage:
            for i in range(nr.size):
                self.births.append((int(ids[i]), int(parent[i]),
                                    float(self.t[nr[i]]), k[i].astype(np.int8).copy(),
                                    bool(m[i]), int(route[i]), int(chrom[i])))

    def _daughters_numba(self, rows: np.ndarray, li: np.ndarray, lr: np.ndarray,
                         lc: np.ndarray, rank: np.ndarray, lane_base: np.ndarray,
                         cin: np.ndarray, mutants: np.ndarray, mis: np.ndarray,
                         single: np.ndarray) -> tuple[np.ndarray, ...]:
        """The compiled twin of ``_missegregations`` plus the mutants (same order)."""
        sbase = stream_base(self.keys[rows], STREAM_SINGLE, self.n_tau[rows])[li]
        dbase = stream_base(self.keys[rows], STREAM_DIVISION, self.n_tau[rows])[li]
        return kernels._daughters_numba(
            lr, li, self.kary[lr, lc], self.ncop[lr, lc], cin, self.mut[lr, lc],
            self.cid[lr, lc], self.hkey[lr, lc], mutants, mis, single, lane_base, rank,
            sbase, dbase, self.hash_w, _FEW_EVENTS, *self._sampler_tables())

    def _sampler_tables(self) -> tuple[np.ndarray, ...]:
        """Missegregation tables stacked as (baseline, CIN) for the compiled kernels."""
        if self._stacked is None:
            top = self.n_chrom * self.max_copies
            pair = [self.samplers[f] for f in (False, True)]
            ge = [s.tables(top) for s in pair]
            self._stacked = (np.stack([s.pmf for s in pair]), pair[0].half,
                             np.stack([g[0][: top + 1] for g in ge]),
                             np.stack([g[1][: top + 1] for g in ge]))
        return self._stacked

    def _place_numba(self, rows: np.ndarray, kary: np.ndarray, mut: np.ndarray,
                     parent: np.ndarray, mult: np.ndarray, hk: np.ndarray) -> None:
        """The compiled twin of :meth:`_place`."""
        if rows.size == 0:
            return
        key = hk + rows.astype(np.uint64) * self.hash_w[self.n_chrom + 1]
        ok, first, amount, again, pos = kernels._match_numba(
            rows, kary, mut, mult, key, self.max_copies, self.ix_key, self.ix_row,
            self.ix_slot, self.count, self.kary, self.mut)
        if not ok:
            raise RuntimeError("karyotype hash collision; please report this seed")
        if first.size:
            self._create(rows[first], kary[first], mut[first], parent[first], key[first],
                         hk[first], amount, again, pos)

    def _cap_daughters(self, rows: np.ndarray, li: np.ndarray, lr: np.ndarray,
                       lc: np.ndarray, mutants: np.ndarray, mis: np.ndarray,
                       single: np.ndarray) -> np.ndarray:
        """Which clones of a tau step may place daughters without overflowing the table.

        ``li`` (row index into ``rows``), ``lr``, ``lc`` locate clones with ``mutants``
        mutant and ``mis`` missegregating divisions (``single`` of them with one copy
        moved). A replicate whose step could create more clones than its table has room
        for (the daughters' count, as the compiled kernel bounds it) is marked to stop
        with status "clone_cap": its mutants go back to their parent clone and its
        missegregating divisions stay there as faithful ones. Returns the kept clones.
        """
        few = single <= _FEW_EVENTS
        bound = np.where(few, 2 * single, 2 * self.n_chrom) + 2 * (mis - single) + (
            mutants > 0)
        room = self.clone_cap - self.used[rows]
        over = np.bincount(li, weights=bound, minlength=rows.size) > room
        if not over.any():
            return np.ones(li.size, dtype=bool)
        self.cap_hit[rows[over]] = True
        drop = over[li]
        self.count[lr[drop], lc[drop]] += mutants[drop]
        return ~drop

    def _refresh_totals(self, rows: np.ndarray) -> None:
        width = int(self.used[rows].max())
        cnt = self.count[rows, :width]
        self.total[rows] = cnt.sum(axis=1)
        self.escaped_total[rows] = (cnt * self.esc[rows, :width]).sum(axis=1)

    # -------------------------------------------------------------------- exact

    def _exact_step(self, rows: np.ndarray) -> None:
        width = int(self.used[rows].max())
        cnt = self.count[rows, :width]
        esc = self.esc[rows, :width]
        aneu = self.aneu[rows, :width]
        b, d = self._rates(rows, esc, aneu)
        w_birth = cnt * b
        w = w_birth + cnt * d
        cum = np.cumsum(w, axis=1)
        rate = cum[:, -1]
        base = stream_base(self.keys[rows], STREAM_EXACT, self.n_exact[rows])
        u = uniforms(base[:, None], np.arange(2))
        with np.errstate(divide="ignore", over="ignore"):
            dt = np.where(rate > 0, -np.log(u[:, 0]) / np.where(rate > 0, rate, 1.0), np.inf)
        t_new = self.t[rows] + dt
        bnd = self.boundary[rows]
        cross = t_new >= bnd
        t_next = np.where(cross, bnd, t_new)
        self._record(rows, t_next, inclusive=False)
        self.t[rows] = t_next
        ev = ~cross
        if ev.any():
            er = rows[ev]
            target = u[ev, 1] * rate[ev]
            cum_e = cum[ev]
            if width == 1:
                slot = np.zeros(er.size, dtype=np.int64)
                birth = target < w_birth[ev, 0]
            else:
                slot = (cum_e <= target[:, None]).sum(axis=1)
                last = width - 1 - np.argmax(w[ev][:, ::-1] > 0, axis=1)
                slot = np.minimum(slot, last)
                ie = np.arange(er.size)
                prev = np.where(slot > 0, cum_e[ie, np.maximum(slot - 1, 0)], 0.0)
                birth = (target - prev) < w_birth[ev][ie, slot]
            dr, ds = er[~birth], slot[~birth]
            self.count[dr, ds] -= 1
            if birth.any():
                self._exact_births(er[birth], slot[birth], base[ev][birth])
        self.n_exact[rows] += 1
        self._refresh_totals(rows)
        self._compact(rows)
        self._status(rows)

    def _exact_events_numba(self, rows: np.ndarray) -> None:
        """Exact events by the compiled kernel: the same events as ``_exact_step``.

        Each replicate takes up to ``_EXACT_EVENTS`` events in one call and stops after
        any event the schedule reacts to (the thresholds below, a fixed time, a table
        compaction) or at a division whose daughters change, which is placed here.
        """
        k = _EXACT_EVENTS
        counters = self.n_exact[rows][:, None] + np.arange(k)
        bases = stream_base(self.keys[rows][:, None], STREAM_EXACT, counters)
        u = uniforms(bases[..., None], np.arange(2))
        with np.errstate(divide="ignore"):
            expo = -np.log(u[..., 0])
        sc, th = self.scenario, self.th
        hi_ge = np.full(rows.size, min(float(self.switch_size), sc.max_cells))
        hi_gt = np.full(rows.size, np.inf)
        lo_lt = np.ones(rows.size)
        if th is not None:
            hi_ge = np.where(np.isnan(self.detection_time[rows]),
                             np.minimum(hi_ge, th.detection_size), hi_ge)
            started = self.started[rows]
            armed = started & self.fell_below[rows] & np.isnan(self.relapse_time[rows])
            hi_ge = np.where(armed, np.minimum(hi_ge, sc.relapse_size), hi_ge)
            lo_lt = np.where(started & ~self.fell_below[rows],
                             np.maximum(lo_lt, sc.relapse_size), lo_lt)
            if th.schedule == "adaptive":
                b0 = self.burden0[rows]
                paused = self.paused[rows]
                hi_gt = np.where(started & paused, th.resume_fraction * b0, hi_gt)
                lo_lt = np.where(started & ~paused,
                                 np.maximum(lo_lt, th.pause_fraction * b0), lo_lt)
        r = self.rates
        rates = np.array([r["gb"], r["gd"], r["eb"], r["ed"], r["tb"], r["td"], r["kill"]])
        slot, base = kernels._exact_numba(
            rows, k, expo, np.ascontiguousarray(u[..., 1]), bases, self.count, self.esc,
            self.aneu, self.mut, self.ncop, self.used, self.total, self.escaped_total, self.t,
            self.boundary, self.n_exact, self.rec_times, self.rec_idx, self.rec_total,
            self.rec_escaped, self.th_on, self.kill_on, self.cin_on, rates, self.fit_table,
            float(self.capacity), float(self.mu), np.stack(self.p_any), hi_ge, hi_gt, lo_lt,
            _EPS)
        pend = slot >= 0
        if pend.any():
            self._exact_births(rows[pend], slot[pend], base[pend])
        self._refresh_totals(rows)
        self._compact(rows)
        self._status(rows)

    def _exact_births(self, rows: np.ndarray, slot: np.ndarray, base: np.ndarray) -> None:
        n_chrom = self.n_chrom
        if self.mu == 0 and self.samplers[True].beta == 0 and self.samplers[False].beta == 0:
            self.count[rows, slot] += 1  # no division can change a karyotype or mutate
            return
        kary = self.kary[rows, slot].astype(np.int16)
        ncopies = kary.sum(axis=1)
        u = uniforms(base[:, None], np.arange(2, 4))
        cin = self.cin_on[rows]
        any_mis = np.zeros(rows.size, dtype=bool)
        change = np.zeros(kary.shape, dtype=np.int16)
        for flag in (True, False):
            sel = cin == flag
            sampler = self.samplers[flag]
            if not sel.any() or sampler.beta == 0:
                continue
            hit = sel & (u[:, 0] < sampler.p_any(ncopies))
            if hit.any():
                uu = uniforms(base[hit][:, None], np.arange(4, 4 + 2 * n_chrom))
                change[hit] = sampler.changes(kary[hit], uu)
                any_mis |= hit
        mutate = (~self.esc[rows, slot]) & (~self.mut[rows, slot]) & (u[:, 1] < self.mu)
        altered = any_mis | mutate
        plain = ~altered
        self.count[rows[plain], slot[plain]] += 1
        if altered.any():
            ar, aslot = rows[altered], slot[altered]
            ka, ch = kary[altered], change[altered]
            pm = self.mut[ar, aslot]
            pid = self.cid[ar, aslot]
            n = ar.size
            d_rows = np.repeat(ar, 2)
            d_kary = np.empty((2 * n, n_chrom), dtype=np.int16)
            d_kary[0::2] = ka + ch
            d_kary[1::2] = ka - ch
            d_mut = np.repeat(pm, 2)
            d_mut[0::2] |= mutate[altered]
            self._place(d_rows, d_kary, d_mut, np.repeat(pid, 2),
                        np.ones(2 * n, dtype=np.int64))
            self.count[ar, aslot] -= 1

    # ---------------------------------------------------------------------- tau

    def _step_length(self, rows: np.ndarray, max_rate: np.ndarray,
                     growth: np.ndarray) -> np.ndarray:
        """A tau step's length per replicate (days).

        At most ``tau_step``, up to the next record time and fixed-time boundary, with
        (b + d) dt <= 0.5 for every clone, and landing on size thresholds.
        """
        t = self.t[rows]
        nxt_rec = self.rec_times[np.minimum(self.rec_idx[rows], self.rec_times.size - 1)]
        nxt_rec = np.where(self.rec_idx[rows] < self.rec_times.size, nxt_rec, np.inf)
        dt = np.minimum(self.tau_step, np.minimum(self.boundary[rows], nxt_rec) - t)
        with np.errstate(over="ignore"):
            dt = np.minimum(dt, np.where(max_rate > 0,
                                         0.5 / np.where(max_rate > 0, max_rate, 1), np.inf))
        dt = np.maximum(dt, 0.0)
        self._land_on_thresholds(rows, growth, max_rate, dt)
        return dt

    def _tau_step(self, rows: np.ndarray) -> None:
        if self.backend == "numba":
            self._tau_step_numba(rows)
            return
        self._record(rows, self.t[rows], inclusive=True)
        width = int(self.used[rows].max())
        cnt2 = self.count[rows, :width]
        li, lc = np.nonzero(cnt2 > 0)
        lr = rows[li]
        n = cnt2[li, lc]
        esc = self.esc[lr, lc]
        aneu = self.aneu[lr, lc]
        b, d = self._rates(lr, esc, aneu)
        # (li is sorted: nonzero walks the table row by row)
        first = np.flatnonzero(np.concatenate(([True], li[1:] != li[:-1])))
        max_rate = np.zeros(rows.size)
        max_rate[li[first]] = np.maximum.reduceat(b + d, first)
        growth = np.bincount(li, weights=n * (b - d), minlength=rows.size)
        t = self.t[rows]
        dt = self._step_length(rows, max_rate, growth)
        dts = dt[li]
        lam = b - d
        small = np.abs(lam * dts) < 1e-8
        g = np.where(small, dts, np.expm1(lam * dts) / np.where(small, 1.0, lam))
        bg = b * g
        alpha = d * g / (1.0 + bg)
        beta = bg / (1.0 + bg)
        extra = beta * d * g
        mu = np.where(esc | self.mut[lr, lc], 0.0, self.mu)
        cin = self.cin_on[lr]
        ncop = self.ncop[lr, lc]
        p_any = np.where(cin, self.p_any[1][ncop], self.p_any[0][ncop])
        p_single = np.where(cin, self.p_single[1][ncop], self.p_single[0][ncop])
        rank = _rank_in_group(li)
        base = stream_base(self.keys[rows], STREAM_TAU, self.n_tau[rows])[li]
        # a clone's uniforms are lanes rank * LANES_PER_CLONE + k of its row's step
        # stream; a lane's value does not depend on which others are computed
        lane_base = base + rank.astype(np.uint64) * np.uint64(kernels.LANES_PER_CLONE)
        draw = kernels.tau_draws(n, alpha, beta, extra, mu, p_any, p_single, lane_base)
        self.count[lr, lc] = draw[:, 0]
        mutants, mis, single = draw[:, 1], draw[:, 2], draw[:, 3]
        has = (mis > 0) | (mutants > 0)
        if has.any():
            ev = np.nonzero(has)[0]
            keep = self._cap_daughters(rows, li[ev], lr[ev], lc[ev], mutants[ev], mis[ev],
                                       single[ev])
            if not keep.all():
                mutants, mis, single = mutants.copy(), mis.copy(), single.copy()
                mutants[ev[~keep]] = mis[ev[~keep]] = single[ev[~keep]] = 0
        self.t[rows] = t + dt
        used_before = self.used[rows].copy()
        parts: tuple[list, ...] = ([], [], [], [], [], [])  # rows kary mut parent mult hash
        if mis.any():
            ev = np.nonzero(mis > 0)[0]
            self._missegregations(rows, li[ev], lr[ev], lc[ev], rank[ev], lane_base[ev],
                                  cin[ev], mis[ev], single[ev], parts)
        if mutants.any():
            mi = np.nonzero(mutants > 0)[0]
            parts[0].append(lr[mi])
            parts[1].append(self.kary[lr[mi], lc[mi]].astype(np.int16))
            parts[2].append(np.ones(mi.size, dtype=bool))
            parts[3].append(self.cid[lr[mi], lc[mi]])
            parts[4].append(mutants[mi])
            parts[5].append(self.hkey[lr[mi], lc[mi]] + self.hash_w[self.n_chrom])
        if parts[0]:
            prow = np.concatenate(parts[0])
            # canonical order: by replicate, then by part, then by position
            order = np.argsort(prow, kind="stable")
            self._place(*(np.concatenate(part)[order] for part in parts))
            self.count[lr, lc] -= 2 * mis  # the parent cell and its +1 in births
        self.n_tau[rows] += 1
        n_live = self._step_totals(rows, li, lr, lc, esc, used_before)
        self._record(rows, self.t[rows], inclusive=True)
        self._compact(rows, n_live)
        self._status(rows)

    def _rate_tables(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Division and death rates by (replicate, escaped, aneuploidy score).

        The same numbers as :meth:`_rates` gives clone by clone (same operations in the
        same order), tabulated for the compiled tau step.
        """
        r = self.rates
        a = np.arange(self.amax + 1)
        on = self.th_on[rows][:, None, None]
        esc = np.array([False, True])[None, :, None]
        b = np.where(esc, r["eb"], np.where(on, r["tb"], r["gb"])) * self.fit_table[a]
        d = np.where(esc, r["ed"], np.where(on, r["td"], r["gd"])) * np.ones(a.size)
        if r["kill"] > 0:
            d = d + np.where(self.kill_on[rows][:, None, None], r["kill"] * a, 0.0)
        if self.capacity < math.inf:
            room = np.maximum(1.0 - self.total[rows] / self.capacity, 0.0)
            b = b * room[:, None, None]
        shape = (rows.size, 2, a.size)
        return np.broadcast_to(b, shape).copy(), np.broadcast_to(d, shape).copy()

    def _tau_step_numba(self, rows: np.ndarray) -> None:
        """The compiled tau step: the same draws, daughters and clones as ``_tau_step``."""
        self._record(rows, self.t[rows], inclusive=True)
        b, d = self._rate_tables(rows)
        max_rate, growth = kernels._tau_scan_numba(rows, self.count, self.esc, self.aneu,
                                                   self.used, b, d)
        dt = self._step_length(rows, max_rate, growth)
        dts = dt[:, None, None]
        lam = b - d
        small = np.abs(lam * dts) < 1e-8
        with np.errstate(invalid="ignore"):
            g = np.where(small, dts, np.expm1(lam * dts) / np.where(small, 1.0, lam))
        bg = b * g
        alpha = d * g / (1.0 + bg)
        beta = bg / (1.0 + bg)
        extra = beta * d * g
        step_base = stream_base(self.keys[rows], STREAM_TAU, self.n_tau[rows])
        ev_i, ev_s, ev_rank, ev_base, ev_z = kernels._tau_clones_numba(
            rows, self.count, self.esc, self.aneu, self.mut, self.ncop, self.used,
            self.cin_on, alpha, beta, extra, float(self.mu), np.stack(self.p_any),
            np.stack(self.p_single), step_base, kernels.LANES_PER_CLONE)
        self.t[rows] = self.t[rows] + dt
        if ev_i.size:
            keep = self._cap_daughters(rows, ev_i, rows[ev_i], ev_s, ev_z[:, 0], ev_z[:, 1],
                                       ev_z[:, 2])
            if not keep.all():
                ev_i, ev_s, ev_rank, ev_base, ev_z = (ev_i[keep], ev_s[keep], ev_rank[keep],
                                                      ev_base[keep], ev_z[keep])
        if ev_i.size:
            lr, lc = rows[ev_i], ev_s
            mutants, mis, single = (np.ascontiguousarray(ev_z[:, j]) for j in range(3))
            self._place_numba(*self._daughters_numba(
                rows, ev_i, lr, lc, ev_rank, ev_base, self.cin_on[lr], mutants, mis, single))
            self.count[lr, lc] -= 2 * mis  # the parent cell and its +1 in births
        self.n_tau[rows] += 1
        n_live = kernels._totals_numba(rows, self.count, self.esc, self.used, self.total,
                                       self.escaped_total)
        self._record(rows, self.t[rows], inclusive=True)
        self._compact(rows, n_live)
        self._status(rows)

    def _step_totals(self, rows: np.ndarray, li: np.ndarray, lr: np.ndarray,
                     lc: np.ndarray, esc: np.ndarray, used_before: np.ndarray) -> np.ndarray:
        """Totals after a tau step from the clones it touched; returns live clones per row.

        Every cell after the step is in a clone that was alive at its start (``li``,
        ``lr``, ``lc``) or in a clone it created (slots from ``used_before`` on), so the
        table's dead slots need not be read.
        """
        after = self.count[lr, lc]
        total = np.bincount(li, weights=after, minlength=rows.size)
        escaped = np.bincount(li, weights=np.where(esc, after, 0), minlength=rows.size)
        n_live = np.bincount(li, weights=after > 0, minlength=rows.size)
        created = self.used[rows] - used_before
        if created.any():
            at = np.repeat(np.arange(rows.size), created)
            slot = used_before[at] + _rank_in_group(at)
            amount = self.count[rows[at], slot]
            total += np.bincount(at, weights=amount, minlength=rows.size)
            escaped += np.bincount(at, weights=np.where(self.esc[rows[at], slot], amount, 0),
                                   minlength=rows.size)
            n_live += created
        self.total[rows] = total.astype(np.int64)
        self.escaped_total[rows] = escaped.astype(np.int64)
        return n_live.astype(np.int64)

    def _land_on_thresholds(self, rows: np.ndarray, growth: np.ndarray,
                            max_rate: np.ndarray, dt: np.ndarray) -> None:
        """Shorten steps (in place) that would carry a tumour across a size threshold.

        The thresholds are every size the schedule reacts to: the detection size (while
        undetected), ``max_cells``, the relapse size (after regression), and the
        adaptive schedule's pause and resume sizes. Near the nearest threshold in the
        direction the population moves (at its mean net growth rate r), a step is cut so
        that the expected change plus five standard deviations reaches it, but never
        below ``_LAND_MIN`` tau steps; so the schedule reacts within a few cells of each
        size (tested: within 1%) instead of up to one whole step later.
        """
        sc, th = self.scenario, self.th
        total = self.total[rows].astype(np.float64)
        rate = growth / np.maximum(total, 1.0)  # growth: sum of n (b - d) over clones
        up = np.full(rows.size, float(sc.max_cells))
        down = np.zeros(rows.size)
        if th is not None:
            up = np.where(np.isnan(self.detection_time[rows]),
                          np.minimum(up, th.detection_size), up)
            started = self.started[rows]
            rel = started & self.fell_below[rows] & np.isnan(self.relapse_time[rows])
            up = np.where(rel, np.minimum(up, sc.relapse_size), up)
            if th.schedule == "adaptive":
                b0 = self.burden0[rows]
                paused = self.paused[rows]
                up = np.where(started & paused, np.minimum(up, th.resume_fraction * b0), up)
                down = np.where(started & ~paused,
                                np.maximum(down, th.pause_fraction * b0), down)
        # <= and >=: the pause and resume rules react only strictly past their sizes
        grow = (rate > 0) & (total > 0) & (total <= up)
        shrink = (rate < 0) & (total >= down) & (down > 0)
        land = grow | shrink
        if not land.any():
            return
        # aim so that the expected change plus five standard deviations (at most
        # sqrt(n (b + d) t) cells) just reaches the threshold: a step then rarely
        # overshoots, and the gap left shrinks to a few cells in a few steps
        gap = np.where(grow, up - total, total - down)[land]
        a = total[land] * np.abs(rate[land])
        bb = 5.0 * np.sqrt(total[land] * max_rate[land])
        x = (np.sqrt(bb * bb + 4.0 * a * gap) - bb) / (2.0 * a)
        dt[land] = np.minimum(dt[land], np.maximum(x * x, _LAND_MIN * self.tau_step))

    def _missegregations(self, rows: np.ndarray, li: np.ndarray, lr: np.ndarray,
                         lc: np.ndarray, rank: np.ndarray, lane_base: np.ndarray,
                         cin: np.ndarray, mis: np.ndarray, single: np.ndarray,
                         parts: tuple[list, ...]) -> None:
        """Daughters of a tau step's missegregating divisions, for clones that have any.

        Arrays are per clone with ``mis > 0`` divisions (in table order); divisions with
        exactly one missegregated copy are counted per chromosome, the others are drawn
        one by one, conditioned on at least two events.
        """
        kary = self.kary[lr, lc]
        ncopies = self.ncop[lr, lc]
        pmut = self.mut[lr, lc]
        pid = self.cid[lr, lc]
        phk = self.hkey[lr, lc]
        multi = mis - single
        if single.any():
            self._single_events(rows, li, rank, lane_base, kary, ncopies,
                                (lr, pmut, pid, phk), single, parts)
        if multi.any():
            idx = np.repeat(np.arange(li.size), multi)
            div = np.arange(idx.size) - np.repeat(np.cumsum(multi) - multi, multi)
            dbase = stream_base(self.keys[rows], STREAM_DIVISION,
                                self.n_tau[rows])[li[idx]]
            n2 = 2 * self.n_chrom
            lane0 = (rank[idx].astype(np.uint64) << _LANE_SHIFT) + \
                div.astype(np.uint64) * np.uint64(n2)
            uu = uniforms((dbase + lane0)[:, None], np.arange(n2, dtype=np.uint64))
            pk = kary[idx].astype(np.int16)
            change = np.empty_like(pk)
            for flag in (True, False):
                sel = cin[idx] == flag
                if sel.any():
                    change[sel] = self.samplers[flag].changes(pk[sel], uu[sel], 2)
            dk = np.empty((2 * idx.size, self.n_chrom), dtype=np.int16)
            dk[0::2] = pk + change
            dk[1::2] = pk - change
            parts[0].append(np.repeat(lr[idx], 2))
            parts[1].append(dk)
            parts[2].append(np.repeat(pmut[idx], 2))
            parts[3].append(np.repeat(pid[idx], 2))
            parts[4].append(np.ones(2 * idx.size, dtype=np.int64))
            parts[5].append(self._hash(dk, parts[2][-1]))

    def _single_events(self, rows: np.ndarray, li: np.ndarray, rank: np.ndarray,
                       lane_base: np.ndarray, kary: np.ndarray, ncopies: np.ndarray,
                       parent: tuple[np.ndarray, ...], single: np.ndarray,
                       parts: tuple[list, ...]) -> None:
        """Daughters of divisions in which exactly one chromosome copy missegregated.

        Such a division gives one daughter with a copy of chromosome c gained and one
        with it lost, c chosen with probability proportional to its copies. Clones with
        few such divisions draw c for each; larger clones split their count over the
        chromosomes multinomially (sequential binomials). ``parent`` holds the parent
        clones' (row, mutation flag, clone id, karyotype hash); a daughter's hash is its
        parent's plus or minus the changed chromosome's weight.
        """
        n_chrom = self.n_chrom
        w = self.hash_w

        def add(at: np.ndarray, dk: np.ndarray, hk: np.ndarray, mult: np.ndarray) -> None:
            for store, value in zip(parts, (parent[0][at], dk, parent[1][at],
                                            parent[2][at], mult, hk), strict=True):
                store.append(value)

        few = np.nonzero((single > 0) & (single <= _FEW_EVENTS))[0]
        if few.size:
            m = single[few]
            idx = np.repeat(few, m)
            event = np.arange(idx.size) - np.repeat(np.cumsum(m) - m, m)
            sbase = stream_base(self.keys[rows], STREAM_SINGLE, self.n_tau[rows])[li[idx]]
            lane = (rank[idx].astype(np.uint64) << _LANE_SHIFT) + event.astype(np.uint64)
            u = uniforms(sbase + lane, np.zeros(1, dtype=np.uint64))
            cum = np.cumsum(kary[idx], axis=1, dtype=np.int64)
            chrom = (u[:, None] * ncopies[idx][:, None] >= cum).sum(axis=1)
            chrom = np.minimum(chrom, n_chrom - 1)
            sel = np.arange(idx.size)
            ones = np.ones(idx.size, dtype=np.int64)
            for sign in (1, -1):
                dk = kary[idx].astype(np.int16)
                dk[sel, chrom] += sign
                hk = parent[3][idx] + w[chrom] if sign > 0 else parent[3][idx] - w[chrom]
                add(idx, dk, hk, ones)
        many = np.nonzero(single > _FEW_EVENTS)[0]
        if many.size:
            lanes = np.arange(kernels.LANE_CHROMOSOMES, kernels.LANE_CHROMOSOMES + n_chrom,
                              dtype=np.uint64)
            u = uniforms(lane_base[many][:, None], lanes)
            left = single[many].copy()
            copies_left = ncopies[many].astype(np.float64)
            k = kary[many].astype(np.int16)
            for c in range(n_chrom):
                share = np.divide(k[:, c], copies_left, out=np.zeros(many.size),
                                  where=copies_left > 0)
                x = draws.binomial(left, np.minimum(share, 1.0), u[:, c])
                left -= x
                copies_left -= k[:, c]
                sel = np.nonzero(x > 0)[0]
                if sel.size == 0:
                    continue
                for sign in (1, -1):
                    dk = k[sel].copy()
                    dk[:, c] += sign
                    phk = parent[3][many[sel]]
                    add(many[sel], dk, phk + w[c] if sign > 0 else phk - w[c], x[sel])

    # --------------------------------------------------------------- invariants

    def check_invariants(self) -> None:
        """Assert the clone table's invariants (run after every step when checking).

        For every replicate: counts are >= 0 and sum to ``total`` (and the escaped ones
        to ``escaped_total``); live clones have viable karyotypes whose copy sum,
        aneuploidy score, hash, escape route and flags agree with the karyotype; clone
        ids are unique and below ``next_cid``; slots past ``used`` are empty; every live
        clone is found in the key index at its own slot; time never passes the
        duration and records are filled in order.
        """
        width = self.count.shape[1]
        slots = np.arange(width)
        inside = slots[None, :] < self.used[:, None]
        cnt = self.count
        assert np.all(cnt >= 0), "negative clone count"
        assert np.all(cnt[~inside] == 0), "cells beyond the used slots"
        assert np.array_equal(cnt.sum(axis=1), self.total), "total != sum of counts"
        assert np.array_equal((cnt * self.esc).sum(axis=1), self.escaped_total), \
            "escaped total != sum of escaped counts"
        live = cnt > 0
        r, c = np.nonzero(live)
        k = self.kary[r, c].astype(np.int64)
        assert np.all((k >= 1) & (k <= self.max_copies)), "live clone not viable"
        assert np.array_equal(self.ncop[r, c], k.sum(axis=1)), "copy number sum"
        assert np.array_equal(self.aneu[r, c], np.abs(k - self.ploidy).sum(axis=1)), \
            "aneuploidy score"
        assert np.array_equal(self.hkey[r, c], self._hash(k, self.mut[r, c])), "hash"
        chrom = escape_chromosome(k, self.ploidy, self.bypass, self.gain)
        assert np.array_equal(self.chrom[r, c], chrom), "bypass chromosome"
        assert np.array_equal(self.esc[r, c], self.route[r, c] > 0), "escape flag"
        assert np.all((self.route[r, c] == ROUTE_KARYOTYPE) == (chrom > 0)), "route"
        ids = self.cid[r, c]
        assert np.all((ids >= 0) & (ids < self.next_cid[r])), "clone id out of range"
        order = np.lexsort((ids, r))
        dup = (np.diff(r[order]) == 0) & (np.diff(ids[order]) == 0)
        assert not dup.any(), "clone id used twice in a replicate"
        key = self.hkey[r, c] + r.astype(np.uint64) * self.hash_w[self.n_chrom + 1]
        pos = np.minimum(np.searchsorted(self.ix_key, key), max(self.ix_key.size - 1, 0))
        assert np.all(self.ix_key[1:] >= self.ix_key[:-1]), "index not sorted"
        assert np.array_equal(self.ix_key[pos], key), "live clone missing from the index"
        assert np.array_equal(self.ix_row[pos], r), "index entry points at another row"
        assert np.array_equal(self.ix_slot[pos], c), "index entry points at another slot"
        assert np.all(self.t <= self.scenario.duration + _EPS), "time past the duration"
        assert np.all(self.rec_idx <= self.rec_times.size), "records overflow"

    # ---------------------------------------------------------------------- run

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
                if self.backend == "numba" and not self.record_lineage:
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
