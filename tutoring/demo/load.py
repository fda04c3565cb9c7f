"""The demo: our own course, a curator, two teachers with a class each, 30 students with a practice history.

The history is simulated through the real services (sessions, hints, attempts, the learner model): each
class has followed the course one concept a school day for three weeks, so the dashboards show what real
use would produce. The learner model is then fitted to that history. Every simulated attempt has a fixed client id, so
loading the demo again stores nothing twice.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from knowledge.models import Concept
from knowledge.selectors import concept_map
from tutoring import services
from tutoring.course_import import course_import
from tutoring.learner_model import course_item_evidence, learner_model_refit
from tutoring.models import Attempt, Classroom, Course, Item, User

COURSE_FILE = Path(__file__).with_name("course.yaml")
DEMO_PASSWORD = "cairn-demo"
DEMO_NAMESPACE = uuid.UUID("6f1c2f0e-52a5-4f3c-9d62-6a3e1d1b2c40")
FIRST_NAMES = ["Amara", "Ben", "Chloé", "Dev", "Elif", "Finn", "Grace", "Hiro", "Isla", "Jamal", "Kai", "Lena",
               "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Xavi",
               "Yara", "Zane", "Ada", "Bilal", "Cleo", "Dario"]
LAST_NAMES = ["Okoye", "Larsen", "Dubois", "Patel", "Yilmaz", "Murphy", "Kim", "Tanaka", "Reid", "Hassan", "Nguyen",
              "Fischer", "Silva", "Mensah", "Haddad", "Sharma", "Walsh", "Ortega", "Aziz", "Kaur", "Farouk", "Novak",
              "Li", "Puig", "Costa", "Brooks", "Lovelace", "Rahman", "Moreau", "Conti"]


@dataclass(frozen=True)
class DemoLogins:
    curator: str
    teachers: list[str]
    students: list[str]
    password: str


def _user(username: str, role: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    return user or services.user_create(username=username, password=DEMO_PASSWORD, role=role,
                                        first_name=first, last_name=last)


def _wrong_answer(item: Item, rng: random.Random) -> str:
    if item.answer_kind == Item.AnswerKind.CHOICE:
        return rng.choice([c for c in item.choices if c != item.answer])
    return f"({item.answer}) + {rng.choice([1, 2, 10])}"


def _school_days(now: datetime, weeks: int) -> list[datetime]:
    start = (now - timedelta(weeks=weeks)).replace(hour=10, minute=0, second=0, microsecond=0)
    days = [start + timedelta(days=n) for n in range(weeks * 7)]
    return [day for day in days if day.weekday() < 5 and day < now]


# How the simulated students learn, on the learner model's logit scale: as fits to real classes find, a right answer
# leaves a larger lasting gain than a wrong one, and every answer a fresh gain that fades over days.
LASTING_GAIN_RIGHT = 0.35
LASTING_GAIN_WRONG = 0.1
FRESH_GAIN = 0.3
FRESH_DAYS = 3.0  # a fresh gain falls to 1/e of itself in this many days
HINT_GAIN = 0.12  # P(right) added by each hint shown


@dataclass
class SimulatedStudent:
    """A student's true knowledge: a skill, and per concept the answers given and the fresh gain of recent practice
    (as of the last answer), scaled by the student's pace of learning."""

    skill: float
    pace: float
    right: dict[int, int] = field(default_factory=dict)
    wrong: dict[int, int] = field(default_factory=dict)
    fresh: dict[int, tuple[float, datetime]] = field(default_factory=dict)

    def _knowledge(self, concept_id: int, at: datetime) -> float:
        lasting = (LASTING_GAIN_RIGHT * math.log1p(self.right.get(concept_id, 0))
                   + LASTING_GAIN_WRONG * math.log1p(self.wrong.get(concept_id, 0)))
        fresh, since = self.fresh.get(concept_id, (0.0, at))
        return self.pace * lasting + fresh * math.exp(-(at - since).total_seconds() / 86400 / FRESH_DAYS)

    def p_correct(self, item: Item, concepts: tuple[int, ...], *, hints: int, at: datetime) -> float:
        learned = sum(self._knowledge(c, at) for c in concepts) / len(concepts)
        return min(0.97, 1 / (1 + math.exp(-(self.skill + learned - item.difficulty))) + HINT_GAIN * hints)

    def answered(self, concepts: tuple[int, ...], *, correct: bool, at: datetime) -> None:
        for c in concepts:
            counts = self.right if correct else self.wrong
            counts[c] = counts.get(c, 0) + 1
            fresh, since = self.fresh.get(c, (0.0, at))
            self.fresh[c] = (fresh * math.exp(-(at - since).total_seconds() / 86400 / FRESH_DAYS) + FRESH_GAIN, at)


def _lesson(student: User, simulated: SimulatedStudent, course: Course, concept: Concept, *, at: datetime,
            rng: random.Random, serial: list[int], concept_sets: dict[int, list[int]]) -> datetime:
    """One focused practice session: a few items on the lesson's concept, up to two tries each."""
    session = services.session_start(learner=student, course=course, focus=concept, at=at)
    for _ in range(rng.randint(3, 5)):
        item = session.current_item
        for _try in range(2):
            if rng.random() < 0.2 and session.hints_shown < len(item.hints):
                services.hint_reveal(session=session, item_id=item.id)
                session.refresh_from_db()
            at += timedelta(seconds=rng.randint(25, 150))
            p = simulated.p_correct(item, concept_sets[item.id], hints=session.hints_shown, at=at)
            correct = rng.random() < p
            services.attempt_record(
                session=session, item_id=item.id, response=item.answer if correct else _wrong_answer(item, rng),
                client_id=uuid.uuid5(DEMO_NAMESPACE, f"{student.username}:{serial[0]}"), at=at, notify=False,
            )
            serial[0] += 1
            simulated.answered(concept_sets[item.id], correct=correct, at=at)
            session.refresh_from_db()
            if correct:
                break
        services.session_item_advance(session=session, at=at)
    services.session_end(session=session, at=at + timedelta(minutes=1))
    return at


def _simulate_class(classroom: Classroom, *, lessons_behind: int, now: datetime) -> None:
    """The class works through the course in prerequisite order, one concept a school day for three weeks;
    students miss some lessons, and keen ones practise on their own in the evening."""
    concepts = concept_map(course_id=classroom.course_id).concepts
    days = _school_days(now, weeks=3)
    plan = list(zip(days, concepts[: max(len(days) - lessons_behind, 1)], strict=False))
    concept_sets = {item.item_id: item.concept_ids for item in course_item_evidence(course_id=classroom.course_id)}
    for student in classroom.students.order_by("username"):
        if Attempt.objects.filter(learner=student).exists():
            continue
        rng = random.Random(student.username)
        simulated = SimulatedStudent(skill=rng.gauss(0.4, 0.9), pace=abs(rng.gauss(0.6, 0.3)))
        serial = [0]
        with transaction.atomic():
            for day, concept in plan:
                if rng.random() < 0.12:  # absent
                    continue
                at = day + timedelta(minutes=rng.randint(0, 40))
                _lesson(student, simulated, classroom.course, concept, at=at, rng=rng, serial=serial,
                        concept_sets=concept_sets)
                if simulated.skill > 0.8 and rng.random() < 0.3:
                    evening = day.replace(hour=19) + timedelta(minutes=rng.randint(0, 90))
                    _lesson(student, simulated, classroom.course, concept, at=evening, rng=rng, serial=serial,
                            concept_sets=concept_sets)


def demo_load(*, now: datetime | None = None) -> DemoLogins:
    now = now or timezone.now()
    course = course_import(data=yaml.safe_load(COURSE_FILE.read_text(encoding="utf-8"))).course
    _user("curator", User.Role.CURATOR, "Cam", "Curator")
    teachers = [_user("ms-rivera", User.Role.TEACHER, "Lucia", "Rivera"),
                _user("mr-okafor", User.Role.TEACHER, "Daniel", "Okafor")]
    classrooms = []
    for teacher, name in zip(teachers, ["Year 7 Maths A", "Year 7 Maths B"], strict=True):
        classroom = Classroom.objects.filter(teacher=teacher, name=name).first()
        classrooms.append(classroom or services.classroom_create(teacher=teacher, course=course, name=name))
    students = []
    for index in range(30):
        student = _user(f"student{index + 1:02d}", User.Role.STUDENT, FIRST_NAMES[index], LAST_NAMES[index])
        services.classroom_enrol(classroom=classrooms[index % 2], student=student)
        students.append(student)
    for classroom, lessons_behind in zip(classrooms, [0, 3], strict=True):
        _simulate_class(classroom, lessons_behind=lessons_behind, now=now)
    learner_model_refit(course_id=course.id)
    return DemoLogins(curator="curator", teachers=[t.username for t in teachers],
                      students=[s.username for s in students], password=DEMO_PASSWORD)
