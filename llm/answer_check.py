"""Check a student's answer against an item's answer spec.

The answer box takes ASCII math: digits, the one-letter variables the item declares, + - * / ^ and
brackets, at most ``MAX_LENGTH`` characters (``llm.mathtext`` owns that limit and the others). Its text is
read by ``llm.mathtext``, the reader the answer guard uses too: nothing reaches ``eval``, the limits are the
same, and an expression counts as the key exactly when the guard would read the same expression in a reply as the
key. On top of the reader the box knows a student's habits: "x = 5", 1,000, mixed numbers (2 1/2), and a
comma written for a decimal point, which it refuses with a word rather than misread. Variables are written apart
("2x", "x*y"): a run of letters such as "xy", which the guard reads as a product in tutor prose, is refused here
with a word, so that a mistyped name is not taken for a product.

Numeric answers compare exactly (or within the item's tolerance), expressions by ``mathtext.equivalent``,
choices by the chosen text. An item may also ask for a form (``llm.answer_forms``: a single number, lowest terms,
expanded, …): a right value in another form is neither right nor wrong, and the student is asked to rewrite it. A
wrong answer the item declares as common (``CommonWrongAnswer``) is recognised by the same comparison, and its
feedback, which names the mistake, replaces the generic nudge. A key is course-author text: it is read by the same
reader, and only a key beyond the reader's grammar (``exp(1)``) is left to ``sympify``, as the item templates that
wrote it are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from llm import mathtext
from llm.answer_forms import AnswerForm, Written, form_holds
from llm.mathtext import MAX_LENGTH, MAX_TOKENS

_ALLOWED_CHARACTERS = re.compile(r"^[0-9A-Za-z+\-*/^()., =]*$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_MIXED_NUMBER = re.compile(r"^(-?)(\d+)\s+(\d+)\s*/\s*(\d+)$")
_TRY_AGAIN = "Not quite. Try again, or ask for a hint."


class AnswerFormatError(ValueError):
    """The answer could not be read at all (as opposed to being wrong). The message is for the student."""


@dataclass(frozen=True)
class CommonWrongAnswer:
    """A mistake the course author foresaw: its key (written like the answer key) and what to tell the student."""

    answer: str
    feedback: str
    error: str = ""  # a Bridge error type, or "" when not declared
    concept: str = ""  # the slug of the concept the mistake points to, or ""


@dataclass(frozen=True)
class AnswerSpec:
    kind: str  # "numeric" | "expression" | "choice"
    answer: str  # SymPy-parsable key; for choice, the correct choice's text
    tolerance: float = 0.0
    choices: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()
    form: str = ""  # the form the answer must take (``AnswerForm.text``); "" takes the value in any form
    wrong_answers: tuple[CommonWrongAnswer, ...] = ()


@dataclass(frozen=True)
class Verdict:
    correct: bool
    message: str
    form_missed: bool = False  # the value is right but not in the item's form: neither right nor wrong
    wrong_answer: CommonWrongAnswer | None = None  # the common wrong answer the response matched


def _read(text: str, *, variables: tuple[str, ...]) -> mathtext.Node:
    """The student's text as a tree, or AnswerFormatError with a message that says what to change."""
    names = set(re.findall(r"[A-Za-z]+", text))
    unknown = sorted(names - set(variables))
    if unknown:
        allowed = f" (you may use {', '.join(variables)})" if variables else ""
        raise AnswerFormatError(f"I can't read '{unknown[0]}' in your answer{allowed}.")
    try:
        return mathtext.read(text, frozenset(variables))
    except mathtext.NumberTooLong as error:
        raise AnswerFormatError("That number is too long; check your answer.") from error
    except mathtext.PowerTooLarge as error:
        raise AnswerFormatError("Powers in answers are limited to small whole exponents.") from error
    except mathtext.TooLong as error:
        raise AnswerFormatError(f"That answer is too long to read (at most {MAX_TOKENS} numbers, letters and "
                                "signs); write it more simply.") from error
    except mathtext.NotMath as error:
        raise AnswerFormatError(f"I couldn't read '{text}' as math. Check for a missing number or bracket.") from error


def _value(tree: mathtext.Node) -> sympy.Expr:
    try:
        return mathtext.value(tree)
    except mathtext.DivisionByZero as error:
        raise AnswerFormatError("Your answer divides by zero.") from error


def _read_number(text: str) -> Written:
    text = mathtext.label_strip(text)
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    mixed = _MIXED_NUMBER.match(text)
    if mixed:
        sign, whole, numerator, denominator = mixed.groups()
        tree = _read(f"{sign}({whole} + {numerator}/{denominator})", variables=())
        return Written(tree, text, mixed_fraction=(int(numerator), int(denominator)))
    if "," in text:
        raise AnswerFormatError("Use a point for decimals (2.5, not 2,5).")
    return Written(_read(text, variables=()), text)


def _key_read(key: str, *, variables: tuple[str, ...]) -> tuple[mathtext.Node | None, sympy.Expr]:
    """The key's tree (through the shared reader) and value; a key beyond the reader's grammar has no tree
    and is read as SymPy reads author text."""
    answer = mathtext.label_strip(key)
    try:
        tree = mathtext.read(answer, frozenset(variables), trusted=True)
        return tree, mathtext.value(tree)
    except mathtext.MathTextError:
        return None, sympy.sympify(answer, locals={name: sympy.Symbol(name) for name in variables})


def _matches(spec: AnswerSpec, student: sympy.Expr, tree: mathtext.Node, *, key_tree: mathtext.Node | None,
             key: sympy.Expr) -> bool:
    if spec.kind == "numeric" and spec.tolerance > 0:
        return abs(complex(student) - complex(key)) <= spec.tolerance
    if key_tree is None:
        return mathtext.same_value(student, key)
    return mathtext.equivalent(tree, key_tree)


def _common_wrong_answer(spec: AnswerSpec, student: sympy.Expr, tree: mathtext.Node) -> CommonWrongAnswer | None:
    for wrong in spec.wrong_answers:
        key_tree, key = _key_read(wrong.answer, variables=spec.variables)
        if _matches(spec, student, tree, key_tree=key_tree, key=key):
            return wrong
    return None


def _wrong_message(student: sympy.Expr, key: sympy.Expr, *, tree: mathtext.Node,
                   key_tree: mathtext.Node | None) -> str:
    """A nudge that names a likely slip without giving the key away. Two rational numbers compare exactly as they
    are; an answer against a key the reader read is compared as the reader compares (``mathtext.equivalent``); only
    a key beyond the reader is left to SymPy's simplify, which costs milliseconds."""
    exact = bool(student.is_rational and key.is_rational)
    if exact:
        flipped = student + key == 0
    elif key_tree is not None:
        flipped = mathtext.equivalent(tree, ("*", (("n", Fraction(-1)), key_tree)))
    else:
        flipped = sympy.simplify(student + key) == 0
    if key != 0 and flipped:
        return "Not quite: check the sign of your answer."
    if student.is_number and key.is_number and key != 0 and student != 0:
        ratio = student / key if exact else sympy.nsimplify(student / key)
        if ratio in (10, 100, 1000, sympy.Rational(1, 10), sympy.Rational(1, 100), sympy.Rational(1, 1000)):
            return "Not quite: check the place value (where the decimal point goes)."
        if exact and student * key == 1 and key not in (1, -1):
            return "Not quite: your fraction may be upside down."
    return _TRY_AGAIN


def answer_check(*, spec: AnswerSpec, response: str) -> Verdict:
    """Return the verdict on ``response``; raise AnswerFormatError when it cannot be read."""
    text = (response or "").strip()
    if not text:
        raise AnswerFormatError("Type an answer first.")
    if len(text) > MAX_LENGTH:
        raise AnswerFormatError(f"Answers are at most {MAX_LENGTH} characters.")
    if spec.kind == "choice":
        if text not in spec.choices:
            raise AnswerFormatError("Pick one of the choices.")
        if text == spec.answer:
            return Verdict(True, "Correct!")
        wrong = next((wrong for wrong in spec.wrong_answers if wrong.answer == text), None)
        return Verdict(False, wrong.feedback if wrong else _TRY_AGAIN, wrong_answer=wrong)
    if not _ALLOWED_CHARACTERS.match(text):
        raise AnswerFormatError("Use only numbers, letters for variables, and + - * / ^ ( ).")

    key_tree, key = _key_read(spec.answer, variables=spec.variables)
    if spec.kind == "numeric":
        written = _read_number(text)
    elif spec.kind == "expression":
        if "," in text:
            raise AnswerFormatError(f"I couldn't read '{text}' as a single value.")
        written = Written(_read(text, variables=tuple(spec.variables)), text)
    else:
        raise ValueError(f"unknown answer kind {spec.kind!r}")
    tree = written.tree
    student = _value(tree)
    if _matches(spec, student, tree, key_tree=key_tree, key=key):
        if spec.form:
            form = AnswerForm.parse(spec.form)
            if not form_holds(form, written):
                return Verdict(False, f"Right value — now write it {form.phrase}.", form_missed=True)
        return Verdict(True, "Correct!")
    wrong = _common_wrong_answer(spec, student, tree)
    if wrong is not None:
        return Verdict(False, wrong.feedback, wrong_answer=wrong)
    return Verdict(False, _wrong_message(student, key, tree=tree, key_tree=key_tree))
