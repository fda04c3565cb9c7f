"""Maths in course text: spans marked with backticks, written as students type, typeset as TeX for KaTeX.

Course text marks a stretch of maths with backticks, the AsciiMath delimiter: "What is `3/4 + 1/8`?". Inside,
the maths is written the way a student types an answer, so the text reads well as it is (without JavaScript,
in a teacher's list, in a tutor's prompt): ``3/4``, ``x^2``, ``7(x + 5)``, ``2 × 3``, ``? ÷ 4``. Backticks, not
``$``, because ``$`` is money in the demo course ("saved $5"), and not ``\\(``, which YAML's double-quoted strings
read as an escape. The page shows the span's text and KaTeX typesets the TeX made here
(``maths_tex``) in its place; KaTeX's MathML keeps it readable by screen readers.

Inside a span (spaces are free)::

    sequence := (item | operator)*
    item     := atom ("^" atom)* ("/" atom ("^" atom)*)?     a/b is a fraction of the atoms next to the "/"
    atom     := number | letter | "?" | "(" sequence ")"     brackets around a numerator, denominator or
    operator := + - × ÷ · = < > ≤ ≥ ≠ , %                     exponent are dropped: (x + 1)/2, 2^(n + 1)

So ``3x/4`` is 3 times x/4: write ``(3x)/4`` for the fraction of 3x. A letter is a variable (italic); words
belong outside the span. Text that breaks these rules is refused (``MathsTextError``), so a course file check
finds it before a student does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DELIMITER = "`"

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<letter>[A-Za-z])|(?P<symbol>\S))")
_OPERATORS = {"+": "+", "-": "-", "−": "-", "×": r"\times", "÷": r"\div", "·": r"\cdot", "=": "=", "<": "<",
              ">": ">", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", ",": ",", "%": r"\%"}


class MathsTextError(ValueError):
    """Course text whose maths cannot be typeset; the message says where."""


@dataclass(frozen=True)
class Segment:
    """A stretch of course text: prose, or maths with its TeX."""

    text: str
    tex: str = ""  # "" for prose

    @property
    def is_maths(self) -> bool:
        return bool(self.tex)


def maths_segments(text: str) -> list[Segment]:
    """Cut course text into prose and maths (its backtick spans, without the backticks)."""
    parts = text.split(DELIMITER)
    if len(parts) % 2 == 0:
        raise MathsTextError(f"an unclosed ` in {text!r}")
    segments = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            if part:
                segments.append(Segment(text=part))
        elif not part.strip():
            raise MathsTextError(f"an empty maths span `` in {text!r}")
        else:
            segments.append(Segment(text=part, tex=maths_tex(part)))
    return segments


def maths_plain(text: str) -> str:
    """The text as read without typesetting: the backticks dropped."""
    return text.replace(DELIMITER, "")


def maths_tex(maths: str) -> str:
    """TeX for one span of maths written as a student types it: ``3/4 + x^2`` is ``\\frac{3}{4}+x^{2}``."""
    tokens = _tokens(maths)
    reader = _Reader(tokens, maths)
    tex = reader.sequence()
    if reader.position < len(tokens):
        raise MathsTextError(f"an unmatched ) in `{maths}`")
    return tex


def _tokens(maths: str) -> list[tuple[str, str]]:
    tokens = []
    for match in _TOKEN.finditer(maths.rstrip()):
        kind = match.lastgroup or "symbol"
        tokens.append((kind, match.group(kind)))
    return tokens


class _Reader:
    """Reads the grammar of the module docstring over a list of tokens, writing TeX as it goes."""

    def __init__(self, tokens: list[tuple[str, str]], maths: str) -> None:
        self.tokens, self.maths, self.position = tokens, maths, 0

    def _peek(self) -> str:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else ""

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def sequence(self) -> str:
        pieces = []
        while self.position < len(self.tokens) and self._peek() != ")":
            if self._peek() in _OPERATORS:
                pieces.append(_OPERATORS[self._take()[1]])
            else:
                pieces.append(self._item())
        return " ".join(pieces)

    def _item(self) -> str:
        numerator, bare_numerator = self._powers()
        if self._peek() != "/":
            return numerator
        self._take()
        if self.position == len(self.tokens):
            raise MathsTextError(f"a / with nothing after it in `{self.maths}`")
        _, denominator = self._powers()
        return rf"\frac{{{bare_numerator}}}{{{denominator}}}"

    def _powers(self) -> tuple[str, str]:
        """An atom with its exponents: as written, and without the brackets around a lone bracketed atom."""
        written, bare = self._atom()
        while self._peek() == "^":
            self._take()
            if self.position == len(self.tokens):
                raise MathsTextError(f"a ^ with nothing after it in `{self.maths}`")
            _, exponent = self._atom()
            written = bare = f"{written}^{{{exponent}}}"
        return written, bare

    def _atom(self) -> tuple[str, str]:
        kind, value = self._take()
        if kind in ("number", "letter") or value == "?":
            return value, value
        if value == "(":
            inner = self.sequence()
            if self._peek() != ")":
                raise MathsTextError(f"an unclosed ( in `{self.maths}`")
            self._take()
            return f"\\left({inner}\\right)", inner
        raise MathsTextError(f"{value!r} cannot start a term in `{self.maths}`")
