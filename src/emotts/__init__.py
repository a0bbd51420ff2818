"""emotts: emotion-aware text-to-speech for GPT-SoVITS character voices."""

__version__ = "0.1.0"
