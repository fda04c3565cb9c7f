"""Expressions in a reply: every stretch of math that the shared reader (``llm.mathtext``) parses, and its
written form, for items whose prompt already shows an expression of the key's value."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

from llm import mathtext
from llm.mathtext import MAX_TOKENS

MAX_PARSES = 4000  # candidate expressions parsed per text; a reply with more is held back unread


def shape(node: mathtext.Node) -> mathtext.Node:
    """The written form up to order and folded numbers: 6 + 2x and 2*x + 6 agree, 2(x+3) does not."""
    kind = node[0]
    if kind in ("n", "s", "c"):
        return node
    if kind == "^":
        base, exponent = shape(node[1]), shape(node[2])
        if base[0] == "n" and exponent[1].denominator == 1 and base[1]:
            return ("n", base[1] ** int(exponent[1]))
        return ("^", base, exponent)
    if kind == "f":
        return ("f", node[1], shape(node[2]))
    parts: list[mathtext.Node] = []
    for child in (shape(child) for child in node[1]):
        parts.extend(child[1] if child[0] == kind else (child,))
    if kind == "*":
        coefficient = math.prod((p[1] for p in parts if p[0] == "n"), start=Fraction(1))
        parts = [p for p in parts if p[0] != "n"] + ([("n", coefficient)] if coefficient != 1 or len(parts) < 2 else [])
        if len(parts) == 1:
            return parts[0]
    return (kind, tuple(sorted(parts, key=repr)))


@dataclass(frozen=True)
class Candidate:
    tree: mathtext.Node
    start: int
    end: int


@functools.lru_cache(maxsize=1024)
def expression_candidates(text: str, symbols: frozenset[str]) -> tuple[tuple[Candidate, ...], bool]:
    """The sums of whole terms in each math stretch that parse ("2(x + 3)", "x + 3" inside it, "6 + 2x" in
    "y = 6 + 2x - 1"), up to MAX_TOKENS long, longest first; and whether the text was read to the
    end (False past MAX_PARSES). A candidate starts and ends at a term boundary with balanced brackets, which
    keeps the count linear in the length of the stretch."""
    found: list[Candidate] = []
    parses = 0
    for run in mathtext.runs(text, symbols):
        words = [t.text for t in run]
        starts = [k for k in range(len(run)) if k == 0 or words[k - 1] in ("+", "-", "(") or words[k] == "-"]
        ends = {k for k in range(len(run)) if k == len(run) - 1 or words[k + 1] in ("+", "-", ")")}
        for first in starts:
            depth = 0
            for last in range(first, min(len(run), first + MAX_TOKENS)):
                depth += {"(": 1, ")": -1}.get(words[last], 0)
                if depth < 0:
                    break
                if depth or last not in ends:
                    continue
                parses += 1
                if parses > MAX_PARSES:
                    return tuple(found), False
                try:
                    tree = mathtext.parse(words[first:last + 1])
                except mathtext.MathTextError:
                    continue
                found.append(Candidate(tree, run[first].start, run[last].end))
    found.sort(key=lambda c: (c.start - c.end, c.start))
    return tuple(found), True

