"""Virtual FISH: nuclei with coloured dots, one per chromosome copy."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from bokeh.models import (
    HoverTool,
    Range1d,
)
from bokeh.plotting import figure

from ..summaries import seed_text as _seed_text
from ._common import _fill, _named_sources, _title
from ._style import (
    _PROBES,
    SKY,
    _large,
    _legend,
    _legend_items,
    _new_figure,
    _sizes,
)

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
    px = s.fish_px
    fig = _new_figure("fish", {"chromosomes": None if chromosomes is None else list(
        chromosomes), "n_cells": n_cells, "seed": seed, "large": large}, large=large,
        x_label="", y_label="", x_range=Range1d(start=x0, end=x1),
        y_range=Range1d(start=y0, end=y1),
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
             text_align="center", text_baseline="top", text_font_size=s.text)
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
    _fill_fish(fig, run, chromosomes=chromosomes, n_cells=n_cells, seed=seed, large=large)()
    return fig


def _fish_data(run: Any, chromosomes: Sequence[int] | None, n_cells: int, seed: int,
               px: float) -> dict[str, Mapping[str, Any]]:
    dots = fish_columns(run, chromosomes, n_cells, seed)
    dots["size"] = dots.pop("spacing") * px * _FISH_DOT
    return {"dots": dots, "nuclei": fish_nuclei_columns(run, chromosomes, n_cells, seed)}


def _fill_fish(fig: figure, run: Any, *, chromosomes: Sequence[int] | None, n_cells: int,
               seed: int, large: bool) -> Callable[[], None]:
    data = _fish_data(run, chromosomes, n_cells, seed, _sizes(large).fish_px)
    probes = _fish_chromosomes(run, chromosomes)
    shapes = ("yellow circles", "vermillion triangles", "pink squares")
    title = (f"Virtual FISH: {n_cells} cells sampled at the end "
             f"(seed {_seed_text(run.seed)})")

    def apply() -> None:
        _fill(fig, data)
        for p, item in enumerate(_legend_items(fig)):
            if p < len(probes):
                item.label = {"value": f"Chromosome {probes[p]} ({shapes[p]})"}
                item.visible = True
            else:
                item.visible = False
        _title(fig).text = title
    return apply


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
