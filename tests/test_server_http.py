"""The HTTP API through a real uvicorn on loopback."""

from __future__ import annotations

import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import soundfile as sf

from conftest import DEMO_CLIPS
from fake_engines import ToneEngine, engine_set
from role_folders import make_role


def _header(response: httpx.Response, name: str) -> list[str]:
    return [unquote(value) for value in response.headers[name].split(",")]


def test_tts_speaks_angry_text_with_the_angry_clip(live_server) -> None:
    url = live_server()
    response = httpx.post(
        f"{url}/tts", json={"text": "哼，你怎么又迟到了！", "role": "demo", "temperature": 1}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    audio, rate = sf.read(io.BytesIO(response.content))
    assert rate == int(response.headers["X-Sample-Rate"])
    assert len(audio) / rate > 0.4
    assert abs(audio).max() > 0.05  # audible
    assert _header(response, "X-Emotion") == ["愤怒"]
    assert _header(response, "X-Emotion-Source") == ["classifier"]
    assert _header(response, "X-Reference") == ["demo/refAudio/愤怒/你怎么又迟到了.wav"]


def test_request_emotion_beats_tags_and_classifier(live_server) -> None:
    url = live_server()
    response = httpx.post(
        f"{url}/tts", json={"text": "[sad]哼，你怎么又迟到了！", "role": "demo", "emotion": "happy"}
    )
    assert response.status_code == 200
    assert _header(response, "X-Emotion") == ["高兴"]
    assert _header(response, "X-Emotion-Source") == ["request"]
    assert _header(response, "X-Reference") == ["demo/refAudio/高兴/太好了我们出发吧.wav"]


def test_tag_sets_emotion_and_missing_clip_falls_back_to_neutral(live_server) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    response = httpx.post(f"{url}/tts", json={"text": "[sad]我把钥匙弄丢了。", "role": "demo"})
    assert response.status_code == 200
    assert _header(response, "X-Emotion") == ["悲伤"]
    assert _header(response, "X-Emotion-Source") == ["tag"]
    assert _header(response, "X-Reference") == ["demo/refAudio/中性/今天天气不错。.wav"]
    assert engine.requests[0].segments == ("我把钥匙弄丢了。",)  # the tag is not spoken


def test_each_sentence_gets_its_own_emotion_and_clip(live_server) -> None:
    engine = ToneEngine()
    url = live_server(engines=engine_set(engine))
    response = httpx.post(f"{url}/tts", json={"text": "(happy)太好了！<angry>你又迟到了！", "role": "demo"})
    assert response.status_code == 200
    assert _header(response, "X-Emotion") == ["高兴", "愤怒"]
    assert [request.reference.text for request in engine.requests] == ["太好了我们出发吧", "你怎么又迟到了"]
    audio, rate = sf.read(io.BytesIO(response.content))
    spoken = sum(0.1 * len(segment) for request in engine.requests for segment in request.segments)
    assert abs(len(audio) / rate - (spoken + 0.25)) < 0.01  # the parts plus one sentence pause


def test_raw_media_type_is_bare_pcm(live_server) -> None:
    url = live_server(engines=engine_set(ToneEngine()))
    response = httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo", "media_type": "raw"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/raw"
    assert response.headers["X-Sample-Rate"] == "16000"
    assert len(response.content) == 2 * int(0.2 * 16000)


def test_unknown_role_is_404_listing_valid_roles(live_server) -> None:
    url = live_server()
    response = httpx.post(f"{url}/tts", json={"text": "你好", "role": "nobody"})
    assert response.status_code == 404
    body = response.json()
    assert "nobody" in body["message"] and "demo" in body["message"] and "other" in body["message"]
    assert body["detail"]["valid"] == ["demo", "other"]


def test_role_names_cannot_leave_the_roles_folder(live_server, roles_dir: Path) -> None:
    make_role(roles_dir.parent, "outside", DEMO_CLIPS)  # a valid role folder next to the roles root
    url = live_server()
    for name in [
        "../outside",
        "..",
        "/etc",
        "demo/../demo",
        "..\\outside",
        str(roles_dir.parent / "outside"),
    ]:
        response = httpx.post(f"{url}/tts", json={"text": "你好", "role": name})
        assert response.status_code == 404, name
        assert "valid roles" in response.json()["message"]
        assert httpx.get(f"{url}/roles/{quote(name, safe='')}").status_code == 404


def test_bad_text_is_rejected_with_a_json_message(live_server) -> None:
    url = live_server(max_text_length=20)
    empty = httpx.post(f"{url}/tts", json={"text": "   ", "role": "demo"})
    assert empty.status_code == 400 and empty.json()["message"] == "text is required"
    long = httpx.post(f"{url}/tts", json={"text": "好" * 21, "role": "demo"})
    assert long.status_code == 400 and "limit is 20" in long.json()["message"]
    tags_only = httpx.post(f"{url}/tts", json={"text": "[happy]", "role": "demo"})
    assert tags_only.status_code == 400


def test_bad_fields_are_422_with_message_and_detail(live_server) -> None:
    url = live_server()
    response = httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo", "temperature": "hot"})
    assert response.status_code == 422
    body = response.json()
    assert "temperature" in body["message"]
    assert body["detail"][0]["loc"] == ["body", "temperature"]
    no_role = httpx.post(f"{url}/tts", json={"text": "你好"})  # neither a role nor an api_v2 reference
    assert no_role.status_code == 400 and no_role.json()["message"] == "ref_audio_path is required"
    assert (
        httpx.post(
            f"{url}/tts", content=b"not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_unknown_emotion_and_language_list_the_valid_ones(live_server) -> None:
    url = live_server()
    emotion = httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo", "emotion": "grumpy"})
    assert emotion.status_code == 400
    assert "grumpy" in emotion.json()["message"] and "愤怒 (angry)" in emotion.json()["message"]
    language = httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo", "text_lang": "fr"})
    assert language.status_code == 400
    assert "text_lang: fr" in language.json()["message"] and "yue" in language.json()["detail"]["valid"]


def test_running_roles_and_emotion_routes(live_server) -> None:
    url = live_server()
    running = httpx.get(f"{url}/running").json()
    assert running["message"] == "GPT-SoVITS is running" and running["roles"] == 2
    roles = httpx.get(f"{url}/roles").json()["roles"]
    assert [role["name"] for role in roles] == ["demo", "other"]
    demo = httpx.get(f"{url}/roles/demo").json()
    assert set(demo["emotions"]) == {"中性", "愤怒", "高兴"}
    assert "悲伤" in demo["missing_emotions"]
    assert {clip["path"] for clip in demo["clip_list"]} >= {"demo/refAudio/愤怒/你怎么又迟到了.wav"}
    assert demo["config"]["ref_audio"] == "ref.wav"
    analysed = httpx.post(f"{url}/emotion", json={"text": "今天真是太开心了！哼，你怎么又迟到了！"}).json()
    assert analysed["classifier"] == "builtin"
    assert [s["emotion"] for s in analysed["sentences"]] == ["高兴", "愤怒"]
    assert analysed["sentences"][1]["emotion_id"] == 2 and analysed["sentences"][1]["emotion_en"] == "angry"
    assert abs(sum(analysed["sentences"][0]["scores"].values()) - 1) < 1e-3


def test_running_answers_while_twenty_requests_synthesize(live_server) -> None:
    gate = threading.Event()
    url = live_server(engines=engine_set(ToneEngine(gate)), workers=2, queue_size=20)

    def post(index: int) -> httpx.Response:
        return httpx.post(f"{url}/tts", json={"text": f"第{index}句话", "role": "demo"}, timeout=60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(post, index) for index in range(20)]
        deadline = time.monotonic() + 30
        while True:  # every synthesis is held at the gate, yet /running keeps answering
            state = httpx.get(f"{url}/running", timeout=5).json()
            if state["running"] == 2 and state["waiting"] == 18:
                break
            assert time.monotonic() < deadline, state
            time.sleep(0.05)
        gate.set()
        responses = [future.result() for future in futures]
    assert [response.status_code for response in responses] == [200] * 20
    assert httpx.get(f"{url}/running").json()["running"] == 0


def test_full_queue_answers_503_with_retry_after(live_server) -> None:
    gate = threading.Event()
    url = live_server(engines=engine_set(ToneEngine(gate)), workers=1, queue_size=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = [
            pool.submit(httpx.post, f"{url}/tts", json={"text": "你好", "role": "demo"}, timeout=60)
            for _ in "ab"
        ]
        deadline = time.monotonic() + 30
        while httpx.get(f"{url}/running").json()["waiting"] != 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        refused = httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo"})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        assert "busy" in refused.json()["message"]
        gate.set()
        assert [future.result().status_code for future in held] == [200, 200]


def test_engine_failure_is_500_without_traceback_and_server_keeps_serving(live_server) -> None:
    url = live_server(engines=engine_set(ToneEngine(fail_with=RuntimeError("secret internals"))))
    response = httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo"})
    assert response.status_code == 500
    body = response.json()
    assert body["message"] == "internal error; see the server log"
    assert "Traceback" not in response.text and "secret internals" not in response.text
    assert httpx.get(f"{url}/running").status_code == 200


def test_reload_picks_up_new_roles_and_keeps_last_good_version(live_server, roles_dir: Path) -> None:
    url = live_server(engines=engine_set(ToneEngine()))
    make_role(roles_dir, "newcomer", DEMO_CLIPS)
    (roles_dir / "demo" / "config.json").write_text('{"ref_audio": "ref.wav", "ref_', encoding="utf-8")
    names = [role["name"] for role in httpx.post(f"{url}/roles/reload").json()["roles"]]
    assert "newcomer" in names
    demo = httpx.get(f"{url}/roles/demo").json()
    assert demo["ok"] and demo["stale"]
    assert "config.json:1:" in demo["error"]
    assert httpx.post(f"{url}/tts", json={"text": "你好", "role": "demo"}).status_code == 200


def test_role_folder_changes_reload_automatically(live_server, roles_dir: Path) -> None:
    url = live_server(engines=engine_set(ToneEngine()), watch_roles=True)
    time.sleep(0.5)  # let the watcher start
    make_role(roles_dir, "watched", DEMO_CLIPS)
    deadline = time.monotonic() + 15
    while "watched" not in [role["name"] for role in httpx.get(f"{url}/roles").json()["roles"]]:
        assert time.monotonic() < deadline, "the watcher did not reload the roles"
        time.sleep(0.1)
    config = json.loads((roles_dir / "watched" / "config.json").read_text(encoding="utf-8"))
    config["ref_text"] = "改过的文本。"
    (roles_dir / "watched" / "config.json").write_text(
        json.dumps(config, ensure_ascii=False), encoding="utf-8"
    )
    while httpx.get(f"{url}/roles/watched").json()["default_reference"]["text"] != "改过的文本。":
        assert time.monotonic() < deadline, "the watcher did not reload the changed config"
        time.sleep(0.1)
