"""Fixtures of the real-browser tests: one chromium, one JupyterLab, one Voila per session.

Every test opens its own browser context and page. The servers serve temporary copies of
the lessons (JupyterLab autosaves: the repository's notebooks are never touched) and are
stopped with their kernels, by process group, at the end of the session. Screenshots and
server logs go to ``$CINLAB_ARTIFACTS`` if set, else to a pytest temporary folder; the
path is printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import browser_harness as h
import page_layout
import pytest
from playwright.sync_api import sync_playwright

from cinlab.cli.serve import LARGE_ENV

_ARTIFACT_DIRS: list[Path] = []


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    given = os.environ.get("CINLAB_ARTIFACTS")
    path = Path(given).resolve() if given else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    _ARTIFACT_DIRS.append(path)
    return path


@pytest.fixture(scope="session")
def browser():
    try:
        h.chromium_path()
        missing = None
    except h.HarnessError as exc:
        missing = str(exc)
    if missing:  # fail, never skip: CI installs chromium
        pytest.fail(missing, pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = h.launch_browser(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _serve(kind: str, tmp_path_factory, artifacts: Path, label: str = "",
           names: list[str] | None = None, env: dict[str, str] | None = None):
    label = label or kind
    root = h.copy_lessons(tmp_path_factory.mktemp(f"{label}-lessons"), names)
    with h.stop_on_sigterm():
        server = h.start_server(kind, root, tmp_path_factory.mktemp(f"{label}-server"),
                                env=env)
        try:
            yield server
        finally:
            server.stop()
            shutil.copyfile(server.log_path, artifacts / f"{label}-server.log")


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory, artifacts):
    yield from _serve("lab", tmp_path_factory, artifacts)


@pytest.fixture(scope="session")
def voila(tmp_path_factory, artifacts):
    yield from _serve("voila", tmp_path_factory, artifacts)


@pytest.fixture(scope="session")
def voila_large(tmp_path_factory, artifacts):
    """Voila in projector mode, as ``cinlab app LESSON --large`` serves it (the lessons'
    ``widgets.setup()`` reads ``CINLAB_LARGE`` in the kernel), for the lessons tested so."""
    yield from _serve("voila", tmp_path_factory, artifacts, label="voila-large",
                      names=list(page_layout.PROJECTOR_LESSONS), env={LARGE_ENV: "1"})


def pytest_terminal_summary(terminalreporter):
    for path in _ARTIFACT_DIRS:
        terminalreporter.write_line(f"browser test artifacts (screenshots, logs): {path}")
