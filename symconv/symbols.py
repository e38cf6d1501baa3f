r"""The shared symbol table: every standard symbol, declared once with its assumptions and LaTeX name.

Nothing else in symconv creates symbols ad hoc; renderers take LaTeX names from
:data:`LATEX_NAMES` through sympy's ``symbol_names`` printer setting.

Examples
--------
>>> from symconv.symbols import C_in, K, LATEX_NAMES
>>> import sympy
>>> sympy.latex(C_in * K**2, symbol_names=LATEX_NAMES)
'C_{\\mathrm{in}} K^{2}'
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy


@dataclass(frozen=True)
class SymbolEntry:
    """One row of the symbol table."""

    name: str
    latex: str
    meaning: str
    nonnegative: bool = False
    rational: bool = False  # a multiplier such as 0.75, not a size

    def make(self) -> sympy.Symbol:
        if self.rational:
            return sympy.Symbol(self.name, rational=True, positive=True)
        if self.nonnegative:
            return sympy.Symbol(self.name, integer=True, nonnegative=True)
        return sympy.Symbol(self.name, integer=True, positive=True)


TABLE: tuple[SymbolEntry, ...] = (
    SymbolEntry("N", "N", "batch size"),
    SymbolEntry("C", "C", "channels (of an operator that keeps the channel count)"),
    SymbolEntry("C_in", r"C_{\mathrm{in}}", "input channels"),
    SymbolEntry("C_out", r"C_{\mathrm{out}}", "output channels"),
    SymbolEntry("C_p", r"C_{p}", "channels convolved by a partial convolution"),
    SymbolEntry("H", "H", "height (input and output when they are equal)"),
    SymbolEntry("W", "W", "width (input and output when they are equal)"),
    SymbolEntry("D", "D", "depth of a 3-D input"),
    SymbolEntry("L", "L", "length of a 1-D input"),
    SymbolEntry("H_in", r"H_{\mathrm{in}}", "input height"),
    SymbolEntry("W_in", r"W_{\mathrm{in}}", "input width"),
    SymbolEntry("H_out", r"H_{\mathrm{out}}", "output height"),
    SymbolEntry("W_out", r"W_{\mathrm{out}}", "output width"),
    SymbolEntry("K", "K", "kernel size"),
    SymbolEntry("s", "s", "stride"),
    SymbolEntry("p", "p", "padding", nonnegative=True),
    SymbolEntry("d", "d", "dilation"),
    SymbolEntry("g", "g", "groups"),
    SymbolEntry("m", "m", "depth multiplier"),
    SymbolEntry("F_in", r"F_{\mathrm{in}}", "input features of a linear layer"),
    SymbolEntry("F_out", r"F_{\mathrm{out}}", "output features of a linear layer"),
    SymbolEntry("alpha", r"\alpha", "width multiplier (a positive rational)", rational=True),
    SymbolEntry("rho", r"\rho", "resolution multiplier (a positive rational)", rational=True),
)

_BY_NAME: dict[str, sympy.Symbol] = {entry.name: entry.make() for entry in TABLE}

N = _BY_NAME["N"]
C = _BY_NAME["C"]
C_in = _BY_NAME["C_in"]
C_out = _BY_NAME["C_out"]
C_p = _BY_NAME["C_p"]
H = _BY_NAME["H"]
W = _BY_NAME["W"]
D = _BY_NAME["D"]
L = _BY_NAME["L"]
H_in = _BY_NAME["H_in"]
W_in = _BY_NAME["W_in"]
H_out = _BY_NAME["H_out"]
W_out = _BY_NAME["W_out"]
K = _BY_NAME["K"]
s = _BY_NAME["s"]
p = _BY_NAME["p"]
d = _BY_NAME["d"]
g = _BY_NAME["g"]
m = _BY_NAME["m"]
F_in = _BY_NAME["F_in"]
F_out = _BY_NAME["F_out"]
alpha = _BY_NAME["alpha"]
rho = _BY_NAME["rho"]

#: sympy ``symbol_names`` mapping for the LaTeX printer.
LATEX_NAMES: dict[sympy.Symbol, str] = {_BY_NAME[e.name]: e.latex for e in TABLE}


def symbol(name: str) -> sympy.Symbol:
    """Return the standard symbol called ``name``, or a new positive-integer symbol.

    Examples
    --------
    >>> symbol("C_in") is C_in
    True
    >>> symbol("B").is_positive
    True
    """
    if name in _BY_NAME:
        return _BY_NAME[name]
    return sympy.Symbol(name, integer=True, positive=True)


def all_symbols() -> dict[str, sympy.Symbol]:
    """The standard symbols by name."""
    return dict(_BY_NAME)
