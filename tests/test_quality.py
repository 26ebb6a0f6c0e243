"""Repository-wide checks: lint, the core/UI boundary, no global random state, pins."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
UI_LIBRARIES = ("bokeh", "ipywidgets", "jupyter_bokeh")


def run_ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # The ruff installed next to this interpreter, i.e. the pinned one.
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_check_is_clean():
    result = run_ruff("check", "--output-format=concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_cinlab_loads_no_ui_library():
    code = (
        "import json, sys, cinlab\n"
        f"ui = {UI_LIBRARIES!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ui)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_legacy_numpy_random_api_is_banned_in_the_package():
    # ruff's NPY002 is the check itself (and test_ruff_check_is_clean enforces it);
    # this proves the project configuration applies it to files in cinlab/.
    result = run_ruff(
        "check",
        "--output-format=json",
        "--force-exclude",
        "--stdin-filename",
        "cinlab/_probe.py",
        "-",
        stdin="import numpy as np\n\nnp.random.seed(0)\nx = np.random.rand(3)\n",
    )
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert "NPY002" in codes, result.stdout + result.stderr


def binder_pins(files=("binder/requirements.txt", "requirements-test.txt")) -> dict[str, str]:
    """Map each distribution pinned in the requirement files to its exact version."""
    pins = {}
    lines = [x for f in files for x in (ROOT / f).read_text().splitlines()]
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{line!r} is not pinned with =="
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_binder_pins_satisfy_the_declared_dependencies():
    pins = binder_pins()
    lesson_pins = binder_pins(("binder/requirements.txt",))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for line in [*project["dependencies"], *extras["lessons"]]:
        name = canonicalize_name(Requirement(line).name)
        assert name in lesson_pins, f"{name} is a lesson dependency not pinned for Binder"
    test_pins = binder_pins(("requirements-test.txt",))
    assert not set(test_pins) & set(lesson_pins), "a pin in both requirement files"
    assert {"pytest", "playwright", "nbval", "hypothesis", "ruff"} <= set(test_pins)
    for line in [*project["dependencies"], *extras["lessons"], *extras["test"]]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned"
        assert requirement.specifier.contains(pins[name]), (
            f"the requirement files pin {name}=={pins[name]}, "
            f"outside pyproject.toml's {requirement.specifier}"
        )


def test_installed_ruff_is_the_pinned_one():
    result = run_ruff("--version")
    assert result.stdout.split() == ["ruff", binder_pins()["ruff"]]


@pytest.mark.slow  # about a minute without mypy's cache, as on a clean clone
def test_mypy_reports_no_errors_in_the_package():
    # The pinned mypy with the [tool.mypy] settings of pyproject.toml, as `make typecheck`.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "cinlab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout


def test_no_mypy_setting_ignores_errors():
    # Every module is checked: no override (nor the whole configuration) silences errors.
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    silenced = [
        override["module"]
        for override in mypy.get("overrides", [])
        if override.get("ignore_errors")
    ]
    assert silenced == [], silenced
    assert mypy.get("ignore_errors", False) is False
