"""Background work, scheduled with transaction.on_commit. Every task is safe to run twice."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from celery import shared_task
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.utils import timezone


def classroom_group(classroom_id: int) -> str:
    return f"classroom-{classroom_id}"


@shared_task(name="tutoring.class_dashboard_notify")
def class_dashboard_notify(*, classroom_ids: list[int], learner_id: int) -> int:
    """Push the learner's fresh row of the mastery grid to every teacher watching these classes."""
    from tutoring.models import Classroom
    from tutoring.selectors import class_mastery_grid

    layer = get_channel_layer()
    sent = 0
    for classroom in Classroom.objects.filter(id__in=classroom_ids).select_related("teacher"):
        grid = class_mastery_grid(teacher=classroom.teacher, classroom_id=classroom.id, at=timezone.now(),
                                  student_ids=[learner_id])
        for student, cells in grid.rows:
            cells_by_concept = list(zip(grid.concepts, cells, strict=True))
            html = render_to_string("teacher/_grid_row.html", {"grid": grid, "student": student,
                                                                 "cells": cells_by_concept})
            async_to_sync(layer.group_send)(
                classroom_group(classroom.id), {"type": "mastery.row", "learner_id": student.id, "html": html}
            )
            sent += 1
    return sent


@shared_task(name="tutoring.chat_reply_send")
def chat_reply_send(*, question_id: int, reply_channel: str) -> int:
    """Write the tutor's reply to a chat message and stream it to the student's websocket channel.

    Routed to the LLM queue (CAIRN_LLM_QUEUE), so a worker next to the GPU can host the model for every web
    process. Returns the number of chunks sent.
    """
    from frontend import fragments
    from tutoring.models import ChatMessage, LearningSession
    from tutoring.services import chat_reply_stream

    layer = get_channel_layer()
    question = ChatMessage.objects.get(pk=question_id)
    client_id = str(question.client_id)
    hints_before = LearningSession.objects.values_list("hints_shown", flat=True).get(pk=question.session_id)
    sent = 0
    try:
        for chunk in chat_reply_stream(question=question):
            async_to_sync(layer.send)(reply_channel, {"type": "chat.delta", "client_id": client_id, "text": chunk})
            sent += 1
    except Exception:
        async_to_sync(layer.send)(reply_channel, {
            "type": "chat.error", "client_id": client_id,
            "message": "The tutor could not reply just now. Please send your message again.",
        })
        raise
    # Read the session afresh: the student may have answered while the reply was being written. The card is
    # sent only when the reply gave a hint, so a verdict shown meanwhile is not overwritten by an older card.
    session = LearningSession.objects.get(pk=question.session_id)
    html = fragments.chat_reply_fragments(session=session, question=question,
                                          card=session.hints_shown > hints_before)
    async_to_sync(layer.send)(reply_channel, {"type": "chat.end", "client_id": client_id, "html": html})
    return sent
