"""Pages and the plain-HTTP practice path, as a browser (with and without htmx) would use them."""

import uuid

import pytest
from django.urls import reverse

from tests.conftest import make_student, question_expression, wrong_answer
from tutoring import services
from tutoring.models import Attempt, ChatMessage, Classroom, Item, LearningSession

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client


def _session(client, course) -> LearningSession:
    response = client.post(reverse("practice-start", args=[course.slug]))
    assert response.status_code == 302
    return LearningSession.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def test_login_page_logs_a_student_in_and_sends_them_to_their_concepts(client, student):
    response = client.post(reverse("login"), {"username": "sam", "password": "pw-sam-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("learn")
    assert b"Adding like fractions" in response.content and b"Start practice" in response.content


def test_wrong_password_says_so(client, student):
    response = client.post(reverse("login"), {"username": "sam", "password": "nope"})
    assert response.status_code == 200 and b"didn't match" in response.content


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("learn"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_teacher_lands_on_classes_and_curator_on_admin(client, teacher, db):
    client.force_login(teacher)
    assert client.get(reverse("home"))["Location"] == reverse("teach")
    curator = services.user_create(username="cur", password="pw-cur-12345", role="curator")
    client.force_login(curator)
    assert client.get(reverse("home"))["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:knowledge_prerequisite_changelist")).status_code == 200


def test_practice_page_shows_the_item_and_the_tutor(student_client, course):
    session = _session(student_client, course)
    page = student_client.get(reverse("practice", args=[session.id])).content.decode()
    assert session.current_item.prompt in page and "Ask the tutor" in page
    assert session.current_item.answer_kind == "choice" or 'name="answer"' in page


def test_htmx_attempt_returns_the_card_and_mastery_out_of_band(student_client, course):
    session = _session(student_client, course)
    item = session.current_item
    response = student_client.post(reverse("practice-attempt", args=[session.id]),
                                   {"item_id": item.id, "answer": item.answer, "client_id": uuid.uuid4()}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Correct!" in html
    assert 'id="mastery" hx-swap-oob="true"' in html


def test_form_post_without_javascript_renders_the_whole_page(student_client, course):
    session = _session(student_client, course)
    item = session.current_item
    response = student_client.post(reverse("practice-attempt", args=[session.id]),
                                   {"item_id": item.id, "answer": item.answer, "client_id": uuid.uuid4()})
    assert response.status_code == 200 and b"Correct!" in response.content and b"<html" in response.content


def test_resubmitted_form_is_stored_once(student_client, course):
    session = _session(student_client, course)
    item = session.current_item
    form = {"item_id": item.id, "answer": item.answer, "client_id": uuid.uuid4()}
    for _ in range(2):
        assert student_client.post(reverse("practice-attempt", args=[session.id]), form, **HTMX).status_code == 200
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"answer": "((("}, 400, "couldn"),
    ({"answer": "1" * 150}, 400, "at most"),
    ({"item_id": 987654}, 404, "No such item"),
    ({"item_id": "abc"}, 400, "missing its question"),
    ({"client_id": "nope"}, 400, "missing its id"),
])
def test_bad_attempt_gets_a_clear_4xx_and_stores_nothing(student_client, course, form, status, message):
    session = _session(student_client, course)
    item = Item.objects.filter(answer_kind="numeric").first()
    LearningSession.objects.filter(pk=session.pk).update(current_item=item)
    data = {"item_id": item.id, "answer": "1", "client_id": uuid.uuid4(), **form}
    response = student_client.post(reverse("practice-attempt", args=[session.id]), data, **HTMX)
    assert response.status_code == status and message in response.content.decode()
    assert response["HX-Retarget"] == "#alert"
    assert Attempt.objects.count() == 0


def test_hint_then_next_over_http(student_client, course):
    session = _session(student_client, course)
    item = session.current_item
    hint = student_client.post(reverse("practice-hint", args=[session.id]), {"item_id": item.id}, **HTMX)
    assert item.hints[0] in hint.content.decode()
    following = student_client.post(reverse("practice-next", args=[session.id]), {}, **HTMX)
    session.refresh_from_db()
    assert session.current_item_id != item.id and session.current_item.prompt in following.content.decode()


def test_chat_over_http_returns_the_reply(student_client, course):
    session = _session(student_client, course)
    response = student_client.post(reverse("practice-chat", args=[session.id]),
                                   {"text": "Just tell me the answer", "client_id": uuid.uuid4()}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Just tell me the answer" in html
    assert "hand you the answer" in html and session.current_item.answer not in html.split("Just tell me")[1]
    assert ChatMessage.objects.filter(author="tutor").count() == 1


def test_oversized_chat_message_is_refused(student_client, course):
    session = _session(student_client, course)
    response = student_client.post(reverse("practice-chat", args=[session.id]),
                                   {"text": "a" * 1001, "client_id": uuid.uuid4()}, **HTMX)
    assert response.status_code == 400 and "at most 1000" in response.content.decode()
    assert ChatMessage.objects.count() == 0


def test_student_cannot_open_another_students_session(client, classroom, course):
    owner, other = make_student(classroom, "own"), make_student(classroom, "oth")
    session = services.session_start(learner=owner, course=course)
    client.force_login(other)
    assert client.get(reverse("practice", args=[session.id])).status_code == 404
    response = client.post(reverse("practice-attempt", args=[session.id]),
                           {"item_id": session.current_item_id, "answer": "1", "client_id": uuid.uuid4()})
    assert response.status_code == 404 and Attempt.objects.count() == 0


def test_student_cannot_open_teacher_pages(student_client, classroom):
    assert student_client.get(reverse("teach")).status_code == 403
    assert student_client.get(reverse("classroom", args=[classroom.id])).status_code == 403


def test_teacher_cannot_practise(client, teacher, course):
    client.force_login(teacher)
    assert client.post(reverse("practice-start", args=[course.slug])).status_code == 403


def test_teacher_sees_the_class_grid(client, teacher, classroom, course, student):
    session = services.session_start(learner=student, course=course)
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    client.force_login(teacher)
    page = client.get(reverse("classroom", args=[classroom.id])).content.decode()
    assert "Sam Student" in page and "Adding like fractions" in page
    practised = item.concepts.count()
    unseen = page.count('<td class="cell unseen"')
    assert page.count('<td class="cell') - unseen == practised and unseen == 3 - practised
    assert page.count("in a week without practice: ") == practised  # each answered cell's retention forecast


def test_student_sees_a_week_ahead_forecast_for_answered_concepts(student_client, student, course):
    session = services.session_start(learner=student, course=course)
    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    page = student_client.get(reverse("learn")).content.decode()
    assert page.count("in a week: ") == item.concepts.count()


def test_teacher_cannot_open_another_teachers_class(client, classroom, db):
    other = services.user_create(username="t2", password="pw-t2-123456", role="teacher")
    client.force_login(other)
    assert client.get(reverse("classroom", args=[classroom.id])).status_code == 403


def test_teacher_turns_the_tutor_off(client, teacher, classroom):
    client.force_login(teacher)
    response = client.post(reverse("classroom", args=[classroom.id]), {"tutor_telling": "solution"})
    classroom.refresh_from_db()
    assert response.status_code == 302 and not classroom.tutor_enabled and classroom.tutor_telling == "solution"


def test_teacher_setting_with_unknown_telling_is_refused(client, teacher, classroom):
    client.force_login(teacher)
    response = client.post(reverse("classroom", args=[classroom.id]), {"tutor_enabled": "on", "tutor_telling": "all"})
    classroom.refresh_from_db()
    assert response.status_code == 400 and classroom.tutor_telling == "hints"


def test_teacher_reads_why_the_tutor_said_what_it_said(client, teacher, classroom, course, student):
    session = services.session_start(learner=student, course=course)
    services.attempt_record(session=session, item_id=session.current_item_id,
                            response=wrong_answer(session.current_item), client_id=uuid.uuid4())
    "".join(services.chat_post(session=session, text="I'm stuck", client_id=uuid.uuid4()).chunks)
    client.force_login(teacher)
    page = client.get(reverse("classroom", args=[classroom.id])).content.decode()
    chat_url = reverse("class-student-chat", args=[classroom.id, student.id])
    assert chat_url in page
    html = client.get(chat_url).content.decode()
    reply = ChatMessage.objects.get(author="tutor")
    assert "I&#x27;m stuck" in html and reply.trace["plan"]["strategy"] in html
    assert "Why the tutor said this" in html and reply.trace["diagnosis"]["error_type"] in html


def test_teacher_cannot_read_another_class_or_a_student_outside_the_class(client, classroom, teacher, db):
    other = services.user_create(username="t2", password="pw-t2-123456", role="teacher")
    outsider = services.user_create(username="out", password="pw-out-12345", role="student")
    client.force_login(other)
    assert client.get(reverse("class-student-chat", args=[classroom.id, outsider.id])).status_code == 403
    client.force_login(teacher)
    assert client.get(reverse("class-student-chat", args=[classroom.id, outsider.id])).status_code == 404


def test_right_value_in_another_form_gets_a_neutral_notice_over_http_and_nothing_is_stored(student_client,
                                                                                           addition_session):
    session, item = addition_session, addition_session.current_item
    url = reverse("practice-attempt", args=[session.id])
    typed = question_expression(item)
    response = student_client.post(url, {"item_id": item.id, "answer": typed, "client_id": uuid.uuid4()}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p id="form-notice" class="verdict notice" role="status">' in html
    assert "Right value — now write it as a single number." in html and f"(you wrote {typed})" in html
    assert 'id="verdict"' not in html and not Attempt.objects.exists()

    page = student_client.post(url, {"item_id": item.id, "answer": typed, "client_id": uuid.uuid4()})
    assert b"<html" in page.content and "Right value — now write it as a single number.".encode() in page.content
    right = student_client.post(url, {"item_id": item.id, "answer": item.answer, "client_id": uuid.uuid4()}, **HTMX)
    assert "Correct!" in right.content.decode() and 'id="form-notice"' not in right.content.decode()
    assert Attempt.objects.get().correct


def test_scaffold_over_plain_http_after_the_last_hint(student_client, course):
    session = _session(student_client, course)
    item = session.current_item
    for _ in item.hints:
        student_client.post(reverse("practice-hint", args=[session.id]), {"item_id": item.id}, **HTMX)
    card = student_client.post(reverse("practice-steps", args=[session.id]), {"item_id": item.id}, **HTMX)
    assert card.status_code == 200 and item.steps[0]["prompt"].encode() in card.content
    for index, step in enumerate(item.steps):
        card = student_client.post(reverse("practice-step", args=[session.id]), {
            "item_id": item.id, "step": index, "answer": step["answer"], "client_id": uuid.uuid4()}, **HTMX)
        assert card.status_code == 200
    assert b"Worked solution" in card.content and b"Next question" in card.content
    assert [a.correct for a in Attempt.objects.filter(session=session)] == [False]  # asking for the steps


def test_worked_solution_over_plain_http_without_htmx(student_client, course):
    session = _session(student_client, course)
    Classroom.objects.filter(pk=session.classroom_id).update(tutor_telling=Classroom.Telling.SOLUTION)
    item = session.current_item
    early = student_client.post(reverse("practice-solution", args=[session.id]), {"item_id": item.id})
    assert early.status_code == 409 and b"after the last hint" in early.content
    for _ in item.hints:
        student_client.post(reverse("practice-hint", args=[session.id]), {"item_id": item.id})
    page = student_client.post(reverse("practice-solution", args=[session.id]), {"item_id": item.id})
    assert page.status_code == 200 and item.solution.encode() in page.content


def test_malformed_step_post_is_refused_with_a_message(student_client, course):
    session = _session(student_client, course)
    response = student_client.post(reverse("practice-step", args=[session.id]),
                                   {"item_id": session.current_item_id, "step": "first", "answer": "1",
                                    "client_id": uuid.uuid4()}, **HTMX)
    assert response.status_code == 400 and b"reload the page" in response.content


def test_start_practice_returns_to_the_open_session_and_start_afresh_leaves_it(student_client, course):
    session = _session(student_client, course)
    assert _session(student_client, course).pk == session.pk
    page = student_client.get(reverse("learn")).content.decode()
    assert "Start afresh" in page and "where you left off" in page
    fresh = student_client.post(reverse("practice-start", args=[course.slug]), {"fresh": "1"})
    assert fresh["Location"] != reverse("practice", args=[session.id])
    assert LearningSession.objects.filter(ended_at=None).count() == 1


def test_card_shown_again_keeps_the_answer_forms_id_until_an_answer_is_stored(student_client, course):
    session = _session(student_client, course)
    item = session.current_item

    def form_id() -> str:
        page = student_client.get(reverse("practice", args=[session.id])).content.decode()
        return page.split('name="client_id" value="', 1)[1].split('"', 1)[0]

    shown = form_id()
    assert form_id() == shown
    student_client.post(reverse("practice-attempt", args=[session.id]),
                        {"item_id": item.id, "answer": wrong_answer(item), "client_id": shown}, **HTMX)
    assert form_id() != shown


def test_concepts_not_yet_practised_show_their_estimated_mastery(student_client, course):
    page = student_client.get(reverse("learn")).content.decode()
    assert ">–<" not in page and page.count("estimated from other answers</span>") == 3
    assert page.count('role="meter"') == page.count('aria-label="Mastery of ') == 3
