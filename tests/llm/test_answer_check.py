"""The answer box: what a student types is read as they meant it, judged against the key, and refused with a
helpful word when it cannot be read; hostile text is refused without being run."""

import builtins
import contextlib

import pytest

from llm import mathtext
from llm.answer_check import AnswerFormatError, AnswerSpec, CommonWrongAnswer, answer_check
from llm.guard import answer_guard_check
from llm.mathtext import MAX_LENGTH, MAX_TOKENS

THREE_QUARTERS = AnswerSpec(kind="numeric", answer="3/4")
FIVE_HALVES = AnswerSpec(kind="numeric", answer="5/2")
THOUSAND = AnswerSpec(kind="numeric", answer="1000")
SEVEN = AnswerSpec(kind="numeric", answer="7")
THIRD = AnswerSpec(kind="numeric", answer="1/3")
THIRD_ROUNDED = AnswerSpec(kind="numeric", answer="1/3", tolerance=0.01)
AREA = AnswerSpec(kind="expression", answer="2*x + 6", variables=("x",))
QUADRATIC = AnswerSpec(kind="expression", answer="x**2 + 5*x + 6", variables=("x",))
FRACTIONS = AnswerSpec(kind="choice", answer="3/4", choices=("1/2", "3/4", "4/3"))


def _correct(spec: AnswerSpec, response: str) -> bool:
    return answer_check(spec=spec, response=response).correct


def _refusal(spec: AnswerSpec, response: str) -> str:
    with pytest.raises(AnswerFormatError) as refused:
        answer_check(spec=spec, response=response)
    return str(refused.value)


@pytest.mark.parametrize("response", ["3/4", "6/8", "0.75", ".75", "0.750", " 3 / 4 ", "(3)/(4)", "3/4.", "--0.75"])
def test_any_exact_form_of_a_fraction_is_right(response):
    assert answer_check(spec=THREE_QUARTERS, response=response).message == "Correct!"


@pytest.mark.parametrize(("spec", "response"), [(FIVE_HALVES, "2 1/2"), (FIVE_HALVES, "2.5"),
                                                (AnswerSpec(kind="numeric", answer="-5/2"), "-2 1/2")])
def test_mixed_numbers_and_decimals_read_as_their_value(spec, response):
    assert _correct(spec, response)


@pytest.mark.parametrize("response", ["1,000", "1000", "1000.0", "10^3"])
def test_thousands_separators_and_powers_read_as_the_number(response):
    assert _correct(THOUSAND, response)


@pytest.mark.parametrize("response", ["x = 7", "x=7", "y = 7"])
def test_an_answer_written_as_x_equals_counts_its_value(response):
    assert _correct(SEVEN, response)


@pytest.mark.parametrize("response", ["0.7", "7/10", "3/5", "1"])
def test_a_different_value_is_wrong(response):
    assert not _correct(THREE_QUARTERS, response)


@pytest.mark.parametrize(("spec", "response"), [
    (AREA, "2x+6"), (AREA, "2(x+3)"), (AREA, "6 + 2x"), (AREA, "(x+3)2"), (AREA, "2 x + 6"), (AREA, "x + x + 6"),
    (AREA, "2.0x + 6"), (AREA, "(2x^2 + 6x)/x"),
    (QUADRATIC, "(x+2)(x+3)"), (QUADRATIC, "(x + 3)(x + 2)"), (QUADRATIC, "x(x+5)+6"), (QUADRATIC, "x^2+5x+6"),
    (QUADRATIC, "x**2 + 5*x + 6"),
])
def test_equivalent_expressions_are_accepted(spec, response):
    assert _correct(spec, response)


@pytest.mark.parametrize(("spec", "response"), [(AREA, "2x+3"), (AREA, "x+3"), (AREA, "2x"), (AREA, "x^2 + 6"),
                                                (QUADRATIC, "(x+2)(x-3)"), (QUADRATIC, "x^2+6")])
def test_expressions_of_another_value_are_refused(spec, response):
    assert not _correct(spec, response)


def test_decimals_are_exact_so_a_rounded_answer_needs_the_items_tolerance():
    assert not _correct(THIRD, "0.3333")
    assert not _correct(THIRD, "0.33333333")
    assert _correct(THIRD, "1/3")
    assert _correct(THIRD_ROUNDED, "0.33")
    assert not _correct(THIRD_ROUNDED, "0.3")


def test_a_key_beyond_the_readers_grammar_is_still_judged_by_its_value():
    e = AnswerSpec(kind="numeric", answer="exp(1)")
    assert not _correct(e, "2.718")
    assert _correct(AnswerSpec(kind="numeric", answer="exp(1)", tolerance=0.001), "2.718")
    assert answer_check(spec=e, response="-2.718").message == "Not quite. Try again, or ask for a hint."


def test_a_choice_is_judged_by_its_text():
    assert _correct(FRACTIONS, "3/4")
    assert not _correct(FRACTIONS, "4/3")
    assert _refusal(FRACTIONS, "0.75") == "Pick one of the choices."


@pytest.mark.parametrize(("response", "nudge"), [
    ("-3/4", "Not quite: check the sign of your answer."),
    ("7.5", "Not quite: check the place value (where the decimal point goes)."),
    ("0.075", "Not quite: check the place value (where the decimal point goes)."),
    ("4/3", "Not quite: your fraction may be upside down."),
    ("1/2", "Not quite. Try again, or ask for a hint."),
])
def test_a_wrong_answer_names_a_likely_slip_without_the_key(response, nudge):
    verdict = answer_check(spec=THREE_QUARTERS, response=response)
    assert not verdict.correct and verdict.message == nudge


def test_a_sign_slip_in_an_expression_is_named():
    assert answer_check(spec=AREA, response="-2x - 6").message == "Not quite: check the sign of your answer."


@pytest.mark.parametrize(("spec", "response", "message"), [
    (THREE_QUARTERS, "", "Type an answer first."),
    (THREE_QUARTERS, "   ", "Type an answer first."),
    (AREA, "2y + 6", "I can't read 'y' in your answer (you may use x)."),
    (THREE_QUARTERS, "x + 1", "I can't read 'x' in your answer."),
    (THREE_QUARTERS, "1e5", "I can't read 'e' in your answer."),
    (AREA, "sqrt(x)", "I can't read 'sqrt' in your answer (you may use x)."),
    (THREE_QUARTERS, "1" * (MAX_LENGTH + 1), f"Answers are at most {MAX_LENGTH} characters."),
    (THREE_QUARTERS, "1234567890123456", "That number is too long; check your answer."),
    (AREA, "x^13", "Powers in answers are limited to small whole exponents."),
    (AnswerSpec(kind="expression", answer="2*x + 6", variables=("x", "y")), "x^y",
     "Powers in answers are limited to small whole exponents."),
    (AREA, "(x^4)^4", "Powers in answers are limited to small whole exponents."),
    (THREE_QUARTERS, "1/0", "Your answer divides by zero."),
    (AREA, "x/(x-x)", "Your answer divides by zero."),
    (FIVE_HALVES, "2 1/0", "Your answer divides by zero."),
    (THREE_QUARTERS, "0,75", "Use a point for decimals (2.5, not 2,5)."),
    (AREA, "1,2", "I couldn't read '1,2' as a single value."),
    (THREE_QUARTERS, "3÷4", "Use only numbers, letters for variables, and + - * / ^ ( )."),
    (THREE_QUARTERS, "75%", "Use only numbers, letters for variables, and + - * / ^ ( )."),
    (THREE_QUARTERS, "3/(4", "I couldn't read '3/(4' as math. Check for a missing number or bracket."),
    (THREE_QUARTERS, "2 3", "I couldn't read '2 3' as math. Check for a missing number or bracket."),
    (AnswerSpec(kind="expression", answer="2*x + 6", variables=("x", "y")), "y = 2x + 6",
     "I couldn't read 'y = 2x + 6' as math. Check for a missing number or bracket."),
])
def test_unreadable_answers_are_refused_with_a_word_on_what_to_change(spec, response, message):
    assert _refusal(spec, response) == message


def test_an_answer_with_too_many_parts_is_refused_though_short_enough_in_characters():
    response = "+".join(["1"] * 30)  # 59 characters, 59 tokens
    assert len(response) <= MAX_LENGTH
    assert "too long to read" in _refusal(THREE_QUARTERS, response)


def test_powers_of_powers_and_negative_or_fractional_exponents_are_read():
    assert _correct(AnswerSpec(kind="expression", answer="x**6", variables=("x",)), "(x^2)^3")
    assert _correct(AnswerSpec(kind="expression", answer="1/x**2", variables=("x",)), "x^-2")
    assert _correct(AnswerSpec(kind="numeric", answer="1/4"), "(1/2)^2")
    assert _correct(AnswerSpec(kind="numeric", answer="sqrt(2)"), "2^(1/2)")


@pytest.mark.parametrize("response", [
    "__import__('os').system('echo hi')",
    "Symbol('x').__class__",
    "().__class__.__bases__[0]",
    "lambda: 1",
    "exec",
    "Integer(2)",
])
def test_code_is_refused_as_an_answer(response):
    with pytest.raises(AnswerFormatError):
        answer_check(spec=AREA, response=response)


@pytest.mark.parametrize("response", ["9**9**9", "9^9^9", "(9^12)^12", "10^10^10"])
def test_huge_powers_are_refused_by_the_reader_s_limit(response):
    assert _refusal(THREE_QUARTERS, response) == "Powers in answers are limited to small whole exponents."


def test_no_student_text_reaches_eval(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("student text reached eval")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert _correct(AREA, "2(x + 3)")
    assert _correct(THREE_QUARTERS, "0.75")
    assert not _correct(QUADRATIC, "(x+2)(x-3)")
    for hostile in ("__import__('os')", "Symbol('x').__class__", "x(x)(x)", "2x+6)", "(((x)))", "9**9**9"):
        with contextlib.suppress(AnswerFormatError):
            answer_check(spec=AREA, response=hostile)


# (answer typed or written, key, variables, whether it is the key's value). The answer box and the guard
# must agree: what the box accepts as the answer, the guard must block in a reply, and nothing else.
AGREEMENT = [
    ("2(x+3)", "2*x + 6", ("x",), True),
    ("6 + 2x", "2*x + 6", ("x",), True),
    ("(x+3)2", "2*x + 6", ("x",), True),
    ("(2x^2 + 6x)/x", "2*x + 6", ("x",), True),
    ("2x + 3", "2*x + 6", ("x",), False),
    ("x + 6", "2*x + 6", ("x",), False),
    ("(x+2)(x+3)", "x**2 + 5*x + 6", ("x",), True),
    ("x(x+5)+6", "x**2 + 5*x + 6", ("x",), True),
    ("(x+2)(x-3)", "x**2 + 5*x + 6", ("x",), False),
    ("x^2 - 9", "(x - 3)*(x + 3)", ("x",), True),
    ("x^2 + 9", "(x - 3)*(x + 3)", ("x",), False),
    ("x^-2", "1/x**2", ("x",), True),
    ("(1/x)^2", "1/x**2", ("x",), True),
    ("x^2", "1/x**2", ("x",), False),
    ("x^(1/2)", "sqrt(x)", ("x",), True),
    ("2x*y", "2*x*y", ("x", "y"), True),
    ("0.75", "3/4", (), True),
    ("6/8", "3/4", (), True),
    ("0.7", "3/4", (), False),
    ("2 1/2", "5/2", (), True),
    ("1,000", "1000", (), True),
    ("100", "1000", (), False),
]


@pytest.mark.parametrize(("written", "key", "variables", "same"), AGREEMENT)
def test_the_answer_box_and_the_guard_agree_on_what_is_the_answer(written, key, variables, same):
    spec = AnswerSpec(kind="expression" if variables else "numeric", answer=key, variables=variables)
    try:
        checked = answer_check(spec=spec, response=written).correct
    except AnswerFormatError:
        checked = False
    guarded = answer_guard_check(f"So the answer is {written}.", answer_key=key, answer_kind=spec.kind,
                                 shown="Write your answer in the box.").revealed
    assert checked == guarded == same


@pytest.mark.parametrize("written", ["2 × (x + 3)", "2·x + 6", "2xy - 2xy + 2x + 6"])
def test_the_guard_reads_prose_notation_that_the_answer_box_refuses(written):
    spec = AnswerSpec(kind="expression", answer="2*x + 6", variables=("x", "y"))
    with pytest.raises(AnswerFormatError):
        answer_check(spec=spec, response=written)
    assert answer_guard_check(f"So the answer is {written}.", answer_key="2*x + 6", answer_kind="expression").revealed


def test_a_labelled_key_is_read_without_its_label():
    spec = AnswerSpec(kind="numeric", answer="x = 5")
    assert _correct(spec, "5") and _correct(spec, "x = 5") and not _correct(spec, "6")


def test_a_key_longer_than_a_students_answer_may_be_is_still_the_key():
    expanded = "x^9 + 9x^8 + 36x^7 + 84x^6 + 126x^5 + 126x^4 + 84x^3 + 36x^2 + 9x + 1"
    assert sum(len(run) for run in mathtext.runs(expanded)) > MAX_TOKENS
    spec = AnswerSpec(kind="expression", answer=expanded, variables=("x",))
    assert _correct(spec, "(x + 1)^9")
    assert answer_guard_check("So the answer is (x + 1)^9.", answer_key=expanded, answer_kind="expression").revealed


ADDED_BOTTOMS = CommonWrongAnswer(answer="2/8", feedback="You added the bottoms too.", error="misinterpret",
                                  concept="like-fractions")
FLIPPED = CommonWrongAnswer(answer="4/3", feedback="Your fraction is the other way up.")
QUARTERS = AnswerSpec(kind="numeric", answer="3/4", wrong_answers=(ADDED_BOTTOMS, FLIPPED))
DOUBLED = CommonWrongAnswer(answer="4*x + 12", feedback="You doubled the whole area.")
AREA_MISTAKES = AnswerSpec(kind="expression", answer="2*x + 6", variables=("x",), wrong_answers=(DOUBLED,))
FRACTION_MISTAKES = AnswerSpec(kind="choice", answer="3/4", choices=("1/2", "3/4", "4/3"), wrong_answers=(FLIPPED,))


@pytest.mark.parametrize(("spec", "response", "mistake"), [
    (QUARTERS, "2/8", ADDED_BOTTOMS),
    (QUARTERS, "1/4", ADDED_BOTTOMS),  # the same value, written another way
    (QUARTERS, "0.25", ADDED_BOTTOMS),
    (QUARTERS, "1 1/3", FLIPPED),
    (AREA_MISTAKES, "4(x + 3)", DOUBLED),  # an equivalent expression
    (AREA_MISTAKES, "12 + 4x", DOUBLED),
    (FRACTION_MISTAKES, "4/3", FLIPPED),
])
def test_a_common_wrong_answer_gets_its_feedback(spec, response, mistake):
    verdict = answer_check(spec=spec, response=response)
    assert not verdict.correct and verdict.message == mistake.feedback and verdict.wrong_answer == mistake


@pytest.mark.parametrize(("spec", "response"), [(QUARTERS, "5/8"), (AREA_MISTAKES, "2x + 7"),
                                                (FRACTION_MISTAKES, "1/2")])
def test_another_wrong_answer_gets_the_generic_nudge(spec, response):
    verdict = answer_check(spec=spec, response=response)
    assert not verdict.correct and verdict.message.startswith("Not quite") and verdict.wrong_answer is None


def test_the_right_answer_is_never_taken_for_a_common_mistake():
    verdict = answer_check(spec=QUARTERS, response="6/8")
    assert verdict.correct and verdict.wrong_answer is None
