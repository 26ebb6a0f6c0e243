"""Result containers: plain arrays, provenance, and exact JSON round trips."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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

    def to_json(self, path: str | None = None) -> str:
        """Serialise to JSON text (and write it to ``path`` if given)."""
        text = json.dumps(self.to_dict())
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str) -> Any:
        """Load from JSON text or a file path; validated by ``from_dict``, never unpickled."""
        text = text_or_path
        if not text_or_path.lstrip().startswith("{"):
            with open(text_or_path, encoding="utf-8") as fh:
                text = fh.read()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from exc
        return cls.from_dict(data)


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
        Why the run ended: "extinct", "max_cells" or "duration".
    times : ndarray of float
        Record times (days): the scenario's grid up to the end, plus the end time.
    total, escaped : ndarray of int64
        Cells alive, and oncogene-independent cells, at ``times``.
    events : list of dict
        ``{"time": day, "kind": ...}`` with kinds "detection", "therapy_start",
        "therapy_on", "therapy_off", "relapse", "extinct", "max_cells", "duration".
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
        from .engine.constants import ROUTE_NAMES, STATUS_NAMES
        from .rng import seed_provenance

        n = int(batch.rec_idx[row])
        times = batch.rec_times[:n].copy()
        total = batch.rec_total[row, :n].copy()
        escaped = batch.rec_escaped[row, :n].copy()
        t_end = float(batch.t[row])
        if n and batch.status[row] == 1:  # extinct: the grid was filled to the end
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
        snaps = [s for s in batch.snapshots if s[0] < times.size]
        if extra:
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
        try:
            scenario = Scenario.from_dict(data["scenario"])
            times = np.asarray(data["times"], dtype=np.float64)
            total = _whole(data["total"], "total")
            escaped = _whole(data["escaped"], "escaped")
            _whole(data["clones"]["count"], "clone counts")
            n_chrom = scenario.genome.n_chromosomes
            clones = _decode_table(data["clones"], _CLONE_TYPES, n_chrom)
            lineages = _decode_table(data["lineages"], _LINEAGE_TYPES, n_chrom)
            events = [{"time": float(e["time"]), "kind": str(e["kind"])}
                      for e in data["events"]]
            seed = {"entropy": int(data["seed"]["entropy"]),
                    "spawn_key": [int(k) for k in data["seed"]["spawn_key"]]}
            status, method, version = (str(data["status"]), str(data["method"]),
                                       str(data["version"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed cinlab run: {exc}") from exc
        if not np.all(np.isfinite(times)):
            raise ValueError("malformed cinlab run: times must be finite.")
        if not (times.ndim == 1 and times.shape == total.shape == escaped.shape):
            raise ValueError("malformed cinlab run: times, total and escaped differ in length.")
        if np.any(total < 0) or np.any(escaped < 0) or np.any(escaped > total):
            raise ValueError("malformed cinlab run: counts must satisfy 0 <= escaped <= total.")
        if np.any(np.diff(times) <= 0):
            raise ValueError("malformed cinlab run: times must increase.")
        counts = clones["count"]
        if np.any(counts <= 0):
            raise ValueError("malformed cinlab run: every clone in the table must have cells.")
        if times.size and (counts.sum() != total[-1]
                           or counts[clones["escaped"]].sum() != escaped[-1]):
            raise ValueError("malformed cinlab run: the clone table does not add up to the "
                             "final totals.")
        if status not in ("extinct", "max_cells", "duration", "running"):
            raise ValueError(f"malformed cinlab run: unknown status {status!r}.")
        if method not in ("exact", "tau", "auto"):
            raise ValueError(f"malformed cinlab run: unknown method {method!r}.")
        return cls(scenario=scenario, seed=seed, method=method, version=version,
                   status=status, times=times, total=total, escaped=escaped, events=events,
                   clones=clones, lineages=lineages)

    def equals(self, other: Run) -> bool:
        """True when both runs hold identical data (arrays compared exactly)."""
        return isinstance(other, Run) and _canon(self.to_dict()) == _canon(other.to_dict())


_CLONE_TYPES = {"id": np.int64, "parent": np.int64, "count": np.int64,
                "karyotype": np.int64, "escaped": bool, "route": object,
                "bypass_chromosome": np.int64, "aneuploidy": np.int64}
_LINEAGE_TYPES = {"id": np.int64, "parent": np.int64, "born": np.float64,
                  "karyotype": np.int64, "escaped": bool, "route": object,
                  "bypass_chromosome": np.int64, "history": np.int64}


def _whole(values: Any, name: str) -> np.ndarray:
    """Cell counts as int64, refusing fractions (a float array would be truncated)."""
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.floor(arr)):
        raise ValueError(f"{name} must be whole numbers of cells")
    return arr.astype(np.int64)


def _decode_table(data: dict, types: dict, n_chrom: int) -> dict:
    if set(data) != set(types):
        raise ValueError(f"table fields {sorted(data)} differ from {sorted(types)}")
    out = {}
    for k, tp in types.items():
        arr = np.asarray(data[k], dtype=tp)
        if k == "karyotype":
            arr = arr.reshape(-1, n_chrom)
        if tp is object and not all(isinstance(x, str) for x in arr.ravel()):
            raise ValueError(f"field {k!r} must hold strings")
        out[k] = arr
    return out


def _canon(d: Any) -> str:
    return json.dumps(d, sort_keys=True)


def _parents(batch: Any) -> np.ndarray:
    """Parent id of every clone id of replicate 0 (-1 for the founder)."""
    n_ids = int(batch.next_cid[0])
    parent = np.full(n_ids, -1, dtype=np.int64)
    for cid, par, *_ in batch.births:
        parent[cid] = par
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
    for cid, _par, _born, _kary, _mut, route, _chrom in batch.births:
        escaped[cid] = route != 0
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
    info = {0: (0.0, np.full(batch.n_chrom, batch.ploidy), False, 0, 0)}
    for cid, _par, born, kary, mut, route, chrom in batch.births:
        if kept[cid]:
            info[cid] = (born, kary, mut, route, chrom)
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
