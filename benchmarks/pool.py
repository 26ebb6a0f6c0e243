"""Benchmarks of lesson 06: pooling the class's result cards, and the power explorer.

Run ``python benchmarks/pool.py`` (a few minutes while the engine is slow) or ``--quick``
(a smoke test). Targets are reported, never asserted:

- pooling 30 cards of 60 mice per arm and drawing the class's figure in at most 1 s
  (read and validate every card, pool, build the Bokeh figure and serialise it as the
  browser receives it);
- the power explorer's default grid in at most 10 s on one core: simulate a pool of 200
  mice per arm once (``power.simulate_pool``: each mouse only until its outcome is
  decided), then resample 400 experiments at each of its six sizes. The same pools as
  full cohorts (``simulate_many``, what the explorer simulated before) are timed beside
  it, with a check that both give the same follow-up.

The 30 cards are made from one simulated cohort per arm (small tumours, so that making
them is quick): card i carries the same outcomes under seed 1000 + i. Pooling does not
look at the outcomes' values, so this times exactly what 30 real cards cost.
"""

from __future__ import annotations

import json

import numpy as np
from bokeh.embed import json_item

import cinlab
from cinlab import cards, power
from cinlab.pool_view import pool_figure

try:  # imported as benchmarks.pool
    from . import _common as bc
except ImportError:  # run as a script: benchmarks/ is on sys.path
    import _common as bc

NAME = "pool"
SEED = 2010
POOL_TARGET = 1.0  # s to pool 30 cards of 60 mice per arm and draw them
POWER_TARGET = 10.0  # s for the power explorer's default grid, pools included
SIZES = (5, 10, 15, 20, 30, 40)  # explore_power's default grid
EXPERIMENTS = 400
SMALL = {"therapy.detection_size": 1e3, "relapse_size": 1e3, "max_cells": 2e3,
         "duration": 200.0, "escape.mutation_rate": 1e-3}


def arms(small: bool) -> dict[str, cinlab.Scenario]:
    extra = SMALL if small else {}
    return {"TI-K": cinlab.scenarios.get("sotillo2010", mad2=False, **extra),
            "TI-KM": cinlab.scenarios.get("sotillo2010", mad2=True, **extra)}


def class_cards(n_cards: int, n_mice: int) -> list[tuple[str, str]]:
    """``n_cards`` cards of ``n_mice`` mice per arm, each with its own seed."""
    result = {name: cinlab.simulate_many(sc, n_runs=n_mice, seed=SEED)
              for name, sc in arms(small=True).items()}
    record = cards.make_card(result, "Group")
    out = []
    for i in range(n_cards):
        for arm in record["arms"].values():
            arm["seed"]["entropy"] = 1000 + i
        record["group"] = f"Group {i + 1}"
        out.append((f"group-{i + 1}.json", json.dumps(record, separators=(",", ":"))))
    return out


def pool_and_draw(texts: list[tuple[str, str]]) -> int:
    pooled = cards.pool(texts)
    if pooled.errors:
        raise RuntimeError(pooled.errors[0])
    return len(json.dumps(json_item(pool_figure(pooled))))


def run_benchmarks(args) -> tuple[list[bc.Row], dict]:
    n_cards, n_mice = (5, 10) if args.quick else (30, 60)
    pool_size = 10 if args.quick else 200
    bc.progress(f"making {n_cards} cards of {n_mice} mice per arm")
    texts = class_cards(n_cards, n_mice)
    card_kb = sum(len(t) for _, t in texts) / n_cards / 1000
    pool_and_draw(texts[:2])  # warm-up: imports, first figure
    bc.progress("pooling and drawing")
    timing = bc.time_repeats(lambda: pool_and_draw(texts), 1 if args.quick else 5)
    pooled = cards.pool(texts)
    read = bc.time_repeats(lambda: cards.pool(texts), 1 if args.quick else 5)
    rows = [
        bc.Row(f"pool and draw {n_cards} cards x {n_mice} mice per arm", timing["median"], "s",
               POOL_TARGET, "lower",
               f"median of {len(timing['times'])}: read + validate every card, pool, "
               f"pool_figure, json_item (the document the browser receives, "
               f"{timing['result'] / 1000:.0f} kB); {bc.cpu_share(timing)}", timing),
        bc.Row("  CPU time of pool and draw", bc.median(timing["cpu_times"]), "s",
               note="median process CPU time: what it costs on an otherwise idle core"),
        bc.Row("  of which reading, validating and pooling", read["median"], "s",
               note=f"cards.pool alone; {pooled.arms['TI-KM'].n_runs} mice per arm pooled"),
        bc.Row("  size of one card", card_kb, "kB", note="two arms, no burden curves"),
    ]
    bc.progress(f"power: pools of {pool_size} mice per arm, then {len(SIZES)} sizes x "
                f"{EXPERIMENTS} experiments")
    scs = list(arms(small=args.quick).values())

    def pools() -> list[power.Pool]:
        power._POOLS.clear()  # a cold explorer: nothing cached yet
        return [power.simulate_pool(sc, n_runs=pool_size, seed=SEED) for sc in scs]

    def grid(arms_: list) -> power.PowerCurve:
        return power.power_curve(*arms_, sizes=SIZES, n_experiments=EXPERIMENTS, seed=SEED)

    sim = bc.time_repeats(pools, 1)
    res = bc.time_repeats(lambda: grid(sim["result"]), 1 if args.quick else 5)
    cached = bc.time_repeats(lambda: grid([power.simulate_pool(sc, n_runs=pool_size,
                                                               seed=SEED) for sc in scs]), 1)
    bc.progress("the same pools as full cohorts (what the explorer simulated before)")
    full = bc.time_repeats(lambda: [cinlab.simulate_many(sc, n_runs=pool_size, seed=SEED)
                                    for sc in scs], 1)
    same = all(np.array_equal(np.stack(c.relapse_outcomes()), np.stack(p.relapse_outcomes()))
               for c, p in zip(full["result"], sim["result"], strict=True))
    curve = res["result"]
    total = sim["median"] + res["median"]
    total_cpu = sim["cpu_times"][0] + bc.median(res["cpu_times"])
    rows += [
        bc.Row("power explorer, default grid", total, "s", POWER_TARGET, "lower",
               f"sotillo2010 TI-K and TI-KM, pools of {pool_size} mice per arm simulated "
               f"once by power.simulate_pool (each mouse until its outcome is decided; in "
               f"the kernel, one process, nothing cached), then sizes {list(SIZES)} x "
               f"{EXPERIMENTS} experiments resampled; {curve}",
               {"power": curve.power.tolist(), "cpu_seconds": total_cpu}),
        bc.Row("  CPU time of the default grid", total_cpu, "s", POWER_TARGET, "lower",
               "process CPU time: what it costs on an otherwise idle core"),
        bc.Row("  of which simulating the two pools", sim["median"], "s",
               note=f"{bc.cpu_share(sim)}"),
        bc.Row("  of which resampling and log-rank tests", res["median"], "s",
               note=f"median of {len(res['times'])}; {len(SIZES) * EXPERIMENTS} "
                    f"experiments, vectorised log-rank"),
        bc.Row("  the same pools as full cohorts (simulate_many)", full["median"], "s",
               note=f"{bc.cpu_share(full)}; CPU {full['cpu_times'][0]:.2f} s; follow-up "
                    f"identical to the pools': {same}; pools / full cohorts "
                    f"{sim['median'] / full['median']:.2f} (wall), "
                    f"{sim['cpu_times'][0] / full['cpu_times'][0]:.2f} (CPU)"),
        bc.Row("  a second explorer on the same arms (pools cached)", cached["median"], "s",
               note="simulate_pool returns the kept pools; only the resampling runs"),
    ]
    return rows, {"card_kB": card_kb, "n_cards": n_cards, "n_mice": n_mice,
                  "pool_size": pool_size}


def main(argv: list[str] | None = None) -> int:
    p = bc.parser(__doc__.splitlines()[0])
    args = p.parse_args(argv)
    clock = bc.ScriptClock()
    rows, details = run_benchmarks(args)
    bc.report(NAME, "cinlab lesson 06 benchmarks", rows, args, clock, details)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
