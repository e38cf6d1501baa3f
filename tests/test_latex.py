"""LaTeX rendering: escaping, the printer, the environment, tables, derivation documents."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import jinja2
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import symconv
from symconv.analysis.derive import Derivation, Step
from symconv.core.functions import Col2imContributions, Col2imTargets
from symconv.core.intfuncs import CeilDiv
from symconv.core.lowering import Stage
from symconv.core.quantities import Compute
from symconv.errors import SymconvError, UnknownName
from symconv.latex import derivation, environment, escape, latex, seed001_table, table
from symconv.latex.layout import lines
from symconv.latex.tables import number
from symconv.provenance import made_by
from symconv.symbols import C, C_in, C_out, H, H_in, K, W, W_in, g, p, s

HOSTILE = [r"\input{/etc/passwd}", "50% & $x$", "#_^~{}\\", "a\nb\\\\c", "<|>"]

# The escapes, decoded independently of symconv.latex.text: what each sequence prints.
DECODE = {
    r"\textbackslash{}": "\\",
    r"\textasciicircum{}": "^",
    r"\textasciitilde{}": "~",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
    r"\textbar{}": "|",
    r"\textasciigrave{}": "`",
    "`": "'",  # an opening quote
    r"\textrightarrow{}": "->",
    r"\textleftarrow{}": "<-",
    r"\ensuremath{\geq}": ">=",
    r"\ensuremath{\leq}": "<=",
    r"\ensuremath{\neq}": "!=",
    r"\{": "{",
    r"\}": "}",
    r"\$": "$",
    r"\&": "&",
    r"\%": "%",
    r"\#": "#",
    r"\_": "_",
}
_DECODER = re.compile("|".join(re.escape(k) for k in sorted(DECODE, key=len, reverse=True)))


def decode(tex: str) -> str:
    return _DECODER.sub(lambda m: DECODE[m.group()], tex)


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_no_active_character(text):
    escaped = str(escape(text))
    bare = _DECODER.sub("", escaped)
    assert not set(bare) & set("\\{}$&%#_^~<>|\n"), bare


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)))
def test_escape_round_trips(text):
    escaped = str(escape(text))
    assert not set(_DECODER.sub("", escaped)) & set("\\{}$&%#_^~")
    assert decode(escaped) == text


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[0m", "del\x7f", "zero\u200bwidth"])
def test_escape_refuses_control_characters(text):
    with pytest.raises(SymconvError, match="control character"):
        escape(text)


@pytest.mark.parametrize("text", ["\u4e2d\u6587", "\U0001f600", "\u2603"])
def test_escape_refuses_what_pdflatex_cannot_typeset(text):
    with pytest.raises(SymconvError, match="pdfLaTeX cannot typeset"):
        escape(text)


def test_escape_typesets_latin1_and_greek():
    assert str(escape("na\u00efve \u03b1\u03a9")) == "na\u00efve \\ensuremath{\\alpha}\\ensuremath{\\Omega}"


def test_escape_turns_line_breaks_into_spaces():
    assert str(escape("a\nb\r\nc")) == "a b  c"


def test_user_text_in_a_table_is_literal():
    cost = symconv.Conv2d(C, C, K, padding="same", bias=False).cost((1, C, H, W))
    tex = table({r"\input{/etc/passwd}": cost}, ["params"], caption="50% & $x$ #_^~{}\\")
    assert r"\input{/etc" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex
    assert r"\caption{50\% \& \$x\$ \#\_\textasciicircum{}\textasciitilde{}\{\}\textbackslash{}}" in tex


# --------------------------------------------------------------------------- printer


@pytest.mark.parametrize(
    ("expr", "tex"),
    [
        (C_in * K**2, r"C_{\mathrm{in}} \cdot K^{2}"),
        (sympy.floor(H / 2), r"\left\lfloor \frac{H}{2} \right\rfloor"),
        (
            sympy.ceiling((H_in - K + 2 * p + 1) / s),
            r"\left\lceil \frac{H_{\mathrm{in}} + 2 \cdot p - K + 1}{s} \right\rceil",
        ),
        (  # the same term order on every axis
            sympy.ceiling((W_in - K + 2 * p + 1) / s),
            r"\left\lceil \frac{W_{\mathrm{in}} + 2 \cdot p - K + 1}{s} \right\rceil",
        ),
        (C_in * C_out * H * K**2 * W, r"C_{\mathrm{in}} \cdot C_{\mathrm{out}} \cdot K^{2} \cdot H \cdot W"),  # H by W
        (C**2 * H * K**2 * W / g, r"\frac{C^{2} \cdot K^{2} \cdot H \cdot W}{g}"),
        (sympy.floor(H / 2) ** 2, r"\left\lfloor \frac{H}{2} \right\rfloor^{2}"),
        (
            Col2imContributions(H_in, K, s, 1, p, 0),
            r"\operatorname{contrib}_{K, s, 1, p, 0}\left(H_{\mathrm{in}}\right)",
        ),
        (Col2imTargets(W_in, K, 2, 1, p, 0), r"\operatorname{targets}_{K, 2, 1, p, 0}\left(W_{\mathrm{in}}\right)"),
        (sympy.Symbol("count_2") * sympy.Symbol("M_2"), r"M_{2} \cdot \mathrm{count}_{2}"),
        (1 / K**2 + 1 / C_out, r"\frac{1}{K^{2}} + \frac{1}{C_{\mathrm{out}}}"),
    ],
)
def test_printer(expr, tex):
    assert latex(expr) == tex


def test_printer_shows_an_unevaluated_quotient_as_one_fraction():
    with sympy.evaluate(False):
        shown = sympy.Mul(C_in * H + C_in * K, sympy.Mul(C_in, H, evaluate=False) ** -1)
    assert latex(shown) == r"\frac{C_{\mathrm{in}} \cdot H + C_{\mathrm{in}} \cdot K}{C_{\mathrm{in}} \cdot H}"


def test_printer_settings_are_checked():
    with pytest.raises(TypeError):
        latex(K, no_such_setting=True)


def test_lines_break_between_terms_only():
    expr = sympy.expand((C_in + C_out + H + W + K) ** 3)
    laid_out = lines(expr, width=30)
    assert len(laid_out) > 1
    signs = [t.sign for line in laid_out for t in line]
    assert signs[0] == "" and all(sign in "+-" and sign for sign in signs[1:])
    assert sum(len(line) for line in laid_out) == len(expr.args)


# --------------------------------------------------------------------------- environment


def test_environment_is_strict():
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string(r"\VAR{missing}").render()


def test_sympy_expressions_need_the_math_filter():
    with pytest.raises(TypeError, match="math filter"):
        environment().from_string(r"\VAR{x}").render(x=K)
    assert environment().from_string(r"$\VAR{x|math}$").render(x=K**2) == "$K^{2}$"


def test_latex_syntax_passes_through_templates():
    text = "% a comment\n# not a line statement\n{x} {{y}} {% z %}\n"
    assert environment().from_string(text).render() == text


# --------------------------------------------------------------------------- tables


def _std_and_dw():
    shape = (1, C, H, W)
    return {
        "standard": symconv.Conv2d(C, C, K, padding="same", bias=False).cost(shape),
        "DWConv": symconv.DepthwiseSeparableConv2d(C, C, K, padding="same", bias=False).cost(shape),
    }


def _row(tex: str, label: str) -> list[str]:
    line = next(line for line in tex.splitlines() if line.startswith(label + " &"))
    return [cell.strip() for cell in line.removesuffix(r"\\").split("&")[1:]]


def test_table_at_values_matches_independent_counts():
    c, k, h, w = 64, 3, 56, 56
    tex = table(
        _std_and_dw(),
        ["macs", "params", "memory", "ratio:macs", "intensity"],
        baseline="standard",
        values={"C": c, "K": k, "H": h, "W": w},
    )
    std = _row(tex, "standard")
    dw = _row(tex, "DWConv")
    num = r"\num[group-digits=integer]{{{}}}".format
    assert std[:3] == [num(c * c * k * k * h * w), num(c * c * k * k), num(2 * c * h * w + c * c * k * k)]
    # depthwise K x K per channel, then pointwise C x C; unfused: the intermediate is written and read back
    assert dw[0] == num(c * k * k * h * w + c * c * h * w)
    assert dw[2] == num(c * h * w + c * k * k + c * h * w + c * h * w + c * c + c * h * w)
    assert dw[3] == num(f"{Decimal(1 / k**2 + 1 / c):.3g}")
    # FLOPs per element moved: 2 * MACs / memory, to 3 significant digits
    assert std[4] == num(f"{2 * c * c * k * k * h * w / (2 * c * h * w + c * c * k * k):.3g}")


def test_symbolic_table_prints_exact_ratios():
    tex = table(_std_and_dw(), ["ratio:macs"], baseline="standard")
    assert _row(tex, "DWConv") == [r"$\frac{1}{K^{2}} + \frac{1}{C}$"]
    assert _row(tex, "standard") == [r"\num[group-digits=integer]{1}"]


@given(st.integers(-(10**40), 10**40), st.integers(1, 10**12), st.integers(1, 12))
def test_number_rounds_to_significant_digits(numerator, denominator, digits):
    value = Fraction(numerator, denominator)
    text = number(sympy.Rational(numerator, denominator), digits)
    if value.denominator == 1:
        assert text == str(value.numerator)
        return
    printed = Fraction(Decimal(text))
    assert abs(printed - value) <= abs(value) * Fraction(1, 2 * 10 ** (digits - 1))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"quantities": ["gflops"]}, UnknownName, "unknown quantity 'gflops'"),
        ({"quantities": ["memory:disk"]}, UnknownName, "unknown quantity 'memory:disk'"),
        ({"quantities": ["ratio:macs"]}, SymconvError, "needs baseline"),
        ({"quantities": ["macs"], "baseline": "nope"}, SymconvError, "baseline='nope' must be one of the rows"),
        ({"quantities": ["macs"], "label": "tab:a b"}, SymconvError, "label='tab:a b'"),
        ({"quantities": ["macs"], "values": {"C": 1.5}}, SymconvError, r"values\['C'\]=1.5 must be an integer"),
        ({"quantities": []}, SymconvError, "at least one quantity"),
    ],
)
def test_table_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        table(_std_and_dw(), **kwargs)


def test_table_document_is_standalone_and_fragment_is_not():
    rows = _std_and_dw()
    document, fragment = table(rows, document=True), table(rows)
    assert document.startswith("%") and r"\documentclass" in document and r"\end{document}" in document
    body = [line for line in fragment.splitlines() if not line.startswith("%")]
    assert r"\documentclass" not in fragment and body[0] == r"\begin{table}[htbp]"
    assert fragment in document


def test_fragments_say_how_they_were_made_and_what_they_need():
    rows = _std_and_dw()
    first, second = table(rows).splitlines()[:2]
    assert first == "% Made with symconv by: symconv's Python API"
    assert second == r"% For \input; needs \usepackage{booktabs,siunitx}"
    with made_by("symconv table conv2d\n\\end{document} --out t.tex"):  # a command is one comment line
        first = table(rows, document=True).splitlines()[0]
    assert first == r"% Made with symconv by: symconv table conv2d \end{document} --out t.tex"


# --------------------------------------------------------------------------- derivation documents


def _derivation_of(cost, convention, stated):
    """A derivation built here from a real Cost: the stages' sum, expanded, then the stated form."""
    count = Compute(convention)
    total = sympy.Add(*(count.of(symconv.Cost.from_lowering("", _one(stage))) for stage in cost.stages))
    return Derivation(
        "50% of a $test$",
        [
            Step("sum the stages' counts", total, "each stage's count_2 (symconv.core.lowering)", new=True),
            Step("expand", sympy.expand(total), "distributivity"),
            Step("as stated", stated, "regroup & factor"),
        ],
        convention.name,
        operator=cost.operator,
        assumptions="batch 1; no #dilation",
        result=count.of(cost),
    )


def _one(stage):
    from symconv.core.lowering import Lowering

    return Lowering((stage,), stage.writes[0])


def test_derivation_document_walks_from_the_lowering_to_the_closed_form():
    cost = symconv.ConvTranspose2d(C_in, C_out, K, stride=s, padding=p, bias=True).cost((1, C_in, H_in, W_in))
    stated = C_out * K**2 * C_in * H_in * W_in
    d = _derivation_of(cost, symconv.MULTS, stated)
    tex = derivation(d, lowering={"transposed conv": cost}, label="eq:b3")
    assert r"\paragraph{Convention.} Mults: multiplications only; bias not counted." in tex
    assert r"\paragraph{Assumptions.} batch 1; no \#dilation." in tex
    for stage in (
        "GEMM $(C_{\\mathrm{out}} \\cdot K^{2} \\times C_{\\mathrm{in}})",
        "col2im: scatter-add",
        "bias: add",
    ):
        assert stage in tex
    assert r"\operatorname{contrib}_{K, s, 1, p, 0}\left(H_{\mathrm{in}}\right)" in tex  # exact additions of col2im
    assert "(2)~expand: \\emph{distributivity}." in tex and "regroup \\& factor" in tex
    assert r"\begin{align*}" in tex and r"\label{eq:b3}" in tex
    closed = tex[tex.index(r"\paragraph{Closed form.}") :]
    assert latex(stated) in closed and "Checked by sympy to equal the quantity symconv derives" in closed
    assert r"\texttt{\small ConvTranspose2d(C\_in, C\_out" in tex
    assert r"\documentclass" not in tex


def test_derivation_document_has_a_title_and_escapes_it():
    cost = symconv.Conv2d(C_in, C_out, K, padding="same", bias=False).cost((1, C_in, H, W))
    d = _derivation_of(cost, symconv.MACS, H * W * C_out * K**2 * C_in)
    tex = derivation(d, lowering={"": cost}, document=True)
    assert r"\section*{50\% of a \$test\$}" in tex and tex.rstrip().endswith(r"\end{document}")


def test_every_stage_class_has_a_description():
    pconv = symconv.PartialConv2d(C, K, conv_channels=C / 4, forward="split_cat").cost((1, C, H, W))
    d = Derivation("copy", [Step("params", pconv.params, "weights")], "params", result=pconv.params)
    tex = derivation(d, lowering={"PConv": pconv})
    assert r"copy \texttt{input[C\_p:]} to \texttt{output[C\_p:]}" in tex


def test_an_unknown_stage_class_falls_back_to_its_base_class():
    from symconv.latex.documents import stage_template

    class Shuffle(Stage):
        pass

    assert stage_template(Shuffle) == "stage/Stage.tex"


def test_builtin_derivations_render_every_step_and_definition():
    from symconv.analysis.derivations import builtin

    for slug, d in builtin().items():
        tex = derivation(d, label=f"eq:{slug}")
        assert tex.count(r"\intertext{") == len(d.steps), slug
        for symbol, value in d.definitions:
            assert f"${latex(symbol)} = " in tex, (slug, symbol)
            if not isinstance(value, CeilDiv | sympy.ceiling | sympy.Add):  # output sizes: as papers write them
                assert f"${latex(symbol)} = {latex(value)}$" in tex, (slug, symbol)
        assert rf"\label{{eq:{slug}}}" in tex


def test_output_sizes_are_written_as_papers_write_them():
    from symconv.analysis.derivations import builtin

    tex = derivation(builtin()["B1"])
    # PyTorch's floor((H + 2p - d(K - 1) - 1)/s) + 1 with d = 1; H_out introduced before the GEMM uses it
    assert r"$H_{\mathrm{out}} = \left\lfloor \frac{H_{\mathrm{in}} + 2 \cdot p - K}{s} \right\rfloor + 1$" in tex
    assert r"$W_{\mathrm{out}} = \left\lfloor \frac{W_{\mathrm{in}} + 2 \cdot p - K}{s} \right\rfloor + 1$" in tex
    assert r"N_{2} = H_{\mathrm{out}} \cdot W_{\mathrm{out}}" in tex
    assert tex.index(r"H_{\mathrm{out}} = ") < tex.index("N_{2} = ")
    # a transposed conv's (H_in - 1)*s - 2p + d(K - 1) + 1 with d = 1, no output padding: the input size first
    transposed = derivation(builtin()["B3"])
    assert r"$H_{\mathrm{out}} = \left(H_{\mathrm{in}} - 1\right) \cdot s + K - 2 \cdot p$" in transposed
    seed_table = seed001_table()
    assert r"$H_{\mathrm{out}} = \left(H_{\mathrm{in}} - 1\right) \cdot s + K - 2 \cdot p$" in seed_table
    assert (
        r"$H_{\mathrm{out}} = \left\lfloor \frac{H_{\mathrm{in}} + 2 \cdot p - K}{s} \right\rfloor + 1$" in seed_table
    )


def test_derivation_prose_sets_sizes_in_math_and_defines_them():
    from symconv.analysis.derivations import builtin

    for slug in ("A1", "B7", "ratio-pconv-standard"):
        d = builtin()[slug]
        tex = derivation(d)
        assert "count\\_" not in tex and "planes\\_" not in tex and "contributions\\_" not in tex
        assert "K\\_" not in tex  # no GEMM dimension called K beside the kernel size
        defined = {sym for sym, _ in d.definitions}
        for step in d.steps:
            if not isinstance(step.statement, str):
                used = {p for p in step.statement if isinstance(p, sympy.Symbol)}
                assert used <= defined | d.conclusion.free_symbols | set().union(
                    *(s.expr.free_symbols for s in d.steps)
                )
    a1 = derivation(builtin()["A1"])
    assert r"$B_{2}$ GEMMs of an $M_{2} \times R_{2}$ matrix" in a1
    assert "`same' padding" in a1  # an opening quote, not two closing ones


def test_assumptions_and_captions_set_symbols_in_math():
    """Symbols in assumptions, table notes and captions are math ($C_{p}$), never escaped names (C\\_p, n -> m)."""
    from symconv.analysis.backward_derivations import builtin as backward
    from symconv.analysis.derivations import builtin
    from symconv.render.artifacts import latex_tables

    assumptions = [
        line
        for d in [*builtin().values(), *backward().values()]
        for line in derivation(d).splitlines()
        if line.startswith(r"\paragraph{Assumptions.}")
    ]
    assert r"PConv convolves $C_{p} = \frac{C}{4}$ channels" in "".join(assumptions)
    assert r"stride $s$, padding $p$" in "".join(assumptions)
    tables = latex_tables()
    notes = [seed001_table(), *tables.values()]
    for text in assumptions + notes:
        assert "\\_p" not in text and "textrightarrow" not in text and "stride s," not in text, text[:200]
    caption = tables["latex/table-operators.tex"]
    assert r"with a $K \times K$ kernel on an $H \times W$ input" in caption and "$C/4$" in caption


def test_crossover_in_latex_is_math():
    from cli_runner import in_process

    args = ["--in-channels", "64", "--out-channels", "C_out", "--kernel-size", "3", "--padding", "1", "--bias", "false"]
    result = in_process("crossover", "dwconv", "conv2d", "--quantity", "memory", "--over", "C_out", *args,
                        "--input", "1,64,7,7", "--format", "latex")  # fmt: skip
    assert result.returncode == 0, result.stderr
    # dwconv, unfused: input 64*49 read, 9*64 weights, 64*49 written and read again, 64*C_out weights, 49*C_out out
    # = 9984 + 113*C_out; conv2d: 3136 + 9*64*C_out + 49*C_out = 3136 + 625*C_out; zero at C_out = 13.375
    assert r"\text{dwconv} - \text{conv2d} &= 6848 - 512 \cdot C_{\mathrm{out}}" in result.stdout
    assert r"\text{dwconv} < \text{conv2d} &\quad \text{for } C_{\mathrm{out}} \geq 14 \\" in result.stdout
    assert r"\text{dwconv} = \text{conv2d} &\quad \text{for no } C_{\mathrm{out}} \\" in result.stdout
    assert r"\text{dwconv} > \text{conv2d} &\quad \text{for } 1 \leq C_{\mathrm{out}} \leq 13" in result.stdout
    assert "textgreater" not in result.stdout and ">=" not in result.stdout


def test_crossover_in_latex_with_symbols_left_is_math():
    """The closed-form boundary and the real roots are typeset, never sympy's text (``**``, ``{9/8}``)."""
    from cli_runner import in_process

    args = ["--in-channels", "C", "--out-channels", "C_out", "--kernel-size", "3", "--input", "1,C,H,H"]
    result = in_process("crossover", "conv2d", "dwconv", "--quantity", "memory", "--over", "C_out", *args,
                        "--format", "latex")  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = result.stdout.split("\n", 1)[1]  # after the title comment
    # conv2d - dwconv = 8*C*C_out - 2*C*H**2 + 8*C*H - 18*C: zero at C_out = (H**2 - 4*H + 9)/4
    assert (
        r"\text{conv2d} < \text{dwconv} &\quad \text{for } C_{\mathrm{out}} < \frac{H^{2}}{4} - H + \frac{9}{4}" in body
    )
    assert r"\text{real roots of } \text{conv2d} - \text{dwconv} &\quad C_{\mathrm{out}} \in \left\{" in body
    assert "**" not in body and "\\{" not in body.replace("\\left\\{", "")


def test_assumptions_with_formulas_are_escaped_and_checked():
    from symconv.analysis.derive import Derivation, Step

    hostile = sympy.Symbol(r"\input{/etc/passwd}", positive=True)
    steps = [Step("start", H * W, "given", new=True)]
    tex = derivation(Derivation("t", steps, assumptions=(r"\def\x{1} with ", sympy.Eq(hostile, C / 4), " & more")))
    line = next(line for line in tex.splitlines() if line.startswith(r"\paragraph{Assumptions.}"))
    assert r"\input{/etc" not in line and r"\def\x" not in line and "$" in line
    for bad in ((3,), ("ok", None), 3):
        with pytest.raises(SymconvError, match="assumptions"):
            Derivation("t", steps, assumptions=bad)
    with pytest.raises(SymconvError, match="control character"):
        derivation(Derivation("t", steps, assumptions=("bell\x07 ", H)))
