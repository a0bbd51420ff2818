"""Regenerate `examples/roles/demo`: a role whose clips are spoken by the preview engine's espeak voice.

    python examples/make_demo_role.py

The clips are committed, so a fresh clone can run `emotts serve --roles examples/roles` at once;
this script documents how they were made and rebuilds them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from emotts.engines.preview.espeak import shared_espeak
from emotts.engines.preview.prosody import prosody_for

ROLE = Path(__file__).parent / "roles" / "demo"
VOICE = "cmn+f4"  # a high voice, so the preview visibly follows the role's pitch
BASE_PITCH = 62
MIN_SECONDS = 3.5  # GPT-SoVITS accepts 3-10 s references; pad short lines with trailing silence

# emotion folder → what the clip says (also its file name, as chat-app role folders do)
CLIPS = {
    "中性": "今天的安排是上午整理资料，下午去图书馆还书。",
    "高兴": "太好了，你终于回来了，我今天特别开心！",
    "愤怒": "哼，你怎么又迟到了，我等了你整整一个小时！",
    "悲伤": "我养了很多年的小猫走了，我真的好难过。",
    "惊讶": "哇，居然是你？你怎么会突然出现在这里！",
    "害羞": "别、别一直盯着我看啦，人家会不好意思的。",
}
DEFAULT_TEXT = "你好，我是演示角色。我的声音来自预览引擎，不需要下载任何模型。"


def speak(text: str, emotion: str) -> tuple[np.ndarray, int]:
    espeak = shared_espeak()
    samples = espeak.synthesize(text, VOICE, prosody_for(emotion, base_pitch=BASE_PITCH))
    rate = espeak.sample_rate
    padding = max(0, int(MIN_SECONDS * rate) - len(samples))
    return np.concatenate([samples, np.zeros(padding, dtype=np.int16)]), rate


def main() -> None:
    ROLE.mkdir(parents=True, exist_ok=True)
    samples, rate = speak(DEFAULT_TEXT, "中性")
    sf.write(ROLE / "demo.wav", samples, rate, subtype="PCM_16")
    for emotion, text in CLIPS.items():
        folder = ROLE / "refAudio" / emotion
        folder.mkdir(parents=True, exist_ok=True)
        samples, rate = speak(text, emotion)
        sf.write(folder / f"{text}.wav", samples, rate, subtype="PCM_16")
        print(f"{emotion}: {len(samples) / rate:.2f} s  {text}")
    config = {"ref_audio": "demo.wav", "ref_text": DEFAULT_TEXT, "ref_lang": "zh", "text_lang": "auto"}
    (ROLE / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=4) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
