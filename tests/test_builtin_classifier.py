"""The built-in classifier: obvious sentences, sentences no corpus line resembles, everyday greetings,
negation, degree words, well-formed scores, the shipped weights and their accuracy on the held-out split."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from emotts.emotion.builtin import MODEL_PATH, BuiltinClassifier, LinearModel
from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.labels import EMOTIONS, NEUTRAL
from emotts.emotion.metrics import classification_report
from emotts.emotion.training.dataset import load_examples

CORPUS = Path(__file__).resolve().parents[1] / "data" / "emotion"
TEST_SPLIT = CORPUS / "test.jsonl"
# docs/emotion-classifier.md; retraining changes them, and then the docs and these numbers change together.
HELD_OUT_ACCURACY = 0.853
HELD_OUT_MACRO_F1 = 0.853

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


# Written after the corpus, six a label (one in English), and checked below to resemble no line of
# train.jsonl or test.jsonl: how the classifier does on clear lines it has never seen.
UNSEEN = [
    ("今天收到了好朋友寄来的礼物，好开心呀", "高兴"),
    ("哈哈，你讲的笑话太好笑了", "高兴"),
    ("太好了，奶奶的病终于好了", "高兴"),
    ("嘿嘿，这次考试我考得还不错", "高兴"),
    ("能和大家一起吃年夜饭，真好", "高兴"),
    ("I'm so glad you came to see me.", "高兴"),
    ("我的小猫昨天走了，我好想它", "悲伤"),
    ("他离开以后，我每天都睡不着，一想到就想哭", "悲伤"),
    ("我们再也回不到从前了", "悲伤"),
    ("唉，又一次落榜了，我真的好难过", "悲伤"),
    ("外婆去世了，我连最后一面都没见到", "悲伤"),
    ("I miss him so much. He's never coming back.", "悲伤"),
    ("你又把我的东西弄坏了！我说了多少遍了！", "愤怒"),
    ("你现在立刻从我家离开！", "愤怒"),
    ("你竟敢把我的信拆开念给别人听？太过分了！", "愤怒"),
    ("别再骗我了，我受够了！", "愤怒"),
    ("到底是谁把我的自行车轮胎扎破的？气死我了！", "愤怒"),
    ("I'm furious! You crashed my car and lied about it!", "愤怒"),
    ("什么？你们下个月就要结婚了？", "惊讶"),
    ("哇，你居然一个人把整面墙都画完了", "惊讶"),
    ("天哪，外面怎么突然下这么大的雪", "惊讶"),
    ("不会吧，他竟然是我们的新老师？", "惊讶"),
    ("哇，十年没见，你居然当上了机长！", "惊讶"),
    ("No way! You won the whole tournament?", "惊讶"),
    ("救命啊，窗户外面有一张脸在看我！", "恐惧"),
    ("别关灯，我好怕，房间里好像有人", "恐惧"),
    ("那个黑影一直跟在我后面，我不敢回头", "恐惧"),
    ("半夜楼道里有奇怪的脚步声，我吓得不敢出门", "恐惧"),
    ("那个怪物越来越近了，我好害怕", "恐惧"),
    ("Please don't leave me alone in this dark basement, I'm terrified.", "恐惧"),
    ("呕，这个垃圾桶好臭，恶心死了", "厌恶"),
    ("他吃饭的时候一直吧唧嘴，真受不了", "厌恶"),
    ("汤里有只苍蝇，我不吃了", "厌恶"),
    ("好脏啊，这个厕所多久没打扫了", "厌恶"),
    ("这种背后捅刀子的人，真让人恶心", "厌恶"),
    ("Gross, someone spat on the bus seat.", "厌恶"),
    ("嗨，最近怎么样？", "中性"),
    ("谢谢，我收到了。", "中性"),
    ("行，那我们周四再碰一下。", "中性"),
    ("明天下午三点在会议室开会", "中性"),
    ("请问地铁站怎么走？", "中性"),
    ("The train to Beijing leaves at nine.", "中性"),
    ("唔……被暗恋的人夸了一句，我的脸烫得不行", "害羞"),
    ("被你这么夸，我脸都红了", "害羞"),
    ("他突然牵起我的手，我害羞得头都抬不起来", "害羞"),
    ("讨厌啦，不要在大家面前说这个嘛", "害羞"),
    ("那、那封情书……你看到了吗？好不好意思", "害羞"),
    ("I'm so embarrassed, everyone heard me sing in the shower.", "害羞"),
    ("啊啊啊，我抢到演唱会的票了！", "兴奋"),
    ("明天就要去海边了，我激动得睡不着！", "兴奋"),
    ("冲啊！我们马上就要赢了！", "兴奋"),
    ("好耶！周末去游乐园！", "兴奋"),
    ("终于要出发了，目标是雪山！", "兴奋"),
    ("Yes! We leave for the safari at dawn, I'm so pumped!", "兴奋"),
    ("下班后泡泡脚，再喝一碗热汤，舒坦", "舒适"),
    ("窝在沙发里晒太阳，好舒服啊", "舒适"),
    ("躺在吊床上吹着海风，惬意极了", "舒适"),
    ("喝一杯热茶，听着雨声，好安静", "舒适"),
    ("躺在被窝里，暖洋洋的，不想起来", "舒适"),
    ("A warm blanket and a good book. So cozy.", "舒适"),
    ("怎么办，下一个就轮到我上台了，我的手在抖", "紧张"),
    ("明天就要面试了，我好紧张", "紧张"),
    ("成绩马上就出来了，我心跳得好快", "紧张"),
    ("第一次当众演讲，我紧张得手心全是汗", "紧张"),
    ("还有五分钟就交卷了，最后一题还没写", "紧张"),
    ("I'm so nervous about the interview tomorrow.", "紧张"),
    ("我喜欢你，想一直和你在一起", "爱慕"),
    ("亲爱的，我会一直守护你", "爱慕"),
    ("想你的每一天都好漫长，好想快点见到你", "爱慕"),
    ("能遇见你，是我这一生最幸运的事", "爱慕"),
    ("每次看到你的笑容，我的心就软成一片，好喜欢你", "爱慕"),
    ("You are the love of my life.", "爱慕"),
    ("花瓶明明是弟弟打碎的，妈妈却只骂我", "委屈"),
    ("我熬了三个通宵做的方案，功劳却全算在组长头上", "委屈"),
    ("凭什么他犯错没事，我就要挨骂", "委屈"),
    ("我等了你一整天，你却说忘了", "委屈"),
    ("你都不听我解释，就认定是我的错", "委屈"),
    ("My sister broke it, but Mom punished me instead. So unfair.", "委屈"),
    ("哼，这点小事对我来说轻而易举", "骄傲"),
    ("这次比赛的冠军，毫无悬念，是我", "骄傲"),
    ("这么难的曲子，我练了一周就弹下来了，厉害吧", "骄傲"),
    ("这个蛋糕是我亲手做的，厉害吧", "骄傲"),
    ("那当然，我可是我们队的王牌", "骄傲"),
    ("I built this whole website by myself.", "骄傲"),
    ("诶？这是什么意思？我没听懂", "困惑"),
    ("奇怪，我的钥匙刚才还在这里，怎么不见了", "困惑"),
    ("这个说明书到底在说什么，我看了三遍还是不懂", "困惑"),
    ("他到底想说什么啊，我完全搞不懂", "困惑"),
    ("他说的“那个地方”到底是哪里啊？", "困惑"),
    ("Wait, I'm confused. Which one is mine?", "困惑"),
]
UNSEEN_MIN_ACCURACY = 0.95  # the shipped model gets all 90 (the one trained on the first round alone: 87)
UNSEEN_MIN_PER_LABEL = 5  # of 6

# Everyday lines that the first corpus hardly had: greetings and plain thanks are neutral, and warm thanks
# is at most happy (the corpus labels warm gratitude 高兴) — never anger or love.
EVERYDAY = [
    "你好！",
    "谢谢你！",
    "谢谢",
    "好的！",
    "好久不见！",
    "Hello!",
    "在吗？",
]
WARM_THANKS = ["谢谢你帮我！", "Thank you so much!"]


@pytest.fixture(scope="module")
def classifier() -> BuiltinClassifier:
    return BuiltinClassifier()


@pytest.mark.parametrize(("text", "label"), CASES)
def test_obvious_sentences(classifier: BuiltinClassifier, text: str, label: str) -> None:
    assert classifier.classify([text])[0].label == label


def _bigrams(text: str) -> set[str]:
    key = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


def _corpus_texts(*names: str) -> list[str]:
    return [
        json.loads(line)["text"]
        for name in names
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()
    ]


def _nearest(texts: list[str]) -> Callable[[str], float]:
    """The highest character-bigram Jaccard similarity of a text to any of `texts` (the corpus's
    near-duplicate measure), through an index of bigrams."""
    index: dict[str, list[set[str]]] = {}
    for grams in map(_bigrams, texts):
        for gram in grams:
            index.setdefault(gram, []).append(grams)

    def nearest(text: str) -> float:
        mine = _bigrams(text)
        return max((len(mine & g) / len(mine | g) for gram in mine for g in index.get(gram, [])), default=0)

    return nearest


def test_the_unseen_sentences_resemble_no_corpus_line() -> None:
    nearest = _nearest(_corpus_texts("train.jsonl", "test.jsonl"))
    for text, _ in UNSEEN:
        assert nearest(text) < 0.5, text


def test_no_training_line_is_a_near_duplicate_of_a_held_out_line() -> None:
    nearest = _nearest(_corpus_texts("test.jsonl"))
    # near-duplicates were kept on one side of the split, and later rounds were checked against it
    close = [text for text in _corpus_texts("train.jsonl") if nearest(text) >= 0.5]
    assert close == []


def test_clear_unseen_sentences(classifier: BuiltinClassifier) -> None:
    predicted = [result.label for result in classifier.classify([text for text, _ in UNSEEN])]
    right = Counter(label for (_, label), guess in zip(UNSEEN, predicted, strict=True) if guess == label)
    assert sum(right.values()) >= UNSEEN_MIN_ACCURACY * len(UNSEEN)
    assert min(right[label] for label in EMOTIONS) >= UNSEEN_MIN_PER_LABEL, right


@pytest.mark.parametrize("text", EVERYDAY)
def test_greetings_and_thanks_are_neutral(classifier: BuiltinClassifier, text: str) -> None:
    assert classifier.classify([text])[0].label == NEUTRAL


@pytest.mark.parametrize("text", WARM_THANKS)
def test_warm_thanks_is_neutral_or_happy(classifier: BuiltinClassifier, text: str) -> None:
    assert classifier.classify([text])[0].label in (NEUTRAL, "高兴")


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
