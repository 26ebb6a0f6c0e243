"""Compiled per-replicate hash tables from clone keys to clone slots (numba backend).

Each replicate has an open-addressing table (linear probing) ``ht[row]`` of ``2^bits``
entries, each a slot of the clone table or -1 (free); ``match`` reserves entries for
the clones it lists as ``-2 - index`` until ``enter`` fills in their slots. A key is a
karyotype hash (``hkey``, the clone table's own column, so entries hold slots only); at
most one entry per key. An entry may point at a dead clone until the row is rebuilt
(compaction, widening) or the key arises again, when it is pointed at the new clone.
The table holds at least twice as many entries as the row has slots, so probes stay
short.

``distinct_per_row`` counts how many new entries a call may need.

The numpy backend keeps its own sorted key index (:class:`cinlab.engine.table.CloneTable`);
both find the same clones, so runs do not depend on the backend.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

__all__ = ["build", "distinct_per_row", "enter", "find_all", "match"]

_GOLD = np.uint64(0x9E3779B97F4A7C15)


@jit
def _shift(size):
    """64 - log2(size): the shift that maps a multiplied key to a home entry."""
    bits = 0
    while (1 << bits) < size:
        bits += 1
    return np.uint64(64 - bits)


@jit
def _home(k, shift):
    return np.int64((k * _GOLD) >> shift)


@jit
def _insert(ht, r, k, slot, shift, mask):
    j = _home(k, shift)
    while ht[r, j] != -1:
        j = (j + 1) & mask
    ht[r, j] = slot


@jit
def build(rows, ht, hkey, count, used):
    """Fill the given rows' tables with their live clones."""
    size = ht.shape[1]
    mask = size - 1
    shift = _shift(size)
    for r in rows:
        ht[r, :] = -1
        for s in range(used[r]):
            if count[r, s] > 0:
                _insert(ht, r, hkey[r, s], s, shift, mask)


@jit
def distinct_per_row(rows, keys, n_rep):
    """Distinct ``keys`` of each replicate (``rows`` in any order), for ``n_rep`` rows."""
    m = rows.size
    start = np.zeros(n_rep + 1, np.int64)
    for i in range(m):
        start[rows[i] + 1] += 1
    for r in range(n_rep):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    grouped = np.empty(m, np.uint64)
    for i in range(m):
        grouped[fill[rows[i]]] = keys[i]
        fill[rows[i]] += 1
    out = np.zeros(n_rep, np.int64)
    for r in range(n_rep):
        if start[r + 1] > start[r]:
            part = np.sort(grouped[start[r]:start[r + 1]])
            n = 1
            for j in range(1, part.size):
                if part[j] != part[j - 1]:
                    n += 1
            out[r] = n
    return out


@jit
def find_all(rows, keys, ht, hkey):
    """Slot of each (row, key), or -1 (for the invariant checks)."""
    size = ht.shape[1]
    mask = size - 1
    shift = _shift(size)
    out = np.full(rows.size, -1, np.int64)
    for i in range(rows.size):
        r = rows[i]
        j = _home(keys[i], shift)
        while ht[r, j] != -1:
            if ht[r, j] >= 0 and hkey[r, ht[r, j]] == keys[i]:
                out[i] = ht[r, j]
                break
            j = (j + 1) & mask
    return out


@jit
def enter(rows, slots, keys, pos, ht, rebuilt):
    """Enter new clones in the table.

    At the entries ``match`` reserved (``pos``), or, after the table was ``rebuilt``
    (widened) from live clones, afresh.
    """
    size = ht.shape[1]
    mask = size - 1
    shift = _shift(size)
    for i in range(rows.size):
        if rebuilt:
            _insert(ht, rows[i], keys[i], slots[i], shift, mask)
        else:
            ht[rows[i], pos[i]] = slots[i]


@jit
def match(rows, kary, mut, mult, hk, max_copies, ht, count, t_kary, t_mut, t_hkey):
    """Add daughters to the live clones they match; list the clones still to create.

    Daughters come in canonical order. A daughter joins the live clone of its row with
    its karyotype hash ``hk``, or the new clone an earlier daughter of this call started;
    one that finds neither starts a new clone, whose entry (a free one, or a dead
    clone's) is reserved in the table as ``-2 - index``. Returns, per new clone, the
    index of its first daughter, its cell count, whether its hash had a dead clone's
    entry, and the entry's position (for :func:`enter`); ``ok`` is False after a hash
    collision.
    """
    m = rows.size
    size = ht.shape[1]
    hmask = size - 1
    shift = _shift(size)
    first = np.empty(m, np.int64)
    amount = np.empty(m, np.int64)
    found_at = np.empty(m, np.int64)
    was_found = np.empty(m, np.bool_)
    n_new = 0
    ok = True
    n = kary.shape[1]
    for i in range(m):
        if mult[i] <= 0:
            continue
        viable = True
        for c in range(n):
            if kary[i, c] < 1 or kary[i, c] > max_copies:
                viable = False
                break
        if not viable:
            continue
        r = rows[i]
        h = hk[i]
        j = _home(h, shift)
        found = False
        while ht[r, j] != -1:
            e = ht[r, j]
            if e >= 0:
                if t_hkey[r, e] == h:
                    found = True
                    break
            elif hk[first[-2 - e]] == h:
                found = True
                break
            j = (j + 1) & hmask
        if found:
            e = ht[r, j]
            if e < 0:  # a new clone of this call
                amount[-2 - e] += mult[i]
                continue
            if count[r, e] > 0:
                same = t_mut[r, e] == mut[i]
                for c in range(n):
                    if t_kary[r, e, c] != kary[i, c]:
                        same = False
                if not same:
                    ok = False
                count[r, e] += mult[i]
                continue
        ht[r, j] = -2 - n_new
        first[n_new] = i
        amount[n_new] = mult[i]
        found_at[n_new] = j
        was_found[n_new] = found
        n_new += 1
    return ok, first[:n_new], amount[:n_new], was_found[:n_new], found_at[:n_new]
