"""The built-in classifier: obvious sentences, negation, degree words, well-formed scores, the shipped
weights and their accuracy on the held-out split."""

from __future__ import annotations

from pathlib import Path

import pytest

from emotts.emotion.builtin import MODEL_PATH, BuiltinClassifier, LinearModel
from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.labels import EMOTIONS, NEUTRAL
from emotts.emotion.metrics import classification_report
from emotts.emotion.training.dataset import load_examples

TEST_SPLIT = Path(__file__).resolve().parents[1] / "data" / "emotion" / "test.jsonl"
# docs/emotion-classifier.md; retraining changes them, and then the docs and these numbers change together.
HELD_OUT_ACCURACY = 0.721
HELD_OUT_MACRO_F1 = 0.721

CASES = [
    ("哼，你怎么又迟到了！", "愤怒"),
    ("气死我了！", "愤怒"),
    ("(╯°□°)╯ 受够了！", "愤怒"),
    ("今天真是太开心了！", "高兴"),
    ("嘿嘿，今天收到了礼物", "高兴"),
    ("^_^ 很高兴认识你", "高兴"),
    ("I'm so happy today!", "高兴"),
    ("呜呜，我好难过", "悲伤"),
    ("我好想哭", "悲伤"),
    ("QAQ 我的蛋糕被吃掉了", "悲伤"),
    ("T_T", "悲伤"),
    ("哇，居然是你！", "惊讶"),
    ("真的假的？", "惊讶"),
    ("好可怕，我不敢一个人走夜路", "恐惧"),
    ("救命啊，有鬼！", "恐惧"),
    ("I'm scared.", "恐惧"),
    ("恶心死了，别碰我", "厌恶"),
    ("好脏啊，离我远点", "厌恶"),
    ("This is disgusting.", "厌恶"),
    ("明天上午十点开会。", NEUTRAL),
    ("好的，我知道了。", NEUTRAL),
    ("你好，请问现在几点？", NEUTRAL),
    ("讨厌啦，人家会害羞的", "害羞"),
    ("被你这么夸，我都脸红了", "害羞"),
    (">_< 别看我", "害羞"),
    ("太棒了！我们赢了！！", "兴奋"),
    ("好耶！马上就要出发了！", "兴奋"),
    ("泡个热水澡真舒服", "舒适"),
    ("终于可以好好休息一下了", "舒适"),
    ("我好紧张，心跳得好快", "紧张"),
    ("怎么办，明天就要考试了", "紧张"),
    ("我喜欢你，想一直陪着你", "爱慕"),
    ("我会一直守护你的", "爱慕"),
    ("明明不是我的错，为什么都怪我", "委屈"),
    ("凭什么只骂我一个人", "委屈"),
    ("哼，这点小事对本小姐来说轻而易举", "骄傲"),
    ("那当然，我可是天才", "骄傲"),
    ("诶？这是什么意思？", "困惑"),
    ("咦，奇怪，钥匙去哪了？", "困惑"),
    ("Wait, what do you mean?", "困惑"),
]


@pytest.fixture(scope="module")
def classifier() -> BuiltinClassifier:
    return BuiltinClassifier()


@pytest.mark.parametrize(("text", "label"), CASES)
def test_obvious_sentences(classifier: BuiltinClassifier, text: str, label: str) -> None:
    assert classifier.classify([text])[0].label == label


@pytest.mark.parametrize(
    ("text", "not_label"),
    [
        ("我一点也不开心", "高兴"),
        ("I'm not happy at all.", "高兴"),
        ("我并没有觉得开心", "高兴"),
        ("我不喜欢你", "爱慕"),
        ("没事，别担心", "紧张"),
    ],
)
def test_negation_cancels_the_cue(classifier: BuiltinClassifier, text: str, not_label: str) -> None:
    assert classifier.classify([text])[0].label != not_label


def test_negated_happiness_leans_sad(classifier: BuiltinClassifier) -> None:
    scores = classifier.classify(["我一点也不开心"])[0].scores
    assert scores["悲伤"] > scores["高兴"]


def test_negation_stops_at_a_clause_break(classifier: BuiltinClassifier) -> None:
    assert classifier.classify(["不，我很开心"])[0].label == "高兴"


def test_degree_words_amplify_and_soften(classifier: BuiltinClassifier) -> None:
    plain, strong, weak = classifier.classify(["我开心", "我非常开心", "我有点开心"])
    assert weak.scores["高兴"] < plain.scores["高兴"] < strong.scores["高兴"]


def test_negation_weakens_a_cue_it_does_not_cancel(classifier: BuiltinClassifier) -> None:
    # The corpus writes denied fear as fear (我、我才不怕呢……你别走啊), so 我不怕 alone may still read as
    # 恐惧: the negation must at least weaken it.
    negated, plain = classifier.classify(["我不怕", "我怕"])
    assert negated.scores["恐惧"] < plain.scores["恐惧"]


@pytest.mark.parametrize(
    ("text", "cue_label"), [("Hello, madam.", "愤怒"), ("恐怕要下雨了", "恐惧"), ("我心脏不好", "厌恶")]
)
def test_words_inside_other_words_are_not_cues(
    classifier: BuiltinClassifier, text: str, cue_label: str
) -> None:
    # mad in madam, 怕 in 恐怕, 脏 in 心脏
    assert classifier.classify([text])[0].label != cue_label


def test_full_width_forms_fold(classifier: BuiltinClassifier) -> None:
    full, half = classifier.classify(["ＱＡＱ", "QAQ"])
    assert full == half and full.label in ("悲伤", "委屈")  # a crying face


def test_scores_are_a_distribution_over_the_15_labels(classifier: BuiltinClassifier) -> None:
    for result in classifier.classify([text for text, _ in CASES] + ["", "？？？"]):
        assert list(result.scores) == list(EMOTIONS)
        assert sum(result.scores.values()) == pytest.approx(1.0)
        assert all(0.0 <= score <= 1.0 for score in result.scores.values())
        assert result.confidence == result.scores[result.label] == max(result.scores.values())


def test_nothing_firing_is_confidently_neutral(classifier: BuiltinClassifier) -> None:
    result = classifier.classify(["明天上午十点开会。"])[0]
    assert result.label == NEUTRAL and result.confidence > 0.35  # above the default threshold


def test_one_result_per_text_in_order(classifier: BuiltinClassifier) -> None:
    texts = ["呜呜，我好难过", "明天上午十点开会。", "哇，居然是你！"]
    assert [result.label for result in classifier.classify(texts)] == ["悲伤", NEUTRAL, "惊讶"]
    assert classifier.classify([]) == []


def test_it_implements_the_classifier_protocol(classifier: BuiltinClassifier) -> None:
    as_protocol: EmotionClassifier = classifier
    assert as_protocol.name == "builtin"


def test_the_shipped_weights_are_small_and_fit_the_labels() -> None:
    assert MODEL_PATH.stat().st_size <= 10 * 1024 * 1024
    model = LinearModel.load(MODEL_PATH)
    assert model.weights.shape == (model.featurizer.n_columns, len(EMOTIONS))
    probabilities = model.probabilities(["你好", "气死我了！", ""])
    assert probabilities.shape == (3, len(EMOTIONS))
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0])


def test_held_out_accuracy_is_the_documented_one(classifier: BuiltinClassifier) -> None:
    examples = load_examples(TEST_SPLIT)
    predicted = [result.label for result in classifier.classify([example.text for example in examples])]
    report = classification_report([example.label for example in examples], predicted)
    assert report.n == 987
    assert report.accuracy == pytest.approx(HELD_OUT_ACCURACY, abs=0.002)
    assert report.macro_f1 == pytest.approx(HELD_OUT_MACRO_F1, abs=0.002)
