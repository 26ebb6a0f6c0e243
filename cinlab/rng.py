"""Seeds, replicate keys and the counter-based random numbers the engine uses.

Every stochastic function in cinlab takes ``seed=`` (None, an int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`); there is no
global random state.

The engine draws its random numbers from a *counter-based* generator: the uniform
number for (replicate key, stream, counter, lane) is a fixed function of those four
integers. A replicate's whole history is therefore a function of its own key alone,
whether it is simulated on its own or side by side with thousands of others in one
vectorised batch. That is what lets ``Cohort.run(k)`` regenerate replicate k alone,
exactly, and what makes two cohorts with the same seed use common random numbers.

The mixing function is SplitMix64's output function (Steele, Lea & Flood, OOPSLA 2014),
applied three times: to the key with the stream, to that with the counter, and to that
with the lane. Each application is a bijection of 64-bit integers with full avalanche.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "replicate_keys",
    "seed_sequence",
    "seed_provenance",
    "stream_base",
    "uniforms",
]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO53 = 2.0**-53


def seed_sequence(seed: None | int | np.random.SeedSequence | np.random.Generator
                  ) -> np.random.SeedSequence:
    """Normalise any accepted seed to a :class:`numpy.random.SeedSequence`.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        None draws fresh entropy from the operating system; the entropy actually used
        is kept in the returned sequence (``.entropy``) so the run can be repeated.

    Returns
    -------
    numpy.random.SeedSequence

    Raises
    ------
    ValueError
        If ``seed`` is of another type or a negative integer.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63)))
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(
            f"seed must be None, a non-negative int, a SeedSequence or a Generator. "
            f"Got {seed!r}."
        )
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int. Got {seed}.")
    return np.random.SeedSequence(int(seed))


def seed_provenance(ss: np.random.SeedSequence) -> dict:
    """Return the JSON-compatible description of a seed sequence (entropy, spawn key)."""
    entropy = ss.entropy
    if not isinstance(entropy, int | np.integer):
        raise ValueError(
            f"seed must be a SeedSequence with integer entropy. Got entropy {entropy!r}."
        )
    return {"entropy": int(entropy), "spawn_key": [int(k) for k in ss.spawn_key]}


def replicate_keys(sequences: list[np.random.SeedSequence]) -> np.ndarray:
    """Derive one 64-bit key per replicate from its seed sequence."""
    return np.array(
        [s.generate_state(1, dtype=np.uint64)[0] for s in sequences], dtype=np.uint64
    )


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 output function on a uint64 array (wraps modulo 2**64)."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stream_base(keys: np.ndarray, stream: int, counters: np.ndarray) -> np.ndarray:
    """Mix replicate keys with a stream id and per-replicate counters.

    Parameters
    ----------
    keys : ndarray of uint64, shape (n,)
        Replicate keys.
    stream : int
        Stream id (one per kind of random decision, so streams never overlap).
    counters : ndarray of int, shape (n,)
        Per-replicate counter (event or step number).

    Returns
    -------
    ndarray of uint64, shape (n,)
        The base to which lanes are added in :func:`uniforms`.
    """
    keys = np.atleast_1d(np.asarray(keys, dtype=np.uint64))
    counters = np.atleast_1d(np.asarray(counters)).astype(np.uint64)
    return _mix(_mix(keys ^ np.uint64(stream)) + counters)


def uniforms(base: np.ndarray, lanes: np.ndarray) -> np.ndarray:
    """Uniform numbers in the open interval (0, 1), one per (base, lane) pair.

    Parameters
    ----------
    base : ndarray of uint64
        Output of :func:`stream_base`, broadcast against ``lanes``.
    lanes : ndarray of int
        Lane numbers (which draw within one event or step).

    Returns
    -------
    ndarray of float64
        ``(top 53 bits + 0.5) * 2**-53``: never exactly 0 or 1.
    """
    z = _mix(np.asarray(base, dtype=np.uint64) + np.asarray(lanes).astype(np.uint64))
    return ((z >> _S11).astype(np.float64) + 0.5) * _TWO53
