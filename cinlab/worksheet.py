"""Printable worksheets: a lesson as a paper handout for a class without laptops.

:func:`worksheet_html` turns a lesson notebook into one print-ready HTML page: the
title, question and learning objectives, the lesson's text, a box to write in under
every prompt marked ✏️, a placeholder where the lesson shows a figure or an explorer,
the exercises and quiz questions without their answers. Nothing is executed.
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

__all__ = ["worksheet_html", "write_worksheet"]

_STYLE = """
body { font-family: Georgia, "Times New Roman", serif; max-width: 46em; margin: 2em auto;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.7em; } h2 { font-size: 1.3em; border-bottom: 1px solid #999; }
.write { border: 1px solid #555; min-height: 7em; margin: 0.6em 0 1.4em;
         background: repeating-linear-gradient(#fff 0, #fff 1.9em, #ccc 1.9em, #ccc 2em); }
.figure { border: 2px dashed #777; padding: 1.5em; margin: 1em 0; text-align: center;
          color: #444; min-height: 6em; }
.quiz li { list-style: none; margin: 0.3em 0; } .quiz li::before { content: "\\2610  "; }
.name { border-bottom: 1px solid #555; display: inline-block; min-width: 18em; }
@media print { a { color: #111; text-decoration: none; } .figure, .write, .quiz
               { break-inside: avoid; } }
"""

#: A line inviting the student to write, e.g. "*My predictions:*".
_WRITE_LINE = re.compile(r"^\s*\*My [^*]*:\*\s*$", re.MULTILINE)
_DETAILS = re.compile(r"<details[^>]*>.*?</details>", re.DOTALL)


def _markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    # no "¶" heading links on paper
    return re.sub(r'<a class="anchor-link"[^>]*>[^<]*</a>', "", markdown2html_mistune(text))


def _paper(source: str) -> str:
    """A markdown cell for paper: each solution becomes a box to write the answer in."""
    text = _DETAILS.sub("\n\n*My answer:*\n\n", source)
    parts = _WRITE_LINE.split(text)
    out = _markdown(parts[0])
    for part in parts[1:]:
        out += '<div class="write"></div>' + _markdown(part)
    if "\u270f" in source and len(parts) == 1:
        out += '<div class="write"></div>'
    return out


def _elements(node: ast.expr) -> list[ast.expr]:
    """The elements of a literal list, tuple or set in source code."""
    if not isinstance(node, ast.List | ast.Tuple | ast.Set):
        raise ValueError(f"expected a list or tuple, got {type(node).__name__}")
    return node.elts


def _quiz(source: str) -> str:
    """A quiz cell (``widgets.quiz(question, options=[(text, correct, why), ...])``)."""
    statement = ast.parse(source).body[0]  # the call, bare or assigned (q = widgets.quiz(…))
    _with_value = ast.Expr | ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Return
    if not (isinstance(statement, _with_value) and isinstance(statement.value, ast.Call)):
        raise ValueError("a quiz cell starts with a call of widgets.quiz")
    call = statement.value
    question = ast.literal_eval(call.args[0])
    options = call.args[1] if len(call.args) > 1 else next(
        k.value for k in call.keywords if k.arg == "options")
    texts = [ast.literal_eval(_elements(item)[0]) for item in _elements(options)]
    items = "".join(f"<li>{html.escape(t)}</li>" for t in texts)
    return f'<div class="quiz"><p><b>{html.escape(question)}</b></p><ul>{items}</ul></div>'


def _code(source: str) -> str:
    """A code cell on paper: a quiz, a figure placeholder, or nothing."""
    if "widgets.quiz(" in source:
        try:
            return _quiz(source)
        except (SyntaxError, ValueError, AttributeError, IndexError, StopIteration):
            return ""
    explorer = re.search(r"widgets\.(\w+)\(", source)
    if explorer and explorer.group(1) != "setup":
        return ('<div class="figure">[Figure: the lesson shows an interactive explorer '
                f"here ({html.escape(explorer.group(1))}). Sketch what you see on the "
                "projector.]</div>")
    if re.search(r"\bshow\(|figure\(", source):
        return ('<div class="figure">[Figure shown in the lesson. Sketch what you see on '
                "the projector.]</div>")
    return ""


def worksheet_html(notebook: str | Path) -> str:
    """A lesson as a printable worksheet (HTML).

    Parameters
    ----------
    notebook : str or path-like
        The lesson notebook (``.ipynb``); it is read, never executed.

    Returns
    -------
    str
        A self-contained HTML page.

    Raises
    ------
    ValueError
        If the file is not a notebook.
    """
    path = Path(notebook)
    # a student lesson holds no solutions; its instructor version marks where each
    # exercise's answer goes, and the solutions themselves become empty boxes
    teacher = path.parent / "instructor" / path.name
    read_from = teacher if teacher.is_file() else path
    try:
        cells = json.loads(read_from.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a readable notebook: {exc}") from exc
    body, title = [], path.stem
    for cell in cells:
        if cell.get("id") == "instructor-banner":  # the instructor version's own note
            continue
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            first = re.match(r"#\s+(.+)$", source.strip(), re.MULTILINE)
            if first and title == path.stem:
                title = first.group(1).strip()
            body.append(_paper(source))
        elif cell.get("cell_type") == "code":
            body.append(_code(source))
    name = ('<p>Name: <span class="name"></span> &nbsp; Date: '
            '<span class="name" style="min-width:8em"></span></p>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)} (worksheet)</title><style>{_STYLE}</style></head>"
            f"<body>{name}{''.join(body)}</body></html>\n")


def write_worksheet(notebook: str | Path, out: str | Path) -> Path:
    """Write :func:`worksheet_html` of ``notebook`` to ``out``; returns the path."""
    out = Path(out)
    out.write_text(worksheet_html(notebook), encoding="utf-8")
    return out
