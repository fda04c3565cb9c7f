"""Websocket consumers: parse a message (with the same form as the HTTP path), authorize, call one service, send
back the fragments the HTTP path returns; render the data events the domain sends (``tutoring.events``).

The practice page speaks htmx's websocket extension (``hx-ext="ws"``, ``ws-connect``, forms with ``ws-send``).

Client to server: a form's fields as a JSON object, plus the extension's HEADERS object (ignored). The hidden
``frame`` field names the form (``frontend.forms.PRACTICE_FORMS``):
    {"frame": "attempt", "item_id": "12", "answer": "3/4", "client_id": "<uuid4>", "HEADERS": {...}}
    {"frame": "hint", "item_id": "12", ...}
    {"frame": "next", ...}
    {"frame": "steps", "item_id": "12", ...}                  open the steps of a stuck student's item
    {"frame": "step", "item_id": "12", "step": "0", "answer": "12", "client_id": "<uuid4>", ...}
    {"frame": "solution", "item_id": "12", ...}               show the worked solution after the last hint
    {"frame": "chat", "text": "I'm stuck", "client_id": "<uuid4>", ...}
Server to client: HTML whose every top-level element swaps itself into the page out of band (``hx-swap-oob``):
    attempt, hint,      the card ``#item`` (with its steps and worked solution) and ``#mastery`` (after a right
    steps, step,        value in another form than the item asks for, the card shows ``#form-notice`` instead of a
    solution            verdict, and nothing was stored)
    next                those and an empty ``#chat-log``
    chat                the student's message and an empty tutor bubble added to ``#chat-log`` (``beforeend``),
                        and the chat form's next client id ``#chat-client-id``
    chat.delta event    a piece of the reply added to the bubble ``#chat-streaming`` (``beforeend``, as text)
    chat.end event      the stored ``#chat-log``, and ``#item`` when the reply gave a hint
and each of these an empty ``#alert``, which clears an earlier error. A message that is not a JSON object, names
no known frame, is larger than MAX_FRAME_BYTES or fails its form, and a request the services refuse (an
unreadable answer, a message too long), get ``#alert`` with the message; nothing is stored and the connection
stays open. So does a ``chat.error`` event (the tutor could not reply).

The teacher's class socket only sends: on ``mastery.changed``, the student's fresh grid row ``<tr
id="student-N" class="updated">``. Connections without login are closed with 4401, to another's session or class
with 4403.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import WebsocketConsumer
from django.utils import timezone

from frontend import fragments
from frontend.forms import PRACTICE_FORMS, FormError
from tutoring import services
from tutoring.errors import ServiceError
from tutoring.events import classroom_group
from tutoring.selectors import class_mastery_grid, learner_session, session_question, teacher_classroom

MAX_FRAME_BYTES = 8192
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _authorized(consumer: WebsocketConsumer, lookup: Callable[[Any, dict[str, Any]], Any]) -> Any:
    """The object this connection is for, or None after closing it: 4401 without login, 4403 if not theirs."""
    user = consumer.scope.get("user")
    if user is None or not user.is_authenticated:
        consumer.close(code=CLOSE_UNAUTHENTICATED)
        return None
    try:
        return lookup(user, consumer.scope["url_route"]["kwargs"])
    except ServiceError:
        consumer.close(code=CLOSE_FORBIDDEN)
        return None


def _frame(text_data: str | None) -> dict[str, Any]:
    if text_data is None:
        raise FormError("Frames must be JSON text.")
    if len(text_data.encode()) > MAX_FRAME_BYTES:
        raise FormError(f"Frames are at most {MAX_FRAME_BYTES} bytes.")
    try:
        frame = json.loads(text_data)
    except json.JSONDecodeError as error:
        raise FormError("Frames must be JSON objects.") from error
    if not isinstance(frame, dict):
        raise FormError("Frames must be JSON objects.")
    return frame


class FragmentsConsumer(WebsocketConsumer):
    def send_fragments(self, parts: Mapping[str, str], *, clear_alert: bool = True) -> None:
        """Send fragments for htmx to swap out of band; with ``clear_alert``, an earlier error goes away."""
        if clear_alert:
            parts = {**parts, **fragments.alert_fragments()}
        self.send(text_data=fragments.out_of_band(parts))

    def send_error(self, message: str) -> None:
        self.send_fragments(fragments.alert_fragments(message=message), clear_alert=False)


class PracticeConsumer(FragmentsConsumer):
    def connect(self) -> None:
        session = _authorized(self, lambda user, kwargs: learner_session(learner=user, session_id=kwargs["session_id"]))
        if session is not None:
            self.session_id = session.id
            self.accept()

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        try:
            frame = _frame(text_data)
            kind = frame.get("frame")
            form = PRACTICE_FORMS.get(kind) if isinstance(kind, str) else None
            if form is None:
                raise FormError("Unknown frame type; expected attempt, hint, next, chat, steps, step or solution.")
            data = form(data=frame).cleaned()
            session = learner_session(learner=self.scope["user"], session_id=self.session_id)
            getattr(self, f"on_{kind}")(session, data)
        except ServiceError as error:
            self.send_error(str(error))

    def on_attempt(self, session, data: dict[str, Any]) -> None:
        result = services.attempt_record(session=session, item_id=data["item_id"], response=data["answer"],
                                         client_id=data["client_id"])
        self.send_fragments(fragments.card_fragments(session=session, focus="verdict",
                                                     form_notice=result.form_notice))

    def on_hint(self, session, data: dict[str, Any]) -> None:
        services.hint_reveal(session=session, item_id=data["item_id"])
        self.send_fragments(fragments.card_fragments(session=session, focus="hint"))

    def on_steps(self, session, data: dict[str, Any]) -> None:
        services.steps_open(session=session, item_id=data["item_id"])
        self.send_fragments(fragments.card_fragments(session=session, focus="steps"))

    def on_step(self, session, data: dict[str, Any]) -> None:
        services.step_answer_record(session=session, item_id=data["item_id"], step=data["step"],
                                    response=data["answer"], client_id=data["client_id"])
        self.send_fragments(fragments.card_fragments(session=session, focus="steps"))

    def on_solution(self, session, data: dict[str, Any]) -> None:
        services.solution_reveal(session=session, item_id=data["item_id"])
        self.send_fragments(fragments.card_fragments(session=session, focus="solution"))

    def on_next(self, session, data: dict[str, Any]) -> None:
        services.session_item_advance(session=session)
        self.send_fragments(fragments.item_fragments(session=session))

    def on_chat(self, session, data: dict[str, Any]) -> None:
        turn = services.chat_post(session=session, text=data["text"], client_id=data["client_id"])
        self.send_fragments({**fragments.chat_question_fragments(message=turn.question),
                             **fragments.chat_form_fragments()})
        services.chat_reply_dispatch(question=turn.question, reply_channel=self.channel_name)

    def chat_delta(self, event: dict[str, Any]) -> None:
        """A piece of the tutor's reply, from whichever process writes it (``tutoring.tasks.chat_reply_send``)."""
        self.send_fragments(fragments.chat_delta_fragments(text=event["text"]), clear_alert=False)

    def chat_end(self, event: dict[str, Any]) -> None:
        """The reply is stored: the chat log as it now is, and the card when the reply gave a hint."""
        session = learner_session(learner=self.scope["user"], session_id=self.session_id)
        question = session_question(session=session, question_id=event["question_id"])
        self.send_fragments(fragments.chat_reply_fragments(session=session, question=question, card=event["card"]))

    def chat_error(self, event: dict[str, Any]) -> None:
        self.send_error(event["message"])


class ClassroomConsumer(FragmentsConsumer):
    """Live updates of a class's mastery grid for its teacher."""

    def connect(self) -> None:
        classroom = _authorized(
            self, lambda user, kwargs: teacher_classroom(teacher=user, classroom_id=kwargs["classroom_id"])
        )
        if classroom is not None:
            self.classroom_id = classroom.id
            self.group = classroom_group(classroom.id)
            async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)
            self.accept()

    def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        self.send_error("This channel only sends updates.")

    def mastery_changed(self, event: dict[str, Any]) -> None:
        """A student's mastery moved: their fresh row of the grid, marked as updated."""
        grid = class_mastery_grid(teacher=self.scope["user"], classroom_id=self.classroom_id, at=timezone.now(),
                                  student_ids=[event["learner_id"]])
        self.send_fragments(fragments.grid_row_fragments(grid=grid, updated=True), clear_alert=False)
