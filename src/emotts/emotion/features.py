"""Text → sparse feature rows for the built-in classifier: one code path for training and inference.

A text is normalised, cut into units — one CJK character or punctuation mark, one English word, one digit
run — and every run of 1 to `max_n` units is a feature (我|不|怕, so|happy). Units within reach after a
negator (不, 没, not) are marked, so 开心 in 我一点也不开心 is a different feature from 开心. Each row is
TF-IDF weighted and L2-normalised, then the cue lexicon's 15 label scores are appended as extra columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emotts.emotion.labels import EMOTIONS
from emotts.emotion.lexicon import Lexicon

_QUOTES = str.maketrans(dict.fromkeys("“”「」『』‘’`'\"", "'"))
_SPACES = re.compile(r"\s+")
# How a line ends was the writers' habit more than the emotion's: 99 % of the corpus's 兴奋 lines end
# in !, 4 % of its 高兴 lines, none of its 中性 lines, so a model that reads a final ! hears 你好！ as
# angry. A final full stop, a final run of ! and no ending at all are therefore the same text; ? ~ and …
# stay (questions and trailing off are part of what is said).
_FINAL_MARK = re.compile(r"(?:(?<!\.)[.。]|!+)$")
_UNIT = re.compile(r"[a-z]+(?:'[a-z]+)*|[0-9]+|\S")
_NEGATORS = frozenset(
    ("不", "没", "别", "未", "无", "not", "no", "never", "don't", "didn't", "isn't", "can't")
)
_CLAUSE_BREAKS = frozenset(",.!?;:、。~")  # after NFKC; a negator does not reach across them
_NEGATED = "¬"  # prefix of a negated unit
_START, _END = "^", "$"  # boundary units; a ^, $ or ¬ in the text itself is escaped with a backslash


def normalize(text: str) -> str:
    """Full-width forms folded (！→!), lower case, one kind of quote, single spaces, no final 。 . or !."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    return _FINAL_MARK.sub("", _SPACES.sub(" ", text).strip()).rstrip()


@dataclass(frozen=True)
class FeatureSpec:
    max_n: int = 2  # n-grams of 1..max_n units
    boundaries: bool = True  # ^ and $ units, so 哼 at the start is a feature of its own
    negation_reach: int = 3  # units after a negator that are marked negated; 0 turns marking off
    lexicon_weight: float = 0.5  # scale of the lexicon's label scores beside the unit-norm n-grams; 0: none
    min_count: int = 2  # an n-gram must occur in this many training texts to get a column
    # Rows are L2-normalised, which gives a two-character text as much evidence as a whole line. Two
    # corrections shrink the evidence of texts unlike the corpus lines instead: n-grams without a column
    # dilute the others (1: as much as the rarest n-gram with a column), so a text the model mostly cannot
    # read gets weak features rather than a comma's; and no row is divided by less than this quantile of the
    # training lines' norms, so 你好！ is not read as confidently as a whole line.
    unseen_weight: float = 0.3
    norm_floor_quantile: float = 0.1


def units(text: str, spec: FeatureSpec) -> list[str]:
    """The units of a normalised text: digit runs as 0, negated units prefixed with ¬, boundaries added."""
    found: list[str] = []
    reach = 0
    for match in _UNIT.finditer(text):
        unit = match.group()
        if unit.isdigit():
            unit = "0"
        elif unit in (_START, _END, _NEGATED):
            unit = "\\" + unit
        if unit in _CLAUSE_BREAKS:
            reach = 0
        elif reach:
            reach -= 1
            unit = _NEGATED + unit
        if spec.negation_reach and unit in _NEGATORS:
            reach = spec.negation_reach
        found.append(unit)
    return [_START, *found, _END] if spec.boundaries else found


def ngrams(text: str, spec: FeatureSpec) -> list[str]:
    """Every run of 1..max_n units of the normalised text, units joined by a space."""
    seq = units(text, spec)
    return [" ".join(seq[i : i + n]) for n in range(1, spec.max_n + 1) for i in range(len(seq) - n + 1)]


@dataclass(frozen=True)
class SparseRows:
    """A CSR matrix: row r has `values[indptr[r]:indptr[r+1]]` in columns `indices[...]`."""

    indptr: np.ndarray  # int64, n_rows + 1
    indices: np.ndarray  # int32
    values: np.ndarray  # float32
    n_columns: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """self @ weights: (n_rows, n_columns) @ (n_columns, k)."""
        out = np.zeros((self.n_rows, weights.shape[1]), dtype=np.result_type(weights, np.float32))
        filled = np.flatnonzero(np.diff(self.indptr))  # reduceat cannot sum an empty row
        if len(filled):
            products = weights[self.indices] * self.values[:, None]
            out[filled] = np.add.reduceat(products, self.indptr[filled], axis=0)
        return out

    def transpose(self) -> SparseRows:
        """The columns as rows, for the weight gradient of a linear layer: X.T @ grad."""
        order = np.argsort(self.indices, kind="stable")
        rows = np.repeat(np.arange(self.n_rows, dtype=np.int32), np.diff(self.indptr))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.indices, minlength=self.n_columns))])
        return SparseRows(indptr, rows[order], self.values[order], self.n_rows)


class Featurizer:
    """The n-gram vocabulary with its IDF weights, and the lexicon; columns: n-grams, then 15 label scores."""

    def __init__(
        self, spec: FeatureSpec, vocabulary: Sequence[str], idf: np.ndarray, norm_floor: float
    ) -> None:
        self.spec = spec
        self.vocabulary = list(vocabulary)
        self.index = {gram: i for i, gram in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.norm_floor = norm_floor
        self.unseen_idf = float(self.idf.max(initial=1.0))  # an unseen n-gram is at least as rare as any seen
        self.lexicon = Lexicon.load() if spec.lexicon_weight else None
        self.n_columns = len(self.vocabulary) + (len(EMOTIONS) if self.lexicon else 0)

    @classmethod
    def fit(cls, texts: Sequence[str], spec: FeatureSpec) -> Featurizer:
        """Vocabulary of n-grams in ≥ min_count texts, sorted; smoothed IDF, as in TF-IDF; the norm floor."""
        document_counts = Counter(gram for text in texts for gram in set(ngrams(normalize(text), spec)))
        vocabulary = sorted(gram for gram, count in document_counts.items() if count >= spec.min_count)
        counts = np.array([document_counts[gram] for gram in vocabulary], dtype=np.float64)
        idf = np.log((1 + len(texts)) / (1 + counts)) + 1
        unfloored = cls(spec, vocabulary, idf, norm_floor=0.0)
        norms = [unfloored._ngram_weights(normalize(text))[2] for text in texts]
        return cls(
            spec, vocabulary, idf, float(np.quantile(norms, spec.norm_floor_quantile)) if texts else 0.0
        )

    def transform(self, texts: Sequence[str]) -> SparseRows:
        indptr, indices, values = [0], [], []
        for text in texts:
            text = normalize(text)
            columns, weights, norm = self._ngram_weights(text)
            weights /= max(norm, self.norm_floor, 1e-12)
            if self.lexicon is not None:
                scores = np.asarray(self.lexicon.scores(text), dtype=np.float32) * self.spec.lexicon_weight
                cues = np.flatnonzero(scores)
                columns = np.concatenate([columns, len(self.vocabulary) + cues.astype(np.int32)])
                weights = np.concatenate([weights, scores[cues]])
            indices.append(columns)
            values.append(weights)
            indptr.append(indptr[-1] + len(columns))
        return SparseRows(
            np.array(indptr, dtype=np.int64),
            np.concatenate(indices or [np.empty(0, np.int32)]).astype(np.int32),
            np.concatenate(values or [np.empty(0, np.float32)]).astype(np.float32),
            self.n_columns,
        )

    def _ngram_weights(self, text: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Columns and sublinear TF-IDF weights of the normalised text's n-grams that have a column, and the
        norm to divide them by: theirs, diluted by the n-grams that have none."""
        counts = Counter(ngrams(text, self.spec))
        known = {self.index[gram]: count for gram, count in counts.items() if gram in self.index}
        columns = np.fromiter(known, dtype=np.int32, count=len(known))
        weights = _sublinear(np.fromiter(known.values(), np.float32, len(known))) * self.idf[columns]
        unseen = _sublinear(np.array([c for gram, c in counts.items() if gram not in self.index], np.float32))
        squared = np.sum(weights**2) + np.sum(unseen**2) * self.spec.unseen_weight * self.unseen_idf**2
        return columns, weights, float(np.sqrt(squared))


def _sublinear(counts: np.ndarray) -> np.ndarray:
    """1 + log(count): the fifth 哈 in a row says less than the first."""
    return 1 + np.log(counts)
