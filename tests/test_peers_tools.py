"""symconv's peer conventions against the real tools: the same layer, the tool's own number.

Every case runs FlopCounterMode, fvcore, ptflops (both backends), thop and calflops on a
PyTorch module and compares with ``PEERS[tool]`` applied to ``from_torch`` of the same module.
"""

from __future__ import annotations

import importlib.util
import itertools
import os

import pytest

torch = pytest.importorskip("torch")
from tests.peer_tools import TOOLS  # noqa: E402  (before the tools: it makes torchvision importable)

_MISSING = [t for t in ("fvcore", "ptflops", "thop", "calflops") if importlib.util.find_spec(t) is None]
if _MISSING and os.environ.get("CI"):  # CI installs the peers extra: a missing tool is a broken setup, not a skip
    raise ImportError(f"peer tools missing under CI: {_MISSING} (pip install -e '.[peers]')")
if _MISSING:
    pytest.skip(f"peer tools missing: {_MISSING} (pip install -e '.[peers]')", allow_module_level=True)

from torch import nn  # noqa: E402

import symconv  # noqa: E402
from symconv.network.peers import PEERS  # noqa: E402

pytestmark = pytest.mark.slow


def _convs():
    yield nn.Conv2d(4, 6, 3, padding=1), (2, 4, 8, 8)
    yield nn.Conv2d(4, 6, 3, padding=1, bias=False), (1, 4, 7, 9)
    yield nn.Conv2d(4, 8, 3, stride=2, groups=2), (2, 4, 9, 9)
    yield nn.Conv2d(6, 6, 3, padding=1, groups=6), (1, 6, 8, 8)  # depthwise
    yield nn.Conv2d(4, 6, (1, 5), padding=(0, 2), dilation=(1, 2)), (1, 4, 6, 11)
    yield nn.Conv2d(4, 6, 3, padding=1, padding_mode="reflect"), (2, 4, 8, 8)
    yield nn.Conv1d(3, 5, 4, stride=3, padding=2), (2, 3, 17)
    yield nn.Conv3d(2, 4, 3, padding=(1, 0, 1)), (1, 2, 5, 6, 7)
    for k, d, bias in itertools.product((3, 4), (1, 2), (True, False)):  # 'same': odd and even d*(K-1)
        yield nn.Conv2d(4, 6, k, padding="same", dilation=d, bias=bias), (2, 4, 9, 10)
    yield nn.Conv1d(4, 6, 4, padding="same"), (1, 4, 12)
    yield nn.Conv2d(4, 6, 2, padding="same", padding_mode="reflect"), (1, 4, 6, 6)
    yield nn.Conv2d(4, 6, 3, padding="valid"), (1, 4, 8, 8)


def _transposed():
    for k, s, p, g, bias in itertools.product((2, 3, 4), (1, 2, 3), (0, 1), (1, 2), (True, False)):
        yield nn.ConvTranspose2d(4, 6, k, stride=s, padding=p, groups=g, bias=bias), (2, 4, 5, 6)
    yield nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, dilation=2), (1, 4, 5, 5)
    yield nn.ConvTranspose2d(4, 6, 5), (1, 4, 2, 3)  # calflops' bias size goes negative
    yield nn.ConvTranspose1d(3, 6, 4, stride=2, padding=1, groups=3), (2, 3, 9)
    yield nn.ConvTranspose3d(2, 4, 2, stride=2), (1, 2, 3, 4, 5)


def _linears():
    for shape, bias in itertools.product(((3, 8), (3, 4, 8), (2, 3, 4, 8)), (True, False)):
        yield nn.Linear(8, 5, bias=bias), shape


LAYERS = [*_convs(), *_transposed(), *_linears()]


def _ids(cases):
    return [f"{type(m).__name__}{i}" for i, (m, _) in enumerate(cases)]


def _compare(model: nn.Module, shape: tuple[int, ...]) -> None:
    if type(model).__module__.startswith("torch.nn.modules") and not isinstance(model, nn.Sequential):
        model = nn.Sequential(model)  # fx traces into a bare root module
    cost = symconv.from_torch(model, shape)
    expected = {tool: PEERS[tool].count(cost) for tool in TOOLS}
    actual = {tool: run(model, shape) for tool, run in TOOLS.items()}
    wrong = {tool: (actual[tool], expected[tool]) for tool in TOOLS if not _same(actual[tool], expected[tool])}
    assert not wrong, f"{list(model)} on {shape}: (tool, symconv) {wrong}"


def _same(reported: float, modelled) -> bool:
    """thop and ptflops report floats: Python's ``int / int`` is correctly rounded, as is ``float(Rational)``."""
    return reported == modelled if isinstance(reported, int) else reported == float(modelled)


@pytest.mark.parametrize(("model", "shape"), LAYERS, ids=_ids(LAYERS))
def test_every_peer_reproduces_its_tool_on_a_layer(model: nn.Module, shape: tuple[int, ...]) -> None:
    _compare(model, shape)


def _networks():
    yield nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.Conv2d(8, 8, 3, padding="same", groups=8), nn.Conv2d(8, 16, 1))
    yield nn.Sequential(
        nn.Conv2d(3, 8, 4, 2, 1, bias=False), nn.ConvTranspose2d(8, 4, 4, 2, 1), nn.ConvTranspose2d(4, 2, 3, groups=2)
    )
    yield nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 14 * 14, 10), nn.Linear(10, 3, bias=False))


class _Attention(nn.Module):
    """A linear projection and a functional matmul (thop does not see it; ptflops does not divide it)."""

    def __init__(self) -> None:
        super().__init__()
        self.q = nn.Linear(8, 8)

    def forward(self, x):
        return torch.matmul(self.q(x), x.transpose(1, 2))


NETWORKS = list(_networks())


@pytest.mark.parametrize("model", NETWORKS)
def test_every_peer_reproduces_its_tool_on_a_network(model: nn.Module) -> None:
    _compare(model, (2, 3, 16, 16))


def test_every_peer_reproduces_its_tool_on_a_matmul() -> None:
    _compare(_Attention(), (2, 5, 8))


def test_the_peers_disagree_where_the_tools_do() -> None:
    # ConvTranspose2d(64, 32, 4, stride=2, padding=1) on (1, 64, 28, 28): ptflops counts per input pixel
    cost = symconv.from_torch(nn.Sequential(nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)), (1, 64, 28, 28))
    assert PEERS["ptflops"].count(cost) == 64 * 32 * 16 * 28 * 28 + 32 * 56 * 56  # 25,790,464 as ptflops prints
    assert PEERS["thop"].count(cost) == 32 * 56 * 56 * 64 * 16  # every output pixel, inserted zeros included
