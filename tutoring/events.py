"""The data events the session domain sends over the channel layer. They say what happened; the consumers in
``frontend`` decide how it looks.

    group ``classroom-<id>``, to every teacher watching the class:
        {"type": "mastery.changed", "learner_id": int}          a student's beliefs moved
    a practice socket's own channel, while the tutor writes a reply:
        {"type": "chat.delta", "client_id": str, "text": str}   the next piece of the reply
        {"type": "chat.end", "client_id": str, "question_id": int, "card": bool}
                                                                the reply is stored; ``card``: it gave a hint,
                                                                so the item card changed too
        {"type": "chat.error", "client_id": str, "message": str}
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def classroom_group(classroom_id: int) -> str:
    return f"classroom-{classroom_id}"


def event_send(channel: str, event: dict) -> None:
    """Send an event to one consumer's channel."""
    async_to_sync(get_channel_layer().send)(channel, event)


def event_broadcast(group: str, event: dict) -> None:
    """Send an event to every consumer in a group."""
    async_to_sync(get_channel_layer().group_send)(group, event)
