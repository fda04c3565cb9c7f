"""Writes for the session domain: accounts, classes, practice sessions, attempts, hints and chat.

Background work starts on commit (``transaction.on_commit``) as Celery tasks that send data events
(``tutoring.events``); the consumers in ``frontend`` render them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from knowledge.beliefs import Mastery
from knowledge.models import Concept
from llm.answer_check import AnswerFormatError, AnswerSpec, Verdict, answer_check
from tutoring.errors import Conflict, Forbidden, NotFound, ServiceError
from tutoring.learner_model import course_learner_model
from tutoring.models import Attempt, ChatMessage, Classroom, Course, Enrolment, Item, LearningSession, User
from tutoring.replies import chat_reply_stream
from tutoring.selectors import practice_item_next
from tutoring.tasks import chat_reply_send, mastery_changed_notify


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    verdict: Verdict
    created: bool  # False when this was a resend of an attempt already stored
    mastery: dict[int, Mastery]  # concept id -> mastery after the attempt, for each concept of the item


@dataclass(frozen=True)
class HintResult:
    index: int  # 0-based
    text: str
    remaining: int


def user_create(*, username: str, password: str, role: str, first_name: str = "", last_name: str = "") -> User:
    """Create an account; curators may open the admin site, where they edit graphs and items."""
    if role not in User.Role.values:
        raise ServiceError(f"Unknown role {role!r}.")
    user = User(username=username, role=role, first_name=first_name, last_name=last_name,
                is_staff=role == User.Role.CURATOR)
    user.set_password(password)
    user.save()
    return user


def classroom_create(*, teacher: User, course: Course, name: str) -> Classroom:
    if not teacher.is_teacher:
        raise Forbidden("Only teachers can own a class.")
    return Classroom.objects.create(teacher=teacher, course=course, name=name)


def classroom_enrol(*, classroom: Classroom, student: User) -> Enrolment:
    if not student.is_student:
        raise ServiceError("Only students can be enrolled in a class.")
    enrolment, _ = Enrolment.objects.get_or_create(classroom=classroom, student=student)
    return enrolment


def classroom_tutor_configure(*, teacher: User, classroom: Classroom, enabled: bool, telling: str) -> Classroom:
    if classroom.teacher_id != teacher.id:
        raise Forbidden("This is not one of your classes.")
    if telling not in Classroom.Telling.values:
        raise ServiceError(f"Telling must be one of: {', '.join(Classroom.Telling.values)}.")
    classroom.tutor_enabled, classroom.tutor_telling = enabled, telling
    classroom.save(update_fields=["tutor_enabled", "tutor_telling"])
    return classroom


def session_start(
    *, learner: User, course: Course, focus: Concept | None = None, at: datetime | None = None
) -> LearningSession:
    """Open a practice session in one of the learner's courses, with a first item chosen for them.

    With ``focus`` the practice policy works toward that concept (its weak prerequisites first); without, toward
    every concept of the course.
    """
    if not learner.is_student:
        raise Forbidden("Only students practise.")
    classroom = Classroom.objects.filter(course=course, students=learner).order_by("id").first()
    if classroom is None:
        raise Forbidden("You are not enrolled in this course.")
    if focus is not None and focus.course_id != course.id:
        raise ServiceError("That concept belongs to another course.")
    at = at or timezone.now()
    with transaction.atomic():
        session = LearningSession.objects.create(learner=learner, course=course, classroom=classroom,
                                                 focus_concept=focus, started_at=at)
        session_item_advance(session=session, at=at)
    return session


def session_item_advance(*, session: LearningSession, at: datetime | None = None) -> Item:
    """Put the next item chosen by the learner model on the session's screen."""
    if session.ended_at is not None:
        raise Conflict("This practice session has ended; start a new one.")
    item = practice_item_next(session=session, at=at or timezone.now())
    session.current_item = item
    session.hints_shown = session.current_attempts = 0
    session.current_solved = False
    session.save(update_fields=["current_item", "hints_shown", "current_attempts", "current_solved"])
    return item


def session_end(*, session: LearningSession, at: datetime | None = None) -> LearningSession:
    if session.ended_at is None:
        session.ended_at = at or timezone.now()
        session.save(update_fields=["ended_at"])
    return session


def _open_item(session: LearningSession, item_id: int) -> Item:
    if session.ended_at is not None:
        raise Conflict("This practice session has ended; start a new one.")
    item = Item.objects.filter(pk=item_id, course_id=session.course_id).first()
    if item is None:
        raise NotFound("No such item in this course.")
    if item.id != session.current_item_id:
        raise Conflict("That question is no longer on screen; answer the current one.")
    return item


def answer_spec(item: Item) -> AnswerSpec:
    return AnswerSpec(kind=item.answer_kind, answer=item.answer, tolerance=item.tolerance,
                      choices=tuple(item.choices), variables=tuple(item.variables))


def attempt_record(
    *, session: LearningSession, item_id: int, response: str, client_id: uuid.UUID, at: datetime | None = None,
    notify: bool = True,
) -> AttemptResult:
    """Check the answer, store the attempt once (a resent client_id returns the stored verdict), update mastery.

    An answer that cannot be read raises ServiceError and stores nothing: a typo is not a wrong answer.
    ``notify=False`` skips the live update of the teachers' grids (for replaying history nobody watches).
    """
    at = at or timezone.now()
    existing = Attempt.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.learner_id != session.learner_id:
            raise Conflict("This attempt id is already used.")
        verdict = Verdict(correct=existing.correct, message=existing.feedback)
        model = course_learner_model(course_id=session.course_id)
        known = model.mastery(learner_ids=[session.learner_id], at=at)
        mastery = {concept_id: known[session.learner_id, concept_id]
                   for concept_id in model.concepts_of(existing.item_id)}
        return AttemptResult(attempt=existing, verdict=verdict, created=False, mastery=mastery)

    item = _open_item(session, item_id)
    try:
        verdict = answer_check(spec=answer_spec(item), response=response)
    except AnswerFormatError as error:
        raise ServiceError(str(error)) from error
    with transaction.atomic():
        session = LearningSession.objects.select_for_update().get(pk=session.pk)
        if session.current_solved:
            raise Conflict("You have already solved this question; go on to the next one.")
        attempt = Attempt.objects.create(
            client_id=client_id, session=session, learner_id=session.learner_id, item=item,
            response=response.strip(), correct=verdict.correct, feedback=verdict.message,
            hints_used=session.hints_shown, created_at=at,
        )
        mastery = course_learner_model(course_id=session.course_id).observe(
            learner_id=session.learner_id, item_id=item.id, correct=verdict.correct, at=at)
        session.current_attempts += 1
        session.current_solved = verdict.correct
        session.save(update_fields=["current_attempts", "current_solved"])
        if notify:
            classrooms = Classroom.objects.filter(course_id=session.course_id, students=session.learner_id)
            classroom_ids = list(classrooms.values_list("id", flat=True))
            transaction.on_commit(
                lambda: mastery_changed_notify.delay(classroom_ids=classroom_ids, learner_id=session.learner_id)
            )
    return AttemptResult(attempt=attempt, verdict=verdict, created=True, mastery=mastery)


def hint_reveal(*, session: LearningSession, item_id: int) -> HintResult:
    """Show the next hint of the item on screen."""
    item = _open_item(session, item_id)
    with transaction.atomic():
        session = LearningSession.objects.select_for_update().get(pk=session.pk)
        if session.hints_shown >= len(item.hints):
            raise Conflict("There are no more hints for this question.")
        index = session.hints_shown
        session.hints_shown += 1
        session.save(update_fields=["hints_shown"])
    return HintResult(index=index, text=item.hints[index], remaining=len(item.hints) - index - 1)


@dataclass(frozen=True)
class ChatTurn:
    """The student's stored message and the tutor's reply as a stream; the reply is stored when it ends."""

    question: ChatMessage
    chunks: Iterator[str]


def chat_post(*, session: LearningSession, text: str, client_id: uuid.UUID, at: datetime | None = None) -> ChatTurn:
    """Store the student's message and start the tutor's streamed reply (a resend replays the stored reply)."""
    text = (text or "").strip()
    if not text:
        raise ServiceError("Type a message first.")
    if len(text) > settings.CAIRN_MAX_CHAT_LENGTH:
        raise ServiceError(f"Messages are at most {settings.CAIRN_MAX_CHAT_LENGTH} characters.")
    if session.classroom is not None and not session.classroom.tutor_enabled:
        raise Forbidden("Your teacher has turned the tutor off for this class.")
    if session.ended_at is not None:
        raise Conflict("This practice session has ended; start a new one.")
    question = ChatMessage.objects.filter(client_id=client_id).first()
    if question is not None:
        if question.session_id != session.id:
            raise Conflict("This message id is already used.")
    else:
        if session.current_item_id is None:
            raise Conflict("There is no question on screen to talk about.")
        question = ChatMessage.objects.create(session=session, item_id=session.current_item_id,
                                              author=ChatMessage.Author.STUDENT, text=text, client_id=client_id,
                                              created_at=at or timezone.now())
    return ChatTurn(question=question, chunks=chat_reply_stream(question=question))


def chat_reply_dispatch(*, question: ChatMessage, reply_channel: str) -> None:
    """Have the reply written where the tutor's model runs (a worker on the LLM queue, or here when Celery is
    eager) and streamed to ``reply_channel``, so a long generation never holds up the web process."""
    transaction.on_commit(lambda: chat_reply_send.delay(question_id=question.id, reply_channel=reply_channel))
