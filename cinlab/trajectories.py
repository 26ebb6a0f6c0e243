"""Statistics over runs of a quantity recorded on a common time grid (a cohort's burden)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["carry_forward", "grid_quantiles"]


def carry_forward(values: np.ndarray) -> np.ndarray:
    """Each row's nan after its last recorded value replaced by that value.

    A run that stopped (at ``max_cells``, where the presets stop a relapsed tumour, or
    at the clone cap) has nan after its stop; from then on it counts at its last size.
    A row with nothing recorded stays nan; so do leading nans.
    """
    values = np.asarray(values, dtype=np.float64)
    recorded = ~np.isnan(values)
    last = np.maximum.accumulate(np.where(recorded, np.arange(values.shape[1]), 0), axis=1)
    return np.take_along_axis(values, last, axis=1)


def grid_quantiles(values: np.ndarray, q: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles ``q`` over rows at each grid column, ignoring nan.

    Returns the quantiles (one row per ``q``; nan where a column has no value) and the
    number of values in each column. Each column's quantiles are exactly
    ``np.nanquantile``'s: the columns are grouped by their number of values (nan sorts
    last), one vectorised ``np.quantile`` per group instead of one call per column.
    """
    qs = np.asarray(q, dtype=np.float64)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"q must be in [0, 1]. Got {qs.tolist()}.")
    values = np.asarray(values, dtype=np.float64)
    n_known = np.sum(~np.isnan(values), axis=0)
    out = np.full((qs.size, values.shape[1]), np.nan)
    cols = np.flatnonzero(n_known > 0)
    ordered, k_col = np.sort(values[:, cols], axis=0), n_known[cols]
    for k in np.unique(k_col):
        out[:, cols[k_col == k]] = np.quantile(ordered[:k, k_col == k], qs, axis=0)
    return out, n_known
