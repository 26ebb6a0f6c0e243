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

import numpy as np

from ..params import Genome, field_spec
from ..rng import uniforms
from . import draws
from ._jit import HAVE_NUMBA, NUMBA_ERROR, jit

__all__ = ["BACKENDS", "LANES_PER_CLONE", "resolve_backend", "tau_draws"]

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
        return "numba" if HAVE_NUMBA else "numpy"
    if backend == "numba" and not HAVE_NUMBA:
        raise ValueError(f"backend='numba' needs numba, which did not import here "
                         f"({NUMBA_ERROR}). Use backend='numpy' or 'auto'.")
    return backend


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
def _tau_draws_numba(n, alpha, beta, extra, mu, p_any, p_single, lane_base):
    m = n.size
    z = np.empty((m, 4), dtype=np.int64)
    for i in range(m):
        base = lane_base[i]
        lost = draws.binomial1(n[i], alpha[i], _uniform1(base, np.uint64(LANE_SURVIVORS)))
        surv = n[i] - lost
        growth = draws.negbin1(surv, beta[i], _uniform1(base, np.uint64(LANE_GROWTH)))
        births = growth + draws.binomial1(n[i], extra[i],
                                          _uniform1(base, np.uint64(LANE_EXTRA)))
        count = surv + growth
        mutants = 0
        if mu[i] > 0.0 and births > 0:
            mutants = min(draws.binomial1(births, mu[i],
                                          _uniform1(base, np.uint64(LANE_MUTANTS))), count)
        mis = 0
        trials = min(births - mutants, (count - mutants) // 2)
        if p_any[i] > 0.0 and trials > 0:
            mis = draws.binomial1(trials, p_any[i], _uniform1(base, np.uint64(LANE_MIS)))
        single = 0
        if mis > 0:
            single = draws.binomial1(mis, p_single[i], _uniform1(base, np.uint64(LANE_SINGLE)))
        z[i, 0] = count - mutants
        z[i, 1] = mutants
        z[i, 2] = mis
        z[i, 3] = single
    return z


def tau_draws(backend: str, n: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
              extra: np.ndarray, mu: np.ndarray, p_any: np.ndarray, p_single: np.ndarray,
              lane_base: np.ndarray) -> np.ndarray:
    """One tau step's draws for each live clone (an exact birth-death leap).

    For a clone of ``n`` cells with constant rates over the step, each cell's lineage
    survives with probability ``1 - alpha`` and a surviving lineage holds
    ``1 + Geometric`` cells (``beta`` the chance of each further cell): the exact
    distribution of a linear birth-death process after the step. The step's divisions
    are the surviving lineages' extra cells plus ``Binomial(n, extra)`` divisions in
    lineages that died out, which makes their mean exact.

    Parameters are per-clone arrays; ``mu`` is 0 where a clone cannot mutate.

    Returns
    -------
    ndarray of int64, shape (m, 4)
        Columns: cells left in the clone (before missegregating divisions leave it),
        escape mutants (one mutant daughter each), missegregating divisions, and of
        those the divisions with exactly one missegregated copy.
    """
    f = _tau_draws_numba if backend == "numba" else _tau_draws_numpy
    return f(n, alpha, beta, extra, mu, p_any, p_single, lane_base)
