"""``{{ text|maths }}``: course text with its backtick maths spans ready for KaTeX (``cairn/maths.js``);
``{{ text|maths_plain }}``: the text as it reads, for a place that shortens it or shows no maths.

Each span becomes ``<span class="maths" data-tex="…">3/4 + 1/8</span>``: the text as written shows until the
script (or without JavaScript, for good) and KaTeX typesets the TeX in its place.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from tutoring.maths_text import MathsTextError, maths_segments
from tutoring.maths_text import maths_plain as _maths_plain

register = template.Library()


@register.filter
def maths(text: str) -> SafeString:
    try:
        segments = maths_segments(str(text))
    except MathsTextError:  # text stored before its maths was checked: shown as it reads
        return conditional_escape(_maths_plain(str(text)))
    return mark_safe("".join(  # noqa: S308 - every piece is escaped by conditional_escape or format_html
        format_html('<span class="maths" data-tex="{}">{}</span>', segment.tex, segment.text) if segment.is_maths
        else conditional_escape(segment.text)
        for segment in segments))


@register.filter
def maths_plain(text: str) -> str:
    return _maths_plain(str(text))
