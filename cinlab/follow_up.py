"""Follow-up of treated runs as survival analysis reads it: event or censoring time.

Shared by :meth:`cinlab.Cohort.relapse_outcomes` and the power pools of
:mod:`cinlab.power`, which stop each mouse once its outcome is decided.
"""

from __future__ import annotations

import numpy as np

from .engine.constants import CLONE_CAP, DURATION, MAX_CELLS

__all__ = ["follow_up"]


def follow_up(status: np.ndarray, therapy_start: np.ndarray, end_time: np.ndarray,
              relapse_time: np.ndarray, duration: float) -> tuple[np.ndarray, np.ndarray]:
    """Days from therapy start to relapse or censoring, and whether a relapse happened.

    Parameters
    ----------
    status : ndarray of int
        Final engine status of each treated run.
    therapy_start, end_time : ndarray of float
        Day therapy started and day the run stopped.
    relapse_time : ndarray of float
        Days from therapy start to relapse (nan where none).
    duration : float
        The scenario's follow-up end (days).

    Returns
    -------
    time : ndarray of float
        Days after therapy start to the event, or to censoring.
    event : ndarray of bool
        True for a relapse, or a progression (status ``max_cells`` without a relapse:
        the tumour never shrank below the relapse size).

    Notes
    -----
    Runs stopped by the duration or the clone cap are censored at their end; every
    other run without an event (eradicated, or stopped because it could no longer
    relapse) is censored at the end of follow-up, ``duration - therapy_start``.
    """
    end = end_time - therapy_start
    relapsed = ~np.isnan(relapse_time)
    event = relapsed | (status == MAX_CELLS)
    event_time = np.where(relapsed, relapse_time, end)
    censor_time = np.where(np.isin(status, (DURATION, CLONE_CAP)), end,
                           duration - therapy_start)
    return np.where(event, event_time, censor_time), event
