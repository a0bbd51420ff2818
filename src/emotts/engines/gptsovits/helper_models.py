"""The pretrained helper models every voice shares: Chinese BERT, Chinese HuBERT, the v2Pro speaker model and
the optional G2PW polyphone model.

They come from the user's GPT-SoVITS `pretrained_models/` folder (G2PW from its own folder), are loaded on
first use (a v2 voice never loads the speaker model) and once per server, whatever the number of voices.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

from emotts.engines.gptsovits.bert_features import BertFeatures
from emotts.engines.gptsovits.hubert import HubertFeatures
from emotts.engines.gptsovits.pretrained import PretrainedModels
from emotts.engines.gptsovits.speaker import SpeakerEncoder
from emotts.engines.gptsovits.text.g2pw import G2PW

T = TypeVar("T")


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar in the server log each time a helper model loads."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


class HelperModels:
    def __init__(
        self, pretrained: PretrainedModels, device: torch.device, g2pw_dir: Path | None = None
    ) -> None:
        self.pretrained = pretrained
        self.device = device
        self.g2pw_dir = g2pw_dir  # None: Mandarin polyphones read by pypinyin alone
        self._lock = threading.Lock()
        self._loaded: dict[str, object] = {}

    def _get(self, name: str, load: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._loaded:
                _quiet_transformers()
                self._loaded[name] = load()
            return self._loaded[name]  # type: ignore[return-value]

    def bert(self) -> BertFeatures:
        return self._get("bert", lambda: BertFeatures(self.pretrained.bert_dir(), device=self.device))

    def hubert(self) -> HubertFeatures:
        return self._get("hubert", lambda: HubertFeatures(self.pretrained.hubert_dir(), device=self.device))

    def speaker(self) -> SpeakerEncoder:
        return self._get("speaker", lambda: SpeakerEncoder.from_file(self.pretrained.sv_path(), self.device))

    def g2pw(self) -> G2PW | None:
        """The G2PW model (its ONNX session loads at the first Mandarin sentence), or None when off."""
        if self.g2pw_dir is None:
            return None
        g2pw_dir = self.g2pw_dir
        return self._get("g2pw", lambda: G2PW(g2pw_dir, self.pretrained.bert_dir()))
