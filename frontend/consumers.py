"""Websocket consumers: parse a frame (with the same form as the HTTP path), authorize, call one service, send back
rendered fragments; render the data events the domain sends (``tutoring.events``).

Practice frames, client to server (JSON objects):
    {"type": "attempt", "item_id": 12, "answer": "3/4", "client_id": "<uuid4>"}
    {"type": "hint", "item_id": 12}
    {"type": "next"}
    {"type": "chat", "text": "I'm stuck", "client_id": "<uuid4>"}
Server to client: {"type": "feedback" | "hint" | "item" | "chat.start" | "chat.delta" | "chat.end" | "error", ...},
where "html" maps element ids of the practice page to fragments that replace their content and "append" to
fragments added at their end. A bad frame gets {"type": "error", "code": ..., "message": ...} and the connection
stays open. The teacher's class socket sends {"type": "mastery.row", "learner_id": ..., "html": ...}.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.template.loader import render_to_string
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


def _authorized(consumer: JsonWebsocketConsumer, lookup: Callable[[Any, dict[str, Any]], Any]) -> Any:
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


class PracticeConsumer(JsonWebsocketConsumer):
    def connect(self) -> None:
        session = _authorized(self, lambda user, kwargs: learner_session(learner=user, session_id=kwargs["session_id"]))
        if session is not None:
            self.session_id = session.id
            self.accept()

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        frame: dict[str, Any] = {}
        try:
            frame = _frame(text_data)
            kind = frame.get("type")
            form = PRACTICE_FORMS.get(kind) if isinstance(kind, str) else None
            if form is None:
                raise FormError("Unknown frame type; expected attempt, hint, next or chat.")
            data = form(data=frame).cleaned()
            session = learner_session(learner=self.scope["user"], session_id=self.session_id)
            getattr(self, f"on_{kind}")(session, data)
        except ServiceError as error:
            reply = {"type": "error", "code": error.code, "message": str(error)}
            if isinstance(frame.get("client_id"), str):
                reply["client_id"] = frame["client_id"]  # the client stops resending it
            self.send_json(reply)

    def on_attempt(self, session, data: dict[str, Any]) -> None:
        result = services.attempt_record(session=session, item_id=data["item_id"], response=data["answer"],
                                         client_id=data["client_id"])
        self.send_json({"type": "feedback", "item_id": result.attempt.item_id, "correct": result.verdict.correct,
                        "message": result.verdict.message, "client_id": str(result.attempt.client_id),
                        "created": result.created, "html": fragments.card_fragments(session=session)})

    def on_hint(self, session, data: dict[str, Any]) -> None:
        hint = services.hint_reveal(session=session, item_id=data["item_id"])
        self.send_json({"type": "hint", "index": hint.index, "text": hint.text,
                        "html": fragments.card_fragments(session=session)})

    def on_next(self, session, data: dict[str, Any]) -> None:
        item = services.session_item_advance(session=session)
        self.send_json({"type": "item", "item_id": item.id, "html": fragments.item_fragments(session=session)})

    def on_chat(self, session, data: dict[str, Any]) -> None:
        turn = services.chat_post(session=session, text=data["text"], client_id=data["client_id"])
        self.send_json({"type": "chat.start", "client_id": str(turn.question.client_id),
                        "append": fragments.chat_question_fragments(message=turn.question)})
        services.chat_reply_dispatch(question=turn.question, reply_channel=self.channel_name)

    def chat_delta(self, event: dict[str, Any]) -> None:
        """A piece of the tutor's reply, from whichever process writes it (``tutoring.tasks.chat_reply_send``)."""
        self.send_json({"type": "chat.delta", "client_id": event["client_id"], "text": event["text"]})

    def chat_end(self, event: dict[str, Any]) -> None:
        """The reply is stored: the chat log as it now is, and the card when the reply gave a hint."""
        session = learner_session(learner=self.scope["user"], session_id=self.session_id)
        question = session_question(session=session, question_id=event["question_id"])
        self.send_json({"type": "chat.end", "client_id": event["client_id"],
                        "html": fragments.chat_reply_fragments(session=session, question=question,
                                                               card=event["card"])})

    def chat_error(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "error", "code": "tutor_unavailable", "client_id": event["client_id"],
                        "message": event["message"]})


class ClassroomConsumer(JsonWebsocketConsumer):
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
        self.send_json({"type": "error", "code": "bad_frame", "message": "This channel only sends updates."})

    def mastery_changed(self, event: dict[str, Any]) -> None:
        """A student's mastery moved: their fresh row of the grid."""
        grid = class_mastery_grid(teacher=self.scope["user"], classroom_id=self.classroom_id, at=timezone.now(),
                                  student_ids=[event["learner_id"]])
        for student, cells in grid.rows:
            html = render_to_string("teacher/_grid_row.html", {"grid": grid, "student": student,
                                                                 "cells": list(zip(grid.concepts, cells, strict=True))})
            self.send_json({"type": "mastery.row", "learner_id": student.id, "html": html})
