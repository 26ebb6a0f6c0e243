"""Parameter objects: one invalid value per numeric field (generated from the field
metadata), choices, cross-field checks, replace, dict round trips and immutability."""

import dataclasses
import json
import math
import re

import numpy as np
import pytest

import cinlab
from cinlab.params import CIN, Escape, Fitness, Genome, Growth, Scenario, Therapy

CLASSES = [Growth, Genome, CIN, Fitness, Escape, Therapy, Scenario]


def numeric(cls):
    return [f for f in dataclasses.fields(cls) if f.metadata.get("min") is not None]


NUMERIC = [(cls, f) for cls in CLASSES for f in numeric(cls)]
NUMERIC_IDS = [f"{cls.__name__}.{f.name}" for cls, f in NUMERIC]


def invalid_values(meta):
    """Just outside the range on both sides, far outside above."""
    lo, hi, step = meta["min"], meta["max"], meta["step"]
    return [hi + 10 * step, lo - step, hi + step]


def check_message(message, cls, name, meta, value):
    assert cls.__name__ in message, message
    assert name in message, message
    ranges = re.findall(r"\[([^\],\[]+), ([^\]\[]+)\]", message)
    assert ranges, f"no [min, max] range in {message!r}"
    lo, hi = (float(x) for x in ranges[0])
    assert lo == pytest.approx(meta["min"]), message
    assert hi == pytest.approx(meta["max"]), message
    got = re.search(r"Got (.+?)\.?$", message)
    assert got, f"the value is not named in {message!r}"
    assert float(got.group(1)) == pytest.approx(value, rel=1e-12), message


def test_every_parameter_class_has_numeric_fields_with_complete_metadata():
    assert len(NUMERIC) >= 25
    for cls in CLASSES:
        for f in dataclasses.fields(cls):
            meta = f.metadata
            if not meta:
                assert cls is Scenario  # the sections
                continue
            assert isinstance(meta["label"], str), f.name
            assert meta["label"], f.name
            assert isinstance(meta["units"], str), f.name
            assert meta["help"], f.name
            if meta.get("min") is not None:
                assert meta["min"] < meta["max"], f.name
                assert meta["step"] > 0, f.name
                assert isinstance(meta["integer"], bool)
                assert meta["min"] <= f.default <= meta["max"], f.name
                if meta["integer"]:
                    assert float(f.default).is_integer()


@pytest.mark.parametrize(("cls", "field"), NUMERIC, ids=NUMERIC_IDS)
def test_out_of_range_value_is_rejected_with_a_clear_message(cls, field):
    meta = field.metadata
    for value in invalid_values(meta):
        if meta["integer"]:
            value = round(value)
        with pytest.raises(ValueError, match=field.name) as info:
            cls(**{field.name: value})
        check_message(str(info.value), cls, field.name, meta, value)


@pytest.mark.parametrize(("cls", "field"), NUMERIC, ids=NUMERIC_IDS)
def test_non_numbers_are_rejected(cls, field):
    for value in (math.nan, math.inf, -math.inf, "1", None, True, [1]):
        with pytest.raises(ValueError, match=field.name):
            cls(**{field.name: value})


@pytest.mark.parametrize(("cls", "field"), NUMERIC, ids=NUMERIC_IDS)
def test_range_ends_are_accepted_and_stored_with_the_right_type(cls, field):
    meta = field.metadata
    for value in (meta["min"], meta["max"]):
        kwargs = {field.name: value}
        if cls is Scenario and field.name in ("initial_cells", "max_cells", "relapse_size"):
            # keep the cross-field checks satisfied
            kwargs = {"initial_cells": 1, "max_cells": 1e12, "relapse_size": 1.0,
                      **kwargs}
            if field.name == "max_cells":
                kwargs.update(relapse_size=1.0, therapy=None)
                if value <= kwargs["initial_cells"]:
                    continue  # the bottom of the range needs initial_cells < max_cells
        if cls is Therapy and field.name in ("pause_fraction", "resume_fraction"):
            kwargs["schedule"] = "continuous"
        if cls is Scenario and field.name == "duration":
            kwargs["record_interval"] = 1.0  # the record grid cap (tested below)
        obj = cls(**kwargs)
        stored = getattr(obj, field.name)
        assert stored == value
        assert type(stored) is (int if meta["integer"] else float)


@pytest.mark.parametrize(("cls", "field"), NUMERIC, ids=NUMERIC_IDS)
def test_numpy_scalars_in_range_are_accepted_as_python_numbers(cls, field):
    meta = field.metadata
    kinds = [np.int64, np.float32, np.float64]
    if not meta["integer"] and not float(field.default).is_integer():
        kinds = [np.float32, np.float64]
    for kind in kinds:
        obj = cls(**{field.name: kind(field.default)})
        stored = getattr(obj, field.name)
        assert type(stored) is (int if meta["integer"] else float)
        assert stored == pytest.approx(field.default, rel=1e-6)
    via_dict = cls.from_dict({field.name: kinds[0](field.default)})
    assert getattr(via_dict, field.name) == pytest.approx(field.default, rel=1e-6)


@pytest.mark.parametrize(("cls", "field"), NUMERIC, ids=NUMERIC_IDS)
def test_numpy_bools_and_out_of_range_numpy_scalars_are_rejected(cls, field):
    meta = field.metadata
    for value in (np.bool_(True), np.float64(meta["max"]) * 2 + 1, np.float32("nan")):
        with pytest.raises(ValueError, match=f"'{field.name}' parameter of {cls.__name__}"):
            cls(**{field.name: value})


def test_record_grid_is_capped_with_a_message_naming_the_interval_and_its_range():
    from cinlab.params import MAX_RECORD_POINTS

    assert MAX_RECORD_POINTS == 36_501
    # the finest interval is allowed for the default duration (a year) ...
    fine = Scenario(duration=365.0, record_interval=0.01)
    assert np.arange(0.0, fine.duration + 1e-9, fine.record_interval).size == MAX_RECORD_POINTS
    # ... and ten years need at least 0.1 day
    assert Scenario(duration=3650.0, record_interval=0.1).record_interval == 0.1
    for duration, interval in ((3650.0, 0.09), (365.5, 0.01), (3650.0, 0.01)):
        with pytest.raises(ValueError, match="record_interval") as info:
            Scenario(duration=duration, record_interval=interval)
        text = str(info.value)
        assert "'record_interval' parameter of Scenario" in text
        assert f"[{duration / (MAX_RECORD_POINTS - 1):.6g}, 100] days" in text
        assert f"Got {interval:g}" in text
    with pytest.raises(ValueError, match="record_interval"):
        Scenario(duration=100.0).replace(duration=3650.0, record_interval=0.05)


HUGE = 10**400


@pytest.mark.parametrize(("cls", "field"), NUMERIC, ids=NUMERIC_IDS)
def test_an_integer_too_large_for_a_float_gets_the_range_error(cls, field):
    for make in (lambda v: cls(**{field.name: v}),
                 lambda v: cls.from_dict({field.name: v})):
        for value in (HUGE, -HUGE):
            with pytest.raises(ValueError, match="digits") as info:
                make(value)
            message = str(info.value)
            assert "\n" not in message
            assert f"'{field.name}' parameter of {cls.__name__}" in message
            assert _range_in(message, field.metadata)
            assert "an integer of about 401 digits" in message


def _range_in(message, meta):
    ranges = re.findall(r"\[([^\],\[]+), ([^\]\[]+)\]", message)
    return bool(ranges) and float(ranges[0][0]) == pytest.approx(meta["min"]) and \
        float(ranges[0][1]) == pytest.approx(meta["max"])


def test_replace_accepts_numpy_sweep_values_and_rejects_huge_integers():
    base = cinlab.scenarios.get("sotillo2010", mad2=True)
    for rate in np.arange(0.0, 0.05, 0.01):
        assert base.replace(**{"cin.missegregation_rate": rate}).cin.missegregation_rate \
            == pytest.approx(float(rate))
    for size in np.arange(1, 4, dtype=np.int64):
        assert base.replace(initial_cells=size).initial_cells == int(size)
    assert base.replace(**{"therapy.start": np.float32(30.0)}).therapy.start == 30.0
    assert base.replace(**{"cin.window": (np.int64(1), np.float32(5))}).cin.window == (1.0, 5.0)
    assert base.replace(**{"escape.bypass_chromosomes": (np.int64(4),)}).escape \
        .bypass_chromosomes == (4,)
    for name in ("growth.birth_rate", "initial_cells", "therapy.start", "cin.window"):
        value = (0, HUGE) if name == "cin.window" else HUGE
        with pytest.raises(ValueError, match=f"'{name.rpartition('.')[2]}' parameter") as info:
            base.replace(**{name: value})
        assert "an integer of about 401 digits" in str(info.value)


@pytest.mark.parametrize(("cls", "field"), [(c, f) for c, f in NUMERIC
                                            if f.metadata["integer"]],
                         ids=[i for (c, f), i in zip(NUMERIC, NUMERIC_IDS, strict=True)
                              if f.metadata["integer"]])
def test_integer_fields_reject_fractions(cls, field):
    meta = field.metadata
    value = meta["min"] + 0.5
    with pytest.raises(ValueError, match="integer") as info:
        cls(**{field.name: value})
    check_message(str(info.value), cls, field.name, meta, value)
    # an integral float is accepted and stored as int
    obj = cls(**{field.name: float(meta["min"] + 1)})
    assert getattr(obj, field.name) == meta["min"] + 1
    assert type(getattr(obj, field.name)) is int


# ---------------------------------------------------------------------------------------
# Choices
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["sometimes", "Always", ""])
def test_cin_window_must_be_a_known_name(window):
    with pytest.raises(ValueError, match="window") as info:
        CIN(window=window)
    msg = str(info.value)
    assert "CIN" in msg
    assert "window" in msg
    assert repr(window) in msg
    for choice in ("always", "never", "until_therapy"):
        assert choice in msg


@pytest.mark.parametrize("window", [(5.0, 2.0), (-1.0, 3.0), (1.0, math.nan),
                                    (1.0, math.inf), (1.0, 2.0, 3.0), (1.0,), [5.0, 1.0],
                                    (True, 3.0), ("1", "2"), 5.0, None, {1.0, 5.0}])
def test_cin_window_pairs_are_checked(window):
    with pytest.raises(ValueError, match="window"):
        CIN(window=window)


def test_cin_window_pair_is_stored_as_floats():
    cin = CIN(window=(1, 5))
    assert cin.window == (1.0, 5.0)
    assert CIN(window=[1, 5]).window == (1.0, 5.0)  # a list pair (as from JSON) too
    assert all(type(x) is float for x in cin.window)
    assert CIN(window=(3.0, 3.0)).window == (3.0, 3.0)
    for name in ("always", "never", "until_therapy"):
        assert CIN(window=name).window == name


@pytest.mark.parametrize("schedule", ["weekly", "Continuous", "", None, 1])
def test_therapy_schedule_must_be_a_known_name(schedule):
    # (None and 1 used to be accepted, and the engine then took its adaptive branch)
    with pytest.raises(ValueError, match="schedule"):
        Therapy(schedule=schedule)


@pytest.mark.parametrize("start", ["later", "Detection", -1.0, 3650.5, math.nan, True, None])
def test_therapy_start_is_detection_or_a_day(start):
    with pytest.raises(ValueError, match="start") as info:
        Therapy(start=start)
    msg = str(info.value)
    assert "Therapy" in msg
    assert "start" in msg
    assert "detection" in msg


def test_therapy_start_day_is_stored_as_float():
    assert Therapy(start=10).start == 10.0
    assert type(Therapy(start=10).start) is float
    assert Therapy(start=0).start == 0.0
    assert Therapy(start="detection").start == "detection"


@pytest.mark.parametrize("bypass", [(0,), (1, 1), ("1",), (True,), (1.0,), 3, (-2,)])
def test_bypass_chromosomes_are_distinct_positive_integers(bypass):
    with pytest.raises(ValueError, match="bypass_chromosomes"):
        Escape(bypass_chromosomes=bypass)


# ---------------------------------------------------------------------------------------
# Cross-field checks
# ---------------------------------------------------------------------------------------


def test_bypass_chromosome_beyond_the_genome_is_rejected():
    with pytest.raises(ValueError, match=r"bypass_chromosomes.*\[1, 5\].*Got 6"):
        Scenario(genome=Genome(n_chromosomes=5), escape=Escape(bypass_chromosomes=(2, 6)))
    Scenario(genome=Genome(n_chromosomes=5), escape=Escape(bypass_chromosomes=(2, 5)))


def test_bypass_gain_must_leave_a_viable_karyotype():
    genome = Genome(ploidy=2, max_copies=3)
    with pytest.raises(ValueError, match=r"bypass_gain.*max_copies - ploidy \(1\).*Got 2"):
        Scenario(genome=genome, escape=Escape(bypass_gain=2))
    Scenario(genome=genome, escape=Escape(bypass_gain=1))
    # without bypass chromosomes the gain does not matter
    Scenario(genome=genome, escape=Escape(bypass_gain=8, bypass_chromosomes=()))


def test_max_copies_below_ploidy_is_rejected():
    with pytest.raises(ValueError, match="max_copies"):
        Genome(ploidy=3, max_copies=2)


def test_detection_size_above_max_cells_is_rejected():
    with pytest.raises(ValueError, match=r"detection_size.*max_cells"):
        Scenario(max_cells=1e6, relapse_size=1e5, therapy=Therapy(detection_size=1e7))
    Scenario(max_cells=1e7, relapse_size=1e5, therapy=Therapy(detection_size=1e7))
    # a fixed start day does not need detection
    Scenario(max_cells=1e6, relapse_size=1e5, therapy=Therapy(start=30, detection_size=1e7))


def test_relapse_size_above_max_cells_is_rejected():
    with pytest.raises(ValueError, match=r"relapse_size.*max_cells"):
        Scenario(max_cells=1e6, relapse_size=1e7, therapy=Therapy(detection_size=1e5))
    Scenario(max_cells=1e6, relapse_size=1e7, therapy=None)


@pytest.mark.parametrize(("pause", "resume"), [(0.5, 0.5), (0.8, 0.4)])
def test_adaptive_pause_must_be_below_resume(pause, resume):
    with pytest.raises(ValueError, match=r"pause_fraction.*resume_fraction"):
        Therapy(schedule="adaptive", pause_fraction=pause, resume_fraction=resume)
    # the fractions only matter for the adaptive schedule
    Therapy(schedule="continuous", pause_fraction=pause, resume_fraction=resume)


@pytest.mark.parametrize("n0", [100, 101])
def test_initial_cells_must_be_below_max_cells(n0):
    with pytest.raises(ValueError, match=r"initial_cells.*max_cells"):
        Scenario(initial_cells=n0, max_cells=100, therapy=None)
    Scenario(initial_cells=99, max_cells=100, therapy=None)


def test_sections_must_have_the_right_type():
    with pytest.raises(ValueError, match="growth"):
        Scenario(growth=Genome())
    with pytest.raises(ValueError, match="therapy"):
        Scenario(therapy={"birth_rate": 0.1})


# ---------------------------------------------------------------------------------------
# replace, get, dict round trip, immutability
# ---------------------------------------------------------------------------------------


def test_replace_with_dotted_names():
    sc = Scenario()
    new = sc.replace(**{"growth.birth_rate": 0.4, "cin.window": (2, 9), "duration": 100,
                        "therapy.schedule": "intermittent"})
    assert new.growth.birth_rate == 0.4
    assert new.cin.window == (2.0, 9.0)
    assert new.duration == 100.0
    assert new.therapy.schedule == "intermittent"
    # untouched values carried over, the original unchanged
    assert new.growth.death_rate == sc.growth.death_rate
    assert new.genome == sc.genome
    assert sc.growth.birth_rate == Growth().birth_rate
    assert sc.cin.window == "always"
    assert sc.duration == 365.0
    assert new.get("growth.birth_rate") == 0.4
    assert new.get("therapy.schedule") == "intermittent"


def test_replace_validates():
    sc = Scenario()
    with pytest.raises(ValueError, match=r"birth_rate.*Growth.*\[0, 5\].*Got 9"):
        sc.replace(**{"growth.birth_rate": 9.0})
    # cross-field checks too: the default detection size is above 1000 cells
    with pytest.raises(ValueError, match="max_cells"):
        sc.replace(max_cells=1000)
    assert sc.max_cells == 1e9


@pytest.mark.parametrize("name", ["growth.nope", "nope.birth_rate", "nope",
                                  "therapy.birth_rate.x"])
def test_replace_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="no parameter"):
        Scenario().replace(**{name: 1.0})


def test_replace_whole_sections():
    sc = Scenario()
    none = sc.replace(therapy=None)
    assert none.therapy is None
    back = none.replace(**{"therapy.birth_rate": 0.3})
    assert back.therapy == Therapy(birth_rate=0.3)
    new = sc.replace(genome=Genome(n_chromosomes=10), escape=Escape(bypass_chromosomes=(1,)))
    assert new.genome.n_chromosomes == 10
    with pytest.raises(ValueError, match="bypass_chromosomes"):
        sc.replace(genome=Genome(n_chromosomes=10))  # bypass chromosome 15 > 10
    with pytest.raises(ValueError, match="no parameter"):
        Scenario().get("growth.nope")


SCENARIOS_FOR_DICTS = [
    Scenario(),
    Scenario(therapy=None, cin=CIN(window=(1.5, 20)), escape=Escape(bypass_chromosomes=())),
    Scenario(therapy=Therapy(start=12.5, schedule="adaptive", pause_fraction=0.2,
                             resume_fraction=0.9, kill_aneuploid=0.4),
             genome=Genome(n_chromosomes=6, ploidy=1, max_copies=4),
             escape=Escape(bypass_chromosomes=(2, 5), bypass_gain=3), initial_cells=17),
]


@pytest.mark.parametrize("sc", SCENARIOS_FOR_DICTS)
def test_dict_round_trip(sc):
    data = sc.to_dict()
    assert Scenario.from_dict(data) == sc
    text = json.dumps(data)
    again = Scenario.from_dict(json.loads(text))
    assert again == sc
    assert again.to_dict() == data
    assert hash(again) == hash(sc)
    for cls in (Growth, Genome, CIN, Fitness, Escape, Therapy):
        obj = getattr(sc, cls.__name__.lower()) if cls is not Therapy else sc.therapy
        if obj is not None:
            assert cls.from_dict(json.loads(json.dumps(obj.to_dict()))) == obj


def test_from_dict_rejects_bad_data():
    data = Scenario().to_dict()
    with pytest.raises(ValueError, match="colour"):
        Scenario.from_dict({**data, "colour": "red"})
    with pytest.raises(ValueError, match="mapping"):
        Scenario.from_dict([1, 2])
    with pytest.raises(ValueError, match="birth_rate"):
        Scenario.from_dict({**data, "growth": {**data["growth"], "birth_rate": -1}})
    with pytest.raises(ValueError, match="has no field"):
        Growth.from_dict({"birth_rate": 0.5, "speed": 2})
    with pytest.raises(ValueError, match="mapping"):
        Growth.from_dict("fast")


@pytest.mark.parametrize("cls", CLASSES)
def test_parameter_objects_are_frozen(cls):
    obj = cls()
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, name, getattr(obj, name))
    with pytest.raises((dataclasses.FrozenInstanceError, AttributeError, TypeError)):
        obj.new_attribute = 1


def test_keyword_only():
    with pytest.raises(TypeError):
        Growth(0.5, 0.2)
    assert cinlab.Growth is Growth
