"""Karyotypes: the clone copy-number heatmap, aneuploidy and copy-number plots."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from bokeh.layouts import row
from bokeh.models import (
    FixedTicker,
    HoverTool,
    LayoutDOM,
    LinearColorMapper,
    Range1d,
)
from bokeh.models.annotations import ColorBar
from bokeh.models.tickers import ContinuousTicker
from bokeh.palettes import Blues256, RdBu, interp_palette
from bokeh.plotting import figure

from ..summaries import cells_text as _cells_text
from ..summaries import day_text as _day
from ..summaries import route_words as _route_words
from ..summaries import seed_text as _seed_text
from ._common import (
    _fill,
    _karyotype_phrase,
    _karyotype_text,
    _named_sources,
    _numeric,
    _plots,
    _select,
    _title,
    _titled_fill,
)
from ._style import (
    _ROUTE_STYLE,
    BLACK,
    BLUE,
    VERMILLION,
    _large,
    _legend,
    _new_figure,
    _range_on_data,
    _sizes,
)

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
    y_range = Range1d(start=top + 0.5, end=0.5)
    height = top * s.cell_h + 130
    heat = _new_figure("karyotype_heat", {}, large=large, x_label="Chromosome",
                       y_label="Clone (1 = largest)",
                       width=n_chrom * s.cell_w + 180, height=height,
                       x_range=Range1d(start=0.5, end=n_chrom + 0.5), y_range=y_range)
    heat.tags = []
    src = _named_sources(_karyotype_data(run, top))
    palette, low, high = _copy_palette(genome)
    mapper = LinearColorMapper(palette=palette, low=low, high=high, name="copy_mapper")
    cells = heat.rect(x="chromosome", y="row", width=1, height=1, source=src["karyotype"],
                      fill_color={"field": "copies", "transform": mapper},
                      line_color="line_color", line_width="line_width")
    heat.text(x="chromosome", y="row", text="text", source=src["karyotype"],
              text_color="text_color", text_align="center", text_baseline="middle",
              text_font_size=s.cell_text)
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
                   major_label_text_font_size=s.ticks, title_text_font_size=s.ticks,
                   name="copy_bar")
    heat.add_layout(bar, "right")

    sizes = _new_figure("karyotype_sizes", {}, large=large,
                        x_label="Cells in clone (log)", y_label="",
                        width=180 if not large else 300, height=height,
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
    _fill_karyotype(layout, run, top=top, large=large)()
    return layout


def _karyotype_data(run: Any, top: int) -> dict[str, Mapping[str, Any]]:
    return {"karyotype": karyotype_columns(run, top), "clones": clone_columns(run, top)}


def _fill_karyotype(layout: LayoutDOM, run: Any, *, top: int,
                    large: bool) -> Callable[[], None]:
    data = _karyotype_data(run, top)
    genome = run.scenario.genome
    palette, low, high = _copy_palette(genome)
    n_chrom = genome.n_chromosomes
    n_clones = len(run.clones["count"])
    shown = min(top, n_clones)
    # as many rows as clones shown (a run may end with one clone), tall enough for the
    # colour bar and the legend
    n_rows = max(shown, 1)
    height = max(n_rows * _sizes(large).cell_h + 130, 330 if not large else 420)
    seed = _seed_text(run.seed)
    if n_clones == 0:
        title = f"No cells left at the end (seed {seed})"
    elif n_clones == 1:
        title = f"Karyotype of the only clone (seed {seed})"
    elif shown == n_clones:
        title = f"Karyotypes of all {n_clones:,} clones (seed {seed})"
    else:
        title = f"Karyotypes of the {shown} largest of {n_clones:,} clones (seed {seed})"

    def apply() -> None:
        _fill(layout, data)
        _select(layout, "copy_mapper", LinearColorMapper).update(palette=palette, low=low,
                                                                 high=high)
        _select(layout, "copy_ticks", FixedTicker).ticks = list(range(genome.max_copies + 1))
        heat, sizes = _plots(layout)
        heat.x_range.update(start=0.5, end=n_chrom + 0.5)
        _select(layout, "chrom_ticks", FixedTicker).ticks = list(range(1, n_chrom + 1))
        heat.y_range.update(start=n_rows + 0.5, end=0.5)
        _select(layout, "row_ticks", FixedTicker).ticks = list(range(1, n_rows + 1))
        heat.height = sizes.height = height
        _title(heat).text = title
        _title(sizes).text = "Clone size"
    return apply


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
                      y_label="Cells (%)", width=width or int(s.width * 0.8),
                      height=height or int(s.height * 0.8))
    src = _named_sources({"aneuploidy": aneuploidy_columns(run)})
    bars = fig.vbar(x="score", top="percent", width=0.8, source=src["aneuploidy"],
                    fill_color=BLUE, line_color=BLACK)
    _numeric(fig.y_range).start = 0
    ticker = fig.xaxis[0].ticker
    if not isinstance(ticker, ContinuousTicker):
        raise TypeError(f"expected a continuous ticker on the score axis; got {ticker!r}")
    ticker.desired_num_ticks = 10
    fig.add_tools(HoverTool(renderers=[bars], tooltips=[
        ("Score", "@score"), ("Cells", "@cells{0,0} (@percent{0.0}%)")]))
    _fill_aneuploidy(fig, run, large=large)()
    return fig


def _fill_aneuploidy(fig: figure, run: Any, *, large: bool) -> Callable[[], None]:
    data = {"aneuploidy": aneuploidy_columns(run)}
    title = f"How aneuploid are the cells? (seed {_seed_text(run.seed)})"
    return lambda: _titled_fill(fig, data, title)


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
                      y_label="Copies", width=n_chrom * s.cell_w + 200,
                      height=(genome.max_copies + 1) * (s.cell_h + 6) + 130,
                      x_range=Range1d(start=0.5, end=n_chrom + 0.5),
                      y_range=Range1d(start=-0.5, end=genome.max_copies + 0.5))
    src = _named_sources({"copy_number": copy_number_columns(run)})
    mapper = LinearColorMapper(palette=list(Blues256[::-1][20:]), low=0, high=100)
    cells = fig.rect(x="chromosome", y="copies", width=1, height=1, source=src["copy_number"],
                     fill_color={"field": "percent", "transform": mapper}, line_color="white")
    fig.text(x="chromosome", y="copies", text="text", source=src["copy_number"],
             text_color="text_color", text_align="center", text_baseline="middle",
             text_font_size=s.cell_text)
    fig.hspan(y=[genome.ploidy - 0.5, genome.ploidy + 0.5], line_color=VERMILLION,
              line_dash="dashed", line_width=2.5, level="overlay")
    fig.xaxis.ticker = FixedTicker(ticks=list(range(1, n_chrom + 1)))
    fig.yaxis.ticker = FixedTicker(ticks=list(range(genome.max_copies + 1)))
    fig.grid.visible = False
    fig.add_tools(HoverTool(renderers=[cells], tooltips=[
        ("Chromosome", "@chromosome"), ("Copies", "@copies"),
        ("Cells", "@cells{0,0} (@percent{0.0}%)")]))
    fig.add_layout(ColorBar(color_mapper=mapper, title="Cells (%)", width=16,
                            major_label_text_font_size=s.ticks,
                            title_text_font_size=s.ticks), "right")
    _fill_copy_number(fig, run, large=large)()
    return fig


def _fill_copy_number(fig: figure, run: Any, *, large: bool) -> Callable[[], None]:
    data = {"copy_number": copy_number_columns(run)}
    title = f"Copies per chromosome, % of cells (seed {_seed_text(run.seed)})"
    return lambda: _titled_fill(fig, data, title)


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
