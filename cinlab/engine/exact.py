"""The exact stepper: Gillespie's direct method over clones, numpy and compiled paths.

:class:`ExactStepper` is a mixin of :class:`cinlab.engine.batch.Batch`; it owns no
state of its own beyond the counter ``n_exact`` (exact iterations per replicate, which
keys the replicate's exact random stream). It reads the clone table and the schedule
and writes through their methods (``_place``, ``_record``, ``_status``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..rng import stream_base, uniforms
from . import kernels
from .schedule import EPS

if TYPE_CHECKING:
    from ..karyotype import MissegregationSampler
    from .schedule import Rates

__all__ = ["EXACT_EVENTS", "STREAM_EXACT", "ExactStepper"]

STREAM_EXACT = 0x11
#: Most exact events per replicate in one call of the compiled exact kernel.
EXACT_EVENTS = 64


class ExactStepper:
    """One exact event per replicate (numpy) or up to ``EXACT_EVENTS`` (compiled)."""

    # set by Batch, the clone table and the schedule
    keys: np.ndarray
    n_chrom: int
    mu: float
    capacity: float
    fit_table: np.ndarray
    p_any: tuple[np.ndarray, np.ndarray]
    p_any_stacked: np.ndarray
    samplers: dict[bool, MissegregationSampler]
    rates: Rates
    rate_array: np.ndarray
    count: np.ndarray
    kary: np.ndarray
    mut: np.ndarray
    esc: np.ndarray
    aneu: np.ndarray
    ncop: np.ndarray
    cid: np.ndarray
    used: np.ndarray
    total: np.ndarray
    escaped_total: np.ndarray
    t: np.ndarray
    boundary: np.ndarray
    th_on: np.ndarray
    kill_on: np.ndarray
    cin_on: np.ndarray
    rec_times: np.ndarray
    record_lineage: bool
    rec_idx: np.ndarray
    rec_total: np.ndarray
    rec_escaped: np.ndarray
    # methods of the clone table and the schedule
    _rates: Callable[..., tuple[np.ndarray, np.ndarray]]
    _thresholds: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]
    _record: Callable[..., None]
    _status: Callable[..., None]
    _refresh_totals: Callable[..., None]
    _compact: Callable[..., None]
    _place: Callable[..., None]
    # owned here
    n_exact: np.ndarray

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

        Each replicate takes up to ``EXACT_EVENTS`` events in one call and stops after
        any event the schedule reacts to (the thresholds below, a fixed time, a table
        compaction) or at a division whose daughters change, which is placed here; in a
        run that records lineages, also before an event with records due, which are
        taken here (with their clone snapshots).
        """
        k = EXACT_EVENTS
        heads, u0 = kernels.exact_heads_numba(self.keys[rows], self.n_exact[rows], k,
                                              STREAM_EXACT)
        expo = -np.log(u0)  # numpy's log, as the numpy path takes it
        hi_ge, hi_gt, lo_lt = self._thresholds(rows)
        slot, base, due = kernels._exact_numba(
            rows, k, expo, heads, self.count, self.esc, self.aneu, self.mut, self.ncop,
            self.used, self.total, self.escaped_total, self.t, self.boundary, self.n_exact,
            self.rec_times, self.rec_idx, self.rec_total, self.rec_escaped, self.th_on,
            self.kill_on, self.cin_on, self.rate_array, self.fit_table, float(self.capacity),
            float(self.mu), self.p_any_stacked, hi_ge, hi_gt, lo_lt, EPS,
            bool(self.record_lineage))
        pend = slot >= 0
        if pend.any():
            self._exact_births(rows[pend], slot[pend], base[pend])
        wait = ~np.isnan(due)
        if wait.any():  # records (and lineage snapshots) before each one's next event
            self._record(rows[wait], due[wait], inclusive=False)
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
