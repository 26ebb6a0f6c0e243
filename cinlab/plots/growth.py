"""Tumour burden over time on a log axis (cells, therapy, CIN window, events)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from bokeh.models import (
    HoverTool,
    Range1d,
)
from bokeh.plotting import figure

from .. import theory
from ..summaries import day_text as _day
from ..summaries import seed_text as _seed_text
from ._common import _fill, _named_sources, _numeric, _positive, _title
from ._style import (
    BLACK,
    BLUE,
    PURPLE,
    SKY,
    VERMILLION,
    LegendEntry,
    _large,
    _legend,
    _new_figure,
    _show_legend_items,
    _sizes,
)

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


def burden_figure(run: Any, *, theory: bool = False, fixed_axes: bool = False,
                  large: bool | None = None, width: int | None = None,
                  height: int | None = None) -> figure:
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
    fixed_axes : bool, optional
        For runs shown one after another in the same figure (an explorer's slider or
        New seed): the cell axis goes up to above the scenario's ``max_cells`` whatever
        the run does, and the time axis only grows (to the longest run shown so far),
        so that a faster-growing tumour draws a visibly steeper, shorter line instead
        of one rescaled to run corner to corner. By default the time axis ends where
        the run ends. The cell axis always reaches down to 1 cell, so a tumour that
        dies out keeps its axis labels.
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
    fig = _new_figure("burden", {"theory": theory, "fixed_axes": fixed_axes, "large": large},
                      large=large, x_label="Time (days)",
                      y_label="Cells (log scale; 0 not drawn)", width=width, height=height,
                      y_axis_type="log", y_range=Range1d(start=_ONE_CELL, end=10.0),
                      **({"x_range": Range1d(start=0.0, end=0.0)} if fixed_axes else {}))
    data = _burden_data(run, theory)
    src = _named_sources(data)
    therapy = fig.vstrip(x0="start", x1="end", source=src["therapy"], fill_color=SKY,
                         fill_alpha=0.3, line_color=None)
    cin = fig.vstrip(x0="start", x1="end", source=src["cin"], fill_alpha=0.0,
                     hatch_pattern="/", hatch_color=PURPLE, hatch_alpha=0.35,
                     hatch_scale=14, line_color=None)
    total = fig.line("time", "total", source=src["burden"], color=BLACK,
                     line_width=s.line + 0.5)
    addicted = fig.line("time", "addicted", source=src["burden"], color=BLUE,
                        line_width=s.line, line_dash="dashed")
    escaped = fig.line("time", "escaped", source=src["burden"], color=VERMILLION,
                       line_width=s.line + 0.5, line_dash="dotted")
    items: list[LegendEntry] = [("All cells", [total]), ("Oncogene-addicted", [addicted]),
             ("Escaped (oncogene-independent)", [escaped]), ("Therapy on (shaded)", [therapy]),
             ("CIN on (hatched)", [cin])]
    if theory:
        mean = fig.line("time", "mean", source=src["theory"], color=PURPLE,
                        line_width=s.line - 0.5, line_dash="dashdot")
        items.insert(3, ("Theory: mean n\u2080e^((b\u2212d)t)", [mean]))
    fig.vspan(x="time", source=src["events"], line_color="#555555", line_width=1.5,
              line_dash="dashed")
    fig.text(x="time", y="y", text="label", source=src["events"], text_align="align",
             text_baseline="middle", x_offset="offset", text_font_size=s.text,
             text_color="#333333",
             # bokeh's stub of figure.text leaves out the Text glyph's background fill
             background_fill_color="white", background_fill_alpha=0.8)  # type: ignore[call-arg]
    fig.add_tools(HoverTool(renderers=[total], mode="vline", tooltips=[
        ("Day", "@time{0.0}"), ("All cells", "@total_cells{0,0}"),
        ("Addicted", "@addicted_cells{0,0}"), ("Escaped", "@escaped_cells{0,0}")]))
    fig.add_tools(HoverTool(renderers=[therapy, cin], tooltips=[("", "@label")]))
    _legend(fig, items, large)
    _fill_burden(fig, run, theory=theory, fixed_axes=fixed_axes, large=large)()
    return fig


def _burden_data(run: Any, theory: bool) -> dict[str, Mapping[str, Any]]:
    data: dict[str, Mapping[str, Any]] = {
        "burden": burden_columns(run), "therapy": therapy_columns(run),
        "cin": cin_window_columns(run), "events": event_columns(run)}
    if theory:
        data["theory"] = theory_columns(run)
    return data


#: Bottom of the cell axis: a little below one cell, so that 1 has a tick and a label.
_ONE_CELL = 0.7
#: Headroom above the largest count on the log cell axis, for the event labels.
_HEADROOM = 40.0


def _fill_burden(fig: figure, run: Any, *, theory: bool, large: bool,
                 fixed_axes: bool = False) -> Callable[[], None]:
    data = _burden_data(run, theory)
    total = np.asarray(run.total, dtype=np.float64)
    top = float(np.max(total)) if total.size else 1.0
    if fixed_axes:
        # the stop size, not this run's peak (a run may overshoot it a little)
        top = float(run.scenario.max_cells)
    run_end = float(run.times[-1]) if len(run.times) else 0.0
    y_end = max(top, 10.0) * _HEADROOM
    seed = _seed_text(run.seed)
    if run.extinct:
        title = f"The tumour died out on day {_day(run.end_time)} (seed {seed})"
    else:
        title = f"Tumour size over time (seed {seed})"

    def apply() -> None:
        _fill(fig, data)
        _show_legend_items(fig, {"Therapy on (shaded)": len(data["therapy"]["start"]) > 0,
                                 "CIN on (hatched)": len(data["cin"]["start"]) > 0})
        fig.y_range.update(start=_ONE_CELL, end=y_end)
        if fixed_axes:
            fig.x_range.update(start=0.0, end=max(_numeric(fig.x_range).end, run_end, 1.0))
        _title(fig).text = title
    return apply


