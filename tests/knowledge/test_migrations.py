"""Databases made before the knowledge layer kept courses and learners as plain ids migrate with every row intact.

``data/database-d9b0138.sql`` is a SQLite database made by Cairn at commit d9b0138 through its own migrations and
services (a course import, three students practising with hints and a chat turn, a cohort refit, one answer after
it), dumped with sqlite3's ``iterdump``. The first test migrates that very file; the second loads the same rows into
the test database (PostgreSQL in CI) at the schema of d9b0138 and migrates it there.
"""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parents[2]
OLD_DATABASE = Path(__file__).with_name("data") / "database-d9b0138.sql"
# Tables whose rows must survive the migration unchanged, column by column (renamed fields keep their columns).
KEPT_TABLES = ("knowledge_concept", "knowledge_prerequisite", "knowledge_conceptstate", "knowledge_learnertraits",
               "knowledge_modelsnapshot", "tutoring_course", "tutoring_user", "tutoring_item", "tutoring_item_concepts",
               "tutoring_attempt", "tutoring_chatmessage", "tutoring_learningsession", "tutoring_classroom",
               "tutoring_enrolment")
# What the app reads from the migrated database, run with the current code against it.
USE_MIGRATED = """
import json, uuid, django
django.setup()
from django.utils import timezone
from tutoring import services
from tutoring.learner_model import course_learner_model, learner_model_refit
from tutoring.models import Course, LearningSession, User

course = Course.objects.get()
students = list(User.objects.filter(role="student").order_by("id"))
model = course_learner_model(course_id=course.id)
mastery = model.mastery(learner_ids=[s.id for s in students], at=timezone.now())
session = LearningSession.objects.filter(learner=students[0], ended_at=None).order_by("-id").first()
item = services.session_item_advance(session=session)
result = services.attempt_record(session=session, item_id=item.id, response=item.answer, client_id=uuid.uuid4())
snapshot = learner_model_refit(course_id=course.id, steps=5)
print(json.dumps({"version_before": model.version, "observed": sum(m.observed for m in mastery.values()),
                  "answer_mastery": len(result.mastery), "version_after": snapshot.version,
                  "answers_fitted": snapshot.answers}))
"""


def _rows(database: sqlite3.Connection, table: str) -> list[dict]:
    database.row_factory = sqlite3.Row
    return [dict(row) for row in database.execute(f'SELECT * FROM "{table}" ORDER BY id')]


def _value(field, stored):
    """A value as SQLite stored it, as the field holds it (JSON parsed, datetimes in UTC)."""
    if stored is None or field.is_relation:
        return stored
    if field.get_internal_type() == "JSONField":
        return json.loads(stored)
    value = field.to_python(stored)
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else value


def _old_database() -> sqlite3.Connection:
    old = sqlite3.connect(":memory:")
    old.executescript(OLD_DATABASE.read_text(encoding="utf-8"))
    return old


@pytest.mark.slow  # migrates a whole database of the old schema
def test_a_database_made_at_d9b0138_migrates_and_keeps_every_row(tmp_path):
    database = sqlite3.connect(tmp_path / "cairn.sqlite3")
    database.executescript(OLD_DATABASE.read_text(encoding="utf-8"))
    database.close()
    env = {**{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}},
           "CAIRN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tutoring.settings"}
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stderr

    old, new = _old_database(), sqlite3.connect(tmp_path / "cairn.sqlite3")
    for table in KEPT_TABLES:
        before, after = _rows(old, table), _rows(new, table)
        assert before, f"the old database has rows in {table}"
        assert [{column: row[column] for column in before[0]} for row in after] == before, table
    constraints = new.execute("PRAGMA foreign_key_list(knowledge_concept)").fetchall()
    assert all(reference[2] != "tutoring_course" for reference in constraints)

    used = subprocess.run([sys.executable, "-c", USE_MIGRATED], cwd=ROOT, env={**env, "OMP_NUM_THREADS": "1"},
                          capture_output=True, text=True, timeout=600)
    assert used.returncode == 0, used.stderr
    seen = json.loads(used.stdout.strip().splitlines()[-1])
    assert seen["version_before"] == 1 and seen["observed"] == len(_rows(old, "knowledge_conceptstate"))
    assert seen["answer_mastery"] >= 1
    assert seen["version_after"] == 2 and seen["answers_fitted"] == len(_rows(old, "tutoring_attempt")) + 1


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_d9b0138_migrate_on_this_database():
    """The same rows, loaded at the schema of d9b0138 into the test database, migrate to the current schema."""
    old = _old_database()
    applied = old.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    old_targets = {app: name for app, name in applied}
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(list(old_targets.items()))
        historical = MigrationExecutor(connection).loader.project_state(list(old_targets.items())).apps
        models = {model._meta.db_table: model for model in historical.get_models(include_auto_created=True)}
        for table in ("tutoring_user", "tutoring_course", "knowledge_concept", "knowledge_prerequisite",
                      "tutoring_classroom", "tutoring_enrolment", "tutoring_itemtemplate", "tutoring_item",
                      "tutoring_item_concepts", "tutoring_learningsession", "tutoring_attempt", "tutoring_chatmessage",
                      "knowledge_conceptstate", "knowledge_learnertraits", "knowledge_modelsnapshot"):
            model = models[table]
            columns = {field.column: field for field in model._meta.concrete_fields}
            objects = [model(**{columns[column].attname: _value(columns[column], value)
                                for column, value in row.items()})
                       for row in _rows(old, table)]
            model.objects.bulk_create(objects)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    from knowledge.models import Concept, ConceptState, LearnerTraits, ModelSnapshot

    concepts = _rows(old, "knowledge_concept")
    assert sorted(Concept.objects.values_list("id", "course_id", "slug")) == sorted(
        (row["id"], row["course_id"], row["slug"]) for row in concepts)
    states = _rows(old, "knowledge_conceptstate")
    assert sorted(ConceptState.objects.values_list("id", "learner_id", "concept_id", "offset")) == sorted(
        (row["id"], row["learner_id"], row["concept_id"], row["offset"]) for row in states)
    traits = _rows(old, "knowledge_learnertraits")
    assert sorted(LearnerTraits.objects.values_list("learner_id", "course_id", "right")) == sorted(
        (row["learner_id"], row["course_id"], row["right"]) for row in traits)
    [snapshot] = ModelSnapshot.objects.all()
    [old_snapshot] = _rows(old, "knowledge_modelsnapshot")
    assert (snapshot.course_id, snapshot.version, snapshot.is_active) == (old_snapshot["course_id"], 1, True)
    assert snapshot.parameters == json.loads(old_snapshot["parameters"])
