"""Detectors for a choice item: the right option named by its letter ("it's B", "pick option B"), its
position ("the second option") or its text, each when asserted, since every option is on screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llm.guard.assertions import AFTER_ASSERT, CLAUSE_END, assertion
from llm.guard.keys import Key
from llm.guard.numbers import numbers_in, value_matches
from llm.guard.text import normal, squash
from llm.guard.verdict import Finding

_OPTION = re.compile(r"(?:^|(?<=\s))(?:\(([A-Fa-f])\)|([A-F])[).:])\s+(.+?)"
                     r"(?=\s+(?:\([A-Fa-f]\)|[A-F][).:])\s|\n|$)", re.M)
_LETTER = re.compile(r"\b(?:option|choice|answer|letter)\s+\(?(?P<a>[a-f])\)?(?![\w'])|\((?P<b>[a-f])\)"
                     r"|(?<![\w'])(?P<c>(?-i:[A-F]))(?![\w'])", re.I)
_ORDINAL = re.compile(r"\b(?P<word>first|second|third|fourth|fifth|sixth|last|1st|2nd|3rd|4th|5th|6th)\s+"
                      r"(?:option|choice|one|answer)\b|\b(?:option|choice)\s+(?:number\s+)?(?P<n>[1-6])\b")
_ORDINALS = {w: i for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth"))} | {
    f"{i + 1}{s}": i for i, s in enumerate(("st", "nd", "rd", "th", "th", "th"))}


def choice_findings(reply: str, *, key: Key, shown: str) -> Iterator[Finding]:
    """The right option named as the answer, by letter or by position (any option when the list is unknown)."""
    options = [((low or up).lower(), text.strip().rstrip(".;,")) for low, up, text in _OPTION.findall(shown)]
    correct = None
    for index, (_, text) in enumerate(options):
        values = [n for n in numbers_in(text) if n.start == 0 and n.end == len(text)]
        same_value = bool(values) and key.value is not None and value_matches(values[0], key.value)
        if squash(text) == squash(key.text) or same_value:
            correct = index
    text = normal(reply)
    for m in _LETTER.finditer(reply):
        letter = (m["a"] or m["b"] or m["c"]).lower()
        if m["c"] and not (AFTER_ASSERT.match(text[m.end():]) or CLAUSE_END.match(text[m.end():])):
            continue
        if assertion(text, m.start(), m.end(), choosing=True) and (correct is None or options[correct][0] == letter):
            yield Finding(f"names option {letter.upper()} as the answer", ((m.start(), m.end()),))
    for m in _ORDINAL.finditer(text):
        index = int(m["n"]) - 1 if m["n"] else (len(options) - 1 if m["word"] == "last" else _ORDINALS[m["word"]])
        if assertion(text, m.start(), m.end(), choosing=True) and (correct is None or index == correct):
            yield Finding(f"names the {m.group(0)} as the answer", ((m.start(), m.end()),))
    if key.value is None and key.tree is None and len(squash(key.text)) > 1:
        pattern = r"\s*".join(re.escape(part) for part in normal(key.text).split())
        for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text):
            if assertion(text, m.start(), m.end(), choosing=True):
                yield Finding(f"states the answer {key.text}", ((m.start(), m.end()),))

