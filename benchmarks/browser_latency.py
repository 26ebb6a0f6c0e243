"""Browser latency of the explorers: from a key press or click to new data and new pixels.

Run ``python benchmarks/browser_latency.py`` (about four minutes; ``--no-voila`` skips the
Voila rows) or ``--quick`` (a smoke test). It drives JupyterLab and Voila in Debian's
chromium with the harness of the browser tests (``tests/browser/browser_harness.py``), on
temporary copies of the lessons, and measures in the page with ``performance.now()``.
A probe is installed before each press: a capturing ``keydown`` (or ``click``) listener
on the document, a listener on the ``change`` signal of every ColumnDataSource of the
explorer's figures in BokehJS, and, once the data changed, a check every ~4 ms
(``setTimeout(0)``) of a hash of the pixels of the first figure's canvases
(``getImageData``, inside Bokeh's shadow root):

- *to data*: keydown/click -> the first ColumnDataSource change in BokehJS (the kernel's
  simulation, the widget messages and the Bokeh document patch included);
- *to pixels*: keydown/click -> the first check at which the canvas differs from before.

Measured: the first explorer of lesson 01 (``explore_run`` of the withdrawal scenario),
its "Division rate" slider focused and moved with ArrowRight, one press per step, in
JupyterLab and in Voila; a 100-run cohort explorer in JupyterLab
(``explore_cohort(sotillo2010 TI-KM, n_runs=100)``, a generated notebook); and, in
JupyterLab, the two trial explorers of lessons 04 and 05 as a class waits for them:
lesson 04's ``compare_arms({"TI-K": ..., "TI-KM": ...}, n_runs=N, seed=SEED)`` ("Run 2 ×
60 mice") and lesson 05's five-arm ``compare_arms(arms, n_runs=N, seed=SEED,
subject="patients")`` ("Run 5 × 30 patients"), each picked by the text of its Run button
(the first and only figure of a trial explorer is its Kaplan–Meier survival figure). For
the cohort and trial explorers: New seed (not timed), then a click on Run. One press or
click is a warm-up and not counted; the explorer's own "simulated in" time shows how much
of the wait is the simulation. The cohort notebooks also stamp, in the kernel, the Run's
start, the end of its simulation and the first figure patch sent (``STAMP_CODE``); against
the page's clock these split the wait to new data into click -> kernel, simulation, kernel
after it, and the patch's way to BokehJS.
Targets (reported, never asserted): slider <= 100 ms to data and <= 150 ms to pixels;
cohort <= 1 s to pixels; lesson 04's trial <= 3 s and lesson 05's <= 4 s to pixels.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _load(name: str, path: Path) -> Any:
    """Import a module from a file once (also when this file is imported by a test)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


bc = _load("_common", HERE / "_common.py")
h = _load("browser_harness", ROOT / "tests" / "browser" / "browser_harness.py")

NAME = "browser_latency"
LESSON = "01_oncogene_addiction.ipynb"
COHORT_NOTEBOOK = "cohort_100_runs.ipynb"
COHORT_RUNS = 100
#: Wraps the cohort explorer's ``_compute`` and the figures' patch sender so that each
#: Run appends its epoch times (entry, simulation done, first document patch about to be
#: sent) to STAMPS in the notebook's folder: with the page's ``performance.timeOrigin``
#: they split the wait into the simulation, the kernel's work after it and the patch's
#: way to BokehJS.
STAMPS = "kernel_stamps.jsonl"
STAMP_CODE = (
    "import json, time\n\n"
    "from cinlab.figure_widget import FigureWidget\n\n\n"
    "def stamp(explorer):\n"
    "    compute, patched, t = explorer._compute, FigureWidget._document_patched, {}\n\n"
    "    def timed_compute(*args):\n"
    "        t.clear()\n"
    "        t['enter'] = time.time()\n"
    "        result = compute(*args)\n"
    "        t['computed'] = time.time()\n"
    "        return result\n\n"
    "    def timed_patched(self, event):\n"
    "        if 'computed' in t and 'sent' not in t:\n"
    "            t['sent'] = time.time()\n"
    f"            with open('{STAMPS}', 'a') as f:\n"
    "                f.write(json.dumps(t) + '\\n')\n"
    "        patched(self, event)\n\n"
    "    explorer._compute, FigureWidget._document_patched = timed_compute, timed_patched\n"
    "    return explorer"
)
COHORT_CODE = [
    "from cinlab import scenarios, widgets\n\nwidgets.setup()",
    STAMP_CODE,
    'stamp(widgets.explore_cohort(scenarios.get("sotillo2010", mad2=True), n_runs={n}, '
    "seed=2010))",
]
#: The same explorer spreading each cohort over two worker processes (the explorer's
#: ``executor`` option; forkserver, as its docstring suggests, made once per notebook).
COHORT_POOL_NOTEBOOK = "cohort_100_runs_pool.ipynb"
COHORT_POOL_CODE = [
    "import multiprocessing\nfrom concurrent.futures import ProcessPoolExecutor\n\n"
    "from cinlab import scenarios, widgets\n\nwidgets.setup()\n"
    'pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver"))',
    STAMP_CODE,
    'stamp(widgets.explore_cohort(scenarios.get("sotillo2010", mad2=True), n_runs={n}, '
    "seed=2010,\n                             executor=pool))",
]
DATA_TARGET = 100.0  # ms, slider key -> new data in BokehJS
PIXELS_TARGET = 150.0  # ms, slider key -> repainted canvas
COHORT_TARGET = 1000.0  # ms, Run click -> repainted canvas (100 runs)
PROBE_TIMEOUT = 60.0  # s


class Trial(NamedTuple):
    """A trial explorer (``compare_arms``) of a lesson, picked by its Run button."""

    key: str
    lesson: str
    button: str  # the Run button's label, checked; the explorer is found by "Run <arms> ×"
    call: str
    target: float  # ms, Run click -> repainted canvas


TRIALS = (
    Trial("arms_04", "04_cin_and_relapse.ipynb", "Run 2 \u00d7 60 mice",
          'compare_arms({"TI-K": ..., "TI-KM": ...}, n_runs=60, seed=2010)', 3000.0),
    Trial("arms_05", "05_fighting_relapse.ipynb", "Run 5 \u00d7 30 patients",
          'compare_arms(5 arms, n_runs=30, seed=2010, subject="patients")', 4000.0),
)
ARMS_PRESSES = 5  # timed clicks per trial explorer after the warm-up


def write_cohort_notebook(folder: Path, n_runs: int = COHORT_RUNS, code: list[str] = COHORT_CODE,
                          name: str = COHORT_NOTEBOOK) -> Path:
    import nbformat

    cells = [nbformat.v4.new_code_cell(c.replace("{n}", str(n_runs))) for c in code]
    nb = nbformat.v4.new_notebook(cells=cells)
    # with a kernel named, JupyterLab starts it instead of asking which one to use
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    path = folder / name
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _wait_idle(explorer: Any) -> None:
    """Until the explorer's status says it is up to date, then a moment for late repaints."""
    explorer.locator(".widget-html-content", has_text="Up to date.").wait_for(timeout=60_000)
    time.sleep(0.3)


def _probe(page: Any, explorer: Any, event: str, act: Any) -> dict:
    """Install the probe, act (press or click), wait until new pixels; times in ms."""
    installed = explorer.evaluate(h.JS_LATENCY_PROBE, event)
    if not installed["sources"] or not installed["canvases"]:
        raise RuntimeError(f"nothing to watch in the explorer: {installed}")
    act()
    deadline = time.monotonic() + PROBE_TIMEOUT
    while True:
        probe = page.evaluate("window.__cinlabProbe")
        if probe["t_paint"] is not None and probe["t_event"] is not None:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"no new data or pixels within {PROBE_TIMEOUT:.0f} s: {probe}")
        time.sleep(0.02)
    return {"to_data_ms": probe["t_data"] - probe["t_event"],
            "to_pixels_ms": probe["t_paint"] - probe["t_event"],
            "pixel_checks": probe["checks"],
            "page_times_ms": {k: probe[k] for k in ("t_event", "t_data", "t_paint")}}


def _kernel_seconds(explorer: Any) -> float | None:
    text = explorer.locator(".widget-html-content", has_text="Up to date.").inner_text()
    m = re.search(r"simulated in ([\d.]+) s", text)
    return float(m.group(1)) if m else None


def measure_slider(bp: Any, presses: int) -> dict:
    """Lesson 01's first explorer: ``presses`` timed ArrowRight presses after a warm-up."""
    page = bp.page
    explorer = h.explorers(page).nth(0)
    explorer.scroll_into_view_if_needed()
    handle = h.slider_handle(explorer)
    label = explorer.locator(".widget-slider .widget-label").first.text_content()
    readout = explorer.locator(".widget-slider .widget-readout").first
    samples, values = [], [readout.text_content()]
    for _ in range(presses + 1):
        _wait_idle(explorer)
        handle.focus()
        key = h.arrow_key_for(handle)
        samples.append(_probe(page, explorer, "keydown", lambda k=key: page.keyboard.press(k)))
        _wait_idle(explorer)
        samples[-1]["kernel_s"] = _kernel_seconds(explorer)
        values.append(readout.text_content())
    return {"control": label, "values": values, "warmup": samples[0], "samples": samples[1:]}


def _split(sample: dict, stamps: Path, origin: float) -> dict:
    """The kernel's epoch stamps of the last Run (STAMP_CODE) against the page's clock."""
    kernel = json.loads(stamps.read_text().splitlines()[-1])
    page = {k: origin + v for k, v in sample["page_times_ms"].items()}
    return {"click_to_kernel_ms": 1e3 * kernel["enter"] - page["t_event"],
            "simulation_ms": 1e3 * (kernel["computed"] - kernel["enter"]),
            "kernel_after_ms": 1e3 * (kernel["sent"] - kernel["computed"]),
            "kernel_to_data_ms": page["t_data"] - 1e3 * kernel["sent"]}


def _measure_runs(page: Any, explorer: Any, presses: int, stamps: Path | None = None) -> dict:
    """New seed (untimed), then a timed click on the explorer's Run button; ``presses``
    times after a warm-up. With ``stamps`` (the file STAMP_CODE writes), each sample also
    splits the wait at the kernel's stamps."""
    explorer.scroll_into_view_if_needed()
    run = explorer.locator(".widget-button", has_text=h.EXPLORER_BUTTON)
    origin = page.evaluate("performance.timeOrigin")
    samples = []
    for _ in range(presses + 1):
        _wait_idle(explorer)
        explorer.get_by_role("button", name="New seed").click()
        explorer.locator(".widget-html-content", has_text="Settings changed").wait_for()
        samples.append(_probe(page, explorer, "click", run.click))
        _wait_idle(explorer)
        samples[-1]["kernel_s"] = _kernel_seconds(explorer)
        if stamps is not None:
            samples[-1].update(_split(samples[-1], stamps, origin))
    return {"button": run.inner_text(), "warmup": samples[0], "samples": samples[1:]}


def measure_cohort(bp: Any, presses: int, stamps: Path | None = None) -> dict:
    """The 100-run cohort explorer: New seed (untimed), then a timed click on Run."""
    return _measure_runs(bp.page, h.explorers(bp.page).nth(0), presses, stamps)


def explorer_by_button(page: Any, prefix: str) -> Any:
    """The one explorer on the page whose Run button's text starts with ``prefix``."""
    button = page.locator(".widget-button", has_text=re.compile(rf"^\s*{re.escape(prefix)}"))
    found = h.explorers(page).filter(has=button)
    found.first.wait_for(timeout=60_000)  # shown once the prediction is locked
    if found.count() != 1:
        raise RuntimeError(f"{found.count()} explorers with a '{prefix}...' button")
    return found


def measure_trial(bp: Any, presses: int, trial: Trial) -> dict:
    """A lesson's trial explorer, found by its Run button ("Run 2 ×"): as the cohort."""
    prefix = trial.button.split("\u00d7")[0] + "\u00d7"
    explorer = explorer_by_button(bp.page, prefix)
    # the probe watches the first figure: here the only one, the survival figure
    figures = len(explorer.evaluate(h.JS_FIGURE_PIXELS))
    if figures != 1:
        raise RuntimeError(f"{trial.lesson}: {figures} figures in the trial explorer, "
                           "expected the survival figure alone")
    return _measure_runs(bp.page, explorer, presses)


def measure_all(browser: Any, lab: Any, presses: int, cohort_presses: int,
                voila: Any = None, cohort_runs: int = COHORT_RUNS,
                arms_presses: int = ARMS_PRESSES) -> dict:
    """Every measurement on running servers (``lab.root`` holds the lessons)."""
    write_cohort_notebook(lab.root, cohort_runs)
    write_cohort_notebook(lab.root, cohort_runs, COHORT_POOL_CODE, COHORT_POOL_NOTEBOOK)
    out: dict[str, Any] = {}
    cells = {COHORT_NOTEBOOK: len(COHORT_CODE), COHORT_POOL_NOTEBOOK: len(COHORT_POOL_CODE)}
    for name, key, measure, n in (
            (LESSON, "slider", measure_slider, presses),
            (COHORT_NOTEBOOK, "cohort",
             functools.partial(measure_cohort, stamps=lab.root / STAMPS), cohort_presses),
            (COHORT_POOL_NOTEBOOK, "cohort_pool",
             functools.partial(measure_cohort, stamps=lab.root / STAMPS), cohort_presses),
            *((t.lesson, t.key, functools.partial(measure_trial, trial=t), arms_presses)
              for t in TRIALS)):
        bc.progress(f"JupyterLab: {name}, {n} timed presses")
        try:
            with h.open_page(browser, lab) as bp:
                h.open_lab_notebook(bp, lab, name)
                h.expand_all_code(bp.page)  # collapsed cells show no prompt to wait on
                h.run_all_cells(bp.page)
                n_code = cells.get(name) or h.lesson_plan(lab.root / name).n_code_cells
                h.wait_for_run_all(bp.page, n_code)
                h.lock_predictions(bp.page)  # gated explorers open once it is locked
                out[key] = measure(bp, n)
        finally:
            h.shutdown_lab_kernel(lab, name)
    if voila is not None:
        bc.progress(f"Voila: {LESSON}, {presses} timed presses")
        with h.open_page(browser, voila) as bp:
            try:
                h.open_voila_notebook(bp, voila, LESSON, 2)
                h.lock_predictions(bp.page)
                out["voila_slider"] = measure_slider(bp, presses)
            finally:
                h.shutdown_voila_kernel(voila, bp.page)
    return out


#: Rows that split a cohort Run's wait at the kernel's stamps (medians).
_SPLIT_ROWS = (
    ("click_to_kernel_ms", "click to the explorer's code in the kernel",
     "median; the kernel's time.time() against the page's performance.timeOrigin + now()"),
    ("simulation_ms", "simulation (stamped)", "median; the explorer's _compute"),
    ("kernel_after_ms", "kernel after the simulation",
     "median; captions and figure data, until the first document patch is sent"),
    ("kernel_to_data_ms", "patch from the kernel to new data in BokehJS",
     "median; its serialisation, messages through the server and the page, BokehJS "
     "applying it"),
)


def _stat(samples: list[dict], key: str, q: float = 0.5) -> float:
    values = sorted(s[key] for s in samples)
    if q == 0.5:
        return statistics.median(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def rows(results: dict) -> list:
    out = []
    for key, where in (("slider", "JupyterLab"), ("voila_slider", "Voila")):
        if key not in results:
            continue
        r, s = results[key], results[key]["samples"]
        what = (f"lesson 01, first explorer, slider '{r['control']}' focused, ArrowRight; "
                f"{len(s)} presses after a warm-up (values {r['values'][0]} to "
                f"{r['values'][-1]})")
        kernel = [x["kernel_s"] for x in s if x["kernel_s"] is not None]
        out += [
            bc.Row(f"{where}: slider key -> new data in BokehJS", _stat(s, "to_data_ms"), "ms",
                   DATA_TARGET, "lower", f"median; {what}", {"samples": s,
                                                             "warmup": r["warmup"]}),
            bc.Row("  90th percentile", _stat(s, "to_data_ms", 0.9), "ms"),
            bc.Row("  of which the simulation (kernel)",
                   1e3 * statistics.median(kernel) if kernel else None, "ms",
                   note="" if key != "slider" else "median of the explorer's own "
                   "'simulated in' time (shown to 10 ms)"),
            bc.Row(f"{where}: slider key -> repainted canvas", _stat(s, "to_pixels_ms"), "ms",
                   PIXELS_TARGET, "lower", "median; first pixel check (every ~4 ms) at which "
                   "the figure's canvas differs"),
            bc.Row("  90th percentile", _stat(s, "to_pixels_ms", 0.9), "ms"),
        ]
    for key, label, how in (
            ("cohort", "cohort", "in the kernel"),
            ("cohort_pool", "cohort, 2-process pool",
             "executor=ProcessPoolExecutor(2) (forkserver), started by the warm-up click")):
        if key not in results:
            continue
        r, s = results[key], results[key]["samples"]
        kernel = [x["kernel_s"] for x in s if x["kernel_s"] is not None]
        if r["button"] != f"Run {COHORT_RUNS} mice":
            raise RuntimeError(f"not the {COHORT_RUNS}-run cohort: {r['button']}")
        out += [
            bc.Row(f"{label}: Run click -> new data in BokehJS", _stat(s, "to_data_ms"), "ms",
                   note=f"median of {len(s)} clicks on '{r['button']}' after a warm-up, each "
                        "after New seed (untimed); explore_cohort(sotillo2010 TI-KM, "
                        f"n_runs=100) in JupyterLab, {how}",
                   extra={"samples": s, "warmup": r["warmup"]}),
            bc.Row(f"{label}: Run click -> repainted canvas", _stat(s, "to_pixels_ms"), "ms",
                   COHORT_TARGET, "lower", "median; the spaghetti figure's canvas"),
            bc.Row("  of which the simulation (kernel)",
                   1e3 * statistics.median(kernel) if kernel else None, "ms",
                   note="median of the explorer's own 'simulated in' time"),
        ]
        if all("simulation_ms" in x for x in s):
            out += [bc.Row(f"  of which {what}", _stat(s, key), "ms", note=note)
                    for key, what, note in _SPLIT_ROWS]
    for trial in TRIALS:
        if trial.key not in results:
            continue
        r, s = results[trial.key], results[trial.key]["samples"]
        if r["button"] != trial.button:  # never the numbers of another explorer
            raise RuntimeError(f"not the explorer of {trial.lesson} with '{trial.button}': "
                               f"{r['button']}")
        kernel = [x["kernel_s"] for x in s if x["kernel_s"] is not None]
        where = f"lesson {trial.lesson[:2]}, {trial.button}"
        out += [
            bc.Row(f"{where}: click -> new data in BokehJS", _stat(s, "to_data_ms"), "ms",
                   note=f"median of {len(s)} clicks after a warm-up, each after New seed "
                        f"(untimed); {trial.call} in JupyterLab, in the kernel",
                   extra={"samples": s, "warmup": r["warmup"]}),
            bc.Row(f"{where}: click -> repainted canvas", _stat(s, "to_pixels_ms"), "ms",
                   trial.target, "lower", "median; the survival (Kaplan\u2013Meier) "
                   "figure's canvas"),
            bc.Row("  of which the simulation (kernel)",
                   1e3 * statistics.median(kernel) if kernel else None, "ms",
                   note="median of the explorer's own 'simulated in' time"),
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    p = bc.parser(__doc__.splitlines()[0])
    p.add_argument("--presses", type=int, default=12,
                   help="timed slider presses (at least 10 for the target)")
    p.add_argument("--cohort-presses", type=int, default=10, help="timed cohort re-runs")
    p.add_argument("--arms-presses", type=int, default=ARMS_PRESSES,
                   help="timed re-runs of each trial explorer (lessons 04 and 05)")
    p.add_argument("--no-voila", action="store_true", help="JupyterLab only")
    args = p.parse_args(argv)
    presses, cohort_presses, arms_presses = (
        (3, 2, 1) if args.quick else (args.presses, args.cohort_presses, args.arms_presses))
    clock = bc.ScriptClock()
    with tempfile.TemporaryDirectory(prefix="cinlab-browser-") as tmp, h.stop_on_sigterm():
        tmp = Path(tmp)
        servers = []
        try:
            lessons = [LESSON, *(t.lesson for t in TRIALS)]
            lab = h.start_server("lab", h.copy_lessons(tmp / "lab", lessons), tmp / "lab-server")
            servers.append(lab)
            voila = None
            if not args.no_voila and not args.quick:
                voila = h.start_server("voila", h.copy_lessons(tmp / "voila", [LESSON]),
                                       tmp / "voila-server")
                servers.append(voila)
            with sync_playwright() as playwright:
                browser = h.launch_browser(playwright)
                try:
                    results = measure_all(browser, lab, presses, cohort_presses, voila,
                                          arms_presses=arms_presses)
                finally:
                    browser.close()
        finally:
            for server in servers:
                server.stop()
    table = rows(results)
    bc.report(NAME, "cinlab explorers in the browser (Debian chromium, headless)", table, args,
              clock, {"method": __doc__})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
