"""Where the helper models live in a GPT-SoVITS `pretrained_models/` folder, checked with useful errors.

The layout is the reference implementation's, so users point emotts at the folder they already have:

    pretrained_models/
      chinese-roberta-wwm-ext-large/   BERT (transformers folder)      every voice: Chinese text features
      chinese-hubert-base/             HuBERT (transformers folder)    every voice: reference-clip tokens
      sv/pretrained_eres2netv2w24s4ep4.ckpt   ERes2NetV2 speaker model  v2Pro and v2ProPlus voices
      gsv-v4-pretrained/s2Gv4.pth, vocoder.pth                         v4 voices (LoRA base, 48 kHz vocoder)

Nothing is checked until a model is asked for: a server with only v2 voices needs no speaker or v4 files.
"""

from __future__ import annotations

from pathlib import Path

from emotts.errors import EmottsError

BERT_DIR = "chinese-roberta-wwm-ext-large"
HUBERT_DIR = "chinese-hubert-base"
SV_FILE = "sv/pretrained_eres2netv2w24s4ep4.ckpt"
V4_DIR = "gsv-v4-pretrained"
V4_BASE_FILE = "s2Gv4.pth"
V4_VOCODER_FILE = "vocoder.pth"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # what transformers loads from a model folder


class PretrainedModelError(EmottsError, FileNotFoundError):
    """A helper model is missing from the pretrained folder; the message names the path and its use."""

    def __init__(self, path: Path, purpose: str) -> None:
        self.path = path
        self.purpose = purpose
        super().__init__(f"{path} is missing: {purpose}")


class PretrainedModels:
    """The paths of one `pretrained_models/` folder; each method returns its path or raises."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser()

    def __repr__(self) -> str:
        return f"PretrainedModels({str(self.root)!r})"

    def _check_root(self, purpose: str) -> None:
        if not self.root.is_dir():
            raise PretrainedModelError(
                self.root, f"the GPT-SoVITS pretrained_models folder, which holds {purpose}"
            )

    def _file(self, relative: str, purpose: str) -> Path:
        self._check_root(purpose)
        path = self.root / relative
        if not path.is_file():
            raise PretrainedModelError(path, purpose)
        return path

    def _transformers_dir(self, name: str, purpose: str) -> Path:
        self._check_root(purpose)
        folder = self.root / name
        if not folder.is_dir():
            raise PretrainedModelError(folder, purpose)
        if not (folder / "config.json").is_file():
            raise PretrainedModelError(folder / "config.json", purpose)
        if not any((folder / weights).is_file() for weights in _WEIGHT_FILES):
            raise PretrainedModelError(folder / " or ".join(_WEIGHT_FILES), purpose)
        return folder

    def bert_dir(self) -> Path:
        return self._transformers_dir(
            BERT_DIR, "the Chinese BERT model every voice needs for the text's features"
        )

    def hubert_dir(self) -> Path:
        return self._transformers_dir(
            HUBERT_DIR, "the Chinese HuBERT model every voice needs to read its reference clip"
        )

    def sv_path(self) -> Path:
        return self._file(SV_FILE, "the speaker model v2Pro and v2ProPlus voices need")

    def v4_dir(self) -> Path:
        self._check_root("the v4 base model and vocoder v4 voices need")
        folder = self.root / V4_DIR
        if not folder.is_dir():
            raise PretrainedModelError(folder, "the v4 base model and vocoder v4 voices need")
        return folder

    def v4_base_path(self) -> Path:
        return self._file(f"{V4_DIR}/{V4_BASE_FILE}", "the v4 base SoVITS model v4 (LoRA) voices build on")

    def v4_vocoder_path(self) -> Path:
        return self._file(f"{V4_DIR}/{V4_VOCODER_FILE}", "the 48 kHz vocoder v4 voices need")
