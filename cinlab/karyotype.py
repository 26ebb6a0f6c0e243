"""Copy-number karyotypes: missegregation, aneuploidy, viability, fitness and escape.

A karyotype is an integer vector of copy numbers, one entry per chromosome type
(index 0 is chromosome 1). The missegregation convention (architecture.md): at each
division each copy of each chromosome independently missegregates with probability
``beta``; a missegregated copy sends both sister chromatids to the same, randomly
chosen daughter. For a chromosome with ``i`` copies, ``k ~ Binomial(i, beta)`` copies
missegregate and ``X ~ Binomial(k, 1/2)`` of them go to daughter A, which gets
``i + 2X - k`` copies; daughter B gets ``i - (2X - k)``. Daughter copies always sum
to twice the parent's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .rng import seed_sequence

__all__ = [
    "aneuploidy",
    "divide",
    "escape_chromosome",
    "euploid",
    "fitness",
    "viable",
]


def euploid(n_chromosomes: int, ploidy: int = 2) -> np.ndarray:
    """Return the euploid karyotype: ``ploidy`` copies of each chromosome (int8)."""
    return np.full(n_chromosomes, ploidy, dtype=np.int8)


def divide(karyotype: np.ndarray, missegregation_rate: float, size: int | None = None,
           rng: None | int | np.random.Generator = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample the two daughters of dividing cells with the given karyotype.

    Parameters
    ----------
    karyotype : array_like of int, shape (..., n_chromosomes)
        Parent copy numbers (one karyotype or a stack of them).
    missegregation_rate : float
        Probability ``beta`` in [0, 1] that one chromosome copy missegregates.
    size : int, optional
        Number of independent divisions of a single parent karyotype; the result then
        has shape (size, n_chromosomes).
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    daughter_a, daughter_b : ndarray of int16
        Daughter copy numbers; ``daughter_a + daughter_b == 2 * karyotype`` exactly.

    Raises
    ------
    ValueError
        If the rate is outside [0, 1] or a copy number is negative.
    """
    beta = float(missegregation_rate)
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"missegregation_rate must be in [0, 1] (per copy per division). "
                         f"Got {missegregation_rate!r}.")
    parent = np.asarray(karyotype, dtype=np.int64)
    if np.any(parent < 0):
        raise ValueError("karyotype copy numbers must be >= 0.")
    if size is not None:
        parent = np.broadcast_to(parent, (int(size), *parent.shape))
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        seed_sequence(rng))
    k = gen.binomial(parent, beta)
    to_a = gen.binomial(k, 0.5)
    change = 2 * to_a - k
    return (parent + change).astype(np.int16), (parent - change).astype(np.int16)


def aneuploidy(karyotype: np.ndarray, ploidy: int = 2) -> np.ndarray:
    """Aneuploidy score A = sum over chromosomes of ``|copies - ploidy|`` (last axis)."""
    return np.abs(np.asarray(karyotype, dtype=np.int64) - ploidy).sum(axis=-1)


def fitness(karyotype: np.ndarray, ploidy: int, aneuploidy_cost: float) -> np.ndarray:
    """Karyotype fitness ``(1 - aneuploidy_cost) ** A``, the factor on division rates."""
    return (1.0 - aneuploidy_cost) ** aneuploidy(karyotype, ploidy)


def viable(karyotype: np.ndarray, max_copies: int) -> np.ndarray:
    """True where every chromosome has between 1 and ``max_copies`` copies."""
    k = np.asarray(karyotype)
    return np.all((k >= 1) & (k <= max_copies), axis=-1)


def escape_chromosome(karyotype: np.ndarray, ploidy: int, bypass_chromosomes: Sequence[int],
                      bypass_gain: int) -> np.ndarray:
    """The bypass chromosome through which a karyotype escapes the oncogene, or 0.

    A cell is oncogene-independent by the karyotypic route when it carries at least
    ``ploidy + bypass_gain`` copies of any bypass chromosome.

    Parameters
    ----------
    karyotype : array_like, shape (..., n_chromosomes)
        Copy numbers.
    ploidy : int
        Normal copy number.
    bypass_chromosomes : sequence of int
        Chromosome numbers, counted from 1.
    bypass_gain : int
        Extra copies needed.

    Returns
    -------
    ndarray of int
        The first (in the order given) bypass chromosome number gained enough, else 0.
    """
    k = np.asarray(karyotype)
    out = np.zeros(k.shape[:-1], dtype=np.int64)
    for c in reversed(tuple(bypass_chromosomes)):
        out = np.where(k[..., c - 1] >= ploidy + bypass_gain, c, out)
    return out


# --------------------------------------------------------------------------------------
# Samplers driven by given uniforms (the engine's counter-based random numbers).


def binomial_cdf_table(max_n: int, p: float) -> np.ndarray:
    """Cumulative Binomial(n, p) probabilities: row n, column k holds P(K <= k)."""
    cdf = np.ones((max_n + 1, max_n + 1))
    for n in range(max_n + 1):
        acc = 0.0
        for k in range(n):
            acc += math.comb(n, k) * p**k * (1.0 - p) ** (n - k)
            cdf[n, k] = acc
    return cdf


def invert_table(cdf: np.ndarray, n: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw k with P(k) from row ``n`` of a cumulative table."""
    rows = cdf[n]
    return (u[..., None] > rows).sum(axis=-1)


class MissegregationSampler:
    """Daughter karyotypes of divisions known to have at least one or two missegregations.

    Built once per missegregation rate and genome; turns ``2 * n_chromosomes``
    uniforms per division into the exact conditional distribution of the per-chromosome
    net changes, given that at least ``at_least`` copies missegregated. Chromosomes are
    drawn in order, each from its exact conditional distribution given what the
    remaining ones can still contribute, so no draw is ever rejected.
    """

    def __init__(self, beta: float, max_copies: int) -> None:
        self.beta = float(beta)
        self.max_copies = int(max_copies)
        n = np.arange(max_copies + 1)
        self.pmf = np.zeros((max_copies + 1, max_copies + 1))
        for i in n:
            for k in range(i + 1):
                self.pmf[i, k] = math.comb(int(i), k) * beta**k * (1.0 - beta) ** (i - k)
        self.half = binomial_cdf_table(max_copies, 0.5)
        self.log_q = math.log1p(-beta) if beta < 1 else -math.inf
        self.ratio = beta / (1.0 - beta) if beta < 1 else math.inf
        self._tables: tuple[np.ndarray, np.ndarray] | None = None

    def tables(self, max_total: int) -> tuple[np.ndarray, np.ndarray]:
        """P(>= 1) and P(>= 2) missegregations among r copies, for r = 0..max_total.

        Computed once (and again only for a larger ``max_total``), so that every use,
        compiled or not, reads the same numbers.
        """
        if self._tables is None or self._tables[0].size <= max_total:
            r = np.arange(max(max_total, 1) + 1, dtype=np.float64)
            none = np.exp(self.log_q * r)
            ge1 = -np.expm1(self.log_q * r)
            ge2 = np.maximum(ge1 - none * self.ratio * r, 0.0)
            self._tables = (ge1, ge2)
        return self._tables

    def p_any(self, copies_total: np.ndarray) -> np.ndarray:
        """Probability that at least one copy missegregates, given the total copies."""
        if self.beta >= 1:
            return (np.asarray(copies_total) > 0).astype(float)
        return -np.expm1(self.log_q * np.asarray(copies_total, dtype=np.float64))

    def p_single(self, copies_total: np.ndarray) -> np.ndarray:
        """Probability of exactly one missegregation given at least one."""
        total = np.asarray(copies_total, dtype=np.float64)
        p_any = self.p_any(total)
        p_one = total * self.beta * np.exp(self.log_q * np.maximum(total - 1, 0))
        return np.divide(p_one, p_any, out=np.zeros_like(p_one), where=p_any > 0)

    def changes(self, copies: np.ndarray, u: np.ndarray, at_least: int = 1) -> np.ndarray:
        """Net change ``2X - k`` of daughter A per chromosome, given >= ``at_least`` events.

        Parameters
        ----------
        copies : ndarray of int, shape (m, n_chromosomes)
            Parent karyotypes (all copy numbers within 0..max_copies).
        u : ndarray of float, shape (m, 2 * n_chromosomes)
            Uniforms in (0, 1).
        at_least : {1, 2}
            Condition on at least this many missegregated copies in the division.

        Returns
        -------
        ndarray of int16, shape (m, n_chromosomes)
        """
        m, n_chrom = copies.shape
        copies = copies.astype(np.int64)
        # remaining[:, c]: copies on chromosomes c..end; P(>=1) and P(>=2) events there
        remaining = np.zeros((m, n_chrom + 1), dtype=np.int64)
        remaining[:, :n_chrom] = np.cumsum(copies[:, ::-1], axis=1)[:, ::-1]
        ge1_tab, ge2_tab = self.tables(int(remaining[:, 0].max(initial=0)))
        ge1, ge2 = ge1_tab[remaining], ge2_tab[remaining]
        need = np.full(m, at_least, dtype=np.int64)
        k = np.zeros((m, n_chrom), dtype=np.int64)
        kk = np.arange(self.max_copies + 1)
        for c in range(n_chrom):
            pmf = self.pmf[copies[:, c]]
            rest = need[:, None] - kk[None, :]
            later = np.where(rest <= 0, 1.0, np.where(rest == 1, ge1[:, c + 1, None],
                                                      ge2[:, c + 1, None]))
            cum = np.cumsum(pmf * later, axis=1)
            k_c = (u[:, c, None] * cum[:, -1:] > cum).sum(axis=1)
            k[:, c] = np.minimum(k_c, copies[:, c])
            need = np.maximum(need - k[:, c], 0)
        to_a = invert_table(self.half, k, u[:, n_chrom:])
        return (2 * to_a - k).astype(np.int16)


def binomial_from_uniform(n: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Binomial(n, p) draws from uniforms, vectorised.

    Exact inversion where ``n * min(p, 1 - p) < 10``; above that a normal
    approximation with continuity and skewness (Cornish-Fisher) corrections, whose
    error in distribution is O(1 / (n p (1 - p))). Used only by tau-leaping.

    Parameters
    ----------
    n : ndarray of int
        Trials (>= 0).
    p : ndarray of float
        Success probabilities in [0, 1].
    u : ndarray of float
        Uniforms in (0, 1).

    Returns
    -------
    ndarray of int64
    """
    n = np.asarray(n, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    u = np.asarray(u, dtype=np.float64)
    n, p, u = np.broadcast_arrays(n, p, u)
    if n.ndim != 1:
        return binomial_from_uniform(n.ravel(), p.ravel(), u.ravel()).reshape(n.shape)
    # Inversion settles n = 0 and p = 0 at once (its P(X = 0) is exactly 1, and u < 1),
    # so no element needs to be set aside first.
    flip = p > 0.5
    flipped = bool(flip.any())
    if flipped:
        p = np.where(flip, 1.0 - p, p)
        u = np.where(flip, 1.0 - u, u)
    small = n * p < 10.0
    if small.all():
        draw = _binomial_inversion(n, p, u)
    else:
        from scipy.special import ndtri

        draw = np.zeros(n.shape, dtype=np.int64)
        few = np.nonzero(small)[0]
        if few.size:
            draw[few] = _binomial_inversion(n[few], p[few], u[few])
        big = np.nonzero(~small)[0]
        nb, pb, ub = n[big], p[big], u[big]
        sd = np.sqrt(nb * pb * (1.0 - pb))
        z = ndtri(ub)
        z = z + (z * z - 1.0) * ((1.0 - 2.0 * pb) / sd) / 6.0
        draw[big] = np.clip(np.floor(nb * pb + sd * z + 0.5), 0, nb).astype(np.int64)
    return np.where(flip, n - draw, draw) if flipped else draw


def _binomial_inversion(n: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Sequential-search inversion for Binomial(n, p) with small mean.

    All draws still searching step k together; their arrays are compacted only when
    fewer than half of them are still searching.
    """
    k = np.zeros(n.shape, dtype=np.int64)
    with np.errstate(divide="ignore"):
        pmf0 = np.exp(n * np.log1p(-p))
    idx = np.nonzero(u > pmf0)[0]  # n = 0 or p = 0: pmf0 is exactly 1 and u < 1
    if idx.size == 0:
        return k
    trials = n[idx].astype(np.float64)
    pmf = pmf0[idx]
    cdf = pmf.copy()
    ratio = p[idx] / (1.0 - p[idx])
    target = u[idx]
    searching = np.ones(idx.size, dtype=bool)
    kk = 0
    while True:
        kk += 1
        pmf = pmf * (trials - kk + 1.0) / kk * ratio
        cdf += pmf
        still = searching & (target > cdf) & (kk < trials) & (pmf > 0)
        k[idx[searching & ~still]] = kk
        n_left = np.count_nonzero(still)
        if n_left == 0:
            return k
        if 2 * n_left < still.size:
            idx, trials, pmf, cdf = idx[still], trials[still], pmf[still], cdf[still]
            ratio, target = ratio[still], target[still]
            searching = np.ones(n_left, dtype=bool)
        else:
            searching = still
