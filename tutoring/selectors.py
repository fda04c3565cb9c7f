"""Reads for the session domain. Each selector checks that the asking user may see what it returns."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
from django.db.models import Count, Max, Q

from knowledge.learner import Mastery
from knowledge.models import Concept, ConceptState
from knowledge.selectors import course_graph, course_model, learner_item_success, learner_mastery, learner_outlook
from llm.agents.diagnostician import Attempt as TutorAttempt
from llm.agents.schema import ConceptBelief
from llm.tutor import TutorRequest
from tutoring.errors import Forbidden, NotFound
from tutoring.models import Attempt, ChatMessage, Classroom, Course, Item, LearningSession, User

MASTERED = 0.85  # mastery at which a concept counts as learned
READY = 0.6  # prerequisite mastery at which a concept is ready to practise
TARGET_SUCCESS = 0.7  # the success rate the chooser aims items at: hard enough to learn from
FADING_DROP = 0.1  # a concept whose mastery is forecast to fall this much within a week is flagged for review
RECENT_ITEMS = 8  # items not repeated within this many of a session's last items


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
    concept = Concept.objects.filter(course=course, slug=concept_slug).first()
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


@dataclass(frozen=True)
class ConceptMap:
    concepts: list[Concept]  # prerequisites before the concepts that need them
    graph: nx.DiGraph  # nodes are concept ids, edges point from prerequisite to concept


def concept_map(*, course_id: int) -> ConceptMap:
    """The course's concepts in prerequisite order, with the graph they were ordered by."""
    concepts = {c.id: c for c in Concept.objects.filter(course_id=course_id)}
    graph = course_graph(course_id=course_id)
    order = nx.lexicographical_topological_sort(graph, key=lambda cid: (concepts[cid].position, concepts[cid].name))
    return ConceptMap(concepts=[concepts[cid] for cid in order], graph=graph)


def learner_progress(*, learner: User, course: Course, at: datetime) -> list[ConceptProgress]:
    """Every concept of the course with the learner's mastery, in prerequisite order."""
    course_map = concept_map(course_id=course.id)
    known, ahead = learner_outlook(learner_ids=[learner.id], course_id=course.id, at=at)
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
            ready=all(mastery[p].p >= READY for p in course_map.graph.predecessors(concept.id)),
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


def _concept_to_practise(*, session: LearningSession, at: datetime, rng: random.Random) -> Concept:
    practisable = set(Item.objects.filter(course=session.course, is_active=True).values_list("concepts", flat=True))
    progress = [p for p in learner_progress(learner=session.learner, course=session.course, at=at)
                if p.concept.id in practisable]
    if not progress:
        raise NotFound("This course has no questions yet.")
    open_concepts = [p for p in progress if p.ready and p.mastery.p < MASTERED]
    if open_concepts:
        return max(open_concepts, key=lambda p: (1 - p.mastery.p) + 0.5 * p.mastery.uncertainty + 0.01 * rng.random()
                   ).concept
    return max(progress, key=lambda p: p.mastery.uncertainty + 0.01 * rng.random()).concept


def practice_item_choose(*, session: LearningSession, at: datetime) -> Item:
    """The next item for this learner.

    Concept: the session's focus if it has one; otherwise, among concepts whose prerequisites are ready
    and that are not yet mastered, the one with the most to gain (1 - mastery) plus a bonus for
    uncertainty, and when everything is mastered, the most uncertain concept (review). Item: among that
    concept's items not seen recently in this session, the one whose predicted success is closest to
    TARGET_SUCCESS.
    """
    rng = random.Random(f"{session.id}:{session.attempts.count()}")
    concept = session.focus_concept or _concept_to_practise(session=session, at=at, rng=rng)
    recent = list(session.attempts.order_by("-created_at").values_list("item_id", flat=True)[: RECENT_ITEMS * 3])
    recent_items = list(dict.fromkeys(recent))[:RECENT_ITEMS]
    candidates = list(
        Item.objects.filter(course_id=session.course_id, concepts=concept, is_active=True)
    )
    if not candidates:
        raise NotFound(f"There are no questions on {concept.name} yet.")
    fresh = [item for item in candidates if item.id not in recent_items and item.id != session.current_item_id]
    pool = fresh or candidates
    success = learner_item_success(learner_id=session.learner_id, course_id=session.course_id,
                                   item_ids=[item.id for item in pool], at=at)
    return min(pool, key=lambda item: abs(success.get(item.id, TARGET_SUCCESS) - TARGET_SUCCESS)
               + 0.02 * rng.random())


def session_chat(*, session: LearningSession, item_id: int | None) -> list[ChatMessage]:
    """The session's conversation about one item."""
    return list(session.chat_messages.filter(item=item_id))


def session_last_attempt(*, session: LearningSession, item_id: int | None) -> Attempt | None:
    """The latest answer in this session to one item (its verdict stays on the card)."""
    return session.attempts.filter(item=item_id).order_by("-created_at", "-id").first()


def tutor_request(*, session: LearningSession, question: ChatMessage, at: datetime) -> TutorRequest:
    """What the tutor may know for a reply to ``question``: the item, the chat and the latest attempt on it,
    and the learner model's beliefs about the item's concepts and their prerequisites."""
    item = Item.objects.prefetch_related("concepts").get(pk=question.item_id)
    course_map = concept_map(course_id=session.course_id)
    graph = course_map.graph.copy()
    for concept in course_map.concepts:
        graph.nodes[concept.id]["name"] = concept.name
    item_concepts = [c.id for c in item.concepts.all()]
    suspects = set(item_concepts).union(*(nx.ancestors(graph, c) for c in item_concepts))
    mastery = learner_mastery(learner_ids=[session.learner_id], course_id=session.course_id, at=at)
    model = course_model(course_id=session.course_id)
    answers = {concept_id: right + wrong for concept_id, right, wrong in ConceptState.objects.filter(
        learner_id=session.learner_id, concept_id__in=suspects).values_list("concept_id", "right", "wrong")}
    beliefs = {
        concept_id: ConceptBelief(
            concept_id=concept_id, name=graph.nodes[concept_id]["name"], mastery=mastery[key].p,
            uncertainty=mastery[key].uncertainty,
            difficulty=float(model.posterior.concept_difficulty[model.concept_index[concept_id]]),
            answers=int(answers.get(concept_id, 0)),
        )
        for concept_id in suspects
        if (key := (session.learner_id, concept_id)) in mastery and concept_id in model.concept_index
    }
    earlier = session.chat_messages.filter(item=item, created_at__lte=question.created_at).exclude(pk=question.pk)
    dialogue = tuple((message.author, message.text) for message in earlier.order_by("created_at", "id"))
    attempt = session_last_attempt(session=session, item_id=item.id)
    tutor_traces = list(session.chat_messages.filter(author=ChatMessage.Author.TUTOR).values_list("trace", flat=True))
    tells_used = sum(1 for trace in tutor_traces if trace.get("plan", {}).get("intervene"))
    focus = (session.focus_concept_id,) if session.focus_concept_id else tuple(item_concepts)
    return TutorRequest(
        item_prompt=item.prompt, hints=tuple(item.hints), solution=item.solution, hints_shown=session.hints_shown,
        attempts=session.current_attempts, solved=session.current_solved, student_text=question.text,
        telling=session.classroom.tutor_telling if session.classroom else Classroom.Telling.HINTS,
        answer_kind=item.answer_kind, answer_key=item.answer,
        turn=len(tutor_traces),
        last_attempt=None if attempt is None else TutorAttempt(answer=attempt.response, correct=attempt.correct,
                                                               feedback=attempt.feedback),
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
    mastery, ahead = learner_outlook(learner_ids=learner_ids, course_id=classroom.course_id, at=at)
    rows = [(student, [MasteryOutlook(mastery=mastery[student.id, c.id], in_a_week=ahead[student.id, c.id])
                       for c in concepts]) for student in students]
    return MasteryGrid(classroom=classroom, concepts=concepts, rows=rows)
