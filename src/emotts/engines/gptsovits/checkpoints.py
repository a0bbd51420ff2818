"""Reading GPT-SoVITS checkpoint files: GPT `.ckpt` (text → semantic) and SoVITS `.pth` (semantic → audio).

Formats (facts of the official writers, GPT-SoVITS `s1_train.py` / `process_ckpt.py`):

* GPT: a torch zip of `{"weight": fp16 state dict (keys prefixed `model.`), "config": dict, "info": str}`.
  Only builtin types, so `torch.load(weights_only=True)` reads it.
* SoVITS: a torch zip of `{"weight": fp16 state dict, "config": utils.HParams, "info": str}` (+ `lora_rank`).
  Newer writers overwrite the zip magic `PK` with a two-byte version tag (`03`…`06`). The config is a pickled
  instance of the official `utils.HParams` class, so these files go through a restricted unpickler that
  admits only tensor rebuilding, `OrderedDict` and a stand-in for `HParams`; other globals are refused.

Every width is read from tensor shapes, never assumed: user files are full size, test files are tiny.
"""

from __future__ import annotations

import hashlib
import io
import math
import pickle
import pickletools
import re
import types
import zipfile
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from emotts.errors import EmottsError

StateDict = dict[str, torch.Tensor]
Kind = Literal["gpt", "sovits"]

SEMANTIC_HZ = 50  # GPT-SoVITS `TTS_Config.hz`: early_stop_num = hz * max_sec
MAX_DECODE_STEPS = 1500  # hard cap of the official decode loop (60 s of 25 Hz tokens)

# process_ckpt.py `hash_pretrained_dict`: MD5 of the first 8192 bytes of the official pretrained SoVITS files
# -> (file, model version). s2G488k is v1 but listed as v2; the embedding-row check turns it into v1.
PRETRAINED_MD5: dict[str, tuple[str, str]] = {
    "dc3c97e17592963677a4a1681f30c653": ("s2G488k.pth", "v2"),
    "6642b37f3dbb1f76882b69937c95a5f3": ("s2G2333k.pth", "v2"),
    "43797be674a37c1c83ee81081941ed0f": ("s2Gv3.pth", "v3"),
    "4f26b9476d0c5033e04162c486074374": ("s2Gv4.pth", "v4"),
    "c7e9fce2223f3db685cdfa1e6368728a": ("s2Gv2Pro.pth", "v2Pro"),
    "66b313e39455b57ab1b0bc0b239c9d0a": ("s2Gv2ProPlus.pth", "v2ProPlus"),
}
# process_ckpt.py `head2version`: the two bytes written over the zip magic
HEADER_VERSIONS: dict[bytes, tuple[str, str, bool]] = {
    b"00": ("v1", "v1", False),
    b"01": ("v2", "v2", False),
    b"02": ("v2", "v3", False),
    b"03": ("v2", "v3", True),
    b"04": ("v2", "v4", True),
    b"05": ("v2", "v2Pro", False),
    b"06": ("v2", "v2ProPlus", False),
}
V1_SIZE_LIMIT = 82978 * 1024  # plain zips below this are v1, below V2_SIZE_LIMIT v2, above v3
V2_SIZE_LIMIT = 700 * 1024 * 1024
V1_SYMBOLS = 322  # rows of `enc_p.text_embedding.weight` with the v1 symbol table (v2+: 732)


class CheckpointError(EmottsError):
    """A model file is missing, not a GPT-SoVITS checkpoint, or of an unknown layout; the message names it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ForbiddenGlobalError(CheckpointError, pickle.UnpicklingError):
    """The pickle references a global outside the allow-list; nothing it names was imported or called."""

    def __init__(self, path: Path | str, global_name: str) -> None:
        self.global_name = global_name
        super().__init__(path, f"refusing to unpickle forbidden global {global_name!r}")


# ---------------------------------------------------------------------------------------------------------
# Restricted unpickling


class HParams:
    """Stand-in for GPT-SoVITS `utils.HParams`: unpickling only restores its `__dict__` (no code runs)."""

    def to_dict(self) -> dict[str, Any]:
        return {k: v.to_dict() if isinstance(v, HParams) else v for k, v in vars(self).items()}


_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("collections", "OrderedDict"): OrderedDict,
    ("utils", "HParams"): HParams,
}


class _Refused(pickle.UnpicklingError):
    def __init__(self, global_name: str) -> None:
        self.global_name = global_name
        super().__init__(global_name)


class _RestrictedUnpickler(pickle.Unpickler):
    # torch.load subclasses this and resolves `torch.*Storage` names itself before asking us.
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            # protocol-2 pickles spell Python 3's `builtins` the Python 2 way; name it as users know it
            module = "builtins" if module == "__builtin__" else module
            raise _Refused(f"{module}.{name}") from None


def _restricted_load(file: Any, **kwargs: Any) -> Any:
    return _RestrictedUnpickler(file, **kwargs).load()


# A module object to pass as `torch.load(pickle_module=...)`: nothing is registered globally.
_restricted = types.ModuleType("emotts_restricted_pickle")
_restricted.Unpickler = _RestrictedUnpickler  # type: ignore[attr-defined]
_restricted.load = _restricted_load  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------------
# Raw file access


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise CheckpointError(path, "file not found" if not path.exists() else "not a regular file")
    return path.read_bytes()


def _as_zip(path: Path, data: bytes) -> io.BytesIO:
    """The torch zip with its `PK` magic restored (header-tagged SoVITS files overwrite it)."""
    if len(data) < 4 or (data[:2] != b"PK" and data[:2] not in HEADER_VERSIONS):
        raise CheckpointError(path, "not a GPT-SoVITS checkpoint (not a torch zip file)")
    buffer = io.BytesIO(data if data[:2] == b"PK" else b"PK" + data[2:])
    if not zipfile.is_zipfile(buffer):
        raise CheckpointError(path, "not a GPT-SoVITS checkpoint (not a torch zip file)")
    buffer.seek(0)
    return buffer


def _references_hparams(path: Path, buffer: io.BytesIO) -> bool:
    """Whether the pickle names `utils.HParams` (a SoVITS file); parses opcodes without executing any."""
    with zipfile.ZipFile(buffer) as archive:
        names = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        if not names:
            raise CheckpointError(path, "not a GPT-SoVITS checkpoint (no data.pkl in the archive)")
        raw = archive.read(names[0])
    buffer.seek(0)
    try:
        return any(arg in ("utils HParams", "HParams") for _, arg, _ in pickletools.genops(raw))
    except Exception as exc:
        raise CheckpointError(path, f"not a GPT-SoVITS checkpoint (corrupt pickle: {exc})") from None


def _torch_load(path: Path, source: io.BytesIO | Path, *, restricted: bool) -> Any:
    try:
        if restricted:
            return torch.load(source, map_location="cpu", weights_only=False, pickle_module=_restricted)
        return torch.load(source, map_location="cpu", weights_only=True)
    except _Refused as exc:
        raise ForbiddenGlobalError(path, exc.global_name) from None
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(path, f"cannot be loaded safely: {first}") from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as exc:
        raise CheckpointError(path, f"not a GPT-SoVITS checkpoint ({exc})") from None


def _float32(weights: Any, path: Path) -> StateDict:
    if not isinstance(weights, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in weights.items()
    ):
        raise CheckpointError(path, "unknown layout: 'weight' is not a state dict of tensors")
    return {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}


def _shape(state: StateDict, key: str, axis: int) -> int | None:
    tensor = state.get(key)
    return int(tensor.shape[axis]) if tensor is not None else None


def _half(value: int | None) -> int | None:
    return value // 2 if value is not None else None


def _count(state: StateDict, pattern: str) -> int:
    """Number of distinct indices N in keys matching `pattern` (a regex with one `(\\d+)` group)."""
    regex = re.compile(pattern)
    return len({m.group(1) for k in state if (m := regex.match(k))})


# ---------------------------------------------------------------------------------------------------------
# GPT (.ckpt)


@dataclass(frozen=True)
class GptHParams:
    """Text-to-semantic transformer sizes; widths from tensor shapes, the rest from `config`."""

    vocab_size: int  # semantic codes + EOS
    phoneme_vocab_size: int
    embedding_dim: int
    hidden_dim: int
    n_head: int
    n_layer: int
    ffn_dim: int
    bert_dim: int
    eos: int
    max_sec: float

    @property
    def early_stop_num(self) -> int:
        """Stop once more than this many tokens were generated (`hz * max_sec`; n > x ⇔ n > floor(x))."""
        return math.floor(SEMANTIC_HZ * self.max_sec)

    @property
    def symbols(self) -> str:
        """Symbol table of the phoneme ids: v1 GPTs have 512 phoneme rows, later ones 732."""
        return "v1" if self.phoneme_vocab_size == 512 else "v2"


@dataclass
class GptCheckpoint:
    path: Path
    hparams: GptHParams
    config: dict[str, Any]
    info: str
    state_dict: StateDict = field(repr=False)  # fp32, keys without the `model.` prefix


def _gpt_from_raw(path: Path, raw: Any) -> GptCheckpoint:
    if not isinstance(raw, dict) or "weight" not in raw or not isinstance(raw.get("config"), dict):
        raise CheckpointError(path, "unknown layout: expected a GPT checkpoint with 'weight' and 'config'")
    weights = _float32(raw["weight"], path)
    if not all(k.startswith("model.") for k in weights):
        raise CheckpointError(path, "unknown layout: GPT weights are not prefixed 'model.'")
    state = {k.removeprefix("model."): v for k, v in weights.items()}
    model_cfg = raw["config"].get("model", {})
    data_cfg = raw["config"].get("data", {})
    try:
        hp = GptHParams(
            vocab_size=state["ar_audio_embedding.word_embeddings.weight"].shape[0],
            phoneme_vocab_size=state["ar_text_embedding.word_embeddings.weight"].shape[0],
            embedding_dim=state["ar_text_embedding.word_embeddings.weight"].shape[1],
            hidden_dim=state["h.layers.0.self_attn.in_proj_weight"].shape[1],
            n_head=int(model_cfg["head"]),
            n_layer=_count(state, r"h\.layers\.(\d+)\."),
            ffn_dim=state["h.layers.0.linear1.weight"].shape[0],
            bert_dim=state["bert_proj.weight"].shape[1],
            eos=int(model_cfg.get("EOS", state["ar_audio_embedding.word_embeddings.weight"].shape[0] - 1)),
            max_sec=float(data_cfg["max_sec"]),
        )
    except KeyError as exc:
        raise CheckpointError(path, f"unknown layout: GPT checkpoint lacks {exc.args[0]!r}") from None
    if hp.eos != hp.vocab_size - 1 or hp.hidden_dim != hp.embedding_dim or hp.hidden_dim % hp.n_head:
        raise CheckpointError(
            path,
            f"unknown layout: EOS {hp.eos} with vocab {hp.vocab_size}, "
            f"width {hp.hidden_dim}/{hp.embedding_dim}, {hp.n_head} heads",
        )
    return GptCheckpoint(path, hp, raw["config"], str(raw.get("info", "")), state)


def load_gpt(path: Path | str) -> GptCheckpoint:
    """Load a GPT `.ckpt` (weights_only torch.load) with its hyper-parameters; tensors are fp32."""
    path = Path(path)
    buffer = _as_zip(path, _read_bytes(path))
    return _gpt_from_raw(path, _torch_load(path, buffer, restricted=False))


# ---------------------------------------------------------------------------------------------------------
# SoVITS (.pth)


@dataclass(frozen=True)
class SovitsVersion:
    symbols: str  # "v1" (322 symbols) or "v2" (732)
    model: str  # v1, v2, v2Pro, v2ProPlus, v3, v4
    lora: bool  # a v3/v4 LoRA file: needs the pretrained base model of its version
    pretrained: str | None = None  # name of the official pretrained file recognised by hash


@dataclass(frozen=True)
class SovitsHParams:
    """SoVITS sizes. Widths come from tensor shapes (None where this file lacks the part, e.g. LoRA files)."""

    # from the config
    sampling_rate: int
    filter_length: int
    hop_length: int
    win_length: int
    segment_size: int
    n_speakers: int
    n_heads: int
    kernel_size: int
    resblock: str
    resblock_kernel_sizes: tuple[int, ...]
    resblock_dilation_sizes: tuple[tuple[int, ...], ...]
    upsample_rates: tuple[int, ...]
    upsample_kernel_sizes: tuple[int, ...]
    # from tensor shapes
    inter_channels: int | None
    hidden_channels: int | None
    filter_channels: int | None
    n_layers: int | None  # encoder_text layers (encoder_ssl and encoder2 have n_layers // 2)
    gin_channels: int | None
    ref_spec_channels: int | None  # spectrogram bins seen by ref_enc: 704 (v2+) or 1025 (v1)
    ssl_dim: int | None
    codebook_size: int | None
    phoneme_vocab_size: int | None
    upsample_initial_channel: int | None
    mrte_hidden: int | None
    sv_dim: int | None  # v2Pro/v2ProPlus speaker-embedding input
    bridge_channels: int | None  # v3/v4 inter_channels2
    n_mels: int | None  # v3/v4 CFM mel bins
    dit_dim: int | None
    dit_depth: int | None


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(_tuple(v) if isinstance(v, list | tuple) else v for v in value)


def _sovits_hparams(path: Path, config: dict[str, Any], state: StateDict) -> SovitsHParams:
    data, train, model = config.get("data", {}), config.get("train", {}), config.get("model", {})
    lora = any(k.startswith("cfm.base_model.") for k in state)  # peft-wrapped CFM in LoRA files
    dit = "cfm.base_model.model.estimator." if lora else "cfm.estimator."
    # flow/decoder width: bridge input (v3/v4) or half the TextEncoder projection (mean and log-std)
    inter_channels = _shape(state, "bridge.0.weight", 1) or _half(_shape(state, "enc_p.proj.weight", 0))
    try:
        return SovitsHParams(
            sampling_rate=int(data["sampling_rate"]),
            filter_length=int(data["filter_length"]),
            hop_length=int(data["hop_length"]),
            win_length=int(data["win_length"]),
            segment_size=int(train["segment_size"]),
            n_speakers=int(data["n_speakers"]),
            n_heads=int(model["n_heads"]),
            kernel_size=int(model["kernel_size"]),
            resblock=str(model["resblock"]),
            resblock_kernel_sizes=_tuple(model["resblock_kernel_sizes"]),
            resblock_dilation_sizes=_tuple(model["resblock_dilation_sizes"]),
            upsample_rates=_tuple(model["upsample_rates"]),
            upsample_kernel_sizes=_tuple(model["upsample_kernel_sizes"]),
            inter_channels=inter_channels,
            hidden_channels=_shape(state, "enc_p.text_embedding.weight", 1),
            filter_channels=_shape(state, "enc_p.encoder_text.ffn_layers.0.conv_1.weight", 0),
            n_layers=_count(state, r"enc_p\.encoder_text\.attn_layers\.(\d+)\.") or None,
            gin_channels=_shape(state, "ref_enc.fc.fc.weight", 0),
            ref_spec_channels=_shape(state, "ref_enc.spectral.0.fc.weight", 1),
            ssl_dim=_shape(state, "ssl_proj.weight", 1),
            codebook_size=_shape(state, "quantizer.vq.layers.0._codebook.embed", 0),
            phoneme_vocab_size=_shape(state, "enc_p.text_embedding.weight", 0),
            upsample_initial_channel=_shape(state, "dec.conv_pre.weight", 0),
            mrte_hidden=_shape(state, "enc_p.mrte.c_pre.weight", 0),
            sv_dim=_shape(state, "sv_emb.weight", 1),
            bridge_channels=_shape(state, "bridge.0.weight", 0),
            n_mels=_shape(state, "linear_mel.weight", 0),
            dit_dim=_shape(state, dit + "input_embed.proj.weight", 0),
            dit_depth=_count(state, re.escape(dit) + r"transformer_blocks\.(\d+)\.") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(path, f"unknown layout: SoVITS config lacks or mangles {exc}") from None


def detect_sovits_version(head: bytes, size: int, state: StateDict, config: dict[str, Any]) -> SovitsVersion:
    """The official detection (hash → header tag → file size → embedding rows), plus an architecture check.

    `head` is the file's first 8192 bytes as stored. The extra last step only corrects files the official
    rules misread: a v3/v4 model (`cfm.*` weights) or a Pro model (`sv_emb.*`) without a telling hash or
    header (e.g. a full v4 fine-tune saved as a plain zip); within that family `model.version` decides.
    """
    pretrained, model = PRETRAINED_MD5.get(hashlib.md5(head[:8192]).hexdigest(), (None, ""))
    lora = False
    if pretrained is None and head[:2] != b"PK":
        if head[:2] not in HEADER_VERSIONS:
            raise ValueError(f"unknown SoVITS header {head[:2]!r}")
        _, model, lora = HEADER_VERSIONS[head[:2]]
    elif pretrained is None:
        model = "v1" if size < V1_SIZE_LIMIT else "v2" if size < V2_SIZE_LIMIT else "v3"
    # TTS.init_vits_weights: the symbol table follows the text embedding; v1/v2 models follow the symbols
    embedding = state.get("enc_p.text_embedding.weight")
    symbols = "v1" if embedding is not None and embedding.shape[0] == V1_SYMBOLS else "v2"
    if model in ("v1", "v2"):
        model = symbols
    declared = str(config.get("model", {}).get("version", ""))
    if any(k.startswith("cfm.") for k in state) and model not in ("v3", "v4"):
        model = declared if declared in ("v3", "v4") else "v3"
    elif "sv_emb.weight" in state and model not in ("v2Pro", "v2ProPlus"):
        model = declared if declared in ("v2Pro", "v2ProPlus") else "v2Pro"
    return SovitsVersion(symbols=symbols, model=model, lora=lora, pretrained=pretrained)


@dataclass
class SovitsCheckpoint:
    path: Path
    version: SovitsVersion
    hparams: SovitsHParams
    lora_rank: int | None
    config: dict[str, Any]
    info: str
    state_dict: StateDict = field(repr=False)  # fp32


def _sovits_from_raw(path: Path, raw: Any, head: bytes, size: int) -> SovitsCheckpoint:
    if not isinstance(raw, dict) or "weight" not in raw or "config" not in raw:
        raise CheckpointError(path, "unknown layout: expected a SoVITS checkpoint with 'weight' and 'config'")
    config = raw["config"]
    config = config.to_dict() if isinstance(config, HParams) else config
    if not isinstance(config, dict):
        raise CheckpointError(path, "unknown layout: SoVITS 'config' is not a mapping")
    state = _float32(raw["weight"], path)
    if not any(k.startswith(("ref_enc.", "enc_p.", "dec.")) for k in state):
        raise CheckpointError(path, "unknown layout: no SoVITS weights (ref_enc/enc_p/dec) in 'weight'")
    version = detect_sovits_version(head, size, state, config)
    lora_rank = raw.get("lora_rank")
    return SovitsCheckpoint(
        path=path,
        version=version,
        hparams=_sovits_hparams(path, config, state),
        lora_rank=int(lora_rank) if lora_rank else None,
        config=config,
        info=str(raw.get("info", "")),
        state_dict=state,
    )


def load_sovits(path: Path | str) -> SovitsCheckpoint:
    """Load a SoVITS `.pth` (plain or header-tagged) through the restricted unpickler; tensors are fp32."""
    path = Path(path)
    data = _read_bytes(path)
    raw = _torch_load(path, _as_zip(path, data), restricted=True)
    return _sovits_from_raw(path, raw, data[:8192], len(data))


# ---------------------------------------------------------------------------------------------------------
# Inspection


@dataclass(frozen=True)
class CheckpointSummary:
    path: Path
    kind: Kind
    version: str  # SoVITS model version, or "v1"/"v2" (phoneme table) for GPT files
    hparams: GptHParams | SovitsHParams
    lora_rank: int | None
    parameters: int
    info: str
    pretrained: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        if isinstance(self.hparams, GptHParams):
            out["hparams"]["early_stop_num"] = self.hparams.early_stop_num
        return out


def inspect_checkpoint(path: Path | str) -> CheckpointSummary:
    """Identify a GPT or SoVITS file and summarise it (for `emotts gsv inspect FILE`)."""
    path = Path(path)
    data = _read_bytes(path)
    buffer = _as_zip(path, data)
    if data[:2] == b"PK" and not _references_hparams(path, buffer):
        gpt = _gpt_from_raw(path, _torch_load(path, buffer, restricted=False))
        return CheckpointSummary(
            path, "gpt", gpt.hparams.symbols, gpt.hparams, None, _numel(gpt.state_dict), gpt.info
        )
    sovits = _sovits_from_raw(path, _torch_load(path, buffer, restricted=True), data[:8192], len(data))
    return CheckpointSummary(
        path,
        "sovits",
        sovits.version.model,
        sovits.hparams,
        sovits.lora_rank,
        _numel(sovits.state_dict),
        sovits.info,
        sovits.version.pretrained,
    )


def _numel(state: StateDict) -> int:
    return sum(t.numel() for t in state.values())
