"""Websocket consumers: parse a frame, authorize, call one service, send back rendered fragments.

Practice frames, client to server (JSON objects):
    {"type": "attempt", "item_id": 12, "answer": "3/4", "client_id": "<uuid4>"}
    {"type": "hint", "item_id": 12}
    {"type": "next"}
    {"type": "chat", "text": "I'm stuck", "client_id": "<uuid4>"}
Server to client: {"type": "feedback" | "hint" | "item" | "chat.delta" | "chat.end" | "error", ...}, where
"html" maps element ids of the practice page to fragments that replace their content and "append" to
fragments added at their end. A bad frame gets
{"type": "error", "code": ..., "message": ...} and the connection stays open.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer

from frontend import fragments
from tutoring import services
from tutoring.errors import ServiceError
from tutoring.selectors import learner_session, teacher_classroom
from tutoring.tasks import classroom_group

MAX_FRAME_BYTES = 8192
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class FrameError(ServiceError):
    code = "bad_frame"


def _field(frame: dict[str, Any], name: str, kind: type) -> Any:
    value = frame.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise FrameError(f"Field '{name}' must be a {kind.__name__}.")
    return value


def _client_id(frame: dict[str, Any]) -> uuid.UUID:
    try:
        return uuid.UUID(_field(frame, "client_id", str))
    except ValueError as error:
        raise FrameError("Field 'client_id' must be a UUID.") from error


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


class PracticeConsumer(JsonWebsocketConsumer):
    def connect(self) -> None:
        session = _authorized(self, lambda user, kwargs: learner_session(learner=user, session_id=kwargs["session_id"]))
        if session is not None:
            self.session_id = session.id
            self.accept()

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        frame: Any = None
        try:
            if text_data is None:
                raise FrameError("Frames must be JSON text.")
            if len(text_data.encode()) > MAX_FRAME_BYTES:
                raise FrameError(f"Frames are at most {MAX_FRAME_BYTES} bytes.")
            try:
                frame = json.loads(text_data)
            except json.JSONDecodeError as error:
                raise FrameError("Frames must be JSON objects.") from error
            if not isinstance(frame, dict):
                raise FrameError("Frames must be JSON objects.")
            handlers = {"attempt": self.on_attempt, "hint": self.on_hint, "next": self.on_next, "chat": self.on_chat}
            handler = handlers.get(frame.get("type"))
            if handler is None:
                raise FrameError("Unknown frame type; expected attempt, hint, next or chat.")
            session = learner_session(learner=self.scope["user"], session_id=self.session_id)
            handler(session, frame)
        except ServiceError as error:
            reply = {"type": "error", "code": error.code, "message": str(error)}
            if isinstance(frame, dict) and isinstance(frame.get("client_id"), str):
                reply["client_id"] = frame["client_id"]  # the client stops resending it
            self.send_json(reply)

    def on_attempt(self, session, frame: dict[str, Any]) -> None:
        result = services.attempt_record(session=session, item_id=_field(frame, "item_id", int),
                                         response=_field(frame, "answer", str), client_id=_client_id(frame))
        self.send_json({"type": "feedback", "item_id": result.attempt.item_id, "correct": result.verdict.correct,
                        "message": result.verdict.message, "client_id": str(result.attempt.client_id),
                        "created": result.created, "html": fragments.card_fragments(session=session)})

    def on_hint(self, session, frame: dict[str, Any]) -> None:
        hint = services.hint_reveal(session=session, item_id=_field(frame, "item_id", int))
        self.send_json({"type": "hint", "index": hint.index, "text": hint.text,
                        "html": fragments.card_fragments(session=session)})

    def on_next(self, session, frame: dict[str, Any]) -> None:
        item = services.session_item_advance(session=session)
        self.send_json({"type": "item", "item_id": item.id, "html": fragments.item_fragments(session=session)})

    def on_chat(self, session, frame: dict[str, Any]) -> None:
        turn = services.chat_post(session=session, text=_field(frame, "text", str), client_id=_client_id(frame))
        self.send_json({"type": "chat.start", "client_id": str(turn.question.client_id),
                        "append": fragments.chat_question_fragments(message=turn.question)})
        services.chat_reply_dispatch(question=turn.question, reply_channel=self.channel_name)

    def chat_delta(self, event: dict[str, Any]) -> None:
        """A piece of the tutor's reply, from whichever process writes it (see tutoring.tasks.chat_reply_send)."""
        self.send_json({"type": "chat.delta", "client_id": event["client_id"], "text": event["text"]})

    def chat_end(self, event: dict[str, Any]) -> None:
        self.send_json({key: event[key] for key in ("type", "client_id", "html")})

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
            self.group = classroom_group(classroom.id)
            async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)
            self.accept()

    def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        self.send_json({"type": "error", "code": "bad_frame", "message": "This channel only sends updates."})

    def mastery_row(self, event: dict[str, Any]) -> None:
        self.send_json({"type": "mastery.row", "learner_id": event["learner_id"], "html": event["html"]})
