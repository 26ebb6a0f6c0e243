"""Sweep views: relapse against one swept parameter (line) or two (heat map)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from bokeh.models import (
    HoverTool,
    LinearColorMapper,
    NumeralTickFormatter,
    Range1d,
)
from bokeh.models.annotations import ColorBar
from bokeh.palettes import Blues256
from bokeh.plotting import figure

from .. import params
from ._common import _fill, _named_sources, _title
from ._style import (
    BLACK,
    BLUE,
    SKY,
    _large,
    _legend,
    _new_figure,
    _sizes,
)

# ------------------------------------------------------------------ sweep views


#: Columns of a sweep table that are results, not swept parameters.
_SWEEP_STATS = ("relapse_fraction", "relapse_low", "relapse_high", "median_relapse_time",
                "extinct_fraction", "detected_fraction", "n_runs", "n_treated")


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
                          y_range=Range1d(start=0.0, end=1.04))
        band = fig.varea(x="x_value", y1="low", y2="high", source=src["sweep"],
                         fill_color=SKY, fill_alpha=0.4)
        line = fig.line("x_value", "relapse_fraction", source=src["sweep"], color=BLUE,
                        line_width=s.line)
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
                 text_align="center", text_baseline="middle", text_font_size=s.text)
        fig.grid.visible = False
        fig.add_layout(ColorBar(color_mapper=mapper, title="Relapsed", width=16,
                                formatter=NumeralTickFormatter(format="0%"),
                                major_label_text_font_size=s.ticks,
                                title_text_font_size=s.ticks), "right")
        fig.add_tools(HoverTool(renderers=[cells], tooltips=[
            (names[0], "@x"), (names[1], "@y"),
            ("Relapsed", "@percent (95% CI @low{0%}\u2013@high{0%})"), ("Runs", "@n_runs")]))
    fig.tags = [{"cinlab_plot": "sweep", "large": large}]
    _fill_sweep(fig, table, large=large)()
    return fig


def _safe_meta(dotted: str) -> Mapping[str, Any]:
    try:
        return params.dotted_spec(dotted)
    except ValueError:
        return {}


def _fill_sweep(fig: figure, table: Any, *, large: bool) -> Callable[[], None]:
    data = sweep_columns(table)
    runs = sorted(set(np.asarray(data["n_runs"]).tolist()))
    each = f"{runs[0]} runs per point" if len(runs) == 1 else "runs per point vary"

    def apply() -> None:
        _fill(fig, {"sweep": data})
        _title(fig).text = f"Relapse across the sweep ({each})"
    return apply


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
