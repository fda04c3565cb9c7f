"""Numbers as a reply may write them: digits, fractions, decimals, percents, mixed numbers, LaTeX ``\\frac``,
vulgar fractions (½), and spelled-out phrases ("twenty-one", "three quarters", "two and a half",
"minus two", "zero point seven five", "3 out of 4"), each with its span in the reply."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from llm.guard.text import normal
from llm.mathtext import MAX_DIGITS


@dataclass(frozen=True)
class Number:
    value: Fraction
    start: int
    end: int
    places: int | None  # decimal places as written (0.33 -> 2, 33% -> 2); None for exact forms
    weak: bool = False  # the bare words "one" / "half": a number only when asserted as the answer
    integer_form: bool = False  # written as a plain whole number, so it may be a step number or a digit


_VULGAR = {"½": Fraction(1, 2), "⅓": Fraction(1, 3), "⅔": Fraction(2, 3), "¼": Fraction(1, 4), "¾": Fraction(3, 4),
           "⅕": Fraction(1, 5), "⅖": Fraction(2, 5), "⅗": Fraction(3, 5), "⅘": Fraction(4, 5), "⅙": Fraction(1, 6),
           "⅚": Fraction(5, 6), "⅛": Fraction(1, 8), "⅜": Fraction(3, 8), "⅝": Fraction(5, 8), "⅞": Fraction(7, 8)}
_V = "".join(_VULGAR)
_DIGIT_NUMBER = re.compile(
    r"\\[dt]?frac\s*\{\s*(?P<tn>-?\d+)\s*\}\s*\{\s*(?P<td>\d+)\s*\}"
    r"|(?<![\w.,/\\])(?P<sign>(?<![\w)\]])-)?(?:"
    r"(?P<mw>\d+)\s+(?P<mn>\d+)\s*/\s*(?P<md>\d+)(?![\w/]|\.\d)"
    rf"|(?P<vw>\d+)?\s?(?P<vf>[{_V}])"
    r"|(?P<fn>\d+)\s*/\s*(?P<fd>\d+)(?![\w/]|\.\d)"
    r"|(?P<dn>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)(?P<pct>\s*%|\s?per\s?cent\b)?(?![\w/]|\.\d))"
)
_WORD = re.compile(r"[a-z]+")
_UNIT_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen eighteen nineteen")
_UNITS = {word: value for value, word in enumerate(_UNIT_WORDS.split(" "))}
_TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TENS = {word: 10 * (value + 2) for value, word in enumerate(_TEN_WORDS)}
_SCALES = {"thousand": 1000, "million": 1000000}
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
                 "fourths": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
                 "eleventh": 11, "twelfth": 12, "twentieth": 20, "hundredth": 100, "thousandth": 1000}
_DENOMINATORS |= {word + "s": value for word, value in list(_DENOMINATORS.items()) if word.endswith("th")}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES) | {"hundred"}


def _digit_numbers(text: str) -> Iterator[Number]:
    for m in _DIGIT_NUMBER.finditer(text):
        sign = -1 if m["sign"] else 1
        if any(len(g) > MAX_DIGITS for g in re.findall(r"\d+", m.group(0))):
            continue
        if m["tn"] is not None:
            if int(m["td"]):
                yield Number(Fraction(int(m["tn"]), int(m["td"])), m.start(), m.end(), None)
        elif m["mw"] is not None:
            if int(m["md"]):
                fraction = Fraction(int(m["mn"]), int(m["md"]))
                yield Number(sign * (int(m["mw"]) + fraction), m.start(), m.end(), None)
                yield Number(fraction, m.start("mn"), m.end(), None)  # "2 3/4" may be a list: 2, then 3/4
        elif m["vf"] is not None:
            yield Number(sign * (int(m["vw"] or 0) + _VULGAR[m["vf"]]), m.start(), m.end(), None)
        elif m["fn"] is not None:
            if int(m["fd"]):
                yield Number(sign * Fraction(int(m["fn"]), int(m["fd"])), m.start(), m.end(), None)
        else:
            digits = m["dn"].replace(",", "")
            places = len(digits.partition(".")[2]) if "." in digits else None
            value = sign * Fraction(digits)
            if m["pct"]:
                value, places = value / 100, (places or 0) + 2
            yield Number(value, m.start(), m.end(), places, integer_form=places is None and sign == 1)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str = ""  # a word, or "" for a number written in digits
    number: Number | None = None


def _cardinal(words: list[str]) -> int | None:
    """The value of number words read in order ("one hundred and five", "twenty one"); None if they are not one."""
    total, current, last = 0, 0, ""
    for index, word in enumerate(words):
        if word in _UNITS and _UNITS[word] < 10:
            if last in ("unit", "teen"):
                return None
            current, last = current + _UNITS[word], "unit"
        elif word in _UNITS or word in _TENS:
            if last in ("unit", "teen", "ten"):
                return None
            current, last = current + _UNITS.get(word, _TENS.get(word, 0)), "teen" if word in _UNITS else "ten"
        elif word == "hundred":
            if last not in ("unit", "teen", "a"):
                return None
            current, last = max(current, 1) * 100, "hundred"
        elif word in _SCALES:
            if last in ("", "scale"):
                return None
            total, current, last = total + max(current, 1) * _SCALES[word], 0, "scale"
        elif word == "and" and last in ("hundred", "scale") and index + 1 < len(words):
            last = "and"
        elif word in ("a", "an") and index == 0 and len(words) > 1 and words[1] in ("hundred", *_SCALES):
            last = "a"
        else:
            return None
    return None if last in ("and", "a", "") else total + current


def _tokens(text: str) -> tuple[list[_Token], list[Number]]:
    """Digit numbers and words in reading order (spelled cardinals not yet combined), and the numbers
    that overlap another one (the 3/4 inside "2 3/4"), which are read on their own."""
    tokens: list[_Token] = []
    overlapping: list[Number] = []
    for number in _digit_numbers(text):
        if tokens and number.start < tokens[-1].end:
            overlapping.append(number)
        else:
            tokens.append(_Token(number.start, number.end, number=number))
    covered = bytearray(len(text))
    for token in tokens:
        covered[token.start:token.end] = b"\x01" * (token.end - token.start)
    for m in _WORD.finditer(text):
        if not covered[m.start()]:
            tokens.append(_Token(m.start(), m.end(), word=m.group(0)))
    return sorted(tokens, key=lambda t: t.start), overlapping


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    return right.start >= left.end and text[left.end:right.start].strip() in ("", "-")


def _spelled_numbers(text: str, tokens: list[_Token]) -> list[_Token]:
    """Replace each longest run of cardinal words ("twenty-one", "a hundred and five") by one number token."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.word in _NUMBER_WORDS or token.word in ("a", "an"):
            j = i + 1
            while j < len(tokens) and tokens[j].word in (_NUMBER_WORDS | {"and"}) and _adjacent(text, tokens[j - 1],
                                                                                                 tokens[j]):
                j += 1
            for stop in range(j, i, -1):
                value = _cardinal([t.word for t in tokens[i:stop]])
                if value is not None:
                    weak = stop == i + 1 and token.word == "one"
                    number = Number(Fraction(value), token.start, tokens[stop - 1].end, None, weak=weak,
                                     integer_form=True)
                    out.append(_Token(token.start, tokens[stop - 1].end, number=number))
                    i = stop
                    break
            else:
                out.append(token)
                i += 1
        else:
            out.append(token)
            i += 1
    return out


@functools.lru_cache(maxsize=1024)
def numbers_in(text: str) -> tuple[Number, ...]:
    """Every number the text states, with its span; phrases ("three quarters", "minus two") read as one."""
    text = normal(text)
    tokens, overlapping = _tokens(text)
    tokens = _spelled_numbers(text, tokens)
    numbers: list[Number] = list(overlapping)
    i = 0
    while i < len(tokens):
        read = _read_phrase(text, tokens, i)
        if read is None:
            i += 1
            continue
        number, i = read
        numbers.append(number)
    return tuple(numbers)


def _read_phrase(text: str, tokens: list[_Token], i: int) -> tuple[Number, int] | None:
    """Read one number phrase starting at token ``i``: sign, whole part, fraction word, "and a half", percent."""

    def next_is(index: int, *words: str) -> bool:
        return index < len(tokens) and _adjacent(text, tokens[index - 1], tokens[index]) and tokens[index].word in words

    def number_at(index: int) -> Number | None:
        if index < len(tokens) and tokens[index].number and (index == i or _adjacent(text, tokens[index - 1],
                                                                                      tokens[index])):
            return tokens[index].number
        return None

    start, sign, k = tokens[i].start, 1, i
    if tokens[k].word in ("minus", "negative"):
        before = text[:tokens[k].start].rstrip()
        subtraction = tokens[k].word == "minus" and (re.search(r"(?:\d|[)\]]|(?<![a-z])[a-z])$", before) or (
            k > 0 and tokens[k - 1].number is not None and tokens[k - 1].end == len(before)))
        if subtraction or number_at(k + 1) is None and not next_is(k + 1, "a", "an", "half"):
            return None
        sign, k = -1, k + 1
    base = number_at(k)
    if base is None:
        if tokens[k].word in ("a", "an") and next_is(k + 1, *_DENOMINATORS) and tokens[k + 1].word[-1] != "s":
            value, end, k = Fraction(1, _DENOMINATORS[tokens[k + 1].word]), tokens[k + 1].end, k + 2
            return Number(sign * value, start, end, None), k
        if tokens[k].word == "half":
            return Number(sign * Fraction(1, 2), start, tokens[k].end, None, weak=True), k + 1
        return None
    value, end, places, weak, k = base.value, base.end, base.places, base.weak, k + 1
    whole = base.places is None and value.denominator == 1 and value >= 0
    if whole and next_is(k, *_DENOMINATORS) and not (value == 1 and tokens[k].word.endswith("s")):
        value, end, weak, k = value / _DENOMINATORS[tokens[k].word], tokens[k].end, False, k + 1
    elif whole and next_is(k, "over") and number_at(k + 1) and number_at(k + 1).value:
        value, end, weak, k = value / number_at(k + 1).value, tokens[k + 1].end, False, k + 2
    elif whole and next_is(k, "out") and next_is(k + 1, "of") and number_at(k + 2) and number_at(k + 2).value:
        value, end, weak, k = value / number_at(k + 2).value, tokens[k + 2].end, False, k + 3
    elif whole and next_is(k, "point") and not text[base.start].isdigit():
        digits, j = "", k + 1
        while j < len(tokens) and _adjacent(text, tokens[j - 1], tokens[j]) and _spelled_digit(text, tokens[j]):
            digits, j = digits + str(tokens[j].number.value), j + 1
        if digits:
            value, end, places, weak, k = value + Fraction(int(digits), 10 ** len(digits)), tokens[j - 1].end, len(
                digits), False, j
    elif whole and next_is(k, "and"):
        adjacent = k + 1 < len(tokens) and _adjacent(text, tokens[k], tokens[k + 1])
        fraction = _read_phrase(text, tokens, k + 1) if adjacent else None
        if fraction and not fraction[0].weak and 0 < fraction[0].value < 1 and fraction[0].places is None:
            value, end, weak, k = value + fraction[0].value, fraction[0].end, False, fraction[1]
    if not text[base.start].isdigit() and next_is(k, "percent"):
        value, places, end, k = value / 100, (places or 0) + 2, tokens[k].end, k + 1
    elif not text[base.start].isdigit() and next_is(k, "per") and next_is(k + 1, "cent"):
        value, places, end, k = value / 100, (places or 0) + 2, tokens[k + 1].end, k + 2
    integer_form = base.integer_form and end == base.end and sign == 1
    return Number(sign * value, start, end, places, weak=weak, integer_form=integer_form), k


def _spelled_digit(text: str, token: _Token) -> bool:
    number = token.number
    return (number is not None and not text[token.start].isdigit() and number.value.denominator == 1
            and 0 <= number.value <= 9 and " " not in text[token.start:token.end])


def value_matches(number: Number, target: Fraction | float) -> bool:
    """Exact equality, or a written decimal that rounds or truncates to a key it cannot state exactly."""
    if isinstance(target, Fraction) and number.value == target:
        return True
    places = number.places
    if places is None or places < 2:
        return False
    if isinstance(target, Fraction) and (target * 10 ** places).denominator == 1:
        return False
    return abs(float(number.value) - float(target)) <= 10.0 ** -places

