"""Figures without a browser: the columns each figure draws, and the figures' models."""

import math

import numpy as np
import pytest
from bokeh.core.validation import check_integrity
from bokeh.models import ColorBar, HoverTool, LinearColorMapper, LogScale
from bokeh.plotting import figure

import cinlab
from cinlab import plots, scenarios, summaries

# Small scenarios: each simulation takes well under a second.
WITHDRAWAL = scenarios.get("withdrawal")
CIN_RELAPSE = scenarios.get("sotillo2010", **{
    "escape.bypass_gain": 1, "cin.missegregation_rate": 0.005,
    "therapy.detection_size": 1e4, "max_cells": 2e4, "relapse_size": 1e4})
CIN_UNTREATED = scenarios.get("untreated", **{
    "cin.window": "always", "cin.missegregation_rate": 0.005, "max_cells": 1e4})
SMALL_COHORT = WITHDRAWAL.replace(**{
    "therapy.detection_size": 1e4, "max_cells": 2e4, "relapse_size": 1e4,
    "escape.mutation_rate": 1e-5})


@pytest.fixture(scope="module")
def relapse_run():
    run = cinlab.simulate(WITHDRAWAL, seed=4)  # relapses by an escape mutation
    assert run.relapsed
    return run


@pytest.fixture(scope="module")
def eradicated_run():
    run = cinlab.simulate(WITHDRAWAL, seed=1)
    assert run.extinct
    assert not math.isnan(run.detection_time)
    return run


@pytest.fixture(scope="module")
def cin_run():
    run = cinlab.simulate(CIN_RELAPSE, seed=2)  # relapses by chromosome gains
    assert run.relapsed
    assert "karyotype" in set(run.clones["route"])
    return run


@pytest.fixture(scope="module")
def diverse_run():
    run = cinlab.simulate(CIN_UNTREATED, seed=2)  # thousands of clones, no therapy
    assert len(run.clones["count"]) > 100
    return run


@pytest.fixture(scope="module")
def cohorts():
    return {
        "slow escape": cinlab.simulate_many(SMALL_COHORT, n_runs=20, seed=3),
        "fast escape": cinlab.simulate_many(
            SMALL_COHORT.replace(**{"escape.mutation_rate": 1e-4}), n_runs=20, seed=3),
    }


def assert_equal_lengths(columns):
    lengths = {len(v) for v in columns.values()}
    assert len(lengths) <= 1, {k: len(v) for k, v in columns.items()}


def assert_valid(fig):
    issues = check_integrity([fig])
    assert issues.error == [], issues
    assert issues.warning == [], issues


# ------------------------------------------------------------------------ burden


def test_burden_columns_match_the_run_and_drop_zeros(relapse_run, eradicated_run):
    for run in (relapse_run, eradicated_run):
        cols = plots.burden_columns(run)
        assert set(cols) == {"time", "total", "addicted", "escaped", "total_cells",
                             "addicted_cells", "escaped_cells"}
        assert_equal_lengths(cols)
        positive = run.total > 0
        np.testing.assert_array_equal(cols["total"][positive], run.total[positive])
        assert np.all(np.isnan(cols["total"][~positive]))
        np.testing.assert_array_equal(cols["total_cells"], run.total)
        np.testing.assert_array_equal(cols["addicted_cells"] + cols["escaped_cells"],
                                      run.total)
        for name in ("total", "addicted", "escaped"):
            values = cols[name]
            assert np.all(np.isnan(values) | (values > 0))
    assert np.isnan(plots.burden_columns(eradicated_run)["total"][-1])


def test_therapy_intervals_follow_the_events(relapse_run):
    cols = plots.therapy_columns(relapse_run)
    assert_equal_lengths(cols)
    assert cols["start"].tolist() == [relapse_run.therapy_start_time]
    assert cols["end"].tolist() == [relapse_run.end_time]

    intermittent = scenarios.get("intermittent", on_days=5.0, off_days=5.0)
    run = cinlab.simulate(intermittent.replace(**{"cin.window": "never"}), seed=2)
    cols = plots.therapy_columns(run)
    offs = [e["time"] for e in run.events if e["kind"] == "therapy_off"]
    assert len(cols["start"]) >= 2
    np.testing.assert_allclose(cols["end"][: len(offs)], offs)
    assert np.all(cols["end"] > cols["start"])
    assert np.all(cols["start"][1:] >= cols["end"][:-1])


@pytest.mark.parametrize(("window", "expected"), [
    ("always", "all"), ("never", None), ("until_therapy", "to_therapy"), ((2.0, 10.0), "2-10"),
])
def test_cin_window_columns(window, expected):
    scenario = WITHDRAWAL.replace(**{
        "cin.window": window, "cin.missegregation_rate": 0.01, "therapy.detection_size": 300,
        "max_cells": 1000, "relapse_size": 300})
    run = cinlab.simulate(scenario, seed=2)
    assert not math.isnan(run.therapy_start_time)
    cols = plots.cin_window_columns(run)
    assert_equal_lengths(cols)
    if expected is None:
        assert len(cols["start"]) == 0
        return
    start, end = cols["start"][0], cols["end"][0]
    assert (start, end) == {"all": (0.0, run.end_time),
                            "to_therapy": (0.0, run.therapy_start_time),
                            "2-10": (2.0, 10.0)}[expected]


def test_no_cin_band_without_raised_missegregation(relapse_run):
    assert relapse_run.scenario.cin.window == "never"
    assert len(plots.cin_window_columns(relapse_run)["start"]) == 0


def test_event_columns_mark_detection_and_relapse(relapse_run):
    cols = plots.event_columns(relapse_run)
    assert_equal_lengths(cols)
    assert cols["kind"] == ["detection", "relapse"]
    assert cols["time"][1] == pytest.approx(relapse_run.therapy_start_time
                                            + relapse_run.relapse_time)
    assert cols["label"][0] == f"Detected, day {relapse_run.detection_time:.0f}"
    assert np.all(cols["y"] > relapse_run.total.max())  # labels sit above the curve


def test_theory_columns_follow_the_mean_before_therapy(relapse_run):
    cols = plots.theory_columns(relapse_run)
    g = relapse_run.scenario.growth
    n0 = relapse_run.scenario.initial_cells
    assert cols["time"][0] == 0
    assert cols["time"][-1] == relapse_run.therapy_start_time
    np.testing.assert_allclose(cols["mean"], n0 * np.exp((g.birth_rate - g.death_rate)
                                                         * cols["time"]))


def test_burden_figure(relapse_run):
    fig = plots.burden_figure(relapse_run)
    assert_valid(fig)
    assert isinstance(fig.y_scale, LogScale)
    assert f"seed {relapse_run.seed['entropy']}" in fig.title.text
    assert set(plots.sources(fig)) == {"burden", "therapy", "cin", "events"}
    labels = [item.label.value for item in fig.legend[0].items]
    assert labels[:3] == ["All cells", "Oncogene-addicted", "Escaped (oncogene-independent)"]
    assert "Time (days)" in fig.xaxis[0].axis_label
    assert "log" in fig.yaxis[0].axis_label
    assert "0 not drawn" in fig.yaxis[0].axis_label
    dashes = {str(r.glyph.line_dash) for r in fig.renderers
              if type(r.glyph).__name__ == "Line"}
    assert len(dashes) == 3  # the three lines differ by dash, not by colour alone
    assert len(fig.select({"type": HoverTool})) == 2


def test_burden_figure_theory_and_large(relapse_run):
    fig = plots.burden_figure(relapse_run, theory=True, large=True)
    assert_valid(fig)
    assert "theory" in plots.sources(fig)
    small = plots.burden_figure(relapse_run)
    assert int(fig.xaxis[0].axis_label_text_font_size[:-2]) > int(
        small.xaxis[0].axis_label_text_font_size[:-2]) >= 13
    assert fig.width > small.width


def test_update_figure_replaces_source_data(relapse_run, eradicated_run):
    fig = plots.burden_figure(relapse_run)
    source = plots.sources(fig)["burden"]
    before = source.data
    plots.update_figure(fig, eradicated_run)
    assert source.data is not before
    np.testing.assert_array_equal(source.data["total_cells"], eradicated_run.total)
    assert "seed 1" in fig.title.text
    with pytest.raises(ValueError, match="cinlab"):
        plots.update_figure(figure(), relapse_run)


# ------------------------------------------------------------------------ Muller


@pytest.mark.parametrize("mode", ["frequency", "fish"])
def test_muller_bands_nest(cin_run, mode):
    layout = plots.muller_layout(cin_run, mode)
    lower, upper = layout["lower"], layout["upper"]
    index = {int(i): k for k, i in enumerate(layout["id"])}
    assert lower.shape == upper.shape == (len(cin_run.times), len(layout["id"]))
    assert np.all(upper >= lower - 1e-12)
    assert np.all(lower >= -1e-12)
    assert np.all(upper <= 1 + 1e-12)
    nested = 0
    for k, parent in enumerate(layout["parent"]):
        if parent < 0:
            continue
        p = index[int(parent)]
        assert np.all(lower[:, k] >= lower[:, p] - 1e-9), (mode, k)
        assert np.all(upper[:, k] <= upper[:, p] + 1e-9), (mode, k)
        nested += 1
    assert nested > 5
    # siblings never overlap
    for parent in set(layout["parent"].tolist()):
        kids = np.nonzero(layout["parent"] == parent)[0]
        for a in kids:
            for b in kids:
                if a < b:
                    overlap = np.minimum(upper[:, a], upper[:, b]) - np.maximum(
                        lower[:, a], lower[:, b])
                    assert np.all(overlap <= 1e-9)


def test_muller_frequency_widths_are_shares_of_the_tumour(cin_run):
    layout = plots.muller_layout(cin_run, "frequency")
    size = layout["size"]
    alive = cin_run.total > 0
    roots = layout["parent"] < 0
    np.testing.assert_allclose(size[:, roots].sum(axis=1), cin_run.total)
    width = layout["upper"] - layout["lower"]
    np.testing.assert_allclose(width[alive], size[alive] / cin_run.total[alive, None],
                               atol=1e-12)
    np.testing.assert_allclose(width[alive][:, roots].sum(axis=1), 1.0)


def test_muller_columns_and_figure(cin_run):
    cols = plots.muller_columns(cin_run)
    assert_equal_lengths(cols)
    n_times = len(cin_run.times)
    assert all(len(x) == len(y) == 2 * n_times for x, y in zip(cols["xs"], cols["ys"],
                                                                 strict=True))
    escaped = np.asarray(cols["escaped"])
    assert escaped.any()
    assert all(cols["hatch_pattern"][k] != " " for k in np.nonzero(escaped)[0])
    assert all(cols["line_color"][k] == plots.BLACK for k in np.nonzero(escaped)[0])
    for mode in ("frequency", "fish"):
        fig = plots.muller_figure(cin_run, mode=mode)
        assert_valid(fig)
        assert set(plots.sources(fig)) == {"lineages", "therapy"}
        labels = [item.label.value for item in fig.legend[0].items]
        assert any("chromosome gain" in label for label in labels)
    with pytest.raises(ValueError, match="mode"):
        plots.muller_layout(cin_run, "stacked")


# --------------------------------------------------------------------- karyotype


def test_clone_rows_are_sorted_by_size(diverse_run):
    cols = plots.clone_columns(diverse_run, top=30)
    assert_equal_lengths(cols)
    assert len(cols["row"]) == 30
    assert np.all(np.diff(cols["count"]) <= 0)
    assert cols["count"][0] == diverse_run.clones["count"].max()
    assert cols["row"].tolist() == list(range(1, 31))


def test_karyotype_columns_hold_the_copy_numbers(diverse_run, cin_run):
    n_chrom = diverse_run.scenario.genome.n_chromosomes
    cols = plots.karyotype_columns(diverse_run, top=10)
    assert_equal_lengths(cols)
    assert len(cols["row"]) == 10 * n_chrom
    clones = plots.clone_columns(diverse_run, top=10)
    index = {int(i): k for k, i in enumerate(diverse_run.clones["id"])}
    for row, chrom, copies, clone in zip(cols["row"], cols["chromosome"], cols["copies"],
                                         cols["clone"], strict=True):
        assert clones["clone"][row - 1] == clone
        assert diverse_run.clones["karyotype"][index[int(clone)], chrom - 1] == copies
    assert cols["chromosome"].min() == 1
    assert cols["chromosome"].max() == n_chrom
    # the bypass chromosome of a clone that escaped by a gain is outlined
    cols = plots.karyotype_columns(cin_run)
    marked = np.asarray(cols["line_width"]) > 1
    assert marked.any()
    for chrom, clone in zip(cols["chromosome"][marked], cols["clone"][marked], strict=True):
        k = int(np.nonzero(cin_run.clones["id"] == clone)[0][0])
        assert cin_run.clones["route"][k] == "karyotype"
        assert cin_run.clones["bypass_chromosome"][k] == chrom


def test_karyotype_figure_palette_is_centred_on_ploidy(diverse_run):
    layout = plots.karyotype_figure(diverse_run, top=20)
    heat, sizes = layout.children
    assert_valid(layout)
    mapper = layout.select_one({"type": LinearColorMapper, "name": "copy_mapper"})
    ploidy = diverse_run.scenario.genome.ploidy
    genome = diverse_run.scenario.genome
    assert (mapper.low, mapper.high) == (-0.5, genome.max_copies + 0.5)
    assert len(mapper.palette) == genome.max_copies + 1  # one colour per copy number
    assert mapper.palette[ploidy].lower() == "#f7f7f7"  # white at ploidy
    def rgb(color):
        return [int(color[i:i + 2], 16) for i in (1, 3, 5)]

    lost, gained = rgb(mapper.palette[ploidy - 1]), rgb(mapper.palette[ploidy + 1])
    assert lost[2] > lost[0]  # losses blue
    assert gained[0] > gained[2]  # gains red
    assert heat.y_range is sizes.y_range
    assert layout.select_one({"type": ColorBar}) is not None
    assert set(plots.sources(layout)) == {"karyotype", "clones"}


def test_empty_population_gives_empty_karyotype_figures(eradicated_run):
    assert len(plots.karyotype_columns(eradicated_run)["row"]) == 0
    assert len(plots.aneuploidy_columns(eradicated_run)["score"]) == 0
    layout = plots.karyotype_figure(eradicated_run)
    assert "No cells left" in layout.children[0].title.text
    assert "No cells left" in plots.describe_karyotypes(eradicated_run)


# ------------------------------------------------------------------ virtual FISH


def test_fish_dot_count_is_the_copy_number(diverse_run):
    dots = plots.fish_columns(diverse_run, chromosomes=(1, 2, 3), n_cells=8, seed=5)
    nuclei = plots.fish_nuclei_columns(diverse_run, chromosomes=(1, 2, 3), n_cells=8,
                                       seed=5)
    assert_equal_lengths(dots)
    assert_equal_lengths(nuclei)
    assert len(nuclei["cell"]) == 8
    index = {int(i): k for k, i in enumerate(diverse_run.clones["id"])}
    for cell, clone in zip(nuclei["cell"], nuclei["clone"], strict=True):
        kary = diverse_run.clones["karyotype"][index[int(clone)]]
        for chrom in (1, 2, 3):
            n = int(np.sum((dots["cell"] == cell) & (dots["chromosome"] == chrom)))
            assert n == kary[chrom - 1]
    # one colour and one marker shape per chromosome
    for chrom in (1, 2, 3):
        sel = dots["chromosome"] == chrom
        assert len({c for c, s in zip(dots["color"], sel, strict=True) if s}) == 1
        assert len({m for m, s in zip(dots["marker"], sel, strict=True) if s}) == 1
    assert len(set(dots["marker"])) == 3


def test_fish_dots_do_not_overlap_and_stay_in_the_nucleus(diverse_run):
    dots = plots.fish_columns(diverse_run, n_cells=12, seed=1)
    nuclei = plots.fish_nuclei_columns(diverse_run, n_cells=12, seed=1)
    diameter = 0.7 * dots["spacing"][0]
    for cell, x0, y0, radius in zip(nuclei["cell"], nuclei["x"], nuclei["y"],
                                    nuclei["radius"], strict=True):
        sel = dots["cell"] == cell
        xy = np.column_stack([dots["x"][sel], dots["y"][sel]])
        assert np.all(np.hypot(xy[:, 0] - x0, xy[:, 1] - y0) + diameter / 2 <= radius)
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        assert np.all(d[np.triu_indices(len(xy), 1)] >= diameter)


def test_fish_is_seeded(diverse_run):
    a = plots.fish_columns(diverse_run, seed=3)
    b = plots.fish_columns(diverse_run, seed=3)
    c = plots.fish_columns(diverse_run, seed=4)
    np.testing.assert_array_equal(a["x"], b["x"])
    assert len(a["x"]) != len(c["x"]) or not np.array_equal(a["x"], c["x"])


def test_fish_defaults_to_bypass_chromosomes_and_checks_input(diverse_run):
    dots = plots.fish_columns(diverse_run)
    assert set(dots["chromosome"].tolist()) == set(
        diverse_run.scenario.escape.bypass_chromosomes)
    with pytest.raises(ValueError, match="chromosomes"):
        plots.fish_columns(diverse_run, chromosomes=(0, 99))
    with pytest.raises(ValueError, match="n_cells"):
        plots.fish_columns(diverse_run, n_cells=0)


def test_fish_figure(diverse_run):
    fig = plots.fish_figure(diverse_run, chromosomes=(4, 6), n_cells=4, seed=2)
    assert_valid(fig)
    labels = [item.label.value for item in fig.legend[0].items if item.visible]
    assert labels == ["Chromosome 4 (yellow circles)", "Chromosome 6 (vermillion triangles)"]
    answer = plots.describe_fish(diverse_run, (4, 6), 4, 2)
    assert answer.count("Cell ") == 4


# ------------------------------------------------------- copy-number histograms


def test_aneuploidy_histogram_is_weighted_by_cells(diverse_run):
    cols = plots.aneuploidy_columns(diverse_run)
    assert_equal_lengths(cols)
    clones = diverse_run.clones
    assert cols["cells"].sum() == clones["count"].sum()
    assert cols["percent"].sum() == pytest.approx(100.0)
    euploid = clones["count"][clones["aneuploidy"] == 0].sum()
    assert cols["cells"][0] == euploid
    assert_valid(plots.aneuploidy_figure(diverse_run))
    assert "Mean aneuploidy score" in plots.describe_aneuploidy(diverse_run)


def test_copy_number_distribution(diverse_run):
    cols = plots.copy_number_columns(diverse_run)
    assert_equal_lengths(cols)
    total = diverse_run.clones["count"].sum()
    n_chrom = diverse_run.scenario.genome.n_chromosomes
    for chrom in range(1, n_chrom + 1):
        assert cols["cells"][cols["chromosome"] == chrom].sum() == total
    assert_valid(plots.copy_number_figure(diverse_run))


# ------------------------------------------------------------------ cohort views


def test_spaghetti_and_quantile_columns(cohorts):
    cohort = cohorts["slow escape"]
    cols = plots.spaghetti_columns(cohort, max_runs=7)
    assert_equal_lengths(cols)
    assert len(cols["xs"]) == 7
    for ys, burden in zip(cols["ys"], cohort.burden, strict=False):
        positive = burden > 0
        np.testing.assert_array_equal(ys[positive], burden[positive])
        assert np.all(np.isnan(ys[~positive]))
    q = plots.quantile_columns(cohort)
    assert_equal_lengths(q)
    assert len(q["time"]) == len(cohort.times)
    known = ~np.isnan(q["median"])
    assert np.all(q["low"][known] >= 1)
    assert np.all(q["low"][known] <= q["median"][known])
    assert np.all(q["median"][known] <= q["high"][known])
    fig = plots.spaghetti_figure(cohort, max_runs=7)
    assert_valid(fig)
    assert "20 runs, 7 drawn" in fig.title.text


def test_survival_columns_are_a_step_function_from_one(cohorts):
    cols = plots.survival_columns(cohorts["fast escape"])
    assert_equal_lengths(cols)
    assert cols["time"][0] == 0
    assert cols["probability"][0] == 1
    assert np.all(np.diff(cols["probability"]) <= 0)
    assert np.all(cols["lower"] <= cols["probability"] + 1e-12)
    assert np.all(cols["probability"] <= cols["upper"] + 1e-12)


def test_survival_figure_shows_the_log_rank_p_value(cohorts):
    fig = plots.survival_figure(cohorts)
    assert_valid(fig)
    p = cohorts["fast escape"].compare(cohorts["slow escape"]).pvalue
    assert plots.survival._p_text(p) in fig.title.text
    assert set(plots.sources(fig)) == {"survival:slow escape", "survival:fast escape"}
    lines = [r for r in fig.renderers if type(r.glyph).__name__ == "Step"]
    assert len({str(r.glyph.line_dash) for r in lines}) == 2
    three = dict(cohorts, again=cohorts["slow escape"])
    fig = plots.survival_figure(three)
    labels = [item.label.value for item in fig.legend[0].items]
    assert "vs slow escape" in labels[2]
    single = plots.survival_figure(cohorts["slow escape"])
    assert [i.label.value for i in single.legend[0].items][0].startswith("All runs")


def test_survival_bands_only_for_two_arms_and_the_legend_adds_height(cohorts):
    def bands(fig):
        return [r for r in fig.renderers if type(r.glyph).__name__ == "VAreaStep"]

    two = plots.survival_figure(cohorts)
    assert len(bands(two)) == 2
    five = plots.survival_figure({f"arm {i}": cohorts["slow escape"] for i in range(5)})
    assert bands(five) == []
    # the legend is below the plot, one arm per line, and the figure grows by it
    assert five.below[-1] is five.legend[0]
    assert five.legend[0].ncols == 1
    assert five.height - plots.NORMAL.height > two.height - plots.NORMAL.height > 0
    # ... by three of its five lines, not five: the explorer fits a laptop screen
    assert five.height - plots.NORMAL.height < 4 * (two.height - plots.NORMAL.height)


def test_an_arm_with_no_treated_run_has_no_curve(cohorts):
    untreated = cohorts["slow escape"]
    untreated = type(untreated).from_json(untreated.to_json())
    untreated.treated[:] = False
    fig = plots.survival_figure({"treated": cohorts["slow escape"], "none": untreated})
    assert len(plots.sources(fig)["survival:none"].data["time"]) == 0
    assert len(plots.sources(fig)["survival:treated"].data["time"]) > 0
    labels = [item.label.value for item in fig.legend[0].items]
    assert labels[1] == "none: no run treated, no curve"
    assert "p n/a" in fig.title.text


def test_cohort_descriptions(cohorts):
    cohort = cohorts["fast escape"]
    text = plots.describe_cohort(cohort)
    n_rel = int(cohort.relapsed.sum())
    assert text.startswith(f"Relapse in {n_rel} of {int(cohort.treated.sum())} treated mice")
    assert text.endswith("Seed 3.")
    text = plots.describe_arms(cohorts)
    assert "Log-rank test fast escape vs slow escape" in text


@pytest.fixture(scope="module")
def sweeps():
    one = cinlab.sweep(SMALL_COHORT, {"escape.mutation_rate": [1e-6, 1e-5, 1e-4]}, n_runs=8,
                       seed=1)
    two = cinlab.sweep(SMALL_COHORT, {"escape.mutation_rate": [1e-5, 1e-4],
                                      "therapy.detection_size": [5e3, 1e4]}, n_runs=6, seed=1)
    return one, two


def test_sweep_columns_and_figures(sweeps):
    one, two = sweeps
    cols = plots.sweep_columns(one)
    assert_equal_lengths(cols)
    np.testing.assert_array_equal(cols["relapse_fraction"], one.columns["relapse_fraction"])
    assert "y" not in cols
    fig = plots.sweep_figure(one)
    assert_valid(fig)
    assert isinstance(fig.x_scale, LogScale)  # the mutation rate is a log-scaled field
    assert fig.xaxis[0].axis_label == "Escape mutation rate (per division)"
    cols = plots.sweep_columns(two)
    assert_equal_lengths(cols)
    assert len(cols["x"]) == 4
    assert set(cols["y"]) == {"5,000", "10,000"}
    fig = plots.sweep_figure(two)
    assert_valid(fig)
    assert list(fig.y_range.factors) == ["5,000", "10,000"]
    assert "Relapse ranged from" in plots.describe_sweep(two)


# --------------------------------------------------------------------- summaries


def test_describe_run_tells_the_story(relapse_run, eradicated_run, cin_run):
    text = plots.describe_run(relapse_run)
    assert text.startswith(f"Detected on day {relapse_run.detection_time:.0f}")
    assert "-fold" in text
    assert f"relapse {relapse_run.relapse_time:.0f} days after therapy started" in text
    assert "(escaped by a mutation)" in text
    assert text.endswith("Seed 4.")
    assert "eradicated the tumour" in plots.describe_run(eradicated_run)
    assert "escaped by a gain of chromosome" in plots.describe_run(cin_run)


def test_describe_run_without_therapy_or_detection():
    one_cell = WITHDRAWAL.replace(initial_cells=1)  # a single cell often dies out early
    run = next(r for r in (cinlab.simulate(one_cell, seed=s) for s in range(1, 60))
               if r.extinct and math.isnan(r.detection_time))
    assert "died out by chance" in plots.describe_run(run)
    grown = cinlab.simulate(CIN_UNTREATED, seed=2)
    assert plots.describe_run(grown).startswith("No therapy; the tumour grew to")


def test_describe_lineages(cin_run, eradicated_run):
    text = plots.describe_lineages(cin_run)
    assert text.startswith(f"{len(cin_run.lineages['id'])} lineages drawn")
    assert "100% of cells are escaped" in text
    assert "escaped by a gain of chromosome" in text
    assert text.endswith("Seed 2.")
    assert "died out" in plots.describe_lineages(eradicated_run)


@pytest.mark.parametrize(("fold", "text"), [
    (5890.0, "5,900-fold"), (1000.0, "1,000-fold"), (2.5, "2.5-fold"), (12.3, "12-fold"),
    (3.2e7, "32 million-fold"),
])
def test_fold_text(fold, text):
    assert summaries.fold_text(fold) == text
