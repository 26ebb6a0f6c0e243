"""Constants shared by the engine and the result objects that read its output.

Kept apart from the engine so that :mod:`cinlab.result` and :mod:`cinlab.cohort` can
name status codes and escape routes without importing the simulation code.
"""

from __future__ import annotations

__all__ = [
    "CLONE_CAP",
    "CLONE_CAP_DRIVERS",
    "DURATION",
    "EXTINCT",
    "MAX_CELLS",
    "MAX_BIRTHS",
    "MAX_CLONES",
    "MAX_SNAPSHOTS",
    "SNAPSHOT_ENTRIES",
    "TABLE_SLOTS",
    "ROUTE_KARYOTYPE",
    "ROUTE_MUTATION",
    "ROUTE_NAMES",
    "ROUTE_NONE",
    "RUNNING",
    "STATUS_CODES",
    "STATUS_NAMES",
    "SWITCH_SIZE",
    "TAU_STEP",
]

#: Status codes of a replicate.
RUNNING, EXTINCT, MAX_CELLS, DURATION, CLONE_CAP = 0, 1, 2, 3, 4
STATUS_NAMES = {RUNNING: "running", EXTINCT: "extinct", MAX_CELLS: "max_cells",
                DURATION: "duration", CLONE_CAP: "clone_cap"}
STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}

#: Clone table cap: most clone slots one replicate may hold (live clones plus dead ones
#: not yet compacted; near the cap a replicate is compacted once an eighth of its slots
#: are dead, so live clones fill at least seven eighths of it). A replicate that would go
#: past it stops with status "clone_cap". At most 75 bytes a slot (40 chromosomes), so a
#: lone run's table stays under 75 MB (150 MB while it is widened).
MAX_CLONES = 1_000_000
#: Cap on a whole batch's table: replicates x slots. A batch of n replicates caps each
#: replicate at min(MAX_CLONES, TABLE_SLOTS // n) slots (40,000 in a cohort's batch of
#: 100; a sotillo2010 TI-KM tumour needs at most 16,384 at seed 2010, 200 runs), so the
#: batch's table stays under about 300 MB.
TABLE_SLOTS = 4_000_000
#: Most clones a single run (``simulate``, which keeps every clone's birth for its
#: lineages) may create in all, live or since dead: about 100 MB of birth records at 20
#: chromosome types. A run that reaches it stops with status "clone_cap".
MAX_BIRTHS = 2_000_000
#: What drives the number of clones, named in the "clone_cap" message.
CLONE_CAP_DRIVERS = ("the clone table is full: the number of distinct karyotypes grows with "
                     "cin.missegregation_rate, the CIN window (cin.window), "
                     "genome.n_chromosomes and the tumour size (max_cells, duration); "
                     "lower one of them")
#: Lineage snapshots (clone counts for Muller plots) stored per single run: at most about
#: this many; record points in between reuse the latest stored one.
MAX_SNAPSHOTS = 500
#: Most clone entries (a clone id and count, 16 bytes) all stored snapshots of a single
#: run may hold: 160 MB. Past it every other stored snapshot is dropped and snapshots are
#: stored half as often (the points in between reuse the latest stored counts).
SNAPSHOT_ENTRIES = 10_000_000

#: Escape routes of a clone.
ROUTE_NONE, ROUTE_KARYOTYPE, ROUTE_MUTATION = 0, 1, 2
ROUTE_NAMES = {ROUTE_NONE: "none", ROUTE_KARYOTYPE: "karyotype", ROUTE_MUTATION: "mutation"}

#: Default population size at which "auto" switches from exact to tau-leaping.
SWITCH_SIZE = 100
#: Default tau-leap step (days).
TAU_STEP = 0.5
