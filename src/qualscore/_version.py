"""The engine version, written into every report's fingerprint."""

__version__ = "0.1.0"
