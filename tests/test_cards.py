"""Result cards and pooling: round trip, one-line errors naming each bad card, pooling."""

import json

import numpy as np
import pytest

import cinlab
from cinlab import cards, scenarios

# small, fast tumours with frequent escape mutations, so both arms relapse sometimes
SMALL = {"therapy.detection_size": 1e3, "relapse_size": 1e3, "max_cells": 2e3,
         "duration": 200.0, "escape.mutation_rate": 1e-3}
N = 6


def arms(**changes):
    return {"TI-K": scenarios.get("sotillo2010", mad2=False, **SMALL, **changes),
            "TI-KM": scenarios.get("sotillo2010", mad2=True, **SMALL, **changes)}


@pytest.fixture(scope="module")
def groups():
    """Two groups' results (seeds 1 and 2) and one from another scenario (seed 3)."""
    out = {seed: {name: cinlab.simulate_many(sc, n_runs=N, seed=seed)
                  for name, sc in arms().items()} for seed in (1, 2)}
    out[3] = {name: cinlab.simulate_many(sc, n_runs=2, seed=3)
              for name, sc in arms(**{"fitness.aneuploidy_cost": 0.1}).items()}
    return out


@pytest.fixture(scope="module")
def texts(groups):
    return {seed: cards.save_card(result, f"Group {seed}") for seed, result in groups.items()}


def test_a_card_round_trips_the_outcomes_of_every_mouse(groups, texts):
    card = cards.read_card(texts[1], "g1.json")
    assert card.group == "Group 1"
    assert list(card.arms) == ["TI-K", "TI-KM"]
    for name, cohort in groups[1].items():
        back = card.arms[name]
        assert back.scenario == cohort.scenario
        assert back.seed == cohort.seed
        np.testing.assert_array_equal(back.relapse_time, cohort.relapse_time)
        np.testing.assert_array_equal(back.treated, cohort.treated)
        assert back.compare(cohort).statistic == pytest.approx(0.0)
    # small: no burden curves on the card
    assert len(texts[1]) < 8_000
    assert "burden" not in json.loads(texts[1])["arms"]["TI-K"]


def test_save_card_writes_the_file(groups, tmp_path):
    path = tmp_path / "card.json"
    text = cards.save_card(groups[1]["TI-KM"], "Solo", path=path)
    assert path.read_text(encoding="utf-8") == text
    assert list(cards.read_card(text).arms) == ["cohort"]


@pytest.mark.parametrize("group", ["", "   ", "x" * 61, 3])
def test_a_bad_group_name_is_refused(groups, group):
    with pytest.raises(ValueError, match="group must be a name of 1 to 60 characters"):
        cards.make_card(groups[1], group)


def test_pool_adds_up_the_groups_and_compares_the_arms(groups, texts):
    pooled = cards.pool([("g1.json", texts[1]), ("g2.json", texts[2])])
    assert pooled.errors == []
    assert pooled.groups == ["Group 1", "Group 2"]
    for name in ("TI-K", "TI-KM"):
        both = pooled.arms[name]
        assert both.n_runs == 2 * N
        np.testing.assert_array_equal(
            both.relapse_time,
            np.concatenate([groups[1][name].relapse_time, groups[2][name].relapse_time]))
    # the pooled log-rank test is the test of the concatenated mice
    assert pooled.compare().pvalue == pytest.approx(
        pooled.arms["TI-KM"].compare(pooled.arms["TI-K"]).pvalue)
    assert "2 cards pooled." in pooled.describe()
    assert "Log-rank test TI-KM vs TI-K" in pooled.describe()
    # replicate k of the pool is replicate k - N of the second card
    again = pooled.arms["TI-KM"].run(N + 1)
    assert again.relapse_time == pytest.approx(groups[2]["TI-KM"].relapse_time[1], nan_ok=True)


def test_every_bad_card_gets_one_line_naming_it_and_the_others_still_pool(texts, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(" " * (cards.MAX_CARD_BYTES + 1))
    not_a_card = json.dumps({"format": "something/1"})
    broken_arm = json.dumps({"format": "cinlab.card/1", "group": "G",
                             "arms": {"TI-K": {"scenario": {}}}})
    sources = [("g1.json", texts[1]), ("malformed.json", "{oops"), big,
               ("other.json", texts[3]), ("again.json", texts[1]),
               ("g2.json", texts[2]), ("wrong.json", not_a_card), ("arm.json", broken_arm)]
    pooled = cards.pool(sources)
    assert pooled.groups == ["Group 1", "Group 2"]
    assert pooled.arms["TI-K"].n_runs == 2 * N
    by_card = {e.split(":", 1)[0]: e for e in pooled.errors}
    assert sorted(by_card) == ["again.json", "arm.json", "big.json", "malformed.json",
                               "other.json", "wrong.json"]
    assert all("\n" not in e for e in pooled.errors)
    assert "not valid JSON" in by_card["malformed.json"]
    assert "over the 1,000,000-byte limit" in by_card["big.json"]
    cost = cinlab.scenarios.get("sotillo2010", mad2=False).fitness.aneuploidy_cost
    assert ("another scenario: in arm 'TI-K', fitness.aneuploidy_cost is 0.1 here but "
            f"{cost:g} in g1.json (group Group 1)") in by_card["other.json"]
    assert "seed 1 was already pooled from g1.json" in by_card["again.json"]
    assert "the same mice would count twice" in by_card["again.json"]
    assert "not a result card" in by_card["wrong.json"]
    assert by_card["arm.json"].startswith("arm.json: arm 'TI-K': ")
    assert "cohort" in by_card["arm.json"]


def test_an_oversized_card_text_is_refused_before_parsing():
    with pytest.raises(cards.CardError, match=r"^huge.json: .* over the 1,000,000-byte"):
        cards.read_card("[" * (cards.MAX_CARD_BYTES + 1), "huge.json")


def test_the_scenario_most_cards_ran_wins(texts, groups):
    # one odd card first must not turn away the two that agree
    pooled = cards.pool([("odd.json", texts[3]), ("g1.json", texts[1]), ("g2.json", texts[2])])
    assert pooled.groups == ["Group 1", "Group 2"]
    assert [e.split(":")[0] for e in pooled.errors] == ["odd.json"]


def test_cards_with_different_arms_are_told_apart(groups, texts):
    lone = cards.save_card({"TI-K": groups[2]["TI-K"]}, "Lone")
    pooled = cards.pool([("g1.json", texts[1]), ("lone.json", lone)])
    assert pooled.errors == ["lone.json: its arms (TI-K) differ from the class's arms "
                             "(TI-K, TI-KM) in g1.json."]


def test_a_folder_of_cards_and_a_plain_cohort_file_pool(groups, texts, tmp_path):
    (tmp_path / "a.json").write_text(texts[1])
    (tmp_path / "b.json").write_text(texts[2])
    assert cards.pool(tmp_path).groups == ["Group 1", "Group 2"]
    cohort_file = tmp_path / "solo.json"
    groups[1]["TI-K"].to_json(str(cohort_file))
    solo = cards.pool([cohort_file])
    assert solo.errors == []
    assert solo.groups == ["solo"]
    assert list(solo.arms) == ["cohort"]
    assert cards.pool([tmp_path / "empty"]).errors[0].endswith("cannot be read (No such "
                                                               "file or directory).")


def test_nothing_to_pool_is_said_in_words():
    pooled = cards.pool([("x.json", "[]")])
    assert pooled.arms == {}
    assert pooled.describe().startswith("No card could be pooled")


def test_a_pooled_cohort_is_saved_as_its_cards(texts):
    pooled = cards.pool([("g1.json", texts[1])])
    with pytest.raises(ValueError, match="keep its result cards"):
        pooled.arms["TI-K"].to_dict()


def test_simulate_cards_names_one_card_per_seed():
    made = cards.simulate_cards({"TI-K": arms()["TI-K"]}, seeds=[5, 6], n_runs=2)
    assert [name for name, _ in made] == ["group-5.json", "group-6.json"]
    assert cards.pool(made).groups == ["Group 5", "Group 6"]
