"""Run the real counters on a PyTorch model: the independent reference for :mod:`symconv.network.peers`.

Each function returns the number the tool reports for ``model`` on a zero input of ``shape``
(batch included), exactly as a user calling the tool would get it. Tool chatter is silenced.

Import this module before the tools: ptflops imports torchvision, whose CUDA wheel fails to import
beside a CPU-only torch unless :func:`tests.zoo.import_torchvision` declares its operators first.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Callable

import torch
from torch import nn

from tests.zoo import import_torchvision

with contextlib.suppress(ImportError):  # without torchvision, ptflops skips its DeformConv2d hook
    import_torchvision()


def _quiet(run: Callable[[], object]) -> object:
    sink = io.StringIO()
    logging.disable(logging.CRITICAL)  # fvcore logs every unsupported operator
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            return run()
    finally:
        logging.disable(logging.NOTSET)


def flop_counter_mode(model: nn.Module, shape: tuple[int, ...]) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(shape))
    return counter.get_total_flops()


def fvcore(model: nn.Module, shape: tuple[int, ...]) -> int:
    from fvcore.nn import FlopCountAnalysis

    def run() -> int:
        analysis = FlopCountAnalysis(model, torch.zeros(shape))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        return analysis.total()

    return _quiet(run)


def _ptflops(backend: str) -> Callable[[nn.Module, tuple[int, ...]], float]:
    def run(model: nn.Module, shape: tuple[int, ...]) -> float:
        from ptflops import get_model_complexity_info

        def count() -> float:
            macs, _ = get_model_complexity_info(
                model,
                tuple(shape[1:]),
                as_strings=False,
                print_per_layer_stat=False,
                input_constructor=lambda _: torch.zeros(shape),
                backend=backend,
            )
            return macs

        return _quiet(count)

    return run


def thop(model: nn.Module, shape: tuple[int, ...]) -> float:
    from thop import profile

    def run() -> float:
        macs, _ = profile(model, inputs=(torch.zeros(shape),), verbose=False)
        for module in model.modules():  # thop leaves its buffers behind; a second profile would fail
            for name in ("total_ops", "total_params"):
                module._buffers.pop(name, None)
        return macs

    return _quiet(run)


def calflops(model: nn.Module, shape: tuple[int, ...]) -> int:
    from calflops import calculate_flops

    def run() -> int:
        flops, _, _ = calculate_flops(
            model, input_shape=tuple(shape), output_as_string=False, print_results=False, print_detailed=False
        )
        return flops

    return _quiet(run)


TOOLS: dict[str, Callable[[nn.Module, tuple[int, ...]], float]] = {
    "FlopCounterMode": flop_counter_mode,
    "fvcore": fvcore,
    "ptflops": _ptflops("pytorch"),
    "ptflops-aten": _ptflops("aten"),
    "thop": thop,
    "calflops": calflops,
}
