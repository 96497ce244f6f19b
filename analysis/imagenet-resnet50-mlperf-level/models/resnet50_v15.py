"""ResNet-50 v1.5, the MLPerf Training image-classification model, for counting its FLOP.

Written for algoeff from the architecture's description: He et al., "Deep Residual
Learning for Image Recognition" (arXiv 1512.03385, Table 1, the 50-layer column) and the
"v1.5" change that NVIDIA's Deep Learning Examples describe and MLPerf's reference model
uses: in each down-sampling bottleneck the stride 2 sits on the 3x3 convolution, not on
the first 1x1 (a little more compute than v1, 4.1 rather than 3.9 G multiply-adds per
224x224 image). Stem: 7x7 convolution to 64 channels with stride 2, batch norm, ReLU,
3x3 max-pooling with stride 2. Four stages of bottleneck blocks (1x1 to width, 3x3 at
width, 1x1 to 4 x width; batch norm after each, ReLU after the sum) with widths 64, 128,
256, 512 and 3, 4, 6, 3 blocks; the first block of a stage projects its shortcut with a
strided 1x1 convolution and batch norm. Global average pooling and a linear layer to the
1,000 ImageNet classes.
"""

from __future__ import annotations

from torch import Tensor, nn


class Bottleneck(nn.Module):
    def __init__(self, c_in: int, width: int, stride: int) -> None:
        super().__init__()
        c_out = 4 * width
        self.branch = nn.Sequential(
            nn.Conv2d(c_in, width, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False),  # v1.5: stride here
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.branch(x) + self.shortcut(x))


def build(classes: int = 1000) -> nn.Module:
    layers: list[nn.Module] = [
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
    ]
    c_in = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(blocks):
            layers.append(Bottleneck(c_in, width, stride if i == 0 else 1))
            c_in = 4 * width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, classes)]
    return nn.Sequential(*layers)
