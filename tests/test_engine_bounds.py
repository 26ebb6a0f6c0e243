"""Bounded work and memory for scenarios drawn from the parameters' own ranges.

Every numeric field of every parameter section is drawn from its documented range
(``field_spec``: min, max, integer, log), the choice fields from their choices. Each
scenario runs to its end and must:

- end (any status, "clone_cap" included) after at most the documented number of steps:
  tau steps <= record points + fixed-time boundaries + duration / shortest step, where
  the shortest step is min(``LAND_MIN`` x tau step, 0.5 / largest per-cell rate); exact
  events <= 3 x duration x switch size x largest per-cell rate + 10,000;
- allocate at most 1 GB at its peak: tracemalloc follows the arrays numpy allocates
  (the compiled kernels' own allocations are not traced), and the test process's peak
  resident size must stay under 1 GB too;
- have no NaN total and no negative count.

To keep the test's wall time to a few minutes, 15 scenarios are drawn, durations up to
365 days (of 3650) with at most 5,000 record points, and the clone cap is lowered to
2,000 slots (the cap is what ends the legitimately huge scenarios; with ``MAX_CLONES``
itself the defaults stop at day 120.5 at ``MAX_BIRTHS`` clones created, with an 830 MB
peak; docs/model.md, "Bounds on work and memory").
"""

import math
import resource
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import cinlab
from cinlab.engine import Batch
from cinlab.engine.constants import RUNNING, STATUS_NAMES
from cinlab.engine.schedule import LAND_MIN
from cinlab.params import SECTIONS, Scenario, field_spec, numeric_fields
from cinlab.rng import seed_sequence

PEAK_BYTES = 1 << 30
MAX_DURATION = 365.0
MAX_POINTS = 5_000
CLONES = 2_000


def _value(meta):
    lo, hi = float(meta["min"]), float(meta["max"])
    if meta["integer"]:
        hi_i = int(min(hi, 1e6))
        return st.integers(int(lo), hi_i)
    if meta["log"] and lo > 0:
        return st.floats(math.log10(lo), math.log10(hi)).map(lambda x: 10.0 ** x)
    if meta["log"]:  # a log slider starting at 0: zero, or anything from 1e-6 up
        return st.one_of(st.just(0.0), st.floats(-6, math.log10(hi)).map(lambda x: 10.0 ** x))
    return st.floats(lo, hi, allow_nan=False, allow_subnormal=False)


@st.composite
def scenarios(draw):
    changes = {}
    for section, cls in SECTIONS.items():
        for name in numeric_fields(cls):
            changes[f"{section}.{name}"] = draw(_value(field_spec(cls, name)))
    for name in numeric_fields(Scenario):
        changes[name] = draw(_value(field_spec(Scenario, name)))
    changes["duration"] = min(changes["duration"], MAX_DURATION)
    changes["record_interval"] = max(changes["record_interval"],
                                     changes["duration"] / MAX_POINTS)
    changes["cin.window"] = draw(st.sampled_from(
        ["always", "never", "until_therapy", (0.0, 50.0), (20.0, 400.0)]))
    changes["therapy.schedule"] = draw(st.sampled_from(["continuous", "intermittent",
                                                        "adaptive"]))
    try:
        scenario = Scenario().replace(**changes)
    except ValueError:
        reject()
    if draw(st.booleans()):
        scenario = Scenario.from_dict({**scenario.to_dict(), "therapy": None})
    return scenario


def _largest_rate(sc):
    g, e = sc.growth, sc.escape
    th = sc.therapy
    births = [g.birth_rate, e.birth_rate] + ([th.birth_rate] if th else [])
    deaths = [g.death_rate, e.death_rate] + ([th.death_rate] if th else [])
    genome = sc.genome
    amax = genome.n_chromosomes * max(genome.max_copies - genome.ploidy, genome.ploidy - 1)
    kill = th.kill_aneuploid * amax if th else 0.0
    return max(births) + max(deaths) + kill


@pytest.mark.slow
@settings(max_examples=15, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_every_scenario_ends_within_bounded_work_and_memory(scenario, seed):
    tracemalloc.start()
    try:
        batch = Batch(scenario, [seed_sequence(seed)], record_lineage=True,
                      max_clones=CLONES).run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert batch.status[0] != RUNNING
    assert STATUS_NAMES[int(batch.status[0])] in ("extinct", "max_cells", "duration",
                                                   "clone_cap")
    assert peak <= PEAK_BYTES, f"peak {peak / 2**20:.0f} MB"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    assert rss <= PEAK_BYTES, f"peak resident size {rss / 2**20:.0f} MB"
    rate = _largest_rate(scenario)
    shortest = min(LAND_MIN * batch.tau_step, 0.5 / rate if rate > 0 else math.inf)
    boundaries = 1000  # CIN window edges, therapy cycles, kill window: far fewer here
    if scenario.therapy is not None and scenario.therapy.schedule == "intermittent":
        th = scenario.therapy
        boundaries += 2 * math.ceil(scenario.duration / (th.on_days + th.off_days))
    tau_bound = batch.rec_times.size + boundaries + scenario.duration / shortest
    assert batch.n_tau[0] <= tau_bound
    exact_bound = 3 * scenario.duration * min(batch.switch_size, scenario.max_cells) * rate
    assert batch.n_exact[0] <= exact_bound + 10_000
    assert batch.used[0] <= CLONES
    assert np.all(batch.count >= 0)
    assert not np.isnan(batch.total.astype(np.float64)).any()
    recorded = batch.rec_total[0][batch.rec_total[0] >= 0]
    assert recorded.size >= 1
    assert np.all(np.isfinite(recorded.astype(np.float64)))
    run = cinlab.Run.from_batch(batch, 0, seed_sequence(seed))
    assert np.all(run.total >= 0)
    assert not np.isnan(run.total).any()


CIN_RUN = {"cin.window": "always", "cin.missegregation_rate": 0.01, "therapy": None,
           "max_cells": 1e12, "duration": 3650.0}


def test_dead_slots_are_reclaimed_before_a_run_is_stopped_at_its_clone_cap():
    sc = cinlab.scenarios.get("sotillo2010", mad2=True, **CIN_RUN)
    batch = Batch(sc, [seed_sequence(4)], max_clones=20_000).run()
    assert STATUS_NAMES[int(batch.status[0])] == "clone_cap"
    live = int((batch.count[0] > 0).sum())
    # near the cap at most an eighth of the slots are dead, and a step stops the run only
    # when its daughters could overflow the rest (when dead slots counted, this run
    # stopped with 9,972 live clones in 18,992 slots)
    assert 8 * (batch.used[0] - live) <= batch.used[0]
    assert live >= 0.75 * batch.clone_cap, live
    batch.check_invariants()


def test_a_single_run_creates_at_most_max_births_clones(monkeypatch):
    from cinlab.engine import table

    monkeypatch.setattr(table, "MAX_BIRTHS", 500)
    sc = cinlab.scenarios.get("sotillo2010", mad2=True, **CIN_RUN)
    with pytest.warns(RuntimeWarning, match="clone_cap"):
        run = cinlab.simulate(sc, seed=5)
    assert run.status == "clone_cap"
    assert run.events[-1]["kind"] == "clone_cap"
    # the founder plus at most 500 created clones, and all of their lineage is known
    assert run.clones["id"].max() <= 500
    assert np.all(run.clones["parent"][run.clones["id"] > 0] >= 0)


def test_stored_snapshots_are_thinned_past_their_budget(monkeypatch):
    from cinlab.engine import schedule

    sc = cinlab.scenarios.get("sotillo2010", mad2=True, **{**CIN_RUN, "duration": 60.0,
                                                           "record_interval": 0.1})
    full = cinlab.simulate(sc, seed=6)
    monkeypatch.setattr(schedule, "SNAPSHOT_ENTRIES", 2_000)
    batch = Batch(sc, [seed_sequence(6)], record_lineage=True).run()
    thin = cinlab.Run.from_batch(batch, 0, seed_sequence(6))
    assert batch.snap_every > 1
    stored = {id(ids) for _, ids, _ in batch.snapshots}
    assert len(stored) < len(batch.snapshots)
    # the thinning keeps the run itself and only coarsens the Muller plot's history
    assert np.array_equal(thin.total, full.total)
    assert np.array_equal(thin.clones["id"], full.clones["id"])
    assert thin.lineages["history"].shape[0] == full.lineages["history"].shape[0]
    # each point of the thinned history reuses the counts of an earlier stored point
    thin_sums = thin.lineages["history"].sum(axis=1)
    full_sums = full.lineages["history"].sum(axis=1)
    assert not np.array_equal(thin_sums, full_sums)
    assert all(x in full_sums[: i + 1] for i, x in enumerate(thin_sums))
