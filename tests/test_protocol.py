"""One operator protocol: composites, multi-input operators and networks are costed by their own lowering."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv import codegen
from symconv.analysis.query import as_cost
from symconv.core.cost import Cost
from symconv.errors import InvalidConfiguration
from symconv.network import Add, Network, ReLU
from symconv.symbols import C, H, W


def _same(a: Cost, b: Cost) -> None:
    for model in ("ideal", "im2col"):
        assert a.reads(model) == b.reads(model) and a.writes(model) == b.writes(model)
    assert (a.macs, a.adds, a.mults, a.params) == (b.macs, b.adds, b.mults, b.params)


def _lowered(op, *shapes) -> Cost:
    return Cost.from_lowering("lowered", op.lower(*op.input_tensors(shapes)))


chains = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 1)), min_size=1, max_size=4)


@settings(max_examples=30, deadline=None)
@given(chains, st.integers(1, 3), st.booleans())
def test_chain_cost_is_its_lowering_and_sequential_moves_each_intermediate_twice(parts, c_in, bias) -> None:
    convs, channels = [], c_in
    for c_out, k, pad in parts:
        convs.append(symconv.Conv2d(channels, c_out, k, padding=k // 2 + pad, bias=bias))  # never shrinks away
        channels = c_out
    shape = (1, c_in, 7, 7)
    sequential, fused = symconv.Sequential(*convs), symconv.Fused(*convs)
    _same(sequential.cost(shape), _lowered(sequential, shape))
    _same(fused.cost(shape), _lowered(fused, shape))
    # unfused = the parts costed one by one (each a kernel), summed
    one_by_one, x = [], shape
    for op in convs:
        one_by_one.append(op.cost(x))
        x = op.output_shape(x)
    assert sequential.cost(shape).memory() == sum(c.memory() for c in one_by_one)
    # fused keeps each intermediate on chip: it is neither written nor read back
    intermediates = 0
    x = shape
    for op in convs[:-1]:
        x = op.output_shape(x)
        intermediates += 2 * x[0] * x[1] * x[2] * x[3]
    assert sequential.cost(shape).memory() - fused.cost(shape).memory() == intermediates


def test_fused_checks_every_part_and_refuses_duplicate_names() -> None:
    for chain in (symconv.Fused, symconv.Sequential):
        with pytest.raises(InvalidConfiguration, match=r"part '1'.*input_shape\[1\]=8 does not match in_channels=4"):
            chain(symconv.Conv2d(4, 8, 3), symconv.Conv2d(4, 8, 3)).cost((1, 4, 9, 9))
        conv = symconv.Conv2d(4, 4, 3)
        with pytest.raises(InvalidConfiguration, match="part name 'a' is used twice"):
            chain(("a", conv), ("a", conv))


def test_multi_input_operators_take_the_same_protocol() -> None:
    add = Add()
    assert add.cost((1, C, H, W), (1, C, H, W)).adds == C * H * W
    assert symconv.ratio(add, symconv.Multiply(), "ops", input_shape=[(1, C, H, W)] * 2) == 1
    with pytest.raises(InvalidConfiguration, match="Add needs at least two inputs, got 1"):
        add.cost((1, C, H, W))
    with pytest.raises(InvalidConfiguration, match="Matmul takes 2 input"):
        symconv.Matmul().cost((2, 3), (3, 4), (4, 5))


def _block(channels=C) -> Network:
    net = Network("block")
    x = net.input((1, channels, H, W))
    y = net.chain(x, ("conv", symconv.Conv2d(channels, channels, 3, padding=1, bias=False)), ("relu", ReLU()))
    net("add", Add(), y, x)
    return net


def test_a_network_is_an_operator() -> None:
    net = _block()
    total = net.cost().total
    _same(total, _lowered(net, (1, C, H, W)))
    assert as_cost(net) == total == net.total_cost((1, C, H, W))
    conv = symconv.Conv2d(C, C, 3, padding=1, bias=False)
    assert symconv.ratio(net, conv, "macs", input_shape=(1, C, H, W)) == 1
    assert symconv.compare({"net": net}, "params", {"C": [2]}) == [
        {"C": 2, "net": 9 * 2 * 2}
    ]  # one 3x3 conv, 2 -> 2 channels
    namespace: dict = {}
    exec(codegen.python_module({"block": (net, None)}, ["macs"]), namespace)
    assert namespace["block_macs"](C=4, H=5, W=6) == 9 * 4 * 4 * 5 * 6
    with pytest.raises(InvalidConfiguration, match=r"input 'input' is declared \(1, C, H, W\), got \(1, 8, H, W\)"):
        net.cost((1, 8, H, W))


def test_a_network_is_a_layer_of_another() -> None:
    outer = Network("outer")
    x = outer.input((1, C, H, W))
    y = outer("first", _block(), x)
    outer("second", _block(), y)
    assert outer.cost().macs == 2 * _block().cost().macs
    assert outer.cost().memory() == 2 * _block().cost().memory()
    _same(outer.cost().total, _lowered(outer, (1, C, H, W)))


def test_a_network_is_a_part_of_a_chain() -> None:
    block = _block(4)
    chain = symconv.Sequential(("block", block), ("head", symconv.Conv2d(4, 2, 1)))
    assert chain.cost((1, 4, H, W)).macs == block.cost().macs + 8 * H * W
    with pytest.raises(InvalidConfiguration, match="is declared"):
        symconv.Sequential(symconv.Conv2d(4, 4, 3), block).cost((1, 4, H, W))  # the block is built for H x W


def test_tied_parameters_are_counted_once_but_read_by_each_kernel() -> None:
    net = Network("tied")
    x = net.input((1, 4))
    y = net.chain(x, ("a", symconv.Linear(4, 4)), ("b", symconv.Linear(4, 4)))
    untied = net.cost()
    net.tie("b.weight", "a.weight")
    tied = net.cost()
    assert untied.params - tied.params == 16
    assert tied.memory() == untied.memory()  # each kernel still reads the weight
    _same(tied.total, _lowered(net, (1, 4)))
    assert y.shape == (1, 4)
    with pytest.raises(InvalidConfiguration, match=r"must be LAYER\.TENSOR"):
        net.tie("c.weight", "a.weight")
