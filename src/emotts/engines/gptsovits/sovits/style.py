"""MelStyleEncoder: a reference spectrogram → one style vector."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

STYLE_HEADS = 2  # MelStyleEncoder's attention heads, hard-coded in the reference


class StyleEncoder(nn.Module):
    """MelStyleEncoder: a spectrogram → one style vector (mean over time of attended frame features)."""

    def __init__(self, bins: int, hidden: int, out: int, kernel_size: int) -> None:
        super().__init__()
        self.spectral = nn.ModuleList(
            [_Linear(bins, hidden), nn.Mish(), nn.Identity(), _Linear(hidden, hidden)]
        )
        self.temporal = nn.ModuleList(_GluConv(hidden, kernel_size) for _ in range(2))
        self.slf_attn = _StyleAttention(hidden, STYLE_HEADS)
        self.fc = _Linear(hidden, out)

    def forward(self, spec: Tensor) -> Tensor:
        x = spec.transpose(1, 2)
        x = F.mish(self.spectral[3](F.mish(self.spectral[0](x))))
        x = x.transpose(1, 2)
        for block in self.temporal:
            x = block(x)
        x = self.fc(self.slf_attn(x.transpose(1, 2)))
        return (x / x.shape[1]).sum(dim=1).unsqueeze(-1)  # divide-then-sum, as the reference averages


class _Linear(nn.Module):
    def __init__(self, inp: int, out: int) -> None:
        super().__init__()
        self.fc = nn.Linear(inp, out)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x)


class _GluConv(nn.Module):
    def __init__(self, channels: int, kernel_size: int) -> None:
        super().__init__()
        self.conv1 = _Conv(channels, 2 * channels, kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        a, b = self.conv1(x).chunk(2, dim=1)
        return x + a * torch.sigmoid(b)


class _Conv(nn.Module):
    def __init__(self, inp: int, out: int, kernel_size: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(inp, out, kernel_size, padding=(kernel_size - 1) // 2)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class _StyleAttention(nn.Module):
    """The style encoder's self-attention: scaled by sqrt(model width), with a residual."""

    def __init__(self, dim: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.w_qs = nn.Linear(dim, dim)
        self.w_ks = nn.Linear(dim, dim)
        self.w_vs = nn.Linear(dim, dim)
        self.fc = nn.Linear(dim, dim)
        self.temperature = math.sqrt(dim)

    def forward(self, x: Tensor) -> Tensor:
        b, t, d = x.shape
        h = self.n_heads

        def heads(proj: nn.Linear) -> Tensor:
            return proj(x).view(b, t, h, d // h).transpose(1, 2)

        q, k, v = heads(self.w_qs), heads(self.w_ks), heads(self.w_vs)
        weights = F.softmax(q @ k.transpose(-2, -1) / self.temperature, dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(b, t, d)
        return self.fc(out) + x
