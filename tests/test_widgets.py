"""Explorers without a browser: set control values, click buttons, read source.data."""

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ipywidgets
import numpy as np
import pytest

import cinlab
from cinlab import params, plots, scenarios
from cinlab import widgets as cw

# Small scenarios: one run takes about 0.1 s, a cohort of 10 well under a second.
WITHDRAWAL = scenarios.get("withdrawal")
SMALL = WITHDRAWAL.replace(**{"therapy.detection_size": 1e4, "max_cells": 2e4,
                              "relapse_size": 1e4, "escape.mutation_rate": 1e-5})
KARYO = scenarios.get("untreated", **{"cin.window": "always", "cin.missegregation_rate": 0.005,
                                      "max_cells": 1e4})


@pytest.fixture(scope="module")
def run_explorer():
    return cw.explore_run(WITHDRAWAL, seed=2)


def fresh_run_explorer(**kw):
    return cw.explore_run(WITHDRAWAL, seed=2, **kw)


# ----------------------------------------------------------------------- controls


@pytest.mark.parametrize("name", [
    "growth.birth_rate", "therapy.detection_size", "escape.mutation_rate",
    "genome.n_chromosomes", "cin.window", "therapy.schedule", "duration", "max_cells",
])
def test_controls_come_from_the_metadata(name):
    section, _, field = name.rpartition(".")
    cls = {"growth": params.Growth, "therapy": params.Therapy, "escape": params.Escape,
           "genome": params.Genome, "cin": params.CIN, "": params.Scenario}[section]
    meta = params.field_spec(cls, field)
    control = cw.make_control(WITHDRAWAL, name)
    assert control.description.startswith(meta["label"])
    if meta["units"]:
        assert control.description.endswith(f"({meta['units']})")
    if meta["choices"]:
        assert isinstance(control, ipywidgets.Dropdown)
        assert set(meta["choices"]) <= set(control.options)
        return
    assert control.continuous_update is False
    if meta["log"]:
        assert isinstance(control, ipywidgets.FloatLogSlider)
        assert control.max == pytest.approx(math.log10(meta["max"]))
        if meta["min"] > 0:
            assert control.min == pytest.approx(math.log10(meta["min"]))
        # rates read as decimals (0.0015), cell counts in scientific notation
        assert control.readout_format == (".2r" if meta["max"] <= 1 else ".1e")
    elif meta["integer"]:
        assert isinstance(control, ipywidgets.IntSlider)
        assert (control.min, control.max, control.step) == (meta["min"], meta["max"],
                                                             meta["step"])
    else:
        assert isinstance(control, ipywidgets.FloatSlider)
        assert (control.min, control.max, control.step) == (meta["min"], meta["max"],
                                                             meta["step"])
    assert control.value == pytest.approx(WITHDRAWAL.get(name))


def test_lesson_03_states_the_log_slider_step():
    # lesson 03 tells students what one arrow-key step of the missegregation slider does
    control = cw.make_control(WITHDRAWAL, "cin.missegregation_rate")
    text = (Path(__file__).resolve().parents[1] / "lessons"
            / "03_chromosome_instability.ipynb").read_text(encoding="utf-8")
    assert f"multiplies the rate by about {10 ** control.step:.2f}, so five roughly triple" \
        in text
    assert 2.5 < 10 ** (5 * control.step) < 3.5


def test_unknown_control_names_are_refused():
    with pytest.raises(ValueError, match="no parameter"):
        cw.make_control(WITHDRAWAL, "growth.speed")
    with pytest.raises(ValueError, match="section"):
        cw.make_control(WITHDRAWAL, "tumour.size")
    with pytest.raises(ValueError, match="no range"):
        cw.make_control(WITHDRAWAL, "therapy.start")


def test_a_zero_value_survives_a_log_slider_until_it_is_moved():
    scenario = SMALL.replace(**{"escape.mutation_rate": 0.0})
    w = cw.explore_run(scenario, controls=["escape.mutation_rate", "growth.birth_rate"],
                       seed=2)
    w.controls["growth.birth_rate"].value = 0.45
    assert w.scenario.escape.mutation_rate == 0.0
    w.controls["escape.mutation_rate"].value = 1e-4
    assert w.scenario.escape.mutation_rate == 1e-4


# -------------------------------------------------------------- single-run explorer


def test_explore_run_shows_the_run(run_explorer):
    w = run_explorer
    assert isinstance(w, ipywidgets.VBox)
    assert isinstance(w.result, cinlab.Run)
    assert w.scenario == WITHDRAWAL
    np.testing.assert_array_equal(w.sources["burden"].data["total_cells"], w.result.total)
    assert w.summary.value == f"<p>{plots.describe_run(w.result)}</p>"
    assert "Seed 2." in w.summary.value
    assert "Up to date" in w.status.value
    assert set(w.controls) == set(cw.DEFAULT_RUN_CONTROLS)
    for button in (w.run_button, w.reset_button, w.new_seed_button):
        assert button.description  # text, not an icon alone


def test_moving_a_control_simulates_again():
    w = fresh_run_explorer()
    source = w.sources["burden"]
    before, summary = source.data, w.summary.value
    w.controls["growth.birth_rate"].value = 0.6
    assert w.scenario.growth.birth_rate == 0.6
    assert w.result.scenario.growth.birth_rate == 0.6
    assert source.data is not before
    np.testing.assert_array_equal(source.data["total_cells"], w.result.total)
    assert w.summary.value != summary
    detection = w.result.detection_time
    assert f"Detected on day {detection:.0f}" in w.summary.value


def test_first_result_keeps_the_starting_run_when_the_controls_move():
    # what a lesson prints under an explorer: the app cannot re-run that cell
    w = fresh_run_explorer()
    first = w.first_result
    assert first is w.result
    w.controls["growth.birth_rate"].value = 0.6
    w.seed_box.value = 5
    assert w.result.scenario.growth.birth_rate == 0.6
    assert w.first_result is first
    assert first.scenario == WITHDRAWAL


def test_a_bad_combination_is_reported_and_keeps_the_last_good_plot():
    w = fresh_run_explorer()
    source = w.sources["burden"]
    before, result, summary = source.data, w.result, w.summary.value
    w.controls["therapy.detection_size"].value = 1e10  # above max_cells
    assert "Problem" in w.status.value
    assert "detection_size" in w.status.value
    assert "max_cells" in w.status.value
    assert source.data is before
    assert w.result is result
    assert w.summary.value == summary
    # fixing it brings the explorer back
    w.controls["therapy.detection_size"].value = 5e4
    assert "Up to date" in w.status.value
    assert source.data is not before


def test_an_adaptive_pause_above_resume_is_reported():
    adaptive = scenarios.get("adaptive").replace(**{"cin.window": "never"})
    w = cw.explore_run(adaptive, controls=["therapy.pause_fraction",
                                           "therapy.resume_fraction"], seed=2)
    before = w.sources["burden"].data
    w.controls["therapy.pause_fraction"].value = 2.0
    assert "pause_fraction" in w.status.value
    assert "resume_fraction" in w.status.value
    assert w.sources["burden"].data is before


def test_an_unexpected_error_never_reaches_the_kernel(monkeypatch):
    w = fresh_run_explorer()
    before = w.sources["burden"].data

    def broken(*args, **kwargs):
        raise RuntimeError("engine on fire")

    monkeypatch.setattr(cw, "simulate", broken)
    w.run_button.click()
    assert "RuntimeError: engine on fire" in w.status.value
    assert w.sources["burden"].data is before
    assert w.run_button.disabled is False


def test_reset_goes_back_to_the_start():
    w = fresh_run_explorer()
    first = w.result
    w.controls["growth.death_rate"].value = 0.1
    w.seed_box.value = 5
    w.preset.value = "sotillo2010"
    w.reset_button.click()
    assert w.scenario == WITHDRAWAL
    assert w.seed_box.value == 2
    assert w.preset.value == ""
    assert w.controls["growth.death_rate"].value == WITHDRAWAL.growth.death_rate
    assert w.result.equals(first)
    np.testing.assert_array_equal(w.sources["burden"].data["total_cells"], first.total)


def test_a_preset_loads_its_values():
    w = fresh_run_explorer()
    w.preset.value = "untreated"
    untreated = scenarios.get("untreated")
    assert w.scenario == untreated
    assert w.result.scenario == untreated
    assert w.controls["growth.birth_rate"].value == untreated.growth.birth_rate
    assert "No therapy" in w.summary.value


def test_seeds_reproduce_and_new_seed_changes():
    w = fresh_run_explorer()
    w.seed_box.value = 11
    assert w.result.seed["entropy"] == 11
    assert w.summary.value.endswith("Seed 11.</p>")
    assert w.result.equals(cinlab.simulate(WITHDRAWAL, seed=11))
    w.new_seed_button.click()
    assert w.seed_box.value != 11
    assert w.result.seed["entropy"] == w.seed_box.value
    assert f"Seed {w.seed_box.value}." in w.summary.value


def test_explore_run_with_muller_plot_and_theory():
    w = cw.explore_run(SMALL, seed=3, figures=("burden", "muller", "fish_plot"), theory=True)
    assert {"burden", "theory", "lineages", "muller.therapy"} <= set(w.sources)
    assert set(w.captions) == {"burden", "muller", "fish_plot"}
    before = w.sources["lineages"].data
    w.controls["growth.birth_rate"].value = 0.5
    assert w.sources["lineages"].data is not before
    with pytest.raises(ValueError, match="figures"):
        cw.explore_run(SMALL, figures=("pie",))


def test_large_explorers_have_bigger_text():
    w = fresh_run_explorer(large=True)
    assert "cinlab-large" in w._dom_classes
    small = fresh_run_explorer()
    big_font = w.figures["burden"].xaxis[0].axis_label_text_font_size
    small_font = small.figures["burden"].xaxis[0].axis_label_text_font_size
    assert float(big_font[:-2]) > float(small_font[:-2])


@pytest.fixture
def session(monkeypatch):
    """A clean lesson-wide text size: no setup() choice, no CINLAB_LARGE."""
    monkeypatch.setattr(plots._style, "_SESSION", {})
    monkeypatch.delenv(plots._style.LARGE_ENV, raising=False)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **kw: shown.append(a))
    return shown


def test_setup_loads_bokehjs_inline(monkeypatch, session):
    calls = []
    monkeypatch.setattr("bokeh.io.output_notebook", lambda **kw: calls.append(kw))
    cw.setup(large=True)
    (kwargs,) = calls
    assert kwargs["resources"].mode == "inline"
    assert kwargs["resources"].components == ["bokeh"]
    assert kwargs["hide_banner"] is True
    # printed lesson output wraps between words
    assert any("word-break: normal" in shown[0].data for shown in session)
    assert any(cw._LARGE_PAGE_CSS in shown[0].data for shown in session)
    assert plots.session_style() is plots.LARGE
    assert cw.explore_run(SMALL, seed=2).large is True
    # figures made after setup(large=True) are large too
    run = cinlab.simulate(WITHDRAWAL, seed=2)
    assert plots.burden_figure(run).max_width == plots.burden_figure(run, large=True).max_width
    assert plots.burden_figure(run).max_width > plots.burden_figure(run, large=False).max_width
    cw.setup(large=False)
    assert plots.session_style() is plots.NORMAL


def test_cinlab_large_in_the_environment_picks_large_text(monkeypatch, session):
    monkeypatch.setattr("bokeh.io.output_notebook", lambda **kw: None)
    monkeypatch.setenv(plots._style.LARGE_ENV, "1")
    cw.setup()
    assert plots.session_style() is plots.LARGE
    assert fresh_run_explorer().large is True
    assert cw._LARGE_PAGE_CSS in session[-1][0].data
    cw.setup(large=False)  # an explicit choice wins over the environment
    assert plots.session_style() is plots.NORMAL
    assert cw._LARGE_PAGE_CSS not in session[-1][0].data
    monkeypatch.setenv(plots._style.LARGE_ENV, "0")
    cw.setup()
    assert plots.session_style() is plots.NORMAL


def _px(size):
    assert size.endswith("px"), size
    return float(size[:-2])


def test_large_mode_figures_stretch_with_projector_fonts(session):
    run = cinlab.simulate(SMALL, seed=2)
    big = plots.burden_figure(run, large=True)
    normal = plots.burden_figure(run)
    for fig in (big, normal):
        assert fig.sizing_mode == "stretch_width"
        assert fig.min_width <= fig.width <= fig.max_width
    assert big.max_width >= 1700
    assert normal.max_width <= 1000
    assert _px(big.xaxis[0].axis_label_text_font_size) >= 20
    assert _px(big.yaxis[0].major_label_text_font_size) >= 16
    assert _px(normal.xaxis[0].axis_label_text_font_size) < 20
    # a given width is a fixed width
    fixed = plots.burden_figure(run, large=True, width=500)
    assert fixed.sizing_mode is None
    assert fixed.width == 500


def test_no_text_size_leaks_between_calls(session):
    run = cinlab.simulate(SMALL, seed=2)
    plots.burden_figure(run, large=True)
    big = cw.explore_run(SMALL, seed=2, large=True)
    assert big.style is plots.LARGE
    assert plots.session_style() is plots.NORMAL
    normal = cw.explore_run(SMALL, seed=2)
    assert normal.style is plots.NORMAL
    assert normal.figures["burden"].max_width == plots.NORMAL.max_width
    assert "cinlab-large" not in normal._dom_classes


def test_explorer_text_wraps_between_words(run_explorer):
    css = run_explorer.children[0].value
    assert "word-break: normal" in css
    assert "white-space: normal" in css
    assert "cinlab-explorer" in run_explorer._dom_classes


def test_run_explorer_axes_stay_put_so_a_steeper_line_looks_steeper():
    untreated = scenarios.get("untreated")
    w = cw.explore_run(untreated, controls=["growth.birth_rate"], seed=3)
    fig = w.figures["burden"]
    x, y = (fig.x_range.start, fig.x_range.end), (fig.y_range.start, fig.y_range.end)
    assert x == (0.0, w.result.times[-1])
    assert y[0] < 1
    assert y[1] > untreated.max_cells
    slow_end = w.result.end_time
    w.controls["growth.birth_rate"].value = 0.8
    assert w.result.end_time < slow_end / 2  # reaches the stop size much sooner
    assert (fig.x_range.start, fig.x_range.end) == x
    assert (fig.y_range.start, fig.y_range.end) == y
    # a slower tumour widens the time axis to its whole run
    w.controls["growth.birth_rate"].value = 0.3
    assert w.result.end_time > slow_end
    assert fig.x_range.end == w.result.times[-1]
    assert (fig.y_range.start, fig.y_range.end) == y


def test_a_tumour_that_dies_out_keeps_its_axes_and_says_so():
    one_cell = scenarios.get("untreated", initial_cells=1, max_cells=1000.0)
    w = cw.explore_run(one_cell, controls=["growth.birth_rate"], seed=1)
    for seed in range(1, 30):
        w.seed_box.value = seed
        if w.result.extinct:
            break
    assert w.result.extinct
    fig = w.figures["burden"]
    assert fig.y_range.start < 1 < 1000 < fig.y_range.end
    assert fig.x_range.end > 10 * w.result.end_time  # the axis of the first, grown run
    assert "died out on day" in fig.title.text
    # the text sits above the figure, not below it
    (panel,) = w._figure_box.children
    assert panel.children[0] is w.summary


# ----------------------------------------------------------------- cohort explorers


def test_explore_cohort_waits_for_the_run_button():
    w = cw.explore_cohort(SMALL, n_runs=10, seed=4)
    assert isinstance(w.result, cinlab.Cohort)
    assert w.result.n_runs == 10
    spaghetti = w.sources["runs"]
    before, summary = spaghetti.data, w.summary.value
    assert summary.startswith("<p>Relapse in ")
    assert "Seed 4." in summary
    w.controls["escape.mutation_rate"].value = 1e-4
    assert "press" in w.status.value
    assert spaghetti.data is before
    w.run_button.click()
    assert w.result.scenario.escape.mutation_rate == 1e-4
    assert spaghetti.data is not before
    assert w.summary.value != summary
    assert w.progress.value == w.progress.max
    assert "survival:All runs" in w.sources
    assert w.captions["survival"].value.startswith("<p>Kaplan\u2013Meier estimate: ")


def test_the_cohort_caption_says_how_stopped_runs_count_in_the_band():
    w = cw.explore_cohort(SMALL, n_runs=10, seed=4)
    stopped = int(np.sum(w.result.final_total >= SMALL.max_cells))
    assert stopped > 0  # SMALL stops a relapsed tumour at 20,000 cells
    assert "A run stops at 20,000 cells: from then on the band and the median count it " \
        "at its last recorded size." in w.summary.value
    untreated = cw.explore_cohort(scenarios.get("untreated", max_cells=1e12, duration=20.0),
                                  n_runs=5, seed=1)
    assert not np.any(untreated.result.final_total >= 1e12)
    assert "A run stops" not in untreated.summary.value


def test_explore_cohort_reports_bad_settings():
    w = cw.explore_cohort(SMALL, n_runs=5, seed=4)
    before = w.sources["runs"].data
    w.controls["therapy.detection_size"].value = 1e6
    w.run_button.click()
    assert "detection_size" in w.status.value
    assert w.sources["runs"].data is before
    with pytest.raises(ValueError, match="n_runs"):
        cw.explore_cohort(SMALL, n_runs=0)


def test_a_cohort_with_no_treated_tumour_replaces_both_figures():
    w = cw.explore_cohort(SMALL, controls=["growth.death_rate"], n_runs=8, seed=4)
    assert np.any(w.result.treated)
    w.controls["growth.death_rate"].value = 1.0  # every tumour dies out before detection
    w.run_button.click()
    assert not np.any(w.result.treated)
    assert "Up to date" in w.status.value
    assert len(w.sources["survival:All runs"].data["time"]) == 0
    assert w.captions["survival"].value.startswith("<p>No tumour was treated")
    spaghetti, survival = w.figures["spaghetti"], w.figures["survival"]
    assert "seed 4" in spaghetti.title.text
    assert "seed 4" in survival.title.text
    assert len(w.sources["runs"].data["run"]) == 8


def test_a_failing_figure_leaves_every_figure_as_it_was(monkeypatch):
    w = cw.explore_cohort(SMALL, n_runs=8, seed=4)
    before = {name: source.data for name, source in w.sources.items()}
    titles = {name: fig.title.text for name, fig in w.figures.items()}
    summary, result = w.summary.value, w.result
    prepare = plots.prepare_update

    def failing(fig, result, **options):
        if fig is w.figures["survival"]:
            raise ValueError("the survival figure cannot show this")
        return prepare(fig, result, **options)

    monkeypatch.setattr(plots, "prepare_update", failing)
    w.seed_box.value = 5
    w.run_button.click()
    assert "cannot show this" in w.status.value
    assert all(w.sources[name].data is data for name, data in before.items())
    assert {name: fig.title.text for name, fig in w.figures.items()} == titles
    assert w.summary.value == summary
    assert w.result is result


def test_reset_of_a_cohort_explorer_clears_its_figures():
    w = cw.explore_cohort(SMALL, n_runs=8, seed=4)
    w.controls["escape.mutation_rate"].value = 1e-4
    w.run_button.click()
    w.reset_button.click()
    assert w.result is None
    assert all(len(next(iter(s.data.values()))) == 0 for s in w.sources.values())
    assert all(caption.value == "" for caption in w.captions.values())
    assert all(f"Press {w.run_label}" in fig.title.text for fig in w.figures.values())
    assert w.controls["escape.mutation_rate"].value == SMALL.escape.mutation_rate
    w.run_button.click()
    np.testing.assert_array_equal(w.result.burden,
                                  cinlab.simulate_many(SMALL, n_runs=8, seed=4).burden)
    assert len(w.sources["runs"].data["run"]) == 8


def test_compare_arms():
    arms = {"slow": SMALL, "fast": SMALL.replace(**{"escape.mutation_rate": 1e-4})}
    w = cw.compare_arms(arms, n_runs=10, seed=5, controls=["therapy.detection_size"])
    assert set(w.result) == {"slow", "fast"}
    assert {"survival:slow", "survival:fast"} <= set(w.sources)
    assert "Log-rank test fast vs slow" in w.summary.value
    before = w.sources["survival:fast"].data
    w.controls["therapy.detection_size"].value = 5e3
    w.run_button.click()
    assert all(sc.therapy.detection_size == 5e3 for sc in w.scenario.values())
    assert all(c.scenario.therapy.detection_size == 5e3 for c in w.result.values())
    assert w.sources["survival:fast"].data is not before
    assert w.progress.value == w.progress.max == 2 * w.n_runs
    with pytest.raises(ValueError, match="two arms"):
        cw.compare_arms({"one": SMALL})


def test_cohort_explorers_on_an_executor_give_the_same_cohorts():
    arms = {"slow": SMALL, "fast": SMALL.replace(**{"escape.mutation_rate": 1e-4})}
    with ThreadPoolExecutor(2) as pool:
        spread = cw.explore_cohort(SMALL, n_runs=8, seed=4, executor=pool)
        spread_arms = cw.compare_arms(arms, n_runs=6, seed=5, executor=pool)
    here = cw.explore_cohort(SMALL, n_runs=8, seed=4)
    here_arms = cw.compare_arms(arms, n_runs=6, seed=5)
    assert spread.progress.value == spread.progress.max == 8
    for a, b in [(spread.result, here.result),
                 *((spread_arms.result[k], here_arms.result[k]) for k in arms)]:
        np.testing.assert_array_equal(a.burden, b.burden)
        np.testing.assert_array_equal(a.relapse_time, b.relapse_time)
    with pytest.raises(ValueError, match="executor"):
        cw.explore_cohort(SMALL, n_runs=5, executor=2)


# -------------------------------------------------------------- karyotype explorer


def test_explore_karyotypes():
    w = cw.explore_karyotypes(KARYO, seed=2, chromosomes=(1, 2, 3), n_cells=4, top=10)
    assert {"karyotype", "clones", "dots", "nuclei", "aneuploidy", "copy_number"} <= set(
        w.sources)
    clones = w.sources["clones"].data
    assert list(clones["count"]) == sorted(clones["count"], reverse=True)
    dots, nuclei = w.sources["dots"].data, w.sources["nuclei"].data
    index = {int(i): k for k, i in enumerate(w.result.clones["id"])}
    for cell, clone in zip(nuclei["cell"], nuclei["clone"], strict=True):
        for chrom in (1, 2, 3):
            n = int(np.sum((np.asarray(dots["cell"]) == cell)
                           & (np.asarray(dots["chromosome"]) == chrom)))
            assert n == w.result.clones["karyotype"][index[int(clone)], chrom - 1]
    caption = w.captions["fish"].value
    assert "Count the dots" in caption
    # the answer is there for screen readers and teachers, folded away
    answer = plots.describe_fish(w.result, (1, 2, 3), 4, 2)
    assert f"<details><summary>Show the counts</summary><p>{answer}</p></details>" in caption
    before = (w.sources["karyotype"].data, w.sources["dots"].data, w.summary.value)
    w.seed_box.value = 3
    assert w.sources["karyotype"].data is not before[0]
    assert w.sources["dots"].data is not before[1]
    assert w.summary.value != before[2]
    assert "Seed 3." in w.summary.value


def test_explorers_with_many_figures_use_tabs():
    w = cw.explore_karyotypes(KARYO, seed=2)
    (tabs,) = w._figure_box.children
    assert isinstance(tabs, ipywidgets.Tab)
    assert tabs.titles == ("Karyotypes", "Virtual FISH", "Aneuploidy", "Copy numbers")
    heat, sizes = w.figures["karyotype"].children
    assert heat.width + sizes.width <= 900  # fits 1366 px with the file browser open
    (single,) = cw.explore_run(SMALL, seed=2)._figure_box.children
    assert not isinstance(single, ipywidgets.Tab)
    # two figures one under the other are about 1260 px: taller than a laptop screen
    (pair,) = cw.explore_cohort(SMALL, n_runs=5, seed=4)._figure_box.children
    assert isinstance(pair, ipywidgets.Tab)
    assert pair.titles == ("All runs", "Relapse-free")
    (both,) = cw.explore_run(SMALL, seed=2, figures=("burden", "muller"))._figure_box.children
    assert isinstance(both, ipywidgets.Tab)


def test_explore_karyotypes_reports_bad_probes():
    w = cw.explore_karyotypes(KARYO, seed=2, chromosomes=(99,))
    assert "chromosomes" in w.status.value
    assert w.result is None
    assert w.figures == {}


# --------------------------------------------------------------------------- quiz


def test_quiz_gives_immediate_feedback():
    q = cw.quiz("Why do tumours relapse?", [
        ("Bad luck only", False, "Chance plays a part, but escape needs a cause."),
        ("Escaped cells keep growing", True, "Yes: they no longer need the oncogene."),
    ])
    assert isinstance(q.choices, ipywidgets.RadioButtons)
    assert q.choices.value is None
    assert q.feedback.value == ""
    assert q.correct is None
    q.choices.value = 0
    assert "Not quite" in q.feedback.value
    assert "escape needs a cause" in q.feedback.value
    assert q.correct is False
    q.choices.value = 1
    assert "Correct" in q.feedback.value
    assert "no longer need" in q.feedback.value
    assert q.correct is True


@pytest.mark.parametrize("options", [
    [("only one", True, "x")],
    [("a", False, "x"), ("b", False, "y")],
    [("a", True), ("b", False, "y")],
    [("a", "yes", "x"), ("b", False, "y")],
])
def test_quiz_refuses_malformed_options(options):
    with pytest.raises(ValueError, match="option"):
        cw.quiz("?", options)


def test_status_line_says_when_the_engine_is_being_prepared(monkeypatch):
    from cinlab.engine import kernels

    class Recorder:
        def __init__(self):
            self.shown = []

        @property
        def value(self):
            return self.shown[-1] if self.shown else ""

        @value.setter
        def value(self, v):
            self.shown.append(v)

    ex = fresh_run_explorer()
    ex.status = Recorder()
    monkeypatch.setattr(kernels, "is_ready", lambda: False)
    monkeypatch.setattr(kernels, "prepare", lambda notify: notify(kernels.COMPILE_MESSAGE))
    assert ex.update()
    assert any("Preparing the simulation engine" in v for v in ex.status.shown)
    assert ex.status.shown[-1].startswith("<b>Up to date.</b>")


# ------------------------------------------------------------- figure messages


def test_a_figure_update_is_three_messages_that_rebuild_the_same_data():
    """A 40-run spaghetti figure holds 80 line arrays: jupyter_bokeh's own widget would
    send them as 160 more messages; the explorers' widget sends each patch as the
    protocol's three fragments, and a receiver rebuilds exactly the kernel's data."""
    from bokeh.document import Document
    from bokeh.protocol import Protocol
    from bokeh.protocol.receiver import Receiver

    from cinlab.figure_widget import FigureWidget

    first, second = (cinlab.simulate_many(SMALL, n_runs=40, seed=s) for s in (5, 6))
    fig = plots.spaghetti_figure(first)
    widget = FigureWidget(fig)
    page = Document.from_json(fig.document.to_json())  # the page's copy before the update
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    events = []
    fig.document.on_change(events.append)
    plots.prepare_update(fig, second)()
    assert events
    assert len(sent) == 3 * len(events)
    assert all(not buffers and content["msg"] == "patch" for content, buffers in sent)

    def done(coroutine):
        """Run a coroutine that awaits nothing outside itself (the receiver's consume):
        no event loop, which the browser tests of the same session may already run."""
        try:
            coroutine.send(None)
        except StopIteration as stop:
            return stop.value
        raise AssertionError("the receiver waited for input")

    receiver, patches = Receiver(Protocol()), []
    for content, _ in sent:
        msg = done(receiver.consume(content["payload"]))
        if msg is not None:
            patches.append(msg)
    assert len(patches) == len(events)
    assert all(not p.buffers for p in patches)
    for msg in patches:
        msg.apply_to_document(page)
    for key, source in plots.sources(fig).items():
        copy = page.get_model_by_id(source.id)
        assert set(copy.data) == set(source.data), key
        for column, values in source.data.items():
            got = np.asarray(copy.data[column], dtype=float)
            assert np.array_equal(got, np.asarray(values, dtype=float), equal_nan=True), column
    assert page.get_model_by_id(fig.id).title.text == fig.title.text
