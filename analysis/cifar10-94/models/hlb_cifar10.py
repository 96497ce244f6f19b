"""The network of hlb-CIFAR10 v0.7.0 (tysam-code, November 2023).

Written for algoeff from the release's description of its network (tysam-code/hlb-CIFAR10,
main.py at the v0.7.0 commit ad103b4: ``whitening.kernel_size`` 2, ``base_depth`` 64 with
depth scaler 2, and the network dictionary of ``make_net``): a fixed 2x2 whitening
convolution without padding whose 12 eigen-patch filters are used with both signs (24
output channels), GELU, then three conv groups of widths 64, 256 and 512, each a 3x3
convolution, 2x2 max-pooling, batch norm and GELU, then a second 3x3 convolution with
batch norm and GELU (v0.7.0 dropped the residual adds); global max-pooling and a linear
classifier without bias. Training and evaluation tricks (EMA, cutmix, flip TTA) are not
matrix products of the forward pass and are left out.
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


class HlbNet(nn.Module):
    def __init__(self, widths: tuple[int, int, int] = (64, 256, 512)) -> None:
        super().__init__()
        self.whiten = nn.Conv2d(3, 24, 2, padding=0, bias=True)
        self.whiten.weight.requires_grad = False
        self.act = nn.GELU()
        self.groups = nn.Sequential(
            ConvGroup(24, widths[0]),
            ConvGroup(widths[0], widths[1]),
            ConvGroup(widths[1], widths[2]),
        )
        self.fc = nn.Linear(widths[2], 10, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        h = self.groups(self.act(self.whiten(x)))
        return self.fc(h.amax(dim=(2, 3))) / 9


def build() -> nn.Module:
    """hlb-CIFAR10 v0.7.0's network at its default widths (64 / 256 / 512)."""
    return HlbNet()
