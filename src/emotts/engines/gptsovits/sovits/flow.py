"""The normalising flow (residual coupling layers over WaveNet), run in reverse at inference."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .dims import SoVITSDims


class WaveNet(nn.Module):
    """Gated dilated convolutions conditioned on the style vector (WN)."""

    def __init__(self, channels: int, kernel_size: int, n_layers: int, gin: int) -> None:
        super().__init__()
        self.channels = channels
        self.cond_layer = nn.Conv1d(gin, 2 * channels * n_layers, 1)
        self.in_layers = nn.ModuleList(
            nn.Conv1d(channels, 2 * channels, kernel_size, padding=kernel_size // 2) for _ in range(n_layers)
        )
        self.res_skip_layers = nn.ModuleList(
            nn.Conv1d(channels, 2 * channels if i < n_layers - 1 else channels, 1) for i in range(n_layers)
        )

    def forward(self, x: Tensor, mask: Tensor, g: Tensor) -> Tensor:
        out = torch.zeros_like(x)
        conds = self.cond_layer(g).split(2 * self.channels, dim=1)
        last = len(self.in_layers) - 1
        for i, (layer, res_skip) in enumerate(zip(self.in_layers, self.res_skip_layers, strict=True)):
            gate = layer(x) + conds[i]
            acts = torch.tanh(gate[:, : self.channels]) * torch.sigmoid(gate[:, self.channels :])
            h = res_skip(acts)
            if i < last:
                x = (x + h[:, : self.channels]) * mask
                out = out + h[:, self.channels :]
            else:
                out = out + h
        return out * mask


class CouplingLayer(nn.Module):
    """Mean-only affine coupling: the second half of the channels is shifted by a function of the first."""

    def __init__(self, channels: int, hidden: int, kernel_size: int, n_layers: int, gin: int) -> None:
        super().__init__()
        self.half = channels // 2
        self.pre = nn.Conv1d(self.half, hidden, 1)
        self.enc = WaveNet(hidden, kernel_size, n_layers, gin)
        self.post = nn.Conv1d(hidden, self.half, 1)

    def reverse(self, x: Tensor, mask: Tensor, g: Tensor) -> Tensor:
        x0, x1 = x.split(self.half, dim=1)
        shift = self.post(self.enc(self.pre(x0) * mask, mask, g)) * mask
        return torch.cat([x0, (x1 - shift) * mask], dim=1)


class Flow(nn.Module):
    """The normalising flow, run backwards: prior sample → decoder latent. Odd `flows` entries are flips."""

    def __init__(self, dims: SoVITSDims) -> None:
        super().__init__()
        coupling = [
            CouplingLayer(dims.inter, dims.hidden, dims.wn_kernel, dims.wn_layers, dims.gin)
            for _ in range(dims.flow_layers)
        ]
        self.flows = nn.ModuleList(m for layer in coupling for m in (layer, nn.Identity()))

    def reverse(self, z: Tensor, mask: Tensor, g: Tensor) -> Tensor:
        for layer in reversed(self.flows[::2]):
            z = layer.reverse(torch.flip(z, [1]), mask, g)
        return z
