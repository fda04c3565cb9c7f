"""The practice websocket: authentication, bad frames, attempts, hints, chat streaming."""

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from frontend.routing import websocket_urlpatterns
from tests.conftest import make_student, wrong_answer
from tutoring import celery_app, services
from tutoring.asgi import application
from tutoring.models import Attempt, LearningSession

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user, session_id: int) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/practice/{session_id}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _answer(communicator: WebsocketCommunicator, item, answer: str) -> dict:
    """Send an attempt frame and return the reply."""
    await communicator.send_json_to({"type": "attempt", "item_id": item.id, "answer": answer,
                                     "client_id": str(uuid.uuid4())})
    return await communicator.receive_json_from()


@pytest.fixture
def practice(classroom, course):
    student = make_student(classroom, "wes")
    session = services.session_start(learner=student, course=course)
    return student, LearningSession.objects.select_related("current_item").get(pk=session.pk)


async def test_anonymous_connection_is_refused(practice):
    _, session = practice
    communicator = WebsocketCommunicator(application, f"/ws/practice/{session.id}/",
                                         headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")])
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_foreign_origin_is_refused(practice):
    _, session = practice
    communicator = WebsocketCommunicator(application, f"/ws/practice/{session.id}/",
                                         headers=[(b"origin", b"http://evil.example"), (b"host", b"127.0.0.1")])
    connected, _ = await communicator.connect()
    assert not connected


async def test_another_students_session_is_refused(practice, classroom):
    _, session = practice
    other = await sync_to_async(make_student)(classroom, "eve")
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/practice/{session.id}/")
    communicator.scope["user"] = other
    connected, code = await communicator.connect()
    assert not connected and code == 4403


@pytest.mark.parametrize("frame", [
    "not json",
    json.dumps([1, 2]),
    json.dumps({"type": "dance"}),
    json.dumps({"type": "attempt", "item_id": "twelve", "answer": "1", "client_id": str(uuid.uuid4())}),
    json.dumps({"type": "attempt", "item_id": 1, "answer": "1", "client_id": "not-a-uuid"}),
    json.dumps({"type": "chat", "text": "x" * 9000, "client_id": str(uuid.uuid4())}),
])
async def test_bad_frame_gets_an_error_frame_and_the_connection_stays_open(practice, frame):
    student, session = practice
    communicator = await _connect(student, session.id)
    await communicator.send_to(text_data=frame)
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and reply["message"]
    await communicator.send_json_to({"type": "hint", "item_id": session.current_item_id})
    assert (await communicator.receive_json_from())["type"] == "hint"
    await communicator.disconnect()
    assert await sync_to_async(Attempt.objects.count)() == 0


async def test_malformed_answer_gets_a_clear_error_and_stores_nothing(practice):
    student, session = practice
    communicator = await _connect(student, session.id)
    await communicator.send_json_to({"type": "attempt", "item_id": session.current_item_id, "answer": "2+*",
                                     "client_id": str(uuid.uuid4())})
    reply = await communicator.receive_json_from()
    assert reply == {"type": "error", "code": "bad_request", "message": reply["message"],
                     "client_id": reply["client_id"]}
    assert "read" in reply["message"] or "choices" in reply["message"]
    await communicator.disconnect()
    assert await sync_to_async(Attempt.objects.count)() == 0


async def test_wrong_then_right_answer_updates_feedback_and_mastery(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    first = await _answer(communicator, item, wrong_answer(item))
    second = await _answer(communicator, item, item.answer)
    await communicator.disconnect()
    assert (first["type"], first["correct"], second["correct"]) == ("feedback", False, True)
    assert "Correct!" in second["html"]["item"] and 'id="mastery"' in second["html"]["mastery"]
    assert "Worked solution" in second["html"]["item"]


async def test_resent_attempt_frame_is_stored_once(practice):
    student, session = practice
    item = session.current_item
    frame = {"type": "attempt", "item_id": item.id, "answer": item.answer, "client_id": str(uuid.uuid4())}
    communicator = await _connect(student, session.id)
    await communicator.send_json_to(frame)
    first = await communicator.receive_json_from()
    await communicator.send_json_to(frame)
    second = await communicator.receive_json_from()
    await communicator.disconnect()
    assert first["created"] is True and second["created"] is False and second["correct"] is True
    assert await sync_to_async(Attempt.objects.count)() == 1


async def test_chat_reply_streams_in_pieces_then_the_log_is_sent(practice, monkeypatch):
    # The reply is written by a Celery task; here it runs in the consumer's process, over the real channel layer.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    student, session = practice
    communicator = await _connect(student, session.id)
    await communicator.send_json_to({"type": "chat", "text": "I don't get it, help", "client_id": str(uuid.uuid4())})
    frames = [await communicator.receive_json_from()]
    while frames[-1]["type"] != "chat.end":
        frames.append(await communicator.receive_json_from())
    await communicator.disconnect()
    deltas = [f["text"] for f in frames if f["type"] == "chat.delta"]
    assert frames[0]["type"] == "chat.start" and len(deltas) > 3
    assert "".join(deltas) in frames[-1]["html"]["chat-log"]
    assert "item" not in frames[-1]["html"]  # no hint was given: the card on screen stays as it is


async def test_next_frame_brings_a_new_item(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    await _answer(communicator, item, item.answer)
    await communicator.send_json_to({"type": "next"})
    reply = await communicator.receive_json_from()
    await communicator.disconnect()
    assert reply["type"] == "item" and reply["item_id"] != item.id
    assert f'data-item="{reply["item_id"]}"' in reply["html"]["item"]


async def test_feedback_stays_on_the_card_after_a_hint(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    await _answer(communicator, item, wrong_answer(item))
    await communicator.send_json_to({"type": "hint", "item_id": item.id})
    hint = await communicator.receive_json_from()
    await communicator.disconnect()
    assert "Not quite" in hint["html"]["item"] and item.hints[0] in hint["html"]["item"]
