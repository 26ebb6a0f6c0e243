"""Compiled kernels that build a tau step's daughter cells (numba backend).

The numpy backend builds the same daughters, in the same order, with whole-array
operations (:meth:`cinlab.engine.tau.TauStepper._missegregations` and
``_single_events``); this is the compiled form, on the same random lanes
(:mod:`cinlab.engine.kernels`).
"""

from __future__ import annotations

import numpy as np

from . import draws
from ._jit import jit
from .kernels import LANE_CHROMOSOMES, _uniform1

__all__ = ["daughters_numba"]




@jit
def _changes1(kary, u, u0, at_least, pmf, half, ge1, ge2, rem, k, out):
    """Compiled :meth:`MissegregationSampler.changes` for one division (into ``out``).

    ``u[u0 : u0 + 2 n]`` are the division's uniforms; ``rem`` and ``k`` are scratch.
    """
    n = kary.size
    top = pmf.shape[1]
    acc = 0
    rem[n] = 0
    for c in range(n - 1, -1, -1):
        acc += kary[c]
        rem[c] = acc
    need = at_least
    cum = np.empty(top)
    for c in range(n):
        i = kary[c]
        r = rem[c + 1]
        total = 0.0
        for kk in range(top):
            rest = need - kk
            later = 1.0 if rest <= 0 else (ge1[r] if rest == 1 else ge2[r])
            total = total + pmf[i, kk] * later
            cum[kk] = total
        x = u[u0 + c] * cum[top - 1]
        kc = 0
        for kk in range(top):
            if x > cum[kk]:
                kc += 1
        kc = min(kc, i)
        k[c] = kc
        need = max(need - kc, 0)
    for c in range(n):
        to_a = 0
        for j in range(half.shape[1]):
            if u[u0 + n + c] > half[k[c], j]:
                to_a += 1
        out[c] = 2 * to_a - k[c]


@jit
def daughters_numba(row_of, clone_row, kary, ncop, cin, mut, cid, hkey, mutants, mis,
                     single, lane_base, rank, sbase, dbase, weights, few,
                     pmf, half, ge1, ge2):
    """Daughters of one tau step for clones with mutants or missegregations.

    Clones come in table order (by replicate). Per replicate the order is: single
    missegregations of clones with at most ``few`` of them (each gain, then each loss),
    split single missegregations of larger clones (per chromosome: gains, then losses),
    multiple missegregations (daughter A, B per division), then mutants. Returns the
    daughters' replicate index, karyotype, mutation flag, parent id, multiplicity and
    karyotype hash.
    """
    m = kary.shape[0]
    n = kary.shape[1]
    shift = np.uint64(40)
    bound = 0
    for i in range(m):
        s = single[i]
        bound += 2 * s if s <= few else 2 * n
        bound += 2 * (mis[i] - s) + (1 if mutants[i] > 0 else 0)
    o_row = np.empty(bound, np.int64)
    o_kary = np.empty((bound, n), np.int16)
    o_mut = np.empty(bound, np.bool_)
    o_par = np.empty(bound, np.int64)
    o_mult = np.empty(bound, np.int64)
    o_hk = np.empty(bound, np.uint64)
    w_mut = weights[n]
    u = np.empty(2 * n)
    rem = np.empty(n + 1, np.int64)
    kk = np.empty(n, np.int64)
    ch = np.empty(n, np.int64)
    cum = np.empty(n, np.int64)
    chosen = np.empty(0, np.int64)
    o = 0
    start = 0
    while start < m:
        stop = start
        while stop < m and clone_row[stop] == clone_row[start]:
            stop += 1
        r = row_of[start]
        # 1. few single events: the chromosome of each, gains then losses
        n_few = 0
        for i in range(start, stop):
            if 0 < single[i] <= few:
                n_few += single[i]
        chosen = np.empty(n_few, np.int64)
        j = 0
        for i in range(start, stop):
            s = single[i]
            if s == 0 or s > few:
                continue
            acc = 0
            for c in range(n):
                acc += kary[i, c]
                cum[c] = acc
            for e in range(s):
                lane = (np.uint64(rank[i]) << shift) + np.uint64(e)
                x = _uniform1(sbase[i], lane) * ncop[i]
                c_hit = 0
                for c in range(n):
                    if x >= cum[c]:
                        c_hit += 1
                chosen[j] = min(c_hit, n - 1)
                j += 1
        for sign in (1, -1):
            j = 0
            for i in range(start, stop):
                s = single[i]
                if s == 0 or s > few:
                    continue
                for _ in range(s):
                    c = chosen[j]
                    j += 1
                    o_row[o] = r
                    for cc in range(n):
                        o_kary[o, cc] = kary[i, cc]
                    o_kary[o, c] += sign
                    o_mut[o] = mut[i]
                    o_par[o] = cid[i]
                    o_mult[o] = 1
                    o_hk[o] = hkey[i] + weights[c] if sign > 0 else hkey[i] - weights[c]
                    o += 1
        # 2. many single events: split over chromosomes (sequential binomials)
        n_many = 0
        for i in range(start, stop):
            if single[i] > few:
                n_many += 1
        if n_many:
            split = np.zeros((n_many, n), np.int64)
            idx = np.empty(n_many, np.int64)
            j = 0
            for i in range(start, stop):
                if single[i] <= few:
                    continue
                idx[j] = i
                left = single[i]
                copies_left = float(ncop[i])
                for c in range(n):
                    share = kary[i, c] / copies_left if copies_left > 0 else 0.0
                    x = draws.binomial1(left, min(share, 1.0),
                                        _uniform1(lane_base[i],
                                                  np.uint64(LANE_CHROMOSOMES + c)))
                    left -= x
                    copies_left -= kary[i, c]
                    split[j, c] = x
                j += 1
            for c in range(n):
                for sign in (1, -1):
                    for j in range(n_many):
                        x = split[j, c]
                        if x == 0:
                            continue
                        i = idx[j]
                        o_row[o] = r
                        for cc in range(n):
                            o_kary[o, cc] = kary[i, cc]
                        o_kary[o, c] += sign
                        o_mut[o] = mut[i]
                        o_par[o] = cid[i]
                        o_mult[o] = x
                        o_hk[o] = hkey[i] + weights[c] if sign > 0 else hkey[i] - weights[c]
                        o += 1
        # 3. multiple missegregations, drawn division by division
        for i in range(start, stop):
            multi = mis[i] - single[i]
            f = 1 if cin[i] else 0
            for div in range(multi):
                lane0 = (np.uint64(rank[i]) << shift) + np.uint64(div) * np.uint64(2 * n)
                for q in range(2 * n):
                    u[q] = _uniform1(dbase[i], lane0 + np.uint64(q))
                _changes1(kary[i], u, 0, 2, pmf[f], half, ge1[f], ge2[f], rem, kk, ch)
                for sign in (1, -1):
                    h = np.uint64(0)
                    for cc in range(n):
                        v = kary[i, cc] + sign * ch[cc]
                        o_kary[o, cc] = v
                        h += np.uint64(v) * weights[cc]
                    if mut[i]:
                        h += w_mut
                    o_row[o] = r
                    o_mut[o] = mut[i]
                    o_par[o] = cid[i]
                    o_mult[o] = 1
                    o_hk[o] = h
                    o += 1
        # 4. escape mutants
        for i in range(start, stop):
            if mutants[i] == 0:
                continue
            o_row[o] = r
            for cc in range(n):
                o_kary[o, cc] = kary[i, cc]
            o_mut[o] = True
            o_par[o] = cid[i]
            o_mult[o] = mutants[i]
            o_hk[o] = hkey[i] + w_mut
            o += 1
        start = stop
    return o_row[:o], o_kary[:o], o_mut[:o], o_par[:o], o_mult[:o], o_hk[:o]
