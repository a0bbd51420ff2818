"""The SoVITS model: codebook, text encoder, flow and generator put together; loading from a checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

from ..checkpoints import CheckpointError, SovitsCheckpoint, SovitsHParams, load_sovits
from .dims import SoVITSDims
from .flow import Flow
from .hifigan import Generator
from .style import StyleEncoder
from .text_encoder import TextEncoder

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
