"""Fragments of the practice page and the class grid, rendered once for both paths: htmx responses to HTTP posts
and messages on the websocket (``frontend.consumers``).

Each function returns {element id: html}, the fragment's root element carrying that id. ``out_of_band`` joins
them into one htmx message in which each fragment swaps itself into the element with its id (htmx's
``hx-swap-oob``); a fragment whose root says how it swaps (``hx-swap-oob="beforeend"``: added at the end of the
element) keeps that.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html

from tutoring.models import ChatMessage, LearningSession
from tutoring.selectors import (
    MasteryGrid,
    session_attempt_client_id,
    session_chat,
    session_last_attempt,
    session_mastery,
    session_scaffold,
)
from tutoring.services import FormNotice

FOCUS_TARGETS = (None, "verdict", "hint", "answer", "steps", "solution")


def out_of_band(parts: Mapping[str, str]) -> str:
    """The fragments as one htmx message: each replaces the element with its id unless its root tag already says
    how it swaps."""
    return "".join(
        html if "hx-swap-oob=" in html.split(">", 1)[0]
        else html.replace(f'id="{key}"', f'id="{key}" hx-swap-oob="true"', 1)
        for key, html in parts.items()
    )


def alert_fragments(*, message: str = "") -> dict[str, str]:
    """The page's alert region with a message for the student, or empty (hidden), which clears an earlier one."""
    return {"alert": render_to_string("_alert.html", {"message": message})}


def item_context(*, session: LearningSession, focus: str | None = None, form_notice: FormNotice | None = None) -> dict:
    """What the item card shows: the question, hints so far, the last verdict (or, in its place, a request to
    rewrite a right value in the item's form), the steps a stuck student opened, the worked solution once solved or
    asked for.

    ``focus`` names what takes the keyboard focus when the card arrives (FOCUS_TARGETS): the verdict after an
    answer, the latest hint after a hint, the answer box for a new question, the open step after a step, the
    worked solution when it is asked for; None leaves
    the focus where it is (a card re-sent beside a chat reply must not pull the student out of the chat box)."""
    if focus not in FOCUS_TARGETS:
        raise ValueError(f"focus must be one of {FOCUS_TARGETS}")
    session.refresh_from_db()
    item = session.current_item
    return {
        "session": session,
        "item": item,
        "form_notice": form_notice,
        "last_attempt": None if form_notice else session_last_attempt(session=session,
                                                                       item_id=session.current_item_id),
        "hints": item.hints[: session.hints_shown] if item else [],
        "more_hints": bool(item) and session.hints_shown < len(item.hints),
        "form_client_id": session_attempt_client_id(session=session),
        "show_solution": session.current_solved or session.current_solution_shown,
        "scaffold": session_scaffold(session=session),
        "step_client_id": uuid.uuid4(),
        "focus": focus,
    }


def mastery_context(*, session: LearningSession) -> dict:
    return {"concept_mastery": session_mastery(session=session, at=timezone.now())}


def card_fragments(*, session: LearningSession, focus: str | None,
                   form_notice: FormNotice | None = None) -> dict[str, str]:
    """The item card and the mastery of its concepts, after an attempt (``form_notice`` when its value was right but
    not in the item's form), a hint or a step."""
    return {
        "item": render_to_string("practice/_item.html", item_context(session=session, focus=focus,
                                                                     form_notice=form_notice)),
        "mastery": render_to_string("practice/_mastery.html", mastery_context(session=session)),
    }


def item_fragments(*, session: LearningSession) -> dict[str, str]:
    """A new item: its card, its concepts' mastery, and an empty chat log."""
    return {**card_fragments(session=session, focus="answer"),
            "chat-log": render_to_string("practice/_chat_log.html", {"messages": []})}


def chat_form_fragments() -> dict[str, str]:
    """The chat form's client id, fresh once a message was taken: a resend or a double click of the same message
    keeps the old one and is stored once, the next message gets a new one."""
    return {"chat-client-id": render_to_string("practice/_chat_client_id.html", {"client_id": uuid.uuid4()})}


def chat_question_fragments(*, message: ChatMessage) -> dict[str, str]:
    """Added to the end of the chat log: the student's message and an empty tutor bubble the stream fills."""
    html = render_to_string("practice/_chat_message.html", {"message": message, "pending": True})
    return {"chat-log": f'<div id="chat-log" hx-swap-oob="beforeend">{html}</div>'}


def chat_delta_fragments(*, text: str) -> dict[str, str]:
    """A piece of the tutor's reply, added to the end of the pending bubble (as text, never markup)."""
    return {"chat-streaming": format_html('<span id="chat-streaming" hx-swap-oob="beforeend">{}</span>', text)}


def chat_reply_fragments(*, session: LearningSession, question: ChatMessage, card: bool = True) -> dict[str, str]:
    """The chat log of the item on screen (student turn and stored reply) and, with ``card``, the card (a hint the
    tutor gave is shown there). A reply streamed while the student answered leaves the card alone: the card it
    would send could predate the answer's verdict."""
    messages = session_chat(session=session, item_id=question.item_id)
    parts = {"chat-log": render_to_string("practice/_chat_log.html", {"messages": messages})}
    if card:
        parts["item"] = render_to_string("practice/_item.html", item_context(session=session))
    return parts


def grid_row_fragments(*, grid: MasteryGrid, updated: bool = False) -> dict[str, str]:
    """The rows of the class grid for the students in ``grid``; ``updated`` marks them as just changed."""
    return {
        f"student-{student.id}": render_to_string("teacher/_grid_row.html", {
            "grid": grid, "student": student, "cells": list(zip(grid.concepts, cells, strict=True)),
            "updated": updated,
        })
        for student, cells in grid.rows
    }
