"""G2PW polyphone readings for v2+ Mandarin: a tiny model in the official folder format decides 行 and 长.

The tiny ONNX model has G2PW's six inputs and its output (label probabilities, masked to the queried
character's candidates). Its scores are a label bias, plus a bonus per context token (through input_ids and
attention_mask), plus a bonus for the token at the query position (through position_ids), so each test can
make it prefer a reading and see whether the frontend follows.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from emotts.cli import main
from emotts.engines.gptsovits.engine import GsvEngineConfig, resolve_g2pw_dir
from emotts.engines.gptsovits.helper_models import HelperModels
from emotts.engines.gptsovits.pretrained import BERT_DIR, PretrainedModels
from emotts.engines.gptsovits.text.chinese import g2p, normalize
from emotts.engines.gptsovits.text.cleaner import clean_text
from emotts.engines.gptsovits.text.g2pw import G2PW, G2PWUnavailableError
from emotts.engines.gptsovits.text.preprocess import phones_and_bert

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("opencc")

from onnx import TensorProto, helper  # noqa: E402

# the model sees Taiwan traditional characters: 长 → 長, 银 → 銀
POLYPHONIC = [("行", "ㄏㄤ2"), ("行", "ㄒㄧㄥ2"), ("長", "ㄔㄤ2"), ("長", "ㄓㄤ3")]
LABELS = sorted({reading for _, reading in POLYPHONIC})  # ㄏㄤ2 ㄒㄧㄥ2 ㄓㄤ3 ㄔㄤ2
MONOPHONIC = [("他", "ㄊㄚ3")]  # deliberately not pypinyin's ta1: the table wins
BOPOMOFO = {"ㄏㄤ": "hang", "ㄒㄧㄥ": "xing", "ㄔㄤ": "chang", "ㄓㄤ": "zhang", "ㄊㄚ": "ta"}
TEXTS = "他很行。他长了。他去银行。你好世界。你好他很行。我很行。"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _vocab() -> list[str]:
    import opencc

    chars = set(TEXTS) | set(opencc.OpenCC("s2tw.json").convert(TEXTS))
    return SPECIALS + sorted(chars)


def _label(reading: str) -> int:
    return LABELS.index(reading)


def _onnx_model(
    path: Path,
    prefer: str,
    context: Mapping[str, str] | None = None,
    at_query: Mapping[str, str] | None = None,
) -> None:
    """Scores: 3 for `prefer`, 1 for the other labels; +10 for context[token]'s label when that token is in
    the text; +10 for at_query[token]'s label when that token is at the query position."""
    vocab = _vocab()
    n = len(LABELS)
    bias = np.ones(n, dtype=np.float32)
    bias[_label(prefer)] = 3.0
    tables = {}
    for name, bonus in (("context", context), ("at_query", at_query)):
        table = np.zeros((len(vocab), n), dtype=np.float32)
        for token, reading in (bonus or {}).items():
            table[vocab.index(token), _label(reading)] = 10.0
        tables[name] = table
    chars = sorted({char for char, _ in POLYPHONIC})
    init = [
        helper.make_tensor("bias", TensorProto.FLOAT, [n], bias),
        helper.make_tensor("context", TensorProto.FLOAT, tables["context"].shape, tables["context"].ravel()),
        helper.make_tensor(
            "at_query", TensorProto.FLOAT, tables["at_query"].shape, tables["at_query"].ravel()
        ),
        helper.make_tensor("per_char", TensorProto.FLOAT, [len(chars), n], np.zeros(len(chars) * n)),
        helper.make_tensor("axis1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
    ]
    nodes = [
        helper.make_node("Gather", ["context", "input_ids"], ["ctx"]),  # [B, T, L]
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["ctx", "mask3"], ["ctx_masked"]),
        helper.make_node("ReduceSum", ["ctx_masked", "axis1"], ["ctx_sum"], keepdims=0),  # [B, L]
        # the token at each query's position, whether the text row is shared (B = 1) or per query (B = N)
        helper.make_node("Shape", ["position_ids"], ["n_shape"]),
        helper.make_node("Shape", ["input_ids"], ["bt_shape"]),
        helper.make_node("Slice", ["bt_shape", "axis1", "axis2"], ["t_shape"]),
        helper.make_node("Concat", ["n_shape", "t_shape"], ["nt_shape"], axis=0),
        helper.make_node("Expand", ["input_ids", "nt_shape"], ["ids_per_query"]),  # [N, T]
        helper.make_node("Unsqueeze", ["position_ids", "axis1"], ["positions"]),
        helper.make_node("GatherElements", ["ids_per_query", "positions"], ["query_tokens2"], axis=1),
        helper.make_node("Squeeze", ["query_tokens2", "axis1"], ["query_tokens"]),  # [N]
        helper.make_node("Gather", ["at_query", "query_tokens"], ["query_score"]),  # [N, L]
        helper.make_node("Gather", ["per_char", "char_ids"], ["char_score"]),  # [N, L]
        helper.make_node("Cast", ["token_type_ids"], ["types_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["types_f"], ["types_sum"], keepdims=0),  # 0: segment A only
        helper.make_node("Add", ["ctx_sum", "query_score"], ["s1"]),
        helper.make_node("Add", ["s1", "char_score"], ["s2"]),
        helper.make_node("Add", ["s2", "bias"], ["s3"]),
        helper.make_node("Add", ["s3", "types_sum"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["softmax"], axis=-1),
        helper.make_node("Mul", ["softmax", "phoneme_mask"], ["probs"]),
    ]
    int_input = [("input_ids", ["B", "T"]), ("token_type_ids", ["B", "T"]), ("attention_mask", ["B", "T"])]
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, shape) for name, shape in int_input]
    inputs += [
        helper.make_tensor_value_info("phoneme_mask", TensorProto.FLOAT, ["N", n]),
        helper.make_tensor_value_info("char_ids", TensorProto.INT64, ["N"]),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["N"]),
    ]
    output = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", n])
    graph = helper.make_graph(nodes, "tiny_g2pw", inputs, [output], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # loadable by onnxruntime 1.17
    onnx.checker.check_model(model)
    onnx.save(model, path)


def _tokenizer(folder: Path) -> Path:
    from transformers import BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(_vocab()) + "\n", encoding="utf-8")
    BertTokenizer(vocab=str(folder / "vocab.txt")).save_pretrained(folder)
    return folder


def _g2pw_folder(root: Path, prefer: str, config: str = "use_mask = True\n", **bonus: dict[str, str]) -> Path:
    """A G2PWModel folder as GPT-SoVITS lays it out: <root>/text/G2PWModel."""
    folder = root / "text" / "G2PWModel"
    folder.mkdir(parents=True, exist_ok=True)
    _onnx_model(folder / "g2pW.onnx", prefer, **bonus)
    (folder / "POLYPHONIC_CHARS.txt").write_text(
        "\n".join(f"{c}\t{r}" for c, r in POLYPHONIC), encoding="utf-8"
    )
    (folder / "MONOPHONIC_CHARS.txt").write_text(
        "\n".join(f"{c}\t{r}" for c, r in MONOPHONIC), encoding="utf-8"
    )
    (folder / "bopomofo_to_pinyin_wo_tune_dict.json").write_text(json.dumps(BOPOMOFO), encoding="utf-8")
    (folder / "config.py").write_text(f"model_source = 'bert-base-chinese'\n{config}", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tokenizer(tmp_path_factory.mktemp("tokenizer") / BERT_DIR)


@pytest.fixture
def make_g2pw(tmp_path: Path, tokenizer_dir: Path) -> Callable[..., G2PW]:
    count = iter(range(100))

    def make(prefer: str, **options: object) -> G2PW:
        return G2PW(_g2pw_folder(tmp_path / f"gsv{next(count)}", prefer, **options), tokenizer_dir)  # type: ignore[arg-type]

    return make


def _phones(text: str, g2pw: G2PW | None = None) -> list[str]:
    return g2p(normalize(text), g2pw)[0]


def test_the_models_choice_decides_a_polyphonic_character(make_g2pw: Callable[..., G2PW]) -> None:
    hang, xing = make_g2pw("ㄏㄤ2"), make_g2pw("ㄒㄧㄥ2")
    assert _phones("他很行。", hang)[-3:-1] == ["h", "ang2"]
    assert _phones("他很行。", xing)[-3:-1] == ["x", "ing2"]
    # 长 is 長 to the model; the mask keeps each character to its own candidates (no "hang" for 長)
    assert _phones("他长了。", make_g2pw("ㄓㄤ3"))[2:4] == ["zh", "ang3"]
    assert _phones("他长了。", make_g2pw("ㄔㄤ2"))[2:4] == ["ch", "ang2"]
    assert _phones("他长了。", hang)[2:4] == ["zh", "ang3"]  # tie between 長's own two: the first


def test_context_tokens_and_the_query_position_reach_the_model(make_g2pw: Callable[..., G2PW]) -> None:
    # 好 in the sentence pushes 行 to hang2 against the model's preference for xing2
    g2pw = make_g2pw("ㄒㄧㄥ2", context={"好": "ㄏㄤ2"})
    assert _phones("你好他很行。", g2pw)[-3:-1] == ["h", "ang2"]
    assert _phones("我很行。", g2pw)[-3:-1] == ["x", "ing2"]
    # the bonus for the token at position_ids counts only if position_ids point at 行 itself ([CLS] first)
    at_query = make_g2pw("ㄒㄧㄥ2", at_query={"行": "ㄏㄤ2"})
    assert _phones("我很行。", at_query)[-3:-1] == ["h", "ang2"]


def test_labels_as_char_reading_pairs(make_g2pw: Callable[..., G2PW]) -> None:
    g2pw = make_g2pw("ㄏㄤ2", config="use_mask = True\nuse_char_phoneme = True\n")
    assert _phones("他很行。", g2pw)[-3:-1] == ["h", "ang2"]


def test_other_characters_and_the_pypinyin_path_are_unchanged(make_g2pw: Callable[..., G2PW]) -> None:
    g2pw = make_g2pw("ㄏㄤ2")
    for text in ("你好世界。", "我很好，你呢？"):
        assert _phones(text, g2pw) == _phones(text)
    assert _phones("你好世界。") == ["n", "i2", "h", "ao3", "sh", "ir4", "j", "ie4", "."]
    assert _phones("他很行。") == ["t", "a1", "h", "en3", "x", "ing2", "."]  # pypinyin alone
    # a character of the monophonic table takes the table's reading, as GPT-SoVITS does
    assert _phones("他很行。", g2pw)[:2] == ["t", "a3"]


def test_word_overrides_beat_the_model(make_g2pw: Callable[..., G2PW], tmp_path: Path) -> None:
    # without GPT-SoVITS's .rep files, pypinyin's phrase dictionary stands in: 银行 is yin2 hang2
    xing = make_g2pw("ㄒㄧㄥ2")
    assert _phones("他去银行。", xing)[-3:-1] == ["h", "ang2"]
    assert _phones("他很行。", xing)[-3:-1] == ["x", "ing2"]
    # with them (GPT_SoVITS/text/g2pw/ beside G2PWModel), their words win and pypinyin's list is not used
    overridden = make_g2pw("ㄒㄧㄥ2")
    rep = overridden.model_dir.parent / "g2pw"
    rep.mkdir()
    (rep / "polyphonic.rep").write_text("很行: ['hen3', 'hang2']\n", encoding="utf-8")
    (rep / "polyphonic-fix.rep").write_text("世界: ['shi4', 'jie4']\n", encoding="utf-8")
    assert overridden.word_readings("很行", ["hen3", "xing2"]) == ["hen3", "hang2"]
    assert overridden.word_readings("银行", ["yin2", "xing2"]) == ["yin2", "xing2"]
    assert _phones("他去银行。", overridden)[-3:-1] == ["x", "ing2"]


def test_v1_and_other_languages_never_use_g2pw(make_g2pw: Callable[..., G2PW]) -> None:
    g2pw = make_g2pw("ㄏㄤ2")
    assert clean_text("他很行。", "zh", "v1", g2pw) == clean_text("他很行。", "zh", "v1")
    assert clean_text("他很行。", "zh", "v2", g2pw).phones[-2] == "ang2"
    assert phones_and_bert("他很行。", "zh", "v2ProPlus", None, g2pw).phone_ids != (
        phones_and_bert("他很行。", "zh", "v2ProPlus", None).phone_ids
    )
    assert clean_text("hello", "en", "v2", g2pw) == clean_text("hello", "en", "v2")


@pytest.mark.parametrize(
    "missing",
    ["g2pW.onnx", "POLYPHONIC_CHARS.txt", "MONOPHONIC_CHARS.txt", "bopomofo_to_pinyin_wo_tune_dict.json"],
)
def test_a_missing_file_is_named(tmp_path: Path, tokenizer_dir: Path, missing: str) -> None:
    folder = _g2pw_folder(tmp_path, "ㄏㄤ2")
    (folder / missing).unlink()
    with pytest.raises(G2PWUnavailableError, match=missing):
        G2PW(folder, tokenizer_dir)


def test_missing_folder_tokenizer_or_package_is_named(
    tmp_path: Path, tokenizer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(G2PWUnavailableError, match="nowhere"):
        G2PW(tmp_path / "nowhere", tokenizer_dir)
    folder = _g2pw_folder(tmp_path, "ㄏㄤ2")
    with pytest.raises(G2PWUnavailableError, match=r"vocab\.txt"):
        G2PW(folder, tmp_path / "no-tokenizer")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "onnxruntime" else find_spec(n, *a)
    )
    with pytest.raises(G2PWUnavailableError, match=r"onnxruntime.*emotts\[g2pw\]"):
        G2PW(folder, tokenizer_dir)


def test_the_engine_finds_gpt_sovits_own_folder(tmp_path: Path) -> None:
    pretrained = tmp_path / "GPT_SoVITS" / "pretrained_models"
    pretrained.mkdir(parents=True)
    assert resolve_g2pw_dir(GsvEngineConfig(pretrained_dir=pretrained)) is None
    own = tmp_path / "GPT_SoVITS" / "text" / "G2PWModel"
    own.mkdir(parents=True)
    assert resolve_g2pw_dir(GsvEngineConfig(pretrained_dir=pretrained)) == own
    elsewhere = tmp_path / "elsewhere"
    assert resolve_g2pw_dir(GsvEngineConfig(pretrained_dir=pretrained, g2pw_dir=elsewhere)) == elsewhere


def test_helpers_load_g2pw_once(tmp_path: Path) -> None:
    pretrained = tmp_path / "pretrained_models"
    bert = _tokenizer(pretrained / BERT_DIR)
    (bert / "config.json").write_text("{}", encoding="utf-8")
    (bert / "model.safetensors").write_bytes(b"")  # only its presence is checked before the BERT loads
    folder = _g2pw_folder(tmp_path, "ㄏㄤ2")
    helpers = HelperModels(PretrainedModels(pretrained), device=None, g2pw_dir=folder)  # type: ignore[arg-type]
    g2pw = helpers.g2pw()
    assert isinstance(g2pw, G2PW) and helpers.g2pw() is g2pw and g2pw.tokenizer_dir == bert
    assert HelperModels(PretrainedModels(pretrained), device=None).g2pw() is None  # type: ignore[arg-type]


def test_cli_has_the_g2pw_option() -> None:
    result = CliRunner().invoke(main, ["say", "--help"])
    assert "--g2pw" in result.output and "G2PW" in result.output
