"""Muller plots: nested lineage bands over time, with escape routes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from bokeh.models import (
    FixedTicker,
    HoverTool,
    NumeralTickFormatter,
    Range1d,
)
from bokeh.plotting import figure

from ..summaries import day_text as _day
from ..summaries import route_words as _route_words
from ..summaries import seed_text as _seed_text
from ._common import _fill, _karyotype_phrase, _karyotype_text, _named_sources, _title
from ._style import (
    _ADDICTED_FILLS,
    _ROUTE_STYLE,
    BLACK,
    BLUE,
    LegendEntry,
    _large,
    _legend,
    _new_figure,
    _range_on_data,
    _show_legend_items,
)
from .growth import therapy_columns

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
    for root in roots:
        width[:, root] = scale * size[:, root] / safe_tumour
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
    for root in roots:
        lower[:, root] = start
        upper[:, root] = start + width[:, root]
        start = upper[:, root]
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
                      width=width, height=height, y_range=Range1d(start=0.0, end=1.09))
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
    legend_items: list[LegendEntry] = []
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
    _fill_muller(fig, run, mode=mode, large=large)()
    return fig


def _muller_data(run: Any, mode: str) -> dict[str, Mapping[str, Any]]:
    return {"lineages": muller_columns(run, mode), "therapy": _therapy_bar_columns(run)}


def _fill_muller(fig: figure, run: Any, *, mode: str, large: bool) -> Callable[[], None]:
    data = _muller_data(run, mode)
    kind = "Muller plot" if mode == "frequency" else "fish plot, log-scaled widths"
    title = f"Lineages over time ({kind}; seed {_seed_text(run.seed)})"

    def apply() -> None:
        _fill(fig, data)
        _show_legend_items(fig, {"Therapy on (bar above)": len(data["therapy"]["start"]) > 0})
        _title(fig).text = title
    return apply


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
