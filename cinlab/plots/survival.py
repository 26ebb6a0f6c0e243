"""Cohort views: every run's burden (spaghetti) and Kaplan–Meier relapse-free curves."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from bokeh.models import (
    HoverTool,
    Range1d,
)
from bokeh.models.renderers import DataRenderer
from bokeh.plotting import figure

from ..summaries import seed_text as _seed_text
from ._common import _named_sources, _positive, _titled_fill
from ._style import (
    BLACK,
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    LegendEntry,
    Style,
    _large,
    _legend,
    _legend_items,
    _new_figure,
    _sizes,
)

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

    In the band and the median a run that stopped (at ``max_cells``: the presets stop
    a relapsed tumour there) counts at its last size (:meth:`Cohort.burden_quantiles`).

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
                      line_width=s.line + 0.5)
    fig.line("time", "low", source=src["quantiles"], line_color=BLUE, line_dash="dashed",
             line_width=1.5)
    fig.line("time", "high", source=src["quantiles"], line_color=BLUE, line_dash="dashed",
             line_width=1.5)
    fig.add_tools(HoverTool(renderers=[median], mode="vline", tooltips=[
        ("Day", "@time{0.0}"), ("Median", "@median{0,0} cells"),
        ("10\u201390%", "@low{0,0} \u2013 @high{0,0} cells")]))
    _legend(fig, [("One run (thin grey)", [lines]), ("Middle 80% of runs (band)", [band]),
                  ("Median run (thick)", [median])], large)
    _fill_spaghetti(fig, cohort, max_runs=max_runs, large=large)()
    return fig


def _spaghetti_data(cohort: Any, max_runs: int) -> dict[str, Mapping[str, Any]]:
    return {"runs": spaghetti_columns(cohort, max_runs), "quantiles": quantile_columns(cohort)}


def _fill_spaghetti(fig: figure, cohort: Any, *, max_runs: int,
                    large: bool) -> Callable[[], None]:
    data = _spaghetti_data(cohort, max_runs)
    shown = min(max_runs, int(cohort.n_runs))
    drawn = f", {shown} drawn" if shown < cohort.n_runs else ""
    title = f"Tumour size in {cohort.n_runs} runs{drawn} (seed {_seed_text(cohort.seed)})"
    return lambda: _titled_fill(fig, data, title)


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


#: Beyond this many arms the confidence bands are left out: they would overlap.
_MAX_BANDS = 2
_DASHES = ("solid", "dashed", "dotted", "dotdash", "dashdot")
_ARM_COLORS = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, BLACK)


def _arms(arms: Any) -> dict[str, Any]:
    if isinstance(arms, Mapping):
        if not arms:
            raise ValueError("arms must name at least one cohort.")
        return dict(arms)
    return {"All runs": arms}


def _pvalues(arms: Mapping[str, Any]) -> dict[str, float]:
    """Log-rank p-value of every arm against the first (nan where either had none treated)."""
    names = list(arms)
    first = arms[names[0]]
    return {name: float(arms[name].compare(first).pvalue)
            if _any_treated(arms[name]) and _any_treated(first) else math.nan
            for name in names[1:]}


def _any_treated(cohort: Any) -> bool:
    return bool(np.any(np.asarray(cohort.treated, dtype=bool)))


def _curve_or_empty(cohort: Any) -> dict[str, np.ndarray]:
    """The survival columns, or no rows when no run was treated (there is no curve)."""
    if _any_treated(cohort):
        return survival_columns(cohort)
    return {key: np.zeros(0) for key in ("time", "probability", "lower", "upper", "percent")}


def _p_text(p: float) -> str:
    if math.isnan(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def survival_figure(arms: Any, *, large: bool | None = None, width: int | None = None,
                    height: int | None = None) -> figure:
    """Plot Kaplan–Meier relapse-free curves with confidence bands, one per arm.

    Each arm has its own colour and line dash; with two arms the log-rank p-value is in
    the title, with more each arm's p-value against the first is in the legend. Bands
    are drawn for one or two arms only (more would overlap into a blur), and the legend
    sits below the plot, which grows taller by the legend's rows instead of shrinking.
    An arm in which no run was treated has no curve; its legend entry says so.

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
                      height=height, y_range=Range1d(start=0.0, end=1.04))
    src = _named_sources({f"survival:{n}": _curve_or_empty(arms[n]) for n in names})
    items: list[LegendEntry] = []
    lines: list[DataRenderer] = []
    for i, name in enumerate(names):
        color, dash = _ARM_COLORS[i % len(_ARM_COLORS)], _DASHES[i % len(_DASHES)]
        source = src[f"survival:{name}"]
        line = fig.step("time", "probability", mode="after", source=source, line_color=color,
                        line_dash=dash, line_width=s.line + 0.5)
        lines.append(line)
        items.append((name, [line]))
        if len(names) <= _MAX_BANDS:
            items[-1][1].append(fig.varea_step(x="time", y1="lower", y2="upper",
                                               step_mode="after", source=source,
                                               fill_color=color, fill_alpha=0.15))
    fig.add_tools(HoverTool(renderers=lines, mode="vline", tooltips=[
        ("Day", "@time{0.0}"), ("Relapse-free", "@percent{0.0}%"),
        ("95% band", "@lower{0.00} \u2013 @upper{0.00}")]))
    # beyond two arms the labels carry p-values: one per line, so none is clipped, and
    # the figure grows by those lines but two (the plot gives up two lines' height, so
    # that a five-arm explorer still fits a 1366×768 laptop screen)
    ncols = 1 if len(names) > 2 else 2
    _legend(fig, items, large, ncols=ncols)
    if fig.height is not None:  # always set by _new_figure; bokeh's type allows None
        shared = 0 if ncols > 1 else _legend_rows_px(2, 1, s)
        fig.height += _legend_rows_px(len(names), ncols, s) - shared
    _fill_survival(fig, arms, names=names, large=large)()
    return fig


def _legend_rows_px(n_items: int, ncols: int, s: Style) -> int:
    """Height added for the legend rows below a plot (about 1.6 lines of legend text)."""
    rows = -(-n_items // ncols)
    return int(rows * 1.6 * float(s.legend.removesuffix("px")))


def _fill_survival(fig: figure, arms: Any, *, names: list[str],
                   large: bool) -> Callable[[], None]:
    arms = _arms(arms)
    if list(arms) != names:
        raise ValueError(f"this figure shows arms {names}; got {list(arms)}.")
    data = {f"survival:{n}": _curve_or_empty(arms[n]) for n in names}
    pvalues = _pvalues(arms)
    labels = []
    for i, name in enumerate(names):
        c = arms[name]
        label = f"{name}: {int(np.sum(c.relapsed))} of {int(np.sum(c.treated))} relapsed"
        if not _any_treated(c):
            label = f"{name}: no run treated, no curve"
        if len(names) > 2 and i > 0:
            label += f" ({_p_text(pvalues[name])} vs {names[0]})"
        labels.append(label)
    title = "Relapse-free survival"
    if len(names) == 2:
        title += f": log-rank {_p_text(pvalues[names[1]])}"
    title = f"{title} (seed {_seed_text(arms[names[0]].seed)})"

    def apply() -> None:
        _titled_fill(fig, data, title)
        for label, item in zip(labels, _legend_items(fig), strict=True):
            item.label = {"value": label}
    return apply


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
