"""A per-cell reference simulation of the cinlab model: slow, small, obviously right.

It shares no code with ``cinlab.engine`` or ``cinlab.karyotype``. Every cell is an
entry of a Python list (its karyotype as a numpy vector and its escape-mutation flag),
and the population evolves by Gillespie's direct method over individual cells with a
``numpy.random.default_rng(seed)`` generator. Each rule is written out as stated in
docs/architecture.md ("Semantics every implementation must honour"):

* A cell divides at rate ``b * (1 - cost) ** A * (1 - total / carrying_capacity)``
  (no competition when the capacity is 1e12) and dies at rate ``d`` (+ ``kill * A``
  while the anti-aneuploidy drug is on), ``A = sum |copies - ploidy|``. ``(b, d)`` are
  the escape rates for an escaped cell, the therapy rates for an addicted cell while
  therapy is on, and the growth rates otherwise.
* At a division each copy of each chromosome missegregates with probability ``beta``
  (``cin.missegregation_rate`` inside the CIN window, ``cin.baseline_rate`` outside);
  a missegregated copy sends both chromatids to one daughter chosen by a fair coin, a
  normal copy sends one chromatid to each daughter. Daughters with 0 copies of some
  chromosome or more than ``max_copies`` are removed at birth.
* A cell is escaped when it carries at least ``ploidy + bypass_gain`` copies of a
  bypass chromosome, or an escape mutation; when an addicted cell divides, with
  probability ``mutation_rate`` exactly one daughter (a fair coin picks which) gets
  the mutation.
* Therapy starts at detection (the first time the total reaches ``detection_size``)
  or at a fixed day; schedules "continuous" and "intermittent" are supported (not
  "adaptive"). Rate changes at fixed days are handled by stopping the clock there
  (the exponential waiting time is memoryless).
* The run stops when every cell is gone ("extinct"), the first time the total reaches
  ``max_cells`` ("max_cells"), or at ``duration`` ("duration").

Keep populations to a few hundred cells: the cost is O(cells) per event in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import cinlab


@dataclass
class Cell:
    karyotype: np.ndarray
    mutated: bool


@dataclass
class RefResult:
    status: str
    end_time: float
    total: int
    escaped: int
    n_karyotypes: int
    aneuploidy_hist: np.ndarray  # cells with A = 0, 1, 2, ...
    detection_time: float
    therapy_start_time: float
    relapse_time: float
    extinct: bool
    karyotypes: list = field(default_factory=list)
    mutated: list = field(default_factory=list)


class _Model:
    def __init__(self, sc: cinlab.Scenario) -> None:
        self.sc = sc
        th = sc.therapy
        if th is not None and th.schedule == "adaptive":
            raise NotImplementedError("the reference does not implement adaptive therapy")
        self.th = th
        self.ploidy = sc.genome.ploidy
        self.max_copies = sc.genome.max_copies
        self.bypass = [c - 1 for c in sc.escape.bypass_chromosomes]
        self.threshold = self.ploidy + sc.escape.bypass_gain

    # ------------------------------------------------------------------ cell rules

    def aneuploidy(self, kary: np.ndarray) -> int:
        return int(np.abs(kary - self.ploidy).sum())

    def escaped(self, cell: Cell) -> bool:
        return cell.mutated or any(cell.karyotype[c] >= self.threshold for c in self.bypass)

    def viable(self, kary: np.ndarray) -> bool:
        return bool(np.all(kary >= 1) and np.all(kary <= self.max_copies))

    def rates(self, cell: Cell, therapy_on: bool, kill_on: bool) -> tuple[float, float]:
        sc = self.sc
        if self.escaped(cell):
            b, d = sc.escape.birth_rate, sc.escape.death_rate
        elif therapy_on:
            b, d = self.th.birth_rate, self.th.death_rate
        else:
            b, d = sc.growth.birth_rate, sc.growth.death_rate
        a = self.aneuploidy(cell.karyotype)
        b = b * (1.0 - sc.fitness.aneuploidy_cost) ** a
        if kill_on:
            d = d + self.th.kill_aneuploid * a
        return b, d

    def divide(self, cell: Cell, beta: float, rng: np.random.Generator) -> list[Cell]:
        parent = cell.karyotype
        # one entry per chromosome copy: which chromosome it is
        owner = np.repeat(np.arange(parent.size), parent)
        missegregates = rng.random(owner.size) < beta
        goes_to_a = rng.random(owner.size) < 0.5
        # a missegregated copy moves one chromatid from one daughter to the other
        delta = np.where(missegregates, np.where(goes_to_a, 1, -1), 0)
        change = np.bincount(owner, weights=delta, minlength=parent.size).astype(np.int64)
        kary_a, kary_b = parent + change, parent - change
        mut_a = mut_b = cell.mutated
        if not self.escaped(cell) and rng.random() < self.sc.escape.mutation_rate:
            if rng.random() < 0.5:
                mut_a = True
            else:
                mut_b = True
        return [Cell(k, m) for k, m in ((kary_a, mut_a), (kary_b, mut_b)) if self.viable(k)]


def simulate_reference(scenario: cinlab.Scenario, seed: int) -> RefResult:
    """Simulate one tumour cell by cell; see the module docstring for the rules."""
    sc = scenario
    model = _Model(sc)
    th = sc.therapy
    rng = np.random.default_rng(seed)
    n_chrom = sc.genome.n_chromosomes
    cells = [Cell(np.full(n_chrom, sc.genome.ploidy, dtype=np.int64), False)
             for _ in range(sc.initial_cells)]
    t = 0.0
    detection_time = math.nan
    t0 = math.nan  # therapy start
    relapse_time = math.nan
    fell_below = False

    def therapy_on(now: float) -> bool:
        if math.isnan(t0) or now < t0:
            return False
        if th.schedule == "continuous":
            return True
        # a rate change at a boundary applies from the boundary on (hence the 1e-9)
        since = now - t0 + 1e-9
        return since % (th.on_days + th.off_days) < th.on_days

    def kill_on(now: float) -> bool:
        if th is None or th.kill_aneuploid == 0 or math.isnan(t0):
            return False
        now = now + 1e-9
        return t0 + th.kill_start <= now < t0 + th.kill_start + th.kill_duration

    def cin_on(now: float) -> bool:
        w = sc.cin.window
        if w == "always":
            return True
        if w == "never":
            return False
        if w == "until_therapy":
            return math.isnan(t0)
        return w[0] <= now < w[1]

    def next_boundary(now: float) -> float:
        """The next fixed day after ``now`` at which an event rate may change."""
        times = [sc.duration]
        if th is not None:
            if math.isnan(t0) and th.start != "detection":
                times.append(th.start)
            if not math.isnan(t0):
                if th.schedule == "intermittent":
                    period = th.on_days + th.off_days
                    k = math.floor((now - t0) / period)
                    # neighbouring cycles too, in case rounding put ``now`` in the
                    # wrong one
                    times += [t0 + j * period + x for j in (k - 1, k, k + 1, k + 2)
                              for x in (0.0, th.on_days)]
                if th.kill_aneuploid > 0:
                    times += [t0 + th.kill_start, t0 + th.kill_start + th.kill_duration]
        later = [x for x in times if x > now + 1e-12]
        return min(later)

    def check_sizes(now: float) -> None:
        nonlocal detection_time, t0, relapse_time, fell_below
        total = len(cells)
        if th is None:
            return
        if math.isnan(detection_time) and total >= th.detection_size:
            detection_time = now
            if th.start == "detection" and math.isnan(t0):
                t0 = now
        if not math.isnan(t0):
            if total < sc.relapse_size:
                fell_below = True
            elif fell_below and math.isnan(relapse_time):
                relapse_time = now - t0

    check_sizes(t)
    if th is not None and th.start != "detection" and th.start <= 0:
        t0 = 0.0
    # per-cell (birth, death) rates, row i for cells[i]; recomputed in full whenever
    # therapy or the drug switches, kept in step with the list otherwise
    flags = (therapy_on(t), kill_on(t))
    rates = np.array([model.rates(c, *flags) for c in cells], dtype=float).reshape(-1, 2)
    status = None
    while True:
        total = len(cells)
        if total == 0:
            status = "extinct"
            break
        if total >= sc.max_cells:
            status = "max_cells"
            break
        if t >= sc.duration - 1e-12:
            status = "duration"
            break
        now_flags = (therapy_on(t), kill_on(t))
        if now_flags != flags:
            flags = now_flags
            rates = np.array([model.rates(c, *flags) for c in cells],
                             dtype=float).reshape(-1, 2)
        capacity = sc.growth.carrying_capacity
        room = 1.0 if capacity >= 1e12 else max(1.0 - total / capacity, 0.0)
        weights = rates[:, 0] * room + rates[:, 1]
        total_rate = weights.sum()
        boundary = next_boundary(t)
        dt = rng.exponential(1.0 / total_rate) if total_rate > 0 else math.inf
        if t + dt >= boundary:
            # a rate may change here: stop the clock (memoryless) and start again
            t = boundary
            if th is not None and math.isnan(t0) and th.start != "detection" \
                    and t >= th.start - 1e-12:
                t0 = t
            check_sizes(t)
            continue
        t += dt
        i = int(np.searchsorted(np.cumsum(weights), rng.random() * total_rate, side="right"))
        i = min(i, total - 1)
        b_i, d_i = rates[i, 0] * room, rates[i, 1]
        cell = cells[i]
        # remove the parent: move the last cell into its place (order does not matter)
        cells[i] = cells[-1]
        rates[i] = rates[total - 1]
        cells.pop()
        rates = rates[: total - 1]
        if rng.random() * (b_i + d_i) < b_i:
            beta = sc.cin.missegregation_rate if cin_on(t) else sc.cin.baseline_rate
            daughters = model.divide(cell, beta, rng)
            cells.extend(daughters)
            if daughters:
                new = np.array([model.rates(c, *flags) for c in daughters], dtype=float)
                rates = np.concatenate([rates, new])
        check_sizes(t)

    kary = [c.karyotype for c in cells]
    aneu = np.array([model.aneuploidy(k) for k in kary], dtype=np.int64)
    hist = np.bincount(aneu, minlength=1) if aneu.size else np.zeros(1, dtype=np.int64)
    distinct = {tuple(k.tolist()) for k in kary}
    return RefResult(
        status=status,
        end_time=t,
        total=len(cells),
        escaped=sum(model.escaped(c) for c in cells),
        n_karyotypes=len(distinct),
        aneuploidy_hist=hist,
        detection_time=detection_time,
        therapy_start_time=t0,
        relapse_time=relapse_time,
        extinct=status == "extinct",
        karyotypes=kary,
        mutated=[c.mutated for c in cells],
    )
