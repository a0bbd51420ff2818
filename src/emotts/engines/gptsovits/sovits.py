"""GPT-SoVITS acoustic model (SoVITS) for v1, v2, v2Pro and v2ProPlus: semantic tokens + phones → waveform.

The path of the reference `SynthesizerTrn.decode`: the reference spectrogram gives a style vector
(MelStyleEncoder, plus the speaker embedding for Pro models); tokens are looked up in the codebook and
upsampled ×2; the TextEncoder mixes them with the phones (relative-position self-attention, MRTE
cross-attention); the normalising flow runs in reverse; a HiFiGAN generator makes the waveform. Parameter
names match the checkpoint keys; every width is read from the tensor shapes, so the same code loads tiny
test files and full-size user models. Weight norm is folded into plain weights once at load time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

from .checkpoints import CheckpointError, SovitsCheckpoint, SovitsHParams, load_sovits

MRTE_HEADS = 4  # hard-coded in the reference's MRTE, not stored in checkpoints
STYLE_HEADS = 2  # MelStyleEncoder's attention heads, likewise
LRELU_SLOPE = 0.1
SUPPORTED = ("v1", "v2", "v2Pro", "v2ProPlus")


def fold_weight_norm(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Replace each `weight_g`/`weight_v` pair by the plain `weight` it stands for (norm over dims ≥ 1)."""
    out = {k: v for k, v in state.items() if not k.endswith((".weight_g", ".weight_v"))}
    for key in state:
        if key.endswith(".weight_g"):
            base = key.removesuffix(".weight_g")
            g, v = state[key], state[f"{base}.weight_v"]
            norm = v.flatten(1).norm(dim=1).view(-1, *([1] * (v.dim() - 1)))
            out[f"{base}.weight"] = g * v / norm
    return out


def _count(state: dict[str, Tensor], pattern: str) -> int:
    regex = re.compile(pattern)
    return len({m.group(1) for k in state if (m := regex.match(k))})


@dataclass(frozen=True)
class SoVITSDims:
    """Every size the modules need: tensor shapes first, the config where shapes are silent."""

    hidden: int
    filter: int
    inter: int
    n_heads: int
    n_layers: int  # encoder_text layers; encoder_ssl and encoder2 have n_layers // 2
    kernel_size: int
    window: int  # relative-attention window
    phonemes: int
    ssl_dim: int
    codebook: int
    mrte_hidden: int
    gin: int
    ref_bins: int  # spectrogram bins the style encoder reads (1025 for v1, 704 after)
    style_hidden: int
    style_kernel: int
    flow_layers: int  # coupling layers (each followed by a flip)
    wn_layers: int
    wn_kernel: int
    upsample_initial: int
    upsample_rates: tuple[int, ...]
    upsample_kernels: tuple[int, ...]
    resblock_kernels: tuple[int, ...]
    resblock_dilations: tuple[tuple[int, ...], ...]
    post_bias: bool
    sv_dim: int | None  # v2Pro/v2ProPlus speaker-embedding input

    @classmethod
    def from_state(cls, hp: SovitsHParams, state: dict[str, Tensor]) -> SoVITSDims:
        def shape(key: str, axis: int) -> int:
            return int(state[key].shape[axis])

        enc = "enc_p.encoder_text.attn_layers.0."
        return cls(
            hidden=shape("enc_p.text_embedding.weight", 1),
            filter=shape("enc_p.encoder_text.ffn_layers.0.conv_1.weight", 0),
            inter=shape("enc_p.proj.weight", 0) // 2,
            n_heads=hp.n_heads,
            n_layers=_count(state, r"enc_p\.encoder_text\.attn_layers\.(\d+)\."),
            kernel_size=shape("enc_p.encoder_text.ffn_layers.0.conv_1.weight", 2),
            window=(shape(enc + "emb_rel_k", 1) - 1) // 2,
            phonemes=shape("enc_p.text_embedding.weight", 0),
            ssl_dim=shape("ssl_proj.weight", 1),
            codebook=shape("quantizer.vq.layers.0._codebook.embed", 0),
            mrte_hidden=shape("enc_p.mrte.c_pre.weight", 0),
            gin=shape("ref_enc.fc.fc.weight", 0),
            ref_bins=shape("ref_enc.spectral.0.fc.weight", 1),
            style_hidden=shape("ref_enc.spectral.0.fc.weight", 0),
            style_kernel=shape("ref_enc.temporal.0.conv1.conv.weight", 2),
            flow_layers=_count(state, r"flow\.flows\.(\d+)\.pre\."),
            wn_layers=_count(state, r"flow\.flows\.0\.enc\.in_layers\.(\d+)\."),
            wn_kernel=shape("flow.flows.0.enc.in_layers.0.weight", 2),
            upsample_initial=shape("dec.conv_pre.weight", 0),
            upsample_rates=tuple(hp.upsample_rates),
            upsample_kernels=tuple(hp.upsample_kernel_sizes),
            resblock_kernels=tuple(hp.resblock_kernel_sizes),
            resblock_dilations=tuple(tuple(d) for d in hp.resblock_dilation_sizes),
            post_bias="dec.conv_post.bias" in state,
            sv_dim=shape("sv_emb.weight", 1) if "sv_emb.weight" in state else None,
        )


# ---------------------------------------------------------------------------------------------------------
# Building blocks


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


class Quantizer(nn.Module):
    """The single-codebook residual vector quantizer: nearest code in, code vector out."""

    def __init__(self, codebook: int, dim: int) -> None:
        super().__init__()
        self.embed = nn.Parameter(torch.zeros(codebook, dim))

    def encode(self, x: Tensor) -> Tensor:
        """[B, D, T] → codes [B, T] (largest negative squared distance, as the reference)."""
        flat = x.transpose(1, 2)
        distance = -(
            flat.pow(2).sum(-1, keepdim=True) - 2 * flat @ self.embed.t() + self.embed.pow(2).sum(-1)
        )
        return distance.argmax(dim=-1)

    def decode(self, codes: Tensor) -> Tensor:
        """codes [B, T] → [B, D, T]."""
        return F.embedding(codes, self.embed).transpose(1, 2)


# ---------------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class DecodeStages:
    """What decode computes on the way, for parity checks against the reference's intermediates."""

    m_p: Tensor
    logs_p: Tensor
    z: Tensor
    wav: Tensor


class SoVITS(nn.Module):
    def __init__(self, dims: SoVITSDims, version: str, hp: SovitsHParams | None = None) -> None:
        """`hp` (the checkpoint's config) is None only for freshly built random models (32 kHz)."""
        super().__init__()
        self.dims = dims
        self.hp = hp
        self.version = version
        self.sampling_rate = hp.sampling_rate if hp is not None else 32000
        self.enc_p = TextEncoder(dims)
        self.dec = Generator(
            dims.inter,
            dims.upsample_initial,
            dims.upsample_rates,
            dims.upsample_kernels,
            dims.resblock_kernels,
            dims.resblock_dilations,
            gin=dims.gin,
            post_bias=dims.post_bias,
        )
        self.flow = Flow(dims)
        self.ref_enc = StyleEncoder(dims.ref_bins, dims.style_hidden, dims.gin, dims.style_kernel)
        self.ssl_proj = nn.Conv1d(dims.ssl_dim, dims.ssl_dim, 2, stride=2)
        self.quantizer = Quantizer(dims.codebook, dims.ssl_dim)
        if dims.sv_dim is not None:
            self.sv_emb = nn.Linear(dims.sv_dim, dims.gin)
            self.ge_to512 = nn.Linear(dims.gin, dims.mrte_hidden)
            self.prelu = nn.PReLU(num_parameters=dims.gin)

    @classmethod
    def from_checkpoint(cls, ckpt: SovitsCheckpoint | Path | str) -> SoVITS:
        ckpt = ckpt if isinstance(ckpt, SovitsCheckpoint) else load_sovits(ckpt)
        version = ckpt.version.model
        if version not in SUPPORTED or ckpt.version.lora:
            raise CheckpointError(
                ckpt.path,
                f"is a {version} model; this engine runs {', '.join(SUPPORTED)} SoVITS models so far",
            )
        if ckpt.hparams.resblock != "1":
            raise CheckpointError(
                ckpt.path, f"uses resblock type {ckpt.hparams.resblock!r}; only '1' is known"
            )
        state = fold_weight_norm(ckpt.state_dict)
        try:
            model = cls(SoVITSDims.from_state(ckpt.hparams, state), version, ckpt.hparams)
            model.load_state_dict({_rename(k): v for k, v in state.items() if _used(k)})
        except (KeyError, RuntimeError) as exc:
            raise CheckpointError(ckpt.path, f"unknown SoVITS layout: {exc}") from None
        return model.eval()

    @torch.inference_mode()
    def extract_latent(self, ssl: Tensor) -> Tensor:
        """HuBERT features [B, ssl_dim, T] → semantic codes [1, B, T // 2] (the prompt tokens)."""
        return self.quantizer.encode(self.ssl_proj(ssl))[None]

    @torch.inference_mode()
    def style(self, refer_specs: Sequence[Tensor], sv_embs: Sequence[Tensor] | None = None) -> Tensor:
        """Style vector ge [1, gin, 1], averaged over reference spectrograms [1, bins, frames]."""
        styles = []
        for i, spec in enumerate(refer_specs):
            ge = self.ref_enc(spec[:, : self.dims.ref_bins])
            if self.dims.sv_dim is not None:
                if sv_embs is None:
                    raise ValueError(f"{self.version} models need a speaker embedding per reference clip")
                ge = self.prelu(ge + self.sv_emb(sv_embs[i]).unsqueeze(-1))
            styles.append(ge)
        return torch.stack(styles).mean(0)

    @torch.inference_mode()
    def decode(
        self,
        codes: Tensor,
        phones: Tensor,
        ge: Tensor,
        *,
        speed: float = 1.0,
        noise_scale: float = 0.5,
        generator: torch.Generator | None = None,
    ) -> DecodeStages:
        """codes [1, 1, T], phones [1, N] → the waveform [1, 1, samples] at `sampling_rate` (`.wav`), with
        the prior statistics and flow output on the way."""
        quantized = self.quantizer.decode(codes[0])
        quantized = F.interpolate(quantized, size=quantized.shape[-1] * 2, mode="nearest")  # 25 Hz → 50 Hz
        text_ge = self.ge_to512(ge.transpose(1, 2)).transpose(1, 2) if self.dims.sv_dim is not None else ge
        m_p, logs_p, mask = self.enc_p(quantized, phones, text_ge, speed)
        z_p = m_p
        if noise_scale:
            noise = torch.randn(m_p.shape, generator=generator, device=m_p.device, dtype=m_p.dtype)
            z_p = m_p + noise * torch.exp(logs_p) * noise_scale
        z = self.flow.reverse(z_p, mask, ge)
        wav = self.dec(z * mask, ge)
        return DecodeStages(m_p, logs_p, z * mask, wav)


_CODEBOOK = "quantizer.vq.layers.0._codebook.embed"


def _used(key: str) -> bool:
    """Inference needs neither the posterior encoder (training only) nor the codebook's running statistics."""
    return not key.startswith("enc_q.") and (not key.startswith("quantizer.") or key == _CODEBOOK)


def _rename(key: str) -> str:
    return "quantizer.embed" if key == _CODEBOOK else key
