"""Common wrong answers and steps of a template: read, checked on every draw, rendered per item; a course file that
breaks a rule is refused with a message naming the template, the problem and the draw."""

import copy

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import SMALL_COURSE
from tutoring.course_import import CourseFileError, course_file_check, course_import
from tutoring.item_templates import TemplateError, template_instantiate
from tutoring.models import Course, Item

ADD_WHOLE, FRACTION_OF_SHAPE, ADD_LIKE = 0, 1, 2


def _template(index: int, **changes) -> dict:
    return {**copy.deepcopy(SMALL_COURSE["templates"][index]), **changes}


def _course_with(index: int, **changes) -> dict:
    course = copy.deepcopy(SMALL_COURSE)
    course["templates"][index] = _template(index, **changes)
    return course


def test_items_carry_rendered_wrong_answers_and_steps(db):
    course_import(data=SMALL_COURSE, items_per_template=2)
    item = Item.objects.get(slug="add-like-0")
    assert item.wrong_answers[0]["error"] == "misinterpret" and item.wrong_answers[0]["concept"] == "fraction-meaning"
    assert "{d}" not in item.wrong_answers[0]["feedback"] and "ths" in item.wrong_answers[0]["feedback"]
    assert [s["answer_kind"] for s in item.steps] == ["numeric"] * 3 and item.steps[-1]["answer"] == item.answer
    assert item.steps[1]["hint"].startswith("Add the numerators") and item.steps[0]["hint"] == ""


def test_a_choice_items_wrong_answers_are_its_distractors():
    draft = template_instantiate(_template(FRACTION_OF_SHAPE), seed=0)
    assert {w["answer"] for w in draft.wrong_answers} <= set(draft.choices) - {draft.answer}
    assert draft.steps[-1]["choices"] and draft.steps[-1]["answer"] == draft.answer


def test_wrong_answer_equal_to_the_right_answer_is_refused_naming_the_draw():
    wrong = [{"answer": "b + a", "feedback": "Swapped."}, {"answer": "a + b + 10", "feedback": "Carried twice."}]
    with pytest.raises(TemplateError) as refused:
        template_instantiate(_template(ADD_WHOLE, wrong_answers=wrong), seed=0)
    draft = template_instantiate(_template(ADD_WHOLE), seed=0)
    a, b = draft.params["a"], draft.params["b"]
    assert str(refused.value) == (f"template 'add-whole': wrong answer 'b + a' equals the right answer "
                                  f"(for a={a}, b={b})")


def test_wrong_answer_equal_to_the_right_answer_on_one_draw_only_is_refused():
    # 2a equals a + b only on the draws where a == b
    wrong = [{"answer": "a + b - 10", "feedback": "Forgot to carry."}, {"answer": "2 * a", "feedback": "Doubled."}]
    template = _template(ADD_WHOLE, wrong_answers=wrong,
                         params={"a": {"randint": [11, 12]}, "b": {"randint": [11, 12]}})
    with pytest.raises(CourseFileError, match=r"wrong answer '2 \* a' equals the right answer \(for a=(\d+), b=\1\)"):
        course_file_check({**copy.deepcopy(SMALL_COURSE), "templates": [template]}, items_per_template=20)


def test_two_equal_wrong_answers_are_refused():
    wrong = [{"answer": "a + b - 10", "feedback": "Forgot to carry."},
             {"answer": "b + a - 10", "feedback": "The same mistake again."}]
    with pytest.raises(TemplateError, match="wrong answers 'a \\+ b - 10' and 'b \\+ a - 10' are equal"):
        template_instantiate(_template(ADD_WHOLE, wrong_answers=wrong), seed=0)


def test_a_choice_wrong_answer_that_is_no_distractor_is_refused():
    wrong = [{"answer": "Rational(n, k)", "feedback": "Upside down."}, {"answer": "Rational(1, 7)", "feedback": "?"}]
    with pytest.raises(TemplateError, match="wrong answer 'Rational\\(1, 7\\)' is none of the choices"):
        template_instantiate(_template(FRACTION_OF_SHAPE, wrong_answers=wrong), seed=0)


def test_last_step_must_give_the_templates_answer():
    steps = [{"prompt": "What is {a} + 10?", "answer": "a + 10"}, {"prompt": "And then?", "answer": "a + b + 1"}]
    with pytest.raises(TemplateError, match=r"the last step's answer 'a \+ b \+ 1' differs from the template's"):
        template_instantiate(_template(ADD_WHOLE, steps=steps), seed=0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"wrong_answers": [{"answer": "a + b - 10", "feedback": "Carry."}]}, "at least 2 common wrong answers"),
    ({"wrong_answers": [{"answer": "a - b", "feedback": "Sign."}, {"answer": "a + b + 10"}]},
     "every wrong answer needs 'answer' and 'feedback'"),
    ({"wrong_answers": [{"answer": "a - b", "feedback": "Sign.", "error": "typo"},
                        {"answer": "a + b + 10", "feedback": "Carry."}]}, "has error 'typo', not one of guess"),
    ({"steps": [{"prompt": "What is {a} + {b}?", "answer": "a + b"}]}, "needs 2 to 4 steps"),
    ({"steps": [{"prompt": "Step?", "answer": "a"}] * 4 + [{"prompt": "Sum?", "answer": "a + b"}]},
     "needs 2 to 4 steps"),
    ({"steps": [{"prompt": "Which?", "answer": "a", "answer_kind": "choice", "choices": ["{a}"]},
                {"prompt": "Sum?", "answer": "a + b"}]}, "step 1 is a choice and needs at least two choices"),
    ({"steps": [{"prompt": "Which?", "answer": "a", "answer_kind": "drawing"},
                {"prompt": "Sum?", "answer": "a + b"}]}, "step 1's answer_kind must be one of"),
])
def test_malformed_blocks_are_refused_with_what_to_fix(changes, message):
    with pytest.raises(TemplateError, match=message):
        template_instantiate(_template(ADD_WHOLE, **changes), seed=0)


def test_course_file_needs_both_blocks_in_every_template(db):
    course = copy.deepcopy(SMALL_COURSE)
    del course["templates"][ADD_WHOLE]["steps"]
    del course["templates"][ADD_LIKE]["wrong_answers"]
    with pytest.raises(CourseFileError) as refused:
        course_import(data=course)
    assert refused.value.problems == ["template 'add-whole': missing 'steps'",
                                      "template 'add-like': missing 'wrong_answers'"]
    assert not Course.objects.exists()


def test_a_wrong_answer_pointing_to_an_unknown_concept_is_refused(db):
    wrong = _template(ADD_LIKE)["wrong_answers"]
    wrong[1]["concept"] = "long-division"
    with pytest.raises(CourseFileError, match="wrong answer 'Rational\\(a \\+ b, d \\* d\\)' points to unknown "
                                              "concept 'long-division'"):
        course_import(data=_course_with(ADD_LIKE, wrong_answers=wrong))


def test_command_line_refuses_a_broken_wrong_answer_with_exit_code_2(tmp_path, db):
    wrong = [{"answer": "a + b", "feedback": "Hm."}, {"answer": "a + b + 10", "feedback": "Carried twice."}]
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(_course_with(ADD_WHOLE, wrong_answers=wrong)))
    with pytest.raises(CommandError) as refused:
        call_command("course_import", str(path))
    assert refused.value.returncode == 2
    assert "template 'add-whole': wrong answer 'a + b' equals the right answer (for a=" in str(refused.value)
    assert not Course.objects.exists()


def test_a_text_whose_maths_cannot_be_typeset_is_refused_naming_the_problem():
    with pytest.raises(TemplateError, match=r"template 'add-whole': an unclosed \( in `\(\d+ \+ \d+`"):
        template_instantiate(_template(ADD_WHOLE, prompt="What is `({a} + {b}`?"), seed=0)
