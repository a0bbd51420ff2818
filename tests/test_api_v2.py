"""GPT-SoVITS api_v2 on emotts: /tts in GET and POST form with api_v2's parameters, validation order and error
bodies, path confinement, /set_*_weights, /set_refer_audio and /control, against a real server."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import numpy as np
import pytest

from emotts.errors import SynthesisError

from fake_engines import ToneEngine, engine_set
from gsv_fixtures import FIXTURES, needs_fixtures
from role_folders import write_wav

API_V2 = {"text": "你好，世界。", "text_lang": "zh", "ref_audio_path": "demo/ref.wav", "prompt_lang": "zh"}


def test_get_and_post_speak_with_the_named_clip(live_server, roles_dir: Path) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    got = httpx.get(f"{url}/tts", params={**API_V2, "prompt_text": "参考文本", "top_k": 5})
    posted = httpx.post(f"{url}/tts", json={**API_V2, "text_lang": "ZH", "speed_factor": 1.25, "seed": 7})
    for response in (got, posted):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "audio/wav"
        assert response.content[:4] == b"RIFF"
    first, second = engine.requests
    assert first.reference.audio_path == (roles_dir / "demo" / "ref.wav").resolve()
    assert first.reference.text == "参考文本" and first.reference.language == "zh"
    assert first.params.top_k == 5 and first.params.split_method == "cut5"
    assert first.params.seed is None  # api_v2's -1 / unset: random
    assert second.language == "zh"  # languages are case-insensitive
    assert second.params.speed == 1.25 and second.params.seed == 7
    assert second.reference.text == ""  # no prompt_text: reference-free


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ref_audio_path": None}, "ref_audio_path is required"),
        ({"text": None}, "text is required"),
        ({"text_lang": None}, "text_lang is required"),
        ({"text_lang": "fr"}, "text_lang: fr is not supported"),
        ({"prompt_lang": None}, "prompt_lang is required"),
        ({"prompt_lang": "xx"}, "prompt_lang: xx is not supported"),
        ({"media_type": "mp4"}, "media_type: mp4 is not supported"),
        ({"text_split_method": "cut9"}, "text_split_method:cut9 is not supported"),
        ({"streaming_mode": 5}, "the value of streaming_mode must be 0, 1, 2, 3(int) or true/false(bool)"),
        ({"ref_audio_path": "demo/missing.wav"}, "ref_audio_path: demo/missing.wav does not exist"),
    ],
)
def test_bad_requests_get_api_v2_messages_in_api_v2_order(live_server, change: dict, message: str) -> None:
    url = live_server(engines=engine_set(ToneEngine()))
    body = {key: value for key, value in {**API_V2, **change}.items() if value is not None}
    response = httpx.post(f"{url}/tts", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(message)
    # the earlier checks win: with no text as well, a missing reference is still what is reported first
    if "ref_audio_path" in change and change["ref_audio_path"] is None:
        body.pop("text")
        assert httpx.get(f"{url}/tts", params=body).json()["message"] == message


def test_paths_outside_the_allowed_folders_are_forbidden(live_server, roles_dir: Path) -> None:
    outside = write_wav(roles_dir.parent / "outside.wav")
    url = live_server(engines=engine_set(ToneEngine()))
    for field, value in [
        ("ref_audio_path", str(outside)),
        ("ref_audio_path", "../outside.wav"),
        ("ref_audio_path", "/etc/passwd"),
        ("aux_ref_audio_paths", [str(outside)]),
    ]:
        response = httpx.post(f"{url}/tts", json={**API_V2, field: value})
        assert response.status_code == 403, (field, value)
        assert "outside the folders" in response.json()["message"]
        assert str(roles_dir) not in response.text
    # a path no file system accepts is the client's error, not a crash
    nul = httpx.post(f"{url}/tts", json={**API_V2, "ref_audio_path": "demo/ref\u0000.wav"})
    assert nul.status_code == 400 and nul.json()["message"] == "ref_audio_path contains a NUL character"
    weights = httpx.get(f"{url}/set_gpt_weights", params={"weights_path": "a\x00b"})
    assert weights.status_code == 400 and "NUL" in weights.json()["Exception"]


def test_aux_clips_and_a_role_with_an_explicit_clip(live_server, roles_dir: Path) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    aux = "other/ref.wav"
    response = httpx.post(f"{url}/tts", json={**API_V2, "aux_ref_audio_paths": [aux], "batch_size": 2})
    assert response.status_code == 200
    with_role = httpx.post(f"{url}/tts", json={"text": "气死我了！", "role": "demo", "ref_audio_path": aux})
    assert with_role.status_code == 200 and with_role.headers["x-role"] == "demo"
    plain, role = engine.requests
    assert plain.reference.aux_audio_paths == ((roles_dir / "other" / "ref.wav").resolve(),)
    assert plain.params.batch_size == 2
    assert role.reference.audio_path == (roles_dir / "other" / "ref.wav").resolve()
    assert role.emotion == "愤怒"


def test_a_failed_synthesis_is_a_json_error_not_a_second_of_silence(live_server) -> None:
    url = live_server(engines=engine_set(ToneEngine(fail_with=SynthesisError("the model blew up"))))
    response = httpx.post(f"{url}/tts", json=API_V2)
    assert response.status_code == 500
    assert response.json()["message"] == "the model blew up"
    assert httpx.get(f"{url}/running").status_code == 200


def test_set_refer_audio_makes_the_reference_optional(live_server, roles_dir: Path) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    body = {key: value for key, value in API_V2.items() if key != "ref_audio_path"}
    assert httpx.post(f"{url}/tts", json=body).json()["message"] == "ref_audio_path is required"
    assert httpx.get(f"{url}/set_refer_audio").status_code == 400
    assert httpx.get(f"{url}/set_refer_audio", params={"refer_audio_path": "/etc/passwd"}).status_code == 403
    answer = httpx.get(f"{url}/set_refer_audio", params={"refer_audio_path": "other/ref.wav"})
    assert answer.status_code == 200 and answer.json() == {"message": "success"}
    response = httpx.post(f"{url}/tts", json={**body, "prompt_text": "我好难过"})
    assert response.status_code == 200
    assert engine.requests[-1].reference.audio_path == (roles_dir / "other" / "ref.wav").resolve()
    assert engine.requests[-1].reference.text == "我好难过"


def test_weight_paths_are_checked_before_switching(live_server, roles_dir: Path) -> None:
    (roles_dir / "demo" / "fake.ckpt").write_bytes(b"not a checkpoint")
    url = live_server(engines=engine_set(ToneEngine()))
    missing = httpx.get(f"{url}/set_gpt_weights")
    assert missing.status_code == 400 and missing.json() == {"message": "gpt weight path is required"}
    assert httpx.get(f"{url}/set_sovits_weights").json() == {"message": "sovits weight path is required"}
    outside = httpx.get(f"{url}/set_gpt_weights", params={"weights_path": "/etc/passwd"})
    assert outside.status_code == 403
    broken = httpx.get(f"{url}/set_gpt_weights", params={"weights_path": "demo/fake.ckpt"})
    assert broken.status_code == 400
    assert broken.json()["message"] == "change gpt weight failed"
    assert "fake.ckpt" in broken.json()["Exception"] and str(roles_dir) not in broken.text


@needs_fixtures
def test_switching_weights_applies_to_new_requests_only(live_server) -> None:
    gate = threading.Event()
    engine = ToneEngine(gate=gate)
    models = FIXTURES / "models"
    url = live_server(engines=engine_set(engine), model_dirs=[models], workers=2)
    wrong_kind = httpx.get(f"{url}/set_gpt_weights", params={"weights_path": "v2/sovits.pth"})
    assert wrong_kind.status_code == 400 and "is a sovits file" in wrong_kind.json()["Exception"]

    results: list[httpx.Response] = []
    running = threading.Thread(
        target=lambda: results.append(httpx.post(f"{url}/tts", json=API_V2, timeout=30))
    )
    running.start()
    while not engine.requests:
        threading.Event().wait(0.01)
    for kind, name in [("gpt", "gpt.ckpt"), ("sovits", "sovits.pth")]:
        switched = httpx.get(f"{url}/set_{kind}_weights", params={"weights_path": f"v2/{name}"})
        assert switched.status_code == 200, switched.text
    gate.set()
    running.join()
    assert results[0].status_code == 200
    assert httpx.post(f"{url}/tts", json=API_V2).status_code == 200
    before, after = engine.requests
    assert before.voice.gpt_path is None and before.voice.sovits_path is None
    assert after.voice.gpt_path == (models / "v2" / "gpt.ckpt").resolve()
    assert after.voice.sovits_path == (models / "v2" / "sovits.pth").resolve()


def test_control_is_forbidden_unless_enabled(live_server) -> None:
    closed = live_server(engines=engine_set(ToneEngine()))
    assert httpx.get(f"{closed}/control", params={"command": "exit"}).status_code == 403
    assert httpx.post(f"{closed}/control", params={"command": "exit"}).status_code == 403
    opened = live_server(engines=engine_set(ToneEngine()), allow_control=True)
    assert httpx.get(f"{opened}/control").json() == {"message": "command is required"}
    unknown = httpx.post(f"{opened}/control", params={"command": "reboot"})
    assert unknown.status_code == 400 and "restart, exit" in unknown.json()["message"]


def test_streaming_mode_1_sends_a_wav_header_then_pcm(live_server) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    body = {**API_V2, "text": "第一句话很长。第二句。", "streaming_mode": 1, "text_split_method": "cut0"}
    with httpx.stream("POST", f"{url}/tts", json=body) as response:
        assert response.status_code == 200
        data = b"".join(response.iter_bytes())
    assert data[:4] == b"RIFF" and data[8:16] == b"WAVEfmt "
    assert int.from_bytes(data[24:28], "little") == engine.sample_rate
    pcm = np.frombuffer(data[44:], dtype="<i2")
    assert len(pcm) > 0 and np.abs(pcm).max() > 1000


def test_raw_output_can_be_resampled(live_server) -> None:
    url = live_server(engines=engine_set(ToneEngine()))
    native = httpx.post(f"{url}/tts", json={**API_V2, "media_type": "raw"})
    resampled = httpx.post(f"{url}/tts", json={**API_V2, "media_type": "raw", "sample_rate": 8000})
    assert native.status_code == resampled.status_code == 200
    assert resampled.headers["x-sample-rate"] == "8000"
    assert abs(len(resampled.content) * 2 - len(native.content)) <= 8  # 16 kHz → 8 kHz halves it
