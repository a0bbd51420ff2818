"""GPT-SoVITS acoustic model (SoVITS) for v1, v2, v2Pro and v2ProPlus: semantic tokens + phones → waveform.

The path of the reference `SynthesizerTrn.decode`: the reference spectrogram gives a style vector
(MelStyleEncoder, plus the speaker embedding for Pro models); tokens are looked up in the codebook and
upsampled ×2; the TextEncoder mixes them with the phones (relative-position self-attention, MRTE
cross-attention); the normalising flow runs in reverse; a HiFiGAN generator makes the waveform. Parameter
names match the checkpoint keys; every width is read from the tensor shapes, so the same code loads tiny
test files and full-size user models. Weight norm is folded into plain weights once at load time.
"""

from .dims import SoVITSDims
from .model import SUPPORTED, DecodeStages, SoVITS, fold_weight_norm

__all__ = ["SUPPORTED", "DecodeStages", "SoVITS", "SoVITSDims", "fold_weight_norm"]
