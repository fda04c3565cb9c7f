"""Cairn's settings for the test run, with the fast password hasher Django recommends for tests: the strong
default spends half a second on every account a fixture creates and on every login. The live server and
Celery worker of the end-to-end tests use these settings too, so they read the same password hashes."""

from tutoring.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# With a broker, tests read what a task returned from the worker that ran it.
if REDIS_URL:  # noqa: F405
    CELERY_RESULT_BACKEND = REDIS_URL  # noqa: F405
    CELERY_TASK_IGNORE_RESULT = False
