"""The websockets, spoken as htmx's ws extension speaks them: form fields up as JSON, HTML fragments down that swap
themselves into the page out of band. Authentication, bad frames, attempts, hints, chat streaming, the live grid."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from frontend import fragments
from frontend.routing import websocket_urlpatterns
from tests.conftest import make_student, question_expression, wrong_answer
from tutoring import celery_app, services
from tutoring.asgi import application
from tutoring.models import Attempt, ChatMessage, LearningSession
from tutoring.selectors import course_concept

pytestmark = pytest.mark.django_db(transaction=True)

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# What the extension adds to every message: the request headers htmx would have sent.
HEADERS = {"HX-Request": "true", "HX-Trigger": None, "HX-Trigger-Name": None, "HX-Target": "item",
           "HX-Current-URL": "http://127.0.0.1:8000/practice/1/"}


@dataclass
class Fragment:
    """A top-level element of a server message: its attributes, its text, and its descendants' tags and attributes."""

    tag: str
    attrs: dict[str, str]
    text: str = ""
    descendants: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def find(self, **attrs: str) -> dict[str, str] | None:
        return next((a for _, a in self.descendants if all(a.get(k) == v for k, v in attrs.items())), None)


class _MessageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fragments: list[Fragment] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if self.depth == 0:
            self.fragments.append(Fragment(tag, values))
        else:
            self.fragments[-1].descendants.append((tag, values))
        if tag not in VOID_TAGS:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth > 0:
            self.fragments[-1].text += data


def _parse(html: str) -> dict[str, Fragment]:
    """The message's fragments by id; each must say how htmx swaps it (out of band, into the element with its id)."""
    parser = _MessageParser()
    parser.feed(html)
    parser.close()
    assert parser.fragments and parser.depth == 0, html
    for fragment in parser.fragments:
        assert fragment.attrs.get("id") and fragment.attrs.get("hx-swap-oob") in ("true", "beforeend"), html
    return {fragment.attrs["id"]: fragment for fragment in parser.fragments}


async def _receive(communicator: WebsocketCommunicator) -> dict[str, Fragment]:
    return _parse(await communicator.receive_from())


def _alert(message: dict[str, Fragment]) -> str:
    """The error the message shows, or "" when it clears the alert."""
    alert = message["alert"]
    assert alert.attrs["hx-swap-oob"] == "true" and ("alert-shown" in alert.attrs["class"]) == bool(alert.text.strip())
    return alert.text.strip()


async def _connect(user, session_id: int) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/practice/{session_id}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _send(communicator: WebsocketCommunicator, frame: str, **fields) -> None:
    """What the extension sends for a submitted form: its fields (strings, as a browser has them) and HEADERS."""
    values = {"frame": frame, "csrfmiddlewaretoken": "x" * 64, **{k: str(v) for k, v in fields.items()}}
    await communicator.send_json_to({**values, "HEADERS": HEADERS})


async def _answer(communicator: WebsocketCommunicator, item, answer: str) -> dict[str, Fragment]:
    """Send an attempt and return the reply."""
    await _send(communicator, "attempt", item_id=item.id, answer=answer, client_id=uuid.uuid4())
    return await _receive(communicator)


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
    b'{"frame": "hint"}',
    json.dumps([1, 2]),
    json.dumps({"frame": "dance"}),
    json.dumps({"type": "hint", "item_id": "1"}),  # the JSON protocol this page spoke before
    json.dumps({"frame": "attempt", "item_id": "twelve", "answer": "1", "client_id": str(uuid.uuid4())}),
    json.dumps({"frame": "attempt", "item_id": "1", "answer": "1", "client_id": "not-a-uuid"}),
    json.dumps({"frame": "attempt", "item_id": "1", "answer": "1"}),
    json.dumps({"frame": "chat", "text": "x" * 9000, "client_id": str(uuid.uuid4())}),
])
async def test_bad_frame_gets_an_error_and_the_connection_stays_open(practice, frame):
    student, session = practice
    communicator = await _connect(student, session.id)
    if isinstance(frame, bytes):
        await communicator.send_to(bytes_data=frame)
    else:
        await communicator.send_to(text_data=frame)
    reply = await _receive(communicator)
    assert set(reply) == {"alert"} and _alert(reply)
    await _send(communicator, "hint", item_id=session.current_item_id)
    hint = await _receive(communicator)
    assert session.current_item.hints[0] in hint["item"].text and _alert(hint) == ""
    await communicator.disconnect()
    assert await sync_to_async(Attempt.objects.count)() == 0


async def test_malformed_answer_gets_a_clear_error_and_stores_nothing(practice):
    student, session = practice
    communicator = await _connect(student, session.id)
    reply = await _answer(communicator, session.current_item, "2+*")
    await communicator.disconnect()
    assert set(reply) == {"alert"}
    assert "read" in _alert(reply) or "choices" in _alert(reply)
    assert await sync_to_async(Attempt.objects.count)() == 0


async def test_wrong_then_right_answer_updates_feedback_and_mastery(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    first = await _answer(communicator, item, wrong_answer(item))
    second = await _answer(communicator, item, item.answer)
    await communicator.disconnect()
    assert set(first) == set(second) == {"item", "mastery", "alert"}
    assert first["item"].find(id="verdict")["class"] == "verdict wrong" and "Not quite" in first["item"].text
    assert second["item"].find(id="verdict")["class"] == "verdict correct" and "Correct!" in second["item"].text
    assert "Worked solution" in second["item"].text and "Worked solution" not in first["item"].text
    concepts = await sync_to_async(list)(item.concepts.values_list("slug", flat=True))
    assert all(second["mastery"].find(**{"data-concept": slug}) for slug in concepts) and _alert(second) == ""


async def test_resent_attempt_frame_is_stored_once(practice):
    student, session = practice
    item = session.current_item
    attempt = {"item_id": item.id, "answer": item.answer, "client_id": uuid.uuid4()}
    communicator = await _connect(student, session.id)
    await _send(communicator, "attempt", **attempt)
    first = await _receive(communicator)
    await _send(communicator, "attempt", **attempt)
    second = await _receive(communicator)
    await communicator.disconnect()
    assert "Correct!" in first["item"].text and "Correct!" in second["item"].text and _alert(second) == ""
    assert await sync_to_async(Attempt.objects.count)() == 1


async def test_double_click_stores_one_attempt_and_shows_no_error(practice):
    student, session = practice
    item = session.current_item
    attempt = {"item_id": item.id, "answer": item.answer, "client_id": uuid.uuid4()}
    communicator = await _connect(student, session.id)
    await _send(communicator, "attempt", **attempt)  # both sent before the first reply arrives
    await _send(communicator, "attempt", **attempt)
    replies = [await _receive(communicator), await _receive(communicator)]
    await communicator.disconnect()
    assert all("Correct!" in reply["item"].text and _alert(reply) == "" for reply in replies)
    assert await sync_to_async(Attempt.objects.count)() == 1


async def test_forms_get_a_fresh_client_id_once_their_request_is_taken(practice, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    student, session = practice
    item = session.current_item
    sent = uuid.uuid4()
    communicator = await _connect(student, session.id)
    await _send(communicator, "attempt", item_id=item.id, answer=wrong_answer(item), client_id=sent)
    card = await _receive(communicator)
    await _send(communicator, "chat", text="help", client_id=sent)
    taken = await _receive(communicator)
    while "chat-streaming" in (await _receive(communicator)):
        pass
    await communicator.disconnect()
    next_attempt = card["item"].find(name="client_id")["value"]
    next_message = taken["chat-client-id"].attrs
    assert uuid.UUID(next_attempt) != sent and next_message["name"] == "client_id"
    assert uuid.UUID(next_message["value"]) != sent and next_message["hx-swap-oob"] == "true"


async def test_chat_reply_streams_in_pieces_then_the_log_is_sent(practice, monkeypatch):
    # The reply is written by a Celery task; here it runs in the consumer's process, over the real channel layer.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    student, session = practice
    communicator = await _connect(student, session.id)
    await _send(communicator, "chat", text="I don't get it, help", client_id=uuid.uuid4())
    messages = [await _receive(communicator)]
    while "chat-log" not in messages[-1] or messages[-1]["chat-log"].attrs["hx-swap-oob"] != "true":
        messages.append(await _receive(communicator))
    await communicator.disconnect()
    start, deltas, end = messages[0], messages[1:-1], messages[-1]
    assert start["chat-log"].attrs["hx-swap-oob"] == "beforeend" and "I don't get it, help" in start["chat-log"].text
    assert start["chat-log"].find(id="chat-streaming") is not None and _alert(start) == ""
    assert len(deltas) > 3 and all(set(d) == {"chat-streaming"} for d in deltas)
    assert all(d["chat-streaming"].attrs["hx-swap-oob"] == "beforeend" for d in deltas)
    reply = "".join(d["chat-streaming"].text for d in deltas)
    assert reply.strip() and reply in end["chat-log"].text and end["chat-log"].find(id="chat-streaming") is None
    assert "item" not in end  # no hint was given: the card on screen stays as it is
    assert await sync_to_async(ChatMessage.objects.count)() == 2


def test_tutor_text_is_streamed_as_text_not_markup():
    text = '<img src=x onerror="alert(1)"> & 1 < 2'
    message = _parse(fragments.out_of_band(fragments.chat_delta_fragments(text=text)))
    assert message["chat-streaming"].text == text and message["chat-streaming"].descendants == []


async def test_next_frame_brings_a_new_item(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    await _answer(communicator, item, item.answer)
    await _send(communicator, "next")
    reply = await _receive(communicator)
    await communicator.disconnect()
    await sync_to_async(session.refresh_from_db)()
    assert session.current_item_id != item.id and reply["item"].attrs["data-item"] == str(session.current_item_id)
    assert set(reply) == {"item", "mastery", "chat-log", "alert"}
    assert reply["chat-log"].find(**{"class": "muted chat-empty"}) is not None  # the new item's chat is empty


async def test_feedback_stays_on_the_card_after_a_hint(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    await _answer(communicator, item, wrong_answer(item))
    await _send(communicator, "hint", item_id=item.id)
    hint = await _receive(communicator)
    await communicator.disconnect()
    assert "Not quite" in hint["item"].text and item.hints[0] in hint["item"].text


async def test_teachers_grid_gets_the_students_fresh_row_marked_updated(practice, teacher, classroom, monkeypatch):
    # The notification is a Celery task; here it runs in this process, over the real channel layer.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    student, session = practice
    item = session.current_item
    practised = await sync_to_async(item.concepts.count)()
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/classes/{classroom.id}/")
    communicator.scope["user"] = teacher
    connected, _ = await communicator.connect()
    assert connected
    await sync_to_async(services.attempt_record)(session=session, item_id=item.id, response=item.answer,
                                                 client_id=uuid.uuid4())
    message = _parse(await communicator.receive_from(timeout=10))
    await communicator.disconnect()
    row = message[f"student-{student.id}"]
    assert set(message) == {f"student-{student.id}"} and row.tag == "tr" and row.attrs["class"] == "updated"
    assert row.attrs["hx-swap-oob"] == "true" and "Wes Student" in row.text
    assert sum(tag == "td" and "unseen" not in a["class"] for tag, a in row.descendants) == practised


async def test_another_teacher_cannot_watch_the_class(classroom):
    other = await sync_to_async(services.user_create)(username="t2", password="pw-t2-123456", role="teacher")
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/classes/{classroom.id}/")
    communicator.scope["user"] = other
    connected, code = await communicator.connect()
    assert not connected and code == 4403


async def test_right_value_in_another_form_gets_a_neutral_notice_and_nothing_is_stored(practice, course):
    student, _ = practice
    focus = await sync_to_async(course_concept)(course=course, concept_slug="whole-addition")
    session = await sync_to_async(services.session_start)(learner=student, course=course, focus=focus)
    item = await sync_to_async(lambda: session.current_item)()
    communicator = await _connect(student, session.id)
    notice = await _answer(communicator, item, question_expression(item))
    right = await _answer(communicator, item, item.answer)
    await communicator.disconnect()
    assert set(notice) == {"item", "mastery", "alert"} and _alert(notice) == ""
    assert notice["item"].find(id="form-notice")["class"] == "verdict notice"
    assert "Right value — now write it as a single number." in notice["item"].text
    assert notice["item"].find(id="verdict") is None and notice["item"].find(name="answer") is not None
    assert right["item"].find(id="verdict")["class"] == "verdict correct"
    assert right["item"].find(id="form-notice") is None
    attempts = await sync_to_async(list)(Attempt.objects.values_list("response", "correct"))
    assert attempts == [(item.answer, True)]


async def test_scaffold_over_the_socket_step_by_step_to_the_end(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    wrong = await _answer(communicator, item, wrong_answer(item))
    assert wrong["item"].find(id="steps-button") and not wrong["item"].find(id="steps")
    await _send(communicator, "steps", item_id=item.id)
    opened = await _receive(communicator)
    assert opened["item"].find(id="steps") and item.steps[0]["prompt"] in opened["item"].text
    assert not opened["item"].find(id="steps-button") and _alert(opened) == ""
    await _send(communicator, "step", item_id=item.id, step=0, answer="9999", client_id=uuid.uuid4())
    missed = await _receive(communicator)
    assert "Not quite" in missed["item"].text and item.steps[0]["hint"] in missed["item"].text
    for index, step in enumerate(item.steps):
        await _send(communicator, "step", item_id=item.id, step=index, answer=step["answer"], client_id=uuid.uuid4())
        reply = await _receive(communicator)
        following = item.steps[index + 1]["prompt"] if index + 1 < len(item.steps) else "Worked solution"
        assert following in reply["item"].text and _alert(reply) == ""
    await communicator.disconnect()
    assert reply["item"].find(id="next-button") and "Next question" in reply["item"].text
    assert await sync_to_async(Attempt.objects.count)() == 1


async def test_step_frame_for_a_step_not_on_screen_gets_an_error(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    await _send(communicator, "step", item_id=item.id, step=0, answer=item.steps[0]["answer"], client_id=uuid.uuid4())
    refused = await _receive(communicator)
    await _send(communicator, "solution", item_id=item.id)
    too_early = await _receive(communicator)
    await communicator.disconnect()
    assert set(refused) == {"alert"} and "Open the steps first" in _alert(refused)
    assert set(too_early) == {"alert"} and "after the last hint" in _alert(too_early)


async def test_common_wrong_answer_frame_gets_its_feedback(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    reply = await _answer(communicator, item, item.wrong_answers[0]["answer"])
    await communicator.disconnect()
    verdict_text = reply["item"].text
    assert item.wrong_answers[0]["feedback"] in verdict_text and "Not quite" not in verdict_text


async def test_answer_form_keeps_its_id_until_an_answer_is_stored(practice):
    student, session = practice
    item = session.current_item
    communicator = await _connect(student, session.id)
    await _send(communicator, "hint", item_id=item.id)
    rendered_id = (await _receive(communicator))["item"].find(name="client_id")["value"]
    wrong = {"item_id": item.id, "answer": wrong_answer(item), "client_id": rendered_id}
    await _send(communicator, "attempt", **wrong)  # a double click: the same form sent twice
    await _send(communicator, "attempt", **wrong)
    first, second = await _receive(communicator), await _receive(communicator)
    retry_id = second["item"].find(name="client_id")["value"]
    assert first["item"].find(name="client_id")["value"] == retry_id != rendered_id
    right = {"item_id": item.id, "answer": item.answer, "client_id": retry_id}
    await _send(communicator, "attempt", **right)
    await _send(communicator, "attempt", **right)
    replies = [await _receive(communicator), await _receive(communicator)]
    await communicator.disconnect()
    assert all("Correct!" in reply["item"].text and _alert(reply) == "" for reply in replies)
    assert await sync_to_async(Attempt.objects.count)() == 2
