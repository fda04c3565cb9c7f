"""Answers that must be worked out: a right value in the item's form is right, a right value in another form gets
a request to rewrite it (neither right nor wrong), a wrong value is simply wrong. Property tests generate values and
ways of writing them."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm.answer_check import AnswerSpec, Verdict, answer_check
from llm.answer_forms import AnswerForm, FormSpecError, form_from_course

# No deadline: SymPy's first call in a process is slow, and how long a check takes is not what these tests are about.
UNTIMED = settings(deadline=None, database=None)
NONZERO = st.integers(-40, 40).filter(bool)
FACTOR = st.integers(2, 40)


def _check(form: str, key: str, response: str, *, kind: str = "numeric") -> Verdict:
    spec = AnswerSpec(kind=kind, answer=key, form=form, variables=("x",) if kind == "expression" else ())
    return answer_check(spec=spec, response=response)


def _accepted(verdict: Verdict) -> bool:
    return verdict.correct and not verdict.form_missed and verdict.message == "Correct!"


def _asked_to_rewrite(verdict: Verdict, phrase: str) -> bool:
    return (not verdict.correct and verdict.form_missed
            and verdict.message == f"Right value — now write it {phrase}.")


def _term(coefficient: int, body: str = "") -> str:
    """A signed term to follow another: "+ 3x", "- 5"."""
    return f"{'+' if coefficient > 0 else '-'} {abs(coefficient)}{body}"


# --- a single number -------------------------------------------------------------------------------------------


@UNTIMED
@given(a=FACTOR, b=FACTOR, shape=st.sampled_from(["{a}*{b}", "{a} * {b}", "({a})({b})", "{p}/{b}", "{s} + {b}",
                                                  "{t} - {b}", "{a}*{b} + 0", "({a}*{b})"]))
def test_a_worked_out_value_written_as_a_calculation_is_sent_back(a, b, shape):
    product = a * b
    response = shape.format(a=a, b=b, p=product * b, s=product - b, t=product + b)
    assert _asked_to_rewrite(_check("number", str(product), response), "as a single number")


@UNTIMED
@given(value=st.integers(-10**6, 10**6), shape=st.sampled_from(["{v}", " {v} ", "x = {v}", "{v}.0", "{c}"]))
def test_a_whole_number_written_as_one_number_is_accepted(value, shape):
    response = shape.format(v=value, c=f"{value:,}")
    assert _accepted(_check("number", str(value), response))


@UNTIMED
@given(numerator=st.integers(1, 200), denominator=st.integers(2, 50))
def test_a_fraction_is_one_number_when_the_value_is_not_whole(numerator, denominator):
    key = f"{numerator // math.gcd(numerator, denominator)}/{denominator // math.gcd(numerator, denominator)}"
    verdict = _check("number", key, f"{numerator}/{denominator}")
    if numerator % denominator:
        assert _accepted(verdict)
    else:
        assert _asked_to_rewrite(verdict, "as a single number")


@UNTIMED
@given(a=FACTOR, b=FACTOR)
def test_a_wrong_value_is_wrong_whatever_its_form(a, b):
    verdict = _check("number", str(a * b), f"{a}*{b + 1}")
    assert not verdict.correct and not verdict.form_missed and "Right value" not in verdict.message


# --- a fraction in lowest terms ---------------------------------------------------------------------------------


FRACTIONS = st.tuples(st.integers(-60, 60).filter(bool), st.integers(2, 60)).filter(lambda f: math.gcd(*f) == 1)


@UNTIMED
@given(fraction=FRACTIONS, k=st.integers(2, 9))
def test_a_fraction_not_in_lowest_terms_is_sent_back(fraction, k):
    numerator, denominator = fraction
    verdict = _check("lowest-terms", f"{numerator}/{denominator}", f"{numerator * k}/{denominator * k}")
    assert _asked_to_rewrite(verdict, "as a fraction in lowest terms")


@UNTIMED
@given(fraction=FRACTIONS)
def test_a_fraction_in_lowest_terms_is_accepted_with_its_sign_in_front(fraction):
    numerator, denominator = fraction
    key = f"{numerator}/{denominator}"
    assert _accepted(_check("lowest-terms", key, key))
    assert _asked_to_rewrite(_check("lowest-terms", key, f"{-numerator}/-{denominator}"),
                             "as a fraction in lowest terms")


@UNTIMED
@given(numerator=st.integers(1, 99).filter(lambda n: n % 10), places=st.integers(1, 3))
def test_a_decimal_is_not_a_fraction_in_lowest_terms(numerator, places):
    denominator = 10**places
    divisor = math.gcd(numerator, denominator)
    key = f"{numerator // divisor}/{denominator // divisor}"
    verdict = _check("lowest-terms", key, f"{numerator / denominator:.{places}f}")
    assert _asked_to_rewrite(verdict, "as a fraction in lowest terms")


# --- a decimal to n places --------------------------------------------------------------------------------------


@UNTIMED
@given(hundredths=st.integers(-99999, 99999).filter(lambda n: n % 10), places=st.integers(2, 4))
def test_a_decimal_within_its_places_is_accepted_and_a_fraction_or_extra_digits_are_sent_back(hundredths, places):
    key = f"{hundredths / 100:.2f}"
    phrase = f"as a decimal with at most {places} decimal places"
    assert _accepted(_check(f"decimal:{places}", key, key))
    assert _asked_to_rewrite(_check(f"decimal:{places}", key, f"{hundredths}/100"), phrase)
    assert _asked_to_rewrite(_check(f"decimal:{places}", key, f"{key}{'0' * (places - 1)}"), phrase)


def test_a_decimal_form_with_one_place_says_place():
    assert _asked_to_rewrite(_check("decimal:1", "2.5", "5/2"), "as a decimal with at most 1 decimal place")


# --- expanded, factored, simplified -----------------------------------------------------------------------------


@UNTIMED
@given(a=NONZERO.filter(lambda a: a not in (1, -1)), b=NONZERO)
def test_brackets_left_in_an_expansion_are_sent_back(a, b):
    key = f"{a}*x + {a * b}"
    phrase = "expanded, without brackets and with like terms collected"
    for response in (f"{a}(x {_term(b)})", f"(x {_term(b)})({a})", f"{a}x {_term(b)}*{a}"):
        assert _asked_to_rewrite(_check("expanded", key, response, kind="expression"), phrase), response


@UNTIMED
@given(a=NONZERO, b=NONZERO, split=NONZERO)
def test_an_expansion_with_like_terms_apart_is_sent_back(a, b, split):
    key = f"{a}*x + {b}"
    response = f"{split}x {_term(a - split, 'x') if a != split else '+ 0x'} {_term(b)}"
    verdict = _check("expanded", key, response, kind="expression")
    assert _asked_to_rewrite(verdict, "expanded, without brackets and with like terms collected")


@UNTIMED
@given(a=NONZERO, b=NONZERO, c=st.integers(-9, 9), order=st.permutations([0, 1, 2]))
def test_an_expanded_polynomial_is_accepted_in_any_order(a, b, c, order):
    key = f"{a}*x**2 + {b}*x + {c}"
    terms = [f"{a}x^2", f"{b}x", str(c)] if c else [f"{a}x^2", f"{b}x"]
    response = " + ".join(terms[i] for i in order if i < len(terms))
    assert _accepted(_check("expanded", key, response, kind="expression"))


@UNTIMED
@given(p=NONZERO, q=NONZERO)
def test_a_product_of_linear_factors_is_accepted_and_its_expansion_sent_back(p, q):
    key = f"x**2 + {p + q}*x + {p * q}"
    assert _accepted(_check("factored", key, f"(x {_term(p)})(x {_term(q)})", kind="expression"))
    expanded = f"x^2 {_term(p + q, 'x') if p + q else ''} {_term(p * q)}"
    assert _asked_to_rewrite(_check("factored", key, expanded, kind="expression"), "fully factorised")


@UNTIMED
@given(a=FACTOR, b=NONZERO, c=st.integers(1, 9))
def test_a_common_factor_left_inside_a_bracket_is_sent_back(a, b, c):
    key = f"{a * c}*x + {a * b}"
    in_brackets = _check("factored", key, f"{a}({c}x {_term(b)})", kind="expression")
    if math.gcd(c, b) == 1:
        assert _accepted(in_brackets)
    else:
        assert _asked_to_rewrite(in_brackets, "fully factorised")
    assert _asked_to_rewrite(_check("factored", key, f"({a * c}x {_term(a * b)})", kind="expression"),
                             "fully factorised")


@UNTIMED
@given(a=NONZERO, b=NONZERO, c=NONZERO)
def test_a_simplified_expression_is_expanded_or_factored_with_like_terms_collected(a, b, c):
    key = f"{a + c}*x + {b}" if a + c else str(b)
    collected = f"{a + c}x {_term(b)}" if a + c else str(b)
    assert _accepted(_check("simplified", key, collected, kind="expression"))
    assert _asked_to_rewrite(_check("simplified", key, f"{a}x {_term(b)} {_term(c, 'x')}", kind="expression"),
                             "simplified, with like terms collected")


@pytest.mark.parametrize(("form", "key", "response"), [
    ("expanded", "7*x + 35", "7(x + 5)"), ("factored", "x**2 + 5*x + 6", "x(x + 5) + 6"),
    ("lowest-terms", "3/4", "6/8"), ("decimal:2", "0.75", "3/4"),
])
def test_the_same_writing_is_right_when_the_item_names_no_form(form, key, response):
    kind = "numeric" if form in ("lowest-terms", "decimal:2") else "expression"
    assert _asked_to_rewrite(_check(form, key, response, kind=kind), AnswerForm.parse(form).phrase)
    assert _accepted(_check("", key, response, kind=kind))


# --- how a course file names a form -----------------------------------------------------------------------------


@pytest.mark.parametrize(("spelling", "text"), [("number", "number"), ("lowest-terms", "lowest-terms"),
                                                ({"decimal": 2}, "decimal:2"), ("expanded", "expanded"),
                                                ("factored", "factored"), ("simplified", "simplified")])
def test_course_file_spellings_name_the_forms(spelling, text):
    assert form_from_course(spelling).text == text and AnswerForm.parse(text) == form_from_course(spelling)


@pytest.mark.parametrize("spelling", ["integer", "decimal", {"decimal": "two"}, {"decimal": -1}, {"decimal": True},
                                      {"fraction": 2}, 3, None, ["number"]])
def test_unknown_forms_are_refused_with_the_list_of_known_ones(spelling):
    with pytest.raises(FormSpecError, match="decimal"):
        form_from_course(spelling)
