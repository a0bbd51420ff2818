"""The GPT-SoVITS text-to-semantic model: exact greedy decoding against the official fixtures, the KV cache,
batched decoding, stop rules and the sampling function."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from emotts.engines.gptsovits import T2SResult, Text2Semantic, load_t2s, sample_next
from emotts.engines.gptsovits.t2s import KVCache

from gsv_fixtures import FIXTURES, TINY_GPT, VERSIONS, needs_fixtures

TINY = replace(TINY_GPT, max_sec=1.0)


def tiny_model(seed: int = 0) -> Text2Semantic:
    torch.manual_seed(seed)
    model = Text2Semantic(TINY).eval()
    with torch.no_grad():  # make the untrained model less flat, so greedy choices are clear-cut
        model.ar_predict_layer.weight.mul_(8)
    return model


def tiny_text(length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    phones = torch.randint(0, TINY.phoneme_vocab_size, (length,), generator=gen)
    return phones, torch.randn(TINY.bert_dim, length, generator=gen)


def tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array))


# ------------------------------------------------------------------------------------------------------
# Official fixtures


@needs_fixtures
@pytest.mark.parametrize("case", ["ar_greedy", "ar_greedy_rp1", "ar_ref_free"])
@pytest.mark.parametrize("version", VERSIONS)
def test_greedy_decoding_matches_the_reference_exactly(version: str, case: str) -> None:
    data = np.load(FIXTURES / "cases" / version / f"{case}.npz", allow_pickle=False)
    model = load_t2s(FIXTURES / "models" / version / "gpt.ckpt")
    prompt = tensor(data["prompt_semantic"]) if "prompt_semantic" in data else None
    (result,) = model.generate(
        [tensor(data["all_phoneme_ids"])],
        [tensor(data["all_bert_features"])],
        prompt,
        top_k=int(data["top_k"]),
        top_p=float(data["top_p"]),
        temperature=float(data["temperature"]),
        repetition_penalty=float(data["repetition_penalty"]),
        early_stop_num=int(data["early_stop_num"]),
    )
    assert result.tokens.tolist() == data["generated"].tolist()
    assert result.stop == str(data["stop_reason"]).replace("early_stop_num", "early_stop")
    assert (0 if result.ref_free else result.idx) == int(data["idx"])
    assert result.ref_free == (prompt is None)
    assert result.for_decode(parallel=False).tolist() == data["pred_semantic_for_decode"].tolist()
    prefix = [] if prompt is None else prompt.tolist()
    assert prefix + result.tokens.tolist() == data["y"].tolist()


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_batched_decoding_matches_the_reference_batch_and_naive_loops(version: str) -> None:
    data = np.load(FIXTURES / "cases" / version / "ar_batch2.npz", allow_pickle=False)
    model = load_t2s(FIXTURES / "models" / version / "gpt.ckpt")
    prompt = tensor(data["prompt_semantic"])
    results = model.generate(
        [tensor(data[f"b{i}_all_phoneme_ids"]) for i in range(2)],
        [tensor(data[f"b{i}_all_bert_features"]) for i in range(2)],
        prompt,
        top_k=int(data["top_k"]),
        repetition_penalty=float(data["repetition_penalty"]),
        early_stop_num=int(data["early_stop_num"]),
    )
    assert len({len(data[f"b{i}_all_phoneme_ids"]) for i in range(2)}) == 2  # really padded
    for i, result in enumerate(results):
        assert prompt.tolist() + result.for_decode(parallel=True).tolist() == data[f"b{i}_y"].tolist()
        assert prompt.tolist() + result.tokens.tolist() == data[f"b{i}_naive_y"].tolist()
        assert result.idx == int(data[f"b{i}_idx"]) == int(data[f"b{i}_naive_idx"])


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_first_step_logits_match_the_reference(version: str) -> None:
    data = np.load(FIXTURES / "cases" / version / "ar_greedy.npz", allow_pickle=False)
    model = load_t2s(FIXTURES / "models" / version / "gpt.ckpt")
    text = model.embed_text(tensor(data["all_phoneme_ids"]), tensor(data["all_bert_features"]))
    prompt = tensor(data["prompt_semantic"])
    audio = model.ar_audio_position(model.ar_audio_embedding(prompt))
    xy = torch.cat([text, audio])[None]
    x_len, src = text.shape[0], xy.shape[1]
    mask = torch.ones(src, src, dtype=torch.bool).tril()
    mask[:, :x_len], mask[:x_len, x_len:] = True, False
    with torch.no_grad():
        logits = model.ar_predict_layer(
            model.h(xy, KVCache(model.hp, 1, src, torch.float32, "cpu"), mask)[0, -1]
        )
    np.testing.assert_allclose(logits.numpy(), data["logits_step0"], atol=1e-4, rtol=0)


# ------------------------------------------------------------------------------------------------------
# Tiny random models


def test_incremental_decoding_equals_full_recomputation() -> None:
    """The KV cache gives the same next-token choices as re-running the whole sequence at every step."""
    model = tiny_model()
    phones, bert = tiny_text(7, seed=1)
    prompt = torch.tensor([3, 9, 27, 4])
    (result,) = model.generate([phones], [bert], prompt, top_k=1, repetition_penalty=1.0, max_steps=20)
    tokens = result.tokens
    assert len(tokens) >= 12  # long enough to cover the EOS-masked steps and beyond

    sequence = torch.cat([prompt, tokens[:-1]])
    text = model.embed_text(phones, bert)
    xy = torch.cat([text, model.ar_audio_position(model.ar_audio_embedding(sequence))])[None]
    x_len, src = text.shape[0], xy.shape[1]
    mask = torch.ones(src, src, dtype=torch.bool).tril()
    mask[:, :x_len], mask[:x_len, x_len:] = True, False
    with torch.no_grad():
        logits = model.ar_predict_layer(model.h(xy, KVCache(model.hp, 1, src, torch.float32, "cpu"), mask)[0])
    for step, token in enumerate(tokens.tolist()):
        row = logits[x_len + len(prompt) - 1 + step]
        assert int((row[:-1] if step < 11 else row).argmax()) == token


def test_transposed_weight_storage_keeps_values_shapes_and_greedy_tokens() -> None:
    model = tiny_model()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    phones, bert = tiny_text(9, seed=2)
    prompt = torch.tensor([5, 1, 8])
    kwargs = {"top_k": 1, "repetition_penalty": 1.0, "max_steps": 30}
    (row_major,) = model.generate([phones], [bert], prompt, **kwargs)
    model.store_weights_transposed()
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[name], after[name]) for name in before)  # checkpoint values and shapes
    block = model.h.layers[0]
    assert block.self_attn.in_proj_weight.t().is_contiguous() and block.linear1.weight.t().is_contiguous()
    (transposed,) = model.generate([phones], [bert], prompt, **kwargs)
    assert torch.equal(row_major.tokens, transposed.tokens)


@pytest.mark.parametrize("with_prompt", [True, False])
def test_batched_rows_decode_as_they_would_alone(with_prompt: bool) -> None:
    model = tiny_model(seed=3)
    texts = [tiny_text(n, seed=n) for n in (5, 11, 8)]
    prompt = torch.tensor([1, 2, 3]) if with_prompt else None
    batch = model.generate([t[0] for t in texts], [t[1] for t in texts], prompt, top_k=1, max_steps=40)
    for (phones, bert), together in zip(texts, batch, strict=True):
        (alone,) = model.generate([phones], [bert], prompt, top_k=1, max_steps=40)
        assert together.tokens.tolist() == alone.tokens.tolist()
        assert (together.idx, together.stop) == (alone.idx, alone.stop)


def test_eos_is_masked_for_the_first_eleven_steps() -> None:
    model = tiny_model()
    with torch.no_grad():  # every position outputs the same vector, and EOS has by far the largest logit
        last = model.h.layers[-1].norm2
        last.weight.zero_()
        last.bias.fill_(1.0)
        model.ar_predict_layer.weight[TINY.eos].fill_(10.0)
    phones, bert = tiny_text(6, seed=0)
    (result,) = model.generate([phones], [bert], torch.tensor([5, 6]), top_k=1)
    assert (result.stop, result.idx, len(result.tokens)) == ("eos", 11, 11)
    assert TINY.eos not in result.tokens.tolist()
    assert result.for_decode(parallel=True).tolist() == result.for_decode(parallel=False).tolist()


def test_early_stop_and_step_cap() -> None:
    model = tiny_model()
    phones, bert = tiny_text(6, seed=2)
    prompt = torch.tensor([7, 8, 9])
    (early,) = model.generate([phones], [bert], prompt, top_k=1, early_stop_num=5)
    assert (early.stop, early.idx, len(early.tokens)) == ("early_stop", 5, 6)
    # the batched loop drops the last token, the naive loop's y[-idx:] the first
    assert early.for_decode(parallel=True).tolist() == early.tokens[:-1].tolist()
    assert early.for_decode(parallel=False).tolist() == early.tokens[1:].tolist()
    (capped,) = model.generate([phones], [bert], prompt, top_k=1, max_steps=3)
    assert (capped.stop, capped.idx, len(capped.tokens)) == ("max_steps", 2, 3)
    (ref_free,) = model.generate([phones], [bert], None, top_k=1, early_stop_num=5)
    assert ref_free.ref_free and ref_free.for_decode().tolist() == ref_free.tokens.tolist()


def test_sampling_is_seeded_and_varies() -> None:
    model = tiny_model()
    phones, bert = tiny_text(6, seed=4)

    def run(seed: int) -> list[int]:
        gen = torch.Generator().manual_seed(seed)
        (result,) = model.generate([phones], [bert], torch.tensor([1]), top_k=15, max_steps=30, generator=gen)
        return result.tokens.tolist()

    assert run(1) == run(1)
    assert run(1) != run(2)


# ------------------------------------------------------------------------------------------------------
# sample_next


def sample(logits: list[float], previous: list[int], **kwargs: float) -> tuple[int, int]:
    options = {"top_k": 0, "top_p": 1.0, "temperature": 1.0, "repetition_penalty": 1.0} | kwargs
    token, best = sample_next(
        torch.tensor([logits]),
        torch.tensor([previous], dtype=torch.long),
        generator=torch.Generator().manual_seed(0),
        **options,  # type: ignore[arg-type]
    )
    return int(token), int(best)


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits() -> None:
    # token 0 (2.0 -> 1.0) falls below token 1 (1.5); token 2 (-0.1 -> -0.2) falls below token 3 (-0.15)
    assert sample([2.0, 1.5, -0.1, -0.15], [0], top_k=1, repetition_penalty=2.0) == (1, 1)
    assert sample([-0.1, -0.15], [0, 0], top_k=1, repetition_penalty=2.0) == (1, 1)  # duplicates: once
    assert sample([2.0, 1.5], [0], top_k=1, repetition_penalty=1.0) == (0, 0)
    logits = torch.tensor([[2.0, 1.5]])
    sample_next(logits, torch.tensor([[0]]), top_k=1, top_p=1.0, temperature=1.0, repetition_penalty=2.0)
    assert logits.tolist() == [[2.0, 1.5]]  # the caller's logits are untouched


def draw(
    logits: list[float], count: int = 300, *, top_k: int = 0, top_p: float = 1.0, temperature: float = 1.0
) -> set[int]:
    """The set of tokens seen in `count` independent draws."""
    tokens, _ = sample_next(
        torch.tensor([logits]).expand(count, -1),
        torch.zeros(count, 0, dtype=torch.long),
        top_k=top_k,
        top_p=top_p,
        temperature=temperature,
        repetition_penalty=1.0,
        generator=torch.Generator().manual_seed(0),
    )
    return set(tokens.tolist())


def test_top_k_top_p_and_temperature_filtering() -> None:
    logits = [3.0, 3.0, 1.0, 0.0]  # probabilities .458 .458 .062 .023
    assert draw(logits) == {0, 1, 2, 3}
    assert draw(logits, top_k=1) == {0, 1}  # top-k keeps ties
    assert draw(logits, top_k=3) == {0, 1, 2}
    # a token whose cumulative mass passes top_p is dropped (the first one always stays)
    assert draw(logits, top_p=0.95) == {0, 1}
    assert draw(logits, top_p=0.3) == {0}
    assert draw([3.0, 2.9, 0.0], temperature=0.01) == {0}
    assert draw([3.0, 2.9, 0.0], temperature=0.0) == {0}  # clamped to 1e-5, as in the reference


def test_sampling_follows_the_softmax() -> None:
    draws = 20000
    logits = torch.tensor([[1.0, 0.0, -1.0]]).expand(draws, -1)
    tokens, _ = sample_next(
        logits.clone(),
        torch.zeros(draws, 0, dtype=torch.long),
        top_k=0,
        top_p=1.0,
        temperature=1.0,
        repetition_penalty=1.0,
        generator=torch.Generator().manual_seed(0),
    )
    freq = torch.bincount(tokens, minlength=3).float() / draws
    assert torch.allclose(freq, torch.softmax(logits[0], -1), atol=0.02)


def test_result_is_a_plain_record() -> None:
    result = T2SResult(torch.tensor([4, 5, 6]), 2, "early_stop", False)
    assert result.for_decode().tolist() == [4, 5] and result.for_decode(parallel=False).tolist() == [5, 6]
