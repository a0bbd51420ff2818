"""GPT-SoVITS checkpoints: formats, header tags, version detection, the restricted unpickler, errors."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import torch

from emotts.engines.gptsovits import (
    CheckpointError,
    ForbiddenGlobalError,
    GptHParams,
    Text2Semantic,
    checkpoints,
    detect_sovits_version,
    inspect_checkpoint,
    load_gpt,
    load_sovits,
)
from emotts.errors import EmottsError

from gsv_fixtures import FIXTURES, TINY_GPT, VERSIONS, needs_fixtures

S2_CONFIG: dict[str, Any] = {
    "data": {
        "sampling_rate": 32000,
        "filter_length": 2048,
        "hop_length": 640,
        "win_length": 2048,
        "n_speakers": 300,
    },
    "train": {"segment_size": 20480},
    "model": {
        "n_heads": 2,
        "kernel_size": 3,
        "resblock": "1",
        "resblock_kernel_sizes": [3, 7, 11],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "upsample_rates": [10, 8, 2, 2, 2],
        "upsample_kernel_sizes": [16, 16, 8, 2, 2],
        "version": "v2",
    },
    "name": "tiny",
}


# ------------------------------------------------------------------------------------------------------
# Writers in the official formats


def tiny_gpt_file(path: Path, hp: GptHParams = TINY_GPT) -> Path:
    """`s1_train.py`'s layout: fp16 weights prefixed `model.`, the yaml config dict, an info string."""
    torch.manual_seed(0)
    model = Text2Semantic(hp)
    config = {
        "model": {
            "vocab_size": hp.vocab_size,
            "phoneme_vocab_size": hp.phoneme_vocab_size,
            "embedding_dim": hp.embedding_dim,
            "hidden_dim": hp.hidden_dim,
            "head": hp.n_head,
            "n_layer": hp.n_layer,
            "dropout": 0,
            "EOS": hp.eos,
        },
        "data": {"max_sec": hp.max_sec, "pad_val": hp.eos},
    }
    weights = {f"model.{k}": v.half() for k, v in model.state_dict().items()}
    torch.save({"weight": weights, "config": config, "info": "GPT-e1"}, path)
    return path


def official_hparams_class() -> type:
    """A class pickled as `utils.HParams`, like GPT-SoVITS' own (nested dicts become nested instances)."""

    class HParams:
        def __init__(self, **kwargs: Any) -> None:
            for k, v in kwargs.items():
                setattr(self, k, HParams(**v) if isinstance(v, dict) else v)

    HParams.__module__, HParams.__qualname__ = "utils", "HParams"
    return HParams


def tiny_sovits_weights(
    symbols: int = 732, *, pro: bool = False, cfm: bool = False
) -> dict[str, torch.Tensor]:
    weights = {
        "enc_p.text_embedding.weight": torch.randn(symbols, 12),
        "enc_p.proj.weight": torch.randn(2 * 10, 12, 1),
        "enc_p.encoder_text.attn_layers.0.conv_q.weight": torch.randn(12, 12, 1),
        "enc_p.encoder_text.attn_layers.1.conv_q.weight": torch.randn(12, 12, 1),
        "enc_p.encoder_text.ffn_layers.0.conv_1.weight": torch.randn(24, 12, 3),
        "enc_p.mrte.c_pre.weight": torch.randn(40, 12, 1),
        "ref_enc.spectral.0.fc.weight": torch.randn(16, 704 if symbols != 322 else 1025),
        "ref_enc.fc.fc.weight": torch.randn(20, 16),
        "ssl_proj.weight": torch.randn(24, 24, 2),
        "quantizer.vq.layers.0._codebook.embed": torch.randn(1024, 24),
        "dec.conv_pre.weight": torch.randn(36, 10, 7),
    }
    if pro:
        weights |= {"sv_emb.weight": torch.randn(20, 80), "ge_to512.weight": torch.randn(40, 20)}
    if cfm:
        weights |= {
            "bridge.0.weight": torch.randn(16, 10, 1),
            "linear_mel.weight": torch.randn(100, 16, 1),
            "cfm.estimator.input_embed.proj.weight": torch.randn(32, 232),
            "cfm.estimator.transformer_blocks.0.attn.to_q.weight": torch.randn(64, 32),
        }
    return weights


def write_sovits(
    path: Path,
    monkeypatch: pytest.MonkeyPatch,
    weights: dict[str, torch.Tensor],
    *,
    header: bytes = b"PK",
    lora_rank: int | None = None,
    config: dict[str, Any] = S2_CONFIG,
) -> Path:
    """`process_ckpt.savee`: fp16 weights, a pickled `utils.HParams`, and optionally a 2-byte version tag."""
    monkeypatch.setitem(sys.modules, "utils", types.SimpleNamespace(HParams=official_hparams_class()))
    entry: dict[str, Any] = {
        "weight": {k: v.half() for k, v in weights.items()},
        "config": sys.modules["utils"].HParams(**config),
        "info": "1epoch_1iteration",
    }
    if lora_rank:
        entry["lora_rank"] = lora_rank
    buffer = io.BytesIO()
    torch.save(entry, buffer)
    path.write_bytes(header + buffer.getvalue()[2:])
    monkeypatch.delitem(sys.modules, "utils")
    return path


# ------------------------------------------------------------------------------------------------------
# Tiny files built here


def test_gpt_checkpoint_hyper_parameters_come_from_shapes_and_config(tmp_path: Path) -> None:
    ckpt = load_gpt(tiny_gpt_file(tmp_path / "tiny.ckpt"))
    assert ckpt.hparams == TINY_GPT
    assert ckpt.hparams.early_stop_num == 65  # 50 Hz * 1.3 s
    assert ckpt.info == "GPT-e1"
    assert all(v.dtype == torch.float32 for v in ckpt.state_dict.values())
    assert "bert_proj.weight" in ckpt.state_dict  # `model.` stripped


def test_early_stop_num_matches_the_float_comparison() -> None:
    # the reference stops when generated > 50 * max_sec (a float); n > x <=> n > floor(x) for integers n
    for max_sec, expected in [(54, 2700), (1.2, 60), (1.25, 62), (0.5, 25)]:
        hp = GptHParams(**{**TINY_GPT.__dict__, "max_sec": max_sec})
        assert hp.early_stop_num == expected


@pytest.mark.parametrize(
    ("header", "symbols", "lora_rank", "expected"),
    [
        (b"PK", 322, None, ("v1", "v1", False)),
        (b"PK", 732, None, ("v2", "v2", False)),
        (b"00", 732, None, ("v2", "v2", False)),  # tag says v1, the 732-row embedding wins (as in TTS.py)
        (b"01", 322, None, ("v1", "v1", False)),
        (b"05", 732, None, ("v2", "v2Pro", False)),
        (b"06", 732, None, ("v2", "v2ProPlus", False)),
        (b"04", 732, 8, ("v2", "v4", True)),
        (b"03", 732, 8, ("v2", "v3", True)),
    ],
)
def test_sovits_header_tags_and_symbol_rows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    header: bytes,
    symbols: int,
    lora_rank: int | None,
    expected: tuple[str, str, bool],
) -> None:
    path = write_sovits(
        tmp_path / "s.pth", monkeypatch, tiny_sovits_weights(symbols), header=header, lora_rank=lora_rank
    )
    assert path.read_bytes()[:2] == header
    ckpt = load_sovits(path)
    assert (ckpt.version.symbols, ckpt.version.model, ckpt.version.lora) == expected
    assert ckpt.lora_rank == lora_rank
    assert ckpt.config["data"]["sampling_rate"] == 32000  # HParams became plain nested dicts
    assert isinstance(ckpt.config["model"], dict)
    assert all(v.dtype == torch.float32 for v in ckpt.state_dict.values())


def test_sovits_widths_are_read_from_tensor_shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hp = load_sovits(
        write_sovits(tmp_path / "s.pth", monkeypatch, tiny_sovits_weights(pro=True), header=b"05")
    ).hparams
    assert (hp.inter_channels, hp.hidden_channels, hp.filter_channels, hp.n_layers) == (10, 12, 24, 2)
    assert (hp.gin_channels, hp.ssl_dim, hp.codebook_size, hp.phoneme_vocab_size) == (20, 24, 1024, 732)
    assert (hp.upsample_initial_channel, hp.mrte_hidden, hp.sv_dim, hp.ref_spec_channels) == (36, 40, 80, 704)
    assert hp.bridge_channels is None and hp.dit_dim is None
    assert hp.resblock_dilation_sizes == ((1, 3, 5),) * 3 and hp.upsample_rates == (10, 8, 2, 2, 2)


def test_version_by_size_hash_and_architecture() -> None:
    state = tiny_sovits_weights()
    plain = b"PK\x03\x04" + bytes(8188)
    assert detect_sovits_version(plain, 1000, state, {}).model == "v2"
    assert detect_sovits_version(plain, checkpoints.V2_SIZE_LIMIT + 1, state, {}).model == "v3"
    # a v3/v4 model without a telling hash or tag is recognised by its CFM weights (the config picks v4)
    cfm_state = tiny_sovits_weights(cfm=True)
    assert detect_sovits_version(plain, 1000, cfm_state, {"model": {"version": "v4"}}).model == "v4"
    assert detect_sovits_version(plain, 1000, cfm_state, {}).model == "v3"
    assert detect_sovits_version(plain, 1000, tiny_sovits_weights(pro=True), {}).model == "v2Pro"


def test_known_pretrained_hash_wins_over_the_header(monkeypatch: pytest.MonkeyPatch) -> None:
    head = b"05" + bytes(8190)
    monkeypatch.setitem(checkpoints.PRETRAINED_MD5, hashlib.md5(head).hexdigest(), ("s2Gv4.pth", "v4"))
    version = detect_sovits_version(head, 10, tiny_sovits_weights(cfm=True), {})
    assert (version.model, version.pretrained) == ("v4", "s2Gv4.pth")
    assert len(checkpoints.PRETRAINED_MD5) == 7  # the 6 official hashes + ours


def test_inspect_tells_gpt_from_sovits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gpt = inspect_checkpoint(tiny_gpt_file(tmp_path / "g.ckpt"))
    assert (gpt.kind, gpt.version, gpt.lora_rank) == ("gpt", "v2", None)
    assert gpt.parameters == sum(t.numel() for t in Text2Semantic(TINY_GPT).state_dict().values())
    assert gpt.to_dict()["hparams"]["early_stop_num"] == 65
    sovits = inspect_checkpoint(
        write_sovits(tmp_path / "s.pth", monkeypatch, tiny_sovits_weights(), header=b"06")
    )
    info = sovits.to_dict()
    assert (info["kind"], info["version"], info["info"], info["path"]) == (
        "sovits",
        "v2ProPlus",
        "1epoch_1iteration",
        str(tmp_path / "s.pth"),
    )
    assert info["parameters"] == sum(t.numel() for t in tiny_sovits_weights().values())


# ------------------------------------------------------------------------------------------------------
# Restricted unpickling


class Exploit:
    """Unpickling this would call `func(arg)`: the classic pickle code-execution payload."""

    def __init__(self, func: Any, arg: str) -> None:
        self.func, self.arg = func, arg

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return self.func, (self.arg,)


@pytest.mark.parametrize("header", [b"PK", b"05"])
@pytest.mark.parametrize("payload", ["system", "eval"])
def test_forbidden_globals_are_refused_and_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: bytes, payload: str
) -> None:
    marker = tmp_path / "pwned"
    exploit = (
        Exploit(os.system, f"touch {marker}")
        if payload == "system"
        else Exploit(builtins.eval, f"open({str(marker)!r}, 'w').close()")
    )
    buffer = io.BytesIO()
    torch.save({"weight": {}, "config": exploit, "info": "x"}, buffer)
    path = tmp_path / "evil.pth"
    path.write_bytes(header + buffer.getvalue()[2:])

    with pytest.raises(ForbiddenGlobalError) as caught:
        load_sovits(path)
    assert isinstance(caught.value, pickle.UnpicklingError) and isinstance(caught.value, EmottsError)
    expected = "builtins.eval" if payload == "eval" else f"{os.system.__module__}.system"
    assert caught.value.global_name == expected
    assert expected in str(caught.value) and str(path) in str(caught.value)
    with pytest.raises(CheckpointError):
        inspect_checkpoint(path)
    if header == b"PK":
        with pytest.raises(CheckpointError):  # the GPT loader (weights_only) refuses it too
            load_gpt(path)
    assert not marker.exists()


def test_restricted_loading_registers_nothing_globally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    safe_before = list(torch.serialization.get_safe_globals())
    load_sovits(write_sovits(tmp_path / "s.pth", monkeypatch, tiny_sovits_weights()))
    assert "utils" not in sys.modules
    assert list(torch.serialization.get_safe_globals()) == safe_before
    with pytest.raises(pickle.UnpicklingError):  # plain weights_only loading still refuses utils.HParams
        monkeypatch.setitem(sys.modules, "utils", types.SimpleNamespace(HParams=official_hparams_class()))
        torch.load(write_sovits(tmp_path / "t.pth", monkeypatch, tiny_sovits_weights()), weights_only=True)


# ------------------------------------------------------------------------------------------------------
# Errors


def test_missing_file(tmp_path: Path) -> None:
    for loader in (load_gpt, load_sovits, inspect_checkpoint):
        with pytest.raises(CheckpointError, match="file not found") as caught:
            loader(tmp_path / "nope.pth")
        assert str(tmp_path / "nope.pth") in str(caught.value)


def test_not_a_checkpoint(tmp_path: Path) -> None:
    text = tmp_path / "notes.pth"
    text.write_text("hello, this is not a model")
    zipped = tmp_path / "broken.pth"
    zipped.write_bytes(b"05" + b"\x00" * 100)
    for path in (text, zipped):
        for loader in (load_gpt, load_sovits, inspect_checkpoint):
            with pytest.raises(CheckpointError, match="not a GPT-SoVITS checkpoint"):
                loader(path)


def test_unknown_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.pth"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, other)
    for loader in (load_gpt, load_sovits, inspect_checkpoint):
        with pytest.raises(CheckpointError, match="unknown layout"):
            loader(other)
    no_head = tmp_path / "gpt.ckpt"
    torch.save({"weight": {"model.bert_proj.weight": torch.zeros(4, 4)}, "config": {"model": {}}}, no_head)
    with pytest.raises(CheckpointError, match=r"unknown layout.*lacks"):
        load_gpt(no_head)
    empty = write_sovits(tmp_path / "s.pth", monkeypatch, {"foo.weight": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="unknown layout: no SoVITS weights"):
        load_sovits(empty)


# ------------------------------------------------------------------------------------------------------
# The shared fixtures (official files on tiny random weights)


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_fixture_gpt_files(version: str) -> None:
    ckpt = load_gpt(FIXTURES / "models" / version / "gpt.ckpt")
    hp = ckpt.hparams
    assert (hp.vocab_size, hp.eos, hp.embedding_dim, hp.hidden_dim, hp.n_head, hp.n_layer) == (
        1025,
        1024,
        64,
        64,
        2,
        2,
    )
    assert (hp.ffn_dim, hp.bert_dim, hp.early_stop_num) == (256, 64, 60)
    assert hp.phoneme_vocab_size == (512 if version == "v1" else 732)
    assert hp.symbols == ("v1" if version == "v1" else "v2")
    assert all(v.dtype == torch.float32 for v in ckpt.state_dict.values())


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_fixture_sovits_files(version: str) -> None:
    path = FIXTURES / "models" / version / "sovits.pth"
    ckpt = load_sovits(path)
    assert ckpt.version.model == version
    assert ckpt.version.symbols == ("v1" if version == "v1" else "v2")
    assert ckpt.version.lora == (version == "v4") and ckpt.lora_rank == (4 if version == "v4" else None)
    hp = ckpt.hparams
    pro = version in ("v2Pro", "v2ProPlus")
    assert hp.gin_channels == (48 if pro else 64)
    assert hp.ref_spec_channels == (1025 if version == "v1" else 704)
    if version == "v4":  # a LoRA file: CFM LoRA tensors + the non-frozen parts, no enc_p/dec/flow
        assert (hp.inter_channels, hp.bridge_channels, hp.n_mels, hp.hidden_channels) == (32, 64, 100, None)
    else:
        assert (hp.inter_channels, hp.hidden_channels, hp.filter_channels, hp.n_layers) == (32, 32, 64, 2)
        assert (hp.ssl_dim, hp.mrte_hidden, hp.codebook_size) == (64, 64, 1024)
        assert hp.upsample_initial_channel == (48 if version == "v2ProPlus" else 32)
        assert hp.sv_dim == (1280 if pro else None)
        assert hp.upsample_kernel_sizes[0] == (20 if version == "v2ProPlus" else 16)
    assert all(v.dtype == torch.float32 for v in ckpt.state_dict.values())
    assert not any(k.startswith("enc_q.") for k in ckpt.state_dict)


@needs_fixtures
def test_fixture_v4_base_is_recognised_by_its_architecture() -> None:
    # the official rules would call this tiny s2Gv4.pth "v2" (its hash is not the real one, its size is small)
    summary = inspect_checkpoint(FIXTURES / "pretrained" / "gsv-v4-pretrained" / "s2Gv4.pth")
    assert (summary.kind, summary.version, summary.lora_rank, summary.info) == (
        "sovits",
        "v4",
        None,
        "random-pretrained",
    )
    assert (summary.hparams.dit_dim, summary.hparams.dit_depth) == (64, 2)
