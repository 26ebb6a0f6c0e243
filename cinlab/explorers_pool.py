"""Explorers of lesson 06: result cards, the class's pooled cohort, power and robustness.

They are reached through :mod:`cinlab.widgets` (``widgets.pool_cards()``,
``widgets.explore_power()``, ``widgets.explore_robustness()``); the cohort explorers there
get their "Save result card" button from :class:`CardSaver`. Like the other explorers,
nothing raised by a control reaches the kernel: problems are shown in plain words.
"""

from __future__ import annotations

import base64
import html
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import ipywidgets as widgets
import numpy as np
from bokeh.models import (
    ColumnDataSource,
    FactorRange,
    HoverTool,
    LinearColorMapper,
    Range1d,
)
from bokeh.models.annotations import ColorBar, Span
from bokeh.palettes import PuOr9
from bokeh.plotting import figure

from . import cards, robustness
from .cohort import Cohort, check_executor
from .figure_widget import FigureWidget
from .params import Scenario
from .pool_view import COLORS, figure_frame, pool_figure
from .power import Pool, PowerCurve, power_curve, simulate_pool

__all__ = ["CardSaver", "PoolExplorer", "PowerExplorer", "RobustnessExplorer",
           "explore_power", "explore_robustness", "heatmap_figure", "pool_cards",
           "power_figure"]



def _problem(exc: Exception) -> str:
    message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    return f'<div role="alert" style="color:#A33A00"><b>Problem:</b> {html.escape(message)}</div>'


def _attempt(status: widgets.HTML, compute: Callable[[], Any]) -> Any:
    """``compute()``, or None with the problem shown in ``status``: nothing reaches the kernel."""
    try:
        return compute()
    except Exception as exc:
        status.value = _problem(exc)
        return None


def _count_slider(value: int, low: int, high: int, step: int, text: str) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=text,
                             continuous_update=False, style={"description_width": "12em"},
                             layout=widgets.Layout(width="36em"))


# ------------------------------------------------------------------- result cards


def _file_name(group: str, seed: Any) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", group).strip("-").lower() or "group"
    return f"card-{slug}-seed{seed}.json"


class CardSaver(widgets.HBox):
    """The "Save result card" button of a cohort explorer and its download link.

    Parameters
    ----------
    result : callable
        Returns the explorer's last good result (a Cohort or arms of Cohorts).
    seed : callable
        Returns the seed shown in the explorer (used in the file name).
    """

    def __init__(self, result: Callable[[], Any], seed: Callable[[], Any]) -> None:
        self._result, self._seed = result, seed
        self.group = widgets.Text(value="", placeholder="e.g. Team Kras",
                                  description="Group name",
                                  style={"description_width": "initial"},
                                  layout=widgets.Layout(width="22em"))
        # sized to their text: in projector mode the default widths clip it
        self.button = widgets.Button(description="Save result card",
                                     tooltip="Make a small file with your mice's outcomes, "
                                     "to pool with the class",
                                     layout=widgets.Layout(width="auto"))
        self.link = widgets.HTML()
        self.text: str | None = None
        self.button.on_click(lambda _: self.save())
        super().__init__([self.group, self.button, self.link],
                         layout=widgets.Layout(flex_flow="row wrap"))

    def save(self) -> bool:
        """Make the card of the current result and show its download link."""
        def card() -> str:
            result = self._result()
            if result is None:
                raise ValueError("there is no result yet: press Run first.")
            return cards.save_card(result, self.group.value)

        text = _attempt(self.link, card)
        if text is None:
            return False
        self.text = text
        name = _file_name(self.group.value, self._seed())
        data = base64.b64encode(self.text.encode()).decode()
        self.link.value = (f'<a download="{html.escape(name)}" '
                           f'href="data:application/json;base64,{data}" '
                           f'style="font-weight:bold">Download {html.escape(name)}</a> '
                           f"({len(self.text) / 1000:.1f} kB): give this file to your teacher.")
        return True


# ------------------------------------------------------------------------ pooling


class PoolExplorer(widgets.VBox):
    """Pool the class's result cards (see :func:`pool_cards`)."""

    def __init__(self, sources: Sequence[Any], folder: str, large: bool) -> None:
        self.large = large
        self.start_sources = list(sources)
        self.upload = widgets.FileUpload(accept=".json", multiple=True,
                                         description="Add cards",
                                         tooltip="Choose the groups' card files")
        self.folder = widgets.Text(value=folder, description="or folder",
                                   placeholder="e.g. /home/shared/cards",
                                   layout=widgets.Layout(width="28em"))
        self.pool_button = widgets.Button(description="Pool", button_style="primary",
                                          tooltip="Pool every card again")
        self.errors = widgets.HTML()
        self.summary = widgets.HTML()
        self.result: cards.Pool | None = None
        #: The pool of the starting cards (see :class:`cinlab.widgets.Explorer`).
        self.first_result: cards.Pool | None = None
        self.figure: figure | None = None
        self._figure_box = widgets.VBox()
        self.upload.observe(lambda _: self.update(), names="value")
        self.pool_button.on_click(lambda _: self.update())
        super().__init__([widgets.HBox([self.upload, self.folder, self.pool_button],
                                       layout=widgets.Layout(flex_flow="row wrap")),
                          self.errors, self._figure_box, self.summary])
        self.add_class("cinlab-explorer")  # explorer styles and layout checks apply
        self.update()
        self.first_result = self.result

    def sources(self) -> list[Any]:
        """Every card given: at the start, uploaded, and in the folder."""
        out = self.start_sources + list(self.upload.value)
        if self.folder.value.strip():
            out.append(self.folder.value.strip())
        return out

    def update(self) -> bool:
        """Pool every card again and redraw; never raises."""
        result = _attempt(self.errors, lambda: cards.pool(self.sources()))
        if result is None:
            return False
        fig = pool_figure(result, large=self.large) if result.arms else None
        self.result, self.figure = result, fig
        self.errors.value = "".join(
            f'<div role="alert" style="color:#A33A00">Left out: {html.escape(e)}</div>'
            for e in result.errors)
        self._figure_box.children = [FigureWidget(fig)] if fig is not None else []
        self.summary.value = f"<p>{html.escape(result.describe())}</p>"
        return True


def pool_cards(cards_: Sequence[Any] = (), folder: str = "", *,
               large: bool = False) -> PoolExplorer:
    """Pool result cards: upload files or name a shared folder, see the class's result.

    Each group's relapse-free curve is drawn faintly, the pooled curve boldly with its
    95% band (it narrows as cards are added); the pooled log-rank test is given in words.
    A card that cannot be pooled is listed with the reason; the others still pool.

    Parameters
    ----------
    cards_ : sequence, optional
        Cards to start with (see :func:`cinlab.cards.pool`: files, ``(name, text)``...).
    folder : str, optional
        A folder whose ``*.json`` cards are pooled (e.g. a JupyterHub share).
    large : bool, optional
        Bigger text for projectors.

    Returns
    -------
    PoolExplorer
        ``.result`` is the last :class:`~cinlab.cards.Pool`; ``.upload`` the file picker.
    """
    return PoolExplorer(cards_, folder, large)


# -------------------------------------------------------------------------- power


def power_figure(curve: PowerCurve, *, mark: int | None = None, target: float = 0.8,
                 large: bool = False) -> figure:
    """Power against mice per arm, with its 95% Monte Carlo band and the target line."""
    fig = figure_frame(large, f"Chance of p < {curve.alpha:g} ({curve.n_experiments} experiments "
                  f"per size)", "Mice per arm", "Chance of a significant result",
                  y_range=Range1d(start=0.0, end=1.02))
    source = ColumnDataSource({"n": curve.sizes, "power": curve.power, "low": curve.low,
                               "high": curve.high, "percent": 100 * curve.power},
                              name="power")
    fig.varea("n", "low", "high", source=source, fill_color=COLORS[0], fill_alpha=0.2,
              legend_label="95% Monte Carlo band")
    line = fig.line("n", "power", source=source, line_color=COLORS[0], line_width=3,
                    legend_label="power")
    fig.scatter("n", "power", source=source, size=9, color=COLORS[0])
    fig.add_layout(Span(location=target, dimension="width", line_dash="dashed",
                        line_color="#555555"))
    if mark is not None:
        fig.add_layout(Span(location=mark, dimension="height", line_dash="dotted",
                            line_color=COLORS[1], line_width=2))
    fig.add_tools(HoverTool(renderers=[line], tooltips=[("Mice per arm", "@n"),
                                                         ("Power", "@percent{0}%")]))
    fig.legend.location = "bottom_right"
    return fig


class PowerExplorer(widgets.VBox):
    """How many mice per arm? (see :func:`explore_power`)."""

    def __init__(self, arms: Mapping[str, Any], sizes: Sequence[int], n_experiments: int,
                 pool_size: int, seed: int, executor: Executor | None, large: bool) -> None:
        if not isinstance(arms, Mapping) or len(arms) != 2:
            raise ValueError("explore_power needs two arms, e.g. {'TI-K': a, 'TI-KM': b} "
                             "(Cohorts or Scenarios).")
        self.arms = dict(arms)
        self.pool_size, self.seed, self.executor, self.large = pool_size, seed, executor, large
        self.pools: dict[str, Cohort | Pool] | None = None
        self.sizes = widgets.Text(value=", ".join(str(n) for n in sizes),
                                  description="Mice per arm",
                                  tooltip="Experiment sizes to try, separated by commas",
                                  style={"description_width": "initial"},
                                  layout=widgets.Layout(width="30em"))
        self.experiments = _count_slider(n_experiments, 100, 2000, 100, "Experiments per size")
        self.group_n = widgets.BoundedIntText(value=0, min=0, max=10_000,
                                              description="Your group's n",
                                              tooltip="Mice per arm in your group (0: none)",
                                              style={"description_width": "initial"},
                                              layout=widgets.Layout(width="16em"))
        # not "Run...": that label marks the lessons' simulation explorers
        self.run_button = widgets.Button(description="Simulate experiments",
                                         button_style="primary",
                                         tooltip="Draw the experiments and test each one",
                                         layout=widgets.Layout(width="auto"))
        self.run_button.on_click(lambda _: self.update())
        self.status = widgets.HTML()
        self.summary = widgets.HTML()
        self.result: PowerCurve | None = None
        #: The curve of the starting settings (see :class:`cinlab.widgets.Explorer`).
        self.first_result: PowerCurve | None = None
        self.figure: figure | None = None
        self._figure_box = widgets.VBox()
        super().__init__([widgets.HBox([self.sizes, self.group_n, self.run_button],
                                       layout=widgets.Layout(flex_flow="row wrap")),
                          self.experiments, self.status, self._figure_box, self.summary])
        self.add_class("cinlab-explorer")  # explorer styles and layout checks apply
        if all(isinstance(a, Cohort) for a in self.arms.values()):
            self.update()
            self.first_result = self.result
        else:
            self.status.value = ("Press <b>Simulate experiments</b>: each arm is simulated once "
                                 "as a pool of "
                                 f"{pool_size} mice, then experiments are drawn from it.")

    def _pools(self) -> dict[str, Cohort | Pool]:
        if self.pools is None:
            pools: dict[str, Cohort | Pool] = {}
            for name, arm in self.arms.items():
                if isinstance(arm, Scenario):
                    # each mouse only until its outcome is known; kept for later explorers
                    arm = simulate_pool(arm, n_runs=self.pool_size, seed=self.seed,
                                        executor=self.executor)
                elif not isinstance(arm, Cohort):
                    raise ValueError(f"arm {name!r} must be a Cohort or a Scenario. "
                                     f"Got {type(arm).__name__}.")
                pools[name] = arm
            self.pools = pools
        return self.pools

    def _curve(self) -> PowerCurve:
        try:
            sizes = [int(s) for s in self.sizes.value.replace(";", ",").split(",") if s.strip()]
        except ValueError:
            raise ValueError(f"Mice per arm must be whole numbers separated by commas. "
                             f"Got {self.sizes.value!r}.") from None
        a, b = self._pools().values()
        return power_curve(a, b, sizes=sizes, n_experiments=self.experiments.value,
                           seed=self.seed)

    def update(self) -> bool:
        """Draw the experiments again with the current settings; never raises."""
        self.status.value = "<i>Simulating experiments\u2026</i>"
        start = time.perf_counter()
        curve = _attempt(self.status, self._curve)
        if curve is None:
            return False
        fig = power_figure(curve, mark=self.group_n.value or None, large=self.large)
        self.result, self.figure = curve, fig
        self._figure_box.children = [FigureWidget(fig)]
        names = list(self.arms)
        self.status.value = (f"<b>Up to date</b> in {time.perf_counter() - start:.1f} s: "
                             f"experiments drawn from pools of {curve.pool_sizes[0]} "
                             f"{names[0]} and {curve.pool_sizes[1]} {names[1]} treated mice.")
        self.summary.value = f"<p>{html.escape(curve.describe())}</p>"
        return True


def explore_power(arms: Mapping[str, Any], sizes: Sequence[int] = (5, 10, 15, 20, 30, 40),
                  n_experiments: int = 400, *, pool_size: int = 200, seed: int = 2010,
                  executor: Executor | None = None, large: bool = False) -> PowerExplorer:
    """Show how many mice per arm an experiment needs to detect the difference.

    Each arm is one pool of simulated mice: the Cohorts given (e.g. the class's pooled
    cards), or Scenarios simulated once as ``pool_size`` mice. Experiments of n mice per
    arm are drawn from the pools with replacement and analysed by a log-rank test; the
    curve is the share with p < 0.05, with its 95% Monte Carlo band.

    Parameters
    ----------
    arms : mapping of two names to Cohort or Scenario
        E.g. ``{"TI-K": ..., "TI-KM": ...}``.
    sizes : sequence of int, optional
        Mice per arm to try.
    n_experiments : int, optional
        Experiments per size.
    pool_size : int, optional
        Mice simulated per arm when Scenarios are given.
    seed : int, optional
        Seed of the pools and of the resampling.
    executor : concurrent.futures.Executor, optional
        Spread the pools' simulation over worker processes.
    large : bool, optional
        Bigger text for projectors.

    Returns
    -------
    PowerExplorer
        ``.result`` is the last :class:`~cinlab.power.PowerCurve`.
    """
    return PowerExplorer(arms, sizes, n_experiments, pool_size, seed, check_executor(executor),
                         large)


# --------------------------------------------------------------------- robustness


def heatmap_figure(table: Any, x: str, y: str, *, large: bool = False) -> figure:
    """The TI-KM/TI-K relapse ratio over two assumptions, as a labelled heat map.

    Each square is coloured by the log2 of the ratio (capped at 3, i.e. x8; a ratio with
    no TI-K relapse counts as the cap, with no relapse at all as 1) and labelled with both
    relapse fractions, so colour is never the only cue.
    """
    cols = table.columns
    xs = list(dict.fromkeys(cols["x"].tolist()))
    ys = list(dict.fromkeys(cols["y"].tolist()))
    ratio = np.asarray(cols["ratio"], dtype=np.float64)
    with np.errstate(divide="ignore"):
        shade = np.clip(np.log2(np.where(np.isfinite(ratio), ratio, 8.0)), -3, 3)
    shade = np.where(np.isnan(ratio), 0.0, shade)
    k = np.asarray(cols["relapse_ti_k"], dtype=float)
    km = np.asarray(cols["relapse_ti_km"], dtype=float)
    # both fractions, not the ratio alone: with no TI-K relapse the ratio is undefined
    label = [f"{b:.0%} vs {a:.0%}" for a, b in zip(k.tolist(), km.tolist(), strict=True)]
    ratio_text = ["undefined" if not math.isfinite(r) else f"\u00d7{r:.2g}"
                  for r in ratio.tolist()]
    source = ColumnDataSource({"x": cols["x"].tolist(), "y": cols["y"].tolist(),
                               "shade": shade, "label": label, "ratio": ratio_text,
                               "k": 100 * k, "km": 100 * km},
                              name="ratio")
    fig = figure_frame(large, "Relapse TI-KM vs TI-K (colour: their ratio)",
                  robustness.ASSUMPTIONS[x].label, robustness.ASSUMPTIONS[y].label,
                  x_range=FactorRange(*xs), y_range=FactorRange(*ys))
    mapper = LinearColorMapper(palette=list(PuOr9), low=-3, high=3)
    cells = fig.rect("x", "y", 1, 1, source=source, line_color="white",
                     fill_color={"field": "shade", "transform": mapper})
    fig.text("x", "y", text="label", source=source, text_align="center",
             text_baseline="middle", text_font_size="20px" if large else "15px")
    fig.add_layout(ColorBar(color_mapper=mapper, title="log2 of TI-KM/TI-K (capped at 3)"),
                   "right")
    fig.add_tools(HoverTool(renderers=[cells], tooltips=[
        ("TI-K relapse", "@k{0}%"), ("TI-KM relapse", "@km{0}%"), ("ratio", "@ratio")]))
    return fig


def describe_ratios(table: Any, x: str, y: str) -> str:
    """Every point of a ratio table in words."""
    cols = table.columns
    parts = []
    for xv, yv, k, km in zip(cols["x"].tolist(), cols["y"].tolist(),
                             cols["relapse_ti_k"].tolist(), cols["relapse_ti_km"].tolist(),
                             strict=True):
        parts.append(f"{robustness.ASSUMPTIONS[x].label} {xv}, "
                     f"{robustness.ASSUMPTIONS[y].label} {yv}: TI-K {k:.0%}, TI-KM {km:.0%}.")
    ratio = np.asarray(cols["ratio"], dtype=float)
    above = int(np.sum(ratio > 1))
    parts.append(f"TI-KM relapsed more often than TI-K at {above} of {ratio.size} points.")
    return " ".join(parts)


class RobustnessExplorer(widgets.VBox):
    """Vary two assumptions at a time (see :func:`explore_robustness`)."""

    def __init__(self, x: str, y: str, n_runs: int, seed: int,
                 executor: Executor | None, large: bool, run: bool,
                 grids: Mapping[str, Sequence], base: Mapping[str, Scenario] | None) -> None:
        self.grids, self.base = dict(grids), base
        options = [(a.label, key) for key, a in robustness.ASSUMPTIONS.items()]
        self.x = widgets.Dropdown(options=options, value=x, description="Across",
                                  layout=widgets.Layout(width="34em"))
        self.y = widgets.Dropdown(options=options, value=y, description="Down",
                                  layout=widgets.Layout(width="34em"))
        self.n_runs = _count_slider(n_runs, 5, 200, 5, "Mice per arm and point")
        self.seed, self.executor, self.large = seed, executor, large
        self.run_button = widgets.Button(description="Simulate grid", button_style="primary",
                                         tooltip="Simulate both arms at every point",
                                         layout=widgets.Layout(width="auto"))
        self.run_button.on_click(lambda _: self.update())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="Progress")
        self.status = widgets.HTML("Choose two assumptions, then press <b>Simulate grid</b>.")
        self.summary = widgets.HTML()
        self.result = None
        self.figure: figure | None = None
        self._figure_box = widgets.VBox()
        super().__init__([self.x, self.y, widgets.HBox([self.n_runs, self.run_button]),
                          widgets.HBox([self.progress, self.status]), self._figure_box,
                          self.summary])
        self.add_class("cinlab-explorer")  # explorer styles and layout checks apply
        if run:
            self.update()

    def _report(self, done: int, total: int) -> None:
        self.progress.max = total
        self.progress.value = done

    def update(self) -> bool:
        """Simulate the grid of the two chosen assumptions; never raises."""
        x, y = self.x.value, self.y.value
        self.run_button.disabled = True
        self.status.value = "<i>Simulating\u2026</i>"
        start = time.perf_counter()
        table = _attempt(self.status, lambda: robustness.ratio_sweep(
            x, y, self.grids.get(x), self.grids.get(y), n_runs=self.n_runs.value,
            seed=self.seed, executor=self.executor, progress=self._report, base=self.base))
        self.run_button.disabled = False
        if table is None:
            return False
        fig = heatmap_figure(table, x, y, large=self.large)
        self.result, self.figure = table, fig
        self._figure_box.children = [FigureWidget(fig)]
        self.status.value = (f"<b>Up to date.</b> Seed {self.seed}; simulated in "
                             f"{time.perf_counter() - start:.1f} s.")
        self.summary.value = f"<p>{html.escape(describe_ratios(table, x, y))}</p>"
        return True


def explore_robustness(x: str = "bypass_gain", y: str = "aneuploidy_cost",
                       n_runs: int = 20, *, seed: int = 2010,
                       executor: Executor | None = None, large: bool = False,
                       run: bool = False, grids: Mapping[str, Sequence] | None = None,
                       base: Mapping[str, Scenario] | None = None) -> RobustnessExplorer:
    """The robustness lab: the TI-KM/TI-K relapse ratio over two assumptions.

    Parameters
    ----------
    x, y : str
        Keys of :data:`cinlab.robustness.ASSUMPTIONS` (chosen again by dropdowns).
    n_runs : int, optional
        Mice per arm at every point.
    seed : int, optional
        The same seed at every point and in both arms.
    executor : concurrent.futures.Executor, optional
        Spread the cohorts over worker processes (same results).
    large : bool, optional
        Bigger text for projectors.
    run : bool, optional
        Simulate at once (default: wait for the Simulate grid button, since a grid takes
        a while).
    grids : mapping of assumption key to values, optional
        Other grids than the assumptions' own small ones.
    base : mapping, optional
        The two arms varied (default: TI-K and TI-KM of the ``sotillo2010`` preset).

    Returns
    -------
    RobustnessExplorer
        ``.result`` is the last ratio :class:`~cinlab.cohort.Table`.
    """
    for name, key in (("x", x), ("y", y)):
        if key not in robustness.ASSUMPTIONS:
            raise ValueError(f"{name} must be one of {', '.join(robustness.ASSUMPTIONS)}. "
                             f"Got {key!r}.")
    return RobustnessExplorer(x, y, n_runs, seed, check_executor(executor), large, run,
                              grids or {}, base)
