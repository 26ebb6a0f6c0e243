"""The `cinlab` command: help, headless runs, errors, lesson copies, servers, export."""

import csv
import io
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import cinlab
from cinlab import cli, plots
from cinlab.cli import lessons as cli_lessons
from cinlab.cli import main
from cinlab.cli import serve as cli_serve

ROOT = Path(__file__).resolve().parent.parent
# A small tumour: detected at 1000 cells, so one run takes a fraction of a second.
SMALL = ["--set", "therapy.detection_size=1000", "--set", "relapse_size=1000",
         "--set", "max_cells=2000", "--set", "duration=120"]
SMALL_OVERRIDES = {"therapy.detection_size": 1000, "relapse_size": 1000, "max_cells": 2000,
                   "duration": 120}
# A script src on another host (http, https or protocol-relative): nothing may be fetched.
REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE)
REMOTE_IMPORT = re.compile(r"import\s*\(\s*[\"'](?:https?:)?//", re.IGNORECASE)


def cli_run(*args):
    """Run `cinlab ARGS` in-process; return the exit status (argparse exits too)."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exit_:
        return exit_.code


def one_line_error(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# ------------------------------------------------------------------------------ help


def test_help_describes_the_tool_and_shows_examples(capsys):
    assert cli_run("--help") == 0
    out = capsys.readouterr().out
    assert "usage: cinlab" in out
    assert "why cancers often come back" in out
    assert "127.0.0.1" in out
    assert "examples:" in out
    for command in ("lessons", "lab", "app", "run", "scenarios", "export"):
        assert re.search(rf"^\s+{command}\s+\S", out, re.MULTILINE), command
        assert f"cinlab {command}" in out


@pytest.mark.parametrize("command", ["lessons", "lab", "app", "run", "scenarios", "export"])
def test_every_command_has_help_with_an_example(command, capsys):
    assert cli_run(command, "--help") == 0
    out = capsys.readouterr().out
    assert f"usage: cinlab {command}" in out
    assert "example" in out
    assert f"cinlab {command}" in out.split("example", 1)[1]


def test_no_command_prints_help(capsys):
    assert cli_run() == 2
    assert "commands:" in capsys.readouterr().out


def test_python_m_cinlab_and_the_console_script():
    result = subprocess.run([sys.executable, "-m", "cinlab", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"cinlab {cinlab.__version__}"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["cinlab"] == "cinlab.cli:main"


def test_the_cli_imports_no_lesson_library():
    code = ("import json, sys, cinlab.cli, cinlab.export\n"
            "heavy = ('bokeh', 'ipywidgets', 'jupyter_bokeh', 'nbconvert', 'nbclient', "
            "'jupyterlab', 'voila')\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


# ------------------------------------------------------------------------ headless runs


def test_scenarios_lists_every_preset_with_its_description(capsys):
    assert cli_run("scenarios") == 0
    out = capsys.readouterr().out
    for name in cinlab.scenarios.names():
        assert re.search(rf"^{name}\b", out, re.MULTILINE)
        first_words = " ".join(cinlab.scenarios.describe(name).split()[:4])
        assert first_words in " ".join(out.split())
    assert "mad2=True" in out


def test_single_run_to_json_reloads_as_the_same_run(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert cli_run("run", "withdrawal", "--seed", 3, *SMALL, "--out", out) == 0
    printed = capsys.readouterr().out
    assert "Seed 3" in printed
    assert f"Wrote {out}" in printed
    run = cinlab.Run.from_json(str(out))
    expected = cinlab.simulate(cinlab.scenarios.get("withdrawal", **SMALL_OVERRIDES), seed=3)
    assert run.equals(expected)


def test_single_run_to_csv(tmp_path):
    out = tmp_path / "run.csv"
    assert cli_run("run", "sotillo2010", "--seed", 5, *SMALL, "--out", out) == 0
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["times", "total", "escaped", "addicted"]
    run = cinlab.simulate(cinlab.scenarios.get("sotillo2010", **SMALL_OVERRIDES), seed=5)
    assert len(rows) - 1 == run.times.size
    table = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(table[:, 0], run.times)
    np.testing.assert_array_equal(table[:, 1], run.total)
    np.testing.assert_array_equal(table[:, 3], table[:, 1] - table[:, 2])


def test_cohort_to_json_and_summary(tmp_path, capsys):
    out = tmp_path / "cohort.json"
    assert cli_run("run", "sotillo2010", "--runs", 4, "--seed", 11, *SMALL, "--out", out) == 0
    cohort = cinlab.Cohort.from_json(str(out))
    assert cohort.n_runs == 4
    assert cohort.summary() in capsys.readouterr().out
    expected = cinlab.simulate_many(cinlab.scenarios.get("sotillo2010", **SMALL_OVERRIDES),
                                    n_runs=4, seed=11)
    np.testing.assert_array_equal(cohort.final_total, expected.final_total)


def test_cohort_to_csv_has_one_row_per_run(tmp_path):
    out = tmp_path / "cohort.csv"
    assert cli_run("run", "sotillo2010", "--no-mad2", "--runs", 5, "--seed", 2, *SMALL,
                   "--out", out) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == ["run", "extinct", "detected", "relapsed", "detection_time",
                             "relapse_time", "final_total", "final_escaped", "escape_route",
                             "escape_chromosome"]
    assert len(rows) == 5
    expected = cinlab.simulate_many(
        cinlab.scenarios.get("sotillo2010", mad2=False, **SMALL_OVERRIDES), n_runs=5, seed=2)
    assert [r["run"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert [r["extinct"] == "true" for r in rows] == expected.extinct.tolist()
    assert [r["relapsed"] == "true" for r in rows] == expected.relapsed.tolist()
    assert [int(r["final_total"]) for r in rows] == expected.final_total.tolist()
    for row, t in zip(rows, expected.detection_time, strict=True):
        assert row["detection_time"] == ("" if np.isnan(t) else repr(float(t)))
    assert {r["escape_route"] for r in rows} <= {"none", "karyotype", "mutation"}


@pytest.mark.parametrize(("flag", "window"), [("--mad2", "until_therapy"),
                                              ("--no-mad2", "never")])
def test_mad2_switch_selects_the_arm(flag, window, tmp_path):
    out = tmp_path / "run.json"
    assert cli_run("run", "sotillo2010", flag, "--seed", 1, *SMALL, "--out", out) == 0
    assert cinlab.Run.from_json(str(out)).scenario.cin.window == window


def test_set_parses_words_lists_and_options(tmp_path):
    out = tmp_path / "run.json"
    assert cli_run("run", "intermittent", "--seed", 1, *SMALL, "--set", "on_days=7",
                   "--set", "cin.window=never", "--set", "escape.bypass_chromosomes=4,6",
                   "--method", "exact", "--out", out) == 0
    run = cinlab.Run.from_json(str(out))
    assert run.scenario.therapy.on_days == 7.0
    assert run.scenario.cin.window == "never"
    assert run.scenario.escape.bypass_chromosomes == (4, 6)
    assert run.method == "exact"


@pytest.mark.parametrize(("text", "value"), [
    ("0.5", 0.5), ("3", 3), ("1e5", 1e5), ("true", True), ("False", False),
    ("none", None), ("until_therapy", "until_therapy"), ("4,6,15", (4, 6, 15)),
    ("4,", (4,)), ("(10, 50.5)", (10, 50.5)), ("detection", "detection"),
])
def test_parse_value(text, value):
    assert cli.parse_value(text) == value


@pytest.mark.parametrize(("args", "names"), [
    (["run", "nope"], ["SCENARIO", "unknown scenario 'nope'", "sotillo2010"]),
    (["run", "withdrawal", "--set", "grwth.birth_rate=1"], ["--set", "'grwth'", "growth"]),
    (["run", "withdrawal", "--set", "growth.birth_rate=abc"],
     ["--set", "birth_rate", "[0, 5]", "'abc'"]),
    (["run", "withdrawal", "--set", "growth.birth_rate=9"], ["--set", "birth_rate", "Got 9"]),
    (["run", "withdrawal", "--set", "growth.birth_rate"], ["--set", "NAME=VALUE"]),
    (["run", "withdrawal", "--mad2"], ["--mad2", "sotillo2010", "'withdrawal'"]),
    (["run", "sotillo2010", "--set", "mad2=maybe"], ["--set", "mad2", "'maybe'"]),
    (["run", "withdrawal", "--runs", "0"], ["--runs", "[1, 1000000]", "'0'"]),
    (["run", "withdrawal", "--seed", "-1"], ["--seed", "'-1'"]),
    (["run", "withdrawal", "--method", "fast"], ["--method", "'fast'", "exact"]),
    (["run", "withdrawal", "--out", "run.txt"], ["--out", ".json or .csv", "'run.txt'"]),
    (["run", "withdrawal", "--out", "no/such/folder/run.json"], ["--out", "existing folder"]),
    (["export", "x.ipynb", "--out", "page.pdf"], ["--out", ".html", "'page.pdf'"]),
    (["lab", "--port", "99999"], ["--port", "[1, 65535]", "'99999'"]),
])
def test_bad_input_is_one_line_naming_the_argument(args, names, capsys):
    assert cli_run(*args) == 2
    line = one_line_error(capsys)
    assert line.startswith("cinlab")
    for name in names:
        assert name in line, line


# ------------------------------------------------------------------------- lessons


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A stand-in for the lessons shipped with cinlab."""
    src = tmp_path / "shipped"
    (src / "instructor").mkdir(parents=True)
    (src / ".ipynb_checkpoints").mkdir()
    files = {
        "00_welcome.ipynb": '{"cells": []}',
        "01_oncogene_addiction.ipynb": '{"cells": [1]}',
        "README.md": "# Lessons\n",
        "teacher_guide.md": "# Teacher guide\n",
        "instructor/01_oncogene_addiction.ipynb": '{"cells": [1, 2]}',
    }
    for name, text in files.items():
        (src / name).write_text(text)
    (src / ".ipynb_checkpoints" / "00_welcome-checkpoint.ipynb").write_text("{}")
    (src / "make_instructor.py").write_text("print('tooling')\n")
    (src / "source").mkdir()  # a checkout's hand-written lessons, solutions included
    (src / "source" / "01_oncogene_addiction.ipynb").write_text('{"cells": [1, "solution"]}')
    monkeypatch.setattr(cli_lessons, "lessons_source", lambda: src)
    return src, sorted(files)


def test_lessons_copies_then_keeps_a_students_edits(shipped, tmp_path, capsys):
    src, names = shipped
    dest = tmp_path / "class"
    assert cli_run("lessons", dest) == 0
    out = capsys.readouterr().out
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    students = [n for n in names if not n.startswith(("instructor/", "teacher_guide"))]
    assert copied == students  # no solutions for students
    for name in students:
        assert f"copied     {name}" in out
    assert "3 copied" in out
    teacher = tmp_path / "teacher"
    assert cli_run("lessons", teacher, "--instructor") == 0
    copied = sorted(p.relative_to(teacher).as_posix() for p in teacher.rglob("*")
                    if p.is_file())
    assert copied == names  # the sources are never copied, not even for teachers

    edited = dest / "01_oncogene_addiction.ipynb"
    edited.write_text('{"cells": ["my answer"]}')
    (dest / "README.md").unlink()
    assert cli_run("lessons", dest) == 0
    out = capsys.readouterr().out
    assert edited.read_text() == '{"cells": ["my answer"]}'
    assert re.search(r"kept\s+01_oncogene_addiction.ipynb\s+\(your copy differs", out)
    assert re.search(r"kept\s+00_welcome.ipynb\s+\(already up to date\)", out)
    assert "copied     README.md" in out
    assert (dest / "README.md").exists()


def test_lessons_force_replaces_with_a_backup(shipped, tmp_path, capsys):
    src, _ = shipped
    dest = tmp_path / "class"
    assert cli_run("lessons", dest, "--instructor") == 0
    edited = dest / "instructor" / "01_oncogene_addiction.ipynb"
    edited.write_text("my notes")
    capsys.readouterr()
    assert cli_run("lessons", dest, "--force", "--instructor") == 0
    out = capsys.readouterr().out
    assert edited.read_text() == (src / "instructor" / "01_oncogene_addiction.ipynb").read_text()
    (backup,) = [p for p in dest.iterdir() if p.name.startswith("backup-")]
    assert (backup / "instructor" / "01_oncogene_addiction.ipynb").read_text() == "my notes"
    assert "replaced   instructor/01_oncogene_addiction.ipynb" in out
    assert backup.name in out
    # Nothing else was touched or backed up.
    assert [p.name for p in backup.rglob("*") if p.is_file()] == ["01_oncogene_addiction.ipynb"]


def test_lessons_into_a_file_is_bad_input(shipped, tmp_path, capsys):
    target = tmp_path / "a_file"
    target.write_text("x")
    assert cli_run("lessons", target) == 2
    assert "argument DIR" in one_line_error(capsys)


def test_find_lesson_by_number_or_name(shipped, tmp_path):
    dest = tmp_path / "class"
    cli.copy_lessons(dest, instructor=True)
    lesson = dest / "01_oncogene_addiction.ipynb"
    assert cli.find_lesson("01", dest) == lesson
    assert cli.find_lesson("1", dest) == lesson
    assert cli.find_lesson("01_oncogene_addiction", dest) == lesson
    assert cli.find_lesson("01_oncogene_addiction.ipynb", dest) == lesson
    assert cli.find_lesson("instructor/01_oncogene_addiction.ipynb", dest) == (
        dest / "instructor" / "01_oncogene_addiction.ipynb")
    with pytest.raises(cli.UsageError, match=r"LESSON.*00_welcome, 01_oncogene_addiction.*'7'"):
        cli.find_lesson("7", dest)


def test_lessons_source_finds_the_lessons_in_this_checkout():
    if not (ROOT / "lessons").is_dir():
        pytest.skip("no lessons/ folder in this checkout yet")
    src = cli.lessons_source()
    files = {p.as_posix() for p in cli.lesson_files(src)}
    assert any(f.endswith(".ipynb") for f in files)
    assert not any(f.endswith(".py") or "checkpoint" in f for f in files)


# ---------------------------------------------------------------- JupyterLab and Voila


def assert_local_with_token(cmd):
    joined = " ".join(cmd)
    assert "0.0.0.0" not in joined
    for disabling in ("--ServerApp.token=", "--IdentityProvider.token=", "--NotebookApp.token=",
                      "--Voila.token=", "--ServerApp.password=", "--token="):
        assert not any(arg.startswith(disabling) for arg in cmd), disabling
    assert not any("disable_check_xsrf" in arg or "allow_origin" in arg for arg in cmd)


def test_lab_command_is_local_and_keeps_the_token(tmp_path):
    cmd = cli.lab_command(tmp_path, port=8899, open_browser=False, as_root=False)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd
    assert f"--ServerApp.root_dir={tmp_path}" in cmd
    assert "--ServerApp.port=8899" in cmd
    assert "--no-browser" in cmd
    assert "--allow-root" not in cmd
    assert_local_with_token(cmd)
    assert "--allow-root" in cli.lab_command(tmp_path, as_root=True)
    assert "--no-browser" not in cli.lab_command(tmp_path, as_root=False)


def test_lab_copies_the_lessons_then_starts_jupyterlab(shipped, tmp_path, monkeypatch, capsys):
    launched = []
    monkeypatch.setattr(cli_serve, "_exec", lambda cmd: launched.append(cmd) or 0)
    dest = tmp_path / "class"
    assert cli_run("lab", dest, "--no-browser", "--port", 8899) == 0
    assert (dest / "00_welcome.ipynb").exists()
    (cmd,) = launched
    assert f"--ServerApp.root_dir={dest}" in cmd
    assert "--ServerApp.port=8899" in cmd
    assert_local_with_token(cmd)
    assert "127.0.0.1" in capsys.readouterr().out


def test_app_command_is_local_and_turns_the_token_on(tmp_path):
    notebook = tmp_path / "04_cin_and_relapse.ipynb"
    cmd = cli.app_command(notebook, port=8870)
    assert cmd[:4] == [sys.executable, "-m", "voila", str(notebook)]
    assert "--Voila.ip=127.0.0.1" in cmd
    assert "--port=8870" in cmd
    assert "--no-browser" in cmd
    assert "--Voila.port_retries=0" in cmd
    # Voila 0.5 serves without any login unless auto_token is on.
    assert "--Voila.auto_token=True" in cmd
    # kernels of pages closed without notice are culled (a day of projection)
    assert "--MappingKernelManager.cull_idle_timeout=600" in cmd
    assert_local_with_token(cmd)
    env = cli.app_environment("s3cret")
    assert env["JUPYTER_TOKEN"] == "s3cret"
    assert not any("s3cret" in arg for arg in cmd)
    with pytest.raises(ValueError, match="token"):
        cli.app_environment("")


def test_app_serves_the_numbered_lesson_with_a_token(shipped, tmp_path, monkeypatch, capsys):
    served = []
    monkeypatch.setattr(cli_serve, "require", lambda module, what: None)
    monkeypatch.setattr(cli_serve, "_serve_app", lambda cmd, env, port, url, open_browser:
                        served.append((cmd, env, port, url, open_browser)) or 0)
    dest = tmp_path / "class"
    assert cli_run("app", "1", dest, "--no-browser") == 0
    ((cmd, env, port, url, open_browser),) = served
    assert cmd[3] == str(dest / "01_oncogene_addiction.ipynb")
    assert f"--port={port}" in cmd
    token = env["JUPYTER_TOKEN"]
    assert len(token) >= 32
    assert url == f"http://127.0.0.1:{port}/?token={token}"
    assert open_browser is False
    assert_local_with_token(cmd)
    assert "CINLAB_LARGE" not in env
    assert cli_run("app", "9", dest) == 2
    assert "argument LESSON" in one_line_error(capsys)


def test_app_large_asks_the_lesson_for_large_text(shipped, tmp_path, monkeypatch):
    served = []
    monkeypatch.setattr(cli_serve, "require", lambda module, what: None)
    monkeypatch.setattr(cli_serve, "_serve_app", lambda cmd, env, port, url, open_browser:
                        served.append(env) or 0)
    monkeypatch.delenv("CINLAB_LARGE", raising=False)
    assert cli_run("app", "1", tmp_path / "class", "--no-browser", "--large") == 0
    (env,) = served
    assert env["CINLAB_LARGE"] == "1"
    assert cli_serve.LARGE_ENV == plots.LARGE_ENV
    # what the lesson's setup() reads in the app's kernel
    monkeypatch.setenv("CINLAB_LARGE", env["CINLAB_LARGE"])
    assert plots.session_style() is plots.LARGE


# A stand-in for Voila: listens on the port, answers one connection, exits with 3.
FAKE_SERVER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(60)
s.accept()[0].close()
sys.exit(3)
"""


def test_serve_app_waits_for_the_server_then_opens_the_browser(monkeypatch, capsys):
    # _serve_app starts the server itself (no exec); the browser is patched, and reads
    # the private redirect file while it exists.
    opened = []

    def fake_open(uri):
        path = Path(uri.removeprefix("file://"))
        opened.append((path, path.read_text(encoding="utf-8")))
        return True

    monkeypatch.setattr(cli_serve.webbrowser, "open", fake_open)
    port = cli_serve._free_port()
    url = f"http://127.0.0.1:{port}/?token=abc"
    cmd = [sys.executable, "-c", FAKE_SERVER, str(port)]
    assert cli_serve._serve_app(cmd, {}, port, url, True) == 3
    assert f"The lesson app is at:\n    {url}\n" in capsys.readouterr().out
    ((path, html),) = opened
    assert f'content="0;url={url}"' in html
    assert not path.exists()  # the redirect (it holds the token) is deleted


def test_serve_app_without_browser_and_a_server_that_never_listens(monkeypatch, capsys):
    monkeypatch.setattr(cli_serve.webbrowser, "open",
                        lambda uri: pytest.fail("the browser must not open"))
    port = cli_serve._free_port()
    url = f"http://127.0.0.1:{port}/?token=abc"
    listening = [sys.executable, "-c", FAKE_SERVER, str(port)]
    assert cli_serve._serve_app(listening, {}, port, url, False) == 3
    assert url in capsys.readouterr().out
    # a server that exits before it listens: its status is returned, nothing is printed
    failing = [sys.executable, "-c", "import sys; sys.exit(5)"]
    assert cli_serve._serve_app(failing, {}, port, url, True) == 5
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- export


def test_render_html_draws_widgets_statically_without_a_kernel():
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbconvert")
    pytest.importorskip("bokeh")
    from cinlab.export import render_html

    bundle = {"docs_json": {"d1": {"roots": [], "version": "3"}},
              "render_items": [{"docid": "d1", "roots": {"p1": "old"}, "root_ids": ["p1"]}],
              "div": ""}
    state = {
        "box": {"model_name": "VBoxModel", "state": {
            "children": ["IPY_MODEL_slider", "IPY_MODEL_pick", "IPY_MODEL_fig",
                         "IPY_MODEL_text"]}},
        "slider": {"model_name": "FloatSliderModel", "state": {
            "description": "Division rate", "min": 0, "max": 2, "step": 0.01, "value": 0.4}},
        "pick": {"model_name": "DropdownModel", "state": {
            "description": "Scenario", "_options_labels": ["TI-K", "TI-KM"], "index": 1}},
        "fig": {"model_name": "BokehModel", "state": {"render_bundle": json.dumps(bundle)}},
        "text": {"model_name": "HTMLModel", "state": {"value": "<b>3 of 4</b> relapsed"}},
    }
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("explorer  # SOURCE-MARKER")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"application/vnd.jupyter.widget-view+json": {
            "model_id": "box", "version_major": 2, "version_minor": 0},
            "text/plain": "VBox(...)"})]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": state, "version_major": 2, "version_minor": 0}}
    page = render_html(nb, hide_code=True)
    assert "SOURCE-MARKER" not in page
    assert "Division rate" in page
    assert 'value="0.4"' in page
    assert "TI-KM" in page
    assert "<b>3 of 4</b> relapsed" in page
    assert "Bokeh.embed.embed_items" in page
    assert '"root_ids": ["p1"]' in page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert not REMOTE_SCRIPT.search(page)


def write_lesson(path):
    nbformat = pytest.importorskip("nbformat")
    figure_code = (
        "import cinlab\n"
        "from bokeh.io import output_notebook, show\n"
        "from bokeh.plotting import figure\n"
        "from bokeh.resources import INLINE\n"
        "output_notebook(resources=INLINE, hide_banner=True)\n"
        "try:\n"
        "    from cinlab.plots import burden_figure\n"
        "    sc = cinlab.scenarios.get('withdrawal', **{'therapy.detection_size': 1000,\n"
        "                              'relapse_size': 1000, 'max_cells': 2000})\n"
        "    fig = burden_figure(cinlab.simulate(sc, seed=1))\n"
        "except Exception:\n"
        "    fig = figure(width=300, height=200)\n"
        "    fig.line([1, 2, 3], [1, 4, 9])\n"
        "show(fig)\n"
    )
    widget_code = (
        "import ipywidgets as w\n"
        "from bokeh.models import ColumnDataSource\n"
        "from jupyter_bokeh.widgets import BokehModel\n"
        "src = ColumnDataSource({'x': [0, 1], 'y': [0, 1]})\n"
        "g = figure(width=300, height=200)\n"
        "g.scatter('x', 'y', source=src)\n"
        "model = BokehModel(g)\n"
        "src.data = {'x': [0, 1], 'y': [0, 777001]}  # a change after the widget was made\n"
        "w.VBox([w.FloatSlider(description='Division rate', min=0, max=2, value=0.4),\n"
        "        model, w.HTML('<i>summary text</i>')])\n"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny lesson\n\nMARKDOWN-MARKER"),
        nbformat.v4.new_code_cell("print(123457 * 3)"),
        nbformat.v4.new_code_cell(figure_code),
        nbformat.v4.new_code_cell(widget_code),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def test_export_writes_a_self_contained_page(tmp_path, capsys):
    for module in ("nbclient", "nbconvert", "ipykernel", "bokeh", "jupyter_bokeh"):
        pytest.importorskip(module)
    notebook = tmp_path / "tiny.ipynb"
    write_lesson(notebook)
    before = notebook.read_text()
    out = tmp_path / "tiny.html"
    assert cli_run("export", notebook, "--out", out) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    assert notebook.read_text() == before  # the notebook itself is not changed
    page = out.read_text()
    assert "MARKDOWN-MARKER" in page
    assert "370371" in page  # the printed number
    assert not REMOTE_SCRIPT.search(page), REMOTE_SCRIPT.search(page).group(0)
    assert not REMOTE_IMPORT.search(page)
    # BokehJS itself is inside the page, and both figures are embedded.
    assert "Bokeh.embed" in page
    assert page.count("cinlab-bokeh-data-") >= 2  # the widget figure: data + script
    assert "embed_items_notebook" in page or "embed_items(" in page
    # The widget figure shows its latest data; the other widgets are drawn statically.
    assert "777001" in page
    assert "Division rate" in page
    assert "<i>summary text</i>" in page


def test_export_reports_a_failing_cell_in_one_line(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    notebook = tmp_path / "broken.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, notebook)
    assert cli_run("export", notebook, "--out", tmp_path / "broken.html") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "cinlab export: error: broken.ipynb stopped with an error in a cell: " \
           "ZeroDivisionError" in err
    assert not (tmp_path / "broken.html").exists()


def test_export_of_an_unknown_lesson_is_bad_input(shipped, capsys):
    pytest.importorskip("nbclient")
    pytest.importorskip("nbconvert")
    assert cli_run("export", "42") == 2
    line = one_line_error(capsys)
    assert "argument LESSON" in line
    assert "00_welcome" in line


# ------------------------------------------------------------------------- file safety


def test_run_out_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "run.csv"
    out.write_text("my notes\n", encoding="utf-8")
    assert cli_run("run", "withdrawal", "--seed", 3, *SMALL, "--out", out) == 2
    message = one_line_error(capsys)
    assert "already exists; add --force" in message
    assert str(out) in message
    assert out.read_text(encoding="utf-8") == "my notes\n"
    assert cli_run("run", "withdrawal", "--seed", 3, *SMALL, "--out", out, "--force") == 0
    assert out.read_text(encoding="utf-8").startswith("times,total,escaped,addicted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.csv"]


def test_an_interrupted_write_leaves_the_old_file_and_no_partial_file(tmp_path):
    from cinlab.cli.common import replace_atomic, write_atomic

    out = tmp_path / "cohort.csv"
    out.write_text("old results\n", encoding="utf-8")

    def interrupted(tmp):
        tmp.write_text("half of the new", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replace_atomic(out, interrupted)
    assert out.read_text(encoding="utf-8") == "old results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cohort.csv"]
    write_atomic(out, "new results\n")
    assert out.read_text(encoding="utf-8") == "new results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cohort.csv"]


def test_an_over_long_file_name_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / ("x" * 300 + ".json")
    assert cli_run("run", "withdrawal", *SMALL, "--out", out) == 2
    assert "argument --out: cannot be used" in one_line_error(capsys)


def test_set_with_a_400_digit_integer_is_a_range_error(capsys):
    assert cli_run("run", "withdrawal", "--set", "growth.birth_rate=" + "9" * 400) == 2
    message = one_line_error(capsys)
    assert "The 'birth_rate' parameter of Growth must be a number in [0, 5]" in message
    assert "an integer of about 400 digits" in message


def test_lessons_refuse_to_write_through_a_dangling_link_out_of_the_folder(
        shipped, tmp_path, capsys):
    dest = tmp_path / "class"
    dest.mkdir()
    outside = tmp_path / "elsewhere" / "planted.ipynb"
    outside.parent.mkdir()
    (dest / "00_welcome.ipynb").symlink_to(outside)  # dangling: the target does not exist
    assert cli_run("lessons", dest) == 2
    message = one_line_error(capsys)
    assert "00_welcome.ipynb" in message
    assert "outside the folder" in message
    assert not outside.exists()


def test_lab_with_a_port_in_use_fails_clearly_instead_of_moving(shipped, tmp_path,
                                                                 monkeypatch, capsys):
    import socket

    launched = []
    monkeypatch.setattr(cli_serve, "_exec", lambda cmd: launched.append(cmd) or 0)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli_run("lab", tmp_path / "class", "--no-browser", "--port", port) == 2
    assert f"{port} is in use" in one_line_error(capsys)
    assert launched == []
    assert "--ServerApp.port_retries=0" in cli.lab_command(tmp_path, port=port)
    assert not any("port_retries" in a for a in cli.lab_command(tmp_path))


def test_each_subcommand_is_registered_by_one_function():
    names = [add.__name__ for add in cli.SUBCOMMANDS]
    assert names == ["add_lessons", "add_lab", "add_app", "add_run", "add_scenarios",
                     "add_export", "add_pool"]
    parser = cli.build_parser()
    for command in ("lessons", "lab", "app", "run", "scenarios", "export"):
        assert parser.parse_args([command, "04"][: 2 if command in ("app", "export",
                                                                    "run") else 1]).func
