"""The upstream engine: emotts picks role, emotion and clip, a GPT-SoVITS api_v2 server speaks. The upstream
here is a second emotts server that sees the roles folder under another path."""

from __future__ import annotations

import io
import shutil
import struct
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import httpx
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from emotts.cli import main
from emotts.engines.base import Reference, SynthesisParams, SynthesisRequest, VoiceModel
from emotts.engines.gptsovits.random_weights import WIDTHS, write_gpt, write_sovits
from emotts.engines.registry import EngineSet
from emotts.engines.upstream import PathMapping, UpstreamEngine, WavReader, remote_path
from emotts.errors import EmottsError, UpstreamError
from emotts.settings import Settings

from fake_engines import ToneEngine, engine_set
from role_folders import make_role


class Recorder(httpx.HTTPTransport):
    """A real HTTP transport that remembers each request's path and query."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.url.path, dict(request.url.params)))
        return super().handle_request(request)

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]


def _weights(folder: Path, seed: int) -> None:
    write_gpt(folder / "gpt.ckpt", "v2", WIDTHS["tiny"], seed)
    write_sovits(folder / "sovits.pth", "v2", WIDTHS["tiny"], seed)


@pytest.fixture
def mounted(roles_dir: Path, tmp_path: Path) -> Path:
    """The roles folder as the upstream sees it: a copy elsewhere (think docker volume), with weights."""
    make_role(roles_dir, "knight", {"愤怒": "站住"}, gpt="gpt.ckpt", sovits="sovits.pth")
    _weights(roles_dir / "knight", seed=1)
    make_role(roles_dir, "mage", gpt="gpt.ckpt", sovits="sovits.pth")
    _weights(roles_dir / "mage", seed=2)
    view = tmp_path / "mnt" / "roles"
    shutil.copytree(roles_dir, view)
    return view


def _front(
    live_server, upstream_url: str, roles_dir: Path, mounted: Path, **overrides
) -> tuple[str, Recorder]:
    recorder = Recorder()
    engine = UpstreamEngine(upstream_url, [f"{roles_dir}={mounted}"], timeout=30, transport=recorder)
    url = live_server(engines=EngineSet({"upstream": lambda: engine}), engine="upstream")
    return url, recorder


def test_roles_speak_through_the_upstream_with_mapped_paths_and_their_weights(
    live_server, roles_dir: Path, mounted: Path
) -> None:
    voice = ToneEngine()
    upstream = live_server(engines=engine_set(voice), roles_dir=mounted)
    front, recorder = _front(live_server, upstream, roles_dir, mounted)

    angry = httpx.post(f"{front}/tts", json={"text": "站住！你给我站住！", "role": "knight"}, timeout=30)
    assert angry.status_code == 200, angry.text
    audio, rate = sf.read(io.BytesIO(angry.content), dtype="int16")
    assert rate == ToneEngine.sample_rate and len(audio) > rate  # the upstream's audio, at its rate
    assert unquote(angry.headers["X-Emotion"]) == "愤怒,愤怒"  # one emotion per sentence
    spoken = voice.requests[-1]
    # the emotion's clip, under the path the upstream sees, with its transcript
    assert spoken.reference.audio_path == (mounted / "knight" / "refAudio" / "愤怒" / "站住.wav").resolve()
    assert spoken.reference.text == "站住" and spoken.reference.language == "zh"
    # the upstream's default weights were switched to the role's, under the upstream's path
    assert spoken.voice == VoiceModel(
        (mounted / "knight" / "gpt.ckpt").resolve(), (mounted / "knight" / "sovits.pth").resolve()
    )
    switches = [call for call in recorder.calls if call[0].startswith("/set_")]
    assert switches == [
        ("/set_gpt_weights", {"weights_path": f"{mounted}/knight/gpt.ckpt"}),
        ("/set_sovits_weights", {"weights_path": f"{mounted}/knight/sovits.pth"}),
    ]

    # the same role again: no switch; a role without weights: none either; another role's weights: switch
    assert httpx.post(f"{front}/tts", json={"text": "好的。", "role": "knight"}).status_code == 200
    assert httpx.post(f"{front}/tts", json={"text": "我好难过。", "role": "other"}).status_code == 200
    assert voice.requests[-1].reference.audio_path.is_relative_to(mounted.resolve())
    assert recorder.paths().count("/set_gpt_weights") == 1
    assert httpx.post(f"{front}/tts", json={"text": "火球术！", "role": "mage"}).status_code == 200
    assert recorder.paths().count("/set_gpt_weights") == 2
    assert recorder.calls[-2] == ("/set_sovits_weights", {"weights_path": f"{mounted}/mage/sovits.pth"})
    assert voice.requests[-1].voice.gpt_path == (mounted / "mage" / "gpt.ckpt").resolve()


def test_without_the_path_map_the_upstream_refuses_and_the_client_gets_a_502(
    live_server, roles_dir: Path, mounted: Path
) -> None:
    upstream = live_server(engines=engine_set(ToneEngine()), roles_dir=mounted)
    engine = UpstreamEngine(upstream, timeout=30)  # the upstream cannot see our roles folder
    front = live_server(engines=EngineSet({"upstream": lambda: engine}), engine="upstream")
    response = httpx.post(f"{front}/tts", json={"text": "你好。", "role": "other"})
    assert response.status_code == 502
    message = response.json()["message"]
    assert message.startswith(f"upstream {upstream} answered 403")
    assert "ref_audio_path" in message
    assert httpx.get(f"{front}/running").status_code == 200  # still serving


def test_streaming_reaches_the_client_chunk_by_chunk(live_server, roles_dir: Path, mounted: Path) -> None:
    voice = ToneEngine()
    upstream = live_server(engines=engine_set(voice), roles_dir=mounted)
    front, _ = _front(live_server, upstream, roles_dir, mounted)
    body = {"text": "第一句话。第二句话更长一些。", "text_lang": "zh", "role": "other", "streaming_mode": 1}
    with httpx.stream("POST", f"{front}/tts", json=body, timeout=30) as response:
        assert response.status_code == 200
        chunks = list(response.iter_raw())
    data = b"".join(chunks)
    assert data[:4] == b"RIFF" and struct.unpack_from("<I", data, 40)[0] == 0xFFFFFFFF
    assert len(data) > 44 + 2 * ToneEngine.sample_rate  # both sentences' audio came through
    assert voice.requests[-1].params.streaming_mode == 1  # the upstream was asked to stream too


def test_an_unreachable_upstream_is_a_502_and_the_server_keeps_serving(live_server, roles_dir: Path) -> None:
    with socketless_port() as port:
        engine = UpstreamEngine(f"http://127.0.0.1:{port}", timeout=5)
        front = live_server(engines=EngineSet({"upstream": lambda: engine}), engine="upstream")
        response = httpx.post(f"{front}/tts", json={"text": "你好。", "role": "demo"})
    assert response.status_code == 502
    assert response.json()["message"].startswith(
        f"cannot reach the upstream GPT-SoVITS server at {engine.url}"
    )
    assert httpx.get(f"{front}/running").status_code == 200


class socketless_port:  # noqa: N801 - used as a context manager like a function
    """A loopback port with nothing listening (bound, never listened on, while in use)."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return self._sock.getsockname()[1]

    def __exit__(self, *_: object) -> None:
        self._sock.close()


def _wav(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def _request(roles_dir: Path, text: str = "你好。", mode: int = 0, voice: VoiceModel | None = None):
    reference = Reference(roles_dir / "demo" / "ref.wav", "你好，我是测试角色。", "zh")
    return SynthesisRequest(
        (text,), "zh", reference, "中性", SynthesisParams(streaming_mode=mode), voice or VoiceModel()
    )


@pytest.mark.parametrize("mode", [0, 1])
def test_api_v2_failure_answer_one_second_of_16khz_silence_is_an_error(roles_dir: Path, mode: int) -> None:
    silence = _wav(np.zeros(16000, dtype=np.int16), 16000)
    engine = UpstreamEngine(
        "http://upstream", transport=httpx.MockTransport(lambda _: httpx.Response(200, content=silence))
    )
    with pytest.raises(UpstreamError, match="one second of silence"):
        list(engine.synthesize(_request(roles_dir, mode=mode)))


def test_real_silence_of_another_length_or_rate_is_audio(roles_dir: Path) -> None:
    for samples, rate in [(np.zeros(8000, np.int16), 16000), (np.zeros(32000, np.int16), 32000)]:
        wav = _wav(samples, rate)
        engine = UpstreamEngine(
            "http://upstream",
            transport=httpx.MockTransport(lambda _, wav=wav: httpx.Response(200, content=wav)),
        )
        (chunk,) = engine.synthesize(_request(roles_dir))
        assert chunk.sample_rate == rate and len(chunk.samples) == len(samples) and chunk.segment_end


def test_a_failed_weight_switch_is_an_error_and_is_retried_next_time(roles_dir: Path) -> None:
    calls: list[str] = []
    answers = iter(
        [httpx.Response(400, json={"message": "change gpt weight failed", "Exception": "bad file"})]
    )
    tone = _wav((np.sin(np.arange(16000) / 10) * 3000).astype(np.int16), 32000)

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/set_gpt_weights":
            return next(answers, httpx.Response(200, json={"message": "success"}))
        return httpx.Response(200, content=tone)

    engine = UpstreamEngine("http://upstream", transport=httpx.MockTransport(handle))
    voice = VoiceModel(roles_dir / "demo" / "gpt.ckpt", None)
    with pytest.raises(
        UpstreamError, match=r"could not load gpt weights .*change gpt weight failed: bad file"
    ):
        list(engine.synthesize(_request(roles_dir, voice=voice)))
    assert calls == ["/set_gpt_weights"]  # nothing was spoken with the wrong weights
    assert len(list(engine.synthesize(_request(roles_dir, voice=voice)))) == 1
    list(engine.synthesize(_request(roles_dir, voice=voice)))
    assert calls == ["/set_gpt_weights", "/set_gpt_weights", "/tts", "/tts"]


def test_one_request_at_a_time_per_upstream(roles_dir: Path) -> None:
    active, peak, lock = [0], [0], threading.Lock()
    tone = _wav(np.full(800, 1000, dtype=np.int16), 32000)

    def handle(_: httpx.Request) -> httpx.Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return httpx.Response(200, content=tone)

    engine = UpstreamEngine("http://upstream", transport=httpx.MockTransport(handle))
    threads = [
        threading.Thread(target=lambda: list(engine.synthesize(_request(roles_dir)))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 1


def test_path_mapping_uses_the_longest_prefix_and_posix_joins() -> None:
    maps = [PathMapping.parse("/srv/roles=/data/roles"), PathMapping.parse("/srv/roles/big=D:/voices")]
    assert remote_path(Path("/srv/roles/demo/ref.wav"), maps) == "/data/roles/demo/ref.wav"
    assert remote_path(Path("/srv/roles/big/a b/clip.wav"), maps) == "D:/voices/a b/clip.wav"
    assert remote_path(Path("/srv/roles"), maps) == "/data/roles"
    assert remote_path(Path("/elsewhere/x.wav"), maps) == "/elsewhere/x.wav"  # unmapped: as it is
    for bad in ["/srv/roles", "=/data", "/srv= "]:
        with pytest.raises(EmottsError, match="is not LOCAL=REMOTE"):
            PathMapping.parse(bad)


def test_wav_reader_takes_bytes_in_any_pieces() -> None:
    stereo = np.stack([np.arange(100, dtype=np.int16), -np.arange(100, dtype=np.int16)], axis=1)
    buffer = io.BytesIO()
    sf.write(buffer, stereo, 24000, format="WAV", subtype="PCM_16")
    data = buffer.getvalue()
    # a LIST chunk before the data chunk, as some writers add
    data = data[:36] + b"LIST" + struct.pack("<I", 5) + b"abcde\x00" + data[36:]
    reader = WavReader()
    got = np.concatenate([reader.feed(data[i : i + 3]) for i in range(0, len(data), 3)])
    assert reader.sample_rate == 24000 and np.array_equal(got, np.zeros(100, np.int16))
    with pytest.raises(UpstreamError, match="not a WAV"):
        WavReader().feed(b"ID3" + bytes(20))
    float_wav = io.BytesIO()
    sf.write(float_wav, np.zeros(10, np.float32), 16000, format="WAV", subtype="FLOAT")
    with pytest.raises(UpstreamError, match="not 16-bit PCM"):
        WavReader().feed(float_wav.getvalue())


def test_the_engine_needs_a_url() -> None:
    with pytest.raises(EmottsError, match="--upstream URL"):
        EngineSet(settings=Settings(engine="upstream")).get("upstream")


def test_say_with_upstream_alone_speaks_through_a_real_emotts_upstream(
    live_server, roles_dir: Path, mounted: Path, tmp_path: Path
) -> None:
    upstream = live_server(roles_dir=mounted)  # the real preview engine
    out = tmp_path / "out.wav"
    result = CliRunner().invoke(
        main,
        ["say", "太好了我们出发吧！", "--role", "demo", "--emotion", "高兴", "--roles", str(roles_dir),
         "-o", str(out), "--upstream", upstream, "--upstream-map", f"{roles_dir}={mounted}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    audio, rate = sf.read(out, dtype="int16")
    assert len(audio) > rate // 2 and np.abs(audio).max() > 100
    assert "demo/refAudio/高兴/" in result.output
