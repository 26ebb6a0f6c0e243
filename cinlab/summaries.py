"""Runs and cohorts described in plain words: the one wording every view shares.

The figure captions and explorers (:mod:`cinlab.plots`), the command line and
:meth:`cinlab.Cohort.summary` all take their sentences from here, so a run is told the
same way everywhere. Nothing here needs Bokeh.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["cells_text", "cohort_summary", "day_text", "describe_cohort", "describe_run",
           "fold_text", "route_words", "seed_text"]


def seed_text(seed: Mapping[str, Any] | int | None) -> str:
    """The seed as a reader would type it again."""
    if seed is None:
        return "unknown"
    if isinstance(seed, Mapping):
        text = str(seed.get("entropy"))
        key = list(seed.get("spawn_key", []))
        return f"{text}, replicate {key[-1]}" if key else text
    return str(seed)


def cells_text(n: float) -> str:
    """A cell count in words: '5,300', '10 million', '1.2 billion'."""
    n = float(n)
    for value, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= value:
            return f"{n / value:.3g} {word}"
    return f"{n:,.0f}"


def fold_text(fold: float) -> str:
    """A fold change rounded to two significant figures: '1,000-fold', '2.5-fold'."""
    if fold >= 1e6:
        return f"{cells_text(fold)}-fold"
    rounded = round(fold, 1 - int(math.floor(math.log10(fold))))
    text = f"{rounded:,.0f}" if rounded >= 10 else f"{rounded:.2g}"
    return f"{text}-fold"


def day_text(t: float) -> str:
    """A day, rounded to a whole day."""
    return f"{t:.0f}"


def route_words(route: str, bypass: int) -> str:
    """How a clone escaped, e.g. 'a gain of chromosome 6'."""
    if route == "karyotype":
        return f"a gain of chromosome {bypass}" if bypass else "a chromosome gain"
    if route == "mutation":
        return "a mutation"
    return "no escape (addicted)"


def describe_run(run: Any, *, seed: bool = True) -> str:
    """One or two plain sentences on what happened in a run, ending with its seed.

    Parameters
    ----------
    run : Run
        A simulated tumour.
    seed : bool, optional
        End with the seed ("Seed 7."); the command line prints it on its own line.

    Returns
    -------
    str
        E.g. "Detected on day 53 (10 million cells); therapy shrank the tumour
        1,000-fold by day 80; relapse 96 days after therapy started (escaped by a gain
        of chromosome 6). Seed 7."
    """
    seed_words = f" Seed {seed_text(run.seed)}." if seed else ""
    times = np.asarray(run.times, dtype=np.float64)
    total = np.asarray(run.total, dtype=np.int64)
    end = float(times[-1])
    start = run.therapy_start_time
    detection = run.detection_time
    parts: list[str] = []
    if math.isnan(start):
        if run.extinct:
            when = "before it was detected" if math.isnan(detection) else "without therapy"
            return f"The tumour died out by chance on day {day_text(end)}, {when}.{seed_words}"
        peak = int(total.max())
        text = (f"No therapy; the tumour grew to {cells_text(total[-1])} cells by day "
                f"{day_text(end)}" if total[-1] >= peak else
                f"No therapy; the tumour peaked at {cells_text(peak)} cells and had "
                f"{cells_text(total[-1])} cells on day {day_text(end)}")
        if not math.isnan(detection):
            text = f"Detected on day {day_text(detection)}. " + text
        return f"{text}{_stop_text(run)}.{seed_words}"
    if not math.isnan(detection):
        at = cells_text(run.scenario.therapy.detection_size if run.scenario.therapy else 0)
        parts.append(f"Detected on day {day_text(detection)} ({at} cells)")
    if math.isnan(detection) or abs(start - detection) > 1e-9:
        parts.append(f"therapy started on day {day_text(start)}")
    parts.append(_response_text(run, times, total, start))
    if run.relapsed:
        escape = _escape_text(run)
        parts.append(f"relapse {day_text(run.relapse_time)} days after therapy started"
                     + (f" (escaped by {escape})" if escape else ""))
    elif not run.extinct:
        parts.append(f"no relapse by day {day_text(end)}")
    text = "; ".join(parts)
    return f"{text[0].upper()}{text[1:]}{_stop_text(run)}.{seed_words}"


def _response_text(run: Any, times: np.ndarray, total: np.ndarray, start: float) -> str:
    after = times >= start - 1e-9
    if run.relapsed:
        after &= times <= start + run.relapse_time + 1e-9
    if not after.any():
        return "therapy had no time to act"
    i0 = int(np.argmax(after))
    at_start = max(int(total[i0]), 1)
    window = np.nonzero(after)[0]
    low_i = int(window[np.argmin(total[window])])
    low = int(total[low_i])
    if low == 0:
        return f"therapy eradicated the tumour by day {day_text(times[low_i])}"
    if low >= at_start:
        return "the tumour did not shrink on therapy"
    return (f"therapy shrank the tumour {fold_text(at_start / low)} by day "
            f"{day_text(times[low_i])}")


def _escape_text(run: Any) -> str:
    c = run.clones
    esc = np.asarray(c["escaped"], dtype=bool)
    if not esc.any():
        return ""
    counts = np.where(esc, np.asarray(c["count"]), -1)
    i = int(np.argmax(counts))
    route = str(c["route"][i])
    return route_words(route, int(c["bypass_chromosome"][i])) if route != "none" else ""


def _stop_text(run: Any) -> str:
    if run.status == "max_cells":
        return f"; the run stopped at {cells_text(run.scenario.max_cells)} cells"
    if run.status == "clone_cap":
        return "; the run stopped when its clone table was full"
    return ""


def describe_cohort(cohort: Any, subject: str = "mice") -> str:
    """One plain sentence on relapse in a cohort, ending with its seed.

    Parameters
    ----------
    cohort : Cohort
        Replicate runs.
    subject : str, optional
        What one run stands for ("mice", "patients", "runs").

    Returns
    -------
    str
        E.g. "Relapse in 41 of 95 treated mice (31–51%, 95% CI); median 96 days after
        therapy started; 40 eradicated; 5 never reached detection. Seed 7."
    """
    n = int(cohort.n_runs)
    treated = np.asarray(cohort.treated, dtype=bool)
    text = _relapse_text(cohort, subject, interval=True)
    n_treated = int(treated.sum())
    eradicated = int(np.sum(np.asarray(cohort.extinct, dtype=bool) & treated))
    if eradicated:
        text += f"; {eradicated} eradicated"
    if 0 < n_treated < n:
        text += f"; {n - n_treated} never reached detection"
    return f"{text}. Seed {seed_text(cohort.seed)}."


def cohort_summary(cohort: Any) -> str:
    """The sentence of :meth:`cinlab.Cohort.summary`: relapses and their median time.

    E.g. "Relapse in 41 of 95 treated tumours; median 96 days after therapy started."
    """
    subject = "tumours" if np.any(cohort.treated) else "runs"
    return _relapse_text(cohort, subject, interval=False) + "."


def _relapse_text(cohort: Any, subject: str, interval: bool) -> str:
    """Relapses among the treated runs (with a 95% interval), or why there were none."""
    treated = np.asarray(cohort.treated, dtype=bool)
    n_treated = int(treated.sum())
    if n_treated == 0:
        return (f"No tumour reached the detection size in {int(cohort.n_runs)} {subject} "
                f"({int(np.sum(cohort.extinct))} died out)")
    relapsed = int(np.sum(np.asarray(cohort.relapsed, dtype=bool) & treated))
    text = f"Relapse in {relapsed} of {n_treated} treated {subject}"
    if interval:
        _fraction, low, high = cohort.relapse_fraction()
        text += f" ({100 * low:.0f}\u2013{100 * high:.0f}%, 95% CI)"
    if relapsed:
        text += f"; median {cohort.median_relapse_time():.0f} days after therapy started"
    return text
