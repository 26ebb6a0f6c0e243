"""Shared helpers of the figure modules: data sources and karyotype words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
from bokeh.model import Model
from bokeh.models import (
    ColumnDataSource,
    LayoutDOM,
    Plot,
)
from bokeh.models.annotations import Title
from bokeh.models.ranges import NumericalRange, Range

_M = TypeVar("_M", bound=Model)


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
    named = {}
    for plot in _plots(fig):
        for renderer in plot.renderers:
            source = getattr(renderer, "data_source", None)
            if isinstance(source, ColumnDataSource) and source.name:
                named[source.name] = source
    return named


def _plots(fig: LayoutDOM) -> list[Plot]:
    """The figure itself, or the figures of a row or column."""
    if isinstance(fig, Plot):
        return [fig]
    return [c for c in getattr(fig, "children", []) if isinstance(c, Plot)]


def _select(fig: LayoutDOM, name: str, kind: type[_M]) -> _M:
    """The model of the given type and name in a figure or layout."""
    model = fig.select_one({"name": name})
    if not isinstance(model, kind):
        raise TypeError(f"no {kind.__name__} named {name!r} in this figure; got {model!r}")
    return model


def _numeric(rng: Range) -> NumericalRange:
    """A figure's range as a numeric range (one with start and end)."""
    if not isinstance(rng, NumericalRange):
        raise TypeError(f"expected a numeric range (start, end); got {rng!r}")
    return rng


def _fill(fig: LayoutDOM, data: Mapping[str, Mapping[str, Any]]) -> None:
    """Replace the data of each named source with a whole new dict."""
    named = sources(fig)
    for name, columns in data.items():
        named[name].data = dict(columns)


def _named_sources(data: Mapping[str, Mapping[str, Any]]) -> dict[str, ColumnDataSource]:
    return {name: ColumnDataSource(dict(columns), name=name) for name, columns in data.items()}


def _title(fig: Plot) -> Title:
    """The title model of a figure.

    Bokeh's figure always makes one (a title given as text becomes a Title), but the
    property's declared type also admits text and None, so narrow it here.
    """
    title = fig.title
    if not isinstance(title, Title):
        raise TypeError(f"figure has no Title model: its title is {title!r}")
    return title


def _titled_fill(fig: Plot, data: Mapping[str, Mapping[str, Any]], title: str) -> None:
    """Replace a figure's data and its title."""
    _fill(fig, data)
    _title(fig).text = title


def _empty(fig: LayoutDOM) -> None:
    """Empty every named source of a figure (same columns, no rows)."""
    for source in sources(fig).values():
        source.data = {key: [] for key in source.data}
