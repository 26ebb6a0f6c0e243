"""The real-browser harness: JupyterLab and Voila servers, Debian's chromium, page helpers.

Used by the browser tests (through the fixtures in ``conftest.py``) and by
``benchmarks/browser_latency.py``, so that the benchmark measures exactly what the tests
drive. Recipe and traps: the design notes, "Real browser tests" and "Voila".

- Servers listen on 127.0.0.1 on a free port, in their own process group
  (``start_new_session=True``); :meth:`Server.stop` ends the whole group (server and
  kernels) with ``os.killpg``. Each server gets a random login token (passed in the
  environment, never on the command line) and its own temporary Jupyter config, data,
  runtime, settings and workspace folders, so nothing is written to the user's
  ``~/.jupyter`` or to the project's ``.venv`` and no user configuration leaks in.
- The browser is Debian's ``chromium`` (``apt-get install -y chromium``), never a
  ``playwright install`` download. Its host resolver maps every name except 127.0.0.1
  to "not found", so no test ever depends on (or reaches) the network; every request
  that leaves 127.0.0.1 is recorded and checked by the tests.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cinlab import app_page
from cinlab.cli.serve import QUIET_LAB

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
HOST = "127.0.0.1"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    # Offline by construction: only 127.0.0.1 resolves (requests elsewhere fail at once
    # with net::ERR_NAME_NOT_RESOLVED and are recorded by BrowserPage).
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",
]
VIEWPORT = {"width": 1400, "height": 1000}

#: JupyterLab settings for the test server: no news or update toast over the notebook.
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

STDERR_MIME = "application/vnd.jupyter.stderr"

#: The explorer functions of cinlab.widgets; a call to one in a cell displays an explorer.
EXPLORERS = ("explore_run", "explore_cohort", "explore_karyotypes", "compare_arms")

#: A console warning caused by the harness itself (its pixel reads with getImageData).
HARNESS_WARNING = "Canvas2D: Multiple readback operations using getImageData"


class HarnessError(RuntimeError):
    """The harness could not do its job (no chromium, a server that does not start)."""


# --------------------------------------------------------------------------- chromium


def chromium_path() -> str:
    """Path of Debian's chromium; a clear error if it is missing (CI installs it)."""
    path = shutil.which("chromium")
    if path is None:
        raise HarnessError(
            "Debian's chromium is not installed, and the browser tests need it: run "
            "`apt-get install -y chromium` (CI does this in .ci/run). Do not use "
            "`playwright install`: its browser download is blocked here and on CI.")
    return path


def launch_browser(playwright: Any) -> Any:
    """Launch chromium headless through a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


# ---------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def isolated_environment(workdir: Path, token: str) -> dict[str, str]:
    """This environment with a login token and private Jupyter folders under ``workdir``."""
    env = dict(os.environ)
    folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
               "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython",
               "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
               "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces"}
    for var, name in folders.items():
        (workdir / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(workdir / name)
    for name, settings in LAB_USER_SETTINGS.items():
        path = workdir / "lab-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")
    env["JUPYTER_TOKEN"] = token
    env = app_page.voila_environment(env)  # cinlab's Voila template, as `cinlab app`
    # otherwise every kernel's debugger warns about frozen modules in the server log
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


@dataclass(eq=False)
class Server:
    """A JupyterLab or Voila server in its own process group."""

    kind: str
    root: Path
    port: int
    token: str
    log_path: Path
    process: subprocess.Popen
    _log: Any = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def api(self, method: str, path: str, timeout: float = 10) -> tuple[int, Any]:
        """Call the server's REST API with the token; returns (status, decoded JSON or None)."""
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read()
                status = resp.status
        except urllib.error.HTTPError as err:
            with err:
                return err.code, None
        if resp.headers.get_content_type() != "application/json" or not body.strip():
            return status, None
        return status, json.loads(body)

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def stop(self) -> None:
        """End the server and its kernels: SIGTERM to the group, SIGKILL after 15 s."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        # kernels that outlived the server (they share its process group)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()
        _RUNNING.discard(self)


def lab_command(root: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.ip={HOST}",
            *QUIET_LAB,
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            "--ServerApp.password=", "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            # no announcements or update checks from the server either
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]


def voila_command(root: Path, port: int) -> list[str]:
    # Token authentication as `cinlab app` does it (cinlab.cli.app_command): the token
    # comes from JUPYTER_TOKEN in the environment. Tracebacks are shown so that a failing
    # cell is reported with its error rather than Voila's generic message.
    return [sys.executable, "-m", "voila", str(root), "--no-browser", f"--port={port}",
            f"--Voila.ip={HOST}", "--Voila.port_retries=0", "--Voila.auto_token=True",
            "--show_tracebacks=True", *app_page.VOILA_OPTIONS]


#: Servers started and not yet stopped; stopped on SIGTERM too (see stop_on_sigterm).
_RUNNING: set[Server] = set()


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While inside, a SIGTERM (e.g. from `timeout`) stops the servers before exiting.

    Each server has its own process group, so ending the test process alone would leave
    the servers and their kernels running.
    """
    def handler(signum: int, frame: Any) -> None:
        for server in list(_RUNNING):
            server.stop()
        signal.signal(signum, previous)
        os.kill(os.getpid(), signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_server(kind: str, root: Path, workdir: Path, timeout: float = 90,
                 env: dict[str, str] | None = None) -> Server:
    """Start JupyterLab (``kind="lab"``) or Voila (``"voila"``) serving ``root``; ``env``
    adds variables to the server's (and its kernels') environment."""
    workdir.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between the check and the bind
        port = free_port()
        token = secrets.token_hex(24)
        cmd = (lab_command if kind == "lab" else voila_command)(root, port)
        log_path = workdir / f"{kind}-{port}.log"
        log = open(log_path, "w", encoding="utf-8")  # closed by Server.stop
        proc = subprocess.Popen(cmd, cwd=workdir,
                                env={**isolated_environment(workdir, token), **(env or {})},
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        server = Server(kind, root, port, token, log_path, proc, log)
        _RUNNING.add(server)
        try:
            up = _wait_until_up(server, timeout)
        except BaseException:
            server.stop()
            raise
        if up:
            return server
        last_error = server.log_tail()
        server.stop()
    raise HarnessError(f"{kind} did not start on {HOST}; its log:\n{last_error}")


def _wait_until_up(server: Server, timeout: float) -> bool:
    probe = "/api/status" if server.kind == "lab" else "/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with contextlib.suppress(OSError):
            status, _ = server.api("GET", probe, timeout=5)
            if status == 200:
                return True
        time.sleep(0.3)
    return False


def copy_lessons(dest: Path, names: list[str] | None = None) -> Path:
    """Copy the lesson notebooks to ``dest`` as `cinlab lessons` (and `make lab`) do: the
    servers autosave, the repo stays clean, and a notebook opens unmodified."""
    from cinlab.lesson_files import prepared

    dest.mkdir(parents=True, exist_ok=True)
    for path in lesson_paths():
        if names is None or path.name in names:
            rel = Path(path.name)
            (dest / rel).write_bytes(prepared(path, rel, instructor=False))
    return dest


def lesson_paths() -> list[Path]:
    return sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))


# --------------------------------------------------------- what a lesson should show


@dataclass(frozen=True)
class ExpectedExplorer:
    """An explorer a lesson displays: its code cell and how many controls it has."""

    code_cell: int  # index among the notebook's code cells
    function: str
    n_controls: int | None  # None: the cell passes a variable, the count is not known


@dataclass(frozen=True)
class LessonPlan:
    name: str
    n_code_cells: int
    explorers: tuple[ExpectedExplorer, ...]
    n_quizzes: int
    #: Code cells whose code students see ("going further"); every other one is collapsed.
    n_open_code_cells: int = 0


def lesson_plan(path: Path) -> LessonPlan:
    """Read a lesson's code cells: which explorers and quizzes it displays."""
    from cinlab import widgets  # the defaults of the explorer functions

    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    n_open = sum(1 for c in cells
                 if not c.get("metadata", {}).get("jupyter", {}).get("source_hidden"))
    explorers, quizzes = [], 0
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name == "quiz":
                quizzes += 1
            if name not in EXPLORERS:
                continue
            given = {k.arg: k.value for k in node.keywords}
            if "controls" in given:
                value = given["controls"]
                n = len(value.elts) if isinstance(value, ast.List | ast.Tuple) else None
            else:
                n = len(inspect.signature(getattr(widgets, name)).parameters["controls"].default)
            explorers.append(ExpectedExplorer(i, name, n))
    return LessonPlan(path.name, len(cells), tuple(explorers), quizzes, n_open)


# ------------------------------------------------------------------------ the page

#: The label of an explorer's Run button ("Run", "Run again", "Run 2 × 60 mice"); an
#: explorer is the output area that holds one.
EXPLORER_BUTTON = re.compile(r"^\s*Run\b")

_JS_DEEP = """
const deepAll = (root, sel, out = []) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.matches(sel)) out.push(el);
    if (el.shadowRoot) deepAll(el.shadowRoot, sel, out);
  }
  return out;
};
"""

#: The data of every ColumnDataSource of the Bokeh figures inside an element, as one
#: string (column lengths and sums): it changes when a new result reaches BokehJS.
JS_DATA_FINGERPRINT = """(el) => {
  const views = Object.values(window.Bokeh ? Bokeh.index : {}).filter(v => el.contains(v.el));
  const docs = [...new Set(views.map(v => v.model.document))];
  const parts = [];
  for (const doc of docs) for (const m of doc.all_models) {
    if (m.type !== 'ColumnDataSource') continue;
    const cols = m.data instanceof Map ? [...m.data] : Object.entries(m.data);
    for (const [k, col] of cols) {
      let s = 0, n = 0;
      for (const x of col) {
        n++;
        s += (typeof x === 'number') ? (isFinite(x) ? x : 0.5) : String(x).length;
      }
      parts.push(`${m.id}.${k}:${n}:${s}`);
    }
  }
  return parts.join('|');
}"""

#: Per Bokeh figure in an element (or the element itself, if a figure), also figures in
#: Bokeh layouts (rows, grids: nested shadow roots): canvases, their size and the share of
#: pixels that are painted (neither transparent nor white). A failed BokehJS render has
#: no canvas or a blank one.
JS_FIGURE_PIXELS = "(el) => {" + _JS_DEEP + """
  const figures = el.matches('.bk-Figure') ? [el] : deepAll(el, '.bk-Figure');
  return figures.map(fig => {
    const canvases = deepAll(fig.shadowRoot || fig, 'canvas');
    let painted = 0, total = 0, width = 0, height = 0;
    for (const c of canvases) {
      if (!c.width || !c.height) continue;
      width = Math.max(width, c.width); height = Math.max(height, c.height);
      const ctx = c.getContext('2d');
      if (!ctx) continue;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        total++;
        if (d[i + 3] > 0 && (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245)) painted++;
      }
    }
    return {canvases: canvases.length, width, height,
            painted: total ? painted / total : 0};
  });
}"""

#: Latency probe of explorer ``el``, installed just before a key press or click
#: (``eventName``: "keydown" or "click"); it fills ``window.__cinlabProbe`` with the times
#: (performance.now(), ms) of the event, of the first change of any ColumnDataSource of
#: the explorer's figures in BokehJS, and of the first check after that at which the
#: pixels of the first figure's canvases differ from before (checked every ~4 ms with
#: getImageData and a hash).
JS_LATENCY_PROBE = "(el, eventName) => {" + _JS_DEEP + """
  const views = Object.values(Bokeh.index).filter(v => el.contains(v.el));
  const docs = [...new Set(views.map(v => v.model.document))];
  const sources = docs.flatMap(d => [...d.all_models].filter(m => m.type === 'ColumnDataSource'));
  const fig = deepAll(el, '.bk-Figure')[0];
  const canvases = deepAll(fig.shadowRoot || fig, 'canvas').filter(c => c.width && c.height);
  const hash = () => {
    let h = 2166136261 >>> 0;
    for (const c of canvases) {
      const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      const d = new Uint32Array(pixels.data.buffer);
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
    }
    return h;
  };
  const probe = {t_event: null, t_data: null, t_paint: null, checks: 0, before: hash()};
  window.__cinlabProbe = probe;
  document.addEventListener(eventName, () => {
    if (probe.t_event === null) probe.t_event = performance.now();
  }, {capture: true, once: true});
  const watchPixels = () => {
    const deadline = performance.now() + 30000;
    const check = () => {
      probe.checks++;
      if (hash() !== probe.before) { probe.t_paint = performance.now(); return; }
      if (performance.now() < deadline) setTimeout(check, 0);
    };
    check();
  };
  const onChange = () => {
    if (probe.t_data !== null) return;
    probe.t_data = performance.now();
    for (const s of sources) s.change.disconnect(onChange);
    watchPixels();
  };
  for (const s of sources) s.change.connect(onChange);
  return {sources: sources.length, canvases: canvases.length};
}"""


@dataclass
class BrowserPage:
    """A page in a fresh browser context that records console errors and requests."""

    page: Any
    origin: str
    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def attach(self) -> BrowserPage:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))
        self.page.on("request", self._request)
        return self

    def _console(self, msg: Any) -> None:
        where = msg.location.get("url", "") if msg.location else ""
        where = where.split("?")[0]  # no login token in reports
        text = f"{msg.text} [{where}]" if where else msg.text
        if msg.type == "error":
            self.console_errors.append(text)
        elif msg.type == "warning" and not msg.text.startswith(HARNESS_WARNING):
            self.console_warnings.append(text)

    def _request(self, request: Any) -> None:
        url = request.url
        if not url.startswith((self.origin, "data:", "blob:", "about:")):
            self.external_requests.append(url)

    def unexpected_console_errors(self, allowed_external: re.Pattern | None = None) -> list[str]:
        """Console errors, less the exact failure messages of the allowed external URLs."""
        out = []
        for text in self.console_errors:
            m = re.fullmatch(r"Failed to load resource: net::ERR_NAME_NOT_RESOLVED \[(.*)\]",
                             text)
            if m and allowed_external is not None and allowed_external.match(m.group(1)):
                continue
            out.append(text)
        return out

    def unexpected_requests(self, allowed_external: re.Pattern | None = None) -> list[str]:
        return [u for u in self.external_requests
                if allowed_external is None or not allowed_external.match(u)]


@contextlib.contextmanager
def open_page(browser: Any, server: Server,
              viewport: dict[str, int] | None = None) -> Iterator[BrowserPage]:
    """A new context and page (closed afterwards) on ``server``."""
    context = browser.new_context(viewport=viewport or VIEWPORT, device_scale_factor=1)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield BrowserPage(page, server.url).attach()
    finally:
        context.close()


def explorers(page: Any) -> Any:
    """Locator of the explorers on a page (JupyterLab or Voila), in document order."""
    return page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-button", has_text=EXPLORER_BUTTON))


def error_outputs(page: Any) -> list[str]:
    """Text of every stderr stream and error output on the page."""
    return page.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]'
                        ).all_inner_texts()


def explorer_problems(page: Any) -> list[str]:
    """Explorer status lines that report a problem (cinlab.widgets._error_html)."""
    return [t for t in page.locator('.jp-OutputArea-output [role="alert"]').all_inner_texts()
            if t.strip()]


def wait_for_data_change(explorer: Any, before: str, timeout: float = 20) -> float:
    """Poll the explorer's Bokeh data until it differs from ``before``; seconds waited."""
    t0 = time.monotonic()
    while True:
        if explorer.evaluate(JS_DATA_FINGERPRINT) != before:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"the figure data did not change within {timeout:.0f} s")
        time.sleep(0.1)


def slider_handle(explorer: Any) -> Any:
    """The first slider handle of an explorer (a noUiSlider handle, keyboard-focusable)."""
    return explorer.locator(".widget-slider .noUi-handle").first


def arrow_key_for(handle: Any) -> str:
    """ArrowRight, or ArrowLeft when the slider is already at its maximum."""
    now = handle.get_attribute("aria-valuetext") or handle.get_attribute("aria-valuenow")
    high = handle.get_attribute("aria-valuemax")
    try:
        at_max = now is not None and high is not None and float(now) >= float(high)
    except ValueError:
        at_max = False
    return "ArrowLeft" if at_max else "ArrowRight"


# ----------------------------------------------------------------------- JupyterLab


def open_lab_notebook(bp: BrowserPage, server: Server, name: str) -> None:
    """Open a notebook in JupyterLab (logging in with the token) and wait for its kernel."""
    page = bp.page
    # ?reset: start from an empty workspace; otherwise JupyterLab reopens the notebooks
    # of earlier tests (each with a kernel) next to this one
    page.goto(f"{server.url}/lab/tree/{name}?reset&token={server.token}")
    # The toolbar says idle before the kernel is connected; a Run All sent then is
    # dropped. The status bar's "<kernel> | Idle" comes once it is.
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).wait_for(
        timeout=90_000)


#: Text that only makes sense in a notebook; Voila and the static export hide it.
NOTEBOOK_ONLY = ".cinlab-notebook-only, .celltag_notebook-only"
# Webpack logs "Unsatisfied version" when a JupyterLab extension needs other module
# versions than the page provides. Every Voila 0.5.8-0.5.13 page provides JupyterLab
# 4.2.5 modules; the pins (binder/requirements.txt) are the newest voila, ipywidgets and
# jupyterlab_widgets whose extensions accept them, so no page logs one.


def is_modified(page: Any) -> bool:
    """Whether JupyterLab marks the open notebook as modified (unsaved changes)."""
    return page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() > 0


def visible_code_editors(page: Any) -> int:
    """Code editors a student sees in the notebook (collapsed inputs show none)."""
    return page.locator(".jp-Notebook .jp-CodeCell .jp-InputArea-editor").evaluate_all(
        "els => els.filter(e => e.offsetParent !== null && e.offsetHeight > 0).length")


def visible_notebook_only(page: Any) -> list[str]:
    """Text of notebook-only elements that are visible on the page."""
    return page.locator(NOTEBOOK_ONLY).evaluate_all(
        "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText)")


def expand_all_code(page: Any) -> None:
    """Show the code of every cell (View menu): a collapsed cell shows no prompt, and
    :func:`wait_for_run_all` reads the prompts."""
    page.get_by_role("menuitem", name="View", exact=True).click()
    page.get_by_role("menuitem", name="Expand All Code", exact=True).click()


def run_all_cells(page: Any) -> None:
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


_JS_PROMPTS = f"""() => ({{
  prompts: [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(c =>
    [...c.querySelectorAll('.jp-InputPrompt, .jp-OutputPrompt')].map(p => p.textContent)
      .join(' ')),
  errors: document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]').length,
}})"""


def wait_for_run_all(page: Any, n_code_cells: int, timeout: float = 300) -> float:
    """Wait until a fresh kernel has run every code cell once; seconds waited.

    With a fresh kernel, code cell k (from 0) shows execution count k + 1 when done
    (stored outputs carry older numbers). Stops early when a cell failed and nothing is
    queued any more (JupyterLab stops a Run All at an error).
    """
    t0 = time.monotonic()
    state: dict = {}
    while time.monotonic() - t0 < timeout:
        state = page.evaluate(_JS_PROMPTS)
        prompts = state["prompts"]
        done = [bool(re.search(rf"\[{k + 1}\]", p)) for k, p in enumerate(prompts)]
        if len(prompts) == n_code_cells and all(done):
            return time.monotonic() - t0
        if state["errors"] and not any("[*]" in p for p in prompts):
            break
        time.sleep(0.5)
    raise AssertionError(
        f"Run All did not finish in {time.monotonic() - t0:.0f} s; prompts of the "
        f"{n_code_cells} code cells: {state.get('prompts')}; "
        f"error outputs: {error_outputs(page)}")


def shutdown_lab_kernel(server: Server, name: str) -> list[str]:
    """Shut down the kernels of the sessions on notebook ``name`` (REST); their ids."""
    status, sessions = server.api("GET", "/api/sessions")
    if status != 200:
        raise HarnessError(f"GET /api/sessions answered {status}")
    ids = [s["kernel"]["id"] for s in sessions if s.get("path") == name and s.get("kernel")]
    for kernel_id in ids:
        status, _ = server.api("DELETE", f"/api/kernels/{kernel_id}")
        if status != 204:
            raise HarnessError(f"DELETE /api/kernels/{kernel_id} answered {status}")
    return ids


# ------------------------------------------------------------------------------ Voila


def open_voila_notebook(bp: BrowserPage, server: Server, name: str,
                        n_explorers: int, timeout: float = 300) -> float:
    """Open a notebook in Voila and wait until it ran and its explorers are drawn."""
    page = bp.page
    t0 = time.monotonic()
    # Voila executes the notebook while it streams the page: "load" comes at the end
    page.goto(f"{server.url}/voila/render/{name}?token={server.token}",
              timeout=timeout * 1000)
    page.locator("#loading").wait_for(state="detached", timeout=timeout * 1000)
    deadline = time.monotonic() + 60
    while explorers(page).count() < n_explorers or (
            n_explorers and explorers(page).locator(".bk-Figure canvas").count() == 0):
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return time.monotonic() - t0


def shutdown_voila_kernel(server: Server, page: Any) -> int:
    """Shut the page's kernel down (Voila's shutdown API, with the token); HTTP status.

    Voila's page sends this request itself on ``beforeunload``, but voila 0.5.8-0.5.13 set no
    ``_xsrf`` cookie on the page, so that request is refused (403 "'_xsrf' argument
    missing from POST"; voila-dashboards/voila#1458) and the kernel would run on. A
    request authenticated by the token needs no XSRF cookie.
    """
    kernel_id = page.evaluate("""() => JSON.parse(
        document.getElementById('jupyter-config-data').textContent).kernelId""")
    status, _ = server.api("POST", f"/voila/api/shutdown/{kernel_id}")
    return status


# --------------------------------------------------------- the checks of every lesson


def save_screenshot(page: Any, path: Path, element: Any = None) -> Path | None:
    """Screenshot of the page, or of a whole element (a test artifact); prints the path.

    JupyterLab scrolls inside its notebook panel, where an element taller than the
    window cannot be captured: the window is made tall enough for the moment.
    Returns None for an element that shows nothing (a cell without output in Voila).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if element is None:
        page.screenshot(path=str(path), animations="disabled")
    else:
        height = element.evaluate("el => el.getBoundingClientRect().height")
        if height < 2:
            return None
        size = page.viewport_size
        tall = min(int(height) + 400, 16000)
        if tall > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": tall})
        try:
            element.screenshot(path=str(path), animations="disabled")
        finally:
            if tall > size["height"]:
                page.set_viewport_size(size)
    print(f"screenshot: {path}")
    return path


def lock_predictions(page: Any) -> int:
    """Answer and lock every prediction box as a student would; returns how many.

    Explorers gated by a prediction stay hidden until it is locked: a choice is answered
    with its first option, a number with the lowest allowed value (read from the box's
    placeholder), a free text with a sentence.
    """
    boxes = page.locator(".cinlab-prediction")
    deadline = time.monotonic() + 30
    while boxes.count() == 0 and time.monotonic() < deadline and \
            page.locator(".cinlab-gated").count():
        time.sleep(0.25)
    for k in range(boxes.count()):
        box = boxes.nth(k)
        button = box.locator("button", has_text="Lock my prediction")
        if button.count() == 0:
            continue  # already locked
        if box.locator("input[type=radio]").count():
            box.locator("input[type=radio]").first.check()
        elif box.locator("input[type=text]").count():
            field = box.locator("input[type=text]").first
            found = re.search(r"from (-?[0-9.e+]+)", field.get_attribute("placeholder") or "")
            field.fill(found.group(1) if found else "1")
            field.press("Tab")
        else:
            field = box.locator("textarea").first
            field.fill("It will grow back, because some cells escape.")
            field.press("Tab")
        button.first.wait_for(state="visible")
        deadline = time.monotonic() + 20
        while button.first.is_disabled() and time.monotonic() < deadline:
            time.sleep(0.1)
        button.first.click()
        box.locator("button", has_text="Locked").first.wait_for(timeout=20_000)
    return boxes.count()


def check_rendered_lesson(bp: BrowserPage, plan: LessonPlan, out: Path,
                          allowed_external: re.Pattern | None = None) -> dict:
    """Assert what every lesson page must show once it ran; screenshots go to ``out``.

    No error output, no explorer reporting a problem, every explorer with its controls,
    buttons and painted Bokeh canvases, every quiz, every other Bokeh figure painted; then
    one interaction (a slider moved by keyboard, or New seed + Run) must change the
    figure's data in BokehJS; finally no console error and no request off the machine.
    Returns a report (also written to ``out/report.json``).
    """
    page = bp.page
    report: dict[str, Any] = {"lesson": plan.name, "explorers": []}
    save_screenshot(page, out / "page-after-run.png")
    cells = page.locator(".jp-CodeCell")
    for k in range(cells.count()):  # every code cell, as a student sees it
        save_screenshot(page, out / f"code-cell-{k + 1:02d}.png", cells.nth(k))

    errors = error_outputs(page)
    assert errors == [], f"{plan.name}: error or stderr outputs:\n" + "\n---\n".join(errors)
    problems = explorer_problems(page)
    assert problems == [], f"{plan.name}: explorers report problems: {problems}"

    lock_predictions(page)
    found = explorers(page)
    deadline = time.monotonic() + 60  # widget views render after the cells finished
    while found.count() < len(plan.explorers) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert found.count() == len(plan.explorers), (
        f"{plan.name}: {found.count()} explorers rendered, the lesson displays "
        f"{len(plan.explorers)} ({[e.function for e in plan.explorers]})")
    assert page.locator(".cinlab-quiz").count() == plan.n_quizzes, f"{plan.name}: quizzes"
    for k, expected in enumerate(plan.explorers):
        explorer = found.nth(k)
        explorer.scroll_into_view_if_needed()
        label = f"{plan.name}, explorer {k + 1} ({expected.function}, code cell " \
                f"{expected.code_cell + 1})"
        figures = figures_of_every_tab(explorer)
        report["explorers"].append({"function": expected.function, "figures": figures})
        assert figures, f"{label}: no Bokeh figure"
        for f, fig in enumerate(figures, start=1):
            assert fig["canvases"] > 0, f"{label}: figure {f} has no canvas"
            assert fig["width"] > 0, f"{label}: figure {f}'s canvas has no size"
            assert fig["painted"] > 0, f"{label}: figure {f}'s canvas is blank"
        assert explorer.locator(".widget-button", has_text=EXPLORER_BUTTON).is_visible()
        assert explorer.locator(".widget-html-content", has_text="Up to date.").count() == 1, \
            f"{label}: the status line does not say 'Up to date.'"
        controls = (explorer.locator(".widget-slider").count()
                    + explorer.locator(".widget-dropdown").count() - 1)  # less Preset
        if expected.n_controls is not None:
            assert controls == expected.n_controls, f"{label}: {controls} controls shown"
        assert explorer.locator(".widget-slider .noUi-handle").count() == \
            explorer.locator(".widget-slider").count(), f"{label}: a slider has no handle"

    # every figure on the page, also those shown outside explorers (bokeh.io.show)
    every = painted_figures(page.locator("body"))
    blank = [i for i, fig in enumerate(every) if not fig["canvases"] or not fig["painted"]]
    assert blank == [], f"{plan.name}: Bokeh figures without a painted canvas: {blank}"
    report["figures_on_page"] = every

    if plan.explorers:
        report["interaction"] = interact(bp, plan, out)

    assert bp.unexpected_console_errors(allowed_external) == [], (
        f"{plan.name}: browser console errors: {bp.console_errors}")
    assert bp.unexpected_requests(allowed_external) == [], (
        f"{plan.name}: requests that left 127.0.0.1: {bp.external_requests}")
    # no console warning at all, "Unsatisfied version" module mismatches included
    assert bp.console_warnings == [], f"{plan.name}: console warnings: {bp.console_warnings}"
    report["console_warnings"] = bp.console_warnings
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


#: The tabs of an explorer that shows one figure per tab (ipywidgets 8 Tab, Lumino).
TAB_SELECTOR = ".widget-tab .lm-TabBar-tab, .jupyter-widget-tab .lm-TabBar-tab"


def figures_of_every_tab(scope: Any, timeout: float = 30) -> list[dict]:
    """:func:`painted_figures` of ``scope``, tab by tab if it shows its figures in tabs
    (each tab clicked in turn; the first one is selected again at the end)."""
    tabs = scope.locator(TAB_SELECTOR)
    if tabs.count() == 0:
        return painted_figures(scope, timeout)
    out = []
    for k in range(tabs.count()):
        tabs.nth(k).click()
        out += painted_figures(scope, timeout)
    tabs.nth(0).click()
    return out


def painted_figures(scope: Any, timeout: float = 30) -> list[dict]:
    """Pixels of every shown Bokeh figure in ``scope`` (not those in a hidden tab), each
    scrolled into view and given up to ``timeout`` seconds to be painted (JupyterLab
    renders cells out of view lazily)."""
    figures = scope.locator(".bk-Figure")
    out = []
    for i in range(figures.count()):
        figure = figures.nth(i)
        if not figure.is_visible():
            continue  # in a tab that is not selected
        figure.scroll_into_view_if_needed()
        deadline = time.monotonic() + timeout
        while True:
            (info,) = figure.evaluate(JS_FIGURE_PIXELS)
            if (info["canvases"] and info["painted"] > 0) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        out.append(info)
    return out


def interact(bp: BrowserPage, plan: LessonPlan, out: Path) -> dict:
    """Move the first explorer slider by keyboard (or press New seed, then Run) and wait
    until the figure data in BokehJS changed."""
    page = bp.page
    found = explorers(page)
    with_slider = [k for k in range(found.count())
                   if found.nth(k).locator(".widget-slider .noUi-handle").count()]
    k = with_slider[0] if with_slider else 0
    explorer = found.nth(k)
    explorer.scroll_into_view_if_needed()
    before = explorer.evaluate(JS_DATA_FINGERPRINT)
    assert before, f"{plan.name}: explorer {k + 1} has no ColumnDataSource in BokehJS"
    if with_slider:
        handle = slider_handle(explorer)
        key = arrow_key_for(handle)
        readout = explorer.locator(".widget-slider .widget-readout").first
        start = readout.text_content()
        handle.focus()
        page.keyboard.press(key)
        action = f"slider {start} + {key}"
        waiting = explorer.locator(".widget-html-content", has_text="Settings changed")
        try:  # an explorer that waits for its Run button says so
            waiting.wait_for(timeout=3_000)
        except Exception:
            pass
        else:
            explorer.locator(".widget-button", has_text=EXPLORER_BUTTON).click()
            action += ", then Run"
    else:
        explorer.get_by_role("button", name="New seed").click()
        explorer.locator(".widget-html-content", has_text="Settings changed").wait_for()
        explorer.locator(".widget-button", has_text=EXPLORER_BUTTON).click()
        action = "New seed, then Run"
    seconds = wait_for_data_change(explorer, before,
                                   timeout=60 if "Run" in action else 20)
    explorer.locator(".widget-html-content", has_text="Up to date.").wait_for(timeout=60_000)
    if with_slider:
        action += f" -> {readout.text_content()}"
    save_screenshot(page, out / f"explorer-{k + 1}-after-{'slider' if with_slider else 'run'}.png",
                    explorer)
    return {"explorer": k + 1, "action": action, "seconds_to_new_data": seconds}
