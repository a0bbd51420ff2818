"""`emotts gsv make-random`: official-format files that GPT-SoVITS detection and the engine accept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from emotts.cli import main
from emotts.engines.base import Reference, SynthesisRequest, VoiceModel
from emotts.engines.gptsovits.checkpoints import inspect_checkpoint
from emotts.engines.gptsovits.engine import GptSovitsEngine, GsvEngineConfig


@pytest.mark.parametrize(("version", "header"), [("v2", b"PK"), ("v2ProPlus", b"06")])
def test_tiny_random_models_load_and_speak(tmp_path: Path, version: str, header: bytes) -> None:
    out = tmp_path / version
    result = CliRunner().invoke(
        main, ["gsv", "make-random", str(out), "--version", version, "--size", "tiny"]
    )
    assert result.exit_code == 0, result.output
    sovits = out / "sovits.pth"
    assert sovits.read_bytes()[:2] == header
    assert inspect_checkpoint(sovits).version == version
    assert inspect_checkpoint(out / "gpt.ckpt").kind == "gpt"

    clip = tmp_path / "ref.wav"
    t = np.arange(4 * 32000) / 32000
    sf.write(clip, (0.2 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), 32000)
    engine = GptSovitsEngine(GsvEngineConfig(out / "pretrained_models", device="cpu"))
    request = SynthesisRequest(
        segments=("你好，世界。",),
        language="zh",
        reference=Reference(clip, "今天天气很好。", "zh"),
        emotion="中性",
        voice=VoiceModel(out / "gpt.ckpt", sovits),
    )
    chunks = list(engine.synthesize(request))
    samples = np.concatenate([chunk.samples for chunk in chunks])
    # random weights never say EOS: the 2 s budget gives 100 tokens of 1280 samples, plus 0.3 s of silence
    assert chunks[0].sample_rate == 32000 and len(samples) == 100 * 1280 + 9600
    assert np.abs(samples).max() > 0
