"""The demo: our own course, a curator, two teachers with a class each, 30 students with a practice history.

The history is simulated through the real services (sessions, hints, attempts, the learner model), so
the dashboards show what real use would produce. Every simulated attempt has a fixed client id, so
loading the demo again stores nothing twice.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from tutoring import services
from tutoring.course_import import course_import
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


def _simulate_student(student: User, course: Course, *, skill: float, pace: float, now: datetime) -> int:
    """A few sessions over the last three weeks; the student's true skill grows with practice."""
    rng = random.Random(student.username)
    n_sessions = rng.randint(2, 5)
    days = sorted(rng.sample(range(1, 22), n_sessions), reverse=True)
    practice = 0
    stored = 0
    for day in days:
        at = (now - timedelta(days=day)).replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59))
        session = services.session_start(learner=student, course=course, at=at)
        for _ in range(rng.randint(5, 12)):
            item = session.current_item
            learned = skill + pace * math.log1p(practice)
            p_correct = 1 / (1 + math.exp(-(learned - item.difficulty)))
            for _try in range(2):
                if rng.random() < 0.25 and session.hints_shown < len(item.hints):
                    services.hint_reveal(session=session, item_id=item.id)
                    p_correct = min(0.95, p_correct + 0.15)
                correct = rng.random() < p_correct
                at += timedelta(seconds=rng.randint(25, 150))
                services.attempt_record(
                    session=session, item_id=item.id, response=item.answer if correct else _wrong_answer(item, rng),
                    client_id=uuid.uuid5(DEMO_NAMESPACE, f"{student.username}:{stored}"), at=at,
                )
                session.refresh_from_db()
                stored += 1
                practice += 1
                if correct:
                    break
            services.session_item_advance(session=session, at=at)
        services.session_end(session=session, at=at + timedelta(minutes=1))
    return stored


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
    rng = random.Random("cairn-demo-students")
    students = []
    for index in range(30):
        student = _user(f"student{index + 1:02d}", User.Role.STUDENT, FIRST_NAMES[index], LAST_NAMES[index])
        services.classroom_enrol(classroom=classrooms[index % 2], student=student)
        students.append(student)
        skill, pace = rng.gauss(0.3, 0.9), abs(rng.gauss(0.5, 0.25))
        if not Attempt.objects.filter(learner=student).exists():
            with transaction.atomic():
                _simulate_student(student, course, skill=skill, pace=pace, now=now)
    return DemoLogins(curator="curator", teachers=[t.username for t in teachers],
                      students=[s.username for s in students], password=DEMO_PASSWORD)
