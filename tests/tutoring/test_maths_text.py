"""Maths spans in course text: what a student reads without typesetting, and the TeX KaTeX typesets."""

from __future__ import annotations

import re

import pytest

from tutoring.maths_text import MathsTextError, Segment, maths_plain, maths_segments, maths_tex


@pytest.mark.parametrize(("maths", "tex"), [
    ("3/4 + 1/8", r"\frac{3}{4} + \frac{1}{8}"),
    ("x^2", "x^{2}"),
    ("3x + 4 + 5x - 2", "3 x + 4 + 5 x - 2"),
    ("7(x + 5)", r"7 \left(x + 5\right)"),
    ("(x + 2)(x - 3)", r"\left(x + 2\right) \left(x - 3\right)"),
    ("(x + 1)/2", r"\frac{x + 1}{2}"),
    ("(3 × 5)/(4 × 5)", r"\frac{3 \times 5}{4 \times 5}"),
    ("2^(n + 1)", "2^{n + 1}"),
    ("x^2/3", r"\frac{x^{2}}{3}"),
    ("7 1/5", r"7 \frac{1}{5}"),
    ("-3/4", r"- \frac{3}{4}"),
    ("? ÷ 4 = 3", r"? \div 4 = 3"),
    ("x/5 = 2.5", r"\frac{x}{5} = 2.5"),
    ("-4 × (-3)", r"- 4 \times \left(- 3\right)"),
])
def test_maths_written_as_students_type_it_becomes_tex(maths, tex):
    assert maths_tex(maths) == tex


def test_course_text_is_cut_into_prose_and_maths_and_dollars_stay_money():
    text = "Amir saved $12. What is `3/4 + 1/8` of $12?"

    assert maths_segments(text) == [Segment("Amir saved $12. What is "),
                                    Segment("3/4 + 1/8", r"\frac{3}{4} + \frac{1}{8}"), Segment(" of $12?")]
    assert maths_plain(text) == "Amir saved $12. What is 3/4 + 1/8 of $12?"


@pytest.mark.parametrize(("text", "problem"), [
    ("What is `3/4?", "unclosed `"),
    ("What is ``?", "empty maths span"),
    ("Expand `7(x + 5`.", "unclosed ("),
    ("Expand `7x + 5)`.", "unmatched )"),
    ("What is `3/`?", "/ with nothing after it"),
    ("What is `x^`?", "^ with nothing after it"),
    ("What is `3 & 4`?", "'&' cannot start a term"),
])
def test_maths_that_cannot_be_typeset_is_refused_with_the_problem_named(text, problem):
    with pytest.raises(MathsTextError, match=re.escape(problem)):
        maths_segments(text)
