r"""The Jinja environment for LaTeX templates.

Delimiters that LaTeX never uses (``\BLOCK{…}``, ``\VAR{…}``, ``\#{…}``), no line
statements, :class:`jinja2.StrictUndefined`, templates loaded from the package's
``templates/latex``. Every ``\VAR{…}`` is escaped as user text unless it is
:class:`~markupsafe.Markup` (what the ``math`` filter and macros produce),
and a sympy expression must go through ``math``: it cannot be printed by accident.

Examples
--------
>>> import sympy
>>> from symconv.symbols import K
>>> env = environment()
>>> env.from_string(r"\VAR{label}: $\VAR{expr|math}$").render(label="50% of K_2", expr=K**2)
'50\\% of K\\_2: $K^{2}$'
"""

from __future__ import annotations

from functools import cache

import jinja2
import sympy
from markupsafe import Markup

from symconv import provenance
from symconv.latex.printer import latex
from symconv.latex.text import escape


def _finalize(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    if isinstance(value, sympy.Basic):
        raise TypeError(f"print sympy expressions with the math filter: {value}")
    return escape(value)


def _math(expr: sympy.Basic, **settings: object) -> Markup:
    return Markup(latex(expr, **settings))


@cache
def environment() -> jinja2.Environment:
    """The shared environment (templates are loaded once)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("symconv", "templates/latex"),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix=None,
        line_comment_prefix=None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=True,  # with finalize below: LaTeX escaping, and macros return Markup
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    env.filters["math"] = _math
    env.filters["tex"] = escape
    return env


def render(template: str, **context: object) -> str:
    """Render the package template ``template`` with ``context`` (and ``made_by``, for the header comment)."""
    return environment().get_template(template).render(made_by=Markup(provenance.command()), **context)
