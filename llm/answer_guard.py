"""Does a tutor reply give the answer away? Checked on the server before anything reaches the student."""

from __future__ import annotations

import re

import sympy

# Numbers as a reply may write them: 3/4, -2.5, 1,000, 1 1/2.
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?:\s*/\s*\d+)?(?:\s+\d+\s*/\s*\d+)?(?![\w])")


def _values(text: str) -> list[sympy.Expr]:
    values = []
    for match in _NUMBER.finditer(text):
        token = match.group(0).replace(",", "")
        parts = token.split()
        try:
            if len(parts) == 2 and "/" in parts[1]:  # mixed number
                whole = sympy.Rational(parts[0])
                values.append(whole + sympy.sign(whole or 1) * sympy.Rational(parts[1].replace(" ", "")))
            values.append(sympy.Rational(token.replace(" ", "")))
        except (ValueError, TypeError, ZeroDivisionError):
            continue
    return values


def reply_reveals_answer(reply: str, *, answer_key: str, answer_kind: str, context: str = "") -> bool:
    """True when the reply states the answer key (as a fraction, decimal or mixed number, or verbatim).

    ``context`` is text the student already sees (the prompt, vetted hints): a number that is already
    there (the 2 of "divide both sides by 2") is not a reveal even when it equals the key.
    """
    if not answer_key:
        return False
    compact = re.sub(r"\s+", "", reply.lower())
    if re.sub(r"\s+", "", answer_key.lower()) in compact and answer_kind != "numeric":
        return True
    try:
        key = sympy.nsimplify(sympy.sympify(answer_key))
    except (sympy.SympifyError, TypeError, ValueError):
        return False
    if not key.is_number:
        return False
    if any(value == key for value in _values(context)):
        return False
    return any(value == key for value in _values(reply))
