"""What the presets must show about the biology: onset, units, and when adaptive dosing helps."""

import numpy as np
import pytest

import cinlab
from cinlab import params, scenarios

# ------------------------------------------------------------------------ units


@pytest.mark.parametrize("name", ["missegregation_rate", "baseline_rate"])
def test_missegregation_is_per_chromosome_copy_per_division(name):
    assert params.field_spec(params.CIN, name)["units"] == "per chromosome copy per division"


def test_normal_rate_is_shi_and_king_per_copy():
    """0.075% per chromosome per division (Shi & King 2005) is 0.0375% per copy."""
    per_chromosome = 0.00075
    ti_k = scenarios.get("sotillo2010", mad2=False)
    assert ti_k.cin.baseline_rate == pytest.approx(per_chromosome / ti_k.genome.ploidy)
    assert params.CIN().baseline_rate == pytest.approx(per_chromosome / 2)
    # TI-KM: Mad2 during growth, the normal rate after withdrawal
    ti_km = scenarios.get("sotillo2010", mad2=True)
    assert ti_km.cin.baseline_rate == ti_k.cin.baseline_rate
    assert ti_km.cin.missegregation_rate > 2 * ti_k.cin.baseline_rate


# ------------------------------------------------------------------------ onset


@pytest.mark.slow
@pytest.mark.statistical
def test_mad2_does_not_delay_tumour_onset():
    """TI-KM tumours are detected no later than TI-K ones, within a day (200 mice per arm).

    In the mice Mad2 cooperated with Kras in forming lung tumours (Sotillo et al. 2010,
    Fig. 1). The model cannot make CIN speed onset up (aneuploidy only costs growth), so
    the cost per aneuploid cell is tuned small enough that onset is not delayed beyond a
    day, about 2% of the median. Measured at seed 2010: 50.0 vs 50.6 days; with the
    measured 6% cost per change the delay is about 3 days (54.0 vs 51.3).
    """
    onset = {}
    for mad2 in (False, True):
        sc = scenarios.get("sotillo2010", mad2=mad2, duration=80.0)
        cohort = cinlab.simulate_many(sc, n_runs=200, seed=2010)
        onset[mad2] = np.median(cohort.detection_time[cohort.treated])
    assert onset[True] - onset[False] < 1.5
    assert onset[True] - onset[False] < 0.03 * onset[False]


# ------------------------------------------------------------ adaptive dosing


def _arms(schedule_pair, n_runs=60, **overrides):
    return [cinlab.simulate_many(scenarios.get(name, **kw, **overrides), n_runs=n_runs,
                                 seed=2010) for name, kw in schedule_pair]


CROWDED = (("crowded", {"schedule": "continuous"}), ("crowded", {"schedule": "adaptive"}))


@pytest.mark.slow
@pytest.mark.statistical
def test_adaptive_dosing_wins_in_crowded_tumours():
    """No cure within reach, costly resistant cells, competition: adaptive delays progression."""
    continuous, adaptive = _arms(CROWDED)
    assert not continuous.extinct[continuous.treated].any()  # no cure within reach
    assert adaptive.median_relapse_time() > 1.2 * continuous.median_relapse_time()
    result = adaptive.compare(continuous)
    assert result.statistic < 0  # fewer progressions than expected: adaptive is better
    assert result.pvalue < 0.01


@pytest.mark.slow
@pytest.mark.statistical
def test_adaptive_dosing_does_not_win_without_competition():
    continuous, adaptive = _arms(CROWDED, **{"growth.carrying_capacity": 1e12})
    assert adaptive.compare(continuous).statistic > 0


@pytest.mark.slow
@pytest.mark.statistical
def test_adaptive_dosing_loses_when_continuous_dosing_can_cure():
    """TI-KM without competition: continuous dosing cures tumours with no escapee."""
    trial = {"relapse_size": 2e5, "max_cells": 4e5}
    standard, adaptive = _arms((("sotillo2010", {"mad2": True}), ("adaptive", {})), **trial)
    assert standard.extinct[standard.treated].mean() > 0.2
    assert not adaptive.extinct[adaptive.treated].any()
    result = adaptive.compare(standard)
    assert result.statistic > 0
    assert result.pvalue < 0.01


def test_crowded_preset_checks_its_schedule():
    with pytest.raises(ValueError, match="schedule must be 'continuous' or 'adaptive'"):
        scenarios.get("crowded", schedule="intermittent")
