"""CPU speed of emotts' GPT-SoVITS inference on full-size random weights, beside the reference's numbers.

    python benchmarks/engine_cpu.py [--version v2] [--threads 2] [--work /tmp/emotts-bench]

Writes official-format random weights (`emotts gsv make-random --size full`) once into --work, then measures:
AR tokens/s at batch 1 and 4 (100 tokens after a 4 s prompt, as the reference notes did), SoVITS decode RTF
for 4 s of audio, end-to-end RTF for ~13 s of audio (three sentences, one request), and first-chunk latency
in streaming mode 3. Random weights never emit EOS, so every run generates exactly its token budget.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from rich.console import Console
from rich.table import Table

from emotts.engines.base import Reference, SynthesisParams, SynthesisRequest, VoiceModel
from emotts.engines.gptsovits.engine import GptSovitsEngine, GsvEngineConfig
from emotts.engines.gptsovits.random_weights import make_random

# the reference implementation on a 2-core AMD EPYC, torch 2.13 CPU, fp32 (reference notes §5.4, §5.5)
REF_AR = {1: "22.2", 4: "42"}
REF_DECODE = "0.61 (v2) / 1.15 (v2ProPlus)"
REF_END_TO_END = "1.5 (v2) / 2.4 (v2ProPlus)"
REF_FIRST_CHUNK = "1.7 (v2, mode 3)"
# three sentences → three cut5 segments of 100 tokens (4 s) each, like the reference's 12.9 s run
TEXT = "今天的天气非常好我们一起去公园散步吧。明天早上八点出发记得带上水和帽子。路上小心一点不要迟到了。"


def _median(run: Callable[[], float], repeats: int) -> float:
    run()  # warm-up: lazy loads, allocator, caches
    return statistics.median(run() for _ in range(repeats))


def _reference_clip(folder: Path) -> Path:
    path = folder / "ref.wav"
    if not path.exists():
        rate = 32000
        t = np.arange(int(5 * rate)) / rate
        sf.write(path, 0.2 * np.sin(2 * np.pi * 180 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t)), rate)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", default="v2", choices=["v1", "v2", "v2Pro", "v2ProPlus"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/emotts-bench"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    console = Console()

    folder = args.work / args.version
    if not (folder / "sovits.pth").exists():
        with console.status(f"writing full-size random {args.version} weights to {folder}"):
            make_random(folder, args.version, "full")
    engine = GptSovitsEngine(GsvEngineConfig(folder / "pretrained_models", device="cpu"))
    voice_model = VoiceModel(folder / "gpt.ckpt", folder / "sovits.pth")
    voice = engine.voice(voice_model)
    reference = Reference(_reference_clip(args.work), "今天的天气非常好，我们一起去公园散步吧。", "zh")
    prompt = voice.prompt(reference)
    segment = voice.prepare("我们一起去看电影吧，明天早上八点出发。", "zh", "cut0")[0]
    rows: list[tuple[str, str, str]] = []

    def ar(batch: int) -> float:
        phones = torch.tensor([*prompt.text.phone_ids, *segment.phone_ids])  # type: ignore[union-attr]
        bert = torch.cat([prompt.text.bert, segment.bert], dim=1)  # type: ignore[union-attr]
        started = time.perf_counter()
        voice.models.t2s.generate(
            [phones] * batch, [bert] * batch, prompt.features.prompt_semantic[:100], early_stop_num=99
        )
        return time.perf_counter() - started

    for batch in (1, 4):
        seconds = _median(lambda batch=batch: ar(batch), args.repeats)
        label = "AR tokens/s, batch 1" if batch == 1 else "AR tokens/s, batch 4 (aggregate)"
        rows.append((label, f"{100 * batch / seconds:.1f}", REF_AR[batch]))

    tokens = torch.randint(0, 1024, (100,))  # 100 tokens = 4 s of audio

    def decode() -> float:
        started = time.perf_counter()
        voice.decode(tokens, segment.phone_ids, prompt.style, SynthesisParams(noise_scale=0.5))
        return time.perf_counter() - started

    rows.append(("decode RTF, 4 s", f"{_median(decode, args.repeats) / 4.0:.2f}", REF_DECODE))

    budget = SynthesisParams(split_method="cut5", fragment_interval=0.0)
    request = SynthesisRequest((TEXT,), "zh", reference, "中性", budget, voice_model)

    def end_to_end() -> tuple[float, float]:
        started = time.perf_counter()
        samples = sum(len(chunk.samples) for chunk in engine.synthesize(request))
        return time.perf_counter() - started, samples / voice.sampling_rate

    end_to_end()
    runs = [end_to_end() for _ in range(max(1, args.repeats - 1))]
    seconds, audio = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    rows.append((f"end-to-end RTF ({audio:.1f} s of audio)", f"{seconds / audio:.2f}", REF_END_TO_END))

    streaming = SynthesisParams(split_method="cut5", streaming_mode=3, chunk_tokens=16, overlap_tokens=2)
    stream_request = SynthesisRequest((TEXT,), "zh", reference, "中性", streaming, voice_model)

    def first_chunk() -> float:
        started = time.perf_counter()
        chunks = engine.synthesize(stream_request)
        next(chunks)
        elapsed = time.perf_counter() - started
        chunks.close()
        return elapsed

    rows.append(("first chunk (mode 3), s", f"{_median(first_chunk, args.repeats):.2f}", REF_FIRST_CHUNK))

    table = Table("measurement", "emotts", "reference (notes §5.4)", title=f"GPT-SoVITS {args.version}, CPU")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"torch {torch.__version__}, {args.threads} thread(s), fp32")


if __name__ == "__main__":
    main()
