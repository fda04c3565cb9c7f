"""A student in a real browser: log in, practise, get one wrong, ask for a hint, get it right; over the websocket,
and over plain HTTP when the socket is refused. A teacher watches the class grid update live."""

import json

import pytest
from playwright.sync_api import expect

from tests.conftest import question_expression, wrong_answer
from tests.e2e.conftest import ARTIFACTS, as_read, text_as_read
from tutoring.models import ChatMessage, Item, LearningSession

pytestmark = pytest.mark.browser
# Every websocket the page opens fails as a refused handshake does (error, then close 1006), as behind a proxy that
# does not pass websockets.
REFUSED_WEBSOCKETS = """
window.WebSocket = class extends EventTarget {
  constructor() {
    super();
    this.readyState = 3;
    setTimeout(() => { this.onerror?.(new Event("error")); this.onclose?.(new CloseEvent("close", { code: 1006 })); });
  }
  send() { throw new Error("this socket was refused"); }
  close() {}
};
"""
# A browser that will not open a websocket at all (a ws:// address from an https page, a blocking proxy).
UNAVAILABLE_WEBSOCKETS = """
window.WebSocket = class { constructor() { throw new DOMException("websockets are blocked", "SecurityError"); } };
"""


def _answer(page, item: Item, text: str) -> None:
    if item.answer_kind == Item.AnswerKind.CHOICE:
        page.get_by_label(text, exact=True).check()
    else:
        page.locator("#answer").fill(text)
    page.get_by_role("button", name="Check").click()


def _log_in(page, live_server_url: str) -> None:
    page.goto(f"{live_server_url}/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("pw-sam-123")
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def browser_page(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def test_student_practises_with_feedback_and_a_hint(student, course, live_server_url, browser_page):
    page = browser_page
    _log_in(page, live_server_url)
    expect(page.get_by_role("heading", name="Fractions basics")).to_be_visible()
    frames, posts = [], []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: frames.append(json.loads(payload))))
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Live")
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    item = LearningSession.objects.get(learner=student).current_item
    expect(page.locator(".maths:not(.maths-typeset)")).to_have_count(0)
    assert text_as_read(page.locator(".prompt")) == as_read(item.prompt)
    _answer(page, item, wrong_answer(item))
    expect(page.locator("#verdict")).to_contain_text("Not quite")

    page.get_by_role("button", name="Show a hint").click()
    expect(page.locator(".hint").first).to_contain_text(item.hints[0])

    _answer(page, item, item.answer)
    expect(page.locator("#verdict")).to_have_text("Correct!")
    expect(page.locator(".solution")).to_be_visible()
    expect(page.locator("#mastery .concept").first).to_be_visible()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "student-practice.png"), full_page=True)

    page.get_by_role("button", name="Next question").click()
    expect(page.locator("#item")).not_to_have_attribute("data-item", str(item.id))
    assert item.attempts.filter(correct=True).count() == 1 and item.attempts.count() == 2
    # While the socket is open every form went over it, once, and none over HTTP.
    assert [frame["frame"] for frame in frames] == ["attempt", "hint", "attempt", "next"] and posts == []


@pytest.mark.parametrize("socket", [REFUSED_WEBSOCKETS, UNAVAILABLE_WEBSOCKETS], ids=["refused", "unavailable"])
def test_student_practises_over_http_when_the_socket_is_refused(student, course, live_server_url, browser_page,
                                                                socket):
    page = browser_page
    page.add_init_script(socket)
    _log_in(page, live_server_url)
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Offline: answers go over plain HTTP. Reconnecting…")

    item = LearningSession.objects.get(learner=student).current_item
    _answer(page, item, wrong_answer(item))
    expect(page.locator("#verdict")).to_contain_text("Not quite")
    page.get_by_role("button", name="Show a hint").click()
    expect(page.locator(".hint").first).to_contain_text(item.hints[0])
    for text in ("Can you just tell me the answer?", "I'm stuck, can you help?"):
        page.get_by_label("Message to the tutor").fill(text)
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#chat-log .message.student .text").last).to_have_text(text)
        expect(page.get_by_label("Message to the tutor")).to_have_value("")
    expect(page.locator("#chat-log .message.tutor")).to_have_count(2)
    _answer(page, item, item.answer)
    expect(page.locator("#verdict")).to_have_text("Correct!")
    expect(page.locator("#alert")).to_be_hidden()
    page.get_by_role("button", name="Next question").click()
    expect(page.locator("#item")).not_to_have_attribute("data-item", str(item.id))
    assert item.attempts.count() == 2 and ChatMessage.objects.filter(item=item, author="student").count() == 2


def test_chat_panel_streams_a_tutor_reply(student, course, live_server_url, browser_page):
    page = browser_page
    _log_in(page, live_server_url)
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Live")
    item = LearningSession.objects.get(learner=student).current_item
    page.get_by_label("Message to the tutor").fill("Can you just tell me the answer?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chat-log .message.tutor")).to_contain_text("hand you the answer")
    _answer(page, item, wrong_answer(item))
    expect(page.locator("#verdict")).to_contain_text("Not quite")
    page.get_by_label("Message to the tutor").fill("I'm stuck, can you help?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chat-log .message.tutor").nth(1)).to_contain_text(item.hints[0])
    assert item.answer not in page.locator("#chat-log").inner_text()
    page.screenshot(path=str(ARTIFACTS / "student-chat.png"), full_page=True)


def test_teachers_grid_updates_live_when_a_student_answers(student, teacher, classroom, course, live_server_url,
                                                           browser_page):
    teacher_page = browser_page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    teacher_page.goto(f"{live_server_url}/login/")
    teacher_page.get_by_label("Username").fill("teacher")
    teacher_page.get_by_label("Password").fill("pw-teacher-123")
    teacher_page.get_by_role("button", name="Log in").click()
    teacher_page.get_by_role("link", name="7A").click()
    expect(teacher_page.locator("#live")).to_have_text("Live")
    row = teacher_page.locator(f"#student-{student.id}")
    before = row.inner_text()

    page = browser_page
    _log_in(page, live_server_url)
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Live")
    item = LearningSession.objects.get(learner=student).current_item
    _answer(page, item, item.answer)
    expect(page.locator("#verdict")).to_have_text("Correct!")

    expect(row).to_have_class("updated")
    assert row.inner_text() != before
    teacher_page.screenshot(path=str(ARTIFACTS / "teacher-grid.png"), full_page=True)


@pytest.mark.parametrize(("socket", "connection"), [
    ("", "Live"), (REFUSED_WEBSOCKETS, "Offline: answers go over plain HTTP. Reconnecting…"),
], ids=["websocket", "http"])
def test_typing_the_question_back_asks_for_the_worked_out_value(student, course, live_server_url, browser_page,
                                                                socket, connection):
    page = browser_page
    page.add_init_script(socket)
    _log_in(page, live_server_url)
    page.get_by_role("button", name="Practise Adding whole numbers").click()
    expect(page.locator("#connection")).to_have_text(connection)
    item = LearningSession.objects.get(learner=student).current_item

    typed = question_expression(item)
    _answer(page, item, typed)
    notice = page.locator("#form-notice")
    expect(notice).to_have_text(f"Right value — now write it as a single number. (you wrote {typed})")
    expect(notice).to_have_class("verdict notice")
    expect(notice).to_have_css("color", "rgb(31, 36, 48)")  # the page's ink, not the red of a wrong answer
    expect(page.locator("#verdict")).to_have_count(0)
    assert not item.attempts.exists()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "student-form-notice.png"), full_page=True)

    _answer(page, item, item.answer)
    expect(page.locator("#verdict")).to_have_text("Correct!")
    expect(page.locator("#form-notice")).to_have_count(0)
    assert list(item.attempts.values_list("response", "correct")) == [(item.answer, True)]


def test_common_wrong_answer_gets_its_feedback(student, course, live_server_url, browser_page):
    page = browser_page
    _log_in(page, live_server_url)
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Live")
    item = LearningSession.objects.get(learner=student).current_item
    common = item.wrong_answers[0]
    _answer(page, item, common["answer"])
    expect(page.locator("#verdict")).to_contain_text(common["feedback"])
    expect(page.locator("#verdict")).not_to_contain_text("Not quite")
    assert item.attempts.get().feedback == common["feedback"]


def _answer_step(page, number: int, step: dict, text: str) -> None:
    steps = page.locator("#steps")
    if step["answer_kind"] == "choice":
        steps.get_by_label(text, exact=True).check()
    else:
        steps.get_by_label(f"Your answer to step {number}").fill(text)
    steps.get_by_role("button", name=f"Check step {number}").click()


def test_stuck_student_works_through_the_steps_to_the_end(student, course, live_server_url, browser_page):
    page = browser_page
    _log_in(page, live_server_url)
    frames = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: frames.append(json.loads(payload))))
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Live")
    item = LearningSession.objects.get(learner=student).current_item
    expect(page.get_by_role("button", name="Work through it step by step")).to_have_count(0)
    _answer(page, item, wrong_answer(item))
    expect(page.locator("#verdict")).to_contain_text("Not quite")

    page.get_by_role("button", name="Work through it step by step").click()
    expect(page.locator("#steps .step-prompt")).to_have_text([item.steps[0]["prompt"]])
    _answer_step(page, 1, item.steps[0], "9999")  # the first steps of the test course ask for a number
    expect(page.locator("#steps .step-verdict")).to_contain_text("Not quite")
    expect(page.locator("#steps .step-hint")).to_contain_text(item.steps[0]["hint"])
    for number, step in enumerate(item.steps, start=1):
        _answer_step(page, number, step, step["answer"])
        expect(page.locator("#steps .step-done")).to_have_count(number)
    expect(page.locator(".solution")).to_be_visible()
    expect(page.get_by_role("button", name="Next question")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "student-steps.png"), full_page=True)

    assert [frame["frame"] for frame in frames] == ["attempt", "steps", *["step"] * (len(item.steps) + 1)]
    assert item.attempts.count() == 1 and item.step_attempts.filter(correct=True).count() == len(item.steps)


def test_four_wrong_answers_lower_the_mastery_shown(student, course, live_server_url, browser_page):
    page = browser_page
    _log_in(page, live_server_url)
    page.get_by_role("button", name="Practise Adding whole numbers").click()
    expect(page.locator("#connection")).to_have_text("Live")
    meter = page.locator('#mastery [data-concept="whole-addition"] [role="meter"]')
    shown = [int(meter.get_attribute("aria-valuenow"))]
    item = LearningSession.objects.get(learner=student).current_item
    for miss in range(1, 5):
        typed = f"{int(item.answer) + miss}"  # a different wrong number each time, so each verdict is new
        _answer(page, item, typed)
        expect(page.locator("#verdict")).to_contain_text(f"(you answered {typed})")
        shown.append(int(meter.get_attribute("aria-valuenow")))
    assert all(later <= earlier for earlier, later in zip(shown, shown[1:], strict=False)), shown
    assert shown[-1] < shown[0], shown
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "student-four-wrong-answers.png"), full_page=True)
