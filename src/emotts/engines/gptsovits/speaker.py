"""The speaker model of v2Pro/v2ProPlus voices: ERes2NetV2 over a Kaldi filterbank → a speaker embedding.

GPT-SoVITS uses `forward3` of ERes2NetV2 (3D-Speaker's architecture): the fused last two stages flattened
over channels and frequency, averaged over time. Widths (channels, blocks per stage, Res2Net width and
scale, expansion) are read from the state dict, so the tiny test model and the official
`sv/pretrained_eres2netv2w24s4ep4.ckpt` load with the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

from emotts.audio.fbank import kaldi_fbank
from emotts.errors import EmottsError


class SpeakerModelError(EmottsError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason} (the speaker model that v2Pro and v2ProPlus voices need)")


def _relu20(x: Tensor) -> Tensor:
    """The model's ReLU is a Hardtanh clipped to [0, 20]."""
    return torch.clamp(x, 0.0, 20.0)


class AFF(nn.Module):
    """Attentional feature fusion of two maps of the same shape."""

    def __init__(self, channels: int, inner: int) -> None:
        super().__init__()
        self.local_att = nn.Sequential(
            nn.Conv2d(channels * 2, inner, 1),
            nn.BatchNorm2d(inner),
            nn.SiLU(),
            nn.Conv2d(inner, channels, 1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        weight = 1.0 + torch.tanh(self.local_att(torch.cat([x, y], dim=1)))
        return x * weight + y * (2.0 - weight)


class Block(nn.Module):
    """Res2Net bottleneck: `scale` groups of `width` channels, each added to (or fused with) the previous."""

    def __init__(
        self, in_planes: int, out_planes: int, width: int, scale: int, stride: int, fuse: bool
    ) -> None:
        super().__init__()
        self.width = width
        self.conv1 = nn.Conv2d(in_planes, width * scale, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(scale))
        self.bns = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(scale))
        self.fuse_models = nn.ModuleList(AFF(width, width // 4) for _ in range(scale - 1)) if fuse else None
        self.conv3 = nn.Conv2d(width * scale, out_planes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != out_planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False), nn.BatchNorm2d(out_planes)
            )

    def forward(self, x: Tensor) -> Tensor:
        groups = _relu20(self.bn1(self.conv1(x))).split(self.width, dim=1)
        outputs = []
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=True)):
            if i == 0:
                part = groups[0]
            elif self.fuse_models is not None:
                part = self.fuse_models[i - 1](part, groups[i])
            else:
                part = part + groups[i]
            part = _relu20(bn(conv(part)))
            outputs.append(part)
        out = self.bn3(self.conv3(torch.cat(outputs, dim=1)))
        return _relu20(out + self.shortcut(x))


@dataclass(frozen=True)
class ERes2NetDims:
    m_channels: int
    blocks: tuple[int, int, int, int]
    widths: tuple[
        int, int, int, int
    ]  # channels per Res2Net group in each stage (floor(planes * baseWidth / 64))
    scale: int
    expansion: int

    @classmethod
    def from_state(cls, state: dict[str, Tensor]) -> ERes2NetDims:
        def count(pattern: str) -> int:
            regex = re.compile(pattern)
            return len({m.group(1) for k in state if (m := regex.match(k))})

        m = int(state["conv1.weight"].shape[0])
        blocks = tuple(count(rf"layer{i}\.(\d+)\.") for i in range(1, 5))
        return cls(
            m_channels=m,
            blocks=blocks,  # type: ignore[arg-type]
            widths=tuple(int(state[f"layer{i}.0.convs.0.weight"].shape[0]) for i in range(1, 5)),  # type: ignore[arg-type]
            scale=count(r"layer1\.0\.convs\.(\d+)\."),
            expansion=int(state["layer1.0.conv3.weight"].shape[0]) // m,
        )


class ERes2NetV2(nn.Module):
    def __init__(self, dims: ERes2NetDims) -> None:
        super().__init__()
        m, e = dims.m_channels, dims.expansion
        self.conv1 = nn.Conv2d(1, m, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(m)
        stages = []
        in_planes = m
        for i, count in enumerate(dims.blocks):
            planes = m * 2**i
            blocks = []
            for j in range(count):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(Block(in_planes, planes * e, dims.widths[i], dims.scale, stride, fuse=i >= 2))
                in_planes = planes * e
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.layer3_ds = nn.Conv2d(m * 4 * e, m * 8 * e, 3, padding=1, stride=2, bias=False)
        self.fuse34 = AFF(m * 8 * e, m * 8 * e // 4)

    def forward3(self, fbank: Tensor) -> Tensor:
        """[B, frames, bins] → [B, channels * bins / 8]: the fused deep map averaged over time."""
        x = F.relu(self.bn1(self.conv1(fbank.transpose(1, 2).unsqueeze(1))))
        out3 = self.layer3(self.layer2(self.layer1(x)))
        fused = self.fuse34(self.layer4(out3), self.layer3_ds(out3))
        return fused.flatten(1, 2).mean(-1)


class SpeakerEncoder:
    """Speaker embeddings of 16 kHz audio, as GPT-SoVITS's `SV.compute_embedding3`."""

    def __init__(self, model: ERes2NetV2) -> None:
        self.model = model.eval()

    @classmethod
    def from_file(cls, path: Path | str, device: torch.device | str = "cpu") -> SpeakerEncoder:
        path = Path(path)
        if not path.is_file():
            raise SpeakerModelError(path, "is missing")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            # the training-only heads (pooling statistics → embedding) are not used by forward3
            state = {k: v for k, v in state.items() if not k.startswith(("seg_", "pool."))}
            model = ERes2NetV2(ERes2NetDims.from_state(state))
            model.load_state_dict(state)
        except Exception as exc:  # torch.load fails in many ways on a damaged file; all mean the same here
            first = str(exc).strip().splitlines()[0][:200]
            raise SpeakerModelError(path, f"cannot be loaded ({first})") from None
        return cls(model.float().to(device))

    @property
    def embedding_dim(self) -> int:
        layer = self.model.fuse34.local_att[3]
        return int(layer.out_channels) * 80 // 8

    @torch.inference_mode()
    def embed(self, wav16k: Tensor) -> Tensor:
        """[1, N] float audio at 16 kHz → [1, embedding_dim]."""
        device = next(self.model.parameters()).device
        features = kaldi_fbank(wav16k.float().cpu(), num_mel_bins=80, sample_rate=16000)
        return self.model.forward3(features[None].to(device))
