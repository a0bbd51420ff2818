"""The per-request decision: precedence, threshold, batching, whole mode and short fragments."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from emotts.emotion.builtin import BuiltinClassifier
from emotts.emotion.classifier import EmotionResult
from emotts.emotion.decide import EmotionSource, SentenceEmotion, decide_emotions
from emotts.emotion.labels import EMOTIONS, NEUTRAL
from emotts.errors import UnknownEmotionError


class FakeClassifier:
    """Answers `labels[text]` (else 中性) with a fixed confidence, and records every call."""

    name = "fake"

    def __init__(self, labels: dict[str, str] | None = None, confidence: float = 0.9) -> None:
        self.labels = labels or {}
        self.confidence = confidence
        self.calls: list[list[str]] = []

    def classify(self, texts: Sequence[str]) -> list[EmotionResult]:
        self.calls.append(list(texts))
        return [self._result(self.labels.get(text, NEUTRAL)) for text in texts]

    def _result(self, label: str) -> EmotionResult:
        rest = (1 - self.confidence) / (len(EMOTIONS) - 1)
        scores = {other: self.confidence if other == label else rest for other in EMOTIONS}
        return EmotionResult(label, self.confidence, scores)


def _decisions(sentences: list[SentenceEmotion]) -> list[tuple[str, str, str]]:
    return [(s.text, s.emotion, str(s.source)) for s in sentences]


def test_request_beats_tags_and_classifier() -> None:
    classifier = FakeClassifier({"你怎么又迟到了！": "愤怒"})
    decided = decide_emotions("[sad]你怎么又迟到了！", requested="happy", classifier=classifier)
    assert _decisions(decided) == [("你怎么又迟到了！", "高兴", "request")]
    assert decided[0].confidence is None and decided[0].scores is None
    assert classifier.calls == []


def test_tag_beats_classifier() -> None:
    classifier = FakeClassifier({"你怎么又迟到了！": "愤怒"})
    assert _decisions(decide_emotions("[sad]你怎么又迟到了！", classifier=classifier)) == [
        ("你怎么又迟到了！", "悲伤", "tag")
    ]
    assert classifier.calls == []


def test_classifier_decides_untagged_sentences() -> None:
    classifier = FakeClassifier({"你怎么又迟到了！": "愤怒"}, confidence=0.8)
    [decided] = decide_emotions("你怎么又迟到了！", classifier=classifier)
    assert (decided.emotion, decided.source) == ("愤怒", EmotionSource.CLASSIFIER)
    assert decided.confidence == 0.8 and decided.scores is not None and decided.scores["愤怒"] == 0.8


def test_without_classifier_untagged_sentences_are_neutral_by_default() -> None:
    assert _decisions(decide_emotions("你好。[happy]再见。")) == [
        ("你好。", NEUTRAL, "default"),
        ("再见。", "高兴", "tag"),
    ]


@pytest.mark.parametrize(
    ("name", "label"), [("happy", "高兴"), ("0", "高兴"), (" 开心 ", "高兴"), ("愤怒", "愤怒")]
)
def test_requested_emotion_is_normalized(name: str, label: str) -> None:
    assert decide_emotions("你好。", requested=name)[0].emotion == label


def test_unknown_requested_emotion_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownEmotionError) as error:
        decide_emotions("你好。", requested="grumpy", classifier=FakeClassifier())
    assert "grumpy" in str(error.value)
    assert all(label in str(error.value) for label in EMOTIONS)
    assert "愤怒 (angry)" in str(error.value)


def test_blank_requested_emotion_means_none() -> None:
    assert decide_emotions("[sad]你好。", requested=" ")[0].source == EmotionSource.TAG


def test_low_confidence_falls_back_to_neutral() -> None:
    classifier = FakeClassifier({"你怎么又迟到了！": "愤怒"}, confidence=0.3)
    [decided] = decide_emotions("你怎么又迟到了！", classifier=classifier, threshold=0.35)
    assert (decided.emotion, decided.source) == (NEUTRAL, EmotionSource.LOW_CONFIDENCE)
    assert decided.confidence == 0.3  # what the classifier said, for debugging


def test_confidence_at_the_threshold_is_enough() -> None:
    classifier = FakeClassifier({"你怎么又迟到了！": "愤怒"}, confidence=0.5)
    assert decide_emotions("你怎么又迟到了！", classifier=classifier, threshold=0.5)[0].emotion == "愤怒"
    assert decide_emotions("你怎么又迟到了！", classifier=classifier, threshold=0.51)[0].emotion == NEUTRAL


def test_untagged_sentences_are_classified_in_one_batch() -> None:
    classifier = FakeClassifier({"今天真开心！": "高兴", "你怎么又迟到了！": "愤怒"})
    text = "今天真开心！你怎么又迟到了！\n明天上午开会。[sad]钥匙丢了。"
    decided = decide_emotions(text, classifier=classifier)
    assert classifier.calls == [["今天真开心！", "你怎么又迟到了！", "明天上午开会。"]]
    assert _decisions(decided) == [
        ("今天真开心！", "高兴", "classifier"),
        ("你怎么又迟到了！", "愤怒", "classifier"),
        ("明天上午开会。", NEUTRAL, "classifier"),
        ("钥匙丢了。", "悲伤", "tag"),
    ]


def test_classifier_is_not_called_when_every_sentence_is_tagged() -> None:
    classifier = FakeClassifier()
    decide_emotions("[happy]你好。[sad]再见。", classifier=classifier)
    assert classifier.calls == []


def test_a_classifier_returning_the_wrong_count_is_an_error() -> None:
    class Short(FakeClassifier):
        def classify(self, texts: Sequence[str]) -> list[EmotionResult]:
            return super().classify(texts)[:-1]

    with pytest.raises(ValueError, match="2 texts"):
        decide_emotions("今天真开心！明天上午开会。", classifier=Short())


def test_whole_mode_decides_once_for_the_whole_text() -> None:
    classifier = FakeClassifier({"今天真开心！你怎么又迟到了！": "愤怒"})
    decided = decide_emotions("今天真开心！\n你怎么又迟到了！", classifier=classifier, mode="whole")
    assert _decisions(decided) == [("今天真开心！你怎么又迟到了！", "愤怒", "classifier")]
    assert classifier.calls == [["今天真开心！你怎么又迟到了！"]]


def test_whole_mode_removes_tags_and_the_first_tag_wins() -> None:
    classifier = FakeClassifier()
    decided = decide_emotions("Hi there. [sad]Bye now. (happy)See you!", classifier=classifier, mode="whole")
    assert _decisions(decided) == [("Hi there. Bye now. See you!", "悲伤", "tag")]
    assert classifier.calls == []


def test_whole_mode_with_a_request() -> None:
    decided = decide_emotions("你好。再见。", requested="sad", mode="whole")
    assert _decisions(decided) == [("你好。再见。", "悲伤", "request")]


def test_sentence_mode_is_the_default() -> None:
    classifier = FakeClassifier({"今天真开心！": "高兴", "你怎么又迟到了！": "愤怒"})
    text = "今天真开心！你怎么又迟到了！"
    assert decide_emotions(text, classifier=classifier) == decide_emotions(
        text, classifier=classifier, mode="sentence"
    )
    assert len(decide_emotions(text, classifier=classifier)) == 2


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="sentence, whole"):
        decide_emotions("你好。", mode="paragraph")  # type: ignore[arg-type]


def test_short_fragments_inherit_the_next_sentence() -> None:
    classifier = FakeClassifier({"嗯。": "困惑", "你怎么又迟到了！": "愤怒"})
    decided = decide_emotions("嗯。啊！你怎么又迟到了！", classifier=classifier)
    assert _decisions(decided) == [
        ("嗯。", "愤怒", "inherited"),
        ("啊！", "愤怒", "inherited"),
        ("你怎么又迟到了！", "愤怒", "classifier"),
    ]
    assert decided[0].scores is not None and decided[0].scores["困惑"] == 0.9  # its own classifier result


def test_a_fragment_at_the_end_inherits_the_previous_sentence() -> None:
    classifier = FakeClassifier({"今天真开心！": "高兴"})
    assert _decisions(decide_emotions("今天真开心！Oh!", classifier=classifier)) == [
        ("今天真开心！", "高兴", "classifier"),
        ("Oh!", "高兴", "inherited"),
    ]


def test_fragments_inherit_tags_but_tagged_fragments_keep_theirs() -> None:
    classifier = FakeClassifier()
    assert _decisions(decide_emotions("嗯。[sad]钥匙丢了。[happy]哈！", classifier=classifier)) == [
        ("嗯。", "悲伤", "inherited"),
        ("钥匙丢了。", "悲伤", "tag"),
        ("哈！", "高兴", "tag"),
    ]


def test_a_fragment_alone_keeps_its_own_result() -> None:
    classifier = FakeClassifier({"哈哈！": "高兴"})
    assert _decisions(decide_emotions("哈哈！", classifier=classifier)) == [("哈哈！", "高兴", "classifier")]


def test_fragments_are_judged_by_speakable_characters() -> None:
    classifier = FakeClassifier({"我好难过": "悲伤", "今天真开心！": "高兴"})
    decided = decide_emotions("我好难过……\n今天真开心！", classifier=classifier)
    assert decided[0].source == EmotionSource.CLASSIFIER  # four characters: not a fragment
    assert decided[0].emotion == NEUTRAL  # "我好难过……" is not a key of the fake


@pytest.mark.parametrize("text", ["", "   ", "[happy]", "……", "？！\n[sad]"])
def test_nothing_speakable_gives_no_decisions(text: str) -> None:
    assert decide_emotions(text, classifier=FakeClassifier()) == []


def test_with_the_builtin_classifier() -> None:
    decided = decide_emotions("今天真是太开心了！哼，你怎么又迟到了！", classifier=BuiltinClassifier())
    assert _decisions(decided) == [
        ("今天真是太开心了！", "高兴", "classifier"),
        ("哼，你怎么又迟到了！", "愤怒", "classifier"),
    ]
    assert all(sum(s.scores.values()) == pytest.approx(1.0) for s in decided if s.scores is not None)
