"""The airbench94 network (Keller Jordan, arXiv 2404.00498), shared by its successors.

Written for algoeff from the description in "94% on CIFAR-10 in 3.29 Seconds on a Single
GPU" (arXiv 2404.00498, section 3, network architecture) and the widths printed in
KellerJordan/cifar10-airbench (legacy/airbench94.py hyperparameters): a 2x2 patch-whitening
convolution without padding from 3 to 24 channels (12 eigen-patches and their negatives,
frozen weights, trainable bias), GELU, then three blocks of widths 64, 256 and 256, each a
3x3 convolution, 2x2 max-pooling, batch norm and GELU, then a second 3x3 convolution with
batch norm and GELU (no residual); a 3x3 max-pool to 1x1 and a linear classifier to 10
classes without bias, scaled by 1/9.

airbench94_muon.py (2024) and hiverge's cifar10_speedrun.py (2025) keep these shapes (the
latter uses SiLU in the blocks), so the same definition counts all three.
"""

from __future__ import annotations

from torch import Tensor, nn


class ConvGroup(nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding="same", bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding="same", bias=False)
        self.norm2 = nn.BatchNorm2d(c_out)
        self.act = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        h = self.act(self.norm1(self.pool(self.conv1(x))))
        return self.act(self.norm2(self.conv2(h)))


class Airbench94(nn.Module):
    def __init__(self, widths: tuple[int, int, int] = (64, 256, 256)) -> None:
        super().__init__()
        self.whiten = nn.Conv2d(3, 24, 2, padding=0, bias=True)
        self.whiten.weight.requires_grad = False
        self.act = nn.GELU()
        self.groups = nn.Sequential(
            ConvGroup(24, widths[0]),
            ConvGroup(widths[0], widths[1]),
            ConvGroup(widths[1], widths[2]),
        )
        self.pool = nn.MaxPool2d(3)
        self.fc = nn.Linear(widths[2], 10, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        h = self.pool(self.groups(self.act(self.whiten(x))))
        return self.fc(h.flatten(1)) / 9


def build() -> nn.Module:
    """airbench94's network at widths 64 / 256 / 256."""
    return Airbench94()
