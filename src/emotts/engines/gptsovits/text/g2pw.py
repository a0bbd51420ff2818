"""G2PW: the polyphone model GPT-SoVITS v2+ uses to read Mandarin, run from the user's `G2PWModel/` folder.

The folder (GPT-SoVITS downloads it to `GPT_SoVITS/text/G2PWModel/`) holds a BERT-based ONNX classifier
(`g2pW.onnx`), the characters it disambiguates with their candidate bopomofo readings
(`POLYPHONIC_CHARS.txt`), one reading for every other character it knows (`MONOPHONIC_CHARS.txt`), the
bopomofo → pinyin table and `config.py`. The text is tokenised with the tokenizer of the user's
`chinese-roberta-wwm-ext-large` folder, as GPT-SoVITS does.

What `readings` gives for a sentence follows GPT-SoVITS's `text/g2pw/onnx_api.py`: the sentence is converted
to Taiwan traditional characters (OpenCC `s2tw`; the model was trained on them); each polyphonic character is
classified in a window of 16 characters around the polyphonic ones; characters of the monophonic table take
its reading; everything else takes pypinyin's reading of the whole (simplified) sentence. `word_readings`
then applies GPT-SoVITS's word overrides (`text/g2pw/polyphonic.rep` and `polyphonic-fix.rep`, read from the
user's GPT-SoVITS tree beside the model folder); without them, pypinyin's phrase dictionary (which
`polyphonic-fix.rep` was generated from) stands in for the fix list.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from pypinyin import Style, pinyin
from pypinyin.contrib.tone_convert import to_tone3

from emotts.errors import EmottsError

from .zh_normalize import traditional_to_simplified

__all__ = ["G2PW", "G2PWUnavailableError"]

log = logging.getLogger(__name__)

ONNX_NAMES = ("g2pW.onnx", "g2pw.onnx")
POLYPHONIC_FILE = "POLYPHONIC_CHARS.txt"
MONOPHONIC_FILE = "MONOPHONIC_CHARS.txt"
BOPOMOFO_FILE = "bopomofo_to_pinyin_wo_tune_dict.json"
CONFIG_FILE = "config.py"
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt")
# word overrides in GPT-SoVITS's source tree: `GPT_SoVITS/text/g2pw/`, beside `GPT_SoVITS/text/G2PWModel/`
OVERRIDE_FILES = ("polyphonic.rep", "polyphonic-fix.rep")  # in this order: the fix list wins
PACKAGES = {"onnxruntime": "onnxruntime", "opencc": "opencc"}  # module → PyPI name
CONTEXT_CHARS = 16  # characters the model sees on each side of the first and last polyphonic character
MAX_TOKENS = 512  # BERT positions, [CLS] and [SEP] included
# GPT-SoVITS reads these with pypinyin although the model lists them (traditional forms, after s2tw)
NOT_POLYPHONIC = frozenset("一不和咋嗲剖差攢倒難奔勁拗肖瘙誒泊听噢")
NOT_MONOPHONIC = frozenset("似攢")  # … and these although the monophonic table has them


class G2PWUnavailableError(EmottsError):
    """The G2PW folder lacks a file, or a package G2PW needs is not installed."""


def _table(path: Path) -> list[tuple[str, str]]:
    """`char<TAB>reading` lines."""
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").strip().split("\n"))
    return [(row[0], row[1].strip()) for row in rows if len(row) >= 2]


def _config(path: Path) -> dict[str, Any]:
    """The literal assignments of the folder's `config.py`, read without running it."""
    if not path.is_file():
        return {}
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return values


@cache
def _pypinyin_phrases() -> dict[str, list[str]]:
    from pypinyin.phrases_dict import phrases_dict

    return {
        word: [to_tone3(options[0], neutral_tone_with_five=True) for options in readings]
        for word, readings in phrases_dict.items()
    }


def _overrides(folder: Path) -> dict[str, list[str]]:
    """Word → readings (tone3, neutral 5) from GPT-SoVITS's `.rep` files (`word: ['a1', 'b2']` lines)."""
    words: dict[str, list[str]] = {}
    if not (folder / OVERRIDE_FILES[1]).is_file():
        log.info("G2PW: no %s; pypinyin's phrase dictionary stands in for it", folder / OVERRIDE_FILES[1])
        words = dict(_pypinyin_phrases())
    for name in OVERRIDE_FILES:
        path = folder / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                word, _, value = line.partition(":")
                if value.strip():
                    words[word.strip()] = list(ast.literal_eval(value.strip()))
    return words


def _words(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word the model's tokenizer sees: a run of ASCII letters and digits, or one
    other character; spaces belong to no word."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        end = i + 1
        if text[i].isascii() and text[i].isalnum():
            while end < len(text) and text[end].isascii() and text[end].isalnum():
                end += 1
        spans.append((i, end))
        i = end
    return spans


@dataclass(frozen=True)
class _Model:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # a transformers BERT tokenizer
    to_traditional: Any  # opencc.OpenCC("s2tw")
    labels: tuple[str, ...]  # model outputs: bopomofo readings, or "char reading" pairs
    char_ids: dict[str, int]  # polyphonic character → the model's character id
    masks: dict[str, np.ndarray]  # polyphonic character → 1.0 at its candidate labels
    polyphonic: frozenset[str]  # characters the model is asked about
    monophonic: dict[str, str]  # character → its one bopomofo reading
    bopomofo: dict[str, str]  # bopomofo without tone → pinyin without tone
    pair_labels: bool  # labels are "char reading"
    overrides: dict[str, list[str]]


class G2PW:
    """Polyphone readings from the user's G2PW folder; loads on first use, thread-safe."""

    def __init__(self, model_dir: Path | str, tokenizer_dir: Path | str) -> None:
        self.model_dir = Path(model_dir).expanduser()
        self.tokenizer_dir = Path(tokenizer_dir).expanduser()
        self.onnx_path = self._check_files()
        for module, package in PACKAGES.items():
            if importlib.util.find_spec(module) is None:
                raise G2PWUnavailableError(
                    f"the G2PW polyphone model needs the {package} package: pip install 'emotts[g2pw]'"
                )
        self._lock = threading.RLock()
        self._model: _Model | None = None

    def __repr__(self) -> str:
        return f"G2PW({str(self.model_dir)!r})"

    def _check_files(self) -> Path:
        purpose = "the G2PW polyphone model folder (GPT-SoVITS's GPT_SoVITS/text/G2PWModel)"
        if not self.model_dir.is_dir():
            raise G2PWUnavailableError(f"{self.model_dir} is missing: {purpose}")
        onnx = next((self.model_dir / n for n in ONNX_NAMES if (self.model_dir / n).is_file()), None)
        if onnx is None:
            raise G2PWUnavailableError(f"{self.model_dir / ONNX_NAMES[0]} is missing: the model of {purpose}")
        for name in (POLYPHONIC_FILE, MONOPHONIC_FILE, BOPOMOFO_FILE):
            if not (self.model_dir / name).is_file():
                raise G2PWUnavailableError(f"{self.model_dir / name} is missing: a table of {purpose}")
        if not any((self.tokenizer_dir / name).is_file() for name in TOKENIZER_FILES):
            raise G2PWUnavailableError(
                f"{self.tokenizer_dir / ' or '.join(TOKENIZER_FILES)} is missing: the BERT tokenizer that "
                "G2PW reads text with"
            )
        return onnx

    def _load(self) -> _Model:
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model

    def _build(self) -> _Model:
        import onnxruntime
        import opencc
        from transformers import AutoTokenizer

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = 2  # as GPT-SoVITS: a small model beside torch's threads
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(self.onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        tokenizer = AutoTokenizer.from_pretrained(self.tokenizer_dir, local_files_only=True)
        config = _config(self.model_dir / CONFIG_FILE)
        pair_labels = bool(config.get("use_char_phoneme", False))
        candidates = _table(self.model_dir / POLYPHONIC_FILE)
        names = [f"{char} {reading}" if pair_labels else reading for char, reading in candidates]
        labels = tuple(sorted(set(names)))
        index = {label: i for i, label in enumerate(labels)}
        masks: dict[str, np.ndarray] = {}
        for (char, _), name in zip(candidates, names, strict=True):
            masks.setdefault(char, np.zeros(len(labels), dtype=np.float32))[index[name]] = 1.0
        if not config.get("use_mask", True):
            masks = {char: np.ones(len(labels), dtype=np.float32) for char in masks}
        monophonic = dict(_table(self.model_dir / MONOPHONIC_FILE))
        model = _Model(
            session=session,
            tokenizer=tokenizer,
            to_traditional=opencc.OpenCC("s2tw.json"),
            labels=labels,
            char_ids={char: i for i, char in enumerate(sorted(masks))},
            masks=masks,
            polyphonic=frozenset(masks) - NOT_POLYPHONIC,
            monophonic={c: r for c, r in monophonic.items() if c not in NOT_MONOPHONIC},
            bopomofo=json.loads((self.model_dir / BOPOMOFO_FILE).read_text(encoding="utf-8")),
            pair_labels=pair_labels,
            overrides=_overrides(self.model_dir.parent / "g2pw"),
        )
        log.info("G2PW polyphone model loaded from %s", self.model_dir)
        return model

    def readings(self, sentence: str) -> list[str]:
        """Each character's pinyin with tone digit (neutral 5), e.g. "hang2"; punctuation stays itself."""
        with self._lock:  # tokenizer and OpenCC are not documented thread-safe; the model is small
            model = self._load()
            traditional = model.to_traditional.convert(sentence)
            if len(traditional) != len(sentence):  # cannot align a conversion that changed the length
                traditional = sentence
            simplified = traditional.translate(traditional_to_simplified())
            base = pinyin(simplified, style=Style.TONE3, neutral_tone_with_five=True, errors=list)
            readings = [options[0] for options in base]
            queries = [i for i, char in enumerate(traditional) if char in model.polyphonic]
            for i, char in enumerate(traditional):
                if char not in model.polyphonic and char in model.monophonic:
                    readings[i] = self._pinyin(model, model.monophonic[char]) or readings[i]
            for i, label in zip(queries, self._predict(model, traditional, queries), strict=True):
                reading = label.split(" ")[1] if model.pair_labels else label
                readings[i] = self._pinyin(model, reading) or readings[i]
            return readings

    def word_readings(self, word: str, readings: Sequence[str]) -> list[str]:
        """GPT-SoVITS's `correct_pronunciation`: a listed word takes its listed readings; otherwise a listed
        single character takes the first of its own."""
        overrides = self._load().overrides
        if word in overrides:
            return list(overrides[word])
        return [overrides[c][0] if c in overrides else r for c, r in zip(word, readings, strict=False)]

    @staticmethod
    def _pinyin(model: _Model, bopomofo: str) -> str | None:
        """Bopomofo with tone digit → pinyin with tone digit (ㄏㄤ2 → hang2); None if the table lacks it."""
        syllable = model.bopomofo.get(bopomofo[:-1])
        return syllable + bopomofo[-1] if syllable and bopomofo[-1] in "12345" else None

    def _predict(self, model: _Model, sentence: str, queries: list[int]) -> list[str]:
        """The model's label for each queried character, seen in its context window."""
        if not queries:
            return []
        left = max(0, queries[0] - CONTEXT_CHARS)
        text = sentence[left : queries[-1] + CONTEXT_CHARS + 1].lower()
        tokens, char_token = self._tokenize(model.tokenizer, text)
        # a text longer than BERT's positions is cut to a window of tokens centred on each query
        room = MAX_TOKENS - 2
        windows: dict[tuple[int, int], list[int]] = {}
        for n, i in enumerate(queries):
            start = min(max(0, char_token[i - left] - room // 2), max(0, len(tokens) - room))
            windows.setdefault((start, min(len(tokens), start + room)), []).append(n)
        labels = [""] * len(queries)
        tokenizer = model.tokenizer
        for (start, end), members in windows.items():
            ids = tokenizer.convert_tokens_to_ids(
                [tokenizer.cls_token, *tokens[start:end], tokenizer.sep_token]
            )
            chars = [sentence[queries[n]] for n in members]
            feeds = {
                "input_ids": np.array([ids], dtype=np.int64),  # one row, shared by every query of the text
                "token_type_ids": np.zeros((1, len(ids)), dtype=np.int64),
                "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
                "phoneme_mask": np.stack([model.masks[c] for c in chars]),
                "char_ids": np.array([model.char_ids[c] for c in chars], dtype=np.int64),
                "position_ids": np.array(
                    [char_token[queries[n] - left] - start + 1 for n in members], dtype=np.int64
                ),
            }
            probs = model.session.run(None, feeds)[0]
            for n, best in zip(members, np.argmax(probs, axis=1), strict=True):
                labels[n] = model.labels[int(best)]
        return labels

    @staticmethod
    def _tokenize(tokenizer: Any, text: str) -> tuple[list[str], list[int]]:
        """Word pieces of `text` and, per character, the index of the token that covers it."""
        tokens: list[str] = []
        char_token = [-1] * len(text)
        for start, end in _words(text):
            pieces = tokenizer.tokenize(text[start:end])
            if not pieces or pieces == [tokenizer.unk_token]:
                pieces, spans = [tokenizer.unk_token], [(start, end)]
            else:
                spans = []
                for piece in pieces:
                    width = len(piece.removeprefix("##"))
                    spans.append((start, start + width))
                    start += width
            for piece, (first, last) in zip(pieces, spans, strict=True):
                for i in range(first, min(last, len(text))):
                    char_token[i] = len(tokens)
                tokens.append(piece)
        return tokens, char_token
