"""Substitution re-checks the configuration: every place values replace symbols refuses what a direct build refuses."""

from __future__ import annotations

import re

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
import symconv.latex
from symconv.errors import InvalidConfiguration, SymconvError
from symconv.network import Network, ReLU
from symconv.symbols import C, H, W, g


def _cost() -> symconv.Cost:
    return symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9))


KERNEL = "kernel_size=3 with dilation=1 needs a padded input of at least 3, got 1 (input H=1)"


def test_table_values_are_checked_again():
    with pytest.raises(InvalidConfiguration, match=re.escape(KERNEL)):
        symconv.latex.table({"c": _cost()}, ["macs"], values={"H": 1})
    with pytest.raises(SymconvError, match="H=-5 must be a positive integer"):
        symconv.latex.table({"c": _cost()}, ["macs"], values={"H": -5})
    good = symconv.latex.table({"c": _cost()}, ["macs"], values={"H": 5})
    assert str(symconv.Conv2d(4, 8, 3).cost((1, 4, 5, 9)).macs) in good


def test_table_values_apply_to_the_rows_that_have_the_symbol():
    rows = {"a": _cost(), "b": symconv.Conv2d(4, 8, 1).cost((1, 4, 9, W))}
    tex = symconv.latex.table(rows, ["macs"], values={"H": 5, "W": 7})
    assert str(symconv.Conv2d(4, 8, 1).cost((1, 4, 9, 7)).macs) in tex
    with pytest.raises(SymconvError, match="values key 'Z' is not a symbol of any row"):
        symconv.latex.table(rows, ["macs"], values={"Z": 5})


def _network() -> symconv.NetworkCost:
    net = Network("block")
    x = net.input((1, C, H, W))
    net.chain(x, ("conv", symconv.Conv2d(C, C, 3, groups=g)), ("relu", ReLU()), ("conv2", symconv.Conv2d(C, 8, 3)))
    return net.cost()


def test_network_substitution_checks_every_layer():
    cost = _network()
    with pytest.raises(InvalidConfiguration, match="groups=4 must divide in_channels=6"):
        cost.at(C=6, g=4)
    with pytest.raises(InvalidConfiguration, match="needs a padded input of at least 3, got 1"):
        cost.at(H=3)  # the first convolution leaves 1 row for the second
    with pytest.raises(SymconvError, match="symbol 'Z' does not occur in network 'block'"):
        cost.at(Z=3)
    direct = Network("block")
    x = direct.input((1, 8, 9, 9))
    direct.chain(x, ("conv", symconv.Conv2d(8, 8, 3, groups=4)), ("relu", ReLU()), ("conv2", symconv.Conv2d(8, 8, 3)))
    assert cost.at(C=8, g=4, H=9, W=9).macs == direct.cost().macs
    with pytest.raises(InvalidConfiguration, match="needs a padded input of at least 3, got 1"):
        cost.latex(["macs"], values={"H": 3})


def test_values_must_suit_their_symbols():
    cost = _cost()
    for value, message in [
        (0, "H=0 must be a positive integer"),
        (-5, "H=-5 must be a positive integer"),
        (sympy.Rational(5, 2), "H=5/2 must be a positive integer"),
        (sympy.I, "H=I must be a positive integer"),
        (sympy.oo, "H=oo must be a positive integer"),
        (2.5, "H=2.5 must be exact"),
    ]:
        with pytest.raises(SymconvError, match=message.replace("*", r"\*")):
            cost.at(H=value)
    assert cost.at(H="2*4") == cost.at(H=8)


def test_symbolic_values_keep_the_rules_open():
    cost = symconv.Conv2d(C, C, 3, groups=g).cost((1, C, H, W))
    doubled = cost.at(C=2 * g)  # divisible whatever g is; the rule on H stays open
    assert doubled.at(g=3, H=5, W=5).macs == symconv.Conv2d(6, 6, 3, groups=3).cost((1, 6, 5, 5)).macs
    with pytest.raises(InvalidConfiguration, match="needs a padded input of at least 3, got 2"):
        doubled.at(H=2)
    with pytest.raises(InvalidConfiguration, match="groups=3 must divide in_channels=4"):
        cost.at(C=g + 1).at(g=3)


@pytest.mark.slow
def test_a_torch_model_refuses_an_input_its_layers_cannot_take():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3, stride=2))
    cost = symconv.from_torch(model, (1, 3, H, W))
    for h in (1, 3, 4):  # PyTorch refuses these too
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 3, h, 9))
        with pytest.raises(InvalidConfiguration):
            cost.at(H=h, W=9)
    assert cost.at(H=9, W=9).macs == symconv.from_torch(model, (1, 3, 9, 9)).macs


def test_a_network_inside_a_network_keeps_its_layers_rules():
    inner = Network("inner")
    inner("conv", symconv.Conv2d(4, 8, 3), inner.input((1, 4, H, 9)))
    outer = Network("outer")
    outer("block", inner, outer.input((1, 4, H, 9)))
    with pytest.raises(InvalidConfiguration, match=re.escape(KERNEL)):
        outer.cost().at(H=1)
    assert outer.cost().at(H=5).macs == symconv.Conv2d(4, 8, 3).cost((1, 4, 5, 9)).macs


def test_a_training_step_is_checked_again():
    from symconv.analysis.training import cost

    step = symconv.Conv2d(4, 8, 3).cost((1, 4, H, 9), grad=True)
    for substituted in (lambda: step.at(H=1), lambda: step.backward.subs({"H": 1})):
        with pytest.raises(InvalidConfiguration, match=re.escape(KERNEL)):
            substituted()
    direct = cost(symconv.Conv2d(4, 8, 3), (1, 4, 5, 9))
    at = step.at(H=5)
    assert (at.macs, at.activations(), at.trainable) == (direct.macs, direct.activations(), direct.trainable)
    with pytest.raises(SymconvError, match="symbol 'Z' does not occur"):
        step.at(Z=3)


def test_a_network_training_step_is_checked_again():
    from symconv.analysis.training import network_cost

    net = Network("n")
    net.chain(net.input((1, 4, H, 9)), ("conv", symconv.Conv2d(4, 8, 3)), ("relu", ReLU()))
    step = network_cost(net)
    with pytest.raises(InvalidConfiguration, match=re.escape(KERNEL)):
        step.at(H=1)
    with pytest.raises(SymconvError, match="must be a positive integer"):
        step.at(H=-2)
    assert step.at(H=5).macs == step.macs.subs(H, 5)


def test_io_bounds_are_checked_again():
    from symconv.analysis.bounds import S, io_bounds

    bounds = io_bounds(symconv.Conv2d(4, 8, 3), (1, 4, H, 9))
    with pytest.raises(InvalidConfiguration, match=re.escape(KERNEL)):
        bounds.at(H=1)
    for bad in ({"S": 0}, {"S": "__import__('os')"}, {"Z": 3}, {"S": 2.5}):
        with pytest.raises(SymconvError):
            bounds.at(**bad)
    direct = io_bounds(symconv.Conv2d(4, 8, 3), (1, 4, 5, 9))
    assert bounds.at(H=5, S=1024).tiled == direct.tiled.subs(S, 1024)


def test_operators_of_several_inputs_keep_their_rules():
    from symconv.network import Add
    from symconv.ops.matmul import Matmul

    add = Add().cost((1, 4, H - 3, 9), (1, 4, H - 3, 9))
    with pytest.raises(InvalidConfiguration, match=re.escape("input_shapes[0][2]=-1 must be a positive integer")):
        add.at(H=2)
    assert add.at(H=5).adds == 4 * 2 * 9
    matmul = Matmul().cost((2, H - 3, 5), (5, 7))
    with pytest.raises(InvalidConfiguration, match="must be a positive integer"):
        matmul.at(H=3)
    assert matmul.at(H=4).macs == 2 * 1 * 5 * 7


SIZES = st.one_of(st.integers(-3, 12), st.sampled_from([sympy.oo, sympy.Rational(5, 2), 2.5, True, "4", "2*3"]))


def _direct(build, value):
    """What ``build(value)`` gives, or the error type (the oracle builds on the value, text parsed first)."""
    try:
        return build(value)
    except SymconvError:
        return SymconvError


@settings(max_examples=40, deadline=None, derandomize=True)
@given(SIZES)
def test_a_substituted_training_step_is_the_step_built_on_the_value(value):
    from symconv.analysis.training import cost
    from symconv.core.parse import parse_expression

    oracle_value = parse_expression(value) if isinstance(value, str) else value
    direct = _direct(lambda v: cost(symconv.Conv2d(4, 8, 3, padding=1), (1, 4, v, 9)).backward.macs, oracle_value)
    substituted = _direct(lambda v: symconv.Conv2d(4, 8, 3, padding=1).cost((1, 4, H, 9), grad=True).at(H=v), value)
    if direct is SymconvError:
        assert substituted is SymconvError
    else:
        assert substituted.backward.macs == direct


@settings(max_examples=40, deadline=None, derandomize=True)
@given(SIZES)
def test_substituted_io_bounds_are_the_bounds_built_on_the_value(value):
    from symconv.analysis.bounds import io_bounds
    from symconv.core.parse import parse_expression

    oracle_value = parse_expression(value) if isinstance(value, str) else value
    direct = _direct(lambda v: io_bounds(symconv.Conv2d(4, 8, 3), (1, 4, v, 9)).tiled, oracle_value)
    substituted = _direct(lambda v: io_bounds(symconv.Conv2d(4, 8, 3), (1, 4, H, 9)).at(H=v).tiled, value)
    if direct is SymconvError:
        assert substituted is SymconvError
    else:
        assert substituted == direct


def test_queries_check_their_values_too():
    """compare's points and crossover's given values obey the same rules as at()."""
    cost = _cost()
    with pytest.raises(SymconvError, match="H=-5 must be a positive integer"):
        symconv.compare({"c": cost}, "macs", {"H": [-5]})
    with pytest.raises(InvalidConfiguration, match=re.escape(KERNEL)):
        symconv.compare({"c": cost}, "macs", {"H": [5, 1]})
    square = symconv.Conv2d(C, C, 3).cost((1, C, H, 9))
    depthwise = symconv.Conv2d(C, C, 3, groups=C).cost((1, C, H, 9))
    for value, message in [(sympy.oo, "H=oo must be a positive integer"), (1, re.escape(KERNEL))]:
        with pytest.raises(SymconvError, match=message):
            symconv.crossover(square, depthwise, "macs", "C", given={"H": value})


def test_a_size_checked_again_records_its_rule_again() -> None:
    """A symbolic size's check is cached: every later check still records the rule, and it still refuses."""
    from symconv.core.rules import recording
    from symconv.core.sizes import as_size

    size = H - 3  # at least 1 only from H = 4 on: undecided
    for _ in range(2):
        with recording() as rules:
            assert as_size(size, "n") == size
        assert [rule.condition.subs(H, 4) for rule in rules] == [sympy.true]
        assert [rule.condition.subs(H, 3) for rule in rules] == [sympy.false]
