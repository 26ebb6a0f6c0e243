"""Mutants and resistance: Luria-Delbrueck, Goldie-Coldman, resistance at a size, eradication.

References are numbered as in :mod:`cinlab.theory`.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import _checked, _fail, _fmt, _out, _plain

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
