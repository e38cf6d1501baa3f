"""Real models in training: FlopCounterMode around forward + backward and autograd's saved tensors (slow).

The whole zoo runs in ``benchmarks/bench_zoo_training.py``; here a representative subset.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import zoo  # noqa: E402

try:
    zoo.import_torchvision()
except ImportError:
    pytest.skip("the zoo needs torchvision and timm (pip install 'symconv[zoo]')", allow_module_level=True)
pytest.importorskip("timm")

import zoo_training  # noqa: E402

SUBSET = (
    "resnet18",  # in-place ReLU, residual adds
    "mobilenet_v3_small",  # depthwise: FlopCounterMode's grouped weight gradient corrected
    "vit_b_16",  # attention (math backend), LayerNorm, a class token and position embedding
    "poolformer_s12",  # GroupNorm
    "tf_efficientnet_lite0",  # control flow on sizes: in-place modules found without fx.symbolic_trace
    "levit_128s",  # a strided subsample reshaped into tokens: a copy autograd keeps
    "xcit_nano_12_p16_224",  # normalize, a position encoding made from sizes and repeated over the batch
)


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBSET)
def test_zoo_model_training_step_equals_pytorch(name: str) -> None:
    spec = next(m for m in zoo.ZOO if m.name == name)
    outcome = zoo_training.check(spec)
    assert outcome.status == "agree", outcome.detail
