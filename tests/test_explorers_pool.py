"""Lesson 06's explorers without a browser: card saving, pooling, power and robustness."""

import base64
import datetime
import json

import numpy as np
import pytest

import cinlab
from cinlab import cards, robustness, scenarios, widgets

SMALL = {"therapy.detection_size": 1e3, "relapse_size": 1e3, "max_cells": 2e3,
         "duration": 200.0, "escape.mutation_rate": 1e-3}
ARMS = {"TI-K": scenarios.get("sotillo2010", mad2=False, **SMALL),
        "TI-KM": scenarios.get("sotillo2010", mad2=True, **SMALL)}


@pytest.fixture(scope="module")
def explorer():
    return widgets.compare_arms(ARMS, n_runs=4, seed=11)


@pytest.fixture(scope="module")
def other_card():
    return cards.simulate_cards(ARMS, seeds=[12], n_runs=4)[0]


def test_save_result_card_offers_a_download_of_the_explorers_result(explorer):
    saver = explorer.card_saver
    assert saver in explorer.children
    saver.group.value = ""
    assert not saver.save()
    assert "group must be a name" in saver.link.value
    saver.group.value = "Team Kras!"
    assert saver.save()
    link = saver.link.value
    assert 'download="card-team-kras-seed11.json"' in link
    data = link.split("base64,", 1)[1].split('"', 1)[0]
    text = base64.b64decode(data).decode()
    assert text == saver.text
    card = cards.read_card(text)
    assert card.group == "Team Kras!"
    np.testing.assert_array_equal(card.arms["TI-KM"].relapse_time,
                                  explorer.result["TI-KM"].relapse_time)


def test_a_single_cohort_explorer_saves_one_arm():
    e = widgets.explore_cohort(ARMS["TI-K"], n_runs=3, seed=5)
    e.card_saver.group.value = "Solo"
    assert e.card_saver.save()
    assert list(json.loads(e.card_saver.text)["arms"]) == ["cohort"]


def upload(name, text):
    """One entry of an ipywidgets 8 FileUpload value."""
    return {"name": name, "type": "application/json", "size": len(text),
            "content": memoryview(text.encode()),
            "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}


def test_pool_cards_pools_uploads_and_lists_bad_cards(explorer, other_card):
    explorer.card_saver.group.value = "Team A"
    explorer.card_saver.save()
    mine = ("team-a.json", explorer.card_saver.text)
    pool = widgets.pool_cards([mine])
    assert pool.result.groups == ["Team A"]
    assert pool.errors.value == ""
    first = pool.figure
    pool.upload.value = (upload(*other_card), upload("copy.json", mine[1]),
                         upload("bad.json", "{"))
    assert pool.result.groups == ["Team A", "Group 12"]
    assert pool.first_result.groups == ["Team A"]  # the pool a lesson prints
    assert pool.figure is not first
    assert "copy.json: seed 11 was already pooled" in pool.errors.value
    assert "bad.json: not a result card" in pool.errors.value
    assert "2 cards pooled, 2 left out." in pool.summary.value
    # faint curves: one per group and arm; bold pooled curves
    groups_src = [r.data_source for r in pool.figure.renderers
                  if r.data_source.name == "groups:TI-KM"][0]
    assert len(groups_src.data["xs"]) == 2
    pooled_src = [r.data_source for r in pool.figure.renderers
                  if r.data_source.name == "pooled:TI-KM"][0]
    curve = pool.result.arms["TI-KM"].survival()
    np.testing.assert_allclose(pooled_src.data["probability"][-1], curve.probability[-1])


def test_pool_cards_from_a_folder(tmp_path, other_card):
    (tmp_path / other_card[0]).write_text(other_card[1])
    pool = widgets.pool_cards(folder=str(tmp_path))
    assert pool.result.groups == ["Group 12"]
    pool.folder.value = str(tmp_path / "missing")
    pool.pool_button.click()
    assert "cannot be read" in pool.errors.value
    assert pool.figure is None
    assert "No card could be pooled" in pool.summary.value


def test_explore_power_draws_a_curve_from_cohorts_and_reports_bad_sizes(explorer):
    e = widgets.explore_power(explorer.result, sizes=(3, 6), n_experiments=100)
    assert e.result.sizes.tolist() == [3, 6]
    assert "simulated experiments found p &lt; 0.05" in e.summary.value
    source = e.figure.select_one({"name": "power"})
    np.testing.assert_array_equal(source.data["power"], e.result.power)
    e.sizes.value = "3, six"
    e.group_n.value = 4
    assert not e.update()
    assert "whole numbers separated by commas" in e.status.value
    e.sizes.value = "4"
    assert e.update()
    assert e.result.sizes.tolist() == [4]
    assert e.first_result.sizes.tolist() == [3, 6]  # the curve a lesson prints


def test_explore_power_from_scenarios_waits_for_run():
    e = widgets.explore_power(ARMS, sizes=(3,), n_experiments=100, pool_size=4)
    assert e.result is None
    assert "Press <b>Simulate experiments</b>" in e.status.value
    e.run_button.click()
    assert e.result.pool_sizes[0] <= 4
    with pytest.raises(ValueError, match="needs two arms"):
        widgets.explore_power({"TI-K": ARMS["TI-K"]})


def test_robustness_lab_waits_for_run_and_shows_both_fractions():
    lab = widgets.explore_robustness("bypass_gain", "aneuploidy_cost", n_runs=5,
                                     grids={"bypass_gain": [3], "aneuploidy_cost": [0.06, 0.1]},
                                     base=ARMS, seed=3)
    assert lab.result is None
    lab.n_runs.value = 5
    lab.run_button.click()
    table = lab.result
    assert table["y"].tolist() == ["0.06", "0.1"]
    assert lab.progress.value == lab.progress.max == 4
    source = lab.figure.select_one({"name": "ratio"})
    assert source.data["label"][0] == (f"{table['relapse_ti_km'][0]:.0%} vs "
                                       f"{table['relapse_ti_k'][0]:.0%}")
    assert "TI-KM relapsed more often than TI-K at" in lab.summary.value
    lab.y.value = "bypass_gain"
    assert not lab.update()
    assert "two different assumptions" in lab.status.value


def test_ratio_sweep_matches_separate_cohorts_and_uses_the_executor():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        table = robustness.ratio_sweep("mad2_days", "baseline_rate", [30.0], [0.0],
                                       n_runs=4, seed=8, executor=pool, base=ARMS)
    arms = robustness.arms_at({"mad2_days": 30.0, "baseline_rate": 0.0}, ARMS)
    assert arms["TI-KM"].cin.window == (0.0, 30.0)
    assert arms["TI-K"].cin.window == ARMS["TI-K"].cin.window  # TI-K has no Mad2
    km = cinlab.simulate_many(arms["TI-KM"], n_runs=4, seed=8)
    assert table["relapse_ti_km"][0] == km.relapse_fraction()[0]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: robustness.arms_at({"room": 1}), "unknown assumption 'room'"),
    (lambda: robustness.ratio_sweep("bypass_gain", "bypass_gain"), "two different"),
    (lambda: robustness.ratio_sweep("bypass_gain", "baseline_rate", list(range(2, 9))),
     "needs 1 to 6 values"),
    (lambda: robustness.arms_at({"aneuploidy_cost": -1.0}), "aneuploidy_cost"),
    (lambda: widgets.explore_robustness(x="room"), "x must be one of"),
])
def test_bad_robustness_settings_name_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()
