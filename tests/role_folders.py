"""Builders for role folders in tests: small sine WAVs and config.json files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

RATE = 16000

# The design document's example, verbatim: commas are missing after the "sovits" and "BERTmodel" lines.
DESIGN_DOC_EXAMPLE = """{
    "ref_audio": "银狼.wav",
    "ref_text": "骇入空间站的时候，我随手改了下螺丝咕姆的画像，不过…最后还是改回去了。",
    "ref_lang": "zh",
    "gpt": "银狼-V4-e30.ckpt",
    "sovits": "银狼-V4_e8_s688_l32.pth"
    "BERTmodel": "BERT/"
    "multiREF": "refAudio/"
}
"""


def write_wav(
    path: Path, seconds: float = 4.0, channels: int = 1, freq: float = 220.0, rate: int = RATE
) -> Path:
    """A quiet harmonic tone (so pitch trackers find `freq`) of `seconds`, written as 16-bit WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(0.1 / k * np.sin(2 * np.pi * freq * k * t) for k in range(1, 5))
    sf.write(path, np.stack([tone] * channels, axis=1) if channels > 1 else tone, rate, subtype="PCM_16")
    return path


def write_config(folder: Path, config: dict[str, Any] | str) -> Path:
    """config.json in `folder`: a dict is written as JSON, a string as it is (for broken files)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = config if isinstance(config, str) else json.dumps(config, ensure_ascii=False, indent=4)
    path = folder / "config.json"
    path.write_text(text, encoding="utf-8")
    return path


def make_role(root: Path, name: str, clips: dict[str, str] | None = None, **overrides: Any) -> Path:
    """A valid role `name` with a 4 s `ref.wav` and `clips` (emotion folder → transcript) under refAudio/;
    `overrides` replace or add config keys (None removes one)."""
    folder = root / name
    write_wav(folder / "ref.wav")
    for index, (emotion, transcript) in enumerate((clips or {}).items()):
        write_wav(folder / "refAudio" / emotion / f"{transcript}.wav", freq=150 + 20 * index)
    config = {"ref_audio": "ref.wav", "ref_text": "你好，我是测试角色。", "ref_lang": "zh"}
    config.update(overrides)
    write_config(folder, {key: value for key, value in config.items() if value is not None})
    return folder
