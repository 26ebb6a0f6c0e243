"""Constants shared by the engine and the result objects that read its output.

Kept apart from the engine so that :mod:`cinlab.result` and :mod:`cinlab.cohort` can
name status codes and escape routes without importing the simulation code.
"""

from __future__ import annotations

__all__ = [
    "DURATION",
    "EXTINCT",
    "MAX_CELLS",
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
RUNNING, EXTINCT, MAX_CELLS, DURATION = 0, 1, 2, 3
STATUS_NAMES = {RUNNING: "running", EXTINCT: "extinct", MAX_CELLS: "max_cells",
                DURATION: "duration"}
STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}
#: Escape routes of a clone.
ROUTE_NONE, ROUTE_KARYOTYPE, ROUTE_MUTATION = 0, 1, 2
ROUTE_NAMES = {ROUTE_NONE: "none", ROUTE_KARYOTYPE: "karyotype", ROUTE_MUTATION: "mutation"}

#: Default population size at which "auto" switches from exact to tau-leaping.
SWITCH_SIZE = 100
#: Default tau-leap step (days).
TAU_STEP = 0.5
