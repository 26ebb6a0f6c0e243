"""The schedule of a batch: therapy, CIN window, sizes that trigger changes, and records.

:class:`Schedule` is a mixin of :class:`cinlab.engine.batch.Batch`. It owns, per
replicate: ``t`` (time), ``status``, ``started``, ``t0`` (therapy start), ``paused``
(adaptive dosing), ``burden0`` (size at therapy start), ``detection_time``,
``fell_below`` (regressed under the relapse size), ``relapse_time``,
``extinction_time``, ``th_on``, ``cin_on``, ``kill_on`` (states in force) and
``boundary`` (the next fixed time at which one changes); the batch's ``events``; and
the records: ``rec_times`` (the grid), ``rec_total``, ``rec_escaped``, ``rec_idx``
(points filled) and the lineage ``snapshots``. It also turns the states into rates
(:class:`Rates`, :meth:`Schedule._rates`) and chooses each tau step's length.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np

from ._jit import jit
from .constants import (
    CLONE_CAP,
    DURATION,
    EXTINCT,
    MAX_CELLS,
    MAX_SNAPSHOTS,
    RUNNING,
    SNAPSHOT_ENTRIES,
    STATUS_NAMES,
)

if TYPE_CHECKING:
    from ..params import Scenario, Therapy

__all__ = ["EPS", "LAND_MIN", "Rates", "Schedule", "step_lengths"]

#: Shortest step a tau-leap takes to land on a size threshold, as a fraction of the
#: tau step (0.001 days at the default step). A step aims at the threshold; a run that
#: falls just short takes another, shorter one, so it stops within a few cells of the
#: size (a tumour detected a whole step late would be up to e^((b - d) dt) larger, and
#: carry more escapees).
LAND_MIN = 0.002
#: Tolerance (days) of time comparisons.
EPS = 1e-9


class Rates(NamedTuple):
    """The scenario's rates per cell and day, as the steppers combine them.

    A clone's division rate is ``escape_birth`` if it has escaped, else
    ``therapy_birth`` while therapy is on, else ``birth``, times the aneuploidy cost
    factor (and the room left under a carrying capacity); its death rate likewise, plus
    ``kill_aneuploid`` per chromosome change while the anti-aneuploidy drug is on.
    """

    birth: float
    death: float
    escape_birth: float
    escape_death: float
    therapy_birth: float
    therapy_death: float
    kill_aneuploid: float

    @classmethod
    def of(cls, sc: Scenario) -> Rates:
        """The rates of a scenario (therapy rates 0 without therapy)."""
        th = sc.therapy
        return cls(sc.growth.birth_rate, sc.growth.death_rate, sc.escape.birth_rate,
                   sc.escape.death_rate, th.birth_rate if th else 0.0,
                   th.death_rate if th else 0.0, th.kill_aneuploid if th else 0.0)


class Schedule:
    """Therapy and CIN states, size-triggered changes, stops and records."""

    # set by Batch and the clone table
    scenario: Scenario
    th: Therapy | None
    rates: Rates
    fit_table: np.ndarray
    capacity: float
    amax: int
    tau_step: float
    switch_size: float
    record_lineage: bool
    tau_mode: np.ndarray
    total: np.ndarray
    escaped_total: np.ndarray
    used: np.ndarray
    count: np.ndarray
    cid: np.ndarray
    cap_hit: np.ndarray
    clone_cap: int
    births_room: Callable[..., np.ndarray]
    # owned here
    t: np.ndarray
    status: np.ndarray
    started: np.ndarray
    t0: np.ndarray
    paused: np.ndarray
    burden0: np.ndarray
    detection_time: np.ndarray
    fell_below: np.ndarray
    relapse_time: np.ndarray
    extinction_time: np.ndarray
    th_on: np.ndarray
    cin_on: np.ndarray
    kill_on: np.ndarray
    boundary: np.ndarray
    events: list[tuple[int, float, str]]
    rec_times: np.ndarray
    rec_total: np.ndarray
    rec_escaped: np.ndarray
    rec_idx: np.ndarray
    snap_every: int
    snap_entries: int
    snapshots: list[tuple[int, np.ndarray, np.ndarray]]

    def _init_schedule(self, n_rep: int) -> None:
        """Replicates at time 0, nothing recorded yet (states set by ``_phase``)."""
        sc = self.scenario
        # records on a fixed grid
        self.rec_times = np.arange(0.0, sc.duration + EPS, sc.record_interval)
        n_rec = self.rec_times.size
        #: lineage snapshots are stored at every ``snap_every``-th record point
        self.snap_every = max(1, math.ceil(n_rec / MAX_SNAPSHOTS))
        #: clone entries (ids and counts) held by stored snapshots
        self.snap_entries = 0
        self.rec_total = np.full((n_rep, n_rec), -1, dtype=np.int64)
        self.rec_escaped = np.full((n_rep, n_rec), -1, dtype=np.int64)
        self.rec_idx = np.zeros(n_rep, dtype=np.int64)
        self.t = np.zeros(n_rep)
        self.status = np.zeros(n_rep, dtype=np.int8)
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
        self.events = []
        self.snapshots = []

    def _watched_sizes(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """The sizes the schedule reacts to next, per replicate (inf or 0 for none).

        Returns ``up`` (the detection size while undetected, the relapse size once a
        treated tumour fell below it), ``resume`` (the adaptive resume size while
        paused), ``pause`` (the adaptive pause size while dosing) and ``fall`` (the
        relapse size while a treated tumour has not yet fallen below it). The exact
        kernel's stop sizes and the tau steps' landing both come from these.
        """
        sc, th = self.scenario, self.th
        inf = np.full(rows.size, np.inf)
        up, resume, pause, fall = inf, inf, np.zeros(rows.size), np.zeros(rows.size)
        if th is None:
            return up, resume, pause, fall
        up = np.where(np.isnan(self.detection_time[rows]), th.detection_size, up)
        started = self.started[rows]
        armed = started & self.fell_below[rows] & np.isnan(self.relapse_time[rows])
        up = np.where(armed, np.minimum(up, sc.relapse_size), up)
        fall = np.where(started & ~self.fell_below[rows], sc.relapse_size, fall)
        if th.schedule == "adaptive":
            b0 = self.burden0[rows]
            paused = self.paused[rows]
            resume = np.where(started & paused, th.resume_fraction * b0, resume)
            pause = np.where(started & ~paused, th.pause_fraction * b0, pause)
        return up, resume, pause, fall

    def _thresholds(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sizes at which the compiled exact kernel must hand back to the schedule.

        Per replicate: stop at ``total >= hi_ge``, ``total > hi_gt`` or
        ``total < lo_lt`` (detection, switch to tau, max_cells, relapse, regression
        under the relapse size, adaptive pause and resume; extinction).
        """
        up, resume, pause, fall = self._watched_sizes(rows)
        hi_ge = np.minimum(min(float(self.switch_size), self.scenario.max_cells), up)
        lo_lt = np.maximum(np.maximum(1.0, fall), pause)
        return hi_ge, resume, lo_lt

    def _rates(self, rows: np.ndarray, esc: np.ndarray, aneu: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """Per-slot division and death rates for slots of the given replicate rows."""
        r = self.rates
        on = self.th_on[rows][:, None] if esc.ndim == 2 else self.th_on[rows]
        kill = self.kill_on[rows][:, None] if esc.ndim == 2 else self.kill_on[rows]
        b = np.where(esc, r.escape_birth,
                     np.where(on, r.therapy_birth, r.birth)) * self.fit_table[aneu]
        d = np.where(esc, r.escape_death, np.where(on, r.therapy_death, r.death))
        if r.kill_aneuploid > 0:
            d = d + np.where(kill, r.kill_aneuploid * aneu, 0.0)
        room = self._room(rows)
        if room is not None:
            b = b * (room[:, None] if esc.ndim == 2 else room)
        return b, d

    def _room(self, rows: np.ndarray) -> np.ndarray | None:
        """The factor on division rates under a carrying capacity (None without one)."""
        if self.capacity == math.inf:
            return None
        return np.maximum(1.0 - self.total[rows] / self.capacity, 0.0)

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
        t = self.t[rows] + EPS
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
        crossed = t >= self.boundary[rows] - EPS
        if th is not None and th.start != "detection":
            due = crossed & ~self.started[rows] & (t >= th.start - EPS)
            if due.any():
                self._start_therapy(rows[due])
        rephase |= crossed
        if rephase.any():
            self._phase(rows[rephase])
        # stops
        extinct = total == 0
        # a step that hit the clone cap was kept without its daughters: it ends the run
        capped = ~extinct & (self.cap_hit[rows] | (self.births_room(rows) <= 0))
        full = ~extinct & ~capped & (total >= sc.max_cells)
        over = ~extinct & ~capped & ~full & (t >= sc.duration - EPS)
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

    def _record(self, rows: np.ndarray, until: np.ndarray, inclusive: bool,
                final: int = RUNNING) -> None:
        """Record the current state at grid times before (or at) ``until``."""
        if rows.size == 0:
            return
        side: Literal["left", "right"] = "right" if inclusive else "left"
        stop = np.searchsorted(self.rec_times, until + (EPS if inclusive else -EPS),
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
                        self.snap_entries += ids.size
                    else:  # this call's counts, or (thinned) the latest stored ones
                        ids, cnt = self.snapshots[-1][1], self.snapshots[-1][2]
                    self.snapshots.append((int(col), ids, cnt))
            if final == RUNNING and self.snap_entries > SNAPSHOT_ENTRIES:
                self._thin_snapshots()

    def _thin_snapshots(self) -> None:
        """Keep every other stored snapshot and store half as often from now on.

        Stored snapshots hold a clone id and count per live clone; once they hold more
        than ``SNAPSHOT_ENTRIES`` in all, the record points of a dropped one reuse the
        snapshot stored before it (as between stored points), and ``snap_every`` doubles.
        """
        self.snap_every *= 2
        k = self.snap_every
        kept: list[tuple[int, np.ndarray, np.ndarray]] = []
        entries = 0
        for i, (col, ids, cnt) in enumerate(self.snapshots):
            stored = i == 0 or ids is not self.snapshots[i - 1][1]
            if stored and (i == 0 or col % k == 0):
                kept.append((col, ids, cnt))
                entries += ids.size
            else:
                kept.append((col, kept[-1][1], kept[-1][2]))
        self.snapshots = kept
        self.snap_entries = entries

    def _step_length(self, rows: np.ndarray, max_rate: np.ndarray,
                     growth: np.ndarray) -> np.ndarray:
        """A tau step's length per replicate (days); see :func:`step_lengths`.

        ``max_rate`` is the largest b + d of a live clone, ``growth`` the sum of
        n (b - d) over the clones.
        """
        t = self.t[rows]
        idx = self.rec_idx[rows]
        nxt_rec = np.where(idx < self.rec_times.size,
                           self.rec_times[np.minimum(idx, self.rec_times.size - 1)], np.inf)
        up, resume, down, _ = self._watched_sizes(rows)
        up = np.minimum(np.minimum(float(self.scenario.max_cells), up), resume)
        return step_lengths(t, nxt_rec, self.boundary[rows], float(self.tau_step), max_rate,
                            growth, self.total[rows].astype(np.float64), up, down, LAND_MIN)


@jit
def step_lengths(t, nxt_rec, boundary, tau_step, max_rate, growth, total, up, down,
                 land_min):
    """Tau step lengths (days) of replicates at times ``t`` with ``total`` cells.

    At most ``tau_step``, up to the next record time ``nxt_rec`` and fixed-time
    ``boundary``, with (b + d) dt <= 0.5 for every clone (``max_rate``), and landing on
    size thresholds: the nearest one in the direction the population moves at its mean
    net growth rate r = ``growth`` / total, ``up`` (detection while undetected,
    ``max_cells``, the relapse size after regression, the adaptive resume size) or
    ``down`` (the adaptive pause size; 0 for none). Near it a step is cut so that the
    expected change plus five standard deviations (at most sqrt(n (b + d) t) cells)
    just reaches it, never below ``land_min`` tau steps: the schedule then reacts
    within a few cells of each size (tested: within 1%) instead of up to one whole step
    later. The pause and resume rules react only strictly past their sizes, hence
    ``<=`` and ``>=`` below. Compiled with numba where it imports; the same operations
    serve both backends.
    """
    dt = np.empty(t.size)
    for i in range(t.size):
        x = min(tau_step, min(boundary[i], nxt_rec[i]) - t[i])
        if max_rate[i] > 0:
            x = min(x, 0.5 / max_rate[i])
        x = max(x, 0.0)
        n = total[i]
        rate = growth[i] / max(n, 1.0)
        grow = rate > 0 and n > 0 and n <= up[i]
        shrink = rate < 0 and n >= down[i] and down[i] > 0
        if grow or shrink:
            gap = up[i] - n if grow else n - down[i]
            a = n * abs(rate)
            bb = 5.0 * np.sqrt(n * max_rate[i])
            y = (np.sqrt(bb * bb + 4.0 * a * gap) - bb) / (2.0 * a)
            x = min(x, max(y * y, land_min * tau_step))
        dt[i] = x
    return dt
