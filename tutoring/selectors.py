"""Reads for the session domain. Each selector checks that the asking user may see what it returns.

The learner model is read through ``tutoring.learner_model.course_learner_model``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
from django.db.models import Count, Max, Q

from knowledge.beliefs import LearnerModel, Mastery
from knowledge.models import Concept
from knowledge.selectors import concept_map
from llm.agents.diagnostician import Attempt as TutorAttempt
from llm.agents.schema import ConceptBelief
from llm.policy import (
    RECENT_ITEMS,
    REVIEW_HORIZON_DAYS,
    ConceptOption,
    ItemOutlook,
    NothingToPractise,
    concept_ready,
    practice_next,
)
from llm.tutor import TutorRequest
from tutoring.errors import Forbidden, NotFound
from tutoring.learner_model import course_learner_model
from tutoring.maths_text import maths_plain
from tutoring.models import Attempt, ChatMessage, Classroom, Course, Item, LearningSession, StepAttempt, User

ATTEMPT_IDS = uuid.UUID("5d1f3c2e-8a47-4b0e-9f6a-2c71d8e4b930")  # namespace of the answer forms' ids
FADING_DROP = 0.1  # a concept whose mastery is forecast to fall this much within a week is flagged for review


@dataclass(frozen=True)
class MasteryOutlook:
    """Mastery now and its retention forecast: the mastery a week from now without practice."""

    mastery: Mastery
    in_a_week: Mastery

    @property
    def fading(self) -> bool:
        """Worth reviewing soon: answered, and forecast to lose at least FADING_DROP of mastery in a week."""
        return self.mastery.observed and self.mastery.p - self.in_a_week.p >= FADING_DROP

    @property
    def changes_in_a_week(self) -> bool:
        """Whether the forecast differs from today's mastery by a whole percentage point (shown only then)."""
        return self.mastery.observed and round(100 * self.mastery.p) != round(100 * self.in_a_week.p)


@dataclass(frozen=True)
class ConceptProgress:
    concept: Concept
    outlook: MasteryOutlook
    attempts: int
    ready: bool  # every prerequisite is at least READY

    @property
    def mastery(self) -> Mastery:
        return self.outlook.mastery


@dataclass(frozen=True)
class MasteryGrid:
    classroom: Classroom
    concepts: list[Concept]
    rows: list[tuple[User, list[MasteryOutlook]]]


def learner_courses(*, learner: User) -> list[Course]:
    """Courses the learner is enrolled in through a class."""
    return list(Course.objects.filter(classrooms__students=learner).distinct().order_by("title"))


def course_concept(*, course: Course, concept_slug: str) -> Concept:
    concept = Concept.objects.filter(course_id=course.id, slug=concept_slug).first()
    if concept is None:
        raise NotFound("No such concept in this course.")
    return concept


def learner_course(*, learner: User, course_slug: str) -> Course:
    course = Course.objects.filter(slug=course_slug).first()
    if course is None:
        raise NotFound("No such course.")
    if not Classroom.objects.filter(course=course, students=learner).exists():
        raise Forbidden("You are not enrolled in this course.")
    return course


def learner_progress(*, learner: User, course: Course, at: datetime,
                     model: LearnerModel | None = None) -> list[ConceptProgress]:
    """Every concept of the course with the learner's mastery, in prerequisite order."""
    course_map = concept_map(course_id=course.id)
    model = model or course_learner_model(course_id=course.id)
    known, ahead = model.outlook(learner_ids=[learner.id], at=at)
    mastery = {c.id: known[learner.id, c.id] for c in course_map.concepts}
    attempts = dict(
        Attempt.objects.filter(learner=learner, item__course=course)
        .values("item__concepts")
        .annotate(n=Count("id"))
        .values_list("item__concepts", "n")
    )
    return [
        ConceptProgress(
            concept=concept,
            outlook=MasteryOutlook(mastery=mastery[concept.id], in_a_week=ahead[learner.id, concept.id]),
            attempts=attempts.get(concept.id, 0),
            ready=concept_ready(mastery[p].p for p in course_map.graph.predecessors(concept.id)),
        )
        for concept in course_map.concepts
    ]


def learner_session(*, learner: User, session_id: int) -> LearningSession:
    """The learner's own session; someone else's is reported as missing, not as forbidden."""
    sessions = LearningSession.objects.select_related("course", "classroom", "current_item", "focus_concept")
    session = sessions.filter(pk=session_id).first()
    if session is None or session.learner_id != learner.id:
        raise NotFound("No such practice session.")
    return session


class _SessionPractice:
    """The practice policy's view of one session's learner (``llm.policy.PracticeView``). A concept's items are the
    active items the learner model reads as chiefly about it (their main concept): an item that also exercises a
    concept built on it is that concept's."""

    def __init__(self, session: LearningSession, *, at: datetime):
        self.session, self.at = session, at
        self.model = course_learner_model(course_id=session.course_id)
        self.course_map = concept_map(course_id=session.course_id)
        self.items_of: dict[int, list[int]] = {}
        active = Item.objects.filter(course_id=session.course_id, is_active=True).order_by("id")
        for item_id in active.values_list("id", flat=True):
            concepts = self.model.concepts_of(item_id)
            if concepts:
                self.items_of.setdefault(concepts[0], []).append(item_id)

    def concept_options(self) -> list[ConceptOption]:
        concept_ids = [c.id for c in self.course_map.concepts if c.id in self.items_of]
        learner_id = self.session.learner_id
        evidence = self.model.beliefs(learner_id=learner_id, concept_ids=concept_ids, at=self.at)
        _, ahead = self.model.outlook(learner_ids=[learner_id], at=self.at, days_ahead=REVIEW_HORIZON_DAYS)
        return [ConceptOption(concept_id=c, mastery=known.mastery.p, uncertainty=known.mastery.uncertainty,
                              difficulty=known.difficulty, answers=known.answers, forecast=ahead[learner_id, c].p)
                for c, known in evidence.items()]

    def prerequisite_graph(self) -> nx.DiGraph:
        return self.course_map.graph

    def concept_items(self, concept_id: int) -> list[int]:
        return self.items_of.get(concept_id, [])

    def item_outlook(self, item_ids: Sequence[int]) -> Mapping[int, ItemOutlook]:
        answers = self.model.answer_outlook(learner_id=self.session.learner_id, item_ids=list(item_ids), at=self.at)
        return {item_id: ItemOutlook(success=a.success,
                                     gain_right=sum(a.after_right[c] - a.now[c] for c in a.now),
                                     gain_wrong=sum(a.after_wrong[c] - a.now[c] for c in a.now))
                for item_id, a in answers.items()}


def practice_item_next(*, session: LearningSession, at: datetime) -> Item:
    """The next item for this learner, as the practice policy chooses it (``llm.policy``): toward the session's
    focus concept if it has one, else toward every concept of the course, with reviews of fading concepts."""
    recent = list(session.attempts.order_by("-created_at").values_list("item_id", flat=True)[: RECENT_ITEMS * 3])
    focus = session.focus_concept_id
    try:
        choice = practice_next(_SessionPractice(session, at=at), goals=None if focus is None else (focus,),
                               recent=recent, current=session.current_item_id)
    except NothingToPractise as nothing:
        if nothing.concept_id is None:
            raise NotFound("This course has no questions yet.") from nothing
        name = Concept.objects.filter(pk=nothing.concept_id).values_list("name", flat=True).first()
        raise NotFound(f"There are no questions on {name} yet.") from nothing
    return Item.objects.get(pk=choice.item_id)


def session_chat(*, session: LearningSession, item_id: int | None) -> list[ChatMessage]:
    """The session's conversation about one item."""
    return list(session.chat_messages.filter(item=item_id))


def session_question(*, session: LearningSession, question_id: int) -> ChatMessage:
    """A message the student sent in this session."""
    question = session.chat_messages.filter(pk=question_id, author=ChatMessage.Author.STUDENT).first()
    if question is None:
        raise NotFound("No such message in this session.")
    return question


def learner_open_session(*, learner: User, course: Course, focus: Concept | None) -> LearningSession | None:
    """The learner's latest session of this course and focus (None: the whole course) that has not ended."""
    sessions = LearningSession.objects.filter(learner=learner, course=course, focus_concept=focus, ended_at=None)
    return sessions.order_by("-started_at", "-id").first()


def session_attempt_client_id(*, session: LearningSession) -> uuid.UUID:
    """The id the answer form on screen carries. It stays the same however often the card is rendered until an
    answer is stored, so a double click or a resend of one answer is stored once; the next try gets a new one."""
    tries = session.attempts.count()
    return uuid.uuid5(ATTEMPT_IDS, f"{session.id}:{session.current_item_id}:{tries}")


def session_last_attempt(*, session: LearningSession, item_id: int | None) -> Attempt | None:
    """The latest answer in this session to one item (its verdict stays on the card); asking for help is not one."""
    return session.attempts.filter(item=item_id).exclude(response="").order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class ScaffoldStep:
    """One step of the item on screen as the student sees it."""

    number: int  # from 1
    prompt: str
    answer_kind: str
    choices: list[str]
    hint: str
    right_answer: str | None  # what the student answered, once they got it right
    last_wrong: StepAttempt | None  # their latest wrong answer to it, while it is the step on screen


@dataclass(frozen=True)
class Scaffold:
    """The way forward for a stuck student on the item on screen: its steps so far, and what they may open."""

    steps: list[ScaffoldStep]  # the solved steps and the one on screen
    current: ScaffoldStep | None  # the step to answer now
    can_open_steps: bool
    can_show_solution: bool


def solution_allowed(*, session: LearningSession) -> bool:
    """Whether the worked solution may be shown before the item is solved: not in a class whose teacher chose hints
    only (the steps still lead a stuck student to the end, where the solution is shown)."""
    return session.classroom is None or session.classroom.tutor_telling == Classroom.Telling.SOLUTION


def session_scaffold(*, session: LearningSession) -> Scaffold:
    """The steps of the item on screen shown so far, and whether the steps or the worked solution may be opened:
    the steps after a wrong answer or the last hint, the worked solution after the last hint where the class's
    teacher allows it (``solution_allowed``)."""
    item = session.current_item
    if item is None:
        return Scaffold(steps=[], current=None, can_open_steps=False, can_show_solution=False)
    stuck = not session.current_solved and session.hints_shown >= len(item.hints)
    steps: list[ScaffoldStep] = []
    if session.current_step is not None:
        answers = list(session.step_attempts.filter(item=item).order_by("created_at", "id"))
        for index, spec in enumerate(item.steps[: session.current_step + 1]):
            mine = [a for a in answers if a.step == index]
            right = next((a.response for a in mine if a.correct), None)
            steps.append(ScaffoldStep(
                number=index + 1, prompt=spec["prompt"], answer_kind=spec["answer_kind"], choices=spec["choices"],
                hint=spec["hint"], right_answer=right,
                last_wrong=mine[-1] if mine and right is None and not mine[-1].correct else None,
            ))
    current = steps[-1] if steps and steps[-1].right_answer is None else None
    return Scaffold(
        steps=steps, current=current,
        can_open_steps=bool(item.steps) and session.current_step is None and not session.current_solved
        and (session.current_attempts > 0 or stuck),
        can_show_solution=stuck and not session.current_solution_shown and solution_allowed(session=session),
    )


def session_item_mastery(*, session: LearningSession, item_id: int, at: datetime) -> dict[int, Mastery]:
    """The learner's mastery of an item's concepts, by concept id (those the learner model covers)."""
    model = course_learner_model(course_id=session.course_id)
    known = model.mastery(learner_ids=[session.learner_id], at=at)
    return {concept_id: known[session.learner_id, concept_id] for concept_id in model.concepts_of(item_id)}


def session_mastery(*, session: LearningSession, at: datetime) -> list[tuple[Concept, Mastery]]:
    """The learner's mastery of the concepts of the item on screen."""
    item = session.current_item
    concepts = list(item.concepts.all()) if item else []
    mastery = course_learner_model(course_id=session.course_id).mastery(learner_ids=[session.learner_id], at=at)
    return [(c, mastery[session.learner_id, c.id]) for c in concepts]


def tutor_request(*, session: LearningSession, question: ChatMessage, at: datetime) -> TutorRequest:
    """What the tutor may know for a reply to ``question``: the item, the chat and the latest attempt on it (with
    the common wrong answer it matched), and the learner model's beliefs about the item's concepts, their
    prerequisites and the concept that wrong answer points to."""
    item = Item.objects.prefetch_related("concepts").get(pk=question.item_id)
    course_map = concept_map(course_id=session.course_id)
    graph = course_map.graph.copy()
    for concept in course_map.concepts:
        graph.nodes[concept.id]["name"] = concept.name
    item_concepts = [c.id for c in item.concepts.all()]
    attempt = session_last_attempt(session=session, item_id=item.id)
    mistake = (attempt.common_wrong_answer or {}) if attempt is not None else {}
    pointed = next((c.id for c in course_map.concepts if mistake.get("concept") and c.slug == mistake["concept"]),
                   None)
    suspects = set(item_concepts).union(*(nx.ancestors(graph, c) for c in item_concepts))
    if pointed is not None:
        suspects.add(pointed)
    evidence = course_learner_model(course_id=session.course_id).beliefs(
        learner_id=session.learner_id, concept_ids=sorted(suspects), at=at)
    beliefs = {
        concept_id: ConceptBelief(
            concept_id=concept_id, name=graph.nodes[concept_id]["name"], mastery=known.mastery.p,
            uncertainty=known.mastery.uncertainty, difficulty=known.difficulty, answers=known.answers,
        )
        for concept_id, known in evidence.items()
    }
    earlier = session.chat_messages.filter(item=item, created_at__lte=question.created_at).exclude(pk=question.pk)
    dialogue = tuple((message.author, message.text) for message in earlier.order_by("created_at", "id"))
    tutor_traces = list(session.chat_messages.filter(author=ChatMessage.Author.TUTOR).values_list("trace", flat=True))
    tells_used = sum(1 for trace in tutor_traces if trace.get("plan", {}).get("intervene"))
    focus = (session.focus_concept_id,) if session.focus_concept_id else tuple(item_concepts)
    return TutorRequest(
        item_prompt=maths_plain(item.prompt), hints=tuple(maths_plain(hint) for hint in item.hints),
        solution=maths_plain(item.solution), hints_shown=session.hints_shown,
        attempts=session.current_attempts, solved=session.current_solved, student_text=question.text,
        telling=session.classroom.tutor_telling if session.classroom else Classroom.Telling.HINTS,
        answer_kind=item.answer_kind, answer_key=item.answer,
        turn=len(tutor_traces),
        last_attempt=None if attempt is None else TutorAttempt(
            answer=attempt.response, correct=attempt.correct, feedback=maths_plain(attempt.feedback),
            mistake=bool(mistake),
            error_type=mistake.get("error", ""), concept_id=pointed),
        dialogue=dialogue, concepts=tuple(item_concepts),
        concept_names=tuple(graph.nodes[c]["name"] for c in item_concepts), beliefs=beliefs, graph=graph,
        goals=focus, topic=", ".join(graph.nodes[c]["name"] for c in item_concepts), tells_used=tells_used,
    )


def teacher_classrooms(*, teacher: User) -> list[Classroom]:
    return list(
        Classroom.objects.filter(teacher=teacher)
        .select_related("course")
        .annotate(n_students=Count("students", distinct=True), last_activity=Max("students__attempts__created_at"))
        .order_by("name")
    )


def teacher_classroom(*, teacher: User, classroom_id: int) -> Classroom:
    classroom = Classroom.objects.select_related("course").filter(pk=classroom_id).first()
    if classroom is None:
        raise NotFound("No such class.")
    if classroom.teacher_id != teacher.id:
        raise Forbidden("This is not one of your classes.")
    return classroom


@dataclass(frozen=True)
class StudentChat:
    """A student of a teacher's class and their latest exchanges with the tutor in it, newest first."""

    classroom: Classroom
    student: User
    exchanges: list[TutorExchange]


@dataclass(frozen=True)
class TutorExchange:
    """A student's message and the tutor's reply, with the decisions behind the reply."""

    question: ChatMessage
    reply: ChatMessage | None  # None while the reply is still being written


def class_student_chat(*, teacher: User, classroom_id: int, student_id: int, limit: int = 50) -> StudentChat:
    """A student of the teacher's class and their latest exchanges with the tutor in this class."""
    classroom = teacher_classroom(teacher=teacher, classroom_id=classroom_id)
    student = classroom.students.filter(pk=student_id).first()
    if student is None:
        raise NotFound("No such student in this class.")
    questions = list(ChatMessage.objects.filter(session__learner=student, session__classroom=classroom,
                                                author=ChatMessage.Author.STUDENT)
                     .select_related("item").order_by("-created_at", "-id")[:limit])
    replies = {reply.in_reply_to_id: reply for reply in ChatMessage.objects.filter(in_reply_to__in=questions)}
    return StudentChat(classroom=classroom, student=student,
                       exchanges=[TutorExchange(question=q, reply=replies.get(q.id)) for q in questions])


def class_mastery_grid(
    *, teacher: User, classroom_id: int, at: datetime, student_ids: list[int] | None = None
) -> MasteryGrid:
    """Students × concepts mastery for a teacher's class (optionally only some students), each cell with its
    retention forecast."""
    classroom = teacher_classroom(teacher=teacher, classroom_id=classroom_id)
    concepts = concept_map(course_id=classroom.course_id).concepts
    students = classroom.students.order_by("last_name", "first_name", "username")
    if student_ids is not None:
        students = students.filter(Q(id__in=student_ids))
    students = list(students)
    learner_ids = [s.id for s in students]
    mastery, ahead = course_learner_model(course_id=classroom.course_id).outlook(learner_ids=learner_ids, at=at)
    rows = [(student, [MasteryOutlook(mastery=mastery[student.id, c.id], in_a_week=ahead[student.id, c.id])
                       for c in concepts]) for student in students]
    return MasteryGrid(classroom=classroom, concepts=concepts, rows=rows)
