"""Pages for students and teachers. Each view parses, authorizes, calls one service or selector, renders.

The practice endpoints are the plain-HTTP path of the practice loop (the websocket is the other, taken while it
is open): with htmx they answer with the same fragments the websocket sends; without JavaScript, with the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend import fragments
from frontend.forms import AttemptForm, ChatForm, HintForm, NextForm, SolutionForm, StepForm, StepsForm
from tutoring import services
from tutoring.errors import Forbidden, ServiceError
from tutoring.models import Classroom, User
from tutoring.selectors import (
    class_mastery_grid,
    class_student_chat,
    course_concept,
    learner_course,
    learner_courses,
    learner_open_session,
    learner_progress,
    learner_session,
    session_chat,
    teacher_classroom,
    teacher_classrooms,
)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """A 4xx with the message: as a fragment into the page's alert area for htmx, else as a page."""
    if _is_htmx(request):
        response = HttpResponse(render_to_string("_alert.html", {"message": str(error)}), status=error.status)
        response["HX-Retarget"] = "#alert"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "error.html", {"message": str(error)}, status=error.status)


def role_required(role: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role != role:
                return _error(request, Forbidden(f"This page is for {role}s."))
            try:
                return view(request, *args, **kwargs)
            except ServiceError as error:
                return _error(request, error)

        return wrapped

    return decorator


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user
    if user.is_curator:
        return redirect("admin:index")
    if user.is_teacher:
        return redirect("teach")
    return redirect("learn")


# --- Student -------------------------------------------------------------------------------------


@role_required(User.Role.STUDENT)
def learn(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    courses = [(course, learner_progress(learner=request.user, course=course, at=now),
                learner_open_session(learner=request.user, course=course, focus=None))
               for course in learner_courses(learner=request.user)]
    return render(request, "student/learn.html", {"courses": courses})


@require_POST
@role_required(User.Role.STUDENT)
def practice_start(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = learner_course(learner=request.user, course_slug=course_slug)
    concept_slug = request.POST.get("concept")
    focus = course_concept(course=course, concept_slug=concept_slug) if concept_slug else None
    session = services.session_resume(learner=request.user, course=course, focus=focus,
                                      fresh=request.POST.get("fresh") == "1")
    return redirect("practice", session_id=session.id)


def _practice_page(request: HttpRequest, session, focus: str | None = "answer",
                   form_notice: services.FormNotice | None = None) -> HttpResponse:
    context = {
        **fragments.item_context(session=session, focus=focus, form_notice=form_notice),
        **fragments.mastery_context(session=session),
        "messages_log": session_chat(session=session, item_id=session.current_item_id),
        "tutor_enabled": session.classroom is None or session.classroom.tutor_enabled,
        "chat_client_id": uuid.uuid4(),
    }
    return render(request, "practice/page.html", context)


@role_required(User.Role.STUDENT)
def practice(request: HttpRequest, session_id: int) -> HttpResponse:
    return _practice_page(request, learner_session(learner=request.user, session_id=session_id))


def _fragments_response(request: HttpRequest, session, parts: dict[str, str], focus: str | None,
                        form_notice: services.FormNotice | None = None) -> HttpResponse:
    """htmx: the item card as the main swap, the other fragments (and an empty alert, which clears an earlier error)
    out of band; no JavaScript: the page, with ``focus`` on what the request changed (and ``form_notice`` on its
    card)."""
    if not _is_htmx(request):
        return _practice_page(request, session, focus=focus, form_notice=form_notice)
    main = parts.pop("item")
    return HttpResponse(main + fragments.out_of_band({**parts, **fragments.alert_fragments()}))


def _card_response(request: HttpRequest, session, *, focus: str,
                   form_notice: services.FormNotice | None = None) -> HttpResponse:
    """The item card and its concepts' mastery after an answer, a hint or a step, ``focus`` on what changed."""
    parts = fragments.card_fragments(session=session, focus=focus, form_notice=form_notice)
    return _fragments_response(request, session, parts, focus=focus, form_notice=form_notice)


@require_POST
@role_required(User.Role.STUDENT)
def practice_attempt(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    data = AttemptForm(request.POST).cleaned()
    result = services.attempt_record(session=session, item_id=data["item_id"], response=data["answer"],
                                     client_id=data["client_id"])
    return _card_response(request, session, focus="verdict", form_notice=result.form_notice)


@require_POST
@role_required(User.Role.STUDENT)
def practice_hint(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    services.hint_reveal(session=session, item_id=HintForm(request.POST).cleaned()["item_id"])
    return _card_response(request, session, focus="hint")


@require_POST
@role_required(User.Role.STUDENT)
def practice_next(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    NextForm(request.POST).cleaned()
    services.session_item_advance(session=session)
    return _fragments_response(request, session, fragments.item_fragments(session=session), focus="answer")


@require_POST
@role_required(User.Role.STUDENT)
def practice_steps(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    services.steps_open(session=session, item_id=StepsForm(request.POST).cleaned()["item_id"])
    return _card_response(request, session, focus="steps")


@require_POST
@role_required(User.Role.STUDENT)
def practice_step(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    data = StepForm(request.POST).cleaned()
    services.step_answer_record(session=session, item_id=data["item_id"], step=data["step"], response=data["answer"],
                                client_id=data["client_id"])
    return _card_response(request, session, focus="steps")


@require_POST
@role_required(User.Role.STUDENT)
def practice_solution(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    services.solution_reveal(session=session, item_id=SolutionForm(request.POST).cleaned()["item_id"])
    return _card_response(request, session, focus="solution")


@require_POST
@role_required(User.Role.STUDENT)
def practice_chat(request: HttpRequest, session_id: int) -> HttpResponse:
    session = learner_session(learner=request.user, session_id=session_id)
    data = ChatForm(request.POST).cleaned()
    turn = services.chat_post(session=session, text=data["text"], client_id=data["client_id"])
    for _ in turn.chunks:  # without a websocket the reply arrives whole
        pass
    parts = {**fragments.chat_reply_fragments(session=session, question=turn.question),
             **fragments.chat_form_fragments()}
    return _fragments_response(request, session, parts, focus=None)


# --- Teacher -------------------------------------------------------------------------------------


@role_required(User.Role.TEACHER)
def teach(request: HttpRequest) -> HttpResponse:
    return render(request, "teacher/classes.html", {"classrooms": teacher_classrooms(teacher=request.user)})


@role_required(User.Role.TEACHER)
def classroom(request: HttpRequest, classroom_id: int) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        services.classroom_tutor_configure(
            teacher=request.user, classroom=teacher_classroom(teacher=request.user, classroom_id=classroom_id),
            enabled=request.POST.get("tutor_enabled") == "on", telling=request.POST.get("tutor_telling", ""),
        )
        return redirect("classroom", classroom_id=classroom_id)
    grid = class_mastery_grid(teacher=request.user, classroom_id=classroom_id, at=timezone.now())
    return render(request, "teacher/classroom.html", {
        "grid": grid,
        "rows": [(student, list(zip(grid.concepts, cells, strict=True))) for student, cells in grid.rows],
        "telling_choices": Classroom.Telling.choices,
    })


@role_required(User.Role.TEACHER)
def class_student_chat_page(request: HttpRequest, classroom_id: int, student_id: int) -> HttpResponse:
    chat = class_student_chat(teacher=request.user, classroom_id=classroom_id, student_id=student_id)
    return render(request, "teacher/student_chat.html",
                  {"classroom": chat.classroom, "student": chat.student, "exchanges": chat.exchanges})
