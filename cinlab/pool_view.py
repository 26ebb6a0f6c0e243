"""The class's pooled result as a figure, and as one web page for the projector.

Bokeh only (no ipywidgets): :func:`pool_figure` is used by the pooling explorer
(``widgets.pool_cards()``) and by ``cinlab pool CARD... --out class.html``.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from bokeh.embed import file_html
from bokeh.models import ColumnDataSource, HoverTool, Range1d
from bokeh.models.renderers import DataRenderer
from bokeh.plotting import figure
from bokeh.resources import INLINE

from . import cards, plots
from .plots._common import _title

__all__ = ["COLORS", "class_page", "figure_frame", "pool_columns", "pool_figure"]

#: Okabe-Ito blue, vermillion, bluish green, orange (colour-blind safe), with dashes.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#E69F00")
_DASHES = ("solid", "dashed", "dotted", "dotdash")
_TOOLS = "pan,box_zoom,wheel_zoom,reset,save"


def figure_frame(large: bool, title: str, x_label: str, y_label: str,
                 **kwargs: Any) -> figure:
    """An empty figure in the lessons' style (bigger fonts when ``large``)."""
    width, height = (900, 480) if large else (680, 360)
    fig = figure(tools=_TOOLS, title=title, width=width, height=height, **kwargs)
    fig.toolbar.logo = None
    font = "18px" if large else "13px"
    _title(fig).text_font_size = font
    fig.xaxis.axis_label, fig.yaxis.axis_label = x_label, y_label
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.axis_label_text_font_size = font
        axis.major_label_text_font_size = font
        axis.axis_label_text_font_style = "normal"
    return fig


def _steps(time_: np.ndarray, prob: np.ndarray) -> tuple[list[float], list[float]]:
    """Corner points of a step function that holds each value until the next time."""
    xs = np.repeat(time_, 2)[1:]
    ys = np.repeat(prob, 2)[:-1]
    return xs.tolist(), ys.tolist()


def pool_columns(result: cards.Pool) -> dict[str, dict[str, Any]]:
    """Data of the pool figure: each arm's group curves and its pooled curve with band."""
    out: dict[str, dict[str, Any]] = {}
    for name, pooled in result.arms.items():
        xs, ys = [], []
        for card in result.cards:
            part = card.arms[name]
            if np.any(part.treated):
                curve = plots.survival_columns(part)
                x, y = _steps(curve["time"], curve["probability"])
                xs.append(x)
                ys.append(y)
        out[f"groups:{name}"] = {"xs": xs, "ys": ys}
        if np.any(pooled.treated):
            out[f"pooled:{name}"] = plots.survival_columns(pooled)
        else:
            out[f"pooled:{name}"] = {k: np.zeros(0) for k in
                                     ("time", "probability", "lower", "upper", "percent")}
    return out


def pool_figure(result: cards.Pool, *, large: bool = False) -> figure:
    """Each group's Kaplan-Meier curve faint, the pooled curve bold with its 95% band.

    Parameters
    ----------
    result : Pool
        From :func:`cinlab.cards.pool`.
    large : bool
        Bigger fonts for projectors.

    Returns
    -------
    bokeh.plotting.figure
    """
    comparison = result.compare()
    title = f"The class's mice: {len(result.cards)} cards pooled"
    if comparison is not None:
        p = comparison.pvalue
        title += f", log-rank {'p < 0.001' if p < 0.001 else f'p = {p:.3f}'}"
    fig = figure_frame(large, title, "Days since therapy started",
                       "Relapse-free (fraction of mice)", y_range=Range1d(start=0.0, end=1.04))
    lines: list[DataRenderer] = []
    for i, (name, data) in enumerate(pool_columns(result).items()):
        arm = name.split(":", 1)[1]
        color, dash = COLORS[(i // 2) % len(COLORS)], _DASHES[(i // 2) % len(_DASHES)]
        source = ColumnDataSource(data, name=name)
        if name.startswith("groups:"):
            fig.multi_line("xs", "ys", source=source, line_color=color, line_alpha=0.35,
                           line_width=1.5, line_dash=dash,
                           legend_label=f"{arm}: each group")
        else:
            n = result.n_mice(arm)
            fig.varea_step(x="time", y1="lower", y2="upper", step_mode="after", source=source,
                           fill_color=color, fill_alpha=0.18, legend_label=f"{arm}: 95% band")
            lines.append(fig.step("time", "probability", mode="after", source=source,
                                  line_color=color, line_dash=dash, line_width=4,
                                  legend_label=f"{arm}: pooled, {n} mice"))
    if lines:
        fig.add_tools(HoverTool(renderers=lines, mode="vline", tooltips=[
            ("Day", "@time{0}"), ("Relapse-free", "@percent{0.0}%")]))
        legend = fig.legend[0]
        legend.click_policy = "hide"
        legend.label_text_font_size = "16px" if large else "12px"
        fig.add_layout(legend, "right")  # beside the plot: it never hides a curve
    return fig



def class_page(result: cards.Pool, *, large: bool = True) -> str:
    """One self-contained web page of the pooled class result (figure, words, problems)."""
    problems = "".join(f"<li>{html.escape(e)}</li>" for e in result.errors)
    parts = [f"<p style=\"font-size:1.3em\">{html.escape(result.describe())}</p>"]
    if problems:
        parts.append(f"<h2>Cards left out</h2><ul>{problems}</ul>")
    if result.arms:
        fig = pool_figure(result, large=large)
        # BokehJS, inline in the head, contains "<body>" too: the tag is the last one
        head, tag, rest = file_html(fig, INLINE, "The class's mice").rpartition("<body>")
        return head + tag + "".join(parts) + rest
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>The class's mice</title></head><body>{''.join(parts)}</body></html>")

