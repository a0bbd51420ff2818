"""The 15 emotion labels (ids 0-14, fixed order) and their English aliases and synonyms."""

from __future__ import annotations

from emotts.errors import UnknownEmotionError

EMOTIONS: tuple[str, ...] = (
    "高兴", "悲伤", "愤怒", "惊讶", "恐惧", "厌恶", "中性", "害羞",
    "兴奋", "舒适", "紧张", "爱慕", "委屈", "骄傲", "困惑",
)  # fmt: skip
NEUTRAL = "中性"

# Canonical English name of each label, in id order.
ENGLISH: dict[str, str] = dict(
    zip(
        EMOTIONS,
        (
            "happy", "sad", "angry", "surprised", "fear", "disgust", "neutral", "shy",
            "excited", "relaxed", "nervous", "love", "wronged", "proud", "confused",
        ),
        strict=True,
    )
)  # fmt: skip

# Other names clients and LLM prompts use for the labels (English, Chinese, LLM tag styles).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "高兴": (
        "joy",
        "joyful",
        "glad",
        "cheerful",
        "happiness",
        "smile",
        "smiling",
        "开心",
        "快乐",
        "喜悦",
        "愉快",
        "欢乐",
        "嬉しい",
        "喜",
    ),
    "悲伤": (
        "sadness",
        "sorrow",
        "unhappy",
        "upset",
        "melancholy",
        "depressed",
        "cry",
        "crying",
        "难过",
        "伤心",
        "哀伤",
        "忧伤",
        "哭",
        "哀",
    ),
    "愤怒": ("anger", "mad", "furious", "rage", "annoyed", "irritated", "生气", "气愤", "恼火", "发火", "怒"),
    "惊讶": ("surprise", "astonished", "amazed", "shocked", "wow", "吃惊", "震惊", "惊奇", "意外", "惊"),
    "恐惧": ("afraid", "scared", "fearful", "terrified", "fright", "horror", "害怕", "恐慌", "惊恐", "惧"),
    "厌恶": (
        "disgusted",
        "disgusting",
        "contempt",
        "hate",
        "dislike",
        "gross",
        "恶心",
        "讨厌",
        "嫌弃",
        "反感",
        "恶",
    ),
    "中性": ("calm", "normal", "default", "none", "plain", "平静", "普通", "默认", "无"),
    "害羞": (
        "shyness",
        "embarrassed",
        "bashful",
        "blush",
        "shame",
        "ashamed",
        "羞涩",
        "腼腆",
        "不好意思",
        "脸红",
        "害臊",
        "羞",
        "awkward",
    ),
    "兴奋": ("excitement", "thrilled", "hyped", "energetic", "激动", "亢奋", "兴高采烈"),
    "舒适": (
        "relax",
        "relaxed",
        "comfortable",
        "comfort",
        "cozy",
        "content",
        "peaceful",
        "relief",
        "放松",
        "惬意",
        "舒服",
        "安心",
        "满足",
    ),
    "紧张": (
        "nervousness",
        "anxious",
        "anxiety",
        "tense",
        "worried",
        "worry",
        "焦虑",
        "不安",
        "担心",
        "慌张",
    ),
    "爱慕": (
        "loving",
        "affection",
        "affectionate",
        "adore",
        "adoration",
        "tender",
        "caring",
        "喜欢",
        "爱",
        "倾慕",
        "深情",
        "温柔",
    ),
    "委屈": ("aggrieved", "grievance", "pout", "pouting", "hurt", "冤枉", "憋屈", "受委屈"),
    "骄傲": ("pride", "smug", "smirk", "confident", "arrogant", "得意", "自豪", "傲娇", "自信"),
    "困惑": (
        "confusion",
        "puzzled",
        "perplexed",
        "doubt",
        "curious",
        "thinking",
        "疑惑",
        "迷惑",
        "不解",
        "纳闷",
        "疑问",
        "think",
        "question",
    ),
}


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for label in EMOTIONS:
        aliases[label] = label
        aliases[ENGLISH[label]] = label
        for synonym in _SYNONYMS[label]:
            aliases[synonym.lower()] = label
    return aliases


ALIASES: dict[str, str] = _build_aliases()


def parse_emotion(name: str) -> str | None:
    """The label named by `name` (a label, id, English alias or synonym), or None if it names none."""
    key = name.strip().lower()
    if key.isdigit() and int(key) < len(EMOTIONS):
        return EMOTIONS[int(key)]
    return ALIASES.get(key)


def normalize_emotion(name: str) -> str:
    """Like `parse_emotion` but raises an error that lists the valid labels."""
    label = parse_emotion(name)
    if label is None:
        raise UnknownEmotionError(name, [f"{lab} ({ENGLISH[lab]})" for lab in EMOTIONS])
    return label


def emotion_id(label: str) -> int:
    return EMOTIONS.index(label)
