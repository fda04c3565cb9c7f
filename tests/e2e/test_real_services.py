"""The app on PostgreSQL, channels_redis and a real Celery worker: an answer reaches the teacher's grid live."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connection

from frontend.routing import websocket_urlpatterns
from tutoring import services
from tutoring.models import Attempt
from tutoring.tasks import mastery_changed_notify

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


async def _watch_class(teacher, classroom) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/classes/{classroom.id}/")
    communicator.scope["user"] = teacher
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def test_the_app_runs_on_postgres_and_redis(real_services):
    from channels_redis.core import RedisChannelLayer

    assert connection.vendor == "postgresql"
    assert isinstance(get_channel_layer(), RedisChannelLayer)


async def test_answer_reaches_the_teachers_grid_through_the_worker(celery_worker, teacher, classroom, session):
    communicator = await _watch_class(teacher, classroom)
    item = session.current_item
    await sync_to_async(services.attempt_record)(session=session, item_id=item.id, response=item.answer,
                                                 client_id=uuid.uuid4())
    update = await communicator.receive_from(timeout=30)
    await communicator.disconnect()
    assert f'id="student-{session.learner_id}"' in update and 'hx-swap-oob="true"' in update


async def test_notification_task_run_twice_is_harmless(celery_worker, teacher, classroom, session):
    communicator = await _watch_class(teacher, classroom)
    before = await sync_to_async(Attempt.objects.count)()
    for _ in range(2):
        sent = await sync_to_async(mastery_changed_notify.delay)(classroom_ids=[classroom.id],
                                                                 learner_id=session.learner_id)
        assert await sync_to_async(sent.get)(timeout=30) == 1
    first = await communicator.receive_from(timeout=30)
    second = await communicator.receive_from(timeout=30)
    await communicator.disconnect()
    assert first == second and f'id="student-{session.learner_id}"' in first
    assert await sync_to_async(Attempt.objects.count)() == before


async def test_a_burst_from_a_whole_class_is_not_dropped(real_services, teacher, classroom, student):
    """More group messages than channels_redis's default capacity (100) all arrive, each rendered as a row."""
    communicator = await _watch_class(teacher, classroom)
    layer = get_channel_layer()
    for _ in range(150):
        await layer.group_send(f"classroom-{classroom.id}", {"type": "mastery.changed", "learner_id": student.id})
    received = [await communicator.receive_from(timeout=10) for _ in range(150)]
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()
    assert all(f'id="student-{student.id}"' in row for row in received)


def test_refit_task_runs_in_a_worker_and_running_it_twice_is_harmless(celery_worker, session, course):
    from knowledge.models import ModelSnapshot
    from tutoring.tasks import learner_model_refit

    item = session.current_item
    services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
    versions = [learner_model_refit.delay(course_id=course.id).get(timeout=300) for _ in range(2)]
    [snapshot] = ModelSnapshot.objects.filter(course_id=course.id)
    assert versions == [1, 1]
    assert snapshot.is_active and snapshot.status == "ready" and snapshot.answers == 1
