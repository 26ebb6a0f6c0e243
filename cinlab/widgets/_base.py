"""Shared machinery of the explorers in :mod:`cinlab.widgets`: page setup, controls, Explorer.

:func:`setup` prepares a notebook's page, :func:`make_control` builds a parameter's control
from its metadata and :class:`Explorer` is the base class of every explorer (controls,
buttons, status line, figures updated all together or not at all). Everything public here
is reached through :mod:`cinlab.widgets`.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import params, plots, scenarios
from ..engine import kernels
from ..figure_widget import FigureWidget
from ..params import Scenario

__all__ = ["DEFAULT_COHORT_CONTROLS", "DEFAULT_KARYOTYPE_CONTROLS", "DEFAULT_RUN_CONTROLS",
           "Explorer", "make_control", "setup"]

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
#: Projector mode: the lesson's own text (Markdown and printed output), its quizzes,
#: prediction boxes and the prediction note above a gated explorer at 20 px too.
_LARGE_PAGE_CSS = """<style>
.jp-RenderedMarkdown, .jp-RenderedMarkdown p, .jp-RenderedMarkdown li,
.jp-OutputArea-output pre, .jp-RenderedText pre { font-size: 20px; line-height: 1.45; }
.cinlab-quiz, .cinlab-prediction {
  --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 38px;
  font-size: 20px;
}
.cinlab-quiz .widget-html-content, .cinlab-quiz .widget-label, .cinlab-quiz label,
.cinlab-prediction .widget-html-content, .cinlab-prediction .widget-label,
.cinlab-prediction label, .cinlab-gated > .widget-html .widget-html-content {
  font-size: 20px;
}
</style>"""
#: Figures shown one under the other; beyond this many each figure gets a tab. One: two
#: stacked figures (a cohort's runs and its survival curve) make an explorer about
#: 1260 px tall, and a laptop at 1366×768 shows about 650 px of a notebook.
_MAX_STACKED = 1
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
        # the longest label with its units ("Missegregation (CIN) (per chromosome copy
        # per division)") fits 30em; the slider keeps 26em
        "style": {"description_width": "30em"},
        "layout": widgets.Layout(width="56em", max_width="100%"),
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
                                            style={"description_width": "initial"},
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
        #: The result of the starting settings (None if they failed), kept whatever the
        #: controls do later: what a lesson prints under an explorer, labelled as such,
        #: so that printed numbers never seem to describe a plot that has moved on (the
        #: app cannot re-run a cell).
        self.first_result: Any = self.result

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

        Beyond one figure each gets a tab, so that the explorer fits one laptop screen.
        """
        self.figures = dict(figures)
        views: list[widgets.Widget] = []
        for i, (name, fig) in enumerate(self.figures.items()):
            caption = self.summary if i == 0 else widgets.HTML()
            # full width without ipywidgets' 2 px side margins, which would make the
            # text 4 px wider than its box: a sideways scroll under every figure
            caption.layout.width, caption.layout.margin = "100%", "2px 0px"
            self.captions[name] = caption
            views.append(widgets.VBox([caption, FigureWidget(fig, layout=widgets.Layout(
                width="100%"))], layout=widgets.Layout(width="100%")))
            for key, source in plots.sources(fig).items():
                self.sources[key if key not in self.sources else f"{name}.{key}"] = source
        if len(views) > _MAX_STACKED:
            tabs = widgets.Tab(children=views, layout=widgets.Layout(width="100%",
                                                                     margin="2px 0px"))
            tabs.titles = tuple(_TAB_TITLES.get(name, name) for name in self.figures)
            views = [tabs]
        self._figure_box.children = views
