"""Text fitting for the printed reports: line breaking, elision and print forms of units.

Qt's own word wrap breaks after ``/`` and ``-`` (``Flow (L/`` + ``min)``) and
lets a word wider than the box run past it; the reports break lines here
instead, so what is measured is exactly what is drawn.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

__all__ = ["wrap_lines", "word_pieces", "elide", "print_units"]

#: Inside a word wider than its box, a line may end after one of these.
_BREAK_AFTER = "/-_,.:;)"
_UNIT_POWER = re.compile(r"(?<![A-Za-z0-9_])(m|cm|mm|ft)([23])(?![A-Za-z0-9_])")


def print_units(text: str) -> str:
    """Return a unit text with its powers as superscripts, as printed.

    Examples
    --------
    >>> print_units("m2"), print_units("kg/m2"), print_units("GPU-m2x")
    ('m²', 'kg/m²', 'GPU-m2x')
    """
    return _UNIT_POWER.sub(lambda m: m.group(1) + "²³"[int(m.group(2)) - 2], text)


def word_pieces(word: str) -> list[str]:
    """Split ``word`` after the characters where a line may end inside it.

    Examples
    --------
    >>> word_pieces("busway-415v-800a")
    ['busway-', '415v-', '800a']
    """
    out, start = [], 0
    for k, ch in enumerate(word[:-1]):
        if ch in _BREAK_AFTER and k + 1 > start:
            out.append(word[start:k + 1])
            start = k + 1
    out.append(word[start:])
    return out


def _fit_prefix(fm: QFontMetricsF, word: str, width: float) -> int:
    """Return the length of the longest prefix of ``word`` no wider than ``width`` (>= 1)."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fm.horizontalAdvance(word[:mid]) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _break_word(fm: QFontMetricsF, word: str, width: float, first: float) -> list[str]:
    """Cut ``word`` into pieces: the first no wider than ``first``, the others ``width``."""
    pieces = []
    room = first
    while len(word) > 1 and fm.horizontalAdvance(word) > room:
        n = _fit_prefix(fm, word, room)
        cut = max(word.rfind(ch, 0, n) for ch in _BREAK_AFTER)
        if cut + 1 >= max(1, n // 3):  # end after a separator unless it leaves a stub line
            n = cut + 1
        pieces.append(word[:n])
        word = word[n:]
        room = width
    pieces.append(word)
    return pieces


def wrap_lines(fm: QFontMetricsF, text: str, width: float, *,
               break_words: bool = True) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (device units of ``fm``).

    Lines end at spaces and at newlines; a word wider than ``width`` alone is
    broken, after a separator (``/``, ``-``, ``_`` ...) where possible, unless
    ``break_words`` is false. An empty text is one empty line.
    """
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            cand = f"{line} {word}" if line else word
            if fm.horizontalAdvance(cand) <= width:
                line = cand
                continue
            if not break_words or fm.horizontalAdvance(word) <= width:
                if line:
                    out.append(line)
                line = word
                continue
            # a word wider than a line starts where the line is, unless little room is left
            room = width - fm.horizontalAdvance(f"{line} ") if line else width
            if room < width / 4:
                out.append(line)
                line, room = "", width
            first, *rest = _break_word(fm, word, width, room)
            if line:
                first = f"{line} {first}"
            out.append(first)
            *full, line = rest or [""]
            out.extend(full)
        out.append(line)
    return out


def elide(fm: QFontMetricsF, text: str, width: float) -> str:
    """Return ``text`` cut to ``width`` with a trailing ellipsis when it is wider."""
    return fm.elidedText(text, Qt.TextElideMode.ElideRight, max(width, 0.0))
