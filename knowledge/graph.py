"""The concept graph as a networkx DiGraph (edges point from prerequisite to the concept that needs it)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import networkx as nx


class GraphCycleError(ValueError):
    """Adding the edge would close a cycle; ``cycle`` lists the concepts around it."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__("This prerequisite would create a cycle: " + " → ".join([*cycle, cycle[0]]))


def graph_build(*, nodes: Iterable[Hashable], edges: Iterable[tuple[Hashable, Hashable]]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return graph


def graph_cycle_closed(graph: nx.DiGraph, *, prerequisite: Hashable, concept: Hashable) -> list[Hashable]:
    """The cycle that the edge prerequisite -> concept would close, starting at the prerequisite; [] if none."""
    if prerequisite == concept:
        return [concept]
    if graph.has_node(concept) and graph.has_node(prerequisite) and nx.has_path(graph, concept, prerequisite):
        path = nx.shortest_path(graph, concept, prerequisite)
        return [prerequisite, *path[:-1]]
    return []
