"""Each code point's character classes for the line model's shape columns, as one lookup table.

The classes are Python's own (``str.isalnum``, ``str.isdecimal``, ``str.isupper``,
``str.islower``, ``str.isspace``: what ``\\w`` and ``\\d`` of the ``re`` module and
``str.split()`` match) and a few fixed sets (CJK and Thai scripts, separators,
brackets, emoji, capitals). The table is filled a block of 256 code points at a
time, the first time a text holds one: filling all of Unicode would cost every
process a second for scripts it never meets.
The table is a pure function of the code point, so no result depends on the order
in which documents filled it.
"""

from __future__ import annotations

import re

import numpy as np

from . import kernels as K

_TABLE = np.zeros(0x110000, dtype=np.uint16)
_FILLED = np.zeros(0x110000 >> 8, dtype=np.bool_)

# The same sets as the regular expressions the shape columns were first written with.
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_SEP_RE = re.compile(r"[·|›»→—•*/⋅►▸▶❯>«‹←–]")
_BRACKET_RE = re.compile(r"[\[\](){}【】「」]")
_EMOJI_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
_SYMBOL_RE = re.compile(r"[©®™]")
_CAPITAL_RE = re.compile(r"[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ]")
_SETS = ((_CJK_RE, K.CJK), (_SEP_RE, K.SEP), (_BRACKET_RE, K.BRACKET), (_EMOJI_RE, K.EMOJI), (_SYMBOL_RE, K.SYMBOL),
         (_CAPITAL_RE, K.CAPITAL))


def _flags(ch: str) -> int:
    f = 0
    if ch.isalnum():
        f |= K.ALNUM
    if ch.isdecimal():
        f |= K.DECIMAL
    if ch.isupper():
        f |= K.UPPER
    if ch.islower():
        f |= K.LOWER
    if ch.isspace():
        f |= K.SPACE
    for rx, bit in _SETS:
        if rx.match(ch):
            f |= bit
    return f


def code_points(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The lines' code points, each line followed by a newline, and the classes table that covers them."""
    cps = np.frombuffer("\n".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    for block in K.missing_blocks(cps, _FILLED).tolist():
        base = block << 8
        _TABLE[base : base + 256] = [_flags(chr(c)) for c in range(base, base + 256)]
        _FILLED[block] = True
    return cps, _TABLE
