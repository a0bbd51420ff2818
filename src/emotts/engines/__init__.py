"""Engines turn text plus a reference clip into audio chunks."""
