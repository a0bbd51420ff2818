from __future__ import annotations

import threading
from pathlib import Path

from emotts.engines.base import Reference
from emotts.roles.model import ReferenceClip, Role, RoleConfig
from emotts.roles.selection import ClipSelector

DEFAULT = Reference(Path("/roles/r/ref.wav"), "默认", "zh")


def clip(emotion: str, name: str) -> ReferenceClip:
    return ReferenceClip(Reference(Path(f"/roles/r/refAudio/{emotion}/{name}.wav"), name, "zh"), emotion)


def role(clips: dict[str, list[str]], name: str = "r", **config: object) -> Role:
    return Role(
        name=name,
        folder=Path(f"/roles/{name}"),
        config=RoleConfig(ref_audio="ref.wav", ref_text="默认", ref_lang="zh", **config),
        default_reference=DEFAULT,
        clips={emotion: tuple(clip(emotion, n) for n in names) for emotion, names in clips.items()},
    )


def picks(selector: ClipSelector, r: Role, emotion: str, times: int) -> list[str]:
    return [selector.choose(r, emotion).reference.text for _ in range(times)]


def test_requested_emotion_is_used() -> None:
    choice = ClipSelector().choose(role({"愤怒": ["a", "b"], "中性": ["n"]}), "愤怒")
    assert (choice.reference.text, choice.emotion, choice.clip_emotion, choice.fallback) == (
        "a",
        "愤怒",
        "愤怒",
        False,
    )


def test_alias_of_an_emotion_finds_its_clips() -> None:
    choice = ClipSelector().choose(role({"愤怒": ["a"]}), "angry")
    assert (choice.emotion, choice.clip_emotion, choice.fallback) == ("angry", "愤怒", False)


def test_falls_back_to_neutral_then_to_the_default_reference() -> None:
    selector = ClipSelector()
    choice = selector.choose(role({"中性": ["n"]}), "悲伤")
    assert (choice.reference.text, choice.clip_emotion, choice.fallback) == ("n", "中性", True)
    choice = selector.choose(role({"愤怒": ["a"]}), "悲伤")
    assert (choice.reference, choice.emotion, choice.clip_emotion, choice.fallback) == (
        DEFAULT,
        "悲伤",
        None,
        True,
    )
    choice = selector.choose(role({}), "中性")
    assert (choice.reference, choice.clip_emotion, choice.fallback) == (DEFAULT, None, True)


def test_first_policy_always_takes_the_first_clip() -> None:
    assert picks(ClipSelector("first"), role({"高兴": ["a", "b", "c"]}), "高兴", 4) == ["a"] * 4


def test_round_robin_cycles_per_role_and_emotion() -> None:
    selector = ClipSelector("round_robin")
    r = role({"高兴": ["a", "b", "c"], "悲伤": ["x", "y"]})
    other = role({"高兴": ["a", "b", "c"]}, name="other")
    assert picks(selector, r, "高兴", 2) == ["a", "b"]
    assert picks(selector, r, "悲伤", 3) == ["x", "y", "x"]
    assert picks(selector, other, "高兴", 1) == ["a"]
    assert picks(selector, r, "高兴", 3) == ["c", "a", "b"]


def test_round_robin_is_thread_safe() -> None:
    selector = ClipSelector("round_robin")
    r = role({"高兴": ["a", "b", "c", "d"]})
    seen: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = picks(selector, r, "高兴", 100)
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {text: seen.count(text) for text in "abcd"} == dict.fromkeys("abcd", 200)


def test_random_is_reproducible_with_a_seed() -> None:
    r = role({"高兴": [str(n) for n in range(10)]})
    first = picks(ClipSelector("random", seed=7), r, "高兴", 20)
    assert first == picks(ClipSelector("random", seed=7), r, "高兴", 20)
    assert first != picks(ClipSelector("random", seed=8), r, "高兴", 20)
    assert len(set(first)) > 1


def test_random_picks_of_one_emotion_ignore_other_emotions() -> None:
    r = role({"高兴": [str(n) for n in range(10)], "悲伤": ["x", "y"]})
    plain = picks(ClipSelector("random", seed=1), r, "高兴", 10)
    selector = ClipSelector("random", seed=1)
    mixed = []
    for _ in range(10):
        selector.choose(r, "悲伤")
        mixed += picks(selector, r, "高兴", 1)
    assert mixed == plain


def test_role_policy_and_seed_override_the_selector() -> None:
    clips = {"高兴": [str(n) for n in range(10)]}
    assert picks(ClipSelector("random", seed=3), role(clips, clip_policy="first"), "高兴", 3) == ["0"] * 3
    seeded = role(clips, clip_policy="random", clip_seed=5)
    assert picks(ClipSelector("first", seed=1), seeded, "高兴", 10) == picks(
        ClipSelector(), seeded, "高兴", 10
    )
