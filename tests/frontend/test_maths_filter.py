"""The ``maths`` template filter: course maths as spans for KaTeX, everything else escaped."""

from __future__ import annotations

from django.template import engines


def _render(text: str) -> str:
    return engines["django"].from_string("{% load maths %}{{ text|maths }}").render({"text": text})


def test_maths_span_keeps_its_text_and_carries_its_tex():
    html = _render("What is `3/4 + 1/8`?")

    assert html == ('What is <span class="maths" data-tex="\\frac{3}{4} + \\frac{1}{8}">3/4 + 1/8</span>?')


def test_prose_and_maths_are_escaped():
    html = _render("<b>Bold</b> `x < 3`")

    assert html == '&lt;b&gt;Bold&lt;/b&gt; <span class="maths" data-tex="x &lt; 3">x &lt; 3</span>'


def test_text_whose_maths_cannot_be_read_is_shown_as_it_reads():
    assert _render("You answered `3/ <i>") == "You answered 3/ &lt;i&gt;"


def test_maths_plain_drops_the_backticks_for_text_shown_as_it_reads():
    html = engines["django"].from_string("{% load maths %}{{ text|maths_plain|truncatechars:12 }}").render(
        {"text": "Expand `7(x + 5)` now."})

    assert html == "Expand 7(x …"
