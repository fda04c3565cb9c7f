"""Where a number sits in a reply: stated as the answer ("the answer is 2", "x = 2", "it's 2.", "pick 3/4"),
or naming a place rather than a value ("hint 2", "step 1", "1. Add ...")."""

from __future__ import annotations

import re

from llm.guard.numbers import Number

_TAIL = r"\s*(?:(?:the|a|an|option|choice|letter|answer|number)\s+)*\(?\s*$"
_ASSERT_STRONG = re.compile(
    r"(?:\b(?:answer|solution|result|total|sum|product|difference|quotient|value)\b[^.!?\n]{0,30}?"
    r"(?:\bis|\bare|\bwas|=|\bequals|\bwould be|\bshould be|\bwill be|\bmust be|\bcomes to)"
    r"|(?<![\w.])[a-z]\s*(?:=|\bequals|\bis equal to|\bis)"
    r"|=|\b(?:correct|right) (?:one|option|choice)\s+is)" + _TAIL
)
_CHOOSE = re.compile(r"\b(?:pick|choose|select|go (?:with|for)|circle|tick|click)" + _TAIL)
_ASSERT_WEAK = re.compile(
    r"\b(?:it'?s|it is|its|that'?s|that is|this is|so|equals|is equal to|comes? (?:out )?to|works? out (?:to|as)"
    r"|you(?:'ll| will| should| would| can)? (?:get|end up with|find|have)|gives?(?: you)?|makes?|leaves?)" + _TAIL
)
AFTER_ASSERT = re.compile(
    r"^\)?\s*(?:=\s*[a-z](?![\w])|is (?:the |your )?(?:correct|right|answer|solution|one)\b"
    r"|(?:would|should|will|must) be (?:the |your )?(?:correct|right|answer|solution)\b)"
)
CLAUSE_END = re.compile(r"^\)?\s*(?:$|[.,;:!?)\]…]|(?:and|so|but|because|which|as|in total|overall|then|i\.e)\b)")
_STEP_NUMBER = re.compile(
    r"\b(?:hint|step|part|question|problem|exercise|line|page|no\.?|rule|level|chapter|section|attempt|stage"
    r"|example|item|task|card|option|choice|figure|table|lesson)\s*#?\s*"
    r"(?:\d+\s*(?:of|/)\s*)?$|#\s*$"
)
_LIST_MARKER_AFTER = re.compile(r"^[.)]\s")


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 80):start]
    return re.split(r"[.!?\n;]\s", before)[-1] if re.search(r"[.!?\n;]\s", before) else before


def assertion(text: str, start: int, end: int, *, choosing: bool = False) -> str | None:
    """The asserting phrase ("the answer is 2", "x = 2") when the number at start:end is stated as the answer.

    ``choosing``: on a choice item "pick 3/4" asserts too; elsewhere "pick 2 numbers" does not.
    """
    before, after = _clause_before(text, start), text[end:end + 40]
    strong = _ASSERT_STRONG.search(before) or (_CHOOSE.search(before) if choosing else None)
    weak = _ASSERT_WEAK.search(before)
    if strong:
        cue_start = start - (len(before) - strong.start())
        if strong.group(0).startswith("="):  # "2x = 4": the equation, so a copy of the prompt's one is no reveal
            cue_start -= len(re.search(r"[\w.+\-*/^()]*\s*$", text[max(0, cue_start - 40):cue_start]).group(0))
        return text[cue_start:end]
    if AFTER_ASSERT.match(after):
        return text[start:end + AFTER_ASSERT.match(after).end()]
    if weak and CLAUSE_END.match(after):
        return text[start - (len(before) - weak.start()):end]
    return None


def is_step_number(text: str, number: Number) -> bool:
    """ "Hint 2", "step 1", "question 3", "1. Add ..." name a place, not a value."""
    if not number.integer_form:
        return False
    if _STEP_NUMBER.search(text[max(0, number.start - 20):number.start]):
        return True
    line_start = text.rfind("\n", 0, number.start) + 1
    return not text[line_start:number.start].strip() and bool(_LIST_MARKER_AFTER.match(text[number.end:] + " "))

