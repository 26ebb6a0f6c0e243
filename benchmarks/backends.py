"""The compiled engine against its numpy twin: the same work measured side by side.

Run ``python benchmarks/backends.py`` (a few minutes) or ``--quick`` (a smoke test).
Each figure is measured for both backends in one run, alternating, so the ratios hold
even on a busy machine; both backends give identical results (checked here too).
Targets are reported, never asserted; see benchmarks/README.md.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import time
from unittest import mock

import numpy as np

import cinlab
from cinlab import parallel
from cinlab.engine import RUNNING, Batch

try:  # imported as benchmarks.backends
    from . import _common as bc
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import _common as bc

NAME = "backends"
SEED = 2010
COHORT_TARGET = 1.5  # s, 200-run TI-KM cohort on one core (quiet machine)
SINGLE_TARGET = 0.3  # s, one CIN tumour to 1e7 cells then 300 days of therapy
TAU_TARGET = 0.25  # tau clone-steps/s / raw binomial draws/s
SPEEDUP_TARGET = 5.0  # numba / numpy, same work, same process
COLD_TARGET = 20.0  # s, first cohort of a new process with an empty kernel cache
WARM_TARGET = 1.0  # s, the same with the kernels cached on disk
COMPILE_NOTE = "first call in a process with an empty cache (once per machine)"


def cohort_scenario(quick: bool) -> cinlab.Scenario:
    if quick:
        return cinlab.scenarios.get("sotillo2010", mad2=True, **{
            "therapy.detection_size": 1e4, "max_cells": 2e4, "relapse_size": 1e4})
    return cinlab.scenarios.get("sotillo2010", mad2=True)


def single_scenario(quick: bool) -> cinlab.Scenario:
    size = 1e5 if quick else 1e7
    return cinlab.scenarios.get("sotillo2010", mad2=True, **{
        "therapy.detection_size": size, "max_cells": 2 * size, "relapse_size": size,
        "duration": 3650.0}).replace(duration=3650.0)


def alternate(fns: dict, repeats: int) -> dict:
    """Time each function ``repeats`` times, alternating; median wall and CPU seconds."""
    times: dict = {k: [] for k in fns}
    cpu: dict = {k: [] for k in fns}
    out: dict = {}
    for _ in range(repeats):
        for k, fn in fns.items():
            c0 = time.process_time()
            t, out[k] = bc.time_once(fn)
            times[k].append(t)
            cpu[k].append(time.process_time() - c0)
    return {k: {"median": bc.median(times[k]), "times": times[k],
                "cpu": bc.median(cpu[k]), "result": out[k]} for k in fns}


def one_thread(fn):
    """``fn`` with every cohort batch in the calling thread (the one-core figures)."""
    def go():
        with mock.patch.dict(os.environ, {parallel.ENV: "1"}):
            return fn()
    return go


def same_cohorts(a: cinlab.Cohort, b: cinlab.Cohort) -> bool:
    return all(np.array_equal(a._data[k], b._data[k], equal_nan=True) for k in a._data)


def clone_steps(quick: bool, repeats: int = 5) -> tuple[float, float, dict]:
    """Tau clone-steps per second of a grown CIN tumour, per backend (median of repeats).

    Each repeat times 5 tau steps of a copy of the same grown tumour; the reference is
    the median rate of raw ``Generator.binomial`` draws over 5 blocks.
    """
    sc = cinlab.scenarios.get("sotillo2010", mad2=True, therapy=None, max_cells=1e12,
                              duration=3650.0)
    target = 3_000 if quick else 30_000
    rates = {}
    rows = np.array([0])
    for backend in ("numba", "numpy"):
        base = Batch(sc, [np.random.SeedSequence(7)], backend=backend)
        while base.status[0] == RUNNING and (base.count[0] > 0).sum() < target:
            if base.tau_mode[0]:
                base._tau_step(rows)
            else:
                base._exact_step(rows)
        per_repeat = []
        for _ in range(1 if backend == "numpy" else repeats):
            batch = copy.deepcopy(base)
            steps, clones, elapsed = 0, 0, 0.0
            while steps < 5 and batch.status[0] == RUNNING:
                clones += int((batch.count[0] > 0).sum())
                t0 = time.perf_counter()
                batch._tau_step(rows)
                elapsed += time.perf_counter() - t0
                steps += 1
            per_repeat.append(clones / elapsed)
        rates[backend] = bc.median(per_repeat)
    m = 1_000_000
    rng = np.random.default_rng(0)
    n = rng.integers(1, 16, m)
    p = rng.random(m) * 0.1
    raw = bc.median([m / bc.time_once(lambda: rng.binomial(n, p))[0] for _ in range(5)])
    return rates["numba"], rates["numpy"], {"raw_binomial_draws_per_s": raw,
                                            "repeats": repeats}


def compile_seconds() -> dict:
    """Seconds to first result in fresh processes: empty cache, then warm cache."""
    code = ("import time; t = time.perf_counter(); import cinlab; "
            "cinlab.simulate_many(cinlab.scenarios.get('sotillo2010'), 2, seed=1); "
            "print(time.perf_counter() - t)")
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold", "warm"):
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  text=True, env=env, check=True)
            out[label] = float(proc.stdout.strip().splitlines()[-1])
    env = {**os.environ, "CINLAB_NO_NUMBA": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=True)
    out["numpy"] = float(proc.stdout.strip().splitlines()[-1])
    return out


def run_benchmarks(args) -> list[bc.Row]:
    rows: list[bc.Row] = []
    n_runs = 20 if args.quick else 200
    repeats = 1 if args.quick else 2
    sc = cohort_scenario(args.quick)
    cinlab.simulate_many(sc, 2, seed=1, backend="numba")  # compiled (or cached) first
    bc.progress(f"{n_runs}-run cohort, both backends")
    res = alternate({b: one_thread(lambda b=b: cinlab.simulate_many(sc, n_runs, seed=SEED,
                                                                     backend=b))
                     for b in ("numba", "numpy")}, repeats)
    same = same_cohorts(res["numba"]["result"], res["numpy"]["result"])
    nb, npy = res["numba"]["median"], res["numpy"]["median"]
    rows.append(bc.Row(f"{n_runs}-run TI-KM cohort, numba", nb, "s", COHORT_TARGET,
                       note=f"CPU {res['numba']['cpu']:.2f} s; identical to numpy: {same}",
                       extra={"times": res["numba"]["times"]}))
    rows.append(bc.Row(f"{n_runs}-run TI-KM cohort, numpy", npy, "s",
                       note=f"CPU {res['numpy']['cpu']:.2f} s",
                       extra={"times": res["numpy"]["times"]}))
    cpu_ratio = res["numpy"]["cpu"] / res["numba"]["cpu"]
    rows.append(bc.Row("  cohort speed-up numba / numpy (CPU time)", cpu_ratio, "x",
                       SPEEDUP_TARGET, "higher", note=f"wall-time ratio {npy / nb:.2f}"))
    threads = parallel.thread_count()
    bc.progress(f"{n_runs}-run cohort, numba, one thread and {threads}")
    both = alternate({"one": one_thread(lambda: cinlab.simulate_many(sc, n_runs, seed=SEED)),
                      "many": lambda: cinlab.simulate_many(sc, n_runs, seed=SEED)}, repeats)
    same = same_cohorts(both["one"]["result"], both["many"]["result"])
    rows.append(bc.Row(f"{n_runs}-run TI-KM cohort, numba, {threads} threads",
                       both["many"]["median"], "s",
                       note=f"one thread {both['one']['median']:.2f} s in the same run; "
                            f"CPU {both['many']['cpu']:.2f} s; identical: {same}",
                       extra={"times": both["many"]["times"], "threads": threads,
                              "one_thread_times": both["one"]["times"]}))
    bc.progress("single CIN tumour with therapy, both backends")
    one = single_scenario(args.quick)
    res = alternate({b: (lambda b=b: cinlab.simulate(one, seed=3, backend=b))
                     for b in ("numba", "numpy")}, repeats)
    rows.append(bc.Row("single CIN tumour to 1e7 + therapy, numba", res["numba"]["median"],
                       "s", None if args.quick else SINGLE_TARGET,
                       note=f"status {res['numba']['result'].status}"))
    rows.append(bc.Row("single CIN tumour to 1e7 + therapy, numpy", res["numpy"]["median"],
                       "s"))
    rows.append(bc.Row("  single-run speed-up numba / numpy",
                       res["numpy"]["median"] / res["numba"]["median"], "x"))
    bc.progress("tau clone-steps per second")
    nb_rate, np_rate, extra = clone_steps(args.quick)
    raw = extra["raw_binomial_draws_per_s"]
    rows.append(bc.Row("tau clone-steps/s, numba", nb_rate, "/s"))
    rows.append(bc.Row("tau clone-steps/s, numpy", np_rate, "/s"))
    rows.append(bc.Row("  numba clone-steps/s / raw binomial draws/s", nb_rate / raw, "",
                       TAU_TARGET, "higher", note=f"raw numpy binomial {bc.sci(raw)}/s"))
    if not args.quick:
        bc.progress("compile and warm-start time in fresh processes")
        c = compile_seconds()
        rows.append(bc.Row("first cohort in a new process, empty kernel cache", c["cold"],
                           "s", COLD_TARGET, note=COMPILE_NOTE))
        rows.append(bc.Row("first cohort in a new process, warm kernel cache", c["warm"],
                           "s", WARM_TARGET, note="import cinlab included"))
        rows.append(bc.Row("first cohort in a new process, numpy backend", c["numpy"], "s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = bc.parser(__doc__.splitlines()[0]).parse_args(argv)
    clock = bc.ScriptClock()
    rows = run_benchmarks(args)
    bc.report(NAME, "cinlab engine backends, side by side", rows, args, clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
