"""Pre-activation ResNet-164 with bottleneck units, as DAWNBench's 2017 CIFAR-10 reference.

Written for algoeff from the architecture description in He et al., "Identity Mappings in
Deep Residual Networks" (arXiv 1603.05027, section 5 and Table 2) and the shape of the
DAWNBench reference model (stanford-futuredata/dawn-bench-models, PyTorch CIFAR10
``PreActResNet164``: three stages of 18 bottleneck units, bottleneck widths 16, 32 and 64,
expansion 4, stride 2 on the 3x3 convolution of the first unit of stages 2 and 3, a 1x1
projection shortcut on the first unit of every stage). Only the shapes matter for counting
FLOP; initialisation and training details are left out.
"""

from __future__ import annotations

from torch import Tensor, nn


class PreActBottleneck(nn.Module):
    """BN-ReLU-conv1x1, BN-ReLU-conv3x3 (stride here), BN-ReLU-conv1x1, plus shortcut."""

    expansion = 4

    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        c_out = width * self.expansion
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.project = None
        if stride != 1 or c_in != c_out:
            self.project = nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        pre = self.relu(self.bn1(x))
        shortcut = x if self.project is None else self.project(pre)
        h = self.conv1(pre)
        h = self.conv2(self.relu(self.bn2(h)))
        h = self.conv3(self.relu(self.bn3(h)))
        return h + shortcut


class PreActResNet164(nn.Module):
    def __init__(self, units: int = 18, widths: tuple[int, ...] = (16, 32, 64)) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, widths[0], 3, padding=1, bias=False)
        blocks: list[nn.Module] = []
        c_in = widths[0]
        for stage, width in enumerate(widths):
            for unit in range(units):
                stride = 2 if stage > 0 and unit == 0 else 1
                blocks.append(PreActBottleneck(c_in, width, stride))
                c_in = width * PreActBottleneck.expansion
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(c_in)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, 10)

    def forward(self, x: Tensor) -> Tensor:
        h = self.blocks(self.stem(x))
        h = self.pool(self.relu(self.bn(h))).flatten(1)
        return self.fc(h)


def build() -> nn.Module:
    """The 164-layer network: 3 x 18 bottleneck units x 3 convolutions + stem + classifier."""
    return PreActResNet164()
