"""The next item a student gets in the app is the practice policy's, the Planner's: prerequisites before the goal,
reviews of fading concepts, and the item the learner model expects the most from."""

import uuid
from datetime import timedelta

from django.utils import timezone

from knowledge.models import Concept
from llm.policy import MASTERED, REVIEW_HORIZON_DAYS, ItemOutlook
from tests.conftest import make_student, wrong_answer
from tutoring import services
from tutoring.learner_model import course_learner_model
from tutoring.selectors import practice_item_next


def _concept(course, slug: str) -> Concept:
    return Concept.objects.get(course_id=course.id, slug=slug)


def _practise(*, student, course, focus: Concept, answers: list[bool], at) -> None:
    """Answer the items a session focused on ``focus`` gives, one a minute from ``at``."""
    session = services.session_start(learner=student, course=course, focus=focus, at=at)
    for n, right in enumerate(answers):
        session.refresh_from_db()
        item, when = session.current_item, at + timedelta(minutes=n + 1)
        services.attempt_record(session=session, item_id=item.id, response=item.answer if right else wrong_answer(item),
                                client_id=uuid.uuid4(), at=when)
        services.session_item_advance(session=session, at=when)


def _main_concept(course, item) -> int:
    return course_learner_model(course_id=course.id).concepts_of(item.id)[0]


def test_a_new_student_starts_on_a_concept_whose_prerequisites_are_ready(student, course):
    session = services.session_start(learner=student, course=course)
    assert _main_concept(course, session.current_item) != _concept(course, "like-fractions").id


def test_a_session_toward_a_concept_first_covers_its_weak_prerequisite(student, course):
    meaning = _concept(course, "fraction-meaning")
    start = timezone.now() - timedelta(days=1)
    _practise(student=student, course=course, focus=meaning, answers=[False, False], at=start)
    session = services.session_start(learner=student, course=course, focus=_concept(course, "like-fractions"))
    assert _main_concept(course, session.current_item) == meaning.id


def test_a_mastered_concept_gets_a_review_once_the_forecast_says_it_is_fading(classroom, course):
    # One right answer leaves whole-number addition just mastered and forecast to slip below mastery within the
    # week; two leave it mastered for longer. Each student starts a new session the next minute.
    whole = _concept(course, "whole-addition")
    start = timezone.now() - timedelta(days=20)
    fresh = start + timedelta(minutes=5)
    model = course_learner_model(course_id=course.id)
    given = {}
    for answers in (1, 2):
        student = make_student(classroom, f"learner-{answers}")
        _practise(student=student, course=course, focus=whole, answers=[True] * answers, at=start)
        now, ahead = model.outlook(learner_ids=[student.id], at=fresh, days_ahead=REVIEW_HORIZON_DAYS)
        given[answers] = (now[student.id, whole.id].p, ahead[student.id, whole.id].p, _main_concept(
            course, services.session_start(learner=student, course=course, at=fresh).current_item))
    assert given[1][0] >= MASTERED > given[1][1] and given[1][2] == whole.id
    assert given[2][0] >= given[2][1] >= MASTERED and given[2][2] != whole.id


def test_the_item_given_is_the_one_the_learner_model_expects_the_most_gain_from(student, course):
    session = services.session_start(learner=student, course=course)
    at = timezone.now()
    given = practice_item_next(session=session, at=at)
    model = course_learner_model(course_id=course.id)
    main = model.concepts_of(given.id)[0]
    siblings = [i.id for i in course.items.filter(is_active=True) if model.concepts_of(i.id)[0] == main
                and i.id != session.current_item_id]
    answers = model.answer_outlook(learner_id=student.id, item_ids=siblings, at=at)
    gain = {item_id: ItemOutlook(success=a.success, gain_right=sum(a.after_right[c] - a.now[c] for c in a.now),
                                 gain_wrong=sum(a.after_wrong[c] - a.now[c] for c in a.now)).expected_gain
            for item_id, a in answers.items()}
    assert len(gain) > 1 and given.id == max(gain, key=lambda i: (gain[i], -i))
