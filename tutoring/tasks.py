"""Background work, scheduled with transaction.on_commit. Tasks send data events (``tutoring.events``), never
HTML. Every task is safe to run twice."""

from __future__ import annotations

import torch
from celery import shared_task

from tutoring.events import classroom_group, event_broadcast, event_send
from tutoring.learner_model import learner_model_refit as course_refit
from tutoring.models import ChatMessage, LearningSession
from tutoring.replies import chat_reply_stream


@shared_task(name="tutoring.mastery_changed_notify")
def mastery_changed_notify(*, classroom_ids: list[int], learner_id: int) -> int:
    """Tell every teacher watching these classes that the learner's mastery moved; returns the events sent."""
    for classroom_id in classroom_ids:
        event_broadcast(classroom_group(classroom_id), {"type": "mastery.changed", "learner_id": learner_id})
    return len(classroom_ids)


@shared_task(name="tutoring.chat_reply_send")
def chat_reply_send(*, question_id: int, reply_channel: str) -> int:
    """Write the tutor's reply to a chat message and stream it to the student's websocket channel.

    Routed to the LLM queue (CAIRN_LLM_QUEUE), so a worker next to the GPU can host the model for every web
    process. Returns the number of chunks sent.
    """
    question = ChatMessage.objects.get(pk=question_id)
    client_id = str(question.client_id)
    hints_before = LearningSession.objects.values_list("hints_shown", flat=True).get(pk=question.session_id)
    sent = 0
    try:
        for chunk in chat_reply_stream(question=question):
            event_send(reply_channel, {"type": "chat.delta", "client_id": client_id, "text": chunk})
            sent += 1
    except Exception:
        event_send(reply_channel, {"type": "chat.error", "client_id": client_id,
                                   "message": "The tutor could not reply just now. Please send your message again."})
        raise
    # The card is shown again only when the reply gave a hint, so a verdict shown meanwhile (the student may have
    # answered while the reply was being written) is not overwritten by an older card.
    hints_after = LearningSession.objects.values_list("hints_shown", flat=True).get(pk=question.session_id)
    event_send(reply_channel, {"type": "chat.end", "client_id": client_id, "question_id": question.id,
                               "card": hints_after > hints_before})
    return sent


@shared_task(name="tutoring.learner_model_refit")
def learner_model_refit(*, course_id: int) -> int:
    """Refit the course's learner model (a no-op when no answer arrived since the active fit); its version."""
    # Workers share their cores: with more than one torch thread a busy neighbour slows each SVI step 10-50x.
    torch.set_num_threads(1)
    return course_refit(course_id=course_id).version
