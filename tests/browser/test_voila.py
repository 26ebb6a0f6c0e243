"""Lessons as Voila apps (`cinlab app`) in a real browser: the page without code."""

import browser_harness as h
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
            h.check_rendered_lesson(bp, plan, artifacts / "voila" / name.removesuffix(".ipynb"),
                                    allow_voila_version_warnings=True)
            # only the module version warnings of Voila's own bundle (see the harness)
            other = [w for w in bp.console_warnings if not h.VOILA_VERSION_WARNING.match(w)]
            assert other == [], f"{name}: console warnings in Voila: {other}"
            assert h.visible_notebook_only(bp.page) == [], f"{name}: notebook-only text shown"
            assert "Shift + Enter" not in bp.page.locator("body").inner_text()
        finally:
            status = h.shutdown_voila_kernel(voila, bp.page)
    assert status == 204, f"Voila's kernel shutdown answered {status}"
