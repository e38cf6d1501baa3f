"""A tiny model for ``symconv model mynet.py:build`` (used by the docs and their tests)."""

import torch


def build() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(8, 16, 3, padding=1, bias=False),
    )
