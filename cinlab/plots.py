"""Bokeh figures of cinlab runs, cohorts and sweeps.

Every figure comes in two parts: a pure ``*_columns`` function that turns a result into
a dict of equal-length columns (tested without a browser), and a ``*_figure`` builder
that returns a fresh Bokeh figure drawing those columns (one figure per call: a Bokeh
model belongs to one document). :func:`update_figure` refills a figure from a new
result by replacing each ``source.data`` whole, which is what the explorers in
:mod:`cinlab.widgets` do on every change. The ``describe_*`` functions write the plain
text summary shown under each figure.

Accessibility: Okabe–Ito colours (``bokeh.palettes.Colorblind8``) and never colour
alone (line dashes, marker shapes, hatching and text carry the same information); axis
labels with units; fonts of at least 13 pt and ``large=True`` for projectors.

Log axes cannot show zero: counts of zero cells are not drawn (lines end where a
population dies out) and the axis label says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from bokeh.layouts import row
from bokeh.models import (
    ColorBar,
    ColumnDataSource,
    FixedTicker,
    HoverTool,
    LayoutDOM,
    Legend,
    LegendItem,
    LinearColorMapper,
    NumeralTickFormatter,
    Plot,
    Range1d,
)
from bokeh.palettes import Blues256, Colorblind8, RdBu, interp_palette
from bokeh.plotting import figure

from . import params, theory
from .summaries import cells_text as _cells_text
from .summaries import day_text as _day
from .summaries import describe_cohort, describe_run
from .summaries import route_words as _route_words
from .summaries import seed_text as _seed_text

__all__ = [
    "OKABE_ITO",
    "aneuploidy_columns",
    "aneuploidy_figure",
    "burden_columns",
    "burden_figure",
    "cin_window_columns",
    "clone_columns",
    "copy_number_columns",
    "copy_number_figure",
    "describe_aneuploidy",
    "describe_arms",
    "describe_cohort",
    "describe_fish",
    "describe_karyotypes",
    "describe_lineages",
    "describe_run",
    "describe_sweep",
    "event_columns",
    "fish_columns",
    "fish_figure",
    "fish_nuclei_columns",
    "karyotype_columns",
    "karyotype_figure",
    "muller_columns",
    "muller_figure",
    "muller_layout",
    "quantile_columns",
    "sources",
    "spaghetti_columns",
    "spaghetti_figure",
    "survival_columns",
    "survival_figure",
    "sweep_columns",
    "sweep_figure",
    "therapy_columns",
    "theory_columns",
    "update_figure",
    "use_large_text",
]

#: Okabe–Ito colours: blue, orange, yellow, bluish green, sky blue, vermillion,
#: reddish purple, black.
OKABE_ITO = Colorblind8
BLUE, ORANGE, YELLOW, GREEN, SKY, VERMILLION, PURPLE, BLACK = Colorblind8
GREY = "#999999"

#: Fonts and sizes for the screen and for a projector (``large=True``).
_SIZES = {
    False: {"width": 760, "height": 460, "title": "16pt", "axis": "14pt", "ticks": "13pt",
            "legend": "13pt", "text": "13pt", "cell_text": "12pt", "line": 2.5,
            "cell_w": 28, "cell_h": 22, "fish_px": 58},
    True: {"width": 920, "height": 620, "title": "22pt", "axis": "19pt", "ticks": "17pt",
           "legend": "17pt", "text": "17pt", "cell_text": "15pt", "line": 4.0,
           "cell_w": 36, "cell_h": 30, "fish_px": 74},
}
_TOOLS = "pan,box_zoom,wheel_zoom,reset,save"

#: Escape routes: colour, hatch pattern and words (colour is never the only cue).
_ROUTE_STYLE = {
    "none": (SKY, " ", "Addicted (no escape)"),
    "karyotype": (ORANGE, "/", "Escaped by chromosome gain (hatched /)"),
    "mutation": (VERMILLION, "x", "Escaped by mutation (hatched x)"),
}
#: Fill colours that tell addicted lineages apart in a Muller plot.
_ADDICTED_FILLS = (SKY, "#C9E4F6", GREEN, "#B3E0D2", GREY, "#D9D9D9", YELLOW)
#: Virtual FISH probes: colour and marker shape of the first, second and third chromosome.
_PROBES = ((YELLOW, "circle"), (VERMILLION, "triangle"), ("#CC79A7", "square"))
#: Columns of a sweep table that are results, not swept parameters.
_SWEEP_STATS = ("relapse_fraction", "relapse_low", "relapse_high", "median_relapse_time",
                "extinct_fraction", "detected_fraction", "n_runs", "n_treated")


# ----------------------------------------------------------------------- helpers


#: Whether figures use large text when a builder is not told (see use_large_text).
_DEFAULTS = {"large": False}


def use_large_text(large: bool) -> None:
    """Set whether figures built from now on use large text unless told otherwise.

    :func:`cinlab.widgets.setup` calls it, so ``setup(large=True)`` makes every figure
    of a lesson readable on a projector.

    Parameters
    ----------
    large : bool
        True for bigger fonts, lines and figures.
    """
    _DEFAULTS["large"] = bool(large)


def _large(large: bool | None) -> bool:
    return _DEFAULTS["large"] if large is None else bool(large)


def _sizes(large: bool) -> dict[str, Any]:
    return _SIZES[bool(large)]


def _new_figure(kind: str, options: Mapping[str, Any], *, large: bool, x_label: str,
                y_label: str, width: int | None = None, height: int | None = None,
                **kwargs: Any) -> figure:
    """A figure with the house style; ``kind`` and ``options`` are kept for updates."""
    s = _sizes(large)
    fig = figure(width=width or s["width"], height=height or s["height"], tools=_TOOLS,
                 toolbar_location="right", **kwargs)
    fig.tags = [{"cinlab_plot": kind, **options}]
    fig.title.text_font_size = s["title"]
    fig.xaxis.axis_label = x_label
    fig.yaxis.axis_label = y_label
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.axis_label_text_font_size = s["axis"]
        axis.major_label_text_font_size = s["ticks"]
        axis.axis_label_text_font_style = "normal"
    fig.toolbar.logo = None
    return fig


def _legend(fig: figure, items: list[tuple[str, list]], large: bool, place: str = "below",
            ncols: int = 2) -> Legend:
    """Put a legend outside the plot area (below it by default) so it never hides data.

    Clicking an entry hides its lines or bands.
    """
    s = _sizes(large)
    vertical = place in ("right", "left")
    legend = Legend(items=[LegendItem(label=label, renderers=r) for label, r in items],
                    label_text_font_size=s["legend"], click_policy="hide",
                    orientation="vertical" if vertical else "horizontal",
                    spacing=2 if vertical else 14, padding=6, glyph_width=34, margin=4)
    if not vertical:
        legend.ncols = ncols
    fig.add_layout(legend, place)
    return legend


def _range_on_data(fig: figure) -> None:
    """Keep auto-ranged axes to the data renderers, not the legend swatches."""
    data = [r for r in fig.renderers if not r.name or not r.name.startswith("swatch")]
    for rng in (fig.x_range, fig.y_range):
        if hasattr(rng, "renderers"):
            rng.renderers = data


def _show_legend_items(fig: figure, shown: Mapping[str, bool]) -> None:
    """Show a legend entry only when it has something to show (e.g. a therapy band)."""
    for item in fig.legend[0].items:
        label = item.label.value if hasattr(item.label, "value") else item.label
        if label in shown:
            item.visible = shown[label]


def _positive(values: Any) -> np.ndarray:
    """Float copy with zeros (and negatives) replaced by nan: a log axis cannot show 0."""
    a = np.asarray(values, dtype=np.float64)
    return np.where(a > 0, a, np.nan)


def _karyotype_text(karyotype: np.ndarray, ploidy: int) -> str:
    """Changes from the euploid karyotype, e.g. '+6×2, −3' (chromosomes from 1)."""
    parts = []
    for c, copies in enumerate(np.asarray(karyotype).tolist(), start=1):
        delta = copies - ploidy
        if delta:
            sign = "+" if delta > 0 else "\u2212"
            parts.append(f"{sign}{c}" + (f"\u00d7{abs(delta)}" if abs(delta) > 1 else ""))
    return ", ".join(parts) if parts else "euploid"


def _karyotype_phrase(karyotype: np.ndarray, ploidy: int) -> str:
    """'has a normal karyotype' or 'carries +6×2, −3'."""
    text = _karyotype_text(karyotype, ploidy)
    return "has a normal karyotype" if text == "euploid" else f"carries {text}"


def sources(fig: LayoutDOM) -> dict[str, ColumnDataSource]:
    """Return the named data sources of a cinlab figure.

    Parameters
    ----------
    fig : bokeh.models.LayoutDOM
        A figure or layout made by one of the ``*_figure`` builders.

    Returns
    -------
    dict of str to ColumnDataSource
        Each source under its name (e.g. ``"burden"``, ``"therapy"``).
    """
    # walk the renderers rather than all references (fig.select): this runs on every
    # explorer update
    plots_ = [fig] if isinstance(fig, Plot) else [c for c in getattr(fig, "children", [])
                                                  if isinstance(c, Plot)]
    named = {}
    for plot in plots_:
        for renderer in plot.renderers:
            source = getattr(renderer, "data_source", None)
            if isinstance(source, ColumnDataSource) and source.name:
                named[source.name] = source
    return named


def _fill(fig: LayoutDOM, data: Mapping[str, Mapping[str, Any]]) -> None:
    """Replace the data of each named source with a whole new dict."""
    named = sources(fig)
    for name, columns in data.items():
        named[name].data = dict(columns)


def _named_sources(data: Mapping[str, Mapping[str, Any]]) -> dict[str, ColumnDataSource]:
    return {name: ColumnDataSource(dict(columns), name=name) for name, columns in data.items()}


def _plot_info(fig: LayoutDOM) -> tuple[str, dict[str, Any]]:
    for tag in fig.tags:
        if isinstance(tag, dict) and "cinlab_plot" in tag:
            options = dict(tag)
            return options.pop("cinlab_plot"), options
    raise ValueError("update_figure() needs a figure made by a cinlab.plots *_figure function.")


def update_figure(fig: LayoutDOM, result: Any) -> None:
    """Show a new result in a figure made by a ``*_figure`` builder.

    Each of the figure's data sources gets a whole new ``data`` dict (Bokeh then sends
    one document patch) and titles are rewritten; the options the figure was built
    with (e.g. ``theory=True``) are kept.

    Parameters
    ----------
    fig : bokeh.models.LayoutDOM
        The figure (or layout) to refill.
    result : Run, Cohort, Mapping or sweep table
        What the builder was given: a Run, a Cohort, a mapping of arm names to
        Cohorts, or a sweep table.

    Raises
    ------
    ValueError
        If ``fig`` was not made by cinlab.plots.
    """
    kind, options = _plot_info(fig)
    _FILLERS[kind](fig, result, **options)


# ------------------------------------------------------------------ burden plot


def burden_columns(run: Any) -> dict[str, np.ndarray]:
    """Return the tumour burden of a run, ready for a log axis.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    dict
        ``time`` (days); ``total``, ``addicted``, ``escaped`` (cells, float, nan where
        the count is 0 because a log axis cannot draw zero); ``total_cells``,
        ``addicted_cells``, ``escaped_cells`` (the integer counts, zeros included,
        for hover text).
    """
    total = np.asarray(run.total, dtype=np.int64)
    escaped = np.asarray(run.escaped, dtype=np.int64)
    addicted = total - escaped
    return {
        "time": np.asarray(run.times, dtype=np.float64),
        "total": _positive(total),
        "addicted": _positive(addicted),
        "escaped": _positive(escaped),
        "total_cells": total,
        "addicted_cells": addicted,
        "escaped_cells": escaped,
    }


def therapy_columns(run: Any) -> dict[str, Any]:
    """Return the intervals during which therapy was on.

    Parameters
    ----------
    run : Run
        A simulated tumour; the intervals come from its ``therapy_start``,
        ``therapy_on`` and ``therapy_off`` events, the last one ending at the run's end.

    Returns
    -------
    dict
        ``start``, ``end`` (days) and ``label``, one row per interval.
    """
    starts: list[float] = []
    ends: list[float] = []
    on_since: float | None = None
    for event in sorted(run.events, key=lambda e: e["time"]):
        kind = event["kind"]
        if kind in ("therapy_start", "therapy_on") and on_since is None:
            on_since = float(event["time"])
        elif kind == "therapy_off" and on_since is not None:
            starts.append(on_since)
            ends.append(float(event["time"]))
            on_since = None
    if on_since is not None:
        starts.append(on_since)
        ends.append(float(run.times[-1]))
    return {"start": np.array(starts), "end": np.array(ends),
            "label": [f"Therapy on, days {_day(a)}\u2013{_day(b)}" for a, b in zip(
                starts, ends, strict=True)]}


def cin_window_columns(run: Any) -> dict[str, Any]:
    """Return the interval during which missegregation was raised (the CIN window).

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    dict
        ``start``, ``end`` (days) and ``label``; empty when the CIN rate is not above
        the baseline rate or the window is ``"never"``.
    """
    cin = run.scenario.cin
    end = float(run.times[-1])
    interval: tuple[float, float] | None = None
    if cin.missegregation_rate > cin.baseline_rate and cin.window != "never":
        if cin.window == "always":
            interval = (0.0, end)
        elif cin.window == "until_therapy":
            stop = run.therapy_start_time
            interval = (0.0, end if math.isnan(stop) else min(stop, end))
        else:
            a, b = cin.window
            interval = (a, min(b, end))
    if interval is None or interval[1] <= interval[0]:
        return {"start": np.zeros(0), "end": np.zeros(0), "label": []}
    a, b = interval
    return {"start": np.array([a]), "end": np.array([b]),
            "label": [f"CIN on, days {_day(a)}\u2013{_day(b)}"]}


_EVENT_WORDS = {"detection": "Detected", "therapy_start": "Therapy starts",
                "relapse": "Relapse", "extinct": "Died out"}


def event_columns(run: Any) -> dict[str, Any]:
    """Return the events marked on the burden plot: detection, therapy start, relapse.

    Therapy start is listed only when it differs from detection; "Died out" marks
    extinction.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    dict
        ``time`` (days), ``kind``, ``label``, and where the label goes: ``y`` (cells,
        above the top of the burden curve), ``align`` and ``offset`` (pixels).
    """
    top = float(np.max(run.total)) if len(run.total) and np.max(run.total) > 0 else 1.0
    detection = run.detection_time
    times: list[float] = []
    kinds: list[str] = []
    for event in run.events:
        kind = event["kind"]
        if kind not in _EVENT_WORDS:
            continue
        if kind == "therapy_start" and abs(event["time"] - detection) < 1e-9:
            continue
        if kind in kinds:
            continue
        times.append(float(event["time"]))
        kinds.append(kind)
    # labels sit above the curve, alternately higher and lower so close ones do not
    # collide; in the right third of the plot they end at their line instead of starting
    heights = [top * (12.0 if i % 2 == 0 else 3.5) for i in range(len(times))]
    end = float(run.times[-1]) if len(run.times) else 0.0
    right = [t > 0.6 * end for t in times]
    return {"time": np.array(times), "kind": kinds,
            "label": [f"{_EVENT_WORDS[k]}, day {_day(t)}" for k, t in zip(kinds, times,
                                                                           strict=True)],
            "y": np.array(heights),
            "align": ["right" if r else "left" for r in right],
            "offset": np.array([-4.0 if r else 4.0 for r in right])}


def theory_columns(run: Any, n_points: int = 200) -> dict[str, np.ndarray]:
    """Return the deterministic mean of the addicted population before therapy.

    ``n0 * exp((b - d) t)`` from :func:`cinlab.theory.mean_size`, with the oncogene-on
    rates, from day 0 to therapy start (or the end of the run). It ignores the cost of
    aneuploidy and escape, and it averages over tumours that die out.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    n_points : int, optional
        Number of time points.

    Returns
    -------
    dict
        ``time`` (days) and ``mean`` (cells).
    """
    scenario = run.scenario
    end = run.therapy_start_time
    if math.isnan(end):
        end = float(run.times[-1])
    t = np.linspace(0.0, end, n_points)
    mean = np.asarray(theory.mean_size(scenario.growth.birth_rate, scenario.growth.death_rate,
                                       scenario.initial_cells, t), dtype=np.float64)
    return {"time": t, "mean": mean}


def burden_figure(run: Any, *, theory: bool = False, large: bool | None = None,
                  width: int | None = None, height: int | None = None) -> figure:
    """Plot a run's tumour burden over time on a log axis.

    All cells (solid black), oncogene-addicted cells (dashed blue) and escaped cells
    (dotted vermillion); shaded bands while therapy is on and hatched bands while CIN
    is on; dashed vertical lines with labels at detection, therapy start, relapse and
    extinction. Zero counts are not drawn.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    theory : bool, optional
        Overlay the deterministic mean ``n0 exp((b - d) t)`` of the addicted population
        before therapy.
    large : bool, optional
        Bigger fonts and lines for projectors (default: see :func:`use_large_text`).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    fig = _new_figure("burden", {"theory": theory, "large": large}, large=large,
                      x_label="Time (days)", y_label="Cells (log scale; 0 not drawn)",
                      width=width, height=height, y_axis_type="log")
    data = _burden_data(run, theory)
    src = _named_sources(data)
    therapy = fig.vstrip(x0="start", x1="end", source=src["therapy"], fill_color=SKY,
                         fill_alpha=0.3, line_color=None)
    cin = fig.vstrip(x0="start", x1="end", source=src["cin"], fill_alpha=0.0,
                     hatch_pattern="/", hatch_color=PURPLE, hatch_alpha=0.35,
                     hatch_scale=14, line_color=None)
    total = fig.line("time", "total", source=src["burden"], color=BLACK,
                     line_width=s["line"] + 0.5)
    addicted = fig.line("time", "addicted", source=src["burden"], color=BLUE,
                        line_width=s["line"], line_dash="dashed")
    escaped = fig.line("time", "escaped", source=src["burden"], color=VERMILLION,
                       line_width=s["line"] + 0.5, line_dash="dotted")
    items = [("All cells", [total]), ("Oncogene-addicted", [addicted]),
             ("Escaped (oncogene-independent)", [escaped]), ("Therapy on (shaded)", [therapy]),
             ("CIN on (hatched)", [cin])]
    if theory:
        mean = fig.line("time", "mean", source=src["theory"], color=PURPLE,
                        line_width=s["line"] - 0.5, line_dash="dashdot")
        items.insert(3, ("Theory: mean n\u2080e^((b\u2212d)t)", [mean]))
    fig.vspan(x="time", source=src["events"], line_color="#555555", line_width=1.5,
              line_dash="dashed")
    fig.text(x="time", y="y", text="label", source=src["events"], text_align="align",
             text_baseline="middle", x_offset="offset", text_font_size=s["text"],
             text_color="#333333", background_fill_color="white", background_fill_alpha=0.8)
    fig.add_tools(HoverTool(renderers=[total], mode="vline", tooltips=[
        ("Day", "@time{0.0}"), ("All cells", "@total_cells{0,0}"),
        ("Addicted", "@addicted_cells{0,0}"), ("Escaped", "@escaped_cells{0,0}")]))
    fig.add_tools(HoverTool(renderers=[therapy, cin], tooltips=[("", "@label")]))
    _legend(fig, items, large)
    _fill_burden(fig, run, theory=theory, large=large)
    return fig


def _burden_data(run: Any, theory: bool) -> dict[str, Mapping[str, Any]]:
    data = {"burden": burden_columns(run), "therapy": therapy_columns(run),
            "cin": cin_window_columns(run), "events": event_columns(run)}
    if theory:
        data["theory"] = theory_columns(run)
    return data


def _fill_burden(fig: figure, run: Any, *, theory: bool, large: bool) -> None:
    data = _burden_data(run, theory)
    _fill(fig, data)
    _show_legend_items(fig, {"Therapy on (shaded)": len(data["therapy"]["start"]) > 0,
                             "CIN on (hatched)": len(data["cin"]["start"]) > 0})
    fig.title.text = f"Tumour size over time (seed {_seed_text(run.seed)})"


# ------------------------------------------------------------------- Muller plot


def muller_layout(run: Any, mode: str = "frequency") -> dict[str, np.ndarray]:
    """Return the nested band of every lineage over time, as in a Muller plot.

    Each lineage's band has the width of its share of the tumour (its own cells and
    all its descendants'); a lineage's children are stacked in the middle of its band,
    so every child band lies inside its parent's band at every time.

    Parameters
    ----------
    run : Run
        A simulated tumour (its ``lineages`` table).
    mode : {"frequency", "fish"}
        ``"frequency"``: widths are shares of the tumour, the whole tumour fills [0, 1].
        ``"fish"``: the tumour's width follows log10 of its size (so regression and
        relapse show) and a child's share of its parent is magnified on a log scale
        (``log10(1 + 1000 f) / log10(1001)``) so that small clones are visible.

    Returns
    -------
    dict
        ``time`` (days, n_times), ``id`` and ``parent`` (n_lineages), ``size``
        (cells, n_times x n_lineages, descendants included), ``lower`` and ``upper``
        (band edges in [0, 1], n_times x n_lineages).

    Raises
    ------
    ValueError
        If ``mode`` is not "frequency" or "fish".
    """
    if mode not in ("frequency", "fish"):
        raise ValueError(f"mode must be 'frequency' or 'fish'. Got {mode!r}.")
    lin = run.lineages
    ids = np.asarray(lin["id"], dtype=np.int64)
    parents = np.asarray(lin["parent"], dtype=np.int64)
    own = np.asarray(lin["history"], dtype=np.float64).reshape(len(run.times), ids.size)
    index = {int(i): k for k, i in enumerate(ids)}
    parent_index = np.array([index.get(int(p), -1) for p in parents], dtype=np.int64)
    size = own.copy()
    for k in range(ids.size - 1, -1, -1):  # parents are listed before their children
        if parent_index[k] >= 0:
            size[:, parent_index[k]] += size[:, k]
    roots = np.nonzero(parent_index < 0)[0]
    tumour = size[:, roots].sum(axis=1)
    width = np.zeros_like(size)
    alive = tumour > 0
    if mode == "frequency":
        scale = np.where(alive, 1.0, 0.0)
    else:
        peak = max(float(tumour.max()), 1.0)
        scale = np.log10(1.0 + tumour) / math.log10(1.0 + peak) if peak > 1 else alive * 1.0
    safe_tumour = np.where(alive, tumour, 1.0)
    for k in roots:
        width[:, k] = scale * size[:, k] / safe_tumour
    children: dict[int, list[int]] = {k: [] for k in range(ids.size)}
    for k in range(ids.size):
        if parent_index[k] >= 0:
            children[int(parent_index[k])].append(k)
    for p in range(ids.size):  # parents before children: a parent's width is known
        kids = children[p]
        if not kids:
            continue
        parent_size = np.where(size[:, p] > 0, size[:, p], 1.0)
        share = size[:, kids] / parent_size[:, None]
        if mode == "fish":
            share = _magnify(share)
            wanted = share.sum(axis=1)
            room = _magnify(np.minimum(size[:, kids].sum(axis=1) / parent_size, 1.0))
            factor = np.where(wanted > room, room / np.where(wanted > 0, wanted, 1.0), 1.0)
            share = share * factor[:, None]
        width[:, kids] = width[:, [p]] * share
    lower = np.zeros_like(size)
    upper = np.zeros_like(size)
    start = (1.0 - width[:, roots].sum(axis=1)) / 2.0
    for k in roots:
        lower[:, k] = start
        upper[:, k] = start + width[:, k]
        start = upper[:, k]
    for p in range(ids.size):
        kids = children[p]
        if not kids:
            continue
        gap = (width[:, p] - width[:, kids].sum(axis=1)) / 2.0
        start = lower[:, p] + np.maximum(gap, 0.0)
        for k in kids:
            lower[:, k] = start
            upper[:, k] = start + width[:, k]
            start = upper[:, k]
    return {"time": np.asarray(run.times, dtype=np.float64), "id": ids, "parent": parents,
            "size": size, "lower": lower, "upper": upper}


def _magnify(fraction: np.ndarray) -> np.ndarray:
    """Map a share in [0, 1] to a log-scaled share in [0, 1] that enlarges small ones."""
    return np.log10(1.0 + 1000.0 * np.clip(fraction, 0.0, 1.0)) / math.log10(1001.0)


def muller_columns(run: Any, mode: str = "frequency") -> dict[str, Any]:
    """Return one polygon per lineage for a Muller (or fish) plot.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    mode : {"frequency", "fish"}
        See :func:`muller_layout`.

    Returns
    -------
    dict
        One row per lineage, parents before children (children are drawn on top):
        ``xs``, ``ys`` (polygon outlines: days and band edges), ``id``, ``parent``,
        ``route``, ``route_label``, ``escaped``, ``born`` (day), ``change`` (karyotype
        changes, e.g. "+6×2, −3"), ``final_cells``, ``peak_percent`` and the style
        columns ``fill_color``, ``hatch_pattern``, ``line_color``, ``line_width``.
    """
    layout = muller_layout(run, mode)
    lin = run.lineages
    t = layout["time"]
    ploidy = run.scenario.genome.ploidy
    tumour = np.maximum(layout["size"][:, np.asarray(lin["parent"]) < 0].sum(axis=1), 1.0)
    xs, ys, fills, hatches, lines, widths, routes, labels, changes = ([] for _ in range(9))
    addicted_seen = 0
    for k in range(layout["id"].size):
        route = str(lin["route"][k])
        xs.append(np.concatenate([t, t[::-1]]))
        ys.append(np.concatenate([layout["upper"][:, k], layout["lower"][::-1, k]]))
        color, hatch, _words = _ROUTE_STYLE[route]
        if route == "none":
            color = _ADDICTED_FILLS[addicted_seen % len(_ADDICTED_FILLS)]
            addicted_seen += 1
        fills.append(color)
        hatches.append(hatch)
        lines.append(BLACK if route != "none" else "white")
        widths.append(1.5 if route != "none" else 0.6)
        routes.append(route)
        labels.append(_route_words(route, int(lin["bypass_chromosome"][k])))
        changes.append(_karyotype_text(lin["karyotype"][k], ploidy))
    size = layout["size"]
    return {
        "xs": xs, "ys": ys,
        "id": layout["id"], "parent": layout["parent"],
        "route": routes, "route_label": labels,
        "escaped": np.asarray(lin["escaped"], dtype=bool),
        "born": np.asarray(lin["born"], dtype=np.float64),
        "change": changes,
        "final_cells": size[-1].astype(np.int64) if size.shape[0] else np.zeros(0, np.int64),
        "peak_percent": (100.0 * (size / tumour[:, None]).max(axis=0) if size.shape[0]
                         else np.zeros(0)),
        "fill_color": fills, "hatch_pattern": hatches, "line_color": lines,
        "line_width": np.asarray(widths, dtype=np.float64),
    }


def _therapy_bar_columns(run: Any) -> dict[str, Any]:
    data = therapy_columns(run)
    n = len(data["label"])
    return {**data, "bottom": np.full(n, 1.02), "top": np.full(n, 1.07)}


def muller_figure(run: Any, *, mode: str = "frequency", large: bool | None = None,
                  width: int | None = None, height: int | None = None) -> figure:
    """Plot the lineages of a run as a Muller plot (or a log-scaled fish plot).

    Each lineage is a band whose width is its share of the tumour, drawn inside its
    parent's band. Escaped lineages are hatched and outlined in black (orange with /
    for a chromosome gain, vermillion with x for a mutation); a blue bar above the plot
    marks when therapy was on.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    mode : {"frequency", "fish"}
        See :func:`muller_layout`; "fish" makes small clones visible.
    large : bool, optional
        Bigger fonts for projectors (default: see :func:`use_large_text`).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    fig = _new_figure("muller", {"mode": mode, "large": large}, large=large,
                      x_label="Time (days)",
                      y_label=("Share of tumour" if mode == "frequency"
                               else "Lineages (widths log-scaled)"),
                      width=width, height=height, y_range=Range1d(0.0, 1.09))
    src = _named_sources(_muller_data(run, mode))
    bands = fig.patches("xs", "ys", source=src["lineages"], fill_color="fill_color",
                        hatch_pattern="hatch_pattern", hatch_color=BLACK, hatch_alpha=0.45,
                        hatch_scale=10, line_color="line_color", line_width="line_width")
    bar = fig.quad(left="start", right="end", bottom="bottom", top="top",
                   source=src["therapy"], fill_color=BLUE, line_color=None)
    fig.add_tools(HoverTool(renderers=[bands], tooltips=[
        ("Lineage", "@id (from @parent)"), ("Born", "day @born{0.0}"),
        ("Karyotype", "@change"), ("Escape", "@route_label"),
        ("Largest share", "@peak_percent{0.0}%"), ("Cells at end", "@final_cells{0,0}")]))
    fig.add_tools(HoverTool(renderers=[bar], tooltips=[("", "@label")]))
    if mode == "frequency":
        fig.yaxis.ticker = FixedTicker(ticks=[0, 0.25, 0.5, 0.75, 1.0])
        fig.yaxis.formatter = NumeralTickFormatter(format="0%")
    else:
        fig.yaxis.ticker = FixedTicker(ticks=[])
    legend_items = []
    for route, (color, hatch, words) in _ROUTE_STYLE.items():
        # one polygon below the visible range: the legend draws its swatch from it
        swatch = fig.patches(xs=[[0, 1, 1, 0]], ys=[[-2, -2, -1, -1]], fill_color=color,
                             hatch_pattern=hatch, hatch_color=BLACK, hatch_alpha=0.45,
                             line_color=BLACK if route != "none" else "white",
                             name=f"swatch_{route}")
        legend_items.append((words, [swatch]))
    legend_items.append(("Therapy on (bar above)", [bar]))
    _legend(fig, legend_items, large)
    fig.legend[0].click_policy = "none"
    _range_on_data(fig)
    _fill_muller(fig, run, mode=mode, large=large)
    return fig


def _muller_data(run: Any, mode: str) -> dict[str, Mapping[str, Any]]:
    return {"lineages": muller_columns(run, mode), "therapy": _therapy_bar_columns(run)}


def _fill_muller(fig: figure, run: Any, *, mode: str, large: bool) -> None:
    data = _muller_data(run, mode)
    _fill(fig, data)
    _show_legend_items(fig, {"Therapy on (bar above)": len(data["therapy"]["start"]) > 0})
    kind = "Muller plot" if mode == "frequency" else "fish plot, log-scaled widths"
    fig.title.text = f"Lineages over time ({kind}; seed {_seed_text(run.seed)})"


# ------------------------------------------------------------- karyotype heatmap


def _clone_order(run: Any, top: int) -> np.ndarray:
    """Indices of the ``top`` largest clones, largest first (ties by clone id)."""
    c = run.clones
    return np.lexsort((np.asarray(c["id"]), -np.asarray(c["count"])))[:top]


def clone_columns(run: Any, top: int = 30) -> dict[str, Any]:
    """Return the largest clones at the end of a run, largest first.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    top : int, optional
        Number of clones kept.

    Returns
    -------
    dict
        One row per clone: ``row`` (1 = largest), ``clone`` (id), ``count`` (cells),
        ``percent`` (of all cells), ``aneuploidy``, ``change`` (e.g. "+6×2, −3"),
        ``route``, ``route_label`` and the style columns ``fill_color`` and
        ``hatch_pattern``.
    """
    c = run.clones
    order = _clone_order(run, top)
    total = max(int(np.sum(c["count"])), 1)
    ploidy = run.scenario.genome.ploidy
    routes = [str(c["route"][i]) for i in order]
    counts = np.asarray(c["count"], dtype=np.int64)[order]
    return {
        "row": np.arange(1, order.size + 1),
        "clone": np.asarray(c["id"], dtype=np.int64)[order],
        "count": counts,
        "percent": 100.0 * counts / total,
        "aneuploidy": np.asarray(c["aneuploidy"], dtype=np.int64)[order],
        "change": [_karyotype_text(c["karyotype"][i], ploidy) for i in order],
        "route": routes,
        "route_label": [_route_words(r, int(c["bypass_chromosome"][i]))
                        for r, i in zip(routes, order, strict=True)],
        "fill_color": [_ROUTE_STYLE[r][0] for r in routes],
        "hatch_pattern": [_ROUTE_STYLE[r][1] for r in routes],
    }


def karyotype_columns(run: Any, top: int = 30) -> dict[str, Any]:
    """Return the copy numbers of the largest clones, one row per clone and chromosome.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    top : int, optional
        Number of clones kept (the largest; see :func:`clone_columns`).

    Returns
    -------
    dict
        ``row`` (1 = largest clone), ``chromosome`` (from 1), ``copies``, ``change``
        (copies minus ploidy), ``text`` (the copy number, written in the cell),
        ``text_color``, ``clone``, ``count`` and the outline columns ``line_color``
        and ``line_width`` (a thick black outline marks the bypass chromosome of a
        clone that escaped by a chromosome gain).
    """
    c = run.clones
    genome = run.scenario.genome
    order = _clone_order(run, top)
    n_chrom = genome.n_chromosomes
    kary = np.asarray(c["karyotype"], dtype=np.int64).reshape(-1, n_chrom)[order]
    rows = np.repeat(np.arange(1, order.size + 1), n_chrom)
    chrom = np.tile(np.arange(1, n_chrom + 1), order.size)
    copies = kary.ravel()
    change = copies - genome.ploidy
    half = _half_range(genome)
    bypass = np.repeat(np.where(np.asarray(c["route"], dtype=object)[order] == "karyotype",
                                np.asarray(c["bypass_chromosome"])[order], 0), n_chrom)
    marked = (bypass > 0) & (chrom == bypass)
    return {
        "row": rows,
        "chromosome": chrom,
        "copies": copies,
        "change": change,
        "text": [str(x) for x in copies.tolist()],
        "text_color": [_cell_text_color(d, half) for d in change.tolist()],
        "clone": np.repeat(np.asarray(c["id"], dtype=np.int64)[order], n_chrom),
        "count": np.repeat(np.asarray(c["count"], dtype=np.int64)[order], n_chrom),
        "line_color": [BLACK if m else "white" for m in marked.tolist()],
        "line_width": np.where(marked, 3.0, 1.0),
    }


def _cell_text_color(change: int, half: int) -> str:
    """Grey for a normal copy number, black on light and white on dark colours."""
    if change == 0:
        return "#8C8C8C"
    return "white" if abs(change) >= 0.6 * half else BLACK


def _half_range(genome: Any) -> int:
    """Copies either side of ploidy covered by the colour scale."""
    return max(genome.ploidy, genome.max_copies - genome.ploidy, 1)


def _copy_palette(genome: Any) -> tuple[list[str], float, float]:
    """One colour per copy number 0..max_copies: white at ploidy, losses blue, gains red.

    The colours come from a diverging palette (ColorBrewer RdBu, colour-blind safe)
    symmetric about ploidy, so one copy lost and one copy gained are equally strong.
    """
    half = _half_range(genome)
    diverging = list(interp_palette(RdBu[11], 2 * half + 1))
    palette = [diverging[half + c - genome.ploidy] for c in range(genome.max_copies + 1)]
    return palette, -0.5, genome.max_copies + 0.5


def karyotype_figure(run: Any, *, top: int = 30, large: bool | None = None) -> LayoutDOM:
    """Plot the karyotypes of the largest clones as a heatmap with their sizes alongside.

    Rows are clones sorted by size (largest on top), columns are chromosomes; each cell
    shows the copy number as a colour (blue below ploidy, white at ploidy, red above)
    and as a number. A bar plot on the same rows shows each clone's size (log scale);
    escaped clones are hatched, and the bypass chromosome of a clone that escaped by a
    chromosome gain is outlined.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    top : int, optional
        Number of clones shown.
    large : bool, optional
        Bigger fonts and cells for projectors (default: see :func:`use_large_text`).

    Returns
    -------
    bokeh.models.LayoutDOM
        A row with the heatmap and the bar plot (they share the y range).
    """
    large = _large(large)
    s = _sizes(large)
    genome = run.scenario.genome
    n_chrom = genome.n_chromosomes
    y_range = Range1d(top + 0.5, 0.5)
    height = top * s["cell_h"] + 130
    heat = _new_figure("karyotype_heat", {}, large=large, x_label="Chromosome",
                       y_label="Clone (1 = largest)",
                       width=n_chrom * s["cell_w"] + 180, height=height,
                       x_range=Range1d(0.5, n_chrom + 0.5), y_range=y_range)
    heat.tags = []
    src = _named_sources(_karyotype_data(run, top))
    palette, low, high = _copy_palette(genome)
    mapper = LinearColorMapper(palette=palette, low=low, high=high, name="copy_mapper")
    cells = heat.rect(x="chromosome", y="row", width=1, height=1, source=src["karyotype"],
                      fill_color={"field": "copies", "transform": mapper},
                      line_color="line_color", line_width="line_width")
    heat.text(x="chromosome", y="row", text="text", source=src["karyotype"],
              text_color="text_color", text_align="center", text_baseline="middle",
              text_font_size=s["cell_text"])
    heat.xaxis.ticker = FixedTicker(ticks=list(range(1, n_chrom + 1)), name="chrom_ticks")
    heat.yaxis.ticker = FixedTicker(ticks=list(range(1, top + 1)), name="row_ticks")
    heat.xgrid.visible = False
    heat.ygrid.visible = False
    heat.add_tools(HoverTool(renderers=[cells], tooltips=[
        ("Clone", "@clone (row @row)"), ("Chromosome", "@chromosome"),
        ("Copies", "@copies"), ("Cells in clone", "@count{0,0}")]))
    bar = ColorBar(color_mapper=mapper, title="Copies", width=16,
                   ticker=FixedTicker(ticks=list(range(genome.max_copies + 1)),
                                      name="copy_ticks"),
                   major_label_text_font_size=s["ticks"], title_text_font_size=s["ticks"],
                   name="copy_bar")
    heat.add_layout(bar, "right")

    sizes = _new_figure("karyotype_sizes", {}, large=large,
                        x_label="Cells in clone (log)", y_label="",
                        width=220 if not large else 300, height=height,
                        y_range=y_range, x_axis_type="log")
    sizes.tags = []
    bars = sizes.hbar(y="row", left=0.8, right="count", height=0.75, source=src["clones"],
                      fill_color="fill_color", hatch_pattern="hatch_pattern",
                      hatch_color=BLACK, hatch_alpha=0.5, line_color=BLACK)
    sizes.yaxis.visible = False
    sizes.ygrid.visible = False
    sizes.add_tools(HoverTool(renderers=[bars], tooltips=[
        ("Clone", "@clone"), ("Cells", "@count{0,0} (@percent{0.0}%)"),
        ("Karyotype", "@change"), ("Escape", "@route_label")]))
    items = []
    for route, (color, hatch, _words) in _ROUTE_STYLE.items():
        # one bar outside the visible rows: the legend draws its swatch from it
        swatch = sizes.hbar(y=[-5], right=[10], left=[1], height=0.75, fill_color=color,
                            hatch_pattern=hatch, hatch_color=BLACK, hatch_alpha=0.5,
                            line_color=BLACK, name=f"swatch_{route}")
        items.append(({"none": "Addicted", "karyotype": "Escaped: gain (/)",
                       "mutation": "Escaped: mutation (x)"}[route], [swatch]))
    _legend(sizes, items, large, ncols=1)
    sizes.legend[0].click_policy = "none"
    _range_on_data(sizes)
    layout = row(heat, sizes, name="karyotype")
    layout.tags = [{"cinlab_plot": "karyotype", "top": top, "large": large}]
    _fill_karyotype(layout, run, top=top, large=large)
    return layout


def _karyotype_data(run: Any, top: int) -> dict[str, Mapping[str, Any]]:
    return {"karyotype": karyotype_columns(run, top), "clones": clone_columns(run, top)}


def _fill_karyotype(layout: LayoutDOM, run: Any, *, top: int, large: bool) -> None:
    _fill(layout, _karyotype_data(run, top))
    genome = run.scenario.genome
    palette, low, high = _copy_palette(genome)
    mapper = layout.select_one({"name": "copy_mapper"})
    mapper.update(palette=palette, low=low, high=high)
    layout.select_one({"name": "copy_ticks"}).ticks = list(range(genome.max_copies + 1))
    n_chrom = genome.n_chromosomes
    heat, sizes = layout.children
    heat.x_range.update(start=0.5, end=n_chrom + 0.5)
    layout.select_one({"name": "chrom_ticks"}).ticks = list(range(1, n_chrom + 1))
    n_clones = len(run.clones["count"])
    shown = min(top, n_clones)
    # as many rows as clones shown (a run may end with one clone), tall enough for the
    # colour bar and the legend
    n_rows = max(shown, 1)
    heat.y_range.update(start=n_rows + 0.5, end=0.5)
    layout.select_one({"name": "row_ticks"}).ticks = list(range(1, n_rows + 1))
    height = max(n_rows * _sizes(large)["cell_h"] + 130, 330 if not large else 420)
    heat.height = sizes.height = height
    seed = _seed_text(run.seed)
    if n_clones == 0:
        heat.title.text = f"No cells left at the end (seed {seed})"
    elif n_clones == 1:
        heat.title.text = f"Karyotype of the only clone (seed {seed})"
    elif shown == n_clones:
        heat.title.text = f"Karyotypes of all {n_clones:,} clones (seed {seed})"
    else:
        heat.title.text = f"Karyotypes of the {shown} largest of {n_clones:,} clones (seed {seed})"
    sizes.title.text = "Clone size"


# ------------------------------------------------------------------ virtual FISH


def _fish_chromosomes(run: Any, chromosomes: Sequence[int] | None) -> list[int]:
    """Three chromosomes to probe: the given ones, else the bypass chromosomes first."""
    n_chrom = run.scenario.genome.n_chromosomes
    if chromosomes is not None:
        chosen = [int(c) for c in chromosomes]
        bad = [c for c in chosen if not 1 <= c <= n_chrom]
        if bad or not 1 <= len(chosen) <= 3 or len(set(chosen)) != len(chosen):
            raise ValueError(
                f"chromosomes must be 1 to 3 distinct chromosome numbers in [1, {n_chrom}]. "
                f"Got {list(chromosomes)}.")
        return chosen
    chosen = [c for c in run.scenario.escape.bypass_chromosomes if c <= n_chrom][:3]
    for c in range(1, n_chrom + 1):
        if len(chosen) == 3:
            break
        if c not in chosen:
            chosen.append(c)
    return chosen


def _fish_sample(run: Any, chromosomes: Sequence[int] | None, n_cells: int,
                 seed: int) -> dict[str, Any]:
    """Sample nuclei by clone abundance and place their probe dots (seeded)."""
    if isinstance(n_cells, bool) or not isinstance(n_cells, int) or not 1 <= n_cells <= 24:
        raise ValueError(f"n_cells must be an integer in [1, 24]. Got {n_cells!r}.")
    probes = _fish_chromosomes(run, chromosomes)
    counts = np.asarray(run.clones["count"], dtype=np.float64)
    rng = np.random.default_rng(seed)
    if counts.sum() <= 0:
        return {"probes": probes, "clones": np.zeros(0, np.int64), "copies": np.zeros((0, 3)),
                "spacing": 0.3, "dots": []}
    picked = rng.choice(counts.size, size=n_cells, p=counts / counts.sum())
    kary = np.asarray(run.clones["karyotype"], dtype=np.int64)[picked]
    copies = kary[:, [c - 1 for c in probes]]
    most = int(copies.sum(axis=1).max())
    # hexagonal lattice in the nucleus: enough sites for the most dots, never overlapping
    inner = 1.05
    spacing = min(0.32, math.sqrt(math.pi * inner**2 / (0.866 * max(most, 1) * 1.4)))
    lattice = _hex_lattice(inner, spacing)
    dots = []
    for cell in range(n_cells):
        need = int(copies[cell].sum())
        sites = lattice[rng.permutation(len(lattice))[:need]]
        jitter = rng.uniform(-1, 1, size=sites.shape) * spacing * _FISH_JITTER
        dots.append(sites + jitter)
    return {"probes": probes, "clones": np.asarray(run.clones["id"])[picked],
            "copies": copies, "spacing": spacing, "dots": dots}


#: Dots move at most this fraction of the lattice spacing along each axis, and their
#: diameter is this fraction of it: 1 - 2 * sqrt(2) * 0.08 = 0.77 > 0.7, so dots never
#: overlap.
_FISH_JITTER = 0.08
_FISH_DOT = 0.7


def _hex_lattice(radius: float, spacing: float) -> np.ndarray:
    """Points of a hexagonal lattice with the given spacing inside a disc."""
    n = int(radius / spacing) + 2
    pts = []
    for j in range(-n, n + 1):
        y = j * spacing * 0.866
        shift = (j % 2) * spacing / 2
        for i in range(-n, n + 1):
            x = i * spacing + shift
            if x * x + y * y <= radius * radius:
                pts.append((x, y))
    return np.asarray(pts, dtype=np.float64)


def _nucleus_centres(n_cells: int) -> np.ndarray:
    cols = min(n_cells, 4 if n_cells > 6 else 3)
    return np.array([(3.0 * (i % cols), -3.0 * (i // cols)) for i in range(n_cells)])


def fish_columns(run: Any, chromosomes: Sequence[int] | None = None, n_cells: int = 6,
                 seed: int = 0) -> dict[str, Any]:
    """Return the probe dots of a virtual FISH image, one row per dot.

    Cells are sampled from the final population in proportion to clone size; each
    probed chromosome shows one dot per copy, in its own colour and marker shape;
    dots sit on a jittered hexagonal lattice inside the nucleus, so they never overlap.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    chromosomes : sequence of int, optional
        One to three chromosomes to probe (numbered from 1); default: the bypass
        chromosomes, then chromosome 1, 2, ...
    n_cells : int, optional
        Number of nuclei (1 to 24).
    seed : int, optional
        Seed for sampling the cells and placing the dots.

    Returns
    -------
    dict
        ``cell`` (from 1), ``chromosome``, ``x``, ``y`` (nucleus units), ``copies`` (of
        that chromosome in that cell), ``color``, ``marker`` and ``spacing`` (of the
        lattice, nucleus units; a dot is drawn 0.7 spacing wide).

    Raises
    ------
    ValueError
        If ``chromosomes`` or ``n_cells`` is invalid.
    """
    sample = _fish_sample(run, chromosomes, n_cells, seed)
    centres = _nucleus_centres(n_cells)
    cols: dict[str, list[Any]] = {k: [] for k in ("cell", "chromosome", "x", "y", "copies",
                                                  "color", "marker")}
    for cell, positions in enumerate(sample["dots"]):
        k = 0
        for p, chrom in enumerate(sample["probes"]):
            n = int(sample["copies"][cell, p])
            color, marker = _PROBES[p]
            for _ in range(n):
                cols["cell"].append(cell + 1)
                cols["chromosome"].append(chrom)
                cols["x"].append(float(centres[cell, 0] + positions[k, 0]))
                cols["y"].append(float(centres[cell, 1] + positions[k, 1]))
                cols["copies"].append(n)
                cols["color"].append(color)
                cols["marker"].append(marker)
                k += 1
    out: dict[str, Any] = {k: np.asarray(v) if k in ("cell", "chromosome", "x", "y", "copies")
                           else v for k, v in cols.items()}
    out["spacing"] = np.full(len(cols["cell"]), sample["spacing"])
    return out


def fish_nuclei_columns(run: Any, chromosomes: Sequence[int] | None = None,
                        n_cells: int = 6, seed: int = 0) -> dict[str, Any]:
    """Return the nuclei of a virtual FISH image (the same sample as :func:`fish_columns`).

    Parameters
    ----------
    run : Run
        A simulated tumour.
    chromosomes : sequence of int, optional
        As in :func:`fish_columns`.
    n_cells : int, optional
        As in :func:`fish_columns`.
    seed : int, optional
        As in :func:`fish_columns`.

    Returns
    -------
    dict
        ``cell`` (from 1), ``x``, ``y``, ``radius`` (nucleus units), ``label_y``,
        ``label`` ("Cell 1"), ``clone`` and ``counts`` (the answer, e.g.
        "chromosome 4: 3, chromosome 6: 2, chromosome 15: 2").
    """
    sample = _fish_sample(run, chromosomes, n_cells, seed)
    n = len(sample["dots"])
    centres = _nucleus_centres(n_cells)[:n]
    counts = [", ".join(f"chromosome {c}: {int(sample['copies'][i, p])}"
                        for p, c in enumerate(sample["probes"])) for i in range(n)]
    return {"cell": np.arange(1, n + 1), "x": centres[:, 0], "y": centres[:, 1],
            "radius": np.full(n, 1.3), "label_y": centres[:, 1] - 1.4,
            "label": [f"Cell {i + 1}" for i in range(n)],
            "clone": np.asarray(sample["clones"], dtype=np.int64), "counts": counts}


def fish_figure(run: Any, *, chromosomes: Sequence[int] | None = None, n_cells: int = 6,
                seed: int = 0, large: bool | None = None) -> figure:
    """Draw a virtual FISH image: sampled nuclei with one dot per chromosome copy.

    As in a microscopy image of a CIN tumour: dark background, blue nuclei, and for
    each probed chromosome dots of one colour and one shape (yellow circles, vermillion
    triangles, pink squares). Students count the dots; the counts are in the hover text
    and in :func:`describe_fish`.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    chromosomes : sequence of int, optional
        One to three chromosomes to probe (default: the bypass chromosomes).
    n_cells : int, optional
        Number of nuclei (1 to 24).
    seed : int, optional
        Seed for sampling cells and placing dots.
    large : bool, optional
        Bigger image and fonts for projectors (default: see :func:`use_large_text`).

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    centres = _nucleus_centres(n_cells)
    x0, x1 = centres[:, 0].min() - 1.6, centres[:, 0].max() + 1.6
    y0, y1 = centres[:, 1].min() - 1.8, centres[:, 1].max() + 1.5
    px = s["fish_px"]
    fig = _new_figure("fish", {"chromosomes": None if chromosomes is None else list(
        chromosomes), "n_cells": n_cells, "seed": seed, "large": large}, large=large,
        x_label="", y_label="", x_range=Range1d(x0, x1), y_range=Range1d(y0, y1),
        frame_width=int((x1 - x0) * px), frame_height=int((y1 - y0) * px), width=None,
        height=None)
    fig.width = fig.height = None
    fig.background_fill_color = "#0b0b12"
    fig.axis.visible = False
    fig.grid.visible = False
    data = _fish_data(run, chromosomes, n_cells, seed, px)
    src = _named_sources(data)
    nuclei = fig.circle(x="x", y="y", radius="radius", source=src["nuclei"],
                        fill_color="#1d3f8f", fill_alpha=0.85, line_color=SKY, line_width=2)
    fig.text(x="x", y="label_y", text="label", source=src["nuclei"], text_color="white",
             text_align="center", text_baseline="top", text_font_size=s["text"])
    dots = fig.scatter(x="x", y="y", marker="marker", size="size", fill_color="color",
                       line_color="white", line_width=1, source=src["dots"])
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[
        ("Cell", "@cell"), ("Chromosome", "@chromosome"), ("Copies in this cell", "@copies")]))
    fig.add_tools(HoverTool(renderers=[nuclei], tooltips=[
        ("", "@label: @counts"), ("Clone", "@clone")]))
    items = []
    for p in range(3):
        color, marker = _PROBES[p]
        # one marker outside the visible range: the legend draws its swatch from it
        swatch = fig.scatter(x=[x0 - 10], y=[y0 - 10], marker=marker, size=14,
                             fill_color=color, line_color="white", name=f"swatch_{p}")
        items.append((f"probe {p + 1}", [swatch]))
    legend = _legend(fig, items, large, place="right")
    legend.click_policy = "none"
    _fill_fish(fig, run, chromosomes=chromosomes, n_cells=n_cells, seed=seed, large=large)
    return fig


def _fish_data(run: Any, chromosomes: Sequence[int] | None, n_cells: int, seed: int,
               px: float) -> dict[str, Mapping[str, Any]]:
    dots = fish_columns(run, chromosomes, n_cells, seed)
    dots["size"] = dots.pop("spacing") * px * _FISH_DOT
    return {"dots": dots, "nuclei": fish_nuclei_columns(run, chromosomes, n_cells, seed)}


def _fill_fish(fig: figure, run: Any, *, chromosomes: Sequence[int] | None, n_cells: int,
               seed: int, large: bool) -> None:
    _fill(fig, _fish_data(run, chromosomes, n_cells, seed, _sizes(large)["fish_px"]))
    probes = _fish_chromosomes(run, chromosomes)
    shapes = ("yellow circles", "vermillion triangles", "pink squares")
    for p, item in enumerate(fig.legend[0].items):
        if p < len(probes):
            item.label = {"value": f"Chromosome {probes[p]} ({shapes[p]})"}
            item.visible = True
        else:
            item.visible = False
    fig.title.text = (f"Virtual FISH: {n_cells} cells sampled at the end "
                      f"(seed {_seed_text(run.seed)})")


# ---------------------------------------------------- copy-number distributions


def aneuploidy_columns(run: Any) -> dict[str, np.ndarray]:
    """Return the distribution of the aneuploidy score over the final cells.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    dict
        ``score`` (0, 1, ..., the largest score: chromosome copies different from
        ploidy), ``cells`` (cells with that score) and ``percent`` (of all cells).
    """
    score = np.asarray(run.clones["aneuploidy"], dtype=np.int64)
    counts = np.asarray(run.clones["count"], dtype=np.int64)
    if score.size == 0:
        return {"score": np.zeros(0, np.int64), "cells": np.zeros(0, np.int64),
                "percent": np.zeros(0)}
    cells = np.bincount(score, weights=counts).astype(np.int64)
    total = max(int(cells.sum()), 1)
    return {"score": np.arange(cells.size), "cells": cells, "percent": 100.0 * cells / total}


def aneuploidy_figure(run: Any, *, large: bool | None = None, width: int | None = None,
                      height: int | None = None) -> figure:
    """Plot a histogram of the aneuploidy score of the final cells (weighted by cells).

    Parameters
    ----------
    run : Run
        A simulated tumour.
    large : bool, optional
        Bigger fonts for projectors (default: see :func:`use_large_text`).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    fig = _new_figure("aneuploidy", {"large": large}, large=large,
                      x_label="Aneuploidy score (chromosome copies away from ploidy)",
                      y_label="Cells (%)", width=width or int(s["width"] * 0.8),
                      height=height or int(s["height"] * 0.8))
    src = _named_sources({"aneuploidy": aneuploidy_columns(run)})
    bars = fig.vbar(x="score", top="percent", width=0.8, source=src["aneuploidy"],
                    fill_color=BLUE, line_color=BLACK)
    fig.y_range.start = 0
    fig.xaxis.ticker.desired_num_ticks = 10
    fig.add_tools(HoverTool(renderers=[bars], tooltips=[
        ("Score", "@score"), ("Cells", "@cells{0,0} (@percent{0.0}%)")]))
    _fill_aneuploidy(fig, run, large=large)
    return fig


def _fill_aneuploidy(fig: figure, run: Any, *, large: bool) -> None:
    _fill(fig, {"aneuploidy": aneuploidy_columns(run)})
    fig.title.text = f"How aneuploid are the cells? (seed {_seed_text(run.seed)})"


def copy_number_columns(run: Any) -> dict[str, Any]:
    """Return, for every chromosome, the share of final cells with each copy number.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    dict
        One row per (chromosome, copy number) pair carried by at least one cell:
        ``chromosome`` (from 1), ``copies``, ``cells``, ``percent`` (of all cells),
        ``text`` (the percentage, rounded) and ``text_color``.
    """
    genome = run.scenario.genome
    kary = np.asarray(run.clones["karyotype"], dtype=np.int64).reshape(
        -1, genome.n_chromosomes)
    counts = np.asarray(run.clones["count"], dtype=np.int64)
    total = max(int(counts.sum()), 1)
    chrom_out, copies_out, cells_out = [], [], []
    for c in range(genome.n_chromosomes):
        cells = np.bincount(kary[:, c], weights=counts, minlength=1).astype(np.int64)
        for copies in np.nonzero(cells)[0]:
            chrom_out.append(c + 1)
            copies_out.append(int(copies))
            cells_out.append(int(cells[copies]))
    cells_arr = np.asarray(cells_out, dtype=np.int64)
    percent = 100.0 * cells_arr / total
    return {"chromosome": np.asarray(chrom_out, dtype=np.int64),
            "copies": np.asarray(copies_out, dtype=np.int64), "cells": cells_arr,
            "percent": percent,
            "text": [f"{p:.0f}" if p >= 0.5 else "<1" for p in percent.tolist()],
            "text_color": ["white" if p > 55 else BLACK for p in percent.tolist()]}


def copy_number_figure(run: Any, *, large: bool | None = None) -> figure:
    """Plot, for every chromosome, the share of cells carrying each copy number.

    A grid of chromosomes (x) by copy number (y); each cell's shade and number give the
    percentage of cells. A dashed line marks the normal copy number (ploidy).

    Parameters
    ----------
    run : Run
        A simulated tumour.
    large : bool, optional
        Bigger fonts for projectors (default: see :func:`use_large_text`).

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    genome = run.scenario.genome
    n_chrom = genome.n_chromosomes
    fig = _new_figure("copy_number", {"large": large}, large=large, x_label="Chromosome",
                      y_label="Copies", width=n_chrom * s["cell_w"] + 200,
                      height=(genome.max_copies + 1) * (s["cell_h"] + 6) + 130,
                      x_range=Range1d(0.5, n_chrom + 0.5),
                      y_range=Range1d(-0.5, genome.max_copies + 0.5))
    src = _named_sources({"copy_number": copy_number_columns(run)})
    mapper = LinearColorMapper(palette=list(Blues256[::-1][20:]), low=0, high=100)
    cells = fig.rect(x="chromosome", y="copies", width=1, height=1, source=src["copy_number"],
                     fill_color={"field": "percent", "transform": mapper}, line_color="white")
    fig.text(x="chromosome", y="copies", text="text", source=src["copy_number"],
             text_color="text_color", text_align="center", text_baseline="middle",
             text_font_size=s["cell_text"])
    fig.hspan(y=[genome.ploidy - 0.5, genome.ploidy + 0.5], line_color=VERMILLION,
              line_dash="dashed", line_width=2.5, level="overlay")
    fig.xaxis.ticker = FixedTicker(ticks=list(range(1, n_chrom + 1)))
    fig.yaxis.ticker = FixedTicker(ticks=list(range(genome.max_copies + 1)))
    fig.grid.visible = False
    fig.add_tools(HoverTool(renderers=[cells], tooltips=[
        ("Chromosome", "@chromosome"), ("Copies", "@copies"),
        ("Cells", "@cells{0,0} (@percent{0.0}%)")]))
    fig.add_layout(ColorBar(color_mapper=mapper, title="Cells (%)", width=16,
                            major_label_text_font_size=s["ticks"],
                            title_text_font_size=s["ticks"]), "right")
    _fill_copy_number(fig, run, large=large)
    return fig


def _fill_copy_number(fig: figure, run: Any, *, large: bool) -> None:
    _fill(fig, {"copy_number": copy_number_columns(run)})
    fig.title.text = f"Copies per chromosome, % of cells (seed {_seed_text(run.seed)})"


# ----------------------------------------------------------------- cohort views


def spaghetti_columns(cohort: Any, max_runs: int = 100) -> dict[str, Any]:
    """Return each run's tumour burden as one line (the first ``max_runs`` runs).

    Parameters
    ----------
    cohort : Cohort
        Replicate runs (``times`` and ``burden``).
    max_runs : int, optional
        Number of runs drawn.

    Returns
    -------
    dict
        ``xs`` (days), ``ys`` (cells, nan where 0 or after a run stopped) and ``run``
        (replicate index), one row per run.
    """
    burden = np.asarray(cohort.burden, dtype=np.float64)[:max_runs]
    times = np.asarray(cohort.times, dtype=np.float64)
    return {"xs": [times] * burden.shape[0], "ys": [_positive(b) for b in burden],
            "run": np.arange(burden.shape[0])}


def quantile_columns(cohort: Any, q: tuple[float, float, float] = (0.1, 0.5, 0.9)
                     ) -> dict[str, np.ndarray]:
    """Return the low, median and high quantiles of the cohort's burden over time.

    Values below one cell (extinct runs) are drawn at one cell on the log axis.

    Parameters
    ----------
    cohort : Cohort
        Replicate runs.
    q : tuple of three floats, optional
        The quantiles (default the 10%, 50% and 90% quantiles).

    Returns
    -------
    dict
        ``time`` (days), ``low``, ``median``, ``high`` (cells, at least 1).
    """
    quant = cohort.burden_quantiles(q=q)
    values = np.maximum(np.asarray(quant["quantiles"], dtype=np.float64), 1.0)
    return {"time": np.asarray(quant["times"], dtype=np.float64), "low": values[0],
            "median": values[1], "high": values[2]}


def spaghetti_figure(cohort: Any, *, max_runs: int = 100, large: bool | None = None,
                     width: int | None = None, height: int | None = None) -> figure:
    """Plot every run's burden (thin grey lines) with the 10–90% band and the median.

    Parameters
    ----------
    cohort : Cohort
        Replicate runs.
    max_runs : int, optional
        Number of individual runs drawn (the band and median use all runs).
    large : bool, optional
        Bigger fonts for projectors (default: see :func:`use_large_text`).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    fig = _new_figure("spaghetti", {"max_runs": max_runs, "large": large}, large=large,
                      x_label="Time (days)",
                      y_label="Cells (log scale; below 1 drawn at 1)", width=width,
                      height=height, y_axis_type="log")
    src = _named_sources(_spaghetti_data(cohort, max_runs))
    lines = fig.multi_line("xs", "ys", source=src["runs"], line_color="#555555",
                           line_alpha=0.25, line_width=1)
    band = fig.varea(x="time", y1="low", y2="high", source=src["quantiles"], fill_color=SKY,
                     fill_alpha=0.45)
    median = fig.line("time", "median", source=src["quantiles"], line_color=BLACK,
                      line_width=s["line"] + 0.5)
    fig.line("time", "low", source=src["quantiles"], line_color=BLUE, line_dash="dashed",
             line_width=1.5)
    fig.line("time", "high", source=src["quantiles"], line_color=BLUE, line_dash="dashed",
             line_width=1.5)
    fig.add_tools(HoverTool(renderers=[median], mode="vline", tooltips=[
        ("Day", "@time{0.0}"), ("Median", "@median{0,0} cells"),
        ("10\u201390%", "@low{0,0} \u2013 @high{0,0} cells")]))
    _legend(fig, [("One run (thin grey)", [lines]), ("Middle 80% of runs (band)", [band]),
                  ("Median run (thick)", [median])], large)
    _fill_spaghetti(fig, cohort, max_runs=max_runs, large=large)
    return fig


def _spaghetti_data(cohort: Any, max_runs: int) -> dict[str, Mapping[str, Any]]:
    return {"runs": spaghetti_columns(cohort, max_runs), "quantiles": quantile_columns(cohort)}


def _fill_spaghetti(fig: figure, cohort: Any, *, max_runs: int, large: bool) -> None:
    _fill(fig, _spaghetti_data(cohort, max_runs))
    shown = min(max_runs, int(cohort.n_runs))
    drawn = f", {shown} drawn" if shown < cohort.n_runs else ""
    fig.title.text = (f"Tumour size in {cohort.n_runs} runs{drawn} "
                      f"(seed {_seed_text(cohort.seed)})")


def survival_columns(cohort: Any) -> dict[str, np.ndarray]:
    """Return the Kaplan–Meier relapse-free curve of a cohort as a step function.

    Parameters
    ----------
    cohort : Cohort
        Replicate runs; uses ``cohort.survival()``.

    Returns
    -------
    dict
        ``time`` (days since therapy start, starting at 0), ``probability`` (fraction
        still relapse-free), ``lower`` and ``upper`` (confidence band); the value at a
        row holds until the next row's time.
    """
    curve = cohort.survival()
    time = np.asarray(curve.time, dtype=np.float64)
    prob = np.asarray(curve.probability, dtype=np.float64)
    lower = np.asarray(curve.lower, dtype=np.float64)
    upper = np.asarray(curve.upper, dtype=np.float64)
    if time.size == 0 or time[0] > 0:
        time, prob = np.r_[0.0, time], np.r_[1.0, prob]
        lower, upper = np.r_[1.0, lower], np.r_[1.0, upper]
    return {"time": time, "probability": prob, "lower": np.nan_to_num(lower, nan=0.0),
            "upper": np.nan_to_num(upper, nan=1.0), "percent": 100.0 * prob}


_DASHES = ("solid", "dashed", "dotted", "dotdash", "dashdot")
_ARM_COLORS = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, BLACK)


def _arms(arms: Any) -> dict[str, Any]:
    if isinstance(arms, Mapping):
        if not arms:
            raise ValueError("arms must name at least one cohort.")
        return dict(arms)
    return {"All runs": arms}


def _pvalues(arms: Mapping[str, Any]) -> dict[str, float]:
    """Log-rank p-value of every arm against the first."""
    names = list(arms)
    return {name: float(arms[name].compare(arms[names[0]]).pvalue) for name in names[1:]}


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def survival_figure(arms: Any, *, large: bool | None = None, width: int | None = None,
                    height: int | None = None) -> figure:
    """Plot Kaplan–Meier relapse-free curves with confidence bands, one per arm.

    Each arm has its own colour and line dash; with two arms the log-rank p-value is in
    the title, with more each arm's p-value against the first is in the legend.

    Parameters
    ----------
    arms : Cohort or Mapping of str to Cohort
        One cohort, or several arms by name (e.g. ``{"TI-K": a, "TI-KM": b}``).
    large : bool, optional
        Bigger fonts for projectors (default: see :func:`use_large_text`).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    arms = _arms(arms)
    names = list(arms)
    fig = _new_figure("survival", {"names": names, "large": large}, large=large,
                      x_label="Days since therapy started",
                      y_label="Relapse-free (fraction of runs)", width=width,
                      height=height, y_range=Range1d(0.0, 1.04))
    src = _named_sources({f"survival:{n}": survival_columns(arms[n]) for n in names})
    items = []
    lines = []
    for i, name in enumerate(names):
        color, dash = _ARM_COLORS[i % len(_ARM_COLORS)], _DASHES[i % len(_DASHES)]
        source = src[f"survival:{name}"]
        band = fig.varea_step(x="time", y1="lower", y2="upper", step_mode="after",
                              source=source, fill_color=color, fill_alpha=0.15)
        line = fig.step("time", "probability", mode="after", source=source, line_color=color,
                        line_dash=dash, line_width=s["line"] + 0.5)
        lines.append(line)
        items.append((name, [line, band]))
    fig.add_tools(HoverTool(renderers=lines, mode="vline", tooltips=[
        ("Day", "@time{0.0}"), ("Relapse-free", "@percent{0.0}%"),
        ("95% band", "@lower{0.00} \u2013 @upper{0.00}")]))
    # beyond two arms the labels carry p-values: one per line, so none is clipped
    _legend(fig, items, large, ncols=1 if len(names) > 2 else 2)
    _fill_survival(fig, arms, names=names, large=large)
    return fig


def _fill_survival(fig: figure, arms: Any, *, names: list[str], large: bool) -> None:
    arms = _arms(arms)
    if list(arms) != names:
        raise ValueError(f"this figure shows arms {names}; got {list(arms)}.")
    _fill(fig, {f"survival:{n}": survival_columns(arms[n]) for n in names})
    pvalues = _pvalues(arms)
    for i, (name, item) in enumerate(zip(names, fig.legend[0].items, strict=True)):
        c = arms[name]
        label = f"{name}: {int(np.sum(c.relapsed))} of {int(np.sum(c.treated))} relapsed"
        if len(names) > 2 and i > 0:
            label += f" ({_p_text(pvalues[name])} vs {names[0]})"
        item.label = {"value": label}
    title = "Relapse-free survival"
    if len(names) == 2:
        title += f": log-rank {_p_text(pvalues[names[1]])}"
    first = arms[names[0]]
    fig.title.text = f"{title} (seed {_seed_text(first.seed)})"


# ------------------------------------------------------------------ sweep views


def _axis_label(dotted: str) -> str:
    try:
        meta = params.dotted_spec(dotted)
    except ValueError:
        return dotted
    return f"{meta['label']} ({meta['units']})" if meta["units"] else str(meta["label"])


def _swept(table: Any) -> list[str]:
    """The swept parameters: the columns named after a parameter field."""
    return [k for k in table.columns if k not in _SWEEP_STATS and _safe_meta(k)]


def _point_text(dotted: str, value: str) -> str:
    """'detection size 1e+05 cells' from a dotted name and a value label."""
    meta = _safe_meta(dotted)
    if not meta:
        return f"{dotted} {value}"
    units = f" {meta['units']}" if meta["units"] else ""
    return f"{str(meta['label']).lower()} {value}{units}"


def _value_text(v: float) -> str:
    """A parameter value as a short label: '100,000', '0.25', '1e-6'."""
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e7):
        mantissa, exponent = f"{v:.1e}".split("e")
        mantissa = mantissa.removesuffix(".0")
        return f"{mantissa}e{int(exponent)}"
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:g}"


def sweep_columns(table: Any) -> dict[str, Any]:
    """Return a sweep table ready to plot.

    Parameters
    ----------
    table : sweep table
        From :func:`cinlab.sweep`: ``.columns`` holds the swept parameters (one or two)
        and ``relapse_fraction``, ``relapse_low``, ``relapse_high``, ``n_runs``...

    Returns
    -------
    dict
        One row per parameter point: ``x`` (and ``y`` for two parameters) as text
        labels (categorical axes), ``x_value`` (and ``y_value``) as numbers,
        ``relapse_fraction``, ``low``, ``high``, ``percent`` (text) and ``n_runs``.

    Raises
    ------
    ValueError
        If the table has no swept parameter or more than two.
    """
    names = _swept(table)
    if not 1 <= len(names) <= 2:
        raise ValueError(f"a sweep figure shows one or two swept parameters. Got {names}.")
    cols = table.columns
    frac = np.asarray(cols["relapse_fraction"], dtype=np.float64)
    out: dict[str, Any] = {
        "x_value": np.asarray(cols[names[0]], dtype=np.float64),
        "x": [_value_text(v) for v in np.asarray(cols[names[0]], dtype=np.float64)],
        "relapse_fraction": frac,
        "low": np.asarray(cols["relapse_low"], dtype=np.float64),
        "high": np.asarray(cols["relapse_high"], dtype=np.float64),
        "percent": [f"{100 * f:.0f}%" if math.isfinite(f) else "n/a" for f in frac.tolist()],
        "n_runs": np.asarray(cols["n_runs"], dtype=np.int64),
    }
    if len(names) == 2:
        yv = np.asarray(cols[names[1]], dtype=np.float64)
        out["y_value"] = yv
        out["y"] = [_value_text(v) for v in yv]
        out["text_color"] = ["white" if f > 0.6 else BLACK for f in frac.tolist()]
    return out


def sweep_figure(table: Any, *, large: bool | None = None, width: int | None = None,
                 height: int | None = None) -> figure:
    """Plot relapse against one swept parameter (line with band) or two (heat map).

    Parameters
    ----------
    table : sweep table
        From :func:`cinlab.sweep`.
    large : bool, optional
        Bigger fonts for projectors (default: see :func:`use_large_text`).
    width, height : int, optional
        Size in pixels.

    Returns
    -------
    bokeh.plotting.figure
    """
    large = _large(large)
    s = _sizes(large)
    names = _swept(table)
    data = sweep_columns(table)
    src = _named_sources({"sweep": data})
    if len(names) == 1:
        # a log axis for log-scaled parameters, unless a swept value is 0
        log = bool(_safe_meta(names[0]).get("log")) and bool(
            np.all(np.asarray(data["x_value"], dtype=float) > 0))
        fig = _new_figure("sweep", {"large": large}, large=large,
                          x_label=_axis_label(names[0]),
                          y_label="Treated runs that relapsed",
                          width=width, height=height, x_axis_type="log" if log else "linear",
                          y_range=Range1d(0.0, 1.04))
        band = fig.varea(x="x_value", y1="low", y2="high", source=src["sweep"],
                         fill_color=SKY, fill_alpha=0.4)
        line = fig.line("x_value", "relapse_fraction", source=src["sweep"], color=BLUE,
                        line_width=s["line"])
        dots = fig.scatter("x_value", "relapse_fraction", source=src["sweep"], marker="circle",
                           size=10, fill_color=BLUE, line_color="white")
        fig.yaxis.formatter = NumeralTickFormatter(format="0%")
        fig.add_tools(HoverTool(renderers=[dots], tooltips=[
            (names[0], "@x"), ("Relapsed", "@percent (95% CI @low{0%}\u2013@high{0%})"),
            ("Runs", "@n_runs")]))
        _legend(fig, [("Relapse fraction", [line, dots]), ("95% confidence band", [band])],
                large)
    else:
        xf = list(dict.fromkeys(data["x"][i] for i in np.argsort(data["x_value"],
                                                                   kind="stable")))
        yf = list(dict.fromkeys(data["y"][i] for i in np.argsort(data["y_value"],
                                                                   kind="stable")))
        fig = _new_figure("sweep", {"large": large}, large=large,
                          x_label=_axis_label(names[0]), y_label=_axis_label(names[1]),
                          width=width or max(420, 90 * len(xf) + 260),
                          height=height or max(320, 60 * len(yf) + 150), x_range=xf,
                          y_range=yf)
        mapper = LinearColorMapper(palette=list(Blues256[::-1][20:]), low=0, high=1)
        cells = fig.rect(x="x", y="y", width=1, height=1, source=src["sweep"],
                         fill_color={"field": "relapse_fraction", "transform": mapper},
                         line_color="white")
        fig.text(x="x", y="y", text="percent", source=src["sweep"], text_color="text_color",
                 text_align="center", text_baseline="middle", text_font_size=s["text"])
        fig.grid.visible = False
        fig.add_layout(ColorBar(color_mapper=mapper, title="Relapsed", width=16,
                                formatter=NumeralTickFormatter(format="0%"),
                                major_label_text_font_size=s["ticks"],
                                title_text_font_size=s["ticks"]), "right")
        fig.add_tools(HoverTool(renderers=[cells], tooltips=[
            (names[0], "@x"), (names[1], "@y"),
            ("Relapsed", "@percent (95% CI @low{0%}\u2013@high{0%})"), ("Runs", "@n_runs")]))
    fig.tags = [{"cinlab_plot": "sweep", "large": large}]
    _fill_sweep(fig, table, large=large)
    return fig


def _safe_meta(dotted: str) -> Mapping[str, Any]:
    try:
        return params.dotted_spec(dotted)
    except ValueError:
        return {}


def _fill_sweep(fig: figure, table: Any, *, large: bool) -> None:
    data = sweep_columns(table)
    _fill(fig, {"sweep": data})
    runs = sorted(set(np.asarray(data["n_runs"]).tolist()))
    each = f"{runs[0]} runs per point" if len(runs) == 1 else "runs per point vary"
    fig.title.text = f"Relapse across the sweep ({each})"


_FILLERS = {
    "burden": _fill_burden,
    "muller": _fill_muller,
    "karyotype": _fill_karyotype,
    "fish": _fill_fish,
    "aneuploidy": _fill_aneuploidy,
    "copy_number": _fill_copy_number,
    "spaghetti": _fill_spaghetti,
    "survival": _fill_survival,
    "sweep": _fill_sweep,
}


# -------------------------------------------------------------------- summaries


def describe_arms(arms: Mapping[str, Any], subject: str = "mice") -> str:
    """Plain sentences comparing the arms of a virtual trial (log-rank test).

    Parameters
    ----------
    arms : Mapping of str to Cohort
        Arms by name; the first is the reference.
    subject : str, optional
        What one run stands for.

    Returns
    -------
    str
        E.g. "TI-K: relapse in 10 of 100 mice. TI-KM: relapse in 48 of 100 mice.
        Log-rank test TI-KM vs TI-K: p < 0.001. Seed 7."
    """
    arms = _arms(arms)
    names = list(arms)
    parts = []
    for name in names:
        c = arms[name]
        text = (f"{name}: relapse in {int(np.sum(c.relapsed))} of "
                f"{int(np.sum(c.treated))} treated {subject}")
        median = float(c.median_relapse_time()) if np.any(c.relapsed) else math.nan
        if math.isfinite(median):
            text += f", median {median:.0f} days"
        parts.append(text + ".")
    for name, p in _pvalues(arms).items():
        verdict = "the curves differ" if p < 0.05 else "no clear difference"
        parts.append(f"Log-rank test {name} vs {names[0]}: {_p_text(p)} ({verdict}).")
    parts.append(f"Seed {_seed_text(arms[names[0]].seed)}.")
    return " ".join(parts)


def describe_karyotypes(run: Any) -> str:
    """Plain sentences on the clones and karyotypes at the end of a run.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    str
        E.g. "112 clones, 2.1 million cells; 60% of cells escaped. The largest clone
        (41% of cells) carries +6×2, −3 and escaped by a gain of chromosome 6. Seed 7."
    """
    c = run.clones
    seed = f"Seed {_seed_text(run.seed)}."
    counts = np.asarray(c["count"], dtype=np.int64)
    if counts.size == 0 or counts.sum() == 0:
        return f"No cells left at the end of the run (day {_day(run.times[-1])}). {seed}"
    total = int(counts.sum())
    i = int(np.lexsort((np.asarray(c["id"]), -counts))[0])
    ploidy = run.scenario.genome.ploidy
    route = str(c["route"][i])
    status = ("is still oncogene-addicted" if route == "none"
              else f"escaped by {_route_words(route, int(c['bypass_chromosome'][i]))}")
    escaped = np.asarray(c["escaped"], dtype=bool)
    esc_share = 100.0 * counts[escaped].sum() / total
    clones = f"{counts.size} clone{'s' if counts.size != 1 else ''}"
    return (f"{clones}, {_cells_text(total)} cells; {esc_share:.0f}% of cells "
            f"escaped. The largest clone ({100 * counts[i] / total:.0f}% of cells) "
            f"{_karyotype_phrase(c['karyotype'][i], ploidy)} and {status}. {seed}")


def describe_lineages(run: Any) -> str:
    """Plain sentences on the lineages of a Muller plot.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    str
        E.g. "64 lineages drawn (each reached 1% of the tumour). At the end (day 191),
        100% of cells are escaped; the largest escaped lineage (67% of cells) escaped by
        a gain of chromosome 6 and carries +5, +6×3. Seed 1."

    Notes
    -----
    Smaller clones are folded into their nearest drawn ancestor, so a band coloured as
    addicted can hold a few escaped cells; the escaped share quoted here counts every
    cell.
    """
    lin = run.lineages
    seed = f"Seed {_seed_text(run.seed)}."
    n = len(lin["id"])
    text = f"{n} lineage{'s' if n != 1 else ''} drawn (each reached 1% of the tumour)."
    total = int(run.total[-1])
    end = _day(run.times[-1])
    if total == 0:
        return f"{text} The tumour died out by day {end}. {seed}"
    text += (f" At the end (day {end}), {100 * run.escaped[-1] / total:.0f}% of cells are "
             f"escaped")
    escaped = np.asarray(lin["escaped"], dtype=bool)
    own = np.where(escaped, np.asarray(lin["history"])[-1], -1)
    if not escaped.any() or own.max() <= 0:
        return f"{text}. {seed}"
    k = int(np.argmax(own))
    route = _route_words(str(lin["route"][k]), int(lin["bypass_chromosome"][k]))
    ploidy = run.scenario.genome.ploidy
    return (f"{text}; the largest escaped lineage ({100 * own[k] / total:.0f}% of cells) "
            f"escaped by {route} and {_karyotype_phrase(lin['karyotype'][k], ploidy)}. "
            f"{seed}")


def describe_fish(run: Any, chromosomes: Sequence[int] | None = None, n_cells: int = 6,
                  seed: int = 0) -> str:
    """The dot counts of a virtual FISH image in words (the answer key).

    Parameters
    ----------
    run : Run
        A simulated tumour.
    chromosomes, n_cells, seed
        As in :func:`fish_columns`.

    Returns
    -------
    str
        E.g. "Cell 1: chromosome 4: 3, chromosome 6: 2, chromosome 15: 2. Cell 2: ..."
    """
    nuclei = fish_nuclei_columns(run, chromosomes, n_cells, seed)
    if not nuclei["label"]:
        return "No cells left to sample."
    ploidy = run.scenario.genome.ploidy
    cells = "; ".join(f"{label}: {counts}" for label, counts in zip(
        nuclei["label"], nuclei["counts"], strict=True))
    return f"A normal cell shows {ploidy} dots per chromosome. {cells}."


def describe_aneuploidy(run: Any) -> str:
    """One plain sentence on how aneuploid the final cells are.

    Parameters
    ----------
    run : Run
        A simulated tumour.

    Returns
    -------
    str
        E.g. "Mean aneuploidy score 3.2; 12% of cells have a normal karyotype. Seed 7."
    """
    data = aneuploidy_columns(run)
    seed = f"Seed {_seed_text(run.seed)}."
    if data["cells"].sum() == 0:
        return f"No cells left at the end of the run. {seed}"
    mean = float(np.sum(data["score"] * data["cells"]) / data["cells"].sum())
    return (f"Mean aneuploidy score {mean:.1f} chromosome copies; {data['percent'][0]:.0f}% "
            f"of cells have a normal karyotype; the most aneuploid cells are "
            f"{int(data['score'][-1])} copies away. {seed}")


def describe_sweep(table: Any) -> str:
    """One plain sentence on where relapse was most and least frequent in a sweep.

    Parameters
    ----------
    table : sweep table
        From :func:`cinlab.sweep`.

    Returns
    -------
    str
        E.g. "Relapse ranged from 4% (detection size 1e+06 cells) to 61% (detection
        size 1e+09 cells)."
    """
    data = sweep_columns(table)
    names = _swept(table)
    frac = data["relapse_fraction"]
    if frac.size == 0:
        return "The sweep is empty."

    def where(i: int) -> str:
        point = _point_text(names[0], data["x"][i])
        if len(names) == 2:
            point += ", " + _point_text(names[1], data["y"][i])
        return point

    lo, hi = int(np.argmin(frac)), int(np.argmax(frac))
    return (f"Relapse ranged from {100 * frac[lo]:.0f}% ({where(lo)}) to "
            f"{100 * frac[hi]:.0f}% ({where(hi)}).")
