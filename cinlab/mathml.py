r"""LaTeX formulas of the lessons as MathML, for pages that cannot run MathJax.

The static export (:mod:`cinlab.export`) loads no script from the network, so the
``$...$`` and ``$$...$$`` formulas of the lessons are turned into MathML when the page is
written; browsers draw MathML themselves. Only the LaTeX the lessons need is understood:
letters, numbers and operators, ``^`` and ``_`` with one token or a ``{group}``,
``\frac``, ``\sqrt``, ``\text``/``\mathrm``, Greek letters, the usual function names
(``\ln``, ``\exp``, ...), relations and spacing. Anything else raises
:class:`ValueError` naming it, so that a new formula is never shown half-converted.
"""

from __future__ import annotations

import html
import re

__all__ = ["latex_to_mathml"]

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_OPERATORS = {
    "times": "×", "cdot": "·", "pm": "±", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼", "to": "→", "rightarrow": "→",
    "infty": "∞", "sum": "∑", "prod": "∏", "ll": "≪", "gg": "≫", "propto": "∝",
    "ldots": "…", "cdots": "⋯",
}
_FUNCTIONS = ("ln", "log", "exp", "min", "max", "sin", "cos", "Pr")
_SPACES = {",": "0.1667em", ";": "0.2778em", ":": "0.2222em", " ": "0.25em",
           "quad": "1em", "qquad": "2em", "!": "0em"}
#: Typeset as in print: a minus sign, not a hyphen.
_SYMBOLS = {"-": "−", "*": "∗"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+(?:\.\d+)?)|([A-Za-z])|(\s+)|(.)", re.DOTALL)


class _Parser:
    def __init__(self, tex: str) -> None:
        self.tex = tex
        self.tokens = [m for m in _TOKEN.finditer(tex) if not m.group(4)]
        self.pos = 0

    def error(self, what: str) -> ValueError:
        return ValueError(f"formula {self.tex!r}: {what}; the static export understands "
                          "only the LaTeX listed in cinlab.mathml.")

    def peek(self) -> re.Match | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> re.Match:
        token = self.peek()
        if token is None:
            raise self.error("it ends too early")
        self.pos += 1
        return token

    def row(self, until: str | None = None) -> str:
        items = []
        while True:
            token = self.peek()
            if token is None:
                if until is not None:
                    raise self.error(f"a {{ without its {until}")
                break
            if until is not None and token.group(5) == until:
                self.pos += 1
                break
            items.append(self.scripted())
        return "".join(items)

    def scripted(self) -> str:
        base = self.atom()
        sub = sup = None
        while (token := self.peek()) is not None and token.group(5) in ("^", "_"):
            self.pos += 1
            if token.group(5) == "^":
                sup = self.argument()
            else:
                sub = self.argument()
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        return base

    def argument(self) -> str:
        token = self.peek()
        if token is not None and token.group(5) == "{":
            self.pos += 1
            return f"<mrow>{self.row('}')}</mrow>"
        return self.atom()

    def text_argument(self) -> str:
        token = self.take()
        if token.group(5) != "{":
            raise self.error("\\text needs {...}")
        depth, start = 1, token.end()
        while depth:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token.group(5) or "", 0)
        return self.tex[start:token.start()]

    def atom(self) -> str:
        token = self.take()
        command, number, letter, _space, other = token.groups()
        if number is not None:
            return f"<mn>{number}</mn>"
        if letter is not None:
            return f"<mi>{letter}</mi>"
        if command is not None:
            return self.command(command)
        if other == "{":
            return f"<mrow>{self.row('}')}</mrow>"
        if other in "}^_&$":
            raise self.error(f"unexpected {other!r}")
        return f"<mo>{html.escape(_SYMBOLS.get(other, other))}</mo>"

    def command(self, name: str) -> str:
        if name in _GREEK:
            return f"<mi>{_GREEK[name]}</mi>"
        if name in _OPERATORS:
            return f"<mo>{_OPERATORS[name]}</mo>"
        if name in _FUNCTIONS:
            return f"<mi>{name}</mi><mo>&#x2061;</mo>"
        if name in _SPACES:
            return f'<mspace width="{_SPACES[name]}"></mspace>'
        if name in ("{", "}", "%", "$", "#", "&"):
            return f"<mo>{html.escape(name)}</mo>"
        if name == "frac":
            return f"<mfrac>{self.argument()}{self.argument()}</mfrac>"
        if name == "sqrt":
            return f"<msqrt>{self.argument()}</msqrt>"
        if name in ("text", "mathrm", "textrm"):
            return f"<mtext>{html.escape(self.text_argument())}</mtext>"
        if name in ("left", "right"):
            return self.atom()
        raise self.error(f"unknown command \\{name}")


def latex_to_mathml(tex: str, display: bool = False) -> str:
    r"""A LaTeX formula (without its ``$`` delimiters) as a ``<math>`` element.

    Parameters
    ----------
    tex : str
        The formula, e.g. ``N(t) = N_0\, e^{(b-d)\,t}``.
    display : bool
        A display formula (own line, centred) rather than one inside text.

    Returns
    -------
    str
        MathML.

    Raises
    ------
    ValueError
        If the formula uses LaTeX this converter does not know, or is unbalanced.
    """
    body = _Parser(tex.strip()).row()
    mode = ' display="block"' if display else ""
    return f'<math{mode} class="cinlab-math"><mrow>{body}</mrow></math>'
