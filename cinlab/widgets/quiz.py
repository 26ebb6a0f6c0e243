"""Self-check questions of the lessons: :func:`quiz`, reached through :mod:`cinlab.widgets`."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets

__all__ = ["Quiz", "quiz"]


class Quiz(widgets.VBox):
    """A multiple-choice question with immediate feedback (see :func:`quiz`)."""

    def __init__(self, question: str, options: Sequence[tuple[str, bool, str]]) -> None:
        checked = []
        for option in options:
            if not (isinstance(option, tuple | list) and len(option) == 3
                    and isinstance(option[0], str) and isinstance(option[1], bool)
                    and isinstance(option[2], str)):
                raise ValueError("each quiz option must be (text, correct, explanation), "
                                 f"e.g. ('Yes', True, 'Because ...'). Got {option!r}.")
            checked.append(tuple(option))
        if len(checked) < 2 or not any(correct for _, correct, _ in checked):
            raise ValueError("a quiz needs at least two options, one of them correct.")
        self.options = checked
        self.question = widgets.HTML(f"<p><b>{html.escape(question)}</b></p>")
        self.choices = widgets.RadioButtons(
            options=[(text, i) for i, (text, _, _) in enumerate(checked)], value=None,
            layout=widgets.Layout(width="auto"), description="",
            tooltip="Choose an answer with the arrow keys or a click")
        self.feedback = widgets.HTML()
        self.choices.observe(self._answered, names="value")
        super().__init__([self.question, self.choices, self.feedback])
        self.add_class("cinlab-quiz")

    def _answered(self, change: dict) -> None:
        if change["new"] is None:
            self.feedback.value = ""
            return
        _text, correct, explanation = self.options[change["new"]]
        verdict = ('<b style="color:#006B4F">\u2714 Correct.</b>' if correct
                   else '<b style="color:#A33A00">\u2718 Not quite.</b>')
        self.feedback.value = f'<p role="status">{verdict} {html.escape(explanation)}</p>'

    @property
    def correct(self) -> bool | None:
        """Whether the chosen answer is correct (None before an answer)."""
        if self.choices.value is None:
            return None
        return self.options[self.choices.value][1]


def quiz(question: str, options: Sequence[tuple[str, bool, str]]) -> Quiz:
    """A multiple-choice self-check question with immediate feedback.

    Radio buttons (arrow keys move between them); choosing an option shows whether it
    is correct and its explanation.

    Parameters
    ----------
    question : str
        The question.
    options : sequence of (str, bool, str)
        ``(text, correct, explanation)`` for each option; at least two, one correct.

    Returns
    -------
    Quiz
        A widget; ``.choices`` holds the radio buttons, ``.feedback`` the answer.

    Raises
    ------
    ValueError
        If the options are malformed.
    """
    return Quiz(question, options)
