"""Random draws from given uniforms, written twice: scalar (compiled) and vectorised.

Every function here exists as a scalar function, compiled by :mod:`numba` when it
imports (:mod:`cinlab.engine.kernels`), and as a vectorised numpy function. The two
perform the same floating-point operations in the same order on the same inputs:
integer powers by repeated squaring (no ``exp``/``log``), the same polynomial for the
inverse normal, and the same inversion recurrences. So both backends turn the same
uniforms into the same integers (``tests/test_engine_backends.py``).

The only transcendental functions left are ``log`` and ``sqrt`` inside the inverse
normal (``sqrt`` is exactly rounded by IEEE 754 everywhere). numpy's and the C
library's ``log`` may differ in the last bit; such a difference moves a normal draw
only when ``n p + sd z + 0.5`` lies within about 1e-16 of an integer, which for the
engine's few hundred million draws per cohort has probability below 1e-7.

Binomial draws: exact inversion where ``n min(p, 1 - p) < 10``; above that a normal
approximation with continuity and skewness (Cornish-Fisher) corrections, whose error in
distribution is O(1 / (n p (1 - p))). Negative binomial draws (the number of failures
before ``s`` successes of probability ``1 - q``): inversion where the mean is below 10,
else the same corrected normal approximation.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import jit

__all__ = ["binomial", "binomial1", "negbin", "negbin1", "ndtri", "ndtri1", "powi", "powi1"]

#: Mean below which draws use exact inversion.
INVERSION_MEAN = 10.0

_A = (3.387132872796366608, 133.14166789178437745, 1971.5909503065514427,
      13731.693765509461125, 45921.953931549871457, 67265.770927008700853,
      33430.575583588128105, 2509.0809287301226727)
_B = (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
      21213.794301586595867, 39307.89580009271061, 28729.085735721942674,
      5226.495278852545925)
_C = (1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055,
      3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177,
      0.0227238449892691845833, 7.7454501427834140764e-4)
_D = (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
      0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
      1.05075007164441684324e-9)
_E = (6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358,
      0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386,
      2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
      7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
      2.04426310338993978564e-15)


# ---------------------------------------------------------------------- scalar forms
# Plain Python on numbers; numba compiles them (kernels.py). Polynomials are written
# out (Horner, highest power first) so that both forms evaluate them identically.


@jit
def _poly1(c: tuple, r: float) -> float:
    return (((((((c[7] * r + c[6]) * r + c[5]) * r + c[4]) * r + c[3]) * r + c[2]) * r
             + c[1]) * r + c[0])


@jit
def ndtri1(p: float) -> float:
    """Inverse standard normal CDF (Wichura 1988, AS241 PPND16), for p in (0, 1)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _poly1(_A, r) / _poly1(_B, r)
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r = r - 1.6
        val = _poly1(_C, r) / _poly1(_D, r)
    else:
        r = r - 5.0
        val = _poly1(_E, r) / _poly1(_F, r)
    return -val if q < 0.0 else val


@jit
def powi1(x: float, n: int) -> float:
    """``x ** n`` for an integer ``n >= 0`` by repeated squaring."""
    result = 1.0
    base = x
    e = n
    while e > 0:
        if e & 1:
            result = result * base
        base = base * base
        e = e >> 1
    return result


@jit
def _normal_count(mean: float, sd: float, skew: float, u: float) -> float:
    z = ndtri1(u)
    z = z + (z * z - 1.0) * skew / 6.0
    return math.floor(mean + sd * z + 0.5)


@jit
def binomial1(n: int, p: float, u: float) -> int:
    """One Binomial(n, p) draw from the uniform ``u``."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    if flip:
        p = 1.0 - p
        u = 1.0 - u
    nf = float(n)
    if nf * p < INVERSION_MEAN:
        pmf = powi1(1.0 - p, n)
        k = 0
        if u > pmf:
            cdf = pmf
            ratio = p / (1.0 - p)
            while True:
                k += 1
                pmf = pmf * (nf - k + 1.0) / k * ratio
                cdf = cdf + pmf
                if not (u > cdf and k < n and pmf > 0.0):
                    break
    else:
        sd = math.sqrt(nf * p * (1.0 - p))
        x = _normal_count(nf * p, sd, (1.0 - 2.0 * p) / sd, u)
        k = int(min(max(x, 0.0), nf))
    return n - k if flip else k


@jit
def negbin1(s: int, q: float, u: float) -> int:
    """Failures before the ``s``-th success, each trial failing with probability ``q``."""
    if s <= 0 or q <= 0.0:
        return 0
    sf = float(s)
    mean = sf * q / (1.0 - q)
    if mean < INVERSION_MEAN:
        pmf = powi1(1.0 - q, s)
        k = 0
        if u > pmf:
            cdf = pmf
            while True:
                pmf = pmf * (sf + k) / (k + 1.0) * q
                k += 1
                cdf = cdf + pmf
                if not (u > cdf and pmf > 0.0):
                    break
        return k
    sd = math.sqrt(sf * q) / (1.0 - q)
    x = _normal_count(mean, sd, (1.0 + q) / math.sqrt(sf * q), u)
    return int(max(x, 0.0))


# ------------------------------------------------------------------ vectorised forms


def _poly(c: tuple, r: np.ndarray) -> np.ndarray:
    return (((((((c[7] * r + c[6]) * r + c[5]) * r + c[4]) * r + c[3]) * r + c[2]) * r
             + c[1]) * r + c[0])


def ndtri(p: np.ndarray) -> np.ndarray:
    """Vectorised :func:`ndtri1`."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    out = np.empty_like(p)
    central = np.abs(q) <= 0.425
    if central.any():
        qc = q[central]
        r = 0.180625 - qc * qc
        out[central] = qc * _poly(_A, r) / _poly(_B, r)
    tail = ~central
    if tail.any():
        qt = q[tail]
        r = np.where(qt < 0.0, p[tail], 1.0 - p[tail])
        r = np.sqrt(-np.log(r))
        near = r <= 5.0
        val = np.empty_like(r)
        rn = r[near] - 1.6
        val[near] = _poly(_C, rn) / _poly(_D, rn)
        rf = r[~near] - 5.0
        val[~near] = _poly(_E, rf) / _poly(_F, rf)
        out[tail] = np.where(qt < 0.0, -val, val)
    return out


def powi(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Vectorised :func:`powi1`."""
    base = np.array(x, dtype=np.float64, copy=True)
    e = np.array(n, dtype=np.int64, copy=True)
    result = np.ones_like(base)
    while True:
        live = e > 0
        if not live.any():
            return result
        odd = live & ((e & 1) == 1)
        result[odd] = result[odd] * base[odd]
        base = base * base
        e = e >> 1


def _normal_counts(mean: np.ndarray, sd: np.ndarray, skew: np.ndarray,
                   u: np.ndarray) -> np.ndarray:
    z = ndtri(u)
    z = z + (z * z - 1.0) * skew / 6.0
    return np.floor(mean + sd * z + 0.5)


def binomial(n: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vectorised :func:`binomial1` (1-D arrays of equal length)."""
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    out = np.zeros(n.shape, dtype=np.int64)
    full = (n > 0) & (p >= 1.0)
    out[full] = n[full]
    act = np.nonzero((n > 0) & (p > 0.0) & (p < 1.0))[0]
    if act.size == 0:
        return out
    na, pa, ua = n[act], p[act], u[act]
    flip = pa > 0.5
    pa = np.where(flip, 1.0 - pa, pa)
    ua = np.where(flip, 1.0 - ua, ua)
    nf = na.astype(np.float64)
    k = np.zeros(act.size, dtype=np.int64)
    small = nf * pa < INVERSION_MEAN
    i = np.nonzero(small)[0]
    if i.size:
        k[i] = _binomial_inversion(na[i], nf[i], pa[i], ua[i])
    j = np.nonzero(~small)[0]
    if j.size:
        nj, pj = nf[j], pa[j]
        sd = np.sqrt(nj * pj * (1.0 - pj))
        x = _normal_counts(nj * pj, sd, (1.0 - 2.0 * pj) / sd, ua[j])
        k[j] = np.minimum(np.maximum(x, 0.0), nj).astype(np.int64)
    out[act] = np.where(flip, na - k, k)
    return out


def _binomial_inversion(n: np.ndarray, nf: np.ndarray, p: np.ndarray,
                        u: np.ndarray) -> np.ndarray:
    k = np.zeros(n.size, dtype=np.int64)
    pmf = powi(1.0 - p, n)
    idx = np.nonzero(u > pmf)[0]
    pmf, cdf = pmf[idx], pmf[idx].copy()
    ratio = p[idx] / (1.0 - p[idx])
    trials, target, cap = nf[idx], u[idx], n[idx]
    kk = 0
    while idx.size:
        kk += 1
        pmf = pmf * (trials - kk + 1.0) / kk * ratio
        cdf = cdf + pmf
        still = (target > cdf) & (kk < cap) & (pmf > 0.0)
        k[idx[~still]] = kk
        idx, pmf, cdf, ratio = idx[still], pmf[still], cdf[still], ratio[still]
        trials, target, cap = trials[still], target[still], cap[still]
    return k


def negbin(s: np.ndarray, q: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vectorised :func:`negbin1` (1-D arrays of equal length)."""
    s = np.asarray(s, dtype=np.int64)
    q = np.asarray(q, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    out = np.zeros(s.shape, dtype=np.int64)
    act = np.nonzero((s > 0) & (q > 0.0))[0]
    if act.size == 0:
        return out
    sa, qa, ua = s[act], q[act], u[act]
    sf = sa.astype(np.float64)
    mean = sf * qa / (1.0 - qa)
    small = mean < INVERSION_MEAN
    i = np.nonzero(small)[0]
    if i.size:
        k = np.zeros(i.size, dtype=np.int64)
        pmf = powi(1.0 - qa[i], sa[i])
        idx = np.nonzero(ua[i] > pmf)[0]
        pmf, cdf = pmf[idx], pmf[idx].copy()
        sfi, qi, target = sf[i][idx], qa[i][idx], ua[i][idx]
        kk = 0
        while idx.size:
            pmf = pmf * (sfi + kk) / (kk + 1.0) * qi
            kk += 1
            cdf = cdf + pmf
            still = (target > cdf) & (pmf > 0.0)
            k[idx[~still]] = kk
            idx, pmf, cdf = idx[still], pmf[still], cdf[still]
            sfi, qi, target = sfi[still], qi[still], target[still]
        out[act[i]] = k
    j = np.nonzero(~small)[0]
    if j.size:
        sj, qj = sf[j], qa[j]
        sd = np.sqrt(sj * qj) / (1.0 - qj)
        x = _normal_counts(mean[j], sd, (1.0 + qj) / np.sqrt(sj * qj), ua[j])
        out[act[j]] = np.maximum(x, 0.0).astype(np.int64)
    return out
