"""Vietnamese text folded for matching: "thuế" and "Nghị định" are found by "thue" and
"nghi dinh", the way a member types on a tablet without a Vietnamese keyboard.

Each character folds to exactly one character, so an offset in the folded text is the same
offset in the original: a hit found in the folded text is highlighted in the original.
"""

from __future__ import annotations

import unicodedata

# đ is a letter of its own, not a d with a mark: Unicode does not decompose it.
_OWN_LETTERS = {"đ": "d", "Đ": "d"}


def _fold_char(char: str) -> str:
    if char in _OWN_LETTERS:
        return _OWN_LETTERS[char]
    base = unicodedata.normalize("NFD", char)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


# Latin letters with their marks (Vietnamese lives in Latin-1, Latin Extended-A/B and
# Latin Extended Additional): one table, applied by str.translate at C speed.
_TABLE = {
    code: _fold_char(chr(code))
    for block in (range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00))
    for code in block
}


def fold(text: str) -> str:
    """Lower case, without diacritics, đ as d; the same length as ``text`` (once NFC)."""
    return unicodedata.normalize("NFC", text).translate(_TABLE)


def fold_query(text: str) -> str:
    return " ".join(fold(text).split())
