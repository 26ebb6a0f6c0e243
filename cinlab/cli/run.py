"""``cinlab run`` and ``cinlab scenarios``: simulations without a notebook, JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from .. import scenarios
from ..summaries import describe_run
from .common import AddCommand, UsageError, int_in, out_path, write_atomic

if TYPE_CHECKING:
    from ..cohort import Cohort
    from ..result import Run

__all__ = ["COHORT_COLUMNS", "RUN_DESCRIPTION", "add_run", "add_scenarios", "cohort_csv",
           "parse_value", "run_csv"]

RUN_DESCRIPTION = """\
Simulate a preset scenario (see 'cinlab scenarios') and print what happened. Times are
in days. Every result records its seed, and --seed repeats it exactly.

With --runs 1 (the default) one tumour is simulated. --out writes it as JSON (all of it;
reload it with cinlab.Run.from_json) or as CSV with the columns times, total, escaped and
addicted (cells).

With --runs N a cohort of N tumours is simulated and summarised. --out writes it as JSON
(reload it with cinlab.Cohort.from_json) or as CSV with one row per run and the columns
run, extinct, detected, relapsed, detection_time, relapse_time (days after therapy
started; empty if it did not happen), final_total, final_escaped, escape_route and
escape_chromosome.

An existing FILE is never replaced unless --force is given; the file is written whole or
not at all (an interrupted run leaves the old file as it was).
"""


def parse_value(text: str) -> Any:
    """Turn the VALUE of ``--set NAME=VALUE`` into a Python value.

    Parameters
    ----------
    text : str
        ``none`` -> None, ``true``/``false`` -> bool, integers, floats (``1e5``),
        comma-separated lists -> tuple (``4,6,15``; one item: ``4,``; brackets
        optional), anything else stays a string (``until_therapy``).

    Returns
    -------
    object
    """
    stripped = text.strip()
    low = stripped.lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for convert in (int, float):
        try:
            return convert(stripped)
        except ValueError:
            pass
    if "," in stripped or stripped.startswith(("(", "[")):
        inner = stripped.strip("()[]")
        return tuple(parse_value(p) for p in inner.split(",") if p.strip())
    return stripped


def _scenario_from_args(args: argparse.Namespace) -> Any:
    try:
        scenarios.describe(args.scenario)
    except ValueError as exc:
        raise UsageError("SCENARIO", str(exc)) from exc
    overrides: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError("--set", f"must be NAME=VALUE, e.g. growth.birth_rate=0.5. "
                             f"Got {item!r}.")
        overrides[name.strip()] = parse_value(value)
    if args.mad2 is not None:
        if args.scenario != "sotillo2010":
            raise UsageError("--mad2/--no-mad2", "applies to scenario sotillo2010 only. "
                             f"Got scenario {args.scenario!r}.")
        overrides["mad2"] = args.mad2
    try:
        return scenarios.get(args.scenario, **overrides)
    except (ValueError, TypeError) as exc:
        raise UsageError("--set", str(exc)) from exc


def run_csv(run: Any) -> str:
    """CSV text of one run: columns times, total, escaped, addicted.

    Parameters
    ----------
    run : Run

    Returns
    -------
    str
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["times", "total", "escaped", "addicted"])
    for t, n, e, a in zip(run.times, run.total, run.escaped, run.addicted, strict=True):
        writer.writerow([repr(float(t)), int(n), int(e), int(a)])
    return buf.getvalue()


#: Columns of the cohort CSV, one row per replicate run.
COHORT_COLUMNS = ("run", "extinct", "detected", "relapsed", "detection_time",
                  "relapse_time", "final_total", "final_escaped", "escape_route",
                  "escape_chromosome")


def cohort_csv(cohort: Any) -> str:
    """CSV text of a cohort, one row per run (columns :data:`COHORT_COLUMNS`).

    Booleans are ``true``/``false``; a time is empty where it did not happen.

    Parameters
    ----------
    cohort : Cohort

    Returns
    -------
    str
    """
    def flag(x: Any) -> str:
        return "true" if bool(x) else "false"

    def time_(x: float) -> str:
        return "" if math.isnan(x) else repr(float(x))

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COHORT_COLUMNS)
    for k in range(cohort.n_runs):
        writer.writerow([k, flag(cohort.extinct[k]), flag(cohort.detected[k]),
                         flag(cohort.relapsed[k]), time_(cohort.detection_time[k]),
                         time_(cohort.relapse_time[k]), int(cohort.final_total[k]),
                         int(cohort.final_escaped[k]), str(cohort.escape_route[k]),
                         int(cohort.escape_chromosome[k])])
    return buf.getvalue()


def _cmd_run(args: argparse.Namespace) -> int:
    from ..cohort import simulate_many
    from ..engine import kernels, simulate

    scenario = _scenario_from_args(args)
    kernels.prepare(lambda msg: print(f"cinlab: {msg}", file=sys.stderr, flush=True))
    out = out_path(args.out, (".json", ".csv"), force=args.force)
    label = args.scenario
    if args.scenario == "sotillo2010":
        label += (" (TI-KM, Mad2 on)" if scenario.cin.window == "until_therapy" else
                  " (TI-K, Mad2 off)")
    result: Run | Cohort
    if args.runs == 1:
        run = simulate(scenario, seed=args.seed, method=args.method)
        print(f"{label}: {describe_run(run, seed=False)}")
        result = run
    else:
        cohort = simulate_many(scenario, n_runs=args.runs, seed=args.seed,
                               method=args.method, progress=args.progress)
        print(f"{label}, {args.runs} runs: {cohort.summary()}")
        result = cohort
    seed = result.seed["entropy"]
    print(f"Seed {seed} (add --seed {seed} to repeat exactly this result).")
    if out is not None:
        if out.suffix.lower() == ".json":
            text = result.to_json()
        else:
            text = run_csv(result) if args.runs == 1 else cohort_csv(result)
        write_atomic(out, text)
        print(f"Wrote {out}")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    import inspect

    for name in scenarios.names():
        func = getattr(scenarios, name, None)
        options = ""
        if callable(func):
            params = inspect.signature(func).parameters.values()
            options = ", ".join(f"{p.name}={p.default!r}" for p in params)
        print(name + (f"  (options: {options})" if options else ""))
        text = " ".join(scenarios.describe(name).replace("``", "").split())
        print(textwrap.fill(text, width=88, initial_indent="    ", subsequent_indent="    "))
    print("\nRun one with 'cinlab run NAME'. Change a parameter or an option with --set,\n"
          "e.g. --set growth.birth_rate=0.5 or --set on_days=7 ('cinlab run --help').")
    return 0



def add_run(command: AddCommand) -> None:
    """Register ``cinlab run``."""
    p = command(
        "run", "simulate a scenario without a notebook; write JSON or CSV",
        RUN_DESCRIPTION,
        "examples:\n  cinlab run sotillo2010 --seed 7\n"
        "  cinlab run sotillo2010 --no-mad2 --runs 100 --seed 7 --out ti-k.csv\n"
        "  cinlab run withdrawal --set growth.birth_rate=0.5 --set cin.window=always "
        "--out run.json\n  cinlab run intermittent --set on_days=7 --runs 50 --progress\n\n"
        "--set values: numbers (0.5, 1e5), true/false, none, words (until_therapy) and "
        "comma-separated\nlists (escape.bypass_chromosomes=4,6; one item: 4,).")
    p.add_argument("scenario", metavar="SCENARIO",
                   help="preset name: " + ", ".join(scenarios.names()))
    p.add_argument("--mad2", action=argparse.BooleanOptionalAction, default=None,
                   help="sotillo2010 only: Mad2 overexpressed (TI-KM, the default) or not "
                   "(--no-mad2: TI-K)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a parameter (dotted name, e.g. growth.birth_rate=0.5) or a "
                   "preset option; repeat for more")
    p.add_argument("--runs", type=int_in(1, 1_000_000), default=1, metavar="N",
                   help="number of tumours: 1 (default) for one run, more for a cohort")
    p.add_argument("--seed", type=int_in(0, 2**128 - 1), default=None, metavar="S",
                   help="random seed, to repeat a result (default: a new one, printed)")
    p.add_argument("--method", choices=("auto", "exact", "tau"), default="auto",
                   help="exact event-by-event simulation, tau-leaping, or auto (exact "
                   "while small; default)")
    p.add_argument("--out", metavar="FILE", help="write the result to FILE.json or FILE.csv")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--progress", action="store_true", help="show a progress bar (cohorts)")
    p.set_defaults(func=_cmd_run)


def add_scenarios(command: AddCommand) -> None:
    """Register ``cinlab scenarios``."""
    p = command("scenarios", "list the simulation presets",
                "List the preset scenarios, their options and what each one shows.",
                "example:\n  cinlab scenarios")
    p.set_defaults(func=_cmd_scenarios)
