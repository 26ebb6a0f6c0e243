"""Measure the robustness lab's grids with enough mice to state standard errors.

The lesson's explorer (``widgets.explore_robustness``) simulates 10 or 20 mice per arm
and square, enough for a class to see a pattern but not to state one. This script
simulates every pair of the lab's assumptions (``cinlab.robustness.ASSUMPTIONS``, their
default grids, the other assumptions at their lesson-04 setting) with ``--mice`` mice
per arm and square, with the lesson's seed, and writes per square and arm the treated
mice, the relapses, the relapse fraction and its binomial standard error, and the
TI-KM minus TI-K difference with its standard error. A square shared by several pairs
is simulated once.

Each mouse is simulated only until its relapse outcome is decided (as the power pools
are), which gives the same counts as full cohorts. Run from the repository root (about
5 minutes of CPU at 200 mice per arm; the results are written after every square, and
``--resume FILE`` keeps the finished pairs of an earlier run)::

    nice -n 5 .venv/bin/python tools/robustness_grid.py --mice 200 \
        --out docs/robustness_grid.json

The teacher guide's robustness text quotes these numbers (the committed file comes from
two runs: the first two pairs, then ``--resume`` for the rest, so its time fields are the
second run's).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import cinlab  # noqa: E402
from cinlab import power, robustness  # noqa: E402

#: The lesson's pair first (lesson 06 opens the lab on it), then the pairs behind the
#: guide's other claims (Mad2 window, competition), then the rest.
FIRST = [("bypass_gain", "aneuploidy_cost"), ("bypass_gain", "baseline_rate"),
         ("carrying_capacity", "mad2_days"), ("aneuploidy_cost", "mad2_days"),
         ("bypass_gain", "mad2_days"), ("baseline_rate", "mad2_days")]
PAIRS = FIRST + [p for p in itertools.combinations(robustness.ASSUMPTIONS, 2)
                 if p not in FIRST]


def arm_numbers(scenario: cinlab.Scenario, n_runs: int, seed: int) -> dict:
    """Treated mice, relapses, relapse fraction and its standard error of one arm.

    Each mouse is simulated until its relapse outcome is decided (as the power pools
    are, :func:`cinlab.power.simulate_pool`): the counts equal those of
    ``simulate_many(scenario, n_runs, seed).relapse_fraction()``.
    """
    parts = [power._pool_chunk(scenario, seed, n_runs, a, min(a + 100, n_runs))
             for a in range(0, n_runs, 100)]
    t0 = np.concatenate([p[1] for p in parts])
    relapse = np.concatenate([p[3] for p in parts])
    treated_mask = ~np.isnan(t0)
    treated = int(treated_mask.sum())
    relapsed = int((~np.isnan(relapse) & treated_mask).sum())
    fraction = relapsed / treated if treated else math.nan
    se = math.sqrt(fraction * (1 - fraction) / treated) if treated else math.nan
    days = relapse[~np.isnan(relapse)]
    return {"n_runs": n_runs, "treated": treated, "relapsed": relapsed,
            "fraction": fraction, "se": se,
            "median_relapse_day": float(np.median(days)) if days.size else math.nan}


def main(argv: list[str] | None = None) -> int:
    """Simulate every pair's grid and write the JSON file; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mice", type=int, default=200, help="mice per arm and square")
    p.add_argument("--seed", type=int, default=2010)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--resume", type=Path, default=None,
                   help="a JSON file of this script whose finished pairs are kept")
    args = p.parse_args(argv)
    cache: dict = {}
    pairs = []
    if args.resume is not None:
        pairs = json.loads(args.resume.read_text())["pairs"]
    done = {(q["x"], q["y"]) for q in pairs}
    started = time.perf_counter()
    cpu0 = time.process_time()
    for x, y in PAIRS:
        if (x, y) in done:
            continue
        squares = []
        for a, b in itertools.product(robustness.ASSUMPTIONS[x].values,
                                      robustness.ASSUMPTIONS[y].values):
            arms = robustness.arms_at({x: a, y: b})
            numbers = {}
            for name, sc in arms.items():
                if sc not in cache:
                    cache[sc] = arm_numbers(sc, args.mice, args.seed)
                numbers[name] = cache[sc]
            k, km = numbers["TI-K"], numbers["TI-KM"]
            squares.append({"x": a, "y": b, "TI-K": k, "TI-KM": km,
                            "difference": km["fraction"] - k["fraction"],
                            "difference_se": math.hypot(k["se"], km["se"])})
            print(f"[{time.perf_counter() - started:6.0f} s] {x}={a} {y}={b}: "
                  f"TI-K {k['relapsed']}/{k['treated']}, "
                  f"TI-KM {km['relapsed']}/{km['treated']}", flush=True)
            write(args, pairs + [{"x": x, "y": y, "squares": squares}], cache, started,
                  cpu0)
        pairs.append({"x": x, "y": y, "squares": squares})
    return 0


def write(args: argparse.Namespace, pairs: list, cache: dict, started: float,
          cpu0: float) -> None:
    """Write the results so far (after every square, so a stopped run keeps them)."""
    args.out.write_text(json.dumps({
        "mice_per_arm": args.mice, "seed": args.seed, "pairs": pairs,
        "cohorts_simulated": len(cache),
        "cpu_seconds": time.process_time() - cpu0,
        "wall_seconds": time.perf_counter() - started,
        "load_average_end": os.getloadavg(),
        "note": "fraction = relapsed / treated; se = sqrt(f (1 - f) / treated); the "
                "difference's se assumes independent arms (common random numbers "
                "make it, if anything, smaller)",
    }, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
