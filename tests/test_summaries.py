"""One wording for runs and cohorts: the command line, Cohort.summary and the figures'
captions all take their sentences from cinlab.summaries."""

import subprocess
import sys

import pytest

import cinlab
from cinlab import summaries


def small_treated(**kw):
    base = cinlab.scenarios.get("sotillo2010", mad2=True, **{
        "genome": cinlab.Genome(n_chromosomes=6, ploidy=2, max_copies=4),
        "escape": cinlab.Escape(bypass_chromosomes=(2, 5), bypass_gain=1,
                                mutation_rate=1e-4, birth_rate=0.3, death_rate=0.15),
        "therapy.detection_size": 2000.0, "relapse_size": 2000.0, "max_cells": 4000.0,
        "cin.missegregation_rate": 0.005, "duration": 200.0,
    })
    return base.replace(**kw) if kw else base


@pytest.fixture(scope="module")
def cohort():
    return cinlab.simulate_many(small_treated(), n_runs=8, seed=3)


def test_cohort_summary_and_the_caption_share_their_first_clause(cohort):
    short = cohort.summary()
    assert short == summaries.cohort_summary(cohort)
    k, n = int((cohort.relapsed & cohort.treated).sum()), int(cohort.treated.sum())
    assert short.startswith(f"Relapse in {k} of {n} treated tumours; median ")
    caption = summaries.describe_cohort(cohort, subject="tumours")
    assert caption.startswith(f"Relapse in {k} of {n} treated tumours (")
    assert f"; median {cohort.median_relapse_time():.0f} days after therapy started" in caption
    assert caption.endswith(f"Seed {cohort.seed['entropy']}.")


def test_a_cohort_without_treated_tumours_says_why():
    untreated = cinlab.simulate_many(small_treated(therapy=None), n_runs=3, seed=1)
    extinct = int(untreated.extinct.sum())
    assert untreated.summary() == (f"No tumour reached the detection size in 3 runs "
                                   f"({extinct} died out).")
    assert summaries.describe_cohort(untreated).startswith(
        f"No tumour reached the detection size in 3 mice ({extinct} died out). Seed 1")


def test_the_command_line_and_the_figures_describe_a_run_alike():
    run = cinlab.simulate(small_treated(), seed=3)
    caption = summaries.describe_run(run)
    assert caption == summaries.describe_run(run, seed=False) + " Seed 3."
    out = subprocess.run(
        [sys.executable, "-m", "cinlab", "run", "sotillo2010", "--seed", "3",
         *[a for name, value in (("genome.n_chromosomes", 6), ("genome.max_copies", 4),
                                 ("escape.bypass_chromosomes", "2,5"),
                                 ("escape.bypass_gain", 1), ("escape.mutation_rate", 1e-4),
                                 ("escape.birth_rate", 0.3), ("escape.death_rate", 0.15),
                                 ("therapy.detection_size", 2000), ("relapse_size", 2000),
                                 ("max_cells", 4000), ("cin.missegregation_rate", 0.005),
                                 ("duration", 200))
           for a in ("--set", f"{name}={value}")]],
        capture_output=True, text=True, check=True)
    assert f": {summaries.describe_run(run, seed=False)}\n" in out.stdout


def test_summaries_do_not_load_bokeh():
    code = ("import sys, cinlab.summaries; "
            "print(any(m.split('.')[0] == 'bokeh' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
