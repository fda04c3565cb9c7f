"""Reads over the concept graph and the learner state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import networkx as nx

from knowledge.graph import graph_build
from knowledge.learner import Belief, Mastery, learner_model
from knowledge.models import Concept, ConceptState, Prerequisite


def course_graph(*, course_id: int) -> nx.DiGraph:
    """The course's concept graph, nodes are concept ids."""
    return graph_build(
        nodes=Concept.objects.filter(course_id=course_id).values_list("id", flat=True),
        edges=Prerequisite.objects.filter(concept__course_id=course_id).values_list("prerequisite_id", "concept_id"),
    )


def learner_beliefs(*, learner_ids: Iterable[int], course_id: int) -> dict[tuple[int, int], Belief]:
    """Stored beliefs keyed by (learner id, concept id); a missing key means the prior."""
    rows = ConceptState.objects.filter(learner_id__in=list(learner_ids), concept__course_id=course_id)
    return {
        (row.learner_id, row.concept_id): Belief(row.mean, row.variance, row.updated_at)
        for row in rows.only("learner_id", "concept_id", "mean", "variance", "updated_at")
    }


def learner_concept_mastery(*, learner_id: int, concept_ids: Iterable[int], at: datetime) -> dict[int, Mastery]:
    """Mastery of some concepts for one learner, at time ``at``."""
    concept_ids = list(concept_ids)
    model = learner_model()
    prior = model.prior()
    rows = ConceptState.objects.filter(learner_id=learner_id, concept_id__in=list(concept_ids))
    beliefs = {row.concept_id: Belief(row.mean, row.variance, row.updated_at) for row in rows}
    return {c: model.mastery(beliefs.get(c, prior), at=at) for c in concept_ids}
