"""A way forward for a stuck student: feedback on common wrong answers, the steps, the worked solution; and what
the learner model makes of them."""

import uuid

import pytest
from django.utils import timezone

from knowledge.models import ConceptState
from tests.conftest import make_student, wrong_answer
from tutoring import services
from tutoring.errors import Conflict, ServiceError
from tutoring.learner_model import course_answers, course_learner_model
from tutoring.models import Attempt, Classroom, Item, StepAttempt
from tutoring.selectors import session_scaffold, tutor_request


def _answer(session, response: str):
    return services.attempt_record(session=session, item_id=session.current_item_id, response=response,
                                   client_id=uuid.uuid4())


def _step(session, step: int, response: str, client_id: uuid.UUID | None = None):
    return services.step_answer_record(session=session, item_id=session.current_item_id, step=step,
                                       response=response, client_id=client_id or uuid.uuid4())


def _all_hints(session) -> None:
    for _ in session.current_item.hints:
        services.hint_reveal(session=session, item_id=session.current_item_id)


def _evidence(session) -> tuple[int, int]:
    """Right and wrong answers the learner model has heard from this learner, over all concepts."""
    states = ConceptState.objects.filter(learner_id=session.learner_id)
    return sum(s.right for s in states), sum(s.wrong for s in states)


def _mastery(session) -> dict[int, float]:
    model = course_learner_model(course_id=session.course_id)
    known = model.mastery(learner_ids=[session.learner_id], at=timezone.now())
    return {c: known[session.learner_id, c].p for c in model.concepts_of(session.current_item_id)}


def test_common_wrong_answer_gets_its_feedback_and_still_counts_as_wrong(session):
    item = session.current_item
    common = item.wrong_answers[0]
    result = _answer(session, common["answer"])
    assert not result.verdict.correct and result.verdict.message == common["feedback"]
    attempt = Attempt.objects.get()
    assert attempt.feedback == common["feedback"] and attempt.common_wrong_answer["answer"] == common["answer"]
    assert _evidence(session) == (0, 1)


def test_resent_common_wrong_answer_returns_its_feedback(session):
    item, client_id = session.current_item, uuid.uuid4()
    for _ in range(2):
        result = services.attempt_record(session=session, item_id=item.id, response=item.wrong_answers[1]["answer"],
                                         client_id=client_id)
    assert not result.created and result.verdict.message == item.wrong_answers[1]["feedback"]
    assert result.verdict.wrong_answer.answer == item.wrong_answers[1]["answer"]


def test_other_wrong_answer_gets_the_generic_nudge(session):
    result = _answer(session, wrong_answer(session.current_item))
    assert result.verdict.message.startswith("Not quite") and Attempt.objects.get().common_wrong_answer is None


def test_steps_wait_for_a_wrong_answer_or_the_last_hint(session):
    with pytest.raises(Conflict, match="Try an answer or the hints first"):
        services.steps_open(session=session, item_id=session.current_item_id)
    assert not session_scaffold(session=session).can_open_steps
    _answer(session, wrong_answer(session.current_item))
    session.refresh_from_db()
    assert session_scaffold(session=session).can_open_steps
    services.steps_open(session=session, item_id=session.current_item_id)
    session.refresh_from_db()
    assert session.current_step == 0 and session_scaffold(session=session).current.number == 1


def test_scaffold_solved_step_by_step_finishes_the_item(session):
    item = session.current_item
    _answer(session, wrong_answer(item))
    services.steps_open(session=session, item_id=item.id)
    for index, step in enumerate(item.steps):
        result = _step(session, index, step["answer"])
        assert result.verdict.correct and result.finished == (index == len(item.steps) - 1)
    session.refresh_from_db()
    assert session.current_solved
    scaffold = session_scaffold(session=session)
    assert scaffold.current is None and [s.right_answer for s in scaffold.steps] == [s["answer"] for s in item.steps]
    with pytest.raises(Conflict, match="already solved"):
        _answer(session, item.answer)


def test_step_answers_are_not_item_attempts(session):
    item = session.current_item
    _answer(session, wrong_answer(item))
    services.steps_open(session=session, item_id=item.id)
    _step(session, 0, "9999")
    before = (Attempt.objects.count(), len(course_answers(course_id=session.course_id)), _evidence(session))
    session.refresh_from_db()  # the step on screen, after that answer
    for index in range(session.current_step, len(item.steps)):
        _step(session, index, item.steps[index]["answer"])
    after = (Attempt.objects.count(), len(course_answers(course_id=session.course_id)), _evidence(session))
    assert before == after == (1, 1, (0, 1))
    assert StepAttempt.objects.filter(item=item).count() >= len(item.steps)


def test_wrong_step_answer_says_not_quite_and_shows_the_steps_hint(session):
    item = session.current_item
    _answer(session, wrong_answer(item))
    services.steps_open(session=session, item_id=item.id)
    result = _step(session, 0, "9999")
    session.refresh_from_db()
    assert not result.verdict.correct and result.verdict.message.startswith("Not quite")
    current = session_scaffold(session=session).current
    assert current.number == 1 and current.last_wrong.response == "9999" and current.hint == item.steps[0]["hint"]


def test_resent_step_answer_is_stored_once(session):
    item = session.current_item
    _answer(session, wrong_answer(item))
    services.steps_open(session=session, item_id=item.id)
    client_id = uuid.uuid4()
    first = _step(session, 0, item.steps[0]["answer"], client_id)
    again = _step(session, 0, item.steps[0]["answer"], client_id)
    assert first.created and not again.created and again.step_attempt.pk == first.step_attempt.pk
    session.refresh_from_db()
    assert StepAttempt.objects.count() == 1 and session.current_step == 1


def test_answer_to_a_step_not_on_screen_is_refused(session):
    item = session.current_item
    _answer(session, wrong_answer(item))
    with pytest.raises(Conflict, match="Open the steps first"):
        _step(session, 0, item.steps[0]["answer"])
    services.steps_open(session=session, item_id=item.id)
    with pytest.raises(Conflict, match="no longer on screen"):
        _step(session, 1, item.steps[1]["answer"])
    assert not StepAttempt.objects.exists()


def test_unreadable_step_answer_is_refused_and_stores_nothing(session):
    item = session.current_item
    _answer(session, wrong_answer(item))
    services.steps_open(session=session, item_id=item.id)
    with pytest.raises(ServiceError):
        _step(session, 0, "2+*")
    assert not StepAttempt.objects.exists()


def test_steps_after_every_hint_count_as_a_wrong_first_answer(session):
    _all_hints(session)
    services.steps_open(session=session, item_id=session.current_item_id)
    services.steps_open(session=session, item_id=session.current_item_id)  # again: nothing more is recorded
    [help_asked] = Attempt.objects.all()
    assert not help_asked.correct and help_asked.response == "" and "not solved on your own" in help_asked.feedback
    assert _evidence(session) == (0, 1)


def test_scaffold_never_raises_mastery_more_than_solving_alone(classroom, course):
    alone = services.session_start(learner=make_student(classroom, "ada"), course=course)
    helped = services.session_start(learner=make_student(classroom, "bo"), course=course)
    assert alone.current_item_id == helped.current_item_id
    before = _mastery(alone)
    _answer(alone, alone.current_item.answer)
    _all_hints(helped)
    services.steps_open(session=helped, item_id=helped.current_item_id)
    for index, step in enumerate(helped.current_item.steps):
        _step(helped, index, step["answer"])
    after_alone, after_helped = _mastery(alone), _mastery(helped)
    assert all(after_helped[c] <= before[c] < after_alone[c] for c in before)


def test_worked_solution_comes_after_the_last_hint_and_counts_as_not_solved_unaided(session):
    Classroom.objects.filter(pk=session.classroom_id).update(tutor_telling=Classroom.Telling.SOLUTION)
    session.refresh_from_db()
    item = session.current_item
    with pytest.raises(Conflict, match="after the last hint"):
        services.solution_reveal(session=session, item_id=item.id)
    _all_hints(session)
    session.refresh_from_db()
    assert session_scaffold(session=session).can_show_solution
    services.solution_reveal(session=session, item_id=item.id)
    session.refresh_from_db()
    assert session.current_solution_shown and not session_scaffold(session=session).can_show_solution
    result = _answer(session, item.answer)
    assert result.verdict.correct and Attempt.objects.get(response=item.answer).assisted
    assert _evidence(session) == (0, 1)
    assert [a.correct for a in course_answers(course_id=session.course_id)] == [False]


def test_a_class_with_hints_only_gets_the_steps_but_not_the_worked_solution(session):
    assert session.classroom.tutor_telling == Classroom.Telling.HINTS
    item = session.current_item
    _all_hints(session)
    session.refresh_from_db()
    scaffold = session_scaffold(session=session)
    assert scaffold.can_open_steps and not scaffold.can_show_solution
    with pytest.raises(Conflict, match="step by step"):
        services.solution_reveal(session=session, item_id=item.id)
    session.refresh_from_db()
    assert not session.current_solution_shown and not Attempt.objects.exists()


def test_tutor_sees_the_known_mistake_and_the_concept_it_points_to(session):
    item = session.current_item
    common = next(w for w in item.wrong_answers if w["concept"])
    _answer(session, common["answer"])
    turn = services.chat_post(session=session, text="I'm stuck", client_id=uuid.uuid4())
    request = tutor_request(session=session, question=turn.question, at=timezone.now())
    assert request.last_attempt.mistake and request.last_attempt.error_type == common["error"]
    pointed = request.last_attempt.concept_id
    assert pointed is not None and request.beliefs[pointed].name


def test_the_tutor_reads_item_text_without_the_maths_marks(session):
    item = session.current_item
    Item.objects.filter(pk=item.pk).update(prompt=f"What is `{item.prompt}`?", hints=["Try `3/4`.", *item.hints[1:]],
                                           solution="So it is `x^2`.")
    session.refresh_from_db()
    turn = services.chat_post(session=session, text="I'm stuck", client_id=uuid.uuid4())
    request = tutor_request(session=session, question=turn.question, at=timezone.now())
    assert "`" not in request.item_prompt + "".join(request.hints) + request.solution
    assert request.hints[0] == "Try 3/4." and request.solution == "So it is x^2."
