"""A command's result as labelled expressions, printed as text, JSON or LaTeX.

The commands only decide *what* to report (a :class:`Report`: a title, and rows
of name, value and what the value counts); the formats below decide *how*.
Exact integers stay integers in JSON (Python's ``json`` writes them at any size);
other expressions are written as sympy's text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal

import sympy
from markupsafe import Markup


@dataclass(frozen=True)
class Row:
    """One reported quantity: ``name`` = ``value``, with ``note`` saying what is counted."""

    name: str
    value: object
    note: str = ""
    #: LaTeX only: the line up to the alignment point and relation (``A < B &\iff``), instead of ``\text{name} &=``
    tex_head: Markup | None = None


@dataclass(frozen=True)
class Report:
    """What a command prints: a title line and its rows."""

    title: str
    rows: tuple[Row, ...]


def as_json_value(value: object) -> object:
    """An exact JSON value: ints for integers, lists for tuples, sympy's text for the rest."""
    if isinstance(value, tuple | list):
        return [as_json_value(v) for v in value]
    if isinstance(value, bool | str | int):
        return value
    return int(value) if isinstance(value, sympy.Integer) else str(value)


UNITS = ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


def readable(value: int) -> str:
    """An integer with an SI prefix and one decimal, as the other counters print it.

    Beyond the largest prefix, three significant digits in scientific notation (never a float overflow).

    >>> readable(231211008), readable(73856), readable(-4500), readable(999), readable(10**4400)
    ('231.2 M', '73.9 k', '-4.5 k', '999', '1.00e+4400')
    """
    if abs(value) >= 1000 * UNITS[0][0]:
        return f"{Decimal(value):.2e}"
    for size, unit in UNITS:
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return str(value)


def as_text_value(value: object) -> str:
    """sympy's text; a large integer also shows its size (``231211008 (231.2 M)``), a fraction its decimal value."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(as_text_value(v) for v in value) + ")"
    if isinstance(value, sympy.Rational) and not value.is_Integer:
        return f"{value} (~{Context(prec=6).divide(Decimal(int(value.p)), Decimal(int(value.q))):g})"
    if isinstance(value, int | sympy.Integer) and not isinstance(value, bool) and abs(int(value)) >= 10**4:
        return f"{value} ({readable(int(value))})"
    return str(value)


def as_latex_value(value: object) -> str:
    from symconv.latex import escape, latex  # LaTeX output only: most commands never need the renderer

    if isinstance(value, Markup):  # already LaTeX (math the command built)
        return value
    if isinstance(value, tuple | list):
        return r"\left(" + ", ".join(as_latex_value(v) for v in value) + r"\right)"
    if isinstance(value, str):
        return r"\text{" + escape(value) + "}"
    return latex(value if isinstance(value, sympy.Basic) else sympy.Integer(value))


def text(report: Report) -> str:
    width = max(len(row.name) for row in report.rows)
    values = [as_text_value(row.value) for row in report.rows]
    column = max(len(v) for v in values)
    lines = [report.title]
    for row, value in zip(report.rows, values, strict=True):
        note = f"  # {row.note}" if row.note else ""
        lines.append(f"  {row.name:<{width}}  {value:<{column}}{note}".rstrip())
    return "\n".join(lines)


def to_json(report: Report) -> str:
    import json  # only for --format json

    body = {"title": report.title, **{row.name: as_json_value(row.value) for row in report.rows}}
    body["notes"] = {row.name: row.note for row in report.rows if row.note}
    return json.dumps(body, indent=2)


def latex(report: Report) -> str:
    """An ``align*`` block, one line per quantity (paste into a document with ``amsmath``)."""
    from symconv.latex import escape

    heads = [row.tex_head or Markup(rf"\text{{{escape(row.name)}}} &=") for row in report.rows]
    lines = [f"{head} {as_latex_value(row.value)}" for head, row in zip(heads, report.rows, strict=True)]
    title = " ".join(report.title.splitlines())
    return "% " + title + "\n\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": to_json, "latex": latex}
