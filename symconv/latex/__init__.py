r"""LaTeX output: derivation documents and paper tables, rendered with Jinja from symconv's costs.

>>> import symconv
>>> from symconv.symbols import C_in, C_out, K, H, W
>>> cost = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost((1, C_in, H, W))
>>> print(latex(cost.macs))
C_{\mathrm{in}} \cdot C_{\mathrm{out}} \cdot K^{2} \cdot H \cdot W
>>> "\\toprule" in table({"standard": cost}, ["macs", "params"])
True
"""

from symconv.latex.documents import derivation
from symconv.latex.environment import environment, render
from symconv.latex.printer import SymconvLatexPrinter, latex
from symconv.latex.seeds import seed000_table, seed001_table
from symconv.latex.tables import table
from symconv.latex.text import escape

__all__ = [
    "SymconvLatexPrinter",
    "derivation",
    "environment",
    "escape",
    "latex",
    "render",
    "seed000_table",
    "seed001_table",
    "table",
]
