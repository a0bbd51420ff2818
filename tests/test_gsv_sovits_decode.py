"""The SoVITS acoustic model against the reference: prompt tokens from HuBERT features, the style vector and
every decode stage at two speeds, for v1, v2, v2Pro and v2ProPlus; noise and refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emotts.engines.gptsovits.checkpoints import CheckpointError
from emotts.engines.gptsovits.sovits import SoVITS, fold_weight_norm

from gsv_fixtures import FIXTURES, needs_fixtures

VERSIONS = ["v1", "v2", "v2Pro", "v2ProPlus"]


def tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array))


@pytest.fixture(scope="module")
def common() -> dict[str, np.ndarray]:
    return dict(np.load(FIXTURES / "cases" / "reference_common.npz", allow_pickle=False))


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", ["", "s125_"])
def test_decode_matches_the_reference_stage_by_stage(version: str, prefix: str, common: dict) -> None:
    model = SoVITS.from_checkpoint(FIXTURES / "models" / version / "sovits.pth")
    case = np.load(FIXTURES / "cases" / version / "decode.npz", allow_pickle=False)
    reference = np.load(FIXTURES / "cases" / version / "reference.npz", allow_pickle=False)
    sv = [tensor(reference["sv_emb"])] if "sv_emb" in reference.files else None
    ge = model.style([tensor(common["refer_spec"])], sv)
    stages = model.decode(
        tensor(case["semantic_tokens"]).view(1, 1, -1),
        tensor(case["phone_ids"])[None],
        ge,
        speed=float(case[f"{prefix}speed"]),
        noise_scale=0.0,
    )
    for name, ours in [("ge", ge), ("m_p", stages.m_p), ("logs_p", stages.logs_p), ("z", stages.z)]:
        np.testing.assert_allclose(ours.numpy(), case[f"{prefix}{name}"], atol=1e-4, err_msg=name)
    np.testing.assert_allclose(stages.wav[0, 0].numpy(), case[f"{prefix}wav"], atol=1e-3)


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_prompt_tokens_match_the_reference(version: str, common: dict) -> None:
    expected = np.load(FIXTURES / "cases" / version / "reference.npz")["prompt_semantic"]
    model = SoVITS.from_checkpoint(FIXTURES / "models" / version / "sovits.pth")
    codes = model.extract_latent(tensor(common["hubert_last_hidden_state"]).transpose(1, 2))
    assert codes.shape == (1, 1, len(expected))
    assert codes[0, 0].tolist() == expected.tolist()


@needs_fixtures
def test_noise_is_seeded_and_changes_the_output(common: dict) -> None:
    model = SoVITS.from_checkpoint(FIXTURES / "models" / "v2" / "sovits.pth")
    case = np.load(FIXTURES / "cases" / "v2" / "decode.npz", allow_pickle=False)
    codes, phones = tensor(case["semantic_tokens"]).view(1, 1, -1), tensor(case["phone_ids"])[None]
    ge = model.style([tensor(common["refer_spec"])])

    def run(seed: int, noise: float) -> torch.Tensor:
        generator = torch.Generator().manual_seed(seed)
        return model.decode(codes, phones, ge, noise_scale=noise, generator=generator).wav

    assert torch.equal(run(1, 0.5), run(1, 0.5))
    assert not torch.equal(run(1, 0.5), run(2, 0.5))
    assert not torch.allclose(run(1, 0.5), run(1, 0.0))
    assert run(1, 0.5).shape == run(1, 0.0).shape == (1, 1, 2 * 640 * codes.shape[-1])


@needs_fixtures
def test_v4_and_pro_files_are_handled_as_they_must_be(common: dict) -> None:
    with pytest.raises(CheckpointError, match="v4"):
        SoVITS.from_checkpoint(FIXTURES / "models" / "v4" / "sovits.pth")
    pro = SoVITS.from_checkpoint(FIXTURES / "models" / "v2Pro" / "sovits.pth")
    with pytest.raises(ValueError, match="speaker embedding"):
        pro.style([tensor(common["refer_spec"])])


def test_weight_norm_folding_reproduces_torch_weight_norm() -> None:
    conv = torch.nn.utils.weight_norm(torch.nn.ConvTranspose1d(6, 4, 5))
    with torch.no_grad():
        conv.weight_g.mul_(torch.rand_like(conv.weight_g) + 0.5)
    state = {f"c.{k}": v for k, v in conv.state_dict().items()}
    folded = fold_weight_norm(state)
    assert set(folded) == {"c.weight", "c.bias"}
    x = torch.randn(1, 6, 9)
    plain = torch.nn.ConvTranspose1d(6, 4, 5)
    plain.load_state_dict({"weight": folded["c.weight"], "bias": folded["c.bias"]})
    torch.testing.assert_close(plain(x), conv(x))
