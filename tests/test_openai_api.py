"""The OpenAI speech API through the real `openai` client against a real uvicorn server."""

from __future__ import annotations

import base64
import io
import json
import sys
import threading
from collections.abc import Iterator
from urllib.parse import unquote

import av
import httpx
import numpy as np
import openai
import pytest
import soundfile as sf

from emotts.engines.base import AudioChunk, SynthesisRequest
from emotts.server.routers.openai import emotion_from_instructions

from fake_engines import ToneEngine, engine_set

PAUSE = 0.25  # the default sentence pause
TWO_SENTENCES = "你好。今天天气不错。"


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)


def _header(headers: httpx.Headers, name: str) -> list[str]:
    return [unquote(value) for value in headers[name].split(",")]


def _samples_at_16k(engine: ToneEngine) -> int:
    """What the tone engine produced for all requests of one speech, with the pauses between sentences."""
    segments = [segment for request in engine.requests for segment in request.segments]
    tones = sum(int(0.1 * len(segment) * ToneEngine.sample_rate) for segment in segments)
    return tones + int(ToneEngine.sample_rate * PAUSE) * (len(segments) - 1)


def _decode(data: bytes) -> tuple[np.ndarray, int]:
    with av.open(io.BytesIO(data)) as container:
        audio = np.concatenate([frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)])
        return audio, container.streams.audio[0].sample_rate


def test_speech_with_the_openai_client_takes_the_emotion_from_instructions(live_server) -> None:
    engine = ToneEngine()
    client = _client(live_server(engines=engine_set(engine)))
    raw = client.audio.speech.with_raw_response.create(
        model="gpt-4o-mini-tts",
        voice="demo",
        input="(happy)太好了！今天天气不错。",
        instructions="用生气的语气说",
        speed=1.5,
    )
    assert raw.headers["content-type"] == "audio/mpeg"
    assert _header(raw.headers, "X-Emotion") == ["愤怒", "愤怒"]  # instructions beat the tag and classifier
    assert _header(raw.headers, "X-Emotion-Source") == ["request", "request"]
    assert _header(raw.headers, "X-Reference") == ["demo/refAudio/愤怒/你怎么又迟到了.wav"] * 2
    assert [request.emotion for request in engine.requests] == ["愤怒"]
    assert engine.requests[0].params.speed == 1.5
    audio, rate = _decode(raw.content)  # the default format: MP3
    assert rate == 16000
    assert 0 <= len(audio) - _samples_at_16k(engine) < 0.15 * rate  # MP3 adds its delay and last frame


def test_without_instructions_each_sentence_keeps_its_emotion(live_server) -> None:
    engine = ToneEngine()
    client = _client(live_server(engines=engine_set(engine)))
    raw = client.audio.speech.with_raw_response.create(
        model="tts-1", voice={"id": "demo"}, input="(happy)太好了！<angry>你又迟到了！", response_format="wav"
    )
    assert _header(raw.headers, "X-Emotion") == ["高兴", "愤怒"]
    assert _header(raw.headers, "X-Emotion-Source") == ["tag", "tag"]
    audio, rate = sf.read(io.BytesIO(raw.content), dtype="int16")
    assert rate == 16000 and len(audio) == _samples_at_16k(engine)


@pytest.mark.parametrize(
    ("instructions", "label"),
    [
        ("angry", "愤怒"),
        ("Sound sad and tired.", "悲伤"),
        ("用生气的语气说", "愤怒"),
        ("Speak cheerfully", "高兴"),
        ("不好意思地小声说", "害羞"),
        ("don't sound angry, sound proud", "骄傲"),
        ("用普通话说", None),  # Mandarin, not "plain"
        ("Speak at a normal pace", None),
        ("whisper", None),
    ],
)
def test_instructions_name_emotions(instructions: str, label: str | None) -> None:
    assert emotion_from_instructions(instructions) == label


def test_pcm_is_24khz_s16le_of_the_right_length(live_server) -> None:
    engine = ToneEngine()
    client = _client(live_server(engines=engine_set(engine)))
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="other", input=TWO_SENTENCES, response_format="pcm"
    ) as response:
        assert response.headers["content-type"] == "audio/pcm"
        assert response.headers["X-Sample-Rate"] == "24000"
        pcm = b"".join(response.iter_bytes())
    duration = _samples_at_16k(engine) / 16000
    assert len(pcm) == round(duration * 24000) * 2
    samples = np.frombuffer(pcm, dtype="<i2")
    spectrum = np.abs(np.fft.rfft(samples[: 24000 // 2]))
    assert np.fft.rfftfreq(24000 // 2, 1 / 24000)[spectrum.argmax()] == pytest.approx(220, abs=3)


class SentenceGateEngine(ToneEngine):
    """Yields the first sentence, then holds the rest until the test opens `gate`."""

    def __init__(self) -> None:
        super().__init__()
        self.held = threading.Event()
        self.gate = threading.Event()

    def synthesize(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        self.requests.append(request)
        for index, segment in enumerate(request.segments):
            if index == 1:
                self.held.set()
                if not self.gate.wait(timeout=20):
                    raise TimeoutError("the test never read the first sentence")
            samples = np.full(int(0.1 * len(segment) * self.sample_rate), 1000, dtype=np.int16)
            yield AudioChunk(samples, self.sample_rate)


def test_audio_streams_sentence_by_sentence_and_the_server_stays_responsive(live_server) -> None:
    engine = SentenceGateEngine()
    url = live_server(engines=engine_set(engine))
    with _client(url).audio.speech.with_streaming_response.create(
        model="tts-1", voice="demo", input=TWO_SENTENCES, response_format="wav"
    ) as response:
        chunks = response.iter_bytes()
        first = next(chunks)  # arrives while the second sentence is held back (else: the engine times out)
        assert engine.held.wait(timeout=10)
        running = httpx.get(f"{url}/running", timeout=5).json()
        assert running["running"] == 1
        engine.gate.set()
        data = first + b"".join(chunks)
    assert first[:4] == b"RIFF" and first[40:44] == b"\xff\xff\xff\xff"  # streamed WAV: length unknown
    audio, _ = sf.read(io.BytesIO(data), dtype="int16")
    assert len(audio) == _samples_at_16k(engine)


def test_sse_events_carry_the_audio_then_usage(live_server) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    with _client(url).audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="demo", input=TWO_SENTENCES, response_format="pcm", stream_format="sse"
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    *deltas, done = events
    assert deltas and all(event["type"] == "speech.audio.delta" for event in deltas)
    pcm = b"".join(base64.b64decode(event["audio"]) for event in deltas)
    assert len(pcm) == round(_samples_at_16k(engine) * 1.5) * 2
    assert done["type"] == "speech.audio.done"
    assert done["usage"]["input_tokens"] == len(TWO_SENTENCES)


def test_every_response_format_decodes(live_server) -> None:
    engine = ToneEngine()
    client = _client(live_server(engines=engine_set(engine)))
    for response_format, content_type in [
        ("mp3", "audio/mpeg"),
        ("opus", "audio/ogg; codecs=opus"),
        ("aac", "audio/aac"),
        ("flac", "audio/flac"),
        ("wav", "audio/wav"),
    ]:
        engine.requests.clear()
        raw = client.audio.speech.with_raw_response.create(
            model="tts-1", voice="demo", input="你好。", response_format=response_format
        )
        assert raw.headers["content-type"] == content_type
        audio, rate = _decode(raw.content)
        expected = _samples_at_16k(engine) / 16000
        assert expected <= len(audio) / rate < expected + 0.15, response_format


def _error(exc: openai.APIStatusError) -> dict:
    body = exc.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


def test_errors_have_openai_bodies(live_server) -> None:
    client = _client(live_server(engines=engine_set(ToneEngine())))
    with pytest.raises(openai.BadRequestError) as too_long:
        client.audio.speech.create(model="tts-1", voice="demo", input="好" * 4097)
    error = _error(too_long.value)
    assert error["type"] == "invalid_request_error" and error["param"] == "input"
    assert error["code"] == "string_above_max_length" and "4096" in error["message"]

    with pytest.raises(openai.BadRequestError) as unknown_voice:
        client.audio.speech.create(model="tts-1", voice="alloy", input="你好")
    error = _error(unknown_voice.value)
    assert error["param"] == "voice" and "alloy" in error["message"]
    assert "demo" in error["message"] and "other" in error["message"]  # the valid voices

    for change, param in [({"response_format": "mp4"}, "response_format"), ({"speed": 5.0}, "speed")]:
        with pytest.raises(openai.BadRequestError) as invalid:
            client.audio.speech.create(**{"model": "tts-1", "voice": "demo", "input": "你好", **change})
        assert _error(invalid.value)["param"] == param

    with pytest.raises(openai.BadRequestError) as server_limit:
        client.audio.speech.create(model="tts-1", voice="demo", input="好" * 2001)  # max_text_length 2000
    assert "2000" in _error(server_limit.value)["message"]


def test_formats_needing_pyav_answer_400_without_it(live_server, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(live_server(engines=engine_set(ToneEngine())))
    monkeypatch.setitem(sys.modules, "av", None)  # the server runs in this process
    with pytest.raises(openai.BadRequestError) as missing:
        client.audio.speech.create(model="tts-1", voice="demo", input="你好")
    error = _error(missing.value)
    assert error["param"] == "response_format" and "pip install 'emotts[formats]'" in error["message"]
    wav = client.audio.speech.create(model="tts-1", voice="demo", input="你好", response_format="wav")
    assert wav.content[:4] == b"RIFF"


def test_models_and_voices_are_listed(live_server) -> None:
    url = live_server(engines=engine_set(ToneEngine()))
    client = _client(url)
    assert {"tts-1", "gpt-4o-mini-tts", "emotts"} <= {model.id for model in client.models.list()}
    assert client.models.retrieve("tts-1").id == "tts-1"
    with pytest.raises(openai.NotFoundError) as unknown:
        client.models.retrieve("whisper-1")
    assert _error(unknown.value)["code"] == "model_not_found"
    voices = httpx.get(f"{url}/v1/audio/voices").json()
    assert voices["voices"] == ["demo", "other"]
    demo = voices["data"][0]
    assert demo["id"] == "demo" and set(demo["emotions"]) == {"中性", "愤怒", "高兴"}
