"""symconv's exact counts against the brute-force reference (tests/bruteforce.py) and PyTorch.

Random 1/2/3-D configurations (hypothesis): the brute force really performs each operator
with nested loops and counts what it does; symconv's derived counts must equal those counts,
its output shape must equal the brute force's and PyTorch's, and its FLOPs PyTorch
``FlopCounterMode``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import bruteforce as bf
import numpy as np
import pytest
import sympy
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import symconv
from symconv.symbols import C_in, C_out, N, g

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")

SETTINGS = settings(max_examples=40, deadline=None)
FEW = settings(max_examples=15, deadline=None)


# ------------------------------------------------------------------ configurations


@dataclass(frozen=True)
class ConvConfig:
    """One random convolution or transposed convolution, in PyTorch's terms."""

    transposed: bool
    in_channels: int
    out_channels: int
    groups: int
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: object  # as given to symconv and torch: int, tuple, 'same' or 'valid'
    output_padding: tuple[int, ...]
    lengths: tuple[int, ...]
    batch: int | None  # None: an unbatched input
    bias: bool

    @property
    def dims(self) -> int:
        return len(self.kernel)

    @property
    def input_shape(self) -> tuple[int, ...]:
        unbatched = (self.in_channels, *self.lengths)
        return unbatched if self.batch is None else (self.batch, *unbatched)

    @property
    def pads(self) -> tuple[tuple[int, int], ...]:
        """(left, right) zero padding per axis, for the brute force (PyTorch puts the odd one right)."""
        if self.padding == "same":
            return bf.same_padding(self.kernel, self.dilation)
        if self.padding == "valid":
            return ((0, 0),) * self.dims
        per_axis = self.padding if isinstance(self.padding, tuple) else (self.padding,) * self.dims
        return tuple((q, q) for q in per_axis)

    def kwargs(self) -> dict[str, object]:
        common = {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "groups": self.groups}
        if self.transposed:
            common["output_padding"] = self.output_padding
        return {**common, "bias": self.bias}

    def symconv_op(self) -> symconv.Operator:
        family = "ConvTranspose" if self.transposed else "Conv"
        cls = getattr(symconv, f"{family}{self.dims}d")
        return cls(self.in_channels, self.out_channels, self.kernel, **self.kwargs())

    def torch_module(self):
        family = "ConvTranspose" if self.transposed else "Conv"
        cls = getattr(torch.nn, f"{family}{self.dims}d")
        return cls(self.in_channels, self.out_channels, self.kernel, **self.kwargs())

    def bruteforce(self) -> tuple[np.ndarray, bf.Counts]:
        """Run the brute force on a batched input of ones, materialising the column buffer."""
        x = np.ones((self.batch or 1, self.in_channels, *self.lengths), dtype=np.int64)
        w_shape = (
            (self.in_channels, self.out_channels // self.groups, *self.kernel)
            if self.transposed
            else (self.out_channels, self.in_channels // self.groups, *self.kernel)
        )
        w = np.ones(w_shape, dtype=np.int64)
        b = np.ones(self.out_channels, dtype=np.int64) if self.bias else None
        if self.transposed:
            pads = tuple(left for left, _ in self.pads)
            return bf.conv_transpose(
                x, w, b, self.stride, pads, self.output_padding, self.dilation, self.groups, materialize_columns=True
            )
        return bf.conv(x, w, b, self.stride, self.pads, self.dilation, self.groups, materialize_columns=True)


@st.composite
def channels(draw: st.DrawFn) -> tuple[int, int, int]:
    """(in_channels, out_channels, groups): dense, two groups, or depthwise with a depth multiplier."""
    mode = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    if mode == "dense":
        return draw(st.integers(1, 3)), draw(st.integers(1, 3)), 1
    if mode == "grouped":
        return 2 * draw(st.integers(1, 2)), 2 * draw(st.integers(1, 2)), 2
    c = draw(st.integers(1, 3))
    return c, c * draw(st.integers(1, 2)), c


@st.composite
def batch(draw: st.DrawFn) -> int | None:
    return draw(st.sampled_from([None, 1, 2]))


@st.composite
def conv_configs(draw: st.DrawFn) -> ConvConfig:
    """A convolution; small enough for the brute force, covering the edge cases in the docstring."""
    dims = draw(st.integers(1, 3))
    max_kernel = (4, 3, 2)[dims - 1]
    c_in, c_out, groups = draw(channels())
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    mode = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    stride = (1,) * dims if mode == "same" else tuple(draw(st.integers(1, 3)) for _ in range(dims))
    padding: object = {
        "int": lambda: draw(st.integers(0, 2)),
        "tuple": lambda: tuple(draw(st.integers(0, 2)) for _ in range(dims)),
        "same": lambda: "same",
        "valid": lambda: "valid",
    }[mode]()
    config = ConvConfig(False, c_in, c_out, groups, kernel, stride, dilation, padding, (0,) * dims, (), None, False)
    lengths = []
    for k, d, (left, right) in zip(kernel, dilation, config.pads, strict=True):
        shortest = max(1, d * (k - 1) + 1 - left - right)  # the kernel must fit the padded input
        lengths.append(draw(st.integers(shortest, shortest + 4 - dims)))
    return ConvConfig(
        False,
        c_in,
        c_out,
        groups,
        kernel,
        stride,
        dilation,
        padding,
        (0,) * dims,
        tuple(lengths),
        draw(batch()),
        draw(st.booleans()),
    )


@st.composite
def transposed_configs(draw: st.DrawFn) -> ConvConfig:
    """A transposed convolution with a valid output_padding and a non-empty output."""
    dims = draw(st.integers(1, 3))
    max_kernel = (4, 3, 2)[dims - 1]
    c_in, c_out, groups = draw(channels())
    kernel, stride, dilation, padding, output_padding, lengths = [], [], [], [], [], []
    for _ in range(dims):
        k, s, d = draw(st.integers(1, max_kernel)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
        op = draw(st.integers(0, max(s, d) - 1))
        length = draw(st.integers(1, 4 - dims))
        widest = ((length - 1) * s + d * (k - 1) + op) // 2  # keeps the output non-empty
        kernel.append(k)
        stride.append(s)
        dilation.append(d)
        output_padding.append(op)
        lengths.append(length)
        padding.append(draw(st.integers(0, min(2, widest))))
    return ConvConfig(
        True,
        c_in,
        c_out,
        groups,
        tuple(kernel),
        tuple(stride),
        tuple(dilation),
        tuple(padding),
        tuple(output_padding),
        tuple(lengths),
        draw(batch()),
        draw(st.booleans()),
    )


# ------------------------------------------------------------------ helpers


def torch_run(module, input_shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """(output shape, FlopCounterMode's total) of ``module`` on zeros of ``input_shape``."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = module(torch.zeros(input_shape))
    return tuple(out.shape), counter.get_total_flops()


def traffic(cost: symconv.Cost, model: str) -> dict[str, tuple[sympy.Expr, sympy.Expr]]:
    touched = symconv.core.conventions.memory_model(model).touched
    return {t.name: (t.touched if touched else t.reads, t.writes) for t in cost.tensors(model)}


def check_exact_integers(cost: symconv.Cost) -> None:
    memory = (cost.memory(model) for model in ("ideal", "touched", "im2col"))
    for value in (cost.macs, cost.mults, cost.adds, cost.params, *memory):
        assert isinstance(value, sympy.Integer), value


def check_conventions(cost: symconv.Cost, mults: int, adds: int, bias_adds: int) -> None:
    """Each named convention, from the brute force's multiplications and additions (bias: one add per output)."""
    expected = {
        "macs": mults,
        "macs+bias": mults + bias_adds,
        "flops": 2 * mults,
        "flops+bias": 2 * mults + bias_adds,
        "mults": mults,
        "mults+bias": mults + bias_adds,
        "ops": mults + adds,
        "ops-bias": mults + adds - bias_adds,
    }
    assert {name: cost.compute(name) for name in expected} == expected
    assert cost.bias_adds == bias_adds
    memory = cost.memory("im2col", element_size=4)
    assert memory == 4 * (cost.reads("im2col") + cost.writes("im2col"))
    assert cost.intensity("ops", "im2col", element_size=4) == sympy.Rational(mults + adds, memory)


def check_against_bruteforce(cost: symconv.Cost, out: np.ndarray, counts: bf.Counts) -> None:
    """Arithmetic and per-tensor traffic of one operator against one brute-force run (columns materialised)."""
    check_exact_integers(cost)
    assert cost.mults == counts.mults
    assert cost.macs == cost.mults
    assert cost.adds == counts.adds
    assert cost.params == counts.reads["weight"] + counts.reads.get("bias", 0)
    check_conventions(cost, counts.mults, counts.adds, bias_adds=out.size if "bias" in counts.reads else 0)

    # The 'ideal' model moves every boundary tensor whole; the brute force counts the distinct
    # elements it touches, which leaves out inputs no window reaches (strides skipping inputs,
    # taps that only ever see padding): that is the 'touched' model. So 'ideal' input reads are
    # the brute force's reads plus its unread elements, 'touched' reads the brute force's reads.
    whole_input = counts.reads["input"] + counts.unread["input"]
    expected = {
        "input": (whole_input, 0),
        "weight": (counts.reads["weight"], 0),
        "output": (0, counts.writes["output"]),
    }
    if "bias" in counts.reads:
        expected["bias"] = (counts.reads["bias"], 0)
    ideal = traffic(cost, "ideal")
    assert ideal == expected
    assert counts.reads["input"] <= ideal["input"][0]
    assert counts.unread["weight"] == counts.unread.get("bias", 0) == 0
    assert out.size == counts.writes["output"]
    assert traffic(cost, "touched") == expected | {"input": (counts.reads["input"], 0)}

    # an explicit im2col/col2im builds the column buffer (none for 1x1, stride-1, unpadded convs)
    # and col2im reads only the entries that land inside the output
    columns = {"columns": (counts.reads["columns"], counts.writes["columns"])} if "columns" in counts.writes else {}
    assert traffic(cost, "im2col") == expected | columns


# ------------------------------------------------------------------ convolutions


@SETTINGS
@given(st.one_of(conv_configs(), transposed_configs()))
@example(  # 1x1 input, kernel larger than the input thanks to padding
    ConvConfig(False, 1, 2, 1, (3, 3), (1, 1), (1, 1), 1, (0, 0), (1, 1), 1, True)
)
@example(  # stride larger than the kernel: whole input rows are never read
    ConvConfig(False, 2, 2, 2, (1, 2), (3, 3), (1, 1), 0, (0, 0), (7, 5), 2, False)
)
@example(  # 'same' with an even, dilated kernel: asymmetric padding
    ConvConfig(False, 2, 4, 2, (4,), (1,), (2,), "same", (0,), (3,), None, True)
)
@example(  # transposed, stride skipping output positions, cropped by padding
    ConvConfig(True, 3, 6, 3, (2, 1), (3, 2), (1, 2), (1, 0), (2, 1), (2, 3), 2, True)
)
@example(  # transposed, col2im crops 144 of 162 column entries
    ConvConfig(True, 2, 2, 1, (3, 3), (1, 1), (1, 1), (2, 2), (0, 0), (3, 3), 1, False)
)
@example(  # pointwise: no column buffer
    ConvConfig(False, 3, 2, 1, (1, 1), (1, 1), (1, 1), 0, (0, 0), (2, 3), 1, False)
)
def test_counts_equal_bruteforce(config: ConvConfig) -> None:
    op = config.symconv_op()
    cost = op.cost(config.input_shape)
    out, counts = config.bruteforce()
    check_against_bruteforce(cost, out, counts)

    shape = op.output_shape(config.input_shape)
    torch_shape, torch_flops = torch_run(config.torch_module(), config.input_shape)
    assert shape == torch_shape
    assert shape == (out.shape if config.batch is not None else out.shape[1:])
    assert cost.flops == torch_flops
    assert cost.macs * 2 == torch_flops


@FEW
@given(conv_configs(), st.sampled_from(["reflect", "replicate", "circular"]))
def test_padding_mode_costs_as_zeros(config: ConvConfig, mode: str) -> None:
    """Other padding modes fill the same padded taps, so they count as 'zeros' does (and as PyTorch does)."""
    pads = [q for pair in config.pads for q in pair]
    assume(config.batch is not None and max(pads) < min(config.lengths))  # reflect/circular need pads < length
    kwargs = config.kwargs() | {"padding_mode": mode}
    op = getattr(symconv, f"Conv{config.dims}d")(config.in_channels, config.out_channels, config.kernel, **kwargs)
    module = getattr(torch.nn, f"Conv{config.dims}d")(config.in_channels, config.out_channels, config.kernel, **kwargs)
    cost, zeros = op.cost(config.input_shape), config.symconv_op().cost(config.input_shape)
    torch_shape, torch_flops = torch_run(module, config.input_shape)
    assert (cost.macs, cost.adds, cost.memory("im2col")) == (zeros.macs, zeros.adds, zeros.memory("im2col"))
    assert op.output_shape(config.input_shape) == torch_shape
    assert cost.flops == torch_flops


# ------------------------------------------------------------------ linear


@SETTINGS
@given(
    st.lists(st.integers(1, 3), min_size=0, max_size=3),
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
)
def test_linear_equals_bruteforce(leading: list[int], in_features: int, out_features: int, bias: bool) -> None:
    shape = (*leading, in_features)
    cost = symconv.Linear(in_features, out_features, bias=bias).cost(shape)
    x = np.ones(shape, dtype=np.int64)
    w = np.ones((out_features, in_features), dtype=np.int64)
    out, counts = bf.linear(x, w, np.ones(out_features, dtype=np.int64) if bias else None)
    check_exact_integers(cost)
    assert (cost.mults, cost.macs, cost.adds) == (counts.mults, counts.mults, counts.adds)
    assert cost.params == w.size + bias * out_features
    check_conventions(cost, counts.mults, counts.adds, bias_adds=out.size if bias else 0)
    expected = {"input": (x.size, 0), "weight": (w.size, 0), "output": (0, out.size)}
    if bias:
        expected["bias"] = (out_features, 0)
    assert counts.reads == {name: r for name, (r, _) in expected.items() if r}
    assert traffic(cost, "ideal") == traffic(cost, "im2col") == expected

    op_shape = symconv.Linear(in_features, out_features, bias=bias).output_shape(shape)
    torch_shape, torch_flops = torch_run(torch.nn.Linear(in_features, out_features, bias=bias), shape)
    assert op_shape == out.shape == torch_shape
    assert cost.flops == torch_flops


# ------------------------------------------------------------------ composites


@st.composite
def dwconv_configs(draw: st.DrawFn) -> dict[str, object]:
    c_in, c_out, multiplier = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["same", 0, 1]))
    stride = 1 if padding == "same" else draw(st.integers(1, 2))
    pads = (
        bf.same_padding(kernel, (dilation, dilation)) if padding == "same" else ((padding, padding), (padding, padding))
    )
    shortest = [max(1, dilation * (k - 1) + 1 - left - right) for k, (left, right) in zip(kernel, pads, strict=True)]
    lengths = tuple(draw(st.integers(low, low + 2)) for low in shortest)
    return {
        "c_in": c_in,
        "c_out": c_out,
        "multiplier": multiplier,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "pads": pads,
        "dilation": dilation,
        "lengths": lengths,
        "batch": draw(st.integers(1, 2)),
        "bias": draw(st.booleans()),
    }


@FEW
@given(dwconv_configs(), st.booleans())
def test_depthwise_separable_equals_two_bruteforce_runs(c: dict, fused: bool) -> None:
    c_in, c_out, mid = c["c_in"], c["c_out"], c["c_in"] * c["multiplier"]
    shape = (c["batch"], c_in, *c["lengths"])
    op = symconv.DepthwiseSeparableConv2d(
        c_in, c_out, c["kernel"], c["stride"], c["padding"], c["dilation"], c["multiplier"], c["bias"], fused
    )
    cost = op.cost(shape)

    def bias(n: int) -> np.ndarray | None:
        return np.ones(n, dtype=np.int64) if c["bias"] else None

    stride, dilation = (c["stride"],) * 2, (c["dilation"],) * 2
    w_dw, w_pw = np.ones((mid, 1, *c["kernel"]), dtype=np.int64), np.ones((c_out, mid, 1, 1), dtype=np.int64)
    mid_out, dw = bf.conv(np.ones(shape, np.int64), w_dw, bias(mid), stride, c["pads"], dilation, c_in, True)
    out, pw = bf.conv(mid_out, w_pw, bias(c_out), (1, 1), ((0, 0), (0, 0)), (1, 1), 1, True)

    check_exact_integers(cost)
    assert cost.mults == cost.macs == dw.mults + pw.mults
    assert cost.adds == dw.adds + pw.adds
    assert cost.params == w_dw.size + w_pw.size + c["bias"] * (mid + c_out)
    check_conventions(cost, dw.mults + pw.mults, dw.adds + pw.adds, bias_adds=c["bias"] * (mid_out.size + out.size))

    def moved(counts: bf.Counts, *names: str) -> int:
        return sum(counts.reads.get(n, 0) + counts.unread.get(n, 0) + counts.writes.get(n, 0) for n in names)

    boundary = ("input", "weight", "bias", "output")
    ideal = moved(dw, *boundary) + moved(pw, *boundary)
    if fused:  # the intermediate stays on chip: neither written by the depthwise nor read by the pointwise
        ideal -= dw.writes["output"] + pw.reads["input"] + pw.unread["input"]
    assert cost.memory("ideal") == ideal
    assert cost.memory("im2col") == ideal + moved(dw, "columns") + moved(pw, "columns")
    assert "columns" not in pw.writes  # the pointwise half multiplies its input directly
    skipped = dw.unread["input"] + (0 if fused else pw.unread["input"])
    assert cost.memory("touched") == ideal - skipped

    module = torch.nn.Sequential(
        torch.nn.Conv2d(c_in, mid, c["kernel"], stride, c["padding"], dilation, groups=c_in, bias=c["bias"]),
        torch.nn.Conv2d(mid, c_out, 1, bias=c["bias"]),
    )
    torch_shape, torch_flops = torch_run(module, shape)
    assert op.output_shape(shape) == out.shape == torch_shape
    assert cost.flops == torch_flops


@FEW
@given(
    st.integers(1, 6),
    st.integers(1, 4),
    st.one_of(st.tuples(st.just("n_div"), st.integers(1, 4)), st.tuples(st.just("conv_channels"), st.integers(1, 6))),
    st.sampled_from(["slicing", "split_cat"]),
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)),
    st.booleans(),
)
def test_partial_conv_equals_bruteforce(
    channels: int, kernel: int, split: tuple[str, int], forward: str, nhw: tuple[int, int, int], bias: bool
) -> None:
    kind, value = split
    conv_channels = channels // value if kind == "n_div" else value  # FasterNet: dim // n_div
    assume(1 <= conv_channels <= channels)
    op = symconv.PartialConv2d(channels, kernel, forward=forward, bias=bias, **{kind: value})
    n, h, w = nhw
    shape = (n, channels, h, w)
    cost = op.cost(shape)

    x = np.ones(shape, dtype=np.int64)
    weight = np.ones((conv_channels, conv_channels, kernel, kernel), dtype=np.int64)
    b = np.ones(conv_channels, dtype=np.int64) if bias else None
    pads = bf.same_padding((kernel, kernel), (1, 1))
    out, counts = bf.conv(x[:, :conv_channels], weight, b, (1, 1), pads, (1, 1), 1, True)

    check_exact_integers(cost)
    assert cost.mults == cost.macs == counts.mults
    assert cost.adds == counts.adds
    assert cost.params == weight.size + (conv_channels if bias else 0)
    check_conventions(cost, counts.mults, counts.adds, bias_adds=out.size if bias else 0)
    ideal = sum(counts.reads[t] + counts.unread[t] for t in ("input", "weight", "bias") if t in counts.reads)
    ideal += counts.writes["output"]
    reads = ideal - counts.writes["output"]
    if forward == "split_cat":  # eager torch.cat reads the conv output and the untouched channels, writes all
        _, cat = bf.concat([out, x[:, conv_channels:]], axis=1)
        ideal += sum(cat.reads.values()) + cat.writes["output"]
        reads += sum(cat.reads.values())
        assert cat.writes["output"] == x.size
    assert cost.memory("ideal") == ideal
    assert cost.reads("ideal") == reads
    assert cost.memory("im2col") == ideal + counts.reads.get("columns", 0) + counts.writes.get("columns", 0)

    conv = torch.nn.Conv2d(conv_channels, conv_channels, kernel, padding="same", bias=bias)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        xt = torch.zeros(shape)
        result = torch.cat([conv(xt[:, :conv_channels]), xt[:, conv_channels:]], dim=1)
    assert op.output_shape(shape) == tuple(result.shape) == shape
    assert cost.flops == counter.get_total_flops()


# ------------------------------------------------------------------ symbolic = concrete


def axis_symbols(prefix: str, dims: int, **assumptions: bool) -> tuple[sympy.Symbol, ...]:
    assumptions = assumptions or {"positive": True}
    return tuple(sympy.Symbol(f"{prefix}_{i}", integer=True, **assumptions) for i in range(dims))


@settings(max_examples=20, deadline=None)  # symbolic costs are slow to build: fewer examples
@given(st.one_of(conv_configs(), transposed_configs()))
def test_symbolic_cost_substituted_equals_concrete(config: ConvConfig) -> None:
    """Every hyperparameter and size symbolic, then substituted: the same exact numbers as a concrete build."""
    dims = config.dims
    kernel, stride, dilation = (axis_symbols(name, dims) for name in ("k", "s", "d"))
    lengths = axis_symbols("x", dims)
    values = {
        C_in: config.in_channels,
        C_out: config.out_channels,
        g: config.groups,
        N: config.batch or 1,
        **dict(
            zip(
                kernel + stride + dilation + lengths,
                config.kernel + config.stride + config.dilation + config.lengths,
                strict=True,
            )
        ),
    }
    if isinstance(config.padding, str):
        padding = config.padding
    else:
        pads = axis_symbols("p", dims, nonnegative=True)
        padding = pads
        values.update(zip(pads, [left for left, _ in config.pads], strict=True))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": g, "bias": config.bias}
    if config.transposed:
        output_padding = axis_symbols("q", dims, nonnegative=True)
        kwargs["output_padding"] = output_padding
        values.update(zip(output_padding, config.output_padding, strict=True))
    family = "ConvTranspose" if config.transposed else "Conv"
    if padding == "same":
        kwargs["stride"] = 1  # PyTorch's 'same' needs stride 1, decidably
        for symbol in stride:  # no longer a symbol of the operator: substitution refuses unknown names
            values.pop(symbol)
    op = getattr(symconv, f"{family}{dims}d")(C_in, C_out, kernel, **kwargs)

    check_substitution(op, (N, C_in, *lengths), values, config)


@settings(max_examples=20, deadline=None)
@given(st.one_of(conv_configs(), transposed_configs()))
def test_symbolic_sizes_substituted_equal_concrete(config: ConvConfig) -> None:
    """A concrete layer on symbolic sizes (the closed forms for col2im overlaps, 'same' padding ...), substituted."""
    lengths = axis_symbols("x", config.dims)
    family = "ConvTranspose" if config.transposed else "Conv"
    op = getattr(symconv, f"{family}{config.dims}d")(C_in, C_out, config.kernel, **config.kwargs())
    values = {C_in: config.in_channels, C_out: config.out_channels, N: config.batch or 1}
    values.update(zip(lengths, config.lengths, strict=True))
    check_substitution(op, (N, C_in, *lengths), values, config)


def check_substitution(
    op: symconv.Operator, shape: tuple[sympy.Expr, ...], values: dict[sympy.Symbol, int], config: ConvConfig
) -> None:
    """``op``'s symbolic cost on ``shape``, with ``values`` substituted, equals the concrete build of ``config``."""
    symbolic = op.cost(shape).subs(values)
    concrete_shape = (config.batch or 1, config.in_channels, *config.lengths)
    concrete = config.symconv_op().cost(concrete_shape)
    for name in ("macs", "mults", "adds", "bias_adds", "params", "flops"):
        value = getattr(symbolic, name)
        assert isinstance(value, sympy.Integer), (name, value)
        assert value == getattr(concrete, name), name
    for model in ("ideal", "touched", "im2col"):
        assert symbolic.memory(model) == concrete.memory(model)
        moved = [{name: rw for name, rw in traffic(c, model).items() if rw != (0, 0)} for c in (symbolic, concrete)]
        assert moved[0] == moved[1]  # a buffer never built may be absent or move nothing
    out = tuple(sympy.sympify(size).subs(values) for size in op.output_shape(shape))
    assert out == config.symconv_op().output_shape(concrete_shape)
