"""The student's pages in a real browser: a double click stores one answer, phones from 360 px wide need no
sideways scrolling, axe-core finds no serious accessibility problem, the focus follows what changed, the chat log
stays at its newest message, and Start practice returns to the open session."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import wrong_answer
from tests.e2e.conftest import ARTIFACTS, ROOT
from tests.e2e.test_browser import _log_in
from tutoring.models import Attempt, Item, LearningSession

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE_WIDTHS = [390, 360]
# axe-core's serious and critical violations on the page, as "rule: selector" lines.
AXE_VIOLATIONS = """async () => {
  const { violations } = await axe.run(document, { resultTypes: ["violations"] });
  return violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(" ")}`));
}"""
# Elements a finger must hit, smaller than 44 × 44 px.
SMALL_TARGETS = """() => [...document.querySelectorAll("button, .choice, nav a, li a")]
  .filter((el) => el.offsetParent !== null)
  .map((el) => [el.textContent.trim(), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([text, box]) => `${text}: ${Math.round(box.width)} × ${Math.round(box.height)}`)"""




def _page(browser, width: int = 1280, height: int = 900):
    return browser.new_context(viewport={"width": width, "height": height}).new_page()


def _start(page, live_server_url: str, student) -> Item:
    if "/learn/" not in page.url:
        _log_in(page, live_server_url)
    page.get_by_role("button", name="Start practice").click()
    expect(page.locator("#connection")).to_have_text("Live")
    return LearningSession.objects.get(learner=student, ended_at=None).current_item


def _choose(page, item: Item, text: str) -> None:
    if item.answer_kind == Item.AnswerKind.CHOICE:
        page.get_by_label(text, exact=True).check()
    else:
        page.locator("#answer").fill(text)


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_VIOLATIONS)


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
def test_double_click_on_check_stores_one_answer(student, course, live_server_url, browser, right):
    page = _page(browser)
    item = _start(page, live_server_url, student)
    _choose(page, item, item.answer if right else wrong_answer(item))
    page.get_by_role("button", name="Check").dblclick()
    expect(page.locator("#verdict")).to_contain_text("Correct!" if right else "Not quite")
    page.get_by_role("button", name="Next question" if right else "Skip to another question").click()
    expect(page.locator("#item")).not_to_have_attribute("data-item", str(item.id))
    expect(page.locator("#alert")).to_be_hidden()
    assert Attempt.objects.filter(item=item).count() == 1


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_student_pages_fit_a_phone(student, course, live_server_url, browser, width):
    page = _page(browser, width=width, height=800)
    page.goto(f"{live_server_url}/login/")
    _check_fits(page, width, "login")
    _log_in(page, live_server_url)
    _check_fits(page, width, "learn")
    item = _start(page, live_server_url, student)
    _choose(page, item, wrong_answer(item))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_contain_text("Not quite")
    page.get_by_role("button", name="Show a hint").click()
    expect(page.locator(".hint").first).to_be_visible()
    _check_fits(page, width, "practice")


def _check_fits(page, width: int, name: str) -> None:
    """No sideways scrolling, fingertip-sized targets, readable bars; a screenshot to look at."""
    page.screenshot(path=str(ARTIFACTS / f"phone-{width}-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), name
    assert page.evaluate(SMALL_TARGETS) == [], name
    assert all(bar.bounding_box()["width"] >= 120 for bar in page.locator(".bar").all()), name


def test_student_pages_have_no_serious_accessibility_problems(student, course, live_server_url, browser):
    page = _page(browser)
    page.goto(f"{live_server_url}/login/")
    assert _axe(page) == []
    _log_in(page, live_server_url)
    expect(page.get_by_role("heading", name="Fractions basics")).to_be_visible()
    assert _axe(page) == []
    item = _start(page, live_server_url, student)
    _choose(page, item, wrong_answer(item))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_contain_text("Not quite")
    page.get_by_role("button", name="Show a hint").click()
    page.get_by_label("Message to the tutor").fill("I'm stuck")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chat-log .message.tutor")).to_have_count(1)
    assert _axe(page) == []
    _choose(page, item, item.answer)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_have_text("Correct!")
    assert _axe(page) == []
    page.screenshot(path=str(ARTIFACTS / "desktop-practice.png"), full_page=True)
    page.goto(f"{live_server_url}/learn/")
    page.screenshot(path=str(ARTIFACTS / "desktop-learn.png"), full_page=True)
    assert _axe(page) == []


def test_focus_moves_to_the_verdict_then_the_hint(student, course, live_server_url, browser):
    page = _page(browser)
    item = _start(page, live_server_url, student)
    _choose(page, item, wrong_answer(item))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_be_focused()
    page.get_by_role("button", name="Show a hint").click()
    expect(page.locator(".hint").last).to_be_focused()


def test_chat_log_stays_at_the_newest_message(student, course, live_server_url, browser):
    page = _page(browser)
    _start(page, live_server_url, student)
    log = page.locator("#chat-log")
    for turn in range(1, 7):
        page.get_by_label("Message to the tutor").fill(f"I'm stuck, try {turn}")
        page.get_by_role("button", name="Send").click()
        expect(log.locator(".message.tutor:not(.streaming)")).to_have_count(turn)
    assert log.evaluate("log => log.scrollHeight > log.clientHeight")  # it does scroll
    page.wait_for_function("() => { const log = document.getElementById('chat-log');"
                           " return log.scrollTop + log.clientHeight >= log.scrollHeight - 1; }")
    expect(log.locator(".message").last).to_be_in_viewport()


def test_start_practice_returns_to_the_open_session(student, course, live_server_url, browser):
    page = _page(browser)
    item = _start(page, live_server_url, student)
    practice_url = page.url
    _choose(page, item, wrong_answer(item))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#verdict")).to_contain_text("Not quite")
    page.get_by_role("link", name="My concepts").click()
    page.get_by_role("button", name="Start practice").click()
    expect(page).to_have_url(practice_url)
    expect(page.locator("#verdict")).to_contain_text("Not quite")
    page.get_by_role("link", name="My concepts").click()
    page.get_by_role("button", name="Start afresh").click()
    expect(page.locator("#connection")).to_have_text("Live")
    assert page.url != practice_url and Path(page.url).name != Path(practice_url).name
