"""The prediction lock: enter, lock, and only then the gated explorer opens."""

import ipywidgets
import pytest

from cinlab import predict, scenarios
from cinlab import widgets as cw

SMALL = scenarios.get("withdrawal").replace(**{"therapy.detection_size": 1e4,
                                               "max_cells": 2e4, "relapse_size": 1e4})


def test_a_choice_locks_and_cannot_change():
    guess = predict.prediction("Which arm relapses more?", ["TI-K", "TI-KM", "the same"])
    assert not guess.locked
    assert guess.lock_button.disabled
    guess.answer.value = "TI-KM"
    assert not guess.lock_button.disabled
    guess.lock_button.click()
    assert guess.locked
    assert guess.value == "TI-KM"
    assert guess.answer.disabled
    assert guess.lock_button.disabled
    assert "TI-KM" in guess.status.value
    guess.answer.value = "TI-K"  # a changed widget value is ignored once locked
    assert guess.value == "TI-KM"


def test_a_number_is_parsed_and_checked_against_its_range():
    guess = predict.prediction("Relapse fraction?", low=0, high=100, units="%")
    guess.answer.value = "150"
    assert guess.lock_button.disabled
    assert "from 0 to 100" in guess.status.value
    assert "150" in guess.status.value
    with pytest.raises(ValueError, match="from 0 to 100"):
        guess.lock()
    guess.answer.value = "lots"
    assert guess.lock_button.disabled
    guess.answer.value = "40%"
    guess.lock()
    assert guess.value == 40.0
    assert guess.text() == "40 %"


def test_free_text_needs_something_typed():
    guess = predict.prediction("Rank the arms and say why.")
    with pytest.raises(ValueError, match="Type your prediction"):
        guess.lock()
    guess.answer.value = "   "
    assert guess.lock_button.disabled
    guess.answer.value = "adaptive last: no competition"
    guess.lock()
    assert guess.value == "adaptive last: no competition"


def test_the_gated_explorer_opens_only_after_locking():
    explorer = cw.explore_run(SMALL, seed=3)
    explorer.controls["growth.birth_rate"].disabled = True  # stays as it was
    guess = predict.prediction("Will it shrink?", ["yes", "no"])
    box = guess.gate(explorer)
    assert isinstance(box, ipywidgets.VBox)
    assert explorer in box.children
    note = box.children[0]
    assert explorer.layout.visibility == "hidden"
    assert explorer.run_button.disabled
    assert explorer.seed_box.disabled
    assert explorer.controls["growth.death_rate"].disabled
    assert "prediction above first" in note.value
    # the result is computed anyway, so later cells (and a headless run) can read it
    assert explorer.result is not None
    guess.answer.value = "yes"
    guess.lock()
    assert explorer.layout.visibility == "visible"
    assert not explorer.run_button.disabled
    assert not explorer.seed_box.disabled
    assert not explorer.controls["growth.death_rate"].disabled
    assert explorer.controls["growth.birth_rate"].disabled
    assert "Your prediction:" in note.value
    assert "yes" in note.value


@pytest.mark.parametrize(("typed", "shown"), [
    ("It grows back, because some cells escape.", "some cells escape. Compare"),
    ("Does it grow back?", "grow back? Compare"),
    ("about half", "about half. Compare"),
])
def test_a_sentence_prediction_keeps_its_own_full_stop(typed, shown):
    guess = predict.prediction("What happens after withdrawal?")
    guess.answer.value = typed
    guess.lock()
    note = guess.gate(cw.explore_run(SMALL, seed=3)).children[0].value
    assert shown in note
    assert ".." not in note


def test_gating_after_locking_opens_at_once():
    guess = predict.prediction("Will it shrink?", ["yes", "no"])
    guess.answer.value = "no"
    guess.lock()
    explorer = cw.explore_run(SMALL, seed=3)
    box = guess.gate(explorer)
    assert explorer.layout.visibility == "visible"
    assert not explorer.run_button.disabled
    assert "no" in box.children[0].value


@pytest.mark.parametrize(("args", "kwargs", "words"), [
    (("",), {}, "'question'"),
    (("Q?", ["only one"]), {}, "'choices'"),
    (("Q?", "ab"), {}, "'choices'"),
    (("Q?", ["a", "b"]), {"low": 0, "high": 1}, "not both"),
    (("Q?",), {"low": 5, "high": 1}, "'low'"),
    (("Q?",), {"low": 0, "high": float("nan")}, "'high'"),
    (("Q?",), {"low": True, "high": 3}, "'low'"),
])
def test_bad_arguments_are_named(args, kwargs, words):
    with pytest.raises(ValueError, match=words):
        predict.prediction(*args, **kwargs)


def test_gate_refuses_what_is_not_a_widget():
    guess = predict.prediction("Q?")
    with pytest.raises(ValueError, match="needs a widget"):
        guess.gate("explorer")
