"""symconv's own network composition: shapes, one division per feature-map size, closed forms in alpha and rho."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.network import Add, Concat, Network, ReLU
from symconv.network.examples import MOBILENET_V1, mobilenet_v1
from symconv.symbols import H, W, alpha, rho, symbol


def test_mobilenet_paper_per_layer_cost() -> None:
    d_k, m, n, d_f = (symbol(s) for s in ("D_K", "M", "N", "D_F"))
    net = Network()
    x = net.input((1, alpha * m, rho * d_f, rho * d_f))
    net("dwsep", symconv.DepthwiseSeparableConv2d(alpha * m, alpha * n, d_k, padding="same", bias=False), x)
    paper = d_k**2 * alpha * m * rho**2 * d_f**2 + alpha**2 * m * n * rho**2 * d_f**2  # Howard et al., eq. (5)
    assert sympy.expand(net.cost().macs - paper) == 0


def test_mobilenet_v1_is_a_polynomial_in_alpha_and_rho() -> None:
    macs = mobilenet_v1(alpha, 224 * rho).cost().macs
    # where 224*rho is a multiple of 32 every ceiling(k*rho) is exact: the paper's polynomial
    polynomial = sympy.expand(macs.replace(CeilDiv, lambda p, q: p / q))
    # the paper's sum, written from its Table 1: the first conv, then eq. (5) per layer, then the classifier
    size, c, paper = 112 * rho, 32 * alpha, 3 * 3 * 3 * 32 * alpha * (112 * rho) ** 2
    for width, stride in MOBILENET_V1:
        size = size / stride
        paper += 3 * 3 * c * size**2 + c * alpha * width * size**2
        c = alpha * width
    paper += 1024 * alpha * 1000
    assert sympy.expand(polynomial - paper) == 0
    assert sympy.Poly(polynomial, alpha, rho).total_degree() == 4
    assert polynomial.subs({alpha: 1, rho: 1}) == 568740352  # "569 million" mult-adds (Table 8)


def test_floors_appear_where_the_resolution_is_not_a_multiple_of_32() -> None:
    macs = mobilenet_v1(1, H).cost().macs
    assert not macs.has(FloorDiv)
    assert {r.args for r in macs.atoms(CeilDiv)} == {(H, 2), (H, 4), (H, 8), (H, 16), (H, 32)}
    assert str(CeilDiv(H, 32)) == "ceiling(H/32)"


def test_residual_and_concat_shapes_and_costs() -> None:
    c = symbol("C")
    net = Network()
    x = net.input((1, c, H, W))
    y = net("conv", symconv.Conv2d(c, c, 3, padding=1, bias=False), x)
    s = net("add", Add(), y, x)
    z = net("cat", Concat(1), s, x)
    assert z.shape == (1, 2 * c, H, W)
    cost = net.cost()
    assert cost.total.adds - cost.layers[0].cost.adds == c * H * W  # the residual sum only
    assert cost.macs == 9 * c**2 * H * W


def test_network_errors_name_the_layer() -> None:
    net = Network()
    x = net.input((1, 3, H, W))
    net("conv", symconv.Conv2d(3, 8, 3), x)
    with pytest.raises(symconv.InvalidConfiguration, match="'conv' is used twice"):
        net("conv", ReLU(), x)
    with pytest.raises(symconv.InvalidConfiguration, match=r"layer 'bad' \(Conv2d.*in_channels=4"):
        net("bad", symconv.Conv2d(4, 8, 3), x)
    with pytest.raises(symconv.InvalidConfiguration, match="not a symconv operator"):
        net("oops", "relu", x)


def test_substitution_keeps_the_breakdown() -> None:
    cost = mobilenet_v1(1, H).cost().at(H=224)
    assert cost.layers[0].output_shape == (1, 32, 112, 112)
    assert cost.macs == sum(row.cost.macs for row in cost.layers)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(3, 9))
def test_thop_counts_a_transposed_conv_as_a_direct_conv_over_the_upsampled_input(n, c, k, s, p, size) -> None:
    from symconv.network.peers import PEERS

    if size + (size - 1) * (s - 1) + 2 * (k - 1 - p) < k:  # nothing left after cropping
        return
    op = symconv.ConvTranspose2d(c, c + 1, k, stride=s, padding=p, bias=True)
    cost = op.cost((n, c, size, size))
    out = (size - 1) * s - 2 * p + k  # PyTorch's output size, written independently
    direct = n * (c + 1) * out * out * c * k * k  # every output pixel: C_in x K x K taps (zeros included)
    assert PEERS["thop"].count(cost) == direct
    per_input = n * c * size * size * (c + 1) * k * k  # every input pixel times every weight
    assert PEERS["ptflops"].count(cost) == sympy.Rational(per_input + (c + 1) * out * out * n, n)  # per sample
    assert PEERS["fvcore"].count(cost) == per_input


def test_peers_agree_on_a_conv_without_bias() -> None:
    from symconv.network.peers import PEERS

    cost = mobilenet_v1(1, H).cost()
    counts = {name: peer.count(cost) for name, peer in PEERS.items()}
    assert counts["FlopCounterMode"] == counts["calflops"] == 2 * cost.macs  # calflops: no bias for Linear
    assert counts["fvcore"] == counts["thop"] == cost.macs
    assert counts["ptflops"] - counts["thop"] == 1000  # only the classifier has a bias


def test_layer_table_lists_every_costed_layer_and_the_total() -> None:
    cost = mobilenet_v1(1, 224).cost()
    lines = cost.table(skip_views=True).splitlines()
    assert lines[0].split() == ["layer", "operator", "output", "MACs", "Params", "Memory", "(ideal)"]  # the labels
    rows = [line.split()[0] for line in lines[2:-2]]
    assert rows == [r.name for r in cost.layers if r.cost.stages]  # the flatten view is left out
    assert lines[-1].split() == ["total", str(cost.macs), str(cost.params), str(cost.memory())]


def test_import_symconv_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, symconv; symconv.network; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))


def test_latex_layer_table_rows_are_the_layers_with_their_costs() -> None:
    from symconv.latex import latex

    cost = mobilenet_v1(1, H).cost()
    tex = cost.latex(["macs"])
    rows = [line for line in tex.splitlines() if line.endswith(r"\\") and " & " in line][1:]  # after the header
    costed = [r for r in cost.layers if r.cost.stages]
    assert [line.split(" & ")[0] for line in rows] == [r.name for r in costed] + ["Total"]
    assert rows[-1] == "Total & $" + latex(cost.macs) + r"$ \\"
    at_224 = cost.latex(["macs"], values={"H": 224})
    assert rf"Total & \num[group-digits=integer]{{{cost.macs.subs(H, 224)}}} \\" in at_224


def test_latex_layer_table_compiles(tmp_path) -> None:
    import shutil
    import subprocess

    if shutil.which("latexmk") is None:
        pytest.skip("latexmk missing")
    (tmp_path / "net.tex").write_text(mobilenet_v1(1, H).cost().latex(["macs", "params"], document=True))
    run = subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "net.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:]
