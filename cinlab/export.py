"""Static HTML pages of executed lessons: no kernel, no network, figures still interactive.

:func:`export_html` runs a notebook top to bottom (nbclient), then writes one HTML file
(nbconvert's JupyterLab template) that loads nothing from the internet:

- BokehJS is embedded once, inline, in the page head, and the notebook's own BokehJS
  loader outputs (``output_notebook``) are dropped, so a figure can be zoomed, panned
  and hovered in any browser, offline.
- ipywidgets have no kernel to talk to in a static page, and the usual widget renderer
  would be fetched from a CDN. Widget outputs are therefore drawn as static HTML from
  the widget state the run ended with: boxes and tabs as boxes, Bokeh figures inside
  ``jupyter_bokeh.BokehModel`` as embedded Bokeh documents (their latest data, read
  from the kernel at the end of the run), HTML and labels as they are, and every
  control (slider, dropdown, checkbox, ...) as a disabled copy showing its value.
- MathJax, require.js and mermaid, which nbconvert's template loads from CDNs, are left
  out. LaTeX formulas in markdown cells (``$...$``, ``$$...$$``) are written as MathML
  instead (:mod:`cinlab.mathml`), which browsers draw without any script, and inline
  HTML such as ``<sup>`` is kept as written.
- Cells tagged ``notebook-only`` and text marked ``class="cinlab-notebook-only"``
  (instructions such as "press Shift + Enter") are left out of the page.

Bokeh, ipywidgets, nbclient and nbconvert are imported inside the functions (they come
with the ``lessons`` extra), so ``import cinlab`` never loads them.
"""

from __future__ import annotations

import datetime
import html
import json
import os
import re
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bokeh.resources import Component

__all__ = ["export_html", "render_html"]

#: Widget-view outputs point at a widget model by id.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Outputs that only load BokehJS into a notebook page (``bokeh.io.output_notebook``).
BOKEH_LOAD = "application/vnd.bokehjs_load.v0+json"
#: Outputs of ``bokeh.io.show`` in a notebook.
BOKEH_EXEC = "application/vnd.bokehjs_exec.v0+json"
#: What the end-of-run probe cell displays: the latest render bundle of every BokehModel.
_BUNDLES = "application/x-cinlab-bokeh-bundles+json"

# Run in the lesson's kernel after its last cell. BokehModel keeps the figure it was built
# with as `render_bundle`; later data changes travel as patches that nbclient does not
# record, so the current figure is read from the live model instead.
_PROBE = """\
def _cinlab_export_bokeh_bundles():
    import json
    import sys
    if "jupyter_bokeh" not in sys.modules:
        return {}
    try:
        from bokeh.core.json_encoder import serialize_json
        from ipywidgets.widgets.widget import _instances
        from jupyter_bokeh.widgets import BokehModel
    except ImportError:
        return {}
    bundles = {}
    for model_id, widget in list(_instances.items()):
        if isinstance(widget, BokehModel):
            try:
                bundle = BokehModel._model_to_traits(widget._model)
            except Exception:
                continue
            bundles[model_id] = json.loads(serialize_json(bundle))
    return bundles


from IPython.display import display as _cinlab_display

_cinlab_display({@BUNDLES@: _cinlab_export_bokeh_bundles()}, raw=True)
del _cinlab_export_bokeh_bundles, _cinlab_display
""".replace("@BUNDLES@", repr(_BUNDLES))

_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{#- The JupyterLab page without the scripts nbconvert fetches from CDNs. -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">{{ resources.cinlab_css }}</style>
{{ resources.cinlab_head }}
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
<div class="cinlab-static-banner" role="note">{{ resources.cinlab_banner }}</div>
{%- endblock body_header -%}
"""

#: Cells with this tag only make sense in a running notebook; the page leaves them out.
NOTEBOOK_ONLY_TAG = "notebook-only"

_CSS = """
.cinlab-notebook-only { display: none !important; }
math[display="block"] { margin: 0.8em 0; font-size: 115%; }
.cinlab-static-banner { margin: 1em auto; max-width: 60em; padding: 0.6em 1em;
  border-left: 4px solid #0072B2; background: #eef5fb; font-family: sans-serif; }
.cinlab-static-hbox { display: flex; flex-flow: row wrap; gap: 0.5em; align-items: flex-start; }
.cinlab-static-vbox { display: flex; flex-flow: column; gap: 0.3em; }
.cinlab-static-control { font-family: sans-serif; margin: 0.2em 0; }
.cinlab-static-control label { margin-right: 0.5em; }
.cinlab-static-tab > h4 { margin: 0.6em 0 0.2em; }
"""


def _is_bokeh_load(output: Mapping[str, Any]) -> bool:
    return BOKEH_LOAD in output.get("data", {})


def _ref(value: Any) -> str | None:
    """The model id in an ``IPY_MODEL_<id>`` reference, or None."""
    if isinstance(value, str) and value.startswith("IPY_MODEL_"):
        return value[len("IPY_MODEL_"):]
    return None


class _StaticWidgets:
    """Draw widget outputs as static HTML from the widget state of a finished run."""

    def __init__(self, state: Mapping[str, Any], bundles: Mapping[str, Any]) -> None:
        self.state = state
        self.bundles = bundles
        self.n_bokeh = 0
        self.bokeh_json: list[str] = []

    def view(self, model_id: str, depth: int = 0) -> str:
        entry = self.state.get(model_id)
        if entry is None or depth > 50:
            return ""
        name = entry.get("model_name", "")
        st = entry.get("state", {})
        if name == "BokehModel" or model_id in self.bundles:
            return self._bokeh(model_id, st)
        if name in ("HTMLModel", "HTMLMathModel"):
            return self._labelled(st, str(st.get("value", "")))
        if name == "LabelModel":
            return self._labelled(st, html.escape(str(st.get("value", ""))))
        if name == "OutputModel":
            return "".join(self.output(o, depth + 1) for o in st.get("outputs", []))
        if name == "ButtonModel":
            return (f'<button type="button" disabled>'
                    f'{html.escape(str(st.get("description", "")))}</button>')
        children = [c for c in map(_ref, st.get("children", [])) if c]
        if name in ("TabModel", "AccordionModel", "StackModel"):
            titles = list(st.get("titles", []))
            parts = []
            for i, child in enumerate(children):
                title = titles[i] if i < len(titles) and titles[i] else f"Part {i + 1}"
                parts.append(f'<div class="cinlab-static-tab"><h4>{html.escape(str(title))}'
                             f"</h4>{self.view(child, depth + 1)}</div>")
            return "".join(parts)
        if "children" in st:
            css = "cinlab-static-hbox" if name == "HBoxModel" else "cinlab-static-vbox"
            inner = "".join(self.view(c, depth + 1) for c in children)
            return f'<div class="{css}">{inner}</div>'
        return self._control(st)

    def _labelled(self, st: Mapping[str, Any], body: str) -> str:
        label = st.get("description", "")
        if label:
            body = f"<label>{html.escape(str(label))}</label> {body}"
        return f'<div class="cinlab-static-control">{body}</div>'

    def _control(self, st: Mapping[str, Any]) -> str:
        """A disabled copy of a control, showing its value."""
        if "_options_labels" in st and "index" in st:
            labels, index = list(st["_options_labels"]), st["index"]
            picked = [index] if isinstance(index, int) else list(index or [])
            value: Any = ", ".join(str(labels[i]) for i in picked if 0 <= i < len(labels))
        elif "value" in st:
            value = st["value"]
        else:
            return ""
        label = str(st.get("description", ""))
        nums = [st.get(k) for k in ("min", "max", "value")]
        if all(isinstance(x, int | float) and not isinstance(x, bool) for x in nums):
            step = st.get("step") if isinstance(st.get("step"), int | float) else "any"
            shown = (f'<input type="range" disabled min="{nums[0]}" max="{nums[1]}" '
                     f'step="{step}" value="{nums[2]}" aria-label="{html.escape(label)}"> '
                     f"<output>{html.escape(_fmt_value(value))}</output>")
        elif isinstance(value, bool):
            checked = " checked" if value else ""
            shown = (f'<input type="checkbox" disabled{checked} '
                     f'aria-label="{html.escape(label)}">')
        else:
            shown = f"<output>{html.escape(_fmt_value(value))}</output>"
        label_html = f"<label>{html.escape(label)}</label>" if label else ""
        return f'<div class="cinlab-static-control">{label_html}{shown}</div>'

    def _bokeh(self, model_id: str, st: Mapping[str, Any]) -> str:
        bundle: Any = self.bundles.get(model_id, st.get("render_bundle"))
        if isinstance(bundle, str):
            try:
                bundle = json.loads(bundle)
            except ValueError:
                return ""
        if not isinstance(bundle, Mapping) or "docs_json" not in bundle:
            return ""
        divs, items = [], []
        for item in bundle.get("render_items", []):
            roots = {}
            for root_id in item.get("roots", {}):
                element = f"cinlab-bokeh-{uuid.uuid4().hex}"
                roots[root_id] = element
                divs.append(f'<div id="{element}" data-root-id="{html.escape(root_id)}" '
                            f'style="display: contents;"></div>')
            items.append({**item, "roots": roots})
        self.n_bokeh += 1
        data_id = f"cinlab-bokeh-data-{uuid.uuid4().hex}"
        payload = json.dumps({"docs_json": bundle["docs_json"], "render_items": items})
        self.bokeh_json.append(payload)
        return (
            "".join(divs)
            + f'<script type="application/json" id="{data_id}">{_script_safe(payload)}</script>'
            + "<script type=\"text/javascript\">(function () {\n"
            + f"  var data = JSON.parse(document.getElementById('{data_id}').textContent);\n"
            + "  var attempts = 0;\n"
            + "  function embed() {\n"
            + "    if (window.Bokeh && window.Bokeh.embed) {\n"
            + "      window.Bokeh.embed.embed_items(data.docs_json, data.render_items);\n"
            + "    } else if (attempts++ < 100) { setTimeout(embed, 50); }\n"
            + "    else { console.error('cinlab: BokehJS did not load'); }\n"
            + "  }\n"
            + "  if (document.readyState !== 'loading') { embed(); }\n"
            + "  else { document.addEventListener('DOMContentLoaded', embed); }\n"
            + "})();</script>"
        )

    def output(self, out: Mapping[str, Any], depth: int = 0) -> str:
        """Static HTML for one output inside an Output widget."""
        kind = out.get("output_type")
        if kind == "stream":
            return f"<pre>{html.escape(str(out.get('text', '')))}</pre>"
        if kind == "error":
            return (f"<pre>{html.escape(str(out.get('ename', '')))}: "
                    f"{html.escape(str(out.get('evalue', '')))}</pre>")
        data = out.get("data", {})
        if WIDGET_VIEW in data:
            model_id = data[WIDGET_VIEW].get("model_id", "")
            return self.view(model_id, depth + 1)
        if BOKEH_LOAD in data:
            return ""
        if "text/html" in data:
            return _joined(data["text/html"])
        for mime in ("image/png", "image/jpeg"):
            if mime in data:
                return f'<img src="data:{mime};base64,{_joined(data[mime]).strip()}" alt="">'
        if "image/svg+xml" in data:
            return _joined(data["image/svg+xml"])
        if "text/plain" in data:
            return f"<pre>{html.escape(_joined(data['text/plain']))}</pre>"
        return ""


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return " – ".join(_fmt_value(v) for v in value)
    return str(value)


def _script_safe(text: str) -> str:
    """JSON text that cannot close the <script> element it sits in."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _bokeh_head(static: _StaticWidgets, uses_show: bool) -> str:
    """BokehJS, inline, for a page that shows Bokeh figures ('' if it shows none)."""
    if not static.n_bokeh and not uses_show:
        return ""
    from bokeh.resources import Resources

    components: list[Component] = ["bokeh", "bokeh-gl", "bokeh-widgets", "bokeh-tables"]
    if any(re.search(r'"name":\s*"(TeX|MathML|Ascii)"', j) for j in static.bokeh_json):
        components.append("bokeh-mathjax")
    return Resources(mode="inline", components=components).render_js()


def _exporter_class() -> type:
    """The HTML exporter of nbconvert, with formulas as MathML and inline HTML kept."""
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    from .mathml import latex_to_mathml

    class _Renderer(IPythonRenderer):
        def inline_html(self, html: str) -> str:
            # nbconvert embeds images by parsing every inline tag on its own, which
            # turns "<sup>2</sup>" into "<sup></sup>2": only <img> needs that.
            return super().inline_html(html) if "<img" in html.lower() else html

        def block_math(self, body: str) -> str:
            return latex_to_mathml(body, display=True)

        def inline_math(self, body: str) -> str:
            return latex_to_mathml(body)

        def latex_environment(self, name: str, body: str) -> str:
            raise ValueError(f"\\begin{{{name}}} in a markdown cell: the static export "
                             "writes only $...$ and $$...$$ formulas.")

    class _Exporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context: Any, source: str) -> str:
            cell = context.get("cell", {})
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            renderer = _Renderer(escape=False, attachments=cell.get("attachments", {}),
                                 embed_images=self.embed_images, path=path,
                                 anchor_link_text=self.anchor_link_text,
                                 exclude_anchor_links=self.exclude_anchor_links,
                                 **self.lexer_options)
            return MarkdownWithMath(renderer=renderer).render(source)

    return _Exporter


def render_html(nb: Any, *, title: str | None = None, hide_code: bool = False,
                bundles: Mapping[str, Any] | None = None,
                resources_path: str | Path | None = None) -> str:
    """Turn an executed notebook into a self-contained static HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook (outputs and, for widgets, ``metadata.widgets`` as nbclient
        stores them). It is modified: widget outputs become static HTML.
    title : str, optional
        Page title (default: the notebook's metadata title or "cinlab lesson").
    hide_code : bool
        Leave out the code cells' input, as in Voila.
    bundles : mapping, optional
        Latest Bokeh render bundles by widget model id (as the end-of-run probe of
        :func:`export_html` collects them); they replace the stored ``render_bundle``.
    resources_path : str or Path, optional
        Folder that relative image links in markdown cells are read from, to embed them.

    Returns
    -------
    str
        The HTML page. It loads no script from the network.
    """
    from jinja2 import DictLoader

    from . import __version__

    nb.cells = [c for c in nb.cells
                if NOTEBOOK_ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    stored = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    static = _StaticWidgets(stored, bundles or {})
    uses_show = False
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if _is_bokeh_load(out):
                continue
            if BOKEH_EXEC in data:
                uses_show = True
            if WIDGET_VIEW in data:
                drawn = static.view(data[WIDGET_VIEW].get("model_id", ""))
                out["data"] = {"text/html": drawn}
            kept.append(out)
        cell["outputs"] = kept
    nb.metadata.pop("widgets", None)

    when = datetime.date.today().isoformat()
    banner = (
        f"A static copy of this lesson, run on {when} with cinlab {__version__}. "
        "Figures can be zoomed, panned and hovered; the controls show their starting "
        "values and do not change anything here. Open the notebook in JupyterLab "
        "(<code>cinlab lab</code>) to explore."
    )
    exporter = _exporter_class()(
        template_name="lab",
        extra_loaders=[DictLoader({"cinlab_static.html.j2": _TEMPLATE})],
        template_file="cinlab_static.html.j2",
        embed_images=True,
        exclude_input=hide_code,
        exclude_input_prompt=hide_code,
        exclude_output_prompt=hide_code,
    )
    resources: dict[str, Any] = {
        "metadata": {"name": title or nb.metadata.get("title", "cinlab lesson")},
        "cinlab_css": _CSS,
        "cinlab_banner": banner,
        "cinlab_head": _bokeh_head(static, uses_show),
    }
    if resources_path is not None:
        resources["metadata"]["path"] = str(resources_path)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def kernel_transport_config() -> Any:
    """Configuration for a kernel that talks to this process over Unix sockets (IPC).

    Over TCP (the default, and the only choice on Windows) ipykernel 7 warns at every
    start that the local connection is not encrypted; IPC sockets are files only this
    user can open. Their path is absolute (a relative one would be read from the
    kernel's working folder by the kernel and from this one by the client) and short
    (a socket path has at most about 100 characters).
    """
    from traitlets.config import Config

    config = Config()
    if os.name == "posix":
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(tempfile.gettempdir(),
                                               f"cinlab-kernel-{uuid.uuid4().hex[:12]}")
    return config


def execute(nb: Any, cwd: str | Path, timeout: int = 600) -> dict[str, Any]:
    """Run every cell of ``nb`` in a fresh Python kernel; keep widget state.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook; outputs are filled in place.
    cwd : str or Path
        Working directory of the kernel.
    timeout : int
        Seconds allowed for one cell.

    Returns
    -------
    dict
        The latest Bokeh render bundle of every ``BokehModel`` widget, by model id.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}},
                            config=kernel_transport_config())
    client.reset_execution_trackers()
    bundles: dict[str, Any] = {}
    with client.setup_kernel():
        assert client.kc is not None
        info = client.wait_for_reply(client.kc.kernel_info())
        if info is not None and "language_info" in info["content"]:
            nb.metadata["language_info"] = info["content"]["language_info"]
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        probe = nbformat.v4.new_code_cell(_PROBE)
        nb.cells.append(probe)
        try:
            client.execute_cell(probe, len(nb.cells) - 1, store_history=False)
        except CellExecutionError:
            pass  # keep the figures as they were first displayed
        finally:
            nb.cells.pop()
        for out in probe.get("outputs", []):
            bundles.update(out.get("data", {}).get(_BUNDLES, {}))
        client.set_widgets_metadata()
    return bundles


def export_html(notebook: str | Path, out: str | Path | None = None, *,
                cwd: str | Path | None = None, timeout: int = 600,
                hide_code: bool = False) -> Path:
    """Execute a notebook and write it as one self-contained, static HTML page.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file. It is read, never written.
    out : str or Path, optional
        The HTML file to write (default: the notebook's name with ``.html``, in the
        current folder).
    cwd : str or Path, optional
        Folder the notebook runs in (default: the notebook's folder).
    timeout : int
        Seconds allowed for one cell.
    hide_code : bool
        Leave out the code, as in Voila.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises.
    """
    import nbformat

    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    run_dir = Path(cwd) if cwd is not None else notebook.resolve().parent
    bundles = execute(nb, run_dir, timeout=timeout)
    page = render_html(nb, title=notebook.stem, hide_code=hide_code, bundles=bundles,
                       resources_path=notebook.resolve().parent)
    target = Path(out) if out is not None else Path(notebook.stem + ".html")
    target.write_text(page, encoding="utf-8")
    return target
