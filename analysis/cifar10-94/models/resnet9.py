"""ResNet-9 of David Page's DAWNBench CIFAR-10 entry (myrtle.ai, 2018).

Written for algoeff from the published description: the network diagram in
davidcpage/cifar10-fast (README, net.svg) and the blog series "How to train your ResNet"
(myrtle.ai, 2018): a 3x3 "prep" convolution to 64 channels; layer 1: 3x3 convolution to
128 channels and 2x2 max-pooling, then a residual branch of two 3x3 convolutions at 128;
layer 2: 3x3 convolution to 256 and pooling; layer 3: 3x3 convolution to 512 and pooling,
then a residual branch of two 3x3 convolutions at 512; global 4x4 max-pooling and a
linear classifier to 10 classes scaled by 1/8. Every convolution is followed by batch
norm and ReLU. In the 2018 network the pooling follows the convolution, so the
convolution runs at the resolution before pooling.
"""

from __future__ import annotations

from torch import Tensor, nn


def conv_bn(c_in: int, c_out: int, pool: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    layers += [nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers)


class Residual(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(conv_bn(c, c), conv_bn(c, c))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.branch(x)


class ResNet9(nn.Module):
    def __init__(self, prep: nn.Module | None = None, scale: float = 0.125) -> None:
        super().__init__()
        self.prep = prep if prep is not None else conv_bn(3, 64)
        self.layer1 = nn.Sequential(conv_bn(64, 128, pool=True), Residual(128))
        self.layer2 = conv_bn(128, 256, pool=True)
        self.layer3 = nn.Sequential(conv_bn(256, 512, pool=True), Residual(512))
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.fc = nn.Linear(512, 10, bias=False)
        self.scale = scale

    def forward(self, x: Tensor) -> Tensor:
        h = self.layer3(self.layer2(self.layer1(self.prep(x))))
        return self.fc(self.pool(h).flatten(1)) * self.scale


def build() -> nn.Module:
    """The 2018 DAWNBench ResNet-9 (8 convolutions + 1 linear layer)."""
    return ResNet9()
