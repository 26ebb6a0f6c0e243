"""Lesson tooling: execute the lessons, build student and instructor versions, the index.

The source notebooks ``lessons/source/NN_topic.ipynb`` are the only hand-written lesson
files; they hold the exercises' solutions, each in a ``<details>`` block whose summary is
``Solution`` (or ``Answer``). Links in a source are written as seen from ``lessons/``,
where the student version lives. Everything else is generated from the sources by this
script and checked by ``tests/test_lessons.py``:

- ``lessons/NN_topic.ipynb``, the student version: the source without its solution
  blocks and without any stored output. No solution text and no printed answer reach a
  student's file (``cinlab lessons`` copies these): a student sees a result only by
  running its cell, after the prediction that asks for it;
- ``lessons/instructor/NN_topic.ipynb``: the source with the solutions open and the
  check cells' outputs stored (nbval compares them there);
- ``lessons/README.md`` and the teacher guide's expected observations.

``lessons/source/`` is not shipped in the wheel nor copied by ``cinlab lessons``: the
instructor versions carry everything a teacher needs.

``normalize [NOTEBOOK ...]``
    Bring the source lessons to their stored form (idempotent), then rewrite their
    student and instructor versions: nbval comment markers
    (``# NBVAL_CHECK_OUTPUT`` and the others) become cell tags (``nbval-check-output``,
    ...), every code cell is collapsed (``jupyter.source_hidden``) unless tagged
    ``going-further``, and the notebook metadata is what JupyterLab writes on opening
    (kernel spec, full language info), so a lesson does not show as modified when opened.
``execute [--time] [NOTEBOOK ...]``
    Re-run the source lessons headless (nbclient, a kernel on this interpreter, working
    directory ``lessons/``) and store only the outputs of check cells (tag
    ``nbval-check-output``); every other output, the execution counts of other cells and
    the widget state are removed, so files stay small and carry no inline BokehJS. Their
    student and instructor versions are rewritten, so that the check-cell outputs are the
    same in the source and the instructor version (the student version stores none).
    ``--time`` prints seconds and kernel peak memory per lesson
    and exits 1 if they exceed the budget (120 s together, 400 MB per kernel).
``students``
    Write the student lessons ``lessons/NN_topic.ipynb``: the sources without their
    solution blocks and without outputs or execution counts.
``instructor``
    Write ``lessons/instructor/NN_topic.ipynb``: the sources with every ``<details>``
    block (the solutions) open and the code shown.
``index``
    Write ``lessons/README.md`` from the first cells (title, question, time, level,
    learning objectives) of each lesson.
``guide-numbers [--write]``
    Print the stored check-cell outputs of every source lesson as the "expected observations"
    blocks of the teacher guide; ``--write`` puts them into ``lessons/teacher_guide.md``
    between its ``<!-- BEGIN guide-numbers NN -->`` / ``<!-- END ... -->`` markers.
``check``
    Report every stale generated file and every broken lesson rule; exit 1 if any.
``all``
    ``normalize``, ``execute``, then ``students``, ``instructor``, ``index`` and
    ``guide-numbers --write``.

Cell tags the lessons use: ``nbval-check-output`` (nbval compares the output stored in the
instructor version; the teacher guide quotes it), ``nbval-ignore-output``, ``nbval-skip``,
``nbval-raises-exception`` (nbval 0.11 reads these tags), ``going-further`` (optional code
for students who want it: shown, not collapsed) and ``notebook-only`` (text or code that
only makes sense in JupyterLab, such as "press Shift + Enter": left out of the Voila app
and the static export). Inline notebook-only text is wrapped in
``<span class="cinlab-notebook-only">...</span>``.

Run it with the project's interpreter, e.g. ``.venv/bin/python tools/lessons.py all``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import re
import sys
import time
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
INSTRUCTOR = LESSONS / "instructor"
SOURCE = LESSONS / "source"
README = LESSONS / "README.md"
GUIDE = LESSONS / "teacher_guide.md"

#: nbval's source-comment markers and the cell tags nbval 0.11 reads in their place.
NBVAL_MARKERS = {
    "NBVAL_CHECK_OUTPUT": "nbval-check-output",
    "NBVAL_IGNORE_OUTPUT": "nbval-ignore-output",
    "NBVAL_SKIP": "nbval-skip",
    "NBVAL_RAISES_EXCEPTION": "nbval-raises-exception",
}
#: The tag of a cell whose stored output nbval compares and the teacher guide quotes.
CHECK_TAG = NBVAL_MARKERS["NBVAL_CHECK_OUTPUT"]
#: A code cell a student may read and edit (optional): its code is not collapsed.
GOING_FURTHER_TAG = "going-further"
#: A cell that only makes sense in a notebook: Voila and the static export leave it out.
NOTEBOOK_ONLY_TAG = "notebook-only"
#: Instructions that only make sense in a running notebook: outside notebook-only
#: markup they would show in the Voila app and the static export.
NOTEBOOK_ONLY_TEXT = re.compile(
    r"Shift\s*\+\s*Enter|\b[Rr]un (?:the|this|these|all|each) (?:code )?cells?\b"
    r"|needs a little code|\badd a (?:new )?code cell\b")
_NOTEBOOK_ONLY_SPAN = re.compile(
    r'<(span|div) class="cinlab-notebook-only">.*?</\1>', re.DOTALL)
_MARKER_LINE = re.compile(r"^[ \t]*#+[ \t]*(" + "|".join(NBVAL_MARKERS) + r")[ \t]*$")
#: A solution: a ``<details>`` block (open or not) whose summary is Solution(s) or
#: Answer(s); the
#: student versions leave these out, the instructor versions show them open.
SOLUTION_BLOCK = re.compile(
    r"[ \t]*<details(?:\s+open)?>\s*<summary>\s*(?:Solution|Answer)s?\b[^<]*</summary>"
    r"(.*?)</details>[ \t]*\n?",
    re.DOTALL | re.IGNORECASE)
#: What marks a solution in text a student might see (the summary of a solution block).
SOLUTION_SUMMARY = re.compile(r"<summary>\s*(?:Solution|Answer)s?\b", re.IGNORECASE)
#: Notebook metadata as JupyterLab writes it once a Python kernel is connected. Stored in
#: full so that opening a lesson changes nothing (JupyterLab marks a notebook modified
#: when the kernel's language info differs from the stored one).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python",
              "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
#: An explorer's current result read in a printing cell: in the app (Voila) the printed
#: numbers would not follow the explorer after a control moves, and nobody can re-run
#: the cell. Print ``.first_result`` (the starting settings) and say so in the text.
LIVE_RESULT = re.compile(r"\.result\b")
#: Rules every lesson obeys (tests/test_lessons.py checks them).
MIN_CHECK_CELLS = 3
#: Statements per code cell; a quiz, one statement, may span more physical lines.
MAX_CODE_LINES = 10
MAX_PHYSICAL_LINES = 20
MAX_FILE_BYTES = 100_000
#: Budget for executing all lessons headless (2 cores): seconds together, MB per kernel.
TIME_BUDGET_S = 120.0
MEMORY_BUDGET_MB = 400.0
#: Section headings of the lesson template (design/lessons.md), in order.
TEMPLATE_HEADINGS = (
    "Learning objectives",
    "Background",
    "How to use the controls",
    "Predict",
    "Exercises",
    "Self-check quiz",
    "Discussion",
    "Summary",
    "Glossary",
    "References",
)
#: Statements that mean logic was written in a notebook instead of in cinlab.
FORBIDDEN_STATEMENTS = (ast.For, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                        ast.ClassDef, ast.Lambda)

_INSTRUCTOR_BANNER_ID = "instructor-banner"
_PEAK_MEMORY_PROBE = (
    "import sys\n"
    "try:\n"
    "    import resource\n"
    "    _peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print(_peak / (1 << 20 if sys.platform == 'darwin' else 1 << 10))\n"
    "except ImportError:\n"
    "    print('nan')\n"
)


# --------------------------------------------------------------------------- notebooks


def source_paths() -> list[Path]:
    """The hand-written source lessons (``lessons/source/``), in lesson order."""
    return sorted(SOURCE.glob("[0-9][0-9]_*.ipynb"))


def lesson_paths() -> list[Path]:
    """The student lessons (``lessons/NN_topic.ipynb``, generated), in lesson order."""
    return sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook (nbformat 4)."""
    return nbformat.read(path, as_version=4)


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialise a notebook exactly as the files in the repository are written."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The tags of a cell (empty list if it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell is a check cell (tag ``nbval-check-output``)."""
    return cell.cell_type == "code" and CHECK_TAG in tags(cell)


def visible_markers(source: str) -> list[str]:
    """The nbval marker comments in a cell's source (test machinery a student would see)."""
    return [m.group(1) for line in source.splitlines() if (m := _MARKER_LINE.match(line))]


def normalize_cell(cell: nbformat.NotebookNode, hide_code: bool = True) -> None:
    """Move nbval markers from the source to tags and collapse the code, in place."""
    if cell.cell_type != "code":
        return
    lines = cell.source.splitlines()
    found = [m.group(1) for line in lines if (m := _MARKER_LINE.match(line))]
    if found:
        kept = [line for line in lines if not _MARKER_LINE.match(line)]
        while kept and not kept[0].strip():
            kept.pop(0)
        cell.source = "\n".join(kept)
        cell.metadata["tags"] = tags(cell) + [NBVAL_MARKERS[m] for m in found
                                              if NBVAL_MARKERS[m] not in tags(cell)]
    if not cell.metadata.get("tags"):
        cell.metadata.pop("tags", None)
    jupyter = dict(cell.metadata.get("jupyter", {}))
    if hide_code and GOING_FURTHER_TAG not in tags(cell):
        jupyter["source_hidden"] = True
    else:
        jupyter.pop("source_hidden", None)
    if jupyter:
        cell.metadata["jupyter"] = jupyter
    else:
        cell.metadata.pop("jupyter", None)


def normalize(nb: nbformat.NotebookNode, hide_code: bool = True) -> nbformat.NotebookNode:
    """A lesson in its stored form; ``normalize(normalize(nb)) == normalize(nb)``.

    nbval markers become tags, code cells are collapsed (``hide_code``; a
    ``going-further`` cell stays open), and the notebook metadata is what JupyterLab
    would write on opening it, so that a lesson is not marked modified by opening it.
    """
    nb = copy.deepcopy(nb)
    nb.nbformat, nb.nbformat_minor = 4, 5
    for cell in nb.cells:
        normalize_cell(cell, hide_code=hide_code)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
    return nb


def code_lines(source: str) -> list[str]:
    """Lines of a code cell that count as code: not blank, not only a comment."""
    return [line for line in source.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def statements(source: str) -> int:
    """Number of logical lines of code (statements) in a code cell."""
    tokens = tokenize.generate_tokens(io.StringIO(source + "\n").readline)
    return sum(1 for tok in tokens if tok.type == tokenize.NEWLINE)


def forbidden(source: str) -> list[str]:
    """Loops, definitions and lambdas in a code cell: logic that belongs in cinlab."""
    return sorted({type(node).__name__ for node in ast.walk(ast.parse(source))
                   if isinstance(node, FORBIDDEN_STATEMENTS)})


def output_text(cell: nbformat.NotebookNode) -> str:
    """The text a code cell printed (stdout streams and plain-text results)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == "stdout":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.get("data", {}).get("text/plain", "") + "\n")
    return "".join(parts)


def lesson_number(path: Path) -> str:
    """The two-digit lesson number of a lesson file name."""
    return path.name[:2]


# --------------------------------------------------------------------------- execute


@dataclass(frozen=True)
class Execution:
    """What executing one lesson cost."""

    path: Path
    seconds: float
    peak_mb: float


def _kernel_manager_class() -> type:
    """A kernel manager class whose kernels run on this interpreter (nothing registered)."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class _ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES,
                              **ipykernel.kernelspec.get_kernel_dict())

    class _Manager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return _ThisInterpreter()

    return _Manager


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only check-cell text outputs; drop every other output and run-time metadata.

    Check cells are numbered 1, 2, ... so that re-executing changes no line of the file
    unless a checked number changed.

    Raises
    ------
    ValueError
        If a check cell wrote to stderr or raised: its output would not be reproducible.
    """
    nb = copy.deepcopy(nb)
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("scrolled", None)
        if not is_check_cell(cell):
            cell.outputs, cell.execution_count = [], None
            continue
        count += 1
        cell.execution_count = count
        kept = []
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stdout":
                kept.append(nbformat.v4.new_output("stream", name="stdout", text=out.text))
            elif out.output_type == "execute_result":
                kept.append(nbformat.v4.new_output(
                    "execute_result", data={"text/plain": out.data.get("text/plain", "")},
                    execution_count=count))
            else:
                raise ValueError(f"a check cell produced {out.output_type} output "
                                 f"({out.get('name', '')}); check cells may only print:\n"
                                 f"{cell.source}")
        cell.outputs = kept
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)
    return nb


def execute(path: Path, timeout: int = 600) -> tuple[nbformat.NotebookNode, Execution]:
    """Run a lesson top to bottom in a fresh kernel; return it cleaned, with its cost.

    Parameters
    ----------
    path : Path
        The source lesson notebook; it runs in ``lessons/``, where its student version
        lives, so relative paths mean the same in every version.
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    notebook : NotebookNode
        The lesson with only its check-cell outputs stored (see :func:`clean`).
    execution : Execution
        Wall-clock seconds and the kernel's peak resident memory (MB).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises.
    """
    from nbclient import NotebookClient

    from cinlab.export import kernel_transport_config

    nb = read(path)
    work = copy.deepcopy(nb)
    work.cells.append(nbformat.v4.new_code_cell(_PEAK_MEMORY_PROBE))
    client = NotebookClient(work, kernel_manager_class=_kernel_manager_class(),
                            kernel_name="python3", timeout=timeout,
                            record_timing=False,
                            resources={"metadata": {"path": str(LESSONS)}},
                            config=kernel_transport_config())
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    probe = work.cells.pop()
    peak_mb = float(output_text(probe).strip() or "nan")
    return clean(work), Execution(path, seconds, peak_mb)


def normalize_all(paths: Sequence[Path]) -> list[Path]:
    """Rewrite each of ``paths`` in its stored form (:func:`normalize`); the changed ones."""
    changed = []
    for path in paths:
        text = dumps(normalize(read(path)))
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
            print(f"normalized {path.name}", flush=True)
    write_versions(paths)
    return changed


def execute_all(paths: Sequence[Path], show_time: bool) -> list[str]:
    """Execute and rewrite ``paths``; print what each cost when ``show_time``.

    Returns
    -------
    list of str
        With ``show_time``: every way the run exceeded :data:`TIME_BUDGET_S` (all
        lessons together) or :data:`MEMORY_BUDGET_MB` (any kernel); empty otherwise.
    """
    costs = []
    for path in paths:
        nb, cost = execute(path)
        path.write_text(dumps(nb), encoding="utf-8")
        write_versions([path])
        costs.append(cost)
        if show_time:
            print(f"{path.name:<32} {cost.seconds:6.1f} s  {cost.peak_mb:6.0f} MB peak",
                  flush=True)
    if not (show_time and costs):
        return []
    total = sum(c.seconds for c in costs)
    peak = max(c.peak_mb for c in costs)
    print(f"{'total':<32} {total:6.1f} s  {peak:6.0f} MB largest peak")
    over = [f"{c.path.name}: kernel peak {c.peak_mb:.0f} MB > {MEMORY_BUDGET_MB:.0f} MB"
            for c in costs if c.peak_mb > MEMORY_BUDGET_MB]
    if total > TIME_BUDGET_S:
        over.append(f"all lessons: {total:.0f} s > {TIME_BUDGET_S:.0f} s")
    print("\n".join(f"over budget: {o}" for o in over) or
          f"within budget ({TIME_BUDGET_S:.0f} s together, {MEMORY_BUDGET_MB:.0f} MB per kernel)")
    return over


# ------------------------------------------------------------------------- instructor


_LOCAL_LINK = re.compile(r"\]\((?![a-z]+:|#|\.\./|/)([^)\s]+)\)")


def _from_instructor_folder(match: re.Match) -> str:
    """A lesson's link as seen from ``instructor/``.

    Other lessons have instructor versions there; any other file is one folder up.
    """
    target = match.group(1)
    if re.fullmatch(r"[0-9][0-9]_\w+\.ipynb(#.*)?", target):
        return match.group(0)
    return f"](../{target})"


def instructor_version(nb: nbformat.NotebookNode, source_name: str) -> nbformat.NotebookNode:
    """The instructor version of a lesson: solutions open, code shown, a banner on top."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = re.sub(r"<details>", "<details open>", cell.source)
            cell.source = _LOCAL_LINK.sub(_from_instructor_folder, cell.source)
        normalize_cell(cell, hide_code=False)
    banner = nbformat.v4.new_markdown_cell(
        "**Instructor version: solutions are shown.** This file is generated from "
        f"`lessons/source/{source_name}` by `python tools/lessons.py instructor`; "
        "edit that source, never this copy. Students' copies hold no solutions.",
        id=_INSTRUCTOR_BANNER_ID,
    )
    nb.cells.insert(0, banner)
    return nb


def instructor_files(sources: Iterable[Path] | None = None) -> dict[Path, str]:
    """Instructor notebook path -> its expected text (of every source by default)."""
    return {INSTRUCTOR / p.name: dumps(instructor_version(read(p), p.name))
            for p in (source_paths() if sources is None else sources)}


# ---------------------------------------------------------------------------- student


def solutions(nb: nbformat.NotebookNode) -> list[str]:
    """The text of every solution block in a notebook's markdown cells, stripped."""
    return [m.group(1).strip() for cell in nb.cells if cell.cell_type == "markdown"
            for m in SOLUTION_BLOCK.finditer(cell.source)]


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a source lesson: every solution block and output removed.

    A removed block takes its own line(s) with it; the text around it is unchanged. Code
    cells keep no output and no execution count: a check cell's printed numbers are the
    answer to a Predict step above it, so a student sees them only by running the cell.
    With nothing stored to compare, a check cell also loses its ``nbval-check-output``
    tag: nbval compares the checked numbers in the instructor version, and in the
    student version only runs every cell.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if CHECK_TAG in tags(cell):
                rest = [t for t in tags(cell) if t != CHECK_TAG]
                if rest:
                    cell.metadata["tags"] = rest
                else:
                    del cell.metadata["tags"]
        if cell.cell_type == "markdown" and SOLUTION_BLOCK.search(cell.source):
            source = SOLUTION_BLOCK.sub("", cell.source)
            cell.source = re.sub(r"\n{3,}", "\n\n", source).strip("\n")
    return nb


def student_files(sources: Iterable[Path] | None = None) -> dict[Path, str]:
    """Student notebook path -> its expected text (of every source by default)."""
    return {LESSONS / p.name: dumps(student_version(read(p)))
            for p in (source_paths() if sources is None else sources)}


def leaked_solutions(nb: nbformat.NotebookNode, known: Sequence[str] = ()) -> list[str]:
    """Solution text in a notebook meant for students (empty when there is none).

    Finds solution blocks (a summary reading Solution or Answer) and any of the ``known``
    solution texts (see :func:`solutions`), in any cell's source or output.
    """
    found = []
    for cell in nb.cells:
        text = cell.source + (output_text(cell) if cell.cell_type == "code" else "")
        found += [m.group(0) for m in SOLUTION_SUMMARY.finditer(text)]
        found += [k[:60] + "..." for k in known if k and k in text]
    return found


def hand_written_students(names: Iterable[str] | None = None) -> list[Path]:
    """Student lessons that hold solution blocks: hand-written, not generated.

    Such a file (for example one merged from before the sources moved to
    ``lessons/source/``) must not be overwritten: its edits belong in the source.
    """
    paths = lesson_paths() if names is None else [LESSONS / n for n in names]
    return [p for p in paths if p.exists() and solutions(read(p))]


def refuse_overwriting_hand_written(names: Iterable[str] | None = None) -> None:
    """Stop before a generated student lesson would replace a hand-written one.

    Raises
    ------
    SystemExit
        Naming each such file and how to keep its edits.
    """
    found = hand_written_students(names)
    if found:
        raise SystemExit("\n".join(
            f"{p.relative_to(ROOT)} holds solutions, so it was written by hand (the "
            f"student lessons are generated): move its edits into "
            f"lessons/source/{p.name} (e.g. `git mv -f {p.relative_to(ROOT)} "
            f"lessons/source/`), then run this again." for p in found))


def write_versions(sources: Iterable[Path] | None = None) -> None:
    """Write the student and instructor versions of ``sources`` (all by default)."""
    sources = source_paths() if sources is None else list(sources)
    refuse_overwriting_hand_written(p.name for p in sources)
    INSTRUCTOR.mkdir(exist_ok=True)
    for files in (student_files(sources), instructor_files(sources)):
        for path, text in files.items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------ index


@dataclass(frozen=True)
class Header:
    """What a lesson's first cells say about it."""

    number: str
    file: str
    title: str
    question: str
    time: str
    level: str
    objectives: tuple[str, ...]


def _field(text: str, name: str, path: Path) -> str:
    match = re.search(rf"\*\*{name}:\*\*\s*(.+?)(?:\s+·\s+\*\*|\s*$)", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{path.name}: the first cell needs a '**{name}:** ...' entry.")
    return match.group(1).strip()


def header(path: Path) -> Header:
    """Read title, question, time, level and objectives from a lesson's first cells.

    The first markdown cell holds ``# title``, ``**Question:** ...``, ``**Time:** ...``
    and ``**Level:** ...``; the cell headed ``## Learning objectives`` holds a bullet
    list.

    Raises
    ------
    ValueError
        If an entry is missing.
    """
    cells = [c for c in read(path).cells if c.cell_type == "markdown"]
    if not cells:
        raise ValueError(f"{path.name} has no markdown cell.")
    first = cells[0].source
    title = re.search(r"^#\s+(.+)$", first, re.MULTILINE)
    if not title:
        raise ValueError(f"{path.name}: the first cell must start with a '# title'.")
    objectives: tuple[str, ...] = ()
    for cell in cells[:3]:
        if "## Learning objectives" in cell.source:
            source = re.sub(r'<span class="cinlab-notebook-only">(.*?)</span>', r"\1",
                            cell.source)
            objectives = tuple(m.strip() for m in
                               re.findall(r"^[-*]\s+(.+)$", source, re.MULTILINE))
    if not objectives:
        raise ValueError(f"{path.name}: one of the first cells must be '## Learning "
                         "objectives' with a bullet list.")
    return Header(lesson_number(path), path.name, title.group(1).strip(),
                  _field(first, "Question", path), _field(first, "Time", path),
                  _field(first, "Level", path), objectives)


def index_text() -> str:
    """The text of ``lessons/README.md``."""
    heads = [header(p) for p in source_paths()]
    lines = [
        "# cinlab lessons",
        "",
        "<!-- Generated by `python tools/lessons.py index` from the first cells of each "
        "lesson. Do not edit by hand: edit the notebooks and run the command again. -->",
        "",
        "Seven lessons for upper-secondary and undergraduate biology classes, one per class "
        "period. Each lesson is a Jupyter notebook: read, run the cells from top to "
        "bottom (Shift+Enter), move the controls, write down what you predict and what "
        "you see. No programming is needed.",
        "",
        "| Lesson | The question | Time | Level |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| [{h.title}]({h.file}) | {h.question} | {h.time} | {h.level} |"
              for h in heads]
    lines += ["", "## What you will be able to do", ""]
    for h in heads:
        lines += [f"**[{h.title}]({h.file})**", ""]
        lines += [f"- {o}" for o in h.objectives]
        lines.append("")
    lines += [
        "## For teachers",
        "",
        "- [Teacher guide](teacher_guide.md): timing plans, expected observations, "
        "misconceptions, answer keys, extensions, and how to run a class on Binder, on "
        "a JupyterHub or offline.",
        "- Instructor versions with every solution shown: "
        + ", ".join(f"[{h.number}](instructor/{h.file})" for h in heads)
        + " (generated by `python tools/lessons.py instructor`).",
        "- A student's copy (`cinlab lessons`) leaves the guide and the instructor "
        "versions out; a teacher gets them with `cinlab lessons --instructor`.",
        "",
        "## Start the lessons",
        "",
        "- From a checkout of the repository: `make lab` (it works on a copy in "
        "`my-lessons/`).",
        "- After installing cinlab (see the project README): `cinlab lessons` copies "
        "the lessons into a folder of your own and `cinlab lab` opens them in JupyterLab.",
        "- On Binder: see the launch link in the project README.",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------- guide numbers


def _guide_markers(number: str) -> tuple[str, str]:
    return (f"<!-- BEGIN guide-numbers {number} -->", f"<!-- END guide-numbers {number} -->")


def guide_block(path: Path) -> str:
    """The expected-observations block of one source lesson, from its stored check outputs."""
    begin, end = _guide_markers(lesson_number(path))
    outputs = [output_text(c).rstrip("\n") for c in read(path).cells if is_check_cell(c)]
    body = "\n".join(o for o in outputs if o)
    return f"{begin}\n```text\n{body}\n```\n{end}"


def guide_text(current: str) -> str:
    """``current`` (the teacher guide) with every guide-numbers block brought up to date.

    Raises
    ------
    ValueError
        If the guide lacks the markers of a lesson.
    """
    text = current
    for path in source_paths():
        begin, end = _guide_markers(lesson_number(path))
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"{GUIDE.name} has no '{begin}' ... '{end}' block.")
        block = guide_block(path)
        text = pattern.sub(lambda _m, block=block: block, text)
    return text


# ----------------------------------------------------------------------------- checks


def lesson_problems(path: Path) -> list[str]:
    """Every broken lesson rule in one source notebook (empty when all is well).

    The rules hold for the instructor version too: it differs from the source only in the
    solution blocks and the code shown. The student version follows them except for the
    stored check-cell outputs, which it leaves out (see :func:`student_problems`).
    """
    nb = read(path)
    name = path.name
    problems = []
    size = len(dumps(nb).encode("utf-8"))
    if size > MAX_FILE_BYTES:
        problems.append(f"{name}: {size} bytes, more than {MAX_FILE_BYTES}.")
    if "widgets" in nb.metadata:
        problems.append(f"{name}: widget state is stored in the notebook metadata.")
    if dumps(normalize(nb)) != dumps(nb):
        problems.append(f"{name}: not in its stored form (run python tools/lessons.py "
                        "normalize): nbval markers as tags, code collapsed, full metadata.")
    checks = [c for c in nb.cells if is_check_cell(c)]
    if len(checks) < MIN_CHECK_CELLS:
        problems.append(f"{name}: {len(checks)} check cells, fewer than {MIN_CHECK_CELLS}.")
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        first = first_line(cell)
        if visible_markers(cell.source):
            problems.append(f"{name}: test marker {visible_markers(cell.source)} in the "
                            f"source a student sees; use a cell tag: {first!r}.")
        if (GOING_FURTHER_TAG not in tags(cell)
                and not cell.metadata.get("jupyter", {}).get("source_hidden")):
            problems.append(f"{name}: code shown to students (not collapsed, not tagged "
                            f"{GOING_FURTHER_TAG!r}): {first!r}.")
        if is_check_cell(cell):
            if cell.execution_count is None or not output_text(cell).strip():
                problems.append(f"{name}: check cell without stored output: {first!r}.")
            if LIVE_RESULT.search(cell.source):
                problems.append(f"{name}: a check cell prints an explorer's .result, which "
                                "goes stale in the app when a control moves; print "
                                ".first_result (the starting settings) and say so: "
                                f"{first!r}.")
        elif cell.outputs or cell.execution_count is not None:
            problems.append(f"{name}: output stored in a cell that is not checked: "
                            f"{first!r}.")
        try:
            n, bad = statements(cell.source), forbidden(cell.source)
        except (SyntaxError, tokenize.TokenError) as exc:
            problems.append(f"{name}: a code cell is not valid Python ({exc}): {first!r}.")
            continue
        if n > MAX_CODE_LINES:
            problems.append(f"{name}: a code cell has {n} statements, more than "
                            f"{MAX_CODE_LINES}: {first!r}.")
        if len(code_lines(cell.source)) > MAX_PHYSICAL_LINES:
            problems.append(f"{name}: a code cell has more than {MAX_PHYSICAL_LINES} lines: "
                            f"{first!r}.")
        if bad:
            problems.append(f"{name}: {', '.join(bad)} in a code cell (logic belongs in "
                            f"cinlab): {first!r}.")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    position = -1
    for heading in TEMPLATE_HEADINGS:
        found = re.search(rf"^##+ .*{re.escape(heading)}", markdown, re.MULTILINE)
        if not found:
            problems.append(f"{name}: no '## {heading}' section.")
        elif found.start() < position:
            problems.append(f"{name}: section '{heading}' is out of template order.")
        else:
            position = found.start()
    for cell in nb.cells:
        if cell.cell_type != "markdown" or NOTEBOOK_ONLY_TAG in tags(cell):
            continue
        for found in NOTEBOOK_ONLY_TEXT.finditer(_NOTEBOOK_ONLY_SPAN.sub("", cell.source)):
            problems.append(f"{name}: notebook-only instruction {found.group(0)!r} would show "
                            f"in the app: wrap it in <span class=\"cinlab-notebook-only\">"
                            f" or tag the cell {NOTEBOOK_ONLY_TAG!r}.")
    if markdown.count("<details>") != markdown.count("</details>"):
        problems.append(f"{name}: unbalanced <details> blocks.")
    if not solutions(nb):
        problems.append(f"{name}: no exercise with a solution "
                        "(<details><summary>Solution</summary> ...).")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    if "widgets.setup(" not in code:
        problems.append(f"{name}: no widgets.setup() call.")
    if "widgets.quiz(" not in code:
        problems.append(f"{name}: no self-check quiz.")
    return problems


def first_line(cell: nbformat.NotebookNode) -> str:
    """A cell's first non-blank line, to name it in a message."""
    return (cell.source.strip().splitlines() or ["(empty)"])[0]


def stored_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """The first line of every code cell that stores an output or an execution count."""
    return [first_line(cell) for cell in nb.cells
            if cell.cell_type == "code" and (cell.get("outputs")
                                             or cell.get("execution_count") is not None)]


def student_problems() -> list[str]:
    """Solution text or a stored output in a student lesson (empty when there is none)."""
    known = [text for path in source_paths() for text in solutions(read(path))]
    problems = []
    for path in lesson_paths():
        nb = read(path)
        problems += [f"{path.name}: solution text in a student lesson: {found!r} (edit "
                     f"lessons/source/{path.name} and run python tools/lessons.py students)."
                     for found in leaked_solutions(nb, known)]
        problems += [f"{path.name}: output or execution count stored in a student lesson "
                     f"(it would show the answer before the prediction; run python "
                     f"tools/lessons.py students): {first!r}."
                     for first in stored_outputs(nb)]
        problems += [f"{path.name}: a check cell in a student lesson, which stores no output "
                     f"to compare (the instructor version holds the check; run python "
                     f"tools/lessons.py students): {first_line(cell)!r}."
                     for cell in nb.cells if is_check_cell(cell)]
    return problems


def stale_files() -> list[str]:
    """Generated files that differ from what this script would write now."""
    stale = []
    names = {p.name for p in source_paths()}
    for files in (student_files(), instructor_files()):
        for path, text in files.items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(ROOT)))
    for folder in (LESSONS, INSTRUCTOR):
        extra = {p.name for p in folder.glob("[0-9][0-9]_*.ipynb")} - names
        stale += [f"{(folder / n).relative_to(ROOT)} (no source lesson in lessons/source/)"
                  for n in sorted(extra)]
    if not README.exists() or README.read_text(encoding="utf-8") != index_text():
        stale.append(str(README.relative_to(ROOT)))
    guide = GUIDE.read_text(encoding="utf-8") if GUIDE.exists() else ""
    try:
        if guide_text(guide) != guide:
            stale.append(str(GUIDE.relative_to(ROOT)) + " (expected observations)")
    except ValueError as exc:
        stale.append(str(exc))
    return stale


# ------------------------------------------------------------------------------- main


def _write(files: dict[Path, str], folder: Path) -> None:
    """Write generated notebooks; remove those in ``folder`` that have no source."""
    folder.mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    for orphan in set(folder.glob("[0-9][0-9]_*.ipynb")) - set(files):
        orphan.unlink()


def _select(names: Iterable[str]) -> list[Path]:
    """The source lessons named (any path of a lesson's versions, or its file name)."""
    names = list(names)
    if not names:
        return source_paths()
    paths = []
    for name in names:
        path = SOURCE / Path(name).name
        if not path.exists():
            raise SystemExit(f"no source lesson {name!r} in {SOURCE.relative_to(ROOT)}/")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    no = sub.add_parser("normalize", help="nbval markers to tags, code collapsed, metadata")
    no.add_argument("notebooks", nargs="*", help="source lessons (default: all)")
    ex = sub.add_parser("execute", help="re-run lessons, keep only check-cell outputs")
    ex.add_argument("notebooks", nargs="*", help="source lessons (default: all)")
    ex.add_argument("--time", action="store_true",
                    help="print seconds and peak memory; exit 1 when over budget")
    sub.add_parser("students", help="write lessons/NN_*.ipynb (no solutions)")
    sub.add_parser("instructor", help="write lessons/instructor/ (solutions open)")
    sub.add_parser("index", help="write lessons/README.md")
    gn = sub.add_parser("guide-numbers", help="print (or --write) the guide's numbers")
    gn.add_argument("--write", action="store_true", help="update lessons/teacher_guide.md")
    sub.add_parser("check", help="report stale generated files and broken lesson rules")
    al = sub.add_parser("all", help="normalize, execute, then students, instructor, "
                        "index, guide-numbers --write")
    al.add_argument("--time", action="store_true", help="print seconds and peak memory")
    args = parser.parse_args(argv)

    over_budget: list[str] = []
    if args.command in ("normalize", "all"):
        normalize_all(_select(getattr(args, "notebooks", [])))
    if args.command in ("execute", "all"):
        over_budget = execute_all(_select(getattr(args, "notebooks", [])), args.time)
    if args.command in ("normalize", "execute", "students", "all"):
        refuse_overwriting_hand_written()
    if args.command in ("students", "all"):
        _write(student_files(), LESSONS)
    if args.command in ("instructor", "all"):
        _write(instructor_files(), INSTRUCTOR)
    if args.command in ("index", "all"):
        README.write_text(index_text(), encoding="utf-8")
    if args.command == "guide-numbers" and not args.write:
        print("\n\n".join(guide_block(p) for p in source_paths()))
    if args.command == "all" or (args.command == "guide-numbers" and args.write):
        GUIDE.write_text(guide_text(GUIDE.read_text(encoding="utf-8")), encoding="utf-8")
    if args.command == "check":
        problems = [p for path in source_paths() for p in lesson_problems(path)]
        problems += student_problems()
        problems += [f"stale: {s} (run python tools/lessons.py all)" for s in stale_files()]
        print("\n".join(problems) if problems else "lessons: all checks pass")
        return 1 if problems else 0
    return 1 if over_budget else 0


if __name__ == "__main__":
    sys.exit(main())
