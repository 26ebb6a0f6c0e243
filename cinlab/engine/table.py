"""The clone table of a batch: one row of clone slots per replicate.

:class:`CloneTable` is a mixin of :class:`cinlab.engine.batch.Batch`. It owns

- the slot arrays, shape (replicates, slots): ``count`` (cells), ``kary`` (copies per
  chromosome type), ``mut`` (escape mutation), ``esc`` (escaped by either route),
  ``route``, ``chrom`` (bypass chromosome that gives escape, or 0), ``aneu``
  (aneuploidy score), ``ncop`` (chromosome copies per cell), ``hkey`` (karyotype hash)
  and ``cid`` (clone id, -1 in an empty slot);
- per replicate: ``used`` (slots in use, live or dead), ``next_cid``, ``total``,
  ``escaped_total``, ``cap_hit`` and the cap ``clone_cap``;
- on the numba backend, ``ht``: a hash table per replicate from karyotype hashes to
  slots, maintained by compiled kernels (:mod:`cinlab.engine.hashtable`);
- on the numpy backend, the key index (``ix_key``, ``ix_row``, ``ix_slot``): clone
  keys (karyotype hash plus a per-replicate offset), sorted, with the slot each key
  lives in;
- ``births``: new clones, for a single run's lineages (``record_lineage``), in compact
  arrays (:class:`Births`, at most ``MAX_BIRTHS`` of them).

Invariants (asserted by :meth:`CloneTable.check_table` after every step when
``CINLAB_ENGINE_CHECKS`` is set): counts are >= 0 and sum to ``total`` (the escaped
ones to ``escaped_total``); live clones have viable karyotypes whose copy sum,
aneuploidy score, hash, escape route and flags agree with the karyotype; clone ids are
unique per replicate and below ``next_cid``; slots past ``used`` are empty; every live
clone is in the key index at its own slot. Slots are filled in canonical order (the
order in which the replicate alone would create its clones) and compaction keeps the
live ones' order, so a replicate's history never depends on its batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..karyotype import escape_chromosome
from . import hashtable, tablekernels
from .constants import MAX_BIRTHS, ROUTE_KARYOTYPE, ROUTE_MUTATION, ROUTE_NONE, TABLE_SLOTS

if TYPE_CHECKING:
    from ..params import Scenario

__all__ = ["Births", "CloneTable", "hash_weights", "rank_in_group"]

#: Fields of a clone slot, with the value of an empty slot.
SLOT_FIELDS = (("count", 0), ("kary", 0), ("mut", False), ("esc", False), ("route", 0),
               ("chrom", 0), ("aneu", 0), ("ncop", 0), ("hkey", 0), ("cid", -1))


def rank_in_group(sorted_ids: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values (input sorted)."""
    n = sorted_ids.size
    idx = np.arange(n)
    if n == 0:
        return idx
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=first[1:])
    # each element's group start: the last index so far that began a group
    return idx - np.maximum.accumulate(np.where(first, idx, 0))


def hash_weights(n: int) -> np.ndarray:
    """Fixed odd 64-bit multipliers for hashing karyotypes (derived, not random state)."""
    ss = np.random.SeedSequence(0xC1A5)
    return ss.generate_state(n, dtype=np.uint64) | np.uint64(1)


class Births:
    """Clones created in a single run, for its lineages: compact arrays that grow.

    Per birth: the clone's ``id``, its ``parent`` id, the time it was ``born``, its
    karyotype ``kary``, mutation flag ``mut``, escape ``route`` and bypass ``chrom``;
    28 bytes plus one per chromosome type (48 at 20 chromosomes, against about 400 as
    Python tuples). A run holds at most ``MAX_BIRTHS`` (see ``CloneTable.births_room``).
    """

    def __init__(self, n_chrom: int) -> None:
        self.n = 0
        self.id = np.zeros(0, dtype=np.int64)
        self.parent = np.zeros(0, dtype=np.int64)
        self.born = np.zeros(0)
        self.kary = np.zeros((0, n_chrom), dtype=np.int8)
        self.mut = np.zeros(0, dtype=bool)
        self.route = np.zeros(0, dtype=np.int8)
        self.chrom = np.zeros(0, dtype=np.int16)

    def __len__(self) -> int:
        return self.n

    def add(self, ids: np.ndarray, parent: np.ndarray, born: np.ndarray, kary: np.ndarray,
            mut: np.ndarray, route: np.ndarray, chrom: np.ndarray) -> None:
        """Append births (arrays of equal length)."""
        n, m = self.n, ids.size
        names = ("id", "parent", "born", "kary", "mut", "route", "chrom")
        if n + m > self.id.size:
            size = max(n + m, 2 * self.id.size, 256)
            for name in names:
                old = getattr(self, name)
                new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
                new[:n] = old[:n]
                setattr(self, name, new)
        for name, value in zip(names, (ids, parent, born, kary, mut, route, chrom),
                               strict=True):
            getattr(self, name)[n:n + m] = value
        self.n = n + m


class CloneTable:
    """Clone slots per replicate, their key index and placement of daughter cells."""

    # set by Batch
    scenario: Scenario
    n_rep: int
    n_chrom: int
    ploidy: int
    max_copies: int
    bypass: tuple
    gain: int
    record_lineage: bool
    t: np.ndarray
    # owned here
    count: np.ndarray
    kary: np.ndarray
    mut: np.ndarray
    esc: np.ndarray
    route: np.ndarray
    chrom: np.ndarray
    aneu: np.ndarray
    ncop: np.ndarray
    hkey: np.ndarray
    cid: np.ndarray
    used: np.ndarray
    next_cid: np.ndarray
    total: np.ndarray
    escaped_total: np.ndarray
    cap_hit: np.ndarray
    clone_cap: int
    hash_w: np.ndarray
    ix_key: np.ndarray
    ix_row: np.ndarray
    ix_slot: np.ndarray
    backend: str
    use_hash: bool
    ht: np.ndarray
    births: Births

    def _init_table(self, n_rep: int, max_clones: int) -> None:
        """An empty table of ``n_rep`` rows, each holding the founder clone."""
        sc = self.scenario
        #: clone slots a replicate may hold before it stops with status "clone_cap"
        self.clone_cap = int(max(min(max_clones, TABLE_SLOTS // max(n_rep, 1)), 1))
        self.cap_hit = np.zeros(n_rep, dtype=bool)
        self.hash_w = hash_weights(self.n_chrom + 2)
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
        self.use_hash = self.backend == "numba"
        self.ht = np.full((n_rep, 16), -1, dtype=np.int32)
        if self.use_hash:
            hashtable.build(np.arange(n_rep), self.ht, self.hkey, self.count, self.used)
        self.births = Births(self.n_chrom)

    def _hash(self, kary: np.ndarray, mut: np.ndarray) -> np.ndarray:
        w = self.hash_w
        h = (kary.astype(np.uint64) * w[: self.n_chrom]).sum(axis=1, dtype=np.uint64)
        return h + mut.astype(np.uint64) * w[self.n_chrom]

    def births_room(self, rows: np.ndarray) -> np.ndarray:
        """Clones each row may still create.

        Its free slots, and in a single run (``record_lineage``) at most ``MAX_BIRTHS``
        clones in all.
        """
        room = self.clone_cap - self.used[rows]
        if self.record_lineage:
            room = np.minimum(room, MAX_BIRTHS - (self.next_cid[rows] - 1))
        return room

    def _grow(self, need: int) -> None:
        """Widen every row to at least ``need`` slots (doubling, up to the cap)."""
        cap = self.count.shape[1]
        if need <= cap:
            return
        new = max(need, min(2 * cap, self.clone_cap))
        for name, fill in SLOT_FIELDS:
            a = getattr(self, name)
            shape = (a.shape[0], new, *a.shape[2:])
            # zeroed memory is mapped lazily: the pad of a row costs nothing until used
            wider = np.full(shape, fill, dtype=a.dtype) if fill else np.zeros(shape, a.dtype)
            wider[:, :cap] = a
            setattr(self, name, wider)
        if self.use_hash and 2 * new > self.ht.shape[1]:
            # a hash table of at least twice the row's slots, rebuilt from live clones
            self.ht = np.full((self.n_rep, 1 << (2 * new - 1).bit_length()), -1,
                              dtype=np.int32)
            hashtable.build(np.arange(self.n_rep), self.ht, self.hkey, self.count,
                            self.used)

    def _compact(self, rows: np.ndarray, n_live: np.ndarray | None = None) -> None:
        """Drop dead clone slots of rows that carry many (keeps the live ones' order).

        A row is compacted when more than half its used slots are dead, or, once it uses
        more than half its cap, when more than an eighth are: so a replicate stops with
        "clone_cap" only when its live clones nearly fill the cap. Compaction never
        changes a run (random lanes follow a clone's rank among the live ones).
        ``n_live``, the rows' live clone counts, is counted from the table if not given.
        """
        if rows.size == 0 or self.used[rows].max() <= 64:
            return
        width = int(self.used[rows].max())
        if n_live is None:
            n_live = (self.count[rows, :width] > 0).sum(axis=1)
        used = self.used[rows]
        flag = (used > 64) & ((used > 2 * n_live) | (
            (2 * used > self.clone_cap) & (8 * (used - n_live) > used)))
        if not flag.any():
            return
        flagged = rows[flag]
        width = int(self.used[flagged].max())
        if self.use_hash:
            tablekernels.compact_rows(flagged, width, self.used, self.count, self.kary,
                                      self.mut, self.esc, self.route, self.chrom, self.aneu,
                                      self.ncop, self.hkey, self.cid)
            hashtable.build(flagged, self.ht, self.hkey, self.count, self.used)
            return
        live = self.count[flagged, :width] > 0
        remap = np.full((flagged.size, width), -1, dtype=np.int64)
        for i, (r, lv, n) in enumerate(zip(flagged, live, n_live[flag], strict=True)):
            keep = np.nonzero(lv)[0]
            remap[i, keep] = np.arange(n)
            for name, fill in SLOT_FIELDS:
                arr = getattr(self, name)
                arr[r, :n] = arr[r, keep]
                arr[r, n:width] = fill
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

    def _refresh_totals(self, rows: np.ndarray) -> None:
        width = int(self.used[rows].max())
        cnt = self.count[rows, :width]
        self.total[rows] = cnt.sum(axis=1)
        self.escaped_total[rows] = (cnt * self.esc[rows, :width]).sum(axis=1)

    def _place(self, rows: np.ndarray, kary: np.ndarray, mut: np.ndarray,
               parent: np.ndarray, mult: np.ndarray, hk: np.ndarray | None = None) -> None:
        """Add daughter cells to live clones of their row, creating clones as needed.

        ``rows`` must be in canonical per-replicate order (the order in which the
        replicate alone would produce them); new clones are numbered in that order.
        ``hk``, the daughters' karyotype hashes, is computed when not given.
        """
        if hk is None:
            hk = self._hash(kary, mut)
        if self.use_hash:
            self._place_numba(rows, kary, mut, parent, mult, hk)
            return
        ok = np.all((kary >= 1) & (kary <= self.max_copies), axis=1) & (mult > 0)
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

        ``again`` marks keys already in the index or hash table (a dead clone's entry,
        at ``pos``), which is pointed at the new clone; other keys are inserted.
        """
        rank = rank_in_group(nr)
        slot = self.used[nr] + rank
        ht = self.ht
        self._grow(int(slot.max()) + 1)
        if self.use_hash:  # entries reserved by match, unless widening rebuilt the table
            hashtable.enter(nr, slot, hk, pos, self.ht, self.ht is not ht)
        else:
            # a dead clone's entry now points at the new clone; others are inserted
            self.ix_slot[pos[again]] = slot[again]
        fresh = np.nonzero(~again)[0]
        if fresh.size and not self.use_hash:
            fk = key[fresh]
            o = np.argsort(fk, kind="stable")
            at = np.searchsorted(self.ix_key, fk[o])
            self.ix_key = np.insert(self.ix_key, at, fk[o])
            self.ix_row = np.insert(self.ix_row, at, nr[fresh][o])
            self.ix_slot = np.insert(self.ix_slot, at, slot[fresh][o])
        ids = self.next_cid[nr] + rank
        if self.use_hash:
            tablekernels.write_clones(nr, slot, ids, k, m, hk, amount,
                                      np.asarray(self.bypass, dtype=np.int64), self.ploidy,
                                      self.gain, self.count, self.kary, self.mut,
                                      self.chrom, self.route, self.esc, self.aneu, self.ncop,
                                      self.hkey, self.cid)
        else:
            chrom = escape_chromosome(k, self.ploidy, self.bypass, self.gain)
            route = np.where(chrom > 0, ROUTE_KARYOTYPE,
                             np.where(m, ROUTE_MUTATION, ROUTE_NONE))
            self._write_clones(nr, slot, ids, k, m, hk, amount, chrom, route)
        counts = np.bincount(nr, minlength=self.n_rep)
        self.used += counts
        self.next_cid += counts
        if self.record_lineage:
            if self.use_hash:  # as the compiled loop wrote them
                chrom, route = self.chrom[nr, slot], self.route[nr, slot]
            self.births.add(ids, parent, self.t[nr], k, m, route, chrom)

    def _write_clones(self, nr: np.ndarray, slot: np.ndarray, ids: np.ndarray,
                      k: np.ndarray, m: np.ndarray, hk: np.ndarray, amount: np.ndarray,
                      chrom: np.ndarray, route: np.ndarray) -> None:
        """New clones' fields (numpy; :func:`tablekernels.write_clones` is the twin)."""
        self.count[nr, slot] = amount
        self.kary[nr, slot] = k
        self.mut[nr, slot] = m
        self.chrom[nr, slot] = chrom
        self.route[nr, slot] = route
        self.esc[nr, slot] = route > 0
        self.aneu[nr, slot] = np.abs(k.astype(np.int32) - self.ploidy).sum(axis=1)
        self.ncop[nr, slot] = k.sum(axis=1)
        self.hkey[nr, slot] = hk
        self.cid[nr, slot] = ids

    def _place_numba(self, rows: np.ndarray, kary: np.ndarray, mut: np.ndarray,
                     parent: np.ndarray, mult: np.ndarray, hk: np.ndarray) -> None:
        """The compiled twin of :meth:`_place`."""
        if rows.size == 0:
            return
        self._hash_room(rows, hk)
        ok, first, amount, again, pos = hashtable.match(
            rows, kary, mut, mult, hk, self.max_copies, self.ht, self.count, self.kary,
            self.mut, self.hkey)
        if not ok:
            raise RuntimeError("karyotype hash collision; please report this seed")
        if first.size:
            self._create(rows[first], kary[first], mut[first], parent[first], hk[first],
                         hk[first], amount, again, pos)

    def _hash_room(self, rows: np.ndarray, hk: np.ndarray) -> None:
        """Keep every hash table at least twice as large as the entries it may hold.

        A row's entries are at most its used slots plus the new clones this call can
        start (its distinct daughter hashes); with a free entry always left, probing
        ends. Counting distinct hashes is needed only when the cheap bound (every
        daughter a new clone) does not fit.
        """
        size = self.ht.shape[1]
        per_row = np.bincount(rows, minlength=self.n_rep)
        need = int((self.used + per_row).max())
        if 2 * need <= size:
            return
        per_row = hashtable.distinct_per_row(rows, hk, self.n_rep)
        need = int((self.used + per_row).max())
        if 2 * need <= size:
            return
        # four times the entries: the cheap bound above then holds for the next steps
        # (a table just twice as large was counted, and rebuilt, at nearly every step)
        self.ht = np.full((self.n_rep, 1 << (4 * need - 1).bit_length()), -1, dtype=np.int32)
        hashtable.build(np.arange(self.n_rep), self.ht, self.hkey, self.count, self.used)

    def check_table(self) -> None:
        """Assert the table's invariants (module notes); AssertionError names the first."""
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
        if self.use_hash:
            at = hashtable.find_all(r.astype(np.int64), self.hkey[r, c], self.ht, self.hkey)
            assert np.array_equal(at, c), "live clone missing from the hash table"
            return
        key = self.hkey[r, c] + r.astype(np.uint64) * self.hash_w[self.n_chrom + 1]
        pos = np.minimum(np.searchsorted(self.ix_key, key), max(self.ix_key.size - 1, 0))
        assert np.all(self.ix_key[1:] >= self.ix_key[:-1]), "index not sorted"
        assert np.array_equal(self.ix_key[pos], key), "live clone missing from the index"
        assert np.array_equal(self.ix_row[pos], r), "index entry points at another row"
        assert np.array_equal(self.ix_slot[pos], c), "index entry points at another slot"
