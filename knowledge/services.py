"""Writes for the concept graph and the learner state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from knowledge.graph import GraphCycleError, graph_cycle_closed
from knowledge.learner import Belief, learner_model
from knowledge.models import Concept, ConceptState, Prerequisite
from knowledge.selectors import course_graph


def graph_edge_check(*, prerequisite: Concept, concept: Concept, ignore_edge: int | None = None) -> None:
    """Raise ValueError (GraphCycleError for a cycle) if the edge may not be in the course graph.

    ``ignore_edge``: the id of an edge being edited, judged as if its old version were gone.
    """
    if prerequisite.course_id != concept.course_id:
        raise ValueError("A prerequisite must belong to the same course as the concept.")
    graph = course_graph(course_id=concept.course_id)
    old = Prerequisite.objects.filter(pk=ignore_edge).values_list("prerequisite_id", "concept_id").first()
    if old is not None and graph.has_edge(*old):
        graph.remove_edge(*old)
    cycle = graph_cycle_closed(graph, prerequisite=prerequisite.pk, concept=concept.pk)
    if cycle:
        names = dict(Concept.objects.filter(pk__in=cycle).values_list("pk", "name"))
        raise GraphCycleError([names[pk] for pk in cycle])


def graph_edge_add(*, prerequisite: Concept, concept: Concept, weight: float = 1.0) -> Prerequisite:
    """Add the edge prerequisite -> concept, refusing one that closes a cycle (the error names it)."""
    with transaction.atomic():
        # Lock the course row so two curators cannot each add half of a cycle at the same time.
        type(concept.course).objects.select_for_update().get(pk=concept.course_id)
        graph_edge_check(prerequisite=prerequisite, concept=concept)
        edge, _ = Prerequisite.objects.update_or_create(
            prerequisite=prerequisite, concept=concept, defaults={"weight": weight}
        )
    return edge


def learner_observe(
    *, learner_id: int, concept_ids: Sequence[int], difficulty: float, correct: bool, at: datetime
) -> dict[int, Belief]:
    """Update the learner's beliefs about these concepts after one answer; return the new beliefs.

    Must run inside the caller's transaction: the rows are locked, so two answers arriving together are
    applied one after the other.
    """
    model = learner_model()
    states = {
        state.concept_id: state
        for state in ConceptState.objects.select_for_update().filter(learner_id=learner_id, concept_id__in=concept_ids)
    }
    prior = model.prior()
    ordered = sorted(set(concept_ids))
    beliefs = [
        Belief(states[c].mean, states[c].variance, states[c].updated_at) if c in states else prior for c in ordered
    ]
    posterior = model.update(beliefs, difficulty=difficulty, correct=correct, at=at)
    for concept_id, belief in zip(ordered, posterior, strict=True):
        state = states.get(concept_id) or ConceptState(learner_id=learner_id, concept_id=concept_id, attempts=0)
        state.mean, state.variance, state.updated_at = belief.mean, belief.variance, at
        state.attempts += 1
        state.save()
    return dict(zip(ordered, posterior, strict=True))
