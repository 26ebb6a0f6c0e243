"""Bokeh figures of cinlab runs, cohorts and sweeps.

Every figure comes in two parts: a pure ``*_columns`` function that turns a result into
a dict of equal-length columns (tested without a browser), and a ``*_figure`` builder
that returns a fresh Bokeh figure drawing those columns (one figure per call: a Bokeh
model belongs to one document). :func:`update_figure` refills a figure from a new
result by replacing each ``source.data`` whole, which is what the explorers in
:mod:`cinlab.widgets` do on every change; :func:`prepare_update` splits that into a
step that may fail (computing everything) and one that cannot (assigning it), so that
several figures are updated all together or not at all. The ``describe_*`` functions
write the plain text summary shown under each figure.

The modules hold one figure family each: :mod:`~cinlab.plots.growth` (tumour burden),
:mod:`~cinlab.plots.muller` (lineages), :mod:`~cinlab.plots.karyotype` (clone heatmap,
aneuploidy, copy numbers), :mod:`~cinlab.plots.fish` (virtual FISH),
:mod:`~cinlab.plots.survival` (cohorts: every run's burden and Kaplan–Meier curves) and
:mod:`~cinlab.plots.sweep`; :mod:`~cinlab.plots._style` holds the palette and the
:class:`Style` (fonts and sizes) of both text sizes.

Accessibility: Okabe–Ito colours (``bokeh.palettes.Colorblind8``) and never colour
alone (line dashes, marker shapes, hatching and text carry the same information); axis
labels with units; fonts of at least 16 px and ``large=True`` for projectors (at least
20 px axis labels). Figures stretch to their container's width up to a maximum.

Log axes cannot show zero: counts of zero cells are not drawn (lines end where a
population dies out) and the axis label says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bokeh.models import LayoutDOM

from ..summaries import describe_cohort, describe_run
from ._common import _empty, sources
from ._style import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    LARGE,
    LARGE_ENV,
    NORMAL,
    OKABE_ITO,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    YELLOW,
    Style,
    session_style,
    style_for,
    use_large_text,
)
from .fish import _fill_fish, describe_fish, fish_columns, fish_figure, fish_nuclei_columns
from .growth import (
    _fill_burden,
    burden_columns,
    burden_figure,
    cin_window_columns,
    event_columns,
    theory_columns,
    therapy_columns,
)
from .karyotype import (
    _fill_aneuploidy,
    _fill_copy_number,
    _fill_karyotype,
    aneuploidy_columns,
    aneuploidy_figure,
    clone_columns,
    copy_number_columns,
    copy_number_figure,
    describe_aneuploidy,
    describe_karyotypes,
    karyotype_columns,
    karyotype_figure,
)
from .muller import _fill_muller, describe_lineages, muller_columns, muller_figure, muller_layout
from .survival import (
    _fill_spaghetti,
    _fill_survival,
    describe_arms,
    quantile_columns,
    spaghetti_columns,
    spaghetti_figure,
    survival_columns,
    survival_figure,
)
from .sweep import _fill_sweep, describe_sweep, sweep_columns, sweep_figure

__all__ = [
    "BLACK",
    "BLUE",
    "GREEN",
    "GREY",
    "LARGE",
    "LARGE_ENV",
    "NORMAL",
    "OKABE_ITO",
    "ORANGE",
    "PURPLE",
    "SKY",
    "VERMILLION",
    "YELLOW",
    "Style",
    "aneuploidy_columns",
    "aneuploidy_figure",
    "burden_columns",
    "burden_figure",
    "cin_window_columns",
    "clear_figure",
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
    "prepare_update",
    "quantile_columns",
    "session_style",
    "sources",
    "spaghetti_columns",
    "spaghetti_figure",
    "style_for",
    "survival_columns",
    "survival_figure",
    "sweep_columns",
    "sweep_figure",
    "therapy_columns",
    "theory_columns",
    "update_figure",
    "use_large_text",
]

_FILLERS: dict[str, Callable[..., Callable[[], None]]] = {
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


def _plot_info(fig: LayoutDOM) -> tuple[str, dict[str, Any]]:
    for tag in fig.tags:
        if isinstance(tag, dict) and "cinlab_plot" in tag:
            options = dict(tag)
            return options.pop("cinlab_plot"), options
    raise ValueError("update_figure() needs a figure made by a cinlab.plots *_figure function.")


def prepare_update(fig: LayoutDOM, result: Any, **options: Any) -> Callable[[], None]:
    """Compute what a figure made by a ``*_figure`` builder shows of a new result.

    Everything that can fail (reading the result, statistics, text) happens here; the
    returned function only assigns the prepared data and titles to the figure, so an
    explorer can prepare all its figures first and change none of them if one fails.

    Parameters
    ----------
    fig : bokeh.models.LayoutDOM
        The figure (or layout) to refill.
    result : Run, Cohort, Mapping or sweep table
        What the builder was given: a Run, a Cohort, a mapping of arm names to
        Cohorts, or a sweep table.
    **options
        Builder options to change from now on (e.g. a FISH figure's ``seed``); the
        figure keeps them once the update is applied.

    Returns
    -------
    callable
        Call it with no arguments to show the result.

    Raises
    ------
    ValueError
        If ``fig`` was not made by cinlab.plots, or the result cannot be shown (e.g. a
        survival curve of a cohort where no run was treated).
    """
    kind, kept = _plot_info(fig)
    unknown = set(options) - set(kept)
    if unknown:
        raise ValueError(f"a {kind} figure has no option {sorted(unknown)}; "
                         f"it has {sorted(kept)}.")
    apply = _FILLERS[kind](fig, result, **{**kept, **options})
    if not options:
        return apply

    def apply_and_keep() -> None:
        fig.tags = [{"cinlab_plot": kind, **kept, **options}]
        apply()
    return apply_and_keep


def update_figure(fig: LayoutDOM, result: Any) -> None:
    """Show a new result in a figure made by a ``*_figure`` builder.

    Each of the figure's data sources gets a whole new ``data`` dict (Bokeh then sends
    one document patch) and titles are rewritten; the options the figure was built
    with (e.g. ``theory=True``) are kept. Nothing changes if it raises.

    Parameters
    ----------
    fig : bokeh.models.LayoutDOM
        The figure (or layout) to refill.
    result : Run, Cohort, Mapping or sweep table
        What the builder was given (see :func:`prepare_update`).

    Raises
    ------
    ValueError
        If ``fig`` was not made by cinlab.plots, or the result cannot be shown.
    """
    prepare_update(fig, result)()


def clear_figure(fig: LayoutDOM, title: str = "Press Run to simulate") -> None:
    """Empty a figure made by a ``*_figure`` builder: no data, a title saying why.

    Parameters
    ----------
    fig : bokeh.models.LayoutDOM
        The figure (or layout) to empty.
    title : str, optional
        Its new title (the first plot's, for a layout).
    """
    _plot_info(fig)
    _empty(fig)
    first = (getattr(fig, "children", None) or [fig])[0]  # a layout's first plot
    first.title.text = title
