"""Linear birth-death process and its discrete-time (Galton-Watson) version.

References are numbered as in :mod:`cinlab.theory`.
"""

from __future__ import annotations

import numpy as np

from ._checks import _checked, _fail, _out, _plain

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
