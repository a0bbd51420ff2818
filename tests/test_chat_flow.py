"""The chat-app flow end to end: client configured from the environment → server → WAV."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emotts.client import ClientConfigError, TTSClient, TTSServiceError


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("TTS_SERVICE_METHOD", raising=False)
    monkeypatch.delenv("TTS_SERVICE_URL_GPTSoVITS", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_chat_app_flow(live_server, clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = live_server()
    monkeypatch.setenv("TTS_SERVICE_METHOD", "gpt-sovits")
    monkeypatch.setenv("TTS_SERVICE_URL_GPTSoVITS", url)
    with TTSClient.from_env() as client:
        assert client.base_url == url
        assert client.running()
        assert [role["name"] for role in client.roles()] == ["demo", "other"]
        reply = client.speak("哼，你怎么又迟到了！", "demo")
        wav = client.tts("今天真是太开心了！", "demo")
    audio, rate = sf.read(io.BytesIO(reply.audio))
    assert rate == 22050  # the preview engine's rate
    assert reply.duration is not None and abs(len(audio) / rate - reply.duration) < 0.01
    assert reply.emotions == ["愤怒"] and reply.sources == ["classifier"]
    assert reply.references == ["demo/refAudio/愤怒/你怎么又迟到了.wav"]
    assert sf.info(io.BytesIO(wav)).duration > 0.4


def test_dotenv_file_configures_the_client_and_environment_wins(clean_env: Path, monkeypatch) -> None:
    (clean_env / ".env").write_text(
        "TTS_SERVICE_METHOD=GPT-SoVITS\nTTS_SERVICE_URL_GPTSoVITS=http://127.0.0.1:9999\n", encoding="utf-8"
    )
    assert TTSClient.from_env().base_url == "http://127.0.0.1:9999"
    monkeypatch.setenv("TTS_SERVICE_URL_GPTSoVITS", "http://127.0.0.1:7777/")
    assert TTSClient.from_env().base_url == "http://127.0.0.1:7777"


def test_default_url_when_nothing_is_configured(clean_env: Path) -> None:
    assert TTSClient.from_env().base_url == "http://127.0.0.1:9880"


def test_other_service_methods_are_refused_by_name(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("TTS_SERVICE_METHOD", "siliconflow")
    with pytest.raises(ClientConfigError) as error:
        TTSClient.from_env()
    assert "TTS_SERVICE_METHOD" in str(error.value) and "'GPT-SoVITS'" in str(error.value)


def test_server_errors_become_exceptions_with_the_message(live_server, clean_env: Path) -> None:
    client = TTSClient(live_server())
    with pytest.raises(TTSServiceError) as error:
        client.tts("你好", "nobody")
    assert error.value.status_code == 404 and "valid roles: demo, other" in error.value.message


def test_running_is_false_when_no_server_listens() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert TTSClient(f"http://127.0.0.1:{port}", connect_timeout=1).running() is False


def test_client_trims_silence_when_asked(live_server, clean_env: Path) -> None:
    url = live_server()
    plain = TTSClient(url).tts("你好，世界。", "demo")
    trimmed = TTSClient(url, trim_silence=True, silence_threshold_db=-50).tts("你好，世界。", "demo")
    before, after = sf.info(io.BytesIO(plain)).frames, sf.info(io.BytesIO(trimmed)).frames
    assert after <= before
    assert after >= 0.8 * before  # at most 10 % per side


def test_trim_ratio_above_ten_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="10 %"):
        TTSClient(max_trim_ratio=0.5)


def test_wav_samples_are_sixteen_bit(live_server) -> None:
    reply = TTSClient(live_server()).tts("你好。", "demo")
    assert sf.info(io.BytesIO(reply)).subtype == "PCM_16"
    assert np.frombuffer(reply[:4], dtype=np.uint8).tobytes() == b"RIFF"


def test_role_speech_leaves_the_pauses_to_the_pipeline(roles_dir) -> None:
    from emotts.engines.base import Reference
    from emotts.pipeline import SpeechInput, SpeechPipeline
    from emotts.roles.registry import RoleRegistry

    from fake_engines import ToneEngine, engine_set

    registry = RoleRegistry(roles_dir)
    registry.reload()
    pipeline = SpeechPipeline(registry=registry, engines=engine_set(ToneEngine()))
    role_plan = pipeline.plan(SpeechInput(text="你好。今天天气不错。", role="demo"))
    assert role_plan.params.fragment_interval == 0.0  # no engine silence on top of the sentence pause
    clip = Reference(roles_dir / "demo" / "ref.wav", "", "zh")
    explicit = pipeline.plan(SpeechInput(text="你好。", reference=clip, language="zh"))
    assert explicit.params.fragment_interval == 0.3  # api_v2 requests keep GPT-SoVITS's default
