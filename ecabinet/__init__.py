"""e-Cabinet: meetings, written positions, passkey votes and signed minutes."""

__version__ = "0.1.0"
