"""Audio helpers: reading clips, pitch, encoding responses, trimming silence."""
