"""Shared fixtures: a small course built through the services, people, and the real-service switches.

Tests marked ``services`` need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); tests marked
``browser`` need Debian's Chromium. Without them they skip with the reason, except when
CAIRN_REQUIRE_SERVICES=1 (set by .ci/run): then a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from tutoring import services
from tutoring.course_import import course_import
from tutoring.models import User
from tutoring.selectors import course_concept

CHROMIUM = "/usr/bin/chromium"
REQUIRE_SERVICES = os.environ.get("CAIRN_REQUIRE_SERVICES") == "1"

SMALL_COURSE = {
    "slug": "fractions-basics",
    "title": "Fractions basics",
    "concepts": [
        {"slug": "whole-addition", "name": "Adding whole numbers"},
        {"slug": "fraction-meaning", "name": "What a fraction means"},
        {"slug": "like-fractions", "name": "Adding like fractions"},
    ],
    "prerequisites": [["whole-addition", "like-fractions"], ["fraction-meaning", "like-fractions"]],
    "templates": [
        {
            "slug": "add-whole", "concepts": ["whole-addition"], "difficulty": -1.0, "answer_kind": "numeric",
            "params": {"a": {"randint": [11, 40]}, "b": {"randint": [11, 40]}},
            "derived": {"t": "10 * floor(b / 10)", "o": "b - 10 * floor(b / 10)"},
            "prompt": "What is {a} + {b}?", "answer": "a + b", "form": "number",
            "hints": ["Add the tens, then the ones.", "Start with {a} and count on {b}."],
            "solution": "{a} + {b} = {answer}.",
            "wrong_answers": [
                {"answer": "a + b - 10", "feedback": "The ones made a new ten: carry it into the tens.",
                 "error": "careless", "concept": "whole-addition"},
                {"answer": "a + b + 10", "feedback": "You carried a ten that was not there: check the ones again."},
            ],
            "steps": [
                {"prompt": "First add the whole tens of {b}: what is {a} + {t}?", "answer": "a + t",
                 "hint": "Count on from {a} in tens."},
                {"prompt": "Now add the {o} ones that are left: what is {a} + {b}?", "answer": "a + b"},
            ],
        },
        {
            "slug": "fraction-of-shape", "concepts": ["fraction-meaning"], "difficulty": -0.5,
            "answer_kind": "choice", "params": {"k": {"randint": [1, 3]}, "n": {"choice": [4, 5]}},
            "derived": {"t": "n + k"},
            "prompt": "{k} of {n} equal parts are shaded. Which fraction is shaded?",
            "answer": "Rational(k, n)", "choices": ["{k}/{n}", "{n}/{t}", "{n}/{k}", "{k}/{t}"],
            "hints": ["The bottom number counts all the parts.", "The top number counts the shaded parts."],
            "solution": "{k} shaded out of {n} parts is {answer}.",
            "wrong_answers": [
                {"answer": "Rational(n, k)",
                 "feedback": "That fraction is upside down: the bottom counts all the parts.",
                 "error": "misinterpret", "concept": "fraction-meaning"},
                {"answer": "Rational(k, n + k)", "feedback": "The shaded parts are already among the {n} parts: "
                 "do not count them twice."},
            ],
            "steps": [
                {"prompt": "How many equal parts are there in all?", "answer": "n",
                 "hint": "Count every part, shaded or not."},
                {"prompt": "Which fraction is shaded?", "answer": "Rational(k, n)", "answer_kind": "choice",
                 "choices": ["{k}/{n}", "{n}/{k}"]},
            ],
        },
        {
            "slug": "add-like", "concepts": ["like-fractions", "fraction-meaning"], "difficulty": 0.0,
            "answer_kind": "numeric",
            "params": {"a": {"randint": [1, 3]}, "b": {"randint": [1, 3]}, "d": {"choice": [7, 9]}},
            "prompt": "What is {a}/{d} + {b}/{d}?", "answer": "Rational(a + b, d)", "form": "number",
            "hints": ["The denominators are the same.", "Keep the denominator {d} and add the numerators."],
            "solution": "{a}/{d} + {b}/{d} = {answer}.",
            "wrong_answers": [
                {"answer": "Rational(a + b, 2 * d)", "feedback": "You added the bottoms too. The parts are still "
                 "{d}ths: keep the denominator and add only the tops.", "error": "misinterpret",
                 "concept": "fraction-meaning"},
                {"answer": "Rational(a + b, d * d)", "feedback": "You multiplied the bottoms. Like fractions keep "
                 "their denominator: add only the tops."},
            ],
            "steps": [
                {"prompt": "Both fractions count parts of the same size. What is the denominator of the sum?",
                 "answer": "d"},
                {"prompt": "How many {d}ths are there together: what is {a} + {b}?", "answer": "a + b",
                 "hint": "Add the numerators {a} and {b}."},
                {"prompt": "So what is {a}/{d} + {b}/{d}?", "answer": "Rational(a + b, d)"},
            ],
        },
    ],
}


def pytest_report_header(config) -> list[str]:
    """Say up front which real services this run uses."""
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    celery = "eager (in-process)" if settings.CELERY_TASK_ALWAYS_EAGER else f"broker {settings.CELERY_BROKER_URL}"
    return [f"cairn: database {database}, channel layer {layer}, celery {celery}, "
            f"services required: {'yes' if REQUIRE_SERVICES else 'no'}"]


def service_unavailable(reason: str) -> None:
    """Skip, or fail when the run must use the real services (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
async def close_worker_thread_connection():
    """Async tests reach the database from asgiref's worker thread: close that connection afterwards,
    so the test database can be dropped at the end of the run."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def course(db):
    return course_import(data=SMALL_COURSE, items_per_template=3).course


@pytest.fixture
def teacher(db):
    return services.user_create(username="teacher", password="pw-teacher-123", role=User.Role.TEACHER,
                                first_name="Tess", last_name="Teacher")


@pytest.fixture
def classroom(course, teacher):
    return services.classroom_create(teacher=teacher, course=course, name="7A")


def wrong_answer(item) -> str:
    """An answer to ``item`` that is readable but wrong."""
    return next(c for c in item.choices if c != item.answer) if item.choices else f"{item.answer} + 1"


def make_student(classroom, username: str) -> User:
    student = services.user_create(username=username, password=f"pw-{username}-123", role=User.Role.STUDENT,
                                   first_name=username.title(), last_name="Student")
    services.classroom_enrol(classroom=classroom, student=student)
    return student


@pytest.fixture
def student(classroom):
    return make_student(classroom, "sam")


@pytest.fixture
def session(student, course):
    return services.session_start(learner=student, course=course)


@pytest.fixture
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        service_unavailable("Debian's Chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture
def addition_session(student, course):
    """A session on adding whole numbers, whose items ask for the sum as a single number ("What is 23 + 31?")."""
    focus = course_concept(course=course, concept_slug="whole-addition")
    return services.session_start(learner=student, course=course, focus=focus)


def question_expression(item) -> str:
    """The calculation an item asks for, as a student would type it back: "23+31" for "What is 23 + 31?"."""
    return item.prompt.removeprefix("What is ").removesuffix("?").replace(" ", "")
