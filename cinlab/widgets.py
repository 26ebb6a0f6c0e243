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
good ones), ``controls`` (by dotted name), ``run_button``, ``reset_button``,
``seed_box``, ``new_seed_button``, ``preset``, ``status``, ``summary`` (the text under
the first figure), ``captions`` (the text under every figure), ``figures`` and
``sources`` (the Bokeh data sources by name). The cohort explorers also have
``card_saver``, the "Save result card" button that turns their result into a file the
class pools with :func:`pool_cards` (lesson 06).

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
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import ipywidgets as widgets
import numpy as np
from jupyter_bokeh.widgets import BokehModel

from . import params, plots, scenarios
from .cohort import check_executor, simulate_many
from .engine import kernels, simulate
from .explorers_pool import (
    CardSaver,
    PoolExplorer,
    PowerExplorer,
    RobustnessExplorer,
    explore_power,
    explore_robustness,
    pool_cards,
)
from .params import Scenario

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

#: Explorer CSS: text wraps between words only (never "a ga|in"), and projector mode's
#: bigger widget text and controls (CSS variables of ipywidgets 8).
_CSS = """<style>
.cinlab-explorer { max-width: 100%; box-sizing: border-box; }
.cinlab-explorer .widget-html-content, .cinlab-explorer .widget-htmlmath-content {
  white-space: normal; word-break: normal; overflow-wrap: break-word; hyphens: manual;
  line-height: 1.4;
}
.cinlab-explorer .widget-html, .cinlab-explorer .widget-htmlmath { height: auto; }
.cinlab-large {
  --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 38px;
  font-size: 20px;
}
.cinlab-large .widget-html-content, .cinlab-large .widget-label { font-size: 20px; }
</style>"""
#: Printed lesson output (``print``) wraps between words too: JupyterLab's default
#: breaks anywhere.
_PAGE_CSS = """<style>
.jp-OutputArea-output pre, .jp-RenderedText pre {
  word-break: normal; overflow-wrap: break-word;
}
</style>"""
#: Projector mode: the lesson's own text (Markdown and printed output) at 20 px too.
_LARGE_PAGE_CSS = """<style>
.jp-RenderedMarkdown, .jp-RenderedMarkdown p, .jp-RenderedMarkdown li,
.jp-OutputArea-output pre, .jp-RenderedText pre { font-size: 20px; line-height: 1.45; }
</style>"""
#: Figures that get a tab each (instead of one under the other) beyond this many.
_MAX_STACKED = 2
#: Tab titles of the figures.
_TAB_TITLES = {"burden": "Tumour size", "muller": "Lineages", "fish_plot": "Fish plot",
               "karyotype": "Karyotypes", "fish": "Virtual FISH",
               "aneuploidy": "Aneuploidy", "copy_number": "Copy numbers",
               "spaghetti": "All runs", "survival": "Relapse-free"}

DEFAULT_RUN_CONTROLS = ("growth.birth_rate", "growth.death_rate", "therapy.detection_size",
                        "therapy.death_rate", "escape.mutation_rate")
DEFAULT_COHORT_CONTROLS = ("therapy.detection_size", "cin.missegregation_rate",
                           "escape.mutation_rate")
DEFAULT_KARYOTYPE_CONTROLS = ("cin.missegregation_rate", "fitness.aneuploidy_cost",
                              "max_cells")


def setup(large: bool | None = None) -> None:
    """Prepare a notebook for cinlab figures and explorers; call it once, first.

    Loads BokehJS into the page inline (the lessons work offline, where Bokeh's CDN is
    unreachable) without Bokeh's banner, and sets the default text size of explorers.

    Parameters
    ----------
    large : bool, optional
        Bigger fonts, lines and controls for projectors; explorers and figures made
        afterwards use it unless they are given ``large=`` themselves. By default,
        large if the ``CINLAB_LARGE`` environment variable is 1 (``cinlab app
        --large`` sets it), else normal. Large text also enlarges the lesson's own
        text and printed output on the page to 20 px.
    """
    from bokeh.io import output_notebook
    from bokeh.resources import Resources
    from IPython.display import HTML, display

    output_notebook(resources=Resources(mode="inline", components=["bokeh"]),
                    hide_banner=True)
    plots.use_large_text(large)
    display(HTML(_PAGE_CSS + (_LARGE_PAGE_CSS if plots.session_style().large else "")))


# ---------------------------------------------------------------------- controls


def _value(scenario: Scenario, name: str) -> Any:
    """Current value of a dotted name; a section that is None gives its default."""
    section, _, field = name.rpartition(".")
    if section and getattr(scenario, section) is None:
        return getattr(params.SECTIONS[section](), field)
    return scenario.get(name)


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0


def _log_floor(meta: Mapping[str, Any], value: float) -> float:
    """Lowest value of a log slider: the field's minimum, or its step if the minimum is 0."""
    low = float(meta["min"]) if meta["min"] > 0 else float(meta["step"])
    return min(low, value) if value > 0 else low


def make_control(scenario: Scenario, name: str, *, large: bool = False) -> widgets.Widget:
    """Build the control of one parameter from its metadata.

    Numbers get a slider with the field's label and units, range and step
    (``FloatLogSlider`` for log-scaled fields, ``IntSlider`` for integers), named
    choices a dropdown. Sliders use ``continuous_update=False``: they report a value
    when released (or on each arrow key press), not while dragged.

    Parameters
    ----------
    scenario : Scenario
        Gives the starting value.
    name : str
        Dotted parameter name, e.g. ``"growth.birth_rate"`` or ``"max_cells"``.
    large : bool, optional
        Wider controls for projectors.

    Returns
    -------
    ipywidgets.Widget

    Raises
    ------
    ValueError
        If ``name`` is not a parameter with a range or named choices.

    Notes
    -----
    A log slider cannot show 0: for a field whose minimum is 0 (e.g. the escape
    mutation rate) the slider's lowest value is the field's step, and a starting value
    of 0 is kept until the slider is moved.
    """
    meta = params.dotted_spec(name)
    value = _value(scenario, name)
    units = f" ({meta['units']})" if meta["units"] else ""
    common = {
        "description": f"{meta['label']}{units}",
        "tooltip": meta["help"],
        "style": {"description_width": "25em"},
        "layout": widgets.Layout(width="50em", max_width="100%"),
    }
    if meta["choices"]:
        options = list(meta["choices"])
        if value not in options:
            options.append(value)
        return widgets.Dropdown(options=options, value=value, **common)
    if meta.get("min") is None:
        raise ValueError(f"{name!r} has no range or choices, so it has no control.")
    if meta["log"]:
        low = _log_floor(meta, float(value))
        return widgets.FloatLogSlider(
            value=max(float(value), low), base=10, min=math.log10(low),
            max=math.log10(meta["max"]), step=0.1,
            # rates as decimals a student reads (0.0016), cell counts as 1.0e+5
            readout_format=".2r" if meta["max"] <= 1 else ".1e",
            continuous_update=False, **common)
    if meta["integer"]:
        return widgets.IntSlider(value=int(value), min=int(meta["min"]), max=int(meta["max"]),
                                 step=int(meta["step"]), continuous_update=False, **common)
    return widgets.FloatSlider(value=float(value), min=meta["min"], max=meta["max"],
                               step=meta["step"], readout_format=f".{_decimals(meta['step'])}f",
                               continuous_update=False, **common)


def _fresh_seed() -> int:
    """A new seed a student can read and type again (fresh OS entropy, no global state)."""
    return int(np.random.default_rng().integers(1, 1_000_000))


def _error_html(exc: Exception) -> str:
    if isinstance(exc, ValueError):
        message = str(exc)
    else:
        message = (f"{type(exc).__name__}: {exc} (an unexpected error; please report it "
                   f"to the cinlab authors)")
    return (f'<div role="alert" style="color:#A33A00"><b>Problem:</b> {html.escape(message)} '
            f"The figures still show the last good result.</div>")


# --------------------------------------------------------------------- explorers


class Explorer(widgets.VBox):
    """Shared machinery of the explorers (use the ``explore_*`` functions).

    Parameters
    ----------
    scenario : Scenario
        The starting scenario (Reset returns to it).
    controls : sequence of str
        Dotted parameter names to make controls for.
    seed : int or None
        Starting seed (None draws one).
    large : bool or None
        Bigger text; None uses :func:`setup`'s choice.
    auto_run : bool
        Simulate on every change (single runs) or wait for the Run button (cohorts).
    presets : bool
        Show the preset dropdown.
    """

    run_label = "Run"

    def __init__(self, scenario: Any, controls: Sequence[str], seed: int | None,
                 large: bool | None, auto_run: bool, presets: bool = True) -> None:
        super().__init__()
        self.style = plots.style_for(large)
        self.large = self.style.large
        self.auto_run = auto_run
        self.start_scenario = scenario
        self.start_seed = _fresh_seed() if seed is None else int(seed)
        self._base = scenario
        self.scenario = scenario
        self.result: Any = None
        reference = self._reference(scenario)
        self.controls = {name: make_control(reference, name, large=self.large)
                         for name in controls}
        self._values = {name: _value(reference, name) for name in controls}
        self._quiet = False
        for name, control in self.controls.items():
            control.observe(self._control_changed(name), names="value")
        self.preset = widgets.Dropdown(
            options=[("(as given)", "")] + [(n, n) for n in scenarios.names()], value="",
            description="Preset", tooltip="Load a named scenario",
            layout=widgets.Layout(width="16em", display=None if presets else "none"))
        self.preset.observe(self._preset_changed, names="value")
        self.reset_button = widgets.Button(description="Reset",
                                           tooltip="Back to the starting values")
        self.reset_button.on_click(lambda _: self.reset())
        self.seed_box = widgets.BoundedIntText(value=self.start_seed, min=0, max=2**31 - 1,
                                               description="Seed",
                                               tooltip="Same seed, same result",
                                               layout=widgets.Layout(width="13em"))
        self.seed_box.observe(self._seed_changed, names="value")
        self.new_seed_button = widgets.Button(description="New seed",
                                              tooltip="Draw another random seed")
        self.new_seed_button.on_click(lambda _: self._new_seed())
        self.run_button = widgets.Button(description=self.run_label, button_style="primary",
                                         tooltip="Simulate with these settings",
                                         layout=widgets.Layout(width="auto"))
        self.run_button.on_click(lambda _: self.update())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="Progress",
                                            layout=widgets.Layout(
                                                width="20em",
                                                display=None if not auto_run else "none"))
        self.status = widgets.HTML()
        self.summary = widgets.HTML()
        self.captions: dict[str, widgets.HTML] = {}
        self.figures: dict[str, Any] = {}
        self.sources: dict[str, Any] = {}
        self._views: list[widgets.Widget] = []
        self._header = widgets.HBox([self.preset, self.reset_button, self.seed_box,
                                     self.new_seed_button, self.run_button],
                                    layout=widgets.Layout(flex_flow="row wrap"))
        self._controls_box = widgets.VBox(list(self.controls.values()))
        self._figure_box = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.layout.width = "100%"
        self.layout.max_width = f"{self.style.max_width + 60}px"
        self.add_class("cinlab-explorer")
        if self.large:
            self.add_class("cinlab-large")
        self.children = [widgets.HTML(_CSS), self._header, self._controls_box,
                         widgets.HBox([self.progress, self.status]), self._figure_box]
        self.update()

    # -------------------------------------------------------- to be specialised

    def _reference(self, scenario: Any) -> Scenario:
        """The scenario the controls start from."""
        return scenario

    def _compute(self, scenario: Any, seed: int) -> Any:
        raise NotImplementedError

    def _figures(self, result: Any) -> dict[str, Any]:
        """Build the figures, by name, for a first result."""
        raise NotImplementedError

    def _describe(self, name: str, result: Any) -> str:
        raise NotImplementedError

    def _apply(self, base: Any, changes: Mapping[str, Any]) -> Any:
        return base.replace(**changes) if changes else base

    # ----------------------------------------------------------------- actions

    def scenario_from_controls(self) -> Any:
        """Build the scenario the controls describe.

        Returns
        -------
        Scenario
            The current base (starting scenario or preset) with every control that
            differs from it applied.

        Raises
        ------
        ValueError
            If the combination is invalid (the message says why in plain words).
        """
        reference = self._reference(self._base)
        changes = {n: v for n, v in self._values.items() if v != _value(reference, n)}
        return self._apply(self._base, changes)

    def _set_progress(self, value: int) -> None:
        """Move the progress bar (called from inside a cohort simulation)."""
        self.progress.value = min(int(value), self.progress.max)

    def update(self) -> bool:
        """Simulate with the current settings and show the result.

        Never raises: an error is shown in the status line and the figures keep the
        last good result.

        Returns
        -------
        bool
            Whether the figures now show a new result.
        """
        self.run_button.disabled = True
        self.status.value = "<i>Simulating\u2026</i>"
        if not kernels.is_ready():
            kernels.prepare(lambda msg: setattr(self.status, "value", f"<i>{msg}</i>"))
            self.status.value = "<i>Simulating\u2026</i>"
        try:
            scenario = self.scenario_from_controls()
            seed = int(self.seed_box.value)
            start = time.perf_counter()
            result = self._compute(scenario, seed)
            elapsed = time.perf_counter() - start
            self._show(result)
        except Exception as exc:  # nothing may reach the kernel
            self.status.value = _error_html(exc)
            return False
        finally:
            self.run_button.disabled = False
        self.scenario, self.result = scenario, result
        self.status.value = (f"<b>Up to date.</b> Seed {seed}; simulated in "
                             f"{elapsed:.2f} s.")
        return True

    def reset(self) -> None:
        """Go back to the starting scenario, controls and seed.

        An explorer that waits for its Run button also empties its figures and texts,
        so that nothing on screen belongs to other settings.
        """
        self._quiet = True
        try:
            self.preset.value = ""
            self.seed_box.value = self.start_seed
        finally:
            self._quiet = False
        self._set_base(self.start_scenario)
        if not self.auto_run:
            self.clear()
        self._changed()

    def clear(self) -> None:
        """Empty every figure and text; ``result`` becomes None until the next run."""
        for fig in self.figures.values():
            plots.clear_figure(fig, f"Press {self.run_label} to simulate")
        for caption in self.captions.values():
            caption.value = ""
        self.result = None
        self.progress.value = 0

    def _set_base(self, base: Any) -> None:
        self._base = base
        reference = self._reference(base)
        self._values = {name: _value(reference, name) for name in self.controls}
        self._quiet = True
        try:
            for name, control in self.controls.items():
                value = self._values[name]
                if isinstance(control, widgets.FloatLogSlider):
                    value = max(float(value), control.base ** control.min)
                control.value = value
        finally:
            self._quiet = False

    def _changed(self) -> None:
        if self.auto_run:
            self.update()
        else:
            self.status.value = (f"Settings changed: press <b>{self.run_label}</b> to "
                                 f"simulate.")

    def _control_changed(self, name: str) -> Callable[[dict], None]:
        def changed(change: dict) -> None:
            if self._quiet:
                return
            self._values[name] = change["new"]
            self._changed()
        return changed

    def _preset_changed(self, change: dict) -> None:
        if self._quiet:
            return
        try:
            base = scenarios.get(change["new"]) if change["new"] else self.start_scenario
        except Exception as exc:  # nothing may reach the kernel
            self.status.value = _error_html(exc)
            return
        self._set_base(base)
        self._changed()

    def _seed_changed(self, change: dict) -> None:
        if not self._quiet:
            self._changed()

    def _new_seed(self) -> None:
        self.seed_box.value = _fresh_seed()

    # ----------------------------------------------------------------- display

    def _show(self, result: Any) -> None:
        """Show a result: build the figures the first time, refill them afterwards.

        All figures change or none: every new text and every figure's data are
        computed first, and only then assigned.
        """
        if not self.figures:
            figures = self._figures(result)
            texts = {name: self._caption(name, result) for name in figures}
            self._build_views(figures)
        else:
            texts = {name: self._caption(name, result) for name in self.figures}
            updates = [self._prepare(name, fig, result) for name, fig in self.figures.items()]
            for apply in updates:
                apply()
        for name, text in texts.items():
            self.captions[name].value = text

    def _caption(self, name: str, result: Any) -> str:
        """The HTML text under a figure."""
        return f"<p>{html.escape(self._describe(name, result))}</p>"

    def _prepare(self, name: str, fig: Any, result: Any) -> Callable[[], None]:
        """Compute a figure's new content; the returned function only assigns it."""
        return plots.prepare_update(fig, result)

    def _build_views(self, figures: Mapping[str, Any]) -> None:
        """Show each figure under its text (the text first, so that it stays on screen).

        Beyond two figures each gets a tab, so that the explorer fits one screen.
        """
        self.figures = dict(figures)
        views: list[widgets.Widget] = []
        for i, (name, fig) in enumerate(self.figures.items()):
            caption = self.summary if i == 0 else widgets.HTML()
            caption.layout.width = "100%"
            self.captions[name] = caption
            views.append(widgets.VBox([caption, BokehModel(fig, layout=widgets.Layout(
                width="100%"))], layout=widgets.Layout(width="100%")))
            for key, source in plots.sources(fig).items():
                self.sources[key if key not in self.sources else f"{name}.{key}"] = source
        if len(views) > _MAX_STACKED:
            tabs = widgets.Tab(children=views, layout=widgets.Layout(width="100%"))
            tabs.titles = tuple(_TAB_TITLES.get(name, name) for name in self.figures)
            views = [tabs]
        self._figure_box.children = views


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
            return plots.describe_cohort(cohort, subject=self.subject)
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


def _check_n_runs(n_runs: Any) -> int:
    if isinstance(n_runs, bool) or not isinstance(n_runs, int) or not 1 <= n_runs <= 10000:
        raise ValueError(f"n_runs must be an integer in [1, 10000]. Got {n_runs!r}.")
    return n_runs


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


# -------------------------------------------------------------------------- quiz


class Quiz(widgets.VBox):
    """A multiple-choice question with immediate feedback (see :func:`quiz`)."""

    def __init__(self, question: str, options: Sequence[tuple[str, bool, str]]) -> None:
        checked = []
        for option in options:
            if not (isinstance(option, tuple | list) and len(option) == 3
                    and isinstance(option[0], str) and isinstance(option[1], bool)
                    and isinstance(option[2], str)):
                raise ValueError("each quiz option must be (text, correct, explanation), "
                                 f"e.g. ('Yes', True, 'Because ...'). Got {option!r}.")
            checked.append(tuple(option))
        if len(checked) < 2 or not any(correct for _, correct, _ in checked):
            raise ValueError("a quiz needs at least two options, one of them correct.")
        self.options = checked
        self.question = widgets.HTML(f"<p><b>{html.escape(question)}</b></p>")
        self.choices = widgets.RadioButtons(
            options=[(text, i) for i, (text, _, _) in enumerate(checked)], value=None,
            layout=widgets.Layout(width="auto"), description="",
            tooltip="Choose an answer with the arrow keys or a click")
        self.feedback = widgets.HTML()
        self.choices.observe(self._answered, names="value")
        super().__init__([self.question, self.choices, self.feedback])
        self.add_class("cinlab-quiz")

    def _answered(self, change: dict) -> None:
        if change["new"] is None:
            self.feedback.value = ""
            return
        _text, correct, explanation = self.options[change["new"]]
        verdict = ('<b style="color:#006B4F">\u2714 Correct.</b>' if correct
                   else '<b style="color:#A33A00">\u2718 Not quite.</b>')
        self.feedback.value = f'<p role="status">{verdict} {html.escape(explanation)}</p>'

    @property
    def correct(self) -> bool | None:
        """Whether the chosen answer is correct (None before an answer)."""
        if self.choices.value is None:
            return None
        return self.options[self.choices.value][1]


def quiz(question: str, options: Sequence[tuple[str, bool, str]]) -> Quiz:
    """A multiple-choice self-check question with immediate feedback.

    Radio buttons (arrow keys move between them); choosing an option shows whether it
    is correct and its explanation.

    Parameters
    ----------
    question : str
        The question.
    options : sequence of (str, bool, str)
        ``(text, correct, explanation)`` for each option; at least two, one correct.

    Returns
    -------
    Quiz
        A widget; ``.choices`` holds the radio buttons, ``.feedback`` the answer.

    Raises
    ------
    ValueError
        If the options are malformed.
    """
    return Quiz(question, options)
