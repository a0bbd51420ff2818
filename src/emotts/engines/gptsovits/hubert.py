"""Chinese HuBERT features of a 16 kHz clip: what SoVITS quantises into a reference's prompt tokens.

The model is the user's `chinese-hubert-base` folder, read by transformers offline. As in the reference
implementation the raw waveform goes straight in (the folder's feature extractor, which would normalise
it to zero mean and unit variance, is not applied) with a stretch of silence appended.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor


class HubertFeatures:
    """Loads the model at construction; `features` is safe to call from several threads."""

    def __init__(self, model_dir: Path | str, device: torch.device | str = "cpu") -> None:
        from transformers import HubertModel

        self.model_dir = Path(model_dir)
        self.device = torch.device(device)
        model = HubertModel.from_pretrained(self.model_dir, local_files_only=True)
        self.model = model.to(self.device, torch.float32).eval()

    @property
    def dim(self) -> int:
        """Feature width (768 for chinese-hubert-base)."""
        return int(self.model.config.hidden_size)

    @torch.no_grad()  # not inference_mode: the features feed modules that may run with autograd on
    def features(self, wav16k: Tensor, pad_samples: int = 0) -> Tensor:
        """[1, N] float 16 kHz audio → last hidden state [1, dim, frames] (50 frames per second).

        `pad_samples` zeros are appended first: the reference adds 0.3 s at the SoVITS rate (9600 samples
        for 32 kHz models, i.e. 0.6 s at 16 kHz) so the last spoken frames get right context.
        """
        wav = wav16k.to(self.device, torch.float32)
        if pad_samples > 0:
            wav = torch.cat([wav, wav.new_zeros(wav.shape[0], pad_samples)], dim=1)
        hidden = self.model(wav).last_hidden_state
        return hidden.transpose(1, 2).contiguous()
