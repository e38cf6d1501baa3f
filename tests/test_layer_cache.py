"""A network lowers each layer once per operator configuration and input shapes: the memoised result is the one
lowering it again gives, with its rules, and only immutable configurations share an entry."""

from __future__ import annotations

import dataclasses

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.core import size_bounds
from symconv.core.cost import _map_tree, _prefix_stages, _prefixed
from symconv.core.intfuncs import CeilDiv, FloorDiv
from symconv.core.lowering import Lowering, Tensor
from symconv.core.rules import recording
from symconv.network import Network, ReLU, graph
from symconv.network.examples import mobilenet_v1
from symconv.ops.base import Operator
from symconv.ops.shape import Slice
from symconv.symbols import H, W


def _direct(op: Operator, shape: tuple) -> symconv.Cost:
    """The layer's cost lowered now, with no memoised entry."""
    graph._apply_once.cache_clear()
    return graph._apply(op, (shape,))[1]


@settings(max_examples=25, deadline=None)
@given(
    c=st.integers(1, 4),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    bias=st.booleans(),
    transposed=st.booleans(),
)
def test_a_memoised_layer_is_the_layer_lowered_again(c, k, s, p, bias, transposed) -> None:
    cls = symconv.ConvTranspose2d if transposed else symconv.Conv2d
    shape = (1, c, H + 2 * k, W + 2 * k)
    first, second = Network("a"), Network("b")
    for net in (first, second):  # the second network's layer comes from the first one's entry
        net(
            "conv",
            cls(c, 2 * c, k, stride=s, padding=min(p, k - 1) if transposed else p, bias=bias),
            net.input(shape),
        )
    cached = second.layers[0].cost
    direct = _direct(second.layers[0].operator, shape)
    assert cached == direct
    assert cached.rules == direct.rules and cached.configuration == direct.configuration
    assert second.cost().macs == direct.macs


def test_the_rules_a_memoised_lowering_recorded_are_recorded_again() -> None:
    def build() -> list:
        with recording() as rules:
            net = Network()
            net("conv", symconv.Conv2d(3, 8, 5), net.input((1, 3, H, W)))
        return rules

    assert build() == build() != []  # kernel 5 needs H >= 5: recorded by the lowering, on a hit as on a miss


def test_only_immutable_configurations_share_an_entry() -> None:
    assert graph._frozen(1) != graph._frozen(True) != graph._frozen(1.0) != graph._frozen(sympy.Integer(1))
    assert graph._frozen((1, (2, H))) == graph._frozen((1, (2, H)))
    assert graph._frozen([1]) is None and graph._frozen((1, {2})) is None

    class Listed(Operator):  # a list attribute: mutable, so never memoised across networks
        def __init__(self) -> None:
            self.sizes = [1]

        def lower(self, x: Tensor, *, prefix: str = "", output_role="output") -> Lowering:
            return ReLU().lower(x, prefix=prefix, output_role=output_role)

    assert graph._configuration(Listed()) is None
    assert graph._configuration(ReLU()) is not None
    assert graph._configuration(Network()) is None  # its cost is not its lowering's


def test_renaming_stages_field_by_field_is_the_generic_renaming() -> None:
    net = mobilenet_v1(1, 224)
    extra = Network("t")
    x = extra.input((1, 4, H, W))
    extra.chain(
        x,
        ("up", symconv.ConvTranspose2d(4, 4, 3, stride=2, bias=True)),
        ("pool", symconv.AvgPool2d(2)),
    )
    for layer in (*net.layers, *extra.layers):
        generic = _map_tree(layer.cost.stages, _prefixed(layer.name), Tensor)
        fast = _prefix_stages(layer.cost.stages, layer.name)
        assert generic == fast
        assert [type(a) for a in generic] == [type(b) for b in fast]
        for a, b in zip(generic, fast, strict=True):
            names = [f.name for f in dataclasses.fields(a)]
            assert [getattr(a, n) for n in names] == [getattr(b, n) for n in names]
            held = [getattr(b, n) for n in names if isinstance(getattr(b, n), Tensor)]
            for t in b.reads + b.writes:  # each tensor renamed once: one object wherever it occurs
                assert all(t is u for u in held if u == t)


def test_decide_bounded_memoised_is_decide_bounded() -> None:
    relations = [
        sympy.Lt(2 * CeilDiv(H, 2) - H + 1, 0),
        sympy.Lt(FloorDiv(H, 32), 7),
        sympy.Le(CeilDiv(H, 4), 7 * CeilDiv(H, 28)),
        sympy.Le(H, W, evaluate=False),
    ]
    for relation in relations:
        assert size_bounds.decide(relation) is None  # decided by the bounds, memoised
        assert size_bounds.decide_bounded(relation) == size_bounds._decided.__wrapped__(relation, ())


def test_a_sequence_renames_its_stages_and_traffic_when_read_as_it_would_at_once() -> None:
    net = mobilenet_v1(1, 224)
    parts = [(layer.name, layer.cost) for layer in net.layers]
    total = symconv.Cost.sequence("net", parts)
    eager_traffic = tuple(dataclasses.replace(t, name=f"{name}.{t.name}") for name, cost in parts for t in cost.traffic)
    eager_stages = tuple(st for name, cost in parts for st in _map_tree(cost.stages, _prefixed(name), Tensor))
    assert total.traffic == eager_traffic and total.stages == eager_stages
    fields = {f.name: getattr(total, f.name) for f in dataclasses.fields(symconv.Cost)}
    eager = symconv.Cost(**{**fields, "traffic": eager_traffic, "stages": eager_stages})
    assert all(total.memory(model) == eager.memory(model) for model in ("ideal", "im2col", "touched"))
    assert repr(total).startswith("Cost(operator='net', ")
    assert eager == total and total == eager and hash(eager) == hash(total)
    with pytest.raises(dataclasses.FrozenInstanceError):
        total.stages = ()


def test_a_layer_lowered_within_declared_sizes_is_not_reused_without_them() -> None:
    def sliced(sizes: tuple) -> tuple:
        with size_bounds.declared(sizes):
            net = Network()
            return net("s", Slice(2, 0, 7), net.input((1, 3, H, W))).shape

    assert sliced((size_bounds.SizeRange(H, 10, 20),))[2] == 7  # H >= 10: the slice fits
    assert sliced(())[2] == sympy.Min(7, H)  # any H: it may not
    assert sliced((size_bounds.SizeRange(H, 10, 20),))[2] == 7
