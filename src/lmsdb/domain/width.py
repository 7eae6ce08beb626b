"""How wide a text is in a monospace editor, for tables padded into aligned columns."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns a text takes: East Asian wide and fullwidth characters
    (``unicodedata.east_asian_width`` W or F) count two, every other character one.

    >>> display_width("ab"), display_width("模型")
    (2, 4)
    """
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
