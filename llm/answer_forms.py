"""The form an answer must be written in: "Work out 39 × 28" wants 1092, not 39*28.

An item may name a form (stored as text on the item, ``AnswerForm.text``):

* ``number``: one number, signed or not: an integer, a decimal, a mixed number, or a fraction of two integers
  when the value is not whole (13 is not written 104/8).
* ``lowest-terms``: an integer, or a fraction of two integers in lowest terms (3/4; not 6/8, 0.75 or a mixed
  number).
* ``decimal:N``: an integer or a decimal with at most N digits after the point (no fractions).
* ``expanded``: a polynomial without brackets, each term worked out to one number times powers of variables, like
  terms collected (7x + 35, not 7(x + 5), 7x + 5*7 or 3x + 4x + 35).
* ``factored``: a product of a number and factors that are variables, powers, or expanded sums that cannot be
  factorised further over the rationals (3(2x + 3), not 6x + 9 or (6x + 9)).
* ``simplified``: expanded or factored: like terms collected either way.

Whether an answer has its form is read from the tree of ``llm.mathtext``'s reader, which keeps what the student
wrote (a product stays a product, a bracket a sum inside a product); only the irreducibility of a factor is asked
of SymPy. Signs are the reader's factors of -1 (no number token is negative), so "-3/4" and "-7x" keep their form.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sympy

from llm import mathtext

EXPRESSION_FORMS = ("expanded", "factored", "simplified")  # the others are for numeric answers
_KNOWN = "expected one of number, lowest-terms, {decimal: N}, expanded, factored, simplified"
_PHRASES = {
    "number": "as a single number",
    "lowest-terms": "as a fraction in lowest terms",
    "expanded": "expanded, without brackets and with like terms collected",
    "factored": "fully factorised",
    "simplified": "simplified, with like terms collected",
}
_MINUS = ("n", Fraction(-1))
_PLACES = re.compile(r"\.(\d*)")


class FormSpecError(ValueError):
    """A form a course file or an item names that does not exist; the message says which ones do."""


@dataclass(frozen=True)
class AnswerForm:
    name: str  # number, lowest-terms, decimal, or one of EXPRESSION_FORMS
    places: int = 0  # the most digits after the point, for "decimal"

    @classmethod
    def parse(cls, text: str) -> AnswerForm:
        """The form stored as ``text`` ("number", "decimal:2")."""
        name, _, places = text.partition(":")
        if name == "decimal" and places.isdigit():
            return cls(name, int(places))
        if name in _PHRASES and not places:
            return cls(name)
        raise FormSpecError(f"unknown form {text!r}: {_KNOWN}")

    @property
    def text(self) -> str:
        return f"decimal:{self.places}" if self.name == "decimal" else self.name

    @property
    def phrase(self) -> str:
        """How the student is asked to write it: "as a fraction in lowest terms"."""
        if self.name == "decimal":
            return f"as a decimal with at most {self.places} decimal place{'s' if self.places != 1 else ''}"
        return _PHRASES[self.name]

    @property
    def for_expressions(self) -> bool:
        return self.name in EXPRESSION_FORMS


def form_from_course(spelling: Any) -> AnswerForm:
    """A course file's ``form:`` (``number``, ``lowest-terms``, ``{decimal: 2}``, ``expanded``, …)."""
    if isinstance(spelling, dict) and list(spelling) == ["decimal"]:
        places = spelling["decimal"]
        if isinstance(places, int) and not isinstance(places, bool) and 0 <= places <= 6:
            return AnswerForm("decimal", places)
        raise FormSpecError(f"form {{decimal: {places!r}}} needs a whole number of places from 0 to 6")
    if isinstance(spelling, str) and spelling != "decimal":
        return AnswerForm.parse(spelling)
    raise FormSpecError(f"unknown form {spelling!r}: {_KNOWN}")


def form_render(form: AnswerForm, value: sympy.Expr) -> str | None:
    """``value`` written in ``form`` where the form asks for a writing of its own (a terminating decimal in full, an
    expression expanded or factored); None where the value's usual writing will do. Whether the result satisfies
    the form (2/3 has no decimal) is for the answer checker to say."""
    if form.name == "decimal":
        exact = sympy.nsimplify(value, rational=True) if isinstance(value, sympy.Float) else value
        if exact.is_Rational and _terminates(int(exact.q)):
            return format(Decimal(int(exact.p)) / Decimal(int(exact.q)), "f")
    if form.name == "factored":
        return sympy.sstr(sympy.factor(value))
    if form.name == "expanded":
        return sympy.sstr(sympy.expand(value))
    return None


def _terminates(denominator: int) -> bool:
    """Whether a fraction over ``denominator`` (in lowest terms) has a decimal that ends."""
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


@dataclass(frozen=True)
class Written:
    """An answer as the student wrote it: the reader's tree, the text it was read from (for the digits after a
    point), and the fraction part (numerator, denominator) when it was a mixed number such as 2 1/2."""

    tree: mathtext.Node
    text: str
    mixed_fraction: tuple[int, int] | None = None


def form_holds(form: AnswerForm, written: Written) -> bool:
    """Whether ``written`` is in ``form`` (its value is the caller's business)."""
    if form.name == "expanded":
        return _expanded(written.tree)
    if form.name == "factored":
        return _factored(written.tree)
    if form.name == "simplified":
        return _expanded(written.tree) or _factored(written.tree)
    if written.mixed_fraction is not None:
        return form.name == "number"
    number = _single_number(written.tree)
    if number is None:
        return False
    numerator, denominator = number
    if form.name == "decimal":
        places = _PLACES.search(written.text)
        return denominator is None and (places is None or len(places.group(1)) <= form.places)
    if denominator is None:
        return form.name == "number" or "." not in written.text
    if numerator.denominator != 1 or denominator.denominator != 1 or denominator == 0:
        return False
    if form.name == "number":
        return numerator % denominator != 0
    return denominator > 1 and math.gcd(int(numerator), int(denominator)) == 1


def _factors(node: mathtext.Node) -> list[mathtext.Node]:
    """The factors of a product, nested products flattened and signs dropped; any other node is its own factor."""
    if node[0] != "*":
        return [node]
    return [factor for child in node[1] if child != _MINUS for factor in _factors(child)]


def _is_literal(node: mathtext.Node) -> bool:
    return node[0] == "n"


def _is_reciprocal(node: mathtext.Node) -> bool:
    """1 over a number as written: the reader's ``/ 4``."""
    return node[0] == "^" and node[1][0] == "n" and node[2][1] == -1


def _single_number(tree: mathtext.Node) -> tuple[Fraction, Fraction | None] | None:
    """(numerator, denominator) of one number, or of one fraction of two numbers (denominator None for a number
    alone); None for anything else."""
    factors = _factors(tree)
    if len(factors) == 1 and _is_literal(factors[0]):
        return factors[0][1], None
    if len(factors) == 2 and _is_literal(factors[0]) and _is_reciprocal(factors[1]):
        return factors[0][1], factors[1][1][1]
    return None


def _monomial(term: mathtext.Node) -> frozenset[tuple[str, Fraction]] | None:
    """The variables and powers of a worked-out term (at most one number and one divisor, each variable once),
    or None when the term still has brackets or sums to work out."""
    numbers = divisors = 0
    powers: dict[str, Fraction] = {}
    for factor in _factors(term):
        if _is_literal(factor):
            numbers += 1
            continue
        if _is_reciprocal(factor):
            divisors += 1
            continue
        if factor[0] == "s":
            name, exponent = factor[1], Fraction(1)
        elif factor[0] == "^" and factor[1][0] == "s" and factor[2][1] > 0 and factor[2][1].denominator == 1:
            name, exponent = factor[1][1], factor[2][1]
        else:
            return None
        if name in powers:
            return None
        powers[name] = exponent
    if numbers > 1 or divisors > 1:
        return None
    return frozenset(powers.items())


def _expanded(tree: mathtext.Node) -> bool:
    terms = tree[1] if tree[0] == "+" else (tree,)
    monomials = [_monomial(term) for term in terms]
    return None not in monomials and len(set(monomials)) == len(monomials)


def _factored(tree: mathtext.Node) -> bool:
    factors = _factors(tree)
    if sum(map(_is_literal, factors)) > 1 or sum(map(_is_reciprocal, factors)) > 1:
        return False
    for factor in factors:
        if _is_literal(factor) or _is_reciprocal(factor):
            continue
        base = factor[1] if factor[0] == "^" and factor[2][1] > 0 and factor[2][1].denominator == 1 else factor
        if base[0] == "s":
            continue
        if base[0] != "+" or not _expanded(base):
            return False
        coefficient, irreducible = sympy.factor_list(mathtext.value(base))
        if abs(coefficient) != 1 or len(irreducible) != 1 or irreducible[0][1] != 1:
            return False
    return True
