"""Benchmarks of the simulation core (cinlab.engine): exact and tau-leap throughput, scaling.

Run ``python benchmarks/engine.py`` (about a minute) or ``--quick`` (a smoke test).
Targets are reported, never asserted; see benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np

import cinlab
from cinlab.engine import DURATION, MAX_CELLS, RUNNING, STATUS_NAMES, Batch

try:  # imported as benchmarks.engine
    from . import _common as bc
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import _common as bc

NAME = "engine"
EXACT_TARGET = 2e7  # events per second (the compiled engine's target)
TAU_TARGET = 0.25  # clone-steps/s as a fraction of raw binomial draws/s
SCALING_TARGET = 3.0  # t(1e9) / t(1e5)
TREATED_TARGET = 0.3  # seconds per run


# ------------------------------------------------------------------------ scenarios


def birth_death(max_cells: float) -> cinlab.Scenario:
    """Pure birth-death from one cell (b = 1, d = 0.5): no CIN, no escape, no therapy.

    record_interval is the largest allowed and the duration the longest, so that the
    only fixed-time boundary (the duration) is never reached: every iteration is an event.
    """
    return cinlab.Scenario(
        growth=cinlab.Growth(birth_rate=1.0, death_rate=0.5),
        cin=cinlab.CIN(missegregation_rate=0.0, baseline_rate=0.0, window="never"),
        escape=cinlab.Escape(mutation_rate=0.0, bypass_chromosomes=()),
        therapy=None, initial_cells=1, max_cells=max_cells, duration=3650.0,
        record_interval=100.0,
    )


def growing(size: float, cin: bool) -> cinlab.Scenario:
    """A tumour grown to ``size`` cells without therapy; with CIN: sotillo2010(mad2=True)."""
    if cin:
        return cinlab.scenarios.get("sotillo2010", mad2=True, therapy=None, max_cells=size,
                                    duration=3650.0)
    return cinlab.scenarios.get("untreated", max_cells=size, duration=3650.0)


def treated(detection: float, duration: float) -> cinlab.Scenario:
    return cinlab.scenarios.get("sotillo2010", mad2=True, **{
        "therapy.detection_size": detection, "max_cells": 2 * detection,
        "relapse_size": detection, "duration": duration})


def live_clones(batch: Batch, row: int = 0) -> int:
    return int((batch.count[row, : batch.used[row]] > 0).sum())


# ---------------------------------------------------------- 1. exact cohort throughput


def bench_exact(n_rep: int, max_cells: float, repeats: int, budget: float) -> list[bc.Row]:
    sc = birth_death(max_cells)
    seqs = np.random.SeedSequence(2024).spawn(n_rep)
    setups: list[float] = []

    def setup() -> Batch:
        t, batch = bc.time_once(lambda: Batch(sc, seqs, method="exact"))
        setups.append(t)
        return batch

    timing = bc.time_repeats(lambda batch: batch.run(), repeats, budget, setup=setup)
    batch = timing["result"]
    # Every iteration of the exact loop is one event (a division or a death) except an
    # iteration whose waiting time crosses a fixed-time boundary; here the only boundary
    # is the duration, crossed at most once per replicate, which then stops (DURATION).
    crossings = int((batch.status == DURATION).sum())
    events_r = batch.n_exact - (batch.status == DURATION)
    events = int(events_r.sum())
    # check: births + deaths = events and births - deaths = final - initial per replicate
    net = batch.total - sc.initial_cells
    deaths2 = events_r - net
    consistent = bool(np.all(deaths2 >= 0) and np.all(deaths2 % 2 == 0))
    deaths = int(deaths2.sum() // 2)
    t_run = timing["median"]
    t_setup = bc.median(setups)
    status = {STATUS_NAMES[int(k)]: int(v) for k, v in
              zip(*np.unique(batch.status, return_counts=True), strict=True)}
    detail = {"replicates": n_rep, "max_cells": max_cells, "events": events,
              "births": events - deaths, "deaths": deaths, "boundary_crossings": crossings,
              "iterations": int(batch.n_exact.sum()), "births_deaths_consistent": consistent,
              "status": status, "run_seconds": timing["times"],
              "run_cpu_seconds": timing["cpu_times"], "setup_seconds": setups}
    note = (f"{n_rep:,} replicates b=1 d=0.5 from 1 cell to {max_cells:g} cells or "
            f"extinction ({status}); events = sum(n_exact) - boundary crossings "
            f"({crossings}) = {events:,} ({events - deaths:,} births, {deaths:,} deaths; "
            f"births-deaths = final-initial check {'ok' if consistent else 'FAILED'}); "
            f"median of {timing['n']} run(s), {bc.cpu_share(timing)}")
    return [
        bc.Row("exact: events/s, Batch.run()", events / t_run, "events/s", EXACT_TARGET,
               "higher", note, detail),
        bc.Row("exact: events/s incl. Batch set-up", events / (t_run + t_setup), "events/s",
               note=f"set-up (seeding, tables) {t_setup:.3g} s of {t_run + t_setup:.3g} s"),
        bc.Row("exact: Batch.run() time", t_run, "s"),
    ]


# ------------------------------------------------------ 2. tau-leap clone throughput


def prepared_cin_batch(min_clones: int, seed: int = 7) -> Batch:
    """A single CIN tumour (sotillo2010, mad2, no therapy) run until it has min_clones."""
    sc = cinlab.scenarios.get("sotillo2010", mad2=True, therapy=None, max_cells=1e12,
                              duration=3650.0)
    for s in range(seed, seed + 20):
        batch = Batch(sc, [np.random.SeedSequence(s)], method="auto")
        rows = np.array([0])
        while batch.status[0] == RUNNING and live_clones(batch) < min_clones:
            if batch.tau_mode[0]:
                batch._tau_step(rows)
            else:
                batch._exact_step(rows)
        if batch.status[0] == RUNNING:
            return batch
    raise RuntimeError("no seed reached the clone count")


def binomial_rate(n: np.ndarray, p: np.ndarray, blocks: int = 5,
                  block_seconds: float = 0.1) -> float:
    """Median draws per second of Generator.binomial(n, p) for arrays like n and p."""
    rng = np.random.default_rng(0)
    rng.binomial(n, p)
    t, _ = bc.time_once(lambda: rng.binomial(n, p))
    calls = max(1, int(block_seconds / max(t, 1e-7)))
    rates = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(calls):
            rng.binomial(n, p)
        rates.append(calls * n.size / (time.perf_counter() - t0))
    return bc.median(rates)


def bench_tau(min_clones: int, steps: int, repeats: int) -> list[bc.Row]:
    t_prep, base = bc.time_once(lambda: prepared_cin_batch(min_clones))
    rows = np.array([0])
    # the binomial reference uses the live clones' own cell counts and division
    # probabilities (b g with the engine's dt = tau_step), the first draw of a tau step
    width = int(base.used[0])
    live = base.count[0, :width] > 0
    n_live = base.count[0, :width][live]
    b, d = base._rates(np.zeros(n_live.size, dtype=np.int64), base.esc[0, :width][live],
                       base.aneu[0, :width][live])
    dt = base.tau_step
    lam = b - d
    g = np.where(np.abs(lam) * dt < 1e-8, dt, np.expm1(lam * dt) / np.where(lam == 0, 1, lam))
    p_b = np.clip(b * g, 0.0, 1.0)
    rates, clone_steps, secs, sizes = [], [], [], []
    for _ in range(repeats):
        batch = copy.deepcopy(base)
        cs, el = 0, 0.0
        for _ in range(steps):
            cs += live_clones(batch)
            t0 = time.perf_counter()
            batch._tau_step(rows)
            el += time.perf_counter() - t0
        if batch.status[0] != RUNNING:
            raise RuntimeError("the prepared tumour stopped during the timed steps")
        rates.append(cs / el)
        clone_steps.append(cs)
        secs.append(el)
        sizes.append(int(batch.total[0]))
    rate = bc.median(rates)
    mean_clones = round(clone_steps[0] / steps)
    binom = binomial_rate(np.resize(n_live, mean_clones), np.resize(p_b, mean_clones))
    detail = {"clones_at_start": int(n_live.size), "cells_at_start": int(base.total[0]),
              "day_at_start": float(base.t[0]), "steps": steps, "mean_live_clones":
              mean_clones, "cells_after": sizes[0], "clone_steps": clone_steps,
              "seconds": secs, "prepare_seconds": t_prep,
              "binomial_draws_per_s": binom, "binomial_array_size": mean_clones}
    note = (f"one sotillo2010(mad2) tumour without therapy, from {n_live.size} live clones "
            f"({int(base.total[0]):,} cells, day {base.t[0]:.1f}); {steps} tau steps of "
            f"{dt} d per repeat (clones grow to ~{live_clones(batch)}), mean "
            f"{mean_clones} live clones/step; median of {repeats}; binomial reference: "
            f"Generator.binomial on arrays of {mean_clones} (clone counts, p = b g)")
    per_step = bc.median([s / steps for s in secs])
    return [
        bc.Row("tau: clone-steps/s", rate, "clone-steps/s", note=note, extra=detail),
        bc.Row("raw Generator.binomial draws/s", binom, "draws/s",
               note=f"array of {mean_clones} (n, p) pairs"),
        bc.Row("tau clone-steps/s / binomial draws/s", rate / binom, "", TAU_TARGET, "higher"),
        bc.Row("tau: time per step", per_step, "s",
               note=f"at ~{mean_clones} live clones"),
    ]


# ------------------------------------------------------------------------- 3. scaling


def time_growth(size: float, cin: bool, repeats: int, first_seed: int = 0
                ) -> dict[str, object]:
    """Median time of single runs that reach ``size`` (runs that die out are skipped)."""
    sc = growing(size, cin)
    times, seeds, skipped, clones, days = [], [], 0, [], []
    seed = first_seed
    while len(times) < repeats and seed < first_seed + 10 * repeats:
        t, run = bc.time_once(lambda s=seed: cinlab.simulate(sc, seed=s))
        if run.status == STATUS_NAMES[MAX_CELLS]:
            times.append(t)
            seeds.append(seed)
            clones.append(int((run.clones["count"] > 0).sum()))
            days.append(float(run.end_time))
        else:
            skipped += 1
        seed += 1
    return {"median": bc.median(times), "times": times, "seeds": seeds,
            "skipped_extinct": skipped, "final_live_clones": clones, "end_days": days}


def bench_scaling(sizes: list[float], cin_sizes: list[float], repeats: int) -> list[bc.Row]:
    rows, detail = [], {}
    res = {s: time_growth(s, False, repeats) for s in sizes}
    for s, r in res.items():
        detail[f"no_cin_{s:g}"] = r
        rows.append(bc.Row(f"no CIN: simulate to {bc.sci(s)} cells", r["median"], "s",
                           note=f"median of {len(r['times'])} seeds {r['seeds']}, "
                                f"skipped {r['skipped_extinct']} extinct, end day "
                                f"{bc.median(r['end_days']):.1f}"))
    lo, hi = sizes[0], sizes[-1]
    rows.append(bc.Row(f"no CIN: t({bc.sci(hi)}) / t({bc.sci(lo)})",
                       res[hi]["median"] / res[lo]["median"], "", SCALING_TARGET, "lower",
                       extra=detail))
    res_c = {s: time_growth(s, True, repeats) for s in cin_sizes}
    for s, r in res_c.items():
        detail[f"cin_{s:g}"] = r
        rows.append(bc.Row(f"CIN: simulate to {bc.sci(s)} cells", r["median"], "s",
                           note=f"median of {len(r['times'])}; final live clones "
                                f"{r['final_live_clones']}"))
    lo, hi = cin_sizes[0], cin_sizes[-1]
    rows.append(bc.Row(f"CIN: t({bc.sci(hi)}) / t({bc.sci(lo)})",
                       res_c[hi]["median"] / res_c[lo]["median"], "",
                       note="informative, no target"))
    return rows


# ------------------------------------------------- 4. a CIN tumour grown, then treated


def pilot_detection(detection: float) -> tuple[int, float, float]:
    """First seed whose CIN tumour reaches ``detection`` cells, its day and the run time."""
    sc = growing(detection, cin=True)
    for seed in range(20):
        t, run = bc.time_once(lambda s=seed: cinlab.simulate(sc, seed=s))
        if run.status == STATUS_NAMES[MAX_CELLS]:
            return seed, float(run.end_time), t
    raise RuntimeError("no seed reached the detection size")


def treated_workload(detection: float, duration: float, seed: int):
    """Factory for the memory subprocess: returns the run to measure."""
    sc = treated(detection, duration)

    def work() -> dict:
        run = cinlab.simulate(sc, seed=seed)
        return {"status": run.status, "end_day": float(run.end_time),
                "relapse_day": float(run.relapse_time)}

    return work


def bench_treated(detection: float, repeats: int, budget: float, treat_days: float,
                  tracemalloc: bool) -> list[bc.Row]:
    seed, det_day, t_grow = pilot_detection(detection)
    duration = math.ceil(det_day) + treat_days
    sc = treated(detection, duration)
    timing = bc.time_repeats(lambda: cinlab.simulate(sc, seed=seed), repeats, budget)
    run = timing["result"]
    kwargs = {"detection": detection, "duration": duration, "seed": seed}
    mem = bc.measure_in_subprocess(__file__, "treated_workload", kwargs, mode="rss")
    rows_detail = {"seed": seed, "detection_day_pilot": det_day, "duration": duration,
                   "grow_only_seconds": t_grow, "times": timing["times"],
                   "cpu_times": timing["cpu_times"],
                   "status": run.status, "end_day": float(run.end_time),
                   "detection_day": float(run.detection_time),
                   "relapse_after_days": float(run.relapse_time),
                   "final_live_clones": int((run.clones["count"] > 0).sum()),
                   "memory_rss": mem}
    once = " (measured once: a run took over a minute)" if timing["times"][0] > 60 else ""
    note = (f"sotillo2010(mad2) detection={bc.sci(detection)}, max_cells="
            f"{bc.sci(2 * detection)}, relapse_size={bc.sci(detection)}, duration="
            f"{duration:g} d (pilot detection day "
            f"{det_day:g} + {treat_days:g}); seed {seed}; median of {timing['n']}{once}, "
            f"{bc.cpu_share(timing)}; the "
            f"run ended '{run.status}' on day {run.end_time:g} (relapse "
            f"{run.relapse_time:g} d after therapy start)")
    rows = [
        bc.Row(f"CIN {bc.sci(detection)} + {treat_days:g} d therapy: time", timing["median"], "s",
               TREATED_TARGET, "lower", note, rows_detail),
        bc.Row(f"  of which growth to {bc.sci(detection)} alone", t_grow, "s",
               note="same seed, therapy=None, max_cells=detection size; one run"),
        bc.Row("  peak memory (RSS increase)", mem["peak_bytes"] / 1e6, "MB",
               note=bc.MEMORY_METHOD + f"; baseline {mem['baseline_bytes'] / 1e6:.0f} MB"),
    ]
    if tracemalloc:
        tm = bc.measure_in_subprocess(__file__, "treated_workload", kwargs,
                                      mode="tracemalloc")
        rows_detail["memory_tracemalloc"] = tm
        rows.append(bc.Row("  peak memory (tracemalloc)", tm["peak_bytes"] / 1e6, "MB",
                           note=bc.TRACEMALLOC_METHOD))
    return rows


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    args = bc.parser(__doc__.splitlines()[0]).parse_args(argv)
    clock = bc.ScriptClock()
    if args.quick:
        cfg = {"exact": (2_000, 100, 1, 5.0), "tau": (200, 4, 2), "sizes": [1e4, 1e6],
               "cin_sizes": [1e3, 1e4], "scale_repeats": 1,
               "treated": (1e5, 1, 10.0, 300.0, False)}
    else:
        cfg = {"exact": (100_000, 100, 3, 30.0), "tau": (1_000, 10, 5),
               "sizes": [1e5, 1e6, 1e7, 1e8, 1e9], "cin_sizes": [1e4, 1e5, 1e6],
               "scale_repeats": 3, "treated": (1e7, 3, 30.0, 300.0, True)}
    # warm-up: first calls import scipy.special and fill caches
    cinlab.simulate(growing(1e4, cin=True), seed=0)
    rows: list[bc.Row] = []
    bc.progress("1/4 exact cohort throughput")
    rows += bench_exact(*cfg["exact"])
    bc.progress("2/4 tau-leap clone throughput")
    rows += bench_tau(*cfg["tau"])
    bc.progress("3/4 scaling with tumour size")
    rows += bench_scaling(cfg["sizes"], cfg["cin_sizes"], cfg["scale_repeats"])
    bc.progress("4/4 CIN tumour grown then treated")
    rows += bench_treated(*cfg["treated"])
    bc.report(NAME, "cinlab engine benchmarks", rows, args, clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
