"""Migrations that move stored learner state keep what was learned."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_TOTALS = [("knowledge", "0002_initial")]
WITH_TOTALS = [("knowledge", "0003_learner_answer_totals")]
GIVEN_LEVEL = [("knowledge", "0004_concept_state_given_level")]


@pytest.fixture
def executor():
    """A migration executor; the database is migrated back to the latest state after the test."""
    yield MigrationExecutor(connection)
    latest = MigrationExecutor(connection)
    latest.loader.build_graph()
    latest.migrate(latest.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_answer_totals_migration_sums_each_learners_concept_states(session, executor):
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


@pytest.mark.django_db(transaction=True)
def test_a_stored_belief_becomes_the_same_belief_given_the_level(session, executor):
    executor.migrate(WITH_TOTALS)
    old = executor.loader.project_state(WITH_TOTALS).apps
    concept = old.get_model("knowledge", "Concept").objects.filter(course_id=session.course_id).first()
    old.get_model("knowledge", "ConceptState").objects.create(learner_id=session.learner_id, concept=concept,
                                                              mean=0.7, variance=0.3, right=2.0, wrong=1.0)
    executor = MigrationExecutor(connection)
    executor.migrate(GIVEN_LEVEL)
    new = executor.loader.project_state(GIVEN_LEVEL).apps
    state = new.get_model("knowledge", "ConceptState").objects.get(learner_id=session.learner_id,
                                                                   concept_id=concept.pk)
    assert (state.offset, state.coupling, state.variance) == (0.7, 0.0, 0.3)
