"""The tau stepper: an exact birth-death leap per clone, numpy and compiled paths.

:class:`TauStepper` is a mixin of :class:`cinlab.engine.batch.Batch`. It owns the
counter ``n_tau`` (tau steps per replicate, which keys the replicate's tau, division
and single-missegregation streams) and the cache of stacked missegregation tables for
the compiled kernels. It reads the clone table and the schedule, places daughters with
the table's ``_place`` / ``_place_numba`` and hands over to ``_record`` and
``_status``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..rng import stream_base, uniforms
from . import daughters, draws, kernels
from .table import rank_in_group

if TYPE_CHECKING:
    from ..karyotype import MissegregationSampler

__all__ = ["FEW_EVENTS", "TauStepper"]

STREAM_TAU = 0x22
STREAM_DIVISION = 0x33
STREAM_SINGLE = 0x44
#: Clones with at most this many single-missegregation divisions in a step draw each
#: division's chromosome directly; larger ones split their count multinomially.
FEW_EVENTS = 16
_LANE_SHIFT = np.uint64(40)
#: The streams a compiled tau step draws from, in the order it unpacks their bases.
_STEP_STREAMS = np.array([STREAM_TAU, STREAM_SINGLE, STREAM_DIVISION], dtype=np.uint64)


class TauStepper:
    """One tau step for every given replicate (numpy or compiled)."""

    # set by Batch, the clone table and the schedule
    keys: np.ndarray
    backend: str
    n_chrom: int
    max_copies: int
    mu: float
    p_any: tuple[np.ndarray, np.ndarray]
    p_single: tuple[np.ndarray, np.ndarray]
    p_any_stacked: np.ndarray
    p_single_stacked: np.ndarray
    samplers: dict[bool, MissegregationSampler]
    hash_w: np.ndarray
    count: np.ndarray
    kary: np.ndarray
    mut: np.ndarray
    esc: np.ndarray
    aneu: np.ndarray
    ncop: np.ndarray
    hkey: np.ndarray
    cid: np.ndarray
    used: np.ndarray
    total: np.ndarray
    escaped_total: np.ndarray
    clone_cap: int
    cap_hit: np.ndarray
    t: np.ndarray
    cin_on: np.ndarray
    rate_array: np.ndarray
    fit_table: np.ndarray
    amax: int
    th_on: np.ndarray
    kill_on: np.ndarray
    # methods of the clone table and the schedule
    births_room: Callable[..., np.ndarray]
    _rates: Callable[..., tuple[np.ndarray, np.ndarray]]
    _room: Callable[..., np.ndarray | None]
    _step_length: Callable[..., np.ndarray]
    _record: Callable[..., None]
    _status: Callable[..., None]
    _compact: Callable[..., None]
    _place: Callable[..., None]
    _place_numba: Callable[..., None]
    _hash: Callable[..., np.ndarray]
    # owned here
    n_tau: np.ndarray
    _stacked: tuple[np.ndarray, ...] | None

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
        rank = rank_in_group(li)
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

    def _tau_step_numba(self, rows: np.ndarray) -> None:
        """The compiled tau step: the same draws, daughters and clones as ``_tau_step``."""
        self._record(rows, self.t[rows], inclusive=True)
        room = self._room(rows)
        if room is None:
            room = np.full(rows.size, np.nan)  # the kernel's "no capacity"
        b, d = kernels.rate_tables_numba(self.th_on[rows], self.kill_on[rows], room,
                                         self.rate_array, self.fit_table, self.amax)
        max_rate, growth = kernels._tau_scan_numba(rows, self.count, self.esc, self.aneu,
                                                   self.used, b, d)
        dt = self._step_length(rows, max_rate, growth)
        x = (b - d) * dt[:, None, None]
        with np.errstate(invalid="ignore"):
            e = np.expm1(x)  # numpy's expm1, as the numpy step takes it
        alpha, beta, extra = kernels.leap_tables_numba(b, d, dt, x, e)
        step_base, single_base, division_base = kernels.stream_bases_numba(
            self.keys[rows], _STEP_STREAMS, self.n_tau[rows].astype(np.uint64))
        ev_i, ev_s, ev_rank, ev_base, ev_z = kernels._tau_clones_numba(
            rows, self.count, self.esc, self.aneu, self.mut, self.ncop, self.used,
            self.cin_on, alpha, beta, extra, float(self.mu), self.p_any_stacked,
            self.p_single_stacked, step_base, kernels.LANES_PER_CLONE)
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
                ev_i, lr, lc, ev_rank, ev_base, self.cin_on[lr], mutants, mis, single,
                single_base[ev_i], division_base[ev_i]))
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
            slot = used_before[at] + rank_in_group(at)
            amount = self.count[rows[at], slot]
            total += np.bincount(at, weights=amount, minlength=rows.size)
            escaped += np.bincount(at, weights=np.where(self.esc[rows[at], slot], amount, 0),
                                   minlength=rows.size)
            n_live += created
        self.total[rows] = total.astype(np.int64)
        self.escaped_total[rows] = escaped.astype(np.int64)
        return n_live.astype(np.int64)

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
        room = self.births_room(rows)
        # every clone starts at most 2 n_chrom + 2 mis + 1 daughters: most steps end here
        if (2 * self.n_chrom + 1) * li.size + 2 * int(mis.sum()) <= int(room.min()):
            return np.ones(li.size, dtype=bool)
        few = single <= FEW_EVENTS
        bound = np.where(few, 2 * single, 2 * self.n_chrom) + 2 * (mis - single) + (
            mutants > 0)
        over = np.bincount(li, weights=bound, minlength=rows.size) > room
        if not over.any():
            return np.ones(li.size, dtype=bool)
        self.cap_hit[rows[over]] = True
        drop = over[li]
        self.count[lr[drop], lc[drop]] += mutants[drop]
        return ~drop

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

        few = np.nonzero((single > 0) & (single <= FEW_EVENTS))[0]
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
        many = np.nonzero(single > FEW_EVENTS)[0]
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

    def _daughters_numba(self, li: np.ndarray, lr: np.ndarray, lc: np.ndarray,
                         rank: np.ndarray, lane_base: np.ndarray, cin: np.ndarray,
                         mutants: np.ndarray, mis: np.ndarray, single: np.ndarray,
                         sbase: np.ndarray, dbase: np.ndarray) -> tuple[np.ndarray, ...]:
        """The compiled twin of ``_missegregations`` plus the mutants (same order).

        ``sbase`` and ``dbase``: each clone's single-missegregation and division stream
        bases for this step.
        """
        return daughters.daughters_numba(
            lr, li, self.kary[lr, lc], self.ncop[lr, lc], cin, self.mut[lr, lc],
            self.cid[lr, lc], self.hkey[lr, lc], mutants, mis, single, lane_base, rank,
            sbase, dbase, self.hash_w, FEW_EVENTS, *self._sampler_tables())

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
