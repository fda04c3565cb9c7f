"""Cairn settings, read from the environment.

With no environment at all Cairn runs embedded: SQLite under ``var/``, an in-memory channel layer,
Celery tasks executed eagerly in-process, the template tutor. ``DATABASE_URL`` and ``REDIS_URL`` switch
to PostgreSQL, channels_redis and a Celery broker; ``CAIRN_ENV=production`` turns on the hardened
profile (it then requires ``SECRET_KEY`` and ``ALLOWED_HOSTS``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAIRN_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [part.strip() for part in value.split(",") if part.strip()] if value else default


CAIRN_ENV = os.environ.get("CAIRN_ENV", "development")
PRODUCTION = CAIRN_ENV == "production"
if CAIRN_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("CAIRN_ENV must be 'development' or 'production'")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when CAIRN_ENV=production")
    SECRET_KEY = "cairn-development-only-key-never-use-in-production-0123456789abcdef"

DEBUG = _env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when CAIRN_ENV=production")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "tutoring",
    "knowledge",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tutoring.urls"
ASGI_APPLICATION = "tutoring.asgi.application"
WSGI_APPLICATION = "tutoring.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite file by default, anything dj-database-url understands otherwise.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'cairn.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many short writes from the websocket and the worker: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not in-memory) test database, so a server process started by a test can share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels: in-memory layer when embedded, Redis otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # socket_timeout=None: redis-py 8 otherwise times out idle pub/sub sockets under channels_redis 4.3.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "socket_connect_timeout": 5}],
                # The default capacity (100) drops group messages silently under a class-wide burst.
                "capacity": 2000,
                "expiry": 30,
                "group_expiry": 86400,
                "prefix": os.environ.get("CAIRN_CHANNEL_PREFIX", "cairn"),
            },
        }
    }
else:
    # A streamed reply is queued whole before it is delivered when Celery runs eagerly: room for a long one.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}}

# --- Celery: eager in-process without a broker; Redis (or CELERY_BROKER_URL) otherwise.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CAIRN_CELERY_QUEUE", "cairn")
# Tutor replies go to the LLM queue: run a worker with `-Q <queue>` next to the GPU to host the model there.
CELERY_TASK_ROUTES = {
    "tutoring.chat_reply_send": {"queue": os.environ.get("CAIRN_LLM_QUEUE", CELERY_TASK_DEFAULT_QUEUE)},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Both limits stay below the visibility timeout, so the broker never hands a running task to a second worker.
CELERY_TASK_SOFT_TIME_LIMIT = 1500
CELERY_TASK_TIME_LIMIT = 1800
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Accounts
AUTH_USER_MODEL = "tutoring.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: our own assets plus the npm packages pinned in package.json (see `npm ci`).
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
FRONTEND_PACKAGES = {
    "vendor/htmx": NODE_MODULES / "htmx.org" / "dist",
    "vendor/htmx-ext-ws": NODE_MODULES / "htmx-ext-ws" / "dist",
    "vendor/katex": NODE_MODULES / "katex" / "dist",
    "vendor/mathlive": NODE_MODULES / "mathlive",
}
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"] + [
    (prefix, path) for prefix, path in FRONTEND_PACKAGES.items() if path.is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Tutor
# template | transformers | openai; a system check (tutoring.checks) refuses any other name. The backend reads its
# own settings from the environment (llm.backends.generative.generative_options): CAIRN_LLM_MODEL_DIR,
# CAIRN_LLM_DEVICE, CAIRN_LLM_MAX_BATCH (transformers); CAIRN_LLM_BASE_URL, CAIRN_LLM_MODEL, CAIRN_LLM_API_KEY,
# CAIRN_LLM_TIMEOUT (openai).
CAIRN_LLM_BACKEND = os.environ.get("CAIRN_LLM_BACKEND", "template")
# Trained remediation decision models and critic (python -m llm.evaluate.train_decisions); rules are used when absent.
CAIRN_DECISION_MODELS_DIR = Path(os.environ.get("CAIRN_DECISION_MODELS_DIR", VAR_DIR / "decision-models"))
CAIRN_MAX_CHAT_LENGTH = 1000

# --- Production hardening (python manage.py check --deploy --fail-level WARNING passes with these).
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
