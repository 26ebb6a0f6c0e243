"""Power by resampling: the vectorised log-rank test and the power curve."""

import numpy as np
import pytest
from scipy.stats import CensoredData, logrank

import cinlab
from cinlab import power, scenarios
from cinlab.cards import _PooledCohort
from cinlab.engine import Batch


def scipy_logrank(ta, ea, tb, eb):
    x = CensoredData(uncensored=ta[ea], right=ta[~ea])
    y = CensoredData(uncensored=tb[eb], right=tb[~eb])
    res = logrank(x, y)
    return res.statistic, res.pvalue


def test_logrank_many_matches_scipy_row_by_row_with_ties():
    rng = np.random.default_rng(3)
    ta = np.round(rng.exponential(10, (40, 7)))  # rounded: many tied times
    tb = np.round(rng.exponential(15, (40, 9)))
    ea, eb = rng.random((40, 7)) < 0.7, rng.random((40, 9)) < 0.6
    stat, p = power.logrank_many(ta, ea, tb, eb)
    for r in range(40):
        if ea[r].any() or eb[r].any():
            want = scipy_logrank(ta[r], ea[r], tb[r], eb[r])
            assert stat[r] == pytest.approx(want[0], rel=1e-9)
            assert p[r] == pytest.approx(want[1], rel=1e-9)


def test_logrank_many_without_events_gives_p_one():
    t = np.ones((2, 3))
    stat, p = power.logrank_many(t, t < 0, t, t < 0)
    assert stat.tolist() == [0.0, 0.0]
    assert p.tolist() == [1.0, 1.0]


@pytest.fixture(scope="module")
def pools():
    small = {"therapy.detection_size": 1e3, "relapse_size": 1e3, "max_cells": 2e3,
             "duration": 200.0}
    a = cinlab.simulate_many(scenarios.get("sotillo2010", mad2=False, **small), n_runs=12,
                             seed=4)
    b = cinlab.simulate_many(scenarios.get("sotillo2010", mad2=True, **small,
                                           **{"escape.mutation_rate": 3e-3}), n_runs=12, seed=4)
    return a, b


def test_power_is_the_share_of_significant_resampled_experiments(pools):
    a, always = pools
    b = _PooledCohort([a, always])  # about half of its mice relapse
    curve = power.power_curve(a, b, sizes=[4, 30], n_experiments=200, seed=1)
    assert curve.pool_sizes == (int(a.treated.sum()), int(b.treated.sum()))
    assert np.all(curve.low <= curve.power)
    assert np.all(curve.power <= curve.high)
    # same seed, same curve; and more mice per arm give more power (Monte Carlo error
    # of 200 experiments is at most 3.5 percentage points per size)
    again = power.power_curve(a, b, sizes=[4, 30], n_experiments=200, seed=1)
    np.testing.assert_array_equal(curve.power, again.power)
    assert curve.power[1] > curve.power[0] + 0.1
    # with identical pools the test is at its level: about alpha of experiments
    null = power.power_curve(b, b, sizes=[20], n_experiments=1000, seed=2)
    assert abs(null.power[0] - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 1000)
    assert "simulated experiments found p < 0.05" in curve.describe()


def test_smallest_size_reaching_the_target():
    curve = power.PowerCurve(np.array([5, 10, 20]), np.array([0.2, 0.85, 0.95]),
                             np.zeros(3), np.ones(3), 100, 0.05, (50, 50))
    assert curve.smallest(0.8) == 10
    assert curve.smallest(0.99) is None
    assert "No size tried reached 99% power" in curve.describe(0.99)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sizes": [1, 5]}, "sizes must be a list of integers in \\[2, 10000\\]"),
    ({"sizes": [2.5]}, "sizes must be a list of integers"),
    ({"n_experiments": 5}, "n_experiments must be an integer in \\[10, 100000\\]"),
    ({"alpha": 0.7}, "alpha must be a number in \\(0, 0.5\\]"),
    ({"sizes": [10000], "n_experiments": 10000}, "draws"),
])
def test_bad_arguments_name_the_parameter(pools, kwargs, message):
    with pytest.raises(ValueError, match=message):
        power.power_curve(*pools, **kwargs)


def test_an_arm_must_be_a_cohort(pools):
    with pytest.raises(ValueError, match="arm_b must be a cinlab.Cohort or a power.Pool"):
        power.power_curve(pools[0], "TI-KM")


SMALL = {"therapy.detection_size": 1e3, "relapse_size": 1e3, "max_cells": 2e3,
         "duration": 200.0, "escape.mutation_rate": 1e-3}


@pytest.mark.parametrize("scenario", [
    scenarios.get("sotillo2010", mad2=True, **SMALL),
    scenarios.get("sotillo2010", mad2=False, **SMALL),
    # therapy off half the time: the addicted cells divide again, so the "no escaped
    # cell left" stop must not apply
    scenarios.get("intermittent", **SMALL, **{"therapy.on_days": 5.0,
                                              "therapy.off_days": 5.0}),
], ids=["TI-KM", "TI-K", "intermittent"])
def test_a_pool_stopped_once_decided_has_the_full_cohorts_follow_up(scenario):
    power._POOLS.clear()
    pool = power.simulate_pool(scenario, n_runs=130, seed=8)  # two batches
    full = cinlab.simulate_many(scenario, n_runs=130, seed=8)
    time, event = full.relapse_outcomes()
    assert 0 < event.sum() < event.size  # both outcomes occur, so the check can fail
    np.testing.assert_array_equal(pool.time, time)
    np.testing.assert_array_equal(pool.event, event)
    assert power.simulate_pool(scenario, n_runs=130, seed=8) is pool  # cached
    assert power.simulate_pool(scenario, n_runs=130, seed=9) is not pool


def test_a_pool_stops_mice_early():
    # a relapsed mouse stops at its relapse, not at max_cells; a mouse with no escaped
    # cell left stops at once instead of shrinking to nothing
    scenario = scenarios.get("sotillo2010", mad2=True, **SMALL)
    seeds = np.random.SeedSequence(8).spawn(60)
    full = Batch(scenario, seeds).run()
    cut = power._PoolBatch(scenario, seeds).run()
    relapsed = ~np.isnan(full.relapse_time)
    assert relapsed.any()
    assert np.all(cut.t[relapsed] < full.t[relapsed])
    assert np.all(cut.total[relapsed] < scenario.max_cells)
    assert np.sum(cut.status == power._DECIDED) > relapsed.sum()
    assert cut.n_tau.sum() + cut.n_exact.sum() < full.n_tau.sum() + full.n_exact.sum()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scenario": "sotillo2010"}, "scenario must be a cinlab.Scenario. Got str"),
    ({"n_runs": 1}, "n_runs must be an integer in \\[2, 100000\\]. Got 1"),
    ({"seed": -1}, "seed must be a non-negative integer. Got -1"),
    ({"executor": 2}, "executor must be a concurrent.futures.Executor"),
])
def test_simulate_pool_names_a_bad_argument(kwargs, message):
    args = {"scenario": scenarios.get("sotillo2010", **SMALL), "n_runs": 10, "seed": 1}
    with pytest.raises(ValueError, match=message):
        power.simulate_pool(**{**args, **kwargs})
