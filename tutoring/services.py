"""Writes for the session domain: accounts, classes, practice sessions, attempts, hints, steps and chat.

What the learner model hears follows ASSISTments' convention of first-attempt correctness: an item counts as
solved only when the student solved it unaided. Asking for the steps or for the worked solution is help, so
before any answer it is recorded as the item's (wrong) first response (``Attempt`` with an empty response), and
after an answer it adds nothing. From then on the item is assisted: step answers go to ``StepAttempt`` and
answers to the item itself are stored as ``assisted``, and neither reaches the learner model. So a student who
takes the steps never gains more mastery from the item than one who solved it alone: they gain none, and a
student who solved it alone gains the evidence of a right answer.

Background work starts on commit (``transaction.on_commit``) as Celery tasks that send data events
(``tutoring.events``); the consumers in ``frontend`` render them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from knowledge.beliefs import Mastery
from knowledge.models import Concept
from llm.answer_check import AnswerFormatError, AnswerSpec, CommonWrongAnswer, Verdict, answer_check
from tutoring.errors import Conflict, Forbidden, NotFound, ServiceError
from tutoring.learner_model import course_learner_model
from tutoring.models import (
    Attempt,
    ChatMessage,
    Classroom,
    Course,
    Enrolment,
    Item,
    LearningSession,
    StepAttempt,
    User,
)
from tutoring.replies import chat_reply_stream
from tutoring.selectors import learner_open_session, practice_item_next, session_item_mastery, solution_allowed
from tutoring.tasks import chat_reply_send, mastery_changed_notify


@dataclass(frozen=True)
class FormNotice:
    """A right value not written in the item's form: what the student is asked, and what they wrote."""

    message: str
    response: str


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt | None  # None when the answer only needs rewriting in the item's form (nothing was stored)
    verdict: Verdict
    created: bool  # False when this was a resend of an attempt already stored, or nothing was stored
    mastery: dict[int, Mastery]  # concept id -> mastery after the attempt, for each concept of the item
    form_notice: FormNotice | None = None


@dataclass(frozen=True)
class HintResult:
    index: int  # 0-based
    text: str
    remaining: int


@dataclass(frozen=True)
class StepResult:
    step_attempt: StepAttempt
    verdict: Verdict
    created: bool  # False when this was a resend of a step answer already stored
    finished: bool  # the item's last step is solved


STEPS_ASKED = "You asked for the steps, so this question counts as not solved on your own."
SOLUTION_ASKED = "You asked for the worked solution, so this question counts as not solved on your own."


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


def session_resume(
    *, learner: User, course: Course, focus: Concept | None = None, fresh: bool = False, at: datetime | None = None
) -> LearningSession:
    """The learner's open session of this course and focus, where they left it, or a new one when there is none.

    With ``fresh`` the open session ends and a new one starts (a new item, an empty chat).
    """
    at = at or timezone.now()
    with transaction.atomic():
        open_session = learner_open_session(learner=learner, course=course, focus=focus)
        if open_session is not None and not fresh:
            return open_session
        if open_session is not None:
            session_end(session=open_session, at=at)
        return session_start(learner=learner, course=course, focus=focus, at=at)


def session_item_advance(*, session: LearningSession, at: datetime | None = None) -> Item:
    """Put the next item chosen by the learner model on the session's screen."""
    if session.ended_at is not None:
        raise Conflict("This practice session has ended; start a new one.")
    item = practice_item_next(session=session, at=at or timezone.now())
    session.current_item = item
    session.hints_shown = session.current_attempts = 0
    session.current_solved = session.current_solution_shown = False
    session.current_step = None
    session.save(update_fields=["current_item", "hints_shown", "current_attempts", "current_solved", "current_step",
                                "current_solution_shown"])
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


def _teachers_notify(session: LearningSession) -> None:
    """Once the transaction commits, the teachers' grids of the learner's classes show their new mastery."""
    classrooms = Classroom.objects.filter(course_id=session.course_id, students=session.learner_id)
    classroom_ids = list(classrooms.values_list("id", flat=True))
    transaction.on_commit(lambda: mastery_changed_notify.delay(classroom_ids=classroom_ids,
                                                               learner_id=session.learner_id))


def answer_spec(item: Item) -> AnswerSpec:
    return AnswerSpec(kind=item.answer_kind, answer=item.answer, tolerance=item.tolerance,
                      choices=tuple(item.choices), variables=tuple(item.variables), form=item.form,
                      wrong_answers=tuple(CommonWrongAnswer(**wrong) for wrong in item.wrong_answers))


def step_answer_spec(item: Item, step: int) -> AnswerSpec:
    """A step is checked like an item: an expression step with the item's variables, a number with its tolerance."""
    spec = item.steps[step]
    return AnswerSpec(kind=spec["answer_kind"], answer=spec["answer"], tolerance=item.tolerance,
                      choices=tuple(spec["choices"]), variables=tuple(item.variables))


def _stored_verdict(attempt: Attempt) -> Verdict:
    wrong = attempt.common_wrong_answer
    return Verdict(correct=attempt.correct, message=attempt.feedback,
                   wrong_answer=CommonWrongAnswer(**wrong) if wrong else None)


def _attempt_replayed(*, session: LearningSession, attempt: Attempt, at: datetime) -> AttemptResult:
    """A resend of a stored attempt: its verdict again, and nothing stored."""
    if attempt.learner_id != session.learner_id:
        raise Conflict("This attempt id is already used.")
    return AttemptResult(attempt=attempt, verdict=_stored_verdict(attempt), created=False,
                         mastery=session_item_mastery(session=session, item_id=attempt.item_id, at=at))


def attempt_record(
    *, session: LearningSession, item_id: int, response: str, client_id: uuid.UUID, at: datetime | None = None,
    notify: bool = True,
) -> AttemptResult:
    """Check the answer, store the attempt once (a resent client_id returns the stored verdict), update mastery.

    A wrong answer the item declares as common gets its feedback and keeps it. An answer given once the steps or the
    worked solution were shown is stored as assisted and leaves mastery as it is (see the module docstring).
    An answer that cannot be read raises ServiceError and stores nothing: a typo is not a wrong answer. A right value
    in another form than the item asks for (39*28 for "Work out 39 × 28") is neither right nor wrong: the result
    carries a ``form_notice``, and nothing is stored, observed or counted.
    ``notify=False`` skips the live update of the teachers' grids (for replaying history nobody watches).
    """
    at = at or timezone.now()
    existing = Attempt.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _attempt_replayed(session=session, attempt=existing, at=at)

    item = _open_item(session, item_id)
    try:
        verdict = answer_check(spec=answer_spec(item), response=response)
    except AnswerFormatError as error:
        raise ServiceError(str(error)) from error
    if verdict.form_missed:
        return AttemptResult(attempt=None, verdict=verdict, created=False,
                             mastery=session_item_mastery(session=session, item_id=item.id, at=at),
                             form_notice=FormNotice(message=verdict.message, response=response.strip()))
    with transaction.atomic():
        session = LearningSession.objects.select_for_update().get(pk=session.pk)
        resent = Attempt.objects.filter(client_id=client_id).first()  # the same answer sent twice at once
        if resent is not None:
            return _attempt_replayed(session=session, attempt=resent, at=at)
        if session.current_solved:
            raise Conflict("You have already solved this question; go on to the next one.")
        assisted = session.current_assisted
        attempt = Attempt.objects.create(
            client_id=client_id, session=session, learner_id=session.learner_id, item=item,
            response=response.strip(), correct=verdict.correct, feedback=verdict.message,
            common_wrong_answer=asdict(verdict.wrong_answer) if verdict.wrong_answer else None,
            assisted=assisted, hints_used=session.hints_shown, created_at=at,
        )
        if assisted:
            mastery = session_item_mastery(session=session, item_id=item.id, at=at)
        else:
            retry = (Attempt.objects.filter(learner_id=session.learner_id, item=item, assisted=False)
                     .exclude(pk=attempt.pk).exists())
            mastery = course_learner_model(course_id=session.course_id).observe(
                learner_id=session.learner_id, item_id=item.id, correct=verdict.correct, at=at, retry=retry)
        session.current_attempts += 1
        session.current_solved = verdict.correct
        session.save(update_fields=["current_attempts", "current_solved"])
        if notify and not assisted:
            _teachers_notify(session)
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


def _help_record(session: LearningSession, item: Item, *, feedback: str, at: datetime) -> None:
    """Help asked for before any answer is the item's first response, and a wrong one (the module docstring says
    why); help asked for again, or after an answer, adds nothing. Runs inside the caller's transaction, with the
    session locked."""
    if session.current_attempts or session.current_assisted:
        return
    Attempt.objects.create(client_id=uuid.uuid4(), session=session, learner_id=session.learner_id, item=item,
                           response="", correct=False, feedback=feedback, hints_used=session.hints_shown,
                           created_at=at)
    course_learner_model(course_id=session.course_id).observe(learner_id=session.learner_id, item_id=item.id,
                                                              correct=False, at=at)
    _teachers_notify(session)


def _stuck_item(session: LearningSession, item_id: int) -> tuple[LearningSession, Item]:
    """The item on screen and the session, locked, when the student may ask for more help with it."""
    item = _open_item(session, item_id)
    session = LearningSession.objects.select_for_update().get(pk=session.pk)
    if session.current_solved:
        raise Conflict("You have already solved this question; go on to the next one.")
    return session, item


def steps_open(*, session: LearningSession, item_id: int, at: datetime | None = None) -> LearningSession:
    """Show the first step of the item on screen, once the student has answered it wrong or seen every hint.

    Opening them again changes nothing."""
    at = at or timezone.now()
    with transaction.atomic():
        session, item = _stuck_item(session, item_id)
        if not item.steps:
            raise Conflict("This question has no steps to work through.")
        if session.current_step is not None:
            return session
        if not session.current_attempts and session.hints_shown < len(item.hints):
            raise Conflict("Try an answer or the hints first; the steps are there when you are stuck.")
        _help_record(session, item, feedback=STEPS_ASKED, at=at)
        session.current_step = 0
        session.save(update_fields=["current_step"])
    return session


def solution_reveal(*, session: LearningSession, item_id: int, at: datetime | None = None) -> LearningSession:
    """Show the worked solution of the item on screen, once the student has seen its last hint. The item then
    counts as not solved unaided."""
    at = at or timezone.now()
    with transaction.atomic():
        session, item = _stuck_item(session, item_id)
        if session.hints_shown < len(item.hints):
            raise Conflict("The worked solution comes after the last hint.")
        if not solution_allowed(session=session):
            raise Conflict("In this class the worked solution is shown once the question is solved: "
                           "work through it step by step.")
        if not session.current_solution_shown:
            _help_record(session, item, feedback=SOLUTION_ASKED, at=at)
            session.current_solution_shown = True
            session.save(update_fields=["current_solution_shown"])
    return session


def step_answer_record(
    *, session: LearningSession, item_id: int, step: int, response: str, client_id: uuid.UUID,
    at: datetime | None = None,
) -> StepResult:
    """Check the answer to the step on screen and store it once (a resent client_id returns the stored verdict).

    A right answer shows the next step; the last step's right answer finishes the item. Step answers are not item
    attempts: the learner model never reads them (see the module docstring)."""
    at = at or timezone.now()
    existing = StepAttempt.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.learner_id != session.learner_id:
            raise Conflict("This step answer id is already used.")
        return StepResult(step_attempt=existing, verdict=Verdict(existing.correct, existing.feedback), created=False,
                          finished=existing.correct and existing.step == len(existing.item.steps) - 1)
    item = _open_item(session, item_id)
    with transaction.atomic():
        session = LearningSession.objects.select_for_update().get(pk=session.pk)
        if session.current_step is None:
            raise Conflict("Open the steps first.")
        if step != session.current_step or step >= len(item.steps):
            raise Conflict("That step is no longer on screen; answer the current one.")
        try:
            verdict = answer_check(spec=step_answer_spec(item, step), response=response)
        except AnswerFormatError as error:
            raise ServiceError(str(error)) from error
        step_attempt = StepAttempt.objects.create(
            client_id=client_id, session=session, learner_id=session.learner_id, item=item, step=step,
            response=response.strip(), correct=verdict.correct, feedback=verdict.message, created_at=at,
        )
        finished = verdict.correct and step == len(item.steps) - 1
        if verdict.correct:
            session.current_step = step + 1
            session.current_solved = finished
            session.save(update_fields=["current_step", "current_solved"])
    return StepResult(step_attempt=step_attempt, verdict=verdict, created=True, finished=finished)


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
