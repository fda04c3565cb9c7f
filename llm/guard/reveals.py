"""Detectors for the key's value in a reply: as a number in any form, as an irrational key's constant or
root, as an expression equivalent to the key (or, on expand and factor items, in the key's written form),
and the worked solution's final intermediate results."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

from llm import mathtext
from llm.guard.assertions import assertion, is_step_number
from llm.guard.expressions import expression_candidates, shape
from llm.guard.keys import Key
from llm.guard.numbers import numbers_in, value_matches
from llm.guard.text import in_shown, normal, squash
from llm.guard.verdict import Finding


def numeric_findings(reply: str, *, targets: list[tuple[Fraction | float, str]], shown: str,
                      shown_values: set[Fraction], option: str = "") -> Iterator[Finding]:
    """Numbers equal to a target. One the student already sees (in ``shown``, or ``option``, the choice's own
    text, which is always on screen) reveals only when asserted as the answer; another form of it (0.4 for
    the option 2/5) reveals like any number."""
    text = normal(reply)
    for number in numbers_in(reply):
        for target, label in targets:
            if not value_matches(number, target) or is_step_number(text, number):
                continue
            asserted = assertion(text, number.start, number.end, choosing=bool(option))
            written = reply[number.start:number.end]
            on_screen = target in shown_values or bool(option) and squash(written) == squash(option)
            must_assert = number.weak or on_screen
            if must_assert and (asserted is None or in_shown(asserted, shown)):
                continue
            form = "" if squash(written) == squash(label.split(" ")[-1]) else f" as {written}"
            yield Finding(f"states {label}{form}", ((number.start, number.end),))
            break


def unread(reply: str) -> Finding:
    """The whole reply, held back: it holds more candidate expressions than MAX_PARSES."""
    return Finding("holds more math than the guard reads, so it is held back", ((0, len(reply)),))


def constant_findings(reply: str, *, key: Key, shown: str) -> Iterator[Finding]:
    """An irrational key written with its constant or root ("sqrt(2)", "2π"); a bare π only when asserted,
    since the π of a formula ("π r²") is not the answer."""
    assert key.tree is not None
    text = normal(reply)
    candidates, complete = expression_candidates(reply, frozenset())
    if not complete:
        yield unread(reply)
    for candidate in candidates:
        piece = reply[candidate.start:candidate.end]
        bare = candidate.tree[0] == "c"
        if ((not bare or assertion(text, candidate.start, candidate.end)) and not in_shown(piece, shown)
                and mathtext.equivalent(candidate.tree, key.tree)):
            yield Finding(f"states the answer {key.text} as {piece}", ((candidate.start, candidate.end),))
            return


def expression_findings(reply: str, *, key: Key, shown: str, solution: str) -> Iterator[Finding]:
    """Stretches equivalent to an expression key. When ``shown`` already holds an equivalent expression
    (expand, factor, simplify items), the key's written form and the solution's last forms instead."""
    assert key.tree is not None
    shown_candidates, _ = expression_candidates(shown, key.symbols)
    form_mode = any(mathtext.symbols_of(c.tree) and mathtext.equivalent(c.tree, key.tree) for c in shown_candidates)
    shapes = {shape(key.tree): f"the answer {key.text}"}
    if form_mode:
        for step in _steps(solution)[-3:]:
            for candidate in expression_candidates(step, key.symbols)[0]:
                piece = step[candidate.start:candidate.end]
                if (not in_shown(piece, shown) and mathtext.symbols_of(candidate.tree)
                        and mathtext.equivalent(candidate.tree, key.tree)):
                    shapes.setdefault(shape(candidate.tree), f"the final intermediate form {piece.strip()}")
    taken: list[tuple[int, int]] = []
    candidates, complete = expression_candidates(reply, key.symbols)
    if not complete:
        yield unread(reply)
    for candidate in candidates:
        if not mathtext.symbols_of(candidate.tree) or any(s < candidate.end and candidate.start < e for s, e in taken):
            continue
        piece = reply[candidate.start:candidate.end]
        if in_shown(piece, shown):
            continue
        if form_mode:
            label = shapes.get(shape(candidate.tree))
        else:
            equivalent = mathtext.equivalent(candidate.tree, key.tree)
            label = f"an expression equivalent to the answer {key.text}" if equivalent else None
        if label:
            taken.append((candidate.start, candidate.end))
            yield Finding(f"states {label}: {piece}", ((candidate.start, candidate.end),))


_STEP_SPLIT = re.compile(r"\n+|(?<=[.;!?])\s+|,\s+(?=(?:so|then|and|which)\b)")
_RESULT_CUE = re.compile(r"(?:=|≈|→|=>|\bis|\bequals|\bgives|\bmakes|\bleaves|\bget|\bgets)\s*$")
_OPERATOR_AFTER = re.compile(r"^\s*(?:[-+*/×÷^(]|\d)")


def _steps(solution: str) -> list[str]:
    return [step for step in _STEP_SPLIT.split(solution) if step and step.strip()]


def intermediate_targets(solution: str, *, answer: Fraction | float | None, shown_values: set[Fraction]
                         ) -> list[tuple[Fraction, str]]:
    """Results the worked solution computes in its last two computing steps, other than the answer itself."""
    steps = _steps(solution)
    chosen: list[tuple[Fraction, str]] = []
    computing = 0
    for step in reversed(steps):
        text = normal(step)
        results = [n for n in numbers_in(step) if _RESULT_CUE.search(text[:n.start]) and not _OPERATOR_AFTER.match(
            text[n.end:]) and not n.weak]
        fresh = [n for n in results if not (answer is not None and value_matches(n, answer))]
        if not fresh:
            continue
        computing += 1
        for n in fresh:
            if n.value not in shown_values and all(n.value != v for v, _ in chosen):
                chosen.append((n.value, f"the final intermediate result {step[n.start:n.end].strip()}"))
        if computing == 2:
            break
    return chosen

