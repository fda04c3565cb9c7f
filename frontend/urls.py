from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("learn/", views.learn, name="learn"),
    path("learn/<slug:course_slug>/practice/", views.practice_start, name="practice-start"),
    path("practice/<int:session_id>/", views.practice, name="practice"),
    path("practice/<int:session_id>/attempt/", views.practice_attempt, name="practice-attempt"),
    path("practice/<int:session_id>/hint/", views.practice_hint, name="practice-hint"),
    path("practice/<int:session_id>/next/", views.practice_next, name="practice-next"),
    path("practice/<int:session_id>/steps/", views.practice_steps, name="practice-steps"),
    path("practice/<int:session_id>/step/", views.practice_step, name="practice-step"),
    path("practice/<int:session_id>/solution/", views.practice_solution, name="practice-solution"),
    path("practice/<int:session_id>/chat/", views.practice_chat, name="practice-chat"),
    path("teach/", views.teach, name="teach"),
    path("teach/classes/<int:classroom_id>/", views.classroom, name="classroom"),
    path("teach/classes/<int:classroom_id>/students/<int:student_id>/chat/", views.class_student_chat_page,
         name="class-student-chat"),
]
