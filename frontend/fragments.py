"""Fragments of the practice page, rendered once for both paths: websocket frames and htmx responses.

Each function returns {element id: html}; the page swaps each fragment into the element with that id.
"""

from __future__ import annotations

import uuid

from django.template.loader import render_to_string
from django.utils import timezone

from tutoring.models import ChatMessage, LearningSession
from tutoring.selectors import session_chat, session_last_attempt, session_mastery


def item_context(*, session: LearningSession) -> dict:
    """What the item card shows: the question, hints so far, the last verdict, the solution once solved."""
    session.refresh_from_db()
    item = session.current_item
    return {
        "session": session,
        "item": item,
        "last_attempt": session_last_attempt(session=session, item_id=session.current_item_id),
        "hints": item.hints[: session.hints_shown] if item else [],
        "more_hints": bool(item) and session.hints_shown < len(item.hints),
        "form_client_id": uuid.uuid4(),
        "show_solution": session.current_solved,
    }


def mastery_context(*, session: LearningSession) -> dict:
    return {"concept_mastery": session_mastery(session=session, at=timezone.now())}


def card_fragments(*, session: LearningSession) -> dict[str, str]:
    """The item card and the mastery of its concepts, after an attempt or a hint."""
    return {
        "item": render_to_string("practice/_item.html", item_context(session=session)),
        "mastery": render_to_string("practice/_mastery.html", mastery_context(session=session)),
    }


def item_fragments(*, session: LearningSession) -> dict[str, str]:
    """A new item: its card, its concepts' mastery, and an empty chat log."""
    return {**card_fragments(session=session),
            "chat-log": render_to_string("practice/_chat_log.html", {"messages": []})}


def chat_question_fragments(*, message: ChatMessage) -> dict[str, str]:
    """Appended to the chat log: the student's message and an empty tutor bubble the stream fills."""
    return {"chat-log": render_to_string("practice/_chat_message.html", {"message": message, "pending": True})}


def chat_reply_fragments(*, session: LearningSession, question: ChatMessage, card: bool = True) -> dict[str, str]:
    """The chat log of the item on screen (student turn and stored reply) and, with ``card``, the card (a hint the
    tutor gave is shown there). A reply streamed while the student answered leaves the card alone: the card it
    would send could predate the answer's verdict."""
    messages = session_chat(session=session, item_id=question.item_id)
    parts = {"chat-log": render_to_string("practice/_chat_log.html", {"messages": messages})}
    if card:
        parts["item"] = render_to_string("practice/_item.html", item_context(session=session))
    return parts
