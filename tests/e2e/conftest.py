"""Real processes for end-to-end tests: an ASGI server (uvicorn) and a Celery worker on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, connections
from playwright.sync_api import sync_playwright

from tests.conftest import service_unavailable
from tutoring.maths_text import maths_segments

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("CAIRN_TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# An element's text as a screen reader gets it: each typeset maths span read from its MathML's TeX annotation.
_TEXT_WITH_MATHS_AS_TEX = """(element) => {
  const copy = element.cloneNode(true);
  for (const maths of copy.querySelectorAll(".katex")) {
    maths.replaceWith(maths.querySelector('math annotation[encoding="application/x-tex"]').textContent);
  }
  return copy.textContent.replace(/\\s+/g, " ").trim();
}"""


def text_as_read(locator) -> str:
    """The text of a page's element, its maths as the TeX that KaTeX typeset (``as_read`` of the course text)."""
    return locator.evaluate(_TEXT_WITH_MATHS_AS_TEX)


def as_read(text: str) -> str:
    """Course text as ``text_as_read`` finds it on the page once its maths is typeset."""
    return " ".join("".join(s.tex if s.is_maths else s.text for s in maths_segments(text)).split())


def _database_url() -> str:
    """The URL of the database the tests are using right now (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _process_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": _database_url(),
            "PYTHONUNBUFFERED": "1", **extra}


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass(frozen=True)
class Worker:
    queue: str
    log: Path


@pytest.fixture(scope="module")
def asgi_server(request, django_db_setup) -> Iterator[str]:
    """uvicorn serving tutoring.asgi (HTTP and websockets) against the test database, once for a test module;
    with a broker configured, a Celery worker runs the tasks the server schedules."""
    extra = {}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        extra["CAIRN_CELERY_QUEUE"] = request.getfixturevalue("celery_worker").queue
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (ARTIFACTS / "uvicorn.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tutoring.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=_process_env(**extra), stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"uvicorn exited with {server.returncode}; see {ARTIFACTS / 'uvicorn.log'}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        _stop(server)
        pytest.fail("uvicorn did not start within 30 s")
    yield f"http://127.0.0.1:{port}"
    _stop(server)
    log.close()


@pytest.fixture
def live_server_url(asgi_server, transactional_db) -> str:
    """The module's server, over a test database emptied after each test."""
    return asgi_server


@pytest.fixture(scope="module")
def services_available() -> None:
    """PostgreSQL for the database and Redis for channels and the Celery broker, or skip (fail in CI)."""
    if connection.vendor != "postgresql":
        service_unavailable("DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        service_unavailable("REDIS_URL is not set")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        service_unavailable(f"Redis at REDIS_URL is unreachable: {error}")


@pytest.fixture
def real_services(services_available, transactional_db) -> None:
    """The real services, over a test database emptied after each test."""


@pytest.fixture(scope="module")
def celery_worker(services_available, django_db_setup) -> Iterator[Worker]:
    """A real `celery worker` process on a queue of its own, sharing the test database, once for a test module."""
    from tutoring.celery import app

    queue = f"cairn-test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"celery-{queue}.log"
    log = log_path.open("wb")
    hostname = f"{queue}@{socket.gethostname()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tutoring", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO", "--hostname", hostname],
        cwd=ROOT, env=_process_env(CAIRN_CELERY_QUEUE=queue), stdout=log, stderr=subprocess.STDOUT,
    )
    for _ in range(60):  # the worker answers a ping once it is ready
        if worker.poll() is not None or app.control.ping(destination=[hostname], timeout=1.0):
            break
    if worker.poll() is not None or not app.control.ping(destination=[hostname], timeout=1.0):
        _stop(worker)
        pytest.fail(f"the Celery worker did not start; see {log_path}")
    yield Worker(queue=queue, log=log_path)
    _stop(worker)
    log.close()
    app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.fixture
def browser(chromium_path, monkeypatch):
    """Debian's Chromium, headless. Playwright's sync API keeps an event loop running in this thread; the test's own
    ORM reads are still plain synchronous calls, which Django allows once told so."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
        # The test's ORM reads ran while Playwright's loop was running, on connections of their own.
        connections.close_all()
