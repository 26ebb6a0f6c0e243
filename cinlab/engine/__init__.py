"""The simulation engine (see :mod:`cinlab.engine.batch` for the method).

``simulate`` is the public entry point; ``Batch`` (replicates side by side), the status
codes and escape routes are for :mod:`cinlab.cohort`, :mod:`cinlab.result` and tests.
"""

from .batch import Batch, simulate
from .constants import (
    CLONE_CAP,
    DURATION,
    EXTINCT,
    MAX_CELLS,
    MAX_CLONES,
    ROUTE_KARYOTYPE,
    ROUTE_MUTATION,
    ROUTE_NAMES,
    ROUTE_NONE,
    RUNNING,
    STATUS_NAMES,
    SWITCH_SIZE,
    TAU_STEP,
)
from .kernels import BACKENDS, resolve_backend

__all__ = [
    "BACKENDS",
    "CLONE_CAP",
    "DURATION",
    "EXTINCT",
    "MAX_CELLS",
    "MAX_CLONES",
    "ROUTE_KARYOTYPE",
    "ROUTE_MUTATION",
    "ROUTE_NAMES",
    "ROUTE_NONE",
    "RUNNING",
    "STATUS_NAMES",
    "SWITCH_SIZE",
    "TAU_STEP",
    "Batch",
    "resolve_backend",
    "simulate",
]
