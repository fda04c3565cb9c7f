"""Does a tutor reply give the answer away? Checked on the server before anything reaches the student.

The guard reads a reply the way a student would: it finds every number (digits, fractions, decimals,
percents, mixed numbers, LaTeX ``\\frac``, vulgar fractions, spelled-out words) and, for expression keys,
every stretch of math over the key's variables, and compares them with the key by value (SymPy for
expressions). Text is only tokenised and read by the small grammar below; nothing reaches ``eval`` (which
``sympify`` would use), and candidate expressions are capped in length, count and exponent size. A reply
with more math than ``MAX_PARSES`` candidates is held back unread rather than let through.

Caught (tests/llm/test_answer_guard.py has a case for each):

* the key in any exact form: 3/4, 6/8, 0.75, .75, 75%, "75 percent", 1 1/2, 1½, 1,000, \\frac{3}{4};
  a decimal that rounds or truncates to a key it cannot state exactly (0.33 or 33% for 1/3, 1.41 for
  sqrt(2), 3.14 for pi); an irrational key written with its root or constant ("sqrt(2)", "2π"; a bare
  "π" only when asserted);
* spelled-out numbers: "seven", "twenty-one", "one hundred and five", "three fourths", "a third",
  "two and a half", "minus two" (not "ten minus two"), "negative two", "zero point seven five",
  "three over four", "3 out of 4", "seventy-five percent";
* a number the student already sees (``shown``) only when asserted as the answer and not itself copied
  from ``shown``: "x = 2", "2 = x", "x is two", "the answer is 2", "it's 2.", "you get 2." reveal;
  "divide both sides by 2" or the prompt's own "2x = 4" do not;
* expression keys: any stretch SymPy-equivalent to the key (2(x+3), 6 + 2x, 2 × (x + 3) for 2*x + 6;
  x² - 9 for (x-3)(x+3)). When ``shown`` itself holds an equivalent expression (expand, factor, simplify
  items) equivalence would block restating the question, so the key's written *form* is matched instead
  (terms and factors in any order, numeric factors folded): "6 + 2x" reveals "Expand 2(x + 3)";
* choice keys: the option's text or value, its letter ("it's B", "(b) is right", "pick option B") or its
  position ("the second option"), each when asserted, since every option is on screen; another form of
  the option's value (40% for the option 2/5) like any number. Letters and positions are resolved against
  lettered options in ``shown`` ("A) 1/2 B) 3/4"); without such a list any asserted letter or position is
  blocked, since the guard cannot tell which is right;
* the worked solution's final intermediate results: numbers some step computes (after =, is, gives,
  makes ...) in its last two computing steps, other than the answer and those in ``shown``
  (the 12 of "3 × 4 = 12. Half of that is 12 ÷ 2 = 6", the 10 of "2x = 10" before "x = 5"); for expression
  keys matched by form, the other forms on the solution's last lines ("x^2 + 3x + 2x + 6");
* splits, within ``reply`` or across ``earlier_replies``: a numerator and a denominator stated apart
  ("the numerator is 3" ... "the denominator is 4", "put 6 on top" ... "the bottom number is 8"), or a
  numerator whose denominator ``shown`` already holds ("the numerator is 5" for 3/8 + 2/8); and every
  digit of a whole-number key given by position ("it starts with 2" ... "it ends in 1", "the tens digit
  is 2", "1 in the ones place").

Not caught, knowingly: an unevaluated sum or product equal to the key ("(3+2)/8", "7 times 3", "60 and
8"), since restating the question's own sum would be blocked too; splits other than the two above (sign
and size apart, some digits only, an operation and its operands over two turns); fraction and digit
splits on choice items; expressions in words ("two x plus six") or LaTeX beyond ``\\frac`` with digits;
non-math answers of numeric items (units, names); the bare words "one" and "half" unless asserted and
clause-final ("that's one."), because "one step at a time" is not an answer.

Blocked although harmless, knowingly: any other mention of the key's value not in ``shown`` ("you have 3
tries left" when the answer is 3), since a count and an answer read alike; the cost is a fallback reply.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

REDACTED = "…"
MAX_EXPRESSION_TOKENS = 40  # longest candidate expression read: no real answer is that long
MAX_PARSES = 4000  # candidate expressions parsed per text; a reply with more is held back unread
MAX_EXPONENT = 12
MAX_DIGITS = 15


@dataclass(frozen=True)
class GuardVerdict:
    revealed: bool
    reason: str  # e.g. "states the answer 3/4 as 0.75"; "" when clean
    spans: tuple[tuple[int, int], ...]  # character spans in the reply to redact, sorted, not overlapping


# --- numbers as a reply may write them ------------------------------------------------------------

@dataclass(frozen=True)
class _Number:
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


def _normal(text: str) -> str:
    """Same length as ``text`` (so spans carry over): ASCII lower case, one kind of minus sign."""
    return text.translate(_NORMAL)


_NORMAL = {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {ord("−"): ord("-"), ord("–"): ord("-")}


def _digit_numbers(text: str) -> Iterator[_Number]:
    for m in _DIGIT_NUMBER.finditer(text):
        sign = -1 if m["sign"] else 1
        if any(len(g) > MAX_DIGITS for g in re.findall(r"\d+", m.group(0))):
            continue
        if m["tn"] is not None:
            if int(m["td"]):
                yield _Number(Fraction(int(m["tn"]), int(m["td"])), m.start(), m.end(), None)
        elif m["mw"] is not None:
            if int(m["md"]):
                fraction = Fraction(int(m["mn"]), int(m["md"]))
                yield _Number(sign * (int(m["mw"]) + fraction), m.start(), m.end(), None)
                yield _Number(fraction, m.start("mn"), m.end(), None)  # "2 3/4" may be a list: 2, then 3/4
        elif m["vf"] is not None:
            yield _Number(sign * (int(m["vw"] or 0) + _VULGAR[m["vf"]]), m.start(), m.end(), None)
        elif m["fn"] is not None:
            if int(m["fd"]):
                yield _Number(sign * Fraction(int(m["fn"]), int(m["fd"])), m.start(), m.end(), None)
        else:
            digits = m["dn"].replace(",", "")
            places = len(digits.partition(".")[2]) if "." in digits else None
            value = sign * Fraction(digits)
            if m["pct"]:
                value, places = value / 100, (places or 0) + 2
            yield _Number(value, m.start(), m.end(), places, integer_form=places is None and sign == 1)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str = ""  # a word, or "" for a number written in digits
    number: _Number | None = None


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


def _tokens(text: str) -> tuple[list[_Token], list[_Number]]:
    """Digit numbers and words in reading order (spelled cardinals not yet combined), and the numbers
    that overlap another one (the 3/4 inside "2 3/4"), which are read on their own."""
    tokens: list[_Token] = []
    overlapping: list[_Number] = []
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
                    number = _Number(Fraction(value), token.start, tokens[stop - 1].end, None, weak=weak,
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


def _numbers(text: str) -> list[_Number]:
    """Every number the text states, with its span; phrases ("three quarters", "minus two") read as one."""
    text = _normal(text)
    tokens, overlapping = _tokens(text)
    tokens = _spelled_numbers(text, tokens)
    numbers: list[_Number] = list(overlapping)
    i = 0
    while i < len(tokens):
        read = _read_phrase(text, tokens, i)
        if read is None:
            i += 1
            continue
        number, i = read
        numbers.append(number)
    return numbers


def _read_phrase(text: str, tokens: list[_Token], i: int) -> tuple[_Number, int] | None:
    """Read one number phrase starting at token ``i``: sign, whole part, fraction word, "and a half", percent."""

    def next_is(index: int, *words: str) -> bool:
        return index < len(tokens) and _adjacent(text, tokens[index - 1], tokens[index]) and tokens[index].word in words

    def number_at(index: int) -> _Number | None:
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
            return _Number(sign * value, start, end, None), k
        if tokens[k].word == "half":
            return _Number(sign * Fraction(1, 2), start, tokens[k].end, None, weak=True), k + 1
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
    return _Number(sign * value, start, end, places, weak=weak, integer_form=integer_form), k


def _spelled_digit(text: str, token: _Token) -> bool:
    number = token.number
    return (number is not None and not text[token.start].isdigit() and number.value.denominator == 1
            and 0 <= number.value <= 9 and " " not in text[token.start:token.end])


def _matches(number: _Number, target: Fraction | float) -> bool:
    """Exact equality, or a written decimal that rounds or truncates to a key it cannot state exactly."""
    if isinstance(target, Fraction) and number.value == target:
        return True
    places = number.places
    if places is None or places < 2:
        return False
    if isinstance(target, Fraction) and (target * 10 ** places).denominator == 1:
        return False
    return abs(float(number.value) - float(target)) <= 10.0 ** -places


# --- where a number sits: asserted as the answer, a step number, a digit -------------------------

_TAIL = r"\s*(?:(?:the|a|an|option|choice|letter|answer|number)\s+)*\(?\s*$"
_ASSERT_STRONG = re.compile(
    r"(?:\b(?:answer|solution|result|total|sum|product|difference|quotient|value)\b[^.!?\n]{0,30}?"
    r"(?:\bis|\bare|\bwas|=|\bequals|\bwould be|\bshould be|\bwill be|\bmust be|\bcomes to)"
    r"|(?<![\w.])[a-z]\s*(?:=|\bequals|\bis equal to|\bis)"
    r"|=|\b(?:correct|right) (?:one|option|choice)\s+is)" + _TAIL
)
_CHOOSE = re.compile(r"\b(?:pick|choose|select|go (?:with|for)|circle|tick|click)" + _TAIL)
_ASSERT_WEAK = re.compile(
    r"\b(?:it'?s|it is|its|that'?s|that is|this is|so|equals|is equal to|comes? (?:out )?to|works? out (?:to|as)"
    r"|you(?:'ll| will| should| would| can)? (?:get|end up with|find|have)|gives?(?: you)?|makes?|leaves?)" + _TAIL
)
_AFTER_ASSERT = re.compile(
    r"^\)?\s*(?:=\s*[a-z](?![\w])|is (?:the |your )?(?:correct|right|answer|solution|one)\b"
    r"|(?:would|should|will|must) be (?:the |your )?(?:correct|right|answer|solution)\b)"
)
_CLAUSE_END = re.compile(r"^\)?\s*(?:$|[.,;:!?)\]…]|(?:and|so|but|because|which|as|in total|overall|then|i\.e)\b)")
_STEP_NUMBER = re.compile(
    r"\b(?:hint|step|part|question|problem|exercise|line|page|no\.?|rule|level|chapter|section|attempt|stage"
    r"|example|item|task|card|option|choice|figure|table|lesson)\s*#?\s*"
    r"(?:\d+\s*(?:of|/)\s*)?$|#\s*$"
)
_LIST_MARKER_AFTER = re.compile(r"^[.)]\s")


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 80):start]
    return re.split(r"[.!?\n;]\s", before)[-1] if re.search(r"[.!?\n;]\s", before) else before


def _assertion(text: str, start: int, end: int, *, choosing: bool = False) -> str | None:
    """The asserting phrase ("the answer is 2", "x = 2") when the number at start:end is stated as the answer.

    ``choosing``: on a choice item "pick 3/4" asserts too; elsewhere "pick 2 numbers" does not.
    """
    before, after = _clause_before(text, start), text[end:end + 40]
    strong = _ASSERT_STRONG.search(before) or (_CHOOSE.search(before) if choosing else None)
    weak = _ASSERT_WEAK.search(before)
    if strong:
        cue_start = start - (len(before) - strong.start())
        if strong.group(0).startswith("="):  # "2x = 4": the equation, so a copy of the prompt's one is no reveal
            cue_start -= len(re.search(r"[\w.+\-*/^()]*\s*$", text[max(0, cue_start - 40):cue_start]).group(0))
        return text[cue_start:end]
    if _AFTER_ASSERT.match(after):
        return text[start:end + _AFTER_ASSERT.match(after).end()]
    if weak and _CLAUSE_END.match(after):
        return text[start - (len(before) - weak.start()):end]
    return None


def _is_step_number(text: str, number: _Number) -> bool:
    """ "Hint 2", "step 1", "question 3", "1. Add ..." name a place, not a value."""
    if not number.integer_form:
        return False
    if _STEP_NUMBER.search(text[max(0, number.start - 20):number.start]):
        return True
    line_start = text.rfind("\n", 0, number.start) + 1
    return not text[line_start:number.start].strip() and bool(_LIST_MARKER_AFTER.match(text[number.end:] + " "))


@functools.lru_cache(maxsize=64)
def _squash(text: str) -> str:
    """Cached: ``shown`` is squashed once per candidate otherwise."""
    return re.sub(r"[\s*·×]+", "", _normal(text))


def _in_shown(phrase: str, shown: str) -> bool:
    """Whether the student already reads this phrase, ignoring spaces and case ("x = 2" inside "If x = 2, ...",
    but not inside "12x = 24")."""
    squashed, haystack = _squash(phrase), _squash(shown)
    at = haystack.find(squashed) if squashed else -1
    while at >= 0:
        before, after = haystack[at - 1:at], haystack[at + len(squashed):at + len(squashed) + 1]
        if not re.match(r"[\w.]", before) and not re.match(r"[\w.]", after):
            return True
        at = haystack.find(squashed, at + 1)
    return False


# --- expressions ----------------------------------------------------------------------------------

_MATH_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+|π|\*\*|[-+*/^()×·÷²³]|\S")
_SUPERSCRIPTS = {"²": Fraction(2), "³": Fraction(3)}
_FUNCTIONS = {"sqrt": sympy.sqrt}
_CONSTANTS = {"pi": (math.pi, sympy.pi), "π": (math.pi, sympy.pi)}
_OPERATORS = ("**", "-", "+", "*", "/", "^", "(", ")", "×", "·", "÷", "²", "³")
_Node = tuple


class _ParseError(ValueError):
    pass


@dataclass(frozen=True)
class _MathToken:
    text: str
    start: int
    end: int


def _math_runs(text: str, symbols: frozenset[str]) -> list[list[_MathToken]]:
    """Stretches of the text that read as math over the key's variables; any other word or sign ends one."""
    runs: list[list[_MathToken]] = [[]]
    for m in _MATH_TOKEN.finditer(text.replace("−", "-")):
        piece = m.group(0)
        if piece[0].isalpha() and piece not in _FUNCTIONS and piece not in _CONSTANTS:
            if piece in symbols:
                runs[-1].append(_MathToken(piece, m.start(), m.end()))
            elif all(c in symbols for c in piece) and len(piece) <= 3:
                runs[-1].extend(_MathToken(c, m.start() + k, m.start() + k + 1) for k, c in enumerate(piece))
            else:
                runs.append([])
        elif piece[0].isdigit() or piece in _FUNCTIONS or piece in _CONSTANTS or piece in _OPERATORS:
            runs[-1].append(_MathToken(piece, m.start(), m.end()))
        else:
            runs.append([])
    return [run for run in runs if run]


def _parse(tokens: Sequence[str]) -> _Node:
    """Parse + - * / ^ ** ( ), implicit products (2x, 2(x+3)) and sqrt into a small tree; ParseError otherwise."""
    position = 0

    def peek() -> str:
        return tokens[position] if position < len(tokens) else ""

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def expression() -> _Node:
        terms = [term()]
        while peek() in ("+", "-"):
            operator = take()
            right = term()
            terms.append(right if operator == "+" else ("*", (("n", Fraction(-1)), right)))
        return terms[0] if len(terms) == 1 else ("+", tuple(terms))

    def term() -> _Node:
        factors = [unary()]
        while True:
            following = peek()
            if following in ("*", "×", "·"):
                take()
                factors.append(unary())
            elif following in ("/", "÷"):
                take()
                factors.append(("^", unary(), ("n", Fraction(-1))))
            elif following and (following[0].isalpha() or following == "("):
                factors.append(power())
            else:
                break
        return factors[0] if len(factors) == 1 else ("*", tuple(factors))

    def unary() -> _Node:
        if peek() in ("-", "+"):
            sign = take()
            inner = unary()
            return inner if sign == "+" else ("*", (("n", Fraction(-1)), inner))
        return power()

    def power() -> _Node:
        base = atom()
        if peek() in _SUPERSCRIPTS:
            return ("^", base, ("n", _SUPERSCRIPTS[take()]))
        if peek() in ("^", "**"):
            take()
            exponent = unary()
            if exponent[0] != "n" or abs(exponent[1]) > MAX_EXPONENT or exponent[1].denominator not in (1, 2):
                raise _ParseError("exponent")
            return ("^", base, exponent)
        return base

    def atom() -> _Node:
        token = take() if peek() else ""
        if token[:1].isdigit():
            return ("n", Fraction(token))
        if token in _FUNCTIONS:
            if peek() != "(":
                raise _ParseError("call")
            take()
            inner = expression()
            if (take() if peek() else "") != ")":
                raise _ParseError("bracket")
            return ("f", token, inner)
        if token in _CONSTANTS:
            return ("c", token)
        if token[:1].isalpha():
            return ("s", token)
        if token == "(":
            inner = expression()
            if (take() if peek() else "") != ")":
                raise _ParseError("bracket")
            return inner
        raise _ParseError(token or "end")

    tree = expression()
    if position != len(tokens):
        raise _ParseError("trailing")
    return tree


def _evaluate(node: _Node, point: dict[str, float]) -> float:
    kind = node[0]
    if kind == "n":
        return float(node[1])
    if kind == "s":
        return point[node[1]]
    if kind == "c":
        return _CONSTANTS[node[1]][0]
    if kind == "+":
        return math.fsum(_evaluate(child, point) for child in node[1])
    if kind == "*":
        return math.prod(_evaluate(child, point) for child in node[1])
    if kind == "^":
        return _evaluate(node[1], point) ** float(node[2][1])
    return math.sqrt(_evaluate(node[2], point))


def _to_sympy(node: _Node) -> sympy.Expr:
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


def _shape(node: _Node) -> _Node:
    """The written form up to order and folded numbers: 6 + 2x and 2*x + 6 agree, 2(x+3) does not."""
    kind = node[0]
    if kind in ("n", "s", "c"):
        return node
    if kind == "^":
        base, exponent = _shape(node[1]), _shape(node[2])
        if base[0] == "n" and exponent[1].denominator == 1 and base[1]:
            return ("n", base[1] ** int(exponent[1]))
        return ("^", base, exponent)
    if kind == "f":
        return ("f", node[1], _shape(node[2]))
    parts: list[_Node] = []
    for child in (_shape(child) for child in node[1]):
        parts.extend(child[1] if child[0] == kind else (child,))
    if kind == "*":
        coefficient = math.prod((p[1] for p in parts if p[0] == "n"), start=Fraction(1))
        parts = [p for p in parts if p[0] != "n"] + ([("n", coefficient)] if coefficient != 1 or len(parts) < 2 else [])
        if len(parts) == 1:
            return parts[0]
    return (kind, tuple(sorted(parts, key=repr)))


def _symbols(node: _Node) -> set[str]:
    if node[0] == "s":
        return {node[1]}
    if node[0] in ("n", "c"):
        return set()
    children = node[1] if node[0] in ("+", "*") else node[1:] if node[0] == "^" else node[2:]
    return set().union(*(_symbols(child) for child in children if isinstance(child, tuple)))


def _equivalent(candidate: _Node, key: _Node, names: Sequence[str]) -> bool:
    """Equal at three awkward points, then confirmed by SymPy (so a coincidence at the points cannot block)."""
    for offset in (0.7319, 1.4142, 2.2361):
        point = {name: offset + 0.618 * index for index, name in enumerate(names)}
        try:
            a, b = _evaluate(candidate, point), _evaluate(key, point)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, KeyError):
            return False
        if isinstance(a, complex) or isinstance(b, complex) or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return _sympy_equal(candidate, key)


@functools.lru_cache(maxsize=256)
def _sympy_equal(candidate: _Node, key: _Node) -> bool:
    """Cached because a reply may repeat the same stretch, and simplify is the one slow step."""
    return sympy.simplify(_to_sympy(candidate) - _to_sympy(key)) == 0


@dataclass(frozen=True)
class _Candidate:
    tree: _Node
    start: int
    end: int


def _expression_candidates(text: str, symbols: frozenset[str]) -> tuple[list[_Candidate], bool]:
    """The sums of whole terms in each math stretch that parse ("2(x + 3)", "x + 3" inside it, "6 + 2x" in
    "y = 6 + 2x - 1"), up to MAX_EXPRESSION_TOKENS long, longest first; and whether the text was read to the
    end (False past MAX_PARSES). A candidate starts and ends at a term boundary with balanced brackets, which
    keeps the count linear in the length of the stretch."""
    found: list[_Candidate] = []
    parses = 0
    for run in _math_runs(text, symbols):
        words = [t.text for t in run]
        starts = [k for k in range(len(run)) if k == 0 or words[k - 1] in ("+", "-", "(") or words[k] == "-"]
        ends = {k for k in range(len(run)) if k == len(run) - 1 or words[k + 1] in ("+", "-", ")")}
        for first in starts:
            depth = 0
            for last in range(first, min(len(run), first + MAX_EXPRESSION_TOKENS)):
                depth += {"(": 1, ")": -1}.get(words[last], 0)
                if depth < 0:
                    break
                if depth or last not in ends:
                    continue
                parses += 1
                if parses > MAX_PARSES:
                    return found, False
                try:
                    tree = _parse(words[first:last + 1])
                except (_ParseError, ValueError, IndexError):
                    continue
                found.append(_Candidate(tree, run[first].start, run[last].end))
    found.sort(key=lambda c: (c.start - c.end, c.start))
    return found, True


# --- the answer key ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Key:
    text: str
    value: Fraction | float | None  # for a key without variables
    tree: _Node | None  # for a key with variables, or an irrational one (pi, sqrt(2))
    symbols: frozenset[str]


def _key_read(answer_key: str) -> _Key:
    text = answer_key.strip()
    labelled = re.match(r"^\s*[A-Za-z]\s*=\s*(.+)$", text)  # "x = 5", "y = 2x + 3": the label is not the answer
    body = labelled.group(1).strip() if labelled else text
    numbers = _numbers(body)
    whole = [n for n in numbers if n.start == 0 and n.end == len(body)]
    if whole:
        return _Key(text, whole[0].value, None, frozenset())
    try:
        tree = _parse([t for t in _MATH_TOKEN.findall(body)])
    except (_ParseError, ValueError, IndexError):
        return _Key(text, None, None, frozenset())
    names = frozenset(_symbols(tree))
    if any(len(name) > 1 for name in names):  # a word ("parallelogram"): a choice's text, not algebra
        return _Key(text, None, None, frozenset())
    if names:
        return _Key(body, None, tree, names)
    exact = sympy.nsimplify(_to_sympy(tree))
    if exact.is_Rational:
        return _Key(body, Fraction(int(exact.p), int(exact.q)), None, frozenset())
    if exact.is_real and exact.is_finite:
        return _Key(body, float(exact), tree, frozenset())
    return _Key(text, None, None, frozenset())  # "1/0": no value to look for, only its text


# --- the checks ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Finding:
    reason: str
    spans: tuple[tuple[int, int], ...]


def _show(value: Fraction | float) -> str:
    return str(value) if isinstance(value, Fraction) else f"{value:g}"


def _numeric_findings(reply: str, *, targets: list[tuple[Fraction | float, str]], shown: str,
                      shown_values: set[Fraction], option: str = "") -> Iterator[_Finding]:
    """Numbers equal to a target. One the student already sees (in ``shown``, or ``option``, the choice's own
    text, which is always on screen) reveals only when asserted as the answer; another form of it (0.4 for
    the option 2/5) reveals like any number."""
    text = _normal(reply)
    for number in _numbers(reply):
        for target, label in targets:
            if not _matches(number, target) or _is_step_number(text, number):
                continue
            assertion = _assertion(text, number.start, number.end, choosing=bool(option))
            written = reply[number.start:number.end]
            on_screen = target in shown_values or bool(option) and _squash(written) == _squash(option)
            must_assert = number.weak or on_screen
            if must_assert and (assertion is None or _in_shown(assertion, shown)):
                continue
            form = "" if _squash(written) == _squash(label.split(" ")[-1]) else f" as {written}"
            yield _Finding(f"states {label}{form}", ((number.start, number.end),))
            break


def _unread(reply: str) -> _Finding:
    return _Finding("holds more math than the guard reads, so it is held back", ((0, len(reply)),))


def _constant_findings(reply: str, *, key: _Key, shown: str) -> Iterator[_Finding]:
    """An irrational key written with its constant or root ("sqrt(2)", "2π"); a bare π only when asserted,
    since the π of a formula ("π r²") is not the answer."""
    assert key.tree is not None
    text = _normal(reply)
    candidates, complete = _expression_candidates(reply, frozenset())
    if not complete:
        yield _unread(reply)
    for candidate in candidates:
        piece = reply[candidate.start:candidate.end]
        bare = candidate.tree[0] == "c"
        if ((not bare or _assertion(text, candidate.start, candidate.end)) and not _in_shown(piece, shown)
                and _equivalent(candidate.tree, key.tree, ())):
            yield _Finding(f"states the answer {key.text} as {piece}", ((candidate.start, candidate.end),))
            return


def _expression_findings(reply: str, *, key: _Key, shown: str, solution: str) -> Iterator[_Finding]:
    assert key.tree is not None
    names = sorted(key.symbols)
    shown_candidates, _ = _expression_candidates(shown, key.symbols)
    form_mode = any(_symbols(c.tree) and _equivalent(c.tree, key.tree, names) for c in shown_candidates)
    shapes = {_shape(key.tree): f"the answer {key.text}"}
    if form_mode:
        for step in _final_steps(solution):
            for candidate in _expression_candidates(step, key.symbols)[0]:
                piece = step[candidate.start:candidate.end]
                if not _in_shown(piece, shown) and _symbols(candidate.tree) and _equivalent(candidate.tree, key.tree,
                                                                                             names):
                    shapes.setdefault(_shape(candidate.tree), f"the final intermediate form {piece.strip()}")
    taken: list[tuple[int, int]] = []
    candidates, complete = _expression_candidates(reply, key.symbols)
    if not complete:
        yield _unread(reply)
    for candidate in candidates:
        if not _symbols(candidate.tree) or any(s < candidate.end and candidate.start < e for s, e in taken):
            continue
        piece = reply[candidate.start:candidate.end]
        if _in_shown(piece, shown):
            continue
        if form_mode:
            label = shapes.get(_shape(candidate.tree))
        else:
            label = f"an expression equivalent to the answer {key.text}" if _equivalent(candidate.tree, key.tree,
                                                                                         names) else None
        if label:
            taken.append((candidate.start, candidate.end))
            yield _Finding(f"states {label}: {piece}", ((candidate.start, candidate.end),))


_STEP_SPLIT = re.compile(r"\n+|(?<=[.;!?])\s+|,\s+(?=(?:so|then|and|which)\b)")
_RESULT_CUE = re.compile(r"(?:=|≈|→|=>|\bis|\bequals|\bgives|\bmakes|\bleaves|\bget|\bgets)\s*$")
_OPERATOR_AFTER = re.compile(r"^\s*(?:[-+*/×÷^(]|\d)")


def _final_steps(solution: str) -> list[str]:
    steps = [step for step in _STEP_SPLIT.split(solution) if step and step.strip()]
    return steps[-3:]


def _intermediate_targets(solution: str, *, answer: Fraction | float | None, shown_values: set[Fraction]
                          ) -> list[tuple[Fraction, str]]:
    """Results the worked solution computes in its last two computing steps, other than the answer itself."""
    steps = [step for step in _STEP_SPLIT.split(solution) if step and step.strip()]
    chosen: list[tuple[Fraction, str]] = []
    computing = 0
    for step in reversed(steps):
        text = _normal(step)
        results = [n for n in _numbers(step) if _RESULT_CUE.search(text[:n.start]) and not _OPERATOR_AFTER.match(
            text[n.end:]) and not n.weak]
        fresh = [n for n in results if not (answer is not None and _matches(n, answer))]
        if not fresh:
            continue
        computing += 1
        for n in fresh:
            if n.value not in shown_values and all(n.value != v for v, _ in chosen):
                chosen.append((n.value, f"the final intermediate result {step[n.start:n.end].strip()}"))
        if computing == 2:
            break
    return chosen


_NUMERATOR_CUE = re.compile(r"\b(?:numerator|top number|number on top)\b[^.!?\n]{0,20}?"
                            r"(?:\bis|=|\bshould be|\bwill be|\bbecomes|\bequals|\bwould be|\bmust be|:)?\s*$")
_DENOMINATOR_CUE = re.compile(r"\b(?:denominator|bottom number|number on the bottom)\b[^.!?\n]{0,20}?"
                              r"(?:\bis|=|\bshould be|\bwill be|\bbecomes|\bequals|\bwould be|\bmust be|\bstays|:)?"
                              r"\s*$")
_NUMERATOR_AFTER = re.compile(r"^\s*(?:on (?:the )?top|in the numerator|(?:as|for) the numerator|goes on top)")
_DENOMINATOR_AFTER = re.compile(r"^\s*(?:on (?:the )?bottom|in the denominator|(?:as|for) the denominator)")


def _part_statements(text: str, cue: re.Pattern, after: re.Pattern) -> list[_Number]:
    normal = _normal(text)
    return [n for n in _numbers(text) if n.value.denominator == 1 and n.value > 0 and (
        cue.search(normal[max(0, n.start - 50):n.start]) or after.match(normal[n.end:n.end + 30]))]


def _fraction_split_findings(reply: str, *, key: Fraction, earlier: Sequence[str], shown: str,
                             shown_values: set[Fraction]) -> Iterator[_Finding]:
    """A numerator and a denominator stated apart (one may come from the prompt) that make the key."""
    if key.denominator == 1:
        return
    shown_pairs = {(int(a), int(b)) for a, b in re.findall(r"(\d+)\s*/\s*(\d+)", shown)}
    numerators = [(n, True) for n in _part_statements(reply, _NUMERATOR_CUE, _NUMERATOR_AFTER)]
    denominators = [(n, True) for n in _part_statements(reply, _DENOMINATOR_CUE, _DENOMINATOR_AFTER)]
    for text in earlier:
        numerators += [(n, False) for n in _part_statements(text, _NUMERATOR_CUE, _NUMERATOR_AFTER)]
        denominators += [(n, False) for n in _part_statements(text, _DENOMINATOR_CUE, _DENOMINATOR_AFTER)]
    known_denominators = [(value, False, None) for value in shown_values if value.denominator == 1 and value > 0]
    for numerator, in_reply in numerators:
        for value, d_in_reply, d_number in [(d.value, r, d) for d, r in denominators] + known_denominators:
            if numerator.value / value != key or (int(numerator.value), int(value)) in shown_pairs:
                continue
            if d_number is None and numerator.value in shown_values:
                continue
            if not (in_reply or d_in_reply):
                continue
            spans = tuple(sorted({(n.start, n.end) for n, here in ((numerator, in_reply), (d_number, d_in_reply))
                                  if here and n is not None}))
            yield _Finding(f"splits the answer {key} into numerator {numerator.value} and denominator {value}", spans)
            return


_DIGIT_POSITION = re.compile(
    r"\b(?P<pos>first|second|third|fourth|last|final|leading|tens|ones|units?|hundreds|thousands)\s+digit\b"
    r"[^.!?\n]{0,15}?(?:\bis|=|\bshould be|\bwill be|\bwould be|\bmust be|:)\s*(?:an?\s+)?$"
    r"|\b(?P<first>starts?|starting|begins?|beginning)\s+with\s+(?:an?\s+)?$"
    r"|\b(?P<last>ends?|ending)\s+(?:with|in)\s+(?:an?\s+)?$"
)
_PLACE_AFTER = re.compile(r"^\s+in the (?P<pos>tens|ones|units|hundreds|thousands) (?:place|column|digit)")
_PLACES = {"first": 0, "leading": 0, "second": 1, "third": 2, "fourth": 3}
_FROM_END = {"last": 1, "final": 1, "ones": 1, "unit": 1, "units": 1, "tens": 2, "hundreds": 3, "thousands": 4}


def _digit_facts(text: str, length: int) -> list[tuple[int, int, _Number]]:
    normal = _normal(text)
    facts = []
    for n in _numbers(text):
        if n.value.denominator != 1 or not 0 <= n.value <= 9:
            continue
        m = _DIGIT_POSITION.search(normal[max(0, n.start - 50):n.start])
        after = _PLACE_AFTER.match(normal[n.end:n.end + 40])
        word = (m and (m["pos"] or ("first" if m["first"] else "last"))) or (after and after["pos"])
        if not word:
            continue
        position = _PLACES[word] if word in _PLACES else length - _FROM_END[word]
        if 0 <= position < length:
            facts.append((position, int(n.value), n))
    return facts


def _digit_split_findings(reply: str, *, key: Fraction, earlier: Sequence[str]) -> Iterator[_Finding]:
    """All digits of a whole-number key given by position, over this reply and the earlier ones."""
    if key.denominator != 1 or abs(key) < 10:
        return
    digits = str(abs(key.numerator))
    here = [f for f in _digit_facts(reply, len(digits)) if int(digits[f[0]]) == f[1]]
    before = [f for text in earlier for f in _digit_facts(text, len(digits)) if int(digits[f[0]]) == f[1]]
    if here and {f[0] for f in here + before} == set(range(len(digits))):
        spans = tuple((number.start, number.end) for _, _, number in here)
        yield _Finding(f"gives every digit of the answer {key} by position", spans)


_OPTION = re.compile(r"(?:^|(?<=\s))(?:\(([A-Fa-f])\)|([A-F])[).:])\s+(.+?)"
                     r"(?=\s+(?:\([A-Fa-f]\)|[A-F][).:])\s|\n|$)", re.M)
_LETTER = re.compile(r"\b(?:option|choice|answer|letter)\s+\(?(?P<a>[a-f])\)?(?![\w'])|\((?P<b>[a-f])\)"
                     r"|(?<![\w'])(?P<c>(?-i:[A-F]))(?![\w'])", re.I)
_ORDINAL = re.compile(r"\b(?P<word>first|second|third|fourth|fifth|sixth|last|1st|2nd|3rd|4th|5th|6th)\s+"
                      r"(?:option|choice|one|answer)\b|\b(?:option|choice)\s+(?:number\s+)?(?P<n>[1-6])\b")
_ORDINALS = {w: i for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth"))} | {
    f"{i + 1}{s}": i for i, s in enumerate(("st", "nd", "rd", "th", "th", "th"))}


def _choice_findings(reply: str, *, key: _Key, shown: str) -> Iterator[_Finding]:
    """The right option named as the answer, by letter or by position (any option when the list is unknown)."""
    options = [((low or up).lower(), text.strip().rstrip(".;,")) for low, up, text in _OPTION.findall(shown)]
    correct = None
    for index, (_, text) in enumerate(options):
        values = [n for n in _numbers(text) if n.start == 0 and n.end == len(text)]
        if _squash(text) == _squash(key.text) or (values and key.value is not None and _matches(values[0], key.value)):
            correct = index
    text = _normal(reply)
    for m in _LETTER.finditer(reply):
        letter = (m["a"] or m["b"] or m["c"]).lower()
        if m["c"] and not (_AFTER_ASSERT.match(text[m.end():]) or _CLAUSE_END.match(text[m.end():])):
            continue
        if _assertion(text, m.start(), m.end(), choosing=True) and (correct is None or options[correct][0] == letter):
            yield _Finding(f"names option {letter.upper()} as the answer", ((m.start(), m.end()),))
    for m in _ORDINAL.finditer(text):
        index = int(m["n"]) - 1 if m["n"] else (len(options) - 1 if m["word"] == "last" else _ORDINALS[m["word"]])
        if _assertion(text, m.start(), m.end(), choosing=True) and (correct is None or index == correct):
            yield _Finding(f"names the {m.group(0)} as the answer", ((m.start(), m.end()),))
    if key.value is None and key.tree is None and len(_squash(key.text)) > 1:
        pattern = r"\s*".join(re.escape(part) for part in _normal(key.text).split())
        for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text):
            if _assertion(text, m.start(), m.end(), choosing=True):
                yield _Finding(f"states the answer {key.text}", ((m.start(), m.end()),))


def _merge(spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def answer_guard_check(reply: str, *, answer_key: str, answer_kind: str, shown: str = "", solution: str = "",
                       earlier_replies: Sequence[str] = ()) -> GuardVerdict:
    """Whether ``reply`` gives away the answer (or the solution's last step) that the student may not see yet.

    ``shown`` is what the student already reads (prompt, vetted hints): its numbers are no reveal unless
    the reply asserts one as the answer. ``earlier_replies`` are this problem's earlier tutor replies, read
    only to complete a split reveal; the spans point into ``reply`` alone.
    """
    if not answer_key.strip() or not reply.strip():
        return GuardVerdict(False, "", ())
    key = _key_read(answer_key)
    # Looser than a reply's numbers on purpose: the 2 of "2x" is on screen too.
    shown_values = {n.value for n in _numbers(shown) if not n.weak} | {Fraction(d) for d in re.findall(r"\d+", shown)}
    findings: list[_Finding] = []
    if answer_kind == "choice":
        if key.value is not None:
            findings += _numeric_findings(reply, targets=[(key.value, f"the answer {key.text}")], shown=shown,
                                          shown_values=shown_values, option=key.text)
        elif key.tree is not None:
            findings += [f for f in _expression_findings(reply, key=key, shown="", solution="")
                         if _assertion(_normal(reply), f.spans[0][0], f.spans[0][1], choosing=True)]
        findings += _choice_findings(reply, key=key, shown=shown)
    else:
        targets: list[tuple[Fraction | float, str]] = []
        if key.value is not None:
            targets.append((key.value, f"the answer {key.text}"))
            if key.tree is not None:
                findings += _constant_findings(reply, key=key, shown=shown)
        elif key.tree is not None:
            findings += _expression_findings(reply, key=key, shown=shown, solution=solution)
        elif _squash(key.text) in _squash(reply):  # a key the grammar cannot read: only its exact text
            start = _normal(reply).find(_normal(key.text))
            findings.append(_Finding(f"states the answer {key.text}", ((start, start + len(key.text)),) if start >= 0
                                     else ((0, len(reply)),)))
        targets += _intermediate_targets(solution, answer=key.value, shown_values=shown_values)
        findings += _numeric_findings(reply, targets=targets, shown=shown, shown_values=shown_values)
        if isinstance(key.value, Fraction):
            findings += _fraction_split_findings(reply, key=key.value, earlier=earlier_replies, shown=shown,
                                                 shown_values=shown_values)
            findings += _digit_split_findings(reply, key=key.value, earlier=earlier_replies)
    if not findings:
        return GuardVerdict(False, "", ())
    reasons = list(dict.fromkeys(f.reason for f in findings))
    return GuardVerdict(True, "; ".join(reasons[:3]), _merge([s for f in findings for s in f.spans]))


def reply_redact(reply: str, verdict: GuardVerdict) -> str:
    """The reply with each revealing span replaced by "…", so what is left still reads as a sentence."""
    pieces, cursor = [], 0
    for start, end in _merge(verdict.spans):
        pieces += [reply[cursor:start], REDACTED]
        cursor = end
    return "".join(pieces) + reply[cursor:]
