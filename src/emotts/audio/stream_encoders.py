"""Streaming audio encoders: int16 chunks in, bytes of one continuous file out, as speech is synthesised.

WAV, raw PCM and Ogg Vorbis need only soundfile; FLAC, MP3, AAC (ADTS) and Ogg Opus use PyAV (the optional
`emotts[formats]` extra), because libsndfile must seek back to finish FLAC and MP3 headers, which a network
stream cannot do. Every encoder writes one stream across all chunks (never a file per chunk, unlike
GPT-SoVITS api_v2), so any player or decoder reads the concatenated bytes as one file.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import soundfile as sf

from emotts.audio.stream_resample import StreamResampler
from emotts.errors import EmottsError

if TYPE_CHECKING:
    import av

MediaType = Literal["wav", "raw", "ogg", "flac", "mp3", "aac", "opus"]

FORMATS_EXTRA = "pip install 'emotts[formats]'"
_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
_AAC_RATES = (7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
_STREAMED_SIZE = 0xFFFFFFFF  # RIFF/data size of a WAV of unknown length: soundfile, wave, FFmpeg read to EOF


@dataclass(frozen=True)
class AudioFormat:
    content_type: str
    rates: tuple[int, ...] | None = None  # sample rates the codec takes; None: any
    needs_av: bool = False


FORMATS: dict[str, AudioFormat] = {
    "wav": AudioFormat("audio/wav"),
    "raw": AudioFormat("audio/raw"),  # bare s16le, as api_v2 names it
    "ogg": AudioFormat("audio/ogg"),  # Vorbis
    "flac": AudioFormat("audio/flac", needs_av=True),
    "mp3": AudioFormat("audio/mpeg", _MP3_RATES, needs_av=True),
    "aac": AudioFormat("audio/aac", _AAC_RATES, needs_av=True),
    "opus": AudioFormat("audio/ogg; codecs=opus", _OPUS_RATES, needs_av=True),
}
CONTENT_TYPES: dict[str, str] = {name: spec.content_type for name, spec in FORMATS.items()}


class FormatUnavailableError(EmottsError):
    """The output format needs an optional package that is not installed (the client may ask for another)."""

    def __init__(self, media_type: str) -> None:
        self.media_type = media_type
        available = ", ".join(name for name, spec in FORMATS.items() if not spec.needs_av)
        super().__init__(
            f"{media_type} output needs PyAV, which is not installed: {FORMATS_EXTRA}; "
            f"formats available without it: {available}"
        )


def _import_av(media_type: str) -> Any:
    try:
        import av
    except ImportError as exc:
        raise FormatUnavailableError(media_type) from exc
    return av


def check_format(media_type: str) -> None:
    """Raise FormatUnavailableError now, before any synthesis, when `media_type` cannot be written."""
    if media_type not in FORMATS:
        raise ValueError(f"unknown media type {media_type!r}; valid: {', '.join(FORMATS)}")
    if FORMATS[media_type].needs_av:
        _import_av(media_type)


def codec_rate(media_type: str, rate: int) -> int:
    """`rate` if the codec takes it, else the next higher rate it takes (the highest if none is higher)."""
    rates = FORMATS[media_type].rates
    if rates is None or rate in rates:
        return rate
    return min((r for r in rates if r > rate), default=max(rates))


class Encoder(Protocol):
    media_type: str
    content_type: str
    sample_rate: int  # of the encoded audio, after any resampling

    def encode(self, samples: np.ndarray) -> bytes:
        """Bytes to send now for int16 `samples`, shape (n,) or (n, channels); may be empty (buffered)."""
        ...

    def finish(self) -> bytes:
        """The remaining bytes; the stream is complete afterwards."""
        ...

    def close(self) -> None:
        """Release the codec without finishing (an aborted stream); harmless after finish."""
        ...


class _Sink:
    """A write-only file: bytes are collected and taken out after each write. Without `seek`, PyAV knows it
    cannot go back and writes a streamable file."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._position = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._position += len(data)
        return len(data)

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


class _QuerySink(_Sink):
    """libsndfile's virtual files must have seek and tell: only "where am I" queries succeed."""

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self._position + offset  # the end is where we are
        if target != self._position:
            raise OSError("a streamed response cannot seek back")
        return self._position


class _BaseEncoder:
    """Input checks and optional resampling; subclasses write int16 (n, channels) blocks."""

    def __init__(self, media_type: str, input_rate: int, output_rate: int, channels: int) -> None:
        if channels < 1:
            raise ValueError("channels must be at least 1")
        self.media_type = media_type
        self.content_type = FORMATS[media_type].content_type
        self.sample_rate = output_rate
        self.channels = channels
        self._resamplers = (
            [StreamResampler(input_rate, output_rate) for _ in range(channels)]
            if input_rate != output_rate
            else None
        )
        self._finished = False

    def encode(self, samples: np.ndarray) -> bytes:
        if self._finished:
            raise RuntimeError("encoder already finished")
        pcm = np.asarray(samples)
        if pcm.ndim == 1:
            pcm = pcm[:, None]
        if pcm.ndim != 2 or pcm.shape[1] != self.channels:
            raise ValueError(f"expected samples of shape (n,) or (n, {self.channels}), got {pcm.shape}")
        pcm = pcm.astype(np.int16, copy=False)
        if self._resamplers is not None:
            pcm = _to_int16([r.process(pcm[:, c]) for c, r in enumerate(self._resamplers)])
        return self._write(np.ascontiguousarray(pcm))

    def finish(self) -> bytes:
        if self._finished:
            return b""
        tail = b""
        if self._resamplers is not None:
            rest = _to_int16([r.flush() for r in self._resamplers])
            tail = self._write(rest) if len(rest) else b""
        self._finished = True
        return tail + self._close()

    def close(self) -> None:
        self._finished = True

    def _write(self, pcm: np.ndarray) -> bytes:
        raise NotImplementedError

    def _close(self) -> bytes:
        return b""


def _to_int16(channels: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(channels, axis=1)
    return np.clip(np.rint(stacked), -32768, 32767).astype(np.int16)


def wav_header(sample_rate: int, channels: int, data_bytes: int | None) -> bytes:
    """The 44-byte PCM 16-bit header; `data_bytes` None marks a stream of unknown length."""
    riff = _STREAMED_SIZE if data_bytes is None else min(36 + data_bytes, _STREAMED_SIZE)
    data = _STREAMED_SIZE if data_bytes is None else min(data_bytes, _STREAMED_SIZE)
    block = 2 * channels
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * block, block, 16)
        + b"data"
        + struct.pack("<I", data)
    )


class RawEncoder(_BaseEncoder):
    def _write(self, pcm: np.ndarray) -> bytes:
        return pcm.astype("<i2", copy=False).tobytes()


class WavEncoder(_BaseEncoder):
    """Streamed: the header comes first with unknown sizes. Complete (`streamed=False`): exact sizes."""

    def __init__(self, *args: Any, streamed: bool = True) -> None:
        super().__init__(*args)
        self._streamed = streamed
        self._header_sent = False
        self._held: list[bytes] = []

    def _write(self, pcm: np.ndarray) -> bytes:
        data = pcm.astype("<i2", copy=False).tobytes()
        if not self._streamed:
            self._held.append(data)
            return b""
        if self._header_sent:
            return data
        self._header_sent = True
        return wav_header(self.sample_rate, self.channels, None) + data

    def _close(self) -> bytes:
        if self._streamed:
            return b"" if self._header_sent else wav_header(self.sample_rate, self.channels, None)
        data = b"".join(self._held)
        return wav_header(self.sample_rate, self.channels, len(data)) + data


class VorbisEncoder(_BaseEncoder):
    """Ogg Vorbis through libsndfile, which writes Ogg pages in order and never seeks back."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._sink = _QuerySink()
        self._file = sf.SoundFile(
            self._sink,
            mode="w",
            samplerate=self.sample_rate,
            channels=self.channels,
            format="OGG",
            subtype="VORBIS",
        )

    def _write(self, pcm: np.ndarray) -> bytes:
        if len(pcm):
            self._file.write(pcm)
        return self._sink.take()

    def _close(self) -> bytes:
        self._file.close()
        return self._sink.take()

    def close(self) -> None:
        super().close()
        self._file.close()


@dataclass(frozen=True)
class _AvCodec:
    container: str
    codec: str
    options: dict[str, str]
    bit_rate: int | None = None  # per channel; None: lossless


_SPEECH_BIT_RATE = 64000  # clean for speech at every rate these codecs take; FFmpeg's defaults vary by rate

_AV_CODECS: dict[str, _AvCodec] = {
    # flush_packets: hand each packet to the sink at once instead of filling FFmpeg's 32 KiB buffer first
    "flac": _AvCodec("flac", "flac", {"flush_packets": "1"}),
    "mp3": _AvCodec("mp3", "libmp3lame", {"flush_packets": "1"}, _SPEECH_BIT_RATE),
    "aac": _AvCodec("adts", "aac", {"flush_packets": "1"}, _SPEECH_BIT_RATE),
    # the Ogg muxer holds up to a second of audio per page by default; 100 ms pages keep the stream live
    "opus": _AvCodec("ogg", "libopus", {"flush_packets": "1", "page_duration": "100000"}, _SPEECH_BIT_RATE),
}


class AvEncoder(_BaseEncoder):
    """FLAC, MP3, AAC and Opus through PyAV. Streamed output cannot seek, so FLAC's STREAMINFO then leaves the
    length unknown (as FFmpeg does on a pipe); the complete variant writes into a seekable buffer."""

    def __init__(self, *args: Any, streamed: bool = True) -> None:
        super().__init__(*args)
        if self.channels > 2:
            raise ValueError(f"{self.media_type} output takes mono or stereo, not {self.channels} channels")
        self._layout = "mono" if self.channels == 1 else "stereo"
        self._av = _import_av(self.media_type)
        spec = _AV_CODECS[self.media_type]
        self._output: _Sink | io.BytesIO = _Sink() if streamed else io.BytesIO()
        self._container = self._av.open(self._output, mode="w", format=spec.container, options=spec.options)
        self._stream: av.AudioStream = self._container.add_stream(
            spec.codec, rate=self.sample_rate, layout=self._layout
        )
        if spec.bit_rate is not None:
            self._stream.bit_rate = spec.bit_rate * self.channels
        self._pts = 0

    def _write(self, pcm: np.ndarray) -> bytes:
        if len(pcm):
            frame = self._av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout=self._layout)
            frame.sample_rate = self.sample_rate
            frame.pts = self._pts
            frame.time_base = Fraction(1, self.sample_rate)
            self._pts += len(pcm)
            # PyAV converts to the codec's sample format and frame size itself
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        return self._take()

    def _close(self) -> bytes:
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self._take(final=True)

    def _take(self, final: bool = False) -> bytes:
        if isinstance(self._output, _Sink):
            return self._output.take()
        return self._output.getvalue() if final else b""

    def close(self) -> None:
        self._container.close()  # PyAV allows closing twice
        super().close()


def _build(
    media_type: str, sample_rate: int, channels: int, output_rate: int | None, streamed: bool
) -> _BaseEncoder:
    check_format(media_type)
    args = (media_type, sample_rate, codec_rate(media_type, output_rate or sample_rate), channels)
    match media_type:
        case "raw":
            return RawEncoder(*args)
        case "wav":
            return WavEncoder(*args, streamed=streamed)
        case "ogg":
            return VorbisEncoder(*args)
        case _:
            return AvEncoder(*args, streamed=streamed)


def open_encoder(
    media_type: str, sample_rate: int, channels: int = 1, *, output_rate: int | None = None
) -> Encoder:
    """A streaming encoder for int16 audio at `sample_rate`: bytes leave as soon as the codec produces them,
    as one continuous stream (WAV with "unknown" sizes, FLAC without a length). The audio is resampled to
    `output_rate` if given, then to the nearest rate the codec takes (Opus 8/12/16/24/48 kHz, MP3 and AAC
    their standard rates).

    Raises FormatUnavailableError when the format needs PyAV and it is missing.
    """
    return _build(media_type, sample_rate, channels, output_rate, streamed=True)


def encode_complete(
    samples: np.ndarray, sample_rate: int, media_type: str, *, output_rate: int | None = None
) -> bytes:
    """A whole file at once, with exact length fields where the format has them (WAV, FLAC STREAMINFO)."""
    pcm = np.ascontiguousarray(samples, dtype=np.int16)
    encoder = _build(
        media_type, sample_rate, 1 if pcm.ndim == 1 else pcm.shape[1], output_rate, streamed=False
    )
    try:
        return encoder.encode(pcm) + encoder.finish()
    finally:
        encoder.close()
