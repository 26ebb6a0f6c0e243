"""The engine's inner loops, with a compiled (numba) and a numpy backend.

Each kernel below has a numpy form and a compiled form that consume the same uniforms
in the same way and return the same integers, so a seed gives the same run on either
backend. What a backend may not share is kept outside the kernels: every rate,
probability and waiting time that depends on ``exp`` or ``log`` is computed once, by
numpy, in the code that calls them (:mod:`cinlab.engine.batch`).

Random lanes. A tau step gives each live clone of a replicate ``LANES_PER_CLONE``
consecutive lanes of the replicate's step stream (``rank * LANES_PER_CLONE + k``):
``k = 0..5`` for the step's draws (:data:`LANE_SURVIVORS` ...), then one lane per
chromosome type for splitting single missegregations over chromosomes. The layout is
derived from the largest genome that :class:`cinlab.Genome` accepts, so the two cannot
drift apart.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np

from ..params import Genome, field_spec
from ..rng import uniforms
from . import draws
from ._jit import HAVE_NUMBA, NUMBA_ERROR, jit

__all__ = ["BACKENDS", "LANES_PER_CLONE", "COMPILE_MESSAGE", "is_ready", "prepare",
           "resolve_backend", "tau_draws"]

BACKENDS = ("auto", "numba", "numpy")

#: Lanes of one clone in a tau step.
LANE_SURVIVORS, LANE_GROWTH, LANE_EXTRA, LANE_MUTANTS, LANE_MIS, LANE_SINGLE = range(6)
LANE_CHROMOSOMES = 6
MAX_CHROMOSOMES = int(field_spec(Genome, "n_chromosomes")["max"])
LANES_PER_CLONE = 1 << (LANE_CHROMOSOMES + MAX_CHROMOSOMES - 1).bit_length()


def resolve_backend(backend: str) -> str:
    """The backend that ``backend`` names: "numba" or "numpy".

    Raises
    ------
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`, or is "numba" where numba does
        not import.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}. "
                         f"Got {backend!r}.")
    if backend == "auto":
        if not HAVE_NUMBA or _STATE["failed"]:
            return "numpy"
        if not _STATE["ready"] and not _STATE["busy"]:
            prepare()
        return "numpy" if _STATE["failed"] else "numba"
    if backend == "numba" and not HAVE_NUMBA:
        raise ValueError(f"backend='numba' needs numba, which did not import here "
                         f"({NUMBA_ERROR}). Install it with `pip install numba`, or use "
                         f"backend='numpy' or 'auto'.")
    return backend


#: What the explorers' status line and the command line say while kernels compile.
COMPILE_MESSAGE = ("Preparing the simulation engine: compiled once per machine (up to "
                   "about 20 s), then loaded from disk in under a second\u2026")
_STATE: dict[str, bool | float] = {"ready": False, "busy": False, "failed": False,
                                   "seconds": 0.0}


def is_ready() -> bool:
    """Whether runs need no compiling or loading of kernels first (in this process)."""
    return bool(not HAVE_NUMBA or _STATE["ready"] or _STATE["failed"])


def prepare(notify: Callable[[str], None] | None = None) -> float:
    """Compile (or load from the disk cache) every kernel with one small run.

    ``notify(message)`` is called first when there is work to do. A kernel that fails
    to compile switches "auto" to the numpy backend for this process, with a warning;
    it never raises. Returns the seconds spent.
    """
    if is_ready():
        return 0.0
    if notify is not None:
        notify(COMPILE_MESSAGE)
    from ..scenarios import get
    from .batch import Batch

    start = time.perf_counter()
    _STATE["busy"] = True
    try:
        sc = get("sotillo2010", mad2=True, **{"therapy.detection_size": 300,
                                              "max_cells": 600, "relapse_size": 300})
        Batch(sc, np.random.SeedSequence(0).spawn(2), backend="numba").run()
        _STATE["ready"] = True
    except Exception as exc:  # any compile failure: keep working on numpy
        _STATE["failed"] = True
        warnings.warn(f"cinlab: the compiled engine failed to build ({type(exc).__name__}: "
                      f"{exc}); using the numpy backend, which gives the same results "
                      f"more slowly.", RuntimeWarning, stacklevel=2)
    finally:
        _STATE["busy"] = False
    seconds = time.perf_counter() - start
    _STATE["seconds"] = seconds
    return seconds


# ----------------------------------------------------------- counter-based uniforms

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO53 = 2.0 ** -53


@jit
def _uniform1(base: np.uint64, lane: np.uint64) -> float:
    """The compiled twin of :func:`cinlab.rng.uniforms` for one (base, lane)."""
    z = base + lane + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return (np.float64(z >> _S11) + 0.5) * _TWO53


@jit
def _mix1(z: np.uint64) -> np.uint64:
    """SplitMix64's output function (the compiled twin of :func:`cinlab.rng._mix`)."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def stream_bases_numba(keys, streams, counters):
    """The compiled twin of :func:`cinlab.rng.stream_bases` (uint64 arrays)."""
    out = np.empty((streams.size, keys.size), np.uint64)
    for j in range(streams.size):
        for i in range(keys.size):
            out[j, i] = _mix1(_mix1(keys[i] ^ streams[j]) + counters[i])
    return out


@jit
def exact_heads_numba(keys, first, k, stream):
    """Per replicate, its exact stream's head and the first uniform of ``k`` events.

    Event ``j`` of replicate ``i`` has counter ``first[i] + j`` and stream base
    ``_mix1(head[i] + counter)``: the same numbers as ``stream_base(keys[:, None],
    stream, counters)`` and lane 0 of ``uniforms`` in numpy.
    """
    m = keys.size
    heads = np.empty(m, np.uint64)
    u0 = np.empty((m, k))
    s = np.uint64(stream)
    for i in range(m):
        head = _mix1(keys[i] ^ s)
        heads[i] = head
        for j in range(k):
            u0[i, j] = _uniform1(_mix1(head + np.uint64(first[i] + j)), np.uint64(0))
    return heads, u0


# ------------------------------------------------------------------------ tau step


def _tau_draws_numpy(n, alpha, beta, extra, mu, p_any, p_single, lane_base):
    z = np.empty((n.size, 4), dtype=np.int64)
    if n.size == 0:
        return z
    lost = draws.binomial(n, alpha, uniforms(lane_base, LANE_SURVIVORS))
    surv = n - lost
    growth = draws.negbin(surv, beta, uniforms(lane_base, LANE_GROWTH))
    births = growth + draws.binomial(n, extra, uniforms(lane_base, LANE_EXTRA))
    count = surv + growth
    mutants = np.zeros_like(n)
    can = np.nonzero((mu > 0.0) & (births > 0))[0]
    if can.size:
        mutants[can] = np.minimum(
            draws.binomial(births[can], mu[can], uniforms(lane_base[can], LANE_MUTANTS)),
            count[can])
    mis = np.zeros_like(n)
    trials = np.minimum(births - mutants, (count - mutants) // 2)
    can = np.nonzero((p_any > 0.0) & (trials > 0))[0]
    if can.size:
        mis[can] = draws.binomial(trials[can], p_any[can], uniforms(lane_base[can], LANE_MIS))
    single = np.zeros_like(n)
    can = np.nonzero(mis > 0)[0]
    if can.size:
        single[can] = draws.binomial(mis[can], p_single[can],
                                     uniforms(lane_base[can], LANE_SINGLE))
    z[:, 0] = count - mutants
    z[:, 1] = mutants
    z[:, 2] = mis
    z[:, 3] = single
    return z


@jit
def _clone_draw(n, alpha, beta, extra, mu, p_any, p_single, base):
    """One clone's tau-step draws (the loop body of the compiled kernels)."""
    lost = draws.binomial1(n, alpha, _uniform1(base, np.uint64(LANE_SURVIVORS)))
    surv = n - lost
    growth = draws.negbin1(surv, beta, _uniform1(base, np.uint64(LANE_GROWTH)))
    births = growth + draws.binomial1(n, extra, _uniform1(base, np.uint64(LANE_EXTRA)))
    count = surv + growth
    mutants = 0
    if mu > 0.0 and births > 0:
        mutants = min(draws.binomial1(births, mu, _uniform1(base, np.uint64(LANE_MUTANTS))),
                      count)
    mis = 0
    trials = min(births - mutants, (count - mutants) // 2)
    if p_any > 0.0 and trials > 0:
        mis = draws.binomial1(trials, p_any, _uniform1(base, np.uint64(LANE_MIS)))
    single = 0
    if mis > 0:
        single = draws.binomial1(mis, p_single, _uniform1(base, np.uint64(LANE_SINGLE)))
    return count - mutants, mutants, mis, single


def tau_draws(n: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
              extra: np.ndarray, mu: np.ndarray, p_any: np.ndarray, p_single: np.ndarray,
              lane_base: np.ndarray) -> np.ndarray:
    """One tau step's draws for each live clone (an exact birth-death leap).

    For a clone of ``n`` cells with constant rates over the step, each cell's lineage
    survives with probability ``1 - alpha`` and a surviving lineage holds
    ``1 + Geometric`` cells (``beta`` the chance of each further cell): the exact
    distribution of a linear birth-death process after the step. The step's divisions
    are the surviving lineages' extra cells plus ``Binomial(n, extra)`` divisions in
    lineages that died out, which makes their mean exact.

    Parameters are per-clone arrays; ``mu`` is 0 where a clone cannot mutate. This is
    the numpy form; the compiled tau step draws each clone with :func:`_clone_draw`.

    Returns
    -------
    ndarray of int64, shape (m, 4)
        Columns: cells left in the clone (before missegregating divisions leave it),
        escape mutants (one mutant daughter each), missegregating divisions, and of
        those the divisions with exactly one missegregated copy.
    """
    return _tau_draws_numpy(n, alpha, beta, extra, mu, p_any, p_single, lane_base)


# ------------------------------------------------------------- exact events (compiled)


@jit
def _exact_numba(rows, k_max, expo, heads, count, esc, aneu, mut, ncop, used,
                 total, escaped, t, boundary, n_exact, rec_times, rec_idx, rec_total,
                 rec_escaped, th_on, kill_on, cin_on, rates, fit, capacity, mu, p_any,
                 hi_ge, hi_gt, lo_lt, eps, snap):
    """Up to ``k_max`` exact events per replicate, as ``Batch._exact_step`` takes them.

    A replicate stops early after any event that the schedule must see (a size
    threshold, a fixed time, a table compaction) and before a division whose daughters
    change (missegregation or escape mutation): such a division is returned as pending
    and placed by the caller. ``expo`` holds each event's exponential variate (numpy's
    log); ``heads`` each replicate's stream head, from which an event's stream base
    (its counter mixed in) gives the uniform that picks the event and the division's
    own uniforms.

    With ``snap`` (a run that records its lineages), a replicate does not write records
    itself: it stops before an event that has records due first, without taking it,
    and returns the event's time, so that the caller records the state (and its clone
    snapshot) at those times; the next call takes the same event.

    Returns the pending divisions as (row position, slot, stream base) with slot -1
    where none is pending, and the time of each replicate's event with records due
    (NaN where none).
    """
    m = rows.size
    pend_slot = np.full(m, -1, np.int64)
    pend_base = np.zeros(m, np.uint64)
    due = np.full(m, np.nan)
    gb, gd, eb, ed, tb, td, kill = rates[0], rates[1], rates[2], rates[3], rates[4], \
        rates[5], rates[6]
    for i in range(m):
        r = rows[i]
        width = used[r]
        n_live = 0
        for s in range(width):
            if count[r, s] > 0:
                n_live += 1
        wb = np.empty(width)
        cum = np.empty(width)
        for k in range(k_max):
            room = 1.0
            if capacity < np.inf:
                room = max(1.0 - total[r] / capacity, 0.0)
            acc = 0.0
            last = -1
            for s in range(width):
                if esc[r, s]:
                    bb, dd = eb, ed
                elif th_on[r]:
                    bb, dd = tb, td
                else:
                    bb, dd = gb, gd
                bb = bb * fit[aneu[r, s]]
                if capacity < np.inf:
                    bb = bb * room
                if kill > 0.0:
                    dd = dd + (kill * aneu[r, s] if kill_on[r] else 0.0)
                c = count[r, s]
                wb[s] = c * bb
                w = wb[s] + c * dd
                acc = acc + w
                cum[s] = acc
                if w > 0.0:
                    last = s
            rate = acc
            dt = expo[i, k] / rate if rate > 0.0 else np.inf
            t_new = t[r] + dt
            cross = t_new >= boundary[r]
            t_next = boundary[r] if cross else t_new
            # records on the grid strictly before the event, with the state before it
            if snap and rec_idx[r] < rec_times.size and rec_times[rec_idx[r]] < t_next - eps:
                due[i] = t_next
                break
            while rec_idx[r] < rec_times.size and rec_times[rec_idx[r]] < t_next - eps:
                rec_total[r, rec_idx[r]] = total[r]
                rec_escaped[r, rec_idx[r]] = escaped[r]
                rec_idx[r] += 1
            t[r] = t_next
            n_exact[r] += 1
            if cross:
                break
            base = _mix1(heads[i] + np.uint64(n_exact[r] - 1))  # this event's counter
            target = _uniform1(base, np.uint64(1)) * rate
            slot = 0
            for s in range(width):
                if cum[s] <= target:
                    slot += 1
            slot = min(slot, last)
            prev = cum[slot - 1] if slot > 0 else 0.0
            if (target - prev) < wb[slot]:
                altered = False
                pa = p_any[1 if cin_on[r] else 0, ncop[r, slot]]
                if pa > 0.0 and _uniform1(base, np.uint64(2)) < pa:
                    altered = True
                if not esc[r, slot] and not mut[r, slot] and \
                        _uniform1(base, np.uint64(3)) < mu:
                    altered = True
                if altered:
                    pend_slot[i] = slot
                    pend_base[i] = base
                    break
                count[r, slot] += 1
                total[r] += 1
                if esc[r, slot]:
                    escaped[r] += 1
            else:
                count[r, slot] -= 1
                total[r] -= 1
                if esc[r, slot]:
                    escaped[r] -= 1
                if count[r, slot] == 0:
                    n_live -= 1
            tot = total[r]
            if tot >= hi_ge[i] or tot > hi_gt[i] or tot < lo_lt[i] or \
                    t[r] >= boundary[r] - eps or (width > 64 and width > 2 * n_live):
                break
    return pend_slot, pend_base, due


# ------------------------------------------------- a whole tau step's clones (compiled)


@jit
def rate_tables_numba(th_on, kill_on, room, rates, fit, amax):
    """Division and death rates by (replicate, escaped, aneuploidy score).

    The rates of ``Schedule._rates`` (the same operations in the same order), for
    replicates with therapy flags ``th_on``, drug flags ``kill_on`` and ``room`` (the
    factor under a carrying capacity, NaN without one); ``rates`` in the order of
    :class:`~cinlab.engine.schedule.Rates`.
    """
    m = th_on.size
    b = np.empty((m, 2, amax + 1))
    d = np.empty((m, 2, amax + 1))
    gb, gd, eb, ed, tb, td, kill = rates[0], rates[1], rates[2], rates[3], rates[4], \
        rates[5], rates[6]
    for i in range(m):
        for e in range(2):
            if e == 1:
                bb, dd = eb, ed
            elif th_on[i]:
                bb, dd = tb, td
            else:
                bb, dd = gb, gd
            for a in range(amax + 1):
                x = bb * fit[a]
                if not np.isnan(room[i]):
                    x = x * room[i]
                y = dd
                if kill > 0.0:
                    y = y + (kill * a if kill_on[i] else 0.0)
                b[i, e, a] = x
                d[i, e, a] = y
    return b, d


@jit
def leap_tables_numba(b, d, dt, x, e):
    """A tau step's per-cell chances by (replicate, escaped, aneuploidy score).

    ``x = (b - d) dt`` and ``e = expm1(x)`` come from numpy (its ``expm1``); then
    ``g = e / (b - d)`` (``dt`` where ``|x| < 1e-8``), ``alpha = d g / (1 + b g)``,
    ``beta = b g / (1 + b g)`` and ``extra = beta d g``, as the numpy step computes them.
    """
    alpha = np.empty_like(b)
    beta = np.empty_like(b)
    extra = np.empty_like(b)
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            for a in range(b.shape[2]):
                bb = b[i, j, a]
                dd = d[i, j, a]
                if abs(x[i, j, a]) < 1e-8:
                    g = dt[i]
                else:
                    g = e[i, j, a] / (bb - dd)
                bg = bb * g
                alpha[i, j, a] = dd * g / (1.0 + bg)
                beta[i, j, a] = bg / (1.0 + bg)
                extra[i, j, a] = beta[i, j, a] * dd * g
    return alpha, beta, extra


@jit
def _tau_scan_numba(rows, count, esc, aneu, used, rate_b, rate_d):
    """Per replicate: the largest b + d of a live clone and the sum of n (b - d)."""
    m = rows.size
    max_rate = np.zeros(m)
    growth = np.zeros(m)
    for i in range(m):
        r = rows[i]
        acc = 0.0
        top = 0.0
        for s in range(used[r]):
            c = count[r, s]
            if c <= 0:
                continue
            e = 1 if esc[r, s] else 0
            b = rate_b[i, e, aneu[r, s]]
            d = rate_d[i, e, aneu[r, s]]
            top = max(top, b + d)
            acc = acc + c * (b - d)
        max_rate[i] = top
        growth[i] = acc
    return max_rate, growth


@jit
def _tau_clones_numba(rows, count, esc, aneu, mut, ncop, used, cin_on, alpha, beta, extra,
                      mu, p_any, p_single, step_base, lanes):
    """Draw every live clone of a tau step and list the clones whose daughters change.

    Clones are visited in table order; a clone's rank among its replicate's live clones
    picks its random lanes. Writes each clone's count (before missegregating divisions
    leave it) and returns, for clones with mutants or missegregations: replicate
    position, slot, rank, lane base, mutants, missegregating and single divisions.
    """
    m = rows.size
    bound = 0
    for i in range(m):
        bound += used[rows[i]]
    ev_i = np.empty(bound, np.int64)
    ev_s = np.empty(bound, np.int64)
    ev_rank = np.empty(bound, np.int64)
    ev_base = np.empty(bound, np.uint64)
    ev_z = np.empty((bound, 3), np.int64)
    n_ev = 0
    for i in range(m):
        r = rows[i]
        f = 1 if cin_on[r] else 0
        k = 0
        for s in range(used[r]):
            n = count[r, s]
            if n <= 0:
                continue
            e = 1 if esc[r, s] else 0
            a = aneu[r, s]
            base = step_base[i] + np.uint64(k) * np.uint64(lanes)
            mu_c = 0.0 if (esc[r, s] or mut[r, s]) else mu
            z0, mutants, mis, single = _clone_draw(
                n, alpha[i, e, a], beta[i, e, a], extra[i, e, a], mu_c,
                p_any[f, ncop[r, s]], p_single[f, ncop[r, s]], base)
            count[r, s] = z0
            if mutants > 0 or mis > 0:
                ev_i[n_ev] = i
                ev_s[n_ev] = s
                ev_rank[n_ev] = k
                ev_base[n_ev] = base
                ev_z[n_ev, 0] = mutants
                ev_z[n_ev, 1] = mis
                ev_z[n_ev, 2] = single
                n_ev += 1
            k += 1
    return (ev_i[:n_ev], ev_s[:n_ev], ev_rank[:n_ev], ev_base[:n_ev], ev_z[:n_ev])


@jit
def _totals_numba(rows, count, esc, used, total, escaped):
    """Totals, escaped totals and live clone counts of the given replicates."""
    n_live = np.zeros(rows.size, np.int64)
    for i in range(rows.size):
        r = rows[i]
        tot = 0
        es = 0
        live = 0
        for s in range(used[r]):
            c = count[r, s]
            if c > 0:
                tot += c
                live += 1
                if esc[r, s]:
                    es += c
        total[r] = tot
        escaped[r] = es
        n_live[i] = live
    return n_live
