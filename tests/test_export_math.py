"""Formulas and superscripts in the static export (`cinlab export`): written as MathML
and HTML that a browser draws without a script, never left as LaTeX source."""

import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from cinlab.export import render_html
from cinlab.mathml import latex_to_mathml

LESSON_PATHS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob(
    "[0-9][0-9]_*.ipynb"))


class _Markdown(HTMLParser):
    """Visible text of the markdown cells of a page, and the tags inside them."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.tags: list[str] = []
        self.sups: list[str] = []
        self._sup: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
            self.tags.append(tag)
            if tag == "sup":
                self._sup = []
        elif "jp-RenderedMarkdown" in (dict(attrs).get("class") or ""):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if tag == "sup" and self._sup is not None:
                self.sups.append("".join(self._sup))
                self._sup = None

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            if self._sup is not None:
                self._sup.append(data)


def markdown_of(page):
    parser = _Markdown()
    parser.feed(page)
    return parser


def test_a_formula_becomes_mathml():
    out = latex_to_mathml(r"N(t) = N_0\, e^{(b-d)\,t}", display=True)
    assert out.startswith('<math display="block"')
    assert "<msub><mi>N</mi><mn>0</mn></msub>" in out
    assert "<msup><mi>e</mi><mrow><mo>(</mo><mi>b</mi><mo>−</mo>" in out
    frac = latex_to_mathml(r"T = \frac{\ln 2}{b - d}")
    assert "<mfrac><mrow><mi>ln</mi>" in frac
    assert "\\" not in frac


@pytest.mark.parametrize("tex", [r"\unknowncommand x", "a^{b", "x}", r"\frac{1}"])
def test_latex_the_converter_does_not_know_is_an_error_naming_it(tex):
    with pytest.raises(ValueError, match=re.escape(repr(tex))):
        latex_to_mathml(tex)


def test_superscripts_formulas_and_notebook_only_text_in_a_page():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(
            "grows as e<sup>(b − d) t</sup>, *e*<sup>*r T*</sup> and (1 − cost)<sup>A</sup>"
            ' <span class="cinlab-notebook-only">Press Shift + Enter.</span>\n\n'
            "$$N(t) = N_0\\, e^{(b-d)\\,t}.$$ and $T = \\frac{\\ln 2}{b-d}$"),
        nbformat.v4.new_markdown_cell("Run the cells below again.",
                                      metadata={"tags": ["notebook-only"]}),
    ])
    page = render_html(nb)
    md = markdown_of(page)
    assert md.sups == ["(b − d) t", "r T", "A"]
    assert md.tags.count("math") == 2
    assert "mfrac" in md.tags
    text = "".join(md.text)
    for literal in ("$", "^", "\\frac", "\\,"):
        assert literal not in text
    assert "Run the cells below again" not in page
    assert ".cinlab-notebook-only { display: none" in page


@pytest.mark.parametrize("path", LESSON_PATHS, ids=lambda p: p.stem)
def test_every_formula_of_a_lesson_renders_in_the_export(path):
    # the markdown of a lesson as the export writes it (outputs play no part here)
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    n_sup = source.count("<sup>")
    n_math = len(re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", source, re.DOTALL))
    md = markdown_of(render_html(nb))
    text = "".join(md.text)
    for literal in ("$", "^", "\\frac", "\\,"):
        assert literal not in text, f"{path.name}: {literal!r} left in the page"
    assert len(md.sups) == n_sup
    assert all(s.strip() for s in md.sups), f"{path.name}: an empty superscript"
    assert md.tags.count("math") == n_math
