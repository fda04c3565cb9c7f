"""The reply's text as the guard compares it: normalised (the same length, so spans carry over), squashed
(no spaces or product signs), and whether a phrase is already on the student's screen."""

from __future__ import annotations

import functools
import re


def normal(text: str) -> str:
    """Same length as ``text`` (so spans carry over): ASCII lower case, one kind of minus sign."""
    return text.translate(_NORMAL)


_NORMAL = {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {ord("−"): ord("-"), ord("–"): ord("-")}


@functools.lru_cache(maxsize=64)
def squash(text: str) -> str:
    """Cached: ``shown`` is squashed once per candidate otherwise."""
    return re.sub(r"[\s*·×]+", "", normal(text))


def in_shown(phrase: str, shown: str) -> bool:
    """Whether the student already reads this phrase, ignoring spaces and case ("x = 2" inside "If x = 2, ...",
    but not inside "12x = 24")."""
    squashed, haystack = squash(phrase), squash(shown)
    at = haystack.find(squashed) if squashed else -1
    while at >= 0:
        before, after = haystack[at - 1:at], haystack[at + len(squashed):at + len(squashed) + 1]
        if not re.match(r"[\w.]", before) and not re.match(r"[\w.]", after):
            return True
        at = haystack.find(squashed, at + 1)
    return False

