"""New-media matrix publishing scheduler: write once, render per channel, publish exactly once."""

__version__ = "0.1.0"
