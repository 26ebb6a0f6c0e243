"""Cohort explorers of :mod:`cinlab.widgets`: one virtual cohort, or the arms of a trial.

Both run their cohorts with :func:`cinlab.simulate_many` when Run is pressed, show one
progress bar over every run, and have a "Save result card" button (:class:`CardSaver`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from .. import plots, scenarios
from ..cohort import check_executor, simulate_many
from ..explorers_pool import CardSaver
from ..params import Scenario
from ..summaries import cells_text
from ._base import DEFAULT_COHORT_CONTROLS, Explorer

__all__ = ["ArmsExplorer", "CohortExplorer", "compare_arms", "explore_cohort"]


class _CohortsExplorer(Explorer):
    """Shared by the cohort explorers: runs, subject, executor and one progress bar.

    The progress bar counts every run of every cohort of one press of Run.
    """

    def __init__(self, base: Any, controls: Sequence[str], n_runs: int, seed: int | None,
                 large: bool | None, subject: str, executor: Executor | None,
                 run_label: str, presets: bool = True) -> None:
        self.n_runs = n_runs
        self.subject = subject
        self.executor = executor
        self.run_label = run_label
        super().__init__(base, controls, seed, large, auto_run=False, presets=presets)
        # a group's result, saved as a small file to pool with the class (lesson 06)
        self.card_saver = CardSaver(lambda: self.result, lambda: self.seed_box.value)
        self.children = [*self.children, self.card_saver]

    def _cohorts(self, arms: Mapping[str, Scenario], seed: int) -> dict[str, Any]:
        """One cohort per scenario, all with the same seed (common random numbers)."""
        self.progress.max = len(arms) * self.n_runs
        self.progress.value = 0
        self.progress.bar_style = "info"
        cohorts = {}
        for i, (name, sc) in enumerate(arms.items()):
            before = i * self.n_runs

            def report(done: int, _total: int, before: int = before) -> None:
                self._set_progress(before + done)

            cohorts[name] = simulate_many(
                sc, n_runs=self.n_runs, seed=seed, executor=self.executor, progress=report)
            self.progress.value = before + self.n_runs
        self.progress.bar_style = "success"
        return cohorts


class CohortExplorer(_CohortsExplorer):
    """Explore a virtual cohort (see :func:`explore_cohort`)."""

    def __init__(self, scenario: Scenario, controls: Sequence[str], n_runs: int,
                 seed: int | None, large: bool | None, subject: str,
                 executor: Executor | None = None) -> None:
        super().__init__(scenario, controls, n_runs, seed, large, subject, executor,
                         f"Run {n_runs} {subject}")

    def _compute(self, scenario: Scenario, seed: int) -> Any:
        return self._cohorts({"cohort": scenario}, seed)["cohort"]

    def _figures(self, cohort: Any) -> dict[str, Any]:
        return {"spaghetti": plots.spaghetti_figure(cohort, large=self.large),
                "survival": plots.survival_figure(cohort, large=self.large)}

    def _describe(self, name: str, cohort: Any) -> str:
        if name == "spaghetti":
            text = plots.describe_cohort(cohort, subject=self.subject)
            limit = cohort.scenario.max_cells
            if np.any(np.asarray(cohort.final_total) >= limit):  # runs stopped there
                text += (f" A run stops at {cells_text(limit)} cells: from then on the band "
                         "and the median count it at its last recorded size.")
            return text
        if not np.any(cohort.treated):
            return "No tumour was treated, so there is no relapse-free curve."
        curve = cohort.survival()
        return (f"Kaplan\u2013Meier estimate: {100 * curve.probability[-1]:.0f}% of treated "
                f"{self.subject} relapse-free {curve.time[-1]:.0f} days after therapy started "
                f"(95% band {100 * curve.lower[-1]:.0f}\u2013{100 * curve.upper[-1]:.0f}%).")


class ArmsExplorer(_CohortsExplorer):
    """Compare the arms of a virtual trial (see :func:`compare_arms`)."""

    def __init__(self, arms: Mapping[str, Scenario], controls: Sequence[str], n_runs: int,
                 seed: int | None, large: bool | None, subject: str,
                 executor: Executor | None = None) -> None:
        if not isinstance(arms, Mapping) or len(arms) < 2:
            raise ValueError("compare_arms needs at least two arms, e.g. "
                             "{'TI-K': scenario_a, 'TI-KM': scenario_b}.")
        for name, sc in arms.items():
            if not isinstance(sc, Scenario):
                raise ValueError(f"arm {name!r} must be a cinlab.Scenario. "
                                 f"Got {type(sc).__name__}.")
        super().__init__(dict(arms), controls, n_runs, seed, large, subject, executor,
                         f"Run {len(arms)} \u00d7 {n_runs} {subject}", presets=False)

    def _reference(self, arms: Mapping[str, Scenario]) -> Scenario:
        return next(iter(arms.values()))

    def _apply(self, base: Mapping[str, Scenario], changes: Mapping[str, Any]) -> Any:
        return {name: sc.replace(**changes) if changes else sc for name, sc in base.items()}

    def _compute(self, arms: Mapping[str, Scenario], seed: int) -> Any:
        return self._cohorts(arms, seed)

    def _figures(self, cohorts: Mapping[str, Any]) -> dict[str, Any]:
        return {"survival": plots.survival_figure(cohorts, large=self.large)}

    def _describe(self, name: str, cohorts: Mapping[str, Any]) -> str:
        return plots.describe_arms(cohorts, subject=self.subject)


def _check_n_runs(n_runs: Any) -> int:
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or not 1 <= n_runs <= 10000:
        raise ValueError(f"n_runs must be an integer in [1, 10000]. Got {n_runs!r}.")
    return n_runs


def explore_cohort(scenario: Scenario | None = None,
                   controls: Sequence[str] = DEFAULT_COHORT_CONTROLS, n_runs: int = 100,
                   seed: int | None = 7, *, subject: str = "mice",
                   large: bool | None = None,
                   executor: Executor | None = None) -> CohortExplorer:
    """Explore a virtual cohort: set the controls, then press Run.

    Shows every run's tumour size with the middle 80% band and the median, and the
    relapse-free (Kaplan–Meier) curve.

    Parameters
    ----------
    scenario : Scenario, optional
        Starting scenario (default: the ``"sotillo2010"`` preset, TI-KM).
    controls : sequence of str, optional
        Dotted parameter names to control.
    n_runs : int, optional
        Runs per cohort.
    seed : int or None, optional
        Starting seed.
    subject : str, optional
        What one run stands for in the text ("mice", "patients").
    large : bool, optional
        Bigger text for projectors.
    executor : concurrent.futures.Executor, optional
        Spread each cohort over worker processes (same results). On a machine with
        several cores, ``ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(
        "forkserver"))``, made once in the notebook, shortens the wait for a cohort
        after its first use; the default runs in the kernel.

    Returns
    -------
    CohortExplorer
        A widget; ``.result`` is the last good :class:`~cinlab.Cohort`.

    Raises
    ------
    ValueError
        If a control name or ``n_runs`` is invalid.
    """
    scenario = scenarios.get("sotillo2010") if scenario is None else scenario
    return CohortExplorer(scenario, controls, _check_n_runs(n_runs), seed, large, subject,
                          check_executor(executor))


def compare_arms(arms: Mapping[str, Scenario], n_runs: int = 100, seed: int | None = 7, *,
                 controls: Sequence[str] = (), subject: str = "mice",
                 large: bool | None = None,
                 executor: Executor | None = None) -> ArmsExplorer:
    """Compare the arms of a virtual trial with Kaplan–Meier curves and a log-rank test.

    Every arm uses the same seed (common random numbers), so a difference between arms
    is the treatment's, not noise.

    Parameters
    ----------
    arms : Mapping of str to Scenario
        Two or more arms by name, e.g. ``{"TI-K": scenario_a, "TI-KM": scenario_b}``;
        the first is the reference of the log-rank tests.
    n_runs : int, optional
        Runs per arm.
    seed : int or None, optional
        Starting seed.
    controls : sequence of str, optional
        Dotted parameter names whose value is applied to every arm.
    subject : str, optional
        What one run stands for in the text.
    large : bool, optional
        Bigger text for projectors.
    executor : concurrent.futures.Executor, optional
        Spread each cohort over worker processes (see :func:`explore_cohort`).

    Returns
    -------
    ArmsExplorer
        A widget; ``.result`` maps arm names to the last good Cohorts.

    Raises
    ------
    ValueError
        If there are fewer than two arms, or a control name or ``n_runs`` is invalid.
    """
    return ArmsExplorer(arms, controls, _check_n_runs(n_runs), seed, large, subject,
                        check_executor(executor))
