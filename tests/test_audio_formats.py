"""Every output format, whole and streamed: it decodes back to the same audio, and streams are one file."""

from __future__ import annotations

import io
import struct
import sys

import av
import numpy as np
import pytest
import soundfile as sf

from emotts.audio.encode import encode
from emotts.audio.resample import resample
from emotts.audio.stream_encoders import FORMATS, FormatUnavailableError, open_encoder
from emotts.audio.stream_resample import StreamResampler

RATE = 16000
TONE = 440.0
LOSSY_PADDING = 0.15  # seconds MP3/AAC decoders may add (encoder delay, last frame) without a length header


def _tone(seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(0).normal(0, 300, len(t))  # keeps lossy codecs from coding silence
    return (np.sin(2 * np.pi * TONE * t) * 8000 + noise).astype(np.int16)


def _streamed(media_type: str, samples: np.ndarray, rate: int = RATE, **kw: int) -> tuple[list[bytes], bytes]:
    """Bytes per 0.25 s chunk, and the tail from finish()."""
    encoder = open_encoder(media_type, rate, **kw)
    step = rate // 4
    parts = [encoder.encode(samples[i : i + step]) for i in range(0, len(samples), step)]
    return parts, encoder.finish()


def _streamed_bytes(media_type: str, samples: np.ndarray, rate: int = RATE, **kw: int) -> bytes:
    parts, tail = _streamed(media_type, samples, rate, **kw)
    return b"".join(parts) + tail


def _decode(data: bytes, media_type: str, rate: int = RATE) -> tuple[np.ndarray, int]:
    """Float samples and rate: soundfile where libsndfile reads the format, else FFmpeg through PyAV."""
    if media_type == "raw":
        return np.frombuffer(data, dtype="<i2") / 32768, rate
    if media_type in ("wav", "ogg"):
        audio, decoded_rate = sf.read(io.BytesIO(data))
        return audio, decoded_rate
    with av.open(io.BytesIO(data)) as container:
        frames = [frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)]
        decoded_rate = container.streams.audio[0].sample_rate
    audio = np.concatenate(frames).astype(np.float64)
    return (audio / 32768 if np.abs(audio).max() > 2 else audio), decoded_rate


def _main_frequency(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.fft.rfftfreq(len(audio), 1 / rate)[spectrum.argmax()])


def _check_audio(audio: np.ndarray, rate: int, media_type: str, seconds: float) -> None:
    duration = len(audio) / rate
    if media_type in ("mp3", "aac"):
        assert seconds <= duration < seconds + LOSSY_PADDING
    else:
        assert duration == pytest.approx(seconds, abs=1e-3)
    assert _main_frequency(audio, rate) == pytest.approx(TONE, abs=3)
    assert np.sqrt(np.mean(audio**2)) == pytest.approx(8000 / 32768 / np.sqrt(2), rel=0.15)


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_streamed_output_decodes_to_the_same_audio(media_type: str) -> None:
    samples = _tone(2.0)
    parts, tail = _streamed(media_type, samples)
    audio, rate = _decode(b"".join(parts) + tail, media_type)
    _check_audio(audio, rate, media_type, 2.0)
    # bytes leave as audio arrives (not all at finish): the body can stream
    assert sum(len(part) for part in parts) > len(tail)


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_whole_file_decodes_to_the_same_audio(media_type: str) -> None:
    audio, rate = _decode(encode(_tone(1.5), RATE, media_type), media_type)
    _check_audio(audio, rate, media_type, 1.5)


@pytest.mark.parametrize("media_type", ["wav", "flac", "mp3", "ogg", "opus"])
def test_whole_files_carry_their_length(media_type: str) -> None:
    """libsndfile trusts the header's length (WAV sizes, FLAC STREAMINFO, the MP3 Xing frame)."""
    with sf.SoundFile(io.BytesIO(encode(_tone(1.5), RATE, media_type))) as decoded:
        assert decoded.frames / decoded.samplerate == pytest.approx(1.5, abs=1e-3)


def test_lossless_formats_are_exact() -> None:
    samples = _tone(1.0)
    for media_type in ("wav", "flac"):
        for data in (encode(samples, RATE, media_type), _streamed_bytes(media_type, samples)):
            decoded, _ = _decode(data, media_type)
            assert np.array_equal(np.rint(decoded * 32768).astype(np.int16), samples)
    assert np.array_equal(np.frombuffer(_streamed_bytes("raw", samples), dtype="<i2"), samples)


def test_streamed_wav_header_marks_an_unknown_length() -> None:
    samples = _tone(1.0)
    parts, tail = _streamed("wav", samples)
    data = b"".join(parts) + tail
    riff, riff_size, wave, fmt, fmt_size = struct.unpack("<4sI4s4sI", data[:20])
    codec, channels, rate, byte_rate, block, bits = struct.unpack("<HHIIHH", data[20:36])
    chunk, data_size = struct.unpack("<4sI", data[36:44])
    assert (riff, wave, fmt, fmt_size, chunk) == (b"RIFF", b"WAVE", b"fmt ", 16, b"data")
    assert (codec, channels, rate, byte_rate, block, bits) == (1, 1, RATE, 2 * RATE, 2, 16)
    assert riff_size == data_size == 0xFFFFFFFF  # "to the end of the stream", not 0 frames
    assert len(parts[0]) == 44 + 2 * (RATE // 4)  # the header comes with the first audio
    assert np.array_equal(np.frombuffer(data[44:], dtype="<i2"), samples)
    whole = encode(samples, RATE, "wav")
    assert struct.unpack("<I", whole[4:8])[0] == 36 + 2 * len(samples)
    assert struct.unpack("<I", whole[40:44])[0] == 2 * len(samples)


def _ogg_crc(page: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, over the page with its CRC field zeroed."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_pages(data: bytes) -> list[tuple[int, int, int, int]]:
    """(header type, granule position, serial, sequence number) of each page; checks framing and CRC."""
    pages, offset = [], 0
    while offset < len(data):
        magic, version, kind, granule, serial, sequence, crc, count = struct.unpack_from(
            "<4sBBqIIIB", data, offset
        )
        assert (magic, version) == (b"OggS", 0)
        size = 27 + count + sum(data[offset + 27 : offset + 27 + count])
        page = bytearray(data[offset : offset + size])
        page[22:26] = b"\0\0\0\0"
        assert _ogg_crc(bytes(page)) == crc
        pages.append((kind, granule, serial, sequence))
        offset += size
    assert offset == len(data)
    return pages


@pytest.mark.parametrize(("media_type", "head"), [("ogg", b"\x01vorbis"), ("opus", b"OpusHead")])
def test_streamed_ogg_is_one_logical_stream(media_type: str, head: bytes) -> None:
    parts, tail = _streamed(media_type, _tone(3.0))
    data = b"".join(parts) + tail
    pages = _ogg_pages(data)
    assert data[28 : 28 + len(head)] == head
    assert len(pages) > 3
    assert [kind & 2 for kind, *_ in pages] == [2] + [0] * (len(pages) - 1)  # one BOS, on the first page
    assert [kind & 4 for kind, *_ in pages] == [0] * (len(pages) - 1) + [4]  # one EOS, on the last page
    assert len({serial for _, _, serial, _ in pages}) == 1
    assert [sequence for *_, sequence in pages] == list(range(len(pages)))
    granules = [granule for _, granule, _, _ in pages if granule >= 0]
    assert granules == sorted(granules)


def test_stream_resampler_matches_whole_signal_resampling() -> None:
    rng = np.random.default_rng(1)
    signal = rng.normal(size=9001)
    for source, target in [(16000, 24000), (32000, 48000), (32000, 24000), (22050, 48000), (48000, 16000)]:
        resampler, pieces, start = StreamResampler(source, target), [], 0
        while start < len(signal):
            size = int(rng.integers(0, 2500))  # empty chunks included
            pieces.append(resampler.process(signal[start : start + size]))
            start += size
        pieces.append(resampler.flush())
        np.testing.assert_allclose(np.concatenate(pieces), resample(signal, source, target), atol=1e-5)


def test_output_rate_resamples_the_stream() -> None:
    samples = _tone(1.0)
    pcm = np.frombuffer(_streamed_bytes("raw", samples, output_rate=24000), dtype="<i2")
    expected = np.clip(np.rint(resample(samples, RATE, 24000)), -32768, 32767).astype(np.int16)
    assert np.array_equal(pcm, expected)
    assert len(pcm) == 24000
    audio, rate = _decode(encode(samples, RATE, "wav", output_rate=22050), "wav")
    assert rate == 22050 and len(audio) == 22050


@pytest.mark.parametrize(
    ("media_type", "rate", "expected"),
    [("opus", 32000, 48000), ("opus", 22050, 24000), ("mp3", 20000, 22050)],
)
def test_codecs_get_a_rate_they_take(media_type: str, rate: int, expected: int) -> None:
    encoder = open_encoder(media_type, rate)
    assert encoder.sample_rate == expected
    data = encoder.encode(_tone(1.0, rate)) + encoder.finish()
    audio, decoded_rate = _decode(data, media_type)
    assert len(audio) / decoded_rate >= 1.0 - 1e-3
    assert _main_frequency(audio, decoded_rate) == pytest.approx(TONE, abs=3)


def test_missing_pyav_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    for media_type in ("mp3", "aac", "flac", "opus"):
        with pytest.raises(FormatUnavailableError, match=r"pip install 'emotts\[formats\]'"):
            open_encoder(media_type, RATE)
        with pytest.raises(FormatUnavailableError):
            encode(_tone(0.1), RATE, media_type)
    for media_type in ("wav", "raw", "ogg"):  # soundfile alone writes these
        assert encode(_tone(0.1), RATE, media_type)
