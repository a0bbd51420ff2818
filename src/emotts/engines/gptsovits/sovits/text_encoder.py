"""The prior's text encoder: relative-position self-attention over tokens and phones, MRTE cross-attention."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

from .dims import SoVITSDims

MRTE_HEADS = 4  # hard-coded in the reference's MRTE, not stored in checkpoints


class ChannelNorm(nn.Module):
    """LayerNorm over the channel axis of [B, C, T]."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.transpose(1, -1), (x.shape[1],), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


class Attention(nn.Module):
    """Multi-head attention over [B, C, T] with 1x1 convolutions; self-attention may add relative positions
    (keys and values within ±window of the query get learned offsets, shared by all heads)."""

    def __init__(self, channels: int, n_heads: int, window: int | None = None) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.window = window
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, channels, 1)
        if window is not None:
            head = channels // n_heads
            self.emb_rel_k = nn.Parameter(torch.zeros(1, 2 * window + 1, head))
            self.emb_rel_v = nn.Parameter(torch.zeros(1, 2 * window + 1, head))

    def forward(self, x: Tensor, context: Tensor, mask: Tensor | None) -> Tensor:
        b, c, t_q = x.shape
        t_k, h = context.shape[2], self.n_heads
        q = self.conv_q(x).view(b, h, c // h, t_q).transpose(2, 3) / math.sqrt(c // h)
        k = self.conv_k(context).view(b, h, c // h, t_k).transpose(2, 3)
        v = self.conv_v(context).view(b, h, c // h, t_k).transpose(2, 3)
        scores = q @ k.transpose(-2, -1)
        if self.window is not None:
            offsets, inside = self._offsets(t_q, scores.device)
            relative = q @ self.emb_rel_k.transpose(-2, -1)  # [b, h, t, 2w + 1]
            scores = scores + relative.gather(-1, offsets.expand(b, h, -1, -1)) * inside
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e4)
        weights = F.softmax(scores, dim=-1)
        out = weights @ v
        if self.window is not None:
            # weight of each relative offset: weights[i, i + r] for r in [-w, w], zero outside the sequence
            span = torch.arange(-self.window, self.window + 1, device=x.device)
            cols = torch.arange(t_q, device=x.device)[:, None] + span
            valid = (cols >= 0) & (cols < t_k)
            by_offset = weights.gather(-1, cols.clamp(0, t_k - 1).expand(b, h, -1, -1)) * valid
            out = out + by_offset @ self.emb_rel_v
        return self.conv_o(out.transpose(2, 3).reshape(b, c, t_q))

    def _offsets(self, length: int, device: torch.device) -> tuple[Tensor, Tensor]:
        """For each (query i, key j): the index of offset j - i in the table, and whether it is in range."""
        assert self.window is not None
        distance = torch.arange(length, device=device)[None] - torch.arange(length, device=device)[:, None]
        inside = distance.abs() <= self.window
        return (distance.clamp(-self.window, self.window) + self.window), inside


class FeedForward(nn.Module):
    def __init__(self, channels: int, filter_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)
        self.pad = ((kernel_size - 1) // 2, kernel_size // 2)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = torch.relu(self.conv_1(F.pad(x * mask, self.pad)))
        return self.conv_2(F.pad(x * mask, self.pad)) * mask


class Encoder(nn.Module):
    """Post-LN transformer encoder with relative-position self-attention and convolutional FFNs."""

    def __init__(self, dims: SoVITSDims, n_layers: int) -> None:
        super().__init__()
        ch = dims.hidden
        self.attn_layers = nn.ModuleList(Attention(ch, dims.n_heads, dims.window) for _ in range(n_layers))
        self.norm_layers_1 = nn.ModuleList(ChannelNorm(ch) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FeedForward(ch, dims.filter, dims.kernel_size) for _ in range(n_layers)
        )
        self.norm_layers_2 = nn.ModuleList(ChannelNorm(ch) for _ in range(n_layers))

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        pair_mask = mask.unsqueeze(2) * mask.unsqueeze(-1)
        x = x * mask
        for attn, norm1, ffn, norm2 in zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2, strict=True
        ):
            x = norm1(x + attn(x, x, pair_mask))
            x = norm2(x + ffn(x, mask))
        return x * mask


class MRTE(nn.Module):
    """Cross-attention from the semantic stream to the phones, plus the style vector."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        self.cross_attention = Attention(hidden, MRTE_HEADS)
        self.c_pre = nn.Conv1d(channels, hidden, 1)
        self.text_pre = nn.Conv1d(channels, hidden, 1)
        self.c_post = nn.Conv1d(hidden, channels, 1)

    def forward(self, ssl: Tensor, ssl_mask: Tensor, text: Tensor, text_mask: Tensor, ge: Tensor) -> Tensor:
        pair_mask = text_mask.unsqueeze(2) * ssl_mask.unsqueeze(-1)
        ssl = self.c_pre(ssl * ssl_mask)
        text = self.text_pre(text * text_mask)
        x = self.cross_attention(ssl * ssl_mask, text * text_mask, pair_mask) + ssl + ge
        return self.c_post(x * ssl_mask)


class TextEncoder(nn.Module):
    def __init__(self, dims: SoVITSDims) -> None:
        super().__init__()
        self.ssl_proj = nn.Conv1d(dims.ssl_dim, dims.hidden, 1)
        self.encoder_ssl = Encoder(dims, dims.n_layers // 2)
        self.encoder_text = Encoder(dims, dims.n_layers)
        self.text_embedding = nn.Embedding(dims.phonemes, dims.hidden)
        self.mrte = MRTE(dims.hidden, dims.mrte_hidden)
        self.encoder2 = Encoder(dims, dims.n_layers // 2)
        self.proj = nn.Conv1d(dims.hidden, dims.inter * 2, 1)

    def forward(
        self, quantized: Tensor, phones: Tensor, ge: Tensor, speed: float
    ) -> tuple[Tensor, Tensor, Tensor]:
        """→ prior mean, log-std and frame mask, stretched in time by 1/speed."""
        y_mask = torch.ones_like(quantized[:, :1])
        y = self.encoder_ssl(self.ssl_proj(quantized), y_mask)
        text_mask = torch.ones(phones.shape[0], 1, phones.shape[1], dtype=y.dtype, device=y.device)
        text = self.encoder_text(self.text_embedding(phones).transpose(1, 2), text_mask)
        y = self.encoder2(self.mrte(y, y_mask, text, text_mask, ge), y_mask)
        if speed != 1:
            y = F.interpolate(y, size=int(y.shape[-1] / speed) + 1, mode="linear")
            y_mask = F.interpolate(y_mask, size=y.shape[-1], mode="nearest")
        m, logs = (self.proj(y) * y_mask).chunk(2, dim=1)
        return m, logs, y_mask
