"""The answer key as the guard looks for it: a value (3/4, 0.75, pi), an expression over variables, or,
when neither reads, the key's own text (a choice such as "parallelogram")."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

import sympy

from llm import mathtext
from llm.guard.numbers import numbers_in


@dataclass(frozen=True)
class Key:
    text: str
    value: Fraction | float | None  # for a key without variables
    tree: mathtext.Node | None  # for a key with variables, or an irrational one (pi, sqrt(2))
    symbols: frozenset[str]


@functools.lru_cache(maxsize=256)
def key_read(answer_key: str) -> Key:
    """The key read as a number first (as a reply writes numbers), then as math; its text when neither reads."""
    text = answer_key.strip()
    body = mathtext.label_strip(text)
    numbers = numbers_in(body)
    whole = [n for n in numbers if n.start == 0 and n.end == len(body)]
    if whole:
        return Key(text, whole[0].value, None, frozenset())
    try:
        tree = mathtext.read(body, trusted=True)
        value = mathtext.value(tree)
    except mathtext.MathTextError:  # beyond the grammar, or "1/0": no value to look for, only its text
        return Key(text, None, None, frozenset())
    names = frozenset(mathtext.symbols_of(tree))
    if any(len(name) > 1 for name in names):  # a word ("parallelogram"): a choice's text, not algebra
        return Key(text, None, None, frozenset())
    if names:
        return Key(body, None, tree, names)
    exact = sympy.nsimplify(value)
    if exact.is_Rational:
        return Key(body, Fraction(int(exact.p), int(exact.q)), None, frozenset())
    if exact.is_real and exact.is_finite:
        return Key(body, float(exact), tree, frozenset())
    return Key(text, None, None, frozenset())

