"""`emotts gsv parity`: every stage of emotts' GPT-SoVITS inference against reference outputs.

The fixture folder is laid out like `shared/fixtures/gptsovits/` (see its README): `models/<version>/`,
`pretrained/`, `reference/ref.wav`, `cases/reference_common.npz`, `cases/<version>/*.npz`, `frontend/*.jsonl`,
`segmentation.jsonl`. Tolerances are the README's: ids exact, intermediate features 1e-4, waveforms 1e-3,
int16 audio ±2. v3/v4 cases are listed with `pass: null` until those versions are supported.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emotts.audio.resample import resample_sinc_hann, resample_soxr_hq
from emotts.audio.spectrogram import linear_spectrogram
from emotts.audio.wavio import read_audio
from emotts.engines.base import Reference, SynthesisParams, SynthesisRequest, VoiceModel
from emotts.engines.gptsovits.engine import GptSovitsEngine, GsvEngineConfig
from emotts.engines.gptsovits.models import ModelSet, load_model_set
from emotts.engines.gptsovits.pretrained import PretrainedModels
from emotts.engines.gptsovits.text.cleaner import clean_text
from emotts.engines.gptsovits.text.preprocess import phones_and_bert
from emotts.engines.gptsovits.text.split import (
    METHODS,
    NoSpeakableTextError,
    pre_segment,
    replace_consecutive_punctuation,
)

log = logging.getLogger(__name__)

FEATURE_TOL = 1e-4
WAVE_TOL = 1e-3
INT16_TOL = 2
SUPPORTED = ("v1", "v2", "v2Pro", "v2ProPlus")
# stages of the versions emotts cannot run yet, with the reason reported
UNSUPPORTED_STAGES = {"v4": ("reference_mel", "v4_decode", "pipeline")}
UNSUPPORTED_REASON = "v3/v4 (flow-matching decoder and vocoder) are not supported yet"


@dataclass
class Stage:
    version: str
    stage: str
    passed: bool | None
    max_abs_diff: float | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["pass"] = out.pop("passed")
        if out["reason"] is None:
            del out["reason"]
        return out


@dataclass
class ParityReport:
    stages: list[Stage] = field(default_factory=list)
    frontend: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every stage of the supported versions passed (unsupported ones are not failures)."""
        return all(s.passed for s in self.stages if s.version in SUPPORTED)

    def to_dict(self) -> dict[str, Any]:
        return {"stages": [s.to_dict() for s in self.stages], "frontend": self.frontend, "ok": self.ok}


class _Diff:
    """Collects comparisons of one stage; the stage passes when every one is within its tolerance."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.ok = True

    def close(self, ours: Any, expected: np.ndarray, tol: float) -> None:
        ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else np.asarray(ours)
        expected = np.asarray(expected)
        if ours.shape != expected.shape:
            self.ok = False
            self.worst = float("inf")
            return
        gap = np.abs(ours.astype(np.float64) - expected.astype(np.float64))
        diff = float(gap.max()) if gap.size else 0.0
        self.worst = max(self.worst, diff)
        self.ok = self.ok and diff <= tol

    def same(self, ours: Any, expected: Any) -> None:
        ours = ours.tolist() if isinstance(ours, torch.Tensor | np.ndarray) else list(ours)
        expected = expected.tolist() if isinstance(expected, np.ndarray) else list(expected)
        self.ok = self.ok and ours == expected


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array))


class FixtureRunner:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases = root / "cases"
        self.pretrained = PretrainedModels(root / "pretrained")
        self._models: dict[str, ModelSet] = {}
        self._engine: GptSovitsEngine | None = None

    def versions(self) -> list[str]:
        return sorted(p.name for p in self.cases.iterdir() if p.is_dir()) if self.cases.is_dir() else []

    def load(self, name: str, version: str | None = None) -> Any:
        return np.load((self.cases / version / name) if version else (self.cases / name), allow_pickle=False)

    def models(self, version: str) -> ModelSet:
        if version not in self._models:
            folder = self.root / "models" / version
            self._models[version] = load_model_set(
                folder / "gpt.ckpt", folder / "sovits.pth", torch.device("cpu")
            )
        return self._models[version]

    def engine(self) -> GptSovitsEngine:
        if self._engine is None:
            self._engine = GptSovitsEngine(GsvEngineConfig(self.root / "pretrained", device="cpu"))
        return self._engine

    # -- stages -------------------------------------------------------------------------------------

    def stages(self, version: str) -> Iterator[tuple[str, Callable[[], _Diff]]]:
        files = {p.stem for p in (self.cases / version).glob("*.npz")}
        unsupported = UNSUPPORTED_STAGES.get(version, ())
        if "reference" in files:  # v4's prompt tokens come from its SoVITS, which is not supported yet
            yield "reference", (lambda: self.reference(version)) if not unsupported else _unsupported
        if "bert" in files:
            yield "bert", lambda: self.bert(version)
        for case in ("ar_greedy", "ar_greedy_rp1", "ar_ref_free"):
            if case in files:
                yield case, lambda case=case: self.ar(version, case)
        if "ar_batch2" in files:
            yield "ar_batch2", lambda: self.ar_batch(version)
        if "decode" in files:
            yield "decode", lambda: self.decode(version, "")
            yield "decode_speed", lambda: self.decode(version, "s125_")
        for stage in unsupported:
            yield stage, _unsupported
        if "pipeline" in files and "pipeline" not in unsupported:
            yield "pipeline", lambda: self.pipeline(version)

    def reference(self, version: str) -> _Diff:
        diff = _Diff()
        common = self.load("reference_common.npz")
        case = self.load("reference.npz", version)
        models = self.models(version)
        samples, rate = read_audio(self.root / "reference" / "ref.wav")
        wav16k = resample_soxr_hq(samples, rate, 16000)
        diff.close(wav16k, common["wav16k"], FEATURE_TOL)
        spec_audio = resample_sinc_hann(samples, rate, models.sampling_rate)
        diff.close(spec_audio, common["spec_input_audio"][0], FEATURE_TOL)
        hp = models.sovits.hp
        spec = linear_spectrogram(_tensor(spec_audio)[None], hp.filter_length, hp.hop_length, hp.win_length)
        diff.close(spec, common["refer_spec"], FEATURE_TOL)
        hubert = self.engine().helpers.hubert()
        pad = int(common["hubert_zero_pad_samples"])
        ssl = hubert.features(_tensor(common["wav16k"])[None], pad)
        diff.close(ssl.transpose(1, 2), common["hubert_last_hidden_state"], FEATURE_TOL)
        codes = models.sovits.extract_latent(_tensor(common["hubert_last_hidden_state"]).transpose(1, 2))
        diff.same(codes[0, 0], case["prompt_semantic"])
        if "sv_emb" in case.files:
            sv16k = resample_sinc_hann(spec_audio, models.sampling_rate, 16000)
            diff.close(sv16k, case["sv_input_audio16k"][0], FEATURE_TOL)
            speaker = self.engine().helpers.speaker()
            diff.close(speaker.embed(_tensor(case["sv_input_audio16k"])), case["sv_emb"], FEATURE_TOL)
        return diff

    def bert(self, version: str) -> _Diff:
        diff = _Diff()
        case = self.load("bert.npz", version)
        symbols = "v1" if version == "v1" else "v2"
        bert = self.engine().helpers.bert()
        for i in range(int(case["n"])):
            cleaned = clean_text(str(case[f"s{i}_text"]), "zh", symbols)
            diff.same(cleaned.phone_ids, case[f"s{i}_phone_ids"])
            diff.same(cleaned.word2ph or [], case[f"s{i}_word2ph"])
            diff.ok = diff.ok and cleaned.norm_text == str(case[f"s{i}_norm_text"])
            feature = bert.features(str(case[f"s{i}_norm_text"]), case[f"s{i}_word2ph"].tolist())
            diff.close(feature, case[f"s{i}_bert_feature"], FEATURE_TOL)
        return diff

    def _gpt(self, version: str) -> Any:
        from emotts.engines.gptsovits.t2s import load_t2s

        return load_t2s(self.root / "models" / version / "gpt.ckpt")

    def ar(self, version: str, name: str) -> _Diff:
        diff = _Diff()
        case = self.load(f"{name}.npz", version)
        t2s = self._gpt(version)
        prompt = _tensor(case["prompt_semantic"]) if "prompt_semantic" in case.files else None
        (result,) = t2s.generate(
            [_tensor(case["all_phoneme_ids"])],
            [_tensor(case["all_bert_features"])],
            prompt,
            top_k=int(case["top_k"]),
            top_p=float(case["top_p"]),
            temperature=float(case["temperature"]),
            repetition_penalty=float(case["repetition_penalty"]),
            early_stop_num=int(case["early_stop_num"]),
        )
        diff.same(result.tokens, case["generated"])
        diff.same(result.for_decode(parallel=False), case["pred_semantic_for_decode"])
        return diff

    def ar_batch(self, version: str) -> _Diff:
        diff = _Diff()
        case = self.load("ar_batch2.npz", version)
        t2s = self._gpt(version)
        results = t2s.generate(
            [_tensor(case[f"b{i}_all_phoneme_ids"]) for i in range(2)],
            [_tensor(case[f"b{i}_all_bert_features"]) for i in range(2)],
            _tensor(case["prompt_semantic"]),
            top_k=int(case["top_k"]),
            repetition_penalty=float(case["repetition_penalty"]),
            early_stop_num=int(case["early_stop_num"]),
        )
        prompt = case["prompt_semantic"].tolist()
        for i, result in enumerate(results):
            diff.same(prompt + result.for_decode(parallel=True).tolist(), case[f"b{i}_y"])
        return diff

    def decode(self, version: str, prefix: str) -> _Diff:
        diff = _Diff()
        case = self.load("decode.npz", version)
        common = self.load("reference_common.npz")
        models = self.models(version)
        sv = [_tensor(self.load("reference.npz", version)["sv_emb"])] if version.startswith("v2Pro") else None
        style = models.sovits.style([_tensor(common["refer_spec"])], sv)
        diff.close(style, case[f"{prefix}ge"], FEATURE_TOL)
        stages = models.sovits.decode(
            _tensor(case["semantic_tokens"]).view(1, 1, -1),
            _tensor(case["phone_ids"])[None],
            style,
            speed=float(case[f"{prefix}speed"]),
            noise_scale=0.0,
        )
        for name, ours in [("m_p", stages.m_p), ("logs_p", stages.logs_p), ("z", stages.z)]:
            diff.close(ours, case[f"{prefix}{name}"], FEATURE_TOL)
        diff.close(stages.wav[0, 0], case[f"{prefix}wav"], WAVE_TOL)
        return diff

    def pipeline(self, version: str) -> _Diff:
        diff = _Diff()
        case = self.load("pipeline.npz", version)
        request = json.loads(str(case["request_json"]))
        folder = self.root / "models" / version
        synthesis = SynthesisRequest(
            segments=(request["text"],),
            language=request["text_lang"],
            reference=Reference(
                self.root / "reference" / "ref.wav", request["prompt_text"], request["prompt_lang"]
            ),
            emotion="中性",
            params=SynthesisParams(
                temperature=float(request["temperature"]),
                top_k=int(request["top_k"]),
                top_p=float(request["top_p"]),
                repetition_penalty=float(request["repetition_penalty"]),
                speed=float(request["speed_factor"]),
                seed=int(request["seed"]),
                split_method=request["text_split_method"],
                batch_size=int(request["batch_size"]),
                parallel=bool(request["parallel_infer"]),
                fragment_interval=float(request["fragment_interval"]),
                noise_scale=0.0,  # the fixture's runtime patch R4
            ),
            voice=VoiceModel(folder / "gpt.ckpt", folder / "sovits.pth"),
        )
        chunks = list(self.engine().synthesize(synthesis))
        audio = np.concatenate([chunk.samples for chunk in chunks])
        diff.ok = all(chunk.sample_rate == int(case["sr"]) for chunk in chunks)
        diff.close(audio, case["audio_int16"], INT16_TOL)
        return diff

    # -- frontend ------------------------------------------------------------------------------------

    def frontend(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        folder = self.root / "frontend"
        for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
            cases = identical = 0
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                cases += 1
                identical += _frontend_case(item, path.stem)
            out[path.stem] = {"cases": cases, "identical": identical}
        segmentation = self.root / "segmentation.jsonl"
        if segmentation.is_file():
            cases = identical = 0
            for line in segmentation.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                text = replace_consecutive_punctuation(item["text"])
                for method in METHODS:
                    if method in item:
                        cases += 1
                        identical += _segments(text, item["lang"], method) == item[method]
            out["segmentation"] = {"cases": cases, "identical": identical}
        return out

    def run(self) -> ParityReport:
        report = ParityReport()
        for version in self.versions():
            for name, check in self.stages(version):
                report.stages.append(_run_stage(version, name, check))
        report.frontend = self.frontend()
        return report


class _UnsupportedError(Exception):
    """The stage needs a model version emotts does not run yet."""


def _unsupported() -> _Diff:
    raise _UnsupportedError


def _segments(text: str, language: str, method: str) -> list[str]:
    try:
        return pre_segment(text, language, method)
    except NoSpeakableTextError:  # the reference returns no segments where emotts raises
        return []


def _frontend_case(item: dict[str, Any], kind: str) -> bool:
    if "error" in item:
        return False
    try:
        if kind == "mixed":
            ours = phones_and_bert(item["text"], item["lang"], item["version"], None).phone_ids
        else:
            ours = list(clean_text(item["text"], item["lang"], item["version"]).phone_ids)
    except Exception as exc:  # a crash on one sentence is a mismatch, not the end of the run
        log.debug("frontend case %r failed: %s", item["text"], exc)
        return False
    return ours == item["phone_ids"]


def _run_stage(version: str, name: str, check: Callable[[], _Diff]) -> Stage:
    try:
        diff = check()
    except _UnsupportedError:
        return Stage(version, name, None, None, UNSUPPORTED_REASON)
    except Exception as exc:
        log.debug("stage %s/%s crashed", version, name, exc_info=True)
        return Stage(version, name, False, None, f"{type(exc).__name__}: {exc}")
    worst = None if diff.worst == float("inf") else diff.worst
    return Stage(version, name, diff.ok, worst, None if worst is not None else "shape mismatch")


def run_parity(root: Path) -> ParityReport:
    torch.set_grad_enabled(False)
    return FixtureRunner(root).run()
