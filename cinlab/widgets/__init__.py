"""Interactive explorers for the lessons: ipywidgets controls around cinlab figures.

Each explorer is one call returning a widget (an :class:`ipywidgets.VBox`) that shows
itself in a notebook. Its controls are built from the parameter metadata (label, units,
range, step; log sliders for log-scaled fields), so no range is typed twice. A change
rebuilds the scenario with :meth:`cinlab.Scenario.replace`, calls the core and replaces
each figure's ``source.data`` whole; the figures themselves are built once.

Nothing raised by a change reaches the kernel: an invalid combination (say a detection
size above the stop size) is reported in plain words in the explorer's status line and
the figures keep the last good result.

For follow-up cells and tests every explorer has ``scenario`` and ``result`` (the last
good ones), ``first_result`` (the result of its starting settings: what a lesson prints
under it, which stays true when the controls move on), ``controls`` (by dotted name),
``run_button``, ``reset_button``, ``seed_box``, ``new_seed_button``, ``preset``,
``status``, ``summary`` (the text under the first figure), ``captions`` (the text under
every figure), ``figures`` and ``sources`` (the Bokeh data sources by name). The
cohort explorers also have ``card_saver``, the "Save result card" button that turns
their result into a file the class pools with :func:`pool_cards` (lesson 06).

Call :func:`setup` once at the top of a lesson: it loads BokehJS into the page
(inline: lessons work offline) and picks normal or large text (projector mode: bigger
fonts, figures as wide as the page up to 1800 px). ``cinlab app LESSON --large`` asks
for large text through the ``CINLAB_LARGE`` environment variable, which ``setup()``
reads when it is not told.

An update changes all of an explorer's figures or none: every figure's new data and
text is computed before any figure changes (see :func:`cinlab.plots.prepare_update`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from .. import plots, scenarios
from ..engine import simulate
from ..explorers_pool import (
    CardSaver,
    PoolExplorer,
    PowerExplorer,
    RobustnessExplorer,
    explore_power,
    explore_robustness,
    pool_cards,
)
from ..params import Scenario
from ._base import (
    _LARGE_PAGE_CSS as _LARGE_PAGE_CSS,
)
from ._base import (
    DEFAULT_COHORT_CONTROLS as DEFAULT_COHORT_CONTROLS,
)
from ._base import (
    DEFAULT_KARYOTYPE_CONTROLS,
    DEFAULT_RUN_CONTROLS,
    Explorer,
    make_control,
    setup,
)
from ._base import (
    _error_html as _error_html,
)
from .cohort import ArmsExplorer, CohortExplorer, compare_arms, explore_cohort
from .quiz import Quiz, quiz

__all__ = [
    "ArmsExplorer",
    "CardSaver",
    "CohortExplorer",
    "Explorer",
    "KaryotypeExplorer",
    "PoolExplorer",
    "PowerExplorer",
    "Quiz",
    "RobustnessExplorer",
    "RunExplorer",
    "compare_arms",
    "explore_cohort",
    "explore_karyotypes",
    "explore_power",
    "explore_robustness",
    "explore_run",
    "make_control",
    "pool_cards",
    "quiz",
    "setup",
]
class RunExplorer(Explorer):
    """Explore one simulated tumour (see :func:`explore_run`)."""

    run_label = "Run again"

    def __init__(self, scenario: Scenario, controls: Sequence[str], seed: int | None,
                 large: bool | None, figures: Sequence[str], theory: bool) -> None:
        unknown = set(figures) - {"burden", "muller", "fish_plot"}
        if unknown or not figures:
            raise ValueError(f"figures must be taken from 'burden', 'muller' and "
                             f"'fish_plot'. Got {list(figures)}.")
        self._kinds = tuple(figures)
        self._theory = theory
        super().__init__(scenario, controls, seed, large, auto_run=True)

    def _compute(self, scenario: Scenario, seed: int) -> Any:
        return simulate(scenario, seed=seed)

    def _figures(self, run: Any) -> dict[str, Any]:
        build = {
            "burden": lambda: plots.burden_figure(run, theory=self._theory, fixed_axes=True,
                                                  large=self.large),
            "muller": lambda: plots.muller_figure(run, large=self.large),
            "fish_plot": lambda: plots.muller_figure(run, mode="fish", large=self.large),
        }
        return {kind: build[kind]() for kind in self._kinds}

    def _describe(self, name: str, run: Any) -> str:
        if name == "burden":
            return plots.describe_run(run)
        return plots.describe_lineages(run)

class KaryotypeExplorer(Explorer):
    """Explore the karyotypes of one tumour (see :func:`explore_karyotypes`)."""

    def __init__(self, scenario: Scenario, controls: Sequence[str], seed: int | None,
                 large: bool | None, chromosomes: Sequence[int] | None, n_cells: int,
                 top: int) -> None:
        self._chromosomes = None if chromosomes is None else list(chromosomes)
        self._n_cells = n_cells
        self._top = top
        super().__init__(scenario, controls, seed, large, auto_run=True)

    def _compute(self, scenario: Scenario, seed: int) -> Any:
        run = simulate(scenario, seed=seed)
        # checks the probes against this scenario's genome before any figure changes
        plots.fish_nuclei_columns(run, self._chromosomes, self._n_cells, seed)
        return run

    def _figures(self, run: Any) -> dict[str, Any]:
        seed = int(self.seed_box.value)
        return {
            "karyotype": plots.karyotype_figure(run, top=self._top, large=self.large),
            "fish": plots.fish_figure(run, chromosomes=self._chromosomes,
                                      n_cells=self._n_cells, seed=seed, large=self.large),
            "aneuploidy": plots.aneuploidy_figure(run, large=self.large),
            "copy_number": plots.copy_number_figure(run, large=self.large),
        }

    def _prepare(self, name: str, fig: Any, run: Any) -> Callable[[], None]:
        if name != "fish":
            return super()._prepare(name, fig, run)
        # a new seed samples new cells too
        return plots.prepare_update(fig, run, seed=int(self.seed_box.value))

    def _caption(self, name: str, run: Any) -> str:
        if name != "fish":
            return super()._caption(name, run)
        # the counts are the answer: hidden until asked for (keyboard-operable <details>)
        answer = plots.describe_fish(run, self._chromosomes, self._n_cells,
                                     int(self.seed_box.value))
        return ("<p>Count the dots in each cell: each dot is one copy of a chromosome.</p>"
                f"<details><summary>Show the counts</summary><p>{html.escape(answer)}</p>"
                "</details>")

    def _describe(self, name: str, run: Any) -> str:
        if name == "karyotype":
            return plots.describe_karyotypes(run)
        if name == "aneuploidy":
            return plots.describe_aneuploidy(run)
        return ("Each column is a chromosome; the numbers are the % of cells with that "
                "many copies. The dashed row is the normal copy number.")

def explore_run(scenario: Scenario | None = None,
                controls: Sequence[str] = DEFAULT_RUN_CONTROLS, seed: int | None = 7, *,
                figures: Sequence[str] = ("burden",), theory: bool = False,
                large: bool | None = None) -> RunExplorer:
    """Explore one simulated tumour: move a control and the tumour is simulated again.

    Parameters
    ----------
    scenario : Scenario, optional
        Starting scenario (default: the ``"withdrawal"`` preset).
    controls : sequence of str, optional
        Dotted parameter names to control, e.g. ``["growth.birth_rate"]``.
    seed : int or None, optional
        Starting seed (None draws one; it is shown beside the result).
    figures : sequence of str, optional
        Any of "burden" (tumour size over time), "muller" (lineages) and "fish_plot"
        (lineages, log-scaled).
    theory : bool, optional
        Overlay the deterministic mean growth on the burden plot.
    large : bool, optional
        Bigger text for projectors (default: :func:`setup`'s choice).

    Returns
    -------
    RunExplorer
        A widget; ``.result`` is the last good :class:`~cinlab.Run`.

    Raises
    ------
    ValueError
        If a control name or figure name is unknown.
    """
    scenario = scenarios.get("withdrawal") if scenario is None else scenario
    return RunExplorer(scenario, controls, seed, large, figures, theory)

def explore_karyotypes(scenario: Scenario | None = None,
                       controls: Sequence[str] = DEFAULT_KARYOTYPE_CONTROLS,
                       seed: int | None = 7, *, chromosomes: Sequence[int] | None = None,
                       n_cells: int = 6, top: int = 20,
                       large: bool | None = None) -> KaryotypeExplorer:
    """Explore the karyotypes at the end of one tumour.

    Shows a heatmap of the largest clones' copy numbers with their sizes, a virtual
    FISH image of sampled cells (count the dots), the aneuploidy histogram and the
    copy-number distribution of every chromosome.

    Parameters
    ----------
    scenario : Scenario, optional
        Starting scenario (default: an untreated tumour with CIN, stopped at 1e5 cells).
    controls : sequence of str, optional
        Dotted parameter names to control.
    seed : int or None, optional
        Starting seed (also picks the FISH cells).
    chromosomes : sequence of int, optional
        One to three chromosomes to probe by FISH (default: the bypass chromosomes).
    n_cells : int, optional
        Nuclei in the FISH image.
    top : int, optional
        Clones in the heatmap (20 keeps the explorer within one laptop screen).
    large : bool, optional
        Bigger text for projectors.

    Returns
    -------
    KaryotypeExplorer
        A widget; ``.result`` is the last good :class:`~cinlab.Run`.

    Raises
    ------
    ValueError
        If a control name is unknown.
    """
    if scenario is None:
        scenario = scenarios.get("untreated", **{"cin.window": "always", "max_cells": 1e5})
    return KaryotypeExplorer(scenario, controls, seed, large, chromosomes, n_cells, top)
