"""The demo: our course, the accounts the README promises, a history that fills the dashboards; safe to repeat."""

import uuid

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.models import Concept, ConceptState, Prerequisite
from tests.conftest import wrong_answer
from tutoring import services
from tutoring.demo.load import DEMO_PASSWORD
from tutoring.learner_model import course_learner_model
from tutoring.models import Attempt, Classroom, Course, Item, User
from tutoring.selectors import class_mastery_grid

pytestmark = pytest.mark.slow  # the demo simulates weeks of a class's practice, then fits the learner model to it


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module (it simulates a few weeks of practice), and clean up after."""
    with django_db_blocker.unblock():
        call_command("demo_load")
        yield
        call_command("flush", "--noinput")


@pytest.fixture
def loaded(demo, db):
    return None


def test_demo_course_is_large_enough(loaded):
    assert Concept.objects.count() >= 25 and Prerequisite.objects.count() >= 35
    assert Item.objects.filter(is_active=True).count() >= 25 * 4


def test_demo_accounts_log_in_with_the_printed_password(loaded, client):
    for username in ("curator", "ms-rivera", "mr-okafor", "student01", "student30"):
        assert client.login(username=username, password=DEMO_PASSWORD), username
    assert User.objects.filter(role="student").count() == 30


def test_every_demo_student_has_history_and_a_class(loaded):
    for student in User.objects.filter(role="student"):
        assert Attempt.objects.filter(learner=student).count() >= 5
        assert student.classrooms.count() == 1
    assert ConceptState.objects.values("learner_id").distinct().count() == 30


def test_teacher_grid_is_not_empty(loaded):
    classroom = Classroom.objects.get(name="Year 7 Maths A")
    grid = class_mastery_grid(teacher=classroom.teacher, classroom_id=classroom.id, at=timezone.now())
    assert len(grid.rows) == 15
    values = {round(cell.mastery.p, 2) for _, cells in grid.rows for cell in cells}
    assert len(values) > 20  # students differ: the grid shows real spread, not one colour


def test_loading_the_demo_again_stores_nothing_new(loaded):
    counts = [m.objects.count() for m in (User, Attempt, Item, Concept, Prerequisite, ConceptState)]
    call_command("demo_load")
    assert [m.objects.count() for m in (User, Attempt, Item, Concept, Prerequisite, ConceptState)] == counts


def _focused_answers(student: User, concept: Concept, rights: list[bool]) -> list[float]:
    """The student practises one concept, giving these answers; the mastery of it shown after each."""
    session = services.session_start(learner=student, course=Course.objects.get(pk=concept.course_id),
                                       focus=concept)
    shown = []
    for right in rights:
        session.refresh_from_db()
        item = session.current_item
        result = services.attempt_record(session=session, item_id=item.id, client_id=uuid.uuid4(),
                                         response=item.answer if right else wrong_answer(item))
        shown.append(result.mastery[concept.id].p)
        session.refresh_from_db()
        if session.current_solved:
            services.session_item_advance(session=session)
    return shown


def test_four_wrong_answers_lower_a_demo_students_mastery_and_right_ones_raise_it(loaded):
    student = User.objects.get(username="student05")
    model = course_learner_model(course_id=Classroom.objects.get(students=student).course_id)
    practised = [c for c in Concept.objects.order_by("position") if model.beliefs(
        learner_id=student.id, concept_ids=[c.id], at=timezone.now())[c.id].answers]
    concept = practised[len(practised) // 2]
    start = model.mastery(learner_ids=[student.id], at=timezone.now())[student.id, concept.id].p
    wrong = _focused_answers(student, concept, [False] * 4)
    assert all(later <= earlier for earlier, later in zip([start, *wrong], wrong, strict=False))
    assert wrong[-1] < start - 0.02
    right = _focused_answers(student, concept, [True] * 3)
    assert all(later >= earlier for earlier, later in zip([wrong[-1], *right], right, strict=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_answer_moves_a_demo_students_mastery_of_every_concept_only_its_own_way(loaded, data):
    """Over the demo course's fit: any student, any item, right or wrong, first try or retry."""
    student = data.draw(st.sampled_from(list(User.objects.filter(role="student").order_by("username"))))
    course_id = Classroom.objects.get(students=student).course_id
    item_id = data.draw(st.sampled_from(list(Item.objects.filter(course_id=course_id).values_list("id", flat=True))))
    right, retry = data.draw(st.booleans()), data.draw(st.booleans())
    model, at = course_learner_model(course_id=course_id), timezone.now()
    before = model.mastery(learner_ids=[student.id], at=at)
    with transaction.atomic():
        model.observe(learner_id=student.id, item_id=item_id, correct=right, at=at, retry=retry)
        after = model.mastery(learner_ids=[student.id], at=at)
        transaction.set_rollback(True)
    moved = [after[key].p - before[key].p for key in before]
    assert all(change >= -1e-6 for change in moved) if right else all(change <= 1e-6 for change in moved)
