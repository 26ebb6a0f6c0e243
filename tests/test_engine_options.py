"""Engine options beyond the contract's minimum: competition for space."""

import numpy as np

import cinlab

NO_CIN = cinlab.CIN(missegregation_rate=0.0, baseline_rate=0.0, window="never")


def test_carrying_capacity_stops_growth_near_capacity():
    cap = 5000.0
    sc = cinlab.Scenario(
        growth=cinlab.Growth(birth_rate=0.6, death_rate=0.1, carrying_capacity=cap),
        cin=NO_CIN, escape=cinlab.Escape(mutation_rate=0.0, bypass_chromosomes=()),
        therapy=None, initial_cells=20, duration=200.0, max_cells=1e6)
    run = cinlab.simulate(sc, seed=3)
    late = run.total[run.times > 100]
    # logistic equilibrium: b (1 - N/K) = d  ->  N* = K (1 - d/b)
    equilibrium = cap * (1 - 0.1 / 0.6)
    assert abs(late.mean() - equilibrium) < 0.05 * equilibrium
    assert run.total.max() < cap


def test_no_competition_by_default_matches_explicit_huge_capacity():
    sc = cinlab.scenarios.get("withdrawal")
    a = cinlab.simulate(sc, seed=4)
    b = cinlab.simulate(sc.replace(**{"growth.carrying_capacity": 1e12}), seed=4)
    np.testing.assert_array_equal(a.total, b.total)
