"""Chinese BERT features for the GPT model: one vector per phone, as the reference's TextPreprocessor makes.

The model is the user's `chinese-roberta-wwm-ext-large` folder (any BERT checkpoint that transformers reads
offline). A character's feature is BERT's third-from-last hidden state at that character's token, repeated
once per phone the character has (`word2ph`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

_LAYER = -3  # the reference reads hidden_states[-3]: of 25 for the large model (embeddings + 24 layers)


class BertFeatures:
    """Loads on first use (thread-safe) and runs one sentence at a time."""

    def __init__(self, model_dir: Path | str, device: torch.device | str = "cpu") -> None:
        self.model_dir = Path(model_dir)
        self.device = torch.device(device)
        self._lock = threading.Lock()
        self._tokenizer: object | None = None
        self._model: torch.nn.Module | None = None

    def _load(self) -> tuple[object, torch.nn.Module]:
        with self._lock:
            if self._model is None:
                from transformers import AutoModelForMaskedLM, AutoTokenizer

                if not (self.model_dir / "config.json").is_file():
                    raise FileNotFoundError(f"{self.model_dir}: no config.json, not a BERT model folder")
                self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
                masked_lm = AutoModelForMaskedLM.from_pretrained(self.model_dir, local_files_only=True)
                # the masked-LM head is never used: keep only the encoder
                self._model = masked_lm.base_model.to(self.device, torch.float32).eval()
            return self._tokenizer, self._model  # type: ignore[return-value]

    @property
    def dim(self) -> int:
        """Feature width (the model's hidden size: 1024 for chinese-roberta-wwm-ext-large)."""
        return int(self._load()[1].config.hidden_size)

    @torch.no_grad()
    def char_features(self, norm_text: str) -> Tensor:
        """[n_tokens - 2, hidden]: the chosen hidden state of every token between [CLS] and [SEP]."""
        tokenizer, model = self._load()
        inputs = tokenizer(norm_text, return_tensors="pt")  # type: ignore[operator]
        inputs = {name: value.to(self.device) for name, value in inputs.items()}
        hidden = model(**inputs, output_hidden_states=True).hidden_states[_LAYER]
        return hidden[0, 1:-1].float().cpu()

    def features(self, norm_text: str, word2ph: Sequence[int]) -> Tensor:
        """[hidden, sum(word2ph)] float32 on the CPU: character i's vector repeated word2ph[i] times."""
        if len(word2ph) != len(norm_text):
            raise ValueError(f"word2ph has {len(word2ph)} entries for {len(norm_text)} characters")
        chars = self.char_features(norm_text)
        if chars.shape[0] < len(word2ph):
            # the reference assumes one token per character of normalised Chinese text
            raise ValueError(f"{chars.shape[0]} BERT tokens for {len(word2ph)} characters: {norm_text!r}")
        counts = torch.tensor(list(word2ph), dtype=torch.long)
        return chars[: len(word2ph)].repeat_interleave(counts, dim=0).T.contiguous()
