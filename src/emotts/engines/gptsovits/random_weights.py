"""Random-weight GPT-SoVITS files in the official formats, for benchmarks and tests without a download.

`--size full` uses the official widths (what users run, so timings are real); `--size tiny` uses widths
small enough for unit tests. The files are written the way the official trainers save them: GPT `.ckpt`
with `model.`-prefixed fp16 weights and a config dict; SoVITS `.pth` with fp16 weights, a pickled
`utils.HParams` config and the version header (`PK` for v1/v2, `05`/`06` for v2Pro/v2ProPlus); and a
`pretrained_models/` folder laid out like GPT-SoVITS's (BERT, HuBERT, speaker model).
"""

from __future__ import annotations

import io
import json
import math
import sys
import types
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from emotts.engines.gptsovits.checkpoints import HEADER_VERSIONS, GptHParams
from emotts.engines.gptsovits.sovits import SoVITS, SoVITSDims
from emotts.engines.gptsovits.speaker import ERes2NetDims, ERes2NetV2
from emotts.engines.gptsovits.t2s import Text2Semantic
from emotts.engines.gptsovits.text.symbols import symbols

Size = Literal["full", "tiny"]
VERSIONS = ("v1", "v2", "v2Pro", "v2ProPlus")


@dataclass(frozen=True)
class Widths:
    gpt_dim: int
    gpt_heads: int
    gpt_layers: int
    bert_dim: int  # also the BERT hidden size
    bert_layers: int
    ssl_dim: int  # HuBERT hidden size
    hubert_layers: int
    sovits_hidden: int
    sovits_filter: int
    sovits_layers: int
    upsample_initial: int
    gin: int
    mrte_hidden: int
    sv_channels: int  # ERes2NetV2 m_channels


WIDTHS: dict[Size, Widths] = {
    "full": Widths(512, 16, 24, 1024, 24, 768, 12, 192, 768, 6, 512, 512, 512, 64),
    "tiny": Widths(32, 2, 2, 32, 2, 32, 2, 16, 32, 2, 32, 16, 16, 4),
}


def _sovits_config(version: str, widths: Widths, gin: int, upsample_initial: int) -> dict[str, Any]:
    kernels = [20, 16, 8, 2, 2] if version == "v2ProPlus" else [16, 16, 8, 2, 2]
    return {
        "train": {"segment_size": 20480},
        "data": {
            "max_wav_value": 32768.0,
            "sampling_rate": 32000,
            "filter_length": 2048,
            "hop_length": 640,
            "win_length": 2048,
            "n_mel_channels": 128,
            "mel_fmin": 0.0,
            "mel_fmax": None,
            "add_blank": True,
            "n_speakers": 300,
            "cleaned_text": True,
        },
        "model": {
            "inter_channels": widths.sovits_hidden,
            "hidden_channels": widths.sovits_hidden,
            "filter_channels": widths.sovits_filter,
            "n_heads": 2,
            "n_layers": widths.sovits_layers,
            "kernel_size": 3,
            "p_dropout": 0.1,
            "resblock": "1",
            "resblock_kernel_sizes": [3, 7, 11],
            "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
            "upsample_rates": [10, 8, 2, 2, 2],
            "upsample_initial_channel": upsample_initial,
            "upsample_kernel_sizes": kernels,
            "n_layers_q": 3,
            "use_spectral_norm": False,
            "gin_channels": gin,
            "semantic_frame_rate": "25hz",
            "freeze_quantizer": True,
            "version": version,
        },
    }


def write_gpt(path: Path, version: str, widths: Widths, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    phonemes = 512 if version == "v1" else 732
    hp = GptHParams(
        vocab_size=1025,
        phoneme_vocab_size=phonemes,
        embedding_dim=widths.gpt_dim,
        hidden_dim=widths.gpt_dim,
        n_head=widths.gpt_heads,
        n_layer=widths.gpt_layers,
        ffn_dim=4 * widths.gpt_dim,
        bert_dim=widths.bert_dim,
        eos=1024,
        # random weights never emit EOS: a 2 s budget bounds each segment at 100 tokens (4 s of audio), as
        # in the reference's own benchmark runs
        max_sec=2,
    )
    model = Text2Semantic(hp)
    config = {
        "data": {"max_sec": hp.max_sec, "pad_val": 1024},
        "model": {
            "vocab_size": hp.vocab_size,
            "phoneme_vocab_size": phonemes,
            "embedding_dim": hp.embedding_dim,
            "hidden_dim": hp.hidden_dim,
            "head": hp.n_head,
            "linear_units": 2048,
            "n_layer": hp.n_layer,
            "dropout": 0,
            "EOS": hp.eos,
        },
        "inference": {"top_k": 15},
    }
    weights = {f"model.{k}": v.half() for k, v in model.state_dict().items()}
    torch.save({"weight": weights, "config": config, "info": "emotts-random"}, path)
    return path


class _HParamsStandIn:
    """Pickles as `utils.HParams`, the class official SoVITS files reference for their config."""

    def __init__(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, _HParamsStandIn(**value) if isinstance(value, dict) else value)


@contextmanager
def _as_utils_hparams() -> Any:
    """Make `utils.HParams` resolve to the stand-in while pickling; nothing else sees the fake module."""
    saved = sys.modules.get("utils")
    module = types.ModuleType("utils")
    module.HParams = _HParamsStandIn  # type: ignore[attr-defined]
    _HParamsStandIn.__module__, _HParamsStandIn.__qualname__ = "utils", "HParams"
    sys.modules["utils"] = module
    try:
        yield
    finally:
        _HParamsStandIn.__module__, _HParamsStandIn.__qualname__ = __name__, "_HParamsStandIn"
        if saved is None:
            del sys.modules["utils"]
        else:
            sys.modules["utils"] = saved


def _sovits_dims(version: str, widths: Widths, gin: int, upsample_initial: int, config: dict) -> SoVITSDims:
    model = config["model"]
    return SoVITSDims(
        hidden=widths.sovits_hidden,
        filter=widths.sovits_filter,
        inter=widths.sovits_hidden,
        n_heads=model["n_heads"],
        n_layers=widths.sovits_layers,
        kernel_size=model["kernel_size"],
        window=4,
        phonemes=len(symbols(version)),
        ssl_dim=widths.ssl_dim,
        codebook=1024,
        mrte_hidden=widths.mrte_hidden,
        gin=gin,
        ref_bins=1025 if version == "v1" else 704,
        style_hidden=128,
        style_kernel=5,
        flow_layers=4,
        wn_layers=4,
        wn_kernel=5,
        upsample_initial=upsample_initial,
        upsample_rates=tuple(model["upsample_rates"]),
        upsample_kernels=tuple(model["upsample_kernel_sizes"]),
        resblock_kernels=tuple(model["resblock_kernel_sizes"]),
        resblock_dilations=tuple(tuple(d) for d in model["resblock_dilation_sizes"]),
        post_bias=False,
        sv_dim=320 * widths.sv_channels if version in ("v2Pro", "v2ProPlus") else None,
    )


def _randomise(model: torch.nn.Module) -> None:
    """Untrained layers start at zeros or ones here; give every tensor a small random value instead."""
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point() and tensor.numel():
                fan_in = max(1, tensor[0].numel()) if tensor.dim() > 1 else tensor.numel()
                tensor.copy_(torch.randn_like(tensor) / math.sqrt(fan_in))
            if name.endswith("running_var"):
                tensor.abs_().add_(0.5)


def write_sovits(path: Path, version: str, widths: Widths, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    pro = version in ("v2Pro", "v2ProPlus")
    gin = 2 * widths.gin if pro else widths.gin  # s2v2Pro.json doubles gin_channels
    upsample_initial = widths.upsample_initial * 3 // 2 if version == "v2ProPlus" else widths.upsample_initial
    config = _sovits_config(version, widths, gin, upsample_initial)
    dims = _sovits_dims(version, widths, gin, upsample_initial, config)
    model = SoVITS(dims, version)
    _randomise(model)
    weights = {_official_key(k): v.half() for k, v in model.state_dict().items()}
    with _as_utils_hparams():
        buffer = io.BytesIO()
        torch.save({"weight": weights, "config": _HParamsStandIn(**config), "info": "emotts-random"}, buffer)
    data = buffer.getvalue()
    tags = {model_version: head for head, (_, model_version, lora) in HEADER_VERSIONS.items() if not lora}
    path.write_bytes(tags[version] + data[2:] if pro else data)
    return path


def _official_key(key: str) -> str:
    return "quantizer.vq.layers.0._codebook.embed" if key == "quantizer.embed" else key


def write_pretrained(folder: Path, widths: Widths, seed: int = 0) -> Path:
    """A `pretrained_models/` folder: chinese-roberta-wwm-ext-large, chinese-hubert-base, sv/ (random)."""
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast, HubertConfig, HubertModel

    torch.manual_seed(seed)
    bert_dir = folder / "chinese-roberta-wwm-ext-large"
    bert_dir.mkdir(parents=True, exist_ok=True)
    specials = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    cjk = [chr(c) for c in range(0x4E00, 0x9FA6)]
    chars = [chr(c) for c in range(33, 127)] + cjk + list("，。！？、；：…")
    (bert_dir / "vocab.txt").write_text("\n".join(specials + chars) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab=str(bert_dir / "vocab.txt")).save_pretrained(bert_dir)
    bert = BertForMaskedLM(
        BertConfig(
            vocab_size=len(specials) + len(chars),
            hidden_size=widths.bert_dim,
            num_hidden_layers=widths.bert_layers,
            num_attention_heads=max(1, widths.bert_dim // 64),
            intermediate_size=4 * widths.bert_dim,
        )
    )
    bert.save_pretrained(bert_dir)

    hubert_dir = folder / "chinese-hubert-base"
    hubert = HubertModel(
        HubertConfig(
            hidden_size=widths.ssl_dim,
            num_hidden_layers=widths.hubert_layers,
            num_attention_heads=max(1, widths.ssl_dim // 64),
            intermediate_size=4 * widths.ssl_dim,
            conv_dim=[widths.ssl_dim // 3 * 2] * 7 if widths.ssl_dim < 512 else [512] * 7,
        )
    )
    hubert.save_pretrained(hubert_dir)
    (hubert_dir / "preprocessor_config.json").write_text(
        json.dumps({"feature_extractor_type": "Wav2Vec2FeatureExtractor", "sampling_rate": 16000}), "utf-8"
    )

    sv_dir = folder / "sv"
    sv_dir.mkdir(parents=True, exist_ok=True)
    m = widths.sv_channels  # the official model: baseWidth 24, scale 4, expansion 4, blocks 3-4-6-3
    speaker = ERes2NetV2(ERes2NetDims(m, (3, 4, 6, 3), tuple(m * 2**i * 24 // 64 for i in range(4)), 4, 4))
    _randomise(speaker)
    torch.save(speaker.state_dict(), sv_dir / "pretrained_eres2netv2w24s4ep4.ckpt")
    return folder


def make_random(out: Path, version: str, size: Size = "full", seed: int = 0) -> dict[str, Path]:
    """gpt.ckpt, sovits.pth and pretrained_models/ under `out`; returns their paths."""
    if version not in VERSIONS:
        raise ValueError(f"unknown version {version!r}; valid: {', '.join(VERSIONS)}")
    widths = WIDTHS[size]
    out.mkdir(parents=True, exist_ok=True)
    return {
        "gpt": write_gpt(out / "gpt.ckpt", version, widths, seed),
        "sovits": write_sovits(out / "sovits.pth", version, widths, seed),
        "pretrained": write_pretrained(out / "pretrained_models", widths, seed),
    }
