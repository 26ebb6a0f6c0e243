"""Saved runs and cohorts are refused, with one line naming the field, when tampered with.

Each case edits a valid file in one place, as a curious student or a broken disk might,
and asserts that loading raises a single-line ValueError naming the damaged field (and
nothing else: no IndexError, OverflowError or RecursionError).
"""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cinlab
from cinlab import loading

HUGE = 10**400


def small_treated():
    """A cheap CIN tumour that is detected, treated and relapses (a few ms per run)."""
    return cinlab.scenarios.get("sotillo2010", mad2=True, **{
        "genome": cinlab.Genome(n_chromosomes=6, ploidy=2, max_copies=4),
        "escape": cinlab.Escape(bypass_chromosomes=(2, 5), bypass_gain=1,
                                mutation_rate=1e-4, birth_rate=0.3, death_rate=0.15),
        "therapy.detection_size": 2000.0, "relapse_size": 2000.0, "max_cells": 4000.0,
        "cin.missegregation_rate": 0.005, "duration": 200.0,
    })


@pytest.fixture(scope="module")
def run_data():
    run = cinlab.simulate(small_treated(), seed=3)
    assert [e["kind"] for e in run.events] == ["detection", "therapy_start", "relapse",
                                               "max_cells"]
    assert len(run.lineages["id"]) > 2
    return run.to_dict()


@pytest.fixture(scope="module")
def cohort_data():
    cohort = cinlab.simulate_many(small_treated(), n_runs=8, seed=3)
    assert cohort.relapsed.sum() > 0
    return cohort.to_dict()


def put(path, value):
    """A change that sets ``data[path[0]][path[1]]... = value``."""
    def change(data):
        obj = data
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value
    return change


def _history_without_last_row(data):
    data["lineages"]["history"].pop()


def _history_above_total(data):
    row = data["lineages"]["history"][-1]
    row[0] += data["total"][-1] + 1


def _relapse_before_therapy(data):
    events = {e["kind"]: e for e in data["events"]}
    events["relapse"]["time"] = events["therapy_start"]["time"] - 5


def _count_above_total(data):
    data["clones"]["count"][0] += data["total"][-1]


RUN_CASES = {
    "status running": (put(["status"], "running"), "status"),
    "status a number": (put(["status"], 9), "status"),
    "negative relapse time": (_relapse_before_therapy, "events"),
    "event kind <script>": (put(["events", 0, "kind"], "<script>"), "events[0].kind"),
    "event time NaN": (put(["events", 0, "time"], float("nan")), "events[0].time"),
    "lineage parent out of range": (put(["lineages", "parent", 1], 999), "lineages.parent"),
    "lineage parent below -1": (put(["lineages", "parent", 1], -7), "lineages.parent"),
    "lineage born NaN": (put(["lineages", "born", 1], float("nan")), "lineages.born"),
    "lineage negative copies": (put(["lineages", "karyotype", 1, 0], -1),
                                "lineages.karyotype"),
    "lineage 1e6 copies": (put(["lineages", "karyotype", 1, 0], 10**6), "lineages.karyotype"),
    "clone 1e6 copies": (put(["clones", "karyotype", 0, 2], 10**6), "clones.karyotype"),
    "clone count above total": (_count_above_total, "clones.count"),
    "negative clone count": (put(["clones", "count", 0], -5), "clones.count"),
    "history of the wrong shape": (_history_without_last_row, "lineages.history"),
    "history above total": (_history_above_total, "lineages.history"),
    "ragged karyotype": (put(["clones", "karyotype", 0], [2, 2]), "clones.karyotype"),
    "route 7": (put(["clones", "route", 0], 7), "clones.route"),
    "unknown route": (put(["clones", "route", 0], "magic"), "clones.route"),
    "final total 1e30": (put(["total", -1], 1e30), "total"),
    "final total with 400 digits": (put(["total", -1], HUGE), "total"),
    "negative burden": (put(["total", 0], -1), "total"),
    "escaped above total": (put(["escaped", 0], 10**9), "escaped"),
    "negative seed entropy": (put(["seed", "entropy"], -1), "seed.entropy"),
    "seed entropy with 400 digits": (put(["seed", "entropy"], HUGE), "seed.entropy"),
    "time NaN": (put(["times", 1], float("nan")), "times"),
    "time beyond the duration": (put(["times", -1], 1e9), "times"),
    "unknown method": (put(["method"], "magic"), "method"),
    "version not text": (put(["version"], 3), "version"),
    "missing lineages": (lambda d: d.pop("lineages"), "lineages"),
    "missing times": (lambda d: d.pop("times"), "times"),
    "missing scenario": (lambda d: d.pop("scenario"), "scenario"),
    "short total": (lambda d: d["total"].pop(), "total"),
    "times not increasing": (lambda d: d["times"].__setitem__(1, d["times"][0]), "times"),
    "unknown scenario field": (put(["scenario", "colour"], "red"), "scenario"),
    "clone table field missing": (lambda d: d["clones"].pop("route"), "clones"),
    "count not a number": (put(["total", 0], "many"), "total"),
    "fractional cell count": (put(["total", 1], 2.5), "total"),
    "count a boolean": (put(["total", 1], True), "total"),
    "scenario out of range": (put(["scenario", "growth", "birth_rate"], 50.0), "scenario"),
    "scenario with a 400-digit integer": (put(["scenario", "initial_cells"], HUGE),
                                          "scenario"),
}


def _status_text(data):
    data["arrays"]["status"][0] = "running"


COHORT_CASES = {
    "status 9": (put(["arrays", "status", 0], 9), "arrays.status"),
    "status 300": (put(["arrays", "status", 0], 300), "arrays.status"),
    "status running": (_status_text, "arrays.status"),
    "status still running (code 0)": (put(["arrays", "status", 0], 0), "arrays.status"),
    "escape route -1": (put(["arrays", "escape_route", 0], -1), "arrays.escape_route"),
    "dominant route 7": (put(["arrays", "dominant_route", 0], 7), "arrays.dominant_route"),
    "negative relapse time": (put(["arrays", "relapse_time", 0], -50.0),
                              "arrays.relapse_time"),
    "negative burden": (put(["burden", 0, 0], -3.0), "burden"),
    "negative escaped burden": (put(["escaped_burden", 0, 0], -3.0), "escaped_burden"),
    "escaped burden above burden": (put(["escaped_burden", 0, 0], 1e9), "escaped_burden"),
    "burden of the wrong shape": (lambda d: d["burden"][0].pop(), "burden"),
    "tau_step 0": (put(["engine", "tau_step"], 0), "engine.tau_step"),
    "switch_size a word": (put(["engine", "switch_size"], "big"), "engine.switch_size"),
    "negative seed entropy": (put(["seed", "entropy"], -1), "seed.entropy"),
    "final_total 1e30": (put(["arrays", "final_total", 0], 1e30), "arrays.final_total"),
    "final_total with 400 digits": (put(["arrays", "final_total", 0], HUGE),
                                    "arrays.final_total"),
    "escaped above total": (put(["arrays", "final_escaped", 0], 10**14),
                            "arrays.final_escaped"),
    "short array": (lambda d: d["arrays"]["end_time"].pop(), "arrays.end_time"),
    "chromosome beyond the genome": (put(["arrays", "escape_chromosome", 0], 99),
                                     "arrays.escape_chromosome"),
    "missing array": (lambda d: d["arrays"].pop("relapse_time"), "arrays"),
    "unknown method": (put(["method"], "magic"), "method"),
}


CASES = [("run", name) for name in RUN_CASES] + [("cohort", name) for name in COHORT_CASES]


@pytest.mark.parametrize(("kind", "case"), CASES)
def test_tampered_file_is_refused_naming_the_field(run_data, cohort_data, kind, case):
    change, field = (RUN_CASES if kind == "run" else COHORT_CASES)[case]
    data = json.loads(json.dumps(run_data if kind == "run" else cohort_data))
    change(data)
    load = cinlab.Run.from_json if kind == "run" else cinlab.Cohort.from_json
    with pytest.raises(ValueError, match=f"^The {re.escape(repr(field))} field of a cinlab "
                       f"{kind} file") as info:
        load(json.dumps(data))
    assert "\n" not in str(info.value)


def test_a_file_of_another_format_is_refused(run_data):
    for change in (put(["format"], "cinlab.run/0"), lambda d: d.pop("format")):
        data = json.loads(json.dumps(run_data))
        change(data)
        with pytest.raises(ValueError, match="not a cinlab run: expected format"):
            cinlab.Run.from_json(json.dumps(data))
    with pytest.raises(ValueError, match="not a cinlab cohort: expected format"):
        cinlab.Cohort.from_json(json.dumps(run_data))


@pytest.mark.parametrize("cls", [cinlab.Run, cinlab.Cohort])
def test_deeply_nested_json_is_refused_without_recursion_error(cls):
    deep = "[" * 50_000 + "]" * 50_000
    with pytest.raises(ValueError, match="nests too deeply"):
        cls.from_json(deep)
    inside = '{"format": "x", "scenario": ' + deep + "}"
    with pytest.raises(ValueError, match="nests too deeply"):
        cls.from_json(inside)


def test_text_is_json_when_it_parses_as_json():
    with pytest.raises(ValueError, match="not a cinlab run: the JSON holds a number"):
        cinlab.Run.from_json("7")
    with pytest.raises(ValueError, match="not a cinlab run: the JSON holds null"):
        cinlab.Run.from_json("null")
    with pytest.raises(ValueError, match="not valid JSON"):
        cinlab.Run.from_json("[1, 2")


def test_a_json_array_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="not a cinlab run: the JSON holds an array"):
        cinlab.Run.from_json("[1, 2, 3]")
    with pytest.raises(ValueError, match="not a cinlab cohort: the JSON holds an array"):
        cinlab.Cohort.from_json("  [" + "1," * 10_000 + "1]")


def test_paths_and_pathlib_paths_load(run_data, cohort_data, tmp_path):
    run_path = tmp_path / "run.json"
    run_path.write_text(json.dumps(run_data), encoding="utf-8")
    cohort_path = tmp_path / "cohort.json"
    cohort_path.write_text(json.dumps(cohort_data), encoding="utf-8")
    for source in (run_path, str(run_path)):
        assert cinlab.Run.from_json(source).to_dict() == run_data
    for source in (cohort_path, str(cohort_path)):
        assert json.dumps(cinlab.Cohort.from_json(source).to_dict()) == json.dumps(cohort_data)
    with pytest.raises(FileNotFoundError):
        cinlab.Run.from_json(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="JSON text or a file path. Got int"):
        cinlab.Run.from_json(3)


def test_files_over_the_size_cap_are_refused_unread(monkeypatch, tmp_path):
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_text('{"format": "' + "x" * 2000 + '"}', encoding="utf-8")
    for source in (big, str(big), big.read_text(encoding="utf-8")):
        with pytest.raises(ValueError, match="larger than"):
            cinlab.Run.from_json(source)
    if Path("/dev/zero").exists():
        with pytest.raises(ValueError, match="larger than"):
            cinlab.Cohort.from_json(Path("/dev/zero"))


def test_the_default_size_cap_is_50_megabytes():
    assert loading.MAX_FILE_BYTES == 50 * 2**20


def test_the_untampered_files_load_identically(run_data, cohort_data):
    assert cinlab.Run.from_json(json.dumps(run_data)).to_dict() == run_data
    assert json.dumps(cinlab.Cohort.from_json(json.dumps(cohort_data)).to_dict()) == \
        json.dumps(cohort_data)


# ------------------------------------------------------- random damage (hypothesis)


def _leaves(obj, path=()):
    """Every path to a value inside nested dicts and lists (lists sampled, not all)."""
    yield path
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(obj, list) and obj:
        for i in {0, len(obj) // 2, len(obj) - 1}:
            yield from _leaves(obj[i], (*path, i))


DAMAGE = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30), st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=3), st.just({}),
)


def _damaged(data, path, value):
    data = json.loads(json.dumps(data))
    obj = data
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value
    return data


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_randomly_damaged_files_are_refused_or_load_and_round_trip(run_data, cohort_data,
                                                                   data):
    kind = data.draw(st.sampled_from(["run", "cohort"]))
    original = run_data if kind == "run" else cohort_data
    cls = cinlab.Run if kind == "run" else cinlab.Cohort
    # the whole document is not replaced: a lone string is a file name by design
    path = data.draw(st.sampled_from([p for p in sorted(_leaves(original), key=repr) if p]))
    text = json.dumps(_damaged(original, path, data.draw(DAMAGE)))
    try:
        loaded, message = cls.from_json(text), ""
    except ValueError as exc:  # refused: one line, and nothing else may escape
        loaded, message = None, str(exc)
    if loaded is None:
        assert message
        assert "\n" not in message
        return
    again = cls.from_json(loaded.to_json())
    assert again.to_json() == loaded.to_json()
