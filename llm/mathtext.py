"""The one reader of untrusted math text: a student's answer, a stretch of a tutor's reply.

Text is cut into tokens (numbers, the caller's variable names, ``sqrt``, ``pi``/``π``, operators, brackets)
and parsed by the small grammar below into a tree of plain tuples; SymPy values are built from that tree
with its constructors. Nothing the text says reaches ``eval`` (which ``sympify`` and ``parse_expr`` use).
The limits are written once, here, and hold for every caller:

* a piece of math is at most ``MAX_LENGTH`` characters and ``MAX_TOKENS`` tokens;
* a number has at most ``MAX_DIGITS`` digits in a row;
* an exponent is a rational constant; along powers of powers the exponents multiply ((x^2)^3 is x^6, a
  division counts as 1), and that product is at most ``MAX_EXPONENT``. So ``9**9**9`` is refused, while
  ``1/x^2``, ``(1/2)^2``, ``x^-2`` and ``x^(1/2)`` are read.

Grammar (implicit products as people write them: 2x, 2(x + 3), (x + 1)(x - 1), (x + 3)2; not 2 3 or x2)::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "×" | "·" | "/" | "÷") unary | <implicit> power)*
    unary      := ("+" | "-") unary | power
    power      := atom ("²" | "³" | ("^" | "**") unary)?
    atom       := number | name | "sqrt" "(" expression ")" | "pi" | "π" | "(" expression ")"

Trees: ``("n", Fraction)`` a number, ``("s", name)`` a variable, ``("c", name)`` a constant, ``("+", terms)``,
``("*", factors)``, ``("^", base, ("n", exponent))`` (a division is a power -1), ``("f", "sqrt", argument)``.

Same value (``equivalent``): the two trees are compared at three awkward points, exactly in rational
arithmetic (floats only where a root or π enters), and a match is confirmed by SymPy
(``simplify(a - b) == 0``), which alone can say yes. The answer checker and the answer guard both read math and
decide the equivalence of expressions (and of irrational values) here; the guard finds plain numbers in prose with
its own number reader (``llm.guard.numbers``), and the box alone knows an item's tolerance.

Where the two callers differ, on purpose, it is in notation, not in value or limits: the answer box
(``llm.answer_check``) screens its text first to ASCII digits, the item's variables and ``+ - * / ^ ( )``,
and so never sees ``×``, ``÷``, ``²``, ``π`` or ``sqrt``, which tutor prose uses and the guard must read.
Decimals are read exactly (0.75 is 3/4; 0.3333 is not 1/3: items that accept a rounded answer give a
tolerance). A final full stop ends a sentence and is not read. An answer key (``trusted``) is held to the
exponent limit only.
"""

from __future__ import annotations

import cmath
import functools
import math
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

MAX_LENGTH = 100  # characters in one piece of math (a student's whole answer)
MAX_TOKENS = 40  # tokens in one piece of math: no real answer is that long
MAX_DIGITS = 15  # digits in a row in one number
MAX_EXPONENT = 12  # largest power, nested powers multiplied

Node = tuple

_LABEL = re.compile(r"^\s*[A-Za-z]\s*=\s*(.+)$")
_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+|[A-Za-z]+|π|\*\*|[-+*/^()×·÷²³]|\S")
_DIGITS = frozenset(string.digits)
_LETTERS = frozenset(string.ascii_letters)
_FUNCTIONS = {"sqrt": sympy.sqrt}
_CONSTANTS = {"pi": (math.pi, sympy.pi), "π": (math.pi, sympy.pi)}
_OPERATORS = frozenset(("**", "-", "+", "*", "/", "^", "(", ")", "×", "·", "÷", "²", "³"))
_SUPERSCRIPTS = {"²": Fraction(2), "³": Fraction(3)}
_POINTS = (Fraction(7319, 10000), Fraction(14142, 10000), Fraction(22361, 10000))  # awkward, so no accidental match
_STEP = Fraction(618, 1000)  # each further variable sits this much higher


class MathTextError(ValueError):
    """The text cannot be read as one piece of math; the subclass says why."""


class TooLong(MathTextError):
    """More than MAX_LENGTH characters or MAX_TOKENS tokens."""


class NumberTooLong(MathTextError):
    """A number with more than MAX_DIGITS digits in a row."""


class PowerTooLarge(MathTextError):
    """An exponent that is not a rational constant, or powers that multiply past MAX_EXPONENT."""


class NotMath(MathTextError):
    """Not a single expression in the grammar (a stray sign, an unclosed bracket, a word)."""


class DivisionByZero(MathTextError):
    """Read, but its value divides by zero."""


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def runs(text: str, symbols: frozenset[str] | None = None) -> list[list[Token]]:
    """Stretches of ``text`` that read as math tokens, with their places; any other word or sign ends one.

    ``symbols``: the variable names to read. A word made only of them (at most three letters) is read as
    their product ("xy"). ``None`` reads every word as a variable (for trusted text such as an answer key).
    """
    found: list[list[Token]] = [[]]
    for m in _TOKEN.finditer(text.replace("−", "-")):
        piece = m.group(0)
        if piece[0] in _LETTERS and piece not in _FUNCTIONS and piece not in _CONSTANTS:
            if symbols is None or piece in symbols:
                found[-1].append(Token(piece, m.start(), m.end()))
            elif all(c in symbols for c in piece) and len(piece) <= 3:
                found[-1].extend(Token(c, m.start() + k, m.start() + k + 1) for k, c in enumerate(piece))
            else:
                found.append([])
        elif _is_number(piece) or piece in _FUNCTIONS or piece in _CONSTANTS or piece in _OPERATORS:
            found[-1].append(Token(piece, m.start(), m.end()))
        else:
            found.append([])
    return [run for run in found if run]


def _is_number(token: str) -> bool:
    return token[:1] in _DIGITS or token[:1] == "." and token[1:2] in _DIGITS


def label_strip(text: str) -> str:
    """The value of a labelled answer ("x = 5", "y = 2x + 3": the label is not the answer), else the text."""
    labelled = _LABEL.match(text)
    return labelled.group(1).strip() if labelled else text


def read(text: str, symbols: frozenset[str] | None = None, *, trusted: bool = False) -> Node:
    """The tree of ``text`` as a whole (``symbols`` as in ``runs``); MathTextError unless it is one piece of math.
    ``trusted``: course-author text (an answer key), held to the exponent limit only: its length and digits are
    the author's to choose."""
    text = text.strip()
    if len(text) > MAX_LENGTH and not trusted:
        raise TooLong(f"more than {MAX_LENGTH} characters")
    text = text.removesuffix(".").rstrip()
    found = runs(text, symbols)
    tokens = found[0] if len(found) == 1 else []
    if "".join(t.text for t in tokens) != re.sub(r"\s+", "", text.replace("−", "-")):
        raise NotMath(text)
    return parse([t.text for t in tokens], trusted=trusted)


def parse(tokens: Sequence[str], *, trusted: bool = False) -> Node:
    """Parse a token list (from ``runs``) into a tree, under the limits (``trusted`` as in ``read``); MathTextError
    otherwise."""
    if not trusted and len(tokens) > MAX_TOKENS:
        raise TooLong(f"more than {MAX_TOKENS} tokens")
    if not trusted and any(len(digits) > MAX_DIGITS for token in tokens if _is_number(token)
                           for digits in token.split(".")):
        raise NumberTooLong(f"more than {MAX_DIGITS} digits")
    position = 0

    def peek() -> str:
        return tokens[position] if position < len(tokens) else ""

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def expression() -> Node:
        terms = [term()]
        while peek() in ("+", "-"):
            operator = take()
            right = term()
            terms.append(right if operator == "+" else ("*", (("n", Fraction(-1)), right)))
        return terms[0] if len(terms) == 1 else ("+", tuple(terms))

    def term() -> Node:
        factors = [unary()]
        while True:
            following = peek()
            if following in ("*", "×", "·"):
                take()
                factors.append(unary())
            elif following in ("/", "÷"):
                take()
                factors.append(("^", unary(), ("n", Fraction(-1))))
            elif following and (following[0].isalpha() or following == "(" or (
                    tokens[position - 1] == ")" and _is_number(following))):
                factors.append(power())
            else:
                break
        return factors[0] if len(factors) == 1 else ("*", tuple(factors))

    def unary() -> Node:
        if peek() in ("-", "+"):
            sign = take()
            inner = unary()
            return inner if sign == "+" else ("*", (("n", Fraction(-1)), inner))
        return power()

    def power() -> Node:
        base = atom()
        if peek() in _SUPERSCRIPTS:
            return _power(base, _SUPERSCRIPTS[take()])
        if peek() in ("^", "**"):
            take()
            exponent = _constant(unary())
            if exponent is None:
                raise PowerTooLarge("an exponent must be a number")
            return _power(base, exponent)
        return base

    def atom() -> Node:
        token = take() if peek() else ""
        if _is_number(token):
            return ("n", Fraction(token))
        if token in _FUNCTIONS:
            if peek() != "(":
                raise NotMath(f"{token} without brackets")
            return ("f", token, atom())
        if token in _CONSTANTS:
            return ("c", token)
        if token[:1].isalpha():
            return ("s", token)
        if token == "(":
            inner = expression()
            if (take() if peek() else "") != ")":
                raise NotMath("unclosed bracket")
            return inner
        raise NotMath(f"unexpected {token or 'end'}")

    tree = expression()
    if position != len(tokens):
        raise NotMath(f"unexpected {tokens[position]}")
    return tree


def _power(base: Node, exponent: Fraction) -> Node:
    if _power_load(base) * max(1, abs(exponent)) > MAX_EXPONENT:
        raise PowerTooLarge(f"powers beyond {MAX_EXPONENT}")
    return ("^", base, ("n", exponent))


def _power_load(node: Node) -> Fraction:
    """The largest product of exponents along nested powers in ``node`` (an exponent below 1 counts as 1)."""
    kind = node[0]
    if kind in ("n", "s", "c"):
        return Fraction(1)
    if kind == "^":
        return max(1, abs(node[2][1])) * _power_load(node[1])
    if kind == "f":
        return _power_load(node[2])
    return max(_power_load(child) for child in node[1])


def _constant(node: Node) -> Fraction | None:
    """The exact rational value of a tree without variables, roots or constants; None for any other."""
    try:
        value = _evaluate(node, {})
    except (KeyError, ZeroDivisionError, OverflowError):
        return None
    return value if isinstance(value, Fraction) else None


def symbols_of(node: Node) -> set[str]:
    if node[0] == "s":
        return {node[1]}
    if node[0] in ("n", "c"):
        return set()
    children = node[1] if node[0] in ("+", "*") else node[1:] if node[0] == "^" else node[2:]
    return set().union(*(symbols_of(child) for child in children))


def value(node: Node) -> sympy.Expr:
    """The SymPy value of a tree, built with SymPy's constructors; DivisionByZero when it divides by zero."""
    result = _to_sympy(node)
    if result.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise DivisionByZero(str(result))
    return result


def _to_sympy(node: Node) -> sympy.Expr:
    kind = node[0]
    if kind == "n":
        return sympy.Rational(node[1].numerator, node[1].denominator)
    if kind == "s":
        return sympy.Symbol(node[1])
    if kind == "c":
        return _CONSTANTS[node[1]][1]
    if kind == "+":
        return sympy.Add(*(_to_sympy(child) for child in node[1]))
    if kind == "*":
        return sympy.Mul(*(_to_sympy(child) for child in node[1]))
    if kind == "^":
        return sympy.Pow(_to_sympy(node[1]), _to_sympy(node[2]))
    return _FUNCTIONS[node[1]](_to_sympy(node[2]))


def _evaluate(node: Node, point: dict[str, Fraction]) -> Fraction | float | complex:
    """The value at ``point``: exact while it stays rational, a float (or complex) once a root or π enters."""
    kind = node[0]
    if kind == "n":
        return node[1]
    if kind == "s":
        return point[node[1]]
    if kind == "c":
        return _CONSTANTS[node[1]][0]
    if kind == "+":
        return sum((_evaluate(child, point) for child in node[1]), start=Fraction(0))
    if kind == "*":
        return math.prod((_evaluate(child, point) for child in node[1]), start=Fraction(1))
    if kind == "^":
        base, exponent = _evaluate(node[1], point), node[2][1]
    else:  # sqrt
        base, exponent = _evaluate(node[2], point), Fraction(1, 2)
    if isinstance(base, Fraction) and exponent.denominator == 1:
        return base ** int(exponent)
    if base == 0 and exponent < 0:
        raise ZeroDivisionError("0 to a negative power")
    return complex(base) ** float(exponent) if isinstance(base, complex) else float(base) ** float(exponent)


def _close(a: Fraction | float | complex, b: Fraction | float | complex) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    return cmath.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@functools.lru_cache(maxsize=1024)
def equivalent(a: Node, b: Node) -> bool:
    """Whether the two trees have the same value for every value of their variables.

    Compared at three points first (a point where either divides by zero or overflows proves nothing), then
    confirmed by ``same_value``. Cached: a reply may repeat the same stretch, and SymPy is the slow step.
    """
    names = sorted(symbols_of(a) | symbols_of(b))
    for offset in _POINTS:
        point = {name: offset + _STEP * index for index, name in enumerate(names)}
        try:
            if not _close(_evaluate(a, point), _evaluate(b, point)):
                return False
        except (ZeroDivisionError, OverflowError):
            continue
    try:
        return same_value(value(a), value(b))
    except DivisionByZero:
        return False


def same_value(a: sympy.Expr, b: sympy.Expr) -> bool:
    """SymPy's word on equality: ``simplify(a - b) == 0``."""
    return sympy.simplify(a - b) == 0
