"""Chromosome missegregation: transitions, karyotype change, aneuploidy and fitness."""

from __future__ import annotations

import math

import numpy as np

from ._checks import _checked, _fail, _karyotype, _out

# ---------------------------------------------------------------------------------------
# Chromosome missegregation
# ---------------------------------------------------------------------------------------


def missegregation_transition(copies, beta):
    """Distribution of one daughter's copy number of a chromosome after one division.

    Parameters
    ----------
    copies : int
        Copies ``i`` of the chromosome in the parent, an integer >= 0.
    beta : float or array_like
        Missegregation probability per chromosome copy per division, in [0, 1].

    Returns
    -------
    ndarray of shape ``np.shape(beta) + (2 * copies + 1,)``
        ``P[..., j]`` = probability that daughter A receives ``j`` copies,
        ``j = 0 .. 2 i``. Daughter B receives ``2 i - j``.

    Raises
    ------
    ValueError
        If ``copies`` is not a non-negative integer or ``beta`` is outside [0, 1].

    Notes
    -----
    Convention (architecture.md): each of the ``i`` copies independently missegregates
    with probability ``beta``; a missegregated copy sends both sister chromatids to the
    same daughter, chosen with probability 1/2 each; otherwise each daughter gets one
    chromatid. With ``k ~ Binomial(i, beta)`` missegregations of which
    ``X ~ Binomial(k, 1/2)`` go to daughter A, A receives ``i + 2X - k`` copies:

        ``P(j) = sum_k C(i,k) beta^k (1-beta)^(i-k) C(k,X) 2^-k``, ``X = (j - i + k)/2``.

    The distribution is symmetric about ``i`` with mean ``i`` and variance ``i beta``.
    """
    i = int(_checked("copies", copies, lo=0, integer=True, scalar=True, units="copies"))
    p = _checked("beta", beta, lo=0, hi=1, units="per chromosome copy per division")
    k = np.arange(i + 1)
    comb_ik = np.array([math.comb(i, kk) for kk in k], dtype=float)
    # n_missegregated[..., k] = P(k of the i copies missegregate); 0**0 is 1 in NumPy.
    n_missegregated = comb_ik * p[..., None] ** k * (1.0 - p[..., None]) ** (i - k)
    # to_daughter[k, j] = P(daughter A gets j copies | k missegregations).
    to_daughter = np.zeros((i + 1, 2 * i + 1))
    for kk in range(i + 1):
        for x in range(kk + 1):
            to_daughter[kk, i + 2 * x - kk] = math.comb(kk, x) / 2.0**kk
    return n_missegregated @ to_daughter


def _prob_no_net_change(copies: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """P(net change 0) for one chromosome with ``copies`` copies (broadcasting)."""
    imax = int(copies.max(initial=0))
    j = np.arange(imax // 2 + 1)
    # Trinomial count of "j copies to A, j to B, i - 2j stay put":
    # i! / (j! j! (i - 2j)!) = C(i, 2j) C(2j, j); math.comb gives 0 when 2j > i.
    counts = np.array(
        [[math.comb(i, 2 * jj) * math.comb(2 * jj, jj) for jj in j] for i in range(imax + 1)],
        dtype=float,
    )
    stay = np.maximum(copies[..., None] - 2 * j, 0)
    half = beta[..., None] / 2.0
    terms = counts[copies] * half ** (2 * j) * (1.0 - beta[..., None]) ** stay
    return terms.sum(axis=-1)


def prob_no_karyotype_change(karyotype, beta):
    """Probability that a division leaves both daughters with the parent's karyotype.

    Parameters
    ----------
    karyotype : array_like of int, shape (..., n_chromosomes)
        Copy numbers of the parent, one entry per chromosome on the last axis; leading
        axes are independent cells.
    beta : float or array_like
        Missegregation probability per chromosome copy per division, in [0, 1];
        broadcast against the leading axes of ``karyotype``.

    Returns
    -------
    float or ndarray of shape (...)
        ``prod over chromosomes of P(2X - k = 0)``, where for a chromosome with ``i``
        copies ``P(2X - k = 0) = sum_j i! / (j! j! (i - 2j)!) (beta/2)^(2j)
        (1 - beta)^(i - 2j)``.

    Raises
    ------
    ValueError
        If a copy number is not a non-negative integer, ``karyotype`` is a scalar or
        ``beta`` is outside [0, 1].

    Notes
    -----
    Convention as :func:`missegregation_transition`. This is *not*
    ``(1 - beta)^(total copies)`` (:func:`prob_no_missegregation`): two copies of the
    same chromosome missegregating in opposite directions cancel, so the karyotype can
    survive a missegregation. Chromosomes missegregate independently, hence the product.
    """
    kar = _karyotype("karyotype", karyotype)
    p = _checked("beta", beta, lo=0, hi=1, units="per chromosome copy per division")
    per_chromosome = _prob_no_net_change(kar, p[..., None])
    return _out(np.prod(per_chromosome, axis=-1))


def prob_no_missegregation(karyotype, beta):
    """Probability that no chromosome copy missegregates in a division.

    Parameters
    ----------
    karyotype : array_like of int, shape (..., n_chromosomes)
        Copy numbers of the parent (last axis = chromosomes).
    beta : float or array_like
        Missegregation probability per chromosome copy per division, in [0, 1];
        broadcast against the leading axes of ``karyotype``.

    Returns
    -------
    float or ndarray of shape (...)
        ``(1 - beta) ** sum(karyotype, axis=-1)``.

    Raises
    ------
    ValueError
        If a copy number is not a non-negative integer, ``karyotype`` is a scalar or
        ``beta`` is outside [0, 1].

    Notes
    -----
    A lower bound for :func:`prob_no_karyotype_change`.
    """
    kar = _karyotype("karyotype", karyotype)
    p = _checked("beta", beta, lo=0, hi=1, units="per chromosome copy per division")
    return _out((1.0 - p) ** kar.sum(axis=-1))


def aneuploidy_score(karyotype, ploidy):
    """Total deviation of a karyotype from euploidy: ``A = sum |copies - ploidy|``.

    Parameters
    ----------
    karyotype : array_like of int, shape (..., n_chromosomes)
        Copy numbers (last axis = chromosomes); leading axes are independent cells.
    ploidy : int
        Euploid copy number, an integer >= 1.

    Returns
    -------
    int or ndarray of int, shape (...)
        ``A`` for each karyotype.

    Raises
    ------
    ValueError
        If a copy number is not a non-negative integer, ``karyotype`` is a scalar or
        ``ploidy`` is not an integer >= 1.

    Notes
    -----
    Units: copies. ``A = 0`` exactly for the euploid karyotype.
    """
    kar = _karyotype("karyotype", karyotype)
    pl = _checked("ploidy", ploidy, lo=1, integer=True, units="copies").astype(np.int64)
    return _out(np.abs(kar - pl[..., None]).sum(axis=-1))


def karyotype_fitness(karyotype, ploidy, cost):
    """Birth-rate multiplier of a karyotype: ``(1 - cost) ** A``.

    Parameters
    ----------
    karyotype : array_like of int, shape (..., n_chromosomes)
        Copy numbers (last axis = chromosomes).
    ploidy : int
        Euploid copy number, an integer >= 1.
    cost : float or array_like
        Fractional fitness cost per copy away from ``ploidy``, in [0, 1].

    Returns
    -------
    float or ndarray of shape (...)
        ``(1 - cost) ** aneuploidy_score(karyotype, ploidy)``, in [0, 1].

    Raises
    ------
    ValueError
        As :func:`aneuploidy_score`, or if ``cost`` is outside [0, 1].

    Notes
    -----
    The engine multiplies birth rates by this factor (architecture.md). Dimensionless.
    """
    score = np.asarray(aneuploidy_score(karyotype, ploidy))
    c = _checked("cost", cost, lo=0, hi=1, units="per copy")
    return _out((1.0 - c) ** score)


def daughters_conserve(parent, daughter_a, daughter_b):
    """Check that daughter copy numbers add up to twice the parent's, chromosome by chromosome.

    Parameters
    ----------
    parent, daughter_a, daughter_b : array_like of int, shape (..., n_chromosomes)
        Karyotypes (last axis = chromosomes); the shapes must broadcast.

    Returns
    -------
    bool or ndarray of bool, shape (...)
        ``True`` where ``daughter_a + daughter_b == 2 * parent`` for every chromosome.

    Raises
    ------
    ValueError
        If a copy number is not a non-negative integer, an argument is a scalar or the
        numbers of chromosomes differ.

    Notes
    -----
    Conservation holds exactly under the missegregation convention: each chromosome's
    ``2 i`` chromatids are shared between the two daughters.
    """
    p = _karyotype("parent", parent)
    a = _karyotype("daughter_a", daughter_a)
    b = _karyotype("daughter_b", daughter_b)
    if not p.shape[-1] == a.shape[-1] == b.shape[-1]:
        raise _fail("daughter_a, daughter_b", f"karyotypes with the parent's number of "
                    f"chromosomes ({p.shape[-1]}, last axis)", (a.shape[-1], b.shape[-1]))
    return _out(np.all(a + b == 2 * p, axis=-1))
