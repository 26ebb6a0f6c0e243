"""Every lesson in JupyterLab in a real browser: Run All, then what a student sees.

For each lesson: open it, run all cells, no error output and no console error, every
explorer drawn with its controls and painted canvases, a slider moved by keyboard (or a
cohort re-run) changes the figure data in BokehJS; screenshots are kept as artifacts.
"""

import browser_harness as h
import page_layout as pl
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("path", h.lesson_paths(), ids=lambda p: p.stem)
def test_lesson_runs_and_responds_in_jupyterlab(path, browser, jupyterlab, artifacts):
    plan = h.lesson_plan(path)
    try:
        with h.open_page(browser, jupyterlab) as bp:
            h.open_lab_notebook(bp, jupyterlab, path.name)
            # opened as `cinlab lessons` copies it: nothing to save yet, no code shown
            assert not h.is_modified(bp.page), f"{path.name} is marked modified on opening"
            assert h.visible_code_editors(bp.page) <= plan.n_open_code_cells, (
                f"{path.name}: code visible in a student lesson")
            assert "NBVAL" not in bp.page.locator(".jp-Notebook").inner_text()
            h.expand_all_code(bp.page)
            h.run_all_cells(bp.page)
            seconds = h.wait_for_run_all(bp.page, plan.n_code_cells)
            print(f"{path.name}: Run All took {seconds:.1f} s")
            h.check_rendered_lesson(bp, plan, artifacts / "jupyterlab" / path.stem)
            check_laptop_layout(bp.page, path.name, artifacts / "jupyterlab" / path.stem)
    finally:
        # one kernel at a time on 2 cores; the page is closed first, so JupyterLab does
        # not react to its kernel going away
        h.shutdown_lab_kernel(jupyterlab, path.name)


def check_laptop_layout(page, name, out):
    """At 1366×768 with the file browser open (a classroom laptop): the notebook does not
    scroll sideways, no widget is wider than its output area, and every explorer fits
    about one screen's height. Measured on the page the lesson test already ran."""
    pl.ensure_file_browser_open(page)
    pl.resize(page, pl.LAPTOP)
    outputs = pl.widget_outputs(page)
    h.save_screenshot(page, out / "laptop-1366x768.png")
    found = h.explorers(page)
    for k in range(found.count()):
        h.save_screenshot(page, out / f"laptop-explorer-{k + 1}.png", found.nth(k))
    assert pl.sideways(page, pl.LAB_SCROLLERS) == [], f"{name}: the notebook scrolls sideways"
    wide = [f"widget output {o['index'] + 1}: {w}" for o in outputs
            for w in o["wide"] + o["clipped"]]
    assert wide == [], f"{name}: widgets wider than their output area at 1366 px: {wide}"
    heights = [o["explorer_height"] for o in outputs if o["explorer_height"]]
    assert heights, f"{name}: no explorer measured"
    tall = [f"explorer {k + 1}: {height:.0f} px" for k, height in enumerate(heights)
            if height > pl.MAX_EXPLORER_HEIGHT_PX]
    assert tall == [], (f"{name}: explorers taller than {pl.MAX_EXPLORER_HEIGHT_PX} px at "
                        f"1366x768: {tall}")
    print(f"{name} at 1366x768: explorers " + ", ".join(
        f"{o['explorer_width']:.0f}x{o['explorer_height']:.0f} in {o['area_width']}"
        for o in outputs if o["explorer_width"]))


def test_jupyterlab_started_without_deprecation_warnings(jupyterlab):
    log = jupyterlab.log_tail(200_000)
    assert "DeprecationWarning" not in log
    assert "ServerApp.token" not in log
