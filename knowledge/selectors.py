"""Reads over the concept graph. (The learner model's beliefs are read through ``knowledge.beliefs``.)"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from knowledge.graph import graph_build
from knowledge.models import Concept, Prerequisite


def course_graph(*, course_id: int) -> nx.DiGraph:
    """The course's concept graph, nodes are concept ids."""
    return graph_build(
        nodes=Concept.objects.filter(course_id=course_id).values_list("id", flat=True),
        edges=Prerequisite.objects.filter(concept__course_id=course_id).values_list("prerequisite_id", "concept_id"),
    )


@dataclass(frozen=True)
class ConceptMap:
    concepts: list[Concept]  # prerequisites before the concepts that need them
    graph: nx.DiGraph  # nodes are concept ids, edges point from prerequisite to concept


def concept_map(*, course_id: int) -> ConceptMap:
    """The course's concepts in prerequisite order (ties by teaching position, then name), with the graph."""
    concepts = {c.id: c for c in Concept.objects.filter(course_id=course_id)}
    graph = course_graph(course_id=course_id)
    order = nx.lexicographical_topological_sort(graph, key=lambda cid: (concepts[cid].position, concepts[cid].name))
    return ConceptMap(concepts=[concepts[cid] for cid in order], graph=graph)

