"""The lessons: they run and reproduce their checked numbers, follow the lesson rules,
and every generated file (student and instructor versions, index, teacher-guide numbers)
is current; no solution reaches a student lesson.

The notebooks are executed by nbval in a child pytest (``--nbval-lax``: only cells tagged
``nbval-check-output`` are compared with their stored output), with this project's
pytest configuration, hence ``filterwarnings = error``. The check outputs are stored in
the sources and the instructor versions, whose code is the student versions' code;
nbval compares them on the instructor versions. The student versions store no output
(it would show the answer of a Predict step before the prediction): nbval runs them to
show that every cell runs without error. ``tools/lessons.py`` is the
tooling that writes the files checked here; its rules are tested on small notebooks.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cinlab import scenarios

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("lesson_tools", ROOT / "tools" / "lessons.py")
tools = importlib.util.module_from_spec(_spec)
sys.modules["lesson_tools"] = tools  # dataclasses look their module up there
_spec.loader.exec_module(tools)

SOURCES = tools.source_paths()
LESSONS = tools.lesson_paths()
INSTRUCTOR_LESSONS = sorted(tools.INSTRUCTOR.glob("[0-9][0-9]_*.ipynb"))
EXPECTED = [
    "00_welcome.ipynb",
    "01_oncogene_addiction.ipynb",
    "02_resistance_by_chance.ipynb",
    "03_chromosome_instability.ipynb",
    "04_cin_and_relapse.ipynb",
    "05_fighting_relapse.ipynb",
    "06_the_class_is_the_lab.ipynb",
]


def lesson_id(path):
    return path.stem


def test_the_seven_lessons_are_there():
    assert [p.name for p in SOURCES] == EXPECTED
    assert [p.name for p in LESSONS] == EXPECTED
    assert [p.name for p in INSTRUCTOR_LESSONS] == EXPECTED


# ------------------------------------------------------------------- the lessons run


def run_nbval(path):
    """Run one notebook under nbval (``--nbval-lax``) in a child pytest; its result."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "-q", str(path.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", INSTRUCTOR_LESSONS, ids=lesson_id)
def test_lesson_runs_and_reproduces_its_checked_numbers(path):
    # the instructor version stores the check outputs; its code is the student version's
    result = run_nbval(path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_student_lesson_runs_without_error(path):
    # no stored output, no execution count: nbval runs every cell and compares nothing
    result = run_nbval(path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


# --------------------------------------------------------------- stored check outputs


@pytest.mark.parametrize("path", SOURCES + INSTRUCTOR_LESSONS,
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_check_cell_has_a_stored_output(path):
    # nbval passes a check cell saved without output vacuously.
    nb = tools.read(path)
    checks = [c for c in nb.cells if tools.is_check_cell(c)]
    assert len(checks) >= tools.MIN_CHECK_CELLS
    empty = [c.source.splitlines()[0] for c in checks
             if c.execution_count is None or not tools.output_text(c).strip()]
    assert empty == [], "run `python tools/lessons.py execute`"


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_student_lessons_store_no_output(path):
    # a check cell's printed numbers answer the Predict step above it: a student sees
    # them only by running the cell, after locking a prediction
    nb = tools.read(path)
    stored = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code"
              and (c.outputs or c.execution_count is not None)]
    assert stored == [], "run `python tools/lessons.py students`"
    assert tools.stored_outputs(nb) == []


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_students_see_no_test_marker_and_no_code_by_default(path):
    nb = tools.read(path)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert "NBVAL" not in cell.source.upper(), (
            f"{path.name}: a test marker in a student's cell (use a tag; run "
            f"`python tools/lessons.py normalize`):\n{cell.source}")
        if tools.GOING_FURTHER_TAG not in tools.tags(cell):
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
                f"{path.name}: code shown to students:\n{cell.source}")


@pytest.mark.parametrize("path", SOURCES + LESSONS,
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_lessons_are_stored_as_jupyterlab_writes_them(path):
    # JupyterLab marks a notebook modified on opening when its metadata differs from
    # what the kernel reports; only the Python version is left to `cinlab lessons`.
    nb = tools.read(path)
    assert tools.dumps(tools.normalize(nb)) == path.read_text(encoding="utf-8")
    assert nb.metadata.language_info == tools.LANGUAGE_INFO
    assert nb.metadata.kernelspec == tools.KERNELSPEC
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)


@pytest.mark.parametrize("path", SOURCES, ids=lesson_id)
def test_lesson_follows_the_lesson_rules(path):
    assert tools.lesson_problems(path) == []


# ------------------------------------------------------------------- generated files


def test_instructor_versions_are_generated_from_the_lessons():
    expected = tools.instructor_files()
    found = sorted(p.name for p in tools.INSTRUCTOR.glob("*.ipynb"))
    assert found == sorted(p.name for p in expected), "run `python tools/lessons.py instructor`"
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run `python tools/lessons.py instructor`")


def test_student_lessons_are_generated_from_the_sources():
    expected = tools.student_files()
    assert sorted(expected) == LESSONS, "run `python tools/lessons.py students`"
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale or edited by hand: edit lessons/source/{path.name} and "
            "run `python tools/lessons.py students`")


def solution_texts():
    """Every solution of every source lesson: {lesson name: [texts]}."""
    return {path.name: tools.solutions(tools.read(path)) for path in SOURCES}


def test_every_lesson_has_solutions_and_they_are_not_trivial():
    for name, texts in solution_texts().items():
        assert len(texts) >= 3, name
        assert min(len(t) for t in texts) >= 40, name


def test_no_student_lesson_contains_a_solution():
    known = [t for texts in solution_texts().values() for t in texts]
    for path in LESSONS:
        nb = tools.read(path)
        assert tools.leaked_solutions(nb, known) == [], path.name
        text = path.read_text(encoding="utf-8")
        assert "<details" not in text, path.name
        assert "Solution" not in text, path.name
    assert tools.student_problems() == []


def test_instructor_versions_show_every_solution():
    for name, texts in solution_texts().items():
        nb = tools.read(tools.INSTRUCTOR / name)
        markdown = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert "<details>" not in markdown
        assert markdown.count("<details open><summary>Solution</summary>") == len(texts)
        assert tools.solutions(nb) == texts
        missing = [t[:60] for t in texts if t not in markdown]
        assert missing == [], name


def test_lesson_index_is_current():
    assert tools.README.read_text(encoding="utf-8") == tools.index_text(), (
        "lessons/README.md is stale: run `python tools/lessons.py index`")


def test_teacher_guide_numbers_match_what_the_lessons_print():
    guide = tools.GUIDE.read_text(encoding="utf-8")
    assert tools.guide_text(guide) == guide, (
        "the expected observations differ from the lessons' check outputs: run "
        "`python tools/lessons.py guide-numbers --write`")


def test_teacher_guide_covers_every_lesson_and_every_setting():
    guide = tools.GUIDE.read_text(encoding="utf-8")
    for path in LESSONS:
        assert f"## {tools.lesson_number(path)} · " in guide
    for words in ("Binder", "JupyterHub", "Offline", "cinlab lessons", "cinlab lab",
                  "make lab", 'pip install "cinlab[lessons] @ git+$CINLAB_REPO"',
                  "pip wheel"):
        assert words in guide


def test_standards_table_has_a_row_per_lesson_and_says_what_is_unverified():
    guide = tools.GUIDE.read_text(encoding="utf-8")
    table = guide[guide.index("## Curriculum standards"):guide.index("## Running a class")]
    rows = [line for line in table.splitlines() if line.startswith("| [")]
    assert [row.split("](")[1].split(")")[0] for row in rows] == [p.name for p in LESSONS]
    assert all(row.count(" | ") == 3 for row in rows)  # lesson, NGSS, AP, IB
    # a code that could not be checked against a published text says so
    assert "HS-ETS1-4 (a computer simulation of proposed solutions; not verified)" in table
    assert "(not verified)" in table


def _quotes(text: str, value: float) -> bool:
    """Whether ``text`` (a decimal, "−" allowed) is ``value`` to its own last digit."""
    digits = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text.replace("\u2212", "-")) - value) <= 0.5 * 10.0 ** -digits + 1e-12


def test_teacher_guide_quotes_the_robustness_grid():
    # the guide's robustness figures come from docs/robustness_grid.json; a re-run of
    # tools/robustness_grid.py that changes them fails here until the guide follows
    import json

    grid = json.loads((ROOT / "docs" / "robustness_grid.json").read_text(encoding="utf-8"))
    guide = " ".join(tools.GUIDE.read_text(encoding="utf-8").split())
    squares = [sq for pair in grid["pairs"] for sq in pair["squares"]]
    more = sum(sq["difference"] > 2 * sq["difference_se"] for sq in squares)
    less = sum(sq["difference"] < -2 * sq["difference_se"] for sq in squares)
    assert f"with {grid['mice_per_arm']} mice per arm and square (seed {grid['seed']}" in guide
    assert f"TI-KM relapsed more than TI-K in {more} of the {len(squares)} squares" in guide
    assert less == 0
    assert "clearly less in none" in guide
    low = min(squares, key=lambda sq: sq["difference"])
    m = re.search(r"lowest difference was (\S+) ± (\S+?)\)", guide)
    assert m, "the lowest difference is not quoted"
    assert _quotes(m[1], low["difference"])
    assert _quotes(m[2], low["difference_se"])
    pair = next(p for p in grid["pairs"] if (p["x"], p["y"]) == ("bypass_gain", "mad2_days"))
    lesson04 = next(sq for sq in pair["squares"]
                    if sq["x"] == 3 and sq["y"] == "until withdrawal")
    m = re.search(r"At the lesson-04 settings TI-KM relapsed in (\S+) ± (\S+) of mice, "
                  r"TI-K in (\S+) ± (\S+?)\.", guide)
    assert m, "the lesson-04 square is not quoted"
    for text, value in zip(m.groups(), (lesson04["TI-KM"]["fraction"], lesson04["TI-KM"]["se"],
                                        lesson04["TI-K"]["fraction"], lesson04["TI-K"]["se"]),
                           strict=True):
        assert _quotes(text, value), (text, value)


# ------------------------------------------------------- predictions come first


#: Phrases that state the answer of a lesson's prediction (regular expressions, matched
#: case-insensitively in the markdown a student reads, emphasis and HTML removed). None
#: of them may appear in a markdown cell before the prediction cell whose question
#: contains the key; under the key None, nowhere in the lesson (its answer belongs to a
#: later lesson).
ANSWERS_AFTER_PREDICTION = {
    "00_welcome.ipynb": {
        None: [r"far more often", r"more often after", r"cooperat", r"markedly"],
    },
    "01_oncogene_addiction.ipynb": {
        "After the switch-off": [r"straight falling line", r"falls? along a straight line"],
        "how many found a lasting tumour": [r"\bd\s*/\s*b\b", r"probability d\b"],
    },
    "03_chromosome_instability.ipynb": {
        None: [r"did not slow", r"cooperat", r"far more often"],
        "what fraction of its cells will be aneuploid": [r"diverse population",
                                                          r"many different karyotypes"],
        "one-cell tumours die out": [r"kills? (?:a|the) tumour", r"\blethal\b"],
    },
    "04_cin_and_relapse.ipynb": {
        "Which arm will relapse more often": [
            r"far more often", r"more often after", r"cooperat", r"markedly",
            r"enough to raise relapse", r"\bvaried\b", r"highly aneuploid", r"did not slow"],
    },
    "05_fighting_relapse.ipynb": {
        "delay progression in crowded tumours": [
            r"conditions adaptive therapy relies on", r"stops winning",
            r"adaptive dosing (?:wins|can win)", r"\bwin here\b"],
    },
}


def reader_text(markdown):
    """Markdown as a reader sees it: no emphasis marks, no HTML tags, one space apart."""
    text = re.sub(r"<[^>]+>", " ", markdown).replace("*", "").replace("_", "")
    return " ".join(text.split())


def given_away(nb, answers):
    """[(cell index, phrase)] for every answer phrase stated before its prediction."""
    found = []
    for question, phrases in answers.items():
        if question is None:
            end = len(nb.cells)
        else:
            asks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                    and "predict.prediction(" in c.source and question in c.source]
            assert len(asks) == 1, f"no single prediction asks {question!r}"
            end = asks[0]
        for i, cell in enumerate(nb.cells[:end]):
            if cell.cell_type != "markdown":
                continue
            text = reader_text(cell.source)
            found += [(i, p) for p in phrases if re.search(p, text, flags=re.IGNORECASE)]
    return found


@pytest.mark.parametrize("name", sorted(ANSWERS_AFTER_PREDICTION))
def test_no_lesson_states_an_answer_before_its_prediction(name):
    nb = tools.read(tools.LESSONS / name)
    assert given_away(nb, ANSWERS_AFTER_PREDICTION[name]) == [], (
        f"{name}: (markdown cell, answer phrase) before the prediction that asks for it")


#: A markdown cell that asks for a prediction.
PREDICT_STEP = re.compile(r"^## Predict\b|Predict first|\*\*Your predictions?:?\*\*|"
                          r"\bLock (?:your|a)\b", flags=re.MULTILINE)
EXPLORER_CALL = re.compile(r"widgets\.(?:explore_run|explore_cohort|explore_karyotypes|"
                           r"compare_arms)\(")


def unlocked_predict_steps(nb):
    """Predict steps without a lock-in prediction, and predictions whose next code cell
    neither gates an explorer with it nor prints the answer (a check cell)."""
    problems = []
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for i, cell in enumerate(nb.cells):
        later = [k for k in code_cells if k > i]
        if cell.cell_type == "markdown" and PREDICT_STEP.search(cell.source):
            if not later or "predict.prediction(" not in nb.cells[later[0]].source:
                problems.append((i, "a Predict step without a prediction widget"))
        if cell.cell_type != "code" or "predict.prediction(" not in cell.source:
            continue
        name = re.match(r"\s*(\w+)\s*=\s*predict\.prediction\(", cell.source)
        after = nb.cells[later[0]] if later else None
        if after is None:
            problems.append((i, "a prediction with nothing after it"))
        elif EXPLORER_CALL.search(after.source):
            if not (name and f"{name.group(1)}.gate(" in after.source):
                problems.append((i, "the explorer after a prediction is not gated by it"))
        elif not tools.is_check_cell(after):
            problems.append((i, "a prediction followed by neither an explorer nor a check"))
    return problems


@pytest.mark.parametrize("path", SOURCES[1:6], ids=lesson_id)
def test_every_predict_step_locks_before_its_answer_is_shown(path):
    # on the sources: the student versions are the same cells without their check tags
    assert unlocked_predict_steps(tools.read(path)) == [], path.name


# ------------------------------------------------------------ text that was corrected


#: Phrases that were wrong and must not come back (regular expressions, any case).
FORBIDDEN = {
    r"10\.1016/j\.ccr\.2007\.01\.013": "Sotillo 2007's DOI is 10.1016/j.ccr.2006.10.019",
    r"(?<!not )genetically identical": "the mice were not genetically identical",
    r"anti-CIN drug": "it is an anti-aneuploidy drug: CIN is already off",
    r"\bCIN tumou?rs? (?:\w+ )?grows? more slowly": "CIN tumours form about as fast",
    r"burden plot": "no explorer draws a burden plot",
    r"Number of runs": "no explorer has a 'Number of runs' control",
}


def forbidden_phrases(text):
    text = " ".join(text.split())
    return [pattern for pattern in FORBIDDEN if re.search(pattern, text, flags=re.IGNORECASE)]


def test_text_that_was_corrected_does_not_come_back():
    files = [*LESSONS, *SOURCES, *sorted(tools.INSTRUCTOR.glob("*.ipynb")), tools.GUIDE,
             ROOT / "docs" / "model.md"]
    found = {}
    for path in files:
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in tools.read(path).cells)
        else:
            text = path.read_text(encoding="utf-8")
        if bad := forbidden_phrases(text):
            found[str(path.relative_to(ROOT))] = [FORBIDDEN[p] for p in bad]
    assert found == {}
    # the patterns catch the old sentences and spare the corrected one
    old = ["doi:10.1016/j.ccr.2007.01.013", "The mice were genetically identical",
           "The anti-CIN\ndrug in cinlab", "Aneuploidy costs fitness, so CIN tumours grow "
           "more slowly", "Use the burden plot of the explorer", 'the "Number of runs" slider']
    assert [len(forbidden_phrases(sentence)) for sentence in old] == [1] * len(old)
    assert forbidden_phrases("they were not genetically\nidentical, but close") == []


# -------------------------------------------- the model description quotes the lessons


def test_model_description_quotes_lesson_05():
    """docs/model.md quotes lesson 05's printed trial and the crowded preset's room."""
    doc = " ".join((ROOT / "docs" / "model.md").read_text(encoding="utf-8").split())
    nb = tools.read(tools.INSTRUCTOR / "05_fighting_relapse.ipynb")
    printed = [tools.output_text(c) for c in nb.cells if tools.is_check_cell(c)]
    trial = next(t for t in printed if t.startswith("the explorer's first run"))
    rows = {name: (progressed, eradicated) for name, progressed, eradicated in re.findall(
        r"^([\w -]+?)\s*: progressed\s+(\d+%), eradicated\s+(\d+%)", trial, re.MULTILINE)}
    patients = re.search(r"seed 2010, (\d+) patients per arm", trial).group(1)
    progressed, eradicated = rows["standard"]
    assert (f"({eradicated} eradicated, {progressed} progressed, {patients} patients per arm "
            f"in lesson 05)") in doc
    assert f"{rows['adaptive'][0]} of adaptive patients progress" in doc
    room = scenarios.get("crowded").growth.carrying_capacity
    others = {n: scenarios.get(n).growth.carrying_capacity for n in scenarios.names()}
    assert others.pop("crowded") == room
    assert set(others.values()) == {1e12}
    written = f"{room:.1e}".replace("e+0", "e")  # 3.3e5
    assert (f"it is off (K = 1e12) in every preset except `crowded`, which has room for "
            f"{written} cells") in doc


# ------------------------------------------------------------------ the tooling itself


def code(source, outputs=(), count=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output(**o) for o in outputs]
    cell.execution_count = count
    return cell


def tagged(cell, *names):
    cell.metadata["tags"] = list(names)
    return cell


def stdout(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_clean_keeps_only_check_cell_text_and_drops_widget_state():
    nb = nbformat.v4.new_notebook(cells=[
        tagged(code("print(1)", [stdout("1\n")], 7), "nbval-check-output"),
        code("widgets.setup()", [{"output_type": "display_data",
                                  "data": {"text/html": "<script>big</script>"}}], 8),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    cleaned = tools.clean(nb)
    assert tools.output_text(cleaned.cells[0]) == "1\n"
    assert cleaned.cells[0].execution_count == 1
    assert cleaned.cells[1].outputs == []
    assert cleaned.cells[1].execution_count is None
    assert "widgets" not in cleaned.metadata


def test_clean_refuses_a_check_cell_that_writes_to_stderr():
    nb = nbformat.v4.new_notebook(cells=[
        tagged(code("warn()", [{"output_type": "stream", "name": "stderr",
                                 "text": "Warning"}], 1), "nbval-check-output"),
    ])
    with pytest.raises(ValueError, match="check cells may only print"):
        tools.clean(nb)


def test_student_version_removes_every_solution_and_every_output():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(
            "**1. Q?** Think.\n\n<details><summary>Solution</summary>\n\n42 is the answer."
            "\n</details>\n\n**2. R?**\n\n<details> <summary>Answers</summary>7</details>"
            "\n\n<details><summary>More reading</summary>a link</details>"),
        nbformat.v4.new_markdown_cell("  no solution here\n"),
        code("print('<details><summary>Solution</summary>')"),
        tagged(code("print(42)", [stdout("42\n")], 1), "nbval-check-output")])
    out = tools.student_version(nb)
    assert out.cells[3].outputs == []
    assert out.cells[3].execution_count is None
    assert not tools.is_check_cell(out.cells[3])  # nothing stored to compare
    assert tools.is_check_cell(nb.cells[3])  # the input is not modified
    assert tools.stored_outputs(out) == []
    assert tools.stored_outputs(nb) == ["print(42)"]
    assert out.cells[0].source == ("**1. Q?** Think.\n\n**2. R?**\n\n"
                                   "<details><summary>More reading</summary>a link</details>")
    assert out.cells[1].source == "  no solution here\n"
    assert tools.solutions(nb) == ["42 is the answer.", "7"]
    assert tools.solutions(out) == []
    assert tools.leaked_solutions(out, tools.solutions(nb)) == [
        "<summary>Solution"]  # from the code cell, which is not rewritten
    assert tools.leaked_solutions(nb, ["42 is the answer."]) == [
        "<summary>Solution", "<summary>Answers", "42 is the answer....",
        "<summary>Solution"]
    assert "42" in nb.cells[0].source  # the input is not modified
    assert tools.output_text(nb.cells[3]) == "42\n"


def test_a_hand_written_student_lesson_is_never_overwritten(tmp_path, monkeypatch):
    # e.g. a lesson edited on a branch from before the sources moved to lessons/source/
    (tmp_path / "source").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "**1. Q?**\n\n<details><summary>Solution</summary>\n\nA long answer.\n</details>")])
    for path in (tmp_path / "source" / "09_x.ipynb", tmp_path / "09_x.ipynb"):
        path.write_text(tools.dumps(nb), encoding="utf-8")
    monkeypatch.setattr(tools, "ROOT", tmp_path.parent)
    monkeypatch.setattr(tools, "LESSONS", tmp_path)
    monkeypatch.setattr(tools, "SOURCE", tmp_path / "source")
    monkeypatch.setattr(tools, "INSTRUCTOR", tmp_path / "instructor")
    with pytest.raises(SystemExit, match="09_x.ipynb holds solutions"):
        tools.main(["students"])
    assert "A long answer" in (tmp_path / "09_x.ipynb").read_text(encoding="utf-8")
    (tmp_path / "09_x.ipynb").unlink()
    assert tools.main(["students"]) == 0
    assert tools.solutions(tools.read(tmp_path / "09_x.ipynb")) == []
    assert tools.student_problems() == []


def test_instructor_version_opens_the_solutions_and_says_it_is_generated():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<details><summary>Solution</summary>42</details>")])
    out = tools.instructor_version(nb, "09_x.ipynb")
    assert out.cells[1].source.startswith("<details open>")
    assert "generated" in out.cells[0].source
    assert nb.cells[0].source.startswith("<details>")


def test_rules_catch_logic_long_cells_and_missing_outputs(tmp_path):
    long_cell = "\n".join(f"x{i} = {i}" for i in range(tools.MAX_CODE_LINES + 1))
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 09 · Test\n\n**Question:** Q?\n\n"
                                      "**Time:** 5 minutes · **Level:** any"),
        tagged(code("print(1)"), "nbval-check-output"),
        code("# NBVAL_IGNORE_OUTPUT\nprint(3)"),
        code("for i in range(3):\n    print(i)"),
        code(long_cell),
        code("print(2)", [stdout("2\n")], 3),
        tagged(code("print(explorer.result)", [stdout("x\n")], 4), "nbval-check-output"),
        tagged(code("print(explorer.first_result)", [stdout("x\n")], 5),
               "nbval-check-output"),
    ])
    path = tmp_path / "09_test.ipynb"
    path.write_text(tools.dumps(nb), encoding="utf-8")
    problems = "\n".join(tools.lesson_problems(path))
    assert "check cell without stored output" in problems
    assert "For in a code cell" in problems
    assert f"{tools.MAX_CODE_LINES + 1} statements" in problems
    assert "output stored in a cell that is not checked" in problems
    assert "no '## Learning objectives' section" in problems
    assert "no self-check quiz" in problems
    assert "test marker ['NBVAL_IGNORE_OUTPUT'] in the source a student sees" in problems
    assert "code shown to students" in problems
    assert "not in its stored form" in problems
    stale = [p for p in problems.splitlines() if "prints an explorer's .result" in p]
    assert stale == ["09_test.ipynb: a check cell prints an explorer's .result, which goes "
                     "stale in the app when a control moves; print .first_result (the "
                     "starting settings) and say so: 'print(explorer.result)'."]


def test_notebook_only_instructions_must_be_marked(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Press Shift + Enter. Then run the cell below."),
        nbformat.v4.new_markdown_cell(
            'Move the slider. <span class="cinlab-notebook-only">Press Shift+Enter.</span>'),
        nbformat.v4.new_markdown_cell("Run the cells in order.",
                                      metadata={"tags": ["notebook-only"]}),
    ])
    path = tmp_path / "09_test.ipynb"
    path.write_text(tools.dumps(nb), encoding="utf-8")
    found = [p for p in tools.lesson_problems(path) if "notebook-only instruction" in p]
    assert len(found) == 2
    assert "'Shift + Enter'" in found[0]
    assert "'run the cell'" in found[1]


def test_a_quiz_spanning_many_lines_counts_as_one_statement():
    source = 'widgets.quiz(\n    "Q?",\n    options=[\n        ("a", True, "b"),\n    ],\n)'
    assert tools.statements(source) == 1
    assert tools.forbidden("[x for x in range(3)]") == []
    assert tools.forbidden("f = lambda x: x") == ["Lambda"]


def test_normalize_moves_markers_to_tags_collapses_code_and_is_idempotent():
    nb = nbformat.v4.new_notebook(cells=[
        code("# NBVAL_CHECK_OUTPUT\n\nprint(1)"),
        code("x = 1  # NBVAL_SKIP is not a marker here\n#NBVAL_IGNORE_OUTPUT\ny = 2"),
        tagged(code("# NBVAL_RAISES_EXCEPTION\n1 / 0"), "going-further"),
        nbformat.v4.new_markdown_cell("# NBVAL_CHECK_OUTPUT in text stays"),
    ])
    once = tools.normalize(nb)
    first, second, third, text = once.cells
    assert first.source == "print(1)"
    assert tools.tags(first) == ["nbval-check-output"]
    assert tools.is_check_cell(first)
    assert second.source == "x = 1  # NBVAL_SKIP is not a marker here\ny = 2"
    assert tools.tags(second) == ["nbval-ignore-output"]
    assert tools.tags(third) == ["going-further", "nbval-raises-exception"]
    assert first.metadata.jupyter.source_hidden
    assert second.metadata.jupyter.source_hidden
    assert "jupyter" not in third.metadata  # going further: code shown
    assert text.source.startswith("# NBVAL_CHECK_OUTPUT")
    assert once.metadata.language_info == tools.LANGUAGE_INFO
    assert tools.dumps(tools.normalize(once)) == tools.dumps(once)
    assert not tools.is_check_cell(nb.cells[0])  # the input is not modified


def test_instructor_version_shows_the_code():
    nb = tools.normalize(nbformat.v4.new_notebook(cells=[
        code("# NBVAL_CHECK_OUTPUT\n1"),
        nbformat.v4.new_markdown_cell("[next](10_y.ipynb), [index](README.md), "
                                      "[web](https://x.org/a.md), [up](../z.md)")]))
    out = tools.instructor_version(nb, "09_x.ipynb")
    assert out.cells[2].source == ("[next](10_y.ipynb), [index](../README.md), "
                                   "[web](https://x.org/a.md), [up](../z.md)")
    assert "jupyter" not in out.cells[1].metadata
    assert tools.is_check_cell(out.cells[1])


def test_nbval_reads_the_tags_normalize_writes():
    from nbval.plugin import find_metadata_tags

    for tag in tools.NBVAL_MARKERS.values():
        assert dict(find_metadata_tags({"tags": [tag]})), tag
    assert dict(find_metadata_tags({"tags": [tools.CHECK_TAG]})) == {"check": True}
