"""Detectors for the key given in parts, within a reply or across this problem's earlier replies: a
numerator and a denominator stated apart, and every digit of a whole-number key given by position."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from fractions import Fraction

from llm.guard.numbers import Number, numbers_in
from llm.guard.text import normal
from llm.guard.verdict import Finding

_NUMERATOR_CUE = re.compile(r"\b(?:numerator|top number|number on top)\b[^.!?\n]{0,20}?"
                            r"(?:\bis|=|\bshould be|\bwill be|\bbecomes|\bequals|\bwould be|\bmust be|:)?\s*$")
_DENOMINATOR_CUE = re.compile(r"\b(?:denominator|bottom number|number on the bottom)\b[^.!?\n]{0,20}?"
                              r"(?:\bis|=|\bshould be|\bwill be|\bbecomes|\bequals|\bwould be|\bmust be|\bstays|:)?"
                              r"\s*$")
_NUMERATOR_AFTER = re.compile(r"^\s*(?:on (?:the )?top|in the numerator|(?:as|for) the numerator|goes on top)")
_DENOMINATOR_AFTER = re.compile(r"^\s*(?:on (?:the )?bottom|in the denominator|(?:as|for) the denominator)")


def _part_statements(text: str, cue: re.Pattern, after: re.Pattern) -> list[Number]:
    lowered = normal(text)
    return [n for n in numbers_in(text) if n.value.denominator == 1 and n.value > 0 and (
        cue.search(lowered[max(0, n.start - 50):n.start]) or after.match(lowered[n.end:n.end + 30]))]


def fraction_split_findings(reply: str, *, key: Fraction, earlier: Sequence[str], shown: str,
                             shown_values: set[Fraction]) -> Iterator[Finding]:
    """A numerator and a denominator stated apart (one may come from the prompt) that make the key."""
    if key.denominator == 1:
        return
    shown_pairs = {(int(a), int(b)) for a, b in re.findall(r"(\d+)\s*/\s*(\d+)", shown)}
    numerators = [(n, True) for n in _part_statements(reply, _NUMERATOR_CUE, _NUMERATOR_AFTER)]
    denominators = [(n, True) for n in _part_statements(reply, _DENOMINATOR_CUE, _DENOMINATOR_AFTER)]
    for text in earlier:
        numerators += [(n, False) for n in _part_statements(text, _NUMERATOR_CUE, _NUMERATOR_AFTER)]
        denominators += [(n, False) for n in _part_statements(text, _DENOMINATOR_CUE, _DENOMINATOR_AFTER)]
    known_denominators = [(value, False, None) for value in shown_values if value.denominator == 1 and value > 0]
    for numerator, in_reply in numerators:
        for value, d_in_reply, d_number in [(d.value, r, d) for d, r in denominators] + known_denominators:
            if numerator.value / value != key or (int(numerator.value), int(value)) in shown_pairs:
                continue
            if d_number is None and numerator.value in shown_values:
                continue
            if not (in_reply or d_in_reply):
                continue
            spans = tuple(sorted({(n.start, n.end) for n, here in ((numerator, in_reply), (d_number, d_in_reply))
                                  if here and n is not None}))
            yield Finding(f"splits the answer {key} into numerator {numerator.value} and denominator {value}", spans)
            return


_DIGIT_POSITION = re.compile(
    r"\b(?P<pos>first|second|third|fourth|last|final|leading|tens|ones|units?|hundreds|thousands)\s+digit\b"
    r"[^.!?\n]{0,15}?(?:\bis|=|\bshould be|\bwill be|\bwould be|\bmust be|:)\s*(?:an?\s+)?$"
    r"|\b(?P<first>starts?|starting|begins?|beginning)\s+with\s+(?:an?\s+)?$"
    r"|\b(?P<last>ends?|ending)\s+(?:with|in)\s+(?:an?\s+)?$"
)
_PLACE_AFTER = re.compile(r"^\s+in the (?P<pos>tens|ones|units|hundreds|thousands) (?:place|column|digit)")
_PLACES = {"first": 0, "leading": 0, "second": 1, "third": 2, "fourth": 3}
_FROM_END = {"last": 1, "final": 1, "ones": 1, "unit": 1, "units": 1, "tens": 2, "hundreds": 3, "thousands": 4}


def _digit_facts(text: str, length: int) -> list[tuple[int, int, Number]]:
    lowered = normal(text)
    facts = []
    for n in numbers_in(text):
        if n.value.denominator != 1 or not 0 <= n.value <= 9:
            continue
        m = _DIGIT_POSITION.search(lowered[max(0, n.start - 50):n.start])
        after = _PLACE_AFTER.match(lowered[n.end:n.end + 40])
        word = (m and (m["pos"] or ("first" if m["first"] else "last"))) or (after and after["pos"])
        if not word:
            continue
        position = _PLACES[word] if word in _PLACES else length - _FROM_END[word]
        if 0 <= position < length:
            facts.append((position, int(n.value), n))
    return facts


def digit_split_findings(reply: str, *, key: Fraction, earlier: Sequence[str]) -> Iterator[Finding]:
    """All digits of a whole-number key given by position, over this reply and the earlier ones."""
    if key.denominator != 1 or abs(key) < 10:
        return
    digits = str(abs(key.numerator))
    here = [f for f in _digit_facts(reply, len(digits)) if int(digits[f[0]]) == f[1]]
    before = [f for text in earlier for f in _digit_facts(text, len(digits)) if int(digits[f[0]]) == f[1]]
    if here and {f[0] for f in here + before} == set(range(len(digits))):
        spans = tuple((number.start, number.end) for _, _, number in here)
        yield Finding(f"gives every digit of the answer {key} by position", spans)

