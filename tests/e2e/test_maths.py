"""Maths on the practice page in a real browser: course maths typeset by KaTeX (with MathML for screen readers), in
the first question and in each one swapped in after it; on a touch phone, a MathLive keypad whose answer the checker
reads, for every answer form of the demo course's expression templates; no serious accessibility problem."""

from functools import cache
from pathlib import Path

import pytest
import sympy
import yaml
from playwright.sync_api import expect
from sympy.parsing.sympy_parser import parse_expr

from llm.answer_check import AnswerSpec, answer_check
from tests.e2e.conftest import ARTIFACTS, as_read, text_as_read
from tests.e2e.test_browser import _log_in
from tests.e2e.test_student_pages import _axe
from tutoring import services
from tutoring.course_import import course_import
from tutoring.item_templates import template_instantiate
from tutoring.maths_text import maths_plain
from tutoring.models import Attempt, Item, LearningSession
from tutoring.selectors import course_concept

pytestmark = pytest.mark.browser
DEMO_COURSE = Path(__file__).resolve().parents[2] / "tutoring" / "demo" / "course.yaml"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
# What the answer box holds after the keypad's field is given each LaTeX value.
KEYPAD_ANSWERS = """(latexValues) => {
  const field = document.querySelector(".keypad math-field");
  const box = document.getElementById(field.parentElement.dataset.for);
  return latexValues.map((latex) => {
    field.value = latex;
    field.dispatchEvent(new InputEvent("input", { bubbles: true }));
    return box.value;
  });
}"""


@cache
def _demo_course() -> dict:
    return yaml.safe_load(DEMO_COURSE.read_text(encoding="utf-8"))


def _course_of(*slugs: str):
    """The demo course with only the named templates."""
    data = {**_demo_course(), "templates": [t for t in _demo_course()["templates"] if t["slug"] in slugs]}
    return course_import(data=data, items_per_template=3).course


def _session(student, teacher, slug: str, concept: str) -> LearningSession:
    course = _course_of(slug)
    services.classroom_enrol(classroom=services.classroom_create(teacher=teacher, course=course, name="8B"),
                             student=student)
    return services.session_start(learner=student, course=course,
                                  focus=course_concept(course=course, concept_slug=concept))


def _open(page, live_server_url: str, session: LearningSession) -> None:
    _log_in(page, live_server_url)
    page.goto(f"{live_server_url}/practice/{session.id}/")
    expect(page.locator("#connection")).to_have_text("Live")


def _expect_typeset(page, item: Item) -> None:
    expect(page.locator(".prompt .katex math")).not_to_have_count(0)
    expect(page.locator(".maths:not(.maths-typeset)")).to_have_count(0)
    assert text_as_read(page.locator(".prompt")) == as_read(item.prompt)




def test_fraction_prompts_are_typeset_with_mathml_in_each_question_swapped_in(student, teacher, live_server_url,
                                                                              browser):
    session = _session(student, teacher, "add-like-fractions-direct", "adding-subtracting-like-fractions")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _open(page, live_server_url, session)
    first = session.current_item
    _expect_typeset(page, first)
    expect(page.locator(".prompt .katex-html")).to_have_attribute("aria-hidden", "true")
    page.screenshot(path=str(ARTIFACTS / "maths-desktop.png"), full_page=True)

    page.get_by_role("button", name="Skip to another question").click()
    expect(page.locator("#item")).not_to_have_attribute("data-item", str(first.id))
    session.refresh_from_db()
    _expect_typeset(page, session.current_item)
    multiplied = next(wrong for wrong in session.current_item.wrong_answers if "`" in wrong["feedback"])
    page.locator("#answer").fill(multiplied["answer"])
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict .katex math")).not_to_have_count(0)
    expect(page.locator(".maths:not(.maths-typeset)")).to_have_count(0)
    assert _axe(page) == []


def test_maths_reads_as_written_without_javascript(student, teacher, live_server_url, browser):
    session = _session(student, teacher, "add-like-fractions-direct", "adding-subtracting-like-fractions")
    page = browser.new_context(java_script_enabled=False).new_page()
    _log_in(page, live_server_url)
    page.goto(f"{live_server_url}/practice/{session.id}/")

    expect(page.locator(".prompt")).to_have_text(maths_plain(session.current_item.prompt))
    expect(page.locator(".keypad math-field")).to_have_count(0)


def test_a_phone_offers_a_maths_keypad_whose_answer_is_checked(student, teacher, live_server_url, browser):
    session = _session(student, teacher, "distributive-expand-positive", "distributive-property")
    page = browser.new_context(**PHONE).new_page()
    _open(page, live_server_url, session)
    item = session.current_item
    _expect_typeset(page, item)
    field = page.locator(".keypad math-field")
    expect(field).to_be_visible()
    expect(page.locator("#answer")).to_be_visible()
    assert _axe(page) == []

    field.evaluate("(field, latex) => { field.value = latex; field.dispatchEvent(new InputEvent('input')); }",
                   _latex(item.answer))
    page.screenshot(path=str(ARTIFACTS / "maths-phone-keypad.png"), full_page=True)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_contain_text("Correct!")
    assert Attempt.objects.get(item=item).correct
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_an_expression_step_offers_the_keypad_too(student, teacher, live_server_url, browser):
    session = _session(student, teacher, "distributive-expand-positive", "distributive-property")
    page = browser.new_context(**PHONE).new_page()
    _open(page, live_server_url, session)
    item = session.current_item
    expect(page.locator("#item .keypad math-field")).to_be_visible()
    page.locator("#answer").fill(next(wrong["answer"] for wrong in item.wrong_answers))
    page.get_by_role("button", name="Check").click()
    page.get_by_role("button", name="Work through it step by step").click()
    field = page.locator("#steps .keypad math-field")
    expect(field).to_be_visible()
    expect(page.locator(".keypad math-field")).to_have_count(2)  # one for the answer box, one for the step's

    field.evaluate("(field, latex) => { field.value = latex; field.dispatchEvent(new InputEvent('input')); }",
                   _latex(item.steps[0]["answer"]))
    page.get_by_role("button", name="Check step 1").click()
    expect(page.locator("#steps .step").first).to_contain_text("Right:")
    page.screenshot(path=str(ARTIFACTS / "maths-phone-steps.png"), full_page=True)


def test_the_keypad_writes_every_answer_form_of_the_demo_course_as_the_checker_reads_it(
        student, teacher, live_server_url, browser):
    session = _session(student, teacher, "distributive-expand-positive", "distributive-property")
    page = browser.new_context(**PHONE).new_page()
    _open(page, live_server_url, session)
    expect(page.locator(".keypad math-field")).to_be_visible()
    keys = _expression_keys()

    typed = page.evaluate(KEYPAD_ANSWERS, [_latex(key.answer) for key in keys])

    wrong = [f"{key.answer} ({key.form or 'any form'}): the keypad wrote {text!r}"
             for key, text in zip(keys, typed, strict=True) if not answer_check(spec=key, response=text).correct]
    assert len(keys) > 100 and not wrong, "\n".join(wrong)
    # What MathLive writes in its own way: bracketed single atoms in fractions and powers, -: for ÷.
    assert page.evaluate(KEYPAD_ANSWERS, [r"\frac{3}{4}", r"\frac{3}{4}x", "x^{10}", r"3\div 4", r"\frac{x+1}{2}",
                                          r"2\left(3\right)"]) == ["3/4", "3/4x", "x^10", "3 / 4", "(x+1)/2", "2(3)"]


def _latex(answer: str) -> str:
    """The LaTeX a student builds on the keypad for an answer key: 3 \\left(2 x + 3\\right) for 3*(2*x + 3)."""
    return sympy.latex(parse_expr(answer, evaluate=False), order="none")


def _expression_keys() -> list[AnswerSpec]:
    """The answer of every expression template and expression step of the demo course, over a few draws."""
    keys = []
    for template in _demo_course()["templates"]:
        for seed in range(5):
            item = template_instantiate(template, seed=seed)
            variables = tuple(item.variables)
            if item.answer_kind == "expression":
                keys.append(AnswerSpec(kind="expression", answer=item.answer, variables=variables, form=item.form))
            keys += [AnswerSpec(kind="expression", answer=step["answer"], variables=variables)
                     for step in item.steps if step["answer_kind"] == "expression"]
    return keys
