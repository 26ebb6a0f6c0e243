"""Engine options beyond the contract's minimum: competition for space.

The test that a finite capacity holds the population at its logistic equilibrium is
``test_engine_invariants.test_carrying_capacity_holds_the_population_at_its_equilibrium``.
"""

import math

import numpy as np

import cinlab
from cinlab.engine import Batch

NO_CIN = cinlab.CIN(missegregation_rate=0.0, baseline_rate=0.0, window="never")


def _final_totals(capacity=None, reps=200):
    growth = cinlab.Growth(birth_rate=0.6, death_rate=0.1)
    if capacity is not None:
        growth = cinlab.Growth(birth_rate=0.6, death_rate=0.1, carrying_capacity=capacity)
    sc = cinlab.Scenario(
        growth=growth, cin=NO_CIN,
        escape=cinlab.Escape(mutation_rate=0.0, bypass_chromosomes=()),
        therapy=None, initial_cells=20, duration=5.0, max_cells=1e12)
    batch = Batch(sc, np.random.SeedSequence(4).spawn(reps), method="exact").run()
    assert np.all(batch.t == 5.0)  # every replicate ran to the end
    return batch.total.astype(float)


def test_no_competition_by_default_grows_exponentially():
    # Birth-death from n0 = 20 at b = 0.6, d = 0.1 for 5 days, no competition:
    # E N = n0 e^{rt} = 243.6 and Var N = n0 (b + d)/(b - d) e^{rt} (e^{rt} - 1)
    # (~62^2), so the mean of 200 runs has se ~ 4.4. A capacity of 2000 slows
    # division by up to 12% late in the run, over 10% off the mean (> 6 se): the
    # explicit-capacity arm checks that the test can tell.
    n0, r, t, reps = 20, 0.5, 5.0, 200
    growth = math.exp(r * t)
    expected = n0 * growth
    se = math.sqrt(n0 * 1.4 * growth * (growth - 1) / reps)
    default = _final_totals(reps=reps)
    assert abs(default.mean() - expected) < 4 * se, (default.mean(), expected, se)
    crowded = _final_totals(capacity=2000, reps=reps)
    assert crowded.mean() < expected - 4 * se, (crowded.mean(), expected, se)
