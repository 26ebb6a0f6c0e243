"""Closed-form results the simulation is checked against and that lessons overlay on plots.

Every function here is pure and vectorised over NumPy arrays where that is natural
(array arguments broadcast against each other; scalar inputs give NumPy scalars).
Bad input raises :class:`ValueError` naming the parameter, its allowed range and the
value received.

Units: time in days, rates per cell per day, probabilities per division (mutation,
missegregation per chromosome copy), sizes in cells.

Contents
--------
Linear birth-death process
    :func:`extinction_probability`, :func:`survival_probability`, :func:`mean_size`,
    :func:`variance_size`; its discrete-time version (what tau-leaping simulates)
    :func:`galton_watson_mean`, :func:`galton_watson_variance`.
Mutants and resistance
    :func:`luria_delbruck_pmf`, :func:`prob_no_mutants`, :func:`expected_mutations`,
    :func:`goldie_coldman_no_resistance`, :func:`prob_no_resistance_at_size`,
    :func:`eradication_probability_single`, :func:`eradication_probability`.
Chromosome missegregation
    :func:`missegregation_transition`, :func:`prob_no_karyotype_change`,
    :func:`prob_no_missegregation`, :func:`aneuploidy_score`, :func:`karyotype_fitness`,
    :func:`daughters_conserve`.

References
----------
.. [1] Bailey NTJ (1964). The Elements of Stochastic Processes, ch. 8.
.. [2] Ma WT, Sandri GvH, Sarkar S (1992). Analysis of the Luria-Delbrueck
   distribution using discrete convolution powers. J Appl Probab 29:255-267.
.. [3] Goldie JH, Coldman AJ (1979). A mathematic model for relating the drug
   sensitivity of tumors to their spontaneous mutation rate. Cancer Treat Rep
   63:1727-1733.
.. [4] Iwasa Y, Nowak MA, Michor F (2006). Evolution of resistance during clonal
   expansion. Genetics 172:2557-2566.
.. [5] Komarova NL, Wodarz D (2005). Drug resistance in cancer: principles of emergence
   and prevention. PNAS 102:9714-9719.
.. [6] Michor F, Nowak MA, Iwasa Y (2006). Evolution of resistance to cancer therapy.
   Curr Pharm Des 12:261-271.
.. [7] Bozic I, Reiter JG, Allen B, et al. (2013). Evolutionary dynamics of cancer in
   response to targeted combination therapy. eLife 2:e00747, doi:10.7554/eLife.00747.
.. [8] Harris TE (1963). The Theory of Branching Processes, ch. 1.
"""

from __future__ import annotations

import math
import sys
from types import FrameType
from typing import Any

import numpy as np

from .params import parameter_error

__all__ = [
    "aneuploidy_score",
    "daughters_conserve",
    "eradication_probability",
    "eradication_probability_single",
    "expected_mutations",
    "extinction_probability",
    "galton_watson_mean",
    "galton_watson_variance",
    "goldie_coldman_no_resistance",
    "karyotype_fitness",
    "luria_delbruck_pmf",
    "mean_size",
    "missegregation_transition",
    "prob_no_karyotype_change",
    "prob_no_missegregation",
    "prob_no_mutants",
    "prob_no_resistance_at_size",
    "survival_probability",
    "variance_size",
]


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """Format a number for an error message: integers without a decimal point."""
    x = float(x)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _plain(x: Any) -> Any:
    """A numpy number as the Python number a message shows (integers without ``.0``)."""
    x = float(x)
    return int(x) if math.isfinite(x) and x.is_integer() and abs(x) < 1e15 else x


def _fail(name: str, expected: str, value: Any, got: str | None = None) -> ValueError:
    """A validation error in the package's one format, owned by the public function.

    The owner is the nearest caller in this module whose name is public, so shared
    private checks (``_checked``, ``_growing_rates``) report the function the user called.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and (frame.f_globals.get("__name__") != __name__
                                 or frame.f_code.co_name.startswith("_")):
        frame = frame.f_back
    owner = frame.f_code.co_name if frame is not None else "cinlab.theory"
    return parameter_error(owner, name, expected, value, got=got)


def _checked(
    name: str,
    value,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
    scalar: bool = False,
    units: str = "",
) -> np.ndarray:
    """Return ``value`` as a float array after checking every element lies in the range.

    The message names the parameter, its function, the allowed range and the first
    offending value: ``"The 'birth_rate' parameter of mean_size must be >= 0 (per day).
    Got -0.1."``
    """
    if lo is not None and hi is not None:
        rng = f"in {'(' if lo_open else '['}{_fmt(lo)}, {_fmt(hi)}{')' if hi_open else ']'}"
    elif lo is not None:
        rng = f"{'>' if lo_open else '>='} {_fmt(lo)}"
    elif hi is not None:
        rng = f"{'<' if hi_open else '<='} {_fmt(hi)}"
    else:
        rng = "finite"
    if integer:
        kind = "a single integer " if scalar else "an integer "
    else:
        kind = "a single number " if scalar else ""
    unit_text = f" ({units})" if units else ""
    expected = f"{kind}{rng}{unit_text}"
    if isinstance(value, str) or np.asarray(value).dtype == bool:
        raise _fail(name, expected, value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise _fail(name, expected, value) from None
    ok = np.isfinite(arr)
    if lo is not None:
        ok &= (arr > lo) if lo_open else (arr >= lo)
    if hi is not None:
        ok &= (arr < hi) if hi_open else (arr <= hi)
    if integer:
        ok &= np.where(np.isfinite(arr), arr == np.round(arr), False)
    if scalar and arr.ndim:
        raise _fail(name, expected, value, got=f"an array of shape {arr.shape}")
    if not np.all(ok):
        bad = arr[~ok].flat[0] if arr.ndim else arr
        raise _fail(name, expected, _plain(bad))
    return arr


def _karyotype(name: str, value) -> np.ndarray:
    """Return a karyotype (copy numbers, last axis = chromosomes) as an int array."""
    arr = _checked(name, value, lo=0, integer=True, units="copies per chromosome")
    if arr.ndim == 0:
        raise _fail(name, "an array of copy numbers with one entry per chromosome "
                    "(last axis)", _plain(arr))
    return arr.astype(np.int64)


def _out(arr: np.ndarray):
    """Turn 0-d results into NumPy scalars; leave other arrays alone."""
    return arr[()]


# ---------------------------------------------------------------------------------------
# Linear birth-death process
# ---------------------------------------------------------------------------------------


def _p0_single(b: np.ndarray, d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """P(a single cell's lineage is extinct by time t), stable for all b, d >= 0."""
    q = np.abs(b - d)
    # E = 1 - exp(-|b - d| t). With it, P0 = dE / (q + dE) when b > d and
    # dE / (q + bE) when b < d: both are the textbook expression with the large
    # exponential divided out, so nothing overflows and nothing cancels near b = d.
    e = -np.expm1(-q * t)
    num = d * e
    den = q + np.where(b > d, d, b) * e
    critical = q == 0
    safe_den = np.where(critical, 1.0, den)
    # The minimum only removes a last-bit rounding excess when P0 is close to 1.
    return np.minimum(np.where(critical, b * t / (1.0 + b * t), num / safe_den), 1.0)


def extinction_probability(birth_rate, death_rate, n0=1, t=None):
    """Probability that a linear birth-death process started from ``n0`` cells dies out.

    Each cell divides at rate ``b`` and dies at rate ``d``, independently of the others.

    Parameters
    ----------
    birth_rate : float or array_like
        Division rate ``b`` (per day), >= 0.
    death_rate : float or array_like
        Death rate ``d`` (per day), >= 0.
    n0 : int or array_like, optional
        Number of cells at time 0 (default 1), an integer >= 0.
    t : float or array_like or None, optional
        Time (days) >= 0. ``None`` (default) gives the eventual extinction probability.

    Returns
    -------
    float or ndarray
        Eventually (``t=None``): ``(d/b)**n0`` if ``b > d``, 1 if ``b <= d`` (and 0 in
        the degenerate case ``b = d = 0``, where nothing ever happens). By time ``t``:
        ``P0(t)**n0`` with ``P0(t) = d (e^{(b-d)t} - 1) / (b e^{(b-d)t} - d)`` for
        ``b != d`` and ``P0(t) = b t / (1 + b t)`` for ``b = d``.

    Raises
    ------
    ValueError
        If a rate is negative, ``n0`` is not a non-negative integer or ``t < 0``.

    Notes
    -----
    Units: rates per cell per day, ``t`` in days. Lineages of different initial cells
    are independent, hence the power ``n0``. The finite-time formula is evaluated in a
    form that neither overflows for large ``(b - d) t`` nor loses precision near
    ``b = d`` (see Bailey 1964, ch. 8). It tends to 0 as ``t -> 0`` and to the eventual
    value as ``t -> infinity``; ``d = 0`` gives 0 and ``b = 0`` gives ``1 - e^{-dt}``.
    """
    b = _checked("birth_rate", birth_rate, lo=0, units="per day")
    d = _checked("death_rate", death_rate, lo=0, units="per day")
    n = _checked("n0", n0, lo=0, integer=True, units="cells")
    if t is None:
        ratio = np.where(b > d, d / np.where(b > d, b, 1.0), 1.0)
        ratio = np.where((b == 0) & (d == 0), 0.0, ratio)
        return _out(np.where(n == 0, 1.0, ratio**n))
    time = _checked("t", t, lo=0, units="days")
    return _out(np.where(n == 0, 1.0, _p0_single(b, d, time) ** n))


def survival_probability(birth_rate, death_rate, n0=1, t=None):
    """Probability that a linear birth-death process from ``n0`` cells is still alive.

    Parameters
    ----------
    birth_rate : float or array_like
        Division rate ``b`` (per day), >= 0.
    death_rate : float or array_like
        Death rate ``d`` (per day), >= 0.
    n0 : int or array_like, optional
        Number of cells at time 0 (default 1), an integer >= 0.
    t : float or array_like or None, optional
        Time (days) >= 0; ``None`` (default) means "forever".

    Returns
    -------
    float or ndarray
        ``1 - extinction_probability(birth_rate, death_rate, n0, t)``; from one cell with
        ``b > d`` this is ``1 - d/b``.

    Raises
    ------
    ValueError
        As :func:`extinction_probability`.

    Notes
    -----
    Units: rates per cell per day, ``t`` in days.
    """
    return 1.0 - extinction_probability(birth_rate, death_rate, n0, t)


def mean_size(birth_rate, death_rate, n0, t):
    """Return the mean number of cells of a linear birth-death process at time ``t``.

    Parameters
    ----------
    birth_rate : float or array_like
        Division rate ``b`` (per day), >= 0.
    death_rate : float or array_like
        Death rate ``d`` (per day), >= 0.
    n0 : float or array_like
        Number of cells at time 0, >= 0.
    t : float or array_like
        Time (days), >= 0.

    Returns
    -------
    float or ndarray
        ``n0 * exp((b - d) t)``.

    Raises
    ------
    ValueError
        If a rate, ``n0`` or ``t`` is negative.

    Notes
    -----
    Units: rates per cell per day, ``t`` in days. The mean includes runs that went
    extinct (as zeros).
    """
    b = _checked("birth_rate", birth_rate, lo=0, units="per day")
    d = _checked("death_rate", death_rate, lo=0, units="per day")
    n = _checked("n0", n0, lo=0, units="cells")
    time = _checked("t", t, lo=0, units="days")
    return _out(n * np.exp((b - d) * time))


def variance_size(birth_rate, death_rate, n0, t):
    """Variance of the number of cells of a linear birth-death process at time ``t``.

    Parameters
    ----------
    birth_rate : float or array_like
        Division rate ``b`` (per day), >= 0.
    death_rate : float or array_like
        Death rate ``d`` (per day), >= 0.
    n0 : float or array_like
        Number of cells at time 0, >= 0.
    t : float or array_like
        Time (days), >= 0.

    Returns
    -------
    float or ndarray
        ``n0 (b + d)/(b - d) e^{(b-d)t} (e^{(b-d)t} - 1)`` for ``b != d`` and its limit
        ``2 b n0 t`` for ``b = d``.

    Raises
    ------
    ValueError
        If a rate, ``n0`` or ``t`` is negative.

    Notes
    -----
    Units: rates per cell per day, ``t`` in days. Computed with ``expm1`` so that it is
    continuous through ``b = d``.
    """
    b = _checked("birth_rate", birth_rate, lo=0, units="per day")
    d = _checked("death_rate", death_rate, lo=0, units="per day")
    n = _checked("n0", n0, lo=0, units="cells")
    time = _checked("t", t, lo=0, units="days")
    r = b - d
    safe_r = np.where(r == 0, 1.0, r)
    growth = np.where(r == 0, time, np.expm1(r * time) / safe_r)
    return _out(n * (b + d) * np.exp(r * time) * growth)


def _gw_checked(p_birth, p_death, n0, steps):
    pb = _checked("p_birth", p_birth, lo=0, hi=1, units="per cell per step")
    pd = _checked("p_death", p_death, lo=0, hi=1, units="per cell per step")
    total = pb + pd
    if np.any(total > 1):
        raise _fail("p_birth + p_death", "<= 1 (per cell per step)",
                    _plain(total[total > 1].flat[0]))
    n = _checked("n0", n0, lo=0, units="cells")
    k = _checked("steps", steps, lo=0, integer=True, units="steps")
    return pb, pd, n, k


def galton_watson_mean(p_birth, p_death, n0, steps):
    """Return the mean size after ``steps`` steps of the discrete-time birth-death process.

    In each step every cell independently dies with probability ``p_death``, divides into
    two with probability ``p_birth``, and otherwise stays as it is.

    Parameters
    ----------
    p_birth : float or array_like
        Probability that a cell divides in one step, in [0, 1].
    p_death : float or array_like
        Probability that a cell dies in one step, in [0, 1]; ``p_birth + p_death <= 1``.
    n0 : float or array_like
        Number of cells at step 0, >= 0.
    steps : int or array_like
        Number of steps, an integer >= 0.

    Returns
    -------
    float or ndarray
        ``n0 * m**steps`` with offspring mean ``m = 1 + p_birth - p_death``.

    Raises
    ------
    ValueError
        If a probability is outside [0, 1], their sum exceeds 1, ``n0 < 0`` or ``steps``
        is not a non-negative integer.

    Notes
    -----
    With a time step ``dt`` (days), ``p_birth = b dt`` and ``p_death = d dt`` this is
    the process a tau-leaping simulation of the linear birth-death process runs; its
    mean and variance approach :func:`mean_size` and :func:`variance_size` at
    ``t = steps * dt`` as ``dt -> 0``.
    """
    pb, pd, n, k = _gw_checked(p_birth, p_death, n0, steps)
    return _out(n * (1.0 + pb - pd) ** k)


def galton_watson_variance(p_birth, p_death, n0, steps):
    """Exact variance after ``steps`` generations of the discrete-time birth-death process.

    In each step every cell independently dies with probability ``p_death``, divides into
    two with probability ``p_birth``, and otherwise stays as it is (a Galton-Watson
    process with 0, 1 or 2 offspring).

    Parameters
    ----------
    p_birth : float or array_like
        Probability that a cell divides in one step, in [0, 1].
    p_death : float or array_like
        Probability that a cell dies in one step, in [0, 1]; ``p_birth + p_death <= 1``.
    n0 : float or array_like
        Number of cells at step 0, >= 0.
    steps : int or array_like
        Number of steps ``n``, an integer >= 0.

    Returns
    -------
    float or ndarray
        ``n0 sigma^2 m^(n-1) (m^n - 1) / (m - 1)``, and ``n0 sigma^2 n`` when ``m = 1``,
        with offspring mean ``m = 1 + p_birth - p_death`` and offspring variance
        ``sigma^2 = p_birth + p_death - (p_birth - p_death)^2``.

    Raises
    ------
    ValueError
        If a probability is outside [0, 1], their sum exceeds 1, ``n0 < 0`` or ``steps``
        is not a non-negative integer.

    Notes
    -----
    The standard Galton-Watson variance (Harris 1963). The ratio
    ``(m^n - 1)/(m - 1)`` is computed as ``expm1(n log1p(m - 1)) / (m - 1)`` with
    ``m - 1 = p_birth - p_death`` formed directly, so it stays accurate for ``m``
    close to 1 (small tau-leap steps). See :func:`galton_watson_mean` for the link to
    the continuous-time process.
    """
    pb, pd, n, k = _gw_checked(p_birth, p_death, n0, steps)
    excess = pb - pd
    m = 1.0 + excess
    sigma2 = pb + pd - excess**2
    with np.errstate(divide="ignore", invalid="ignore"):
        # m = 0 (p_death = 1) makes log1p(-1) = -inf; then m^n = 0 for n >= 1, which
        # expm1(-inf) = -1 reproduces exactly. Zero steps are set apart (variance 0).
        ratio = np.where(
            excess == 0, k, np.expm1(k * np.log1p(excess)) / np.where(excess == 0, 1.0, excess)
        )
        var = n * sigma2 * m ** np.maximum(k - 1, 0) * ratio
    return _out(np.where(k == 0, 0.0, var))


# ---------------------------------------------------------------------------------------
# Mutants and resistance
# ---------------------------------------------------------------------------------------


def luria_delbruck_pmf(m, kmax):
    """Luria-Delbrueck distribution of the number of mutant cells, ``P(0) .. P(kmax)``.

    Parameters
    ----------
    m : float
        Expected number of mutational events ``m`` (see :func:`expected_mutations`),
        >= 0.
    kmax : int
        Largest mutant count returned, an integer >= 0.

    Returns
    -------
    ndarray of shape (kmax + 1,)
        ``p[k]`` = probability of exactly ``k`` mutant cells.

    Raises
    ------
    ValueError
        If ``m < 0`` or ``kmax`` is not a non-negative integer.

    Notes
    -----
    Ma-Sandri-Sarkar recursion (Ma et al. 1992):
    ``p_0 = e^{-m}``, ``p_n = (m/n) sum_{i=0}^{n-1} p_i / (n - i + 1)``. This is the
    Lea-Coulson model: mutations arise as a Poisson number with mean ``m`` during
    pure-birth growth, and each mutant clone grows as a Yule process at the same rate as
    the non-mutants (neutral mutants), observed when the population is large. Its
    probability generating function is ``(1 - z)^{m (1 - z)/z}``. The tail is heavy
    (the mean is infinite in the limit), so ``p`` sums to less than 1 for finite
    ``kmax``; ``P(0) = e^{-m}`` underflows to 0 for ``m`` above about 745. Cost
    ``O(kmax^2)``.
    """
    mm = float(_checked("m", m, lo=0, scalar=True, units="expected mutations"))
    kk = int(_checked("kmax", kmax, lo=0, integer=True, scalar=True, units="mutant cells"))
    p = np.zeros(kk + 1)
    p[0] = math.exp(-mm)
    # weights[j] = 1 / (j + 2); p_n uses p_i / (n - i + 1) = p_i * weights[n - i - 1].
    weights = 1.0 / np.arange(2, kk + 2)
    for n in range(1, kk + 1):
        p[n] = mm / n * np.dot(p[:n], weights[n - 1 :: -1])
    return p


def prob_no_mutants(m):
    """Probability of no mutant cell in the Luria-Delbrueck model: ``exp(-m)``.

    Parameters
    ----------
    m : float or array_like
        Expected number of mutational events, >= 0.

    Returns
    -------
    float or ndarray
        ``exp(-m)``, the zero class of :func:`luria_delbruck_pmf`.

    Raises
    ------
    ValueError
        If ``m < 0``.

    Notes
    -----
    No mutant survives to be counted only if no mutational event happened at all, and
    the number of events is Poisson with mean ``m`` (pure birth: no mutant clone dies).
    """
    mm = _checked("m", m, lo=0, units="expected mutations")
    return _out(np.exp(-mm))


def expected_mutations(mutation_rate, final_size, initial_size=1):
    """Return the expected number ``m`` of mutational events during pure-birth growth.

    Parameters
    ----------
    mutation_rate : float or array_like
        Probability ``u`` that a division produces a mutant daughter, in [0, 1].
    final_size : float or array_like
        Population size ``N`` at the end (cells), >= ``initial_size``.
    initial_size : float or array_like, optional
        Population size ``N0`` at the start (cells), > 0; default 1.

    Returns
    -------
    float or ndarray
        ``m = u (N - N0)``.

    Raises
    ------
    ValueError
        If ``u`` is outside [0, 1], ``initial_size <= 0`` or ``final_size`` is smaller
        than ``initial_size``.

    Notes
    -----
    Convention: ``m`` is the expected number of mutational events (not of mutant
    cells). In pure birth every division adds exactly one cell, so growing from ``N0``
    to ``N`` cells takes ``N - N0`` divisions; each produces exactly one mutant daughter
    with probability ``u``. This matches the engine with ``death_rate = 0`` and an
    escape mutation ("at each division of an addicted cell, with probability
    ``mutation_rate``, exactly one daughter acquires the mutation") whose escaped cells
    divide at the same rate as addicted ones (neutral), no CIN and no therapy.
    Divisions of mutant cells do not mutate, so ``u (N - N0)`` slightly over-counts;
    the error is of order ``u`` times the mutant fraction, negligible in the regime
    where the Luria-Delbrueck distribution applies.
    """
    u = _checked("mutation_rate", mutation_rate, lo=0, hi=1, units="per division")
    n0 = _checked("initial_size", initial_size, lo=0, lo_open=True, units="cells")
    n = _checked("final_size", final_size, lo=0, lo_open=True, units="cells")
    _require_not_smaller(n, n0, "final_size", "initial_size")
    return _out(u * (n - n0))


def _require_not_smaller(big, small, big_name, small_name):
    if np.any(big < small):
        b_arr, s_arr = np.broadcast_arrays(big, small)
        i = np.flatnonzero(b_arr < s_arr)[0]
        raise _fail(big_name, f">= {small_name} ({_fmt(s_arr.flat[i])} cells)",
                    _plain(b_arr.flat[i]))


def goldie_coldman_no_resistance(mutation_prob, final_size, initial_size=1, exact=True):
    """Probability that a tumour grown by pure birth contains no resistant cell.

    Parameters
    ----------
    mutation_prob : float or array_like
        Probability ``a`` that a division produces a resistant daughter, in [0, 1].
    final_size : float or array_like
        Tumour size ``N`` (cells), >= ``initial_size``.
    initial_size : float or array_like, optional
        Starting size ``N0`` (cells), > 0; default 1.
    exact : bool, optional
        ``True`` (default): ``(1 - a)^(N - N0)``. ``False``: the small-``a`` limit
        ``exp(-a (N - N0))``.

    Returns
    -------
    float or ndarray
        The probability of no resistant cell at size ``N``; from one cell
        ``(1 - a)^(N - 1)``.

    Raises
    ------
    ValueError
        If ``a`` is outside [0, 1], ``initial_size <= 0`` or ``final_size`` is smaller
        than ``initial_size``.

    Notes
    -----
    Goldie & Coldman (1979). Model: pure birth (no cell death); each division of a
    sensitive cell produces a resistant daughter with probability ``a``. While no
    resistant cell has appeared, every division adds one sensitive cell, so reaching
    ``N`` takes exactly ``N - N0`` divisions, each of which must not mutate. With cell
    death the answer differs (see :func:`prob_no_resistance_at_size`).
    """
    a = _checked("mutation_prob", mutation_prob, lo=0, hi=1, units="per division")
    n0 = _checked("initial_size", initial_size, lo=0, lo_open=True, units="cells")
    n = _checked("final_size", final_size, lo=0, lo_open=True, units="cells")
    _require_not_smaller(n, n0, "final_size", "initial_size")
    if exact:
        # log1p keeps the digits of a tiny a; a = 1 with N = N0 would be 0 * -inf.
        with np.errstate(divide="ignore", invalid="ignore"):
            exponent = (n - n0) * np.log1p(-a)
        return _out(np.where(n == n0, 1.0, np.exp(exponent)))
    return _out(np.exp(-a * (n - n0)))


def prob_no_resistance_at_size(size, mutation_rate, birth_rate, death_rate):
    """Probability that no (neutral) resistant cell exists when the tumour reaches ``size``.

    Parameters
    ----------
    size : float or array_like
        Tumour size ``M`` at detection (cells), > 0.
    mutation_rate : float or array_like
        Probability ``u`` that a division produces a resistant daughter, in [0, 1].
    birth_rate : float or array_like
        Division rate ``b`` (per day), > 0 and > ``death_rate``.
    death_rate : float or array_like
        Death rate ``d`` (per day), >= 0.

    Returns
    -------
    float or ndarray
        ``exp(M u ln(s) / (1 - s))`` with ``s = 1 - d/b`` the survival probability of a
        single cell's lineage; for pure birth (``d = 0``, ``s = 1``) the limit
        ``exp(-M u)``.

    Raises
    ------
    ValueError
        If a value is out of range or ``birth_rate <= death_rate``.

    Notes
    -----
    Iwasa, Nowak & Michor (2006); Bozic et al. (2013), formula for ``p_1`` with
    ``n_12 u`` in place of ``u``. Resistance is neutral (resistant cells divide and die
    at ``b`` and ``d``). Derivation (large ``M``): going back a time ``tau`` from
    detection the sensitive population is ``M e^{-(b-d) tau}`` and produces resistant
    daughters at rate ``u b M e^{-(b-d) tau}``; a resistant cell born ``tau`` before
    detection still has descendants then with probability
    ``(b - d) / (b - d e^{-(b-d) tau})`` (one minus the finite-time extinction
    probability). Integrating, the expected number of resistant lineages alive at
    detection is ``-M u (b/d) ln(1 - d/b)``, and they are Poisson distributed.
    ``ln(s)/(1 - s)`` is evaluated with ``log1p`` so that ``d -> 0`` is smooth. Units:
    rates per cell per day (only ``d/b`` matters).
    """
    m_size = _checked("size", size, lo=0, lo_open=True, units="cells")
    u = _checked("mutation_rate", mutation_rate, lo=0, hi=1, units="per division")
    b, d = _growing_rates(birth_rate, death_rate)
    delta = d / b
    safe = np.where(delta == 0, 0.5, delta)
    # ln(s)/(1 - s) with s = 1 - delta, i.e. log1p(-delta)/delta -> -1 as delta -> 0.
    factor = np.where(delta == 0, -1.0, np.log1p(-safe) / safe)
    return _out(np.exp(m_size * u * factor))


def _growing_rates(birth_rate, death_rate, birth_name="birth_rate", death_name="death_rate"):
    b = _checked(birth_name, birth_rate, lo=0, lo_open=True, units="per day")
    d = _checked(death_name, death_rate, lo=0, units="per day")
    if np.any(b <= d):
        b_arr, d_arr = np.broadcast_arrays(b, d)
        i = np.flatnonzero(b_arr <= d_arr)[0]
        raise _fail(birth_name, f"> {death_name} ({_fmt(d_arr.flat[i])} per day), so that "
                    "the tumour grows before treatment", _plain(b_arr.flat[i]))
    return b, d


def _therapy_rates(birth_rate, death_rate, death_rate_treated, birth_rate_treated):
    """Validate rates before and during treatment; return s, s' of Bozic et al. (2013)."""
    b, d = _growing_rates(birth_rate, death_rate)
    b_t = (
        b
        if birth_rate_treated is None
        else _checked("birth_rate_treated", birth_rate_treated, lo=0, lo_open=True, units="per day")
    )
    d_t = _checked("death_rate_treated", death_rate_treated, lo=0, units="per day")
    if np.any(d_t <= b_t):
        bt_arr, dt_arr = np.broadcast_arrays(b_t, d_t)
        i = np.flatnonzero(dt_arr <= bt_arr)[0]
        raise _fail("death_rate_treated", f"> birth_rate_treated ({_fmt(bt_arr.flat[i])} "
                    "per day), so that sensitive cells decline under treatment",
                    _plain(dt_arr.flat[i]))
    return 1.0 - d / b, 1.0 - d_t / b_t


def eradication_probability_single(
    size,
    mutation_rate,
    n_resistance,
    birth_rate,
    death_rate,
    death_rate_treated,
    birth_rate_treated=None,
):
    """Probability that a single drug eradicates a tumour treated at size ``M``.

    Parameters
    ----------
    size : float or array_like
        Tumour size ``M`` when treatment starts (cells), > 0.
    mutation_rate : float or array_like
        Point mutation rate ``u``: probability per division that a given resistance
        mutation arises in one daughter, in [0, 1].
    n_resistance : int or array_like
        Number ``n`` of distinct point mutations conferring resistance, an integer >= 0.
    birth_rate, death_rate : float or array_like
        Rates ``b > d >= 0`` (per day) of all cells before treatment and of resistant
        cells always.
    death_rate_treated : float or array_like
        Death rate ``d'`` (per day) of sensitive cells during treatment, > ``b'``.
    birth_rate_treated : float or array_like, optional
        Division rate ``b'`` (per day) of sensitive cells during treatment; default
        ``birth_rate`` (the drug only kills).

    Returns
    -------
    float or ndarray
        ``p1_up * p1_down = exp(-M u n) * exp(M u n s / s')`` with ``s = 1 - d/b`` and
        ``s' = 1 - d'/b' < 0``.

    Raises
    ------
    ValueError
        If a value is out of range, ``b <= d`` or ``d' <= b'``.

    Notes
    -----
    Bozic et al. (2013), equation (1) with one drug: the mono-therapy case used in their
    Table 1 (``n12 -> n``, ``n1 = n2 = 0``). The two factors are Komarova & Wodarz
    (2005) and Michor et al. (2006):

    * ``p1_up = exp(-M u n)``: no resistant lineage that survives arises before
      treatment. Growing to ``M`` cells takes about ``M b/(b - d) = M/s`` divisions;
      each yields a resistant daughter with probability ``u n`` whose lineage survives
      for ever with probability ``s``: ``M u n`` surviving lineages on average, Poisson.
    * ``p1_down = exp(M u n s/s')``: none arises during treatment. The declining
      sensitive population makes ``M b'/(d' - b') = -M/s'`` more divisions in total.

    Eradication needs only that no resistant lineage *survives*: resistant cells
    present at detection whose lineage dies out by chance do not prevent it. So
    ``p1_up`` is larger than :func:`prob_no_resistance_at_size` (no resistant cell at
    all). Resistance is neutral before treatment and resistant cells keep ``b, d``
    during it. The formula is the large-``M``, small-``u`` limit. Units: rates per cell
    per day.
    """
    m_size = _checked("size", size, lo=0, lo_open=True, units="cells")
    u = _checked("mutation_rate", mutation_rate, lo=0, hi=1, units="per division")
    n = _checked("n_resistance", n_resistance, lo=0, integer=True, units="mutations")
    s, s_t = _therapy_rates(birth_rate, death_rate, death_rate_treated, birth_rate_treated)
    return _out(np.exp(-m_size * u * n) * np.exp(m_size * u * n * s / s_t))


def eradication_probability(
    size,
    mutation_rate,
    n1,
    n2,
    n12,
    birth_rate,
    death_rate,
    death_rate_treated,
    birth_rate_treated=None,
):
    """Probability that simultaneous two-drug therapy eradicates a tumour of size ``M``.

    Bozic et al., eLife 2:e00747 (2013), equation (1).

    Parameters
    ----------
    size : float or array_like
        Tumour size ``M`` when treatment starts (cells), > 0.
    mutation_rate : float or array_like
        Point mutation rate ``u`` per division and per resistance mutation, in [0, 1].
    n1 : int or array_like
        Number of point mutations conferring resistance to drug 1 only, integer >= 0.
    n2 : int or array_like
        Number of point mutations conferring resistance to drug 2 only, integer >= 0.
    n12 : int or array_like
        Number of point mutations conferring resistance to both drugs at once
        (cross-resistance), integer >= 0.
    birth_rate, death_rate : float or array_like
        Rates ``b > d >= 0`` (per day) of every cell type before treatment and of fully
        resistant cells always.
    death_rate_treated : float or array_like
        Death rate ``d'`` (per day) during treatment of cells sensitive to at least one
        drug, > ``b'``.
    birth_rate_treated : float or array_like, optional
        Division rate ``b'`` (per day) of those cells during treatment; default
        ``birth_rate`` (the drugs only kill), the paper's default.

    Returns
    -------
    float or ndarray
        ``p_erad = p1_up * p1_down * p2_up * p2_down``.

    Raises
    ------
    ValueError
        If a value is out of range, ``b <= d`` or ``d' <= b'``.

    Notes
    -----
    With ``s = 1 - d/b`` (survival probability of a lineage before treatment),
    ``s' = 1 - d'/b' < 0``, ``c = (s' - s)/(s s')`` and ``K = 2 n1 n2 + n12 (n1 + n2)``
    (the number of two-step mutational paths to dual resistance), equation (1) of the
    paper and the four factors given right after it are::

        p_erad  = p1_up * p1_down * p2_up * p2_down
        p1_up   = exp(-M u n12)
        p1_down = exp(M u n12 s / s')
        p2_up   = exp(M u^2 c [ n1 (n2 + n12) log(1/(s M) + u (n2 + n12) c)
                              + n2 (n1 + n12) log(1/(s M) + u (n1 + n12) c) ])
        p2_down = exp(-M u^2 K s / s'^2)

    * ``p1_up``, ``p1_down``: no lineage resistant to both drugs through one
      cross-resistance mutation (``n12`` of them) arises and survives before / during
      treatment (Komarova & Wodarz 2005; Michor et al. 2006; see
      :func:`eradication_probability_single`).
    * ``p2_up``, ``p2_down``: no doubly resistant lineage arises and survives through
      two mutations, via a cell resistant to one drug only, before / during treatment.
      A drug-1-resistant cell (``n1`` ways) becomes doubly resistant through any of
      ``n2 + n12`` mutations, and symmetrically; before treatment single-resistant
      clones grow like the rest, during it they decline at the treated rates.

    Fully resistant cells keep ``b, d`` during treatment; resistance is neutral
    before it. The events are independent, so the probabilities multiply. The paper
    derives the factors (its Supplementary file 1, section 5) in the limit of large
    ``M`` and small ``u``; in ``p2_up`` the logarithm assumes ``s M >> 1`` and for
    small lesions the factor, which is then essentially 1, is capped at 1 so that the
    result stays a probability.

    Published values this reproduces: 26.3% for ``M = 1e9``, ``u = 1e-9``,
    ``n1 = n2 = 50``, ``n12 = 1``, ``b = 0.14``, ``d = 0.13``, ``d' = 0.17``
    (their Fig. 5B; this function gives 0.2632); 99.9% with ``n12 = 0`` (Fig. 5D);
    29% when the drug instead lowers division to ``b' = 0.10`` with ``d' = 0.13``.
    Units: rates per cell per day.
    """
    m_size = _checked("size", size, lo=0, lo_open=True, units="cells")
    u = _checked("mutation_rate", mutation_rate, lo=0, hi=1, units="per division")
    k1 = _checked("n1", n1, lo=0, integer=True, units="mutations")
    k2 = _checked("n2", n2, lo=0, integer=True, units="mutations")
    k12 = _checked("n12", n12, lo=0, integer=True, units="mutations")
    s, s_t = _therapy_rates(birth_rate, death_rate, death_rate_treated, birth_rate_treated)
    c = (s_t - s) / (s * s_t)
    p1_up = np.exp(-m_size * u * k12)
    p1_down = np.exp(m_size * u * k12 * s / s_t)
    inv = 1.0 / (s * m_size)
    p2_up_log = (m_size * u**2 * c) * (
        k1 * (k2 + k12) * np.log(inv + u * (k2 + k12) * c)
        + k2 * (k1 + k12) * np.log(inv + u * (k1 + k12) * c)
    )
    p2_up = np.exp(np.minimum(p2_up_log, 0.0))
    paths = 2 * k1 * k2 + k12 * (k1 + k2)
    p2_down = np.exp(-m_size * u**2 * paths * s / s_t**2)
    return _out(p1_up * p1_down * p2_up * p2_down)


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
