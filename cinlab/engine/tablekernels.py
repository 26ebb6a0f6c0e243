"""Compiled twins of the clone table's numpy steps (numba backend).

:class:`cinlab.engine.table.CloneTable` writes new clones and compacts rows with numpy
fancy indexing; with the numba backend these loops do the same work in place, slot by
slot, and leave the table exactly as the numpy steps would (the engine's invariant
checks and the backend tests compare whole runs).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit
from .constants import ROUTE_KARYOTYPE, ROUTE_MUTATION, ROUTE_NONE

__all__ = ["compact_rows", "write_clones"]


@jit
def write_clones(nr, slot, ids, k, m, hk, amount, bypass, ploidy, gain, count, kary, mut,
                 t_chrom, t_route, esc, aneu, ncop, hkey, cid):
    """Write new clones into their slots (``CloneTable._write_clones``).

    The aneuploidy score, the copies per cell, the bypass chromosome (the first of
    ``bypass``, chromosome numbers from 1, with at least ``ploidy + gain`` copies, as
    :func:`cinlab.karyotype.escape_chromosome`) and the escape route are computed from
    ``k`` and ``m``.
    """
    n = k.shape[1]
    for i in range(nr.size):
        r = nr[i]
        s = slot[i]
        score = 0
        copies = 0
        for c in range(n):
            kary[r, s, c] = k[i, c]
            score += abs(np.int64(k[i, c]) - ploidy)
            copies += k[i, c]
        chrom = 0
        for j in range(bypass.size - 1, -1, -1):
            if k[i, bypass[j] - 1] >= ploidy + gain:
                chrom = bypass[j]
        route = ROUTE_KARYOTYPE if chrom > 0 else (ROUTE_MUTATION if m[i] else ROUTE_NONE)
        count[r, s] = amount[i]
        mut[r, s] = m[i]
        t_chrom[r, s] = chrom
        t_route[r, s] = route
        esc[r, s] = route > 0
        aneu[r, s] = score
        ncop[r, s] = copies
        hkey[r, s] = hk[i]
        cid[r, s] = ids[i]


@jit
def compact_rows(flagged, width, used, count, kary, mut, esc, route, chrom, aneu, ncop, hkey,
                 cid):
    """Move each flagged row's live clones to its first slots, in order (``_compact``).

    Slots from the row's live count up to ``width`` get the empty values (count 0, cid
    -1, everything else 0); ``used`` becomes the live count.
    """
    n_chrom = kary.shape[2]
    for r in flagged:
        n = 0
        for s in range(used[r]):
            if count[r, s] <= 0:
                continue
            if n != s:
                count[r, n] = count[r, s]
                for c in range(n_chrom):
                    kary[r, n, c] = kary[r, s, c]
                mut[r, n] = mut[r, s]
                esc[r, n] = esc[r, s]
                route[r, n] = route[r, s]
                chrom[r, n] = chrom[r, s]
                aneu[r, n] = aneu[r, s]
                ncop[r, n] = ncop[r, s]
                hkey[r, n] = hkey[r, s]
                cid[r, n] = cid[r, s]
            n += 1
        for s in range(n, width):
            count[r, s] = 0
            for c in range(n_chrom):
                kary[r, s, c] = 0
            mut[r, s] = False
            esc[r, s] = False
            route[r, s] = 0
            chrom[r, s] = 0
            aneu[r, s] = 0
            ncop[r, s] = 0
            hkey[r, s] = 0
            cid[r, s] = -1
        used[r] = n
