"""Resampling a signal that arrives in pieces, as streamed speech does.

Uses the same polyphase filter as `emotts.audio.resample`, indexed by the position in the whole signal, so
the concatenated output equals `resample()` of the concatenated input: no clicks at chunk borders. An output
sample is produced once every input sample its filter window reaches has arrived (about 16 input samples of
delay); `flush` computes the rest with the zero padding `resample()` assumes past the end.
"""

from __future__ import annotations

from math import gcd

import numpy as np

from emotts.audio.resample import _ZERO_CROSSINGS, _polyphase_filter


class StreamResampler:
    """1-D float input in any chunk sizes → float32 output at `to_rate`."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        divisor = gcd(from_rate, to_rate)
        self.up, self.down = to_rate // divisor, from_rate // divisor
        self._identity = from_rate == to_rate
        self._bank = _polyphase_filter(self.up, self.down)
        self._taps = self._bank.shape[1]
        self._centre = _ZERO_CROSSINGS * max(self.up, self.down)
        # input seen so far, minus what no future output needs; index 0 is input sample `_offset`
        self._buffer = np.zeros(self._taps, dtype=np.float64)  # the zeros before the signal
        self._offset = -self._taps
        self._received = 0
        self._emitted = 0

    def process(self, samples: np.ndarray) -> np.ndarray:
        if self._identity:
            return np.asarray(samples, dtype=np.float32).copy()
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float64).ravel()])
        self._received += len(samples)
        # output n needs inputs up to (n·down + centre) // up, which must be < _received
        ready = (self._received * self.up - 1 - self._centre) // self.down + 1
        return self._emit(max(ready, self._emitted))

    def flush(self) -> np.ndarray:
        if self._identity:
            return np.zeros(0, dtype=np.float32)
        self._buffer = np.concatenate([self._buffer, np.zeros(self._taps + 1)])
        return self._emit(max(round(self._received * self.up / self.down), self._emitted))

    def _emit(self, stop: int) -> np.ndarray:
        positions = np.arange(self._emitted, stop, dtype=np.int64) * self.down + self._centre
        # input k = position // up − j meets tap j of phase position % up (as in resample())
        window = (positions // self.up - self._offset)[:, None] - np.arange(self._taps)[None, :]
        out = np.einsum("ij,ij->i", self._buffer[window], self._bank[positions % self.up]).astype(np.float32)
        self._emitted = stop
        keep_from = (stop * self.down + self._centre) // self.up - self._taps + 1  # the next output's window
        if keep_from > self._offset:
            self._buffer = self._buffer[keep_from - self._offset :]
            self._offset = keep_from
        return out
