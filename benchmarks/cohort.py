"""Benchmarks of virtual cohorts (cinlab.simulate_many): time, memory, vectorisation gain.

Run ``python benchmarks/cohort.py`` (about three minutes) or ``--quick`` (a smoke test);
``--profile`` prints where the time of the 200-run cohort goes instead.
Targets are reported, never asserted; see benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import cinlab

try:  # imported as benchmarks.cohort
    from . import _common as bc
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import _common as bc

NAME = "cohort"
SEED = 2010
SMALL_TARGET = 3.0  # s for 200 runs on 2 cores
LARGE_TARGET = 15.0  # s for 1,000 runs
MEMORY_TARGET = 500.0  # MB for 1,000 runs
RATIO_TARGET = 0.2  # cohort time per run / single-run time


def scenario(quick: bool) -> cinlab.Scenario:
    """sotillo2010(mad2=True); --quick detects at 1e4 cells instead of 1e5 (faster)."""
    if quick:
        return cinlab.scenarios.get("sotillo2010", mad2=True, **{
            "therapy.detection_size": 1e4, "max_cells": 2e4, "relapse_size": 1e4})
    return cinlab.scenarios.get("sotillo2010", mad2=True)


def summary(cohort: cinlab.Cohort) -> dict:
    return {"n_runs": cohort.n_runs, "treated": int(cohort.treated.sum()),
            "relapsed": int(cohort.relapsed.sum()), "extinct": int(cohort.extinct.sum()),
            "final_total_sum": int(cohort.final_total.sum())}


def cohort_workload(n_runs: int, quick: bool):
    """Factory for the memory subprocess: returns the cohort run to measure."""
    sc = scenario(quick)

    def work() -> dict:
        return summary(cinlab.simulate_many(sc, n_runs, seed=SEED))

    return work


def in_process(sc: cinlab.Scenario, n_runs: int, repeats: int, budget: float) -> dict:
    return bc.time_repeats(lambda: cinlab.simulate_many(sc, n_runs, seed=SEED), repeats,
                           budget)


def with_pool(sc: cinlab.Scenario, n_runs: int, workers: int, repeats: int,
              budget: float) -> dict:
    worker_cpu: list[float] = []

    def go() -> cinlab.Cohort:
        # pool start-up and shutdown are part of what a user waits for
        before = bc.children_cpu()
        with ProcessPoolExecutor(workers) as ex:
            cohort = cinlab.simulate_many(sc, n_runs, seed=SEED, executor=ex)
        worker_cpu.append(bc.children_cpu() - before)  # workers are reaped at shutdown
        return cohort

    timing = bc.time_repeats(go, repeats, budget)
    timing["worker_cpu_times"] = worker_cpu
    return timing


def singles(sc: cinlab.Scenario, n_runs: int, n_single: int) -> dict:
    """Single simulate() calls of the cohort's first replicates (the same seeds)."""
    children = np.random.SeedSequence(SEED).spawn(n_runs)[:n_single]
    times, status = [], []
    for child in children:
        t, run = bc.time_once(lambda c=child: cinlab.simulate(sc, seed=c))
        times.append(t)
        status.append(run.status)
    return {"median": bc.median(times), "mean": float(np.mean(times)), "times": times,
            "status": status}


def run_benchmarks(args) -> list[bc.Row]:
    quick = args.quick
    n_small, n_large, n_single = (10, 20, 2) if quick else (200, 1000, 10)
    repeats = 1 if quick else 3
    sc = scenario(quick)
    label = "sotillo2010(mad2) detection 1e4" if quick else "sotillo2010(mad2)"
    # warm-up: imports and caches
    cinlab.simulate_many(sc, 2, seed=0)
    rows: list[bc.Row] = []

    bc.progress(f"1/5 {n_small}-run cohort in one process")
    small = in_process(sc, n_small, repeats, 30.0)
    s_small = summary(small["result"])
    rows.append(bc.Row(f"{n_small}-run cohort, in-process", small["median"], "s", SMALL_TARGET,
                       "lower", f"{label}, seed {SEED}; median of {small['n']} "
                       f"({bc.cpu_share(small)}): {[round(t, 2) for t in small['times']]} s; "
                       f"{s_small}",
                       {k: v for k, v in small.items() if k != "result"} | s_small))

    bc.progress(f"2/5 {n_single} single runs of the same scenario")
    one = singles(sc, n_small, n_single)
    rows.append(bc.Row("single simulate() call", one["median"], "s",
                       note=f"median of the cohort's first {n_single} replicates run alone "
                            f"(same seeds; mean {one['mean']:.3g} s; {one['status']})",
                       extra=one))
    per_run = small["median"] / n_small
    rows.append(bc.Row(f"cohort time per run ({n_small}-run cohort)", per_run, "s"))
    rows.append(bc.Row("cohort time per run / single run", per_run / one["median"], "",
                       RATIO_TARGET, "lower"))

    bc.progress(f"3/5 {n_small}-run cohort with ProcessPoolExecutor({args.workers})")
    pool = with_pool(sc, n_small, args.workers, repeats, 30.0)
    s_pool = summary(pool["result"])
    rows.append(bc.Row(f"{n_small}-run cohort, ProcessPoolExecutor({args.workers})",
                       pool["median"], "s", SMALL_TARGET, "lower",
                       f"median of {pool['n']}: {[round(t, 2) for t in pool['times']]} s, "
                       f"pool start-up included; workers' CPU/(wall x {args.workers}) "
                       f"{sum(pool['worker_cpu_times']) / sum(pool['times']) / args.workers:.2f}"
                       f"; same results as in-process: {s_pool == s_small}",
                       {k: v for k, v in pool.items() if k != "result"} | s_pool))
    rows.append(bc.Row("  speed-up of the pool over in-process",
                       small["median"] / pool["median"], "", note="informative"))

    bc.progress(f"4/5 {n_large}-run cohort in a fresh subprocess (time and peak memory)")
    cap = args.max_seconds or None
    big = bc.measure_in_subprocess(__file__, "cohort_workload",
                                   {"n_runs": n_large, "quick": quick}, timeout=cap)
    cut = big["timed_out"]
    how = (f"killed after {cap:g} s (--max-seconds): both figures are lower bounds"
           if cut else "measured once, in one fresh subprocess")
    peak = big["peak_bytes"] / 1e6 if big["peak_bytes"] is not None else None
    rows.append(bc.Row(f"{n_large}-run cohort, in-process", big["seconds"], "s", LARGE_TARGET,
                       "lower", f"{how}; {big.get('details') or ''}", big, lower_bound=cut))
    rows.append(bc.Row(f"  {n_large}-run cohort: peak memory", peak, "MB", MEMORY_TARGET,
                       "lower", bc.MEMORY_METHOD + (
                           f"; baseline {big['baseline_bytes'] / 1e6:.0f} MB"
                           if big.get("baseline_bytes") else ""), lower_bound=cut))

    bc.progress(f"5/5 {n_large}-run cohort with ProcessPoolExecutor({args.workers})")
    pool_big = with_pool(sc, n_large, args.workers, 1, 0.0)
    share = sum(pool_big["worker_cpu_times"]) / pool_big["median"] / args.workers
    rows.append(bc.Row(f"{n_large}-run cohort, ProcessPoolExecutor({args.workers})",
                       pool_big["median"], "s", LARGE_TARGET, "lower",
                       f"measured once, pool start-up included; workers' CPU/(wall x "
                       f"{args.workers}) {share:.2f}",
                       {k: v for k, v in pool_big.items() if k != "result"}))
    return rows


def profile(args) -> None:
    quick = args.quick
    n_runs = 20 if quick else 200
    sc = scenario(quick)
    cinlab.simulate_many(sc, 2, seed=0)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(cinlab.simulate_many, sc, n_runs, seed=SEED)
    wall = time.perf_counter() - t0
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
    print(f"cProfile of a {n_runs}-run cohort ({wall:.1f} s under the profiler), "
          f"top {args.top} by tottime:")
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    p = bc.parser(__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2, help="ProcessPoolExecutor workers")
    p.add_argument("--max-seconds", type=float, default=120.0,
                   help="kill the 1,000-run measurement after this many seconds and report "
                        "lower bounds (0: no limit)")
    p.add_argument("--profile", action="store_true",
                   help="only profile the 200-run cohort (cProfile) and print the top functions")
    p.add_argument("--top", type=int, default=15, help="functions shown by --profile")
    args = p.parse_args(argv)
    if args.profile:
        profile(args)
        return 0
    clock = bc.ScriptClock()
    rows = run_benchmarks(args)
    bc.report(NAME, "cinlab cohort benchmarks", rows, args, clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
