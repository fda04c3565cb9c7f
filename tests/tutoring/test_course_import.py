"""Course files: checked whole before anything is written, idempotent, errors that say what is wrong."""

import copy

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from knowledge.models import Concept, Prerequisite
from tests.conftest import SMALL_COURSE
from tutoring.course_import import CourseFileError, course_import
from tutoring.models import Course, Item, ItemTemplate


def test_import_creates_concepts_edges_templates_and_items(db):
    result = course_import(data=SMALL_COURSE, items_per_template=3)
    assert (result.concepts, result.prerequisites, result.templates, result.items) == (3, 2, 3, 9)
    item = Item.objects.get(slug="add-like-0")
    assert set(item.concepts.values_list("slug", flat=True)) == {"like-fractions", "fraction-meaning"}
    assert len(item.hints) == 2 and item.solution.endswith(f"{item.answer}.")


def test_importing_twice_changes_nothing(db):
    course_import(data=SMALL_COURSE, items_per_template=3)
    before = [list(m.objects.order_by("pk").values()) for m in (Concept, Prerequisite, ItemTemplate, Item)]
    course_import(data=SMALL_COURSE, items_per_template=3)
    after = [list(m.objects.order_by("pk").values()) for m in (Concept, Prerequisite, ItemTemplate, Item)]
    assert before == after


def test_edited_file_updates_items_in_place(db):
    course_import(data=SMALL_COURSE, items_per_template=3)
    item_id = Item.objects.get(slug="add-whole-0").pk
    edited = copy.deepcopy(SMALL_COURSE)
    edited["templates"][0]["hints"][0] = "Line the numbers up by place value."
    course_import(data=edited, items_per_template=3)
    assert Item.objects.get(pk=item_id).hints[0] == "Line the numbers up by place value."


def test_cyclic_file_is_refused_whole_and_the_cycle_is_named(db):
    cyclic = copy.deepcopy(SMALL_COURSE)
    cyclic["prerequisites"].append(["like-fractions", "whole-addition"])
    with pytest.raises(CourseFileError, match="cycle: .*like-fractions.*whole-addition|cycle: .*whole-addition"):
        course_import(data=cyclic)
    assert not Course.objects.exists() and not Concept.objects.exists()


def test_every_problem_in_a_file_is_reported_together(db):
    broken = copy.deepcopy(SMALL_COURSE)
    broken["prerequisites"].append(["whole-addition", "no-such-concept"])
    broken["templates"][0]["hints"] = ["only one"]
    broken["templates"][1]["answer"] = "Rational(k, n) +"
    with pytest.raises(CourseFileError) as refused:
        course_import(data=broken)
    problems = refused.value.problems
    assert len(problems) == 3
    assert any("no-such-concept" in p for p in problems) and any("two hints" in p for p in problems)
    assert any("cannot evaluate" in p for p in problems)


def test_choice_template_needs_exactly_one_right_choice(db):
    broken = copy.deepcopy(SMALL_COURSE)
    broken["templates"][1]["choices"] = ["{n}/{k}", "2*{n}/{k}", "3*{n}/{k}", "4*{n}/{k}"]
    with pytest.raises(CourseFileError, match="exactly one choice"):
        course_import(data=broken)


def _refusal(*args: str) -> CommandError:
    """What ``manage.py course_import`` stops with (it exits with the error's return code)."""
    with pytest.raises(CommandError) as refused:
        call_command("course_import", *args)
    return refused.value


def test_command_line_reports_a_bad_file_with_exit_code_2(tmp_path, db):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**SMALL_COURSE, "prerequisites": [["a", "b"]]}))
    refused = _refusal(str(bad))
    assert refused.returncode == 2 and "unknown concept 'a'" in str(refused)
    missing = _refusal(str(tmp_path / "missing.yaml"))
    assert missing.returncode == 2 and "cannot read" in str(missing)
    (tmp_path / "garbage.yaml").write_text("slug: [unclosed")
    assert _refusal(str(tmp_path / "garbage.yaml")).returncode == 2
    assert not Course.objects.exists()


def test_items_keep_the_form_their_template_asks_for(db):
    edited = copy.deepcopy(SMALL_COURSE)
    edited["templates"][2]["form"] = "lowest-terms"
    course_import(data=edited, items_per_template=3)
    assert Item.objects.get(slug="add-whole-0").form == "number"
    assert Item.objects.get(slug="add-like-0").form == "lowest-terms"
    assert Item.objects.get(slug="fraction-of-shape-0").form == ""


@pytest.mark.parametrize(("template", "form", "message"), [
    (0, "integer", "unknown form 'integer'"),
    (0, {"decimal": "two"}, "needs a whole number of places"),
    (0, "expanded", "form 'expanded' does not fit a numeric answer"),
    (1, "number", "form 'number' does not fit a choice answer"),
    (2, {"decimal": 2}, "cannot be written as a decimal with at most 2 decimal places"),
])
def test_a_form_that_does_not_exist_or_fit_the_answers_is_refused(db, template, form, message):
    broken = copy.deepcopy(SMALL_COURSE)
    broken["templates"][template]["form"] = form
    with pytest.raises(CourseFileError, match=message):
        course_import(data=broken)
    assert not Course.objects.exists()


def test_expression_keys_are_written_in_their_form_and_a_form_they_cannot_take_is_refused(db):
    edited = copy.deepcopy(SMALL_COURSE)
    edited["concepts"].append({"slug": "factorising", "name": "Factorising"})
    edited["templates"].append({
        "slug": "difference-of-squares", "concepts": ["factorising"], "answer_kind": "expression",
        "variables": ["x"], "params": {"a": {"randint": [2, 9]}}, "derived": {"s": "a**2"},
        "prompt": "Factorise x^2 - {s}.", "answer": "x**2 - a**2", "form": "factored",
        "hints": ["It is a difference of two squares.", "{s} is {a} squared."], "solution": "It is {answer}.",
        "wrong_answers": [{"answer": "(x - a)**2", "feedback": "Multiply it out: that has a middle term."},
                          {"answer": "(x + a)**2", "feedback": "Multiply it out: that has a middle term."}],
        "steps": [{"prompt": "Which number squared is {s}?", "answer": "a"},
                  {"prompt": "Now factorise x^2 - {s}.", "answer": "x**2 - a**2", "answer_kind": "expression"}],
    })
    course_import(data=edited, items_per_template=1)
    item = Item.objects.get(slug="difference-of-squares-0")
    assert item.form == "factored" and item.answer.startswith("(x - ") and ")*(x + " in item.answer

    edited["templates"][-1].update(answer="1/(x + a)", form="expanded")
    with pytest.raises(CourseFileError, match="cannot be written expanded, without brackets"):
        course_import(data={**edited, "slug": "other"})


def test_choice_templates_need_four_choices(db):
    broken = copy.deepcopy(SMALL_COURSE)
    broken["templates"][1]["choices"] = broken["templates"][1]["choices"][:3]
    with pytest.raises(CourseFileError, match="at least 4 choices"):
        course_import(data=broken)


def test_command_line_reports_a_form_the_answers_cannot_take_with_exit_code_2(tmp_path, db):
    bad = tmp_path / "bad.yaml"
    broken = copy.deepcopy(SMALL_COURSE)
    broken["templates"][2]["form"] = {"decimal": 1}
    bad.write_text(yaml.safe_dump(broken))
    refused = _refusal(str(bad))
    assert refused.returncode == 2 and "'add-like'" in str(refused) and "decimal" in str(refused)
    assert not Course.objects.exists()


def test_a_form_typed_into_an_item_by_hand_must_be_one_the_checker_knows(db):
    course_import(data=SMALL_COURSE, items_per_template=1)
    item = Item.objects.get(slug="add-whole-0")
    item.form = "in words"
    with pytest.raises(ValidationError, match="unknown form 'in words'"):
        item.full_clean()
    item.form = "decimal:2"
    item.full_clean()
