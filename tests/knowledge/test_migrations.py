"""Migrations that move stored learner state keep what was learned."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_TOTALS = [("knowledge", "0002_initial")]
WITH_TOTALS = [("knowledge", "0003_learner_answer_totals")]


@pytest.mark.django_db(transaction=True)
def test_answer_totals_migration_sums_each_learners_concept_states(session):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_TOTALS)
    old = executor.loader.project_state(BEFORE_TOTALS).apps
    concepts = list(old.get_model("knowledge", "Concept").objects.filter(course_id=session.course_id)[:2])
    old.get_model("knowledge", "LearnerTraits").objects.create(learner_id=session.learner_id,
                                                               course_id=session.course_id, model_name="psikt")
    for concept, (right, wrong) in zip(concepts, [(3.0, 1.0), (2.0, 4.0)], strict=True):
        old.get_model("knowledge", "ConceptState").objects.create(learner_id=session.learner_id, concept=concept,
                                                                  mean=0.0, variance=1.0, right=right, wrong=wrong)
    executor = MigrationExecutor(connection)
    executor.migrate(WITH_TOTALS)
    new = executor.loader.project_state(WITH_TOTALS).apps
    traits = new.get_model("knowledge", "LearnerTraits").objects.get(learner_id=session.learner_id)
    assert (traits.right, traits.wrong) == (5.0, 5.0)
