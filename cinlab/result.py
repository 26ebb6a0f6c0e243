"""Result containers: plain arrays, provenance, and exact JSON round trips."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .loading import MAX_COUNT, Fields, read_json
from .params import Scenario

__all__ = ["Run"]

#: Lineages kept for Muller plots: those reaching this fraction of the tumour...
LINEAGE_MIN_FRACTION = 0.01
#: ...at most this many (the largest), the rest folded into their nearest kept ancestor.
LINEAGE_MAX = 64

_FORMAT = "cinlab.run/1"


def _version() -> str:
    from . import __version__

    return __version__


class JSONFile:
    """JSON files for results: ``to_json``/``from_json`` over ``to_dict``/``from_dict``."""

    __slots__ = ()
    #: What the file holds, for messages ("run" or "cohort").
    _WHAT = "result"

    if TYPE_CHECKING:
        # Each subclass defines the dict round trip that to_json and from_json wrap.
        def to_dict(self) -> dict: ...

        @classmethod
        def from_dict(cls, data: dict) -> Any: ...

    def to_json(self, path: str | None = None) -> str:
        """Serialise to JSON text (and write it to ``path`` if given)."""
        text = json.dumps(self.to_dict())
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str | os.PathLike[str]) -> Any:
        """Load from JSON text or a file path; validated by ``from_dict``, never unpickled.

        Text that starts like JSON (``{`` or ``[``) is parsed as JSON, anything else is a
        path. Files over :data:`cinlab.loading.MAX_FILE_BYTES` are refused unread.
        """
        return cls.from_dict(read_json(text_or_path, cls._WHAT))


@dataclass(frozen=True, eq=False)
class Run(JSONFile):
    """One simulated tumour.

    Attributes
    ----------
    scenario : Scenario
        The parameters simulated.
    seed : dict
        ``{"entropy": int, "spawn_key": [...]}``: the seed actually used; pass
        ``numpy.random.SeedSequence(entropy, spawn_key=spawn_key)`` to repeat the run.
    method : str
        "exact", "tau" or "auto".
    version : str
        cinlab version that made the run.
    status : str
        Why the run ended: "extinct", "max_cells", "duration" or "clone_cap" (the
        clone table was full; see ``cinlab.engine.MAX_CLONES``).
    times : ndarray of float
        Record times (days): the scenario's grid up to the end, plus the end time.
    total, escaped : ndarray of int64
        Cells alive, and oncogene-independent cells, at ``times``.
    events : list of dict
        ``{"time": day, "kind": ...}`` with kinds "detection", "therapy_start",
        "therapy_on", "therapy_off", "relapse", "extinct", "max_cells", "duration", "clone_cap".
    clones : dict of ndarray
        The final clone table: ``id``, ``parent``, ``count``, ``karyotype`` (clones x
        chromosomes), ``escaped``, ``route`` ("none", "karyotype", "mutation"),
        ``bypass_chromosome`` (number, 0 if none), ``aneuploidy``.
    lineages : dict of ndarray
        Lineages for Muller plots: ``id``, ``parent`` (-1 for the founder), ``born``
        (day), ``karyotype``, ``escaped``, ``route``, ``bypass_chromosome`` and
        ``history`` (times x lineages, cells of each lineage not in a kept descendant).
    """

    scenario: Scenario
    seed: dict
    method: str
    version: str
    status: str
    times: np.ndarray
    total: np.ndarray
    escaped: np.ndarray
    events: list = field(default_factory=list)
    clones: dict = field(default_factory=dict)
    lineages: dict = field(default_factory=dict)

    _WHAT = "run"

    # ------------------------------------------------------------ derived values

    @property
    def addicted(self) -> np.ndarray:
        """Oncogene-addicted cells at ``times``."""
        return self.total - self.escaped

    def _event_time(self, kind: str) -> float:
        for e in self.events:
            if e["kind"] == kind:
                return e["time"]
        return math.nan

    @property
    def detection_time(self) -> float:
        """Day the tumour first reached the detection size (nan if never)."""
        return self._event_time("detection")

    @property
    def therapy_start_time(self) -> float:
        """Day therapy started (nan if never)."""
        return self._event_time("therapy_start")

    @property
    def relapse_time(self) -> float:
        """Days from therapy start to relapse (nan if no relapse)."""
        t = self._event_time("relapse")
        return t - self.therapy_start_time if not math.isnan(t) else math.nan

    @property
    def relapsed(self) -> bool:
        """Whether the tumour relapsed."""
        return not math.isnan(self.relapse_time)

    @property
    def extinct(self) -> bool:
        """Whether every cell died."""
        return self.status == "extinct"

    @property
    def end_time(self) -> float:
        """Day the run ended."""
        return float(self.times[-1])

    @property
    def dominant_clone(self) -> dict:
        """The largest clone at the end (empty dict if extinct)."""
        c = self.clones
        if len(c["count"]) == 0:
            return {}
        i = int(np.argmax(c["count"]))
        return {k: (v[i].tolist() if isinstance(v[i], np.ndarray) else
                    v[i] if isinstance(v[i], str) else v[i].item()) for k, v in c.items()}

    def __repr__(self) -> str:
        return (f"Run(status={self.status!r}, end_time={self.end_time:g}, "
                f"final_total={int(self.total[-1])}, relapse_time={self.relapse_time:.4g}, "
                f"seed={self.seed['entropy']})")

    # ---------------------------------------------------------------- building

    @classmethod
    def from_batch(cls, batch: Any, row: int, seed_seq: np.random.SeedSequence) -> Run:
        """Build the Run of replicate ``row`` of a finished engine batch (internal)."""
        from .engine.constants import EXTINCT, ROUTE_NAMES, STATUS_NAMES
        from .rng import seed_provenance

        n = int(batch.rec_idx[row])
        times = batch.rec_times[:n].copy()
        total = batch.rec_total[row, :n].copy()
        escaped = batch.rec_escaped[row, :n].copy()
        t_end = float(batch.t[row])
        if n and batch.status[row] == EXTINCT:  # the grid was filled to the end
            keep = times <= t_end + 1e-9
            times, total, escaped = times[keep], total[keep], escaped[keep]
        extra = times.size == 0 or t_end > times[-1] + 1e-9
        if extra:
            times = np.append(times, t_end)
            total = np.append(total, batch.total[row])
            escaped = np.append(escaped, batch.escaped_total[row])
        width = int(batch.used[row])
        alive = batch.count[row, :width] > 0
        ids = batch.cid[row, :width][alive]
        parent = _parents(batch)
        clones = {
            "id": ids.astype(np.int64),
            "parent": parent[ids] if ids.size else np.zeros(0, np.int64),
            "count": batch.count[row, :width][alive].astype(np.int64),
            "karyotype": batch.kary[row, :width][alive].astype(np.int64),
            "escaped": batch.esc[row, :width][alive].astype(bool),
            "route": np.array([ROUTE_NAMES[int(r)] for r in batch.route[row, :width][alive]],
                              dtype=str).astype(object),
            "bypass_chromosome": batch.chrom[row, :width][alive].astype(np.int64),
            "aneuploidy": batch.aneu[row, :width][alive].astype(np.int64),
        }
        # the last row always holds the final clone table: a step's own record can come
        # before the status it ends with (a tumour dying out within its last step)
        snaps = [s for s in batch.snapshots if s[0] < times.size - 1]
        snaps.append((times.size - 1, clones["id"], clones["count"]))
        lineages = _lineages(batch, parent, snaps, times.size, total)
        events = [{"time": t, "kind": k} for r, t, k in batch.events if r == row]
        return cls(
            scenario=batch.scenario,
            seed=seed_provenance(seed_seq),
            method=batch.method,
            version=_version(),
            status=STATUS_NAMES[int(batch.status[row])],
            times=times,
            total=total,
            escaped=escaped,
            events=events,
            clones=clones,
            lineages=lineages,
        )

    # ------------------------------------------------------------ serialisation

    def to_dict(self) -> dict:
        """Return a JSON-compatible dict that :meth:`from_dict` turns back into this Run."""
        def enc(d: dict) -> dict:
            return {k: v.tolist() for k, v in d.items()}

        return {
            "format": _FORMAT,
            "scenario": self.scenario.to_dict(),
            "seed": self.seed,
            "method": self.method,
            "version": self.version,
            "status": self.status,
            "times": self.times.tolist(),
            "total": self.total.tolist(),
            "escaped": self.escaped.tolist(),
            "events": [dict(e) for e in self.events],
            "clones": enc(self.clones),
            "lineages": enc(self.lineages),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Run:
        """Rebuild a Run from :meth:`to_dict` output, validating its structure.

        Raises
        ------
        ValueError
            If the data is not a cinlab run or is inconsistent (a malformed or
            tampered file).
        """
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a cinlab run: expected format {_FORMAT!r}.")
        return cls(**_check_run(data))

    def equals(self, other: Run) -> bool:
        """True when both runs hold identical data (arrays compared exactly)."""
        return isinstance(other, Run) and _canon(self.to_dict()) == _canon(other.to_dict())


#: Seed entropy as stored: seed_provenance keeps SeedSequence entropy (128 bits from the
#: operating system, or the user's non-negative int); more than 256 bits is not a seed.
_MAX_ENTROPY = 2**256
_STATUSES = ("extinct", "max_cells", "duration", "clone_cap")
_EVENT_KINDS = ("detection", "therapy_start", "therapy_on", "therapy_off", "relapse",
                *_STATUSES)
_ROUTES = ("none", "karyotype", "mutation")
_METHODS = ("exact", "tau", "auto")
_TABLE_FIELDS = {"id", "parent", "count", "karyotype", "escaped", "route",
                 "bypass_chromosome", "aneuploidy"}
_LINEAGE_FIELDS = _TABLE_FIELDS - {"count", "aneuploidy"} | {"born", "history"}


def check_scenario(f: Fields, data: dict) -> Scenario:
    """The file's scenario, validated by the parameter classes."""
    try:
        return Scenario.from_dict(f.get(data, "scenario"))
    except ValueError as exc:
        if str(exc).startswith("The 'scenario' field"):
            raise
        raise ValueError(f"The 'scenario' field of a cinlab {f.what} file is invalid: "
                         f"{exc}") from None


def check_seed(f: Fields, data: dict) -> dict:
    """``{"entropy": int >= 0, "spawn_key": [int >= 0, ...]}``."""
    seed = f.mapping(f.get(data, "seed"), "seed", {"entropy", "spawn_key"})
    entropy = f.integer(seed["entropy"], "seed.entropy", 0, _MAX_ENTROPY)
    keys = f.array(seed["spawn_key"], "seed.spawn_key", "int", (None,), lo=0, hi=2**32 - 1)
    if keys.size > 32:
        raise f.error("seed.spawn_key", "at most 32 integers", got=f"{keys.size}")
    return {"entropy": entropy, "spawn_key": [int(k) for k in keys]}


def _check_run(data: dict) -> dict:
    """Every field of a run file checked for type, range, shape and consistency."""
    f = Fields("run")
    scenario = check_scenario(f, data)
    genome = scenario.genome
    n_chrom, most = genome.n_chromosomes, genome.max_copies
    end_day = scenario.duration + 1e-6
    times = f.array(f.get(data, "times"), "times", "float", (None,), lo=0, hi=end_day)
    n = times.size
    if n == 0:
        raise f.error("times", "a non-empty array", got="an empty array")
    if np.any(np.diff(times) <= 0):
        raise f.error("times", "increasing", got="a time that does not increase")
    total = f.array(f.get(data, "total"), "total", "int", (n,), lo=0, hi=MAX_COUNT)
    escaped = f.array(f.get(data, "escaped"), "escaped", "int", (n,), lo=0, hi=MAX_COUNT)
    if np.any(escaped > total):
        raise f.error("escaped", "at most total at every time",
                      int(escaped[escaped > total][0]))
    events = f.get(data, "events")
    if not isinstance(events, list) or len(events) > 100_000:
        raise f.error("events", "a list of events", got=f"{type(events).__name__}")
    checked_events = []
    for i, event in enumerate(events):
        e = f.mapping(event, f"events[{i}]", {"time", "kind"})
        checked_events.append({
            "time": f.number(e["time"], f"events[{i}].time", 0, end_day),
            "kind": f.choice(e["kind"], f"events[{i}].kind", _EVENT_KINDS),
        })
    _check_event_order(f, checked_events)
    clones, raw = _check_table(f, data, "clones", _TABLE_FIELDS, n_chrom, most)
    count = f.array(raw["count"], "clones.count", "int", (len(clones["id"]),),
                    lo=1, hi=MAX_COUNT)
    aneuploidy = f.array(raw["aneuploidy"], "clones.aneuploidy", "int", count.shape,
                         lo=0, hi=n_chrom * most)
    if count.sum() != total[-1]:
        raise f.error("clones.count", f"cells adding up to the final total ({total[-1]})",
                      int(count.sum()))
    if count[clones["escaped"]].sum() != escaped[-1]:
        raise f.error("clones.escaped", f"marking the final escaped cells ({escaped[-1]})",
                      int(count[clones["escaped"]].sum()))
    clones.update(count=count, aneuploidy=aneuploidy)
    lineages, raw = _check_table(f, data, "lineages", _LINEAGE_FIELDS, n_chrom, most)
    n_lin = len(lineages["id"])
    ids = set(lineages["id"].tolist())
    for parent in lineages["parent"].tolist():
        if parent != -1 and parent not in ids:
            raise f.error("lineages.parent", "-1 or a lineage id", parent)
    lineages["born"] = f.array(raw["born"], "lineages.born", "float", (n_lin,), lo=0,
                               hi=end_day)
    history = f.array(raw["history"], "lineages.history", "int", (n, n_lin), lo=0,
                      hi=MAX_COUNT)
    # a row between stored snapshots repeats the latest one (docs/model.md, "Records"),
    # so it is bounded by the largest total so far rather than the total at its time
    bound = np.maximum.accumulate(total) if n else total
    if n_lin and np.any(history.sum(axis=1) > bound):
        over = int(np.argmax(history.sum(axis=1) > bound))
        raise f.error("lineages.history", f"at most the largest total so far at every time "
                      f"({bound[over]} at day {times[over]:g})", int(history[over].sum()))
    if n and n_lin and history[-1].sum() != total[-1]:
        raise f.error("lineages.history", f"the final total ({total[-1]}) in its last row",
                      int(history[-1].sum()))
    lineages["history"] = history
    return {
        "scenario": scenario,
        "seed": check_seed(f, data),
        "method": f.choice(f.get(data, "method"), "method", _METHODS),
        "version": _check_version(f, data),
        "status": f.choice(f.get(data, "status"), "status", _STATUSES),
        "times": times, "total": total, "escaped": escaped, "events": checked_events,
        "clones": clones, "lineages": lineages,
    }


def _check_table(f: Fields, data: dict, name: str, fields: set[str], n_chrom: int,
                 most: int) -> tuple[dict, Mapping[str, Any]]:
    """The columns shared by the clone and lineage tables, and the raw table."""
    table = f.mapping(f.get(data, name), name, fields)
    ids = f.array(table["id"], f"{name}.id", "int", (None,), lo=0, hi=2**62)
    m = ids.size
    if np.unique(ids).size != m:
        raise f.error(f"{name}.id", "distinct ids", got="a repeated id")
    return {
        "id": ids,
        "parent": f.array(table["parent"], f"{name}.parent", "int", (m,), lo=-1, hi=2**62),
        "karyotype": f.array(table["karyotype"], f"{name}.karyotype", "int", (m, n_chrom),
                             lo=0, hi=most),
        "escaped": f.array(table["escaped"], f"{name}.escaped", "bool", (m,)),
        "route": f.array(table["route"], f"{name}.route", "str", (m,), choices=_ROUTES),
        "bypass_chromosome": f.array(table["bypass_chromosome"], f"{name}.bypass_chromosome",
                                     "int", (m,), lo=0, hi=n_chrom),
    }, table


def _check_version(f: Fields, data: dict) -> str:
    version = f.get(data, "version")
    if not isinstance(version, str) or not 0 < len(version) <= 64:
        raise f.error("version", "a version string", version)
    return version


def _canon(d: Any) -> str:
    return json.dumps(d, sort_keys=True)


def _parents(batch: Any) -> np.ndarray:
    """Parent id of every clone id of replicate 0 (-1 for the founder)."""
    n_ids = int(batch.next_cid[0])
    parent = np.full(n_ids, -1, dtype=np.int64)
    b = batch.births
    parent[b.id[:b.n]] = b.parent[:b.n]
    return parent


def _lineages(batch: Any, parent: np.ndarray, snaps: list, n_times: int,
              total: np.ndarray) -> dict:
    """Fold clone histories into a few lineages for Muller plots."""
    n_ids = parent.size
    max_frac = np.zeros(n_ids)
    tot = np.maximum(total.astype(np.float64), 1.0)
    for col, ids, cnt in snaps:
        if ids.size:
            np.maximum.at(max_frac, ids, cnt / tot[col])
    # Escaped cells must not be folded into an addicted ancestor (the Muller plot would
    # colour them addicted): every escape origin (an escaped clone with an addicted
    # parent) whose escaped descendants reach the threshold together is kept too.
    escaped = np.zeros(n_ids, dtype=bool)
    b = batch.births
    escaped[b.id[:b.n]] = b.route[:b.n] != 0
    origin = np.arange(n_ids)
    climb = escaped & escaped[np.maximum(parent, 0)] & (parent >= 0)
    origin[climb] = parent[climb]
    while True:
        nxt = origin[origin]
        if np.array_equal(nxt, origin):
            break
        origin = nxt
    origin_frac = np.zeros(n_ids)
    for col, ids, cnt in snaps:
        esc_ids = escaped[ids]
        if esc_ids.any():
            per_origin = np.zeros(n_ids)
            np.add.at(per_origin, origin[ids[esc_ids]], cnt[esc_ids] / tot[col])
            np.maximum(origin_frac, per_origin, out=origin_frac)
    score = np.maximum(max_frac, origin_frac)
    candidates = np.nonzero(score >= LINEAGE_MIN_FRACTION)[0]
    if candidates.size > LINEAGE_MAX:
        candidates = candidates[np.argsort(-score[candidates], kind="stable")[:LINEAGE_MAX]]
    kept = np.zeros(n_ids, dtype=bool)
    kept[candidates] = True
    kept[0] = True
    # nearest kept ancestor by pointer jumping (parents always have smaller ids)
    anc = np.where(kept, np.arange(n_ids), np.maximum(parent, 0))
    while True:
        nxt = np.where(kept[anc], anc, anc[anc])
        if np.array_equal(nxt, anc):
            break
        anc = nxt
    kept_ids = np.nonzero(kept)[0]
    index = np.full(n_ids, -1, dtype=np.int64)
    index[kept_ids] = np.arange(kept_ids.size)
    history = np.zeros((n_times, kept_ids.size), dtype=np.int64)
    for col, ids, cnt in snaps:
        if ids.size:
            np.add.at(history[col], index[anc[ids]], cnt)
    info: dict[int | np.integer, tuple] = {
        0: (0.0, np.full(batch.n_chrom, batch.ploidy), False, 0, 0)}
    for j in np.nonzero(kept[b.id[:b.n]])[0]:
        info[int(b.id[j])] = (float(b.born[j]), b.kary[j], bool(b.mut[j]), int(b.route[j]),
                              int(b.chrom[j]))
    from .engine.constants import ROUTE_NAMES

    born = np.array([info[i][0] for i in kept_ids], dtype=np.float64)
    kary = np.array([info[i][1] for i in kept_ids], dtype=np.int64).reshape(
        kept_ids.size, batch.n_chrom)
    route = np.array([ROUTE_NAMES[info[i][3]] for i in kept_ids], dtype=object)
    chrom = np.array([info[i][4] for i in kept_ids], dtype=np.int64)
    par = parent[kept_ids]
    par = np.where(par >= 0, anc[np.maximum(par, 0)], -1)
    return {
        "id": kept_ids.astype(np.int64),
        "parent": par.astype(np.int64),
        "born": born,
        "karyotype": kary,
        "escaped": route != "none",
        "route": route,
        "bypass_chromosome": chrom,
        "history": history,
    }


def _check_event_order(f: Fields, events: list[dict]) -> None:
    """Events in time order; detection, therapy start and relapse once each, relapse last."""
    times = [e["time"] for e in events]
    if times != sorted(times):
        raise f.error("events", "in time order", got="an event earlier than the one before")
    kinds = [e["kind"] for e in events]
    for kind in ("detection", "therapy_start", "relapse"):
        if kinds.count(kind) > 1:
            raise f.error("events", f"at most one {kind!r} event", got=f"{kinds.count(kind)}")
    if "relapse" in kinds and "therapy_start" not in kinds[:kinds.index("relapse")]:
        raise f.error("events", "a 'relapse' after a 'therapy_start' (relapse times count "
                      "from therapy start)", got="a relapse without therapy before it")
