"""Sentences per second of the emotion classifiers on CPU: the built-in one and a bert-base-sized BERT.

    python benchmarks/emotion_classifier.py

The BERT is random (BertConfig defaults: 12 layers of width 768, with a generated 21,128-token vocabulary
like bert-base-chinese's), saved to a temporary folder and loaded through BertEmotionClassifier, so it
costs what a fine-tuned role model costs without downloading one. Each classifier labels the same 64 chat
sentences one at a time (batch 1, as a single-sentence request) and 32 at a time (a long reply). The table
replaces the "Emotion classifier" section of benchmarks/RESULTS.md, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

from emotts.emotion.bert import BertEmotionClassifier
from emotts.emotion.builtin import BuiltinClassifier
from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.labels import EMOTIONS

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- emotion-classifier:begin -->", "<!-- emotion-classifier:end -->"
VOCAB_SIZE = 21128  # bert-base-chinese
MIN_SECONDS = 2.0  # per measurement; short enough for ~1 minute in all on 2 cores
BATCHES = (1, 32)

SENTENCES = (
    "今天真是太开心了！",
    "哼，你怎么又迟到了！",
    "我养的小猫走了，我好难过。",
    "诶？你怎么会在这里？",
    "别过来！我好害怕……",
    "这个菜闻起来好恶心。",
    "明天上午十点开会，别忘了带资料。",
    "那、那个……谢谢你送我回家。",
    "我们赢了！冠军是我们的！",
    "泡个热水澡，整个人都放松了。",
    "马上就要考试了，我手心全是汗。",
    "能遇见你，是我最幸运的事。",
    "明明不是我的错，为什么要怪我。",
    "这道题全班只有我做出来了。",
    "这段代码为什么跑不起来呢？",
    "好的，我知道了。",
    "哇，这里的风景也太美了吧！",
    "你再说一遍试试？",
    "外面下雨了，记得带伞。",
    "呜呜，我的冰淇淋掉地上了。",
    "嘿嘿，今天发工资啦！",
    "你是不是又偷吃我的零食了？",
    "我一个人走夜路的时候总觉得有人跟着我。",
    "他居然把垃圾直接扔在路上，真没素质。",
    "下午三点的会议改到四点了。",
    "被你夸得我都不好意思了。",
    "演唱会的票抢到了！啊啊啊！",
    "窝在沙发里看书，阳光刚刚好。",
    "面试官看着我的简历一直皱眉，怎么办。",
    "晚安，做个好梦，我会一直在你身边。",
    "我辛辛苦苦做的蛋糕，他一口都没吃。",
    "哼哼，这点小事难不倒我。",
    "你刚才说的是什么意思？",
    "嗯，这样也可以。",
    "天哪，你居然记得我的生日！",
    "够了！我不想再听你解释了！",
    "奶奶住院了，我心里很不好受。",
    "听说那栋楼晚上会闹鬼……",
    "离我远一点，你身上全是酒味。",
    "请把文件发到我的邮箱。",
    "你、你别一直盯着我看啦。",
    "明天就要去旅行了，兴奋得睡不着！",
    "吹着海风喝着椰汁，太惬意了。",
    "老板突然叫我去办公室，我有点慌。",
    "不管发生什么，我都会陪着你。",
    "大家都去玩了，只留下我一个人加班。",
    "我设计的作品拿了一等奖。",
    "奇怪，我的钥匙明明放在桌上的。",
    "Today is a good day.",
    "我真的受够了，每次都是这样！",
    "好久不见，最近过得怎么样？",
    "这部电影的结局让我哭了好久。",
    "你怎么知道我在想什么？",
    "我今天第一次自己做了晚饭，还挺好吃的！",
    "不要丢下我一个人……",
    "这种人真让人反胃。",
    "地铁站在前面路口右转。",
    "你送的花我很喜欢，谢谢。",
    "终于放假了，冲啊！",
    "被窝里暖暖的，不想起床。",
    "心跳得好快，下一个就轮到我上台了。",
    "想你了，什么时候回来？",
    "他们都不相信我说的话。",
    "这么难的曲子我一遍就弹下来了。",
)


@dataclass(frozen=True)
class Measurement:
    classifier: str
    batch: int
    per_second: float


def measure(name: str, classifier: EmotionClassifier, sentences: Sequence[str]) -> list[Measurement]:
    measurements = []
    for batch in BATCHES:
        chunks = [sentences[i : i + batch] for i in range(0, len(sentences), batch)]

        def run(chunks: list[Sequence[str]] = chunks) -> None:
            for chunk in chunks:
                classifier.classify(chunk)

        run()  # warm-up: first calls allocate, and the BERT loads
        measurements.append(Measurement(name, batch, len(sentences) * _rounds_per_second(run)))
    return measurements


def _rounds_per_second(run: Callable[[], None]) -> float:
    rounds, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < MIN_SECONDS or rounds < 2:
        run()
        rounds += 1
    return rounds / elapsed


def build_bert_base(folder: Path) -> Path:
    """A random bert-base-sized 15-way classifier with a generated vocabulary, saved in `folder`."""
    characters = sorted(set("".join(SENTENCES)))
    han = [chr(code) for code in range(0x4E00, 0xA000) if chr(code) not in characters]
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *characters, *han]
    tokens += [f"##{char}" for char in han[: VOCAB_SIZE - len(tokens)]]  # word pieces, as bert-base has
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=VOCAB_SIZE, num_labels=len(EMOTIONS), id2label=dict(enumerate(EMOTIONS)))
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizer(vocab=str(vocab)).save_pretrained(folder)
    return folder


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    names = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    cpu = names[0] if names else platform.processor() or platform.machine()
    return (
        f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"Python {platform.python_version()}, {date.today().isoformat()}"
    )


def markdown(measurements: list[Measurement]) -> str:
    lines = [
        "## Emotion classifier",
        "",
        "`python benchmarks/emotion_classifier.py`: sentences per second on CPU for 64 chat sentences; "
        "BERT is a random bert-base-sized model loaded through `BertEmotionClassifier`.",
        "",
        "| classifier | batch | sentences/s | ms/sentence |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {m.classifier} | {m.batch} | {m.per_second:,.0f} | {1000 / m.per_second:.3f} |"
        for m in measurements
    ]
    lines += ["", f"Machine: {machine()}."]
    return "\n".join([BEGIN, *lines, END])


def update_results(section: str) -> None:
    """Replace the section between the markers in RESULTS.md, or append it."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--no-bert",
        action="store_true",
        help="measure the built-in classifier only (RESULTS.md is then left alone)",
    )
    parser.add_argument("--no-write", action="store_true", help="print the table, leave RESULTS.md alone")
    args = parser.parse_args()
    console = Console()
    measurements = measure("built-in", BuiltinClassifier(), SENTENCES)
    if not args.no_bert:
        with tempfile.TemporaryDirectory() as folder:
            console.print("building a random bert-base model …")
            model = BertEmotionClassifier(build_bert_base(Path(folder)), device="cpu")
            measurements += measure("BERT (bert-base size)", model, SENTENCES)
    table = Table("classifier", "batch", "sentences/s", "ms/sentence", title="emotion classifiers on CPU")
    for m in measurements:
        table.add_row(m.classifier, str(m.batch), f"{m.per_second:,.0f}", f"{1000 / m.per_second:.3f}")
    console.print(table)
    console.print(machine())
    if not (args.no_write or args.no_bert):
        update_results(markdown(measurements))
        console.print(f"updated {RESULTS}")


if __name__ == "__main__":
    main()
