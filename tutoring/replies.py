"""The tutor's reply to a student's chat message: written by the agent trio (``llm.tutor``), streamed, stored with
the decisions behind it. Runs where the tutor's model lives: a worker on the LLM queue, or the web process."""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from llm.backends.generative import generative_options
from llm.tutor import decision_models_current, tutor_turn
from tutoring.models import ChatMessage, LearningSession
from tutoring.selectors import tutor_request


def chat_reply_stream(*, question: ChatMessage) -> Iterator[str]:
    """The tutor's reply to ``question``, chunk by chunk; stored with its decision trace when it ends.

    Nothing runs until the first chunk is asked for, so the reply can be written where the model lives: in
    the web process, or by a worker on the LLM queue (``tutoring.tasks.chat_reply_send``). A reply that is
    already stored (a resend) is replayed, not written again.
    """
    stored = ChatMessage.objects.filter(in_reply_to=question).first()
    if stored is not None:
        yield stored.text
        return
    session = LearningSession.objects.select_related("course", "classroom").get(pk=question.session_id)
    request = tutor_request(session=session, question=question, at=timezone.now())
    turn = tutor_turn(request, backend=settings.CAIRN_LLM_BACKEND, backend_options=generative_options(os.environ),
                      decision_models=decision_models_current(root=settings.CAIRN_DECISION_MODELS_DIR))
    yield from turn.chunks()
    with transaction.atomic():
        locked = LearningSession.objects.select_for_update().get(pk=session.pk)
        if turn.hints_shown > locked.hints_shown and locked.current_item_id == question.item_id:
            locked.hints_shown = turn.hints_shown
            locked.save(update_fields=["hints_shown"])
        ChatMessage.objects.create(session=session, item_id=question.item_id, author=ChatMessage.Author.TUTOR,
                                   text=turn.text, in_reply_to=question, trace=turn.trace)

