"""The v2Pro speaker path: Kaldi filterbank and ERes2NetV2 embeddings against the reference, and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from emotts.audio.fbank import kaldi_fbank
from emotts.engines.gptsovits.speaker import SpeakerEncoder, SpeakerModelError

from gsv_fixtures import FIXTURES, needs_fixtures

SV_MODEL = FIXTURES / "pretrained" / "sv" / "pretrained_eres2netv2w24s4ep4.ckpt"


@needs_fixtures
@pytest.mark.parametrize("version", ["v2Pro", "v2ProPlus"])
def test_fbank_and_embedding_match_the_reference(version: str) -> None:
    case = np.load(FIXTURES / "cases" / version / "reference.npz", allow_pickle=False)
    audio = torch.from_numpy(case["sv_input_audio16k"])
    np.testing.assert_allclose(kaldi_fbank(audio).numpy(), case["sv_fbank"][0], atol=1e-4)
    encoder = SpeakerEncoder.from_file(SV_MODEL)
    assert encoder.embedding_dim == case["sv_emb"].shape[1]
    np.testing.assert_allclose(encoder.embed(audio).numpy(), case["sv_emb"], atol=1e-4)


def test_fbank_puts_a_tone_in_the_right_mel_bin() -> None:
    rate = 16000
    t = torch.arange(rate) / rate
    low = kaldi_fbank(torch.sin(2 * torch.pi * 300 * t)[None]).mean(0)
    high = kaldi_fbank(torch.sin(2 * torch.pi * 3000 * t)[None]).mean(0)
    assert low.shape == (80,)
    assert int(low.argmax()) < int(high.argmax())
    # 300 Hz on Kaldi's mel scale, with 80 bins from 20 Hz to 8 kHz, peaks near bin 13
    mel = lambda f: 1127 * np.log(1 + f / 700)  # noqa: E731
    expected = (mel(300) - mel(20)) / ((mel(8000) - mel(20)) / 81) - 1
    assert abs(int(low.argmax()) - expected) <= 1.5
    assert kaldi_fbank(torch.zeros(1, 100)).shape == (0, 80)  # shorter than one window


def test_a_missing_or_broken_speaker_model_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SpeakerModelError, match=r"missing.*v2Pro"):
        SpeakerEncoder.from_file(tmp_path / "missing.ckpt")
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(SpeakerModelError, match=r"broken\.ckpt: cannot be loaded"):
        SpeakerEncoder.from_file(broken)
