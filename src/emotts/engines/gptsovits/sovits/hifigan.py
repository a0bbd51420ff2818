"""The HiFiGAN generator: latent frames → waveform, conditioned on the style vector."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

LRELU_SLOPE = 0.1


class ResBlock(nn.Module):
    """HiFiGAN ResBlock1: pairs of (dilated conv, conv), each after a leaky ReLU, with a residual."""

    def __init__(self, channels: int, kernel_size: int, dilations: Sequence[int]) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(
            nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=d * (kernel_size - 1) // 2)
            for d in dilations
        )
        self.convs2 = nn.ModuleList(
            nn.Conv1d(channels, channels, kernel_size, padding=(kernel_size - 1) // 2) for _ in dilations
        )

    def forward(self, x: Tensor) -> Tensor:
        for c1, c2 in zip(self.convs1, self.convs2, strict=True):
            x = x + c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
        return x


class Generator(nn.Module):
    """HiFiGAN generator: latent frames → waveform, upsampling by the product of `upsample_rates`."""

    def __init__(
        self,
        in_channels: int,
        initial: int,
        rates: Sequence[int],
        kernels: Sequence[int],
        res_kernels: Sequence[int],
        res_dilations: Sequence[Sequence[int]],
        gin: int = 0,
        post_bias: bool = False,
    ) -> None:
        super().__init__()
        self.conv_pre = nn.Conv1d(in_channels, initial, 7, padding=3)
        self.ups = nn.ModuleList(
            nn.ConvTranspose1d(initial >> i, initial >> (i + 1), k, u, padding=(k - u) // 2)
            for i, (u, k) in enumerate(zip(rates, kernels, strict=True))
        )
        self.resblocks = nn.ModuleList(
            ResBlock(initial >> (i + 1), k, d)
            for i in range(len(rates))
            for k, d in zip(res_kernels, res_dilations, strict=True)
        )
        self.conv_post = nn.Conv1d(initial >> len(rates), 1, 7, padding=3, bias=post_bias)
        self.cond = nn.Conv1d(gin, initial, 1) if gin else None
        self.n_kernels = len(res_kernels)

    def forward(self, x: Tensor, g: Tensor | None = None) -> Tensor:
        x = self.conv_pre(x)
        if self.cond is not None and g is not None:
            x = x + self.cond(g)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            blocks = self.resblocks[i * self.n_kernels : (i + 1) * self.n_kernels]
            x = sum(block(x) for block in blocks) / self.n_kernels  # type: ignore[assignment]
        # the reference's last activation uses leaky_relu's default slope 0.01
        return torch.tanh(self.conv_post(F.leaky_relu(x)))
