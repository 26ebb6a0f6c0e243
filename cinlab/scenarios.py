"""Named, validated scenario presets.

Each preset is a function returning a :class:`~cinlab.params.Scenario`; keyword
overrides use dotted names (``get("sotillo2010", mad2=True, **{"cin.missegregation_rate":
0.003})``). Every number below names its source or is labelled a teaching
simplification; ``docs/model.md`` explains each one.

The virtual tumour is small (detection at 1e5 cells, where a real mouse lung tumour holds
about 1e8) so that a class can simulate a cohort of a hundred mice in seconds. The escape
mutation rate and the CIN rate are tuned so that escape is about as rare per tumour as the
experiment suggests: a teaching simplification stated in the lessons.

Other preset numbers, all teaching simplifications: 5 founding cells (nearly every mouse
develops a tumour, 3% of lesions die out by chance); 360 days simulated (about ten months
of follow-up after detection); relapse = regrowth to the detection size; runs stop at
twice that size, right after relapse. Missegregation is per chromosome *copy* per
division throughout: a diploid cell's rate per chromosome is twice that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .params import CIN, Escape, Fitness, Genome, Growth, Scenario, Therapy

__all__ = ["describe", "get", "names"]

#: Kras-on growth: net 0.2/day, detection in about 50-60 days (Fisher et al. 2001:
#: adenocarcinomas by 2 months). Teaching simplification.
_GROWTH = Growth(birth_rate=0.4, death_rate=0.2)
#: Oncogene withdrawal: addicted cells stop dividing and die at 0.9/day, a 15-fold fall in
#: 3 days and no addicted cell left within about two weeks (Fisher et al. 2001: dramatic
#: fall within 3 days, undetectable by 1 month). Teaching simplification.
_WITHDRAWAL: dict[str, Any] = {"birth_rate": 0.0, "death_rate": 0.9}
#: Oncogene-independent cells: net 0.15/day before the aneuploidy cost, relapse a few
#: months after withdrawal. Teaching simplification.
_ESCAPE = Escape(bypass_chromosomes=(4, 6, 15), bypass_gain=3, mutation_rate=1e-6,
                 birth_rate=0.3, death_rate=0.15)
#: Normal missegregation, outside the Mad2 window (TI-K, and TI-KM after withdrawal):
#: 0.075% per chromosome per division in normal human cells (Shi & King 2005), i.e.
#: 0.0375% per copy of a diploid chromosome; 1.5% of the 40-copy mouse cell's divisions.
#: The ``untreated`` and ``withdrawal`` presets keep 0, so that lessons 01-02 see escape
#: by mutation only.
_NORMAL_RATE = 0.000375
#: Mad2-driven CIN: 0.12% per copy = 0.24% per chromosome per division, 4.7% of divisions;
#: of the order of HeLa's 0.315% per chromosome (Shi & King 2005). Mad2-overexpressing
#: cells missegregate often (Sotillo et al. 2007, Fig. 3; Kabeche & Compton 2012) but no
#: per-chromosome rate is published for them: a teaching choice, tuned with _COST so that
#: TI-KM relapse is several times TI-K relapse.
_MAD2_RATE = 0.0012
#: Fitness cost per chromosome change, paid by each aneuploid cell: 1%, below the 6%
#: measured in cancer cell lines (PMC3722120). Tuned: with 6% TI-KM tumours are detected
#: about 3 days after TI-K ones, whereas Mad2 cooperated with Kras in the mice (Sotillo et
#: al. 2010, Fig. 1); with 1% onset differs by under a day (docs/model.md, section 7).
_COST = 0.01
_DETECTION = 1e5


def _base(**kw: Any) -> Scenario:
    defaults: dict[str, Any] = dict(
        growth=_GROWTH,
        genome=Genome(n_chromosomes=20, ploidy=2, max_copies=6),
        cin=CIN(missegregation_rate=_MAD2_RATE, baseline_rate=0.0, window="never"),
        fitness=Fitness(aneuploidy_cost=_COST),
        escape=_ESCAPE,
        therapy=Therapy(start="detection", detection_size=_DETECTION, **_WITHDRAWAL),
        initial_cells=5,
        duration=360.0,
        max_cells=2 * _DETECTION,
        relapse_size=_DETECTION,
        record_interval=1.0,
    )
    defaults.update(kw)
    return Scenario(**defaults)


def untreated() -> Scenario:
    """A Kras-driven tumour growing with no therapy (no CIN)."""
    return _base(therapy=None, duration=120.0, max_cells=1e7)


def withdrawal() -> Scenario:
    """Oncogene addiction: the oncogene is switched off when the tumour is detected."""
    return _base()


def sotillo2010(mad2: bool = True) -> Scenario:
    """The Sotillo et al. (Nature 2010) experiment, one arm.

    ``mad2=False`` is TI-K (Kras only); ``mad2=True`` is TI-KM: Mad2 is overexpressed
    (CIN) from the start and switched off together with Kras at detection, when
    doxycycline is withdrawn. Outside the Mad2 window, and in TI-K throughout, cells
    missegregate at the normal rate.
    """
    if not isinstance(mad2, bool):
        raise ValueError(f"mad2 must be True or False. Got {mad2!r}.")
    window = "until_therapy" if mad2 else "never"
    return _base(cin=CIN(missegregation_rate=_MAD2_RATE, baseline_rate=_NORMAL_RATE,
                         window=window))


def anti_cin(kill: float = 0.05, start: float = 7.0) -> Scenario:
    """TI-KM, then a drug that kills aneuploid cells, given after the oncogene is off.

    The drug adds ``kill`` deaths per day per chromosome change (aneuploidy score) from
    ``start`` days after withdrawal on: the hope voiced when the study was reported.
    """
    sc = sotillo2010(mad2=True)
    return sc.replace(**{"therapy.kill_aneuploid": kill, "therapy.kill_start": start})


def intermittent(on_days: float = 14.0, off_days: float = 14.0) -> Scenario:
    """A targeted drug given in cycles (on_days on, off_days off) to a CIN tumour."""
    sc = sotillo2010(mad2=True)
    return sc.replace(**{"therapy.schedule": "intermittent", "therapy.on_days": on_days,
                         "therapy.off_days": off_days})


def adaptive(pause_fraction: float = 0.5, resume_fraction: float = 1.0) -> Scenario:
    """Adaptive dosing: pause below half the starting burden, resume at baseline.

    Thresholds from Zhang et al., Nat Commun 8:1816 (2017).
    """
    sc = sotillo2010(mad2=True)
    # Adaptive dosing keeps the tumour near its starting size on purpose, so regrowth to
    # the detection size is not a relapse: progression is growth to twice the burden at
    # the start (Zhang et al. 2017 count progression from a rise above baseline).
    return sc.replace(**{"therapy.schedule": "adaptive",
                         "therapy.pause_fraction": pause_fraction,
                         "therapy.resume_fraction": resume_fraction,
                         "max_cells": 4 * _DETECTION, "relapse_size": 2 * _DETECTION})


#: Competition for room: every division rate is multiplied by (1 - total / 3.3e5), so the
#: tumour is treated at 30% of its room and sensitive cells alone level off at half of it.
_ROOM = 3.3e5


def crowded(schedule: str = "adaptive") -> Scenario:
    """Continuous or adaptive dosing where adaptive therapy is expected to help.

    Three conditions hold (Zhang et al. 2017 rely on them): the cells compete for room
    (every cell divides more slowly as the tumour fills it); every tumour already holds
    resistant cells when treatment starts, so no cure is within reach; and resistant
    cells pay a cost, dividing at 0.3 instead of 0.4 per day. No CIN: resistance is by
    mutation. Progression is growth past 1.2 times the burden at the start of treatment.
    ``schedule`` is "continuous" or "adaptive".
    """
    if schedule not in ("continuous", "adaptive"):
        raise ValueError(f"schedule must be 'continuous' or 'adaptive'. Got {schedule!r}.")
    sc = _base(growth=Growth(birth_rate=0.4, death_rate=0.2, carrying_capacity=_ROOM),
               duration=540.0, max_cells=1.2 * _DETECTION, relapse_size=1.2 * _DETECTION)
    # A resistance mutation in 1 of 10,000 divisions: 20 or so resistant lineages arise
    # before detection, so every tumour holds some (a teaching simplification).
    return sc.replace(**{"escape.mutation_rate": 1e-4, "therapy.schedule": schedule})


_PRESETS: dict[str, Callable[..., Scenario]] = {
    "untreated": untreated,
    "withdrawal": withdrawal,
    "sotillo2010": sotillo2010,
    "anti_cin": anti_cin,
    "intermittent": intermittent,
    "adaptive": adaptive,
    "crowded": crowded,
}


def names() -> tuple[str, ...]:
    """Names of the presets."""
    return tuple(_PRESETS)


def describe(name: str) -> str:
    """The one-paragraph description of a preset, as plain text for a student."""
    words = (_lookup(name).__doc__ or "").replace("``", "").split()
    return " ".join(words)


def _lookup(name: str) -> Callable[..., Scenario]:
    if name not in _PRESETS:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(_PRESETS)}.")
    return _PRESETS[name]


def get(name: str, **overrides: Any) -> Scenario:
    """Return preset ``name``, with options and dotted-name overrides applied.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    **overrides
        Options of the preset function (e.g. ``mad2=True`` for ``sotillo2010``) and any
        dotted parameter name (e.g. ``**{"growth.birth_rate": 0.5}``).

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        For an unknown name, option or parameter, or an out-of-range value.
    """
    func = _lookup(name)
    code = func.__code__
    options = set(code.co_varnames[: code.co_argcount])
    kwargs = {k: v for k, v in overrides.items() if k in options}
    rest = {k: v for k, v in overrides.items() if k not in options}
    scenario = func(**kwargs)
    return scenario.replace(**rest) if rest else scenario
