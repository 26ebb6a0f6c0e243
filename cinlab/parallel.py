"""A cohort's batches on several cores of one process (threads), with the same results.

A cohort is simulated in batches of replicates. The compiled kernels release the GIL
(``nogil``), and so do numpy's larger operations, so two batches running in two threads
of one process take nearly two cores: a 200-run TI-KM cohort takes about 1.5 s instead
of 2.3-2.5 s on two cores (``benchmarks/backends.py``). Batches shrink with the thread
count, so the replicates in memory at once, and so the memory, stay those of one batch.
Because a replicate's random numbers are keyed by the replicate, and each replicate's
clone cap is fixed by the cohort's size (not by its batch), the results do not depend on
how many threads ran them.

How many threads: the CPUs this process may use (its affinity mask, and a container's
CPU quota, which Binder and JupyterHub set), at most :data:`MAX_THREADS`; the
environment variable ``CINLAB_THREADS`` sets the number (1 runs every batch in the
calling thread, as before threads were used).
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from .engine.constants import MAX_CLONES, TABLE_SLOTS

__all__ = ["ENV", "MAX_THREADS", "available_cpus", "clone_cap", "plan_batches",
           "run_batches", "run_cohort", "thread_count"]

#: The environment variable that sets the number of threads.
ENV = "CINLAB_THREADS"
#: Threads used at most by default (the GIL held by each step's Python part limits the gain).
MAX_THREADS = 4
#: A batch is not split below this many replicates to give threads work.
MIN_SPLIT = 8
_POLL = 0.1  # seconds between progress reports while threads run


def _cgroup_cpus(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """CPUs allowed by a container's CPU quota (cgroup v2 or v1), or None without one."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return max(1, math.ceil(quota_us / period_us)) if quota_us > 0 < period_us else None


def available_cpus() -> int:
    """CPUs this process may run on: its affinity mask, bounded by a CPU quota."""
    if sys.platform == "emscripten":  # Pyodide and JupyterLite: no threads
        return 1
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    quota = _cgroup_cpus()
    return max(1, min(n, quota) if quota else n)


def thread_count() -> int:
    """Threads a cohort may use.

    ``CINLAB_THREADS`` if set, else the available CPUs (at most :data:`MAX_THREADS`).

    Raises
    ------
    ValueError
        If ``CINLAB_THREADS`` is set to anything but a whole number from 1 to 256.
    """
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return min(available_cpus(), MAX_THREADS)
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= 256:
        raise ValueError(f"{ENV} must be a whole number of threads in [1, 256]. "
                         f"Got {raw!r}.")
    return n


def plan_batches(n_runs: int, batch_size: int, threads: int) -> list[range]:
    """Replicate indices of each batch of an ``n_runs`` cohort.

    One thread takes batches of ``batch_size``. With more, a batch holds
    ``batch_size // threads`` replicates, so that the batches in memory at once hold no
    more replicates than one batch would (the clone table's memory bound holds whatever
    the thread count, up to ``batch_size // MIN_SPLIT`` threads), and a small cohort is
    shared between the threads; never below :data:`MIN_SPLIT` replicates a batch unless
    the cohort is smaller.
    """
    threads = max(threads, 1)
    per_thread = batch_size if threads == 1 else max(MIN_SPLIT, batch_size // threads)
    size = min(per_thread, max(MIN_SPLIT, math.ceil(n_runs / threads)))
    return [range(i, min(i + size, n_runs)) for i in range(0, n_runs, size)]


def clone_cap(n_runs: int, batch_size: int) -> int:
    """Clone slots each replicate of an ``n_runs`` cohort may hold, however it is batched.

    The cap of a full batch, ``TABLE_SLOTS // min(n_runs, batch_size)`` (at most
    ``MAX_CLONES``): the same for every batch, thread and executor task of the cohort,
    so that none of them changes a run that reaches it.
    """
    return int(min(MAX_CLONES, TABLE_SLOTS // max(1, min(n_runs, batch_size))))


class _StoppedError(Exception):
    """Raised inside a batch's callback to end it early (another batch failed)."""


def run_batches(job: Callable[[range, Callable[[int], None] | None], Any],
                batches: Sequence[range], threads: int,
                report: Callable[[int], None] | None = None) -> list[Any]:
    """``job(batch, callback)`` for every batch, in order of the batches' results.

    ``job`` must call ``callback(finished)`` as its batch progresses (the number of its
    replicates finished so far). ``report(done)`` gets the total finished, always from
    the calling thread. With one thread, or one batch, everything runs in the calling
    thread. An exception in one batch (or an interrupt of the calling thread) stops the
    others at their next step and is raised here.
    """
    if threads <= 1 or len(batches) <= 1:
        parts = []
        for batch in batches:
            first = batch.start
            callback = (lambda done, f=first: report(f + done)) if report else None
            parts.append(job(batch, callback))
        return parts
    done = [0] * len(batches)
    stop = threading.Event()

    def make_callback(i: int) -> Callable[[int], None]:
        def callback(finished: int) -> None:
            if stop.is_set():
                raise _StoppedError
            done[i] = finished
        return callback

    with ThreadPoolExecutor(max_workers=min(threads, len(batches)),
                            thread_name_prefix="cinlab-batch") as pool:
        futures = [pool.submit(job, b, make_callback(i)) for i, b in enumerate(batches)]
        try:
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                for fut in finished:
                    if fut.exception() is not None:
                        raise fut.exception()  # type: ignore[misc]
                if report:
                    report(sum(done))
        except BaseException:
            stop.set()
            for fut in futures:
                fut.cancel()
            raise
    return [fut.result() for fut in futures]


def run_cohort(job: Callable[[range, Callable[[int], None] | None], Any], n_runs: int,
               batch_size: int, report: Callable[[int], None] | None = None) -> list[Any]:
    """``job(batch, callback)`` for the batches of an ``n_runs`` cohort, in threads.

    The thread count is :func:`thread_count`, the batches :func:`plan_batches`'; see
    :func:`run_batches` for ``job`` and ``report``.
    """
    threads = thread_count()
    return run_batches(job, plan_batches(n_runs, batch_size, threads), threads, report)
