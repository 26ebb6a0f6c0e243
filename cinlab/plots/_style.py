"""House style of cinlab figures: palette, fonts, sizes and the shared figure parts.

A :class:`Style` holds every size a figure builder needs; :data:`NORMAL` suits a
laptop screen and :data:`LARGE` a projector. Builders take ``large=True/False`` (or
``None`` for the lesson's choice, see :func:`session_style`) and turn it into a Style
with :func:`style_for`; nothing a builder does changes the choice for the next one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from bokeh.core.property.vectorization import Value
from bokeh.models.annotations import Legend, LegendItem
from bokeh.models.renderers import GlyphRenderer
from bokeh.palettes import Colorblind8
from bokeh.plotting import figure

from ._common import _title

#: Okabe–Ito colours: blue, orange, yellow, bluish green, sky blue, vermillion,
#: reddish purple, black.
OKABE_ITO = Colorblind8
BLUE, ORANGE, YELLOW, GREEN, SKY, VERMILLION, PURPLE, BLACK = Colorblind8
GREY = "#999999"

#: Environment variable that asks for large text (set by ``cinlab app --large``).
LARGE_ENV = "CINLAB_LARGE"


@dataclass(frozen=True, kw_only=True, slots=True)
class Style:
    """Fonts and sizes of cinlab figures.

    Figures stretch to the width of their container (``sizing_mode="stretch_width"``)
    between ``min_width`` and ``max_width``; ``width`` is the size of a figure shown
    where there is no container (a saved HTML file) and of fixed-size figures.
    """

    #: True for the projector style.
    large: bool
    #: Default and limits of the figure width, pixels.
    width: int
    min_width: int
    max_width: int
    #: Default figure height, pixels.
    height: int
    #: Font sizes (CSS) of titles, axis labels, tick labels, legends, text in plots and
    #: text in heat-map cells.
    title: str
    axis: str
    ticks: str
    legend: str
    text: str
    cell_text: str
    #: Width of data lines, pixels.
    line: float
    #: Heat-map cell width and height and virtual-FISH nucleus size, pixels.
    cell_w: int
    cell_h: int
    fish_px: int


#: For a laptop screen (fits 1366 px with JupyterLab's file browser open).
NORMAL = Style(large=False, width=760, min_width=420, max_width=1000, height=430,
               title="21px", axis="18px", ticks="17px", legend="17px", text="17px",
               cell_text="15px", line=2.5, cell_w=26, cell_h=18, fish_px=58)
#: For a projector: at least 20 px axis labels and 16 px tick labels.
LARGE = Style(large=True, width=920, min_width=480, max_width=1800, height=620,
              title="30px", axis="25px", ticks="22px", legend="22px", text="22px",
              cell_text="20px", line=4.0, cell_w=36, cell_h=30, fish_px=74)

#: The lesson's choice (see :func:`session_style`); one entry, replaced whole.
_SESSION: dict[str, Style] = {}


def env_large() -> bool:
    """Whether the environment asks for large text (``CINLAB_LARGE`` set to 1/true/yes)."""
    return os.environ.get(LARGE_ENV, "").strip().lower() in ("1", "true", "yes")


def session_style() -> Style:
    """The style a builder uses when it is given ``large=None``.

    The one chosen by :func:`use_large_text` (which :func:`cinlab.widgets.setup` calls),
    else :data:`LARGE` if the ``CINLAB_LARGE`` environment variable asks for it, else
    :data:`NORMAL`.
    """
    return _SESSION.get("style") or (LARGE if env_large() else NORMAL)


def use_large_text(large: bool | None) -> None:
    """Choose the style of figures built without ``large=`` from now on.

    :func:`cinlab.widgets.setup` calls it, so ``setup(large=True)`` makes every figure
    of a lesson readable on a projector.

    Parameters
    ----------
    large : bool or None
        True for bigger fonts, lines and figures; None to follow the ``CINLAB_LARGE``
        environment variable again.
    """
    if large is None:
        _SESSION.clear()
    else:
        _SESSION["style"] = LARGE if large else NORMAL


def style_for(large: bool | Style | None) -> Style:
    """The Style for a builder's ``large`` argument (None: :func:`session_style`)."""
    if isinstance(large, Style):
        return large
    return session_style() if large is None else (LARGE if large else NORMAL)


def _large(large: bool | None) -> bool:
    return style_for(large).large


def _sizes(large: bool) -> Style:
    return style_for(bool(large))


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


def _new_figure(kind: str, options: Mapping[str, Any], *, large: bool, x_label: str,
                y_label: str, width: int | None = None, height: int | None = None,
                **kwargs: Any) -> figure:
    """A figure with the house style; ``kind`` and ``options`` are kept for updates.

    Without ``width`` the figure stretches to its container's width (up to the style's
    maximum); with it the figure has that fixed width.
    """
    s = _sizes(large)
    if width is None:
        kwargs.setdefault("sizing_mode", "stretch_width")
        kwargs.setdefault("min_width", s.min_width)
        kwargs.setdefault("max_width", s.max_width)
    fig = figure(width=width or s.width, height=height or s.height, tools=_TOOLS,
                 toolbar_location="right", **kwargs)
    fig.tags = [{"cinlab_plot": kind, **options}]
    _title(fig).text_font_size = s.title
    fig.xaxis.axis_label = x_label
    fig.yaxis.axis_label = y_label
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.axis_label_text_font_size = s.axis
        axis.major_label_text_font_size = s.ticks
        axis.axis_label_text_font_style = "normal"
    fig.toolbar.logo = None
    return fig


#: A legend entry: its label and the renderers it shows and hides (GlyphRenderer is
#: generic only in bokeh's stubs, hence the quotes).
LegendEntry: TypeAlias = "tuple[str, list[GlyphRenderer[Any]]]"
#: Where a figure can hold a legend outside its plot area.
Place = Literal["above", "below", "left", "right", "center"]


def _legend(fig: figure, items: list[LegendEntry], large: bool, place: Place = "below",
            ncols: int = 2) -> Legend:
    """Put a legend outside the plot area (below it by default) so it never hides data.

    Clicking an entry hides its lines or bands.
    """
    s = _sizes(large)
    vertical = place in ("right", "left")
    legend = Legend(items=[LegendItem(label=label, renderers=r) for label, r in items],
                    label_text_font_size=s.legend, click_policy="hide",
                    orientation="vertical" if vertical else "horizontal",
                    spacing=2 if vertical else 14,
                    # bokeh's stub types padding as a Property of Properties; it takes an int
                    padding=6,  # type: ignore[arg-type]
                    glyph_width=34, margin=4)
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


def _legend_items(fig: figure) -> list[LegendItem]:
    """The items of a figure's (first) legend.

    Bokeh turns ``(label, renderers)`` pairs into LegendItems when they are set, though
    the property's declared type still admits the pairs; narrow it here.
    """
    items = fig.legend[0].items
    out = [item for item in items if isinstance(item, LegendItem)]
    if len(out) != len(items):
        raise TypeError(f"legend items are not all LegendItems: {items!r}")
    return out


def _show_legend_items(fig: figure, shown: Mapping[str, bool]) -> None:
    """Show a legend entry only when it has something to show (e.g. a therapy band)."""
    for item in _legend_items(fig):
        label = item.label.value if isinstance(item.label, Value) else item.label
        if isinstance(label, str) and label in shown:
            item.visible = shown[label]
