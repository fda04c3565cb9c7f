"""Writes to the concept graph. (The learner model's beliefs are written through ``knowledge.beliefs``.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from knowledge.graph import GraphCycleError, graph_cycle_closed
from knowledge.models import Concept, Prerequisite
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
        # Lock the course's concepts so two curators cannot each add half of a cycle at the same time.
        list(Concept.objects.select_for_update().filter(course_id=concept.course_id).values_list("id", flat=True))
        graph_edge_check(prerequisite=prerequisite, concept=concept)
        edge, _ = Prerequisite.objects.update_or_create(
            prerequisite=prerequisite, concept=concept, defaults={"weight": weight}
        )
    return edge


@dataclass(frozen=True)
class ConceptDraft:
    slug: str
    name: str
    description: str = ""


def course_graph_write(*, course_id: int, concepts: Sequence[ConceptDraft],
                       prerequisites: Sequence[tuple[str, str]]) -> dict[str, Concept]:
    """Write a course's concepts (in teaching order) and prerequisite edges (slug pairs) in place: concepts are
    matched by slug and updated, missing ones and missing edges added; nothing is deleted. The caller has checked
    that the edges name these concepts and close no cycle, and holds the transaction."""
    written = {}
    for position, draft in enumerate(concepts):
        written[draft.slug], _ = Concept.objects.update_or_create(
            course_id=course_id, slug=draft.slug,
            defaults={"name": draft.name, "description": draft.description, "position": position},
        )
    for prerequisite, concept in prerequisites:
        Prerequisite.objects.get_or_create(prerequisite=written[prerequisite], concept=written[concept])
    return written
