"""Frozen, validated parameter objects for the tumour model.

Every numeric field carries its range as data (``min``, ``max``, ``step``, ``units``,
``label``, ``help``) in the dataclass field metadata. That one description drives
validation and its error messages, the slider ranges of the explorers and the tests
that generate one invalid value per field.

Units: time in days, rates per cell per day, missegregation per chromosome copy per
division (published rates per chromosome per division are twice the per-copy rate of a
diploid cell), sizes in cells. Chromosomes are numbered from 1, as biologists number them.

Every default names its source or says that it is a teaching simplification; the
sources are collected in ``docs/model.md``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from .messages import _fmt, _range_text, parameter_error, real_number

__all__ = [
    "CIN",
    "Escape",
    "Fitness",
    "Genome",
    "Growth",
    "MAX_RECORD_POINTS",
    "Scenario",
    "SECTIONS",
    "Therapy",
    "dotted_spec",
    "field_spec",
    "numeric_fields",
    "parameter_error",
]

CIN_WINDOWS = ("always", "never", "until_therapy")
SCHEDULES = ("continuous", "intermittent", "adaptive")
#: Most time points a run records (``duration / record_interval`` intervals plus the
#: start): 36,500 intervals, so every record interval is allowed for a year (the default
#: duration) and every 0.1 day or more for ten years (the longest duration). A cohort
#: keeps 16 bytes per run and point (58 MB per 100 runs at the cap).
MAX_RECORD_POINTS = 36_501


def _param(default: Any, *, label: str, units: str, help: str, lo: float | None = None,
           hi: float | None = None, step: float | None = None, integer: bool = False,
           log: bool = False, choices: tuple[str, ...] = (), pair: bool = False,
           source: str = "") -> Any:
    """Declare a parameter field with its range metadata."""
    meta = {
        "label": label,
        "units": units,
        "help": help,
        "min": lo,
        "max": hi,
        "step": step,
        "integer": integer,
        "log": log,
        "choices": choices,
        "pair": pair,
        "source": source,
    }
    return field(default=default, metadata=meta)


def field_spec(cls_or_obj: Any, name: str) -> Mapping[str, Any]:
    """Return the metadata of field ``name`` of a parameter class.

    Parameters
    ----------
    cls_or_obj : type or object
        A parameter dataclass or an instance of one.
    name : str
        The field name.

    Returns
    -------
    Mapping
        ``label``, ``units``, ``help``, ``min``, ``max``, ``step``, ``integer``,
        ``log``, ``choices`` and ``source``.
    """
    for f in dataclasses.fields(cls_or_obj):
        if f.name == name:
            return f.metadata
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def numeric_fields(cls: type) -> list[str]:
    """Names of the fields of ``cls`` that have a numeric range."""
    return [f.name for f in dataclasses.fields(cls) if f.metadata.get("min") is not None]


def _fail(obj: Any, name: str, expected: str, value: Any) -> ValueError:
    return parameter_error(type(obj).__name__, name, expected, value)


def _check_number(obj: Any, name: str, meta: Mapping[str, Any], value: Any) -> int | float:
    number = real_number(value)
    # nan fails every comparison; a huge int is compared exactly, never converted
    if number is None or not meta["min"] <= number <= meta["max"]:
        raise _fail(obj, name, _range_text(meta), value)
    if meta["integer"] and not float(number).is_integer():
        raise _fail(obj, name, _range_text(meta), value)
    return number


def _validate_fields(obj: Any) -> None:
    """Check every numeric and choice field of ``obj`` against its metadata."""
    for f in dataclasses.fields(obj):
        meta = f.metadata
        value = getattr(obj, f.name)
        if meta.get("min") is not None:
            number = _check_number(obj, f.name, meta, value)
            if meta["integer"]:
                object.__setattr__(obj, f.name, int(number))
            else:
                object.__setattr__(obj, f.name, float(number))
        elif meta.get("choices"):
            if isinstance(value, str) and value in meta["choices"]:
                continue
            if meta.get("pair") and isinstance(value, tuple | list):
                continue  # a (start, end) pair, checked by the class
            expected = "one of " + ", ".join(map(repr, meta["choices"]))
            if meta.get("pair"):
                expected += " or a (start_day, end_day) pair"
            raise _fail(obj, f.name, expected, value)


def _document(cls: type) -> type:
    """Append an Attributes section generated from the field metadata."""
    lines = ["", "Attributes", "----------"]
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if not meta:
            continue
        rng = ""
        if meta.get("min") is not None:
            rng = f" Range [{_fmt(meta['min'])}, {_fmt(meta['max'])}]."
        src = f" Source: {meta['source']}." if meta.get("source") else ""
        units = f" ({meta['units']})" if meta.get("units") else ""
        lines.append(f"{f.name} : {meta['label']}{units}")
        lines.append(f"    {meta['help']}.{rng} Default {f.default!r}.{src}")
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + "\n    ".join(lines) + "\n"
    return cls


def _check_fields(cls: type, data: Any) -> None:
    """Refuse ``from_dict`` input that is not a mapping or names fields ``cls`` lacks."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{cls.__name__} expects a mapping. Got {type(data).__name__}.")
    unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {sorted(unknown)}.")


class _Params:
    """Shared behaviour: validation on construction, dict round trip, replace."""

    __slots__ = ()
    # Every subclass is a dataclass; declaring the field table (the attribute the
    # decorator sets) lets a type checker pass ``self`` and ``cls`` to dataclasses.fields.
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __post_init__(self) -> None:
        _validate_fields(self)
        self._check()

    def _check(self) -> None:
        """Cross-field checks; overridden where a class has them."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict of the fields."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Build from :meth:`to_dict` output, validating every field."""
        _check_fields(cls, data)
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**kwargs)


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class Growth(_Params):
    """Division and death of oncogene-addicted cells while the oncogene is on."""

    birth_rate: float = _param(
        0.5, label="Division rate", units="per day", lo=0.0, hi=5.0, step=0.01,
        help="Rate at which an addicted cell divides while the oncogene is on",
        source="teaching simplification; with death_rate it gives net growth 0.3/day, "
        "a detectable tumour in about two months (Fisher et al. 2001)",
    )
    death_rate: float = _param(
        0.2, label="Death rate", units="per day", lo=0.0, hi=5.0, step=0.01,
        help="Rate at which an addicted cell dies while the oncogene is on",
        source="teaching simplification (see birth_rate)",
    )
    carrying_capacity: float = _param(
        1e12, label="Room for cells", units="cells", lo=1e3, hi=1e12, step=1.0, log=True,
        help="Competition for space: every cell's division rate is multiplied by "
        "(1 - total / carrying_capacity); 1e12 means no competition",
        source="teaching simplification: logistic competition, the mechanism adaptive "
        "therapy relies on (Zhang et al. 2017)",
    )


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class Genome(_Params):
    """The chromosome set every cell starts with."""

    n_chromosomes: int = _param(
        20, label="Chromosome types", units="", lo=1, hi=40, step=1, integer=True,
        help="Number of chromosome types tracked",
        source="mouse: 19 autosomes + X",
    )
    ploidy: int = _param(
        2, label="Ploidy", units="copies", lo=1, hi=4, step=1, integer=True,
        help="Copies of each chromosome in a normal (euploid) cell", source="diploid mouse",
    )
    max_copies: int = _param(
        6, label="Most copies viable", units="copies", lo=2, hi=16, step=1, integer=True,
        help="A daughter with more copies of any chromosome than this is not viable",
        source="teaching simplification",
    )

    def _check(self) -> None:
        if self.max_copies < self.ploidy:
            raise ValueError(
                f"The 'max_copies' parameter of Genome must be at least ploidy "
                f"({self.ploidy}). Got {self.max_copies}."
            )


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class CIN(_Params):
    """Chromosome missegregation (chromosome instability, e.g. Mad2 overexpression)."""

    missegregation_rate: float = _param(
        0.01, label="Missegregation (CIN)", units="per chromosome copy per division",
        lo=0.0, hi=0.5, step=0.0001, log=True,
        help="Probability that one chromosome copy missegregates at a division inside the "
        "CIN window (per chromosome of a diploid cell: twice this)",
        source="teaching simplification: 2% per chromosome, about 6x HeLa's 0.315% per "
        "chromosome per division (Shi & King 2005); CIN cancer cells missegregate >100-fold "
        "more often than normal cells (J Cell Biol 2023)",
    )
    baseline_rate: float = _param(
        0.000375, label="Missegregation (baseline)", units="per chromosome copy per division",
        lo=0.0, hi=0.5, step=0.00001, log=True,
        help="Missegregation probability outside the CIN window",
        source="normal human cells 0.075% per chromosome per division (Shi & King 2005), "
        "0.0375% per copy of a diploid chromosome",
    )
    window: str | tuple[float, float] = _param(
        "always", label="CIN window", units="",
        choices=CIN_WINDOWS, pair=True,
        help="When missegregation_rate applies: 'always', 'never', 'until_therapy' (switched "
        "off with the oncogene, as Mad2 in the doxycycline experiment) or (start_day, end_day)",
        source="a switch; 'until_therapy' follows Sotillo et al. 2010",
    )

    def _check(self) -> None:
        w = self.window
        if isinstance(w, str):
            return
        if isinstance(w, list):
            w = tuple(w)
        pair = w if isinstance(w, tuple) and len(w) == 2 else ()
        days = [d for d in map(real_number, pair) if d is not None]
        ok = (
            len(days) == 2
            and all(0 <= x <= sys.float_info.max for x in days) and days[0] <= days[1]
        )
        if not ok:
            raise _fail(
                self, "window",
                "'always', 'never', 'until_therapy' or a (start_day, end_day) pair with "
                "0 <= start_day <= end_day",
                w,
            )
        object.__setattr__(self, "window", (float(days[0]), float(days[1])))


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class Fitness(_Params):
    """The cost of aneuploidy."""

    aneuploidy_cost: float = _param(
        0.06, label="Cost per chromosome change", units="fraction", lo=0.0, hi=0.9,
        step=0.01,
        help="Division rates are multiplied by (1 - cost) ** A, A = sum over chromosomes of "
        "|copies - ploidy|",
        source="about 6% per single-chromosome change in cancer cells, 30% in normal cells "
        "(PMC3722120)",
    )


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class Escape(_Params):
    """Oncogene independence: by karyotype (bypass chromosomes) or by mutation."""

    bypass_chromosomes: tuple[int, ...] = _param(
        (4, 6, 15), label="Bypass chromosomes", units="",
        help="Chromosomes (numbered from 1) whose gain lets a cell grow without the oncogene",
        source="teaching simplification: recurrent tumours activated varied pathways "
        "(Sotillo et al. 2010)",
    )
    bypass_gain: int = _param(
        2, label="Extra copies needed", units="copies", lo=1, hi=8, step=1, integer=True,
        help="A cell with at least ploidy + bypass_gain copies of a bypass chromosome is "
        "oncogene-independent",
        source="teaching simplification",
    )
    mutation_rate: float = _param(
        1e-7, label="Escape mutation rate", units="per division", lo=0.0, hi=0.1,
        step=1e-7, log=True,
        help="Probability that a division of an addicted cell gives one daughter an escape "
        "mutation",
        source="point mutation 1e-9 per base per division (Bozic et al. 2013) times about "
        "100 activating sites",
    )
    birth_rate: float = _param(
        0.3, label="Escaped division rate", units="per day", lo=0.0, hi=5.0, step=0.01,
        help="Division rate of oncogene-independent cells",
        source="teaching simplification: relapse within months",
    )
    death_rate: float = _param(
        0.15, label="Escaped death rate", units="per day", lo=0.0, hi=5.0, step=0.01,
        help="Death rate of oncogene-independent cells", source="teaching simplification",
    )

    def _check(self) -> None:
        b = self.bypass_chromosomes
        if isinstance(b, list):
            b = tuple(b)
        chromosomes = [real_number(c) for c in b] if isinstance(b, tuple) else [None]
        ok = all(isinstance(c, int) and c >= 1 for c in chromosomes) \
            and len(set(chromosomes)) == len(chromosomes)
        if not ok:
            raise _fail(self, "bypass_chromosomes",
                        "a tuple of distinct chromosome numbers >= 1",
                        self.bypass_chromosomes)
        object.__setattr__(self, "bypass_chromosomes", tuple(chromosomes))


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class Therapy(_Params):
    """Oncogene withdrawal or a targeted drug, its schedule, and an anti-aneuploidy drug."""

    start: Literal["detection"] | float = _param(
        "detection", label="Therapy start", units="day",
        help="'detection' (the first time the tumour reaches detection_size) or a day",
        source="a switch; the experiment withdraws doxycycline once tumours are established",
    )
    detection_size: float = _param(
        1e7, label="Detection size", units="cells", lo=1.0, hi=1e12, step=1.0, log=True,
        help="Tumour size at which the tumour is detected",
        source="teaching simplification: a small mouse lung tumour, reached in about two "
        "months",
    )
    birth_rate: float = _param(
        0.0, label="Division rate on therapy", units="per day", lo=0.0, hi=5.0, step=0.01,
        help="Division rate of addicted cells while therapy is on",
        source="teaching simplification: withdrawal arrests addicted cells; with death_rate "
        "a 15-fold fall in 3 days (Fisher et al. 2001: >=10-fold)",
    )
    death_rate: float = _param(
        0.9, label="Death rate on therapy", units="per day", lo=0.0, hi=5.0, step=0.01,
        help="Death rate of addicted cells while therapy is on",
        source="teaching simplification (see birth_rate)",
    )
    schedule: str = _param(
        "continuous", label="Schedule", units="", choices=SCHEDULES,
        help="'continuous', 'intermittent' (on_days on, off_days off) or 'adaptive' "
        "(pause below pause_fraction of the burden at start, resume above resume_fraction)",
        source="a switch",
    )
    on_days: float = _param(
        14.0, label="Days on", units="days", lo=0.5, hi=365.0, step=0.5,
        help="Intermittent schedule: days on therapy per cycle",
        source="teaching simplification",
    )
    off_days: float = _param(
        14.0, label="Days off", units="days", lo=0.5, hi=365.0, step=0.5,
        help="Intermittent schedule: days off therapy per cycle",
        source="teaching simplification",
    )
    pause_fraction: float = _param(
        0.5, label="Pause below", units="fraction of start burden", lo=0.0, hi=10.0,
        step=0.01,
        help="Adaptive schedule: pause therapy when the burden falls below this fraction of "
        "the burden at therapy start",
        source="Zhang et al. 2017: stop at 50% of baseline",
    )
    resume_fraction: float = _param(
        1.0, label="Resume above", units="fraction of start burden", lo=0.0, hi=10.0,
        step=0.01,
        help="Adaptive schedule: resume therapy when the burden rises above this fraction",
        source="Zhang et al. 2017: resume at baseline",
    )
    kill_aneuploid: float = _param(
        0.0, label="Anti-aneuploidy drug", units="per day per chromosome change", lo=0.0,
        hi=5.0, step=0.01,
        help="Extra death rate per unit aneuploidy score from a drug that kills cells with "
        "unstable chromosomes",
        source="teaching simplification of the hope voiced in the news release on Sotillo et "
        "al. 2010 (not in the paper)",
    )
    kill_start: float = _param(
        0.0, label="Anti-aneuploidy drug from", units="days after therapy start", lo=0.0,
        hi=3650.0, step=1.0,
        help="When the anti-aneuploidy drug starts, counted from therapy start",
        source="teaching simplification",
    )
    kill_duration: float = _param(
        3650.0, label="Anti-aneuploidy drug for", units="days", lo=0.0, hi=3650.0, step=1.0,
        help="How long the anti-aneuploidy drug is given",
        source="teaching simplification: ten years, i.e. for the rest of the run",
    )

    def _check(self) -> None:
        s = self.start
        if isinstance(s, str):
            if s != "detection":
                raise _fail(self, "start", "'detection' or a day in [0, 3650]", s)
        else:
            day = real_number(s)
            if day is None or not 0 <= day <= 3650:
                raise _fail(self, "start", "'detection' or a day in [0, 3650]", s)
            object.__setattr__(self, "start", float(day))
        if self.schedule == "adaptive" and not self.pause_fraction < self.resume_fraction:
            raise ValueError(
                "The 'pause_fraction' parameter of Therapy must be below resume_fraction "
                f"({self.resume_fraction:g}) for an adaptive schedule. "
                f"Got {self.pause_fraction:g}."
            )


#: The parameter sections of a Scenario: the one map from a dotted name's first part
#: (``"growth"`` in ``"growth.birth_rate"``) to its class.
SECTIONS: dict[str, type[_Params]] = {
    "growth": Growth,
    "genome": Genome,
    "cin": CIN,
    "fitness": Fitness,
    "escape": Escape,
    "therapy": Therapy,
}


@_document
@dataclass(frozen=True, kw_only=True, slots=True)
class Scenario(_Params):
    """A complete, validated description of one simulated tumour and its treatment."""

    growth: Growth = field(default_factory=Growth)
    genome: Genome = field(default_factory=Genome)
    cin: CIN = field(default_factory=CIN)
    fitness: Fitness = field(default_factory=Fitness)
    escape: Escape = field(default_factory=Escape)
    therapy: Therapy | None = field(default_factory=Therapy)
    initial_cells: int = _param(
        1, label="Initial cells", units="cells", lo=1, hi=1e6, step=1, integer=True,
        help="Euploid, addicted cells at day 0", source="a tumour starts from one cell",
    )
    duration: float = _param(
        365.0, label="Duration", units="days", lo=0.1, hi=3650.0, step=1.0,
        help="Days simulated at most", source="teaching simplification",
    )
    max_cells: float = _param(
        1e9, label="Stop size", units="cells", lo=1.0, hi=1e12, step=1.0, log=True,
        help="The run stops the first time the total reaches this size",
        source="teaching simplification",
    )
    relapse_size: float = _param(
        1e7, label="Relapse size", units="cells", lo=1.0, hi=1e12, step=1.0, log=True,
        help="After therapy starts, regrowth to this size after falling below it is a relapse",
        source="teaching simplification: relapse = detectable again",
    )
    record_interval: float = _param(
        1.0, label="Record every", units="days", lo=0.01, hi=100.0, step=0.01,
        help="Interval between recorded time points",
        source="daily, as a lab would image; a display choice, not biology",
    )

    def _check(self) -> None:
        for name, cls in SECTIONS.items():
            value = getattr(self, name)
            if name == "therapy" and value is None:
                continue
            if not isinstance(value, cls):
                raise _fail(self, name, f"a {cls.__name__}", value)
        g = self.genome
        for c in self.escape.bypass_chromosomes:
            if c > g.n_chromosomes:
                raise ValueError(
                    f"The 'bypass_chromosomes' parameter of Escape must name chromosomes in "
                    f"[1, {g.n_chromosomes}] (genome.n_chromosomes). Got {c}."
                )
        if g.ploidy + self.escape.bypass_gain > g.max_copies and self.escape.bypass_chromosomes:
            raise ValueError(
                f"The 'bypass_gain' parameter of Escape must be at most max_copies - ploidy "
                f"({g.max_copies - g.ploidy}) so that an escaped karyotype is viable. "
                f"Got {self.escape.bypass_gain}."
            )
        if self.initial_cells >= self.max_cells:
            raise ValueError(
                f"The 'initial_cells' parameter of Scenario must be below max_cells "
                f"({_fmt(self.max_cells)}). Got {self.initial_cells}."
            )
        n_points = math.ceil((self.duration + 1e-9) / self.record_interval)
        if n_points > MAX_RECORD_POINTS:
            shortest = self.duration / (MAX_RECORD_POINTS - 1)
            raise ValueError(
                f"The 'record_interval' parameter of Scenario must be in "
                f"[{_fmt(shortest)}, 100] days for a duration of {_fmt(self.duration)} days "
                f"(at most {MAX_RECORD_POINTS - 1:,} intervals, duration / record_interval). "
                f"Got {_fmt(self.record_interval)}."
            )
        t = self.therapy
        if t is not None:
            if t.start == "detection" and t.detection_size > self.max_cells:
                raise ValueError(
                    f"The 'detection_size' parameter of Therapy must be at most max_cells "
                    f"({_fmt(self.max_cells)}). Got {_fmt(t.detection_size)}."
                )
            if self.relapse_size > self.max_cells:
                raise ValueError(
                    f"The 'relapse_size' parameter of Scenario must be at most max_cells "
                    f"({_fmt(self.max_cells)}). Got {_fmt(self.relapse_size)}."
                )

    def replace(self, **changes: Any) -> Scenario:
        """Return a new validated Scenario with some values changed.

        Parameters
        ----------
        **changes
            Field names, dotted for nested parameters, e.g.
            ``scenario.replace(**{"growth.birth_rate": 0.4, "duration": 200})``.
            A whole section may be replaced too (``therapy=None``).

        Returns
        -------
        Scenario
            The new scenario; ``self`` is unchanged.

        Raises
        ------
        ValueError
            If a name is unknown or a value is out of range.
        """
        top: dict[str, Any] = {}
        nested: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            section, _, name = key.partition(".")
            if name:
                if section not in SECTIONS:
                    raise ValueError(f"Scenario has no parameter section {section!r} "
                                     f"(sections: {', '.join(SECTIONS)}).")
                nested.setdefault(section, {})[name] = value
            else:
                if section not in {f.name for f in dataclasses.fields(self)}:
                    raise ValueError(f"Scenario has no parameter {section!r}.")
                top[section] = value
        for section, values in nested.items():
            current = top.get(section, getattr(self, section))
            if current is None:
                current = SECTIONS[section]()
            valid = {f.name for f in dataclasses.fields(current)}
            for name in values:
                if name not in valid:
                    raise ValueError(
                        f"{SECTIONS[section].__name__} has no parameter {name!r} "
                        f"(parameters: {', '.join(sorted(valid))})."
                    )
            top[section] = dataclasses.replace(current, **values)
        return dataclasses.replace(self, **top)

    def get(self, dotted: str) -> Any:
        """Return the value of a dotted parameter name, e.g. ``"growth.birth_rate"``."""
        obj: Any = self
        for part in dotted.split("."):
            if obj is None or not hasattr(obj, part):
                raise ValueError(f"Scenario has no parameter {dotted!r}.")
            obj = getattr(obj, part)
        return obj

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible nested dict."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.to_dict() if isinstance(value, _Params) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Rebuild (and validate) a Scenario from :meth:`to_dict` output."""
        _check_fields(cls, data)
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key in SECTIONS:
                kwargs[key] = None if value is None else SECTIONS[key].from_dict(value)
            else:
                kwargs[key] = value
        return cls(**kwargs)

    @property
    def therapy_start_day(self) -> float | None:
        """The fixed therapy start day, or None (no therapy or start at detection)."""
        if self.therapy is None or self.therapy.start == "detection":
            return None
        return float(self.therapy.start)


def dotted_spec(dotted: str) -> Mapping[str, Any]:
    """Metadata of a dotted parameter name of a Scenario, e.g. ``"growth.birth_rate"``.

    Parameters
    ----------
    dotted : str
        ``"section.field"`` for a field of a section, or a Scenario field's name.

    Returns
    -------
    Mapping
        As :func:`field_spec`.

    Raises
    ------
    ValueError
        If the section or the field does not exist.
    """
    section, _, name = dotted.rpartition(".")
    cls = SECTIONS.get(section) if section else Scenario
    if cls is None:
        raise ValueError(f"Scenario has no parameter section {section!r} "
                         f"(sections: {', '.join(SECTIONS)}).")
    try:
        return field_spec(cls, name)
    except KeyError:
        raise ValueError(f"Scenario has no parameter {dotted!r}.") from None
