"""ResNet-9 of "How to train your ResNet 8: Bag of tricks" (David Page, myrtle.ai, 2019).

Written for algoeff from the description in the post and its notebook
(davidcpage/cifar10-fast, bag_of_tricks.ipynb, section "Input patch whitening"): the 3x3
prep convolution of the 2018 ResNet-9 is replaced by a fixed (untrained) 3x3 whitening
convolution from 3 to 27 channels (the 27 eigen-patches of 3x3x3 input patches) followed by
a trainable 1x1 convolution to 64 channels. Max-pooling was moved before batch norm
("Moving max-pool layers"), CELU replaced ReLU and batch norm became ghost batch norm; none
of these changes a matrix product, so the rest of the network counts as the 2018 ResNet-9.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from torch import nn


def _resnet9_module():
    path = Path(__file__).with_name("resnet9.py")
    spec = importlib.util.spec_from_file_location("cifar10_94_resnet9", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build() -> nn.Module:
    """ResNet-9 with the whitening prep block (fixed 3x3 3->27, then 1x1 27->64)."""
    whiten = nn.Conv2d(3, 27, 3, padding=1, bias=False)
    whiten.weight.requires_grad = False
    prep = nn.Sequential(
        whiten,
        nn.Conv2d(27, 64, 1, bias=False),
        nn.BatchNorm2d(64),
        nn.CELU(0.3),
    )
    return _resnet9_module().ResNet9(prep=prep, scale=1 / 16)
