"""GPT-SoVITS English frontend: normalised text -> ARPAbet phones, offline.

Mirrors GPT-SoVITS ``text/english.py`` (MIT) as run by the reference fixtures: a TweetTokenizer-like split,
then per token: punctuation as is, "A" -> EY1, homographs (g2p_en's table with every token tagged ``NN``,
because the reference replaced NLTK's POS tagger by that stub), the CMU dictionary (+ GPT-SoVITS
additions), a name dictionary for Title-case words, spelling of short unknown words, possessive 's, compound
splitting with wordsegment's unigram/bigram model, and finally g2p_en's neural model (a GRU encoder-decoder
run greedily, re-implemented here in numpy). All data comes from ``data/`` (see its README for sources and
licences); nothing is downloaded.
"""

from __future__ import annotations

import lzma
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .en_normalize import normalize

__all__ = ["g2p", "normalize"]

DATA = Path(__file__).resolve().parent / "data"

# The reference replaced nltk.pos_tag by a stub that tags every token "NN"; homograph choice depends on it.
POS_TAG = "NN"

# Non-letter tokens that survive GPT-SoVITS' replace_phs (they are in the v2 symbol table); "'" becomes "-".
_PUNCT_SYMBOLS = frozenset({"!", "?", "…", ",", ".", "-", "_", "[", "]"})
_ARPA_TEXT = """
AA0 AA1 AA2 AE0 AE1 AE2 AH0 AH1 AH2 AO0 AO1 AO2 AW0 AW1 AW2 AY0 AY1 AY2 B CH D DH EH0 EH1 EH2 ER ER0 ER1 ER2
EY0 EY1 EY2 F G HH IH IH0 IH1 IH2 IY0 IY1 IY2 JH K L M N NG OW0 OW1 OW2 OY0 OY1 OY2 P R S SH T TH UH0 UH1 UH2
UW0 UW1 UW2 V W Y Z ZH
"""
ARPA = frozenset(_ARPA_TEXT.split())
_DROPPED = frozenset({" ", "<pad>", "UW", "</s>", "<s>"})

# TweetTokenizer, restricted to what can occur in normalised text (letters, digits, space, '.,?!-): naked
# domain names ("E.md"), words with inner apostrophes/dashes, plain words, spaced ellipses, any other char.
_TOKEN_RE = re.compile(
    r"""(?<!@)[a-z0-9]+(?:[.\-][a-z0-9]+){0,126}[.](?:[a-z]{2,13})\b/?(?!@)
    |(?:[^\W\d_](?:[^\W\d_]|['\-_])+[^\W\d_])
    |(?:[+\-]?\d+[,/.:-]\d+[+\-]?)
    |(?:[\w_]+)
    |(?:\.(?:[^\S\r\n]*\.){1,})
    |(?:\S)""",
    re.VERBOSE | re.IGNORECASE,
)
_HANG_RE = re.compile(r"([^\w]|_)\1{3,}")


def tokenize(text: str) -> list[str]:
    """Split like NLTK's ``TweetTokenizer().tokenize`` does on normalised English."""
    return _TOKEN_RE.findall(_HANG_RE.sub(r"\1\1\1", text))


def _read_table(name: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    with lzma.open(DATA / name, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            word, phones = line.rstrip("\n").split("\t")
            table[word] = phones.split(" ")
    return table


def _read_counts(name: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    with lzma.open(DATA / name, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                word, count = line.rstrip("\n").split("\t")
                counts[word] = float(count)
    return counts


def _read_homographs() -> dict[str, list[str]]:
    """g2p_en's homograph table (with GPT-SoVITS' two corrections) resolved for the constant POS tag."""
    entries: dict[str, tuple[list[str], list[str], str]] = {}
    for line in (DATA / "en_homographs.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            word, pron1, pron2, pos1 = line.strip().split("|")
            entries[word.lower()] = (pron1.split(), pron2.split(), pos1)
    entries["read"] = (["R", "IY1", "D"], ["R", "EH1", "D"], "VBP")
    entries["complex"] = (
        ["K", "AH0", "M", "P", "L", "EH1", "K", "S"],
        ["K", "AA1", "M", "P", "L", "EH0", "K", "S"],
        "JJ",
    )
    chosen = {}
    for word, (pron1, pron2, pos1) in entries.items():
        first = POS_TAG.startswith(pos1) or (len(POS_TAG) < len(pos1) and pos1.startswith(POS_TAG))
        chosen[word] = pron1 if first else pron2
    return chosen


class WordSegmenter:
    """wordsegment 1.3.1's unigram/bigram segmentation (Norvig's "Natural Language Corpus Data")."""

    TOTAL = 1024908267229.0
    LIMIT = 24
    _ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")

    def __init__(self, unigrams: dict[str, float], bigrams: dict[str, float]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams

    def _score(self, word: str, previous: str | None = None) -> float:
        if previous is not None:
            bigram = f"{previous} {word}"
            if bigram in self.bigrams and previous in self.unigrams:
                return self.bigrams[bigram] / self.TOTAL / self._score(previous)
        if word in self.unigrams:
            return self.unigrams[word] / self.TOTAL
        return 10.0 / (self.TOTAL * 10 ** len(word))  # unseen words: penalise by length

    def _search(self, text: str) -> tuple[float, list[str]]:
        memo: dict[tuple[str, str], tuple[float, list[str]]] = {}

        def search(text: str, previous: str) -> tuple[float, list[str]]:
            if not text:
                return 0.0, []
            best: tuple[float, list[str]] | None = None
            for pos in range(1, min(len(text), self.LIMIT) + 1):
                prefix, suffix = text[:pos], text[pos:]
                if (suffix, prefix) not in memo:
                    memo[suffix, prefix] = search(suffix, prefix)
                suffix_score, suffix_words = memo[suffix, prefix]
                candidate = (
                    math.log10(self._score(prefix, previous)) + suffix_score,
                    [prefix, *suffix_words],
                )
                if best is None or candidate > best:  # tuple order, as max() breaks ties by the word lists
                    best = candidate
            assert best is not None
            return best

        return search(text, "<s>")

    def segment(self, text: str) -> list[str]:
        clean = "".join(c for c in text.lower() if c in self._ALPHABET)
        words: list[str] = []
        prefix = ""
        for offset in range(0, len(clean), 250):  # chunked like wordsegment to bound the recursion
            chunk_words = self._search(prefix + clean[offset : offset + 250])[1]
            prefix = "".join(chunk_words[-5:])
            words.extend(chunk_words[:-5])
        return words + self._search(prefix)[1]


@dataclass(frozen=True)
class _GruWeights:
    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray


# g2p_en's output vocabulary after its four special tokens (note the stressless "UW").
_G2P_EN_PHONES = """
AA0 AA1 AA2 AE0 AE1 AE2 AH0 AH1 AH2 AO0 AO1 AO2 AW0 AW1 AW2 AY0 AY1 AY2 B CH D DH EH0 EH1 EH2 ER0 ER1 ER2 EY0
EY1 EY2 F G HH IH0 IH1 IH2 IY0 IY1 IY2 JH K L M N NG OW0 OW1 OW2 OY0 OY1 OY2 P R S SH T TH UH0 UH1 UH2 UW UW0
UW1 UW2 V W Y Z ZH
"""


class NeuralG2p:
    """g2p_en 2.1.0's OOV model (``checkpoint20.npz``): GRU encoder over letters, greedy GRU decoder."""

    GRAPHEMES = ("<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz")
    PHONEMES = ("<pad>", "<unk>", "<s>", "</s>", *_G2P_EN_PHONES.split())
    MAX_STEPS = 20

    def __init__(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as v:
            self.enc_emb = v["enc_emb"]
            self.dec_emb = v["dec_emb"]
            self.encoder = _GruWeights(v["enc_w_ih"], v["enc_w_hh"], v["enc_b_ih"], v["enc_b_hh"])
            self.decoder = _GruWeights(v["dec_w_ih"], v["dec_w_hh"], v["dec_b_ih"], v["dec_b_hh"])
            self.fc_w = v["fc_w"]
            self.fc_b = v["fc_b"]
        self._g2idx = {g: i for i, g in enumerate(self.GRAPHEMES)}

    @staticmethod
    def _cell(x: np.ndarray, h: np.ndarray, w: _GruWeights) -> np.ndarray:
        # PyTorch GRU gate layout (r, z, n); same operation order as g2p_en so argmax ties resolve alike.
        gi = np.matmul(x, w.w_ih.T) + w.b_ih
        gh = np.matmul(h, w.w_hh.T) + w.b_hh
        split = gi.shape[-1] * 2 // 3
        rz = 1 / (1 + np.exp(-(gi[:, :split] + gh[:, :split])))
        r, z = np.split(rz, 2, -1)
        n = np.tanh(gi[:, split:] + r * gh[:, split:])
        return (1 - z) * n + z * h

    def __call__(self, word: str) -> list[str]:
        ids = [self._g2idx.get(c, 1) for c in [*word, "</s>"]]
        x = np.take(self.enc_emb, np.expand_dims(ids, 0), axis=0)
        h = np.zeros((1, self.encoder.w_hh.shape[-1]), np.float32)
        for t in range(len(ids)):
            h = self._cell(x[:, t, :], h, self.encoder)
        dec = np.take(self.dec_emb, [2], axis=0)  # <s>
        preds: list[str] = []
        for _ in range(self.MAX_STEPS):
            h = self._cell(dec, h, self.decoder)
            pred = int((np.matmul(h, self.fc_w.T) + self.fc_b).argmax())
            if pred == 3:  # </s>
                break
            preds.append(self.PHONEMES[pred] if pred < len(self.PHONEMES) else "<unk>")
            dec = np.take(self.dec_emb, [pred], axis=0)
        return preds


_VOICELESS_END = frozenset({"P", "T", "K", "F", "TH", "HH"})
_SIBILANT_END = frozenset({"S", "Z", "SH", "ZH", "CH", "JH"})
_POSSESSIVE_RE = re.compile(r"^([a-z]+)('s)$")


class EnglishG2p:
    """Dictionary lookups with the GPT-SoVITS fallbacks; see the module docstring."""

    def __init__(self) -> None:
        self.cmu = _read_table("en_cmudict.tsv.xz")
        self.names = _read_table("en_names.tsv.xz")
        self.homographs = _read_homographs()
        self.segmenter = WordSegmenter(
            _read_counts("en_wordsegment_unigrams.tsv.xz"), _read_counts("en_wordsegment_bigrams.tsv.xz")
        )
        self.predict = NeuralG2p(DATA / "en_g2p_checkpoint20.npz")

    def word(self, o_word: str) -> list[str]:
        """Phones of one token (original case; case matters for "A" and for names)."""
        word = o_word.lower()
        if re.search("[a-z]", word) is None:
            return [word]
        if len(word) == 1:
            return ["EY1"] if o_word == "A" else self.cmu[word]
        if word in self.homographs:
            return self.homographs[word]
        return self.lookup(o_word)

    def lookup(self, o_word: str) -> list[str]:
        word = o_word.lower()
        if len(word) > 1 and word in self.cmu:
            return self.cmu[word]
        if o_word.istitle() and word in self.names:
            return self.names[word]
        if len(word) <= 3:  # short unknown words are spelled out
            phones: list[str] = []
            for c in word:
                if c == "a":
                    phones.append("EY1")
                elif not c.isalpha():
                    phones.append(c)
                else:
                    phones.extend(self.cmu.get(c) or self.predict(c))
            return phones
        if _POSSESSIVE_RE.match(word):
            phones = list(self.lookup(word[:-2]))
            last = phones[-1] if phones else ""
            if last in _VOICELESS_END:
                return [*phones, "S"]
            if last in _SIBILANT_END:
                return [*phones, "AH0", "Z"]
            return [*phones, "Z"]
        parts = self.segmenter.segment(word)
        if len(parts) <= 1:
            return self.predict(word)
        return [phone for part in parts for phone in self.lookup(part)]

    def __call__(self, text: str) -> list[str]:
        phones: list[str] = []
        for token in tokenize(text):
            for ph in self.word(token):
                if ph in _DROPPED:
                    continue
                ph = "UNK" if ph == "<unk>" else ph
                if ph in ARPA or ph in _PUNCT_SYMBOLS or ph == "UNK":
                    phones.append(ph)
                elif ph == "'":
                    phones.append("-")
        return phones


_lock = threading.Lock()
_instance: EnglishG2p | None = None


def _g2p() -> EnglishG2p:
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = EnglishG2p()
    return _instance


def g2p(norm_text: str) -> tuple[list[str], None]:
    """ARPAbet phones (stress digits kept) and punctuation for normalised English; no word2ph."""
    return _g2p()(norm_text), None
