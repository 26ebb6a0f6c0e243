"""Result cards: a group's virtual mice in a small JSON file, and the class's pooled cohort.

A result card holds what one group simulated: the group's name and, for every arm (e.g.
``"TI-K"`` and ``"TI-KM"``), the cohort's scenario, seed and per-mouse outcomes in the
validated cohort format (:meth:`cinlab.Cohort.to_dict`) without the burden curves, so a
card of 60 mice per arm is a few kilobytes. Cards need no server: groups download them
from their explorer and the teacher pools them.

:func:`pool` checks that every card ran the same scenario (a mismatch is reported with
the differing parameter), refuses a seed that was already pooled (the same mice would
count twice) and pools the rest: one bad card never loses the others. Every problem is
one line that names the card.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cohort import Cohort, simulate_many
from .params import Scenario

__all__ = ["MAX_CARD_BYTES", "Card", "CardError", "Pool", "make_card", "pool",
           "read_card", "save_card", "simulate_cards"]

FORMAT = "cinlab.card/1"
#: Largest card accepted, in bytes (a card of 60 mice in two arms is about 7 kB).
MAX_CARD_BYTES = 1_000_000
MAX_GROUP_CHARS = 60
MAX_ARMS = 8
_NO_BURDEN = ("burden", "escaped_burden")


class CardError(ValueError):
    """A card that cannot be pooled; the message is one line naming the card."""


@dataclass(frozen=True, eq=False)
class Card:
    """One group's result card.

    Attributes
    ----------
    name : str
        Where it came from (file name), used in messages.
    group : str
        The group's name.
    arms : dict of str to Cohort
        The group's cohorts by arm name (without burden curves: those are nan).
    """

    name: str
    group: str
    arms: dict[str, Cohort]

    def seeds(self) -> set[tuple[int, tuple[int, ...]]]:
        """The seeds of the card's arms, as (entropy, spawn key) pairs."""
        return {(c.seed["entropy"], tuple(c.seed["spawn_key"])) for c in self.arms.values()}

    def signature(self) -> dict[str, Any]:
        """What must be equal between cards: arm names, scenarios and engine settings."""
        return {name: _flat({"scenario": c.scenario.to_dict(), "method": c.method,
                             "engine": c._engine}) for name, c in self.arms.items()}


# --------------------------------------------------------------------------- writing


def _arms(result: Any) -> dict[str, Cohort]:
    arms = dict(result) if isinstance(result, Mapping) else {"cohort": result}
    if not arms or len(arms) > MAX_ARMS:
        raise ValueError(f"a result card holds 1 to {MAX_ARMS} arms. Got {len(arms)}.")
    for name, cohort in arms.items():
        if not isinstance(cohort, Cohort):
            raise ValueError(f"arm {name!r} of a result card must be a cinlab.Cohort. "
                             f"Got {type(cohort).__name__}.")
    return arms


def _check_group(group: Any) -> str:
    if not isinstance(group, str) or not 1 <= len(group.strip()) <= MAX_GROUP_CHARS:
        raise ValueError(f"group must be a name of 1 to {MAX_GROUP_CHARS} characters. "
                         f"Got {group!r}.")
    return group.strip()


def make_card(result: Cohort | Mapping[str, Cohort], group: str) -> dict:
    """The JSON-compatible dict of a result card.

    Parameters
    ----------
    result : Cohort or mapping of str to Cohort
        One cohort (arm ``"cohort"``) or arms by name, e.g. an arm explorer's result.
    group : str
        The group's name (1 to 60 characters).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        If ``group`` or ``result`` is invalid.
    """
    group = _check_group(group)
    arms = {}
    for name, cohort in _arms(result).items():
        data = cohort.to_dict()
        for key in _NO_BURDEN:
            del data[key]
        arms[str(name)] = data
    return {"format": FORMAT, "group": group, "arms": arms}


def save_card(result: Cohort | Mapping[str, Cohort], group: str,
              path: str | os.PathLike | None = None) -> str:
    """Write a result card: the JSON text (also written to ``path`` if given).

    Parameters
    ----------
    result : Cohort or mapping of str to Cohort
        What the group simulated (see :func:`make_card`).
    group : str
        The group's name.
    path : str or path-like, optional
        File to write.

    Returns
    -------
    str
        The card's JSON text.
    """
    text = json.dumps(make_card(result, group), separators=(",", ":"))
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def simulate_cards(arms: Mapping[str, Scenario], seeds: Iterable[int], n_runs: int = 10,
                   executor: Any = None) -> list[tuple[str, str]]:
    """Cards of several groups, one per seed (to try pooling without a class).

    Parameters
    ----------
    arms : mapping of str to Scenario
        The experiment every group runs, e.g. ``{"TI-K": ..., "TI-KM": ...}``.
    seeds : iterable of int
        One seed per group; group ``s`` is named "Group s".
    n_runs : int
        Mice per arm in each group.
    executor : concurrent.futures.Executor, optional
        Spread the cohorts over worker processes.

    Returns
    -------
    list of (str, str)
        ``(file name, card text)`` pairs, as :func:`pool` takes them.
    """
    out = []
    for seed in seeds:
        result = {name: simulate_many(sc, n_runs=n_runs, seed=seed, executor=executor)
                  for name, sc in arms.items()}
        out.append((f"group-{seed}.json", save_card(result, f"Group {seed}")))
    return out


# --------------------------------------------------------------------------- reading


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _cohort(arm: Any) -> Cohort:
    """A cohort from a card's arm: the cohort format with the burden curves left out."""
    if not isinstance(arm, dict):
        raise ValueError(f"an arm must be a cohort record. Got {type(arm).__name__}.")
    return Cohort.from_dict(arm, burden=False)


def read_card(data: str | bytes, name: str = "card") -> Card:
    """Read and validate one card (JSON text); a plain cohort file is one arm, "cohort".

    Parameters
    ----------
    data : str or bytes
        The card's JSON text.
    name : str
        The card's name in messages (its file name).

    Returns
    -------
    Card

    Raises
    ------
    CardError
        One line naming the card: over the size cap, not JSON, not a card, or an arm
        that is not a valid cohort.
    """
    if len(data) > MAX_CARD_BYTES:
        raise CardError(f"{name}: {len(data):,} bytes, over the {MAX_CARD_BYTES:,}-byte "
                        f"limit of a result card.")
    try:
        record = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CardError(f"{name}: not a result card (not valid JSON: "
                        f"{_one_line(exc)}).") from None
    if isinstance(record, dict) and record.get("format") == "cinlab.cohort/1":
        record = {"format": FORMAT, "group": Path(name).stem[:MAX_GROUP_CHARS] or "cohort",
                  "arms": {"cohort": record}}
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CardError(f"{name}: not a result card (expected format {FORMAT!r}).")
    try:
        group = _check_group(record.get("group"))
    except ValueError as exc:
        raise CardError(f"{name}: {_one_line(exc)}") from None
    arms = record.get("arms")
    if not isinstance(arms, dict) or not 1 <= len(arms) <= MAX_ARMS:
        raise CardError(f"{name}: a result card needs 1 to {MAX_ARMS} arms by name.")
    cohorts = {}
    for arm, value in arms.items():
        try:
            cohorts[arm] = _cohort(value)
        except ValueError as exc:
            raise CardError(f"{name}: arm {arm!r}: {_one_line(exc)}") from None
    return Card(name=name, group=group, arms=cohorts)


def _read_source(source: Any, index: int) -> list[Card | CardError]:
    """Cards from one source: a Card, a path (file or folder), an upload, or (name, data)."""
    if isinstance(source, Card):
        return [source]
    if isinstance(source, Mapping) and "content" in source:  # an ipywidgets FileUpload value
        source = (str(source.get("name") or f"card {index + 1}"), bytes(source["content"]))
    if isinstance(source, tuple) and len(source) == 2:
        name, data = source
        try:
            return [read_card(data, str(name))]
        except CardError as exc:
            return [exc]
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            out: list[Card | CardError] = []
            for file in sorted(path.glob("*.json")):
                out += _read_source(file, index)
            return out or [CardError(f"{path}: no .json card in this folder.")]
        try:
            size = path.stat().st_size
        except OSError as exc:
            return [CardError(f"{path}: cannot be read ({_one_line(exc.strerror or exc)}).")]
        if size > MAX_CARD_BYTES:
            return [CardError(f"{path.name}: {size:,} bytes, over the {MAX_CARD_BYTES:,}-byte "
                              f"limit of a result card.")]
        try:
            return [read_card(path.read_bytes(), path.name)]
        except CardError as exc:
            return [exc]
    return [CardError(f"card {index + 1}: expected a file, a folder or an upload. "
                      f"Got {type(source).__name__}.")]


# --------------------------------------------------------------------------- pooling


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _short(name: str) -> str:
    """A dotted name as a reader knows it: "scenario.cin.window" -> "cin.window"."""
    return name.removeprefix("scenario.")


def _difference(card: Card, reference: Card) -> str | None:
    """The first difference between a card and the reference, in words (None if none)."""
    mine, theirs = card.signature(), reference.signature()
    if list(mine) != list(theirs):
        return (f"its arms ({', '.join(mine)}) differ from the class's arms "
                f"({', '.join(theirs)}) in {reference.name}")
    for arm, fields in mine.items():
        other = theirs[arm]
        for key in sorted(set(fields) | set(other)):
            if fields.get(key) != other.get(key):
                return (f"another scenario: in arm {arm!r}, {_short(key)} is "
                        f"{fields.get(key)!r} here but {other.get(key)!r} in "
                        f"{reference.name} (group {reference.group})")
    return None


class _PooledCohort(Cohort):
    """The cohorts of several cards side by side; replicate k comes from its own card."""

    def __init__(self, parts: list[Cohort]) -> None:
        self.parts = parts
        first = parts[0]
        data = {k: np.concatenate([p._data[k] for p in parts]) for k in first._data
                if k not in _NO_BURDEN}
        shape = (len(data["status"]), first.times.size)
        for key in _NO_BURDEN:
            data[key] = np.broadcast_to(np.float64(np.nan), shape)
        seed = {"entropy": f"pooled from {len(parts)} cards", "spawn_key": []}
        super().__init__(first.scenario, seed, data, method=first.method, **first._engine)

    def run(self, k: int):
        """Regenerate pooled replicate ``k`` from its card's seed."""
        if not (isinstance(k, int | np.integer) and 0 <= k < self.n_runs):
            raise ValueError(f"k must be an integer in [0, {self.n_runs - 1}]. Got {k!r}.")
        for part in self.parts:
            if k < part.n_runs:
                return part.run(int(k))
            k -= part.n_runs
        raise AssertionError("unreachable")  # pragma: no cover

    def to_dict(self) -> dict:
        """A pooled cohort is saved as its cards, which keep every seed."""
        raise ValueError("a pooled cohort is not saved itself: keep its result cards.")


@dataclass(frozen=True, eq=False)
class Pool:
    """The class's pooled result.

    Attributes
    ----------
    cards : list of Card
        The cards pooled, in the order given.
    arms : dict of str to Cohort
        Every arm's pooled cohort (empty if no card could be pooled).
    errors : list of str
        One line per card left out, naming it and saying why.
    """

    cards: list[Card]
    arms: dict[str, Cohort]
    errors: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[str]:
        """The pooled groups' names, in card order."""
        return [c.group for c in self.cards]

    def n_mice(self, arm: str) -> int:
        """Treated mice of an arm, pooled."""
        return int(self.arms[arm].treated.sum())

    def compare(self):
        """Log-rank test of the second arm against the first (None with fewer than two)."""
        names = list(self.arms)
        if len(names) < 2:
            return None
        return self.arms[names[1]].compare(self.arms[names[0]])

    def describe(self, subject: str = "mice") -> str:
        """The pooled result in plain sentences, the log-rank test in words."""
        if not self.arms:
            return (f"No card could be pooled ({len(self.errors)} left out); the messages "
                    "about each card say why.")
        n = len(self.cards)
        parts = [f"{n} card{'s' if n != 1 else ''} pooled"
                 f"{f', {len(self.errors)} left out' if self.errors else ''}."]
        for name, c in self.arms.items():
            treated = int(c.treated.sum())
            rel = int((c.relapsed & c.treated).sum())
            share = f" ({rel / treated:.0%})" if treated else ""
            parts.append(f"{name}: relapse in {rel} of {treated} treated {subject}{share}.")
        comparison = self.compare()
        if comparison is not None:
            names = list(self.arms)
            p = comparison.pvalue
            base = 100 if p >= 0.01 else 1000
            odds = ("in fewer than 1 of 1,000 experiments" if p < 0.001 else
                    f"in about {max(1, round(base * p))} of {base:,} experiments")
            verdict = ("so chance alone is an unlikely explanation: the curves differ"
                       if p < 0.05 else "so the pooled mice do not show a clear difference")
            p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
            parts.append(f"Log-rank test {names[1]} vs {names[0]}: {p_text}. If the two arms "
                         f"really relapsed alike, a difference this large would turn up "
                         f"{odds}, {verdict}.")
        return " ".join(parts)


def pool(sources: Iterable[Any]) -> Pool:
    """Pool result cards; every card that cannot be pooled is reported, the rest pooled.

    Parameters
    ----------
    sources : iterable
        Cards: :class:`Card` objects, file paths, folders (every ``*.json`` in them),
        ``(name, json_text)`` pairs, or the values of an ipywidgets ``FileUpload``.

    Returns
    -------
    Pool
        ``pool.arms`` holds the pooled cohorts, ``pool.errors`` one line per card left
        out: malformed, over the size cap, another scenario than most cards (naming the
        differing parameter), or a seed already pooled.

    Notes
    -----
    The class's scenario is the one most cards ran (the first card's on a tie), so one
    odd card does not turn away all the others.
    """
    if isinstance(sources, str | os.PathLike | Card | tuple):
        sources = [sources]
    read: list[Card | CardError] = []
    for i, source in enumerate(sources):
        read += _read_source(source, i)
    errors = [str(r) for r in read if isinstance(r, CardError)]
    cards = [r for r in read if isinstance(r, Card)]
    keys = [json.dumps(c.signature(), sort_keys=True, default=str) for c in cards]
    accepted: list[Card] = []
    if cards:
        common = Counter(keys).most_common(1)[0][0]
        reference = cards[keys.index(common)]
        seen: dict[tuple, Card] = {}
        for card in cards:
            difference = _difference(card, reference)
            repeated = [seen[s] for s in card.seeds() if s in seen]
            if difference:
                errors.append(f"{card.name}: {difference}.")
            elif repeated:
                entropy = next(s for s in card.seeds() if s in seen)[0]
                errors.append(f"{card.name}: seed {entropy} was already pooled from "
                              f"{repeated[0].name} (group {repeated[0].group}); the same "
                              f"mice would count twice.")
            else:
                accepted.append(card)
                seen.update(dict.fromkeys(card.seeds(), card))
    arms: dict[str, Cohort] = {}
    if accepted:
        for name in accepted[0].arms:
            arms[name] = _PooledCohort([c.arms[name] for c in accepted])
    return Pool(cards=accepted, arms=arms, errors=errors)

