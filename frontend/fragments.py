"""Fragments of the practice page, rendered once for both paths: websocket frames and htmx responses.

Each function returns {element id: html}; the page swaps each fragment into the element with that id.
"""

from __future__ import annotations

import uuid

from django.template.loader import render_to_string
from django.utils import timezone

from knowledge.selectors import learner_concept_mastery
from tutoring.models import ChatMessage, LearningSession
from tutoring.services import AttemptResult, HintResult


def item_context(*, session: LearningSession, result: AttemptResult | None = None) -> dict:
    """What the item card shows: the question, hints so far, the last verdict, the solution once solved."""
    session.refresh_from_db()
    item = session.current_item
    return {
        "session": session,
        "item": item,
        "hints": item.hints[: session.hints_shown] if item else [],
        "more_hints": bool(item) and session.hints_shown < len(item.hints),
        "result": result,
        "form_client_id": uuid.uuid4(),
        "show_solution": session.current_solved,
    }


def mastery_context(*, session: LearningSession) -> dict:
    item = session.current_item
    concepts = list(item.concepts.all()) if item else []
    mastery = learner_concept_mastery(learner_id=session.learner_id, concept_ids=[c.id for c in concepts],
                                      at=timezone.now())
    return {"concept_mastery": [(c, mastery[c.id]) for c in concepts]}


def _card_and_mastery(session: LearningSession, result: AttemptResult | None = None) -> dict[str, str]:
    return {
        "item": render_to_string("practice/_item.html", item_context(session=session, result=result)),
        "mastery": render_to_string("practice/_mastery.html", mastery_context(session=session)),
    }


def attempt_fragments(*, session: LearningSession, result: AttemptResult) -> dict[str, str]:
    return _card_and_mastery(session, result)


def hint_fragments(*, session: LearningSession, hint: HintResult) -> dict[str, str]:
    return _card_and_mastery(session)


def item_fragments(*, session: LearningSession) -> dict[str, str]:
    return {**_card_and_mastery(session), "chat-log": ""}


def chat_question_fragments(*, message: ChatMessage) -> dict[str, str]:
    """Appended to the chat log: the student's message and an empty tutor bubble the stream fills."""
    return {"chat-log": render_to_string("practice/_chat_message.html", {"message": message, "pending": True})}


def chat_reply_fragments(*, session: LearningSession, question: ChatMessage) -> dict[str, str]:
    """The chat log of the item on screen (student turn and stored reply), and the card (hints may have moved)."""
    messages = list(ChatMessage.objects.filter(session=session, item=question.item_id))
    return {
        "chat-log": render_to_string("practice/_chat_log.html", {"messages": messages}),
        "item": render_to_string("practice/_item.html", item_context(session=session)),
    }
