"""Predictions that lock in before the answer is shown.

A lesson's Predict step asks students to commit to an answer before they see the
simulation. :func:`prediction` shows the question with a place to answer (a choice, a
number or a sentence) and a **Lock my prediction** button. Once locked the answer cannot
be changed. :meth:`Prediction.gate` wraps the Observe explorer: it stays hidden and its
controls disabled until the prediction is locked; then it appears with the student's
prediction written above it, so the two can be compared.

The explorer still computes its result when it is created, so the cells after it (and
a headless run of the lesson) can read ``explorer.result`` whether or not anyone has
made a prediction; only what the student sees waits.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

__all__ = ["Prediction", "prediction"]

_LOCK_LABEL = "Lock my prediction"


def _walk(widget: Any) -> list[Any]:
    """The widget and every widget inside it (children of boxes, depth first)."""
    found = [widget]
    for child in getattr(widget, "children", ()) or ():
        found.extend(_walk(child))
    return found


class Prediction(widgets.VBox):
    """A prediction that locks (see :func:`prediction`).

    Attributes
    ----------
    answer : ipywidgets.Widget
        The input: radio buttons, a number box or a text area.
    lock_button : ipywidgets.Button
        Locks the answer; disabled until something is entered.
    status : ipywidgets.HTML
        What happened: a hint, an error in plain words, or the locked prediction.
    """

    def __init__(self, question: str, choices: Sequence[str] | None = None, *,
                 low: float | None = None, high: float | None = None,
                 units: str = "") -> None:
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"The 'question' of a prediction must be a non-empty string. "
                             f"Got {question!r}.")
        self.kind = "text"
        if choices is not None:
            if (isinstance(choices, str) or len(choices) < 2
                    or not all(isinstance(c, str) and c for c in choices)):
                raise ValueError("The 'choices' of a prediction must be at least two "
                                 f"non-empty strings. Got {choices!r}.")
            if low is not None or high is not None:
                raise ValueError("A prediction takes either 'choices' or a number range "
                                 "('low', 'high'), not both.")
            self.kind = "choice"
        elif low is not None or high is not None:
            for name, value in (("low", low), ("high", high)):
                if (isinstance(value, bool) or not isinstance(value, int | float)
                        or not math.isfinite(value)):
                    raise ValueError(f"The '{name}' bound of a number prediction must be a "
                                     f"finite number. Got {value!r}.")
            if not low < high:  # type: ignore[operator]
                raise ValueError(f"The 'low' bound of a number prediction must be below "
                                 f"'high' ({high!r}). Got {low!r}.")
            self.kind = "number"
        self.question_text = question
        self.low, self.high, self.units = low, high, units
        self._value: Any = None
        self._gates: list[tuple[widgets.Widget, widgets.HTML, dict[Any, bool]]] = []
        if self.kind == "choice":
            self.answer = widgets.RadioButtons(options=list(choices or ()), value=None,
                                               layout=widgets.Layout(width="auto"))
        elif self.kind == "number":
            unit = f" ({units})" if units else ""
            self.answer = widgets.Text(
                placeholder=f"a number from {low:g} to {high:g}{unit}",
                layout=widgets.Layout(width="22em"))
        else:
            self.answer = widgets.Textarea(placeholder="My prediction and my reason ...",
                                           # no side margins: 100% plus ipywidgets'
                                           # 2 px margins would overflow the output
                                           layout=widgets.Layout(width="100%",
                                                                 margin="2px 0px",
                                                                 height="5em"))
        self.lock_button = widgets.Button(description=_LOCK_LABEL, button_style="warning",
                                          disabled=True, icon="",
                                          tooltip="Once locked, the prediction cannot be "
                                          "changed; the explorer below then opens",
                                          layout=widgets.Layout(width="auto"))
        self.status = widgets.HTML(
            "<p>Enter your prediction, then lock it. The explorer below opens once it is "
            "locked.</p>")
        self.answer.observe(self._entered, names="value")
        self.lock_button.on_click(lambda _: self.lock())
        super().__init__([widgets.HTML(f"<p><b>\u270f\ufe0f {html.escape(question)}</b></p>"),
                          self.answer, self.lock_button, self.status])
        self.add_class("cinlab-prediction")

    # ----------------------------------------------------------------- state

    @property
    def locked(self) -> bool:
        """Whether the prediction has been locked."""
        return self._value is not None

    @property
    def value(self) -> Any:
        """The locked prediction (a choice, a float or a string), or None."""
        return self._value

    def text(self) -> str:
        """The locked prediction as a phrase, e.g. ``"40%"`` or ``"about half"``."""
        if self._value is None:
            return ""
        if self.kind == "number":
            unit = f" {self.units}" if self.units else ""
            return f"{self._value:g}{unit}"
        return str(self._value)

    def _parse(self) -> Any:
        """The entered answer, checked; raises ValueError with a plain message."""
        raw = self.answer.value
        if self.kind == "choice":
            if raw is None:
                raise ValueError("Choose one of the options first.")
            return raw
        text = (raw or "").strip()
        if not text:
            raise ValueError("Type your prediction first.")
        if self.kind == "text":
            return text
        low, high = float(self.low or 0.0), float(self.high or 0.0)  # set for numbers
        try:
            number = float(text.rstrip("%").replace(",", ""))
        except ValueError:
            raise ValueError(f"Type a number from {low:g} to {high:g}. "
                             f"Got {text!r}.") from None
        if not (math.isfinite(number) and low <= number <= high):
            raise ValueError(f"Type a number from {low:g} to {high:g}. Got {text!r}.")
        return number

    def _entered(self, _change: dict) -> None:
        if self.locked:
            return
        try:
            self._parse()
        except ValueError as exc:
            self.lock_button.disabled = True
            if self.kind == "number" and (self.answer.value or "").strip():
                self.status.value = f'<p role="alert">{html.escape(str(exc))}</p>'
            return
        self.lock_button.disabled = False
        self.status.value = "<p>Ready: press <b>Lock my prediction</b>.</p>"

    def lock(self) -> None:
        """Lock the entered prediction and open every gated explorer.

        Raises
        ------
        ValueError
            If nothing valid has been entered (the message says what is missing).
        """
        if self.locked:
            return
        self._value = self._parse()
        self.answer.disabled = True
        self.lock_button.disabled = True
        self.lock_button.description = "Locked"
        self.status.value = (f'<p role="status">\U0001f512 Your prediction: '
                             f'<b>{html.escape(self.text())}</b></p>')
        for explorer, note, disabled in self._gates:
            self._open(explorer, note, disabled)

    # ------------------------------------------------------------------ gate

    def gate(self, explorer: widgets.Widget) -> widgets.VBox:
        """Hide ``explorer`` until this prediction is locked; return what to display.

        Parameters
        ----------
        explorer : ipywidgets.Widget
            Usually an explorer from :mod:`cinlab.widgets`.

        Returns
        -------
        ipywidgets.VBox
            A note (what to do first; after locking, the prediction to compare with)
            above the explorer. Display it as the cell's result.
        """
        if not isinstance(explorer, widgets.Widget):
            raise ValueError(f"gate() needs a widget (an explorer). Got "
                             f"{type(explorer).__name__}.")
        note = widgets.HTML()
        disabled = {w: bool(w.disabled) for w in _walk(explorer) if hasattr(w, "disabled")}
        self._gates.append((explorer, note, disabled))
        if self.locked:
            self._open(explorer, note, disabled)
        else:
            note.value = ("<p><b>\U0001f512 Make and lock your prediction above first:</b> "
                          "this explorer opens then.</p>")
            for w in disabled:
                w.disabled = True
            explorer.layout.visibility = "hidden"
        box = widgets.VBox([note, explorer])
        box.add_class("cinlab-gated")
        return box

    def _open(self, explorer: widgets.Widget, note: widgets.HTML,
              disabled: dict[Any, bool]) -> None:
        for w, was in disabled.items():
            w.disabled = was
        explorer.layout.visibility = "visible"
        text = self.text().rstrip()
        end = "" if text.endswith((".", "!", "?", "\u2026")) else "."  # a sentence's own
        note.value = (f'<p role="status">\U0001f512 <b>Your prediction:</b> '
                      f'{html.escape(text)}{end} Compare it with what the explorer '
                      f'shows.</p>')


def prediction(question: str, choices: Sequence[str] | None = None, *,
               low: float | None = None, high: float | None = None,
               units: str = "") -> Prediction:
    """A prediction the student enters and locks before seeing the answer.

    Give ``choices`` for a multiple choice, ``low`` and ``high`` for a number, or
    neither for a sentence. Then, in the Observe cell, display
    ``guess.gate(explorer)`` instead of the explorer.

    Parameters
    ----------
    question : str
        The question, shown in bold.
    choices : sequence of str, optional
        The options (at least two).
    low, high : float, optional
        The allowed range of a number answer.
    units : str
        Units of a number answer, shown after it (e.g. ``"%"`` or ``"days"``).

    Returns
    -------
    Prediction

    Raises
    ------
    ValueError
        For an empty question, fewer than two choices, both choices and a range, or a
        range that is not ``low < high``.

    Examples
    --------
    >>> guess = prediction("What fraction of TI-KM tumours will relapse?",
    ...                    low=0, high=100, units="%")
    >>> guess.answer.value = "40"
    >>> guess.lock()
    >>> guess.value
    40.0
    """
    return Prediction(question, choices, low=low, high=high, units=units)
