"""The sizes of a SoVITS model, read from checkpoint tensor shapes (the config where shapes are silent)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from torch import Tensor

from ..checkpoints import SovitsHParams


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
