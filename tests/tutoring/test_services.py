import uuid

import pytest
from django.utils import timezone

from knowledge.models import Concept, ConceptState
from tests.conftest import make_student, question_expression, wrong_answer
from tutoring import services
from tutoring.errors import Conflict, Forbidden, NotFound, ServiceError
from tutoring.learner_model import course_learner_model
from tutoring.models import Attempt, ChatMessage, Classroom, Item


def test_new_session_shows_an_item_from_the_course(session, course):
    assert session.current_item is not None
    assert session.current_item.course_id == course.id


def test_first_item_practises_a_concept_whose_prerequisites_are_ready(session):
    # Adding like fractions needs both of the others: a new student starts on a root concept.
    slugs = set(session.current_item.concepts.values_list("slug", flat=True))
    assert "like-fractions" not in slugs


def test_correct_answer_raises_mastery_and_is_stored(session):
    item = session.current_item
    before = course_learner_model(course_id=session.course_id).mastery(learner_ids=[session.learner_id],
                                                                       at=timezone.now())
    result = services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    assert result.verdict.correct and result.created
    [(concept_id, after)] = result.mastery.items()
    assert after.observed and after.p > before[session.learner_id, concept_id].p
    state = ConceptState.objects.get(learner_id=session.learner_id, concept_id=concept_id)
    assert (state.right, state.wrong) == (1, 0)


def test_wrong_answer_lowers_mastery(session):
    item = session.current_item
    before = course_learner_model(course_id=session.course_id).mastery(learner_ids=[session.learner_id],
                                                                       at=timezone.now())
    result = services.attempt_record(session=session, item_id=item.id, response=wrong_answer(item),
                                     client_id=uuid.uuid4())
    [(concept_id, after)] = result.mastery.items()
    assert after.p < before[session.learner_id, concept_id].p


def test_resent_attempt_is_stored_once(session):
    item = session.current_item
    client_id = uuid.uuid4()
    first = services.attempt_record(session=session, item_id=item.id, response=wrong_answer(item), client_id=client_id)
    again = services.attempt_record(session=session, item_id=item.id, response=wrong_answer(item), client_id=client_id)
    assert first.created and not again.created
    assert again.attempt.pk == first.attempt.pk and not again.verdict.correct
    assert Attempt.objects.count() == 1
    [state] = ConceptState.objects.filter(learner_id=session.learner_id)
    assert state.right + state.wrong == 1


def test_malformed_answer_is_refused_and_stores_nothing(session):
    item = session.current_item
    with pytest.raises(ServiceError):
        services.attempt_record(session=session, item_id=item.id, response="3//(", client_id=uuid.uuid4())
    assert Attempt.objects.count() == 0 and ConceptState.objects.count() == 0


def test_answer_to_an_item_not_on_screen_is_refused(session):
    other = Item.objects.exclude(pk=session.current_item_id).first()
    with pytest.raises(Conflict):
        services.attempt_record(session=session, item_id=other.id, response="1", client_id=uuid.uuid4())
    with pytest.raises(NotFound):
        services.attempt_record(session=session, item_id=10**9, response="1", client_id=uuid.uuid4())
    assert Attempt.objects.count() == 0


def test_solved_item_takes_no_more_answers(session):
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    with pytest.raises(Conflict):
        services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())


def test_hints_come_in_order_and_run_out(session):
    item = session.current_item
    shown = [services.hint_reveal(session=session, item_id=item.id) for _ in item.hints]
    assert [h.text for h in shown] == item.hints and shown[-1].remaining == 0
    with pytest.raises(Conflict):
        services.hint_reveal(session=session, item_id=item.id)


def test_attempt_remembers_how_many_hints_were_used(session):
    item = session.current_item
    services.hint_reveal(session=session, item_id=item.id)
    result = services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    assert result.attempt.hints_used == 1


def test_next_item_differs_from_the_one_just_solved(session):
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    assert services.session_item_advance(session=session).id != item.id


def test_student_outside_the_class_cannot_start_practice(course, db):
    outsider = services.user_create(username="out", password="pw-out-12345", role="student")
    with pytest.raises(Forbidden):
        services.session_start(learner=outsider, course=course)


def test_teacher_cannot_start_a_practice_session(course, teacher):
    with pytest.raises(Forbidden):
        services.session_start(learner=teacher, course=course)


def test_chat_reply_after_a_wrong_try_gives_a_hint_and_both_turns_are_stored(session):
    services.attempt_record(session=session, item_id=session.current_item_id,
                            response=wrong_answer(session.current_item), client_id=uuid.uuid4())
    turn = services.chat_post(session=session, text="I'm stuck, can you help?", client_id=uuid.uuid4())
    reply = "".join(turn.chunks)
    assert session.current_item.hints[0] in reply
    tutor = ChatMessage.objects.get(author="tutor")
    assert tutor.text == reply and tutor.in_reply_to == turn.question
    assert tutor.trace["plan"]["intervene"] is True and tutor.trace["guard"] == "passed"
    session.refresh_from_db()
    assert session.hints_shown == 1


def test_before_any_try_the_tutor_asks_a_question_and_shows_no_hint(session):
    reply = "".join(services.chat_post(session=session, text="Just tell me the answer",
                                       client_id=uuid.uuid4()).chunks)
    assert "?" in reply and session.current_item.answer not in reply
    session.refresh_from_db()
    assert session.hints_shown == 0


def test_the_stored_trace_explains_the_reply_from_the_learner_model(session):
    services.attempt_record(session=session, item_id=session.current_item_id,
                            response=wrong_answer(session.current_item), client_id=uuid.uuid4())
    "".join(services.chat_post(session=session, text="help", client_id=uuid.uuid4()).chunks)
    trace = ChatMessage.objects.get(author="tutor").trace
    assert trace["diagnosis"]["error_type"] in {"guess", "misinterpret", "careless", "right-idea", "imprecise",
                                                "diagnose"}
    weak = trace["diagnosis"]["weak_concepts"]
    assert weak and "mastery" in weak[0]["evidence"] and weak[0]["path"]
    assert trace["backend"] == "template" and trace["latency_ms"] >= 0 and trace["plan"]["reason"]


def test_resent_chat_message_replays_the_stored_reply(session):
    client_id = uuid.uuid4()
    first = "".join(services.chat_post(session=session, text="help", client_id=client_id).chunks)
    second = "".join(services.chat_post(session=session, text="help", client_id=client_id).chunks)
    assert first == second
    assert ChatMessage.objects.count() == 2


def test_oversized_or_empty_chat_message_is_refused(session):
    with pytest.raises(ServiceError, match="at most"):
        services.chat_post(session=session, text="x" * 5000, client_id=uuid.uuid4())
    with pytest.raises(ServiceError):
        services.chat_post(session=session, text="   ", client_id=uuid.uuid4())
    assert ChatMessage.objects.count() == 0


def test_tutor_turned_off_by_the_teacher_does_not_answer(session, teacher):
    services.classroom_tutor_configure(teacher=teacher, classroom=session.classroom, enabled=False,
                                       telling=Classroom.Telling.HINTS)
    session.refresh_from_db()
    with pytest.raises(Forbidden):
        services.chat_post(session=session, text="help", client_id=uuid.uuid4())


def test_other_teacher_cannot_configure_the_class(classroom, db):
    other = services.user_create(username="t2", password="pw-t2-123456", role="teacher")
    with pytest.raises(Forbidden):
        services.classroom_tutor_configure(teacher=other, classroom=classroom, enabled=False, telling="hints")


def test_attempts_cannot_be_edited(session):
    item = session.current_item
    attempt = services.attempt_record(session=session, item_id=item.id, response=item.answer,
                                      client_id=uuid.uuid4()).attempt
    attempt.correct = False
    with pytest.raises(ValueError, match="append-only"):
        attempt.save()


def test_two_students_progress_separately(classroom, course):
    ann, bob = make_student(classroom, "ann"), make_student(classroom, "bob")
    session = services.session_start(learner=ann, course=course)
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    assert ConceptState.objects.filter(learner_id=ann.id).exists()
    assert not ConceptState.objects.filter(learner_id=bob.id).exists()


def test_right_value_in_another_form_asks_for_the_form_and_stores_nothing(addition_session):
    session = addition_session
    item = session.current_item
    before = course_learner_model(course_id=session.course_id).mastery(learner_ids=[session.learner_id],
                                                                       at=timezone.now())
    result = services.attempt_record(session=session, item_id=item.id, response=question_expression(item),
                                     client_id=uuid.uuid4())
    assert result.attempt is None and not result.created and not result.verdict.correct
    assert result.form_notice.message == "Right value — now write it as a single number."
    assert result.form_notice.response == question_expression(item)
    assert Attempt.objects.count() == 0 and ConceptState.objects.count() == 0
    session.refresh_from_db()
    assert (session.current_attempts, session.current_solved) == (0, False)
    [(concept_id, now)] = result.mastery.items()
    assert now.p == before[session.learner_id, concept_id].p

    worked_out = services.attempt_record(session=session, item_id=item.id, response=item.answer,
                                         client_id=uuid.uuid4())
    assert worked_out.verdict.correct and worked_out.created and worked_out.form_notice is None
    assert Attempt.objects.get().response == item.answer


def test_wrong_value_in_another_form_is_simply_wrong(addition_session):
    item = addition_session.current_item
    result = services.attempt_record(session=addition_session, item_id=item.id,
                                     response=f"{question_expression(item)}+1", client_id=uuid.uuid4())
    assert result.created and not result.verdict.correct and result.form_notice is None
    assert "Right value" not in result.verdict.message and Attempt.objects.get().correct is False


def test_start_practice_resumes_the_open_session_of_that_course_and_focus(session, course):
    focus = Concept.objects.get(course_id=course.id, slug="whole-addition")
    resumed = services.session_resume(learner=session.learner, course=course)
    focused = services.session_resume(learner=session.learner, course=course, focus=focus)
    assert resumed.pk == session.pk and focused.pk != session.pk
    assert services.session_resume(learner=session.learner, course=course, focus=focus).pk == focused.pk


def test_starting_afresh_ends_the_open_session(session, course):
    fresh = services.session_resume(learner=session.learner, course=course, fresh=True)
    session.refresh_from_db()
    assert fresh.pk != session.pk and session.ended_at is not None and fresh.ended_at is None
    assert services.session_resume(learner=session.learner, course=course).pk == fresh.pk
