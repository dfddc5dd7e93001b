"""Vietnamese text folded for matching: "thuế" and "Nghị định" are found by "thue" and
"nghi dinh", the way a member types on a tablet without a Vietnamese keyboard.

Each character folds to exactly one character, so an offset in the folded text is the same
offset in the original: a hit found in the folded text is highlighted in the original.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# đ is a letter of its own, not a d with a mark: Unicode does not decompose it.
_OWN_LETTERS = {"đ": "d", "Đ": "d"}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _OWN_LETTERS:
        return _OWN_LETTERS[char]
    base = unicodedata.normalize("NFD", char)[0]
    return base.lower() if len(base.lower()) == 1 else base


def fold(text: str) -> str:
    """Lower case, without diacritics, đ as d; the same length as ``text`` (once NFC)."""
    return "".join(_fold_char(char) for char in unicodedata.normalize("NFC", text))


def fold_query(text: str) -> str:
    return " ".join(fold(text).split())
