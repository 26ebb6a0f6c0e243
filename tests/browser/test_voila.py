"""Lessons as Voila apps (`cinlab app`) in a real browser: the page without code."""

import time

import browser_harness as h
import page_layout as pl
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

APP_LESSONS = ["01_oncogene_addiction.ipynb", "04_cin_and_relapse.ipynb",
               "06_the_class_is_the_lab.ipynb"]


@pytest.mark.parametrize("name", APP_LESSONS, ids=lambda n: n.removesuffix(".ipynb"))
def test_lesson_runs_and_responds_in_voila(name, browser, voila, artifacts):
    plan = h.lesson_plan(h.LESSONS / name)
    with h.open_page(browser, voila) as bp:
        try:
            seconds = h.open_voila_notebook(bp, voila, name, len(plan.explorers))
            print(f"{name}: Voila page ready after {seconds:.1f} s")
            # an app without code: no editor, no source text
            assert bp.page.locator(".jp-InputArea-editor, .cm-editor").count() == 0
            assert "widgets.setup()" not in bp.page.locator("body").inner_text()
            # offline: no Font Awesome from a CDN, nothing else off the machine either
            h.check_rendered_lesson(bp, plan, artifacts / "voila" / name.removesuffix(".ipynb"))
            warnings = bp.console_warnings
            assert warnings == [], f"{name}: console warnings in Voila: {warnings}"
            assert h.visible_notebook_only(bp.page) == [], f"{name}: notebook-only text shown"
            assert "Shift + Enter" not in bp.page.locator("body").inner_text()
        finally:
            status = h.shutdown_voila_kernel(voila, bp.page)
    assert status == 204, f"Voila's kernel shutdown answered {status}"


#: Projector mode: the main figure fills most of a 1920 px screen, with large labels.
MIN_FIGURE_WIDTH_PX = 1500
MIN_AXIS_LABEL_PX = 20


@pytest.mark.parametrize("name", pl.PROJECTOR_LESSONS, ids=lambda n: n.removesuffix(".ipynb"))
def test_projector_mode_fills_a_1920_screen(name, browser, voila_large, artifacts):
    # `cinlab app LESSON --large` at 1920x1080: the lesson's first explorer is the main one
    plan = h.lesson_plan(h.LESSONS / name)
    out = artifacts / "voila-large" / name.removesuffix(".ipynb")
    with h.open_page(browser, voila_large, viewport=pl.PROJECTOR) as bp:
        try:
            h.open_voila_notebook(bp, voila_large, name, len(plan.explorers))
            h.lock_predictions(bp.page)
            found = h.explorers(bp.page)
            deadline = time.monotonic() + 60
            while found.count() < len(plan.explorers) and time.monotonic() < deadline:
                time.sleep(0.25)
            main = found.first
            main.scroll_into_view_if_needed()
            assert h.painted_figures(main), f"{name}: the main explorer shows no figure"
            time.sleep(1)  # figures stretch to their container after they are shown
            figures = pl.figures(main)
            outputs = pl.widget_outputs(bp.page)
            h.save_screenshot(bp.page, out / "page-1920x1080.png")
            h.save_screenshot(bp.page, out / "main-explorer.png", main)
            assert figures, f"{name}: no Bokeh figure in the main explorer"
            tall = main.bounding_box()["height"]
            assert tall <= pl.PROJECTOR["height"], f"{name}: main explorer {tall:.0f} px tall"
            first = figures[0]
            assert first["width"] >= MIN_FIGURE_WIDTH_PX, (
                f"{name}: main figure {first['width']:.0f} px wide at 1920 px")
            assert first["label_px"], f"{name}: the main figure has no axis label"
            assert min(first["label_px"]) >= MIN_AXIS_LABEL_PX, (
                f"{name}: axis labels {first['label_px']} px")
            # the quiz, the prediction boxes and the note that repeats a locked
            # prediction above its explorer are read from the back of the room too
            small = bp.page.evaluate("""(min) => Array.from(document.querySelectorAll(
                '.cinlab-quiz label, .cinlab-quiz .widget-html-content, '
                + '.cinlab-prediction .widget-html-content, '
                + '.cinlab-gated > .widget-html .widget-html-content'))
                .filter(e => e.innerText.trim() && parseFloat(getComputedStyle(e).fontSize) < min)
                .map(e => e.innerText.trim().slice(0, 40))""", MIN_AXIS_LABEL_PX)
            assert small == [], f"{name}: quiz or prediction text below 20 px: {small}"
            assert pl.sideways(bp.page, "html, body, #rendered_cells") == [], (
                f"{name}: the page scrolls sideways")
            wide = [f"widget output {o['index'] + 1}: {w}" for o in outputs
                    for w in o["wide"] + o["clipped"]]
            assert wide == [], f"{name}: widgets wider than their output area: {wide}"
            print(f"{name} at 1920x1080, large: main figure {first['width']:.0f} px, "
                  f"axis labels {first['label_px']} px")
        finally:
            status = h.shutdown_voila_kernel(voila_large, bp.page)
    assert status == 204, f"Voila's kernel shutdown answered {status}"
