"""Settings come from the environment: embedded defaults, real services, and a hardened production profile."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
                                                          "CAIRN_ENV", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
SECRET = "k8#Qz!v2$Lr9@Wm4^Tx7&Yp1*Nb6(Hd3)Fj0_Sg5+Ua8=Ce2-tB7uVw3xXy9zZq4rRs6"
PRODUCTION = {**CLEAN, "CAIRN_ENV": "production", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "cairn.example.org",
              "DEBUG": "0"}
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "layer_config": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "acks_late": settings.CELERY_TASK_ACKS_LATE,
    "reject_lost": settings.CELERY_TASK_REJECT_ON_WORKER_LOST,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
    "visibility": settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"],
    "debug": settings.DEBUG,
}))
"""


def _settings(env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**env, "DJANGO_SETTINGS_MODULE": "tutoring.settings"})
    return json.loads(result.stdout)


def test_no_environment_means_embedded_services():
    seen = _settings(CLEAN)
    assert seen["db"] == "django.db.backends.sqlite3"
    assert seen["layer"] == "channels.layers.InMemoryChannelLayer"
    assert seen["eager"] is True and seen["debug"] is True


def test_database_and_redis_urls_switch_to_real_services():
    seen = _settings({**CLEAN, "DATABASE_URL": "postgres://u@db.internal:5432/cairn", "REDIS_URL": "redis://r:6379/0"})
    assert seen["db"] == "django.db.backends.postgresql"
    assert seen["layer"] == "channels_redis.core.RedisChannelLayer"
    assert seen["layer_config"]["capacity"] > 100
    assert seen["layer_config"]["hosts"][0]["socket_timeout"] is None
    assert seen["eager"] is False and seen["acks_late"] and seen["reject_lost"]
    assert seen["time_limit"] < seen["visibility"]


def test_production_profile_passes_the_deploy_check():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, capture_output=True, text=True, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
