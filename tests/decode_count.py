"""Count picture decodes: the speed guards of issue 17 assert how many times Pillow decodes, not
how long it takes."""

from __future__ import annotations

from PIL import Image


def count_decodes(monkeypatch) -> list[str]:
    """The decoder names Pillow asks for from now on in this test, one per picture decoded."""
    seen: list[str] = []
    factory = Image._getdecoder

    def counting(mode, decoder_name, args, extra=()):
        seen.append(decoder_name)
        return factory(mode, decoder_name, args, extra)

    monkeypatch.setattr(Image, "_getdecoder", counting)
    return seen
