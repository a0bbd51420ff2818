"""ctypes binding to the libespeak-ng bundled with the espeakng-loader wheel (synchronous synthesis)."""

from __future__ import annotations

import ctypes
import logging
import threading

import numpy as np

from emotts.engines.preview.prosody import Prosody
from emotts.errors import SynthesisError

log = logging.getLogger(__name__)

# libespeak-ng keeps the current voice, parameters, callback and output buffer in process-global
# variables, so every call into it, from any Espeak instance, must hold this one lock.
_LOCK = threading.Lock()

_OUTPUT_SYNCHRONOUS = 0x0001  # espeak_ng_OUTPUT_MODE: audio goes to the callback before Synth returns
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_STATUS_MESSAGE_SIZE = 512
# espeak_PARAMETER ids.
_RATE, _VOLUME, _PITCH, _RANGE, _WORDGAP = 1, 2, 3, 4, 7

# int callback(short *wav, int numsamples, espeak_EVENT *events); the events are not read.
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class Espeak:
    """One espeak-ng library, loaded and initialised on first use.

    Every instance drives the same process-global library state; use `shared_espeak()` rather than
    creating several. Paths default to the espeakng-loader wheel's library and data.
    """

    def __init__(self, library_path: str | None = None, data_path: str | None = None) -> None:
        self._library_path = library_path
        self._data_path = data_path
        self._lib: ctypes.CDLL | None = None
        self._sample_rate = 0
        self._error: SynthesisError | None = None
        self._chunks: list[np.ndarray] = []
        # The C library holds only a raw pointer to this; keeping it on self stops it being collected.
        self._callback = _SynthCallback(self._collect)

    @property
    def sample_rate(self) -> int:
        with _LOCK:
            self._ensure_loaded()
            return self._sample_rate

    def synthesize(self, text: str, voice: str, prosody: Prosody) -> np.ndarray:
        """Speak `text` with espeak voice `voice` (e.g. "cmn", "en-us+f4"); mono int16 at `sample_rate`."""
        encoded = text.encode("utf-8")
        with _LOCK:
            lib = self._ensure_loaded()
            lib.espeak_SetSynthCallback(self._callback)
            if lib.espeak_SetVoiceByName(voice.encode("utf-8")) != 0:
                raise SynthesisError(f"espeak-ng has no voice {voice!r}")
            for parameter, value in (
                (_RATE, prosody.rate),
                (_VOLUME, prosody.volume),
                (_PITCH, prosody.pitch),
                (_RANGE, prosody.pitch_range),
                (_WORDGAP, prosody.word_gap),
            ):
                lib.espeak_SetParameter(parameter, value, 0)
            self._chunks = []
            try:
                status = lib.espeak_Synth(
                    encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
                )
                lib.espeak_Synchronize()
                samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
            finally:
                self._chunks = []
        if status != 0:
            raise SynthesisError(f"espeak-ng failed (error {status}) to speak with voice {voice!r}")
        return samples

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # 0 = keep synthesizing

    def _ensure_loaded(self) -> ctypes.CDLL:
        """The initialised library; the caller holds _LOCK. A failure is remembered, not retried."""
        if self._lib is not None:
            return self._lib
        if self._error is not None:
            raise self._error
        try:
            self._lib, self._sample_rate = _load(self._library_path, self._data_path)
        except SynthesisError as exc:
            self._error = exc
            raise
        return self._lib


def _load(library_path: str | None, data_path: str | None) -> tuple[ctypes.CDLL, int]:
    if library_path is None or data_path is None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise SynthesisError("the preview engine needs espeak-ng: pip install espeakng-loader") from exc
        library_path = library_path or espeakng_loader.get_library_path()
        data_path = data_path or espeakng_loader.get_data_path()
    try:
        lib = ctypes.CDLL(library_path)
    except OSError as exc:
        raise SynthesisError(f"cannot load the espeak-ng library {library_path}: {exc}") from exc
    _declare(lib)
    # The espeak_ng_* calls report failures as status codes; espeak_Initialize would exit() instead.
    lib.espeak_ng_InitializePath(data_path.encode())
    context = ctypes.c_void_p()
    status = lib.espeak_ng_Initialize(ctypes.byref(context))
    lib.espeak_ng_ClearErrorContext(ctypes.byref(context))
    if status == 0:
        status = lib.espeak_ng_InitializeOutput(_OUTPUT_SYNCHRONOUS, 0, None)
    if status != 0:
        message = ctypes.create_string_buffer(_STATUS_MESSAGE_SIZE)
        lib.espeak_ng_GetStatusCodeMessage(status, message, _STATUS_MESSAGE_SIZE)
        reason = message.value.decode(errors="replace")
        raise SynthesisError(f"cannot initialise espeak-ng with data {data_path}: {reason}")
    sample_rate = lib.espeak_ng_GetSampleRate()
    log.info("espeak-ng %s loaded from %s (%d Hz)", lib.espeak_Info(None).decode(), library_path, sample_rate)
    return lib, sample_rate


def _declare(lib: ctypes.CDLL) -> None:
    """C signatures of the functions used, so ctypes converts arguments and results correctly."""
    c_int, c_uint, c_char_p, c_void_p = ctypes.c_int, ctypes.c_uint, ctypes.c_char_p, ctypes.c_void_p
    signatures: dict[str, tuple[list[type], type | None]] = {
        "espeak_ng_InitializePath": ([c_char_p], None),
        "espeak_ng_Initialize": ([ctypes.POINTER(c_void_p)], c_uint),
        "espeak_ng_ClearErrorContext": ([ctypes.POINTER(c_void_p)], None),
        "espeak_ng_InitializeOutput": ([c_uint, c_int, c_char_p], c_uint),
        "espeak_ng_GetStatusCodeMessage": ([c_uint, c_char_p, ctypes.c_size_t], None),
        "espeak_ng_GetSampleRate": ([], c_int),
        "espeak_Info": ([c_void_p], c_char_p),
        "espeak_SetSynthCallback": ([_SynthCallback], None),
        "espeak_SetVoiceByName": ([c_char_p], c_int),
        "espeak_SetParameter": ([c_int, c_int, c_int], c_int),
        "espeak_Synth": (
            [c_char_p, ctypes.c_size_t, c_uint, c_int, c_uint, c_uint, c_void_p, c_void_p],
            c_int,
        ),
        "espeak_Synchronize": ([], c_int),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = restype


_SHARED = Espeak()  # cheap: nothing is loaded until first use


def shared_espeak() -> Espeak:
    """The process's espeak-ng, with the bundled library and data."""
    return _SHARED
