"""benchmarks/browser_latency.py measures in the page (a few presses; timings not asserted)."""

import importlib.util
import sys

import browser_harness as h
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def load_benchmark():
    path = h.ROOT / "benchmarks" / "browser_latency.py"
    spec = importlib.util.spec_from_file_location("browser_latency", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["browser_latency"] = module
    spec.loader.exec_module(module)
    return module


def test_latency_benchmark_sees_new_data_and_new_pixels(browser, jupyterlab):
    bench = load_benchmark()
    # a 10-run cohort: this checks the probe, not the speed
    results = bench.measure_all(browser, jupyterlab, presses=2, cohort_presses=1,
                                cohort_runs=10, arms_presses=1)
    trials = [t.key for t in bench.TRIALS]
    for key in ("slider", "cohort", "cohort_pool", *trials):
        samples = results[key]["samples"]
        assert samples
        for sample in [results[key]["warmup"], *samples]:
            # the probe saw the key press or click, then new data, then new pixels
            assert 0 < sample["to_data_ms"] <= sample["to_pixels_ms"], sample
    assert len(set(results["slider"]["values"])) == 4, results["slider"]["values"]
    assert results["cohort"]["button"] == "Run 10 mice"
    for key in ("cohort", "cohort_pool"):
        for sample in results[key]["samples"]:
            # the kernel's stamps split the wait: each part after the one before, and
            # together the whole wait to new data (two clocks of one machine)
            parts = [sample[k] for k, _, _ in bench._SPLIT_ROWS]
            assert min(parts) > -5, sample
            assert abs(sum(parts) - sample["to_data_ms"]) < 15, sample
    assert results["cohort_pool"]["button"] == "Run 10 mice"
    # the trial explorers of lessons 04 and 05, each found by its Run button
    assert results["arms_04"]["button"] == "Run 2 \u00d7 60 mice"
    assert results["arms_05"]["button"] == "Run 5 \u00d7 30 patients"
    rows = bench.rows({key: results[key] for key in ("slider", *trials)})
    assert all(r.value is not None for r in rows), rows
    names = [r.measure for r in rows]
    for button, target in (("lesson 04, Run 2 \u00d7 60 mice", 3000),
                           ("lesson 05, Run 5 \u00d7 30 patients", 4000)):
        assert f"{button}: click -> new data in BokehJS" in names, names
        painted = next(r for r in rows if r.measure == f"{button}: click -> repainted canvas")
        assert painted.target == target, painted
