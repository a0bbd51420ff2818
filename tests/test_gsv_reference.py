"""Reference-clip processing: resampling, spectrograms and HuBERT match the official pipeline's numbers, and
the processor checks lengths, reports bad files and caches per file version."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import torch

from emotts.audio.resample import resample_sinc_hann, resample_soxr_hq
from emotts.audio.spectrogram import linear_spectrogram, mel_filterbank, mel_spectrogram
from emotts.audio.wavio import read_audio
from emotts.engines.gptsovits.checkpoints import load_sovits
from emotts.engines.gptsovits.hubert import HubertFeatures
from emotts.engines.gptsovits.pretrained import PretrainedModelError, PretrainedModels
from emotts.engines.gptsovits.reference import (
    V4_MEL,
    ReferenceFeatures,
    ReferenceLengthError,
    ReferenceProcessor,
    peak_limited,
)
from emotts.engines.gptsovits.sovits import SoVITS
from emotts.engines.gptsovits.speaker import SpeakerEncoder
from emotts.errors import AudioFileError, EmottsError

from gsv_fixtures import FIXTURES, needs_fixtures

REF_WAV = FIXTURES / "reference" / "ref.wav"


@pytest.fixture(scope="module")
def common() -> dict[str, np.ndarray]:
    with np.load(FIXTURES / "cases" / "reference_common.npz", allow_pickle=False) as data:
        return dict(data)


def _case(version: str) -> dict[str, np.ndarray]:
    with np.load(FIXTURES / "cases" / version / "reference.npz", allow_pickle=False) as data:
        return dict(data)


# --- parity with the fixtures -----------------------------------------------------------------------------


@needs_fixtures
def test_16k_path_is_librosa_soxr_hq(common: dict[str, np.ndarray]) -> None:
    samples, rate = read_audio(REF_WAV)
    assert rate == int(common["raw_sr"])
    np.testing.assert_array_equal(samples, common["raw_audio"][0])
    wav16k = resample_soxr_hq(samples, rate, 16000)
    assert wav16k.shape == common["wav16k"].shape and wav16k.dtype == np.float32
    np.testing.assert_allclose(wav16k, common["wav16k"], rtol=0, atol=1e-6)


@needs_fixtures
def test_model_rate_path_is_torchaudio_resample(common: dict[str, np.ndarray]) -> None:
    audio = resample_sinc_hann(common["raw_audio"], int(common["raw_sr"]), int(common["sampling_rate"]))
    assert audio.shape == common["spec_input_audio"].shape
    np.testing.assert_allclose(audio, common["spec_input_audio"], rtol=0, atol=1e-6)


@needs_fixtures
def test_speaker_path_is_torchaudio_resample_to_16k(common: dict[str, np.ndarray]) -> None:
    expected = _case("v2Pro")["sv_input_audio16k"]
    audio = resample_sinc_hann(common["spec_input_audio"], int(common["sampling_rate"]), 16000)
    assert audio.shape == expected.shape
    np.testing.assert_allclose(audio, expected, rtol=0, atol=1e-6)


@needs_fixtures
def test_linear_spectrogram_matches_refer_spec(common: dict[str, np.ndarray]) -> None:
    spec = linear_spectrogram(
        torch.from_numpy(common["spec_input_audio"]),
        int(common["filter_length"]),
        int(common["hop_length"]),
        int(common["win_length"]),
    )
    assert spec.shape == (1, 1025, 294)
    np.testing.assert_allclose(spec.numpy(), common["refer_spec"], rtol=0, atol=1e-4)


@needs_fixtures
def test_v4_mel_matches_ref_mel_norm(common: dict[str, np.ndarray]) -> None:
    mel = V4_MEL
    log_mel = mel_spectrogram(
        torch.from_numpy(common["spec_input_audio"]), mel.n_fft, mel.n_mels, mel.sample_rate, mel.hop, mel.win
    )
    normalised = (log_mel + 12) / 14 * 2 - 1
    expected = _case("v4")["ref_mel_norm"]
    assert normalised.shape == expected.shape
    np.testing.assert_allclose(normalised.numpy(), expected, rtol=0, atol=1e-4)


@pytest.fixture(scope="module")
def hubert() -> HubertFeatures:
    torch.set_num_threads(1)
    return HubertFeatures(PretrainedModels(FIXTURES / "pretrained").hubert_dir())


@needs_fixtures
def test_hubert_last_hidden_state(common: dict[str, np.ndarray], hubert: HubertFeatures) -> None:
    wav = torch.from_numpy(common["wav16k"])[None]
    features = hubert.features(wav, int(common["hubert_zero_pad_samples"]))
    expected = common["hubert_last_hidden_state"].transpose(0, 2, 1)
    assert features.shape == expected.shape and hubert.dim == expected.shape[1]
    np.testing.assert_allclose(features.numpy(), expected, rtol=0, atol=1e-4)


@needs_fixtures
@pytest.mark.parametrize("version", ["v1", "v2", "v2Pro", "v2ProPlus"])
def test_processor_end_to_end(version: str, common: dict[str, np.ndarray], hubert: HubertFeatures) -> None:
    """ref.wav through the real SoVITS (and speaker model) gives the official prompt tokens and inputs."""
    pretrained = PretrainedModels(FIXTURES / "pretrained")
    speaker = None
    if version in ("v2Pro", "v2ProPlus"):
        speaker = SpeakerEncoder.from_file(pretrained.sv_path(), torch.device("cpu"))
    sovits = SoVITS.from_checkpoint(load_sovits(FIXTURES / "models" / version / "sovits.pth"))
    case = _case(version)
    features = ReferenceProcessor(sovits, hubert, speaker).features(REF_WAV)
    np.testing.assert_array_equal(features.prompt_semantic.numpy(), case["prompt_semantic"])
    np.testing.assert_allclose(features.refer_spec.numpy(), common["refer_spec"], rtol=0, atol=1e-4)
    assert features.duration == pytest.approx(common["raw_audio"].shape[1] / int(common["raw_sr"]))
    if speaker is not None:
        assert features.audio16k_for_sv is not None and features.sv_emb is not None
        np.testing.assert_allclose(features.audio16k_for_sv.numpy(), case["sv_input_audio16k"], atol=1e-6)
        np.testing.assert_allclose(features.sv_emb.numpy(), case["sv_emb"], rtol=0, atol=1e-4)
    else:
        assert features.audio16k_for_sv is None and features.sv_emb is None
    assert features.ref_mel_norm is None  # only v4 prompts need the mel


# --- building blocks without fixtures ---------------------------------------------------------------------


def test_mel_filterbank_is_slaney_normalised() -> None:
    bank = mel_filterbank(16000, 512, 40, 0.0, None)
    assert bank.shape == (40, 257) and bank.dtype == np.float32 and (bank >= 0).all()
    # area normalisation: each triangle integrates (over Hz) to about 1
    areas = bank.sum(axis=1) * (16000 / 512)
    assert np.allclose(areas[5:], 1.0, atol=0.05)
    # centres rise monotonically, linearly below 1 kHz
    centres = bank.argmax(axis=1)
    assert (np.diff(centres) >= 0).all()


def test_sinc_resample_keeps_a_tone_and_the_length() -> None:
    t = np.arange(22050) / 22050
    out = resample_sinc_hann(np.sin(2 * np.pi * 440 * t).astype(np.float32)[None], 22050, 32000)
    assert out.shape == (1, 32000) and out.dtype == np.float32
    expected = np.sin(2 * np.pi * 440 * np.arange(32000) / 32000)
    assert np.abs(out[0, 500:-500] - expected[500:-500]).max() < 2e-3


def test_soxr_length_is_rounded_up() -> None:
    out = resample_soxr_hq(np.zeros(129933, dtype=np.float32), 22050, 16000)
    assert len(out) == 94283  # ceil(129933 · 16000 / 22050)


def test_peak_rule() -> None:
    quiet = np.array([0.5, -0.9], dtype=np.float32)
    assert peak_limited(quiet) is quiet
    np.testing.assert_allclose(peak_limited(np.array([0.6, -1.5], dtype=np.float32)), [0.4, -1.0])
    np.testing.assert_allclose(peak_limited(np.array([0.6, 3.0], dtype=np.float32)), [0.3, 1.5])


# --- the processor with stand-in models -------------------------------------------------------------------


class CountingHubert:
    dim = 4

    def __init__(self) -> None:
        self.calls = 0
        self.inputs: list[torch.Tensor] = []
        self.lock = threading.Lock()

    def features(self, wav16k: torch.Tensor, pad_samples: int = 0) -> torch.Tensor:
        with self.lock:
            self.calls += 1
            self.inputs.append(wav16k)
        frames = (wav16k.shape[1] + pad_samples) // 320
        return torch.ones(1, self.dim, frames)


class StubSovits(torch.nn.Module):
    """extract_latent halves the frame rate, as ssl_proj (k=2, s=2) does; tiny spectrogram settings."""

    def __init__(self, version: str = "v2", rate: int = 16000) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.version = version
        self.sampling_rate = rate
        self.hp = SimpleNamespace(filter_length=256, hop_length=64, win_length=256)

    def extract_latent(self, ssl: torch.Tensor) -> torch.Tensor:
        return torch.arange(ssl.shape[2] // 2)[None, None] % 7


class StubSpeaker:
    def __init__(self) -> None:
        self.inputs: list[torch.Tensor] = []

    def embed(self, wav16k: torch.Tensor) -> torch.Tensor:
        self.inputs.append(wav16k)
        return torch.full((1, 3), float(wav16k.shape[1]))


def _tone(path: Path, seconds: float, rate: int = 22050, channels: int = 1) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * 220 * t)
    data = mono[:, None] * np.linspace(1.0, 0.2, channels)[None, :] if channels > 1 else mono
    sf.write(path, data, rate, subtype="PCM_16")
    return path


def test_processor_output_shapes(tmp_path: Path) -> None:
    hubert, speaker = CountingHubert(), StubSpeaker()
    processor = ReferenceProcessor(StubSovits("v2Pro"), hubert, speaker)
    features = processor.features(_tone(tmp_path / "a.wav", 4.0))
    assert isinstance(features, ReferenceFeatures)
    assert features.duration == pytest.approx(4.0)
    # 4 s at 16 kHz + 0.3 s of the model rate (16000 here) of zeros → 50 frames/s → tokens at 25/s
    assert hubert.inputs[0].shape == (1, 64000)
    assert features.prompt_semantic.dtype == torch.int64 and features.prompt_semantic.shape == (215 // 2,)
    assert features.refer_spec.shape[:2] == (1, 129)
    assert features.audio16k_for_sv is not None and features.audio16k_for_sv.shape == (1, 64000)
    assert features.sv_emb is not None and features.sv_emb.shape == (1, 3)
    assert features.ref_mel_norm is None


def test_v2_has_no_speaker_input_and_v4_has_a_mel(tmp_path: Path) -> None:
    clip = _tone(tmp_path / "a.wav", 3.5)
    v2 = ReferenceProcessor(StubSovits("v2"), CountingHubert()).features(clip)
    assert v2.audio16k_for_sv is None and v2.sv_emb is None and v2.ref_mel_norm is None
    v4 = ReferenceProcessor(StubSovits("v4", rate=32000), CountingHubert()).features(clip)
    assert v4.ref_mel_norm is not None and v4.ref_mel_norm.shape[:2] == (1, V4_MEL.n_mels)
    assert float(v4.ref_mel_norm.min()) > -1.5 and float(v4.ref_mel_norm.max()) < 1.5


def test_stereo_is_averaged(tmp_path: Path) -> None:
    clip = _tone(tmp_path / "stereo.wav", 3.5, channels=2)
    hubert = CountingHubert()
    ReferenceProcessor(StubSovits(), hubert).features(clip)
    data, rate = sf.read(clip, dtype="float32", always_2d=True)
    expected = resample_soxr_hq(data.mean(axis=1), rate, 16000)
    np.testing.assert_allclose(hubert.inputs[0][0].numpy(), expected, atol=1e-7)


LENGTHS = [(2.5, False), (3.0, True), (10.0, True), (10.2, False), (25.0, False)]


@pytest.mark.parametrize(("seconds", "ok"), LENGTHS)
def test_reference_must_last_3_to_10_seconds(tmp_path: Path, seconds: float, ok: bool) -> None:
    clip = _tone(tmp_path / "clip.wav", seconds, rate=16000)
    processor = ReferenceProcessor(StubSovits(), CountingHubert())
    if ok:
        assert processor.features(clip).duration == pytest.approx(seconds)
        return
    with pytest.raises(ReferenceLengthError) as caught:
        processor.features(clip)
    assert isinstance(caught.value, AudioFileError) and isinstance(caught.value, EmottsError)
    assert caught.value.duration == pytest.approx(seconds)
    message = str(caught.value)
    assert str(clip) in message and f"{seconds:.2f} s" in message and "3 and 10 seconds" in message


def test_unreadable_or_missing_files(tmp_path: Path) -> None:
    processor = ReferenceProcessor(StubSovits(), CountingHubert())
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"not audio at all" * 100)
    with pytest.raises(AudioFileError, match=r"garbage\.wav"):
        processor.features(garbage)
    with pytest.raises(AudioFileError, match="file not found"):
        processor.features(tmp_path / "missing.wav")
    with pytest.raises(AudioFileError, match="file not found"):
        processor.file_key(tmp_path / "missing.wav")


def test_cache_hit_and_touched_file(tmp_path: Path) -> None:
    clip = _tone(tmp_path / "a.wav", 3.5)
    hubert = CountingHubert()
    processor = ReferenceProcessor(StubSovits(), hubert, cache_size=2)
    first = processor.features(clip)
    assert processor.features(tmp_path / "." / "a.wav") is first  # same resolved file
    assert hubert.calls == 1
    stat = clip.stat()
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = processor.features(clip)
    assert hubert.calls == 2 and second is not first
    # bounded: two more clips evict the first version
    for name in ("b.wav", "c.wav"):
        processor.features(_tone(tmp_path / name, 3.5))
    processor.features(clip)
    assert hubert.calls == 5


def test_concurrent_requests_compute_once(tmp_path: Path) -> None:
    clip = _tone(tmp_path / "a.wav", 3.5)
    hubert = CountingHubert()
    processor = ReferenceProcessor(StubSovits(), hubert)
    results: list[ReferenceFeatures] = []
    threads = [threading.Thread(target=lambda: results.append(processor.features(clip))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert hubert.calls == 1 and len(results) == 6 and all(r is results[0] for r in results)


# --- pretrained_models layout -----------------------------------------------------------------------------


@needs_fixtures
def test_fixture_pretrained_layout() -> None:
    models = PretrainedModels(FIXTURES / "pretrained")
    assert models.bert_dir().name == "chinese-roberta-wwm-ext-large"
    assert models.hubert_dir().name == "chinese-hubert-base"
    assert models.sv_path().name == "pretrained_eres2netv2w24s4ep4.ckpt"
    assert models.v4_dir().name == "gsv-v4-pretrained"
    assert models.v4_base_path().is_file() and models.v4_vocoder_path().is_file()


def test_missing_pretrained_files_name_path_and_purpose(tmp_path: Path) -> None:
    models = PretrainedModels(tmp_path)
    with pytest.raises(PretrainedModelError) as caught:
        models.sv_path()
    assert isinstance(caught.value, EmottsError)
    assert str(caught.value) == (
        f"{tmp_path / 'sv' / 'pretrained_eres2netv2w24s4ep4.ckpt'} is missing: "
        "the speaker model v2Pro and v2ProPlus voices need"
    )
    (tmp_path / "chinese-hubert-base").mkdir()
    with pytest.raises(PretrainedModelError, match=r"chinese-hubert-base/config\.json is missing: .*HuBERT"):
        models.hubert_dir()
    (tmp_path / "chinese-hubert-base" / "config.json").write_text("{}")
    with pytest.raises(PretrainedModelError, match=r"model\.safetensors or pytorch_model\.bin is missing"):
        models.hubert_dir()
    with pytest.raises(PretrainedModelError, match=r"chinese-roberta-wwm-ext-large is missing: .*BERT"):
        models.bert_dir()
    with pytest.raises(PretrainedModelError, match=r"vocoder\.pth is missing: the 48 kHz vocoder v4"):
        models.v4_vocoder_path()
    with pytest.raises(PretrainedModelError, match="pretrained_models folder"):
        PretrainedModels(tmp_path / "nowhere").hubert_dir()
