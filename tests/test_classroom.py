"""What a class gets: `cinlab lessons` copies whose links resolve and whose notebooks
open unmodified, and a `cinlab lab` that starts without deprecation noise."""

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cinlab.cli import copy_lessons, lab_command, lessons_source

LINK = re.compile(r"\]\(([^)\s]+)\)")
SOLUTION = re.compile(r"<details(?:\s+open)?>\s*<summary>\s*Solution</summary>(.*?)</details>",
                      re.DOTALL)


def local_links(folder: Path) -> dict[Path, list[str]]:
    """Relative link targets in every markdown file and notebook markdown cell."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "\n".join("".join(c["source"]) for c in cells
                             if c["cell_type"] == "markdown")
        else:
            continue
        targets = [t.split("#")[0] for t in LINK.findall(text)
                   if not re.match(r"^[a-z]+:", t) and not t.startswith("#")]
        found[path] = [t for t in targets if t]
    return found


@pytest.mark.parametrize("instructor", [False, True], ids=["student", "instructor"])
def test_every_link_in_a_copy_leads_to_a_copied_file(tmp_path, instructor):
    report = copy_lessons(tmp_path, instructor=instructor)
    assert report.copied
    links = local_links(tmp_path)
    assert sum(len(t) for t in links.values()) >= 10
    broken = [f"{p.name} -> {t}" for p, targets in links.items() for t in targets
              if not (p.parent / t).exists()]
    assert broken == []
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert ("](teacher_guide.md)" in readme) is instructor
    assert "cinlab lessons --instructor" in readme


def _text(path: Path) -> str:
    """A copied file as a reader sees it: a notebook's cell sources and outputs."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) + json.dumps(c.get("outputs", []))
                     for c in cells)


def _solutions_of_the_sources():
    """Every solution text in the hand-written lessons of this checkout."""
    sources = sorted((ROOT / "lessons" / "source").glob("[0-9][0-9]_*.ipynb"))
    assert len(sources) == 7
    texts = [t.strip() for path in sources for t in SOLUTION.findall(_text(path))]
    assert len(texts) >= 7 * 3
    return texts


def test_a_students_copy_holds_no_solution_and_a_teachers_copy_every_one(tmp_path):
    texts = _solutions_of_the_sources()
    students, teacher = tmp_path / "class", tmp_path / "teacher"
    copy_lessons(students)
    copy_lessons(teacher, instructor=True)
    assert sorted(p.name for p in students.rglob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    everything = "\n".join(_text(p) for p in students.rglob("*") if p.is_file())
    assert "<summary>Solution" not in everything
    assert "<details" not in everything
    assert [t[:60] for t in texts if t in everything] == []
    assert not (students / "source").exists()
    assert not (teacher / "source").exists()
    instructor = "\n".join(_text(p) for p in (teacher / "instructor").glob("*.ipynb"))
    assert [t[:60] for t in texts if t not in instructor] == []


def test_a_copied_notebook_carries_this_python_and_a_second_copy_keeps_it(tmp_path):
    copy_lessons(tmp_path)
    shipped = sorted(p.name for p in lessons_source().glob("[0-9][0-9]_*.ipynb"))
    for name in shipped:
        nb = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert nb["metadata"]["language_info"]["version"] == platform.python_version()
        assert nb["metadata"]["language_info"]["pygments_lexer"] == "ipython3"
    again = copy_lessons(tmp_path)
    assert again.copied == []
    assert again.kept == []
    assert len(again.unchanged) >= len(shipped)


def test_binder_postbuild_gives_the_served_lessons_this_python_and_nothing_else(tmp_path):
    # postBuild's last step, run as repo2docker runs it (from the repository root), on a
    # copy of the lessons; the earlier steps install and compile, tools/binder_check.sh
    # runs them all.
    root = Path(__file__).resolve().parent.parent
    script = (root / "binder" / "postBuild").read_text(encoding="utf-8")
    step = script[script.index("repo=$PWD"):]
    shutil.copytree(root / "lessons", tmp_path / "lessons")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(root)}
    done = subprocess.run(["bash", "-ec", step], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    served = sorted(p.relative_to(tmp_path) for p in (tmp_path / "lessons").rglob("*.ipynb"))
    assert len(served) == 21
    assert f"written into {len(served)} of {len(served)} notebooks" in done.stdout
    for rel in served:
        nb = json.loads((tmp_path / rel).read_text(encoding="utf-8"))
        assert nb["metadata"]["language_info"].pop("version") == platform.python_version()
        assert nb == json.loads((root / rel).read_text(encoding="utf-8")), rel
    again = subprocess.run(["bash", "-ec", step], cwd=tmp_path, env=env, capture_output=True,
                           text=True, check=True, timeout=120)
    assert f"written into 0 of {len(served)} notebooks" in again.stdout


def test_cinlab_lab_starts_jupyterlab_without_deprecation_warnings(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    cmd = lab_command(tmp_path, port=port, open_browser=False)
    log_path = tmp_path / "lab.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while "is running at" not in log_path.read_text(encoding="utf-8"):
                assert proc.poll() is None, log_path.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "JupyterLab did not start in 90 s"
                time.sleep(0.2)
            time.sleep(1)  # extensions that load after the banner
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    text = log_path.read_text(encoding="utf-8")
    assert "Jupyter Server" in text
    assert "ServerApp.token" not in text
    assert "DeprecationWarning" not in text


ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_quick_start_prints_a_relapse_time_not_nan():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme[readme.index("## Quick start in Python"):]
    block = quick[quick.index("```python") + len("```python"):quick.index("```\n", 10)]
    first = "\n".join(line for line in block.splitlines()
                      if "simulate_many" not in line and "cohort" not in line
                      and "n_runs" not in line)
    assert "print(run.relapse_time)" in first
    namespace: dict = {}
    exec(first.replace("print(", "(lambda *a: None)("), namespace)
    assert namespace["run"].relapsed, "pick a seed whose tumour relapses"


@pytest.mark.parametrize("name", ["README.md", "lessons/teacher_guide.md",
                                  "cinlab/cli/common.py", "cinlab/cli/lessons.py"])
def test_no_install_command_relies_on_a_package_index(name):
    # cinlab is not on PyPI: every install line names where it comes from
    text = (ROOT / name).read_text(encoding="utf-8")
    assert not re.search(r"""pip install ["']cinlab\[lessons\]["']""", text)
    assert "OWNER/REPO" not in text


def test_cinlab_export_starts_its_kernel_without_the_tcp_warning(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    sub = tmp_path / "elsewhere"  # the kernel runs in the notebook's folder, not here
    sub.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "cinlab", "export", str(tmp_path / "tiny.ipynb"),
         "--out", str(tmp_path / "tiny.html")],
        cwd=sub, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "without encryption" not in result.stderr
    assert "WARNING" not in result.stderr
    assert "42" in (tmp_path / "tiny.html").read_text(encoding="utf-8")


def test_the_app_template_removes_exactly_the_cdn_links_of_voilas_page(tmp_path):
    import sys as _sys

    from cinlab import app_page

    ours = (app_page.JUPYTER_DATA / "voila/templates/cinlab/index.html.j2").read_text()
    voila_lab = Path(_sys.prefix, "share/jupyter/voila/templates/lab/index.html.j2")
    links = [line.strip() for line in voila_lab.read_text().splitlines()
             if "https://" in line and "<link" in line]
    assert len(links) == 2  # Font Awesome 5 and its v4 shims, in voila 0.5.8
    for link in links:
        assert f"replace('{link}', '')" in ours, link
    assert ".celltag_notebook-only" in ours
    assert ".cinlab-notebook-only" in ours
    written = app_page.install(tmp_path)
    assert (written[0] / "index.html.j2").read_text() == ours
    assert json.loads(written[1].read_text()) == {
        "VoilaConfiguration": {"template": "cinlab"}}
    env = app_page.voila_environment({"JUPYTER_PATH": "/x"})
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(app_page.JUPYTER_DATA), "/x"]
