"""The GPT-SoVITS engine end to end on the fixture models: the reference pipeline reproduced, model sets in an
LRU that really frees memory, voices that never mix under concurrency, streaming chunks, clear errors."""

from __future__ import annotations

import gc
import json
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest

from emotts.engines.base import Reference, SynthesisParams, SynthesisRequest, VoiceModel
from emotts.engines.gptsovits.engine import GptSovitsEngine, GsvEngineConfig, MissingModelError
from emotts.errors import UnknownLanguageError

from gsv_fixtures import FIXTURES, needs_fixtures

pytestmark = needs_fixtures

REF = FIXTURES / "reference" / "ref.wav"
PROMPT = "今天的天气非常好，我们一起去公园散步吧。"
GREEDY = SynthesisParams(top_k=1, noise_scale=0.0, parallel=False)


def voice(version: str) -> VoiceModel:
    folder = FIXTURES / "models" / version
    return VoiceModel(folder / "gpt.ckpt", folder / "sovits.pth")


def request(
    text: str, version: str = "v2", params: SynthesisParams = GREEDY, **changes: object
) -> SynthesisRequest:
    values: dict = {
        "segments": (text,),
        "language": "zh",
        "reference": Reference(REF, PROMPT, "zh"),
        "emotion": "中性",
        "params": params,
        "voice": voice(version),
    }
    values.update(changes)
    return SynthesisRequest(**values)


@pytest.fixture(scope="module")
def engine() -> GptSovitsEngine:
    return GptSovitsEngine(GsvEngineConfig(FIXTURES / "pretrained", cache_size=2, device="cpu"))


def audio(engine: GptSovitsEngine, synthesis: SynthesisRequest) -> np.ndarray:
    return np.concatenate([chunk.samples for chunk in engine.synthesize(synthesis)])


@pytest.mark.parametrize("version", ["v1", "v2", "v2Pro", "v2ProPlus"])
def test_the_reference_pipeline_is_reproduced(engine: GptSovitsEngine, version: str) -> None:
    case = np.load(FIXTURES / "cases" / version / "pipeline.npz", allow_pickle=False)
    body = json.loads(str(case["request_json"]))
    params = SynthesisParams(
        top_k=1,
        seed=int(body["seed"]),
        parallel=False,
        noise_scale=0.0,
        split_method=body["text_split_method"],
    )
    chunks = list(engine.synthesize(request(body["text"], version, params)))
    assert {chunk.sample_rate for chunk in chunks} == {int(case["sr"])}
    assert chunks[-1].segment_end
    ours = np.concatenate([chunk.samples for chunk in chunks]).astype(np.int32)
    expected = case["audio_int16"].astype(np.int32)
    assert ours.shape == expected.shape
    assert np.abs(ours - expected).max() <= 2


def test_segments_get_fragment_silence_and_a_segment_end(engine: GptSovitsEngine) -> None:
    params = SynthesisParams(top_k=1, noise_scale=0.0, fragment_interval=0.1, split_method="cut5")
    chunks = list(engine.synthesize(request("我们一起去看电影吧，明天早上八点出发。", params=params)))
    assert len(chunks) == 2 and [c.segment_end for c in chunks] == [False, True]
    silence = int(0.1 * chunks[0].sample_rate)
    assert all(not c.samples[-silence:].any() for c in chunks)


def test_token_streaming_yields_several_chunks_of_the_same_voice(engine: GptSovitsEngine) -> None:
    whole = audio(engine, request("我们一起去看电影吧。", params=GREEDY))
    params = SynthesisParams(top_k=1, noise_scale=0.0, streaming_mode=3, chunk_tokens=8, overlap_tokens=2)
    chunks = list(engine.synthesize(request("我们一起去看电影吧。", params=params)))
    assert len(chunks) >= 4  # ≥ 3 audio chunks for ~40 tokens, then the fragment silence
    streamed = np.concatenate([c.samples for c in chunks])
    assert abs(len(streamed) - len(whole)) <= 1280  # within one token of audio
    assert np.abs(streamed.astype(np.float64)).mean() > 0.2 * np.abs(whole.astype(np.float64)).mean()


def test_model_sets_are_cached_and_evicted_sets_are_freed() -> None:
    engine = GptSovitsEngine(GsvEngineConfig(FIXTURES / "pretrained", cache_size=1, device="cpu"))
    first = engine.voice(voice("v2"))
    assert engine.voice(voice("v2")) is first
    models = weakref.ref(first.models.sovits)
    del first
    engine.voice(voice("v1"))  # evicts v2
    gc.collect()
    assert models() is None


def test_concurrent_requests_for_different_voices_never_mix(engine: GptSovitsEngine) -> None:
    texts = {"v2": "我们一起去看电影吧。", "v2Pro": "明天早上八点出发。"}
    alone = {version: audio(engine, request(text, version)) for version, text in texts.items()}
    together: dict[str, list[np.ndarray]] = {version: [] for version in texts}

    def run(version: str) -> None:
        for _ in range(2):
            together[version].append(audio(engine, request(texts[version], version)))

    threads = [threading.Thread(target=run, args=(version,)) for version in texts for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for version, outputs in together.items():
        assert len(outputs) == 4
        for output in outputs:
            assert np.array_equal(output, alone[version]), version


def test_missing_weights_and_unsupported_languages_are_clear(engine: GptSovitsEngine) -> None:
    with pytest.raises(MissingModelError, match="--gpt/--sovits"):
        list(engine.synthesize(request("你好。", voice=VoiceModel())))
    with pytest.raises(UnknownLanguageError, match="yue"):
        list(engine.synthesize(request("你好。", "v1", language="yue")))


def test_a_short_reference_is_refused_naming_the_clip(engine: GptSovitsEngine, tmp_path: Path) -> None:
    import soundfile as sf

    clip = tmp_path / "short.wav"
    sf.write(clip, np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(Exception, match=r"short\.wav"):
        list(engine.synthesize(request("你好。", reference=Reference(clip, "你好", "zh"))))


def test_pieces_decoded_together_sound_the_same_as_one_by_one(engine: GptSovitsEngine) -> None:
    text = "我们一起去看电影吧，明天早上八点出发，记得带上水。"
    batched = SynthesisParams(top_k=1, noise_scale=0.0, split_method="cut5")  # not streaming: one AR batch
    one_by_one = SynthesisParams(top_k=1, noise_scale=0.0, split_method="cut5", streaming_mode=1)
    together = list(engine.synthesize(request(text, params=batched)))
    apart = list(engine.synthesize(request(text, params=one_by_one)))
    assert len(together) == len(apart) == 3
    for a, b in zip(together, apart, strict=True):
        assert np.array_equal(a.samples, b.samples)
