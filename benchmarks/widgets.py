"""Benchmark of the explorers: how long one control change takes to reach the figure.

Run ``python benchmarks/widgets.py`` (under a minute) or ``--quick`` (a smoke test).
One update is what a student waits for after releasing a slider of the single-run
explorer: ``control.value = v`` -> ``Scenario.replace`` -> ``cinlab.simulate`` ->
``*_columns`` -> ``source.data = {...}`` (jupyter_bokeh serialises the document patch).
It is timed in the kernel, without a browser: the trip to BokehJS and the repaint come
on top (measured in JupyterLab, stack.md: 34-50 ms to new data, 93-135 ms to a repainted
canvas). Targets are reported, never asserted.
"""

from __future__ import annotations

import time

import numpy as np

import cinlab
from cinlab import widgets as cw

try:  # imported as benchmarks.widgets
    from . import _common as bc
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import _common as bc

NAME = "widgets"
SEED = 7
UPDATE_TARGET = 100.0  # ms for one control change, kernel side
CONTROL = "growth.birth_rate"


def scenarios() -> dict[str, cinlab.Scenario]:
    """Lesson 01's story without CIN: growth to detection, withdrawal, regression."""
    withdrawal = cinlab.scenarios.get("withdrawal")
    return {
        "lesson 01, detection at 1e7 cells": withdrawal.replace(**{
            "therapy.detection_size": 1e7, "max_cells": 2e7, "relapse_size": 1e7,
            "escape.mutation_rate": 0.0, "duration": 120.0}),
        "withdrawal preset, detection at 1e5 cells": withdrawal,
    }


def birth_rates(n: int) -> list[float]:
    """``n`` distinct slider positions (step 0.01) around the preset's 0.40 per day."""
    return [round(0.35 + 0.01 * (i % 13), 2) for i in range(n)]


def measure(scenario: cinlab.Scenario, n_updates: int) -> dict:
    """Time ``n_updates`` control changes of a fresh explore_run.

    The explorer's own call to ``simulate`` is timed inside each update, so the update
    splits exactly into the simulation and everything else (widgets and figures).
    """
    simulate_times: list[float] = []
    real_simulate = cw.simulate

    def timed_simulate(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real_simulate(*args, **kwargs)
        finally:
            simulate_times.append(time.perf_counter() - t0)

    cw.simulate = timed_simulate
    try:
        w = cw.explore_run(scenario, controls=[CONTROL, "therapy.detection_size"], seed=SEED)
        slider = w.controls[CONTROL]
        slider.value = 0.36  # warm-up: first figure refill, caches
        values = [v for v in birth_rates(n_updates + 3) if v != slider.value][:n_updates]
        update, update_cpu, statuses = [], [], []
        simulate_times.clear()
        for value in values:
            before = w.sources["burden"].data
            t0, c0 = time.perf_counter(), time.process_time()
            slider.value = value
            update.append(time.perf_counter() - t0)
            update_cpu.append(time.process_time() - c0)
            if w.sources["burden"].data is before or "Up to date" not in w.status.value:
                raise RuntimeError(f"the explorer did not update: {w.status.value}")
            statuses.append(w.result.status)
    finally:
        cw.simulate = real_simulate
    ms = np.array(update) * 1e3
    sim = np.array(simulate_times) * 1e3
    return {
        "n": len(values), "values": values,
        "update_ms": ms.tolist(), "update_cpu_ms": (np.array(update_cpu) * 1e3).tolist(),
        "simulate_ms": sim.tolist(),
        "update_median": float(np.median(ms)), "update_p90": float(np.percentile(ms, 90)),
        "update_cpu_median": float(np.median(update_cpu) * 1e3),
        "simulate_median": float(np.median(sim)),
        "overhead_median": float(np.median(ms - sim)),
        "cpu_share": sum(update_cpu) / sum(update),
        "status": dict(sorted({s: statuses.count(s) for s in set(statuses)}.items())),
        "n_times": len(w.result.times),
    }


def run_benchmarks(args) -> list[bc.Row]:
    n_updates = 5 if args.quick else args.updates
    rows: list[bc.Row] = []
    details = {}
    for i, (label, scenario) in enumerate(scenarios().items(), start=1):
        bc.progress(f"{i}/2 {n_updates} updates of explore_run: {label}")
        m = measure(scenario, n_updates)
        details[label] = m
        where = (f"{label}; explore_run(seed={SEED}), {m['n']} changes of {CONTROL} "
                 f"({min(m['values'])}-{max(m['values'])} per day); runs ended "
                 f"{m['status']}, {m['n_times']} time points")
        rows.append(bc.Row(f"one update: {label}", m["update_median"], "ms", UPDATE_TARGET,
                           "lower", f"median of {m['n']}, kernel side; {where}; "
                           f"CPU/wall {m['cpu_share']:.2f}", m))
        rows.append(bc.Row("  90th percentile of updates", m["update_p90"], "ms"))
        rows.append(bc.Row("  CPU time of one update", m["update_cpu_median"], "ms",
                           note="" if i > 1 else "median process CPU time per update: "
                           "what the update costs on an otherwise idle core"))
        rows.append(bc.Row("  of which cinlab.simulate()", m["simulate_median"], "ms",
                           note="" if i > 1 else "the explorer's own simulate call, "
                           "timed inside each update"))
        rows.append(bc.Row("  of which widgets and figures", m["overhead_median"], "ms",
                           note="" if i > 1 else "median of (update - its simulate call): "
                           "Scenario.replace, *_columns, source.data, the summary text"))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = bc.parser(__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=24,
                   help="control changes timed per scenario (at least 20 for the target)")
    args = p.parse_args(argv)
    clock = bc.ScriptClock()
    rows = run_benchmarks(args)
    bc.report(NAME, "cinlab explorer benchmarks", rows, args, clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
