"""Check a student's answer against an item's answer spec.

Student text never reaches ``eval``: it is screened by a small grammar (digits, one-letter variables the
item declares, + - * / ^ and parentheses, at most ``MAX_ANSWER_LENGTH`` characters), parsed by SymPy
with a namespace that holds nothing but number and symbol constructors, and refused if it asks for
huge powers. Numeric answers compare exactly (or within the item's tolerance); expressions compare by
SymPy equivalence (``simplify(student - key) == 0``); choices by the chosen text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from tokenize import TokenError

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

MAX_ANSWER_LENGTH = 100
MAX_EXPONENT = 12
MAX_DIGITS = 15

_ALLOWED_CHARACTERS = re.compile(r"^[0-9A-Za-z+\-*/^()., =]*$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_MIXED_NUMBER = re.compile(r"^(-?)(\d+)\s+(\d+)\s*/\s*(\d+)$")
_LEADING_VARIABLE = re.compile(r"^\s*([A-Za-z])\s*=\s*(.+)$")
_TRANSFORMATIONS = (*standard_transformations, implicit_multiplication_application, convert_xor)
_SAFE_GLOBALS = {
    "Integer": sympy.Integer,
    "Float": sympy.Float,
    "Rational": sympy.Rational,
    "Symbol": sympy.Symbol,
    "Add": sympy.Add,
    "Mul": sympy.Mul,
    "Pow": sympy.Pow,
    "__builtins__": {},
}


class AnswerFormatError(ValueError):
    """The answer could not be read at all (as opposed to being wrong). The message is for the student."""


@dataclass(frozen=True)
class AnswerSpec:
    kind: str  # "numeric" | "expression" | "choice"
    answer: str  # SymPy-parsable key; for choice, the correct choice's text
    tolerance: float = 0.0
    choices: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    correct: bool
    message: str


def _parse(text: str, *, variables: tuple[str, ...]) -> sympy.Expr:
    names = set(re.findall(r"[A-Za-z]+", text))
    unknown = sorted(names - set(variables))
    if unknown:
        allowed = f" (you may use {', '.join(variables)})" if variables else ""
        raise AnswerFormatError(f"I can't read '{unknown[0]}' in your answer{allowed}.")
    if any(len(digits) > MAX_DIGITS for digits in re.findall(r"\d+", text)):
        raise AnswerFormatError("That number is too long; check your answer.")
    local = {name: sympy.Symbol(name) for name in variables}
    try:
        tree = parse_expr(text, local_dict=local, global_dict=dict(_SAFE_GLOBALS),
                          transformations=_TRANSFORMATIONS, evaluate=False)
    except (SyntaxError, TypeError, ValueError, AttributeError, NameError, sympy.SympifyError, TokenError) as error:
        raise AnswerFormatError(f"I couldn't read '{text}' as math. Check for a missing number or bracket.") from error
    if not isinstance(tree, sympy.Expr):
        raise AnswerFormatError(f"I couldn't read '{text}' as a single value.")
    for power in tree.atoms(sympy.Pow):
        exponent = power.exp
        if not exponent.is_number or abs(exponent) > MAX_EXPONENT or power.base.has(sympy.Pow):
            raise AnswerFormatError("Powers in answers are limited to small whole exponents.")
    try:
        value = parse_expr(text, local_dict=local, global_dict=dict(_SAFE_GLOBALS), transformations=_TRANSFORMATIONS)
    except ZeroDivisionError as error:
        raise AnswerFormatError("Your answer divides by zero.") from error
    if value.has(sympy.zoo, sympy.nan, sympy.oo):
        raise AnswerFormatError("Your answer divides by zero.")
    return value


def _read_number(text: str) -> sympy.Expr:
    equation = _LEADING_VARIABLE.match(text)
    if equation:
        text = equation.group(2).strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    mixed = _MIXED_NUMBER.match(text)
    if mixed:
        sign, whole, numerator, denominator = mixed.groups()
        if int(denominator) == 0:
            raise AnswerFormatError("Your answer divides by zero.")
        value = sympy.Integer(whole) + sympy.Rational(int(numerator), int(denominator))
        return -value if sign else value
    if "," in text:
        raise AnswerFormatError("Use a point for decimals (2.5, not 2,5).")
    value = _parse(text, variables=())
    if not value.is_number:
        raise AnswerFormatError("The answer should be a number.")
    return sympy.nsimplify(value) if isinstance(value, sympy.Float) else value


def _wrong_message(student: sympy.Expr, key: sympy.Expr) -> str:
    """A nudge that names a likely slip without giving the key away."""
    if key != 0 and sympy.simplify(student + key) == 0:
        return "Not quite: check the sign of your answer."
    if student.is_number and key.is_number and key != 0 and student != 0:
        ratio = sympy.nsimplify(student / key)
        if ratio in (10, 100, 1000, sympy.Rational(1, 10), sympy.Rational(1, 100), sympy.Rational(1, 1000)):
            return "Not quite: check the place value (where the decimal point goes)."
        if key.is_rational and student.is_rational and sympy.simplify(student * key) == 1 and key not in (1, -1):
            return "Not quite: your fraction may be upside down."
    return "Not quite. Try again, or ask for a hint."


def answer_check(*, spec: AnswerSpec, response: str) -> Verdict:
    """Return the verdict on ``response``; raise AnswerFormatError when it cannot be read."""
    text = (response or "").strip()
    if not text:
        raise AnswerFormatError("Type an answer first.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerFormatError(f"Answers are at most {MAX_ANSWER_LENGTH} characters.")
    if spec.kind == "choice":
        if text not in spec.choices:
            raise AnswerFormatError("Pick one of the choices.")
        correct = text == spec.answer
        return Verdict(correct, "Correct!" if correct else "Not quite. Try again, or ask for a hint.")
    if not _ALLOWED_CHARACTERS.match(text):
        raise AnswerFormatError("Use only numbers, letters for variables, and + - * / ^ ( ).")

    variables = tuple(spec.variables)
    key = sympy.sympify(spec.answer, locals={name: sympy.Symbol(name) for name in variables})
    if spec.kind == "numeric":
        student = _read_number(text)
        if spec.tolerance > 0:
            correct = abs(float(student) - float(key)) <= spec.tolerance
        else:
            correct = sympy.simplify(student - key) == 0
    elif spec.kind == "expression":
        student = _parse(text, variables=variables)
        correct = sympy.simplify(student - key) == 0
    else:
        raise ValueError(f"unknown answer kind {spec.kind!r}")
    return Verdict(correct, "Correct!" if correct else _wrong_message(student, key))

