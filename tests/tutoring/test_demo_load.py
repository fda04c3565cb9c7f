"""The demo: our course, the accounts the README promises, a history that fills the dashboards; safe to repeat."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from knowledge.models import Concept, ConceptState, Prerequisite
from tutoring.demo.load import DEMO_PASSWORD
from tutoring.models import Attempt, Classroom, Item, User
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
