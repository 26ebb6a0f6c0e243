"""Layout measurements of the browser tests: overflow, explorer sizes, projector figures.

A classroom laptop is 1366×768 with JupyterLab's file browser open; a projector shows the
Voila app at 1920×1080 in large mode (``cinlab app LESSON --large``). Widths compare an
element's ``scrollWidth`` (its content, overflow included) with its ``clientWidth`` (what
it shows): content wider than its box is clipped or needs a sideways scroll.
"""

from __future__ import annotations

import time
from typing import Any

LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
#: The lessons tested in projector mode (a single run, and the arm comparison).
PROJECTOR_LESSONS = ("01_oncogene_addiction.ipynb", "04_cin_and_relapse.ipynb")
#: Sub-pixel rounding of the layout engine.
TOLERANCE_PX = 1
#: Every explorer of every lesson must fit within one laptop screen: no taller than the
#: 1366×768 page (JupyterLab's own bars leave about 650 px of notebook, so a student
#: scrolls at most a little; figures beyond the first are in tabs).
MAX_EXPLORER_HEIGHT_PX = LAPTOP["height"]

#: The current notebook's scroll containers in JupyterLab.
LAB_SCROLLERS = (".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer, "
                 ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

#: Every widget output on the page: its width, each widget box inside it whose content
#: is wider than the box or that reaches past the output area's right edge, and each
#: label, button or readout whose text is cut short ("Progr…").
_JS_WIDGET_OUTPUTS = """(tol) => {
  const areas = [...document.querySelectorAll('.jp-OutputArea-output')]
    .filter(a => a.querySelector('.jupyter-widgets'));
  const name = (el) => el.tagName.toLowerCase() + '.' +
    [...el.classList].filter(c => !c.startsWith('lm-')).slice(0, 3).join('.');
  return areas.map((area, index) => {
    const right = area.getBoundingClientRect().right;
    const explorer = area.querySelector('.cinlab-explorer');
    const boxes = [...area.querySelectorAll('.jupyter-widgets, .widget-box, .cinlab-explorer')]
      .filter(b => b.getClientRects().length);
    const wide = boxes.filter(b => b.scrollWidth > b.clientWidth + tol
                                   || b.getBoundingClientRect().right > right + tol)
      .map(b => `${name(b)}: content ${b.scrollWidth} px in ${b.clientWidth} px, right `
                + `edge ${Math.round(b.getBoundingClientRect().right)} of ${Math.round(right)}`);
    const clipped = [...area.querySelectorAll('.widget-label, .widget-button, .widget-readout')]
      .filter(t => t.getClientRects().length && t.scrollWidth > t.clientWidth + tol)
      .map(t => `"${t.innerText.trim()}" clipped: ${t.scrollWidth} px in ${t.clientWidth} px`);
    return {index, clipped, area_width: area.clientWidth, area_scroll_width: area.scrollWidth,
            explorer_height: explorer ? explorer.getBoundingClientRect().height : null,
            explorer_width: explorer ? explorer.getBoundingClientRect().width : null,
            wide};
  });
}"""

#: Scroll containers whose content is wider than they are (a sideways scroll).
_JS_SIDEWAYS = """([selector, tol]) => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length && el.scrollWidth > el.clientWidth + tol)
  .map(el => `${el.className.split(' ')[0]}: ${el.scrollWidth} px in ${el.clientWidth} px`)"""

#: The Bokeh figures of an element: width on screen and axis-label font sizes, read from
#: the BokehJS models (the labels are drawn on a canvas).
_JS_FIGURES = """(el) => {
  const views = Object.values(window.Bokeh ? Bokeh.index : {}).filter(v => el.contains(v.el));
  const px = (v) => {
    const s = String(typeof v === 'object' && v !== null && 'value' in v ? v.value : v);
    const m = s.match(/^([0-9.]+)(px|pt|em)?$/);
    if (!m) return null;
    const n = parseFloat(m[1]);
    return m[2] === 'pt' ? n * 4 / 3 : m[2] === 'em' ? n * 16 : n;
  };
  return views.filter(v => v.model.type === 'Figure' || v.model.type === 'Plot').map(v => {
    const p = v.model;
    const axes = [...p.below, ...p.left, ...p.above, ...p.right]
      .filter(m => /Axis$/.test(m.type) && m.axis_label);
    return {width: v.el.getBoundingClientRect().width,
            label_px: axes.map(a => px(a.axis_label_text_font_size))};
  });
}"""


def ensure_file_browser_open(page: Any) -> None:
    """Open JupyterLab's left sidebar on the file browser (the narrowest notebook)."""
    if page.locator("#filebrowser").is_visible():
        return
    page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="filebrowser"]').click()
    page.locator("#filebrowser").wait_for(state="visible")


def resize(page: Any, viewport: dict[str, int], settle_s: float = 1.5) -> None:
    """Resize the window and let resize observers (Bokeh's stretch_width) catch up."""
    page.set_viewport_size(viewport)
    time.sleep(settle_s)


def widget_outputs(page: Any) -> list[dict]:
    """:data:`_JS_WIDGET_OUTPUTS` with every widget output scrolled into view first
    (JupyterLab lays out cells out of view lazily)."""
    areas = page.locator(".jp-OutputArea-output").filter(has=page.locator(".jupyter-widgets"))
    for k in range(areas.count()):
        areas.nth(k).scroll_into_view_if_needed()
        time.sleep(0.2)
    return page.evaluate(_JS_WIDGET_OUTPUTS, TOLERANCE_PX)


def sideways(page: Any, selector: str) -> list[str]:
    """The scroll containers matching ``selector`` that would scroll sideways."""
    return page.evaluate(_JS_SIDEWAYS, [selector, TOLERANCE_PX])


def figures(element: Any) -> list[dict]:
    """Width and axis-label font sizes (px) of the Bokeh figures in ``element``."""
    return element.evaluate(_JS_FIGURES)
