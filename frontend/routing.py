from django.urls import path

from frontend.consumers import ClassroomConsumer, PracticeConsumer

websocket_urlpatterns = [
    path("ws/practice/<int:session_id>/", PracticeConsumer.as_asgi()),
    path("ws/classes/<int:classroom_id>/", ClassroomConsumer.as_asgi()),
]
